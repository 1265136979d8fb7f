//! The built-in stand-ins for outside systems. Each answers on the same HTTP shapes as the real
//! system, so the portal talks to it exactly as it talks to the real one. None of them may run when
//! the configuration says production.

pub mod aksjonaerregister;
pub mod brreg;
pub mod decisions;
pub mod dialogporten;
pub mod domain;
pub mod folkeregister;
pub mod idporten;
pub mod maskinporten;
pub mod registry;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;

use crate::auth;
use crate::config::{self, Config, Service};
use crate::form::Catalog;
use crate::intake;

/// The portal's client at the built-in employee directory, with the secret made for this start
/// (or the configured `stand_ins_secret`).
pub fn ansatt_client(config: &Config, secret: &str) -> auth::idporten::OidcConfig {
    let public = config.public_url();
    auth::idporten::OidcConfig {
        issuer: config.stand_in_url(Service::Ansatt),
        client_id: DEV_ANSATT_CLIENT_ID.into(),
        client_auth: auth::idporten::ClientAuth::SecretBasic(config::Secret::new(secret)),
        redirect_uri: format!("{public}{}", crate::config::ANSATT_CALLBACK),
        post_logout_redirect_uri: format!("{public}{}", crate::config::ANSATT_LOGGED_OUT),
        // Employee directories (Entra ID) do not offer PAR.
        use_par: false,
    }
}

/// The portal's client at the built-in ID-porten, with the secret made for this start (or the
/// configured `stand_ins_secret`).
pub fn idporten_client(config: &Config, secret: &str) -> auth::idporten::OidcConfig {
    let public = config.public_url();
    auth::idporten::OidcConfig {
        issuer: config.stand_in_url(Service::Idporten),
        client_id: DEV_CLIENT_ID.into(),
        client_auth: auth::idporten::ClientAuth::SecretBasic(config::Secret::new(secret)),
        redirect_uri: format!("{public}/logg-inn/tilbake"),
        post_logout_redirect_uri: format!("{public}/"),
        use_par: true,
    }
}

/// Dialogporten lets a service owner's system in, and Folkeregisteret a public body, with a
/// Maskinporten token carrying the API's scope.
struct ScopeCheck(auth::maskinporten::TokenValidator, &'static str);

impl ScopeCheck {
    /// Checks tokens of the built-in Maskinporten at `issuer` for `scope`.
    fn of(issuer: String, scope: &'static str) -> anyhow::Result<Arc<ScopeCheck>> {
        Ok(Arc::new(ScopeCheck(
            auth::maskinporten::TokenValidator::new(
                auth::maskinporten::MaskinportenConfig::new(issuer),
                auth::idporten::http_client()?,
            )?,
            scope,
        )))
    }
}

#[async_trait::async_trait]
impl dialogporten::BearerCheck for ScopeCheck {
    async fn check(&self, authorization_header: Option<&str>) -> bool {
        self.0.validate(authorization_header, self.1).await.is_ok()
    }
}

/// The portal's client id at the built-in ID-porten.
const DEV_CLIENT_ID: &str = "tasteskjema";
/// The caseworker side's client id at the built-in employee directory.
const DEV_ANSATT_CLIENT_ID: &str = "tasteskjema-saksbehandling";

/// Every built-in stand-in, each an HTTP service of its own at its [`Service::stand_in_path`]: the portal's clients reach them over HTTP exactly as they reach the real ones.
/// Never mounted in production. They answer at [`Config::stand_ins_base`] (the portal's own
/// address, or the stand-ins process's), and know the portal's clients at its `public_url`.
pub async fn mount(config: &Config, catalog: &Catalog, secret: &str) -> anyhow::Result<Router> {
    use idporten::{DevClient, IdpConfig, IdpState};
    let public = config.public_url();
    let at = |s: Service| config.stand_in_url(s);
    let registry = registry::Registry::load(config.dev_registry.as_deref())
        .map_err(|e| anyhow::anyhow!("the built-in registry: {}", e.0.join("; ")))?
        .with_forms(catalog);
    // The registry's people are the ones worth logging in as: the login page offers them.
    let people = registry
        .persons()
        .iter()
        .map(|p| (p.pid.clone(), p.name.clone()))
        .collect();
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    let domain = domain::DomainState::open(
        &config.data_dir.join("dev-domene.db"),
        Duration::from_millis(config.dev_domain_delay_ms),
    )
    .await
    .context("opening the built-in domain systems' database")?;
    let mut m2m_clients =
        maskinporten::DevM2mClient::from_registry(&registry, &maskinporten::api_scopes(catalog))?;
    m2m_clients.push(maskinporten::portal_client(&[
        intake::dialogporten::SCOPE,
        intake::registers::FOLKEREGISTER_SCOPE,
    ])?);
    let maskinporten = maskinporten::MaskinportenState::new(
        format!("{}/", at(Service::Maskinporten)),
        m2m_clients,
        maskinporten::DevSystemUser::from_registry(&registry),
    )?;
    // The stand-in Dialogporten takes the portal's Maskinporten tokens, as the real one does.
    let dialogporten = dialogporten::DialogportenState::open(
        config.data_dir.join("dev-dialogporten.db"),
        ScopeCheck::of(
            format!("{}/", at(Service::Maskinporten)),
            intake::dialogporten::SCOPE,
        )?,
    )
    .await
    .context("opening the built-in Dialogporten's database")?;
    let registry = Arc::new(registry);
    // Folkeregisteret takes the portal's Maskinporten tokens for its lookup, as the real one does.
    let folkeregister = folkeregister::FolkeregisterState::new(
        registry.clone(),
        ScopeCheck::of(
            format!("{}/", at(Service::Maskinporten)),
            intake::registers::FOLKEREGISTER_SCOPE,
        )?,
    );
    // Each stand-in registers the portal's client exactly as the portal is configured for it.
    let registered = |c: auth::idporten::OidcConfig, frontchannel: Option<String>| DevClient {
        client_id: c.client_id,
        client_secret: Some(config::Secret::new(secret)),
        jwks: None,
        redirect_uris: vec![c.redirect_uri],
        post_logout_redirect_uris: vec![c.post_logout_redirect_uri],
        frontchannel_logout_uri: frontchannel,
    };
    let idp = IdpState::new(IdpConfig {
        issuer: at(Service::Idporten),
        clients: vec![registered(
            idporten_client(config, secret),
            Some(format!("{public}/logg-ut/frontkanal")),
        )],
        people,
        employees: Vec::new(),
    })?;
    let directory = IdpState::new(IdpConfig {
        issuer: at(Service::Ansatt),
        clients: vec![registered(ansatt_client(config, secret), None)],
        people: Vec::new(),
        employees: registry.employees().to_vec(),
    })?;
    // The stand-ins' own pages post forms too (the test login): only from their own pages.
    let path = Service::stand_in_path;
    Ok(Router::new()
        .nest(path(Service::Idporten), idporten::router(Arc::new(idp)))
        .nest(path(Service::Ansatt), idporten::router(Arc::new(directory)))
        .nest(path(Service::Altinn), registry::router(registry.clone()))
        .nest(
            path(Service::Enhetsregisteret),
            brreg::router(registry.clone()),
        )
        .nest(
            path(Service::Folkeregisteret),
            folkeregister::router(Arc::new(folkeregister)),
        )
        .nest(
            path(Service::Domain),
            domain::router(Arc::new(domain.with_registry(registry))),
        )
        .nest(
            path(Service::Maskinporten),
            maskinporten::router(Arc::new(maskinporten)),
        )
        .nest(
            path(Service::Dialogporten),
            dialogporten::router(Arc::new(dialogporten)),
        )
        .layer(tower_http::csrf::CsrfLayer::new()))
}

/// Registers the test organisations' SFTP keys from the registry (as a person would on
/// «SFTP-nøkler»; those already there are left), and makes their private keys in `keys/` beside
/// the registry file readable by their owner only, as OpenSSH wants them (git keeps no modes).
pub async fn register_sftp_keys(
    config: &Config,
    store: &crate::store::Store,
) -> anyhow::Result<()> {
    let registry = registry::Registry::load(config.dev_registry.as_deref())
        .map_err(|e| anyhow::anyhow!("the built-in registry: {}", e.0.join("; ")))?;
    let actor = crate::store::Actor::default();
    for k in registry.sftp_keys() {
        let Ok(a) = auth::ssh::read_public_key(&k.public_key) else {
            continue;
        };
        let key = crate::store::SftpKey {
            id: uuid::Uuid::new_v4().to_string(),
            orgnr: k.orgnr.clone(),
            name: k.name.clone(),
            public_key: a.public_key,
            fingerprint: a.fingerprint,
            added_by: "registry".into(),
            forms: None,
            added_at: crate::clock::now_ms(),
        };
        store.add_sftp_key(&key, &actor, "start").await?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let dir = config
                .dev_registry
                .as_deref()
                .and_then(std::path::Path::parent)
                .unwrap_or(std::path::Path::new("dev"));
            let private = dir.join("keys").join(&k.orgnr);
            if let Ok(m) = std::fs::metadata(&private)
                && m.permissions().mode() & 0o077 != 0
            {
                let _ = std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    Ok(())
}
