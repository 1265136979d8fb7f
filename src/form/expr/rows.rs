//! What an expression reads of a repeating group's rows, for a document read one row at a time:
//! an expression that takes the rows only through their number and through sums of a value in
//! each row can be answered from the number of rows and one row of running totals, without the
//! rows themselves.

use serde_json::Value as Json;

use super::eval::arith;
use super::read::{read, walk_each};
use super::tree::{BinOp, DocPath, Func, Kind, Node, Res};
use super::{Expr, Seg, Type, Value};

/// A `sum(group[*].rest)` an expression takes over a group: the path within a row, and the type
/// its values are read as.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSum {
    rest: Vec<Seg>,
    ty: Type,
}

/// How an expression reads a group's rows.
#[derive(Debug, Clone, PartialEq)]
pub enum RowUse {
    /// Only through their number (`count`, `len`, `empty`) and the sums listed, if at all.
    Totals(Vec<RowSum>),
    /// Otherwise (one row's value, `all`/`any`, a list of values): it needs every row at once.
    Rows,
}

impl Expr {
    /// How the expression, read from the document's root, uses the rows of the group at `group`
    /// (a path of keys). Check it first.
    pub fn row_use(&self, group: &[Seg]) -> RowUse {
        let mut sums = Vec::new();
        if uses(&self.root, group, &mut sums) {
            RowUse::Rows
        } else {
            RowUse::Totals(sums)
        }
    }

    /// Whether the expression reads anything of the group at `group` from the document's root,
    /// rather than through the row it is evaluated in (for a rule checked per row of that group).
    pub fn reads_group_from_root(&self, group: &[Seg]) -> bool {
        let mut found = false;
        visit(&self.root, &mut |dp| {
            found |= dp.level == 0 && dp.key.starts_with(group)
        });
        found
    }
}

/// Calls `f` with every document path in the expression.
pub(super) fn visit(n: &Node, f: &mut dyn FnMut(&DocPath)) {
    match &n.kind {
        Kind::Lit(_) => {}
        Kind::Path(p) => {
            if let Res::Doc(dp) = &p.res {
                f(dp);
            }
        }
        Kind::Unary(_, x) => visit(x, f),
        Kind::Binary(_, l, r) => {
            visit(l, f);
            visit(r, f);
        }
        Kind::Call(_, args) => args.iter().for_each(|a| visit(a, f)),
        Kind::Lookup(l) => visit(&l.key, f),
    }
}

fn root_path<'n>(n: &'n Node, group: &[Seg]) -> Option<&'n DocPath> {
    match &n.kind {
        Kind::Path(p) => match &p.res {
            Res::Doc(dp) if dp.level == 0 && dp.key.starts_with(group) => Some(dp),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `n` needs the rows themselves; the sums it takes over them are added to `sums`.
fn uses(n: &Node, group: &[Seg], sums: &mut Vec<RowSum>) -> bool {
    match &n.kind {
        Kind::Call(Func::Count | Func::Len | Func::Empty, args) => match root_path(&args[0], group)
        {
            Some(dp) => !(dp.elem == Type::Rows && dp.walk == group),
            None => uses(&args[0], group, sums),
        },
        Kind::Call(Func::Sum, args) => match root_path(&args[0], group) {
            Some(dp) => {
                let rest = dp
                    .walk
                    .strip_prefix(group)
                    .and_then(|r| r.strip_prefix(&[Seg::All]));
                match rest {
                    Some(rest)
                        if !rest.is_empty()
                            && dp.elem != Type::Rows
                            && rest.iter().all(|s| matches!(s, Seg::Key(_))) =>
                    {
                        let sum = RowSum {
                            rest: rest.to_vec(),
                            ty: dp.elem.clone(),
                        };
                        if !sums.contains(&sum) {
                            sums.push(sum);
                        }
                        false
                    }
                    _ => true,
                }
            }
            None => uses(&args[0], group, sums),
        },
        Kind::Path(_) => root_path(n, group).is_some(),
        Kind::Lit(_) => false,
        Kind::Unary(_, x) => uses(x, group, sums),
        Kind::Binary(_, l, r) => uses(l, group, sums) || uses(r, group, sums),
        // Once the rows are needed the sums no longer matter.
        Kind::Call(_, args) => args.iter().any(|a| uses(a, group, sums)),
        Kind::Lookup(l) => uses(&l.key, group, sums),
    }
}

/// Running totals of a group's rows, added one row at a time in the order of the rows, the way
/// `sum()` adds them.
#[derive(Debug)]
pub struct RowTotals {
    sums: Vec<(RowSum, Option<Value>)>,
}

impl RowTotals {
    /// Totals for `sums`, all zero.
    pub fn new(sums: Vec<RowSum>) -> RowTotals {
        let mut unique: Vec<RowSum> = Vec::new();
        for s in sums {
            if !unique.contains(&s) {
                unique.push(s);
            }
        }
        RowTotals {
            sums: unique
                .into_iter()
                .map(|s| (s, Some(Value::Int(0))))
                .collect(),
        }
    }

    /// Adds one row.
    pub fn add(&mut self, row: &Json) {
        for (sum, acc) in &mut self.sums {
            walk_each(row, &sum.rest, &mut |v| {
                let v = read(&sum.ty, v);
                if !v.is_null() {
                    // Once an addition overflowed the sum is unknown, as in `sum()`.
                    *acc = acc
                        .take()
                        .map(|a| arith(BinOp::Add, a, v))
                        .filter(|s| !s.is_null());
                }
            });
        }
    }

    /// One row holding each total where its values are: as the only row among rows that hold
    /// nothing, it gives every sum and the rows' number what all the rows would.
    pub fn row(&self) -> Json {
        let mut row = Json::Object(serde_json::Map::new());
        for (sum, acc) in &self.sums {
            let v = acc.as_ref().map_or(Json::Null, Value::to_json);
            crate::form::document::set(&mut row, &sum.rest, v);
        }
        row
    }
}
