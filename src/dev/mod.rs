//! The built-in stand-ins for outside systems. Each answers on the same HTTP shapes as the real
//! system, so the portal talks to it exactly as it talks to the real one. None of them may run when
//! the configuration says production.

pub mod dialogporten;
pub mod domain;
pub mod idporten;
pub mod maskinporten;
pub mod registry;
