//! A small form in a temporary folder, loaded as the server loads it, and scenarios that pass and
//! scenarios that must fail with the line that says why.

use std::path::{Path, PathBuf};

use super::*;

const AREAS: &str = r#"
[[area]]
id = "a"
title = { nb = "A", nn = "A", en = "A" }
description = { nb = "A", nn = "A", en = "A" }
channels = ["tasteskjema"]
"#;

const FORM: &str = r#"
id = "T-1"
version = "1"
area = "a"
resource = "r"
title = { nb = "T", nn = "T", en = "T" }

[[page]]
id = "start"
title = { nb = "Start", nn = "Start", en = "Start" }

  [[page.field]]
  bind = "a.type"
  kind = "choice"
  label = { nb = "Type", nn = "Type", en = "Type" }
  required = true
  options = [{ value = "x", label = { nb = "X", nn = "X", en = "X" } }, { value = "y", label = { nb = "Y", nn = "Y", en = "Y" } }]

  [[page.field]]
  bind = "a.org"
  kind = "orgnr"
  label = { nb = "Org", nn = "Org", en = "Org" }
  prefill = "party.orgnr"

  [[page.field]]
  bind = "a.dato"
  kind = "date"
  label = { nb = "Dato", nn = "Dato", en = "Date" }
  when = "a.type == 'x'"

[[page]]
id = "mer"
title = { nb = "Mer", nn = "Meir", en = "More" }
when = "a.type == 'y'"

  [[page.field]]
  bind = "a.n"
  kind = "integer"
  label = { nb = "N", nn = "N", en = "N" }
  required = true
  min = 1

[[computed]]
bind = "a.double"
value = "a.n * 2"
kind = "integer"
required = true

[[rule]]
check = "a.dato <= today()"
path = "a.dato"
message = { nb = "Datoen kan ikke være fram i tid", nn = "Datoen kan ikkje vere fram i tid", en = "The date cannot be in the future" }
"#;

/// A forms folder with the form and `scenarios` beside it.
fn folder(scenarios: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("areas.toml"), AREAS).unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::fs::write(dir.path().join("a/T-1.toml"), FORM).unwrap();
    let file = dir.path().join("a/T-1.scenarios.toml");
    std::fs::write(&file, scenarios).unwrap();
    (dir, file)
}

/// The problems of running `scenarios`, each as `scenario: problem` (the folder left out).
fn problems(scenarios: &str) -> Vec<String> {
    let (dir, file) = folder(scenarios);
    let report = test_dir(dir.path());
    report
        .problems
        .iter()
        .map(|p| {
            assert_eq!(p.file, file, "{p}");
            p.to_string()
                .strip_prefix(&format!("{}:", file.display()))
                .expect("the file first")
                .to_string()
        })
        .collect()
}

const VALID_Y: &str = r#"
[context]
today = 2026-03-01
party = { orgnr = "819897522" }

[[scenario]]
name = "y"
description = "Type y shows the second page."
answers = { a = { type = "y", n = 3 } }
pages = ["start", "mer"]
visible = ["a.n", "a.org"]
hidden = ["a.dato"]
computed = { "a.double" = 6 }
errors = []
submitted = { a = { type = "y", org = "819897522", n = 3, double = 6 } }
"#;

#[test]
fn a_scenario_that_holds_passes() {
    let (dir, _) = folder(VALID_Y);
    let report = test_dir(dir.path());
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.forms, report.scenarios), (1, 1));
}

#[test]
fn each_expectation_that_does_not_hold_is_one_line() {
    let broken = VALID_Y
        .replace(r#"pages = ["start", "mer"]"#, r#"pages = ["start"]"#)
        .replace(r#"hidden = ["a.dato"]"#, r#"hidden = ["a.n", "a.nope"]"#)
        .replace(r#""a.double" = 6"#, r#""a.double" = 7"#)
        .replace(
            "errors = []",
            r#"errors = [{ path = "a.type", code = "required" }]"#,
        )
        .replace("n = 3, double = 6", "n = 3, double = 6.0, extra = true");
    assert_eq!(
        problems(&broken),
        [
            "y: expected error a.type required, not reported",
            "y: pages: expected [start], got [start, mer]",
            "y: a.n: expected hidden, is visible",
            "y: a.nope: no field of the form has this path",
            "y: computed a.double: expected 7, got 6",
            "y: submitted a.extra: expected true, got nothing",
        ]
    );
}

#[test]
fn an_error_not_expected_is_named_with_its_message() {
    let s = VALID_Y.replace("n = 3 }", "n = 0 }").replace(
        "submitted = { a = { type = \"y\", org = \"819897522\", n = 3, double = 6 } }",
        "submitted_includes = { a = { n = 0 } }",
    );
    assert_eq!(
        problems(&s),
        [
            "y: unexpected error a.n too_small («N» må være 1 eller mer)",
            "y: computed a.double: expected 6, got 0",
        ]
    );
}

#[test]
fn the_submitted_document_is_what_the_portal_keeps() {
    // Type x hides the second page: its answer is removed as a save removes it, the computed
    // value then has nothing to count (null, which TOML cannot write and counts as absent), and
    // an empty answer clears the prefill.
    let s = r#"
[[scenario]]
name = "x"
description = "Type x."
context = { today = "2026-03-01", party = { orgnr = "819897522" } }
answers = { a = { type = "x", n = 3, org = "", dato = "2026-02-01" } }
pages = ["start"]
visible = ["a.dato"]
hidden = ["a.n"]
errors = []
submitted = { a = { type = "x", dato = "2026-02-01" } }
"#;
    assert_eq!(problems(s), Vec::<String>::new());
    let kept = s.replace("org = \"\", ", "");
    assert_eq!(
        problems(&kept),
        ["x: submitted a.org: expected nothing, got \"819897522\""]
    );
}

#[test]
fn today_is_fixed_by_the_scenario() {
    let s = |today: &str| {
        format!(
            r#"
[[scenario]]
name = "dato"
description = "The rule reads today()."
context = {{ today = {today} }}
answers = {{ a = {{ type = "x", dato = "2026-03-02" }} }}
errors = []
"#
        )
    };
    assert_eq!(problems(&s("2026-03-05")), Vec::<String>::new());
    assert_eq!(
        problems(&s("2026-03-01")),
        ["dato: unexpected error a.dato rule (Datoen kan ikke være fram i tid)"]
    );
}

#[test]
fn the_api_channel_computes_nothing() {
    let s = r#"
[[scenario]]
name = "api"
description = "A document without its control total."
channel = "api"
answers = { a = { type = "y", n = 3 } }
errors = [{ path = "a.double", code = "computed" }]
submitted = { a = { type = "y", n = 3 } }
"#;
    assert_eq!(problems(s), Vec::<String>::new());
}

#[test]
fn a_form_without_scenarios_fails() {
    let (dir, file) = folder("");
    std::fs::remove_file(&file).unwrap();
    let report = test_dir(dir.path());
    assert_eq!(report.problems.len(), 1);
    assert_eq!(
        report.problems[0].to_string(),
        format!(
            "{}: no scenarios: expected {}",
            dir.path().join("a/T-1.toml").display(),
            file.display()
        )
    );
}

#[test]
fn file_problems_are_named() {
    let p = |src: &str| {
        parse(Path::new("s.toml"), src)
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        p(
            "[[scenario]]\nname = \"a\"\ndescription = \"d\"\nerrors = []\n[[scenario]]\nname = \"a\"\ndescription = \"d\"\nerrors = []\n"
        ),
        ["s.toml:a: another scenario has this name"]
    );
    assert_eq!(
        p(
            "[[scenario]]\nname = \"a\"\ndescription = \"d\"\nerrors = []\nanswers = {}\nanswers_json = \"x.json\"\n"
        ),
        ["s.toml:a: give answers or answers_json, not both"]
    );
    assert_eq!(
        p(
            "[[scenario]]\nname = \"a\"\ndescription = \"d\"\nerrors = []\ncontext = { today = \"2026-02-30\" }\n"
        ),
        ["s.toml:a: today: 2026-02-30 is not a date (YYYY-MM-DD)"]
    );
    let missing = p("[[scenario]]\nname = \"a\"\ndescription = \"d\"\n");
    assert_eq!(missing.len(), 1);
    assert!(
        missing[0].starts_with("s.toml:1: missing field `errors`"),
        "{missing:?}"
    );
}

#[test]
fn scenarios_files_are_found_beside_their_forms() {
    let f = Path::new("forms/g/RF-1140.toml");
    assert_eq!(file_of(f), Path::new("forms/g/RF-1140.scenarios.toml"));
    assert!(is_scenarios_file(&file_of(f)));
    assert!(!is_scenarios_file(f));
}

#[test]
fn the_preview_gets_each_scenarios_answers() {
    let (dir, _) = folder(VALID_Y);
    let loaded = crate::form::load::load_dir(dir.path());
    let catalog = loaded.catalog.expect("the form loads beside its scenarios");
    let form = catalog.latest("T-1").unwrap();
    let read = of_form(form);
    assert!(read.problems.is_empty());
    assert_eq!(read.scenarios.len(), 1);
    assert_eq!(read.scenarios[0].name, "y");
    assert_eq!(
        read.scenarios[0].answers,
        serde_json::json!({ "a": { "type": "y", "n": 3 } })
    );
}

/// A form prefilled from the registers: the name locked, the postcode editable, a registration
/// locked into a yes/no, the person's address editable.
const REGISTER_FORM: &str = r#"
id = "T-1"
version = "1"
area = "a"
resource = "r"
title = { nb = "T", nn = "T", en = "T" }
requires = ["mva"]

[[page]]
id = "start"
title = { nb = "Start", nn = "Start", en = "Start" }

  [[page.field]]
  bind = "v.navn"
  kind = "text"
  label = { nb = "Navn", nn = "Namn", en = "Name" }
  required = true
  max_length = 20
  prefill = "register.navn"
  locked = true

  [[page.field]]
  bind = "v.postnummer"
  kind = "postnummer"
  label = { nb = "Postnummer", nn = "Postnummer", en = "Postcode" }
  prefill = "register.postnummer"

  [[page.field]]
  bind = "v.mva"
  kind = "yesno"
  label = { nb = "MVA", nn = "MVA", en = "VAT" }
  required = true
  prefill = "register.mva"
  locked = true

  [[page.field]]
  bind = "p.adresse"
  kind = "text"
  label = { nb = "Adresse", nn = "Adresse", en = "Address" }
  prefill = "folkeregister.adresse"
"#;

#[test]
fn locked_answers_from_a_register_stay_and_false_is_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("areas.toml"), AREAS).unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::fs::write(dir.path().join("a/T-1.toml"), REGISTER_FORM).unwrap();
    let scenarios = r#"
[context]
register = { navn = "FIKTIV AS", postnummer = "0150", mva = true }
folkeregister = { adresse = "Testveien 12B" }

[[scenario]]
name = "laast"
description = "The locked answers stay whatever the answers say; the editable ones change."
answers = { v = { navn = "ANNET AS", postnummer = "5003", mva = false } }
errors = []
submitted = { v = { navn = "FIKTIV AS", postnummer = "5003", mva = true }, p = { adresse = "Testveien 12B" } }

[[scenario]]
name = "for-langt-navn"
description = "A name the field would refuse is prefilled, but not locked: the user can fix it."
context = { register = { navn = "ET NAVN SOM ER ALTFOR LANGT AS" } }
answers = { v = { navn = "KORT AS" } }
errors = []
submitted_includes = { v = { navn = "KORT AS" } }

[[scenario]]
name = "ikke-svar"
description = "No answer from the registers: nothing prefilled, the user answers."
context = { register = false, folkeregister = false }
answers = { v = { navn = "ANNET AS", mva = false } }
errors = []
submitted = { v = { navn = "ANNET AS", mva = false } }
"#;
    std::fs::write(dir.path().join("a/T-1.scenarios.toml"), scenarios).unwrap();
    let report = test_dir(dir.path());
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.scenarios, 3);

    let bad = parse(
        Path::new("x.toml"),
        "[context]\nregister = true\n[[scenario]]\nname = \"a\"\ndescription = \"\"\nerrors = []\n",
    );
    assert!(
        bad.problems[0].message.contains("false for no answer"),
        "{:?}",
        bad.problems
    );
}
