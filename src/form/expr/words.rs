//! Expressions in words, for form owners: the preview marks a conditional page or field with its
//! condition, and a list of changes between versions says what a rule now checks. The source
//! `kind == "utleie" and sum(rader[*].belop) > 0` reads «Type er «Utleie» og summen av Beløp i
//! Rader er større enn 0».
//!
//! The words follow the checked tree, not the source. A `not` is carried inwards (a comparison
//! turns round, `and` and `or` swap, `all` and `any` swap): the evaluator's three-valued logic
//! gives the same answer both ways, and «Type er ikke «Utleie»» reads better than «det er ikke
//! slik at Type er «Utleie»». Where `and` and `or` meet, the inner one is put in parentheses,
//! because a reader cannot be expected to know which binds tighter; arithmetic gets them where
//! precedence needs them.
//!
//! The words are a clause, not a sentence: nothing is capitalised that is not so in a label, and
//! there is no full stop. Norwegian puts «ikke» after the verb in a main clause and before it
//! after «når» or «at», so the caller says which kind of clause it needs ([`Clause`]).

use crate::form::definition::Lang;
use crate::form::input::group_thousands;

use super::tree::{
    BinOp, CtxField, DocPath, Func, Kind, Node, PathNode, PersonField, RegisterField, Res, UnOp,
    ctx_field,
};
use super::{Expr, Seg, Type, Value, format_path};

/// What the words call the form's answers. Every method may answer `None`; the words then show
/// the path or the stored value as written.
pub trait Names {
    /// The name of the answer at `path` (canonical: `[*]` after groups, as [`Expr::paths`]
    /// reports them), usually its field's label.
    fn answer(&self, path: &[Seg], lang: Lang) -> Option<String>;

    /// The label of the option stored as `value` in the choice at `path`.
    fn option(&self, path: &[Seg], value: &str, lang: Lang) -> Option<String>;
}

/// No names: paths and values as written in the form file.
#[derive(Debug, Clone, Copy, Default)]
pub struct AsWritten;

impl Names for AsWritten {
    fn answer(&self, _path: &[Seg], _lang: Lang) -> Option<String> {
        None
    }

    fn option(&self, _path: &[Seg], _value: &str, _lang: Lang) -> Option<String> {
        None
    }
}

/// Where the words will stand, which decides where Norwegian puts «ikke».
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clause {
    /// On their own or after a colon: «Type er ikke «Utleie»».
    #[default]
    Main,
    /// After «når», «at» or «hvis»: «Type ikke er «Utleie»».
    Sub,
}

impl Expr {
    /// The expression in words, as a main clause (see [`Expr::in_clause`]).
    pub fn in_words(&self, lang: Lang, names: &dyn Names) -> String {
        self.in_clause(Clause::Main, lang, names)
    }

    /// The expression in words for a form owner, naming answers through `names`; a condition
    /// becomes a clause with the word order of `clause`, any other expression a noun phrase
    /// («summen av Beløp i Rader»).
    pub fn in_clause(&self, clause: Clause, lang: Lang, names: &dyn Names) -> String {
        let w = Words {
            lang,
            names,
            sub: clause == Clause::Sub,
        };
        if is_condition(&self.root) {
            w.clause(&self.root, false)
        } else {
            w.value(&self.root)
        }
    }
}

/// Whether a node is read as a statement (a clause) rather than as a value.
fn is_condition(n: &Node) -> bool {
    match &n.kind {
        Kind::Binary(op, _, _) => !is_arithmetic(*op),
        Kind::Unary(UnOp::Not, _) => true,
        Kind::Call(f, _) => matches!(
            f,
            Func::All | Func::Any | Func::Empty | Func::Contains | Func::IbanOk | Func::BicOk
        ),
        Kind::Path(p) => matches!(&p.res, Res::Doc(dp) if dp.elem == Type::Bool && !dp.has_all),
        Kind::Lookup(l) => l.table.columns.get(&l.column) == Some(&Type::Bool),
        Kind::Lit(_) | Kind::Unary(UnOp::Neg, _) => false,
    }
}

fn is_arithmetic(op: BinOp) -> bool {
    matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div)
}

/// How tightly a node binds in arithmetic; anything not arithmetic is an atom.
fn precedence(n: &Node) -> u8 {
    match &n.kind {
        Kind::Binary(BinOp::Add | BinOp::Sub, _, _) => 1,
        Kind::Binary(BinOp::Mul | BinOp::Div, _, _) => 2,
        _ => 3,
    }
}

/// The `and` or `or` a node becomes once `negated` is carried into it, looking through `not`.
fn junction(n: &Node, negated: bool) -> Option<BinOp> {
    match &n.kind {
        Kind::Unary(UnOp::Not, x) => junction(x, !negated),
        Kind::Binary(op @ (BinOp::And | BinOp::Or), _, _) => {
            Some(if negated { swap_junction(*op) } else { *op })
        }
        _ => None,
    }
}

fn swap_junction(op: BinOp) -> BinOp {
    match op {
        BinOp::And => BinOp::Or,
        BinOp::Or => BinOp::And,
        other => other,
    }
}

/// The comparison that is true exactly when `op` is false (and unknown when it is unknown).
fn turn_round(op: BinOp) -> BinOp {
    match op {
        BinOp::Eq => BinOp::Ne,
        BinOp::Ne => BinOp::Eq,
        BinOp::EqNull => BinOp::NeNull,
        BinOp::NeNull => BinOp::EqNull,
        BinOp::Lt => BinOp::Ge,
        BinOp::Ge => BinOp::Lt,
        BinOp::Le => BinOp::Gt,
        BinOp::Gt => BinOp::Le,
        other => other,
    }
}

fn is_null(n: &Node) -> bool {
    matches!(n.kind, Kind::Lit(Value::Null))
}

/// Whether a node is a date or a day-month, which compare as «før» and «etter».
fn is_dated(n: &Node) -> bool {
    match &n.kind {
        Kind::Lit(v) => matches!(v, Value::Date(..) | Value::DayMonth(..)),
        Kind::Path(p) => {
            matches!(&p.res, Res::Doc(dp) if matches!(dp.elem, Type::Date | Type::DayMonth))
        }
        Kind::Call(f, _) => matches!(
            f,
            Func::Today | Func::Date | Func::AddDays | Func::AddMonths
        ),
        Kind::Lookup(l) => l.table.columns.get(&l.column) == Some(&Type::Date),
        Kind::Unary(..) | Kind::Binary(..) => false,
    }
}

/// What a function's argument holds, for counting words.
#[derive(PartialEq)]
enum Shape {
    Rows,
    Choices,
    List,
    Text,
    Unknown,
}

fn shape(n: &Node) -> Shape {
    match &n.kind {
        Kind::Path(p) => match &p.res {
            Res::Doc(dp) if dp.elem == Type::Rows => Shape::Rows,
            Res::Doc(dp) if dp.has_all => Shape::List,
            Res::Doc(dp) if matches!(dp.elem, Type::List(_)) => Shape::Choices,
            Res::Doc(_) | Res::Ctx(_) => Shape::Text,
            Res::Unresolved => Shape::Unknown,
        },
        Kind::Lit(Value::Text(_)) => Shape::Text,
        _ => Shape::Unknown,
    }
}

const MONTHS_NO: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Puts a text in the quotation marks of `lang`: «…» in Norwegian, “…” in English.
pub(crate) fn quoted(lang: Lang, s: &str) -> String {
    match lang {
        Lang::Nb | Lang::Nn => format!("«{s}»"),
        Lang::En => format!("“{s}”"),
    }
}

/// A whole number as people write it: groups of three from five digits up (a year stays
/// `2025`), with a no-break space in Norwegian and a comma in English.
pub(crate) fn whole_number(lang: Lang, n: i128) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", grouped(lang, &n.unsigned_abs().to_string()))
}

/// A decimal number with the decimal comma in Norwegian, its whole part grouped as
/// [`whole_number`] groups it.
pub(crate) fn decimal_number(lang: Lang, x: f64) -> String {
    let s = x.abs().to_string();
    let Some((whole, fraction)) = s.split_once('.') else {
        return whole_number(lang, x as i128);
    };
    let sign = if x < 0.0 { "-" } else { "" };
    let comma = match lang {
        Lang::Nb | Lang::Nn => ',',
        Lang::En => '.',
    };
    format!("{sign}{}{comma}{fraction}", grouped(lang, whole))
}

fn grouped(lang: Lang, digits: &str) -> String {
    if digits.len() < 5 {
        return digits.to_string();
    }
    let g = group_thousands(digits);
    match lang {
        Lang::Nb | Lang::Nn => g,
        Lang::En => g.replace('\u{a0}', ","),
    }
}

struct Words<'a> {
    lang: Lang,
    names: &'a dyn Names,
    /// Subordinate word order («når Type ikke er …»).
    sub: bool,
}

impl Words<'_> {
    fn pick<'s>(&self, nb: &'s str, nn: &'s str, en: &'s str) -> &'s str {
        match self.lang {
            Lang::Nb => nb,
            Lang::Nn => nn,
            Lang::En => en,
        }
    }

    fn quote(&self, s: &str) -> String {
        quoted(self.lang, s)
    }

    /// «X er Y», «X er ikke Y» (main clause) or «X ikke er Y» (subordinate).
    fn is(&self, subject: &str, negated: bool, predicate: &str) -> String {
        if !negated {
            let verb = self.pick("er", "er", "is");
            return format!("{subject} {verb} {predicate}");
        }
        match (self.lang, self.sub) {
            (Lang::Nb, false) => format!("{subject} er ikke {predicate}"),
            (Lang::Nb, true) => format!("{subject} ikke er {predicate}"),
            (Lang::Nn, false) => format!("{subject} er ikkje {predicate}"),
            (Lang::Nn, true) => format!("{subject} ikkje er {predicate}"),
            (Lang::En, _) => format!("{subject} is not {predicate}"),
        }
    }

    /// A condition as a clause; `negated` asks for the clause that is true when it is false.
    fn clause(&self, n: &Node, negated: bool) -> String {
        match &n.kind {
            Kind::Unary(UnOp::Not, x) => self.clause(x, !negated),
            Kind::Binary(op @ (BinOp::And | BinOp::Or), l, r) => {
                let op = if negated { swap_junction(*op) } else { *op };
                let side = |c: &Node| {
                    let s = self.clause(c, negated);
                    match junction(c, negated) {
                        Some(inner) if inner != op => format!("({s})"),
                        _ => s,
                    }
                };
                let word = match op {
                    BinOp::And => self.pick("og", "og", "and"),
                    _ => self.pick("eller", "eller", "or"),
                };
                format!("{} {word} {}", side(l), side(r))
            }
            Kind::Binary(op, l, r) if !is_arithmetic(*op) => {
                let op = if negated { turn_round(*op) } else { *op };
                self.comparison(op, l, r)
            }
            Kind::Call(f @ (Func::All | Func::Any), args) => {
                let every = (*f == Func::All) != negated;
                let mut check = self.clause(&args[1], negated);
                if junction(&args[1], negated).is_some() {
                    check = format!("({check})");
                }
                let rows = self.value(&args[0]);
                match (every, self.lang) {
                    (true, Lang::Nb) => format!("{check} i hver rad i {rows}"),
                    (true, Lang::Nn) => format!("{check} i kvar rad i {rows}"),
                    (true, Lang::En) => format!("{check} in every row of {rows}"),
                    (false, Lang::Nb) => format!("{check} i minst én rad i {rows}"),
                    (false, Lang::Nn) => format!("{check} i minst éi rad i {rows}"),
                    (false, Lang::En) => format!("{check} in at least one row of {rows}"),
                }
            }
            Kind::Call(Func::Empty, args) => {
                let x = self.value(&args[0]);
                if shape(&args[0]) != Shape::Rows {
                    return self.is(&x, !negated, self.filled_in());
                }
                match (negated, self.lang) {
                    (false, Lang::Nb | Lang::Nn) => format!("{x} har ingen rader"),
                    (false, Lang::En) => format!("{x} has no rows"),
                    (true, Lang::Nb) => format!("{x} har minst én rad"),
                    (true, Lang::Nn) => format!("{x} har minst éi rad"),
                    (true, Lang::En) => format!("{x} has at least one row"),
                }
            }
            Kind::Call(f @ (Func::IbanOk | Func::BicOk), args) => {
                let x = self.value(&args[0]);
                let what = match (f, self.lang) {
                    (Func::IbanOk, Lang::Nb | Lang::Nn) => "et gyldig IBAN-nummer",
                    (Func::IbanOk, Lang::En) => "a valid IBAN",
                    (_, Lang::Nb | Lang::Nn) => "en gyldig BIC-kode",
                    (_, Lang::En) => "a valid BIC",
                };
                let what = if self.lang == Lang::Nn {
                    what.replace("et ", "eit ").replace("en ", "ein ")
                } else {
                    what.to_owned()
                };
                self.is(&x, negated, &what)
            }
            Kind::Call(Func::Contains, args) => {
                let list = self.value(&args[0]);
                let x = self.operand(&args[1], &args[0], BinOp::Eq);
                match (negated, self.lang, self.sub) {
                    (false, Lang::Nb, _) => format!("{list} omfatter {x}"),
                    (false, Lang::Nn, _) => format!("{list} omfattar {x}"),
                    (false, Lang::En, _) => format!("{list} includes {x}"),
                    (true, Lang::Nb, false) => format!("{list} omfatter ikke {x}"),
                    (true, Lang::Nb, true) => format!("{list} ikke omfatter {x}"),
                    (true, Lang::Nn, false) => format!("{list} omfattar ikkje {x}"),
                    (true, Lang::Nn, true) => format!("{list} ikkje omfattar {x}"),
                    (true, Lang::En, _) => format!("{list} does not include {x}"),
                }
            }
            Kind::Lit(Value::Bool(b)) => self.literal(&Value::Bool(*b != negated)),
            Kind::Path(_) if is_condition(n) => {
                let yes = self.literal(&Value::Bool(!negated));
                self.is(&self.value(n), false, &yes)
            }
            _ if !negated => self.value(n),
            _ => {
                let v = self.value(n);
                match (self.lang, self.sub) {
                    (Lang::Nb, false) => format!("det er ikke slik at {v}"),
                    (Lang::Nb, true) => format!("det ikke er slik at {v}"),
                    (Lang::Nn, false) => format!("det er ikkje slik at {v}"),
                    (Lang::Nn, true) => format!("det ikkje er slik at {v}"),
                    (Lang::En, _) => format!("it is not the case that {v}"),
                }
            }
        }
    }

    fn filled_in(&self) -> &'static str {
        self.pick("fylt ut", "fylt ut", "filled in")
    }

    fn comparison(&self, op: BinOp, l: &Node, r: &Node) -> String {
        // Unchecked, `x == null` is still `==`; checked, it is `EqNull`.
        let op = match op {
            BinOp::Eq if is_null(l) || is_null(r) => BinOp::EqNull,
            BinOp::Ne if is_null(l) || is_null(r) => BinOp::NeNull,
            other => other,
        };
        if matches!(op, BinOp::EqNull | BinOp::NeNull) {
            let x = if is_null(l) { r } else { l };
            return self.is(&self.value(x), op == BinOp::EqNull, self.filled_in());
        }
        let left = self.operand(l, r, op);
        let right = self.operand(r, l, op);
        let dated = is_dated(l) || is_dated(r);
        let (negated, relation) = match (op, dated) {
            (BinOp::Eq, _) => (false, ""),
            (BinOp::Ne, _) => (true, ""),
            (BinOp::Lt, false) => (false, self.pick("mindre enn", "mindre enn", "less than")),
            (BinOp::Le, false) => (false, self.pick("høyst", "høgst", "at most")),
            (BinOp::Gt, false) => (false, self.pick("større enn", "større enn", "greater than")),
            (BinOp::Ge, false) => (false, self.pick("minst", "minst", "at least")),
            (BinOp::Lt, true) | (BinOp::Ge, true) => {
                (op == BinOp::Ge, self.pick("før", "før", "before"))
            }
            (BinOp::Gt, true) | (BinOp::Le, true) => {
                (op == BinOp::Le, self.pick("etter", "etter", "after"))
            }
            _ => (false, ""),
        };
        let predicate = if relation.is_empty() {
            right
        } else {
            format!("{relation} {right}")
        };
        self.is(&left, negated, &predicate)
    }

    /// One side of a comparison: a text compared with a choice is that option's label.
    fn operand(&self, n: &Node, other: &Node, op: BinOp) -> String {
        if matches!(op, BinOp::Eq | BinOp::Ne)
            && let (Kind::Lit(Value::Text(v)), Kind::Path(p)) = (&n.kind, &other.kind)
            && let Res::Doc(dp) = &p.res
            && let Some(label) = self.names.option(&dp.key, v, self.lang)
        {
            return self.quote(&label);
        }
        self.value(n)
    }

    /// A value as a noun phrase.
    fn value(&self, n: &Node) -> String {
        match &n.kind {
            Kind::Lit(v) => self.literal(v),
            Kind::Path(p) => self.path(p),
            Kind::Unary(UnOp::Neg, x) => match &x.kind {
                Kind::Lit(v @ (Value::Int(_) | Value::Dec(_))) => format!("-{}", self.literal(v)),
                _ => {
                    let mut s = self.value(x);
                    if precedence(x) < 3 {
                        s = format!("({s})");
                    }
                    format!("{} {s}", self.pick("minus", "minus", "minus"))
                }
            },
            Kind::Binary(op, l, r) if is_arithmetic(*op) => {
                let p = precedence(n);
                let mut ls = self.value(l);
                if precedence(l) < p {
                    ls = format!("({ls})");
                }
                let mut rs = self.value(r);
                if precedence(r) < p
                    || (precedence(r) == p && matches!(op, BinOp::Sub | BinOp::Div))
                {
                    rs = format!("({rs})");
                }
                let word = match op {
                    BinOp::Add => self.pick("pluss", "pluss", "plus"),
                    BinOp::Sub => self.pick("minus", "minus", "minus"),
                    BinOp::Mul => self.pick("ganger", "gonger", "times"),
                    _ => self.pick("delt på", "delt på", "divided by"),
                };
                format!("{ls} {word} {rs}")
            }
            Kind::Call(f, args) => self.call(*f, args, n),
            Kind::Lookup(l) => {
                let key = self.value(&l.key);
                let [nb, nn, en] = &l.table.names;
                let list = self.quote(self.pick(nb, nn, en));
                let column = self.quote(&l.column);
                match self.lang {
                    Lang::Nb => format!("{column} for {key} i kodelisten {list}"),
                    Lang::Nn => format!("{column} for {key} i kodelista {list}"),
                    Lang::En => format!("{column} of {key} in the code list {list}"),
                }
            }
            // A condition where a value stands (`x == (y > 1)`).
            Kind::Unary(UnOp::Not, _) | Kind::Binary(..) => format!("({})", self.clause(n, false)),
        }
    }

    fn call(&self, f: Func, args: &[Node], whole: &Node) -> String {
        let lang = self.lang;
        match f {
            Func::Today => self
                .pick("dagens dato", "datoen i dag", "today's date")
                .into(),
            Func::Year => {
                if matches!(args[0].kind, Kind::Call(Func::Today, _)) {
                    return self
                        .pick("inneværende år", "inneverande år", "the current year")
                        .into();
                }
                let x = self.value(&args[0]);
                match lang {
                    Lang::Nb | Lang::Nn => format!("året i {x}"),
                    Lang::En => format!("the year of {x}"),
                }
            }
            Func::Sum => {
                let x = self.value(&args[0]);
                match lang {
                    Lang::Nb | Lang::Nn => format!("summen av {x}"),
                    Lang::En => format!("the sum of {x}"),
                }
            }
            Func::Count | Func::Len => {
                let x = self.value(&args[0]);
                match (shape(&args[0]), f) {
                    (Shape::Rows, _) => self.number_of(
                        &x,
                        [
                            "antall rader i",
                            "talet på rader i",
                            "the number of rows in",
                        ],
                    ),
                    (Shape::Choices, _) => self.number_of(
                        &x,
                        [
                            "antall valg i",
                            "talet på val i",
                            "the number of options chosen in",
                        ],
                    ),
                    (Shape::Text, Func::Len) => self.number_of(
                        &x,
                        [
                            "antall tegn i",
                            "talet på teikn i",
                            "the number of characters in",
                        ],
                    ),
                    (Shape::Unknown, Func::Len) => {
                        self.number_of(&x, ["lengden av", "lengda av", "the length of"])
                    }
                    _ => self.number_of(
                        &x,
                        [
                            "antall svar på",
                            "talet på svar på",
                            "the number of answers to",
                        ],
                    ),
                }
            }
            Func::Month | Func::Day => {
                let x = self.value(&args[0]);
                match (f == Func::Month, lang) {
                    (true, Lang::Nb | Lang::Nn) => format!("måneden i {x}"),
                    (true, Lang::En) => format!("the month of {x}"),
                    (false, Lang::Nb | Lang::Nn) => format!("dagen i måneden i {x}"),
                    (false, Lang::En) => format!("the day of the month of {x}"),
                }
            }
            Func::Date => {
                let [y, m, d] = [&args[0], &args[1], &args[2]].map(|a| self.value(a));
                let this_year = matches!(
                    &args[0].kind,
                    Kind::Call(Func::Year, a) if matches!(a[0].kind, Kind::Call(Func::Today, _))
                );
                match (this_year, lang) {
                    (true, Lang::Nb | Lang::Nn) => format!("{d}.{m}. i år"),
                    (true, Lang::En) => format!("{d}/{m} this year"),
                    (false, Lang::Nb | Lang::Nn) => format!("{d}.{m}.{y}"),
                    (false, Lang::En) => format!("{y}-{m}-{d}"),
                }
            }
            Func::AddDays | Func::AddMonths => {
                let x = self.value(&args[0]);
                let n = self.value(&args[1]);
                match (f == Func::AddDays, lang) {
                    (true, Lang::Nb) => format!("{n} dager etter {x}"),
                    (true, Lang::Nn) => format!("{n} dagar etter {x}"),
                    (true, Lang::En) => format!("{n} days after {x}"),
                    (false, Lang::Nb) => format!("{n} måneder etter {x}"),
                    (false, Lang::Nn) => format!("{n} månader etter {x}"),
                    (false, Lang::En) => format!("{n} months after {x}"),
                }
            }
            Func::Round => {
                let x = self.value(&args[0]);
                let n = self.value(&args[1]);
                match (n.as_str(), lang) {
                    ("0", Lang::Nb) => format!("{x} avrundet til hele tall"),
                    ("0", Lang::Nn) => format!("{x} avrunda til heile tal"),
                    ("0", Lang::En) => format!("{x} rounded to a whole number"),
                    (_, Lang::Nb) => format!("{x} avrundet til {n} desimaler"),
                    (_, Lang::Nn) => format!("{x} avrunda til {n} desimalar"),
                    (_, Lang::En) => format!("{x} rounded to {n} decimals"),
                }
            }
            Func::DaysBetween => {
                let a = self.value(&args[0]);
                let b = self.value(&args[1]);
                match lang {
                    Lang::Nb => format!("antall dager fra {a} til {b}"),
                    Lang::Nn => format!("talet på dagar frå {a} til {b}"),
                    Lang::En => format!("the number of days from {a} to {b}"),
                }
            }
            Func::All | Func::Any | Func::Empty | Func::Contains | Func::IbanOk | Func::BicOk => {
                format!("({})", self.clause(whole, false))
            }
            // Checked, a lookup is `Kind::Lookup`; unchecked, it reads as written.
            Func::Lookup => {
                let [list, key, column] = [&args[0], &args[1], &args[2]].map(|a| self.value(a));
                format!("lookup({list}, {key}, {column})")
            }
        }
    }

    fn number_of(&self, x: &str, [nb, nn, en]: [&str; 3]) -> String {
        format!("{} {x}", self.pick(nb, nn, en))
    }

    fn literal(&self, v: &Value) -> String {
        let lang = self.lang;
        match v {
            Value::Null => self.pick("ingenting", "ingenting", "nothing").into(),
            Value::Int(n) => whole_number(lang, *n),
            Value::Dec(x) => decimal_number(lang, *x),
            Value::Text(s) => self.quote(s),
            Value::Bool(true) => self.pick("ja", "ja", "yes").into(),
            Value::Bool(false) => self.pick("nei", "nei", "no").into(),
            Value::Date(y, m, d) => match lang {
                Lang::Nb | Lang::Nn => format!("{d:02}.{m:02}.{y:04}"),
                Lang::En => format!("{d} {} {y}", month(&MONTHS_EN, *m)),
            },
            Value::DayMonth(d, m) => match lang {
                Lang::Nb | Lang::Nn => format!("{d}. {}", month(&MONTHS_NO, *m)),
                Lang::En => format!("{d} {}", month(&MONTHS_EN, *m)),
            },
            Value::List(items) => items
                .iter()
                .map(|i| self.literal(i))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn path(&self, p: &PathNode) -> String {
        match &p.res {
            Res::Ctx(c) => self.context(*c),
            Res::Doc(dp) => self.doc_path(dp, &p.written),
            Res::Unresolved => match ctx_field(&p.written) {
                Some(c) => self.context(c),
                None => self
                    .answer(&p.written)
                    .unwrap_or_else(|| format_path(&p.written)),
            },
        }
    }

    /// An answer's name: its label; for a label that asks a question «svaret på «…»», so that
    /// «Hva gjelder det?» can stand inside a clause, and a label with a comma in quotes, so that
    /// «Eierandel, teller» is not read as two things.
    fn answer(&self, path: &[Seg]) -> Option<String> {
        let label = self.names.answer(path, self.lang)?;
        if !label.trim_end().ends_with('?') {
            return Some(if label.contains(',') {
                self.quote(label.trim())
            } else {
                label
            });
        }
        let q = self.quote(label.trim());
        Some(match self.lang {
            Lang::Nb | Lang::Nn => format!("svaret på {q}"),
            Lang::En => format!("the answer to {q}"),
        })
    }

    /// A path into the document: the field's name, with its group for every row (`[*]`) or one
    /// row (`[2]`) of it.
    fn doc_path(&self, dp: &DocPath, written: &[Seg]) -> String {
        let Some(name) = self.answer(&dp.key) else {
            return format_path(written);
        };
        let Some(at) = dp.key.iter().rposition(|s| *s == Seg::All) else {
            return name;
        };
        if dp.elem == Type::Rows {
            return name;
        }
        let group = &dp.key[..at];
        let group = self.answer(group).unwrap_or_else(|| format_path(group));
        if dp.has_all {
            return match self.lang {
                Lang::Nb | Lang::Nn => format!("{name} i {group}"),
                Lang::En => format!("{name} in {group}"),
            };
        }
        match written.get(at) {
            Some(Seg::Index(i)) if dp.level == 0 && written.len() == dp.key.len() => {
                let row = i + 1;
                match self.lang {
                    Lang::Nb | Lang::Nn => format!("{name} i rad {row} i {group}"),
                    Lang::En => format!("{name} in row {row} of {group}"),
                }
            }
            _ => name,
        }
    }

    fn context(&self, c: CtxField) -> String {
        match c {
            CtxField::PartyOrgnr => self.pick(
                "organisasjonsnummeret til den du handler for",
                "organisasjonsnummeret til den du handlar for",
                "the organisation number of the party you act for",
            ),
            CtxField::PartyName => self.pick(
                "navnet på den du handler for",
                "namnet på den du handlar for",
                "the name of the party you act for",
            ),
            CtxField::UserPid => self.pick(
                "fødselsnummeret ditt",
                "fødselsnummeret ditt",
                "your national identity number",
            ),
            CtxField::UserName => self.pick("navnet ditt", "namnet ditt", "your name"),
            CtxField::Register(f) => return self.register_words(f),
            CtxField::Folkeregister(f) => return self.person_words(f),
        }
        .to_string()
    }

    /// A value of the party's entry in Enhetsregisteret, named as the register names it.
    fn register_words(&self, f: RegisterField) -> String {
        let (nb, nn, en) = match f {
            RegisterField::Navn => ("navnet", "namnet", "the name"),
            RegisterField::Organisasjonsform => (
                "organisasjonsformen",
                "organisasjonsforma",
                "the form of organisation",
            ),
            RegisterField::Adresse => ("adressen", "adressa", "the address"),
            RegisterField::Postnummer => ("postnummeret", "postnummeret", "the postcode"),
            RegisterField::Poststed => ("poststedet", "poststaden", "the postal town"),
            RegisterField::Kommunenummer => (
                "kommunenummeret",
                "kommunenummeret",
                "the municipality number",
            ),
            RegisterField::Mva => (
                "om den er registrert i Merverdiavgiftsregisteret",
                "om ho er registrert i Meirverdiavgiftsregisteret",
                "whether it is registered in the VAT Register",
            ),
            RegisterField::Foretaksregisteret => (
                "om den er registrert i Foretaksregisteret",
                "om ho er registrert i Føretaksregisteret",
                "whether it is registered in the Register of Business Enterprises",
            ),
        };
        match self.lang {
            Lang::Nb => format!("{nb} til den du handler for i Enhetsregisteret"),
            Lang::Nn => format!("{nn} til den du handlar for i Einingsregisteret"),
            Lang::En => format!(
                "{en} of the party you act for in the Central Coordinating Register for Legal Entities"
            ),
        }
    }

    /// A value of the person's entry in Folkeregisteret.
    fn person_words(&self, f: PersonField) -> String {
        let (nb, nn, en) = match f {
            PersonField::Navn => ("navnet ditt", "namnet ditt", "your name"),
            PersonField::Adresse => (
                "bostedsadressen din",
                "bustadadressa di",
                "your home address",
            ),
            PersonField::Postnummer => ("postnummeret ditt", "postnummeret ditt", "your postcode"),
            PersonField::Poststed => ("poststedet ditt", "poststaden din", "your postal town"),
        };
        match self.lang {
            Lang::Nb => format!("{nb} i Folkeregisteret"),
            Lang::Nn => format!("{nn} i Folkeregisteret"),
            Lang::En => format!("{en} in the National Population Register"),
        }
    }
}

fn month(names: &[&'static str; 12], m: u8) -> &'static str {
    names
        .get(usize::from(m).wrapping_sub(1))
        .copied()
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::expr::tests::{checked, row_path};

    /// Labels for the test schema of `expr::tests`, in bokmål only, and options of
    /// `leveranse.leveransetype`.
    struct Labels;

    impl Names for Labels {
        fn answer(&self, path: &[Seg], lang: Lang) -> Option<String> {
            let label = match format_path(path).as_str() {
                "leveranse.leveransetype" => "Hva skal du rapportere?",
                "leveranse.inntektsaar" => "Inntektsår",
                "leveranse.frist" => "Frist",
                "leveranse.dato" => "Dato",
                "leveranse.bekreftet" => "Bekreftet",
                "leveranse.valg" => "Valg",
                "leveranse.oppgave" => "Oppgaver",
                "leveranse.oppgave[*].andelFormue" => "Andel formue",
                "leveranse.oppgave[*].navn" => "Navn",
                "leveranse.oppgave[*].eiertid.start" => "Eier fra",
                "leveranse.oppgave[*].eiertid.slutt" => "Eier til",
                "leveranse.oppgave[*].bolig" => "Bolig",
                _ => return None,
            };
            Some(match (label, lang) {
                ("Oppgaver", Lang::En) => "Entries".into(),
                ("Andel formue", Lang::En) => "Share of wealth".into(),
                _ => label.into(),
            })
        }

        fn option(&self, path: &[Seg], value: &str, lang: Lang) -> Option<String> {
            if format_path(path) != "leveranse.leveransetype" {
                return None;
            }
            Some(match (value, lang) {
                ("ordinaer", Lang::En) => "Ordinary".into(),
                ("ordinaer", _) => "Ordinære oppgaver".into(),
                _ => return None,
            })
        }
    }

    fn words(src: &str, lang: Lang) -> String {
        checked(src, None)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .in_words(lang, &Labels)
    }

    #[test]
    fn every_node_kind_in_bokmaal() {
        let cases = [
            (
                "leveranse.leveransetype == 'ordinaer'",
                "svaret på «Hva skal du rapportere?» er «Ordinære oppgaver»",
            ),
            (
                "leveranse.leveransetype != 'annet'",
                "svaret på «Hva skal du rapportere?» er ikke «annet»",
            ),
            ("leveranse.inntektsaar == 2025", "Inntektsår er 2025"),
            (
                "sum(leveranse.oppgave[*].andelFormue) >= 1000000",
                "summen av Andel formue i Oppgaver er minst 1\u{a0}000\u{a0}000",
            ),
            (
                "leveranse.inntektsaar < 2.5",
                "Inntektsår er mindre enn 2,5",
            ),
            ("leveranse.inntektsaar <= -3", "Inntektsår er høyst -3"),
            (
                "leveranse.inntektsaar > year(today()) - 1",
                "Inntektsår er større enn inneværende år minus 1",
            ),
            (
                "(leveranse.inntektsaar + 1) * 2 == 10 / (4 - 2)",
                "(Inntektsår pluss 1) ganger 2 er 10 delt på (4 minus 2)",
            ),
            (
                "-(leveranse.inntektsaar + 1) == 0",
                "minus (Inntektsår pluss 1) er 0",
            ),
            ("leveranse.dato == null", "Dato er ikke fylt ut"),
            ("null != leveranse.dato", "Dato er fylt ut"),
            ("leveranse.dato < '2025-05-31'", "Dato er før 31.05.2025"),
            (
                "leveranse.dato <= today()",
                "Dato er ikke etter dagens dato",
            ),
            ("leveranse.frist > '3101'", "Frist er etter 31. januar"),
            ("leveranse.frist >= '0102'", "Frist er ikke før 1. februar"),
            ("year(leveranse.dato) == 2024", "året i Dato er 2024"),
            ("leveranse.bekreftet", "Bekreftet er ja"),
            ("not leveranse.bekreftet", "Bekreftet er nei"),
            ("leveranse.bekreftet == false", "Bekreftet er nei"),
            (
                "not (leveranse.inntektsaar > 2020)",
                "Inntektsår er høyst 2020",
            ),
            (
                "not (leveranse.bekreftet and leveranse.inntektsaar == 1)",
                "Bekreftet er nei eller Inntektsår er ikke 1",
            ),
            (
                "leveranse.bekreftet and (leveranse.dato == null or leveranse.inntektsaar == 1)",
                "Bekreftet er ja og (Dato er ikke fylt ut eller Inntektsår er 1)",
            ),
            (
                "leveranse.bekreftet and leveranse.dato == null or leveranse.inntektsaar == 1",
                "(Bekreftet er ja og Dato er ikke fylt ut) eller Inntektsår er 1",
            ),
            (
                "count(leveranse.oppgave) > 0",
                "antall rader i Oppgaver er større enn 0",
            ),
            ("count(leveranse.valg) == 2", "antall valg i Valg er 2"),
            (
                "count(leveranse.oppgave[*].navn) == 2",
                "antall svar på Navn i Oppgaver er 2",
            ),
            (
                "len(leveranse.leveransetype) > 3",
                "antall tegn i svaret på «Hva skal du rapportere?» er større enn 3",
            ),
            (
                "len(leveranse.oppgave) == 1",
                "antall rader i Oppgaver er 1",
            ),
            ("empty(leveranse.oppgave)", "Oppgaver har ingen rader"),
            ("not empty(leveranse.oppgave)", "Oppgaver har minst én rad"),
            ("empty(leveranse.valg)", "Valg er ikke fylt ut"),
            (
                "all(leveranse.oppgave, eiertid.start <= eiertid.slutt)",
                "Eier fra er ikke etter Eier til i hver rad i Oppgaver",
            ),
            (
                "any(leveranse.oppgave, bolig and andelFormue > 0)",
                "(Bolig er ja og Andel formue er større enn 0) i minst én rad i Oppgaver",
            ),
            (
                "not all(leveranse.oppgave, bolig)",
                "Bolig er nei i minst én rad i Oppgaver",
            ),
            (
                "leveranse.oppgave[1].navn == 'A'",
                "Navn i rad 2 i Oppgaver er «A»",
            ),
            ("user.name == 'X'", "navnet ditt er «X»"),
            (
                "leveranse.oppgaveoppsummering.sumAndelFormue > 0",
                "leveranse.oppgaveoppsummering.sumAndelFormue er større enn 0",
            ),
            (
                "hode[0].inntektsaar == 12345",
                "hode[0].inntektsaar er 12\u{a0}345",
            ),
        ];
        for (src, want) in cases {
            assert_eq!(words(src, Lang::Nb), want, "{src}");
        }
    }

    #[test]
    fn nynorsk_and_english() {
        let cases = [
            (
                "leveranse.leveransetype != 'ordinaer' and leveranse.dato != null",
                "svaret på «Hva skal du rapportere?» er ikkje «Ordinære oppgaver» og Dato er fylt ut",
                "the answer to “Hva skal du rapportere?” is not “Ordinary” and Dato is filled in",
            ),
            (
                "sum(leveranse.oppgave[*].andelFormue) >= 12345.5",
                "summen av Andel formue i Oppgaver er minst 12\u{a0}345,5",
                "the sum of Share of wealth in Entries is at least 12,345.5",
            ),
            (
                "any(leveranse.oppgave, eiertid.start > eiertid.slutt)",
                "Eier fra er etter Eier til i minst éi rad i Oppgaver",
                "Eier fra is after Eier til in at least one row of Entries",
            ),
            (
                "leveranse.dato < '2025-05-31' or count(leveranse.oppgave) * 2 > 10000",
                "Dato er før 31.05.2025 eller talet på rader i Oppgaver gonger 2 er større enn 10\u{a0}000",
                "Dato is before 31 May 2025 or the number of rows in Entries times 2 is greater than 10,000",
            ),
            (
                "not leveranse.bekreftet or leveranse.frist <= '3112'",
                "Bekreftet er nei eller Frist er ikkje etter 31. desember",
                "Bekreftet is no or Frist is not after 31 December",
            ),
        ];
        for (src, nn, en) in cases {
            assert_eq!(words(src, Lang::Nn), nn, "{src}");
            assert_eq!(words(src, Lang::En), en, "{src}");
        }
    }

    #[test]
    fn calendar_functions_and_contains() {
        let cases = [
            (
                "leveranse.dato <= date(year(today()), 5, 31)",
                "Dato er ikke etter 31.5. i år",
                "Dato is not after 31/5 this year",
            ),
            (
                "leveranse.dato >= add_months(today(), 1)",
                "Dato er ikke før 1 måneder etter dagens dato",
                "Dato is not before 1 months after today's date",
            ),
            (
                "days_between(today(), leveranse.dato) <= 8 and month(leveranse.dato) > 1",
                "antall dager fra dagens dato til Dato er høyst 8 og måneden i Dato er større enn 1",
                "the number of days from today's date to Dato is at most 8 and the month of Dato is greater than 1",
            ),
            (
                "not contains(leveranse.valg, 'a')",
                "Valg omfatter ikke «a»",
                "Valg does not include “a”",
            ),
        ];
        for (src, nb, en) in cases {
            let e = checked(src, None).unwrap();
            assert_eq!(
                e.in_words(Lang::Nb, &AsWritten),
                nb.replace("Valg", "leveranse.valg")
                    .replace("Dato", "leveranse.dato"),
                "{src}"
            );
            assert_eq!(
                e.in_words(Lang::En, &AsWritten),
                en.replace("Valg", "leveranse.valg")
                    .replace("Dato", "leveranse.dato"),
                "{src}"
            );
        }
    }

    #[test]
    fn subordinate_clauses_put_the_negation_before_the_verb() {
        let e = checked(
            "leveranse.dato == null and leveranse.inntektsaar != 2025",
            None,
        )
        .unwrap();
        assert_eq!(
            e.in_clause(Clause::Sub, Lang::Nb, &Labels),
            "Dato ikke er fylt ut og Inntektsår ikke er 2025"
        );
        assert_eq!(
            e.in_clause(Clause::Sub, Lang::Nn, &Labels),
            "Dato ikkje er fylt ut og Inntektsår ikkje er 2025"
        );
        assert_eq!(
            e.in_clause(Clause::Sub, Lang::En, &Labels),
            "Dato is not filled in and Inntektsår is not 2025"
        );
    }

    #[test]
    fn paths_in_a_rule_row_and_without_names() {
        let row = row_path();
        let e = checked("eiertid.start <= eiertid.slutt", Some(&row)).unwrap();
        assert_eq!(
            e.in_words(Lang::Nb, &Labels),
            "Eier fra er ikke etter Eier til"
        );
        assert_eq!(
            e.in_words(Lang::En, &AsWritten),
            "eiertid.start is not after eiertid.slutt"
        );
        // Unchecked: paths as written, the context by its words, text as text.
        let raw = Expr::parse("user.pid != null and a.b == 'x'").unwrap();
        assert_eq!(
            raw.in_words(Lang::Nb, &AsWritten),
            "fødselsnummeret ditt er fylt ut og a.b er «x»"
        );
        let value = checked("sum(leveranse.oppgave[*].andelFormue)", None).unwrap();
        assert_eq!(
            value.in_words(Lang::Nb, &Labels),
            "summen av Andel formue i Oppgaver"
        );
    }
}
