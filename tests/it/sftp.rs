//! SFTP with a real client: Debian's OpenSSH `sftp` in batch mode puts delivery files and reads
//! their answers, and is refused where it must be. And the page where a person registers their
//! organisation's keys.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tasteskjema::form::testdata::{Ask, generate};

use crate::helpers::{DINA, TestApp, count, spawn_app_with, spawn_logged_in_with};

const SKOGLY: &str = "819897522";
const BJORKELY: &str = "932061899";

fn rf1140(rows: usize, seed: u64) -> Value {
    let catalog = tasteskjema::load_catalog(&crate::helpers::forms_dir()).unwrap();
    generate(
        catalog.latest("RF-1140").unwrap(),
        &Ask {
            rows: Some(rows),
            seed,
            break_check: None,
        },
    )
    .unwrap()
}

fn with_sftp(c: &mut tasteskjema::config::Config) {
    c.sftp_listen = Some("127.0.0.1:0".parse().unwrap());
}

/// A test organisation's private key from `dev/keys`, copied where only its owner reads it (as
/// OpenSSH wants).
fn dev_key(dir: &Path, org: &str) -> PathBuf {
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("dev/keys")
        .join(org);
    let to = dir.join(org);
    std::fs::copy(&from, &to).unwrap();
    private(&to);
    to
}

fn private(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// A new Ed25519 key pair made by `ssh-keygen`: the private key's path and the public key.
async fn new_key(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let out = tokio::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .await
        .expect("ssh-keygen (Debian's openssh-client) is installed");
    assert!(out.status.success(), "{out:?}");
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    (path, public.trim().to_owned())
}

/// The options every run shares: no user configuration, no questions, this key only.
fn client_args(port: u16, key: &Path) -> Vec<String> {
    [
        "-F",
        "/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "PasswordAuthentication=no",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ConnectTimeout=20",
        "-i",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([key.display().to_string()])
    .chain(["-P".to_owned(), port.to_string()])
    .collect()
}

/// OpenSSH's `sftp -b -` as `user` with `key` (and `extra` options), reading its batch from a
/// pipe and killed when dropped.
fn sftp_command(
    addr: SocketAddr,
    user: &str,
    key: &Path,
    extra: &[&str],
) -> tokio::process::Command {
    let mut c = tokio::process::Command::new("sftp");
    c.args(client_args(addr.port(), key))
        .args(extra)
        .args(["-b", "-"])
        .arg(format!("{user}@{}", addr.ip()))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    c
}

/// Waits up to 10 s for `done`, looking every 100 ms; whether it came.
async fn within_10_s(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if done() {
            return true;
        }
    }
    false
}

/// Runs `batch` with OpenSSH's `sftp -b -` as `user` with `key`: whether every command succeeded,
/// and what it printed (stdout, then stderr).
async fn sftp(addr: SocketAddr, user: &str, key: &Path, batch: &str) -> (bool, String) {
    use tokio::io::AsyncWriteExt as _;
    let mut child = sftp_command(addr, user, key, &[])
        .spawn()
        .expect("sftp (Debian's openssh-client) is installed: apt-get install openssh-client");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(batch.as_bytes()).await.unwrap();
    drop(stdin);
    let out = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
        .await
        .expect("sftp finished within 90 s")
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// How many files this process has open in `dir` (the spool's files have no name there).
fn open_in(dir: &Path) -> usize {
    let dir = dir.canonicalize().unwrap();
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.starts_with(&dir))
        .count()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[tokio::test]
async fn a_valid_file_and_a_bad_one_are_answered_and_the_same_file_again_is_the_same_delivery() {
    let app = spawn_app_with(with_sftp).await;
    let addr = app.sftp.expect("the SFTP server runs");
    let dir = tempfile::tempdir().unwrap();
    let key = dev_key(dir.path(), SKOGLY);
    let good = serde_json::to_vec_pretty(&rf1140(25, 7)).unwrap();
    let ok = write(dir.path(), "ok.json", &good);
    let mut broken = rf1140(3, 8);
    broken["leveranse"]["oppgavegiver"]["organisasjonsnummer"] = Value::from("12345678");
    let bad = write(
        dir.path(),
        "bad.json",
        &serde_json::to_vec(&broken).unwrap(),
    );
    let answers = dir.path().join("answers");
    std::fs::create_dir(&answers).unwrap();

    let batch = format!(
        "ls\nls innsending\ncd innsending/boligsameie/2025\nput {} levering-1.json\nput {} levering-2.json\nls -l\ncd /kvittering\nls -l\nlcd {}\nget levering-1.json\nget levering-2.json\n",
        ok.display(),
        bad.display(),
        answers.display()
    );
    let (done, out) = sftp(addr, SKOGLY, &key, &batch).await;
    assert!(done, "{out}");
    // What the server listed (sftp echoes each command of the batch after `sftp> `).
    let listed: Vec<&str> = out.lines().filter(|l| !l.starts_with("sftp>")).collect();
    assert!(
        listed.iter().any(|l| l.trim() == "innsending   kvittering"),
        "{out}"
    );
    assert!(
        listed.iter().any(|l| l.trim() == "innsending/boligsameie"),
        "{out}"
    );
    assert!(
        listed.iter().any(|l| l.ends_with(" levering-1.json")),
        "{out}"
    );

    // The valid file became a submission through the one intake, with the organisation itself as
    // the submitter and its Leveransebekreftelse as the answer.
    let receipt = read_json(&answers.join("levering-1.json"));
    let forsendelse = receipt["forsendelseId"].as_str().unwrap().to_owned();
    assert_eq!(receipt["antallOppgaver"], 25, "{receipt}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM submissions WHERE channel = 'sftp' AND form_id = 'RF-1140' \
             AND party = 'org:819897522' AND submitter = 'org:819897522'"
        )
        .await,
        1
    );
    // The refused file's Feil names the field, as the API's would.
    let feil = read_json(&answers.join("levering-2.json"));
    assert_eq!(feil["kode"], "GLD_010", "{feil}");
    let details = feil["spesifisering"].as_array().unwrap();
    assert!(
        details.iter().any(|d| d["sti"]
            .as_str()
            .is_some_and(|s| s.contains("organisasjonsnummer"))
            && d["angittVerdi"] == "12345678"),
        "{feil}"
    );

    // Again, on a new connection, under another name: the same delivery, the same answer.
    let again = format!(
        "put {} innsending/boligsameie/2025/levering-3.json\nget kvittering/levering-3.json {}\n",
        ok.display(),
        answers.join("3.json").display()
    );
    let (done, out) = sftp(addr, SKOGLY, &key, &again).await;
    assert!(done, "{out}");
    let repeat = read_json(&answers.join("3.json"));
    assert_eq!(repeat["forsendelseId"], forsendelse.as_str(), "{repeat}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM submissions WHERE channel = 'sftp'"
        )
        .await,
        1
    );

    // Another organisation sees none of it, by any name.
    let other = dev_key(dir.path(), BJORKELY);
    let get = format!(
        "get kvittering/levering-1.json {}\n",
        answers.join("x").display()
    );
    let (done, out) = sftp(addr, BJORKELY, &other, &get).await;
    assert!(!done, "{out}");
    let (done, out) = sftp(addr, BJORKELY, &other, "ls -1 kvittering\n").await;
    assert!(done, "{out}");
    assert!(!out.contains("levering-1.json"), "{out}");

    // Taken files cannot be removed or renamed.
    for cmd in [
        "rm innsending/boligsameie/2025/levering-1.json",
        "rm kvittering/levering-1.json",
        "rename innsending/boligsameie/2025/levering-1.json innsending/boligsameie/2025/x.json",
        "rename kvittering/levering-1.json kvittering/x.json",
    ] {
        let (done, out) = sftp(addr, SKOGLY, &key, &format!("{cmd}\n")).await;
        assert!(!done, "{cmd} was allowed: {out}");
    }
    let (done, out) = sftp(addr, SKOGLY, &key, "ls -1 kvittering\n").await;
    assert!(done && out.contains("levering-1.json"), "{out}");
}

#[tokio::test]
async fn a_file_written_under_a_temporary_name_and_renamed_is_taken_under_its_name() {
    // As WinSCP writes large files: `x.json.filepart`, then renamed to `x.json`.
    let app = spawn_app_with(with_sftp).await;
    let addr = app.sftp.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dev_key(dir.path(), SKOGLY);
    let f = write(
        dir.path(),
        "f.json",
        &serde_json::to_vec(&rf1140(3, 2)).unwrap(),
    );
    let answer = dir.path().join("answer.json");
    let batch = format!(
        "cd innsending/boligsameie/2025\nput {} w.json.filepart\nrename w.json.filepart w.json\nget /kvittering/w.json {}\n",
        f.display(),
        answer.display()
    );
    let (done, out) = sftp(addr, SKOGLY, &key, &batch).await;
    assert!(done, "{out}");
    assert!(read_json(&answer)["forsendelseId"].is_string());
    let named = "SELECT COUNT(*) FROM sftp_files WHERE name = 'w.json'";
    assert_eq!(count(&app, named).await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sftp_files").await, 1);
}

#[tokio::test]
async fn a_file_of_another_year_is_refused_as_the_api_refuses_it() {
    let app = spawn_app_with(with_sftp).await;
    let addr = app.sftp.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dev_key(dir.path(), SKOGLY);
    let mut doc = rf1140(2, 1);
    doc["leveranse"]["inntektsaar"] = Value::from(2024);
    let f = write(dir.path(), "f.json", &serde_json::to_vec(&doc).unwrap());
    let out_file = dir.path().join("answer.json");
    let batch = format!(
        "put {} innsending/boligsameie/2025/f.json\nget kvittering/f.json {}\n",
        f.display(),
        out_file.display()
    );
    let (done, out) = sftp(addr, SKOGLY, &key, &batch).await;
    assert!(done, "{out}");
    let feil = read_json(&out_file);
    assert_eq!(feil["spesifisering"][0]["kode"], "GLD_1052", "{feil}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM submissions").await, 0);
}

#[tokio::test]
async fn what_is_not_allowed_is_refused() {
    let app = spawn_app_with(|c| {
        with_sftp(c);
        // RF-1140 takes the portal's default limit: a small one here.
        c.body_limit = 16 * 1024;
    })
    .await;
    let addr = app.sftp.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dev_key(dir.path(), SKOGLY);
    let small = write(
        dir.path(),
        "small.json",
        &serde_json::to_vec(&rf1140(2, 1)).unwrap(),
    );

    // A key nobody registered.
    let (stranger, _) = new_key(dir.path(), "stranger").await;
    let (done, out) = sftp(addr, SKOGLY, &stranger, "ls\n").await;
    assert!(!done, "{out}");
    assert!(out.contains("Permission denied"), "{out}");
    // Another organisation's user name with this organisation's key.
    let (done, out) = sftp(addr, BJORKELY, &key, "ls\n").await;
    assert!(!done, "{out}");
    assert!(out.contains("Permission denied"), "{out}");
    // Not an organisation number at all.
    let (done, _) = sftp(addr, "root", &key, "ls\n").await;
    assert!(!done);

    // Inside, each of these fails on its own.
    let refused = [
        // Another organisation's folder does not exist here.
        format!("ls /{BJORKELY}"),
        format!(
            "put {} /{BJORKELY}/innsending/boligsameie/2025/x.json",
            small.display()
        ),
        // No way up.
        "cd ..".to_owned(),
        "ls /innsending/../..".to_owned(),
        format!(
            "put {} innsending/boligsameie/2025/../2025/x.json",
            small.display()
        ),
        format!("put {} innsending/../../etc/x.json", small.display()),
        // No links, no new folders, nothing removed or renamed.
        "symlink /kvittering innsending/boligsameie/2025/link".to_owned(),
        "ln -s /kvittering innsending/boligsameie/2025/link".to_owned(),
        "mkdir innsending/boligsameie/2025/mine".to_owned(),
        "rm innsending/boligsameie/2025/x.json".to_owned(),
        "rename innsending/boligsameie/2025/a innsending/boligsameie/2025/b".to_owned(),
        // Only the schemes' folders and years take files.
        format!("put {} innsending/x.json", small.display()),
        format!("put {} innsending/boligsameie/2019/x.json", small.display()),
        format!("put {} kvittering/x.json", small.display()),
        format!(
            "put {} innsending/boligsameie/2025/.hidden",
            small.display()
        ),
    ];
    for cmd in &refused {
        let (done, out) = sftp(addr, SKOGLY, &key, &format!("{cmd}\n")).await;
        assert!(!done, "{cmd} was allowed: {out}");
    }

    // A file over the limit is refused while it is written, and never taken.
    let big = write(dir.path(), "big.json", &vec![b' '; 64 * 1024]);
    let (done, out) = sftp(
        addr,
        SKOGLY,
        &key,
        &format!(
            "put {} innsending/boligsameie/2025/big.json\n",
            big.display()
        ),
    )
    .await;
    assert!(!done, "{out}");
    // (OpenSSH shows the status, not the server's message, which says the limit.)
    assert!(
        out.contains("write remote") && out.contains("Failure"),
        "{out}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sftp_files").await, 0);

    // No shell, no commands.
    let out = tokio::process::Command::new("ssh")
        .args(
            client_args(addr.port(), &key)
                .iter()
                .map(|a| if a == "-P" { "-p" } else { a.as_str() }),
        )
        .arg(format!("{SKOGLY}@{}", addr.ip()))
        .arg("echo hello")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hello"));

    // A key that may deliver RF-1139 only sees and takes nothing else.
    let (limited, public) = new_key(dir.path(), "limited").await;
    let a = tasteskjema::auth::ssh::read_public_key(&public).unwrap();
    let key_row = tasteskjema::store::SftpKey {
        id: uuid::Uuid::new_v4().to_string(),
        orgnr: SKOGLY.into(),
        name: "Bare boligselskap".into(),
        public_key: a.public_key,
        fingerprint: a.fingerprint,
        added_by: format!("person:{DINA}"),
        forms: Some("RF-1139".into()),
        added_at: 0,
    };
    let nobody = tasteskjema::store::Actor::default();
    assert!(
        app.store
            .add_sftp_key(&key_row, &nobody, "test")
            .await
            .unwrap()
    );
    let (done, out) = sftp(addr, SKOGLY, &limited, "ls -1 innsending\n").await;
    assert!(done, "{out}");
    let listed: Vec<&str> = out.lines().filter(|l| !l.starts_with("sftp>")).collect();
    assert_eq!(listed, ["innsending/boligselskap"], "{out}");
    let put = format!(
        "put {} innsending/boligsameie/2025/x.json\n",
        small.display()
    );
    let (done, out) = sftp(addr, SKOGLY, &limited, &put).await;
    assert!(!done, "{out}");

    // And what is allowed still works after all that.
    let (done, out) = sftp(
        addr,
        SKOGLY,
        &key,
        &format!(
            "put {} innsending/boligsameie/2025/small.json\n",
            small.display()
        ),
    )
    .await;
    assert!(done, "{out}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM submissions").await, 1);
}

#[tokio::test]
async fn a_file_whose_connection_is_lost_while_writing_is_never_taken() {
    let app = spawn_app_with(with_sftp).await;
    let addr = app.sftp.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dev_key(dir.path(), SKOGLY);
    let doc = serde_json::to_vec_pretty(&rf1140(2000, 5)).unwrap();
    let f = write(dir.path(), "slow.json", &doc);
    // 200 kbit/s: the file takes far longer than the moment it is given.
    let mut child = sftp_command(addr, SKOGLY, &key, &["-l", "200"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    {
        use tokio::io::AsyncWriteExt as _;
        let mut stdin = child.stdin.take().unwrap();
        let put = format!(
            "put {} innsending/boligsameie/2025/slow.json\n",
            f.display()
        );
        stdin.write_all(put.as_bytes()).await.unwrap();
    }
    // Wait until the file is being written (the server, in this process, holds a file open in
    // its spool folder), then cut the connection.
    let spool = app.data_dir.join("sftp-spool");
    let writing = within_10_s(|| open_in(&spool) > 0).await;
    assert!(writing, "the file was never being written");
    tokio::time::sleep(Duration::from_millis(500)).await;
    child.kill().await.unwrap();
    // The server lets go of it.
    let gone = within_10_s(|| open_in(&spool) == 0).await;
    assert!(gone, "the half-written file was kept open");
    // And nothing of it is on the disk.
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sftp_files").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM submissions").await, 0);
}

#[tokio::test]
async fn an_organisation_has_no_more_sessions_than_it_may() {
    let app = spawn_app_with(|c| {
        with_sftp(c);
        c.sftp_sessions_per_org = 1;
    })
    .await;
    let addr = app.sftp.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dev_key(dir.path(), SKOGLY);
    // One session, held open by a batch that has not ended.
    let mut first = sftp_command(addr, SKOGLY, &key, &[])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = first.stdin.take().unwrap();
    {
        use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};
        stdin.write_all(b"pwd\n").await.unwrap();
        let mut lines = tokio::io::BufReader::new(first.stdout.take().unwrap()).lines();
        // Logged in once it answers.
        loop {
            let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
                .await
                .unwrap()
                .unwrap()
                .expect("the first session answers");
            if line.contains("Remote working directory") {
                break;
            }
        }
    }
    let (done, out) = sftp(addr, SKOGLY, &key, "ls\n").await;
    assert!(!done, "a second session was let in: {out}");
    // Another organisation is not held up by it.
    let other = dev_key(dir.path(), BJORKELY);
    let (done, out) = sftp(addr, BJORKELY, &other, "ls\n").await;
    assert!(done, "{out}");
    // Once the first has ended, a new one may start.
    drop(stdin);
    first.wait().await.unwrap();
    let mut ok = false;
    for _ in 0..20 {
        if sftp(addr, SKOGLY, &key, "ls\n").await.0 {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ok, "the ended session was still counted");
}

async fn keys_page(app: &TestApp) -> String {
    let page = app.get("/sftp-nokler").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body
}

#[tokio::test]
async fn a_person_who_may_deliver_for_the_organisation_adds_and_removes_its_keys() {
    let app = spawn_logged_in_with(with_sftp).await;
    let addr = app.sftp.unwrap();
    let dir = tempfile::tempdir().unwrap();

    // The test organisation's key from the registry is there.
    let body = keys_page(&app).await;
    assert!(body.contains("Testnøkkel for sameiet"), "{body}");
    assert!(body.contains("SHA256:"), "{body}");
    assert!(body.contains("819897522"), "{body}");

    let (private_key, public_key) = new_key(dir.path(), "lonnssystem").await;
    // Refused before it is registered.
    assert!(!sftp(addr, SKOGLY, &private_key, "ls\n").await.0);

    // Errors keep what was typed, each at its field and in the summary.
    let r = app
        .post_form("/sftp-nokler", &[("navn", " "), ("nokkel", &public_key)])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("href=\"#navn\""), "{}", r.body);
    assert!(r.body.contains("Skriv et navn på nøkkelen."), "{}", r.body);
    assert!(r.body.contains(&public_key), "the key typed was lost");
    // A private key pasted by mistake is refused and not shown back.
    let private_text = std::fs::read_to_string(&private_key).unwrap();
    let r = app
        .post_form(
            "/sftp-nokler",
            &[("navn", "Feil"), ("nokkel", &private_text)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Dette er en privat nøkkel"), "{}", r.body);
    assert!(!r.body.contains("OPENSSH PRIVATE KEY"), "{}", r.body);
    let r = app
        .post_form(
            "/sftp-nokler",
            &[("navn", "Feil"), ("nokkel", "ssh-ed25519 AAAA")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("href=\"#nokkel\""), "{}", r.body);

    let r = app
        .post_form(
            "/sftp-nokler",
            &[("navn", "Lønnssystemet"), ("nokkel", &public_key)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let body = keys_page(&app).await;
    assert!(body.contains("Lønnssystemet"), "{body}");
    // The same key twice is one key.
    let r = app
        .post_form(
            "/sftp-nokler",
            &[("navn", "Igjen"), ("nokkel", &public_key)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("allerede registrert"), "{}", r.body);

    // It logs in now.
    let (done, out) = sftp(addr, SKOGLY, &private_key, "ls\n").await;
    assert!(done, "{out}");

    // Removed, it does not.
    let mine: Vec<_> = app
        .store
        .sftp_keys(SKOGLY)
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.name == "Lønnssystemet")
        .collect();
    assert_eq!(mine.len(), 1);
    // It may deliver what Dina may deliver for the organisation.
    let forms = mine[0].forms.clone().unwrap();
    assert!(forms.split(',').any(|f| f == "RF-1140"), "{forms}");
    let ids: Vec<_> = mine.into_iter().map(|k| k.id).collect();
    let r = app
        .post_form(&format!("/sftp-nokler/{}/fjern", ids[0]), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(!keys_page(&app).await.contains("Lønnssystemet"));
    assert!(!sftp(addr, SKOGLY, &private_key, "ls\n").await.0);

    // Another organisation's key cannot be removed from here.
    let theirs = app.store.sftp_keys(BJORKELY).await.unwrap();
    let r = app
        .post_form(&format!("/sftp-nokler/{}/fjern", theirs[0].id), &[])
        .await;
    assert_eq!(r.location.as_deref(), Some("/sftp-nokler?borte=1"));
    assert_eq!(app.store.sftp_keys(BJORKELY).await.unwrap().len(), 1);

    // Both changes are in the audit log, with the person and the party.
    let audited = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM audit_log WHERE event IN ('sftp.key.added', 'sftp.key.removed') \
             AND person = '{DINA}' AND party = 'org:819897522'"
        ),
    )
    .await;
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn the_keys_page_is_only_for_those_who_may_deliver_for_an_organisation() {
    let app = crate::helpers::spawn_app_with(with_sftp).await;
    // Not logged in: sent to log in.
    let r = app.get("/sftp-nokler").await;
    assert_eq!(r.status, 303, "{}", r.body);
    // Acting for herself, a person has no organisation keys.
    app.log_in(DINA, crate::helpers::SUBSTANTIAL).await;
    app.choose_party(&format!("person:{DINA}")).await;
    let r = app.get("/sftp-nokler").await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = app
        .post_form("/sftp-nokler", &[("navn", "x"), ("nokkel", "y")])
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}

#[tokio::test]
async fn the_domain_systems_feedback_appears_beside_the_answer() {
    let app = spawn_app_with(|c| {
        with_sftp(c);
        c.dev_domain_delay_ms = 0;
    })
    .await;
    let addr = app.sftp.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dev_key(dir.path(), SKOGLY);
    let f = write(
        dir.path(),
        "f.json",
        &serde_json::to_vec(&rf1140(4, 9)).unwrap(),
    );
    let put = format!(
        "put {} innsending/boligsameie/2025/levering.json\n",
        f.display()
    );
    let (done, out) = sftp(addr, SKOGLY, &key, &put).await;
    assert!(done, "{out}");
    // The outbox delivers the submission to the domain system, whose feedback comes back.
    let mut listed = String::new();
    for _ in 0..60 {
        let (done, out) = sftp(addr, SKOGLY, &key, "ls -1 kvittering\n").await;
        assert!(done, "{out}");
        listed = out;
        if listed.contains("levering.json.tilbakemelding.json") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        listed.contains("levering.json.tilbakemelding.json"),
        "{listed}"
    );
    let got = dir.path().join("feedback.json");
    let get = format!(
        "get kvittering/levering.json.tilbakemelding.json {}\n",
        got.display()
    );
    let (done, out) = sftp(addr, SKOGLY, &key, &get).await;
    assert!(done, "{out}");
    let feedback = read_json(&got);
    assert!(
        feedback["status"] == "godkjent" || feedback["status"] == "avvist",
        "{feedback}"
    );
    let id = app
        .store
        .sftp_file(SKOGLY, "levering.json")
        .await
        .unwrap()
        .unwrap()
        .submission_id
        .unwrap();
    assert_eq!(feedback["innsendingId"], id.as_str(), "{feedback}");
}

#[tokio::test]
async fn the_aksjonaerregisteroppgave_is_put_as_one_xml_file_and_answered_as_the_api_answers() {
    use tasteskjema::dev::aksjonaerregister as ar;
    const TIGER: &str = "314259521";
    let app = spawn_app_with(with_sftp).await;
    let addr = app.sftp.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dev_key(dir.path(), TIGER);
    let return_of = |year: i32, fnr: Option<&str>| {
        let c = ar::Company {
            orgnr: TIGER.into(),
            navn: "MOSEGRODD ORANSJE TIGER AS".into(),
            year,
            shares: 200,
            par: 100,
        };
        let subs: Vec<String> = (0..2u32)
            .map(|i| {
                let person = match fnr {
                    Some(f) if i == 1 => f.to_owned(),
                    _ => ar::person_number(i),
                };
                ar::underskjema(
                    &c,
                    &ar::Shareholder {
                        holder: ar::Holder::Person(person),
                        navn: format!("Aksjonær {i} Testesen"),
                        shares: 100,
                        bought: Some((100, format!("{year}-01-02"), 10_000)),
                    },
                )
            })
            .collect();
        ar::file(&ar::hovedskjema(&c), &subs)
    };
    let good = write(dir.path(), "good.xml", return_of(2025, None).as_bytes());
    let bad = write(
        dir.path(),
        "bad.xml",
        return_of(2025, Some("12345678901")).as_bytes(),
    );
    let old = write(dir.path(), "old.xml", return_of(2024, None).as_bytes());
    let answers = dir.path().join("answers");
    std::fs::create_dir(&answers).unwrap();
    let batch = format!(
        "ls innsending\ncd innsending/aksjonaerregisteroppgave/2025\nput {} ar.xml\nput {} ar-feil.xml\nput {} ar-2024.xml\nlcd {}\ncd /kvittering\nget ar.xml\nget ar-feil.xml\nget ar-2024.xml\n",
        good.display(),
        bad.display(),
        old.display(),
        answers.display()
    );
    let (done, out) = sftp(addr, TIGER, &key, &batch).await;
    assert!(done, "{out}");
    assert!(
        out.lines()
            .any(|l| l.trim() == "innsending/aksjonaerregisteroppgave"),
        "{out}"
    );
    // One submission of the whole return, from the organisation itself, answered like the API's
    // confirmation.
    let answer = read_json(&answers.join("ar.xml"));
    assert_eq!(answer["antallUnderskjema"], 2, "{answer}");
    assert!(answer["forsendelseId"].is_string(), "{answer}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM submissions WHERE channel = 'sftp' AND form_id = 'RF-1086' \
             AND party = 'org:314259521' AND submitter = 'org:314259521'"
        )
        .await,
        1
    );
    // The refused one names the element in the file and its line.
    let feil = read_json(&answers.join("ar-feil.xml"));
    assert_eq!(feil["kode"], "GLD_010", "{feil}");
    let d = &feil["spesifisering"][0];
    assert_eq!(
        d["sti"],
        "Aksjonaerregisteroppgave/Skjema[3]/SelskapsOgAksjonaropplysninger-grp-3987/NorskUtenlandskAksjonar-grp-3988/AksjonarFodselsnummer-datadef-1156",
        "{feil}"
    );
    assert_eq!(d["angittVerdi"], "12345678901", "{feil}");
    let bad_text = std::fs::read_to_string(&bad).unwrap();
    let line = bad_text
        .lines()
        .position(|l| l.contains("12345678901"))
        .unwrap()
        + 1;
    assert!(
        d["melding"]
            .as_str()
            .unwrap()
            .ends_with(&format!("(linje {line})")),
        "{feil}"
    );
    // Another year than its folder's, as the API refuses it.
    let feil = read_json(&answers.join("ar-2024.xml"));
    assert_eq!(feil["spesifisering"][0]["kode"], "GLD_1052", "{feil}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM submissions").await, 1);
}
