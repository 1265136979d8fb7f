//! Against Skatteetaten's official specs and examples. They are not part of the repository: `.ci/run`
//! points `TASTESKJEMA_REFERENCE_DIR` at them. Without it these tests say so and pass, except in CI.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::helpers::{spawn_app, synthetic_fnr};

pub(crate) fn reference_dir() -> Option<PathBuf> {
    match std::env::var("TASTESKJEMA_REFERENCE_DIR") {
        Ok(d) => Some(PathBuf::from(d)),
        Err(_) => {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set TASTESKJEMA_REFERENCE_DIR"
            );
            eprintln!("TASTESKJEMA_REFERENCE_DIR is not set: reference checks skipped");
            None
        }
    }
}

/// Posts `doc` to `path` as the system user of `token`, with a new idempotencyKey: the status
/// and the JSON answer.
async fn post_json(
    app: &crate::helpers::TestApp,
    token: &str,
    path: String,
    doc: Value,
) -> (u16, Value) {
    let r = app
        .client
        .post(format!("{}{path}", app.addr))
        .bearer_auth(token)
        .header("idempotencyKey", uuid::Uuid::new_v4().to_string())
        .header("content-type", "application/json")
        .body(doc.to_string())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json::<Value>().await.unwrap())
}

fn read(dir: &std::path::Path, file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("skatteetaten").join(file)).unwrap())
        .unwrap()
}

/// The official `Melding` schema as a standalone JSON Schema (components kept for `$ref`).
fn melding_schema(openapi: &Value) -> jsonschema::Validator {
    let schema = json!({
        "$ref": "#/components/schemas/Melding",
        "components": openapi["components"],
    });
    jsonschema::validator_for(&schema).unwrap()
}

/// Replaces the documentation placeholder `00000000000` with synthetic numbers.
fn synthetic(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "foedselsnummer" && x == "00000000000" {
                        *x = json!(synthetic_fnr(1, 1, 80));
                    } else {
                        walk(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn our_schemas_accept_skatteetatens_examples() {
    let Some(dir) = reference_dir() else { return };
    let catalog = crate::forms::app_catalog();
    for (form, example) in [
        ("RF-1140", "boligsameie-innsending.request.json"),
        ("RF-1139", "boligselskap-innsending.request.json"),
    ] {
        let schema = tasteskjema::form::schema::json_schema(catalog.latest(form).unwrap());
        let v = jsonschema::validator_for(&schema).unwrap();
        let doc = synthetic(read(&dir, example));
        let e = errors(&v, &doc);
        assert!(e.is_empty(), "{form}: {e:?}");
    }
}

#[test]
fn every_bind_path_is_a_path_of_the_official_melding() {
    let Some(dir) = reference_dir() else { return };
    let catalog = crate::forms::app_catalog();
    for (form, spec) in [
        ("RF-1140", "skatteetaten-boligsameie-api-1.0.0.openapi.json"),
        (
            "RF-1139",
            "skatteetaten-boligselskap-api-1.0.1.openapi.json",
        ),
    ] {
        let openapi = read(&dir, spec);
        let schema = tasteskjema::form::schema::json_schema(catalog.latest(form).unwrap());
        // Walk our schema's properties and find each in the official one.
        fn resolve<'a>(openapi: &'a Value, s: &'a Value) -> &'a Value {
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let name = r.rsplit('/').next().unwrap();
                    resolve(openapi, &openapi["components"]["schemas"][name])
                }
                None => s,
            }
        }
        fn props<'a>(openapi: &'a Value, s: &'a Value) -> Vec<(&'a String, &'a Value)> {
            let s = resolve(openapi, s);
            let mut out: Vec<_> = s["properties"]
                .as_object()
                .map(|m| m.iter().collect())
                .unwrap_or_default();
            for alt in s["oneOf"].as_array().into_iter().flatten() {
                out.extend(alt["properties"].as_object().into_iter().flatten());
            }
            out
        }
        fn walk(
            openapi: &Value,
            ours: &Value,
            theirs: &Value,
            at: &str,
            missing: &mut Vec<String>,
        ) {
            if ours["type"] == "array" {
                let t = resolve(openapi, theirs);
                return walk(
                    openapi,
                    &ours["items"],
                    &t["items"],
                    &format!("{at}[]"),
                    missing,
                );
            }
            let tp = props(openapi, theirs);
            for (k, sub) in ours["properties"].as_object().into_iter().flatten() {
                match tp.iter().find(|(n, _)| *n == k) {
                    Some((_, t)) => walk(openapi, sub, t, &format!("{at}.{k}"), missing),
                    None => missing.push(format!("{at}.{k}")),
                }
            }
        }
        let mut missing = Vec::new();
        walk(
            &openapi,
            &schema,
            &json!({"$ref": "#/components/schemas/Melding"}),
            "",
            &mut missing,
        );
        assert!(
            missing.is_empty(),
            "{form}: not in the official Melding: {missing:?}"
        );
    }
}

#[tokio::test]
async fn a_document_saved_from_the_browser_is_a_valid_official_melding() {
    let Some(dir) = reference_dir() else { return };
    let app = spawn_app().await;
    let summary = crate::forms::fill_rf1140(&app).await;
    let doc = app.document(&summary).await;
    let v = melding_schema(&read(
        &dir,
        "skatteetaten-boligsameie-api-1.0.0.openapi.json",
    ));
    let e = errors(&v, &doc);
    assert!(e.is_empty(), "{e:?}\n{doc:#}");
}

#[test]
fn skatteetatens_example_passes_our_validation_with_synthetic_numbers() {
    let Some(dir) = reference_dir() else { return };
    let catalog = crate::forms::app_catalog();
    let form = catalog.latest("RF-1140").unwrap();
    let mut doc = synthetic(read(&dir, "boligsameie-innsending.request.json"));
    doc["leveranse"]["inntektsaar"] = json!(2025);
    let ctx = tasteskjema::form::Context::default();
    let errs =
        tasteskjema::form::validate::validate(form, &doc, tasteskjema::form::Scope::All, &ctx);
    let list: Vec<String> = errs
        .iter()
        .map(|e| format!("{}: {}", e.sti(), e.message(tasteskjema::form::Lang::En)))
        .collect();
    assert!(list.is_empty(), "{list:?}");
    // A sum that does not match the rows is an error at its path.
    doc["leveranse"]["oppgaveoppsummering"]["sumAndelFormue"] = json!(1);
    let errs =
        tasteskjema::form::validate::validate(form, &doc, tasteskjema::form::Scope::All, &ctx);
    assert!(
        errs.iter()
            .any(|e| e.sti() == "leveranse.oppgaveoppsummering.sumAndelFormue")
    );
}

#[tokio::test]
async fn skatteetatens_example_through_the_api() {
    let Some(dir) = reference_dir() else { return };
    let app = spawn_app().await;
    let token = app.token("819897522", "skatteetaten:innrapporteringboligsameie");
    let post = |doc: Value| {
        post_json(
            &app,
            &token,
            "/api/innrapportering/boligsameie/v1/2025".to_owned(),
            doc,
        )
    };
    let mut example = read(&dir, "boligsameie-innsending.request.json");
    example["leveranse"]["inntektsaar"] = json!(2025);
    // As published, its documentation placeholder for a person number is refused at its path…
    let (status, feil) = post(example.clone()).await;
    assert_eq!(status, 400, "{feil}");
    assert_eq!(feil["kode"], "GLD_010");
    let details = feil["spesifisering"].as_array().unwrap();
    assert_eq!(details.len(), 1, "{feil}");
    assert_eq!(
        details[0]["sti"],
        "leveranse.oppgave[1].oppgaveeier.foedselsnummer"
    );
    assert_eq!(details[0]["angittVerdi"], "00000000000");
    // …and with a synthetic number in its place it is received.
    let (status, ok) = post(synthetic(example)).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["antallOppgaver"], 2);
    assert_eq!(ok["oppgavegiversLeveranseReferanse"], "Leveranse-1");
}

/// Skatteetaten's example delivery of a GLD scheme (`catalogue/gld/`), with its placeholder
/// identities replaced by synthetic ones and the income year set to 2025: each person number by a
/// test number of its own, the oppgavegiver by `oppgavegiver`, and an invalid organisation number
/// of an owner (the examples' 987654321 fails mod-11) by a valid one.
fn gld_example(dir: &std::path::Path, file: &str, oppgavegiver: &str) -> Value {
    let path = dir.join("catalogue").join("gld").join(file);
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let l = &mut doc["leveranse"];
    // As given: a number or a number as text; the year follows the example's own choice.
    l["inntektsaar"] = match l["inntektsaar"] {
        Value::String(_) => json!("2025"),
        _ => json!(2025),
    };
    l["oppgavegiver"]["organisasjonsnummer"] = json!(oppgavegiver);
    let mut n = 0;
    for task in l["oppgave"].as_array_mut().unwrap() {
        let owner = &mut task["oppgaveeier"];
        if owner.get("foedselsnummer").is_some() {
            n += 1;
            owner["foedselsnummer"] = json!(synthetic_fnr(n, 1, 90));
        }
        if owner.get("organisasjonsnummer").is_some() {
            owner["organisasjonsnummer"] = json!("311800051");
        }
    }
    doc
}

#[tokio::test]
async fn each_gld_schemes_example_is_received_through_its_api() {
    let Some(dir) = reference_dir() else { return };
    let app = spawn_app().await;
    for (file, org, scope, base) in [
        (
            "passogstell-RF-1241.example.json",
            "212918172",
            "skatteetaten:innrapporteringpassogstell",
            "/api/innrapportering/passogstell",
        ),
        (
            "gavertilfrivillige-RF-1310.example.json",
            "313874664",
            "skatteetaten:innrapporteringgaverfrivilligeorganisasjoner",
            "/api/innrapportering/gaverfrivilligeorganisasjoner",
        ),
        (
            "bsu-RF-1360.example.json",
            "311800108",
            "skatteetaten:innrapporteringboligsparingungdom",
            "/api/innrapportering/boligsparingungdom",
        ),
    ] {
        let mut doc = gld_example(&dir, file, org);
        if file.starts_with("bsu") {
            bsu_as_a_bank_would_send_it(&mut doc);
        }
        let token = app.token(org, scope);
        let post = |path: String, doc: Value| post_json(&app, &token, path, doc);
        let tasks = doc["leveranse"]["oppgave"].as_array().unwrap().len();
        let (status, checked) = post(format!("{base}/v1/2025/validering"), doc.clone()).await;
        assert_eq!(status, 200, "{file}: {checked}");
        let (status, ok) = post(format!("{base}/v1/2025"), doc.clone()).await;
        assert_eq!(status, 200, "{file}: {ok}");
        assert_eq!(ok["antallOppgaver"], tasks, "{file}");
        assert!(ok["forsendelseId"].is_string(), "{file}: {ok}");
        // A control sum that does not add up is refused at its path, as text or as a number.
        let mut wrong = doc.clone();
        let sums = wrong["leveranse"]["oppgaveoppsummering"]
            .as_object_mut()
            .unwrap();
        let (key, _) = sums
            .iter()
            .find(|(k, _)| k.starts_with("sum"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .unwrap();
        sums.insert(key.clone(), json!("1"));
        let (status, feil) = post(format!("{base}/v1/2025"), wrong).await;
        assert_eq!(status, 400, "{file}: {feil}");
        assert!(
            feil["spesifisering"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["sti"] == format!("leveranse.oppgaveoppsummering.{key}")),
            "{file}: {feil}"
        );
    }
}

/// The BSU example as a bank would send it: its account numbers are placeholders (one has 12
/// digits, most fail the check digit), the bank it names as manager has a made-up number, and its
/// `sumUttaksbeloepBolig` (118 500) is not the sum of its one withdrawal (118 050). Real-looking
/// account numbers, a test organisation, and the sum the rows give.
fn bsu_as_a_bank_would_send_it(doc: &mut Value) {
    fn replace_orgnr(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "organisasjonsnummer" && x.is_string() {
                        *x = json!("311800051");
                    } else {
                        replace_orgnr(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(replace_orgnr),
            _ => {}
        }
    }
    let l = &mut doc["leveranse"];
    for (i, task) in l["oppgave"].as_array_mut().unwrap().iter_mut().enumerate() {
        task["kontonummer"] = json!(account(1_503_001_234 + i as u64 * 7));
        replace_orgnr(&mut task["avgangsmelding"]);
        replace_orgnr(&mut task["mottaksmelding"]);
    }
    let withdrawn: i64 = l["oppgave"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.get("uttaksbeloepBolig").and_then(Value::as_i64))
        .sum();
    l["oppgaveoppsummering"]["sumUttaksbeloepBolig"] = json!(withdrawn);
}

/// An 11-digit account number from ten digits and their mod-11 check digit (the next ten digits
/// when the check digit would be 10).
fn account(mut first: u64) -> String {
    loop {
        let digits = format!("{first:010}");
        let sum: u32 = digits
            .bytes()
            .zip([5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        match (11 - sum % 11) % 11 {
            10 => first += 1,
            k => return format!("{digits}{k}"),
        }
    }
}

/// Skatteetaten's example aksjonærregisteroppgave (`catalogue/aksjonaerregister/`), with its
/// shareholder's fødselsnummer replaced by a synthetic one of our own and the income year 2025.
fn ar_example(dir: &std::path::Path, file: &str) -> String {
    let path = dir.join("catalogue").join("aksjonaerregister").join(file);
    let xml = std::fs::read_to_string(path).unwrap();
    let year = regex::Regex::new(r#"(<Inntektsar-datadef-692 orid="692">)\s*\d{4}\s*<"#).unwrap();
    let fnr =
        regex::Regex::new(r#"(<AksjonarFodselsnummer-datadef-1156 orid="1156">)\s*\d{11}\s*<"#)
            .unwrap();
    let xml = year.replace_all(&xml, "${1}2025<").into_owned();
    let synthetic = format!("${{1}}{}<", synthetic_fnr(14, 2, 93));
    fnr.replace_all(&xml, synthetic.as_str()).into_owned()
}

#[tokio::test]
async fn the_aksjonaerregister_examples_are_received_through_its_api_in_steps() {
    let Some(dir) = reference_dir() else { return };
    let app = spawn_app().await;
    let hoved = ar_example(&dir, "RF-1086-hovedskjema.example.xml");
    let under = ar_example(&dir, "RF-1086-U-underskjema.example.xml");
    assert!(hoved.contains(">2025<") && under.contains(">2025<"));
    assert!(under.contains(&synthetic_fnr(14, 2, 93)));
    let token = app.token(
        "314259521",
        "skatteetaten:innrapporteringaksjonaerregisteroppgave",
    );
    let base = "/api/innrapportering/aksjonaerregisteroppgave/1086/v1/2025";
    let post = |path: String, body: Option<String>| {
        let (client, url, token) = (app.client.clone(), app.addr.clone(), token.clone());
        async move {
            let mut rb = client
                .post(format!("{url}{path}"))
                .bearer_auth(token)
                .header("idempotencyKey", uuid::Uuid::new_v4().to_string());
            if let Some(b) = body {
                rb = rb.header("content-type", "application/xml").body(b);
            }
            let r = rb.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, checked) = post(format!("{base}/1086H/validering"), Some(hoved.clone())).await;
    assert_eq!(status, 200, "{checked}");
    let (status, opened) = post(format!("{base}/1086H"), Some(hoved)).await;
    assert_eq!(status, 201, "{opened}");
    let id = opened["hovedskjemaid"].as_str().unwrap().to_owned();
    let (status, added) = post(format!("{base}/{id}/1086U"), Some(under)).await;
    assert_eq!(status, 201, "{added}");
    let (status, ok) = post(format!("{base}/{id}/bekreft?antall_underskjema=1"), None).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["antallUnderskjema"], 1);
    assert_eq!(ok["oppgavegiversLeveranseReferanse"], id.as_str());
    assert!(ok["forsendelseId"].is_string(), "{ok}");
}
