//! Who the user is: logging in with ID-porten, and (later) sessions, Maskinporten tokens and party
//! access.

pub mod altinn;
pub mod idporten;
pub mod maskinporten;
pub mod maskinporten_client;
