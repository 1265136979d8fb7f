//! One SSH connection: logging in by a registered public key as an organisation number, and the
//! SFTP subsystem on its session channels. Everything else SSH can do is refused.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use russh::server::{Auth, ChannelOpenHandle, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, Pty};
use tokio::sync::OwnedSemaphorePermit;

use super::SftpState;
use super::files::Files;

/// Session channels one connection may open (one SFTP subsystem is what clients use).
const CHANNELS: usize = 2;

/// A login: the organisation, its key's name and the forms the key may deliver (`None`: all).
#[derive(Debug, Clone)]
pub struct Login {
    /// The organisation number.
    pub orgnr: String,
    /// The key's name.
    pub key: String,
    /// The forms the key may deliver; `None` for every form SFTP takes.
    pub forms: Option<Vec<String>>,
}

/// One connection.
pub struct Conn {
    state: Arc<SftpState>,
    peer: SocketAddr,
    /// Held until the connection logs in: connections not yet in are limited.
    permit: Option<OwnedSemaphorePermit>,
    logged_in: Arc<AtomicBool>,
    /// Who logged in.
    org: Option<Login>,
    channels: Vec<Channel<Msg>>,
    opened: usize,
}

impl Conn {
    /// A connection from `peer`.
    pub fn new(state: Arc<SftpState>, peer: SocketAddr, permit: OwnedSemaphorePermit) -> Conn {
        Conn {
            state,
            peer,
            permit: Some(permit),
            logged_in: Arc::new(AtomicBool::new(false)),
            org: None,
            channels: Vec::new(),
            opened: 0,
        }
    }

    /// Set once the connection has logged in.
    pub fn logged_in(&self) -> Arc<AtomicBool> {
        self.logged_in.clone()
    }

    /// The key as registered for the organisation `user`, if it is.
    async fn registered(
        &self,
        user: &str,
        key: &russh::keys::PublicKey,
    ) -> Option<crate::store::SftpKey> {
        if crate::form::no::Orgnr::parse(user).is_err() {
            return None;
        }
        let fingerprint = crate::auth::ssh::fingerprint(key);
        match self.state.store.sftp_key(user, &fingerprint).await {
            Ok(k) => k,
            Err(e) => {
                tracing::error!(error = %e, "SFTP: reading the keys failed");
                None
            }
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(login) = &self.org {
            self.state.leave(&login.orgnr);
        }
    }
}

impl russh::server::Handler for Conn {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(match self.registered(user, offer.public_key).await {
            Some(_) => Auth::Accept,
            None => Auth::reject(),
        })
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let Some(registered) = self.registered(user, key.public_key).await else {
            tracing::info!(peer = %self.peer, user, "SFTP: login refused, no such key");
            return Ok(Auth::reject());
        };
        if self.org.is_some() {
            return Ok(Auth::reject());
        }
        if !self.state.enter(user) {
            tracing::warn!(peer = %self.peer, orgnr = user, "SFTP: login refused, too many sessions");
            return Ok(Auth::reject());
        }
        tracing::info!(peer = %self.peer, orgnr = user, key = %registered.name, "SFTP: logged in");
        self.org = Some(Login {
            orgnr: user.to_owned(),
            key: registered.name,
            forms: registered
                .forms
                .map(|f| f.split(',').map(str::to_owned).collect()),
        });
        self.logged_in.store(true, Ordering::Release);
        self.permit.take();
        Ok(Auth::Accept)
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.org.is_none() || self.opened >= CHANNELS {
            // Dropping the handle refuses the channel.
            return Ok(());
        }
        self.opened += 1;
        self.channels.push(channel);
        reply.accept().await;
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let found = self.channels.iter().position(|c| c.id() == channel);
        match (name, found, &self.org) {
            ("sftp", Some(i), Some(login)) => {
                let ch = self.channels.swap_remove(i);
                session.channel_success(channel)?;
                let files = Files::new(self.state.clone(), login.clone());
                russh_sftp::server::run(ch.into_stream(), files).await;
            }
            _ => session.channel_failure(channel)?,
        }
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single_connection: bool,
        _x11_auth_protocol: &str,
        _x11_auth_cookie: &str,
        _x11_screen_number: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn tcpip_forward(
        &mut self,
        _address: &str,
        _port: &mut u32,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        Ok(false)
    }
}
