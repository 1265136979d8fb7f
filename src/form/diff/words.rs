//! The sentences: each [`Change`] in bokmål, nynorsk or English.

use super::*;
use crate::form::definition::{Lang, Level, Registration, Text};
use crate::form::expr::{decimal_number, quoted, whole_number};

fn pick<'s>(lang: Lang, nb: &'s str, nn: &'s str, en: &'s str) -> &'s str {
    match lang {
        Lang::Nb => nb,
        Lang::Nn => nn,
        Lang::En => en,
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Change {
    /// The change as one sentence in `lang`, for the form's owners.
    pub fn words(&self, lang: Lang) -> String {
        let s = match self {
            Change::Form(c) => c.words(lang),
            Change::Api(c) => c.words(lang),
            Change::Page { page, change } => change.words(page, lang),
            Change::Field { field, change } => change.words(field, lang),
            Change::Computed { value, change } => change.words(value, lang),
            Change::Rule { at, change } => change.words(at, lang),
            Change::Schema(c) => c.words(lang),
        };
        let s = capitalised(&s);
        // A sentence that ends on a quoted sentence has its full stop inside the quotes.
        let ends_quoted = s.trim_end_matches(['»', '”']).ends_with(['.', '!', '?']);
        if ends_quoted { s } else { format!("{s}.") }
    }
}

impl Named {
    /// ««Beløp» (rader[*].belop)», or the path alone when there is no label.
    fn label_and_key(&self, lang: Lang) -> String {
        match (&self.label, self.key.is_empty()) {
            (Some(l), false) => format!("{} ({})", quoted(lang, l.get(lang)), self.key),
            (Some(l), true) => quoted(lang, l.get(lang)),
            (None, _) => self.key.clone(),
        }
    }

    /// The part as the subject of a sentence: «feltet «Beløp» (rader[*].belop)».
    fn subject(&self, lang: Lang) -> String {
        let it = self.label_and_key(lang);
        match &self.thing {
            Thing::Page => format!("{} {it}", pick(lang, "siden", "sida", "the page")),
            Thing::Field => format!("{} {it}", pick(lang, "feltet", "feltet", "the field")),
            Thing::Group => format!("{} {it}", pick(lang, "gruppen", "gruppa", "the group")),
            Thing::Attachment => format!(
                "{} {it}",
                pick(
                    lang,
                    "vedleggsfeltet",
                    "vedleggsfeltet",
                    "the attachment field"
                )
            ),
            Thing::Alternative => format!(
                "{} {it}",
                pick(lang, "alternativet", "alternativet", "the alternative")
            ),
            Thing::Static(page) => {
                let page = quoted(lang, page.get(lang));
                let text = if self.label.is_some() {
                    format!("{} {it}", pick(lang, "teksten", "teksten", "the text"))
                } else {
                    pick(lang, "en tekst", "ein tekst", "a text").to_string()
                };
                match lang {
                    Lang::Nb => format!("{text} på siden {page}"),
                    Lang::Nn => format!("{text} på sida {page}"),
                    Lang::En => format!("{text} on the page {page}"),
                }
            }
            Thing::Computed => format!(
                "{} {it}",
                pick(
                    lang,
                    "den beregnede verdien",
                    "den utrekna verdien",
                    "the computed value"
                )
            ),
            Thing::Place => format!(
                "{} {it}",
                pick(lang, "regelen ved", "regelen ved", "the rule at")
            ),
        }
    }

    /// «ny» or «nytt» after the noun of this part.
    fn new_word(&self, lang: Lang) -> &'static str {
        let neuter = matches!(
            self.thing,
            Thing::Field | Thing::Attachment | Thing::Alternative
        );
        match (lang, neuter) {
            (Lang::En, _) => "new",
            (_, true) => "nytt",
            (_, false) => "ny",
        }
    }
}

impl TextPart {
    /// The text with its definite article: «ledeteksten».
    fn the(&self, lang: Lang) -> String {
        let q = |v: &str| quoted(lang, v);
        match self {
            TextPart::Title => pick(lang, "tittelen", "tittelen", "the title").into(),
            TextPart::Description => {
                pick(lang, "beskrivelsen", "skildringa", "the description").into()
            }
            TextPart::Intro => pick(lang, "innledningen", "innleiinga", "the introduction").into(),
            TextPart::Label => pick(lang, "ledeteksten", "leieteksten", "the label").into(),
            TextPart::Hint => pick(lang, "beskrivelsen", "skildringa", "the hint").into(),
            TextPart::Help => pick(lang, "hjelpeteksten", "hjelpeteksten", "the help text").into(),
            TextPart::RowLabel => {
                pick(lang, "radoverskriften", "radoverskrifta", "the row heading").into()
            }
            TextPart::AddLabel => pick(
                lang,
                "teksten på knappen for ny rad",
                "teksten på knappen for ny rad",
                "the text of the add-row button",
            )
            .into(),
            TextPart::Message => pick(lang, "meldingen", "meldinga", "the message").into(),
            TextPart::OptionLabel(v) => match lang {
                Lang::Nb => format!("teksten til valget {}", q(v)),
                Lang::Nn => format!("teksten til valet {}", q(v)),
                Lang::En => format!("the text of the option {}", q(v)),
            },
            TextPart::OptionHint(v) => match lang {
                Lang::Nb => format!("beskrivelsen av valget {}", q(v)),
                Lang::Nn => format!("skildringa av valet {}", q(v)),
                Lang::En => format!("the hint of the option {}", q(v)),
            },
        }
    }
}

/// The languages in which two versions of a text differ.
fn languages_changed(old: &Text, new: &Text) -> Vec<Lang> {
    let mut out = Vec::new();
    if old.nb != new.nb {
        out.push(Lang::Nb);
    }
    if old.nn != new.nn {
        out.push(Lang::Nn);
    }
    if old.en != new.en {
        out.push(Lang::En);
    }
    out
}

/// «bokmål og engelsk», «Bokmål, Nynorsk and English».
fn language_list(langs: &[Lang], lang: Lang) -> String {
    let names: Vec<&str> = langs
        .iter()
        .map(|l| match (l, lang) {
            (Lang::Nb, Lang::En) => "Bokmål",
            (Lang::Nn, Lang::En) => "Nynorsk",
            (Lang::En, Lang::En) => "English",
            (Lang::Nb, _) => "bokmål",
            (Lang::Nn, _) => "nynorsk",
            (Lang::En, _) => "engelsk",
        })
        .collect();
    let and = pick(lang, "og", "og", "and");
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} {and} {last}", rest.join(", ")),
    }
}

/// A sentence on a changed text: added, removed, or changed in some languages (shown in the
/// reader's language when it is one of them).
fn text_sentence(
    subject: &str,
    part: &TextPart,
    old: Option<&Text>,
    new: Option<&Text>,
    lang: Lang,
) -> String {
    let what = part.the(lang);
    let q = |t: &Text, l: Lang| quoted(lang, t.get(l));
    match (old, new) {
        (None, Some(n)) => {
            let n = q(n, lang);
            match lang {
                Lang::Nb | Lang::Nn => format!("{subject}: {what} er ny: {n}"),
                Lang::En => format!("{subject}: {what} is new: {n}"),
            }
        }
        (Some(o), None) => {
            let o = q(o, lang);
            match lang {
                Lang::Nb => format!("{subject}: {what} er fjernet (var: {o})"),
                Lang::Nn => format!("{subject}: {what} er fjerna (var: {o})"),
                Lang::En => format!("{subject}: {what} has been removed (was: {o})"),
            }
        }
        (Some(o), Some(n)) => {
            let langs = languages_changed(o, n);
            let shown = if langs.contains(&lang) {
                lang
            } else {
                langs.first().copied().unwrap_or(lang)
            };
            let list = language_list(&langs, lang);
            let (o, n) = (q(o, shown), q(n, shown));
            match lang {
                Lang::Nb => format!("{subject}: {what} er endret på {list}: {o} → {n}"),
                Lang::Nn => format!("{subject}: {what} er endra på {list}: {o} → {n}"),
                Lang::En => format!("{subject}: {what} has changed in {list}: {o} → {n}"),
            }
        }
        (None, None) => subject.to_string(),
    }
}

/// A sentence on when a page or field is shown.
fn condition_sentence(subject: &str, old: Option<&Text>, new: Option<&Text>, lang: Lang) -> String {
    let old = old.map(|t| t.get(lang));
    let new = new.map(|t| t.get(lang));
    match (old, new, lang) {
        (None, Some(n), Lang::Nb) => format!("{subject} vises nå bare når {n}"),
        (None, Some(n), Lang::Nn) => format!("{subject} blir no berre vist når {n}"),
        (None, Some(n), Lang::En) => format!("{subject} is now shown only when {n}"),
        (Some(o), None, Lang::Nb) => format!("{subject} vises nå alltid (før bare når {o})"),
        (Some(o), None, Lang::Nn) => format!("{subject} blir no alltid vist (før berre når {o})"),
        (Some(o), None, Lang::En) => {
            format!("{subject} is now always shown (before only when {o})")
        }
        (Some(o), Some(n), Lang::Nb) => format!("{subject} vises nå bare når {n} (før: når {o})"),
        (Some(o), Some(n), Lang::Nn) => {
            format!("{subject} blir no berre vist når {n} (før: når {o})")
        }
        (Some(o), Some(n), Lang::En) => {
            format!("{subject} is now shown only when {n} (before: when {o})")
        }
        (None, None, _) => subject.to_string(),
    }
}

fn level_words(level: Level, lang: Lang) -> &'static str {
    match level {
        Level::Substantial => pick(lang, "betydelig", "betydeleg", "substantial"),
        Level::High => pick(lang, "høyt", "høgt", "high"),
    }
}

impl FormChange {
    fn words(&self, lang: Lang) -> String {
        let q = |s: &str| quoted(lang, s);
        let form = pick(lang, "skjemaet", "skjemaet", "the form");
        match self {
            FormChange::Text { part, old, new } => {
                text_sentence(form, part, old.as_ref(), new.as_ref(), lang)
            }
            FormChange::Area { old, new } => {
                let (o, n) = (q(old), q(new));
                match lang {
                    Lang::Nb => format!("skjemaet hører nå til tjenesteområdet {n} (før: {o})"),
                    Lang::Nn => format!("skjemaet høyrer no til tenesteområdet {n} (før: {o})"),
                    Lang::En => format!("the form now belongs to the service area {n} (before: {o})"),
                }
            }
            FormChange::Resource { old, new } => {
                let (o, n) = (q(old), q(new));
                match lang {
                    Lang::Nb => format!("skjemaet bruker nå Altinn-ressursen {n} (før: {o})"),
                    Lang::Nn => format!("skjemaet brukar no Altinn-ressursen {n} (før: {o})"),
                    Lang::En => format!("the form now uses the Altinn resource {n} (before: {o})"),
                }
            }
            FormChange::Level { old, new } => {
                let (o, n) = (level_words(*old, lang), level_words(*new, lang));
                match lang {
                    Lang::Nb => {
                        format!("skjemaet krever nå innlogging på sikkerhetsnivå {n} (før: {o})")
                    }
                    Lang::Nn => {
                        format!("skjemaet krev no innlogging på tryggleiksnivå {n} (før: {o})")
                    }
                    Lang::En => {
                        format!("the form now requires login at assurance level {n} (before: {o})")
                    }
                }
            }
            FormChange::Persons(true) => pick(
                lang,
                "personer kan nå sende skjemaet for seg selv",
                "personar kan no sende skjemaet for seg sjølve",
                "people may now submit the form for themselves",
            )
            .into(),
            FormChange::Persons(false) => pick(
                lang,
                "personer kan ikke lenger sende skjemaet for seg selv, bare for en organisasjon",
                "personar kan ikkje lenger sende skjemaet for seg sjølve, berre for ein organisasjon",
                "people may no longer submit the form for themselves, only for an organisation",
            )
            .into(),
            FormChange::Requires {
                registration,
                added,
            } => {
                let (nb, nn, en) = match registration {
                    Registration::Foretaksregisteret => (
                        "Foretaksregisteret",
                        "Føretaksregisteret",
                        "the Register of Business Enterprises",
                    ),
                    Registration::Mva => (
                        "Merverdiavgiftsregisteret",
                        "Meirverdiavgiftsregisteret",
                        "the VAT Register",
                    ),
                };
                match (lang, added) {
                    (Lang::Nb, true) => {
                        format!("bare organisasjoner registrert i {nb} kan nå starte skjemaet")
                    }
                    (Lang::Nn, true) => {
                        format!("berre organisasjonar registrerte i {nn} kan no starte skjemaet")
                    }
                    (Lang::En, true) => format!(
                        "only organisations registered in {en} may now start the form"
                    ),
                    (Lang::Nb, false) => format!(
                        "organisasjoner trenger ikke lenger være registrert i {nb} for å starte skjemaet"
                    ),
                    (Lang::Nn, false) => format!(
                        "organisasjonar treng ikkje lenger vere registrerte i {nn} for å starte skjemaet"
                    ),
                    (Lang::En, false) => format!(
                        "organisations no longer need to be registered in {en} to start the form"
                    ),
                }
            }
            FormChange::Package { package, added } => {
                let p = q(package);
                match (lang, added) {
                    (Lang::Nb, true) => format!(
                        "tilgangspakken {p} gir nå rett til å sende skjemaet for en organisasjon"
                    ),
                    (Lang::Nn, true) => format!(
                        "tilgangspakken {p} gir no rett til å sende skjemaet for ein organisasjon"
                    ),
                    (Lang::En, true) => format!(
                        "the access package {p} now lets its holders submit the form for an organisation"
                    ),
                    (Lang::Nb, false) => {
                        format!("tilgangspakken {p} gir ikke lenger rett til å sende skjemaet")
                    }
                    (Lang::Nn, false) => {
                        format!("tilgangspakken {p} gir ikkje lenger rett til å sende skjemaet")
                    }
                    (Lang::En, false) => {
                        format!("the access package {p} no longer lets its holders submit the form")
                    }
                }
            }
        }
    }
}

impl ApiChange {
    fn words(&self, lang: Lang) -> String {
        match (self, lang) {
            (ApiChange::Added { base, scope }, Lang::Nb) => {
                format!("skjemaet har fått et API på {base} med scopet {scope}")
            }
            (ApiChange::Added { base, scope }, Lang::Nn) => {
                format!("skjemaet har fått eit API på {base} med scopet {scope}")
            }
            (ApiChange::Added { base, scope }, Lang::En) => {
                format!("the form now has an API at {base} with the scope {scope}")
            }
            (ApiChange::Removed { base }, Lang::Nb) => {
                format!("skjemaets API på {base} er fjernet")
            }
            (ApiChange::Removed { base }, Lang::Nn) => {
                format!("API-et til skjemaet på {base} er fjerna")
            }
            (ApiChange::Removed { base }, Lang::En) => {
                format!("the form's API at {base} has been removed")
            }
            (ApiChange::Base { old, new }, Lang::Nb) => {
                format!("API-et er flyttet fra {old} til {new}")
            }
            (ApiChange::Base { old, new }, Lang::Nn) => {
                format!("API-et er flytta frå {old} til {new}")
            }
            (ApiChange::Base { old, new }, Lang::En) => {
                format!("the API has moved from {old} to {new}")
            }
            (ApiChange::Scope { old, new }, Lang::Nb) => {
                format!("API-et krever nå scopet {new} (før: {old})")
            }
            (ApiChange::Scope { old, new }, Lang::Nn) => {
                format!("API-et krev no scopet {new} (før: {old})")
            }
            (ApiChange::Scope { old, new }, Lang::En) => {
                format!("the API now requires the scope {new} (before: {old})")
            }
            (ApiChange::Delivery { old, new }, Lang::Nb) => format!(
                "API-et tar nå imot leveranser som «{}» (før: «{}»)",
                new.as_str(),
                old.as_str()
            ),
            (ApiChange::Delivery { old, new }, Lang::Nn) => format!(
                "API-et tek no imot leveransar som «{}» (før: «{}»)",
                new.as_str(),
                old.as_str()
            ),
            (ApiChange::Delivery { old, new }, Lang::En) => format!(
                "the API now takes deliveries as «{}» (before: «{}»)",
                new.as_str(),
                old.as_str()
            ),
            (ApiChange::Year { year, added: true }, Lang::Nb) => {
                format!("API-et tar nå imot inntektsåret {year}")
            }
            (ApiChange::Year { year, added: true }, Lang::Nn) => {
                format!("API-et tek no imot inntektsåret {year}")
            }
            (ApiChange::Year { year, added: true }, Lang::En) => {
                format!("the API now accepts the income year {year}")
            }
            (ApiChange::Year { year, added: false }, Lang::Nb) => {
                format!("API-et tar ikke lenger imot inntektsåret {year}")
            }
            (ApiChange::Year { year, added: false }, Lang::Nn) => {
                format!("API-et tek ikkje lenger imot inntektsåret {year}")
            }
            (ApiChange::Year { year, added: false }, Lang::En) => {
                format!("the API no longer accepts the income year {year}")
            }
        }
    }
}

impl PageChange {
    fn words(&self, page: &Named, lang: Lang) -> String {
        let s = page.subject(lang);
        match self {
            PageChange::Added { position, of } => match lang {
                Lang::Nb | Lang::Nn => format!("{s} er ny, som side {position} av {of}"),
                Lang::En => format!("{s} is new, as page {position} of {of}"),
            },
            PageChange::Removed => match lang {
                Lang::Nb => format!("{s} er fjernet"),
                Lang::Nn => format!("{s} er fjerna"),
                Lang::En => format!("{s} has been removed"),
            },
            PageChange::Moved { from, to } => match lang {
                Lang::Nb => format!("{s} er flyttet fra plass {from} til plass {to}"),
                Lang::Nn => format!("{s} er flytta frå plass {from} til plass {to}"),
                Lang::En => format!("{s} has moved from position {from} to position {to}"),
            },
            PageChange::Text { part, old, new } => {
                text_sentence(&s, part, old.as_ref(), new.as_ref(), lang)
            }
            PageChange::Condition { old, new } => {
                condition_sentence(&s, old.as_ref(), new.as_ref(), lang)
            }
        }
    }
}

fn bound_words(limit: Limit, b: Option<&Bound>, lang: Lang) -> String {
    match b {
        None if limit == Limit::Pattern => {
            pick(lang, "ikke noe mønster", "ikkje noko mønster", "no pattern").into()
        }
        None => pick(lang, "ingen grense", "inga grense", "no limit").into(),
        Some(Bound::Number(x)) => decimal_number(lang, *x),
        Some(Bound::Count(n)) => whole_number(lang, *n as i128),
        Some(Bound::Megabytes(x)) => format!("{} MB", decimal_number(lang, *x)),
        Some(Bound::Pattern(p)) => quoted(lang, p),
    }
}

fn limit_words(limit: Limit, lang: Lang) -> &'static str {
    match limit {
        Limit::Min => pick(
            lang,
            "den laveste tillatte verdien",
            "den lågaste tillatne verdien",
            "the lowest allowed value",
        ),
        Limit::Max => pick(
            lang,
            "den høyeste tillatte verdien",
            "den høgaste tillatne verdien",
            "the highest allowed value",
        ),
        Limit::MinLength => pick(
            lang,
            "det minste antallet tegn",
            "det minste talet på teikn",
            "the fewest characters allowed",
        ),
        Limit::MaxLength => pick(
            lang,
            "det største antallet tegn",
            "det største talet på teikn",
            "the most characters allowed",
        ),
        Limit::MinRows => pick(
            lang,
            "det minste antallet rader",
            "det minste talet på rader",
            "the fewest rows",
        ),
        Limit::MaxRows => pick(
            lang,
            "det største antallet rader",
            "det største talet på rader",
            "the most rows",
        ),
        Limit::MinFiles => pick(
            lang,
            "det minste antallet filer",
            "det minste talet på filer",
            "the fewest files",
        ),
        Limit::MaxFiles => pick(
            lang,
            "det største antallet filer",
            "det største talet på filer",
            "the most files",
        ),
        Limit::Pattern => pick(
            lang,
            "mønsteret svaret må følge",
            "mønsteret svaret må følgje",
            "the pattern the answer must match",
        ),
        Limit::FileSize => pick(
            lang,
            "den største tillatte filen",
            "den største tillatne fila",
            "the largest file allowed",
        ),
        Limit::TotalSize => pick(
            lang,
            "den største samlede størrelsen",
            "den største samla storleiken",
            "the largest total size",
        ),
    }
}

fn requirement_before(r: &Requirement, lang: Lang) -> String {
    match r {
        Requirement::Never => pick(lang, "frivillig", "frivillig", "optional").into(),
        Requirement::Always => pick(lang, "alltid", "alltid", "always").into(),
        Requirement::When(w) => match lang {
            Lang::Nb | Lang::Nn => format!("når {}", w.get(lang)),
            Lang::En => format!("when {}", w.get(lang)),
        },
    }
}

impl FieldChange {
    fn words(&self, field: &Named, lang: Lang) -> String {
        let s = field.subject(lang);
        let q = |t: &Text| quoted(lang, t.get(lang));
        let on_page = !matches!(field.thing, Thing::Static(_));
        match self {
            FieldChange::Added { page } => {
                let new = field.new_word(lang);
                match (lang, on_page) {
                    (Lang::Nb, true) => format!("{s} er {new} på siden {}", q(page)),
                    (Lang::Nn, true) => format!("{s} er {new} på sida {}", q(page)),
                    (Lang::En, true) => format!("{s} is new on the page {}", q(page)),
                    (Lang::Nb | Lang::Nn, false) => format!("{s} er {new}"),
                    (Lang::En, false) => format!("{s} is new"),
                }
            }
            FieldChange::Removed { page } => match (lang, on_page) {
                (Lang::Nb, true) => format!("{s} er fjernet fra siden {}", q(page)),
                (Lang::Nn, true) => format!("{s} er fjerna frå sida {}", q(page)),
                (Lang::En, true) => format!("{s} has been removed from the page {}", q(page)),
                (Lang::Nb, false) => format!("{s} er fjernet"),
                (Lang::Nn, false) => format!("{s} er fjerna"),
                (Lang::En, false) => format!("{s} has been removed"),
            },
            FieldChange::Moved { from, to } => {
                let (f, t) = (q(from), q(to));
                match lang {
                    Lang::Nb => format!("{s} er flyttet fra siden {f} til siden {t}"),
                    Lang::Nn => format!("{s} er flytta frå sida {f} til sida {t}"),
                    Lang::En => format!("{s} has moved from the page {f} to the page {t}"),
                }
            }
            FieldChange::Kind { old, new } => {
                let (o, n) = (old.get(lang), new.get(lang));
                match lang {
                    Lang::Nb | Lang::Nn => format!("{s} har fått ny type: {n} (før: {o})"),
                    Lang::En => format!("{s} has a new type: {n} (before: {o})"),
                }
            }
            FieldChange::Text { part, old, new } => {
                text_sentence(&s, part, old.as_ref(), new.as_ref(), lang)
            }
            FieldChange::Required { old, new } => {
                let before = requirement_before(old, lang);
                match (new, lang) {
                    (Requirement::Always, Lang::Nb) => {
                        format!("{s} må nå alltid fylles ut (før: {before})")
                    }
                    (Requirement::Always, Lang::Nn) => {
                        format!("{s} må no alltid fyllast ut (før: {before})")
                    }
                    (Requirement::Always, Lang::En) => {
                        format!("{s} must now always be filled in (before: {before})")
                    }
                    (Requirement::Never, Lang::Nb) => {
                        format!("{s} må ikke lenger fylles ut (før: {before})")
                    }
                    (Requirement::Never, Lang::Nn) => {
                        format!("{s} må ikkje lenger fyllast ut (før: {before})")
                    }
                    (Requirement::Never, Lang::En) => {
                        format!("{s} no longer has to be filled in (before: {before})")
                    }
                    (Requirement::When(w), Lang::Nb) => {
                        format!("{s} må nå fylles ut når {} (før: {before})", w.get(lang))
                    }
                    (Requirement::When(w), Lang::Nn) => {
                        format!("{s} må no fyllast ut når {} (før: {before})", w.get(lang))
                    }
                    (Requirement::When(w), Lang::En) => {
                        format!(
                            "{s} must now be filled in when {} (before: {before})",
                            w.get(lang)
                        )
                    }
                }
            }
            FieldChange::Condition { old, new } => {
                condition_sentence(&s, old.as_ref(), new.as_ref(), lang)
            }
            FieldChange::Locked(true) => match lang {
                Lang::Nb => {
                    format!("{s} kan ikke lenger endres når verdien er hentet fra et register")
                }
                Lang::Nn => {
                    format!("{s} kan ikkje lenger endrast når verdien er henta frå eit register")
                }
                Lang::En => {
                    format!("{s} can no longer be changed when its value comes from a register")
                }
            },
            FieldChange::Locked(false) => match lang {
                Lang::Nb => format!("{s} kan nå endres også når verdien er hentet fra et register"),
                Lang::Nn => {
                    format!("{s} kan no endrast også når verdien er henta frå eit register")
                }
                Lang::En => {
                    format!("{s} can now be changed even when its value comes from a register")
                }
            },
            FieldChange::Prefill { old, new } => {
                let old = old.as_ref().map(|t| t.get(lang));
                match (new.as_ref().map(|t| t.get(lang)), old, lang) {
                    (Some(n), None, Lang::Nb) => format!("{s} fylles nå ut på forhånd med {n}"),
                    (Some(n), None, Lang::Nn) => {
                        format!("{s} blir no fylt ut på førehand med {n}")
                    }
                    (Some(n), None, Lang::En) => {
                        format!("{s} is now filled in beforehand with {n}")
                    }
                    (Some(n), Some(o), Lang::Nb) => {
                        format!("{s} fylles nå ut på forhånd med {n} (før: med {o})")
                    }
                    (Some(n), Some(o), Lang::Nn) => {
                        format!("{s} blir no fylt ut på førehand med {n} (før: med {o})")
                    }
                    (Some(n), Some(o), Lang::En) => {
                        format!("{s} is now filled in beforehand with {n} (before: with {o})")
                    }
                    (None, Some(o), Lang::Nb) => {
                        format!("{s} fylles ikke lenger ut på forhånd (før: med {o})")
                    }
                    (None, Some(o), Lang::Nn) => {
                        format!("{s} blir ikkje lenger fylt ut på førehand (før: med {o})")
                    }
                    (None, Some(o), Lang::En) => {
                        format!("{s} is no longer filled in beforehand (before: with {o})")
                    }
                    (None, None, _) => s,
                }
            }
            FieldChange::Limit { limit, old, new } => {
                let what = limit_words(*limit, lang);
                let o = bound_words(*limit, old.as_ref(), lang);
                if new.is_none() {
                    return match lang {
                        Lang::Nb => format!("{s}: {what} gjelder ikke lenger (var: {o})"),
                        Lang::Nn => format!("{s}: {what} gjeld ikkje lenger (var: {o})"),
                        Lang::En => format!("{s}: {what} no longer applies (was: {o})"),
                    };
                }
                let n = bound_words(*limit, new.as_ref(), lang);
                match lang {
                    Lang::Nb => format!("{s}: {what} er nå {n} (før: {o})"),
                    Lang::Nn => format!("{s}: {what} er no {n} (før: {o})"),
                    Lang::En => format!("{s}: {what} is now {n} (before: {o})"),
                }
            }
            FieldChange::OptionAdded { value, label } => match lang {
                Lang::Nb => format!("{s} har fått et nytt valg: {} ({value})", q(label)),
                Lang::Nn => format!("{s} har fått eit nytt val: {} ({value})", q(label)),
                Lang::En => format!("{s} has a new option: {} ({value})", q(label)),
            },
            FieldChange::OptionRemoved { value, label } => match lang {
                Lang::Nb => format!("{s}: valget {} ({value}) er fjernet", q(label)),
                Lang::Nn => format!("{s}: valet {} ({value}) er fjerna", q(label)),
                Lang::En => format!("{s}: the option {} ({value}) has been removed", q(label)),
            },
            FieldChange::Display { select } => match (lang, select) {
                (Lang::Nb, true) => format!("{s} vises nå som en nedtrekksliste"),
                (Lang::Nn, true) => format!("{s} blir no vist som ei nedtrekksliste"),
                (Lang::En, true) => format!("{s} is now shown as a drop-down list"),
                (Lang::Nb, false) => format!("{s} vises nå som radioknapper"),
                (Lang::Nn, false) => format!("{s} blir no vist som radioknappar"),
                (Lang::En, false) => format!("{s} is now shown as radio buttons"),
            },
            FieldChange::FileKind { name, added } => match (lang, added) {
                (Lang::Nb, true) => format!("{s} tar nå imot {name}-filer"),
                (Lang::Nn, true) => format!("{s} tek no imot {name}-filer"),
                (Lang::En, true) => format!("{s} now accepts {name} files"),
                (Lang::Nb, false) => format!("{s} tar ikke lenger imot {name}-filer"),
                (Lang::Nn, false) => format!("{s} tek ikkje lenger imot {name}-filer"),
                (Lang::En, false) => format!("{s} no longer accepts {name} files"),
            },
            FieldChange::Alternative { label, key, added } => match (lang, added) {
                (Lang::Nb, true) => {
                    format!("{s} har fått et nytt alternativ: {} ({key})", q(label))
                }
                (Lang::Nn, true) => {
                    format!("{s} har fått eit nytt alternativ: {} ({key})", q(label))
                }
                (Lang::En, true) => format!("{s} has a new alternative: {} ({key})", q(label)),
                (Lang::Nb, false) => format!("{s}: alternativet {} ({key}) er fjernet", q(label)),
                (Lang::Nn, false) => format!("{s}: alternativet {} ({key}) er fjerna", q(label)),
                (Lang::En, false) => {
                    format!("{s}: the alternative {} ({key}) has been removed", q(label))
                }
            },
        }
    }
}

impl ComputedChange {
    fn words(&self, value: &Named, lang: Lang) -> String {
        let s = value.subject(lang);
        match self {
            ComputedChange::Added { value } => {
                let v = value.get(lang);
                match lang {
                    Lang::Nb => format!("{s} er ny og regnes ut som {v}"),
                    Lang::Nn => format!("{s} er ny og blir rekna ut som {v}"),
                    Lang::En => format!("{s} is new and is computed as {v}"),
                }
            }
            ComputedChange::Removed => match lang {
                Lang::Nb => format!("{s} er fjernet"),
                Lang::Nn => format!("{s} er fjerna"),
                Lang::En => format!("{s} has been removed"),
            },
            ComputedChange::Value { old, new } => {
                let (o, n) = (old.get(lang), new.get(lang));
                match lang {
                    Lang::Nb => format!("{s} regnes nå ut som {n} (før: {o})"),
                    Lang::Nn => format!("{s} blir no rekna ut som {n} (før: {o})"),
                    Lang::En => format!("{s} is now computed as {n} (before: {o})"),
                }
            }
            ComputedChange::Text { part, old, new } => {
                text_sentence(&s, part, old.as_ref(), new.as_ref(), lang)
            }
            ComputedChange::ControlTotal(true) => match lang {
                Lang::Nb => format!("{s} er nå et kontrolltall som må være med i API-dokumentet"),
                Lang::Nn => format!("{s} er no eit kontrolltal som må vere med i API-dokumentet"),
                Lang::En => format!("{s} is now a control total the API document must include"),
            },
            ComputedChange::ControlTotal(false) => match lang {
                Lang::Nb => format!("{s} er ikke lenger et kontrolltall i API-dokumentet"),
                Lang::Nn => format!("{s} er ikkje lenger eit kontrolltal i API-dokumentet"),
                Lang::En => format!("{s} is no longer a control total in the API document"),
            },
            ComputedChange::Kind { old, new } => {
                let (o, n) = (old.get(lang), new.get(lang));
                match lang {
                    Lang::Nb | Lang::Nn => format!("{s} har fått ny type: {n} (før: {o})"),
                    Lang::En => format!("{s} has a new type: {n} (before: {o})"),
                }
            }
        }
    }
}

impl RuleChange {
    fn words(&self, at: &Named, lang: Lang) -> String {
        let s = at.subject(lang);
        let q = |t: &Text| quoted(lang, t.get(lang));
        match self {
            RuleChange::Added { check, message } => {
                let (c, m, place) = (check.get(lang), q(message), at.label_and_key(lang));
                match lang {
                    Lang::Nb => format!("ny regel ved {place} krever at {c}; ellers vises {m}"),
                    Lang::Nn => {
                        format!("ny regel ved {place} krev at {c}; elles blir {m} vist")
                    }
                    Lang::En => {
                        format!("new rule at {place} requires that {c}; otherwise {m} is shown")
                    }
                }
            }
            RuleChange::Removed { message } => match lang {
                Lang::Nb => format!("{s} med meldingen {} er fjernet", q(message)),
                Lang::Nn => format!("{s} med meldinga {} er fjerna", q(message)),
                Lang::En => format!("{s} with the message {} has been removed", q(message)),
            },
            RuleChange::Check { old, new } => {
                let (o, n) = (old.get(lang), new.get(lang));
                match lang {
                    Lang::Nb => format!("{s} krever nå at {n} (før: at {o})"),
                    Lang::Nn => format!("{s} krev no at {n} (før: at {o})"),
                    Lang::En => format!("{s} now requires that {n} (before: that {o})"),
                }
            }
            RuleChange::Text { part, old, new } => {
                text_sentence(&s, part, old.as_ref(), new.as_ref(), lang)
            }
        }
    }
}

fn json_type(ty: Option<&String>, lang: Lang) -> String {
    match ty {
        Some(t) => t.clone(),
        None => pick(lang, "hvilken som helst", "kva som helst", "any").into(),
    }
}

impl SchemaChange {
    fn words(&self, lang: Lang) -> String {
        match self {
            SchemaChange::Added { path, ty, required } => {
                let t = json_type(ty.as_ref(), lang);
                match (lang, required) {
                    (Lang::Nb, true) => {
                        format!("API-dokumentet får en ny påkrevd egenskap: {path} ({t})")
                    }
                    (Lang::Nn, true) => {
                        format!("API-dokumentet får ein ny eigenskap som må vere med: {path} ({t})")
                    }
                    (Lang::En, true) => {
                        format!("the API document gains the required property {path} ({t})")
                    }
                    (Lang::Nb, false) => {
                        format!("API-dokumentet får en ny valgfri egenskap: {path} ({t})")
                    }
                    (Lang::Nn, false) => {
                        format!("API-dokumentet får ein ny valfri eigenskap: {path} ({t})")
                    }
                    (Lang::En, false) => {
                        format!("the API document gains the optional property {path} ({t})")
                    }
                }
            }
            SchemaChange::Removed { path } => match lang {
                Lang::Nb => format!("egenskapen {path} er fjernet fra API-dokumentet"),
                Lang::Nn => format!("eigenskapen {path} er fjerna frå API-dokumentet"),
                Lang::En => format!("the property {path} has been removed from the API document"),
            },
            SchemaChange::Type { path, old, new } => {
                let (o, n) = (json_type(old.as_ref(), lang), json_type(new.as_ref(), lang));
                match lang {
                    Lang::Nb => {
                        format!(
                            "egenskapen {path} i API-dokumentet har fått ny type: {n} (før: {o})"
                        )
                    }
                    Lang::Nn => {
                        format!(
                            "eigenskapen {path} i API-dokumentet har fått ny type: {n} (før: {o})"
                        )
                    }
                    Lang::En => format!(
                        "the type of {path} in the API document has changed from {o} to {n}"
                    ),
                }
            }
            SchemaChange::Required { path, required } => match (lang, required) {
                (Lang::Nb, true) => format!("egenskapen {path} må nå være med i API-dokumentet"),
                (Lang::Nn, true) => format!("eigenskapen {path} må no vere med i API-dokumentet"),
                (Lang::En, true) => {
                    format!("the property {path} is now required in the API document")
                }
                (Lang::Nb, false) => format!("egenskapen {path} er nå valgfri i API-dokumentet"),
                (Lang::Nn, false) => format!("eigenskapen {path} er no valfri i API-dokumentet"),
                (Lang::En, false) => {
                    format!("the property {path} is now optional in the API document")
                }
            },
        }
    }
}
