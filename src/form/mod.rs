//! The form language: definitions, loading and checking, expressions, the JSON data model,
//! validation and the JSON Schema. Pure: no I/O but reading form files.

pub mod attachment;
pub mod definition;
pub mod describe;
pub mod diff;
pub mod document;
pub mod expr;
pub mod input;
pub mod load;
pub mod no;
pub mod scenario;
pub mod schema;
pub mod stream;
pub mod testdata;
pub mod validate;

pub use definition::{Catalog, Field, FieldKind, Form, Lang, Page, Text};
pub use expr::{Context, Seg};
pub use validate::{FieldError, Scope};
