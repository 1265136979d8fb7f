//! The party's inbox: each submission becomes a Dialogporten dialog with the submission as its
//! first transmission, and the domain system's feedback a later transmission related to it. The
//! dialog's status follows Dialogporten's lifecycle: `Awaiting` while the domain system checks the
//! submission, then `Completed` when it is accepted, or `RequiresAttention` when it is rejected
//! (the party must send a corrected one). The ids were chosen when the submission was stored, so
//! a repeated delivery is the same delivery.

use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use super::delivery::DeliveryError;
use super::dialogporten::{
    self as dp, Actor, Attachment, AttachmentUrl, ConsumerType, Content, ContentValue,
    DialogStatus, DialogportenClient, Localization, NewDialog, NewTransmission, TokenSource,
    TransmissionType,
};
use super::domain::Feedback;
use super::outbox::Inbox;
use crate::auth::maskinporten_client::MaskinportenClient;
use crate::form::Form;
use crate::form::definition::Text;
use crate::store::SubmissionRow;

#[async_trait]
impl TokenSource for MaskinportenClient {
    async fn token(&self) -> anyhow::Result<String> {
        MaskinportenClient::token(self).await
    }
}

/// Delivery to Dialogporten.
pub struct DialogportenInbox {
    client: DialogportenClient,
    public_url: String,
}

impl DialogportenInbox {
    /// Delivers through `client`; links in the inbox lead to the portal at `public_url`.
    pub fn new(client: DialogportenClient, public_url: &str) -> Arc<DialogportenInbox> {
        Arc::new(DialogportenInbox {
            client,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }
}

impl DialogportenInbox {
    /// A file of the submission as a transmission attachment: its name, and the portal's download
    /// address (which only the person and party that own the submission can open).
    fn file_attachment(&self, s: &SubmissionRow, f: &crate::store::AttachmentRow) -> Attachment {
        let url = format!("{}/innsendt/{}/vedlegg/{}", self.public_url, s.id, f.id);
        link(&f.name, url, &f.media_type)
    }
}

/// An attachment in every language under one name, opened at the portal's `url`.
fn link(name: &str, url: String, media_type: &str) -> Attachment {
    Attachment {
        display_name: ["nb", "nn", "en"]
            .into_iter()
            .map(|l| Localization {
                language_code: l.into(),
                value: name.to_owned(),
            })
            .collect(),
        urls: vec![AttachmentUrl {
            url,
            media_type: Some(media_type.to_owned()),
            consumer_type: ConsumerType::Gui,
        }],
    }
}

impl DialogportenInbox {
    /// A document the decision issued (a certificate) as a transmission attachment: the portal's
    /// download address, which only the person and party that own the submission can open.
    fn document_attachment(&self, s: &SubmissionRow, d: &crate::store::DocumentRow) -> Attachment {
        let url = format!("{}/innsendt/{}/dokument/{}", self.public_url, s.id, d.id);
        link(&d.name, url, &d.media_type)
    }
}

fn id(s: &str) -> Result<Uuid, DeliveryError> {
    Uuid::parse_str(s).map_err(|e| DeliveryError::Unusable(format!("a stored id: {e}")))
}

fn text(nb: String, nn: String, en: String) -> Text {
    Text {
        nb,
        nn: Some(nn),
        en: Some(en),
    }
}

fn plain(t: Text) -> ContentValue {
    ContentValue::plain(&t)
}

/// The most characters Dialogporten takes in a content value (a title, a summary).
const MAX_TEXT: usize = 255;

/// `s` as Dialogporten takes it: whole when it fits, else cut after a word with "…" (the whole
/// text is on the receipt, which the transmission links to).
fn fitted(s: String) -> String {
    if s.chars().count() <= MAX_TEXT {
        return s;
    }
    let head: String = s.chars().take(MAX_TEXT - 1).collect();
    let at = head
        .rfind(' ')
        .filter(|&i| i > head.len() / 2)
        .unwrap_or(head.len());
    format!("{}…", head[..at].trim_end())
}

fn sender(s: &SubmissionRow) -> Actor {
    match s.submitter.strip_prefix("person:") {
        Some(pid) => Actor::person(pid),
        None => Actor::named(&s.submitter),
    }
}

#[async_trait]
impl Inbox for DialogportenInbox {
    async fn submission(
        &self,
        s: &SubmissionRow,
        form: &Form,
        files: &[crate::store::AttachmentRow],
    ) -> Result<(), DeliveryError> {
        let party = dp::party_urn(&s.party)
            .ok_or_else(|| DeliveryError::Unusable(format!("party {}", s.party)))?;
        let title = &form.title;
        let dialog = NewDialog {
            id: id(&s.dialog_id)?,
            service_resource: dp::resource_urn(&form.resource),
            party,
            status: DialogStatus::Awaiting,
            content: Content {
                title: ContentValue::plain(title),
                summary: Some(plain(text(
                    format!("Sendt inn med referanse {}.", s.reference),
                    format!("Sendt inn med referanse {}.", s.reference),
                    format!("Submitted with reference {}.", s.reference),
                ))),
            },
            external_reference: Some(s.reference.clone()),
            transmissions: Vec::new(),
        };
        self.client.create_dialog(&dialog).await?;
        let receipt = format!("{}/innsendt/{}", self.public_url, s.id);
        let transmission = NewTransmission {
            id: id(&s.transmission_id)?,
            kind: TransmissionType::Submission,
            related_transmission_id: None,
            sender: sender(s),
            content: Content {
                title: plain(text(
                    format!("{} {}", form.id, form.title.nb),
                    format!("{} {}", form.id, form.title.get(crate::form::Lang::Nn)),
                    format!("{} {}", form.id, form.title.get(crate::form::Lang::En)),
                )),
                summary: Some(plain(text(
                    format!("Referanse {}. SHA-256 {}.", s.reference, s.sha256),
                    format!("Referanse {}. SHA-256 {}.", s.reference, s.sha256),
                    format!("Reference {}. SHA-256 {}.", s.reference, s.sha256),
                ))),
            },
            attachments: std::iter::once(Attachment {
                display_name: vec![
                    Localization {
                        language_code: "nb".into(),
                        value: "Kvittering".into(),
                    },
                    Localization {
                        language_code: "nn".into(),
                        value: "Kvittering".into(),
                    },
                    Localization {
                        language_code: "en".into(),
                        value: "Receipt".into(),
                    },
                ],
                urls: vec![AttachmentUrl {
                    url: receipt,
                    media_type: Some("text/html".into()),
                    consumer_type: ConsumerType::Gui,
                }],
            })
            .chain(files.iter().map(|f| self.file_attachment(s, f)))
            .collect(),
            external_reference: Some(s.reference.clone()),
        };
        self.client
            .create_transmission(dialog.id, &transmission)
            .await?;
        Ok(())
    }

    async fn feedback(
        &self,
        s: &SubmissionRow,
        form: &Form,
        f: &Feedback,
        documents: &[crate::store::DocumentRow],
    ) -> Result<(), DeliveryError> {
        let tid = f
            .transmission_id
            .as_deref()
            .ok_or_else(|| DeliveryError::Unusable("feedback without a transmission id".into()))?;
        let accepted = f.status == "godkjent";
        let messages: Vec<String> = f
            .meldinger
            .iter()
            .map(|m| match &m.sti {
                Some(sti) => format!("{sti}: {}", m.melding),
                None => m.melding.clone(),
            })
            .collect();
        let mut summary = messages.join(" ");
        if let Some(v) = &f.vedtak {
            summary = v.summary();
        }
        // A rejection of a large delivery may say much more than a summary holds.
        let summary = fitted(summary);
        let transmission = NewTransmission {
            id: id(tid)?,
            kind: if accepted {
                TransmissionType::Acceptance
            } else {
                TransmissionType::Rejection
            },
            related_transmission_id: Some(id(&s.transmission_id)?),
            sender: Actor::service_owner(),
            // The verdict is the transmission's type, which every inbox shows beside the title:
            // the title names what is answered, not the verdict again.
            content: Content {
                title: plain(feedback_title(form, &s.reference)),
                summary: (!summary.is_empty())
                    .then(|| plain(text(summary.clone(), summary.clone(), summary))),
            },
            attachments: documents
                .iter()
                .map(|d| self.document_attachment(s, d))
                .collect(),
            external_reference: Some(s.reference.clone()),
        };
        let dialog = id(&s.dialog_id)?;
        self.client
            .create_transmission(dialog, &transmission)
            .await?;
        // The dialog's status follows: done when accepted; the party must act when rejected.
        let status = if accepted {
            DialogStatus::Completed
        } else {
            DialogStatus::RequiresAttention
        };
        self.client.set_status(dialog, status).await
    }
}

/// The title of the domain system's answer: which submission it answers.
fn feedback_title(form: &Form, reference: &str) -> Text {
    text(
        format!("Svar på {} med referanse {reference}", form.id),
        format!("Svar på {} med referanse {reference}", form.id),
        format!("Reply to {} with reference {reference}", form.id),
    )
}

#[cfg(test)]
mod tests {
    use super::{MAX_TEXT, fitted};

    #[test]
    fn a_long_feedback_is_cut_after_a_word_to_what_dialogporten_takes() {
        let short = "leveranse.oppgave[0]: ugyldig".to_string();
        assert_eq!(fitted(short.clone()), short);
        let long = (0..100)
            .map(|i| format!("leveranse.oppgave[{i}].oppgaveeier: finnes ikke i Enhetsregisteret."))
            .collect::<Vec<_>>()
            .join(" ");
        let cut = fitted(long.clone());
        assert!(cut.chars().count() <= MAX_TEXT, "{}", cut.chars().count());
        assert!(cut.ends_with('…'), "{cut}");
        assert!(long.starts_with(cut.trim_end_matches('…')), "{cut}");
        assert!(!cut.trim_end_matches('…').ends_with(' '));
        // A text of one long word (no space to cut at) is cut where it must be.
        let word = "æ".repeat(400);
        assert_eq!(fitted(word).chars().count(), MAX_TEXT);
    }
}
