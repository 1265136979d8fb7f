//! No data loss: the real binary is killed (SIGKILL) while submissions are in flight, started
//! again on the same data, and every submission that got a receipt is there intact, none twice,
//! and every delivery happens, once in effect.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Process, start_binary, synthetic_fnr};

const SAMEIE: &str = "819897522";
const SCOPE: &str = "skatteetaten:innrapporteringboligsameie";

/// Starts the binary on `port` with `dir` as its data directory; resolves once it listens.
async fn start(port: u16, dir: &std::path::Path) -> Process {
    start_binary(
        &[],
        &[
            ("TASTESKJEMA_LISTEN", format!("127.0.0.1:{port}")),
            ("TASTESKJEMA_DATA_DIR", dir.display().to_string()),
            ("TASTESKJEMA_DEV_DOMAIN_DELAY_MS", "50".into()),
        ],
        port,
        "open http://",
    )
    .await
}

pub(crate) fn melding(n: usize) -> Value {
    json!({"leveranse": {
        "kildesystem": "Krasjtest",
        "oppgavegiver": {"organisasjonsnummer": SAMEIE, "kontaktinformasjon": {
            "navn": "Kari Testperson", "telefonnummer": "22222222", "varselEpostadresse": "kontakt@eksempel.no"}},
        "inntektsaar": 2025,
        "oppgavegiversLeveranseReferanse": format!("K-{n}"),
        "leveransetype": "ordinaer",
        "oppgave": [{
            "oppgaveeier": {"foedselsnummer": synthetic_fnr(1 + (n % 28) as u32, 1 + (n % 12) as u32, 70), "navn": "ALLA TESTESEN"},
            "eiertid": {"start": "0101", "slutt": "3112"},
            "matrikkelnummer": {"kommunenummer": "0301", "gaardsnummer": 1, "bruksnummer": 2, "seksjonsnummer": 3},
            "andelSkattepliktigeInntekter": n, "andelFradragsberettigedeKostnader": 0, "andelFormue": 0, "andelGjeld": 0
        }],
        "oppgaveoppsummering": {"antallOppgaver": 1, "sumAndelSkattepliktigeInntekter": n,
            "sumAndelFradragsberettigedeKostnader": 0, "sumAndelFormue": 0, "sumAndelGjeld": 0}
    }})
}

/// One M2M submission: its answer when it is 200, else `None` (a node gone, or one that cannot
/// take it now).
pub(crate) async fn send(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> Option<Value> {
    let r = http
        .post(format!("{url}/api/innrapportering/boligsameie/v1/2025"))
        .bearer_auth(token)
        .header("idempotencyKey", key)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .ok()?;
    if r.status().as_u16() != 200 {
        return None;
    }
    r.json().await.ok()
}

#[tokio::test]
async fn a_killed_server_loses_nothing_that_got_a_receipt_and_delivers_everything_once() {
    if std::env::var("TASTESKJEMA_TEST_DATABASE_URL").is_ok() {
        // The binary runs on its embedded default here; the PostgreSQL run covers the rest.
        return;
    }
    const N: usize = 40;
    let dir = tempfile::tempdir().unwrap();
    let port = crate::helpers::free_port();
    let mut server = start(port, dir.path()).await;
    let url = server.url();
    let token = crate::helpers::dev_token(&url, SAMEIE, SCOPE);
    let http = reqwest::Client::new();
    let keys: Vec<String> = (0..N).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let bodies: Vec<Value> = (0..N).map(melding).collect();
    // A stream of submissions; the server is killed once a few have their receipt, while the
    // rest are under way.
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..N {
        let (http, url, token, key, body, answered) = (
            http.clone(),
            url.clone(),
            token.clone(),
            keys[i].clone(),
            bodies[i].clone(),
            answered.clone(),
        );
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10 * i as u64)).await;
            let r = send(&http, &url, &token, &key, &body).await;
            if r.is_some() {
                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            r
        }));
    }
    while answered.load(std::sync::atomic::Ordering::SeqCst) < 5 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // SIGKILL: no shutdown, no flushing, no goodbye.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let mut receipts: Vec<Option<Value>> = Vec::new();
    for t in tasks {
        receipts.push(t.await.unwrap());
    }
    let got = receipts.iter().filter(|r| r.is_some()).count();
    assert!(
        (5..N).contains(&got),
        "the kill came while submissions were under way ({got} of {N} answered)"
    );

    // Started again on the same data.
    let server = start(port, dir.path()).await;
    let store = tasteskjema::store::Store::connect(
        &tasteskjema::config::Secret::new(format!(
            "sqlite://{}?mode=rw",
            dir.path().join("tasteskjema.db").display()
        )),
        2,
    )
    .await
    .unwrap();
    // Every receipt given is a stored submission, intact.
    for (i, r) in receipts.iter().enumerate() {
        let Some(r) = r else { continue };
        let key = format!("api:org:{SAMEIE}:RF-1140:{}", keys[i]);
        let row = store
            .submission_by_key(&key)
            .await
            .unwrap()
            .expect("stored");
        assert_eq!(row.transmission_id, r["forsendelseId"].as_str().unwrap());
        let stored: Value = serde_json::from_str(&row.document).unwrap();
        assert_eq!(stored, bodies[i]);
        assert_eq!(
            row.sha256,
            tasteskjema::intake::canonical::sha256_hex(row.document.as_bytes())
        );
    }
    // The clients retry every request: the answered ones get the same answer, the others are
    // taken now; no submission exists twice.
    for i in 0..N {
        let again = send(&http, &server.url(), &token, &keys[i], &bodies[i])
            .await
            .expect("a retry is answered");
        if let Some(first) = &receipts[i] {
            assert_eq!(&again, first, "the first answer again");
        }
    }
    // Every delivery done — those the killed process had claimed once their lease (30 s) is
    // over — to receivers that hold each submission once.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let open = store.open_jobs(1000).await.unwrap();
        let all: i64 = {
            let mut n = 0;
            for k in &keys {
                let key = format!("api:org:{SAMEIE}:RF-1140:{k}");
                let row = store.submission_by_key(&key).await.unwrap().unwrap();
                n += store.jobs_of(&row.id).await.unwrap().len() as i64;
            }
            n
        };
        if open.is_empty() && all == 4 * N as i64 {
            break;
        }
        assert!(
            open.iter().all(|j| j.state != "parked"),
            "nothing parked: {open:?}"
        );
        assert!(Instant::now() < deadline, "deliveries still open: {open:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let stats: Value = http
        .get(format!("{}/dev/domene/stats", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats.as_array().unwrap().len(),
        N,
        "each submission once at the domain system"
    );
    let events: Value = http
        .get(format!("{}/dev/dialogporten/events", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Per submission: its dialog, its transmission, the feedback's transmission and the status
    // change — once each.
    assert_eq!(events.as_array().unwrap().len(), 4 * N, "{events}");
}
