//! From a form page, a document and its errors to the plain data the templates render.

use std::collections::HashMap;

use serde_json::Value;

use crate::form::definition::{Alternative, Group};
use crate::form::document::{self, dom_id, get, instantiate};
use crate::form::expr::format_path;
use crate::form::{Context, Field, FieldError, FieldKind, Form, Lang, Page, Seg, input};

use super::i18n::Ui;

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
}

impl FieldView {
    /// Ids of the hint and error, for `aria-describedby`.
    pub fn describedby(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
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
}

/// A link in the error summary.
pub struct SummaryError {
    /// `#id` of the field.
    pub href: String,
    /// The message.
    pub message: String,
}

/// Builds the page's items. `shown` are the errors to show, by `sti`.
pub fn items(
    page: &Page,
    doc: &Value,
    ctx: &Context,
    shown: &HashMap<String, String>,
    lang: Lang,
    ui: &Ui,
) -> Vec<Item> {
    let mut out = Vec::new();
    for f in &page.fields {
        if f.when
            .as_ref()
            .is_some_and(|w| w.eval(doc, ctx, None).truthy() != Some(true))
        {
            continue;
        }
        match &f.kind {
            FieldKind::Static => out.push(Item {
                field: None,
                group: None,
                text: Some(StaticView {
                    text: f.label.get(lang).to_string(),
                    hint: f.hint.as_ref().map(|h| h.get(lang).to_string()),
                }),
            }),
            FieldKind::Group(g) => out.push(Item {
                field: None,
                group: Some(group_view(f, g, doc, ctx, shown, lang, ui)),
                text: None,
            }),
            _ => out.push(Item {
                field: Some(field_view(f, &f.bind, None, doc, ctx, shown, lang, ui)),
                group: None,
                text: None,
            }),
        }
    }
    out
}

fn group_view(
    f: &Field,
    g: &Group,
    doc: &Value,
    ctx: &Context,
    shown: &HashMap<String, String>,
    lang: Lang,
    ui: &Ui,
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
                .filter(|rf| {
                    rf.when
                        .as_ref()
                        .is_none_or(|w| w.eval(doc, ctx, Some(&row)).truthy() == Some(true))
                })
                .map(|rf| {
                    let p = instantiate(&rf.bind, &row);
                    field_view(rf, &p, Some(&row), doc, ctx, shown, lang, ui)
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
        _ => ("text", None, None, "w-l"),
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
        _ => {}
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

/// The heading of row `r` (0-based) of a group: its `row_label` with `{n}`, or the portal's default.
fn row_title(g: &Group, r: usize, lang: Lang, ui: &Ui) -> String {
    g.row_label
        .as_ref()
        .map_or(ui.row, |t| t.get(lang))
        .replace("{n}", &(r + 1).to_string())
}

/// The heading of the row a concrete path lies in ("Oppgave 2"), if it is in a row.
pub fn row_heading(form: &Form, path: &[Seg], lang: Lang, ui: &Ui) -> Option<String> {
    form.all_fields().find_map(|f| {
        let FieldKind::Group(g) = &f.kind else {
            return None;
        };
        let n = f.bind.len();
        if path.len() > n && path[..n] == f.bind[..] {
            let Seg::Index(r) = path[n] else { return None };
            Some(row_title(g, r, lang, ui))
        } else {
            None
        }
    })
}

/// One answer on the check-your-answers page.
pub struct AnswerView {
    /// Question.
    pub label: String,
    /// Answer as shown.
    pub value: String,
    /// Whether it was left empty.
    pub empty: bool,
    /// Its path in the document (the API's `sti`).
    pub sti: String,
    /// Element id of the row, for links to it.
    pub id: String,
    /// A message about it (the domain system's feedback on a receipt).
    pub note: Option<String>,
}

/// A group's rows on the check-your-answers page.
pub struct RowsView {
    /// Group legend.
    pub legend: String,
    /// Row heading and answers.
    pub rows: Vec<(String, Vec<AnswerView>)>,
}

/// One page on the check-your-answers page.
pub struct PageAnswers {
    /// Page title.
    pub title: String,
    /// Link to change it.
    pub href: String,
    /// Plain answers.
    pub answers: Vec<AnswerView>,
    /// Groups.
    pub groups: Vec<RowsView>,
}

fn answer(f: &Field, path: &[Seg], doc: &Value, lang: Lang, ui: &Ui) -> AnswerView {
    let value = match &f.kind {
        FieldKind::Either { alternatives } => alternatives
            .iter()
            .find_map(|a| {
                let mut p = path.to_vec();
                p.push(Seg::Key(a.key.clone()));
                let v = input::display(&a.kind, get(doc, &p), lang);
                (!v.is_empty()).then(|| format!("{}: {v}", a.label.get(lang)))
            })
            .unwrap_or_default(),
        k => input::display(k, get(doc, path), lang),
    };
    AnswerView {
        label: f.label.get(lang).to_string(),
        sti: crate::form::expr::format_path(path),
        id: format!("svar-{}", document::dom_id(path)),
        note: None,
        empty: value.is_empty(),
        value: if value.is_empty() {
            ui.not_answered.to_string()
        } else {
            value
        },
    }
}

/// The answers of every visible page, for the check-your-answers page.
pub fn answers(
    form: &Form,
    doc: &Value,
    ctx: &Context,
    lang: Lang,
    ui: &Ui,
    base: &str,
) -> Vec<PageAnswers> {
    let mut out = Vec::new();
    for (pi, page) in form.pages.iter().enumerate() {
        if !document::page_visible(form, pi, doc, ctx) {
            continue;
        }
        let mut pa = PageAnswers {
            title: page.title.get(lang).to_string(),
            href: format!("{base}/{}", page.id),
            answers: Vec::new(),
            groups: Vec::new(),
        };
        for f in &page.fields {
            if f.when
                .as_ref()
                .is_some_and(|w| w.eval(doc, ctx, None).truthy() != Some(true))
            {
                continue;
            }
            match &f.kind {
                FieldKind::Static => {}
                FieldKind::Group(g) => {
                    let n = document::row_count(doc, &f.bind);
                    let rows = (0..n)
                        .map(|r| {
                            let mut row = f.bind.clone();
                            row.push(Seg::Index(r));
                            let heading = row_title(g, r, lang, ui);
                            let answers = g
                                .fields
                                .iter()
                                .filter(|rf| !matches!(rf.kind, FieldKind::Static))
                                .filter(|rf| {
                                    rf.when.as_ref().is_none_or(|w| {
                                        w.eval(doc, ctx, Some(&row)).truthy() == Some(true)
                                    })
                                })
                                .map(|rf| answer(rf, &instantiate(&rf.bind, &row), doc, lang, ui))
                                .collect();
                            (heading, answers)
                        })
                        .collect();
                    pa.groups.push(RowsView {
                        legend: f.label.get(lang).to_string(),
                        rows,
                    });
                }
                _ => pa.answers.push(answer(f, &f.bind, doc, lang, ui)),
            }
        }
        out.push(pa);
    }
    out
}
