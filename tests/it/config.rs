//! The configuration as the real binary reads it: `tasteskjema config check` and a refused
//! `serve`, each run with nothing from the environment but what the case gives.

use std::process::{Command, Output};

/// Runs the binary with `args`, the forms of this tree, a fresh data directory and `vars`.
fn run(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let data = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_tasteskjema"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TASTESKJEMA_FORMS_DIR", crate::helpers::forms_dir())
        .env("TASTESKJEMA_DATA_DIR", data.path())
        .envs(vars.iter().copied())
        .current_dir(data.path())
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const EVERY_PRODUCTION_SETTING: [&str; 18] = [
    "TASTESKJEMA_IDPORTEN_ISSUER",
    "TASTESKJEMA_IDPORTEN_CLIENT_ID",
    "TASTESKJEMA_IDPORTEN_CLIENT_KEY_FILE",
    "TASTESKJEMA_IDPORTEN_CLIENT_KEY_ID",
    "TASTESKJEMA_ANSATT_ISSUER",
    "TASTESKJEMA_ANSATT_CLIENT_ID",
    "TASTESKJEMA_ANSATT_CLIENT_KEY_FILE",
    "TASTESKJEMA_ANSATT_CLIENT_KEY_ID",
    "TASTESKJEMA_ALTINN_URL",
    "TASTESKJEMA_DOMAIN_URL",
    "TASTESKJEMA_MASKINPORTEN_ISSUER",
    "TASTESKJEMA_MASKINPORTEN_CLIENT_ID",
    "TASTESKJEMA_MASKINPORTEN_KEY_FILE",
    "TASTESKJEMA_MASKINPORTEN_KEY_ID",
    "TASTESKJEMA_DIALOGPORTEN_URL",
    "TASTESKJEMA_ENHETSREGISTERET_URL",
    "TASTESKJEMA_FOLKEREGISTER_URL",
    "TASTESKJEMA_PUBLIC_URL",
];

#[test]
fn config_check_shows_the_defaults_and_says_ok() {
    let out = run(
        &["config", "check"],
        &[("TASTESKJEMA_DATABASE_URL", "postgres://u:hunter2@db/ts")],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("\nproduction = false\n"), "{stdout}");
    assert!(
        stdout.contains("\nlisten = \"127.0.0.1:8080\"\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\ntrusted_proxies = []\n"), "{stdout}");
    assert!(stdout.contains("database_url = \"[REDACTED]\""), "{stdout}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("ok"), "{stdout}");
}

#[test]
fn config_check_names_a_bad_variable_and_fails() {
    let out = run(
        &["config", "check"],
        &[
            ("TASTESKJEMA_PRODUCTION", "True"),
            ("TASTESKJEMA_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/33"),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    // The settings are shown all the same, then the problems.
    assert!(stdout.contains("\nlisten = "), "{stdout}");
    let problems = stdout
        .split("\nproblems:\n")
        .nth(1)
        .expect("a problems list");
    assert!(
        problems.contains(
            "TASTESKJEMA_PRODUCTION (production): \"True\" is not a boolean (accepted: true, false, 1, 0, yes, no"
        ),
        "{stdout}"
    );
    assert!(
        problems.contains("TASTESKJEMA_TRUSTED_PROXIES (trusted_proxies): \"10.0.0.0/33\""),
        "{stdout}"
    );
    assert_eq!(problems.lines().count(), 2, "{stdout}");
}

#[test]
fn config_check_lists_every_missing_production_setting_at_once() {
    let out = run(&["config", "check"], &[("TASTESKJEMA_PRODUCTION", "true")]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let problems = stdout
        .split("\nproblems:\n")
        .nth(1)
        .expect("a problems list");
    for var in EVERY_PRODUCTION_SETTING {
        assert!(problems.contains(var), "{var} in {stdout}");
    }
    assert_eq!(
        problems.lines().count(),
        EVERY_PRODUCTION_SETTING.len(),
        "{stdout}"
    );
}

#[test]
fn config_check_reads_the_file_given_as_serve_would() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tasteskjema.toml");
    std::fs::write(&file, "login_per_minute = 0\nbody_limit = \"ten\"\n").unwrap();
    let out = run(
        &["--config", file.to_str().unwrap(), "config", "check"],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("login_per_minute (TASTESKJEMA_LOGIN_PER_MINUTE): 0 is too small"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{}: body_limit (TASTESKJEMA_BODY_LIMIT): ",
            file.display()
        )),
        "{stdout}"
    );
}

#[test]
fn serve_refuses_to_start_on_a_bad_variable_or_a_missing_production_setting() {
    let out = run(
        &["serve"],
        &[
            ("TASTESKJEMA_LISTEN", "127.0.0.1:0"),
            ("TASTESKJEMA_PRODUCTION", "True"),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("TASTESKJEMA_PRODUCTION"), "{stderr}");

    let out = run(
        &["serve"],
        &[
            ("TASTESKJEMA_LISTEN", "127.0.0.1:0"),
            ("TASTESKJEMA_LOG", "error"),
            ("TASTESKJEMA_PRODUCTION", "true"),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    for var in EVERY_PRODUCTION_SETTING {
        assert!(stderr.contains(var), "{var} in {stderr}");
    }
}

/// A binary built in one place and run in another reads `./forms` of where it runs, not a path
/// compiled into it.
#[test]
fn the_default_forms_folder_is_the_working_directorys() {
    let run_in = |dir: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_tasteskjema"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(dir)
            .args(["config", "check"])
            .output()
            .expect("the binary runs")
    };
    let empty = tempfile::tempdir().unwrap();
    let out = run_in(empty.path());
    let (stdout, stderr) = text(&out);
    assert_ne!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains("forms is not a directory"),
        "{stdout}{stderr}"
    );
    std::fs::create_dir(empty.path().join("forms")).unwrap();
    let out = run_in(empty.path());
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("\nforms_dir = \"forms\"\n"), "{stdout}");
}

/// Runs the binary with `args` as [`run`] does, its standard output a pipe whose reading end is
/// already closed, as `| head` leaves it once it has read enough.
fn run_into_closed_pipe(args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = Command::new(env!("CARGO_BIN_EXE_tasteskjema"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TASTESKJEMA_FORMS_DIR", crate::helpers::forms_dir())
        .env("TASTESKJEMA_DATA_DIR", data.path())
        .current_dir(data.path())
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.wait_with_output().unwrap()
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    for args in [
        &["schema", "RF-1140"][..],
        &["config", "check"],
        &[
            "dev",
            "token",
            "--org",
            "819897522",
            "--scope",
            "skatteetaten:innrapporteringboligsameie",
        ],
    ] {
        let out = run_into_closed_pipe(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

/// The `iss` of the token `dev token` prints with `vars` (and `extra` arguments).
fn dev_token_issuer(vars: &[(&str, &str)], extra: &[&str]) -> String {
    let mut args = vec![
        "dev",
        "token",
        "--org",
        "819897522",
        "--scope",
        "skatteetaten:innrapporteringboligsameie",
    ];
    args.extend_from_slice(extra);
    let out = run(&args, vars);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let claims: serde_json::Value =
        jsonwebtoken::dangerous::insecure_decode_claims(stdout.trim()).unwrap();
    claims["iss"].as_str().unwrap().to_owned()
}

#[test]
fn dev_token_signs_as_the_issuer_the_configured_portal_accepts() {
    assert_eq!(
        dev_token_issuer(&[], &[]),
        "http://127.0.0.1:8080/dev/maskinporten/"
    );
    assert_eq!(
        dev_token_issuer(&[("TASTESKJEMA_LISTEN", "127.0.0.1:9181")], &[]),
        "http://127.0.0.1:9181/dev/maskinporten/"
    );
    assert_eq!(
        dev_token_issuer(
            &[
                ("TASTESKJEMA_LISTEN", "127.0.0.1:9181"),
                ("TASTESKJEMA_PUBLIC_URL", "http://localhost:9182/")
            ],
            &[]
        ),
        "http://localhost:9182/dev/maskinporten/"
    );
    // The stand-ins running alone, elsewhere: the issuer the portal is told to accept.
    let alone = "http://127.0.0.1:9183/dev/maskinporten/";
    assert_eq!(
        dev_token_issuer(&[("TASTESKJEMA_MASKINPORTEN_ISSUER", alone)], &[]),
        alone
    );
    // `--issuer` still wins.
    assert_eq!(
        dev_token_issuer(
            &[("TASTESKJEMA_LISTEN", "127.0.0.1:9181")],
            &["--issuer", "http://127.0.0.1:9184/dev/maskinporten/"]
        ),
        "http://127.0.0.1:9184/dev/maskinporten/"
    );
}
