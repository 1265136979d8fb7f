//! Reading `forms/`, checking every form, and building the [`Catalog`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use super::definition::*;
use super::expr::{Expr, Seg, Type, Value, format_path, parse_path};

/// A problem in a form file, printed as `file:line: message`.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// Warnings (a missing translation) do not stop the start.
    pub warning: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = if self.warning { "warning: " } else { "" };
        write!(
            f,
            "{}:{}: {w}{}",
            self.file.display(),
            self.line,
            self.message
        )
    }
}

/// The outcome of loading: a catalogue if nothing was an error, and every problem found.
#[derive(Debug)]
pub struct Loaded {
    /// The catalogue (only when no problem is an error).
    pub catalog: Option<Catalog>,
    /// Errors and warnings, in file order.
    pub problems: Vec<Problem>,
}

impl Loaded {
    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| !p.warning)
    }

    /// Every problem as a page shows it: `file:line: problem`, and whether only a warning.
    pub fn problem_lines(&self) -> Vec<(String, bool)> {
        self.problems
            .iter()
            .map(|p| (p.to_string(), p.warning))
            .collect()
    }
}

/// Loads `areas.toml` and every `<area>/<form>.toml` below `dir` (not the `*.scenarios.toml`
/// beside them).
pub fn load_dir(dir: &Path) -> Loaded {
    let mut problems = Vec::new();
    let areas_file = dir.join("areas.toml");
    let areas = match std::fs::read_to_string(&areas_file) {
        Ok(src) => parse_areas(&areas_file, &src, &mut problems),
        Err(e) => {
            problems.push(err(&areas_file, 1, format!("cannot read: {e}")));
            Vec::new()
        }
    };
    let lists = load_lists(&dir.join(LISTS_DIR), &mut problems);
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.path().is_dir()
                && e.file_name() != LISTS_DIR
                && let Ok(sub) = std::fs::read_dir(e.path())
            {
                files.extend(
                    sub.flatten()
                        .map(|f| f.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                        // A form's scenarios stand beside it (`form::scenario`).
                        .filter(|p| !super::scenario::is_scenarios_file(p)),
                );
            }
        }
    } else {
        problems.push(err(dir, 1, "cannot read the forms directory".into()));
    }
    files.sort();
    let area_ids: BTreeSet<&str> = areas.iter().map(|a| a.id.as_str()).collect();
    let mut forms: BTreeMap<String, BTreeMap<String, Arc<Form>>> = BTreeMap::new();
    for file in &files {
        let src = match std::fs::read_to_string(file) {
            Ok(s) => s,
            Err(e) => {
                problems.push(err(file, 1, format!("cannot read: {e}")));
                continue;
            }
        };
        if let Some(form) = parse_form_with(file, &src, &area_ids, &lists, &mut problems) {
            // `requires` is checked where a form starts, in the browser; the API has no start,
            // so a form that may also come through it cannot require a registration.
            let by_api = areas
                .iter()
                .any(|a| a.id == form.area && a.channels.contains(&Channel::M2m));
            if !form.requires.is_empty() && (by_api || form.api.is_some()) {
                let line = src
                    .lines()
                    .position(|l| l.trim_start().starts_with("requires"))
                    .map_or(1, |i| i + 1);
                problems.push(err(
                    file,
                    line,
                    format!(
                        "requires: the area {:?} takes this form through the API too, which has no start page to check a registration on; leave `requires` out or move the form to an area without M2M",
                        form.area
                    ),
                ));
            }
            let versions = forms.entry(form.id.clone()).or_default();
            if versions.contains_key(&form.version) {
                problems.push(err(
                    file,
                    1,
                    format!("form {} version {} is defined twice", form.id, form.version),
                ));
            }
            versions.insert(form.version.clone(), Arc::new(form));
        }
    }
    let ok = !problems.iter().any(|p| !p.warning);
    Loaded {
        catalog: ok.then_some(Catalog {
            areas,
            lists,
            forms,
        }),
        problems,
    }
}

/// The folder of the code lists, beside the areas' folders.
pub const LISTS_DIR: &str = "lists";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    title: Text,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    code: Vec<Spanned<RawCode>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    value: String,
    label: Text,
    hint: Option<Text>,
    #[serde(default)]
    data: BTreeMap<String, toml::Value>,
}

/// Every `lists/<id>.toml`: its codes, each once, with its data in the columns it declares.
fn load_lists(dir: &Path, problems: &mut Vec<Problem>) -> BTreeMap<String, Arc<CodeList>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for file in files {
        let id = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let src = match std::fs::read_to_string(&file) {
            Ok(s) => s,
            Err(e) => {
                problems.push(err(&file, 1, format!("cannot read: {e}")));
                continue;
            }
        };
        if let Some(list) = parse_list(&file, &id, &src, problems) {
            out.insert(id, Arc::new(list));
        }
    }
    out
}

fn parse_list(file: &Path, id: &str, src: &str, problems: &mut Vec<Problem>) -> Option<CodeList> {
    let raw: RawList = match toml::from_str(src) {
        Ok(r) => r,
        Err(e) => {
            let line = e.span().map(|s| line_of(src, s.start)).unwrap_or(1);
            problems.push(err(file, line, e.message().trim().to_string()));
            return None;
        }
    };
    let before = problems.iter().filter(|p| !p.warning).count();
    if !valid_id(id) {
        problems.push(err(
            file,
            1,
            format!("a code list's file name must be letters, digits and -, not {id:?}"),
        ));
    }
    let mut columns = BTreeMap::new();
    for (name, kind) in &raw.columns {
        let t = match kind.as_str() {
            "number" => Type::Number,
            "text" => Type::Text,
            "bool" => Type::Bool,
            "date" => Type::Date,
            other => {
                problems.push(err(
                    file,
                    1,
                    format!(
                        "column {name}: the type must be number, text, bool or date, not {other:?}"
                    ),
                ));
                continue;
            }
        };
        columns.insert(name.clone(), t);
    }
    let mut texts = TextCheck {
        file,
        problems: &mut *problems,
    };
    texts.check(&raw.title, 1, "title");
    let mut codes = Vec::new();
    let mut rows = BTreeMap::new();
    for c in raw.code {
        let line = line_of(src, c.span().start);
        let c = c.into_inner();
        texts.check(&c.label, line, "label");
        if let Some(h) = &c.hint {
            texts.check(h, line, "hint");
        }
        let mut row = BTreeMap::new();
        for (name, v) in &c.data {
            let value = match (columns.get(name), v) {
                (None, _) => Err(format!("{name} is not one of the list's columns")),
                (Some(Type::Number), toml::Value::Integer(i)) => Ok(Value::Int((*i).into())),
                (Some(Type::Number), toml::Value::Float(f)) => Ok(Value::Dec(*f)),
                (Some(Type::Text), toml::Value::String(s)) => Ok(Value::Text(s.clone())),
                (Some(Type::Bool), toml::Value::Boolean(b)) => Ok(Value::Bool(*b)),
                (Some(Type::Date), toml::Value::Datetime(d)) => match d.date {
                    Some(d) => Ok(Value::Date(d.year.into(), d.month, d.day)),
                    None => Err(format!("{name} must be a date")),
                },
                (Some(t), _) => Err(format!("{name} must be a {t}")),
            };
            match value {
                Ok(v) => {
                    row.insert(name.clone(), v);
                }
                Err(m) => texts
                    .problems
                    .push(err(file, line, format!("code {:?}: {m}", c.value))),
            }
        }
        if rows.insert(c.value.clone(), row).is_some() {
            texts
                .problems
                .push(err(file, line, format!("code {:?} appears twice", c.value)));
        }
        codes.push(ChoiceOption {
            value: c.value,
            label: c.label,
            hint: c.hint,
        });
    }
    if codes.is_empty() {
        problems.push(err(file, 1, "a code list needs at least one code".into()));
    }
    let errors_now = problems.iter().filter(|p| !p.warning).count();
    (errors_now == before).then(|| CodeList {
        id: id.to_owned(),
        table: Arc::new(super::expr::Table {
            id: id.to_owned(),
            names: Lang::ALL.map(|l| raw.title.get(l).to_owned()),
            columns,
            rows,
        }),
        title: raw.title,
        codes,
    })
}

fn err(file: &Path, line: usize, message: String) -> Problem {
    Problem {
        file: file.to_path_buf(),
        line,
        message,
        warning: false,
    }
}

fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())].matches('\n').count() + 1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAreas {
    area: Vec<Spanned<RawArea>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArea {
    id: String,
    title: Text,
    description: Text,
    channels: Vec<Channel>,
    #[serde(default)]
    retention: AreaRetention,
}

fn parse_areas(file: &Path, src: &str, problems: &mut Vec<Problem>) -> Vec<Area> {
    let raw: RawAreas = match toml::from_str(src) {
        Ok(r) => r,
        Err(e) => {
            let line = e.span().map(|s| line_of(src, s.start)).unwrap_or(1);
            problems.push(err(file, line, e.message().to_string()));
            return Vec::new();
        }
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for a in raw.area {
        let line = line_of(src, a.span().start);
        let a = a.into_inner();
        if !seen.insert(a.id.clone()) {
            problems.push(err(file, line, format!("area {} is listed twice", a.id)));
        }
        let mut texts = TextCheck {
            file,
            problems: &mut *problems,
        };
        texts.check(&a.title, line, "title");
        texts.check(&a.description, line, "description");
        if a.retention.draft_days == Some(0) || a.retention.submission_years == Some(0) {
            problems.push(err(
                file,
                line,
                format!(
                    "area {}: a retention period must be 1 or more (days for drafts, years for submissions)",
                    a.id
                ),
            ));
        }
        out.push(Area {
            id: a.id,
            title: a.title,
            description: a.description,
            channels: a.channels,
            retention: a.retention,
        });
    }
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    id: Spanned<String>,
    version: String,
    area: Spanned<String>,
    resource: String,
    #[serde(default)]
    level: Level,
    #[serde(default)]
    persons: bool,
    #[serde(default)]
    packages: Vec<Spanned<String>>,
    #[serde(default)]
    requires: Vec<Spanned<String>>,
    title: Text,
    description: Option<Text>,
    #[serde(default)]
    about: About,
    api: Option<ApiSpec>,
    #[serde(default)]
    page: Vec<Spanned<RawPage>>,
    #[serde(default)]
    computed: Vec<Spanned<RawComputed>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPage {
    id: String,
    title: Text,
    intro: Option<Text>,
    when: Option<Spanned<String>>,
    #[serde(default)]
    field: Vec<Spanned<RawField>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    value: String,
    label: Text,
    hint: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlternative {
    key: String,
    kind: String,
    label: Text,
    min: Option<f64>,
    max: Option<f64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRequired {
    Fixed(bool),
    When(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    bind: Option<String>,
    kind: String,
    label: Option<Text>,
    hint: Option<Text>,
    help: Option<Text>,
    required: Option<RawRequired>,
    when: Option<Spanned<String>>,
    min: Option<f64>,
    max: Option<f64>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<String>,
    options: Option<Vec<RawOption>>,
    list: Option<String>,
    display: Option<String>,
    alternatives: Option<Vec<RawAlternative>>,
    autocomplete: Option<String>,
    prefill: Option<Spanned<String>>,
    locked: Option<bool>,
    row_label: Option<Text>,
    add_label: Option<Text>,
    accept: Option<Vec<String>>,
    max_file_mb: Option<f64>,
    total_mb: Option<f64>,
    #[serde(default)]
    field: Vec<Spanned<RawField>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComputed {
    bind: String,
    value: Spanned<String>,
    label: Option<Text>,
    kind: Option<String>,
    #[serde(default)]
    required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    each: Option<String>,
    check: Spanned<String>,
    path: String,
    message: Text,
}

struct TextCheck<'a> {
    file: &'a Path,
    problems: &'a mut Vec<Problem>,
}

impl TextCheck<'_> {
    fn check(&mut self, t: &Text, line: usize, what: &str) {
        if t.nb.trim().is_empty() {
            self.problems.push(err(
                self.file,
                line,
                format!("{what}: the nb text is empty"),
            ));
        }
        for (name, v) in [("nn", &t.nn), ("en", &t.en)] {
            if v.as_deref().is_none_or(|s| s.trim().is_empty()) {
                self.problems.push(Problem {
                    file: self.file.to_path_buf(),
                    line,
                    message: format!("{what}: no {name} text"),
                    warning: true,
                });
            }
        }
    }
}

/// The types known while checking one form, and whether the expression being checked is a
/// prefill (the only place the public registers may be read).
struct Types<'a>(
    &'a BTreeMap<Vec<Seg>, Type>,
    &'a BTreeMap<String, Arc<CodeList>>,
    bool,
);

impl super::expr::Schema for Types<'_> {
    fn type_of(&self, path: &[Seg]) -> Option<Type> {
        if let Some(t) = self.0.get(path) {
            return Some(t.clone());
        }
        // A concrete row index types like "every row".
        let general: Vec<Seg> = path
            .iter()
            .map(|s| match s {
                Seg::Index(_) => Seg::All,
                s => s.clone(),
            })
            .collect();
        self.0.get(&general).cloned()
    }

    fn table(&self, id: &str) -> Option<Arc<super::expr::Table>> {
        self.1.get(id).map(|l| l.table.clone())
    }

    fn registers_allowed(&self) -> bool {
        self.2
    }
}

fn kind_from(name: &str) -> Option<FieldKind> {
    Some(match name {
        "text" => FieldKind::Text,
        "textarea" => FieldKind::Textarea,
        "integer" => FieldKind::Integer,
        "amount" => FieldKind::Amount,
        "decimal" => FieldKind::Decimal,
        "percent" => FieldKind::Percent,
        "date" => FieldKind::Date,
        "daymonth" => FieldKind::DayMonth,
        "year" => FieldKind::Year,
        "yesno" => FieldKind::YesNo,
        "orgnr" => FieldKind::Orgnr,
        "fnr" => FieldKind::Fnr,
        "kommunenummer" => FieldKind::Kommunenummer,
        "postnummer" => FieldKind::Postnummer,
        "email" => FieldKind::Email,
        "phone" => FieldKind::Phone,
        "kontonummer" => FieldKind::Kontonummer,
        "static" => FieldKind::Static,
        _ => return None,
    })
}

/// The largest single attachment a form may allow, in MB.
pub const MAX_FILE_MB: f64 = 100.0;
/// The largest total of one attachment field, in MB.
pub const MAX_TOTAL_MB: f64 = 200.0;

/// Expressions waiting for the type map to be complete.
struct Pending {
    src: String,
    line: usize,
    row: Option<Vec<Seg>>,
    what: &'static str,
}

struct FormBuilder<'a> {
    file: &'a Path,
    src: &'a str,
    problems: &'a mut Vec<Problem>,
    types: BTreeMap<Vec<Seg>, Type>,
    binds: BTreeMap<Vec<Seg>, usize>,
    lists: &'a BTreeMap<String, Arc<CodeList>>,
}

impl FormBuilder<'_> {
    fn error(&mut self, line: usize, message: String) {
        self.problems.push(err(self.file, line, message));
    }

    fn texts(&mut self, t: &Text, line: usize, what: &str) {
        TextCheck {
            file: self.file,
            problems: &mut *self.problems,
        }
        .check(t, line, what);
    }

    fn path(&mut self, s: &str, line: usize) -> Option<Vec<Seg>> {
        match parse_path(s) {
            Ok(p) if !p.is_empty() => Some(p),
            Ok(_) => {
                self.error(line, "an empty path".into());
                None
            }
            Err(e) => {
                self.error(line, format!("bad path {s:?}: {e}"));
                None
            }
        }
    }

    fn claim(&mut self, path: Vec<Seg>, ty: Type, line: usize) {
        if let Some(prev) = self.binds.insert(path.clone(), line) {
            self.error(
                line,
                format!("{} is already bound on line {prev}", format_path(&path)),
            );
        }
        self.types.insert(path, ty);
    }

    fn expr(&mut self, p: &Pending) -> Option<Expr> {
        let mut e = match Expr::parse(&p.src) {
            Ok(e) => e,
            Err(e) => {
                self.error(p.line, format!("{}: {e}", p.what));
                return None;
            }
        };
        let prefill = p.what == "prefill";
        match e.check(&Types(&self.types, self.lists, prefill), p.row.as_deref()) {
            Ok(Type::Bool | Type::Null) if p.what != "prefill" => Some(e),
            Ok(_) if p.what == "prefill" => Some(e),
            Ok(t) => {
                self.error(
                    p.line,
                    format!("{}: must be true or false, but is {t:?}", p.what),
                );
                None
            }
            Err(x) => {
                self.error(p.line, format!("{}: {x} in {:?}", p.what, p.src));
                None
            }
        }
    }

    /// The settings of an attachment field: known file kinds, sizes that make sense together.
    fn attachments(&mut self, raw: &RawField, line: usize) -> Option<FieldKind> {
        use super::attachment::FileKind;
        const MB: f64 = 1024.0 * 1024.0;
        let mut kinds = Vec::new();
        let accept = raw.accept.clone().unwrap_or_default();
        if accept.is_empty() {
            self.error(
                line,
                "an attachment field needs accept = [file kinds]".into(),
            );
        }
        for a in &accept {
            match FileKind::from_name(a) {
                Some(k) if !kinds.contains(&k) => kinds.push(k),
                Some(_) => self.error(line, format!("file kind {a:?} appears twice")),
                None => self.error(
                    line,
                    format!("unknown file kind {a:?} (known: pdf, png, jpeg, xml, csv, zip)"),
                ),
            }
        }
        let Some(max_file) = raw.max_file_mb else {
            self.error(line, "an attachment field needs max_file_mb".into());
            return None;
        };
        if !(max_file > 0.0 && max_file <= MAX_FILE_MB) {
            self.error(
                line,
                format!("max_file_mb must be above 0 and at most {MAX_FILE_MB}"),
            );
        }
        let count = raw.max.unwrap_or(1.0);
        let total = raw.total_mb.unwrap_or(max_file * count);
        if total < max_file {
            self.error(
                line,
                format!("total_mb {total} is less than max_file_mb {max_file}"),
            );
        }
        if total > MAX_TOTAL_MB {
            self.error(line, format!("total_mb may be at most {MAX_TOTAL_MB}"));
        }
        for (v, what) in [(raw.min, "min"), (raw.max, "max")] {
            if let Some(v) = v
                && (v < 0.0 || v.fract() != 0.0)
            {
                self.error(line, format!("{what} must be a whole number of files"));
            }
        }
        if raw.max.is_some_and(|m| m < 1.0) {
            self.error(line, "max must allow at least one file".into());
        }
        if raw.min_length.is_some() || raw.max_length.is_some() || raw.pattern.is_some() {
            self.error(
                line,
                "an attachment field takes accept, max_file_mb, total_mb, min and max".into(),
            );
        }
        Some(FieldKind::Attachment(super::definition::Attachments {
            kinds,
            max_file: (max_file * MB) as u64,
            total: (total * MB) as u64,
        }))
    }

    /// First pass: everything but expressions.
    fn field(
        &mut self,
        raw: Spanned<RawField>,
        row: Option<&[Seg]>,
        pending: &mut Vec<(Vec<usize>, Pending)>,
        at: Vec<usize>,
    ) -> Option<Field> {
        let line = line_of(self.src, raw.span().start);
        let mut raw = raw.into_inner();
        let label = raw.label.clone().unwrap_or_default();
        self.field_texts(&raw, &label, line);
        let bind = self.bind(&raw, row, line)?;
        self.misplaced_settings(&raw, line);
        let kind = match raw.kind.as_str() {
            "choice" | "multichoice" => self.choice(&mut raw, line)?,
            "either" => self.either(&mut raw, &bind, line),
            "group" => {
                if row.is_some() {
                    self.error(line, "a group inside a group is not supported".into());
                    return None;
                }
                self.group(&mut raw, &bind, pending, &at, line)
            }
            "attachment" => {
                if row.is_some() {
                    self.error(line, "an attachment field may not be inside a group".into());
                    return None;
                }
                self.attachments(&raw, line)?
            }
            other => match kind_from(other) {
                Some(k) => k,
                None => {
                    self.error(line, format!("unknown kind {other:?}"));
                    return None;
                }
            },
        };
        self.bounds(&raw, line);
        let pattern = self.pattern(raw.pattern.as_deref(), line);
        if !matches!(
            kind,
            FieldKind::Group(_) | FieldKind::Either { .. } | FieldKind::Static
        ) && let Some(t) = kind.value_type()
        {
            self.claim(bind.clone(), t, line);
        }
        // A group's own expressions are read from the root, not from one of its rows.
        let exrow = if matches!(kind, FieldKind::Group(_)) {
            None
        } else {
            row.map(|r| r.to_vec())
        };
        let required = self.defer_expressions(&mut raw, exrow, pending, &at, line);
        Some(Field {
            bind,
            kind,
            label,
            hint: raw.hint,
            help: raw.help,
            required,
            when: None,
            min: raw.min,
            max: raw.max,
            min_length: raw.min_length,
            max_length: raw.max_length,
            pattern,
            autocomplete: raw.autocomplete,
            prefill: None,
            locked: raw.locked.unwrap_or(false),
            line,
        })
    }

    /// A field's label (a static text may go without), hint and help.
    fn field_texts(&mut self, raw: &RawField, label: &Text, line: usize) {
        if raw.kind != "static" || raw.label.is_some() {
            self.texts(label, line, "label");
        }
        for (t, what) in [(&raw.hint, "hint"), (&raw.help, "help")] {
            if let Some(t) = t {
                self.texts(t, line, what);
            }
        }
    }

    /// Where a field's answer is stored: its bind under the row it is in; none for a static text,
    /// the row itself for an `either` bound to `.`.
    fn bind(&mut self, raw: &RawField, row: Option<&[Seg]>, line: usize) -> Option<Vec<Seg>> {
        let base: Vec<Seg> = row.map(|r| r.to_vec()).unwrap_or_default();
        match (&raw.bind, raw.kind.as_str()) {
            (None, "static") => Some(Vec::new()),
            (None, _) => {
                self.error(line, format!("a {} field needs a bind", raw.kind));
                None
            }
            (Some(b), _) if b == "." && row.is_some() && raw.kind == "either" => Some(base),
            (Some(b), _) => {
                let p = self.path(b, line)?;
                if p.contains(&Seg::All) {
                    self.error(line, "a bind may not contain [*]; use a group".into());
                    return None;
                }
                Some([base, p].concat())
            }
        }
    }

    /// Settings that belong to another kind of field.
    fn misplaced_settings(&mut self, raw: &RawField, line: usize) {
        if raw.kind != "attachment"
            && (raw.accept.is_some() || raw.max_file_mb.is_some() || raw.total_mb.is_some())
        {
            self.error(
                line,
                "accept, max_file_mb and total_mb belong to attachment fields".into(),
            );
        }
        if raw.kind != "group" && !raw.field.is_empty() {
            self.error(line, "only a group may have fields".into());
        }
    }

    /// The settings of a choice or multichoice field: its options, each value once, and for a
    /// choice how it is shown (a list of radio buttons, or a select beyond six options).
    fn choice(&mut self, raw: &mut RawField, line: usize) -> Option<FieldKind> {
        // The options of a code list (`list = "…"`), or written out.
        let opts = match (raw.options.take(), raw.list.take()) {
            (Some(_), Some(_)) => {
                self.error(line, "a field takes options or a list, not both".into());
                return None;
            }
            (None, Some(id)) => match self.lists.get(&id) {
                Some(l) => l
                    .codes
                    .iter()
                    .map(|c| RawOption {
                        value: c.value.clone(),
                        label: c.label.clone(),
                        hint: c.hint.clone(),
                    })
                    .collect(),
                None => {
                    let known: Vec<&str> = self.lists.keys().map(String::as_str).collect();
                    self.error(
                        line,
                        format!("no code list {id:?} (known: {})", known.join(", ")),
                    );
                    return None;
                }
            },
            (Some(o), None) => o,
            (None, None) => {
                self.error(
                    line,
                    format!("a {} field needs options or a list", raw.kind),
                );
                return None;
            }
        };
        if opts.is_empty() {
            self.error(line, "options may not be empty".into());
        }
        let mut seen = BTreeSet::new();
        let mut options = Vec::new();
        for o in opts {
            if !seen.insert(o.value.clone()) {
                self.error(line, format!("option {:?} appears twice", o.value));
            }
            self.texts(&o.label, line, "option label");
            options.push(ChoiceOption {
                value: o.value,
                label: o.label,
                hint: o.hint,
            });
        }
        if raw.kind != "choice" {
            return Some(FieldKind::MultiChoice { options });
        }
        let select = match raw.display.as_deref() {
            None => options.len() > 6,
            Some("select") => true,
            Some("radio") => false,
            Some(d) => {
                self.error(line, format!("display must be radio or select, not {d}"));
                false
            }
        };
        Some(FieldKind::Choice { options, select })
    }

    /// The settings of an either field: at least two alternatives, each of a kind with a single
    /// value, each bound under the field's bind.
    fn either(&mut self, raw: &mut RawField, bind: &[Seg], line: usize) -> FieldKind {
        let alts = raw.alternatives.take().unwrap_or_default();
        if alts.len() < 2 {
            self.error(
                line,
                "an either field needs at least two alternatives".into(),
            );
        }
        let mut alternatives = Vec::new();
        for a in alts {
            let Some(kind) = kind_from(&a.kind).filter(|k| !matches!(k, FieldKind::Static)) else {
                self.error(line, format!("unknown alternative kind {:?}", a.kind));
                continue;
            };
            self.texts(&a.label, line, "alternative label");
            let mut p = bind.to_vec();
            p.push(Seg::Key(a.key.clone()));
            if let Some(t) = kind.value_type() {
                self.claim(p, t, line);
            }
            alternatives.push(Alternative {
                key: a.key,
                kind,
                label: a.label,
                min: a.min,
                max: a.max,
            });
        }
        FieldKind::Either { alternatives }
    }

    /// The settings of a group: its rows' fields, read with the row as their base.
    fn group(
        &mut self,
        raw: &mut RawField,
        bind: &[Seg],
        pending: &mut Vec<(Vec<usize>, Pending)>,
        at: &[usize],
        line: usize,
    ) -> FieldKind {
        let mut rowpath = bind.to_vec();
        self.claim(bind.to_vec(), Type::Rows, line);
        rowpath.push(Seg::All);
        let mut fields = Vec::new();
        for f in std::mem::take(&mut raw.field) {
            let mut at2 = at.to_vec();
            at2.push(fields.len());
            if let Some(f) = self.field(f, Some(&rowpath), pending, at2) {
                fields.push(f);
            }
        }
        if fields.is_empty() {
            self.error(line, "a group needs fields".into());
        }
        FieldKind::Group(Group {
            fields,
            row_label: raw.row_label.take(),
            add_label: raw.add_label.take(),
        })
    }

    /// Bounds that cannot all hold: `min` above `max`, `min_length` above `max_length`.
    fn bounds(&mut self, raw: &RawField, line: usize) {
        if let (Some(a), Some(b)) = (raw.min, raw.max)
            && a > b
        {
            self.error(line, format!("min {a} is greater than max {b}"));
        }
        if let (Some(a), Some(b)) = (raw.min_length, raw.max_length)
            && a > b
        {
            self.error(
                line,
                format!("min_length {a} is greater than max_length {b}"),
            );
        }
    }

    /// A field's pattern, anchored so that it must match the whole answer.
    fn pattern(&mut self, pattern: Option<&str>, line: usize) -> Option<Regex> {
        match pattern.map(|p| Regex::new(&format!("^(?:{p})$"))) {
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => {
                self.error(line, format!("bad pattern: {e}"));
                None
            }
            None => None,
        }
    }

    /// Puts a field's `required`, `when` and `prefill` expressions aside for the second pass, read
    /// in `row`; a fixed `required` is the answer.
    fn defer_expressions(
        &self,
        raw: &mut RawField,
        row: Option<Vec<Seg>>,
        pending: &mut Vec<(Vec<usize>, Pending)>,
        at: &[usize],
        line: usize,
    ) -> Required {
        let mut push = |src: Option<(String, usize)>, what: &'static str| {
            if let Some((src, line)) = src {
                pending.push((
                    at.to_vec(),
                    Pending {
                        src,
                        line,
                        row: row.clone(),
                        what,
                    },
                ));
            }
        };
        let required = match raw.required.take() {
            None => Required::Fixed(false),
            Some(RawRequired::Fixed(b)) => Required::Fixed(b),
            Some(RawRequired::When(s)) => {
                push(Some((s, line)), "required");
                Required::Fixed(false)
            }
        };
        let spanned = |s: Option<Spanned<String>>| {
            s.map(|s| (line_of(self.src, s.span().start), s.into_inner()))
                .map(|(l, s)| (s, l))
        };
        push(spanned(raw.when.take()), "when");
        push(spanned(raw.prefill.take()), "prefill");
        required
    }
}

/// Why a field may not be `locked`, if it may not: only a value prefilled from a public register
/// is kept from the user, and only where one value is typed in.
fn unlockable(f: &Field) -> Option<String> {
    let one_value = match &f.kind {
        FieldKind::Static
        | FieldKind::Group(_)
        | FieldKind::Either { .. }
        | FieldKind::Attachment(_)
        | FieldKind::MultiChoice { .. } => false,
        FieldKind::Text
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
        | FieldKind::Orgnr
        | FieldKind::Fnr
        | FieldKind::Kommunenummer
        | FieldKind::Postnummer
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::Kontonummer => true,
    };
    if !one_value {
        return Some("only a field with one typed value can be locked".into());
    }
    if f.in_row() {
        return Some("a field in a group's rows is never prefilled, so it cannot be locked".into());
    }
    match f.prefill.as_ref().map(|p| p.register()) {
        None => Some("a locked field needs a prefill from a public register".into()),
        Some(None) => Some(
            "only a value from a public register (register.*, folkeregister.*) can be locked"
                .into(),
        ),
        Some(Some(_)) => None,
    }
}

fn field_at<'a>(pages: &'a mut [Page], at: &[usize]) -> &'a mut Field {
    let mut f = &mut pages[at[0]].fields[at[1]];
    for &i in &at[2..] {
        let FieldKind::Group(g) = &mut f.kind else {
            unreachable!("path built from groups")
        };
        f = &mut g.fields[i];
    }
    f
}

/// Whether `s` may be a form's or a page's id: letters, digits and `-`.
fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Reads and checks one form file's text, in a catalogue of the areas `areas` without code lists;
/// `None` (with the reasons in `problems`) when it has errors. (The fuzz target `form_file`.)
pub fn parse_form_text(src: &str, areas: &[&str], problems: &mut Vec<Problem>) -> Option<Form> {
    let areas: BTreeSet<&str> = areas.iter().copied().collect();
    parse_form(Path::new("form.toml"), src, &areas, problems)
}

/// Reads and checks one form file's text; `None` (with the reasons in `problems`) when it has
/// errors.
pub(crate) fn parse_form(
    file: &Path,
    src: &str,
    areas: &BTreeSet<&str>,
    problems: &mut Vec<Problem>,
) -> Option<Form> {
    parse_form_with(file, src, areas, &BTreeMap::new(), problems)
}

/// As [`parse_form`], with the catalogue's code lists.
fn parse_form_with(
    file: &Path,
    src: &str,
    areas: &BTreeSet<&str>,
    lists: &BTreeMap<String, Arc<CodeList>>,
    problems: &mut Vec<Problem>,
) -> Option<Form> {
    let raw: RawForm = match toml::from_str(src) {
        Ok(r) => r,
        Err(e) => {
            let line = e.span().map(|s| line_of(src, s.start)).unwrap_or(1);
            problems.push(err(file, line, e.message().trim().to_string()));
            return None;
        }
    };
    let before = problems.iter().filter(|p| !p.warning).count();
    let mut b = FormBuilder {
        file,
        src,
        problems,
        types: BTreeMap::new(),
        binds: BTreeMap::new(),
        lists,
    };
    let id = b.form_id(raw.id);
    b.area(&raw.area, areas);
    let packages = b.packages(&raw.packages);
    let requires = b.requires(&raw.requires);
    b.texts(&raw.title, 1, "title");
    for t in raw
        .about
        .audience
        .iter()
        .chain(&raw.about.deadline)
        .chain(&raw.about.prepare)
        .chain(&raw.about.changes)
    {
        b.texts(t, 1, "about");
    }
    if raw.page.is_empty() {
        b.error(1, "a form needs at least one page".into());
    }
    if let Some(mb) = raw.api.as_ref().and_then(|a| a.max_body_mb)
        && !(1..=1024).contains(&mb)
    {
        let line = src
            .lines()
            .position(|l| l.trim_start().starts_with("max_body_mb"))
            .map_or(1, |i| i + 1);
        b.error(
            line,
            format!("max_body_mb: {mb} is not a size from 1 to 1024 (MB)"),
        );
    }
    // Pass 1: fields and their types.
    let mut pending = Deferred::default();
    let mut pages = b.pages(raw.page, &mut pending);
    let computed = b.computed(raw.computed);
    // Pass 2: every other expression, now that all types are known.
    b.resolve(&mut pages, pending);
    let rules = raw.rule.into_iter().filter_map(|r| b.rule(r)).collect();
    let errors_now = b.problems.iter().filter(|p| !p.warning).count();
    let types = b.types;
    (errors_now == before).then(|| Form {
        id,
        version: raw.version,
        area: raw.area.into_inner(),
        resource: raw.resource,
        level: raw.level,
        persons: raw.persons,
        packages,
        requires,
        title: raw.title,
        description: raw.description.unwrap_or_default(),
        about: raw.about,
        api: raw.api,
        pages,
        computed,
        rules,
        source: file.to_path_buf(),
        types,
    })
}

/// The expressions of pages and fields, put aside until every type is known.
#[derive(Default)]
struct Deferred {
    /// A page's `when`, by the page's index.
    pages: Vec<(usize, Pending)>,
    /// A field's `when`, `required` and `prefill`, by where the field is (see [`field_at`]).
    fields: Vec<(Vec<usize>, Pending)>,
}

/// A computed value whose bind has been read, its expression not yet checked.
struct Declared {
    bind: Vec<Seg>,
    value: Spanned<String>,
    label: Option<Text>,
    /// The kind it declares: its type, whether it is whole, and its name.
    kind: Option<(Type, bool, String)>,
    line: usize,
    required: bool,
}

impl FormBuilder<'_> {
    /// The form's id, checked.
    fn form_id(&mut self, raw: Spanned<String>) -> String {
        let line = line_of(self.src, raw.span().start);
        let id = raw.into_inner();
        if !valid_id(&id) {
            self.error(
                line,
                format!("form id {id:?} must be letters, digits and '-'"),
            );
        }
        id
    }

    /// The form's area, which `areas.toml` must name.
    /// The access packages, as full ids; an unknown one is an error.
    fn packages(&mut self, names: &[Spanned<String>]) -> Vec<String> {
        let mut out = Vec::new();
        for spanned in names {
            let n = spanned.get_ref();
            if super::definition::ACCESS_PACKAGES.contains(&n.as_str()) {
                out.push(format!("urn:altinn:accesspackage:{n}"));
            } else {
                let line = line_of(self.src, spanned.span().start);
                self.error(
                    line,
                    format!(
                        "unknown access package {n:?}; known: {}",
                        super::definition::ACCESS_PACKAGES.join(", ")
                    ),
                );
            }
        }
        out
    }

    fn area(&mut self, area: &Spanned<String>, areas: &BTreeSet<&str>) {
        let line = line_of(self.src, area.span().start);
        if !areas.contains(area.get_ref().as_str()) {
            self.error(line, format!("unknown area {:?}", area.get_ref()));
        }
    }

    /// The pages and their fields; their expressions go to `pending`.
    fn pages(&mut self, raw: Vec<Spanned<RawPage>>, pending: &mut Deferred) -> Vec<Page> {
        let mut pages = Vec::new();
        let mut page_ids = BTreeSet::new();
        for (pi, p) in raw.into_iter().enumerate() {
            let line = line_of(self.src, p.span().start);
            let p = p.into_inner();
            if !page_ids.insert(p.id.clone()) || p.id == "oppsummering" {
                self.error(
                    line,
                    format!("page id {:?} is used twice or reserved", p.id),
                );
            }
            if !valid_id(&p.id) {
                self.error(
                    line,
                    format!("page id {:?} must be letters, digits and '-'", p.id),
                );
            }
            self.texts(&p.title, line, "page title");
            if let Some(w) = p.when {
                pending.pages.push((
                    pi,
                    Pending {
                        line: line_of(self.src, w.span().start),
                        src: w.into_inner(),
                        row: None,
                        what: "when",
                    },
                ));
            }
            let mut fields = Vec::new();
            for f in p.field {
                let at = vec![pi, fields.len()];
                if let Some(f) = self.field(f, None, &mut pending.fields, at) {
                    fields.push(f);
                }
            }
            pages.push(Page {
                id: p.id,
                title: p.title,
                intro: p.intro,
                when: None,
                fields,
            });
        }
        pages
    }

    /// The computed values: bind paths first, then types as their expressions resolve (one may
    /// read another), in the order they are computed.
    fn computed(&mut self, raw: Vec<Spanned<RawComputed>>) -> Vec<Computed> {
        let declared: Vec<Declared> = raw.into_iter().filter_map(|c| self.declare(c)).collect();
        for d in &declared {
            if let Some((t, _, _)) = &d.kind {
                self.types.insert(d.bind.clone(), t.clone());
            }
        }
        let computed = self.resolve_computed(&declared);
        for (d, c) in declared.iter().zip(&computed) {
            if c.is_none() {
                self.unresolved(&d.value);
            }
        }
        let computed: Vec<Computed> = computed.into_iter().flatten().collect();
        order_computed(self, computed)
    }

    /// A computed value's bind, claimed, its label and its declared kind.
    fn declare(&mut self, c: Spanned<RawComputed>) -> Option<Declared> {
        let line = line_of(self.src, c.span().start);
        let c = c.into_inner();
        let bind = self.path(&c.bind, line)?;
        if let Some(l) = &c.label {
            self.texts(l, line, "label");
        }
        if let Some(prev) = self.binds.insert(bind.clone(), line) {
            self.error(line, format!("{} is already bound on line {prev}", c.bind));
        }
        let kind = match c.kind.as_deref().map(kind_from) {
            Some(Some(k)) => k
                .value_type()
                .map(|t| (t, k.is_whole(), c.kind.clone().unwrap_or_default())),
            Some(None) => {
                self.error(
                    line,
                    format!("unknown kind {:?}", c.kind.unwrap_or_default()),
                );
                None
            }
            None => None,
        };
        Some(Declared {
            bind,
            value: c.value,
            label: c.label,
            kind,
            line,
            required: c.required,
        })
    }

    /// Checks the computed values over and over until no more resolve, so that one may read
    /// another whatever their order in the file; `None` for each that never does.
    fn resolve_computed(&mut self, declared: &[Declared]) -> Vec<Option<Computed>> {
        let mut computed: Vec<Option<Computed>> = declared.iter().map(|_| None).collect();
        let mut progress = true;
        while progress {
            progress = false;
            for (i, d) in declared.iter().enumerate() {
                if computed[i].is_some() {
                    continue;
                }
                let Ok(mut e) = Expr::parse(d.value.get_ref()) else {
                    continue;
                };
                if let Ok(t) = e.check(&Types(&self.types, self.lists, false), None) {
                    if d.kind.is_none() {
                        self.types.insert(d.bind.clone(), t.clone());
                    }
                    let whole = d.kind.as_ref().map(|k| k.1).unwrap_or(t == Type::Number);
                    let kind = d
                        .kind
                        .as_ref()
                        .and_then(|k| kind_from(&k.2))
                        .unwrap_or(if whole {
                            FieldKind::Integer
                        } else {
                            FieldKind::Text
                        });
                    computed[i] = Some(Computed {
                        bind: d.bind.clone(),
                        value: e,
                        label: d.label.clone(),
                        whole,
                        kind,
                        required: d.required,
                        line: d.line,
                    });
                    progress = true;
                }
            }
        }
        computed
    }

    /// Says why a computed value never resolved.
    fn unresolved(&mut self, value: &Spanned<String>) {
        let line = line_of(self.src, value.span().start);
        let msg = match Expr::parse(value.get_ref()) {
            Err(e) => e.to_string(),
            Ok(mut e) => match e.check(&Types(&self.types, self.lists, false), None) {
                Err(e) => e.to_string(),
                Ok(_) => "depends on a value that cannot be computed".into(),
            },
        };
        self.error(line, format!("computed value {:?}: {msg}", value.get_ref()));
    }

    /// Pass 2: checks the expressions put aside and puts each where it belongs.
    fn resolve(&mut self, pages: &mut [Page], pending: Deferred) {
        for (pi, p) in pending.pages {
            if let Some(e) = self.expr(&p) {
                pages[pi].when = Some(e);
            }
        }
        for (at, p) in pending.fields {
            let e = self.expr(&p);
            let f = field_at(pages, &at);
            match (p.what, e) {
                ("when", Some(e)) => f.when = Some(e),
                ("required", Some(e)) => f.required = Required::When(e),
                ("prefill", Some(e)) => f.prefill = Some(e),
                _ => {}
            }
        }
        for page in pages.iter() {
            for f in page.all_fields().filter(|f| f.locked) {
                if let Some(why) = unlockable(f) {
                    self.error(f.line, format!("locked: {why}"));
                }
            }
        }
    }

    /// The registrations a form requires of its party, each known and named once.
    fn requires(&mut self, names: &[Spanned<String>]) -> Vec<Registration> {
        let mut out = Vec::new();
        for spanned in names {
            let line = line_of(self.src, spanned.span().start);
            match Registration::from_name(spanned.get_ref()) {
                Some(r) if out.contains(&r) => {
                    self.error(line, format!("requires: {:?} is named twice", r.name()))
                }
                Some(r) => out.push(r),
                None => {
                    let known: Vec<&str> = Registration::ALL.iter().map(|r| r.name()).collect();
                    self.error(
                        line,
                        format!(
                            "requires: unknown registration {:?} (known: {})",
                            spanned.get_ref(),
                            known.join(", ")
                        ),
                    );
                }
            }
        }
        out
    }

    /// A rule: its group (for one checked per row), where its message is shown, and its check.
    fn rule(&mut self, r: Spanned<RawRule>) -> Option<Rule> {
        let line = line_of(self.src, r.span().start);
        let r = r.into_inner();
        self.texts(&r.message, line, "message");
        let each = match r.each.as_deref().map(|e| self.path(e, line)) {
            Some(Some(p)) => {
                if self.types.get(&p) != Some(&Type::Rows) {
                    self.error(line, format!("each: {} is not a group", format_path(&p)));
                    return None;
                }
                Some(p)
            }
            Some(None) => return None,
            None => None,
        };
        let row = each.clone().map(|mut p| {
            p.push(Seg::All);
            p
        });
        let rel = self.path(&r.path, line)?;
        let path = [row.clone().unwrap_or_default(), rel].concat();
        let check = self.expr(&Pending {
            src: r.check.get_ref().clone(),
            line: line_of(self.src, r.check.span().start),
            row,
            what: "check",
        })?;
        Some(Rule {
            each,
            check,
            path,
            message: r.message,
        })
    }
}

/// Orders computed values so each comes after those it reads; a cycle is an error.
fn order_computed(b: &mut FormBuilder<'_>, computed: Vec<Computed>) -> Vec<Computed> {
    let binds: Vec<Vec<Seg>> = computed.iter().map(|c| c.bind.clone()).collect();
    let deps: Vec<Vec<usize>> = computed
        .iter()
        .map(|c| {
            let read = c.value.paths();
            binds
                .iter()
                .enumerate()
                .filter(|(_, bind)| read.iter().any(|r| r == *bind))
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let n = computed.len();
    let mut state = vec![0u8; n]; // 0 new, 1 visiting, 2 done
    let mut order = Vec::with_capacity(n);
    fn visit(
        i: usize,
        deps: &[Vec<usize>],
        state: &mut [u8],
        order: &mut Vec<usize>,
    ) -> Result<(), usize> {
        match state[i] {
            2 => return Ok(()),
            1 => return Err(i),
            _ => {}
        }
        state[i] = 1;
        for &d in &deps[i] {
            visit(d, deps, state, order)?;
        }
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    for i in 0..n {
        if let Err(at) = visit(i, &deps, &mut state, &mut order) {
            let line = computed[at].line;
            b.error(
                line,
                format!(
                    "computed value {} depends on itself (a cycle)",
                    format_path(&computed[at].bind)
                ),
            );
            return Vec::new();
        }
    }
    let mut slots: Vec<Option<Computed>> = computed.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn load_str(src: &str) -> (Option<Form>, Vec<Problem>) {
        let mut problems = Vec::new();
        let areas: BTreeSet<&str> = ["a"].into_iter().collect();
        let f = parse_form(Path::new("t.toml"), src, &areas, &mut problems);
        (f, problems)
    }

    pub(super) const HEAD: &str = "id = \"T-1\"\nversion = \"1\"\narea = \"a\"\nresource = \"r\"\ntitle = { nb = \"T\", nn = \"T\", en = \"T\" }\n";

    #[test]
    fn unknown_path_is_refused_with_its_line() {
        let src = format!(
            "{HEAD}[[page]]\nid = \"p\"\ntitle = {{ nb = \"P\", nn = \"P\", en = \"P\" }}\n[[page.field]]\nbind = \"a.b\"\nkind = \"integer\"\nlabel = {{ nb = \"L\", nn = \"L\", en = \"L\" }}\nwhen = \"a.c > 1\"\n"
        );
        let (f, p) = load_str(&src);
        assert!(f.is_none());
        let e = p.iter().find(|p| !p.warning).expect("an error");
        assert_eq!(e.line, 13, "{e}");
        assert!(e.message.contains("a.c"), "{e}");
    }

    #[test]
    fn type_error_is_refused() {
        let src = format!(
            "{HEAD}[[page]]\nid = \"p\"\ntitle = {{ nb = \"P\", nn = \"P\", en = \"P\" }}\n[[page.field]]\nbind = \"a.b\"\nkind = \"integer\"\nlabel = {{ nb = \"L\", nn = \"L\", en = \"L\" }}\nwhen = \"a.b == 'x' + 1\"\n"
        );
        let (f, p) = load_str(&src);
        assert!(f.is_none(), "{p:?}");
    }

    #[test]
    fn computed_cycle_is_refused() {
        let src = format!(
            "{HEAD}[[page]]\nid = \"p\"\ntitle = {{ nb = \"P\", nn = \"P\", en = \"P\" }}\n[[page.field]]\nbind = \"a.b\"\nkind = \"integer\"\nlabel = {{ nb = \"L\", nn = \"L\", en = \"L\" }}\n[[computed]]\nbind = \"s.x\"\nkind = \"integer\"\nvalue = \"s.y + 1\"\n[[computed]]\nbind = \"s.y\"\nkind = \"integer\"\nvalue = \"s.x + a.b\"\n"
        );
        let (f, p) = load_str(&src);
        assert!(f.is_none());
        assert!(p.iter().any(|p| p.message.contains("cycle")), "{p:?}");
    }

    #[test]
    fn missing_translation_is_a_warning_only() {
        let src = format!(
            "{HEAD}[[page]]\nid = \"p\"\ntitle = {{ nb = \"P\" }}\n[[page.field]]\nbind = \"a.b\"\nkind = \"integer\"\nlabel = {{ nb = \"L\", nn = \"L\", en = \"L\" }}\n"
        );
        let (f, p) = load_str(&src);
        assert!(f.is_some());
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|p| p.warning && p.line == 6), "{p:?}");
    }

    #[test]
    fn duplicate_bind_and_unknown_kind_are_refused() {
        let src = format!(
            "{HEAD}[[page]]\nid = \"p\"\ntitle = {{ nb = \"P\", nn = \"P\", en = \"P\" }}\n[[page.field]]\nbind = \"a.b\"\nkind = \"integer\"\nlabel = {{ nb = \"L\", nn = \"L\", en = \"L\" }}\n[[page.field]]\nbind = \"a.b\"\nkind = \"integer\"\nlabel = {{ nb = \"L\", nn = \"L\", en = \"L\" }}\n[[page.field]]\nbind = \"a.c\"\nkind = \"nonsense\"\nlabel = {{ nb = \"L\", nn = \"L\", en = \"L\" }}\n"
        );
        let (f, p) = load_str(&src);
        assert!(f.is_none());
        assert!(
            p.iter()
                .any(|p| p.line == 13 && p.message.contains("already bound"))
        );
        assert!(
            p.iter()
                .any(|p| p.line == 17 && p.message.contains("nonsense"))
        );
    }

    fn attachment(settings: &str) -> Vec<String> {
        let src = format!(
            "{HEAD}[[page]]\nid = \"p\"\ntitle = {{ nb = \"P\", nn = \"P\", en = \"P\" }}\n[[page.field]]\nbind = \"v\"\nkind = \"attachment\"\nlabel = {{ nb = \"L\", nn = \"L\", en = \"L\" }}\n{settings}\n"
        );
        let (_, p) = load_str(&src);
        p.into_iter()
            .filter(|p| !p.warning)
            .map(|p| p.message)
            .collect()
    }

    #[test]
    fn attachment_fields_that_make_no_sense_are_refused() {
        let ok = attachment(
            "accept = [\"pdf\", \"png\"]\nmax_file_mb = 10\ntotal_mb = 25\nmin = 1\nmax = 5",
        );
        assert!(ok.is_empty(), "{ok:?}");
        let refused = |settings: &str, what: &str| {
            let p = attachment(settings);
            assert!(
                p.iter().any(|m| m.contains(what)),
                "{settings}: expected {what:?} in {p:?}"
            );
        };
        refused(
            "accept = [\"exe\"]\nmax_file_mb = 10",
            "unknown file kind \"exe\"",
        );
        refused("max_file_mb = 10", "needs accept");
        refused("accept = [\"pdf\"]", "needs max_file_mb");
        refused(
            "accept = [\"pdf\"]\nmax_file_mb = 10\nmin = 3\nmax = 2",
            "min 3 is greater than max 2",
        );
        refused(
            "accept = [\"pdf\"]\nmax_file_mb = 10\ntotal_mb = 5",
            "less than max_file_mb",
        );
        refused("accept = [\"pdf\"]\nmax_file_mb = 0", "above 0");
        refused("accept = [\"pdf\"]\nmax_file_mb = 500", "at most 100");
        refused(
            "accept = [\"pdf\"]\nmax_file_mb = 10\nmax = 2.5",
            "whole number",
        );
        refused(
            "accept = [\"pdf\", \"pdf\"]\nmax_file_mb = 10",
            "appears twice",
        );
    }
}

#[cfg(test)]
mod list_tests {
    use super::*;
    use serde_json::json;

    pub(super) const AREAS: &str = "[[area]]\nid = \"a\"\ntitle = { nb = \"A\", nn = \"A\", en = \"A\" }\ndescription = { nb = \"A\", nn = \"A\", en = \"A\" }\nchannels = [\"tasteskjema\"]\n";

    const LIST: &str = r#"
title = { nb = "Avgiftskoder", nn = "Avgiftskodar", en = "Duty codes" }
columns = { min = "number", max = "number", periode = "text" }

[[code]]
value = "V1"
label = { nb = "Vin, lav", nn = "Vin, låg", en = "Wine, low" }
data = { min = 4.8, max = 10, periode = "maaned" }

[[code]]
value = "N1"
label = { nb = "NOx", nn = "NOx", en = "NOx" }
data = { periode = "kvartal" }
"#;

    const FORM: &str = r#"
id = "T-1"
version = "1"
area = "a"
resource = "r"
title = { nb = "T", nn = "T", en = "T" }

[[page]]
id = "p"
title = { nb = "P", nn = "P", en = "P" }

  [[page.field]]
  bind = "kode"
  kind = "choice"
  list = "avgiftskoder"
  label = { nb = "Kode", nn = "Kode", en = "Code" }

  [[page.field]]
  bind = "antall"
  kind = "decimal"
  label = { nb = "Antall", nn = "Tal", en = "Quantity" }

[[rule]]
check = "antall == null or lookup('avgiftskoder', kode, 'min') == null or antall >= lookup('avgiftskoder', kode, 'min')"
path = "antall"
message = { nb = "For lavt.", nn = "For lågt.", en = "Too low." }
"#;

    fn write(dir: &Path, list: &str, form: &str) -> Loaded {
        std::fs::write(dir.join("areas.toml"), AREAS).unwrap();
        std::fs::create_dir_all(dir.join("lists")).unwrap();
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("lists/avgiftskoder.toml"), list).unwrap();
        std::fs::write(dir.join("a/T-1.toml"), form).unwrap();
        load_dir(dir)
    }

    #[test]
    fn a_code_list_gives_options_and_values_to_rules() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = write(dir.path(), LIST, FORM);
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        let catalog = loaded.catalog.unwrap();
        assert_eq!(catalog.lists["avgiftskoder"].codes.len(), 2);
        let form = catalog.latest("T-1").unwrap();
        let FieldKind::Choice { options, .. } = &form.pages[0].fields[0].kind else {
            panic!("a choice");
        };
        assert_eq!(options[1].label.get(Lang::En), "NOx");
        let ctx = crate::form::Context::default();
        let check = |doc: serde_json::Value| form.rules[0].check.eval(&doc, &ctx, None);
        use crate::form::expr::Value as V;
        assert_eq!(
            check(json!({ "kode": "V1", "antall": 4.0 })),
            V::Bool(false)
        );
        assert_eq!(check(json!({ "kode": "V1", "antall": 4.8 })), V::Bool(true));
        // A code without that value, and a code not in the list: nothing to check.
        assert_eq!(check(json!({ "kode": "N1", "antall": 1 })), V::Bool(true));
        assert_eq!(check(json!({ "kode": "X", "antall": 1 })), V::Bool(true));
        assert_eq!(
            crate::form::describe::condition_in_words(form, &form.rules[0].check, Lang::Nb),
            "Antall ikke er fylt ut eller «min» for Kode i kodelisten «Avgiftskoder» ikke er fylt ut eller Antall er minst «min» for Kode i kodelisten «Avgiftskoder»"
                .replacen(" ikke er fylt ut", " er ikke fylt ut", 2)
        );
    }

    #[test]
    fn mistakes_in_a_list_or_its_use_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let bad_list = LIST.replace("max = 10,", "max = \"ti\",").replace(
            "periode = \"kvartal\"",
            "periode = \"kvartal\", farge = \"rod\"",
        );
        let loaded = write(dir.path(), &bad_list, FORM);
        let text: Vec<String> = loaded.problems.iter().map(|p| p.to_string()).collect();
        let text = text.join("\n");
        assert!(text.contains("code \"V1\": max must be a number"), "{text}");
        assert!(
            text.contains("farge is not one of the list's columns"),
            "{text}"
        );

        let dir = tempfile::tempdir().unwrap();
        let bad_form = FORM
            .replace("list = \"avgiftskoder\"", "list = \"koder\"")
            .replace("'min') == null", "'minimum') == null");
        let loaded = write(dir.path(), LIST, &bad_form);
        let text: Vec<String> = loaded.problems.iter().map(|p| p.to_string()).collect();
        let text = text.join("\n");
        assert!(text.contains("no code list \"koder\""), "{text}");
        assert!(
            text.contains("the code list 'avgiftskoder' has no column 'minimum'"),
            "{text}"
        );
    }
}

#[cfg(test)]
mod register_tests {
    use super::list_tests::AREAS;
    use super::tests::{HEAD, load_str};
    use super::*;

    /// A form reading the registers, with `extra` lines at the end of its one page's fields and
    /// `head` lines in its header.
    fn with_registers(head: &str, extra: &str) -> (Option<Form>, Vec<Problem>) {
        let t = "{ nb = \"L\", nn = \"L\", en = \"L\" }";
        load_str(&format!(
            "{HEAD}{head}\n[[page]]\nid = \"p\"\ntitle = {t}\n\
             [[page.field]]\nbind = \"navn\"\nkind = \"text\"\nlabel = {t}\nprefill = \"register.navn\"\nlocked = true\n\
             [[page.field]]\nbind = \"mva\"\nkind = \"yesno\"\nlabel = {t}\nprefill = \"register.mva\"\n\
             [[page.field]]\nbind = \"bosted\"\nkind = \"text\"\nlabel = {t}\nprefill = \"folkeregister.adresse\"\n\
             {extra}"
        ))
    }

    fn errors(p: &[Problem]) -> String {
        p.iter()
            .filter(|p| !p.warning)
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn an_api_takes_a_body_of_one_to_1024_mb() {
        let t = "{ nb = \"L\", nn = \"L\", en = \"L\" }";
        let form = |mb: u32| {
            format!(
                "{HEAD}[api]\nbase = \"/api/t\"\nscope = \"s:t\"\nyears = [2025]\nmax_body_mb = {mb}\n\
                 [[page]]\nid = \"p\"\ntitle = {t}\n[[page.field]]\nbind = \"navn\"\nkind = \"text\"\nlabel = {t}\n"
            )
        };
        let (f, p) = load_str(&form(100));
        assert_eq!(
            f.unwrap().api.unwrap().body_limit(),
            Some(100 * 1024 * 1024),
            "{}",
            errors(&p)
        );
        for bad in [0, 2048] {
            let (f, p) = load_str(&form(bad));
            assert!(f.is_none());
            assert!(
                errors(&p).contains(&format!(
                    "t.toml:10: max_body_mb: {bad} is not a size from 1 to 1024"
                )),
                "{}",
                errors(&p)
            );
        }
    }

    #[test]
    fn a_form_the_api_takes_cannot_require_a_registration() {
        let t = "{ nb = \"L\", nn = \"L\", en = \"L\" }";
        let form = format!(
            "{HEAD}requires = [\"mva\"]\n[[page]]\nid = \"p\"\ntitle = {t}\n\
             [[page.field]]\nbind = \"navn\"\nkind = \"text\"\nlabel = {t}\n"
        );
        for (channels, refused) in [
            ("[\"tasteskjema\"]", false),
            ("[\"m2m\", \"tasteskjema\"]", true),
        ] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join("areas.toml"),
                AREAS.replace("[\"tasteskjema\"]", channels),
            )
            .unwrap();
            std::fs::create_dir_all(dir.path().join("a")).unwrap();
            std::fs::write(dir.path().join("a/T-1.toml"), &form).unwrap();
            let loaded = load_dir(dir.path());
            let e = errors(&loaded.problems);
            assert_eq!(loaded.catalog.is_none(), refused, "{channels}: {e}");
            if refused {
                assert!(
                    e.contains(
                        "T-1.toml:6: requires: the area \"a\" takes this form through the API too"
                    ),
                    "{e}"
                );
            }
        }
    }

    #[test]
    fn the_registers_prefill_and_a_locked_field_is_marked() {
        let (f, p) = with_registers("requires = [\"mva\", \"foretaksregisteret\"]", "");
        let f = f.unwrap_or_else(|| panic!("{}", errors(&p)));
        assert_eq!(
            f.requires,
            [Registration::Mva, Registration::Foretaksregisteret]
        );
        assert!(f.uses_enhetsregisteret() && f.uses_folkeregisteret());
        let navn = f
            .all_fields()
            .find(|x| x.bind == parse_path("navn").unwrap())
            .unwrap();
        assert!(navn.locked);
        assert_eq!(
            navn.prefill.as_ref().and_then(Expr::register),
            Some(super::super::expr::Register::Enhetsregisteret)
        );
    }

    #[test]
    fn the_registers_are_read_only_in_prefill() {
        let t = "{ nb = \"M\", nn = \"M\", en = \"M\" }";
        for extra in [
            "[[page.field]]\nbind = \"x\"\nkind = \"text\"\nlabel = { nb = \"X\" }\nwhen = \"register.mva\"\n".to_owned(),
            "[[page.field]]\nbind = \"x\"\nkind = \"text\"\nlabel = { nb = \"X\" }\nrequired = \"folkeregister.navn != null\"\n".to_owned(),
            format!("[[rule]]\ncheck = \"register.foretaksregisteret\"\npath = \"mva\"\nmessage = {t}\n"),
            "[[computed]]\nbind = \"kopi\"\nvalue = \"register.navn\"\n".to_owned(),
        ] {
            let (f, p) = with_registers("", &extra);
            assert!(f.is_none(), "{extra}");
            let text = errors(&p);
            assert!(
                text.contains("comes from a public register and may be used only in prefill"),
                "{extra}: {text}"
            );
        }
    }

    #[test]
    fn unknown_register_paths_and_registrations_are_named() {
        let extra = "[[page.field]]\nbind = \"tlf\"\nkind = \"text\"\nlabel = { nb = \"T\" }\nprefill = \"register.telefon\"\n";
        let (f, p) = with_registers(
            "requires = [\"mva\", \"mva\", \"konkursregisteret\"]",
            extra,
        );
        assert!(f.is_none());
        let text = errors(&p);
        assert!(
            text.contains("unknown register path 'register.telefon' (known: register.navn,"),
            "{text}"
        );
        assert!(text.contains("requires: \"mva\" is named twice"), "{text}");
        assert!(
            text.contains("requires: unknown registration \"konkursregisteret\" (known: foretaksregisteret, mva)"),
            "{text}"
        );
    }

    #[test]
    fn only_a_value_from_a_register_can_be_locked() {
        let t = "{ nb = \"L\", nn = \"L\", en = \"L\" }";
        let cases = [
            (
                format!(
                    "[[page.field]]\nbind = \"a\"\nkind = \"text\"\nlabel = {t}\nlocked = true\n"
                ),
                "a locked field needs a prefill from a public register",
            ),
            (
                format!(
                    "[[page.field]]\nbind = \"a\"\nkind = \"orgnr\"\nlabel = {t}\nprefill = \"party.orgnr\"\nlocked = true\n"
                ),
                "only a value from a public register",
            ),
            (
                format!(
                    "[[page.field]]\nbind = \"rader\"\nkind = \"group\"\nlabel = {t}\n[[page.field.field]]\nbind = \"n\"\nkind = \"text\"\nlabel = {t}\nprefill = \"register.navn\"\nlocked = true\n"
                ),
                "a field in a group's rows is never prefilled",
            ),
            (
                format!("[[page.field]]\nkind = \"static\"\nlabel = {t}\nlocked = true\n"),
                "only a field with one typed value can be locked",
            ),
        ];
        for (extra, needle) in cases {
            let (f, p) = with_registers("", &extra);
            assert!(f.is_none(), "{extra}");
            let text = errors(&p);
            assert!(text.contains(needle), "{needle:?} in {text}");
        }
    }
}
