use std::collections::BTreeSet;
use std::path::Path;

use super::*;
use crate::form::definition::Lang;

/// Parses a form file's text; panics with the problems when it does not load.
fn form(src: &str) -> Form {
    let mut problems = Vec::new();
    let areas: BTreeSet<&str> = ["a", "b"].into_iter().collect();
    let f = crate::form::load::parse_form(Path::new("t.toml"), src, &areas, &mut problems);
    f.unwrap_or_else(|| panic!("the test form does not load: {problems:#?}"))
}

const OLD: &str = r#"
id = "T-1"
version = "1"
area = "a"
resource = "r-1"
packages = ["skattegrunnlag", "ansvarlig-revisor"]
title = { nb = "Utleie", nn = "Utleige", en = "Letting" }

[api]
base = "/api/t"
scope = "s:t"
years = [2025]

[[page]]
id = "start"
title = { nb = "Start", nn = "Start", en = "Start" }

  [[page.field]]
  bind = "kind"
  kind = "choice"
  label = { nb = "Type", nn = "Type", en = "Type" }
  required = true
    [[page.field.options]]
    value = "utleie"
    label = { nb = "Utleie", nn = "Utleige", en = "Letting" }
    [[page.field.options]]
    value = "salg"
    label = { nb = "Salg", nn = "Sal", en = "Sale" }

  [[page.field]]
  bind = "navn"
  kind = "text"
  label = { nb = "Navn", nn = "Namn", en = "Name" }
  max_length = 100

  [[page.field]]
  bind = "alder"
  kind = "integer"
  label = { nb = "Alder", nn = "Alder", en = "Age" }

  [[page.field]]
  kind = "static"
  label = { nb = "Om skjemaet", nn = "Om skjemaet", en = "About the form" }

[[page]]
id = "rader"
title = { nb = "Rader", nn = "Rader", en = "Rows" }
when = "kind == 'utleie'"

  [[page.field]]
  bind = "rader"
  kind = "group"
  label = { nb = "Rader", nn = "Rader", en = "Rows" }
  min = 1
    [[page.field.field]]
    bind = "belop"
    kind = "amount"
    label = { nb = "Beløp", nn = "Beløp", en = "Amount" }
    required = true

[[page]]
id = "slutt"
title = { nb = "Slutt", nn = "Slutt", en = "End" }

  [[page.field]]
  bind = "vedlegg"
  kind = "attachment"
  label = { nb = "Vedlegg", nn = "Vedlegg", en = "Attachments" }
  accept = ["pdf"]
  max_file_mb = 10

  [[page.field]]
  bind = "epost"
  kind = "email"
  label = { nb = "E-post", nn = "E-post", en = "Email" }

[[computed]]
bind = "sum"
value = "sum(rader[*].belop)"
label = { nb = "Sum", nn = "Sum", en = "Total" }

[[rule]]
each = "rader"
check = "belop > 0"
path = "belop"
message = { nb = "Beløpet må være over 0.", nn = "Beløpet må vere over 0.", en = "The amount must be above 0." }

[[rule]]
check = "alder >= 18"
path = "alder"
message = { nb = "Du må være myndig.", nn = "Du må vere myndig.", en = "You must be of age." }
"#;

const NEW: &str = r#"
id = "T-1"
version = "2"
area = "b"
resource = "r-2"
level = "high"
persons = true
packages = ["skattegrunnlag", "regnskapsforer-lonn"]
title = { nb = "Utleie", nn = "Utleige", en = "Renting out" }

[api]
base = "/api/t2"
scope = "s:t2"
years = [2025, 2026]

[[page]]
id = "start"
title = { nb = "Start", nn = "Start", en = "Start" }

  [[page.field]]
  bind = "kind"
  kind = "choice"
  label = { nb = "Type", nn = "Type", en = "Type" }
  required = true
    [[page.field.options]]
    value = "utleie"
    label = { nb = "Utleie", nn = "Utleige", en = "Renting out" }
    [[page.field.options]]
    value = "gave"
    label = { nb = "Gave", nn = "Gåve", en = "Gift" }

  [[page.field]]
  bind = "navn"
  kind = "text"
  label = { nb = "Fullt navn", nn = "Namn", en = "Full name" }
  hint = { nb = "Slik det står i folkeregisteret.", nn = "Slik det står i folkeregisteret.", en = "As in the population register." }
  max_length = 200
  required = "kind == 'gave'"
  prefill = "user.name"

  [[page.field]]
  bind = "alder"
  kind = "decimal"
  label = { nb = "Alder", nn = "Alder", en = "Age" }
  min = 0

  [[page.field]]
  bind = "telefon"
  kind = "phone"
  label = { nb = "Telefon", nn = "Telefon", en = "Phone" }

  [[page.field]]
  kind = "static"
  label = { nb = "Om skjemaet", nn = "Om skjemaet", en = "About this form" }

[[page]]
id = "slutt"
title = { nb = "Slutt", nn = "Slutt", en = "End" }

  [[page.field]]
  bind = "vedlegg"
  kind = "attachment"
  label = { nb = "Vedlegg", nn = "Vedlegg", en = "Attachments" }
  accept = ["pdf", "png"]
  max_file_mb = 20

[[page]]
id = "rader"
title = { nb = "Beløp", nn = "Beløp", en = "Amounts" }
when = "kind == 'utleie' and alder >= 18"

  [[page.field]]
  bind = "rader"
  kind = "group"
  label = { nb = "Rader", nn = "Rader", en = "Rows" }
  min = 2
  row_label = { nb = "Rad {n}", nn = "Rad {n}", en = "Row {n}" }
    [[page.field.field]]
    bind = "belop"
    kind = "amount"
    label = { nb = "Beløp", nn = "Beløp", en = "Amount" }
    [[page.field.field]]
    bind = "dato"
    kind = "date"
    label = { nb = "Dato", nn = "Dato", en = "Date" }
    when = "belop > 10000"

[[page]]
id = "kontakt"
title = { nb = "Kontakt", nn = "Kontakt", en = "Contact" }

  [[page.field]]
  bind = "epost"
  kind = "email"
  label = { nb = "E-post", nn = "E-post", en = "Email" }

[[computed]]
bind = "sum"
value = "sum(rader[*].belop) + 0"
label = { nb = "Sum", nn = "Sum", en = "Total" }
required = true

[[computed]]
bind = "antall"
value = "count(rader)"
label = { nb = "Antall rader", nn = "Talet på rader", en = "Number of rows" }

[[rule]]
each = "rader"
check = "belop >= 1"
path = "belop"
message = { nb = "Beløpet må være minst 1 krone.", nn = "Beløpet må vere minst 1 krone.", en = "The amount must be at least 1 krone." }

[[rule]]
check = "len(navn) <= 150 or navn == null"
path = "navn"
message = { nb = "Navnet er for langt.", nn = "Namnet er for langt.", en = "The name is too long." }
"#;

const OLD2: &str = r#"
id = "T-2"
version = "1"
area = "a"
resource = "r"
title = { nb = "Eiere", nn = "Eigarar", en = "Owners" }

[[page]]
id = "eier"
title = { nb = "Eier", nn = "Eigar", en = "Owner" }

  [[page.field]]
  bind = "eier"
  kind = "either"
  label = { nb = "Eier", nn = "Eigar", en = "Owner" }
    [[page.field.alternatives]]
    key = "fnr"
    kind = "fnr"
    label = { nb = "Fødselsnummer", nn = "Fødselsnummer", en = "National identity number" }
    [[page.field.alternatives]]
    key = "orgnr"
    kind = "orgnr"
    label = { nb = "Organisasjonsnummer", nn = "Organisasjonsnummer", en = "Organisation number" }

  [[page.field]]
  bind = "farge"
  kind = "choice"
  label = { nb = "Farge", nn = "Farge", en = "Colour" }
    [[page.field.options]]
    value = "rod"
    label = { nb = "Rød", nn = "Raud", en = "Red" }
    [[page.field.options]]
    value = "bla"
    label = { nb = "Blå", nn = "Blå", en = "Blue" }

  [[page.field]]
  bind = "kode"
  kind = "text"
  label = { nb = "Kode", nn = "Kode", en = "Code" }
  pattern = "[A-Z]{3}"
  when = "farge == 'rod'"
  prefill = "'ABC'"

  [[page.field]]
  kind = "static"
  label = { nb = "Merk", nn = "Merk", en = "Note" }

[[computed]]
bind = "lengde"
value = "len(kode)"
kind = "integer"
"#;

const NEW2: &str = r#"
id = "T-2"
version = "2"
area = "a"
resource = "r"
title = { nb = "Eiere", nn = "Eigarar", en = "Owners" }
description = { nb = "Hvem som eier.", nn = "Kven som eig.", en = "Who owns." }

[api]
base = "/api/eiere"
scope = "s:eiere"

[[page]]
id = "eier"
title = { nb = "Eier", nn = "Eigar", en = "Owner" }
intro = { nb = "Oppgi eieren.", nn = "Oppgi eigaren.", en = "Give the owner." }

  [[page.field]]
  bind = "eier"
  kind = "either"
  label = { nb = "Eier", nn = "Eigar", en = "Owner" }
    [[page.field.alternatives]]
    key = "fnr"
    kind = "fnr"
    label = { nb = "Fødsels- eller d-nummer", nn = "Fødsels- eller d-nummer", en = "National identity or D number" }
    [[page.field.alternatives]]
    key = "ansatt"
    kind = "integer"
    label = { nb = "Ansattnummer", nn = "Tilsettnummer", en = "Employee number" }
    min = 1

  [[page.field]]
  bind = "farge"
  kind = "choice"
  label = { nb = "Farge", nn = "Farge", en = "Colour" }
  display = "select"
    [[page.field.options]]
    value = "rod"
    label = { nb = "Rød", nn = "Raud", en = "Red" }
    hint = { nb = "Som en brannbil.", nn = "Som ein brannbil.", en = "Like a fire engine." }
    [[page.field.options]]
    value = "bla"
    label = { nb = "Blå", nn = "Blå", en = "Blue" }

  [[page.field]]
  bind = "kode"
  kind = "text"
  label = { nb = "Kode", nn = "Kode", en = "Code" }
  help = { nb = "Tre eller fire store bokstaver.", nn = "Tre eller fire store bokstavar.", en = "Three or four capital letters." }
  pattern = "[A-Z]{3,4}"

[[computed]]
bind = "lengde"
value = "len(kode)"
kind = "amount"
label = { nb = "Lengde", nn = "Lengd", en = "Length" }
"#;

/// The kind of a change, as `Field::Added`, to see that the tests cover every kind.
fn kind(c: &Change) -> String {
    let inner = match c {
        Change::Form(x) => format!("Form::{x:?}"),
        Change::Api(x) => format!("Api::{x:?}"),
        Change::Page { change, .. } => format!("Page::{change:?}"),
        Change::Field { change, .. } => format!("Field::{change:?}"),
        Change::Computed { change, .. } => format!("Computed::{change:?}"),
        Change::Rule { change, .. } => format!("Rule::{change:?}"),
        Change::Schema(x) => format!("Schema::{x:?}"),
    };
    inner
        .split([' ', '('])
        .next()
        .unwrap_or_default()
        .to_string()
}

fn words(changes: &[Change], lang: Lang) -> Vec<String> {
    changes.iter().map(|c| c.words(lang)).collect()
}

#[test]
fn every_real_form_is_the_same_as_itself() {
    let loaded = crate::form::load::load_dir(Path::new("forms"));
    let catalog = loaded.catalog.expect("the forms in forms/ load");
    let mut seen = 0;
    for versions in catalog.forms.values() {
        for f in versions.values() {
            assert_eq!(compare(f, f), Vec::new(), "{}", f.id);
            seen += 1;
        }
    }
    assert!(seen >= 4, "only {seen} forms");
    for src in [OLD, NEW, OLD2, NEW2] {
        assert!(compare(&form(src), &form(src)).is_empty());
    }
}

#[test]
fn a_new_version_in_bokmaal_in_form_order() {
    let changes = compare(&form(OLD), &form(NEW));
    let want = [
        "Skjemaet: tittelen er endret på engelsk: «Letting» → «Renting out».",
        "Skjemaet hører nå til tjenesteområdet «b» (før: «a»).",
        "Skjemaet bruker nå Altinn-ressursen «r-2» (før: «r-1»).",
        "Skjemaet krever nå innlogging på sikkerhetsnivå høyt (før: betydelig).",
        "Personer kan nå sende skjemaet for seg selv.",
        "Tilgangspakken «regnskapsforer-lonn» gir nå rett til å sende skjemaet for en organisasjon.",
        "Tilgangspakken «ansvarlig-revisor» gir ikke lenger rett til å sende skjemaet.",
        "API-et er flyttet fra /api/t til /api/t2.",
        "API-et krever nå scopet s:t2 (før: s:t).",
        "API-et tar nå imot inntektsåret 2026.",
        "Feltet «Type» (kind): teksten til valget «utleie» er endret på engelsk: «Letting» → «Renting out».",
        "Feltet «Type» (kind) har fått et nytt valg: «Gave» (gave).",
        "Feltet «Type» (kind): valget «Salg» (salg) er fjernet.",
        "Feltet «Fullt navn» (navn): ledeteksten er endret på bokmål og engelsk: «Navn» → «Fullt navn».",
        "Feltet «Fullt navn» (navn): beskrivelsen er ny: «Slik det står i folkeregisteret.»",
        "Feltet «Fullt navn» (navn) må nå fylles ut når Type er «Gave» (før: frivillig).",
        "Feltet «Fullt navn» (navn) fylles nå ut på forhånd med navnet ditt.",
        "Feltet «Fullt navn» (navn): det største antallet tegn er nå 200 (før: 100).",
        "Feltet «Alder» (alder) har fått ny type: desimaltall (før: heltall).",
        "Feltet «Alder» (alder): den laveste tillatte verdien er nå 0 (før: ingen grense).",
        "Feltet «Telefon» (telefon) er nytt på siden «Start».",
        "Teksten «Om skjemaet» på siden «Start»: ledeteksten er endret på engelsk: «About the form» → «About this form».",
        "Vedleggsfeltet «Vedlegg» (vedlegg) tar nå imot PNG-filer.",
        "Vedleggsfeltet «Vedlegg» (vedlegg): den største tillatte filen er nå 20 MB (før: 10 MB).",
        "Vedleggsfeltet «Vedlegg» (vedlegg): den største samlede størrelsen er nå 20 MB (før: 10 MB).",
        "Siden «Beløp» (rader) er flyttet fra plass 2 til plass 3.",
        "Siden «Beløp» (rader): tittelen er endret på bokmål, nynorsk og engelsk: «Rader» → «Beløp».",
        "Siden «Beløp» (rader) vises nå bare når Type er «Utleie» og Alder er minst 18 (før: når Type er «Utleie»).",
        "Gruppen «Rader» (rader): det minste antallet rader er nå 2 (før: 1).",
        "Gruppen «Rader» (rader): radoverskriften er ny: «Rad {n}».",
        "Feltet «Beløp» (rader[*].belop) må ikke lenger fylles ut (før: alltid).",
        "Feltet «Dato» (rader[*].dato) er nytt på siden «Beløp».",
        "Siden «Kontakt» (kontakt) er ny, som side 4 av 4.",
        "Feltet «E-post» (epost) er flyttet fra siden «Slutt» til siden «Kontakt».",
        "Den beregnede verdien «Sum» (sum) regnes nå ut som summen av Beløp i Rader pluss 0 (før: summen av Beløp i Rader).",
        "Den beregnede verdien «Sum» (sum) er nå et kontrolltall som må være med i API-dokumentet.",
        "Den beregnede verdien «Antall rader» (antall) er ny og regnes ut som antall rader i Rader.",
        "Regelen ved «Beløp» (rader[*].belop) krever nå at Beløp er minst 1 i hver rad i Rader (før: at Beløp er større enn 0 i hver rad i Rader).",
        "Regelen ved «Beløp» (rader[*].belop): meldingen er endret på bokmål, nynorsk og engelsk: «Beløpet må være over 0.» → «Beløpet må være minst 1 krone.»",
        "Ny regel ved «Fullt navn» (navn) krever at antall tegn i Fullt navn er høyst 150 eller Fullt navn ikke er fylt ut; ellers vises «Navnet er for langt.»",
        "Regelen ved «Alder» (alder) med meldingen «Du må være myndig.» er fjernet.",
        "Egenskapen alder i API-dokumentet har fått ny type: number (før: integer).",
        "API-dokumentet får en ny valgfri egenskap: telefon (string).",
        "Egenskapen rader[*].belop er nå valgfri i API-dokumentet.",
        "API-dokumentet får en ny valgfri egenskap: rader[*].dato (string).",
        "Egenskapen sum må nå være med i API-dokumentet.",
        "API-dokumentet får en ny valgfri egenskap: antall (integer).",
    ];
    assert_eq!(words(&changes, Lang::Nb), want);
}

#[test]
fn a_new_version_in_english_and_nynorsk() {
    let changes = compare(&form(OLD), &form(NEW));
    let en = words(&changes, Lang::En);
    for want in [
        "The field “Phone” (telefon) is new on the page “Start”.",
        "The field “Full name” (navn): the label has changed in Bokmål and English: “Name” → “Full name”.",
        "The field “Full name” (navn) must now be filled in when Type is “Gift” (before: optional).",
        "The page “Amounts” (rader) is now shown only when Type is “Renting out” and Age is at least 18 (before: when Type is “Letting”).",
        "The field “Email” (epost) has moved from the page “End” to the page “Contact”.",
        "New rule at “Full name” (navn) requires that the number of characters in Full name is at most 150 or Full name is not filled in; otherwise “The name is too long.” is shown.",
        "The type of alder in the API document has changed from integer to number.",
        "The property sum is now required in the API document.",
    ] {
        assert!(en.iter().any(|w| w == want), "{want}\nnot in {en:#?}");
    }
    let nn = words(&changes, Lang::Nn);
    for want in [
        "Feltet «Namn» (navn): leieteksten er endra på bokmål og engelsk: «Navn» → «Fullt navn».",
        "Sida «Beløp» (rader) blir no berre vist når Type er «Utleige» og Alder er minst 18 (før: når Type er «Utleige»).",
        "Ny regel ved «Namn» (navn) krev at talet på teikn i Namn er høgst 150 eller Namn ikkje er fylt ut; elles blir «Namnet er for langt.» vist.",
        "API-dokumentet får ein ny valfri eigenskap: telefon (string).",
    ] {
        assert!(nn.iter().any(|w| w == want), "{want}\nnot in {nn:#?}");
    }
}

#[test]
fn the_other_way_round() {
    let changes = compare(&form(NEW), &form(OLD));
    let nb = words(&changes, Lang::Nb);
    let en = words(&changes, Lang::En);
    for want in [
        "Personer kan ikke lenger sende skjemaet for seg selv, bare for en organisasjon.",
        "API-et tar ikke lenger imot inntektsåret 2026.",
        "Feltet «Navn» (navn) fylles ikke lenger ut på forhånd (før: med navnet ditt).",
        "Feltet «Alder» (alder): den laveste tillatte verdien gjelder ikke lenger (var: 0).",
        "Feltet «Telefon» (telefon) er fjernet fra siden «Start».",
        "Siden «Kontakt» (kontakt) er fjernet.",
        "Den beregnede verdien «Antall rader» (antall) er fjernet.",
        "Regelen ved «Fullt navn» (navn) med meldingen «Navnet er for langt.» er fjernet.",
        "Egenskapen telefon er fjernet fra API-dokumentet.",
    ] {
        assert!(nb.iter().any(|w| w == want), "{want}\nnot in {nb:#?}");
    }
    for want in [
        "The field “Name” (navn) no longer has to be filled in (before: when Type is “Gift”).",
        "The group “Rows” (rader): the row heading has been removed (was: “Row {n}”).",
        "The computed value “Total” (sum) is no longer a control total in the API document.",
        "New rule at “Age” (alder) requires that Age is at least 18; otherwise “You must be of age.” is shown.",
    ] {
        assert!(en.iter().any(|w| w == want), "{want}\nnot in {en:#?}");
    }
}

#[test]
fn settings_of_one_kind_of_field() {
    let changes = compare(&form(OLD2), &form(NEW2));
    let want = [
        "The form: the description is new: “Who owns.”",
        "The form now has an API at /api/eiere with the scope s:eiere.",
        "The page “Owner” (eier): the introduction is new: “Give the owner.”",
        "The alternative “National identity or D number” (eier.fnr): the label has changed in Bokmål, Nynorsk and English: “National identity number” → “National identity or D number”.",
        "The field “Owner” (eier) has a new alternative: “Employee number” (eier.ansatt).",
        "The field “Owner” (eier): the alternative “Organisation number” (eier.orgnr) has been removed.",
        "The field “Colour” (farge): the hint of the option “rod” is new: “Like a fire engine.”",
        "The field “Colour” (farge) is now shown as a drop-down list.",
        "The field “Code” (kode): the help text is new: “Three or four capital letters.”",
        "The field “Code” (kode) is now always shown (before only when Colour is “Red”).",
        "The field “Code” (kode) is no longer filled in beforehand (before: with “ABC”).",
        "The field “Code” (kode): the pattern the answer must match is now “[A-Z]{3,4}” (before: “[A-Z]{3}”).",
        "The text “Note” on the page “Owner” has been removed.",
        "The computed value “Length” (lengde): the label is new: “Length”.",
        "The computed value “Length” (lengde) has a new type: amount in whole kroner (before: whole number).",
        "The API document gains the optional property eier.ansatt (integer).",
        "The property eier.orgnr has been removed from the API document.",
    ];
    assert_eq!(words(&changes, Lang::En), want);
    let nb = words(&changes, Lang::Nb);
    for want in [
        "Feltet «Eier» (eier) har fått et nytt alternativ: «Ansattnummer» (eier.ansatt).",
        "Feltet «Kode» (kode) vises nå alltid (før bare når Farge er «Rød»).",
        "Feltet «Kode» (kode): mønsteret svaret må følge er nå «[A-Z]{3,4}» (før: «[A-Z]{3}»).",
        "Teksten «Merk» på siden «Eier» er fjernet.",
    ] {
        assert!(nb.iter().any(|w| w == want), "{want}\nnot in {nb:#?}");
    }
}

#[test]
fn every_kind_of_change_is_covered_and_reads_as_a_sentence() {
    let pairs = [(OLD, NEW), (NEW, OLD), (OLD2, NEW2), (NEW2, OLD2)];
    let mut kinds = BTreeSet::new();
    for (a, b) in pairs {
        for c in compare(&form(a), &form(b)) {
            kinds.insert(kind(&c));
            for lang in Lang::ALL {
                let w = c.words(lang);
                let first = w.chars().next().unwrap_or(' ');
                assert!(first.is_uppercase(), "{w}");
                assert!(w.ends_with(['.', '»', '”']), "{w}");
            }
        }
    }
    let every = [
        "Form::Text",
        "Form::Area",
        "Form::Resource",
        "Form::Level",
        "Form::Persons",
        "Form::Package",
        "Api::Added",
        "Api::Removed",
        "Api::Base",
        "Api::Scope",
        "Api::Year",
        "Page::Added",
        "Page::Removed",
        "Page::Moved",
        "Page::Text",
        "Page::Condition",
        "Field::Added",
        "Field::Removed",
        "Field::Moved",
        "Field::Kind",
        "Field::Text",
        "Field::Required",
        "Field::Condition",
        "Field::Prefill",
        "Field::Limit",
        "Field::OptionAdded",
        "Field::OptionRemoved",
        "Field::Display",
        "Field::FileKind",
        "Field::Alternative",
        "Computed::Added",
        "Computed::Removed",
        "Computed::Value",
        "Computed::Text",
        "Computed::ControlTotal",
        "Computed::Kind",
        "Rule::Added",
        "Rule::Removed",
        "Rule::Check",
        "Rule::Text",
        "Schema::Added",
        "Schema::Removed",
        "Schema::Type",
        "Schema::Required",
    ];
    let missing: Vec<&str> = every.into_iter().filter(|k| !kinds.contains(*k)).collect();
    assert!(missing.is_empty(), "not covered: {missing:?}");
}

#[test]
fn two_real_forms_compare_without_surprises() {
    let loaded = crate::form::load::load_dir(Path::new("forms"));
    let catalog = loaded.catalog.expect("the forms in forms/ load");
    let a = catalog.latest("RF-1140").expect("RF-1140");
    let b = catalog.latest("RF-1139").expect("RF-1139");
    let changes = compare(a, b);
    let nb = words(&changes, Lang::Nb);
    for want in [
        "Skjemaet bruker nå Altinn-ressursen «ske-innrapportering-boligselskap» (før: «ske-innrapportering-boligsameie»).",
        "Siden «Oppgaver per eier» (oppgaver) vises nå bare når svaret på «Hva skal du rapportere?» er «Opplysninger om eierne av boenhetene» (før: når svaret på «Hva skal du rapportere?» er «Opplysninger om seksjonseierne»).",
        "Ny regel ved «Eierandel, teller» (leveranse[0].oppgave[*].eierandel.eierandelTeller) krever at «Eierandel, teller» er høyst «Eierandel, nevner» i hver rad i Oppgaver; ellers vises «Telleren kan ikke være større enn nevneren. En eierandel kan ikke være mer enn hele boenheten.»",
        "Egenskapen leveranse i API-dokumentet har fått ny type: array (før: object).",
        "API-dokumentet får en ny valgfri egenskap: leveranse[*] (object).",
    ] {
        assert!(nb.iter().any(|w| w == want), "{want}\nnot in {nb:#?}");
    }
    // What hangs under a new property is not listed again.
    assert!(!nb.iter().any(|w| w.contains("leveranse[*].")), "{nb:#?}");
}

#[test]
fn a_requirement_and_a_locked_field() {
    let old = r#"
id = "T-1"
version = "1"
area = "a"
resource = "r-1"
title = { nb = "T", nn = "T", en = "T" }

[[page]]
id = "start"
title = { nb = "Start", nn = "Start", en = "Start" }

  [[page.field]]
  bind = "navn"
  kind = "text"
  label = { nb = "Navn", nn = "Namn", en = "Name" }
  prefill = "register.navn"
"#;
    let new = old
        .replace(
            "title = { nb = \"T\"",
            "requires = [\"mva\"]\ntitle = { nb = \"T\"",
        )
        .replace(
            "prefill = \"register.navn\"",
            "prefill = \"register.navn\"\n  locked = true",
        );
    let changes = compare(&form(old), &form(&new));
    let kinds: Vec<String> = changes.iter().map(kind).collect();
    assert_eq!(kinds, ["Form::Requires", "Field::Locked"]);
    for lang in Lang::ALL {
        for w in words(&changes, lang) {
            assert!(w.chars().next().is_some_and(char::is_uppercase), "{w}");
            assert!(w.ends_with('.'), "{w}");
        }
    }
    assert_eq!(
        words(&changes, Lang::Nb),
        [
            "Bare organisasjoner registrert i Merverdiavgiftsregisteret kan nå starte skjemaet.",
            "Feltet «Navn» (navn) kan ikke lenger endres når verdien er hentet fra et register."
        ]
    );
    let back = compare(&form(&new), &form(old));
    assert_eq!(
        words(&back, Lang::En),
        [
            "Organisations no longer need to be registered in the VAT Register to start the form.",
            "The field “Name” (navn) can now be changed even when its value comes from a register."
        ]
    );
}
