//! The canonical form of a submitted document: the JSON with object keys in byte order and no
//! whitespace, so that the same answers always give the same bytes and the same SHA-256, whatever
//! order or spacing they arrived in.

use serde_json::Value;

use crate::form::expr::Seg;
use sha2::{Digest, Sha256};

/// The canonical JSON text of a value.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

/// Appends the canonical JSON text of a value.
pub fn write(v: &Value, out: &mut String) {
    write_at(v, &mut Vec::new(), out, None);
}

/// What may write a place's text itself: asked with the place's path, says whether it did.
type Splice<'f> = dyn FnMut(&[Seg], &mut String) -> bool + 'f;

/// The canonical JSON text of a value, room for `capacity` bytes made first, where `splice` may write the text of any place itself:
/// it is asked at each place (by its path of keys and indexes) and returns whether it did.
pub fn canonical_with_capacity(v: &Value, capacity: usize, splice: &mut Splice<'_>) -> String {
    let mut out = String::with_capacity(capacity);
    write_at(v, &mut Vec::new(), &mut out, Some(splice));
    out
}

/// Writes `v`; the path is followed only for a splice.
fn write_at<'f>(
    v: &Value,
    path: &mut Vec<Seg>,
    out: &mut String,
    mut splice: Option<&mut Splice<'f>>,
) {
    if let Some(f) = splice.as_mut()
        && f(path, out)
    {
        return;
    }
    let tracked = splice.is_some();
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                if tracked {
                    path.push(Seg::Key(k.clone()));
                }
                write_at(&map[k], path, out, splice.as_deref_mut());
                if tracked {
                    path.pop();
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if tracked {
                    path.push(Seg::Index(i));
                }
                write_at(item, path, out, splice.as_deref_mut());
                if tracked {
                    path.pop();
                }
            }
            out.push(']');
        }
        other => write_scalar(other, out),
    }
}

/// A string, number, boolean or null as serde_json writes it.
fn write_scalar(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => write_string(s, out),
        scalar => {
            use std::fmt::Write;
            let _ = write!(out, "{scalar}");
        }
    }
}

/// A JSON string as serde_json writes it.
fn write_string(s: &str, out: &mut String) {
    // Serialising a string into memory cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// Lower-case hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_and_spacing_do_not_matter() {
        let a: Value =
            serde_json::from_str(r#"{"b": [1, {"y": 2, "x": "æ"}], "a": null}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":null,"b":[1,{"x":"æ","y":2}]}"#).unwrap();
        assert_eq!(canonical(&a), r#"{"a":null,"b":[1,{"x":"æ","y":2}]}"#);
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
