//! The parser: tokens to a syntax tree by recursive descent, one function per precedence level.

use super::lex::{Tok, describe, lex};
use super::tree::{BinOp, Func, Kind, Node, PathNode, Res, UnOp};
use super::{ExprError, Seg, Value, format_path};

/// Parses a whole expression: its tokens, then the tree, with nothing left over.
pub(super) fn parse(src: &str) -> Result<Node, ExprError> {
    let toks = lex(src)?;
    // A chain of operators (`1 + 1 + …`) is parsed by a loop, not by recursion, but it builds a
    // tree as deep as the chain is long, which checking, evaluating and dropping walk
    // recursively: the length bounds that depth.
    if let Some(&(_, at)) = toks.get(MAX_TOKENS) {
        return Err(ExprError::new(
            at,
            format!("expression too long: at most {MAX_TOKENS} parts (names, numbers, operators)"),
        ));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let root = p.expr()?;
    if *p.peek() != Tok::End {
        return Err(ExprError::new(
            p.at(),
            format!("unexpected {} after the expression", describe(p.peek())),
        ));
    }
    Ok(root)
}

/// Guards the recursive descent: form files are trusted, but a runaway nesting should be an
/// error rather than a stack overflow.
const MAX_DEPTH: usize = 64;
/// The most tokens an expression may have (the longest in the catalogue has under a hundred).
const MAX_TOKENS: usize = 512;

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn at(&self) -> usize {
        self.toks[self.pos].1
    }

    /// Takes the current token (leaving `End` in its place) and advances, never past `End`.
    fn bump(&mut self) -> (Tok, usize) {
        let at = self.at();
        let tok = std::mem::replace(&mut self.toks[self.pos].0, Tok::End);
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        (tok, at)
    }

    fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, ExprError>,
    ) -> Result<T, ExprError> {
        if self.depth >= MAX_DEPTH {
            return Err(ExprError::new(self.at(), "expression nested too deeply"));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn expr(&mut self) -> Result<Node, ExprError> {
        self.nested(Self::or)
    }

    fn or(&mut self) -> Result<Node, ExprError> {
        let mut left = self.and()?;
        while *self.peek() == Tok::Or {
            let (_, at) = self.bump();
            let right = self.and()?;
            left = binary(BinOp::Or, left, right, at);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, ExprError> {
        let mut left = self.not()?;
        while *self.peek() == Tok::And {
            let (_, at) = self.bump();
            let right = self.not()?;
            left = binary(BinOp::And, left, right, at);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Node, ExprError> {
        if *self.peek() != Tok::Not {
            return self.comparison();
        }
        let (_, at) = self.bump();
        let inner = self.nested(Self::not)?;
        Ok(Node {
            at,
            kind: Kind::Unary(UnOp::Not, Box::new(inner)),
        })
    }

    fn comparison(&mut self) -> Result<Node, ExprError> {
        let left = self.additive()?;
        let Some(op) = BinOp::comparison(self.peek()) else {
            return Ok(left);
        };
        let (_, at) = self.bump();
        let right = self.additive()?;
        if BinOp::comparison(self.peek()).is_some() {
            return Err(ExprError::new(
                self.at(),
                "comparisons cannot be chained; join them with 'and'",
            ));
        }
        Ok(binary(op, left, right, at))
    }

    fn additive(&mut self) -> Result<Node, ExprError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(left),
            };
            let (_, at) = self.bump();
            let right = self.multiplicative()?;
            left = binary(op, left, right, at);
        }
    }

    fn multiplicative(&mut self) -> Result<Node, ExprError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                _ => return Ok(left),
            };
            let (_, at) = self.bump();
            let right = self.unary()?;
            left = binary(op, left, right, at);
        }
    }

    fn unary(&mut self) -> Result<Node, ExprError> {
        if *self.peek() != Tok::Minus {
            return self.primary();
        }
        let (_, at) = self.bump();
        let inner = self.nested(Self::unary)?;
        Ok(Node {
            at,
            kind: Kind::Unary(UnOp::Neg, Box::new(inner)),
        })
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let (tok, at) = self.bump();
        let kind = match tok {
            Tok::Num(v) => Kind::Lit(v),
            Tok::Str(s) => Kind::Lit(Value::Text(s)),
            Tok::True => Kind::Lit(Value::Bool(true)),
            Tok::False => Kind::Lit(Value::Bool(false)),
            Tok::Null => Kind::Lit(Value::Null),
            Tok::LParen => {
                let inner = self.expr()?;
                self.expect_rparen()?;
                return Ok(inner);
            }
            Tok::Path(segs) if *self.peek() == Tok::LParen => return self.call(segs, at),
            Tok::Path(written) => Kind::Path(Box::new(PathNode {
                written,
                res: Res::Unresolved,
            })),
            other => {
                return Err(ExprError::new(
                    at,
                    format!("expected an expression, found {}", describe(&other)),
                ));
            }
        };
        Ok(Node { at, kind })
    }

    fn call(&mut self, segs: Vec<Seg>, at: usize) -> Result<Node, ExprError> {
        let [Seg::Key(name)] = segs.as_slice() else {
            return Err(ExprError::new(
                at,
                format!("'{}' is not a function", format_path(&segs)),
            ));
        };
        let func = Func::from_name(name).ok_or_else(|| {
            ExprError::new(
                at,
                format!(
                    "unknown function '{name}' (known: sum, count, all, any, len, empty, today, year, month, day, date, add_days, add_months, days_between, contains, lookup, iban_ok, bic_ok)"
                ),
            )
        })?;
        self.bump(); // '('
        let mut args = Vec::new();
        if *self.peek() != Tok::RParen {
            loop {
                args.push(self.expr()?);
                if *self.peek() != Tok::Comma {
                    break;
                }
                self.bump();
            }
        }
        self.expect_rparen()?;
        let want = func.arity();
        if args.len() != want {
            return Err(ExprError::new(
                at,
                format!(
                    "{}() takes {want} argument{}, found {}",
                    func.name(),
                    if want == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
        }
        Ok(Node {
            at,
            kind: Kind::Call(func, args),
        })
    }

    fn expect_rparen(&mut self) -> Result<(), ExprError> {
        if *self.peek() == Tok::RParen {
            self.bump();
            Ok(())
        } else {
            Err(ExprError::new(
                self.at(),
                format!("expected ')', found {}", describe(self.peek())),
            ))
        }
    }
}

fn binary(op: BinOp, left: Node, right: Node, at: usize) -> Node {
    Node {
        at,
        kind: Kind::Binary(op, Box::new(left), Box::new(right)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::expr::Expr;

    /// Fully parenthesised rendering of the tree, to test precedence.
    fn show(n: &Node) -> String {
        match &n.kind {
            Kind::Lit(Value::Text(s)) => format!("'{s}'"),
            Kind::Lit(Value::Int(i)) => i.to_string(),
            Kind::Lit(Value::Dec(x)) => x.to_string(),
            Kind::Lit(Value::Bool(b)) => b.to_string(),
            Kind::Lit(v) => format!("{v:?}"),
            Kind::Path(p) => format_path(&p.written),
            Kind::Unary(UnOp::Not, x) => format!("(not {})", show(x)),
            Kind::Unary(UnOp::Neg, x) => format!("(- {})", show(x)),
            Kind::Binary(op, l, r) => format!("({} {} {})", show(l), op.symbol(), show(r)),
            Kind::Call(f, args) => format!(
                "{}({})",
                f.name(),
                args.iter().map(show).collect::<Vec<_>>().join(", ")
            ),
            Kind::Lookup(l) => format!("lookup({}, {})", l.table.id, show(&l.key)),
        }
    }

    fn parsed(src: &str) -> String {
        show(&Expr::parse(src).unwrap().root)
    }

    fn parse_err(src: &str) -> ExprError {
        match Expr::parse(src) {
            Ok(e) => panic!("{src:?} parsed as {}", show(&e.root)),
            Err(e) => e,
        }
    }

    #[test]
    fn precedence() {
        assert_eq!(
            parsed("a or b and not c == 1 + 2 * -d"),
            "(a or (b and (not (c == (1 + (2 * (- d)))))))"
        );
        assert_eq!(parsed("(a or b) and c"), "((a or b) and c)");
        assert_eq!(parsed("1 - 2 - 3"), "((1 - 2) - 3)");
        assert_eq!(parsed("8 / 4 / 2 * 3"), "(((8 / 4) / 2) * 3)");
        assert_eq!(parsed("not a == b"), "(not (a == b))");
        assert_eq!(parsed("not not a"), "(not (not a))");
        assert_eq!(parsed("-a * b"), "((- a) * b)");
        assert_eq!(
            parsed("a <= b + 1 and b > 2"),
            "((a <= (b + 1)) and (b > 2))"
        );
        assert_eq!(
            parsed("sum(leveranse.oppgave[*].andelFormue)/count(leveranse.oppgave)"),
            "(sum(leveranse.oppgave[*].andelFormue) / count(leveranse.oppgave))"
        );
        assert_eq!(
            parsed("all(a.rows, x.y[0] != null)"),
            "all(a.rows, (x.y[0] != Null))"
        );
        assert_eq!(parsed("today()"), "today()");
    }

    #[test]
    fn literals() {
        assert_eq!(parsed("12"), "12");
        assert_eq!(parsed("1.5"), "1.5");
        assert_eq!(parsed(r#"'it\'s'"#), "'it's'");
        assert_eq!(parsed(r#""a\"b\\c""#), r#"'a"b\c'"#);
        assert_eq!(parsed(r#""tab\there""#), "'tab\there'");
        assert_eq!(parsed("'ø' == \"æ\""), "('ø' == 'æ')");
        assert_eq!(parsed("true or false"), "(true or false)");
        // Keywords are keywords only as the first word of a path.
        assert_eq!(parsed("a.not.and"), "a.not.and");
    }

    #[test]
    fn parse_errors() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "expected an expression, found end of input"),
            ("1 +", 3, "expected an expression"),
            ("a == b == c", 7, "cannot be chained"),
            ("a < b > c", 6, "cannot be chained"),
            ("'abc", 0, "unterminated string"),
            (r"'a\qb'", 2, "unknown escape"),
            ("a.", 2, "expected a name after '.'"),
            ("a.b[x]", 4, "row number or '*'"),
            ("a[1", 3, "expected ']'"),
            ("(1 + 2", 6, "expected ')'"),
            ("1 $ 2", 2, "unexpected '$'"),
            ("'ø' + ?", 7, "unexpected '?'"),
            ("1.", 2, "digit after the decimal point"),
            ("12a", 2, "after a number"),
            ("a = b", 2, "'=='"),
            ("!a", 0, "'not'"),
            ("a && b", 2, "'and'"),
            ("a b", 2, "unexpected 'b' after the expression"),
            ("1 2", 2, "unexpected a number"),
            ("foo(1)", 0, "unknown function 'foo'"),
            ("a.sum(1)", 0, "not a function"),
            ("x + sum(a, b)", 4, "sum() takes 1 argument, found 2"),
            ("all(a)", 0, "takes 2 arguments"),
            ("today(1)", 0, "takes 0 arguments"),
            ("sum(a,)", 6, "expected an expression"),
            ("99999999999999999999999999999999999999999", 0, "too large"),
        ];
        for &(src, offset, msg) in cases {
            let e = parse_err(src);
            assert_eq!(e.offset, offset, "{src:?}: {e}");
            assert!(e.message.contains(msg), "{src:?}: {e}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("{}1{}", "(".repeat(200), ")".repeat(200));
        assert!(parse_err(&src).message.contains("nested too deeply"));
        let src = format!("{}a", "not ".repeat(200));
        assert!(parse_err(&src).message.contains("nested too deeply"));
        let src = format!("{}1", "-".repeat(200));
        assert!(parse_err(&src).message.contains("nested too deeply"));
        // Longer still is refused for its length first.
        let src = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse_err(&src).message.contains("expression too long"));
        // Ordinary nesting is fine.
        assert_eq!(parsed("((((1))))"), "1");
    }

    #[test]
    fn a_long_chain_of_operators_is_an_error_not_a_deep_tree() {
        // Found by fuzzing: 15 000 additions made a tree that checking and dropping overflowed
        // the stack on.
        let src = format!("{}1", "1 + ".repeat(15_000));
        assert!(parse_err(&src).message.contains("expression too long"));
        let src = format!("{}a", "a and ".repeat(15_000));
        assert!(parse_err(&src).message.contains("expression too long"));
        // A long but sensible sum is fine.
        let src = format!("{}1", "a.x + ".repeat(200));
        assert!(parse(&src).is_ok());
    }

    #[test]
    fn error_display_names_offset() {
        let e = parse_err("1 +");
        assert_eq!(
            e.to_string(),
            "expected an expression, found end of input (at offset 3)"
        );
    }
}
