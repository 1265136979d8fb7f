//! A JSON delivery read one row at a time, so that a bank's delivery of 100 000 accounts needs
//! memory for its text and one row, not for a tree of every row.
//!
//! The body is read twice. First everything but the rows of the groups [`by_row`] finds is read
//! into a tree, and of those rows only their number and where they lie in the body. Then the
//! canonical text is written, and when it reaches such a group its rows are read again from the
//! body, each on its own, written, checked (its
//! fields and its row rules, by the code [`validate`] uses) and added to the group's totals, and
//! let go. The group's place in the tree keeps one entry per row: the first with the totals, the
//! others null, so that the rest of the document is checked as before
//! ([`validate_without_rows`]) and counts the rows as before. The canonical text, the errors and
//! the totals are those the whole document would give.
//!
//! [`validate`]: crate::form::validate::validate

use std::collections::HashMap;

use std::path::Path;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::canonical;
use super::spool::Body;
use crate::form::document::{self, get};
use crate::form::expr::{RowTotals, Seg};
use crate::form::stream::{ByRow, by_row};
use crate::form::validate::{FieldError, check_row_fields, check_row_rules, validate_without_rows};
use crate::form::{Context, Form};
use crate::store::spooled::{PIECE, Text, TextSpool};

/// A delivery read, its rows checked.
#[derive(Debug)]
pub struct Read {
    /// The document, each group read by row holding one row: the totals of its rows. How many
    /// rows each had is in [`Read::context`].
    pub envelope: Value,
    /// The canonical text of the whole document: in a spool file when one was asked for.
    pub canonical: Text,
    /// The groups read by row.
    groups: Vec<Vec<Seg>>,
    /// How many rows each group read by row had.
    counted: Vec<(Vec<Seg>, usize)>,
    /// The errors found in those rows.
    row_errors: Vec<FieldError>,
    /// The values given where those errors are.
    given: HashMap<Vec<Seg>, Value>,
    /// The line in the body where each of those errors is (its key in the row, else the row).
    lines: HashMap<Vec<Seg>, usize>,
}

impl Read {
    /// The value given at a path: in a row read by row only where an error is, and for a
    /// group read by row (its list) none.
    pub fn given(&self, path: &[Seg]) -> Option<&Value> {
        let in_rows = self.groups.iter().any(|g| path.starts_with(g));
        match self.given.get(path) {
            Some(v) => Some(v),
            // The rows' places hold totals, not what was given.
            None if in_rows => None,
            None => get(&self.envelope, path),
        }
    }

    /// The line (from 1) of the body where an error found in a row is.
    pub fn line(&self, path: &[Seg]) -> Option<usize> {
        self.lines.get(path).copied()
    }

    /// `ctx` with the number of rows of each group read by row, as the envelope's expressions
    /// are to be evaluated in.
    pub fn context(&self, ctx: &Context) -> Context {
        counting(ctx, &self.counted)
    }

    /// The `Leveransebekreftelse`'s counts of the document
    /// ([`crate::intake::receipt::leveranse_counts`]), its rows counted as read.
    pub fn counts(&self) -> Value {
        crate::intake::receipt::leveranse_counts_in(&self.envelope, &self.counted)
    }

    /// The whole validation of the document: every error [`validate`] would find.
    ///
    /// [`validate`]: crate::form::validate::validate
    pub fn validate(&self, form: &Form, ctx: &Context) -> Vec<FieldError> {
        let ctx = self.context(ctx);
        let mut errors = validate_without_rows(form, &self.envelope, &ctx, &self.groups);
        errors.extend(self.row_errors.iter().cloned());
        errors
    }
}

/// Reads a JSON delivery for `form`, checking its rows in `ctx` as they are read. The body is
/// let go once read, and told as it is read which of its parts are done with. With `spool`, the
/// canonical text is written to a file in that folder as it is made, not kept in memory. An
/// error is the body's (not JSON), or the spool file's (an I/O error).
pub fn read<B: Body>(
    form: &Form,
    body: B,
    ctx: &Context,
    spool: Option<&Path>,
) -> Result<Read, serde_json::Error> {
    let plans = by_row(form);
    let groups: Vec<Vec<Seg>> = plans.iter().map(|p| p.field.bind.clone()).collect();
    let bytes = body.as_ref();
    let passed = |upto| body.passed(upto);
    let mut spool = spool
        .map(TextSpool::new)
        .transpose()
        .map_err(serde_json::Error::io)?;
    let (mut envelope, raws) = first_pass(bytes, &groups, &passed, None)?;
    let counted: Vec<(Vec<Seg>, usize)> = raws.iter().map(|(p, _, n)| (p.clone(), *n)).collect();
    // The rest of the document counts the rows as read: their places hold one row at a time.
    let ctx = &counting(ctx, &counted);
    let mut row_errors = Vec::new();
    let mut given = HashMap::new();
    let mut at: Vec<(usize, Vec<Seg>)> = Vec::new();
    let mut totals: Vec<Option<RowTotals>> = plans.iter().map(|_| None).collect();
    let mut field_errors: Vec<Vec<FieldError>> = plans.iter().map(|_| Vec::new()).collect();
    // The canonical writer walks a copy: the rows are put in place in the tree one at a time.
    // The copy needs no places for the rows (their text is written from the body), so the
    // groups' rows are taken out while it is made: one entry per row is kept, not two.
    let taken: Vec<(&Vec<Seg>, Value)> = raws
        .iter()
        .filter_map(|(p, _, _)| Some((p, std::mem::take(get_mut(&mut envelope, p)?))))
        .collect();
    let walk = envelope.clone();
    for (p, v) in taken {
        if let Some(slot) = get_mut(&mut envelope, p) {
            *slot = v;
        }
    }
    let mut failed = None;
    // The canonical text is hardly ever longer than the body: room for it at once, not by
    // doubling; spooled, room for a piece and the row that passes it.
    let room = if spool.is_some() {
        2 * PIECE
    } else {
        bytes.len()
    };
    let mut text = canonical::canonical_with_capacity(&walk, room, &mut |path, out| {
        let Some(gi) = groups.iter().position(|g| g == path) else {
            return false;
        };
        let Some((_, span, _)) = raws.iter().find(|(p, _, _)| p == path) else {
            return false;
        };
        let plan = &plans[gi];
        let mut sums = RowTotals::new(plan.sums.clone());
        out.push('[');
        // The rows are read again from the body, one at a time, between the list's brackets.
        let list = span.map_or(&b"[]"[..], |(first, last)| {
            let open = bytes[..first]
                .iter()
                .rposition(|b| !b.is_ascii_whitespace())
                .unwrap_or(0);
            let close = last
                + bytes[last..]
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .unwrap_or(0);
            &bytes[open..=close.min(bytes.len() - 1)]
        });
        let mut r = 0;
        let mut each = |raw: &RawValue| {
            let start = raw.get().as_ptr() as usize - bytes.as_ptr() as usize;
            let end = start + raw.get().len();
            if r > 0 {
                out.push(',');
            }
            let row: Value = match serde_json::from_str(raw.get()) {
                Ok(v) => v,
                Err(e) => {
                    failed.get_or_insert(e);
                    Value::Null
                }
            };
            canonical::write(&row, out);
            sums.add(&row);
            // Each row is checked in the group's one place, and its errors are put at its own.
            put(&mut envelope, path, 0, row);
            let before = (field_errors[gi].len(), row_errors.len());
            check_row_fields(plan.field, &envelope, 0, ctx, &mut field_errors[gi]);
            check_row_rules(form, path, &envelope, 0, ctx, &mut row_errors);
            let (fields, rules) = (&mut field_errors[gi], &mut row_errors);
            for e in fields[before.0..].iter_mut().chain(&mut rules[before.1..]) {
                let at_row = in_row(&e.path, path, r);
                if let Some(v) = get(&envelope, &e.path).filter(|v| !v.is_null()) {
                    given.insert(at_row.clone(), v.clone());
                }
                e.path = at_row;
                at.push((start + key_in(&bytes[start..end], &e.path), e.path.clone()));
            }
            put(&mut envelope, path, 0, Value::Null);
            passed(end);
            if out.len() >= PIECE
                && let Some(sp) = spool.as_mut()
                && let Err(e) = sp.put(out)
            {
                failed.get_or_insert(serde_json::Error::io(e));
            }
            r += 1;
        };
        let mut de = serde_json::Deserializer::from_slice(list);
        if let Err(e) = EachRow(&mut each).deserialize(&mut de) {
            failed.get_or_insert(e);
        }
        out.push(']');
        totals[gi] = Some(sums);
        true
    });
    drop(walk);
    let lines = lines_of(bytes, at, &passed);
    drop(body);
    if let Some(e) = failed {
        return Err(e);
    }
    let canonical = match spool {
        Some(mut sp) => {
            sp.put(&mut text).map_err(serde_json::Error::io)?;
            Text::Spooled(sp.done().map_err(serde_json::Error::io)?)
        }
        None => Text::Memory(text),
    };
    for (gi, plan) in plans.iter().enumerate() {
        let Some(sums) = &totals[gi] else { continue };
        if let Some(Value::Array(rows)) = get_mut(&mut envelope, &groups[gi])
            && let Some(first) = rows.first_mut()
        {
            *first = sums.row();
        }
        // A row's fields are checked only where the group is shown, which the totals may decide.
        let page = form
            .pages
            .iter()
            .position(|p| p.fields.iter().any(|f| std::ptr::eq(f, plan.field)));
        let shown = page.is_none_or(|p| document::page_visible(form, p, &envelope, ctx))
            && document::field_shown(plan.field, &envelope, ctx, None);
        if shown {
            row_errors.append(&mut field_errors[gi]);
        }
    }
    Ok(Read {
        envelope,
        canonical,
        groups,
        counted,
        row_errors,
        given,
        lines,
    })
}

/// `ctx` with `counted` as the number of rows of the groups read by row.
fn counting(ctx: &Context, counted: &[(Vec<Seg>, usize)]) -> Context {
    Context {
        counted: counted.to_vec(),
        ..ctx.clone()
    }
}

/// `path`, found in the first row of the group at `group`, in its row `r` instead.
fn in_row(path: &[Seg], group: &[Seg], r: usize) -> Vec<Seg> {
    let mut out = path.to_vec();
    if path.len() > group.len()
        && path.starts_with(group)
        && let Some(s @ Seg::Index(0)) = out.get_mut(group.len())
    {
        *s = Seg::Index(r);
    }
    out
}

/// Where in a row's text the last key of `path` is written (0: the row's start).
fn key_in(row: &[u8], path: &[Seg]) -> usize {
    let Some(Seg::Key(k)) = path.iter().rev().find(|s| matches!(s, Seg::Key(_))) else {
        return 0;
    };
    let needle = format!("\"{k}\"");
    row.windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .unwrap_or(0)
}

/// The line of each offset in the body, counted in one pass.
fn lines_of(
    body: &[u8],
    mut at: Vec<(usize, Vec<Seg>)>,
    passed: &dyn Fn(usize),
) -> HashMap<Vec<Seg>, usize> {
    at.sort_by_key(|(o, _)| *o);
    let mut out = HashMap::with_capacity(at.len());
    let (mut line, mut pos) = (1, 0);
    for (offset, path) in at {
        line += body[pos..offset].iter().filter(|&&b| b == b'\n').count();
        pos = offset;
        passed(pos);
        out.entry(path).or_insert(line);
    }
    out
}

fn get_mut<'a>(mut v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    for seg in path {
        v = match seg {
            Seg::Key(k) => v.as_object_mut()?.get_mut(k.as_str())?,
            Seg::Index(i) => v.as_array_mut()?.get_mut(*i)?,
            Seg::All => return None,
        };
    }
    Some(v)
}

/// Puts `row` at row `r` of the group at `path`.
fn put(doc: &mut Value, path: &[Seg], r: usize, row: Value) {
    if let Some(slot) = get_mut(doc, path)
        .and_then(Value::as_array_mut)
        .and_then(|rows| rows.get_mut(r))
    {
        *slot = row;
    }
}

/// Where a group's rows lie in the body: the start of the first and the end of the last
/// (`None`: no rows).
type Span = Option<(usize, usize)>;

/// Each group's rows: its path, where they lie and how many there are.
type Raws = Vec<(Vec<Seg>, Span, usize)>;

/// Hands each element of a list to a function, as its text.
struct EachRow<'f>(&'f mut dyn FnMut(&RawValue));

impl<'de> DeserializeSeed<'de> for EachRow<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EachRow<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(row) = seq.next_element::<&'de RawValue>()? {
            (self.0)(row);
        }
        Ok(())
    }
}

/// The first reading: the tree without the rows read by row, and where those rows lie.
struct Pass<'g> {
    groups: &'g [Vec<Seg>],
    /// Where the reader is: keys and indexes from the root.
    path: Vec<Seg>,
    /// Where the body starts in memory, to turn a row's text into its place in the body.
    base: usize,
    /// Each group's rows.
    raws: Raws,
    /// Told where the reader is past, after each row.
    passed: &'g dyn Fn(usize),
    /// For a receipt ([`shown`]): how many rows of each group to keep, and the groups' plans
    /// (in the order of `groups`), whose sums the rows after those are added into.
    shown: Option<(usize, &'g [ByRow<'g>])>,
}

impl Pass<'_> {
    /// The group being read has `n` rows at `span`: a group given before under the same key
    /// is forgotten (the last counts).
    fn record(&mut self, span: Span, n: usize) {
        let path = self.path.clone();
        self.raws.retain(|(p, _, _)| *p != path);
        self.raws.push((path, span, n));
    }
}

/// A value being read at `st.path`; `rows` where a group read by row is.
struct Node<'s, 'g> {
    st: &'s mut Pass<'g>,
    rows: bool,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if self.rows {
            return self.rows(seq);
        }
        let mut items = Vec::new();
        loop {
            self.st.path.push(Seg::Index(items.len()));
            let next = seq.next_element_seed(Node {
                st: self.st,
                rows: false,
            });
            self.st.path.pop();
            match next? {
                Some(v) => items.push(v),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.st.path.push(Seg::Key(key));
            // A group's rows are read where they lie; anything else there as it is (the check
            // then says it is not rows).
            let rows = self.st.groups.contains(&self.st.path);
            let v = map.next_value_seed(Node { st: self.st, rows })?;
            if rows && !v.is_array() {
                // Not rows (a key given twice: the last counts).
                let path = &self.st.path;
                self.st.raws.retain(|(p, _, _)| p != path);
            }
            let Some(Seg::Key(key)) = self.st.path.pop() else {
                unreachable!("the key pushed above");
            };
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

impl Node<'_, '_> {
    /// A group's list of rows: where they lie and how many there are, and one place.
    fn rows<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if let Some((keep, plans)) = self.st.shown {
            return self.first_rows(seq, keep, plans);
        }
        let (mut n, mut span) = (0, None);
        while let Some(r) = seq.next_element::<&'de RawValue>()? {
            let start = r.get().as_ptr() as usize - self.st.base;
            let end = start + r.get().len();
            span = Some((span.map_or(start, |(first, _)| first), end));
            n += 1;
            (self.st.passed)(end);
        }
        self.st.record(span, n);
        // One place, for one row at a time, then for the totals.
        Ok(Value::Array(if n > 0 {
            vec![Value::Null]
        } else {
            Vec::new()
        }))
    }

    /// A group's list of rows as a receipt shows it: the first `keep` rows, then one row with
    /// the totals of the others; and how many there are.
    fn first_rows<'de, A: SeqAccess<'de>>(
        self,
        mut seq: A,
        keep: usize,
        plans: &[ByRow<'_>],
    ) -> Result<Value, A::Error> {
        let plan = self
            .st
            .groups
            .iter()
            .position(|g| *g == self.st.path)
            .map(|gi| &plans[gi]);
        let mut sums = RowTotals::new(plan.map(|p| p.sums.clone()).unwrap_or_default());
        let mut rows = Vec::new();
        let mut n = 0;
        while let Some(r) = seq.next_element::<&'de RawValue>()? {
            let row: Value = serde_json::from_str(r.get()).map_err(de::Error::custom)?;
            if n < keep {
                rows.push(row);
            } else {
                sums.add(&row);
            }
            n += 1;
            let end = r.get().as_ptr() as usize - self.st.base + r.get().len();
            (self.st.passed)(end);
        }
        if n > keep {
            rows.push(sums.row());
        }
        self.st.record(None, n);
        Ok(Value::Array(rows))
    }
}

/// A stored document as its receipt shows it ([`shown`]).
#[derive(Debug, PartialEq)]
pub struct Shown {
    /// The document: of each group read by row, the first rows and a row of the others' totals.
    pub doc: Value,
    /// How many rows each of those groups has.
    counted: Vec<(Vec<Seg>, usize)>,
}

impl Shown {
    /// `ctx` with the number of rows of each group read by row, as the document is to be shown
    /// in.
    pub fn context(&self, ctx: &Context) -> Context {
        counting(ctx, &self.counted)
    }
}

/// A stored document as its receipt shows it, read without a tree of all its rows: of each
/// group [`by_row`] finds, the first `keep` rows as given, then one row with the totals of the
/// rest, and the number of rows. Shown in [`Shown::context`] with at most `keep` rows of each
/// group ([`crate::intake::receipt::answers::answers_first`]), it shows what the whole
/// document would: what decides whether a page or a field is shown reads, of those groups,
/// only a row's own values, the rows' number and the sums of their values.
pub fn shown<B: Body>(form: &Form, body: B, keep: usize) -> Result<Shown, serde_json::Error> {
    let plans = by_row(form);
    let groups: Vec<Vec<Seg>> = plans.iter().map(|p| p.field.bind.clone()).collect();
    let bytes = body.as_ref();
    let passed = |upto| body.passed(upto);
    let (doc, raws) = first_pass(bytes, &groups, &passed, Some((keep, &plans)))?;
    Ok(Shown {
        doc,
        counted: raws.into_iter().map(|(p, _, n)| (p, n)).collect(),
    })
}

/// The first reading of `bytes` ([`Pass`]): the tree, and where the groups' rows lie.
fn first_pass<'g>(
    bytes: &[u8],
    groups: &'g [Vec<Seg>],
    passed: &'g dyn Fn(usize),
    shown: Option<(usize, &'g [ByRow<'g>])>,
) -> Result<(Value, Raws), serde_json::Error> {
    let mut st = Pass {
        groups,
        path: Vec::new(),
        base: bytes.as_ptr() as usize,
        raws: Vec::new(),
        passed,
        shown,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = Node {
        st: &mut st,
        rows: false,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok((v, st.raws))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::definition::Delivery;
    use crate::form::scenario;
    use crate::form::testdata::{Ask, BREAKABLE, generate};
    use crate::form::validate::{Scope, validate};
    use crate::intake::receipt::answers::RECEIPT_ROWS;
    use crate::intake::spool::Mapped;
    use crate::store::spooled::Text;
    use axum::body::Bytes;

    /// Errors as comparable text: where, what, and the value given there.
    fn listed(errors: &[FieldError], given: &dyn Fn(&[Seg]) -> Option<Value>) -> Vec<String> {
        let mut out: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "{} {} {:?} {:?}",
                    e.sti(),
                    e.kind.code(),
                    e.message(crate::form::Lang::Nb),
                    given(&e.path)
                )
            })
            .collect();
        out.sort();
        out
    }

    /// Reading by row gives what reading whole gives: the canonical text, every error, the values
    /// given where they are, and the rows' number.
    fn same_as_whole(form: &Form, doc: &Value, ctx: &Context, what: &str) {
        let body = Bytes::from(serde_json::to_vec(doc).unwrap());
        let read = read(form, body, ctx, None).unwrap();
        let text = canonical::canonical(doc);
        assert_eq!(
            read.canonical.read_all().unwrap(),
            text,
            "{} {what}: canonical text",
            form.id
        );
        // From a file, its text to a spool file: the same.
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &serde_json::to_vec_pretty(doc).unwrap()).unwrap();
        let mapped = Mapped::of(&file).unwrap();
        let spooled = super::read(form, mapped, ctx, Some(&std::env::temp_dir())).unwrap();
        let Text::Spooled(s) = &spooled.canonical else {
            panic!("{} {what}: not spooled", form.id);
        };
        assert_eq!(s.read_all().unwrap(), text, "{} {what}: spooled", form.id);
        assert_eq!(s.sha256_hex(), canonical::sha256_hex(text.as_bytes()));
        assert_eq!(
            spooled.validate(form, ctx).len(),
            read.validate(form, ctx).len(),
            "{} {what}: errors from the file",
            form.id
        );
        let whole = validate(form, doc, Scope::All, ctx);
        let by_row = read.validate(form, ctx);
        // A group read by row has no value given: its list is not kept.
        let given_whole = |p: &[Seg]| {
            let list = read.groups.iter().any(|g| g == p);
            get(doc, p).filter(|_| !list).cloned()
        };
        assert_eq!(
            listed(&by_row, &|p| read.given(p).cloned()),
            listed(&whole, &given_whole),
            "{} {what}: errors",
            form.id
        );
        assert_eq!(
            read.counts(),
            crate::intake::receipt::leveranse_counts(doc),
            "{} {what}: counts",
            form.id
        );
        shown_as_whole(form, doc, &text, ctx, what);
    }

    /// The answers as a receipt shows them, every part of them, as text to compare.
    fn receipt_text(form: &Form, doc: &Value, ctx: &Context, keep: usize) -> Vec<String> {
        use crate::intake::receipt::answers::answers_first;
        let mut out = Vec::new();
        for lang in [crate::form::Lang::Nb, crate::form::Lang::En] {
            let ui = crate::i18n::ui(lang);
            for p in answers_first(form, doc, ctx, (lang, ui), "/x", keep) {
                out.push(format!("page {} {}", p.title, p.href));
                let answer = |a: &crate::intake::receipt::answers::AnswerView| {
                    format!("{} {} {} {} {}", a.label, a.value, a.empty, a.sti, a.id)
                };
                out.extend(p.answers.iter().map(answer));
                for g in &p.groups {
                    out.push(format!("group {} {} more", g.legend, g.not_shown));
                    for (heading, answers) in &g.rows {
                        out.push(format!("row {heading}"));
                        out.extend(answers.iter().map(answer));
                    }
                }
            }
        }
        out
    }

    /// The stored text read as a receipt shows it ([`shown`]) shows what the whole document
    /// shows, with any number of rows kept, from memory and from a mapped file.
    fn shown_as_whole(form: &Form, doc: &Value, text: &str, ctx: &Context, what: &str) {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
        for keep in [0, 1, 3, RECEIPT_ROWS] {
            let whole = receipt_text(form, doc, ctx, keep);
            let from_text = shown(form, Bytes::from(text.to_owned()), keep).unwrap();
            assert_eq!(
                receipt_text(form, &from_text.doc, &from_text.context(ctx), keep),
                whole,
                "{} {what}: the receipt with {keep} rows",
                form.id
            );
            let from_file = shown(form, Mapped::of(&file).unwrap(), keep).unwrap();
            assert_eq!(from_file, from_text, "{} {what}: from a file", form.id);
        }
    }

    #[test]
    fn every_api_form_reads_by_row_as_whole() {
        let catalog = crate::form::load::load_dir(std::path::Path::new("forms"))
            .catalog
            .unwrap();
        let mut streamed = Vec::new();
        for form in catalog.latest_forms() {
            if form
                .api
                .as_ref()
                .is_none_or(|a| a.delivery != Delivery::Gld)
            {
                continue;
            }
            if !by_row(form).is_empty() {
                streamed.push(form.id.clone());
            }
            for s in scenario::of_form(form).scenarios {
                if !s.fits(form) {
                    continue;
                }
                let doc = scenario::document_of(form, &s);
                same_as_whole(form, &doc, &s.context, &s.name);
            }
            let ctx = crate::intake::context(None);
            for seed in 1..4 {
                let ask = |b: Option<&str>| Ask {
                    rows: Some(25),
                    seed,
                    break_check: b.map(str::to_owned),
                };
                if let Ok(doc) = generate(form, &ask(None)) {
                    same_as_whole(form, &doc, &ctx, "testdata");
                }
                for b in BREAKABLE {
                    if let Ok(doc) = generate(form, &ask(Some(b))) {
                        same_as_whole(form, &doc, &ctx, b);
                    }
                }
            }
        }
        // The bank's and the others' rows are read one at a time.
        for id in ["RF-1360", "RF-1140", "RF-1241", "RF-1310"] {
            assert!(streamed.iter().any(|s| s == id), "{id} is read whole");
        }
    }

    /// A form whose pages and fields are shown by the rows' number and the sum of their amounts.
    const BY_TOTALS: &str = r#"
id = "T-1"
version = "1"
area = "a"
resource = "r"
title = { nb = "T", nn = "T", en = "T" }

[[page]]
id = "rader"
title = { nb = "Rader", nn = "Rader", en = "Rows" }

  [[page.field]]
  bind = "l.rad"
  kind = "group"
  label = { nb = "Rader", nn = "Rader", en = "Rows" }
  min = 1
  max = 5

    [[page.field.field]]
    bind = "belop"
    kind = "amount"
    label = { nb = "Beløp", nn = "Beløp", en = "Amount" }

[[page]]
id = "store"
title = { nb = "Store", nn = "Store", en = "Large" }
when = "sum(l.rad[*].belop) > 100"

  [[page.field]]
  bind = "s.grunn"
  kind = "text"
  label = { nb = "Grunn", nn = "Grunn", en = "Reason" }

  [[page.field]]
  bind = "s.mange"
  kind = "text"
  label = { nb = "Mange", nn = "Mange", en = "Many" }
  when = "count(l.rad) > 3"

[[rule]]
check = "count(l.rad) < 4 or sum(l.rad[*].belop) < 150"
path = "s.grunn"
message = { nb = "For mye", nn = "For mykje", en = "Too much" }

[[rule]]
each = "l.rad"
check = "belop < 100"
path = "belop"
message = { nb = "For stort", nn = "For stort", en = "Too large" }
"#;

    #[test]
    fn a_receipt_shows_what_the_totals_of_the_rows_not_kept_decide() {
        let mut problems = Vec::new();
        let form = crate::form::load::parse_form_text(BY_TOTALS, &["a"], &mut problems)
            .unwrap_or_else(|| panic!("{problems:?}"));
        assert_eq!(by_row(&form).len(), 1, "read by row");
        let ctx = crate::intake::context(None);
        // Six rows of 30: only with all six is the sum over 100 and the number over 3.
        let rows: Vec<Value> = (0..6).map(|_| serde_json::json!({"belop": 30})).collect();
        let doc = serde_json::json!({"l": {"rad": rows}, "s": {"grunn": "g", "mange": "m"}});
        let text = canonical::canonical(&doc);
        same_as_whole(&form, &doc, &ctx, "six rows");
        // Read by row: too many rows, the sum over the limit; the rows counted as read.
        let read = read(&form, Bytes::from(text.clone()), &ctx, None).unwrap();
        let mut codes: Vec<&str> = Vec::new();
        let errors = read.validate(&form, &ctx);
        codes.extend(errors.iter().map(|e| e.kind.code()));
        codes.sort();
        assert_eq!(codes.len(), 2, "{errors:?}");
        assert_eq!(
            read.envelope["l"]["rad"].as_array().map(Vec::len),
            Some(1),
            "one place"
        );
        // A row too large is found at its own place.
        let mut big = doc.clone();
        big["l"]["rad"][4]["belop"] = serde_json::json!(120);
        same_as_whole(&form, &big, &ctx, "a large row");
        let read = super::read(&form, Bytes::from(canonical::canonical(&big)), &ctx, None).unwrap();
        let stis: Vec<String> = read.validate(&form, &ctx).iter().map(|e| e.sti()).collect();
        assert!(stis.contains(&"l.rad[4].belop".to_owned()), "{stis:?}");
        let kept = shown(&form, Bytes::from(text), 1).unwrap();
        let kept = receipt_text(&form, &kept.doc, &kept.context(&ctx), 1);
        assert!(kept.iter().any(|l| l.starts_with("page Store")), "{kept:?}");
        assert!(kept.iter().any(|l| l.starts_with("Mange m")), "{kept:?}");
        // Two rows: neither.
        let doc =
            serde_json::json!({"l": {"rad": [{"belop": 30}, {"belop": 30}]}, "s": {"grunn": "g"}});
        shown_as_whole(&form, &doc, &canonical::canonical(&doc), &ctx, "two rows");
    }

    #[test]
    fn rows_out_of_shape_are_reported_as_whole() {
        let catalog = crate::form::load::load_dir(std::path::Path::new("forms"))
            .catalog
            .unwrap();
        let form = catalog.latest("RF-1360").unwrap();
        let ctx = crate::intake::context(None);
        let good = generate(
            form,
            &Ask {
                rows: Some(3),
                seed: 9,
                break_check: None,
            },
        )
        .unwrap();
        let mut odd = Vec::new();
        for rows in [
            serde_json::json!("not rows"),
            serde_json::json!({"a": 1}),
            serde_json::json!([]),
            serde_json::json!([1, null, "x", []]),
            serde_json::json!(null),
        ] {
            let mut doc = good.clone();
            crate::form::document::set(
                &mut doc,
                &[Seg::Key("leveranse".into()), Seg::Key("oppgave".into())],
                rows,
            );
            odd.push(doc);
        }
        let mut doc = good.clone();
        doc["leveranse"].as_object_mut().unwrap().remove("oppgave");
        odd.push(doc);
        for (i, doc) in odd.iter().enumerate() {
            same_as_whole(form, doc, &ctx, &format!("odd rows {i}"));
        }
        // A key twice: the last one counts, as in a tree.
        let text = serde_json::to_string(&good).unwrap().replacen(
            "\"oppgave\":",
            "\"oppgave\":[],\"oppgave\":",
            1,
        );
        let read = read(form, Bytes::from(text.clone()), &ctx, None).unwrap();
        let whole: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            read.canonical.read_all().unwrap(),
            canonical::canonical(&whole)
        );
        assert!(read.validate(form, &ctx).is_empty());
        // Not JSON, and JSON with trailing text, are errors.
        assert!(
            super::read(
                form,
                Bytes::from_static(b"{\"leveranse\": {\"oppgave\": [1,"),
                &ctx,
                None
            )
            .is_err()
        );
        assert!(super::read(form, Bytes::from_static(b"{} x"), &ctx, None).is_err());
    }
}
