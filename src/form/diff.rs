//! What changed between two versions of a form, for its owners: settings, pages, fields, computed
//! values, rules and the shape of the API document, one sentence per difference in nb, nn or en
//! ([`Change::words`]), never a text diff of the TOML.
//!
//! Things are matched by what they are, not by where they stand in the file: pages by `id`,
//! fields and computed values by their bind path, choice options by value, static texts by their
//! order on their page, rules by where they report and what they check. A field that changed
//! page is therefore "moved", not "removed" and "added". Expressions are compared by their tree
//! (as words with the paths as written), so a change of spacing is no change, and shown in words
//! with each version's own labels.
//!
//! The API shape is compared on the JSON Schema of both versions ([`super::schema::json_schema`]):
//! property paths, their types and whether they are required, nothing else.

use super::definition::{Form, Level, Text};

mod find;
#[cfg(test)]
mod tests;
mod words;

/// One difference between two versions of a form.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A setting of the whole form.
    Form(FormChange),
    /// The form's own M2M API settings.
    Api(ApiChange),
    /// A page.
    Page {
        /// The page (in the newer version, if it has it).
        page: Named,
        /// What changed.
        change: PageChange,
    },
    /// A field, group, attachment field, static text or alternative of an `either` field.
    Field {
        /// The field (in the newer version, if it has it).
        field: Named,
        /// What changed.
        change: FieldChange,
    },
    /// A computed value.
    Computed {
        /// The computed value.
        value: Named,
        /// What changed.
        change: ComputedChange,
    },
    /// A cross-field rule.
    Rule {
        /// Where its message is shown.
        at: Named,
        /// What changed.
        change: RuleChange,
    },
    /// The JSON Schema of the API document.
    Schema(SchemaChange),
}

/// How a sentence names a part of the form: what it is, its label and its path.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    /// What kind of part it is.
    pub thing: Thing,
    /// Its label or title, if it has one.
    pub label: Option<Text>,
    /// Its path (a page's id); empty for a static text.
    pub key: String,
}

/// The kinds of part a sentence names; each has its own noun.
#[derive(Debug, Clone, PartialEq)]
pub enum Thing {
    /// A page.
    Page,
    /// A field with an answer.
    Field,
    /// A repeating group.
    Group,
    /// An attachment field.
    Attachment,
    /// One alternative of an `either` field.
    Alternative,
    /// A static text, on the page with this title.
    Static(Text),
    /// A computed value.
    Computed,
    /// The place a rule's message is shown.
    Place,
}

/// Which text of a part changed.
#[derive(Debug, Clone, PartialEq)]
pub enum TextPart {
    /// A form's or a page's title.
    Title,
    /// The form's description.
    Description,
    /// A page's introduction.
    Intro,
    /// A field's, alternative's or computed value's label.
    Label,
    /// A field's hint.
    Hint,
    /// A field's help text.
    Help,
    /// A group's row heading.
    RowLabel,
    /// The text of a group's add button.
    AddLabel,
    /// A rule's message.
    Message,
    /// The label of the choice option with this value.
    OptionLabel(String),
    /// The hint of the choice option with this value.
    OptionHint(String),
}

/// A change of a setting of the whole form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormChange {
    /// The title or the description.
    Text {
        /// Which one.
        part: TextPart,
        /// Before.
        old: Option<Text>,
        /// After.
        new: Option<Text>,
    },
    /// The service area.
    Area {
        /// Before.
        old: String,
        /// After.
        new: String,
    },
    /// The Altinn resource.
    Resource {
        /// Before.
        old: String,
        /// After.
        new: String,
    },
    /// The ID-porten level.
    Level {
        /// Before.
        old: Level,
        /// After.
        new: Level,
    },
    /// Whether a person may act for themselves (now).
    Persons(bool),
    /// An access package the resource's policy now accepts (`added`) or no longer accepts.
    Package {
        /// Its name (after `urn:altinn:accesspackage:`).
        package: String,
        /// Whether it was added.
        added: bool,
    },
    /// A registration the party must now have (`added`) or no longer needs to start the form.
    Requires {
        /// Which.
        registration: super::definition::Registration,
        /// Whether it was added.
        added: bool,
    },
}

/// A change of the form's `[api]` settings.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiChange {
    /// The form got an API.
    Added {
        /// Its path prefix.
        base: String,
        /// Its scope.
        scope: String,
    },
    /// The form lost its API.
    Removed {
        /// Its path prefix.
        base: String,
    },
    /// The path prefix.
    Base {
        /// Before.
        old: String,
        /// After.
        new: String,
    },
    /// The scope.
    Scope {
        /// Before.
        old: String,
        /// After.
        new: String,
    },
    /// How a delivery comes in (`[api] delivery`).
    Delivery {
        /// Before.
        old: super::definition::Delivery,
        /// After.
        new: super::definition::Delivery,
    },
    /// An income year accepted (`added`) or no longer accepted.
    Year {
        /// The year.
        year: i32,
        /// Whether it was added.
        added: bool,
    },
}

/// A change of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum PageChange {
    /// A new page, at `position` (from 1) of `of`.
    Added {
        /// Its place.
        position: usize,
        /// How many pages the newer version has.
        of: usize,
    },
    /// A page that is gone.
    Removed,
    /// A page whose place among the other pages changed (places from 1).
    Moved {
        /// Its place before.
        from: usize,
        /// Its place now.
        to: usize,
    },
    /// Its title or introduction.
    Text {
        /// Which one.
        part: TextPart,
        /// Before.
        old: Option<Text>,
        /// After.
        new: Option<Text>,
    },
    /// When it is shown, in words.
    Condition {
        /// Before (`None`: always).
        old: Option<Text>,
        /// After (`None`: always).
        new: Option<Text>,
    },
}

/// Whether an answer is required, with a condition in words.
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    /// Never.
    Never,
    /// Always.
    Always,
    /// When the condition (in words) holds.
    When(Text),
}

/// A limit on an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The lowest number.
    Min,
    /// The highest number.
    Max,
    /// The fewest characters.
    MinLength,
    /// The most characters.
    MaxLength,
    /// A group's fewest rows.
    MinRows,
    /// A group's most rows.
    MaxRows,
    /// An attachment field's fewest files.
    MinFiles,
    /// An attachment field's most files.
    MaxFiles,
    /// The pattern the answer must match.
    Pattern,
    /// The largest file.
    FileSize,
    /// All files of the field together.
    TotalSize,
}

/// The value of a [`Limit`].
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// A number.
    Number(f64),
    /// A count of characters, rows or files.
    Count(usize),
    /// A size in MB.
    Megabytes(f64),
    /// A regular expression as written in the form file.
    Pattern(String),
}

/// A change of a field, group, static text or alternative.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldChange {
    /// New, on the page with this title.
    Added {
        /// The page's title.
        page: Text,
    },
    /// Gone from the page with this title.
    Removed {
        /// The page's title.
        page: Text,
    },
    /// On another page now.
    Moved {
        /// The title of the page it was on.
        from: Text,
        /// The title of the page it is on.
        to: Text,
    },
    /// Another kind of field.
    Kind {
        /// The kind before, in words.
        old: Text,
        /// The kind now, in words.
        new: Text,
    },
    /// One of its texts.
    Text {
        /// Which one.
        part: TextPart,
        /// Before.
        old: Option<Text>,
        /// After.
        new: Option<Text>,
    },
    /// Whether it must be answered.
    Required {
        /// Before.
        old: Requirement,
        /// After.
        new: Requirement,
    },
    /// When it is shown, in words.
    Condition {
        /// Before (`None`: always).
        old: Option<Text>,
        /// After (`None`: always).
        new: Option<Text>,
    },
    /// Whether its prefilled value is kept from the user (now).
    Locked(bool),
    /// What it is filled in with when a draft starts, in words.
    Prefill {
        /// Before.
        old: Option<Text>,
        /// After.
        new: Option<Text>,
    },
    /// A limit on the answer.
    Limit {
        /// Which limit.
        limit: Limit,
        /// Before (`None`: no limit).
        old: Option<Bound>,
        /// After.
        new: Option<Bound>,
    },
    /// A new choice option.
    OptionAdded {
        /// Its stored value.
        value: String,
        /// Its label.
        label: Text,
    },
    /// A choice option that is gone.
    OptionRemoved {
        /// Its stored value.
        value: String,
        /// Its label.
        label: Text,
    },
    /// A choice shown as a drop-down list (`true`) or as radio buttons.
    Display {
        /// Whether it is a drop-down list now.
        select: bool,
    },
    /// A kind of file accepted (`added`) or no longer accepted.
    FileKind {
        /// The kind's name (`PDF`).
        name: String,
        /// Whether it was added.
        added: bool,
    },
    /// An alternative of an `either` field added or removed.
    Alternative {
        /// Its label.
        label: Text,
        /// Its path.
        key: String,
        /// Whether it was added.
        added: bool,
    },
}

/// A change of a computed value.
#[derive(Debug, Clone, PartialEq)]
pub enum ComputedChange {
    /// New, computed as this (in words).
    Added {
        /// Its expression in words.
        value: Text,
    },
    /// Gone.
    Removed,
    /// Computed another way (in words).
    Value {
        /// Before.
        old: Text,
        /// After.
        new: Text,
    },
    /// Its label.
    Text {
        /// Which text ([`TextPart::Label`]).
        part: TextPart,
        /// Before.
        old: Option<Text>,
        /// After.
        new: Option<Text>,
    },
    /// Whether it is a control total the API document must carry (now).
    ControlTotal(bool),
    /// Its kind, in words.
    Kind {
        /// Before.
        old: Text,
        /// After.
        new: Text,
    },
}

/// A change of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleChange {
    /// A new rule.
    Added {
        /// What it requires, in words (a subordinate clause).
        check: Text,
        /// Its message.
        message: Text,
    },
    /// A rule that is gone.
    Removed {
        /// Its message.
        message: Text,
    },
    /// The same place and message, another check (in words, subordinate clauses).
    Check {
        /// Before.
        old: Text,
        /// After.
        new: Text,
    },
    /// Its message.
    Text {
        /// Which text ([`TextPart::Message`]).
        part: TextPart,
        /// Before.
        old: Option<Text>,
        /// After.
        new: Option<Text>,
    },
}

/// A change of the API document's JSON Schema. Paths are written like bind paths, `[*]` for the
/// items of an array.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaChange {
    /// A new property (its children are not listed again).
    Added {
        /// Its path.
        path: String,
        /// Its JSON type (`None`: any).
        ty: Option<String>,
        /// Whether it must be there.
        required: bool,
    },
    /// A property that is gone (its children are not listed again).
    Removed {
        /// Its path.
        path: String,
    },
    /// Another JSON type.
    Type {
        /// Its path.
        path: String,
        /// Before (`None`: any).
        old: Option<String>,
        /// After.
        new: Option<String>,
    },
    /// Required (`true`) or optional now.
    Required {
        /// Its path.
        path: String,
        /// Whether it must be there now.
        required: bool,
    },
}

/// Every difference between two versions of a form, in the newer version's order: form settings
/// and API, then page by page (each page's fields after it; removed pages after the rest),
/// computed values, rules and the API document. The same two forms always give the same list.
pub fn compare(old: &Form, new: &Form) -> Vec<Change> {
    find::changes(old, new)
}
