//! Scenarios: named cases kept beside a form (`<form>.scenarios.toml` next to `<form>.toml`), each
//! a set of answers and what must come of them — visible pages and fields, computed values, the
//! exact errors, the document that would be submitted. The format is in docs/form-language.md
//! ("Scenarios").
//!
//! Running a scenario ([`run`]) goes through the very functions the portal and the API use
//! (`document::start`, `document::keep_locked`, `document::settle`, `document::page_visible`,
//! `document::field_shown`, `validate::validate`), so a scenario that passes here passes there.
//! Reading the files
//! ([`of_form`], [`test_dir`]) is the only I/O.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};
use toml::Spanned;

use super::definition::Form;
use super::expr::{Context, PersonEntry, RegisterEntry, parse_date};

mod run;

pub use run::{document_of, run};

/// The date `today()` gives when a scenario does not fix one, so that no scenario depends on the
/// day it runs.
pub const DEFAULT_TODAY: (i32, u8, u8) = (2026, 1, 1);

/// One named case of a form.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Unique within its file; printed with every problem.
    pub name: String,
    /// What the case shows, for the form's owners.
    pub description: String,
    /// The form version it was written for, when it says.
    pub version: Option<String>,
    /// Which door the answers come through.
    pub channel: Channel,
    /// The evaluation context: `today()`, `party.*`, `user.*`, and for prefill `register.*` and
    /// `folkeregister.*`.
    pub context: Context,
    /// The answers as given (portal: laid over the prefilled draft; API: the whole document).
    pub answers: Value,
    /// What must come of them.
    pub expect: Expect,
}

impl Scenario {
    /// Whether it was written for this version of the form (or for any version).
    pub fn fits(&self, form: &Form) -> bool {
        self.version.as_deref().is_none_or(|v| v == form.version)
    }
}

/// How the answers reach the intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// The browser: the draft starts prefilled, every save computes values and removes hidden
    /// answers, and the saved draft is what is submitted.
    Portal,
    /// The M2M API: the document is validated and submitted as it arrives.
    Api,
}

/// The expectations of a scenario; only `errors` is required.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The visible pages' ids, in order (exact).
    pub pages: Option<Vec<String>>,
    /// Field paths that must be shown.
    pub visible: Vec<String>,
    /// Field paths that must be hidden.
    pub hidden: Vec<String>,
    /// Values at paths of the document after computing (`2` equals `2.0`).
    pub computed: Vec<(String, Value)>,
    /// Every validation error, exactly (any order); empty means valid.
    pub errors: Vec<ExpectedError>,
    /// The submitted document, exactly.
    pub submitted: Option<Value>,
    /// Values the submitted document must hold (others may be there too).
    pub submitted_includes: Option<Value>,
}

/// An error a scenario expects: the API's `sti` and the error's code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedError {
    /// The concrete path, e.g. `leveranse.oppgave[0].eiertid.slutt`.
    pub path: String,
    /// `ErrorKind::code`, e.g. `required`, `rule`.
    pub code: String,
}

/// A problem with a scenario or its file, printed as `file:scenario: problem`.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The scenarios file (or the form file that has none).
    pub file: PathBuf,
    /// Where in it.
    pub at: At,
    /// What is wrong.
    pub message: String,
}

/// Where a [`Problem`] is.
#[derive(Debug, Clone, PartialEq)]
pub enum At {
    /// The file as a whole.
    File,
    /// A line (a file that cannot be read as scenarios).
    Line(usize),
    /// A scenario, by name.
    Scenario(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        match &self.at {
            At::File => write!(f, "{file}: {}", self.message),
            At::Line(l) => write!(f, "{file}:{l}: {}", self.message),
            At::Scenario(s) => write!(f, "{file}:{s}: {}", self.message),
        }
    }
}

/// Whether a path names a scenarios file (which the catalogue loader leaves alone).
pub fn is_scenarios_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".scenarios.toml"))
}

/// The scenarios file beside a form file: `RF-1140.toml` → `RF-1140.scenarios.toml`.
pub fn file_of(form_file: &Path) -> PathBuf {
    let stem = form_file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    form_file.with_file_name(format!("{stem}.scenarios.toml"))
}

/// A scenarios file as read: the scenarios that could be read, and a problem for each that could
/// not (or for the file).
#[derive(Debug, Default)]
pub struct Scenarios {
    /// In file order.
    pub scenarios: Vec<Scenario>,
    /// What could not be read.
    pub problems: Vec<Problem>,
}

/// The scenarios of a form (none when it has no scenarios file): what the preview offers to fill
/// a form from.
pub fn of_form(form: &Form) -> Scenarios {
    let file = file_of(&form.source);
    if !file.exists() {
        return Scenarios::default();
    }
    read(&file)
}

/// Reads a scenarios file; `answers_json` paths are relative to it.
pub fn read(file: &Path) -> Scenarios {
    match std::fs::read_to_string(file) {
        Ok(src) => parse(file, &src),
        Err(e) => Scenarios {
            scenarios: Vec::new(),
            problems: vec![Problem {
                file: file.to_path_buf(),
                at: At::File,
                message: format!("cannot read: {e}"),
            }],
        },
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    context: Option<RawContext>,
    scenario: Vec<Spanned<RawScenario>>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawContext {
    today: Option<toml::Value>,
    party: Option<RawWho>,
    user: Option<RawWho>,
    register: Option<Looked<RawRegister>>,
    folkeregister: Option<Looked<RawPerson>>,
}

/// What a register said, as a scenario gives it: its entry, or `false` for no answer (the
/// register did not answer or has no entry), which also sets aside the file's.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum Looked<T> {
    Entry(T),
    Nothing(bool),
}

impl<T: Default> Looked<T> {
    /// The entry given; `Err` for `true`, which says nothing.
    fn read(self, what: &str) -> Result<Option<T>, String> {
        match self {
            Looked::Entry(t) => Ok(Some(t)),
            Looked::Nothing(false) => Ok(None),
            Looked::Nothing(true) => Err(format!(
                "{what}: give the entry as a table, or false for no answer from the register"
            )),
        }
    }
}

/// The entry a scenario's context ends with: the scenario's own keys over the file's, the
/// scenario's `false` over anything; `None` when neither gives an entry.
fn looked<T: Default>(
    base: Option<Looked<T>>,
    own: Option<Looked<T>>,
    what: &str,
) -> Result<Option<(T, T)>, String> {
    let base = base.map(|b| b.read(what)).transpose()?.flatten();
    match own.map(|o| o.read(what)).transpose()? {
        Some(None) => Ok(None),
        Some(Some(own)) => Ok(Some((base.unwrap_or_default(), own))),
        None => Ok(base.map(|b| (b, T::default()))),
    }
}

/// What Enhetsregisteret says of the party (`register.*`), as a scenario gives it.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawRegister {
    navn: Option<String>,
    organisasjonsform: Option<String>,
    adresse: Option<String>,
    postnummer: Option<String>,
    poststed: Option<String>,
    kommunenummer: Option<String>,
    mva: Option<bool>,
    foretaksregisteret: Option<bool>,
}

/// What Folkeregisteret says of the person (`folkeregister.*`), as a scenario gives it.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawPerson {
    navn: Option<String>,
    adresse: Option<String>,
    postnummer: Option<String>,
    poststed: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawWho {
    orgnr: Option<String>,
    pid: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    description: String,
    version: Option<String>,
    channel: Option<Channel>,
    context: Option<RawContext>,
    answers: Option<toml::Table>,
    answers_json: Option<String>,
    pages: Option<Vec<String>>,
    visible: Option<Vec<String>>,
    hidden: Option<Vec<String>>,
    computed: Option<toml::Table>,
    errors: Vec<ExpectedError>,
    submitted: Option<toml::Table>,
    submitted_includes: Option<toml::Table>,
}

/// Parses the text of a scenarios file.
pub fn parse(file: &Path, src: &str) -> Scenarios {
    let problem = |at: At, message: String| Problem {
        file: file.to_path_buf(),
        at,
        message,
    };
    let raw: RawFile = match toml::from_str(src) {
        Ok(r) => r,
        Err(e) => {
            let line = e.span().map_or(1, |s| {
                src[..s.start.min(src.len())].matches('\n').count() + 1
            });
            return Scenarios {
                scenarios: Vec::new(),
                problems: vec![problem(At::Line(line), e.message().to_string())],
            };
        }
    };
    let defaults = raw.context.unwrap_or_default();
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for s in raw.scenario {
        let line = src[..s.span().start].matches('\n').count() + 1;
        let s = s.into_inner();
        if s.name.trim().is_empty() || s.name.contains(':') {
            problems.push(problem(
                At::Line(line),
                "a scenario needs a name, without ':'".into(),
            ));
            continue;
        }
        let here = At::Scenario(s.name.clone());
        if !names.insert(s.name.clone()) {
            problems.push(problem(here, "another scenario has this name".into()));
            continue;
        }
        match scenario(file, &defaults, s) {
            Ok(sc) => out.push(sc),
            Err(message) => problems.push(problem(here, message)),
        }
    }
    Scenarios {
        scenarios: out,
        problems,
    }
}

fn scenario(file: &Path, defaults: &RawContext, s: RawScenario) -> Result<Scenario, String> {
    let answers = match (s.answers, s.answers_json) {
        (Some(_), Some(_)) => return Err("give answers or answers_json, not both".into()),
        (Some(t), None) => table_json(&t),
        (None, Some(rel)) => {
            let path = file.parent().unwrap_or(Path::new(".")).join(&rel);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("answers_json {rel}: cannot read: {e}"))?;
            serde_json::from_str(&text).map_err(|e| format!("answers_json {rel}: {e}"))?
        }
        (None, None) => Value::Object(Map::new()),
    };
    let mut computed = Vec::new();
    for (path, v) in s.computed.unwrap_or_default() {
        computed.push((path, toml_json(&v)));
    }
    Ok(Scenario {
        name: s.name,
        description: s.description,
        version: s.version,
        channel: s.channel.unwrap_or(Channel::Portal),
        context: context(defaults, s.context.unwrap_or_default())?,
        answers,
        expect: Expect {
            pages: s.pages,
            visible: s.visible.unwrap_or_default(),
            hidden: s.hidden.unwrap_or_default(),
            computed,
            errors: s.errors,
            submitted: s.submitted.as_ref().map(table_json),
            submitted_includes: s.submitted_includes.as_ref().map(table_json),
        },
    })
}

/// The file's `[context]` with the scenario's own keys over it.
fn context(defaults: &RawContext, own: RawContext) -> Result<Context, String> {
    let party = merge_who(defaults.party.clone(), own.party);
    let user = merge_who(defaults.user.clone(), own.user);
    let today = match own.today.as_ref().or(defaults.today.as_ref()) {
        None => DEFAULT_TODAY,
        Some(v) => {
            let text = match v {
                toml::Value::Datetime(d) => d.to_string(),
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            parse_date(&text).ok_or(format!("today: {text} is not a date (YYYY-MM-DD)"))?
        }
    };
    Ok(Context {
        today,
        party_orgnr: party.orgnr,
        party_name: party.name,
        user_pid: user.pid,
        user_name: user.name,
        register: looked(defaults.register.clone(), own.register, "register")?
            .map(|(base, own)| merge_register(base, own)),
        folkeregister: looked(
            defaults.folkeregister.clone(),
            own.folkeregister,
            "folkeregister",
        )?
        .map(|(base, own)| merge_person(base, own)),
        counted: Vec::new(),
    })
}

/// The file's register entry with the scenario's keys over it.
fn merge_register(base: RawRegister, own: RawRegister) -> RegisterEntry {
    RegisterEntry {
        navn: own.navn.or(base.navn),
        organisasjonsform: own.organisasjonsform.or(base.organisasjonsform),
        adresse: own.adresse.or(base.adresse),
        postnummer: own.postnummer.or(base.postnummer),
        poststed: own.poststed.or(base.poststed),
        kommunenummer: own.kommunenummer.or(base.kommunenummer),
        mva: own.mva.or(base.mva).unwrap_or(false),
        foretaksregisteret: own
            .foretaksregisteret
            .or(base.foretaksregisteret)
            .unwrap_or(false),
    }
}

/// As [`merge_register`], for the person's entry in Folkeregisteret.
fn merge_person(base: RawPerson, own: RawPerson) -> PersonEntry {
    PersonEntry {
        navn: own.navn.or(base.navn),
        adresse: own.adresse.or(base.adresse),
        postnummer: own.postnummer.or(base.postnummer),
        poststed: own.poststed.or(base.poststed),
    }
}

fn merge_who(base: Option<RawWho>, own: Option<RawWho>) -> RawWho {
    let base = base.unwrap_or_default();
    let own = own.unwrap_or_default();
    RawWho {
        orgnr: own.orgnr.or(base.orgnr),
        pid: own.pid.or(base.pid),
        name: own.name.or(base.name),
    }
}

fn table_json(t: &toml::Table) -> Value {
    Value::Object(t.iter().map(|(k, v)| (k.clone(), toml_json(v))).collect())
}

/// TOML as the JSON document holds it; a TOML date is written as its text (`2026-03-01`).
fn toml_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_json).collect()),
        toml::Value::Table(t) => table_json(t),
    }
}

/// What [`test_dir`] found.
#[derive(Debug, Default)]
pub struct Report {
    /// Form versions tested.
    pub forms: usize,
    /// Scenarios run.
    pub scenarios: usize,
    /// Every problem, in file order.
    pub problems: Vec<Problem>,
}

/// Loads the forms below `dir` as the portal does and runs every scenario of every form version;
/// a form version without a scenarios file is a problem.
pub fn test_dir(dir: &Path) -> Report {
    let loaded = super::load::load_dir(dir);
    let mut report = Report::default();
    let Some(catalog) = loaded.catalog else {
        report.problems = loaded
            .errors()
            .map(|p| Problem {
                file: p.file.clone(),
                at: At::Line(p.line),
                message: p.message.clone(),
            })
            .collect();
        return report;
    };
    let mut forms: Vec<_> = catalog.forms.values().flat_map(|v| v.values()).collect();
    forms.sort_by(|a, b| a.source.cmp(&b.source));
    for form in forms {
        report.forms += 1;
        let file = file_of(&form.source);
        if !file.exists() {
            report.problems.push(Problem {
                file: form.source.clone(),
                at: At::File,
                message: format!("no scenarios: expected {}", file.display()),
            });
            continue;
        }
        let read = read(&file);
        if read.scenarios.is_empty() && read.problems.is_empty() {
            report.problems.push(Problem {
                file: file.clone(),
                at: At::File,
                message: "no [[scenario]] in it".into(),
            });
        }
        report.problems.extend(read.problems);
        for s in &read.scenarios {
            report.scenarios += 1;
            report
                .problems
                .extend(run(form, s).into_iter().map(|message| Problem {
                    file: file.clone(),
                    at: At::Scenario(s.name.clone()),
                    message,
                }));
        }
        // A form with its own API: `dev testdata` grows a valid delivery of many rows from its
        // scenario, and breaks each check it can break exactly.
        if form.api.is_some() {
            report.problems.extend(testdata_problems(form, &file));
        }
    }
    report
}

/// What `dev testdata` cannot make for a form with an API: 50 rows, valid; and each check broken.
fn testdata_problems(form: &Form, file: &Path) -> Vec<Problem> {
    use super::testdata::{Ask, BREAKABLE, TestdataError, generate};
    let problem = |what: String, e: TestdataError| Problem {
        file: file.to_path_buf(),
        at: At::File,
        message: format!("dev testdata {what}: {e}"),
    };
    let mut out = Vec::new();
    let ask = |break_check: Option<&str>| Ask {
        rows: Some(50),
        seed: 1,
        break_check: break_check.map(str::to_owned),
    };
    if let Err(e) = generate(form, &ask(None)) {
        out.push(problem(format!("{} --rows 50", form.id), e));
    }
    for b in BREAKABLE {
        match generate(form, &ask(Some(b))) {
            // A check the form has no field for cannot be broken; that is not a problem.
            Ok(_) | Err(TestdataError::CannotBreak(..)) => {}
            Err(e) => out.push(problem(format!("{} --rows 50 --break {b}", form.id), e)),
        }
    }
    out
}

#[cfg(test)]
mod tests;
