//! Which of a form's repeating groups a large document can be read one row at a time: a
//! top-level group whose rows nothing reads except each row's own fields and rules, and, from
//! outside, their number and sums of their values. Such a group's rows are checked as they are
//! read and then let go, and the rest of the document is checked with the rows' number and totals
//! in their place ([`super::validate::validate_without_rows`]), so memory follows one row, not the
//! delivery.

use super::definition::{Field, FieldKind, Form};
use super::expr::{Expr, RowSum, RowUse, Seg};

/// A group that can be read one row at a time, and the sums over its rows the form takes.
#[derive(Debug)]
pub struct ByRow<'f> {
    /// The group's field (on a page, not in another group).
    pub field: &'f Field,
    /// The sums over its rows the form's expressions take.
    pub sums: Vec<RowSum>,
}

/// The form's groups that can be read one row at a time.
pub fn by_row(form: &Form) -> Vec<ByRow<'_>> {
    form.pages
        .iter()
        .flat_map(|p| &p.fields)
        .filter(|f| {
            matches!(f.kind, FieldKind::Group(_))
                && !f.bind.is_empty()
                && f.bind.iter().all(|s| matches!(s, Seg::Key(_)))
        })
        .filter_map(|f| {
            Some(ByRow {
                field: f,
                sums: sums_over(form, &f.bind)?,
            })
        })
        .collect()
}

/// Every expression of a field, and of the fields in its rows.
fn field_exprs<'f>(f: &'f Field, out: &mut Vec<(&'f Field, &'f Expr)>) {
    if let Some(w) = &f.when {
        out.push((f, w));
    }
    if let super::definition::Required::When(e) = &f.required {
        out.push((f, e));
    }
    if let FieldKind::Group(g) = &f.kind {
        for rf in &g.fields {
            field_exprs(rf, out);
        }
    }
}

/// The sums over the group's rows the form's expressions take, or `None` when some expression
/// needs the rows themselves (or a computed value lives in them).
fn sums_over(form: &Form, group: &[Seg]) -> Option<Vec<RowSum>> {
    let in_group = |bind: &[Seg]| bind.len() > group.len() && bind.starts_with(group);
    let mut sums = Vec::new();
    let mut from_root = |e: &Expr| match e.row_use(group) {
        RowUse::Totals(s) => {
            sums.extend(s);
            true
        }
        RowUse::Rows => false,
    };
    let mut fields = Vec::new();
    for p in &form.pages {
        if p.when.as_ref().is_some_and(|w| !from_root(w)) {
            return None;
        }
        for f in &p.fields {
            field_exprs(f, &mut fields);
        }
    }
    for (f, e) in fields {
        // A row's own conditions are evaluated in the row; the group's own, from the root.
        let ok = if in_group(&f.bind) {
            !e.reads_group_from_root(group)
        } else {
            from_root(e)
        };
        if !ok {
            return None;
        }
    }
    for c in &form.computed {
        if in_group(&c.bind) || !from_root(&c.value) {
            return None;
        }
    }
    for r in &form.rules {
        if r.each.as_deref().is_some_and(in_group) {
            // A rule per row of a group within the rows: kept simple, read whole.
            return None;
        }
        let ok = if r.each.as_deref() == Some(group) {
            !r.check.reads_group_from_root(group)
        } else {
            from_root(&r.check)
        };
        if !ok {
            return None;
        }
    }
    Some(sums)
}
