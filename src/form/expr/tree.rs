//! The syntax tree the parser builds, the checker resolves and the evaluator walks.

use super::lex::Tok;
use super::{Seg, Type, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    /// `x == null`: the checker turns `==` into this when one side is the null literal, because
    /// testing for absence must give a boolean while `x == y` with a missing `x` gives null.
    EqNull,
    NeNull,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq | BinOp::EqNull => "==",
            BinOp::Ne | BinOp::NeNull => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }

    pub(super) fn comparison(t: &Tok) -> Option<BinOp> {
        Some(match t {
            Tok::Eq => BinOp::Eq,
            Tok::Ne => BinOp::Ne,
            Tok::Lt => BinOp::Lt,
            Tok::Le => BinOp::Le,
            Tok::Gt => BinOp::Gt,
            Tok::Ge => BinOp::Ge,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    Sum,
    Count,
    All,
    Any,
    Len,
    Empty,
    Today,
    Year,
    Month,
    Day,
    Date,
    AddDays,
    AddMonths,
    DaysBetween,
    Contains,
    Lookup,
    IbanOk,
    BicOk,
    Round,
}

impl Func {
    pub(super) fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "sum" => Func::Sum,
            "count" => Func::Count,
            "all" => Func::All,
            "any" => Func::Any,
            "len" => Func::Len,
            "empty" => Func::Empty,
            "today" => Func::Today,
            "year" => Func::Year,
            "month" => Func::Month,
            "day" => Func::Day,
            "date" => Func::Date,
            "add_days" => Func::AddDays,
            "add_months" => Func::AddMonths,
            "days_between" => Func::DaysBetween,
            "contains" => Func::Contains,
            "lookup" => Func::Lookup,
            "iban_ok" => Func::IbanOk,
            "bic_ok" => Func::BicOk,
            "round" => Func::Round,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Func::Sum => "sum",
            Func::Count => "count",
            Func::All => "all",
            Func::Any => "any",
            Func::Len => "len",
            Func::Empty => "empty",
            Func::Today => "today",
            Func::Year => "year",
            Func::Month => "month",
            Func::Day => "day",
            Func::Date => "date",
            Func::AddDays => "add_days",
            Func::AddMonths => "add_months",
            Func::DaysBetween => "days_between",
            Func::Contains => "contains",
            Func::Lookup => "lookup",
            Func::IbanOk => "iban_ok",
            Func::BicOk => "bic_ok",
            Func::Round => "round",
        }
    }

    pub(super) fn arity(self) -> usize {
        match self {
            Func::Today => 0,
            Func::All
            | Func::Any
            | Func::AddDays
            | Func::AddMonths
            | Func::DaysBetween
            | Func::Contains
            | Func::Round => 2,
            Func::Date | Func::Lookup => 3,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Node {
    /// Byte offset for error messages: the operator for unary/binary nodes, else the start.
    pub(super) at: usize,
    pub(super) kind: Kind,
}

#[derive(Debug, Clone)]
pub(super) enum Kind {
    Lit(Value),
    Path(Box<PathNode>),
    Unary(UnOp, Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
    /// `lookup('list', key, 'column')` once checked: the code list's column for the key.
    Lookup(Box<Lookup>),
}

/// A checked `lookup()`: the table found at load, the column read, and the key's expression.
#[derive(Debug, Clone)]
pub(super) struct Lookup {
    pub(super) table: std::sync::Arc<super::Table>,
    pub(super) column: String,
    pub(super) key: Node,
}

#[derive(Debug, Clone)]
pub(super) struct PathNode {
    pub(super) written: Vec<Seg>,
    pub(super) res: Res,
}

/// Where a path's value comes from, decided by the checker.
#[derive(Debug, Clone)]
pub(super) enum Res {
    Unresolved,
    Ctx(CtxField),
    Doc(DocPath),
}

#[derive(Debug, Clone)]
pub(super) struct DocPath {
    /// Scope the walk starts from: 0 = document root, then the rule's row (if any), then one
    /// level per enclosing `all`/`any`.
    pub(super) level: usize,
    /// Segments to walk from that scope (as written, so concrete indexes are honoured).
    pub(super) walk: Vec<Seg>,
    /// Whether `walk` holds `[*]`, i.e. the path yields a list (or several groups' rows).
    pub(super) has_all: bool,
    /// Type of the value at each place the walk ends; `Rows` for a group.
    pub(super) elem: Type,
    /// Absolute schema path that answered, reported by [`Expr::paths`].
    pub(super) key: Vec<Seg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CtxField {
    PartyOrgnr,
    PartyName,
    UserPid,
    UserName,
    /// What Enhetsregisteret says of the party (`register.*`).
    Register(RegisterField),
    /// What Folkeregisteret says of the logged-in person (`folkeregister.*`).
    Folkeregister(PersonField),
}

/// A value of the party's entry in Enhetsregisteret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RegisterField {
    Navn,
    Organisasjonsform,
    Adresse,
    Postnummer,
    Poststed,
    Kommunenummer,
    Mva,
    Foretaksregisteret,
}

/// A value of the person's entry in Folkeregisteret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PersonField {
    Navn,
    Adresse,
    Postnummer,
    Poststed,
}

impl CtxField {
    /// The type of the value it reads.
    pub(super) fn ty(self) -> Type {
        match self {
            CtxField::Register(RegisterField::Mva | RegisterField::Foretaksregisteret) => {
                Type::Bool
            }
            CtxField::PartyOrgnr
            | CtxField::PartyName
            | CtxField::UserPid
            | CtxField::UserName
            | CtxField::Register(
                RegisterField::Navn
                | RegisterField::Organisasjonsform
                | RegisterField::Adresse
                | RegisterField::Postnummer
                | RegisterField::Poststed
                | RegisterField::Kommunenummer,
            )
            | CtxField::Folkeregister(_) => Type::Text,
        }
    }

    /// The public register it is read from, if any.
    pub(super) fn register(self) -> Option<super::Register> {
        match self {
            CtxField::Register(_) => Some(super::Register::Enhetsregisteret),
            CtxField::Folkeregister(_) => Some(super::Register::Folkeregisteret),
            CtxField::PartyOrgnr | CtxField::PartyName | CtxField::UserPid | CtxField::UserName => {
                None
            }
        }
    }
}

pub(super) fn ctx_field(p: &[Seg]) -> Option<CtxField> {
    let [Seg::Key(a), Seg::Key(b)] = p else {
        return None;
    };
    Some(match (a.as_str(), b.as_str()) {
        ("party", "orgnr") => CtxField::PartyOrgnr,
        ("party", "name") => CtxField::PartyName,
        ("user", "pid") => CtxField::UserPid,
        ("user", "name") => CtxField::UserName,
        ("register", b) => CtxField::Register(match b {
            "navn" => RegisterField::Navn,
            "organisasjonsform" => RegisterField::Organisasjonsform,
            "adresse" => RegisterField::Adresse,
            "postnummer" => RegisterField::Postnummer,
            "poststed" => RegisterField::Poststed,
            "kommunenummer" => RegisterField::Kommunenummer,
            "mva" => RegisterField::Mva,
            "foretaksregisteret" => RegisterField::Foretaksregisteret,
            _ => return None,
        }),
        ("folkeregister", b) => CtxField::Folkeregister(match b {
            "navn" => PersonField::Navn,
            "adresse" => PersonField::Adresse,
            "postnummer" => PersonField::Postnummer,
            "poststed" => PersonField::Poststed,
            _ => return None,
        }),
        _ => return None,
    })
}

/// Every context path a form may name, as written (for messages).
pub(super) const REGISTER_PATHS: &[&str] = &[
    "register.navn",
    "register.organisasjonsform",
    "register.adresse",
    "register.postnummer",
    "register.poststed",
    "register.kommunenummer",
    "register.mva",
    "register.foretaksregisteret",
    "folkeregister.navn",
    "folkeregister.adresse",
    "folkeregister.postnummer",
    "folkeregister.poststed",
];
