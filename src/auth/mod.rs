//! Who is asking: people logging in with ID-porten, Skatteetaten's employees logging in with the
//! agency's directory (both through one OpenID Connect client), end-user systems with Maskinporten
//! tokens, and what Altinn says each may do.

pub mod altinn;
pub mod ansatt;
pub mod idporten;
pub mod maskinporten;
pub mod maskinporten_client;
pub mod oidc;
pub mod ssh;
