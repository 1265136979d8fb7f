//! Pages for system vendors, public and without a login: for each form an end-user system can
//! deliver, what to call, with which scope and resource, every field with its type and checks in
//! words, the rules, the error codes, an example request and answer, a curl command, and what is
//! new compared with the Altinn II form where the form file says so. Everything comes from the
//! form's definition, so a page is as true as the API it describes.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::error::{AppError, AppResult};
use super::{AppState, Base, L, render};
use crate::form::definition::{Channel, FieldKind, Required};
use crate::form::describe::{condition_in_words, kind_words, when_in_words};
use crate::form::expr::format_path;
use crate::form::{Form, Lang};
use crate::i18n::vendor::{Words, words};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/systemleverandorer", get(view_index_get))
        .route("/systemleverandorer/{form}", get(view_form_get))
}

/// The forms an end-user system can deliver: those with Skatteetaten's own API, and those in an
/// area that takes M2M through the generic door.
fn api_forms(state: &AppState) -> Vec<&std::sync::Arc<Form>> {
    state
        .catalog
        .latest_forms()
        .filter(|f| f.api.is_some() || by_door(state, f))
        .collect()
}

fn by_door(state: &AppState, form: &Form) -> bool {
    state
        .catalog
        .areas
        .iter()
        .any(|a| a.id == form.area && a.channels.contains(&Channel::M2m))
}

struct IndexRow {
    href: String,
    id: String,
    title: String,
    endpoint: String,
}

#[derive(Template)]
#[template(path = "vendor_index.html")]
struct IndexView {
    base: Base,
    w: &'static Words,
    rows: Vec<IndexRow>,
}

async fn view_index_get(State(state): State<AppState>, L(lang): L) -> AppResult<Response> {
    let w = words(lang);
    let rows = api_forms(&state)
        .into_iter()
        .map(|f| IndexRow {
            href: format!("/systemleverandorer/{}", f.id),
            id: f.id.clone(),
            title: f.title.get(lang).to_string(),
            endpoint: submit_path(f),
        })
        .collect();
    render(
        &IndexView {
            base: Base::new(lang, w.index_title, "/systemleverandorer"),
            w,
            rows,
        },
        StatusCode::OK,
    )
}

/// Whether the form's API takes a delivery in steps (the aksjonærregisteroppgave).
fn staged(form: &Form) -> bool {
    crate::intake::file::is_ar(form)
}

/// Where a delivery of the form is posted (a staged one: where it is opened).
fn submit_path(form: &Form) -> String {
    match &form.api {
        Some(api) if staged(form) => format!("{}/v1/{{inntektsaar}}/1086H", api.base),
        Some(api) => format!("{}/v1/{{inntektsaar}}", api.base),
        None => format!("/api/v1/skjema/{}/innsendinger", form.id),
    }
}

struct FieldRow {
    sti: String,
    label: String,
    kind: String,
    required: String,
    checks: String,
}

struct Endpoint {
    method: &'static str,
    path: String,
    what: &'static str,
}

#[derive(Template)]
#[template(path = "vendor_form.html")]
struct FormView {
    base: Base,
    w: &'static Words,
    id: String,
    title: String,
    version: String,
    description: String,
    endpoints: Vec<Endpoint>,
    facts: Vec<(&'static str, String)>,
    fields: Vec<FieldRow>,
    sums: Vec<(String, String, String)>,
    rules: Vec<(String, String, String)>,
    errors: Vec<(&'static str, &'static str)>,
    field_errors: Vec<(&'static str, String)>,
    changes: Option<String>,
    request: String,
    response: String,
    curl: String,
    as_file: Option<AsFile>,
}

/// How the whole delivery may also come as one file.
struct AsFile {
    /// What the file is.
    what: &'static str,
    /// The upload page.
    upload: String,
    /// The SFTP folder, for a scheme SFTP takes.
    sftp: Option<String>,
}

fn as_file(state: &AppState, form: &Form, w: &'static Words) -> Option<AsFile> {
    let api = form.api.as_ref().filter(|a| a.delivery.takes_files())?;
    let sftp = state
        .catalog
        .sftp_forms()
        .any(|f| f.id == form.id)
        .then(|| {
            let year = api.years.iter().max().copied().unwrap_or_default();
            format!("innsending/{}/{year}/", api.scheme().unwrap_or_default())
        });
    Some(AsFile {
        what: if staged(form) { w.file_ar } else { w.file_gld },
        upload: format!("/skjema/{}/fil", form.id),
        sftp,
    })
}

async fn view_form_get(
    State(state): State<AppState>,
    L(lang): L,
    Path(form_id): Path<String>,
) -> AppResult<Response> {
    let form = api_forms(&state)
        .into_iter()
        .find(|f| f.id == form_id)
        .ok_or(AppError::NotFound)?
        .clone();
    let w = words(lang);
    let submit = submit_path(&form);
    let check = match &form.api {
        Some(api) => format!("{}/v1/{{inntektsaar}}/validering", api.base),
        None => format!("/api/v1/skjema/{}/validering", form.id),
    };
    let mut endpoints = vec![
        Endpoint {
            method: "POST",
            path: submit.clone(),
            what: w.ep_submit,
        },
        Endpoint {
            method: "POST",
            path: check,
            what: w.ep_validate,
        },
    ];
    if let Some(api) = form.api.as_ref().filter(|_| staged(&form)) {
        let base = format!("{}/v1/{{inntektsaar}}", api.base);
        endpoints = vec![
            Endpoint {
                method: "POST",
                path: format!("{base}/1086H"),
                what: w.ep_open,
            },
            Endpoint {
                method: "POST",
                path: format!("{base}/{{hovedskjemaid}}/1086U"),
                what: w.ep_part,
            },
            Endpoint {
                method: "POST",
                path: format!("{base}/{{hovedskjemaid}}/bekreft?antall_underskjema={{antall}}"),
                what: w.ep_confirm,
            },
            Endpoint {
                method: "GET",
                path: format!("{base}/{{hovedskjemaid}}/dokumenter"),
                what: w.ep_documents,
            },
        ];
    }
    match &form.api {
        Some(_) if staged(&form) => {}
        Some(api) => endpoints.push(Endpoint {
            method: "GET",
            path: format!(
                "{}/v1/{{inntektsaar}}/forsendelser/{{forsendelseId}}/dokumenter/{{dokumentId}}",
                api.base
            ),
            what: w.ep_documents,
        }),
        None => endpoints.push(Endpoint {
            method: "GET",
            path: format!("/api/v1/skjema/{}/schema", form.id),
            what: w.ep_schema,
        }),
    }
    let mut facts = vec![
        (w.scope, form.m2m_scope()),
        (w.resource, form.resource.clone()),
        (w.packages, form.packages.join(", ")),
    ];
    if let Some(api) = &form.api {
        let years: Vec<String> = api.years.iter().map(ToString::to_string).collect();
        facts.push((w.years, years.join(", ")));
    }
    let limit = form
        .api
        .as_ref()
        .and_then(|a| a.body_limit())
        .unwrap_or(state.uploads.body_limit);
    facts.push((w.body_limit, crate::form::validate::size(limit as u64)));
    let fields = fields(&form, lang, w);
    let sums = form
        .computed
        .iter()
        .filter(|c| c.required)
        .map(|c| {
            (
                format_path(&c.bind),
                c.label
                    .as_ref()
                    .map(|l| l.get(lang).to_string())
                    .unwrap_or_default(),
                condition_in_words(&form, &c.value, lang),
            )
        })
        .collect();
    let rules = form
        .rules
        .iter()
        .map(|r| {
            (
                format_path(&r.path),
                condition_in_words(&form, &r.check, lang),
                r.message.get(lang).to_string(),
            )
        })
        .collect();
    let example = (!staged(&form))
        .then(|| {
            crate::form::testdata::generate(
                &form,
                &crate::form::testdata::Ask {
                    rows: None,
                    seed: 1,
                    break_check: None,
                },
            )
            .ok()
        })
        .flatten();
    let request = example
        .as_ref()
        .and_then(|d| serde_json::to_string_pretty(d).ok())
        .unwrap_or_default();
    let response = serde_json::to_string_pretty(&example_response(&form, example.as_ref()))
        .unwrap_or_default();
    let year = form
        .api
        .as_ref()
        .and_then(|a| a.years.first())
        .map_or(String::new(), ToString::to_string);
    let url = submit.replace("{inntektsaar}", &year);
    let org = crate::form::testdata::example_party(&form).unwrap_or_else(|| "ORGNR".to_owned());
    let curl = format!(
        "TOKEN=$(cargo run --release -q -- dev token --org {org} --scope {scope})\n\
         curl -s http://127.0.0.1:8080{url} \\\n  -H \"Authorization: Bearer $TOKEN\" -H \"Content-Type: application/json\" \\\n  -H \"idempotencyKey: $(cat /proc/sys/kernel/random/uuid)\" \\\n  --data @{file}.json",
        scope = form.m2m_scope(),
        file = form.id.to_lowercase(),
    );
    let title = form.title.get(lang).to_string();
    render(
        &FormView {
            base: Base::new(
                lang,
                format!("{} {title} – {}", form.id, w.index_title),
                format!("/systemleverandorer/{}", form.id),
            ),
            w,
            id: form.id.clone(),
            version: form.version.clone(),
            description: form.description.get(lang).to_string(),
            title,
            endpoints,
            facts,
            fields,
            sums,
            rules,
            errors: w.api_errors.to_vec(),
            field_errors: field_errors(&form, lang),
            changes: form.about.changes.as_ref().map(|t| t.get(lang).to_string()),
            request,
            response,
            curl,
            as_file: as_file(&state, &form, w),
        },
        StatusCode::OK,
    )
}

/// Every field the document can carry, with its type and checks in words.
fn fields(form: &Form, lang: Lang, w: &Words) -> Vec<FieldRow> {
    let mut out = Vec::new();
    for f in form.all_fields() {
        if matches!(f.kind, FieldKind::Static) || f.bind.is_empty() {
            continue;
        }
        let required = match &f.required {
            Required::Fixed(true) => w.yes.to_string(),
            Required::Fixed(false) => w.no.to_string(),
            Required::When(e) => format!("{} {}", w.when, when_in_words(form, e, lang)),
        };
        let mut checks = Vec::new();
        if let Some(e) = &f.when {
            checks.push(format!("{} {}", w.only_when, when_in_words(form, e, lang)));
        }
        if let Some(n) = f.max_length {
            checks.push(format!("{} {n}", w.max_length));
        }
        if let Some(x) = f.min {
            checks.push(format!("{} {x}", w.min));
        }
        if let Some(x) = f.max {
            checks.push(format!("{} {x}", w.max));
        }
        if let Some(p) = &f.pattern {
            checks.push(format!("{} {}", w.pattern, p.as_str()));
        }
        match &f.kind {
            FieldKind::Choice { options, .. } | FieldKind::MultiChoice { options } => {
                let values: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
                checks.push(format!("{} {}", w.values, values.join(", ")));
            }
            FieldKind::Either { alternatives } => {
                let keys: Vec<String> = alternatives
                    .iter()
                    .map(|a| format!("{} ({})", a.key, kind_words(&a.kind).get(lang)))
                    .collect();
                checks.push(format!("{} {}", w.exactly_one, keys.join(", ")));
            }
            _ => {}
        }
        out.push(FieldRow {
            sti: format_path(&f.bind),
            label: f.label.get(lang).to_string(),
            kind: kind_words(&f.kind).get(lang).to_string(),
            required,
            checks: checks.join("; "),
        });
    }
    out
}

/// The field-level codes the form's fields can give in `spesifisering`, with what they mean.
fn field_errors(form: &Form, lang: Lang) -> Vec<(&'static str, String)> {
    let mut codes: Vec<&'static str> = vec!["required"];
    let mut add = |c: &'static str| {
        if !codes.contains(&c) {
            codes.push(c);
        }
    };
    for f in form.all_fields() {
        let kind_codes: &[&'static str] = match &f.kind {
            FieldKind::Integer | FieldKind::Amount | FieldKind::Year => {
                &["not_number", "not_whole"]
            }
            FieldKind::Decimal | FieldKind::Percent => &["not_number"],
            FieldKind::Date => &["not_date"],
            FieldKind::DayMonth => &["not_daymonth"],
            FieldKind::YesNo => &["not_yesno"],
            FieldKind::Choice { .. } | FieldKind::MultiChoice { .. } => &["not_option"],
            FieldKind::Orgnr => &["orgnr"],
            FieldKind::Fnr => &["fnr"],
            FieldKind::Kontonummer => &["kontonummer"],
            FieldKind::Kommunenummer => &["kommunenummer"],
            FieldKind::Postnummer => &["postnummer"],
            FieldKind::Email => &["email"],
            FieldKind::Phone => &["phone"],
            FieldKind::Either { .. } => &["either_none", "either_many"],
            FieldKind::Group(_) => &["too_few_rows", "too_many_rows"],
            FieldKind::Attachment(_) => &["file_refused", "file_too_large"],
            FieldKind::Text | FieldKind::Textarea | FieldKind::Static => &[],
        };
        kind_codes.iter().for_each(|c| add(c));
        if f.min.is_some() {
            add("too_small");
        }
        if f.max.is_some() {
            add("too_large");
        }
        if f.max_length.is_some() {
            add("too_long");
        }
        if f.pattern.is_some() {
            add("pattern");
        }
    }
    if form.computed.iter().any(|c| c.required) {
        add("computed");
    }
    if !form.rules.is_empty() {
        add("rule");
    }
    codes
        .into_iter()
        .map(|c| (c, crate::i18n::vendor::code_meaning(c, lang).to_string()))
        .collect()
}

/// The answer a delivery of the example gets.
fn example_response(form: &Form, doc: Option<&Value>) -> Value {
    let ids = json!({
        "dialogId": "0193b1a2-7c4e-7d2a-9f1b-2c3d4e5f6a7b",
        "forsendelseId": "0193b1a2-7c4e-7d2a-9f1b-8a9b0c1d2e3f",
    });
    match (&form.api, doc) {
        (Some(_), Some(d)) => {
            let mut v = ids;
            if let (Some(m), Value::Object(counts)) = (
                v.as_object_mut(),
                crate::intake::receipt::leveranse_counts(d),
            ) {
                m.extend(counts);
            }
            v
        }
        _ => json!({
            "innsendingId": "5f0c2b7e-3a1d-4c8e-9b6f-1d2e3f4a5b6c",
            "referanse": "TS-7K4M-Q2XA",
            "dialogId": ids["dialogId"],
            "forsendelseId": ids["forsendelseId"],
            "sha256": "…",
        }),
    }
}
