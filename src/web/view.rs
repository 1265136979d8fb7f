//! From a form page, a document and its errors to the plain data the templates render.

use std::collections::HashMap;

use serde_json::Value;

use crate::form::definition::{Alternative, Group};
use crate::form::document::{self, Prefilled, dom_id, get, instantiate};
use crate::form::expr::format_path;
use crate::form::{Context, Field, FieldError, FieldKind, Form, Lang, Page, Seg, input};

use crate::i18n::Ui;
use crate::intake::receipt::answers::{row_heading, row_title};
use crate::store::AttachmentStatus;

/// One option of a radio group, select or checkbox list.
pub struct OptionView {
    /// Element id.
    pub id: String,
    /// Submitted value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Hint, with its id.
    pub hint: Option<String>,
    /// Whether it is chosen.
    pub checked: bool,
}

/// One answerable field.
pub struct FieldView {
    /// Element id (the fieldset's, for radios and either-fields).
    pub id: String,
    /// Form field name: the concrete bind path.
    pub name: String,
    /// Label or legend.
    pub label: String,
    /// Hint.
    pub hint: Option<String>,
    /// Longer help.
    pub help: Option<String>,
    /// The error shown at the field.
    pub error: Option<String>,
    /// The answer as typed.
    pub value: String,
    /// `input`, `textarea`, `radio`, `select`, `checkbox` or `either`.
    pub widget: &'static str,
    /// `type` of an input.
    pub input_type: &'static str,
    /// `inputmode`, when it helps.
    pub inputmode: Option<&'static str>,
    /// `autocomplete`, when it fits.
    pub autocomplete: Option<String>,
    /// `maxlength`, when set.
    pub maxlength: Option<usize>,
    /// Whether an answer is required (for the "(optional)" marker).
    pub required: bool,
    /// Options for radios, selects and checkboxes.
    pub options: Vec<OptionView>,
    /// The inputs of an either-field.
    pub alternatives: Vec<FieldView>,
    /// CSS width class for short answers.
    pub width: &'static str,
    /// An attachment field's files.
    pub files: Vec<FileView>,
    /// An attachment field's `accept` attribute.
    pub accept: String,
    /// Where its files are uploaded (scripted pages).
    pub upload: String,
    /// Whether another file may be added.
    pub can_add: bool,
    /// In a preview of every branch: the condition that shows it.
    pub condition: Option<String>,
    /// Where a prefilled answer came from (a public register), said beside the field.
    pub source: Option<String>,
}

/// One file of an attachment field.
pub struct FileView {
    /// Row id.
    pub id: String,
    /// The name shown.
    pub name: String,
    /// Its size for people.
    pub size: String,
    /// `clean`, `pending` or `infected`.
    pub state: &'static str,
    /// Its status in words.
    pub status: &'static str,
    /// Download link (not for a removed file).
    pub download: Option<String>,
    /// `_action` value of its remove button.
    pub remove: String,
}

/// The files of the draft being shown, and where they are uploaded and downloaded.
pub struct Uploads<'a> {
    /// The draft's files.
    pub files: &'a [crate::store::AttachmentRow],
    /// Upload URL.
    pub upload: String,
    /// Download URL prefix (the file's id follows).
    pub download: String,
}

impl Uploads<'_> {
    /// No files (pages without attachment fields, the benchmark).
    pub fn none() -> Uploads<'static> {
        Uploads {
            files: &[],
            upload: String::new(),
            download: String::new(),
        }
    }
}

/// The limits of an attachment field in words.
fn file_limits(f: &Field, a: &crate::form::definition::Attachments, lang: Lang) -> String {
    use crate::form::validate::size;
    let kinds = a
        .kinds
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join(", ");
    let n = f.max.map_or(1, |m| m as usize);
    let (max, total) = (size(a.max_file), size(a.total));
    match (lang, n) {
        (Lang::Nb, 1) => format!("Filtyper: {kinds}. Én fil på høyst {max}."),
        (Lang::Nn, 1) => format!("Filtypar: {kinds}. Éi fil på høgst {max}."),
        (Lang::En, 1) => format!("File types: {kinds}. One file of at most {max}."),
        (Lang::Nb, n) => format!(
            "Filtyper: {kinds}. Høyst {n} filer, hver på høyst {max} og {total} til sammen."
        ),
        (Lang::Nn, n) => {
            format!("Filtypar: {kinds}. Høgst {n} filer, kvar på høgst {max} og {total} til saman.")
        }
        (Lang::En, n) => format!(
            "File types: {kinds}. At most {n} files, each at most {max} and {total} together."
        ),
    }
}

/// An attachment field outside a page (the upload route's answer).
pub fn field_view_pub(
    f: &Field,
    doc: &Value,
    ctx: &Context,
    shown: &HashMap<String, String>,
    uploads: &Uploads<'_>,
    lang: Lang,
    ui: &Ui,
) -> FieldView {
    field_view(f, &f.bind, None, doc, ctx, shown, uploads, lang, ui)
}

impl FieldView {
    /// Ids of the hint, the note on where the answer came from and the error, for
    /// `aria-describedby`.
    pub fn describedby(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.source.is_some() {
            ids.push(format!("{}-source", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// One row of a repeating group.
pub struct RowView {
    /// Element id of the row.
    pub id: String,
    /// Heading ("Eier 2").
    pub heading: String,
    /// Row fields.
    pub fields: Vec<FieldView>,
    /// `_action` value of its remove button.
    pub remove: String,
}

/// A repeating group.
pub struct GroupView {
    /// Fieldset id.
    pub id: String,
    /// Legend.
    pub legend: String,
    /// Hint.
    pub hint: Option<String>,
    /// Group-level error (too few rows).
    pub error: Option<String>,
    /// Rows.
    pub rows: Vec<RowView>,
    /// Add button text.
    pub add_label: String,
    /// `_action` value of the add button.
    pub add: String,
    /// Whether another row may be added.
    pub can_add: bool,
    /// Whether rows may be removed.
    pub can_remove: bool,
}

/// A static text.
pub struct StaticView {
    /// The text.
    pub text: String,
    /// Optional second paragraph.
    pub hint: Option<String>,
}

/// One item of a page, in order.
pub struct Item {
    /// A field.
    pub field: Option<FieldView>,
    /// A repeating group.
    pub group: Option<GroupView>,
    /// A static text.
    pub text: Option<StaticView>,
    /// In a preview of every branch: the condition that shows it.
    pub condition: Option<String>,
}

/// Which conditional parts a page shows.
#[derive(Debug, Clone, Copy)]
pub enum Branches<'a> {
    /// Those whose condition holds for the answers: what a user sees.
    AsAnswered,
    /// All of them, each marked with its condition in words: a form owner's preview of the form.
    All(&'a crate::form::Form),
}

impl Branches<'_> {
    /// Whether `field` is shown, `row` being the row of a row field.
    fn shows(self, field: &Field, doc: &Value, ctx: &Context, row: Option<&[Seg]>) -> bool {
        matches!(self, Branches::All(_)) || document::field_shown(field, doc, ctx, row)
    }

    /// The condition to mark a part with, in words.
    fn mark(self, when: Option<&crate::form::expr::Expr>, lang: Lang) -> Option<String> {
        match self {
            Branches::All(form) => {
                when.map(|w| crate::form::describe::when_in_words(form, w, lang))
            }
            Branches::AsAnswered => None,
        }
    }
}

/// A link in the error summary.
pub struct SummaryError {
    /// `#id` of the field.
    pub href: String,
    /// The message.
    pub message: String,
}

/// Builds the page's items. `shown` are the errors to show, by `sti`.
#[allow(clippy::too_many_arguments)]
pub fn items(
    page: &Page,
    doc: &Value,
    ctx: &Context,
    shown: &HashMap<String, String>,
    uploads: &Uploads<'_>,
    lang: Lang,
    ui: &Ui,
    branches: Branches<'_>,
) -> Vec<Item> {
    let mut out = Vec::new();
    for f in &page.fields {
        if !branches.shows(f, doc, ctx, None) {
            continue;
        }
        let condition = branches.mark(f.when.as_ref(), lang);
        match &f.kind {
            FieldKind::Static => out.push(Item {
                field: None,
                group: None,
                text: Some(StaticView {
                    text: f.label.get(lang).to_string(),
                    hint: f.hint.as_ref().map(|h| h.get(lang).to_string()),
                }),
                condition,
            }),
            FieldKind::Group(g) => out.push(Item {
                field: None,
                group: Some(group_view(f, g, doc, ctx, shown, lang, ui, branches)),
                text: None,
                condition,
            }),
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
            | FieldKind::Attachment(_) => out.push(Item {
                field: Some(field_view(
                    f, &f.bind, None, doc, ctx, shown, uploads, lang, ui,
                )),
                group: None,
                text: None,
                condition,
            }),
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn group_view(
    f: &Field,
    g: &Group,
    doc: &Value,
    ctx: &Context,
    shown: &HashMap<String, String>,
    lang: Lang,
    ui: &Ui,
    branches: Branches<'_>,
) -> GroupView {
    let n = document::row_count(doc, &f.bind);
    let name = format_path(&f.bind);
    let rows = (0..n)
        .map(|r| {
            let mut row = f.bind.clone();
            row.push(Seg::Index(r));
            let heading = row_title(g, r, lang, ui);
            let fields = g
                .fields
                .iter()
                .enumerate()
                .filter(|(_, rf)| branches.shows(rf, doc, ctx, Some(&row)))
                .map(|(i, rf)| {
                    let p = instantiate(&rf.bind, &row);
                    let mut v = field_view(
                        rf,
                        &p,
                        Some(&row),
                        doc,
                        ctx,
                        shown,
                        &Uploads::none(),
                        lang,
                        ui,
                    );
                    v.condition = branches.mark(rf.when.as_ref(), lang);
                    // A text in a row is read, not answered: no input, no value.
                    if matches!(rf.kind, FieldKind::Static) {
                        v.widget = "static";
                        v.id = format!("{}-tekst-{i}", dom_id(&row));
                        v.value = String::new();
                        v.error = None;
                    }
                    v
                })
                .collect();
            RowView {
                id: dom_id(&row),
                heading,
                fields,
                remove: format!("remove:{name}:{r}"),
            }
        })
        .collect();
    GroupView {
        id: dom_id(&f.bind),
        legend: f.label.get(lang).to_string(),
        hint: f.hint.as_ref().map(|h| h.get(lang).to_string()),
        error: shown.get(&name).cloned(),
        rows,
        add_label: g
            .add_label
            .as_ref()
            .map_or(ui.add_row, |t| t.get(lang))
            .to_string(),
        add: format!("add:{name}"),
        can_add: f.max.is_none_or(|m| (n as f64) < m),
        can_remove: true,
    }
}

fn scalar_style(
    kind: &FieldKind,
) -> (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
) {
    // (input type, inputmode, autocomplete, width class)
    match kind {
        FieldKind::Integer | FieldKind::Amount => ("text", Some("numeric"), None, "w-m"),
        FieldKind::Year => ("text", Some("numeric"), None, "w-xs"),
        FieldKind::Decimal | FieldKind::Percent => ("text", Some("decimal"), None, "w-m"),
        FieldKind::Date => ("text", Some("numeric"), None, "w-s"),
        FieldKind::DayMonth => ("text", Some("numeric"), None, "w-xs"),
        FieldKind::Orgnr => ("text", Some("numeric"), None, "w-s"),
        FieldKind::Fnr | FieldKind::Kontonummer => ("text", Some("numeric"), None, "w-s"),
        FieldKind::Kommunenummer => ("text", Some("numeric"), None, "w-xs"),
        FieldKind::Postnummer => ("text", Some("numeric"), Some("postal-code"), "w-xs"),
        FieldKind::Email => ("email", Some("email"), Some("email"), "w-l"),
        FieldKind::Phone => ("tel", Some("tel"), Some("tel"), "w-s"),
        FieldKind::Text
        | FieldKind::Textarea
        | FieldKind::YesNo
        | FieldKind::Choice { .. }
        | FieldKind::MultiChoice { .. }
        | FieldKind::Either { .. }
        | FieldKind::Static
        | FieldKind::Group(_)
        | FieldKind::Attachment(_) => ("text", None, None, "w-l"),
    }
}

#[allow(clippy::too_many_arguments)]
fn field_view(
    f: &Field,
    path: &[Seg],
    row: Option<&[Seg]>,
    doc: &Value,
    ctx: &Context,
    shown: &HashMap<String, String>,
    uploads: &Uploads<'_>,
    lang: Lang,
    ui: &Ui,
) -> FieldView {
    let name = format_path(path);
    let id = dom_id(path);
    let value = get(doc, path);
    let required = document::required(&f.required, doc, ctx, row);
    let mut hint = f.hint.as_ref().map(|h| h.get(lang).to_string());
    if matches!(f.kind, FieldKind::Date) && hint.is_none() {
        hint = Some(ui.date_hint.to_string());
    }
    let (input_type, inputmode, autocomplete, width) = scalar_style(&f.kind);
    let mut v = FieldView {
        error: shown.get(&name).cloned(),
        value: input::to_input(&f.kind, value),
        id,
        name,
        label: f.label.get(lang).to_string(),
        hint,
        help: f.help.as_ref().map(|h| h.get(lang).to_string()),
        widget: "input",
        input_type,
        inputmode,
        autocomplete: f.autocomplete.clone().or(autocomplete.map(String::from)),
        maxlength: f.max_length,
        required,
        options: Vec::new(),
        alternatives: Vec::new(),
        width,
        files: Vec::new(),
        accept: String::new(),
        upload: String::new(),
        can_add: false,
        condition: None,
        source: None,
    };
    let opt =
        |i: usize, value: &str, label: &str, hint: Option<String>, checked: bool, id: &str| {
            OptionView {
                id: format!("{id}-{i}"),
                value: value.to_string(),
                label: label.to_string(),
                hint,
                checked,
            }
        };
    match &f.kind {
        FieldKind::Textarea => v.widget = "textarea",
        FieldKind::Choice { options, select } => {
            v.widget = if *select { "select" } else { "radio" };
            let cur = value.and_then(Value::as_str);
            v.options = options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    opt(
                        i,
                        &o.value,
                        o.label.get(lang),
                        o.hint.as_ref().map(|h| h.get(lang).to_string()),
                        cur == Some(o.value.as_str()),
                        &v.id,
                    )
                })
                .collect();
        }
        FieldKind::MultiChoice { options } => {
            v.widget = "checkbox";
            let cur: Vec<&str> = value
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            v.options = options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    opt(
                        i,
                        &o.value,
                        o.label.get(lang),
                        o.hint.as_ref().map(|h| h.get(lang).to_string()),
                        cur.contains(&o.value.as_str()),
                        &v.id,
                    )
                })
                .collect();
        }
        FieldKind::YesNo => {
            v.widget = "radio";
            let cur = value.and_then(Value::as_bool);
            v.options = vec![
                opt(0, "ja", ui.yes, None, cur == Some(true), &v.id),
                opt(1, "nei", ui.no, None, cur == Some(false), &v.id),
            ];
        }
        FieldKind::Either { alternatives } => {
            v.widget = "either";
            if v.hint.is_none() {
                v.hint = Some(ui.either_hint.to_string());
            }
            v.alternatives = alternatives
                .iter()
                .map(|a| alternative_view(a, path, doc, shown, lang))
                .collect();
        }
        FieldKind::Attachment(a) => {
            v.widget = "attachment";
            v.value = String::new();
            let limits = file_limits(f, a, lang);
            v.hint = Some(match v.hint.take() {
                Some(h) => format!("{h} {limits}"),
                None => limits,
            });
            v.accept = a
                .kinds
                .iter()
                .flat_map(|k| k.extensions().iter().map(|e| format!(".{e}")))
                .chain(a.kinds.iter().map(|k| k.mime().to_string()))
                .collect::<Vec<_>>()
                .join(",");
            v.upload = uploads.upload.clone();
            v.files = uploads
                .files
                .iter()
                .filter(|r| r.field == v.name)
                .map(|r| FileView {
                    id: r.id.clone(),
                    name: r.name.clone(),
                    size: crate::form::validate::size(r.size as u64),
                    state: r.status.as_str(),
                    status: match r.status {
                        AttachmentStatus::Clean => ui.file_clean,
                        AttachmentStatus::Infected => ui.file_infected,
                        AttachmentStatus::Pending => ui.file_pending,
                    },
                    download: (r.status != AttachmentStatus::Infected)
                        .then(|| format!("{}{}", uploads.download, r.id)),
                    remove: format!("remove-file:{}", r.id),
                })
                .collect();
            let kept = v
                .files
                .iter()
                .filter(|x| x.state != AttachmentStatus::Infected.as_str())
                .count();
            v.can_add = f.max.is_none_or(|m| (kept as f64) < m);
        }
        FieldKind::Text
        | FieldKind::Integer
        | FieldKind::Amount
        | FieldKind::Decimal
        | FieldKind::Percent
        | FieldKind::Date
        | FieldKind::DayMonth
        | FieldKind::Year
        | FieldKind::Orgnr
        | FieldKind::Fnr
        | FieldKind::Kommunenummer
        | FieldKind::Postnummer
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::Kontonummer
        | FieldKind::Static
        | FieldKind::Group(_) => {}
    }
    v
}

fn alternative_view(
    a: &Alternative,
    path: &[Seg],
    doc: &Value,
    shown: &HashMap<String, String>,
    lang: Lang,
) -> FieldView {
    let mut p = path.to_vec();
    p.push(Seg::Key(a.key.clone()));
    let name = format_path(&p);
    let (input_type, inputmode, autocomplete, width) = scalar_style(&a.kind);
    FieldView {
        id: dom_id(&p),
        error: shown.get(&name).cloned(),
        value: input::to_input(&a.kind, get(doc, &p)),
        name,
        label: a.label.get(lang).to_string(),
        hint: None,
        help: None,
        widget: "input",
        input_type,
        inputmode,
        autocomplete: autocomplete.map(String::from),
        maxlength: None,
        required: false,
        options: Vec::new(),
        alternatives: Vec::new(),
        width,
        files: Vec::new(),
        accept: String::new(),
        upload: String::new(),
        can_add: false,
        condition: None,
        source: None,
    }
}

/// Marks the page's fields whose answer came from a public register when the draft started. A
/// locked one is shown as read-only text (`widget` `locked`, not posted: the server keeps its
/// answer), saying where it came from; an editable one says so while the answer is still the
/// register's.
pub fn mark_prefilled(
    items: &mut [Item],
    page: &Page,
    prefilled: &[Prefilled],
    doc: &Value,
    lang: Lang,
) {
    if prefilled.is_empty() {
        return;
    }
    for v in items.iter_mut().filter_map(|i| i.field.as_mut()) {
        let Some(p) = prefilled.iter().find(|p| p.path == v.name) else {
            continue;
        };
        let Some(field) = page.fields.iter().find(|f| format_path(&f.bind) == v.name) else {
            continue;
        };
        let answer = get(doc, &field.bind);
        if p.locked {
            v.widget = "locked";
            v.value = input::display(&field.kind, answer, lang);
            v.error = None;
        } else if answer != Some(&p.value) {
            // Changed by the user: no longer the register's answer.
            continue;
        }
        v.source = Some(crate::i18n::registers::source_note(
            p.register, p.locked, lang,
        ));
    }
}

/// The errors to show at fields (first per path) and in the summary, in page order.
pub fn shown_errors(
    form: &Form,
    errors: &[FieldError],
    lang: Lang,
    ui: &Ui,
    href_base: &str,
) -> (HashMap<String, String>, Vec<SummaryError>) {
    let mut at = HashMap::new();
    let mut summary = Vec::new();
    for e in errors {
        let sti = e.sti();
        if at.contains_key(&sti) {
            continue;
        }
        let msg = e.message(lang);
        // In the summary, say which row an error is in.
        let message = match row_heading(form, &e.path, lang, ui) {
            Some(h) => format!("{h}: {msg}"),
            None => msg.clone(),
        };
        summary.push(SummaryError {
            href: format!("{href_base}#{}", dom_id(&e.path)),
            message,
        });
        at.insert(sti, msg);
    }
    (at, summary)
}
