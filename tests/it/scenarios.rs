//! `tasteskjema test-forms`: every form of this tree passes its scenarios, and a broken
//! expectation is reported as `file:scenario: problem` with a failing exit code.

use std::path::Path;
use std::process::{Command, Output};

fn test_forms(dir: &Path) -> (Output, String, String) {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tasteskjema"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TASTESKJEMA_DATA_DIR", data.path())
        .current_dir(data.path())
        .arg("test-forms")
        .arg(dir)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// Copies every file of `from` and its sub-folders (one level, as `forms/` is laid out) to `to`.
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_folder(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn every_form_passes_its_scenarios() {
    let (out, stdout, stderr) = test_forms(&crate::helpers::forms_dir());
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(stdout.ends_with(" form versions: ok\n"), "{stdout}");
}

#[test]
fn a_broken_expectation_names_file_and_scenario() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    copy_folder(&root.join("forms"), &tmp.path().join("forms"));
    // The RF-1140 scenarios read the API example by a path relative to themselves.
    copy_folder(
        &root.join("docs/examples"),
        &tmp.path().join("docs/examples"),
    );
    let file = tmp
        .path()
        .join("forms/grunnlagsdata/RF-1140.scenarios.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let wrong = r#"errors = [{ path = "leveranse.oppgave[0].eiertid.slutt", code = "pattern" }]"#;
    let broken = text.replacen(
        r#"errors = [{ path = "leveranse.oppgave[0].eiertid.slutt", code = "rule" }]"#,
        wrong,
        1,
    );
    assert_ne!(broken, text, "the scenario to break is there");
    std::fs::write(&file, broken).unwrap();

    let (out, stdout, stderr) = test_forms(&tmp.path().join("forms"));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let f = file.display();
    assert_eq!(
        stderr,
        format!(
            "{f}:eiertid-slutter-foer-start: unexpected error leveranse.oppgave[0].eiertid.slutt rule (Eiertiden kan ikke slutte før den begynner.)\n\
             {f}:eiertid-slutter-foer-start: expected error leveranse.oppgave[0].eiertid.slutt pattern, not reported\n"
        )
    );
    assert!(stdout.ends_with(": 2 problem(s)\n"), "{stdout}");

    // A form without scenarios fails too.
    std::fs::remove_file(&file).unwrap();
    let (out, _, stderr) = test_forms(&tmp.path().join("forms"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("RF-1140.toml: no scenarios: expected "),
        "{stderr}"
    );
}
