//! The portal's words about the public registers, in bokmål, nynorsk and English: where a
//! prefilled answer came from, and what a form requires of the party it is sent for.

use crate::form::Lang;
use crate::form::definition::Registration;
use crate::form::expr::Register;

/// A register's name, as a sentence names it.
pub fn register_name(register: Register, lang: Lang) -> &'static str {
    match (register, lang) {
        (Register::Enhetsregisteret, Lang::Nb) => "Enhetsregisteret",
        (Register::Enhetsregisteret, Lang::Nn) => "Einingsregisteret",
        (Register::Enhetsregisteret, Lang::En) => {
            "the Central Coordinating Register for Legal Entities"
        }
        (Register::Folkeregisteret, Lang::Nb | Lang::Nn) => "Folkeregisteret",
        (Register::Folkeregisteret, Lang::En) => "the National Population Register",
    }
}

/// The note beside a prefilled answer: a locked one says where it came from and where to correct
/// it, an editable one that it may be changed.
pub fn source_note(register: Register, locked: bool, lang: Lang) -> String {
    let name = register_name(register, lang);
    match (locked, lang) {
        (true, Lang::Nb) => format!("Hentet fra {name}. Er det feil, må det rettes der."),
        (true, Lang::Nn) => format!("Henta frå {name}. Er det feil, må det rettast der."),
        (true, Lang::En) => {
            format!("Taken from {name}. If it is wrong, it must be corrected there.")
        }
        (false, Lang::Nb) => format!("Forhåndsutfylt fra {name}. Du kan endre svaret."),
        (false, Lang::Nn) => format!("Førehandsutfylt frå {name}. Du kan endre svaret."),
        (false, Lang::En) => format!("Prefilled from {name}. You can change the answer."),
    }
}

/// A registration's name.
pub fn registration_name(r: Registration, lang: Lang) -> &'static str {
    match (r, lang) {
        (Registration::Foretaksregisteret, Lang::Nb) => "Foretaksregisteret",
        (Registration::Foretaksregisteret, Lang::Nn) => "Føretaksregisteret",
        (Registration::Foretaksregisteret, Lang::En) => "the Register of Business Enterprises",
        (Registration::Mva, Lang::Nb) => "Merverdiavgiftsregisteret",
        (Registration::Mva, Lang::Nn) => "Meirverdiavgiftsregisteret",
        (Registration::Mva, Lang::En) => "the VAT Register",
    }
}

/// What to do to get a registration.
pub fn registration_todo(r: Registration, lang: Lang) -> &'static str {
    match (r, lang) {
        (Registration::Foretaksregisteret, Lang::Nb) => {
            "Registrer virksomheten hos Brønnøysundregistrene med Samordnet registermelding i Altinn."
        }
        (Registration::Foretaksregisteret, Lang::Nn) => {
            "Registrer verksemda hos Brønnøysundregistera med Samordna registermelding i Altinn."
        }
        (Registration::Foretaksregisteret, Lang::En) => {
            "Register the business with the Brønnøysund Register Centre, using the Coordinated Register Notification in Altinn."
        }
        (Registration::Mva, Lang::Nb) => {
            "Søk om registrering med Samordnet registermelding i Altinn når virksomheten har omsatt for mer enn 50 000 kroner."
        }
        (Registration::Mva, Lang::Nn) => {
            "Søk om registrering med Samordna registermelding i Altinn når verksemda har omsett for meir enn 50 000 kroner."
        }
        (Registration::Mva, Lang::En) => {
            "Apply for registration with the Coordinated Register Notification in Altinn once the business has a turnover above NOK 50,000."
        }
    }
}

/// The heading of the start page of a form the party may not start.
pub fn refused_title(party: &str, lang: Lang) -> String {
    match lang {
        Lang::Nb => format!("{party} kan ikke starte dette skjemaet ennå"),
        Lang::Nn => format!("{party} kan ikkje starte dette skjemaet enno"),
        Lang::En => format!("{party} cannot start this form yet"),
    }
}

/// Before the list of missing registrations.
pub fn refused_intro(lang: Lang) -> &'static str {
    match lang {
        Lang::Nb => {
            "Skjemaet er bare for virksomheter med registreringene under. Ifølge Enhetsregisteret mangler virksomheten:"
        }
        Lang::Nn => {
            "Skjemaet er berre for verksemder med registreringane under. Ifølgje Einingsregisteret manglar verksemda:"
        }
        Lang::En => {
            "The form is only for businesses with the registrations below. According to the Central Coordinating Register for Legal Entities, the business lacks:"
        }
    }
}

/// After the list of missing registrations.
pub fn refused_outro(lang: Lang) -> &'static str {
    match lang {
        Lang::Nb => {
            "Når registreringen er på plass, kan du starte skjemaet. Det kan ta noen dager før en ny registrering vises i Enhetsregisteret."
        }
        Lang::Nn => {
            "Når registreringa er på plass, kan du starte skjemaet. Det kan ta nokre dagar før ei ny registrering syner i Einingsregisteret."
        }
        Lang::En => {
            "Once the registration is in place, you can start the form. A new registration may take a few days to show in the register."
        }
    }
}

/// The warning when Enhetsregisteret could not be asked: the form may be started all the same.
pub fn unchecked_warning(required: &[Registration], lang: Lang) -> String {
    let names: Vec<&str> = required
        .iter()
        .map(|r| registration_name(*r, lang))
        .collect();
    let list = match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => {
            let and = match lang {
                Lang::Nb | Lang::Nn => "og",
                Lang::En => "and",
            };
            format!("{} {and} {last}", rest.join(", "))
        }
    };
    match lang {
        Lang::Nb => format!(
            "Vi fikk ikke sjekket Enhetsregisteret akkurat nå. Du kan starte skjemaet, men det krever at virksomheten er registrert i {list}."
        ),
        Lang::Nn => format!(
            "Vi fekk ikkje sjekka Einingsregisteret akkurat no. Du kan starte skjemaet, men det krev at verksemda er registrert i {list}."
        ),
        Lang::En => format!(
            "We could not check the Central Coordinating Register for Legal Entities just now. You can start the form, but it requires the business to be registered in {list}."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_in_every_language() {
        for lang in Lang::ALL {
            for r in [Register::Enhetsregisteret, Register::Folkeregisteret] {
                assert!(!source_note(r, true, lang).is_empty());
                assert!(!source_note(r, false, lang).is_empty());
            }
            for r in Registration::ALL {
                assert!(!registration_name(r, lang).is_empty());
                assert!(!registration_todo(r, lang).is_empty());
            }
        }
        assert_eq!(
            source_note(Register::Enhetsregisteret, true, Lang::Nb),
            "Hentet fra Enhetsregisteret. Er det feil, må det rettes der."
        );
        assert!(
            unchecked_warning(&Registration::ALL, Lang::Nb)
                .ends_with("registrert i Foretaksregisteret og Merverdiavgiftsregisteret.")
        );
        assert!(
            unchecked_warning(&[Registration::Mva], Lang::En).ends_with("in the VAT Register.")
        );
    }
}
