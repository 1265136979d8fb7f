//! The inbox page: a party's dialogs and transmissions as plain HTML, for someone trying the
//! portal to see what it delivered.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::checks::is_web_url;
use super::http::{ReadQuery, failed};
use super::store::{DialogportenState, TransmissionRow};
use crate::auth::altinn::urn;
use crate::form::Lang;
use crate::form::no::{Fodselsnummer, Orgnr};
use crate::intake::dialogporten::{Attachment, Content, ContentValue};

/// A text as shown: bokmål, or the first language there is (then marked with its `lang`).
struct Shown {
    text: String,
    lang: Option<String>,
}

impl Shown {
    fn of(v: &ContentValue) -> Shown {
        match v.value.iter().find(|l| l.language_code == "nb") {
            Some(l) => Shown {
                text: l.value.clone(),
                lang: None,
            },
            None => Shown {
                text: v.value.first().map(|l| l.value.clone()).unwrap_or_default(),
                lang: v.value.first().map(|l| l.language_code.clone()),
            },
        }
    }
}

/// A moment: machine-readable and as people read it.
struct When {
    iso: String,
    shown: String,
}

impl When {
    fn of(iso: &str) -> When {
        // The page is in bokmål, so the time is Oslo's, written the Norwegian way.
        let shown =
            time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339)
                .map(|t| crate::i18n::shown(t, Lang::Nb))
                .unwrap_or_else(|_| iso.to_owned());
        When {
            iso: iso.to_owned(),
            shown,
        }
    }
}

struct InboxAttachment {
    name: String,
    url: Option<String>,
}

/// The transmission another one answers: its id and title.
struct Related {
    id: String,
    title: String,
}

struct InboxTransmission {
    id: String,
    kind: &'static str,
    title: Shown,
    summary: Option<Shown>,
    created: When,
    /// The transmission it answers.
    related: Option<Related>,
    attachments: Vec<InboxAttachment>,
}

impl InboxTransmission {
    fn of(t: &TransmissionRow, all: &[&TransmissionRow]) -> anyhow::Result<Self> {
        let content: Content = serde_json::from_str(&t.content)?;
        let attachments: Vec<Attachment> = serde_json::from_str(&t.attachments)?;
        let related = match &t.related_transmission_id {
            None => None,
            Some(r) => {
                let title = match all.iter().find(|x| &x.id == r) {
                    Some(x) => {
                        let c: Content = serde_json::from_str(&x.content)?;
                        Shown::of(&c.title).text
                    }
                    None => r.clone(),
                };
                Some(Related {
                    id: r.clone(),
                    title,
                })
            }
        };
        Ok(InboxTransmission {
            id: t.id.clone(),
            kind: transmission_nb(&t.kind),
            title: Shown::of(&content.title),
            summary: content.summary.as_ref().map(Shown::of),
            created: When::of(&t.created_at),
            related,
            attachments: attachments
                .iter()
                .map(|a| InboxAttachment {
                    name: a
                        .display_name
                        .iter()
                        .find(|l| l.language_code == "nb")
                        .or(a.display_name.first())
                        .map(|l| l.value.clone())
                        .unwrap_or_default(),
                    url: a
                        .urls
                        .iter()
                        .find(|u| is_web_url(&u.url))
                        .map(|u| u.url.clone()),
                })
                .collect(),
        })
    }
}

struct InboxDialog {
    id: String,
    title: Shown,
    summary: Option<Shown>,
    status: &'static str,
    reference: Option<String>,
    created: When,
    transmissions: Vec<InboxTransmission>,
}

fn status_nb(s: &str) -> &'static str {
    match s {
        "InProgress" => "Under arbeid",
        "Draft" => "Utkast",
        "RequiresAttention" => "Krever handling",
        "Completed" => "Fullført",
        "NotApplicable" => "Ingen status",
        "Awaiting" => "Venter på svar",
        _ => "Ukjent",
    }
}

fn transmission_nb(kind: &str) -> &'static str {
    match kind {
        "Information" => "Informasjon",
        "Acceptance" => "Godkjent",
        "Rejection" => "Avvist",
        "Request" => "Forespørsel",
        "Alert" => "Varsel",
        "Decision" => "Vedtak",
        "Submission" => "Innsending",
        "Correction" => "Korrigering",
        _ => "Melding",
    }
}

/// The inbox page: plain HTML, no script, every value escaped by the template.
#[derive(Template)]
#[template(
    ext = "html",
    source = r##"<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% if error.is_some() %}Feil – {% endif %}{% if let Some(p) = party %}{{ p }} – {% endif %}Innboks – Dialogporten (innebygd)</title>
</head>
<body>
<main>
<p role="note"><strong>Testdata – bare for utvikling.</strong> Denne siden viser innboksen til hvilken som helst part uten innlogging, og finnes derfor aldri i produksjon.
<span lang="en">Test data, development only: never served in production.</span></p>
<h1>Innboks i Dialogporten</h1>
<p>Dette er den innebygde utgaven av Dialogporten. Her ser du det portalen har levert til innboksen til en part.</p>
<form method="get">
<p><label for="part">Organisasjonsnummer eller fødselsnummer</label><br>
<span id="part-hint">9 siffer for en virksomhet, 11 siffer for en person.</span><br>
{% if let Some(e) = error %}<span id="part-error" role="alert">{{ e }}</span><br>
<input id="part" name="part" type="text" inputmode="numeric" autocomplete="off" spellcheck="false" required value="{{ typed }}" aria-describedby="part-hint part-error" aria-invalid="true">
{% else %}<input id="part" name="part" type="text" inputmode="numeric" autocomplete="off" spellcheck="false" required value="{{ typed }}" aria-describedby="part-hint">
{% endif %}</p>
<p><button type="submit">Vis innboksen</button></p>
</form>
{% if let Some(p) = party %}
<h2>Dialoger for {{ p }}</h2>
{% if dialogs.is_empty() %}<p>Ingen dialoger for denne parten.</p>
{% else %}<ol>
{% for d in dialogs %}<li>
<article aria-labelledby="d-{{ d.id }}">
<h3 id="d-{{ d.id }}"{% if let Some(l) = d.title.lang %} lang="{{ l }}"{% endif %}>{{ d.title.text }}</h3>
{% if let Some(s) = d.summary %}<p{% if let Some(l) = s.lang %} lang="{{ l }}"{% endif %}>{{ s.text }}</p>
{% endif %}<dl>
<dt>Status</dt><dd>{{ d.status }}</dd>
{% if let Some(r) = d.reference %}<dt>Referanse</dt><dd>{{ r }}</dd>
{% endif %}<dt>Opprettet</dt><dd><time datetime="{{ d.created.iso }}">{{ d.created.shown }}</time></dd>
</dl>
{% if d.transmissions.is_empty() %}<p>Ingen forsendelser ennå.</p>
{% else %}<ol aria-label="Forsendelser">
{% for t in d.transmissions %}<li id="t-{{ t.id }}">
<p><strong>{{ t.kind }}:</strong> <span{% if let Some(l) = t.title.lang %} lang="{{ l }}"{% endif %}>{{ t.title.text }}</span>
– <time datetime="{{ t.created.iso }}">{{ t.created.shown }}</time></p>
{% if let Some(s) = t.summary %}<p{% if let Some(l) = s.lang %} lang="{{ l }}"{% endif %}>{{ s.text }}</p>
{% endif %}{% if let Some(r) = t.related %}<p>Svar på: <a href="#t-{{ r.id }}">{{ r.title }}</a></p>
{% endif %}{% if !t.attachments.is_empty() %}<ul aria-label="Vedlegg">
{% for a in t.attachments %}<li>{% if let Some(u) = a.url %}<a href="{{ u }}">{{ a.name }}</a>{% else %}{{ a.name }}{% endif %}</li>
{% endfor %}</ul>
{% endif %}</li>
{% endfor %}</ol>
{% endif %}</article>
</li>
{% endfor %}</ol>
{% endif %}{% endif %}</main>
</body>
</html>
"##
)]
struct InboxView {
    typed: String,
    error: Option<&'static str>,
    party: Option<String>,
    dialogs: Vec<InboxDialog>,
}

/// The party's dialogs as the inbox shows them, newest first, each with its transmissions in
/// order.
async fn inbox(state: &DialogportenState, party: &str) -> anyhow::Result<Vec<InboxDialog>> {
    let (dialogs, rows) = state.party_dialogs(party).await?;
    let mut out = Vec::with_capacity(dialogs.len());
    for d in dialogs {
        let content: Content = serde_json::from_str(&d.content)?;
        let mine: Vec<&TransmissionRow> = rows.iter().filter(|t| t.dialog_id == d.id).collect();
        let mut transmissions = Vec::with_capacity(mine.len());
        for t in &mine {
            transmissions.push(InboxTransmission::of(t, &mine)?);
        }
        out.push(InboxDialog {
            title: Shown::of(&content.title),
            summary: content.summary.as_ref().map(Shown::of),
            status: status_nb(&d.status),
            reference: d.external_reference,
            created: When::of(&d.created_at),
            transmissions,
            id: d.id,
        });
    }
    Ok(out)
}

/// A party typed by a person: its URN and how it is shown, or what is wrong with it.
fn read_party(input: &str) -> Result<(String, String), &'static str> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Err("Skriv inn et organisasjonsnummer eller et fødselsnummer.");
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Bruk bare siffer.");
    }
    match digits.len() {
        9 => match Orgnr::parse(&digits) {
            Ok(_) => Ok((format!("{}:{digits}", urn::ORGANISATION), digits)),
            Err(_) => Err("Organisasjonsnummeret finnes ikke: kontrollsifferet stemmer ikke."),
        },
        11 => match Fodselsnummer::parse(&digits) {
            Ok(_) => Ok((format!("{}:{digits}", urn::PERSON), digits)),
            Err(_) => Err("Fødselsnummeret er ikke gyldig. Sjekk at alle 11 siffer er riktige."),
        },
        _ => Err("Et organisasjonsnummer har 9 siffer og et fødselsnummer 11."),
    }
}

pub(super) async fn view_inbox(
    State(state): State<Arc<DialogportenState>>,
    Query(q): Query<ReadQuery>,
) -> Response {
    let typed = q.part.unwrap_or_default();
    let mut view = InboxView {
        typed: typed.clone(),
        error: None,
        party: None,
        dialogs: Vec::new(),
    };
    let mut status = StatusCode::OK;
    if !typed.is_empty() {
        match read_party(&typed) {
            Ok((party_urn, shown)) => match inbox(&state, &party_urn).await {
                Ok(list) => {
                    view.party = Some(shown);
                    view.dialogs = list;
                }
                Err(e) => return failed(e),
            },
            Err(message) => {
                view.error = Some(message);
                status = StatusCode::BAD_REQUEST;
            }
        }
    }
    match view.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => failed(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_party_is_read_as_people_write_it() {
        assert_eq!(
            read_party(" 819 897 522 ").unwrap().0,
            "urn:altinn:organization:identifier-no:819897522"
        );
        assert_eq!(
            read_party("12837810092").unwrap().0,
            "urn:altinn:person:identifier-no:12837810092"
        );
        assert!(read_party("819897523").is_err());
        assert!(read_party("8198975").is_err());
        assert!(read_party("abc").is_err());
    }
}
