//! Several nodes on one PostgreSQL database: three processes of the real binary, and the
//! stand-ins as a fourth (`tasteskjema dev stand-ins`) which the nodes reach as they would reach
//! the real outside systems. A person's journey crosses the nodes; 32 end-user systems send
//! round-robin across them, retrying on another node, while one node is killed (SIGKILL) and
//! started again. Afterwards every answered submission is stored once, every retry got the first
//! receipt, and every delivery reached the domain system and Dialogporten once in effect.
//!
//! Runs in the PostgreSQL run (`TASTESKJEMA_TEST_DATABASE_URL`); SQLite is one node's database.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::crash::{melding, send};
use crate::helpers::{
    DINA, Process, SKOGLY, SUBSTANTIAL, TestApp, free_port, hidden_version, local_url,
    log_in_across, sent_to_log_in, soon, start_binary,
};

const SAMEIE: &str = "819897522";
const SCOPE: &str = "skatteetaten:innrapporteringboligsameie";
const SECRET: &str = "the-nodes-and-their-stand-ins-share-this";
/// End-user systems sending at once, and submissions each.
const CLIENTS: usize = 32;
const EACH: usize = 8;

/// What the nodes and the stand-ins share.
struct Cluster {
    database: String,
    stand_ins: String,
    public: String,
}

impl Cluster {
    async fn node(&self, port: u16, dir: &Path) -> Process {
        start_binary(
            &[],
            &[
                ("TASTESKJEMA_LISTEN", format!("127.0.0.1:{port}")),
                ("TASTESKJEMA_DATA_DIR", dir.display().to_string()),
                ("TASTESKJEMA_DATABASE_URL", self.database.clone()),
                ("TASTESKJEMA_PUBLIC_URL", self.public.clone()),
                ("TASTESKJEMA_STAND_INS_URL", self.stand_ins.clone()),
                ("TASTESKJEMA_STAND_INS_SECRET", SECRET.into()),
                ("TASTESKJEMA_DB_MAX_CONNECTIONS", "8".into()),
            ],
            port,
            "running",
        )
        .await
    }
}

/// RF-1140 filled in with one owner, a page on each node in turn; returns check-your-answers.
async fn fill_across(nodes: &[&TestApp]) -> String {
    let at = |i: usize| nodes[i % nodes.len()];
    let p3 = crate::forms::rf1140_to_owners([at(0), at(1), at(2)]).await;
    let r = at(3).post_page(&p3, "add:leveranse.oppgave", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let fnr = crate::helpers::synthetic_fnr(15, 3, 75);
    let p = |k: &str| format!("leveranse.oppgave[0].{k}");
    let fields = [
        (p("oppgaveeier.foedselsnummer"), fnr),
        (p("oppgaveeier.navn"), "ALLA TESTESEN".into()),
        (p("matrikkelnummer.kommunenummer"), "1554".into()),
        (p("matrikkelnummer.gaardsnummer"), "91".into()),
        (p("matrikkelnummer.bruksnummer"), "227".into()),
        (p("matrikkelnummer.seksjonsnummer"), "30".into()),
        (p("eiertid.start"), "0101".into()),
        (p("eiertid.slutt"), "3112".into()),
        (p("andelSkattepliktigeInntekter"), "1766".into()),
        (p("andelFradragsberettigedeKostnader"), "1766".into()),
        (p("andelFormue"), "9336".into()),
        (p("andelGjeld"), "21761".into()),
    ];
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = at(4).post_page(&p3, "next", &borrowed).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p4 = r.location.unwrap();
    assert!(p4.ends_with("/sletting"), "{p4}");
    let r = at(5).post_page(&p4, "next", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let summary = r.location.unwrap();
    assert!(summary.ends_with("/oppsummering"), "{summary}");
    summary
}

/// A stand-in's record, as JSON.
async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

/// Sends until some node answers, starting at node `first` and moving on to the next.
async fn send_somewhere(
    http: &reqwest::Client,
    nodes: &[String],
    first: usize,
    token: &str,
    key: &str,
    body: &Value,
) -> (usize, Value) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut i = first;
    loop {
        if let Some(answer) = send(http, &nodes[i % nodes.len()], token, key, body).await {
            return (i % nodes.len(), answer);
        }
        assert!(Instant::now() < deadline, "{key}: no node answered");
        i += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn three_nodes_on_one_database_lose_nothing_and_deliver_everything_once() {
    let Some(database) = crate::helpers::fresh_postgres().await else {
        // One node's embedded database is not shared: the PostgreSQL run covers this.
        return;
    };
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
    let cluster = Cluster {
        database: database.clone(),
        stand_ins: local_url(ports[3]),
        // The address browsers use: the load balancer, here node A's.
        public: local_url(ports[0]),
    };
    let _stand_ins = start_binary(
        &["dev", "stand-ins"],
        &[
            ("TASTESKJEMA_STAND_INS_URL", cluster.stand_ins.clone()),
            ("TASTESKJEMA_STAND_INS_SECRET", SECRET.into()),
            ("TASTESKJEMA_PUBLIC_URL", cluster.public.clone()),
            ("TASTESKJEMA_DATA_DIR", dirs[3].path().display().to_string()),
            ("TASTESKJEMA_DEV_DOMAIN_DELAY_MS", "50".into()),
        ],
        ports[3],
        "running",
    )
    .await;
    // The three nodes start at once: their migrations meet on the one database.
    let (a, b, c) = tokio::join!(
        cluster.node(ports[0], dirs[0].path()),
        cluster.node(ports[1], dirs[1].path()),
        cluster.node(ports[2], dirs[2].path()),
    );
    let mut b = b;
    let nodes: Vec<String> = [&a, &b, &c].iter().map(|p| p.url()).collect();

    // A person: logs in on A (the callback lands on C), chooses whom to act for on B, fills in
    // the pages on A, B and C in turn, submits on A and reads the receipt on B.
    let (browser, jar) = crate::helpers::browser_with_jar();
    let on = |i: usize| {
        let (addr, browser, db) = (nodes[i].clone(), browser.clone(), database.clone());
        async move { TestApp::elsewhere(&addr, browser, &db).await }
    };
    let (na, nb, nc) = (on(0).await, on(1).await, on(2).await);
    // The stand-in's callback lands on C: the load balancer sent it elsewhere.
    let r = log_in_across(
        &browser,
        &na,
        &nc,
        &cluster.stand_ins,
        "/",
        DINA,
        SUBSTANTIAL,
    )
    .await;
    assert_eq!(r.status, 303, "the callback on another node: {}", r.body);
    let r = nb
        .post_form("/aktor", &[("party", SKOGLY), ("neste", "/")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let summary = fill_across(&[&na, &nb, &nc]).await;
    let page = na.get(&summary).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let v = hidden_version(&page.body);
    let r = na
        .post_form(
            &summary.replace("/oppsummering", "/send"),
            &[("_version", &v)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt = r.location.unwrap();
    assert!(receipt.starts_with("/innsendt/"), "{receipt}");
    let shown = nb.get(&receipt).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(
        shown.body.contains("Skjemaet er sendt inn."),
        "{}",
        shown.body
    );
    let browser_id = receipt.trim_start_matches("/innsendt/").to_string();

    // 32 end-user systems, round-robin across the nodes; every fourth key sent again to another
    // node once answered. Node B is killed once 60 have their answer, and started again.
    let token = crate::helpers::dev_token(&cluster.stand_ins, SAMEIE, SCOPE);
    let http = reqwest::Client::new();
    let answered = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (http, nodes, token, answered) =
            (http.clone(), nodes.clone(), token.clone(), answered.clone());
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for i in 0..EACH {
                let n = client * EACH + i;
                let key = uuid::Uuid::new_v4().to_string();
                let body = melding(n);
                let (node, first) = send_somewhere(&http, &nodes, n, &token, &key, &body).await;
                answered.fetch_add(1, Ordering::SeqCst);
                if i % 4 == 0 {
                    let (_, again) =
                        send_somewhere(&http, &nodes, node + 1, &token, &key, &body).await;
                    assert_eq!(
                        again, first,
                        "{key}: a retry on another node, the first answer"
                    );
                }
                got.push((key, body, first));
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            got
        }));
    }
    while answered.load(Ordering::SeqCst) < 60 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // SIGKILL: no shutdown, no flushing, whatever it had under way.
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    let killed_at = answered.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let restarted = cluster.node(ports[1], dirs[1].path()).await;
    b = restarted;
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    assert_eq!(all.len(), CLIENTS * EACH);
    assert!(
        killed_at < CLIENTS * EACH,
        "the kill came while submissions were under way ({killed_at} answered)"
    );

    // Every answer is one stored submission, intact; every key again, on each node (B as
    // started again among them), gets the first answer.
    for (key, body, first) in &all {
        let idem = format!("api:org:{SAMEIE}:RF-1140:{key}");
        let n = crate::helpers::count(
            &na,
            &format!("SELECT COUNT(*) FROM submissions WHERE idempotency_key = '{idem}'"),
        )
        .await;
        assert_eq!(n, 1, "{key}: stored once");
        let row = na.store.submission_by_key(&idem).await.unwrap().unwrap();
        assert_eq!(
            row.transmission_id,
            first["forsendelseId"].as_str().unwrap()
        );
        let stored: Value = serde_json::from_str(&row.document).unwrap();
        assert_eq!(&stored, body);
    }
    for (i, (key, body, first)) in all.iter().enumerate() {
        let again = send(&http, &nodes[i % 3], &token, key, body)
            .await
            .unwrap_or_else(|| panic!("{key}: node {} answers", i % 3));
        assert_eq!(&again, first, "{key}: the first answer again");
    }
    let submissions = crate::helpers::count(&na, "SELECT COUNT(*) FROM submissions").await;
    assert_eq!(submissions as usize, CLIENTS * EACH + 1);
    // The receipt is still there on the node started again.
    let shown = nb.get(&receipt).await;
    assert_eq!(shown.status, 200, "{}", shown.body);

    // A logout on C ends the session on every node: a copy of its cookie taken before (a stolen
    // one) is sent to log in by A and B, which read the session just before and keep it.
    let cookie = {
        use reqwest::cookie::CookieStore;
        jar.cookies(&nodes[0].parse().unwrap())
            .expect("the session cookie")
    };
    for node in &nodes {
        assert!(!sent_to_log_in(node, &cookie).await, "{node}");
    }
    let r = nc.post_form("/logg-ut", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    for node in &nodes[..2] {
        let ended = soon(async || sent_to_log_in(node, &cookie).await).await;
        assert!(ended, "{node} still serves the session logged out on C");
    }

    // Every delivery done, those the killed node had claimed once their lease is over.
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let open = na.store.open_jobs(10_000).await.unwrap();
        assert!(
            open.iter().all(|j| j.state != "parked"),
            "nothing parked: {open:?}"
        );
        if open.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries still open: {} (first {:?})",
            open.len(),
            open.first()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Each submission once at the domain system, and its four events at Dialogporten once each
    // (its dialog, its transmission, the feedback's transmission, the status change).
    let stats = get_json(&http, &format!("{}/dev/domene/stats", cluster.stand_ins)).await;
    let received: Vec<&str> = stats
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let unique: HashSet<&&str> = received.iter().collect();
    assert_eq!(
        unique.len(),
        received.len(),
        "nothing twice at the domain system"
    );
    assert_eq!(
        received.len(),
        CLIENTS * EACH + 1,
        "everything at the domain system"
    );
    let events = get_json(
        &http,
        &format!("{}/dev/dialogporten/events", cluster.stand_ins),
    )
    .await;
    assert_eq!(
        events.as_array().unwrap().len(),
        4 * (CLIENTS * EACH + 1),
        "each submission's four Dialogporten events once"
    );
    // The person's submission among them, by the node that took it.
    let by_id: HashMap<&str, ()> = received.iter().map(|i| (*i, ())).collect();
    let row = na
        .store
        .submission_without_owner_check(&browser_id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        by_id.contains_key(row.id.as_str()) || by_id.contains_key(row.transmission_id.as_str())
    );
    drop((a, b, c));
}

#[tokio::test]
async fn nodes_started_at_once_on_a_new_database_all_migrate_it() {
    let Some(database) = crate::helpers::fresh_postgres().await else {
        return;
    };
    // Four nodes' stores at the same moment, each migrating the empty database.
    let url = tasteskjema::config::Secret::new(database);
    let connect = || tasteskjema::store::Store::connect_with(&url, 2, Duration::from_secs(20));
    let all = futures_util::future::join_all((0..4).map(|_| connect())).await;
    for s in all {
        let s = s.expect("each node's store migrates or finds it done");
        assert_eq!(s.migrations_missing().await.unwrap(), 0);
    }
}
