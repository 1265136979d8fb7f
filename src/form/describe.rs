//! A form's own names for its answers, so that its expressions read in the words its owners
//! wrote: a path is named by the label of the field bound to it (or of the computed value stored
//! there), a choice's stored value by its option's label.

use super::definition::{FieldKind, Form, Lang, Text};
use super::expr::{Expr, Names, Seg};

/// The [`Names`] of one form version.
#[derive(Debug, Clone, Copy)]
pub struct FormNames<'a> {
    form: &'a Form,
}

impl<'a> FormNames<'a> {
    /// The names of `form`.
    pub fn new(form: &'a Form) -> Self {
        FormNames { form }
    }

    /// The label of what is bound at `path` (canonical, `[*]` after groups): a field, an
    /// alternative of an `either` field, or a computed value that has a label.
    pub fn label(&self, path: &[Seg]) -> Option<&'a Text> {
        for f in self.form.all_fields() {
            if f.bind == path && !matches!(f.kind, FieldKind::Static) {
                return Some(&f.label);
            }
            if let FieldKind::Either { alternatives } = &f.kind
                && let Some((key, base)) = path.split_last()
                && base == f.bind.as_slice()
                && let Some(a) = alternatives
                    .iter()
                    .find(|a| Seg::Key(a.key.clone()) == *key)
            {
                return Some(&a.label);
            }
        }
        self.form
            .computed
            .iter()
            .find(|c| c.bind == path)
            .and_then(|c| c.label.as_ref())
    }
}

impl Names for FormNames<'_> {
    fn answer(&self, path: &[Seg], lang: Lang) -> Option<String> {
        self.label(path).map(|t| t.get(lang).to_string())
    }

    fn option(&self, path: &[Seg], value: &str, lang: Lang) -> Option<String> {
        let field = self.form.all_fields().find(|f| f.bind == path)?;
        let (FieldKind::Choice { options, .. } | FieldKind::MultiChoice { options }) = &field.kind
        else {
            return None;
        };
        options
            .iter()
            .find(|o| o.value == value)
            .map(|o| o.label.get(lang).to_string())
    }
}

/// An expression of `form` in words for its owners, naming answers by their labels: a
/// condition as a main clause («Type er «Utleie»»), any other expression as a noun phrase.
pub fn condition_in_words(form: &Form, e: &Expr, lang: Lang) -> String {
    e.in_words(lang, &FormNames::new(form))
}

/// A condition of `form` in words as a clause after «når» / "when" (Norwegian word order for
/// a subordinate clause: «når Dato ikke er fylt ut»).
pub fn when_in_words(form: &Form, e: &Expr, lang: Lang) -> String {
    e.in_clause(crate::form::expr::Clause::Sub, lang, &FormNames::new(form))
}

/// A kind of field in words (a change of kind, the vendor pages).
pub fn kind_words(kind: &FieldKind) -> Text {
    match kind {
        FieldKind::Text => text("tekst", "tekst", "text"),
        FieldKind::Textarea => text("lengre tekst", "lengre tekst", "long text"),
        FieldKind::Integer => text("heltall", "heiltal", "whole number"),
        FieldKind::Amount => text(
            "beløp i hele kroner",
            "beløp i heile kroner",
            "amount in whole kroner",
        ),
        FieldKind::Decimal => text("desimaltall", "desimaltal", "decimal number"),
        FieldKind::Percent => text("prosent", "prosent", "percentage"),
        FieldKind::Date => text("dato", "dato", "date"),
        FieldKind::DayMonth => text("dag og måned", "dag og månad", "day and month"),
        FieldKind::Year => text("årstall", "årstal", "year"),
        FieldKind::YesNo => text("ja/nei", "ja/nei", "yes/no"),
        FieldKind::Choice { .. } => text(
            "ett valg blant flere",
            "eitt val blant fleire",
            "one choice of several",
        ),
        FieldKind::MultiChoice { .. } => text("flere valg", "fleire val", "several choices"),
        FieldKind::Orgnr => text(
            "organisasjonsnummer",
            "organisasjonsnummer",
            "organisation number",
        ),
        FieldKind::Fnr => text(
            "fødselsnummer eller d-nummer",
            "fødselsnummer eller d-nummer",
            "national identity number or D number",
        ),
        FieldKind::Either { .. } => text(
            "ett av flere alternativer",
            "eitt av fleire alternativ",
            "one of several alternatives",
        ),
        FieldKind::Kommunenummer => text("kommunenummer", "kommunenummer", "municipality number"),
        FieldKind::Postnummer => text("postnummer", "postnummer", "postcode"),
        FieldKind::Email => text("e-postadresse", "e-postadresse", "email address"),
        FieldKind::Phone => text("telefonnummer", "telefonnummer", "phone number"),
        FieldKind::Kontonummer => text("kontonummer", "kontonummer", "account number"),
        FieldKind::Static => text(
            "tekst uten svar",
            "tekst utan svar",
            "text without an answer",
        ),
        FieldKind::Group(_) => text("gruppe med rader", "gruppe med rader", "group of rows"),
        FieldKind::Attachment(_) => text("vedlegg", "vedlegg", "attachment"),
    }
}

fn text(nb: &str, nn: &str, en: &str) -> Text {
    Text {
        nb: nb.to_owned(),
        nn: Some(nn.to_owned()),
        en: Some(en.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::definition::{Catalog, Required};
    use std::collections::BTreeSet;
    use std::path::Path;
    use std::sync::Arc;

    fn catalog() -> Catalog {
        let loaded = crate::form::load::load_dir(Path::new("forms"));
        loaded.catalog.expect("the forms in forms/ load")
    }

    fn form(catalog: &Catalog, id: &str) -> Arc<Form> {
        catalog.latest(id).expect("the form exists").clone()
    }

    fn all(form: &Form, e: &Expr) -> [String; 3] {
        Lang::ALL.map(|lang| condition_in_words(form, e, lang))
    }

    #[test]
    fn page_conditions_of_the_real_forms() {
        let c = catalog();
        for id in ["RF-1140", "RF-1139"] {
            let f = form(&c, id);
            let (_, page) = f.page("oppgaver").expect("the page of entries");
            let when = page
                .when
                .as_ref()
                .expect("shown only for ordinary deliveries");
            let [nb, nn, en] = all(&f, when);
            let (nb_option, nn_option, en_option) = if id == "RF-1140" {
                (
                    "Opplysninger om seksjonseierne",
                    "Opplysningar om seksjonseigarane",
                    "Information about the section owners",
                )
            } else {
                (
                    "Opplysninger om eierne av boenhetene",
                    "Opplysningar om eigarane av bueiningane",
                    "Information about the owners of the units",
                )
            };
            assert_eq!(
                nb,
                format!("svaret på «Hva skal du rapportere?» er «{nb_option}»")
            );
            assert_eq!(
                nn,
                format!("svaret på «Kva skal du rapportere?» er «{nn_option}»")
            );
            assert_eq!(
                en,
                format!("the answer to “What are you reporting?” is “{en_option}”")
            );
        }
    }

    #[test]
    fn rules_and_computed_values_of_the_real_forms() {
        let c = catalog();
        let f = form(&c, "RF-1139");
        let words: Vec<[String; 3]> = f.rules.iter().map(|r| all(&f, &r.check)).collect();
        assert_eq!(
            words,
            vec![
                [
                    "Eier fra er ikke etter Eier til".to_string(),
                    "Eigar frå er ikkje etter Eigar til".into(),
                    "Owned from is not after Owned until".into(),
                ],
                [
                    "«Eierandel, teller» er høyst «Eierandel, nevner»".into(),
                    "«Eigarandel, teljar» er høgst «Eigarandel, nemnar»".into(),
                    "“Ownership share, numerator” is at most “Ownership share, denominator”".into(),
                ],
                [
                    "Inntektsår er 2025".into(),
                    "Inntektsår er 2025".into(),
                    "Income year is 2025".into(),
                ],
            ]
        );
        let sum = f
            .computed
            .iter()
            .find(|c| c.label.as_ref().is_some_and(|l| l.nb == "Sum formue"))
            .expect("the total of wealth");
        assert_eq!(
            all(&f, &sum.value),
            [
                "summen av Andel formue i Oppgaver".to_string(),
                "summen av Del av formuen i Oppgåver".into(),
                "the sum of Share of wealth in Entries".into(),
            ]
        );
        let count = f
            .computed
            .iter()
            .find(|c| c.label.as_ref().is_some_and(|l| l.nb == "Antall oppgaver"))
            .expect("the number of entries");
        assert_eq!(
            all(&f, &count.value),
            [
                "antall rader i Oppgaver".to_string(),
                "talet på rader i Oppgåver".into(),
                "the number of rows in Entries".into(),
            ]
        );
    }

    #[test]
    fn a_required_condition_names_the_option() {
        let c = catalog();
        let f = form(&c, "skriv-til-oss");
        let epost = f
            .all_fields()
            .find(|x| crate::form::expr::format_path(&x.bind) == "kontakt.epost")
            .expect("the e-mail field");
        let Required::When(e) = &epost.required else {
            panic!("required only for a reply by e-mail");
        };
        assert_eq!(
            all(&f, e),
            [
                "svaret på «Hvordan vil du helst ha svar?» er «E-post»".to_string(),
                "svaret på «Korleis vil du helst ha svar?» er «E-post»".into(),
                "the answer to “How would you prefer us to reply?” is “Email”".into(),
            ]
        );
        let navn = f
            .all_fields()
            .find(|x| crate::form::expr::format_path(&x.bind) == "kontakt.navn")
            .and_then(|x| x.prefill.as_ref())
            .expect("the name is prefilled");
        assert_eq!(
            all(&f, navn),
            [
                "navnet ditt".to_string(),
                "namnet ditt".into(),
                "your name".into(),
            ]
        );
    }

    #[test]
    fn the_example_of_the_documentation() {
        let src = r#"
id = "T-1"
version = "1"
area = "a"
resource = "r"
title = { nb = "Utleie", nn = "Utleige", en = "Letting" }

[[page]]
id = "p"
title = { nb = "Side", nn = "Side", en = "Page" }
when = "kind == 'utleie' and sum(rader[*].belop) > 0"

  [[page.field]]
  bind = "kind"
  kind = "choice"
  label = { nb = "Type", nn = "Type", en = "Type" }
    [[page.field.options]]
    value = "utleie"
    label = { nb = "Utleie", nn = "Utleige", en = "Letting" }

  [[page.field]]
  bind = "rader"
  kind = "group"
  label = { nb = "Rader", nn = "Rader", en = "Rows" }
    [[page.field.field]]
    bind = "belop"
    kind = "amount"
    label = { nb = "Beløp", nn = "Beløp", en = "Amount" }
"#;
        let mut problems = Vec::new();
        let areas: BTreeSet<&str> = ["a"].into_iter().collect();
        let f = crate::form::load::parse_form(Path::new("t.toml"), src, &areas, &mut problems)
            .unwrap_or_else(|| panic!("{problems:?}"));
        let when = f.pages[0].when.as_ref().expect("a condition");
        assert_eq!(
            all(&f, when),
            [
                "Type er «Utleie» og summen av Beløp i Rader er større enn 0".to_string(),
                "Type er «Utleige» og summen av Beløp i Rader er større enn 0".into(),
                "Type is “Letting” and the sum of Amount in Rows is greater than 0".into(),
            ]
        );
    }
}
