//! What the public registers say when a form starts: whether the party has the registrations the
//! form requires (said on the start page, and checked again when the draft is made), and the
//! entries its answers are prefilled from. A register that does not answer never stops anyone:
//! the form starts without those answers, and a requirement it could not check is a warning.

use crate::auth::altinn::PartyId;
use crate::form::definition::Registration;
use crate::form::expr::RegisterEntry;
use crate::form::{Context, Form, Lang};
use crate::i18n::registers as words;
use crate::intake::registers::Answer;

use super::AppState;
use super::session::Signed;

/// The party's entry in Enhetsregisteret, when the form needs it and the party is an
/// organisation (`None` otherwise: nothing was asked).
pub(super) async fn unit(
    state: &AppState,
    s: &Signed,
    form: &Form,
) -> Option<Answer<RegisterEntry>> {
    let PartyId::Organisation(orgnr) = &s.party else {
        return None;
    };
    if !form.uses_enhetsregisteret() {
        return None;
    }
    Some(state.registers.unit(orgnr, s.sub_unit).await)
}

/// How the party stands against the form's `requires`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Standing {
    /// Nothing required, or everything in place.
    Clear,
    /// These registrations are missing (by the register's word, or because it has no such unit).
    Lacking(Vec<Registration>),
    /// The register could not be asked: the form may be started, with a warning.
    Unchecked,
}

/// The party's standing, from its entry (`None` when none was asked for: a person, or a form
/// without requirements).
pub(super) fn standing(form: &Form, unit: Option<&Answer<RegisterEntry>>) -> Standing {
    if form.requires.is_empty() {
        return Standing::Clear;
    }
    let lacking: Vec<Registration> = match unit {
        None => return Standing::Clear,
        Some(Answer::Unavailable) => return Standing::Unchecked,
        Some(Answer::Missing) => form.requires.clone(),
        Some(Answer::Found(e)) => form
            .requires
            .iter()
            .copied()
            .filter(|r| match r {
                Registration::Foretaksregisteret => !e.foretaksregisteret,
                Registration::Mva => !e.mva,
            })
            .collect(),
    };
    if lacking.is_empty() {
        Standing::Clear
    } else {
        Standing::Lacking(lacking)
    }
}

/// One missing registration, as the start page says it.
pub(super) struct Missing {
    /// The register.
    pub name: &'static str,
    /// What to do about it.
    pub todo: &'static str,
}

/// The start page's words on a party that may not start the form.
pub(super) struct Refusal {
    /// The heading.
    pub title: String,
    /// Before the list.
    pub intro: &'static str,
    /// What is missing.
    pub missing: Vec<Missing>,
    /// After the list.
    pub outro: &'static str,
}

/// What the start page says of the party's standing: a refusal, or a warning.
pub(super) fn said(
    form: &Form,
    standing: &Standing,
    party: &str,
    lang: Lang,
) -> (Option<Refusal>, Option<String>) {
    match standing {
        Standing::Clear => (None, None),
        Standing::Unchecked => (None, Some(words::unchecked_warning(&form.requires, lang))),
        Standing::Lacking(list) => (
            Some(Refusal {
                title: words::refused_title(party, lang),
                intro: words::refused_intro(lang),
                missing: list
                    .iter()
                    .map(|r| Missing {
                        name: words::registration_name(*r, lang),
                        todo: words::registration_todo(*r, lang),
                    })
                    .collect(),
                outro: words::refused_outro(lang),
            }),
            None,
        ),
    }
}

/// The context a new draft is prefilled from: the party's and person's, with what the registers
/// said of them (asked only when the form reads them; `unit` is the answer the start check got).
pub(super) async fn context(
    state: &AppState,
    s: &Signed,
    form: &Form,
    unit: Option<Answer<RegisterEntry>>,
) -> Context {
    let mut ctx = s.context();
    ctx.register = unit.and_then(Answer::found);
    if form.uses_folkeregisteret() {
        ctx.folkeregister = state.registers.person(&s.pid).await.found();
    }
    ctx
}
