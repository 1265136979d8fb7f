//! The typed form: what a checked form file becomes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use regex::Regex;
use serde::Deserialize;

use super::attachment::FileKind;
use super::expr::{Expr, Register, Seg, Type};

/// The portal's three written languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Bokmål, the default.
    #[default]
    Nb,
    /// Nynorsk.
    Nn,
    /// English.
    En,
}

impl Lang {
    /// All languages, in the order the language switch shows them.
    pub const ALL: [Lang; 3] = [Lang::Nb, Lang::Nn, Lang::En];

    /// The BCP 47 code used in `lang` attributes, cookies and `ui_locales`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::Nn => "nn",
            Lang::En => "en",
        }
    }

    /// Reads a language code; unknown codes give `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nb" | "no" | "nb-no" => Some(Lang::Nb),
            "nn" | "nn-no" => Some(Lang::Nn),
            "en" | "en-gb" | "en-us" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language's own name, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Nb => "Bokmål",
            Lang::Nn => "Nynorsk",
            Lang::En => "English",
        }
    }
}

/// A text in bokmål, with nynorsk and English (falling back to bokmål when missing).
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Bokmål (required).
    pub nb: String,
    /// Nynorsk.
    pub nn: Option<String>,
    /// English.
    pub en: Option<String>,
}

impl Text {
    /// The text in `lang`, or bokmål where that translation is missing.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nb => &self.nb,
            Lang::Nn => self.nn.as_deref().unwrap_or(&self.nb),
            Lang::En => self.en.as_deref().unwrap_or(&self.nb),
        }
    }
}

/// The Altinn access packages a form's resource may accept (the ids after
/// `urn:altinn:accesspackage:`): those that concern taxes, duties and their accounting.
pub const ACCESS_PACKAGES: &[&str] = &[
    "skatt-naering",
    "skattegrunnlag",
    "merverdiavgift",
    "motorvognavgift",
    "saeravgifter",
    "regnskap-okonomi-rapport",
    "forretningsforer-eiendom",
    "regnskapsforer-med-signeringsrettighet",
    "regnskapsforer-uten-signeringsrettighet",
    "regnskapsforer-lonn",
    "ansvarlig-revisor",
    "revisormedarbeider",
];

/// The ways a service area can be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Machine-to-machine API.
    M2m,
    /// A form in the browser.
    Tasteskjema,
    /// Attachments.
    Vedlegg,
    /// File transfer.
    Sftp,
    /// A whole delivery uploaded as a file in the browser.
    Filopplasting,
}

/// A service area of the rollout plan.
#[derive(Debug, Clone)]
pub struct Area {
    /// Stable id, used in form files.
    pub id: String,
    /// Its name.
    pub title: Text,
    /// A sentence on what it covers.
    pub description: Text,
    /// The channels it offers.
    pub channels: Vec<Channel>,
    /// How long its drafts and submissions are kept, where it differs from the portal's
    /// default (the `retention_*` settings).
    pub retention: AreaRetention,
}

/// An area's own retention periods (`[area.retention]` in `areas.toml`); unset: the portal's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaRetention {
    /// A draft not saved for this many days is deleted, with its files.
    pub draft_days: Option<u32>,
    /// A submission is deleted, with its files, this many years after it was received.
    pub submission_years: Option<u32>,
}

/// The ID-porten assurance level a form requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `idporten-loa-substantial`.
    #[default]
    Substantial,
    /// `idporten-loa-high`.
    High,
}

/// The M2M door to the same document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSpec {
    /// Path prefix, e.g. `/api/innrapportering/boligsameie`.
    pub base: String,
    /// The Maskinporten scope required.
    pub scope: String,
    /// The income years accepted.
    #[serde(default)]
    pub years: Vec<i32>,
    /// The largest delivery taken, in MB (1 to 1024); by default the portal's `body_limit`. A
    /// bank's BSU delivery is far larger than a housing company's.
    #[serde(default)]
    pub max_body_mb: Option<u32>,
    /// How a delivery comes in.
    #[serde(default)]
    pub delivery: Delivery,
}

impl ApiSpec {
    /// The largest body taken, in bytes, when the form sets one.
    pub fn body_limit(&self) -> Option<usize> {
        self.max_body_mb.map(|mb| mb as usize * 1024 * 1024)
    }

    /// The scheme's name: the last part of its path that is a name, not a number
    /// (`boligsameie`; `aksjonaerregisteroppgave` for `…/aksjonaerregisteroppgave/1086`). Its SFTP
    /// folder is named so.
    pub fn scheme(&self) -> Option<&str> {
        self.base
            .rsplit('/')
            .find(|p| !p.is_empty() && !p.bytes().all(|b| b.is_ascii_digit()))
    }
}

/// How an API takes a delivery: Skatteetaten's APIs come in two shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// One JSON document per `POST {base}/v1/{inntektsaar}`, answered with a
    /// `Leveransebekreftelse` (the grunnlagsdata APIs).
    #[default]
    Gld,
    /// The aksjonærregisteroppgave's: the hovedskjema as XML opens a delivery, each underskjema
    /// (XML) is added to it, and a confirmation with their number makes it one submission.
    Aksjonaerregister,
}

impl Delivery {
    /// Whether a whole delivery may also come as one file (the browser's upload, SFTP): a GLD
    /// document, or the aksjonærregisteroppgave's documents in one XML file.
    pub fn takes_files(self) -> bool {
        match self {
            Delivery::Gld | Delivery::Aksjonaerregister => true,
        }
    }

    /// As written in a form file.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Gld => "gld",
            Delivery::Aksjonaerregister => "aksjonaerregister",
        }
    }
}

impl Form {
    /// The Maskinporten scope an end-user system needs to submit this form: its API's, or for the
    /// portal's generic API door one named after the form.
    pub fn m2m_scope(&self) -> String {
        match &self.api {
            Some(api) => api.scope.clone(),
            None => format!("skatteetaten:tasteskjema.{}", self.id.to_lowercase()),
        }
    }
}

/// What a form's start page says before one begins (the form file's `[about]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct About {
    /// Who the form is for.
    pub audience: Option<Text>,
    /// When it must be sent, if there is a deadline.
    pub deadline: Option<Text>,
    /// What to have ready, one thing each.
    #[serde(default)]
    pub prepare: Vec<Text>,
    /// What is new compared with the form in Altinn II, for system vendors (the vendor page).
    pub changes: Option<Text>,
}

/// A checked form version.
#[derive(Debug)]
pub struct Form {
    /// Form id, e.g. `RF-1140`.
    pub id: String,
    /// Version, e.g. `2025-1`.
    pub version: String,
    /// Service area id.
    pub area: String,
    /// Altinn resource id.
    pub resource: String,
    /// Required login level.
    pub level: Level,
    /// Whether a person may act for themselves.
    pub persons: bool,
    /// The Altinn access packages the resource's policy accepts (`urn:altinn:accesspackage:…`):
    /// whoever holds one of them for an organisation may use the form for it.
    pub packages: Vec<String>,
    /// Title.
    pub title: Text,
    /// Short description.
    pub description: Text,
    /// What the start page says before one begins.
    pub about: About,
    /// M2M API, if any.
    pub api: Option<ApiSpec>,
    /// Pages in order.
    pub pages: Vec<Page>,
    /// Computed values in evaluation order (dependencies first).
    pub computed: Vec<Computed>,
    /// Cross-field rules.
    pub rules: Vec<Rule>,
    /// The registrations the party must have to start the form (`requires`).
    pub requires: Vec<Registration>,
    /// File it was loaded from.
    pub source: PathBuf,
    /// Type of every bound path (with `[*]` for rows), for expressions and the schema.
    pub types: BTreeMap<Vec<Seg>, Type>,
}

impl Form {
    /// The page with this id.
    pub fn page(&self, id: &str) -> Option<(usize, &Page)> {
        self.pages.iter().enumerate().find(|(_, p)| p.id == id)
    }

    /// Every field on every page, groups' row fields after their group.
    pub fn all_fields(&self) -> impl Iterator<Item = &Field> {
        self.pages.iter().flat_map(|p| p.all_fields())
    }

    /// Whether starting the form needs the party's entry in Enhetsregisteret (a prefill reads
    /// `register.*`, or the form requires a registration).
    pub fn uses_enhetsregisteret(&self) -> bool {
        !self.requires.is_empty() || self.prefills_from(Register::Enhetsregisteret)
    }

    /// Whether starting the form needs the person's entry in Folkeregisteret.
    pub fn uses_folkeregisteret(&self) -> bool {
        self.prefills_from(Register::Folkeregisteret)
    }

    fn prefills_from(&self, register: Register) -> bool {
        self.all_fields()
            .filter_map(|f| f.prefill.as_ref())
            .any(|p| p.register() == Some(register))
    }
}

/// A registration in Brønnøysundregistrene that a form may require of the party it is sent for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// Foretaksregisteret, the Register of Business Enterprises.
    Foretaksregisteret,
    /// Merverdiavgiftsregisteret, the VAT Register.
    Mva,
}

impl Registration {
    /// Every registration, as named in form files.
    pub const ALL: [Registration; 2] = [Registration::Foretaksregisteret, Registration::Mva];

    /// Its name in form files.
    pub fn name(self) -> &'static str {
        match self {
            Registration::Foretaksregisteret => "foretaksregisteret",
            Registration::Mva => "mva",
        }
    }

    /// The registration a form file names; `None` for a name it does not know.
    pub fn from_name(name: &str) -> Option<Registration> {
        Registration::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// One page of a form.
#[derive(Debug)]
pub struct Page {
    /// URL id.
    pub id: String,
    /// Heading.
    pub title: Text,
    /// Optional paragraph.
    pub intro: Option<Text>,
    /// Shown only when true.
    pub when: Option<Expr>,
    /// Fields, groups and static texts, in order.
    pub fields: Vec<Field>,
}

impl Page {
    /// Every field on the page, row fields after their group.
    pub fn all_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().flat_map(|f| {
            std::iter::once(f).chain(match &f.kind {
                FieldKind::Group(g) => g.fields.iter(),
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
                | FieldKind::MultiChoice { .. }
                | FieldKind::Orgnr
                | FieldKind::Fnr
                | FieldKind::Either { .. }
                | FieldKind::Kommunenummer
                | FieldKind::Postnummer
                | FieldKind::Email
                | FieldKind::Phone
                | FieldKind::Kontonummer
                | FieldKind::Static
                | FieldKind::Attachment(_) => [].iter(),
            })
        })
    }
}

/// Whether an answer is required.
#[derive(Debug)]
pub enum Required {
    /// Always or never.
    Fixed(bool),
    /// When the expression is true.
    When(Expr),
}

/// One field, group or static text.
#[derive(Debug)]
pub struct Field {
    /// Absolute bind path; rows of a group appear as `[*]`. Empty for static texts.
    pub bind: Vec<Seg>,
    /// The kind and its settings.
    pub kind: FieldKind,
    /// Label (legend for fieldsets).
    pub label: Text,
    /// Hint under the label.
    pub hint: Option<Text>,
    /// Longer help behind a disclosure.
    pub help: Option<Text>,
    /// Whether an answer is required.
    pub required: Required,
    /// Shown only when true (row fields: evaluated per row).
    pub when: Option<Expr>,
    /// Inclusive lower bound (numbers; rows for groups).
    pub min: Option<f64>,
    /// Inclusive upper bound.
    pub max: Option<f64>,
    /// Shortest text.
    pub min_length: Option<usize>,
    /// Longest text.
    pub max_length: Option<usize>,
    /// Whole-answer pattern.
    pub pattern: Option<Regex>,
    /// `autocomplete` attribute override.
    pub autocomplete: Option<String>,
    /// Starting value.
    pub prefill: Option<Expr>,
    /// A value prefilled from a public register that the user cannot change: shown read-only,
    /// and kept by the server whatever is posted. (Without a value from the register the field
    /// is an ordinary one.)
    pub locked: bool,
    /// Line in the form file, for messages.
    pub line: usize,
}

impl Field {
    /// Whether this field lives inside a repeating group's row.
    pub fn in_row(&self) -> bool {
        self.bind.contains(&Seg::All)
    }
}

/// An option of a choice.
#[derive(Debug, Clone)]
pub struct ChoiceOption {
    /// Stored value.
    pub value: String,
    /// Label.
    pub label: Text,
    /// Hint.
    pub hint: Option<Text>,
}

/// One way to fill in an `either` field.
#[derive(Debug)]
pub struct Alternative {
    /// Key written under the bound object.
    pub key: String,
    /// Its scalar kind.
    pub kind: FieldKind,
    /// Label.
    pub label: Text,
    /// Inclusive lower bound for numbers.
    pub min: Option<f64>,
    /// Inclusive upper bound for numbers.
    pub max: Option<f64>,
}

/// The bounds an answer is checked against.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bounds<'a> {
    /// Inclusive lower bound.
    pub min: Option<f64>,
    /// Inclusive upper bound.
    pub max: Option<f64>,
    /// Shortest text.
    pub min_length: Option<usize>,
    /// Longest text.
    pub max_length: Option<usize>,
    /// Whole-answer pattern.
    pub pattern: Option<&'a Regex>,
}

impl Field {
    /// The field's bounds.
    pub fn bounds(&self) -> Bounds<'_> {
        Bounds {
            min: self.min,
            max: self.max,
            min_length: self.min_length,
            max_length: self.max_length,
            pattern: self.pattern.as_ref(),
        }
    }
}

impl Alternative {
    /// The alternative's bounds.
    pub fn bounds(&self) -> Bounds<'_> {
        Bounds {
            min: self.min,
            max: self.max,
            ..Bounds::default()
        }
    }
}

/// A repeating group's settings.
#[derive(Debug)]
pub struct Group {
    /// Row fields (binds are absolute, with `[*]`).
    pub fields: Vec<Field>,
    /// Heading of each row; `{n}` is the row number.
    pub row_label: Option<Text>,
    /// Text of the add button.
    pub add_label: Option<Text>,
}

/// Field kinds. A new kind is a new variant; the compiler then asks every artifact to handle it.
#[derive(Debug)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Textarea,
    /// A whole number.
    Integer,
    /// Whole kroner.
    Amount,
    /// A decimal number.
    Decimal,
    /// A percentage.
    Percent,
    /// A calendar date.
    Date,
    /// A day of a month, `DDMM`.
    DayMonth,
    /// A year.
    Year,
    /// Yes or no.
    YesNo,
    /// One of the options.
    Choice {
        /// The options.
        options: Vec<ChoiceOption>,
        /// Radios or a select.
        select: bool,
    },
    /// Any of the options.
    MultiChoice {
        /// The options.
        options: Vec<ChoiceOption>,
    },
    /// Organisasjonsnummer.
    Orgnr,
    /// Fødselsnummer or d-nummer.
    Fnr,
    /// Exactly one of several keys under the bound object.
    Either {
        /// The alternatives.
        alternatives: Vec<Alternative>,
    },
    /// Kommunenummer.
    Kommunenummer,
    /// Postnummer.
    Postnummer,
    /// E-mail address.
    Email,
    /// Telephone number.
    Phone,
    /// Kontonummer.
    Kontonummer,
    /// Text only, no answer.
    Static,
    /// Repeating rows.
    Group(Group),
    /// Uploaded files (`min`/`max` count them).
    Attachment(Attachments),
}

/// The settings of an attachment field.
#[derive(Debug, Clone)]
pub struct Attachments {
    /// The kinds of file allowed.
    pub kinds: Vec<FileKind>,
    /// The largest file, in bytes.
    pub max_file: u64,
    /// All files of the field together, in bytes.
    pub total: u64,
}

impl FieldKind {
    /// The expression type of an answer of this kind (`None` for kinds without a single value).
    pub fn value_type(&self) -> Option<Type> {
        Some(match self {
            FieldKind::Integer
            | FieldKind::Amount
            | FieldKind::Decimal
            | FieldKind::Percent
            | FieldKind::Year => Type::Number,
            FieldKind::Date => Type::Date,
            FieldKind::DayMonth => Type::DayMonth,
            FieldKind::YesNo => Type::Bool,
            FieldKind::MultiChoice { .. } => Type::List(Box::new(Type::Text)),
            FieldKind::Group(_) | FieldKind::Attachment(_) => Type::Rows,
            FieldKind::Static | FieldKind::Either { .. } => return None,
            FieldKind::Text
            | FieldKind::Textarea
            | FieldKind::Choice { .. }
            | FieldKind::Orgnr
            | FieldKind::Fnr
            | FieldKind::Kommunenummer
            | FieldKind::Postnummer
            | FieldKind::Email
            | FieldKind::Phone
            | FieldKind::Kontonummer => Type::Text,
        })
    }

    /// The bounds of a number of this kind: the field's own, else a percentage's 0 to 100 and a
    /// year's four digits.
    pub fn number_bounds(&self, min: Option<f64>, max: Option<f64>) -> (Option<f64>, Option<f64>) {
        match self {
            FieldKind::Percent => (min.or(Some(0.0)), max.or(Some(100.0))),
            FieldKind::Year => (min.or(Some(1000.0)), max.or(Some(9999.0))),
            FieldKind::Text
            | FieldKind::Textarea
            | FieldKind::Integer
            | FieldKind::Amount
            | FieldKind::Decimal
            | FieldKind::Date
            | FieldKind::DayMonth
            | FieldKind::YesNo
            | FieldKind::Choice { .. }
            | FieldKind::MultiChoice { .. }
            | FieldKind::Orgnr
            | FieldKind::Fnr
            | FieldKind::Either { .. }
            | FieldKind::Kommunenummer
            | FieldKind::Postnummer
            | FieldKind::Email
            | FieldKind::Phone
            | FieldKind::Kontonummer
            | FieldKind::Static
            | FieldKind::Group(_)
            | FieldKind::Attachment(_) => (min, max),
        }
    }

    /// Whether the kind stores a number.
    pub fn is_number(&self) -> bool {
        matches!(
            self,
            FieldKind::Integer
                | FieldKind::Amount
                | FieldKind::Decimal
                | FieldKind::Percent
                | FieldKind::Year
        )
    }

    /// Whether the kind stores whole numbers only.
    pub fn is_whole(&self) -> bool {
        matches!(
            self,
            FieldKind::Integer | FieldKind::Amount | FieldKind::Year
        )
    }
}

/// A value the portal computes.
#[derive(Debug)]
pub struct Computed {
    /// Where it is stored.
    pub bind: Vec<Seg>,
    /// How it is computed.
    pub value: Expr,
    /// Label for the summary page.
    pub label: Option<Text>,
    /// Declared kind, for the schema.
    pub whole: bool,
    /// Kind used to display it.
    pub kind: FieldKind,
    /// Required in the document, and checked against the answers (control totals).
    pub required: bool,
    /// Line in the form file.
    pub line: usize,
}

/// A cross-field check.
#[derive(Debug)]
pub struct Rule {
    /// Group path when checked per row.
    pub each: Option<Vec<Seg>>,
    /// Must be true.
    pub check: Expr,
    /// Where the error is shown (absolute, with `[*]` under `each`).
    pub path: Vec<Seg>,
    /// The message.
    pub message: Text,
}

/// A code list (`forms/lists/<id>.toml`): codes with their labels, usable as a choice's options,
/// and each code's values by column, read in expressions with `lookup()`.
#[derive(Debug)]
pub struct CodeList {
    /// Its id, the file's name.
    pub id: String,
    /// Its name.
    pub title: Text,
    /// The codes, in file order, as options.
    pub codes: Vec<ChoiceOption>,
    /// The codes' values by column, for expressions.
    pub table: Arc<super::expr::Table>,
}

/// Every loaded form and area.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Service areas in plan order.
    pub areas: Vec<Area>,
    /// Code lists by id.
    pub lists: BTreeMap<String, Arc<CodeList>>,
    /// Forms by id, then version.
    pub forms: BTreeMap<String, BTreeMap<String, Arc<Form>>>,
}

impl Catalog {
    /// The newest version of a form (versions compare as strings, which `YYYY-N` keeps ordered).
    pub fn latest(&self, id: &str) -> Option<&Arc<Form>> {
        self.forms.get(id).and_then(|v| v.values().next_back())
    }

    /// A specific version.
    pub fn get(&self, id: &str, version: &str) -> Option<&Arc<Form>> {
        self.forms.get(id).and_then(|v| v.get(version))
    }

    /// Newest version of every form.
    pub fn latest_forms(&self) -> impl Iterator<Item = &Arc<Form>> {
        self.forms.values().filter_map(|v| v.values().next_back())
    }

    /// Newest version of every form an organisation may deliver as a file by SFTP: those with
    /// Skatteetaten's GLD API or the aksjonærregisteroppgave's, in an area whose channels include SFTP.
    pub fn sftp_forms(&self) -> impl Iterator<Item = &Arc<Form>> {
        self.latest_forms().filter(|f| {
            f.api.as_ref().is_some_and(|a| a.delivery.takes_files())
                && self
                    .areas
                    .iter()
                    .any(|a| a.id == f.area && a.channels.contains(&Channel::Sftp))
        })
    }

    /// Newest version of every form in an area.
    pub fn forms_in(&self, area: &str) -> Vec<&Arc<Form>> {
        self.forms
            .values()
            .filter_map(|v| v.values().next_back())
            .filter(|f| f.area == area)
            .collect()
    }
}
