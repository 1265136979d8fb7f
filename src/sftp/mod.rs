//! SFTP for the organisations that deliver third-party information as files today: an SSH server
//! inside the portal that offers the SFTP subsystem and nothing else (no shell, no commands, no
//! forwarding), on its own address (`sftp_listen`). The SSH user name is the organisation number;
//! it logs in with a public key registered for that organisation (on the portal's «SFTP-nøkler»
//! page, or by `dev/registry.toml` on the embedded default).
//!
//! What an organisation sees:
//!
//! ```text
//! /innsending/<scheme>/<inntektsaar>/   put delivery files here (<scheme> as in the API's path)
//! /kvittering/<file>                    the answer to each file taken: its Leveransebekreftelse,
//!                                       or its Feil (JSON, named as the file)
//! /kvittering/<file>.tilbakemelding.json  the domain system's feedback, once it came
//! ```
//!
//! A file is taken when it is closed after writing: read one row at a time like the API's body,
//! and submitted through the one intake with channel `sftp` and its content hash as its key
//! (`intake::file`), so the same file again is the same delivery. A file never closed (the
//! connection lost) is thrown away.

mod files;
mod ssh;
mod take;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::auth::altinn::Authorization;
use crate::form::Catalog;
use crate::intake::outbox::Outbox;
use crate::store::Store;

/// Connections not yet logged in, at most; more wait to be accepted.
const CONNECTIONS: usize = 256;
/// How long a connection has to log in.
const LOGIN_WITHIN: Duration = Duration::from_secs(30);

/// One scheme an organisation may deliver to: a form with Skatteetaten's GLD API or the
/// aksjonærregisteroppgave's, in an area that takes SFTP.
#[derive(Debug, Clone)]
pub struct Scheme {
    /// Its folder name: the last name in the API's path (`boligsameie`, `aksjonaerregisteroppgave`).
    pub name: String,
    /// The form.
    pub form_id: String,
    /// The income years the API takes.
    pub years: Vec<i32>,
    /// The largest file taken, in bytes.
    pub limit: u64,
}

/// The schemes of a catalogue that SFTP takes, by folder name.
pub fn schemes(catalog: &Catalog, default_limit: usize) -> Vec<Scheme> {
    let mut out: Vec<Scheme> = catalog
        .sftp_forms()
        .filter_map(|f| {
            let api = f.api.as_ref()?;
            let name = api.scheme()?.to_owned();
            Some(Scheme {
                name,
                form_id: f.id.clone(),
                years: api.years.clone(),
                limit: api.body_limit().unwrap_or(default_limit) as u64,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// What every connection shares.
pub struct SftpState {
    /// Every form.
    pub catalog: Arc<Catalog>,
    /// The schemes taken.
    pub schemes: Vec<Scheme>,
    /// The database.
    pub store: Store,
    /// Altinn Authorization (the PDP).
    pub authz: Arc<dyn Authorization>,
    /// The outbox, woken when a file becomes a submission.
    pub outbox: Option<Arc<Outbox>>,
    /// Where files wait while they are written (files without names: nothing is left behind).
    pub spool: PathBuf,
    /// Sessions open per organisation, and the most allowed.
    sessions: Mutex<HashMap<String, usize>>,
    per_org: usize,
}

impl SftpState {
    /// The shared state.
    pub fn new(
        catalog: Arc<Catalog>,
        store: Store,
        authz: Arc<dyn Authorization>,
        outbox: Option<Arc<Outbox>>,
        spool: PathBuf,
        default_limit: usize,
        per_org: usize,
    ) -> SftpState {
        SftpState {
            schemes: schemes(&catalog, default_limit),
            catalog,
            store,
            authz,
            outbox,
            spool,
            sessions: Mutex::new(HashMap::new()),
            per_org,
        }
    }

    /// A scheme by folder name.
    fn scheme(&self, name: &str) -> Option<&Scheme> {
        self.schemes.iter().find(|s| s.name == name)
    }

    /// Counts a session of `orgnr` in, unless it has as many as it may.
    fn enter(&self, orgnr: &str) -> bool {
        let mut m = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let n = m.entry(orgnr.to_owned()).or_default();
        if *n >= self.per_org {
            return false;
        }
        *n += 1;
        true
    }

    /// Counts a session of `orgnr` out.
    fn leave(&self, orgnr: &str) {
        let mut m = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(orgnr) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(orgnr);
            }
        }
    }
}

/// Serves SFTP on `listener` until the process ends: with `host_key`, closing a connection idle
/// for `idle`.
pub fn spawn(
    listener: tokio::net::TcpListener,
    state: Arc<SftpState>,
    host_key: russh::keys::PrivateKey,
    idle: Duration,
) -> anyhow::Result<SocketAddr> {
    std::fs::create_dir_all(&state.spool)?;
    let addr = listener.local_addr()?;
    let config = Arc::new(russh::server::Config {
        server_id: russh::SshId::Standard("SSH-2.0-Tasteskjema".into()),
        methods: russh::MethodSet::from(&[russh::MethodKind::PublicKey][..]),
        auth_rejection_time: Duration::from_millis(500),
        auth_rejection_time_initial: Some(Duration::ZERO),
        max_auth_attempts: 6,
        keys: vec![host_key],
        // Nothing sent for this long, and the connection is closed: an idle session as well as a
        // dead peer. (Keepalives would be answered by a live client and keep it open for ever.)
        inactivity_timeout: Some(idle),
        keepalive_interval: None,
        nodelay: true,
        ..Default::default()
    });
    let gate = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS));
    tokio::spawn(async move {
        loop {
            let Ok(permit) = gate.clone().acquire_owned().await else {
                return;
            };
            let (socket, peer) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "SFTP: accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // A handle on the socket to close it by, whatever the SSH session is doing.
            let (socket, closer) = match split_closer(socket) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "SFTP: a connection could not be set up");
                    continue;
                }
            };
            // The permit is the connection's until it logs in.
            let conn = ssh::Conn::new(state.clone(), peer, permit);
            let logged_in = conn.logged_in();
            let config = config.clone();
            tokio::spawn(async move {
                let start = russh::server::run_stream(config, socket, conn);
                let session = match tokio::time::timeout(LOGIN_WITHIN, start).await {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, %peer, "SFTP: no SSH session");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "SFTP: no SSH greeting in time");
                        return;
                    }
                };
                // A connection that has not logged in within the time is closed: at the socket,
                // since a client in the middle of a key exchange would not hear an SSH goodbye.
                let watch = async {
                    tokio::time::sleep(LOGIN_WITHIN).await;
                    if !logged_in.load(std::sync::atomic::Ordering::Acquire) {
                        tracing::debug!(%peer, "SFTP: no login in time");
                        let _ = closer.shutdown(std::net::Shutdown::Both);
                    }
                    std::future::pending::<()>().await;
                };
                tokio::select! {
                    r = session => {
                        if let Err(e) = r {
                            tracing::debug!(error = %e, %peer, "SFTP: session ended");
                        }
                    }
                    () = watch => {}
                }
            });
        }
    });
    Ok(addr)
}

/// The socket for the SSH session, and a second handle on it that can shut it down.
fn split_closer(
    socket: tokio::net::TcpStream,
) -> std::io::Result<(tokio::net::TcpStream, std::net::TcpStream)> {
    let std = socket.into_std()?;
    let closer = std.try_clone()?;
    Ok((tokio::net::TcpStream::from_std(std)?, closer))
}
