//! Attachments over HTTP: the upload route and page posts with files, the file checks' refusals
//! (in the person's language, with nothing uploaded or typed lost), downloads, files submitted
//! with a draft, the API's multipart door, the virus scanner and directory storage.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use reqwest::multipart::{Form, Part};
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tasteskjema::store::AttachmentRow;
use tokio::io::AsyncWriteExt;

use crate::helpers::{
    DINA, Page, SKOGLY, SUBSTANTIAL, TestApp, count, hidden_version, path_of, spawn_app,
    spawn_logged_in_with,
};

const RITA: &str = "23866410070";
const STO: &str = "skriv-til-oss";
const STO_FIELD: &str = "henvendelse.vedlegg";
const KLAGE: &str = "klage";
const KLAGE_FIELD: &str = "dokumentasjon";
const MB: usize = 1024 * 1024;

// ─── Files ─────────────────────────────────────────────────────────────────────────────────────

/// A small valid PDF; `tag` makes its bytes (and hash) its own.
fn pdf(tag: &str) -> Vec<u8> {
    format!(
        "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
         2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n\
         % {tag}\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

/// A PDF of exactly `len` bytes.
fn pdf_of_len(len: usize) -> Vec<u8> {
    let mut b = pdf("stor");
    let tail = b"\n%%EOF\n";
    b.resize(len - tail.len(), b' ');
    b.extend_from_slice(tail);
    assert_eq!(b.len(), len);
    b
}

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec();
    b.extend_from_slice(&[0x90, 0x77, 0x53, 0xDE]);
    b
}

fn exe() -> Vec<u8> {
    let mut b = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0".to_vec();
    b.extend_from_slice(b"This program cannot be run in DOS mode.\r\n");
    b
}

/// A ZIP archive of `entries`, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// 64 MiB of zeros in one entry: some 64 KiB packed, far beyond 100 times that unpacked.
fn zip_bomb() -> Vec<u8> {
    let mut f = tempfile::tempfile().unwrap();
    {
        let mut w = zip::ZipWriter::new(&mut f);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("nuller.txt", options).unwrap();
        let zeros = vec![0u8; MB];
        for _ in 0..64 {
            w.write_all(&zeros).unwrap();
        }
        w.finish().unwrap();
    }
    use std::io::{Read, Seek};
    f.rewind().unwrap();
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).unwrap();
    bytes
}

/// The EICAR test string, put together here so that this file does not hold it.
fn eicar() -> Vec<u8> {
    let parts = [
        "X5O!P%@AP[4\\PZX54(P^)7CC)7}$",
        "EICAR-STANDARD-",
        "ANTIVIRUS-TEST-",
        "FILE!$H+H*",
    ];
    parts.concat().into_bytes()
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

// ─── Requests ──────────────────────────────────────────────────────────────────────────────────

/// A file part as a browser sends it.
fn file(name: &str, bytes: Vec<u8>, mime: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(mime)
        .unwrap()
}

fn draft_of(page: &str) -> String {
    page.split('/').nth(3).unwrap().to_string()
}

async fn page_of(r: reqwest::Response) -> Page {
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let body = r.text().await.unwrap();
    Page {
        status,
        location,
        body,
    }
}

async fn post_multipart(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: Form,
    headers: &[(&str, &str)],
) -> Page {
    let mut rb = client.post(format!("{}{path}", app.addr)).multipart(form);
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    page_of(rb.send().await.unwrap()).await
}

/// Files to a draft through the upload route (as the page's script sends them).
async fn upload_with(
    app: &TestApp,
    client: &reqwest::Client,
    form_id: &str,
    draft: &str,
    field: &str,
    files: Vec<(&str, Vec<u8>)>,
) -> Page {
    let mut form = Form::new();
    for (name, bytes) in files {
        form = form.part(field.to_string(), file(name, bytes, "application/pdf"));
    }
    let path = format!("/vedlegg/{form_id}/{draft}");
    post_multipart(app, client, &path, form, &[]).await
}

async fn upload(app: &TestApp, d: &Drafted, name: &str, bytes: Vec<u8>) -> Page {
    upload_with(
        app,
        &app.client,
        d.form,
        &d.draft,
        d.field,
        vec![(name, bytes)],
    )
    .await
}

struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

async fn download_with(app: &TestApp, client: &reqwest::Client, path: &str) -> Got {
    let r = client
        .get(format!("{}{path}", app.addr))
        // As browsers ask: a file is not compressed on the way (it is sent as stored).
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    if r.headers().contains_key("content-disposition") {
        assert_eq!(
            r.headers().get("content-encoding"),
            None,
            "{:?}",
            r.headers()
        );
    }
    Got {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        bytes: r.bytes().await.unwrap().to_vec(),
    }
}

async fn download(app: &TestApp, path: &str) -> Got {
    download_with(app, &app.client, path).await
}

fn header<'a>(g: &'a Got, name: &str) -> &'a str {
    g.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .unwrap()
}

/// A number from the database (SQLite or PostgreSQL, whichever the app runs on).
/// A client of its own, logged in as `pid` acting for `party`.
async fn other_client(app: &TestApp, pid: &str, party: &str) -> reqwest::Client {
    let c = crate::helpers::client();
    let r = app.log_in_via(&c, "/", pid, SUBSTANTIAL).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let body = serde_urlencoded::to_string([("party", party), ("neste", "/")]).unwrap();
    let r = app
        .post_raw_with(&c, "/aktor", body.into_bytes(), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    c
}

// ─── A draft with answers typed and one file ───────────────────────────────────────────────────

/// A draft with the first page's answers saved and one file uploaded.
pub(crate) struct Drafted {
    form: &'static str,
    field: &'static str,
    /// The first page's path.
    page: String,
    pub(crate) draft: String,
    /// The file uploaded first.
    first: AttachmentRow,
}

const STO_ANSWERS: &[(&str, &str)] = &[
    ("henvendelse.tema", "skatt"),
    ("henvendelse.emne", "Skattekort for 2026"),
    (
        "henvendelse.melding",
        "Jeg lurer på hvorfor skattekortet ble endret.",
    ),
    ("henvendelse.gjelderOrganisasjon", "819897522"),
];

const KLAGE_ANSWERS: &[(&str, &str)] = &[
    ("vedtak.referanse", "2026/123456"),
    ("vedtak.dato", "05.10.2026"),
    ("vedtak.gjelder", "skatt"),
];

pub(crate) async fn drafted(app: &TestApp, form: &'static str) -> Drafted {
    let (field, answers) = match form {
        STO => (STO_FIELD, STO_ANSWERS),
        _ => (KLAGE_FIELD, KLAGE_ANSWERS),
    };
    let page = app.start(form).await;
    let r = app.post_page(&page, "save", answers).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let draft = draft_of(&page);
    let r = upload_with(
        app,
        &app.client,
        form,
        &draft,
        field,
        vec![("første.pdf", pdf("1"))],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = app.store.attachments_of_holder(&draft).await.unwrap();
    assert_eq!(rows.len(), 1);
    Drafted {
        form,
        field,
        page,
        draft,
        first: rows[0].clone(),
    }
}

/// Nothing was lost: the first file is still listed (when `html` is given) and stored, alone,
/// and the typed answers are still in the draft.
async fn nothing_lost(app: &TestApp, d: &Drafted, html: Option<&str>) {
    if let Some(html) = html {
        assert!(
            html.contains("første.pdf"),
            "the first file is listed: {html}"
        );
    }
    let rows = app.store.attachments_of_holder(&d.draft).await.unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [d.first.id.as_str()], "{rows:?}");
    assert_eq!(rows[0].status, "clean");
    let doc = app.document(&d.page).await;
    let answers = if d.form == STO {
        STO_ANSWERS
    } else {
        KLAGE_ANSWERS
    };
    for (k, v) in answers {
        let p: Vec<&str> = k.split('.').collect();
        let got = &doc[p[0]][p[1]];
        let want = match *k {
            "vedtak.dato" => json!("2026-10-05"),
            _ => json!(v),
        };
        assert_eq!(got, &want, "{k} in {doc}");
    }
    let got = download(
        app,
        &format!("/vedlegg/{}/{}/{}", d.form, d.draft, d.first.id),
    )
    .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.bytes, pdf("1"));
}

/// Uploads a file that must be refused with `message`; checks that nothing was lost.
async fn refused(app: &TestApp, d: &Drafted, name: &str, bytes: Vec<u8>, message: &str) {
    let r = upload(app, d, name, bytes).await;
    assert_eq!(r.status, 422, "{name}: {}", r.body);
    assert!(
        r.body.contains(message),
        "{name}: expected «{message}» in {}",
        r.body
    );
    assert!(r.body.contains("ds-validation-message"), "{}", r.body);
    nothing_lost(app, d, Some(&r.body)).await;
}

// ─── The upload route ──────────────────────────────────────────────────────────────────────────

#[tokio::test]
async fn a_pdf_is_uploaded_listed_stored_clean_and_kept_once() {
    let app = spawn_app().await;
    let page = app.start(STO).await;
    let draft = draft_of(&page);
    let bytes = pdf("brev");
    let r = upload_with(
        &app,
        &app.client,
        STO,
        &draft,
        STO_FIELD,
        vec![("brev.pdf", bytes.clone())],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("<fieldset"),
        "the field's fieldset: {}",
        r.body
    );
    assert!(r.body.contains(">brev.pdf</a>"), "{}", r.body);
    assert!(r.body.contains("1 kB"), "the size is shown: {}", r.body);
    let rows = app.store.attachments_of_holder(&draft).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.status, "clean");
    assert_eq!(row.sha256, sha256_hex(&bytes));
    assert_eq!(row.size as usize, bytes.len());
    assert_eq!(row.media_type, "application/pdf");
    assert_eq!(row.name, "brev.pdf");
    assert_eq!(row.field, STO_FIELD);
    assert_eq!(row.person.as_deref(), Some(DINA));
    assert_eq!(row.party, SKOGLY);
    assert_eq!(row.stored_in, "db");
    assert!(
        r.body
            .contains(&format!("/vedlegg/{STO}/{draft}/{}", row.id))
    );
    // The page shows it too.
    let p = app.get(&page).await;
    assert!(p.body.contains(">brev.pdf</a>"), "{}", p.body);
    // The same file again (under another name, even): kept once.
    let r = upload_with(
        &app,
        &app.client,
        STO,
        &draft,
        STO_FIELD,
        vec![("brev-igjen.pdf", bytes)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let again = app.store.attachments_of_holder(&draft).await.unwrap();
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0].id, row.id);
    assert_eq!(
        r.body.matches("class=\"file-name\"").count(),
        1,
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_download_is_an_attachment_of_the_sniffed_type_with_the_same_bytes_and_is_audited() {
    let app = spawn_app().await;
    let page = app.start(STO).await;
    let draft = draft_of(&page);
    let bytes = pdf("brev");
    // Sent as HTML: the content decides.
    let form = Form::new().part(STO_FIELD, file("brev.pdf", bytes.clone(), "text/html"));
    let r = post_multipart(
        &app,
        &app.client,
        &format!("/vedlegg/{STO}/{draft}"),
        form,
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let row = app
        .store
        .attachments_of_holder(&draft)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(row.media_type, "application/pdf");
    let got = download(&app, &format!("/vedlegg/{STO}/{draft}/{}", row.id)).await;
    assert_eq!(got.status, 200);
    assert_eq!(header(&got, "content-type"), "application/pdf");
    assert_eq!(header(&got, "x-content-type-options"), "nosniff");
    let cd = header(&got, "content-disposition");
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(cd.contains("filename=\"brev.pdf\""), "{cd}");
    assert_eq!(header(&got, "cache-control"), "private, no-store");
    assert!(header(&got, "content-security-policy").contains("sandbox"));
    assert_eq!(got.bytes, bytes);
    let events: Vec<(String, Option<String>)> = app
        .store
        .audit_rows(&row.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.event, a.person))
        .collect();
    assert_eq!(
        events,
        [
            ("attachment.uploaded".to_string(), Some(DINA.to_string())),
            ("attachment.read".to_string(), Some(DINA.to_string())),
        ]
    );
    // An id that is not the draft's: not found.
    let nothing = download(
        &app,
        &format!("/vedlegg/{STO}/{draft}/{}", uuid::Uuid::new_v4()),
    )
    .await;
    assert_eq!(nothing.status, 404);
}

#[tokio::test]
async fn a_file_one_byte_over_the_limit_is_refused_and_one_at_the_limit_is_kept() {
    let app = spawn_app().await;
    let d = drafted(&app, STO).await;
    refused(
        &app,
        &d,
        "stor.pdf",
        pdf_of_len(10 * MB + 1),
        "«stor.pdf» er for stor. Hver fil kan være høyst 10 MB.",
    )
    .await;
    let r = upload(&app, &d, "akkurat.pdf", pdf_of_len(10 * MB)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = app.store.attachments_of_holder(&d.draft).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].size as usize, 10 * MB);
}

#[tokio::test]
async fn one_file_too_many_is_refused() {
    let app = spawn_app().await;
    let d = drafted(&app, STO).await;
    for i in 2..=5 {
        let r = upload(&app, &d, &format!("fil-{i}.pdf"), pdf(&i.to_string())).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = upload(&app, &d, "fil-6.pdf", pdf("6")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains(
            "Du kan legge ved høyst 5 filer under «Vedlegg». Fjern en fil før du legger ved en ny."
        ),
        "{}",
        r.body
    );
    let rows = app.store.attachments_of_holder(&d.draft).await.unwrap();
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.name != "fil-6.pdf"));
    assert!(r.body.contains("første.pdf") && r.body.contains("fil-5.pdf"));
}

#[tokio::test]
async fn an_empty_file_is_refused_in_the_persons_language() {
    let app = spawn_app().await;
    let d = drafted(&app, STO).await;
    refused(
        &app,
        &d,
        "tom.pdf",
        Vec::new(),
        "«tom.pdf» er tom. Velg en fil med innhold.",
    )
    .await;
    // In English once the language is switched.
    let r = app.get("/?lang=en").await;
    assert!(r.status == 303 || r.status == 200, "{}", r.status);
    refused(
        &app,
        &d,
        "tom.pdf",
        Vec::new(),
        "«tom.pdf» is empty. Choose a file with content.",
    )
    .await;
}

#[tokio::test]
async fn a_png_named_pdf_is_refused() {
    let app = spawn_app().await;
    let d = drafted(&app, STO).await;
    refused(
        &app,
        &d,
        "bilde.pdf",
        png(),
        "«bilde.pdf» er egentlig en PNG-fil, men navnet sier noe annet.",
    )
    .await;
    // Named for what it is, it is kept.
    let r = upload(&app, &d, "bilde.png", png()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = app.store.attachments_of_holder(&d.draft).await.unwrap();
    assert_eq!(rows[1].media_type, "image/png");
}

#[tokio::test]
async fn a_program_named_pdf_is_refused() {
    let app = spawn_app().await;
    let d = drafted(&app, STO).await;
    refused(
        &app,
        &d,
        "faktura.pdf",
        exe(),
        "«faktura.pdf» er et program. Programmer kan ikke lastes opp.",
    )
    .await;
}

#[tokio::test]
async fn a_pdf_with_a_zip_appended_is_refused() {
    let app = spawn_app().await;
    let d = drafted(&app, STO).await;
    let mut polyglot = pdf("dobbel");
    polyglot.extend_from_slice(&zip_of(&[("payload.html", b"<script>alert(1)</script>")]));
    refused(
        &app,
        &d,
        "dobbel.pdf",
        polyglot,
        "«dobbel.pdf» inneholder en fil av en annen type i tillegg.",
    )
    .await;
}

#[tokio::test]
async fn an_encrypted_pdf_and_a_pdf_with_javascript_are_refused() {
    let app = spawn_app().await;
    let d = drafted(&app, STO).await;
    let encrypted = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n\
        2 0 obj << /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >> endobj\n\
        trailer << /Root 1 0 R /Encrypt 2 0 R >>\n%%EOF\n";
    refused(
        &app,
        &d,
        "hemmelig.pdf",
        encrypted.to_vec(),
        "«hemmelig.pdf» er passordbeskyttet. Fjern passordet og last opp filen igjen.",
    )
    .await;
    let js = b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n\
        2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n\
        trailer << /Root 1 0 R >>\n%%EOF\n";
    refused(
        &app,
        &d,
        "skript.pdf",
        js.to_vec(),
        "«skript.pdf» inneholder skript eller handlinger som kan kjøre kode.",
    )
    .await;
}

#[tokio::test]
async fn a_zip_bomb_is_refused() {
    let app = spawn_app().await;
    let d = drafted(&app, KLAGE).await;
    let bomb = zip_bomb();
    assert!(bomb.len() < MB, "{}", bomb.len());
    let started = std::time::Instant::now();
    refused(
        &app,
        &d,
        "bombe.zip",
        bomb,
        "«bombe.zip» pakker seg ut til langt mer enn vi kan ta imot. Send filene hver for seg.",
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(20));
    // A small, honest archive is kept.
    let honest = zip_of(&[("bilag/kvittering.csv", b"dato;belop\n2026-10-01;100\n")]);
    let r = upload(&app, &d, "bilag.zip", honest).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = app.store.attachments_of_holder(&d.draft).await.unwrap();
    assert_eq!(rows[1].media_type, "application/zip");
}

#[tokio::test]
async fn file_names_are_made_safe_and_downloads_use_the_safe_name() {
    let app = spawn_app().await;
    let page = app.start(STO).await;
    let draft = draft_of(&page);
    let long = format!("{}.pdf", "a".repeat(996));
    assert_eq!(long.chars().count(), 1000);
    for (i, name) in [
        long.as_str(),
        "../../etc/passwd.pdf",
        "..\\..\\windows\\brev.pdf",
    ]
    .iter()
    .enumerate()
    {
        let r = upload_with(
            &app,
            &app.client,
            STO,
            &draft,
            STO_FIELD,
            vec![(name, pdf(&format!("navn {i}")))],
        )
        .await;
        assert_eq!(r.status, 200, "{name}: {}", r.body);
    }
    let rows = app.store.attachments_of_holder(&draft).await.unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let shortened = format!("{}.pdf", "a".repeat(116));
    assert_eq!(names, [shortened.as_str(), "passwd.pdf", "brev.pdf"]);
    for row in &rows {
        assert!(row.name.chars().count() <= 120);
        assert!(row.name.ends_with(".pdf"));
        assert!(!row.name.contains('/') && !row.name.contains('\\') && !row.name.contains(".."));
        let got = download(&app, &format!("/vedlegg/{STO}/{draft}/{}", row.id)).await;
        assert_eq!(got.status, 200);
        let cd = header(&got, "content-disposition");
        assert_eq!(
            cd,
            format!(
                "attachment; filename=\"{0}\"; filename*=UTF-8''{0}",
                row.name
            )
        );
    }
}

#[tokio::test]
async fn another_persons_draft_takes_no_files_and_gives_none() {
    let app = spawn_app().await;
    let d = drafted(&app, STO).await;
    // Rita, acting for the same party: the draft is Dina's.
    let rita = other_client(&app, RITA, SKOGLY).await;
    let r = upload_with(
        &app,
        &rita,
        STO,
        &d.draft,
        STO_FIELD,
        vec![("rita.pdf", pdf("rita"))],
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(!r.body.contains("første.pdf"));
    let got = download_with(
        &app,
        &rita,
        &format!("/vedlegg/{STO}/{}/{}", d.draft, d.first.id),
    )
    .await;
    assert_eq!(got.status, 404);
    assert!(got.bytes != pdf("1"));
    // A multipart page post to it: not found either.
    let form = Form::new()
        .text("_version", "2")
        .text("_action", "upload")
        .part(STO_FIELD, file("rita.pdf", pdf("rita"), "application/pdf"));
    let r = post_multipart(&app, &rita, &d.page, form, &[]).await;
    assert_eq!(r.status, 404, "{}", r.body);
    // Rita acting for herself: the same.
    let rita = other_client(&app, RITA, &format!("person:{RITA}")).await;
    let r = upload_with(
        &app,
        &rita,
        STO,
        &d.draft,
        STO_FIELD,
        vec![("rita.pdf", pdf("rita"))],
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM attachments WHERE name = 'rita.pdf'"
        )
        .await,
        0
    );
    let rita_read = app
        .store
        .audit_rows(&d.first.id)
        .await
        .unwrap()
        .into_iter()
        .any(|a| a.person.as_deref() == Some(RITA));
    assert!(!rita_read);
    nothing_lost(&app, &d, None).await;
}

#[tokio::test]
async fn an_upload_after_the_session_ended_goes_to_login_and_keeps_nothing() {
    let app = spawn_logged_in_with(|c| c.session_idle_s = 2).await;
    let d = drafted(&app, STO).await;
    let v = app.version(&d.page).await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    // Without JavaScript (a page post): to the login; the answers are kept over it, the file not.
    let form = page_form(&v, "upload", STO_ANSWERS)
        .part(STO_FIELD, file("sent.pdf", pdf("sent"), "application/pdf"));
    let r = post_multipart(&app, &app.client, &d.page, form, &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        r.location
            .as_deref()
            .unwrap()
            .starts_with("/logg-inn?neste="),
        "{:?}",
        r.location
    );
    // The upload route, as the page's script calls it.
    let r = upload(&app, &d, "sent.pdf", pdf("sent")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location.unwrap().starts_with("/logg-inn?neste="));
    let form = Form::new().part(STO_FIELD, file("sent.pdf", pdf("sent"), "application/pdf"));
    let r = post_multipart(
        &app,
        &app.client,
        &format!("/vedlegg/{STO}/{}", d.draft),
        form,
        &[("hx-request", "true")],
    )
    .await;
    assert!(
        r.status == 204 || r.status == 401,
        "{}: {}",
        r.status,
        r.body
    );
    assert!(
        app.store
            .attachments_of_holder(&d.draft)
            .await
            .unwrap()
            .len()
            == 1
    );
    // Back again: the file uploaded before is still there.
    app.log_in(DINA, SUBSTANTIAL).await;
    app.choose_party(SKOGLY).await;
    let p = app.get(&d.page).await;
    assert!(p.status == 200 || p.status == 303, "{}", p.body);
    let p = app.get(&d.page).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("første.pdf"), "{}", p.body);
    assert!(!p.body.contains("sent.pdf"));
    nothing_lost(&app, &d, None).await;
}

#[tokio::test]
async fn an_upload_cut_off_half_way_leaves_nothing_behind() {
    let app = spawn_app().await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(Policy::none())
        .build()
        .unwrap();
    let r = app.log_in_via(&client, "/", DINA, SUBSTANTIAL).await;
    assert_eq!(r.status, 303);
    let r = app
        .post_raw_with(
            &client,
            "/aktor",
            b"party=org%3A819897522&neste=%2F".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = app
        .post_raw_with(&client, &format!("/skjema/{STO}"), Vec::new(), &[])
        .await;
    assert_eq!(r.status, 303);
    let draft = draft_of(&r.location.unwrap());
    let r = upload_with(
        &app,
        &client,
        STO,
        &draft,
        STO_FIELD,
        vec![("første.pdf", pdf("1"))],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let uploads = app.data_dir.join("uploads");
    let leftovers = || -> Vec<String> {
        std::fs::read_dir(&uploads)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(leftovers().is_empty(), "{:?}", leftovers());

    use reqwest::cookie::CookieStore;
    let url: reqwest::Url = app.addr.parse().unwrap();
    let cookies = jar.cookies(&url).unwrap().to_str().unwrap().to_string();
    let boundary = "grense-7f3a9c";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{STO_FIELD}\"; filename=\"halv.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&pdf_of_len(4 * MB));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let host = app.addr.trim_start_matches("http://");
    let head = format!(
        "POST /vedlegg/{STO}/{draft} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookies}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let mut tcp = tokio::net::TcpStream::connect(host).await.unwrap();
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&body[..body.len() / 2]).await.unwrap();
    tcp.flush().await.unwrap();
    // The half that came is being written to a temporary file.
    let mut seen = false;
    for _ in 0..100 {
        if !leftovers().is_empty() {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen, "the upload was being spooled");
    drop(tcp);
    let mut left = leftovers();
    for _ in 0..250 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        left = leftovers();
    }
    assert!(left.is_empty(), "temporary files left: {left:?}");
    let rows = app.store.attachments_of_holder(&draft).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].name, "første.pdf");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM attachments WHERE name = 'halv.pdf'"
        )
        .await,
        0
    );
    // The portal carries on.
    let r = upload_with(
        &app,
        &client,
        STO,
        &draft,
        STO_FIELD,
        vec![("andre.pdf", pdf("2"))],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(leftovers().is_empty(), "{:?}", leftovers());
}

// ─── Page posts without JavaScript ─────────────────────────────────────────────────────────────

fn page_form(version: &str, action: &str, answers: &[(&str, &str)]) -> Form {
    let mut form = Form::new()
        .text("_version", version.to_string())
        .text("_action", action.to_string());
    for (k, v) in answers {
        form = form.text(k.to_string(), v.to_string());
    }
    form
}

#[tokio::test]
async fn a_page_post_with_a_file_keeps_the_file_and_the_answers() {
    let app = spawn_app().await;
    let page = app.start(STO).await;
    let draft = draft_of(&page);
    let v = app.version(&page).await;
    let form = page_form(&v, "upload", STO_ANSWERS)
        .part(STO_FIELD, file("brev.pdf", pdf("brev"), "application/pdf"));
    let r = post_multipart(&app, &app.client, &page, form, &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.location.unwrap();
    assert_eq!(path_of(&to), page, "stays on the page");
    assert!(to.contains('#'), "{to}");
    let rows = app.store.attachments_of_holder(&draft).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "brev.pdf");
    let doc = app.document(&page).await;
    assert_eq!(doc["henvendelse"]["emne"], "Skattekort for 2026", "{doc}");
    assert_eq!(doc["henvendelse"]["tema"], "skatt", "{doc}");
    let shown = app.get(&page).await;
    assert!(shown.body.contains(">brev.pdf</a>"), "{}", shown.body);
    assert!(
        shown.body.contains("enctype=\"multipart/form-data\""),
        "{}",
        shown.body
    );
    // A refused file with changed text: the text is saved, the summary names the file.
    let v = app.version(&page).await;
    let mut answers = STO_ANSWERS.to_vec();
    answers[1] = ("henvendelse.emne", "Endret emne");
    let form = page_form(&v, "next", &answers)
        .part(STO_FIELD, file("program.pdf", exe(), "application/pdf"));
    let r = post_multipart(&app, &app.client, &page, form, &[]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let summary = r
        .body
        .split("ds-error-summary")
        .nth(1)
        .expect("an error summary");
    assert!(
        summary.contains("«program.pdf» er et program. Programmer kan ikke lastes opp."),
        "{summary}"
    );
    assert!(r.body.contains("Endret emne"));
    assert!(r.body.contains(">brev.pdf</a>"), "{}", r.body);
    let doc = app.document(&page).await;
    assert_eq!(doc["henvendelse"]["emne"], "Endret emne", "{doc}");
    let rows = app.store.attachments_of_holder(&draft).await.unwrap();
    assert_eq!(rows.len(), 1);
    // A page post without a file chosen (an empty file input): just the answers.
    let v = app.version(&page).await;
    let form = page_form(&v, "next", STO_ANSWERS)
        .part(STO_FIELD, file("", Vec::new(), "application/octet-stream"));
    let r = post_multipart(&app, &app.client, &page, form, &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(path_of(&r.location.unwrap()).ends_with("/kontakt"));
    assert_eq!(
        app.store.attachments_of_holder(&draft).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn a_file_is_removed_by_a_page_post() {
    let app = spawn_app().await;
    let d = drafted(&app, STO).await;
    let r = app
        .post_page(&d.page, &format!("remove-file:{}", d.first.id), STO_ANSWERS)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(path_of(&r.location.unwrap()), d.page);
    assert!(
        app.store
            .attachments_of_holder(&d.draft)
            .await
            .unwrap()
            .is_empty()
    );
    let doc = app.document(&d.page).await;
    assert!(doc["henvendelse"].get("vedlegg").is_none(), "{doc}");
    assert_eq!(doc["henvendelse"]["emne"], "Skattekort for 2026");
    let p = app.get(&d.page).await;
    assert!(!p.body.contains("første.pdf"), "{}", p.body);
    let got = download(&app, &format!("/vedlegg/{STO}/{}/{}", d.draft, d.first.id)).await;
    assert_eq!(got.status, 404);
    let events: Vec<String> = app
        .store
        .audit_rows(&d.first.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.event)
        .collect();
    assert_eq!(
        events.last().map(String::as_str),
        Some("attachment.removed")
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM attachment_chunks WHERE attachment_id = '{}'",
                d.first.id
            )
        )
        .await,
        0,
        "the bytes go with the row"
    );
}

// ─── Submitting with files ─────────────────────────────────────────────────────────────────────

/// Submits from check-your-answers; returns the answer.
async fn submit(app: &TestApp, summary: &str) -> Page {
    let page = app.get(summary).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Send inn"), "{}", page.body);
    let v = hidden_version(&page.body);
    app.post_form(
        &summary.replace("/oppsummering", "/send"),
        &[("_version", &v)],
    )
    .await
}

#[tokio::test]
async fn a_draft_with_a_file_is_submitted_with_it() {
    let app = spawn_app().await;
    let d = drafted(&app, STO).await;
    let r = app.post_page(&d.page, "next", STO_ANSWERS).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let kontakt = path_of(&r.location.unwrap());
    assert!(kontakt.ends_with("/kontakt"), "{kontakt}");
    let r = app
        .post_page(
            &kontakt,
            "next",
            &[
                ("kontakt.navn", "Dina Daglig Testesen"),
                ("kontakt.svarkanal", "innboks"),
                ("kontakt.epost", ""),
                ("kontakt.telefon", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let summary = path_of(&r.location.unwrap());
    assert!(summary.ends_with("/oppsummering"), "{summary}");
    let s = app.get(&summary).await;
    assert!(s.body.contains("første.pdf"), "{}", s.body);
    let r = submit(&app, &summary).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt = r.location.unwrap();
    let id = receipt.trim_start_matches("/innsendt/").to_string();
    let row = app
        .store
        .submission_without_owner_check(&id)
        .await
        .unwrap()
        .unwrap();
    let doc: Value = serde_json::from_str(&row.document).unwrap();
    let bytes = pdf("1");
    assert_eq!(
        doc["henvendelse"]["vedlegg"],
        json!([{
            "filnavn": "første.pdf",
            "mediatype": "application/pdf",
            "storrelse": bytes.len(),
            "sha256": sha256_hex(&bytes),
        }]),
        "{doc}"
    );
    let files = app.store.attachments_of_submission(&id).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].id, d.first.id);
    assert_eq!(files[0].draft_id, None);
    assert!(
        app.store
            .attachments_of_holder(&d.draft)
            .await
            .unwrap()
            .is_empty()
    );
    let page = app.get(&receipt).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("første.pdf"), "{}", page.body);
    let got = download(&app, &format!("/innsendt/{id}/vedlegg/{}", d.first.id)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.bytes, bytes);
    assert_eq!(header(&got, "content-type"), "application/pdf");
    assert!(header(&got, "content-disposition").starts_with("attachment;"));
    // Not by the draft's address any more, and not by another person.
    let gone = download(&app, &format!("/vedlegg/{STO}/{}/{}", d.draft, d.first.id)).await;
    assert_eq!(gone.status, 404);
    let rita = other_client(&app, RITA, SKOGLY).await;
    let got = download_with(
        &app,
        &rita,
        &format!("/innsendt/{id}/vedlegg/{}", d.first.id),
    )
    .await;
    assert_eq!(got.status, 404);
}

#[tokio::test]
async fn a_klage_without_its_required_documents_is_not_submitted() {
    let app = spawn_app().await;
    let p1 = app.start(KLAGE).await;
    let r = app.post_page(&p1, "next", KLAGE_ANSWERS).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p2 = path_of(&r.location.unwrap());
    assert!(p2.ends_with("/klagen"), "{p2}");
    let klagen = [
        ("klage.begrunnelse", "Inntekten er ført to ganger."),
        ("klage.endring", "At den ene føringen fjernes."),
    ];
    let r = app.post_page(&p2, "next", &klagen).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("Legg ved en fil under «Dokumentasjon»"),
        "{}",
        r.body
    );
    let summary = p2.replace("/klagen", "/oppsummering");
    let s = app.get(&summary).await;
    assert_eq!(s.status, 200);
    assert!(
        s.body.contains("Legg ved en fil under «Dokumentasjon»"),
        "{}",
        s.body
    );
    assert!(
        !s.body.contains(">Send inn<"),
        "no button while there are errors"
    );
    let draft = draft_of(&p1);
    let v = app
        .store
        .draft_without_owner_check(&draft)
        .await
        .unwrap()
        .unwrap()
        .version
        .to_string();
    let r = app
        .post_form(
            &summary.replace("/oppsummering", "/send"),
            &[("_version", &v)],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some(summary.as_str()));
    assert!(
        app.store
            .submission_by_key(&format!("draft:{draft}"))
            .await
            .unwrap()
            .is_none()
    );
    // With a file it goes through.
    let r = upload_with(
        &app,
        &app.client,
        KLAGE,
        &draft,
        KLAGE_FIELD,
        vec![("vedtak.pdf", pdf("vedtak"))],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post_page(&p2, "next", &klagen).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p3 = path_of(&r.location.unwrap());
    let r = app
        .post_page(
            &p3,
            "next",
            &[
                ("kontakt.navn", "Dina Daglig Testesen"),
                ("kontakt.epost", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = submit(&app, &summary).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location.unwrap().starts_with("/innsendt/"));
}

// ─── The API ───────────────────────────────────────────────────────────────────────────────────

const KLAGE_PATH: &str = "/api/v1/skjema/klage/innsendinger";
const KLAGE_SCOPE: &str = "skatteetaten:tasteskjema.klage";
const SAMEIE: &str = "819897522";

fn klage_document() -> Value {
    json!({
        "vedtak": {"referanse": "2026/654321", "dato": "2026-10-05", "gjelder": "avgift"},
        "klage": {
            "begrunnelse": "Avgiften er beregnet av feil grunnlag.",
            "endring": "Ny beregning av avgiften."
        },
        "kontakt": {"navn": "Kari Testperson", "epost": "kari@eksempel.no"}
    })
}

async fn api_post(app: &TestApp, token: &str, key: &str, form: Form) -> (u16, Value) {
    api_post_to(app, KLAGE_PATH, token, key, form).await
}

async fn api_post_to(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    form: Form,
) -> (u16, Value) {
    let r = app
        .client
        .post(format!("{}{path}", app.addr))
        .bearer_auth(token)
        .header("idempotencyKey", key)
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn api_form(doc: &Value, files: Vec<(&str, Vec<u8>)>) -> Form {
    let mut form = Form::new().part(
        "dokument",
        Part::text(doc.to_string())
            .mime_str("application/json")
            .unwrap(),
    );
    for (name, bytes) in files {
        form = form.part(KLAGE_FIELD, file(name, bytes, "application/octet-stream"));
    }
    form
}

#[tokio::test]
async fn the_generic_doors_validering_checks_the_files_and_keeps_none() {
    let app = spawn_app().await;
    let token = app.token(SAMEIE, KLAGE_SCOPE);
    let check = "/api/v1/skjema/klage/validering";
    let files = || async { count(&app, "SELECT COUNT(*) FROM attachments").await };
    let (status, v) = api_post_to(
        &app,
        check,
        &token,
        &uuid::Uuid::new_v4().to_string(),
        api_form(&klage_document(), vec![("vedtak.pdf", pdf("validering"))]),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["skjema"], "klage");
    assert_eq!(v["antallVedlegg"], 1);
    assert!(v.get("innsendingId").is_none());
    assert_eq!(files().await, 0, "the checked file is not kept");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM submissions").await, 0);
    // A file that is not what it says is refused as a submission would refuse it.
    let png = vec![0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    let (status, refused) = api_post_to(
        &app,
        check,
        &token,
        &uuid::Uuid::new_v4().to_string(),
        api_form(&klage_document(), vec![("vedtak.pdf", png.clone())]),
    )
    .await;
    let (sent_status, sent) = api_post(
        &app,
        &token,
        &uuid::Uuid::new_v4().to_string(),
        api_form(&klage_document(), vec![("vedtak.pdf", png)]),
    )
    .await;
    assert_eq!(status, sent_status, "{refused} / {sent}");
    assert_ne!(status, 200);
    assert_eq!(refused["spesifisering"], sent["spesifisering"]);
    assert_eq!(files().await, 0);
}

#[tokio::test]
async fn the_api_takes_a_document_with_files_once() {
    let app = spawn_app().await;
    let token = app.token(SAMEIE, KLAGE_SCOPE);
    let key = uuid::Uuid::new_v4().to_string();
    let doc = klage_document();
    let bytes = pdf("api");
    let (status, a) = api_post(
        &app,
        &token,
        &key,
        api_form(&doc, vec![("vedtak.pdf", bytes.clone())]),
    )
    .await;
    assert_eq!(status, 200, "{a}");
    let id = a["innsendingId"].as_str().unwrap().to_string();
    let files = app.store.attachments_of_submission(&id).await.unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].name, "vedtak.pdf");
    assert_eq!(files[0].sha256, sha256_hex(&bytes));
    assert_eq!(files[0].person, None);
    assert_eq!(files[0].party, SKOGLY);
    let row = app
        .store
        .submission_without_owner_check(&id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.channel, "api");
    let stored: Value = serde_json::from_str(&row.document).unwrap();
    assert_eq!(
        stored[KLAGE_FIELD][0]["sha256"],
        sha256_hex(&bytes),
        "{stored}"
    );
    assert_eq!(stored[KLAGE_FIELD][0]["filnavn"], "vedtak.pdf");
    // The same call again: the same receipt, still one file.
    let (status, b) = api_post(
        &app,
        &token,
        &key,
        api_form(&doc, vec![("vedtak.pdf", bytes.clone())]),
    )
    .await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(b, a);
    assert_eq!(
        app.store
            .attachments_of_submission(&id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM attachments").await, 1);
    // A program among the files: refused, naming the field.
    let (status, e) = api_post(
        &app,
        &token,
        &uuid::Uuid::new_v4().to_string(),
        api_form(&doc, vec![("ok.pdf", pdf("ok")), ("virus.pdf", exe())]),
    )
    .await;
    assert_eq!(status, 400, "{e}");
    let details = e["spesifisering"].as_array().unwrap();
    assert!(
        details
            .iter()
            .any(|d| d["kode"] == "file_refused" && d["sti"] == KLAGE_FIELD),
        "{e}"
    );
    // Without a file: refused, the field is required.
    let (status, e) = api_post(
        &app,
        &token,
        &uuid::Uuid::new_v4().to_string(),
        api_form(&doc, vec![]),
    )
    .await;
    assert_eq!(status, 400, "{e}");
    assert!(
        e["spesifisering"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kode"] == "files_too_few" && d["sti"] == KLAGE_FIELD),
        "{e}"
    );
    // Nothing of the refused or repeated calls is left.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM attachments WHERE draft_id LIKE 'api:%'"
        )
        .await,
        0
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM attachments").await, 1);
}

// ─── The virus scanner, and files in a directory ───────────────────────────────────────────────

#[tokio::test]
async fn the_virus_scanner_refuses_harmful_content() {
    let Ok(clamd) = std::env::var("TASTESKJEMA_TEST_CLAMD") else {
        println!("skipped: TASTESKJEMA_TEST_CLAMD is not set (source .ci/clamd.sh)");
        return;
    };
    let app = spawn_logged_in_with(move |c| c.clamd = Some(clamd)).await;
    let page = app.start(STO).await;
    let draft = draft_of(&page);
    let r = upload_with(
        &app,
        &app.client,
        STO,
        &draft,
        STO_FIELD,
        vec![("ren.pdf", pdf("ren"))],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut bad = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% ".to_vec();
    bad.extend_from_slice(&eicar());
    bad.extend_from_slice(b"\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    let r = upload_with(
        &app,
        &app.client,
        STO,
        &draft,
        STO_FIELD,
        vec![("virus.pdf", bad)],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body
            .contains("Vi fant skadelig innhold i «virus.pdf», og filen er slettet."),
        "{}",
        r.body
    );
    let rows = app.store.attachments_of_holder(&draft).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].status, "clean");
    let infected = &rows[1];
    assert_eq!(infected.status, "infected");
    let got = download(&app, &format!("/vedlegg/{STO}/{draft}/{}", infected.id)).await;
    assert_eq!(got.status, 404);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM attachment_chunks WHERE attachment_id = '{}'",
                infected.id
            )
        )
        .await,
        0
    );
    let got = download(&app, &format!("/vedlegg/{STO}/{draft}/{}", rows[0].id)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.bytes, pdf("ren"));
}

#[tokio::test]
async fn files_can_be_kept_in_a_directory_under_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("vedlegg");
    let f2 = files.clone();
    let app = spawn_logged_in_with(move |c| c.attachment_dir = Some(f2)).await;
    let d = drafted(&app, STO).await;
    assert_eq!(d.first.stored_in, "dir");
    let names: Vec<String> = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, std::slice::from_ref(&d.first.id));
    assert_eq!(std::fs::read(files.join(&d.first.id)).unwrap(), pdf("1"));
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM attachment_chunks WHERE attachment_id = '{}'",
                d.first.id
            )
        )
        .await,
        0
    );
    let got = download(&app, &format!("/vedlegg/{STO}/{}/{}", d.draft, d.first.id)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.bytes, pdf("1"));
    assert_eq!(header(&got, "content-type"), "application/pdf");
    // Removed from the draft: removed from the directory.
    let r = app
        .post_page(&d.page, &format!("remove-file:{}", d.first.id), STO_ANSWERS)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(!files.join(&d.first.id).exists());
}

#[tokio::test]
async fn files_reach_the_domain_system_and_the_partys_inbox_with_the_submission() {
    let app = crate::helpers::spawn_logged_in_with(|c| c.dev_domain_delay_ms = 100).await;
    let token = app.token(SAMEIE, KLAGE_SCOPE);
    let key = uuid::Uuid::new_v4().to_string();
    let (a, b) = (pdf("første"), pdf("andre"));
    let form = api_form(
        &klage_document(),
        vec![("vedtak.pdf", a.clone()), ("kvittering.pdf", b.clone())],
    );
    let (status, r) = api_post(&app, &token, &key, form).await;
    assert_eq!(status, 200, "{r}");
    let id = r["innsendingId"].as_str().unwrap().to_string();
    crate::submit::all_jobs_done(&app, &id).await;
    // The domain system got both files (their SHA-256 checked on arrival) before the submission.
    let stats: Value = app
        .client
        .get(format!("{}/dev/domene/stats", app.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine = stats
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(mine["files"], 2, "{stats}");
    // The submission's transmission carries them, linking to the portal's download.
    let files = app.store.attachments_of_submission(&id).await.unwrap();
    let inbox = app.get("/dev/dialogporten?part=819897522").await;
    for f in &files {
        let link = format!("/innsendt/{id}/vedlegg/{}", f.id);
        assert!(inbox.body.contains(&link), "{link} in {}", inbox.body);
        assert!(inbox.body.contains(&f.name));
    }
    // That link, opened by a person of the party, is a download.
    let got = download(&app, &format!("/innsendt/{id}/vedlegg/{}", files[0].id)).await;
    assert_eq!(got.status, 200);
}
