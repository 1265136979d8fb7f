//! The JSON Schema of a form's document, for the M2M channel.

use serde_json::{Map, Value, json};

use super::definition::{Bounds, Field, FieldKind, Form, Lang, Required};
use super::expr::Seg;

/// A node of the document tree while it is being built.
#[derive(Default)]
struct Node {
    props: Vec<(String, Node)>,
    required: Vec<String>,
    items: Option<Box<Node>>,
    min_items: Option<usize>,
    max_items: Option<usize>,
    leaf: Option<Value>,
    one_of: Vec<String>,
    description: Option<String>,
}

impl Node {
    fn child(&mut self, key: &str) -> &mut Node {
        if let Some(i) = self.props.iter().position(|(k, _)| k == key) {
            return &mut self.props[i].1;
        }
        self.props.push((key.to_string(), Node::default()));
        &mut self.props.last_mut().expect("just pushed").1
    }

    /// Walks to the node at `path`, marking keys required on the way when `required`.
    /// Only keys inside the innermost row are marked: a required row field does not make its
    /// group required.
    fn at(&mut self, path: &[Seg], required: bool) -> &mut Node {
        let inner = path
            .iter()
            .rposition(|s| *s == Seg::All)
            .map_or(0, |i| i + 1);
        let mut n = self;
        for (i, s) in path.iter().enumerate() {
            n = match s {
                Seg::Key(k) => {
                    if required && i >= inner && !n.required.contains(k) {
                        n.required.push(k.clone());
                    }
                    n.child(k)
                }
                Seg::Index(_) | Seg::All => {
                    if matches!(s, Seg::Index(_)) {
                        n.min_items = Some(n.min_items.unwrap_or(0).max(1));
                    }
                    n.items.get_or_insert_with(Default::default)
                }
            };
        }
        n
    }

    fn to_json(&self) -> Value {
        if let Some(l) = &self.leaf {
            let mut l = l.clone();
            if let (Some(d), Value::Object(m)) = (&self.description, &mut l) {
                m.insert("description".into(), d.clone().into());
            }
            return l;
        }
        let mut m = Map::new();
        if let Some(d) = &self.description {
            m.insert("description".into(), d.clone().into());
        }
        if let Some(items) = &self.items {
            m.insert("type".into(), "array".into());
            m.insert("items".into(), items.to_json());
            if let Some(n) = self.min_items {
                m.insert("minItems".into(), n.into());
            }
            if let Some(n) = self.max_items {
                m.insert("maxItems".into(), n.into());
            }
            return Value::Object(m);
        }
        m.insert("type".into(), "object".into());
        let props: Map<String, Value> = self
            .props
            .iter()
            .map(|(k, n)| (k.clone(), n.to_json()))
            .collect();
        m.insert("properties".into(), Value::Object(props));
        if !self.required.is_empty() {
            m.insert("required".into(), json!(self.required));
        }
        if !self.one_of.is_empty() {
            let alts: Vec<Value> = self
                .one_of
                .iter()
                .map(|k| json!({ "required": [k] }))
                .collect();
            m.insert("oneOf".into(), Value::Array(alts));
        }
        Value::Object(m)
    }
}

fn leaf(kind: &FieldKind, f: Option<Bounds<'_>>) -> Value {
    let mut m = Map::new();
    let digits = |n: usize| format!("^[0-9]{{{n}}}$");
    let (ty, pattern, format): (&str, Option<String>, Option<&str>) = match kind {
        FieldKind::Integer | FieldKind::Amount | FieldKind::Year => ("integer", None, None),
        FieldKind::Decimal | FieldKind::Percent => ("number", None, None),
        FieldKind::YesNo => ("boolean", None, None),
        FieldKind::Date => ("string", None, Some("date")),
        FieldKind::DayMonth => ("string", Some("^[0-3][0-9][0-1][0-9]$".into()), None),
        FieldKind::Orgnr => ("string", Some(digits(9)), None),
        FieldKind::Fnr | FieldKind::Kontonummer => ("string", Some(digits(11)), None),
        FieldKind::Kommunenummer | FieldKind::Postnummer => ("string", Some(digits(4)), None),
        FieldKind::Email => ("string", None, Some("email")),
        FieldKind::MultiChoice { options } => {
            let values: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
            return json!({ "type": "array", "items": { "type": "string", "enum": values } });
        }
        FieldKind::Text | FieldKind::Textarea | FieldKind::Choice { .. } | FieldKind::Phone => {
            ("string", None, None)
        }
        // Not leaves: add_field writes these itself, and an alternative is never one of them.
        FieldKind::Either { .. }
        | FieldKind::Static
        | FieldKind::Group(_)
        | FieldKind::Attachment(_) => ("string", None, None),
    };
    if ty == "integer" || ty == "number" {
        // A number may also come as text, as Skatteetaten's examples send it ("7500"): the
        // pattern holds for the text, the bounds for the number.
        m.insert("type".into(), json!([ty, "string"]));
        let text = if ty == "integer" {
            "^-?(0|[1-9][0-9]*)$"
        } else {
            "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$"
        };
        m.insert("pattern".into(), text.into());
    } else {
        m.insert("type".into(), ty.into());
    }
    if let FieldKind::Choice { options, .. } = kind {
        let values: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
        m.insert("enum".into(), json!(values));
    }
    if let Some(p) = f.and_then(|f| f.pattern) {
        m.insert("pattern".into(), p.as_str().into());
    } else if let Some(p) = pattern {
        m.insert("pattern".into(), p.into());
    }
    if let Some(fm) = format {
        m.insert("format".into(), fm.into());
    }
    if let Some(f) = f {
        let bound = |x: f64| -> Value {
            if x.fract() == 0.0 {
                json!(x as i64)
            } else {
                json!(x)
            }
        };
        if ty == "integer" || ty == "number" {
            let (min, max) = kind.number_bounds(f.min, f.max);
            if let Some(x) = min {
                m.insert("minimum".into(), bound(x));
            }
            if let Some(x) = max {
                m.insert("maximum".into(), bound(x));
            }
        }
        if ty == "string" {
            if let Some(n) = f.min_length {
                m.insert("minLength".into(), n.into());
            }
            if let Some(n) = f.max_length {
                m.insert("maxLength".into(), n.into());
            }
        }
    }
    Value::Object(m)
}

fn always_required(f: &Field, page_conditional: bool) -> bool {
    matches!(f.required, Required::Fixed(true)) && f.when.is_none() && !page_conditional
}

fn add_field(root: &mut Node, f: &Field, cond: bool) {
    let req = always_required(f, cond);
    match &f.kind {
        FieldKind::Static => {}
        FieldKind::Group(g) => {
            let n = root.at(&f.bind, req && f.min.unwrap_or(0.0) >= 1.0);
            n.items.get_or_insert_with(Default::default);
            if !cond && f.when.is_none() {
                n.min_items = f.min.map(|m| m as usize).filter(|m| *m > 0);
            }
            n.max_items = f.max.map(|m| m as usize);
            n.description = Some(f.label.get(Lang::Nb).to_string());
            for rf in &g.fields {
                add_field(root, rf, false);
            }
        }
        FieldKind::Either { alternatives } => {
            let n = root.at(&f.bind, req);
            for a in alternatives {
                let c = n.child(&a.key);
                c.leaf = Some(leaf(&a.kind, Some(a.bounds())));
                c.description = Some(a.label.get(Lang::Nb).to_string());
            }
            if req {
                n.one_of = alternatives.iter().map(|a| a.key.clone()).collect();
            }
        }
        FieldKind::Attachment(a) => {
            // Written by the portal from the files sent with the document (multipart parts
            // named by this path), never by the sender.
            let n = root.at(&f.bind, false);
            let types: Vec<&str> = a.kinds.iter().map(|k| k.mime()).collect();
            let mut items = json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["filnavn", "mediatype", "storrelse", "sha256"],
                "properties": {
                    "filnavn": { "type": "string" },
                    "mediatype": { "type": "string", "enum": types },
                    "storrelse": { "type": "integer", "minimum": 1, "maximum": a.max_file },
                    "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" }
                }
            });
            if let Value::Object(m) = &mut items {
                m.insert("description".into(), "Et vedlegg".into());
            }
            let mut arr = json!({ "type": "array", "readOnly": true, "items": items });
            if let (Value::Object(m), Some(max)) = (&mut arr, f.max) {
                m.insert("maxItems".into(), json!(max as u64));
            }
            n.leaf = Some(arr);
            n.description = Some(f.label.get(Lang::Nb).to_string());
        }
        kind @ (FieldKind::Text
        | FieldKind::Textarea
        | FieldKind::Integer
        | FieldKind::Amount
        | FieldKind::Decimal
        | FieldKind::Percent
        | FieldKind::Date
        | FieldKind::DayMonth
        | FieldKind::Year
        | FieldKind::YesNo
        | FieldKind::Choice { .. }
        | FieldKind::MultiChoice { .. }
        | FieldKind::Orgnr
        | FieldKind::Fnr
        | FieldKind::Kommunenummer
        | FieldKind::Postnummer
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::Kontonummer) => {
            let n = root.at(&f.bind, req);
            n.leaf = Some(leaf(kind, Some(f.bounds())));
            n.description = Some(f.label.get(Lang::Nb).to_string());
        }
    }
}

/// The JSON Schema (draft 2020-12) that an M2M document for this form must satisfy.
pub fn json_schema(form: &Form) -> Value {
    let mut root = Node::default();
    for p in &form.pages {
        for f in &p.fields {
            add_field(&mut root, f, p.when.is_some());
        }
    }
    for c in &form.computed {
        let n = root.at(&c.bind, c.required);
        n.leaf = Some(if c.whole {
            json!({ "type": ["integer", "string"], "pattern": "^-?(0|[1-9][0-9]*)$" })
        } else {
            json!({})
        });
        if let Some(l) = &c.label {
            n.description = Some(l.get(Lang::Nb).to_string());
        }
    }
    let mut v = root.to_json();
    if let Value::Object(m) = &mut v {
        let mut head = Map::new();
        head.insert(
            "$schema".into(),
            "https://json-schema.org/draft/2020-12/schema".into(),
        );
        head.insert(
            "$id".into(),
            format!("urn:tasteskjema:{}:{}", form.id, form.version).into(),
        );
        head.insert(
            "title".into(),
            format!("{} – {}", form.id, form.title.get(Lang::Nb)).into(),
        );
        head.extend(std::mem::take(m));
        *m = head;
    }
    v
}
