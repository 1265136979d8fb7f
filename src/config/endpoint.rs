//! Where each outside system is: the configured URL, or — outside production — the built-in
//! stand-in under `/dev/` on the portal's own address. One place decides it for every system, so
//! that adding a stand-in is a line in [`Service`] and its router in `dev::mount`.

use super::{Config, env_var};

/// An outside system the portal talks to over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// ID-porten, the citizens' and businesses' login (its issuer).
    Idporten,
    /// The agency's employee directory, the caseworkers' login (its issuer).
    Ansatt,
    /// Altinn Authorization (its platform base URL).
    Altinn,
    /// The domain systems' intake.
    Domain,
    /// Maskinporten (its issuer, with the trailing slash `iss` carries).
    Maskinporten,
    /// Dialogporten (its base URL).
    Dialogporten,
    /// Enhetsregisteret's open data API (its base URL, before `/enhetsregisteret/api`).
    Enhetsregisteret,
    /// Folkeregisteret's API (its base URL, before `/folkeregisteret/…`).
    Folkeregisteret,
}

impl Service {
    /// Where the built-in stand-in is mounted on the portal's own address.
    pub fn stand_in_path(self) -> &'static str {
        match self {
            Service::Idporten => "/dev/idporten",
            Service::Ansatt => "/dev/ansatt",
            Service::Altinn => "/dev/altinn",
            Service::Domain => "/dev/domene",
            Service::Maskinporten => "/dev/maskinporten",
            Service::Dialogporten => "/dev/dialogporten",
            Service::Enhetsregisteret => "/dev/brreg",
            Service::Folkeregisteret => "/dev/folkeregister",
        }
    }

    /// The setting (file key) that names the real one.
    pub fn setting(self) -> &'static str {
        match self {
            Service::Idporten => "idporten.issuer",
            Service::Ansatt => "ansatt.issuer",
            Service::Altinn => "altinn.url",
            Service::Domain => "domain_url",
            Service::Maskinporten => "maskinporten_issuer",
            Service::Dialogporten => "dialogporten_url",
            Service::Enhetsregisteret => "enhetsregisteret_url",
            Service::Folkeregisteret => "folkeregister_url",
        }
    }

    /// What the system is, for messages.
    fn what(self) -> &'static str {
        match self {
            Service::Idporten => "ID-porten",
            Service::Ansatt => "the employee directory",
            Service::Altinn => "Altinn Authorization",
            Service::Domain => "the domain systems",
            Service::Maskinporten => "Maskinporten",
            Service::Dialogporten => "Dialogporten",
            Service::Enhetsregisteret => "Enhetsregisteret",
            Service::Folkeregisteret => "Folkeregisteret",
        }
    }
}

/// A system's address, and whether it is the built-in stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The base URL (an issuer for the identity providers).
    pub url: String,
    /// The built-in stand-in answers here.
    pub stand_in: bool,
}

impl Config {
    /// The configured URL of `service`, or outside production its built-in stand-in's; production
    /// without it is an error naming the setting and its environment variable.
    pub fn endpoint(&self, service: Service) -> anyhow::Result<Endpoint> {
        let configured = match service {
            Service::Idporten => self.idporten.as_ref().map(|s| s.issuer.clone()),
            Service::Ansatt => self.ansatt.as_ref().map(|s| s.issuer.clone()),
            Service::Altinn => self.altinn.as_ref().map(|a| a.url.clone()),
            Service::Domain => self.domain_url.clone(),
            Service::Maskinporten => self.maskinporten_issuer.clone(),
            Service::Dialogporten => self.dialogporten_url.clone(),
            Service::Enhetsregisteret => self.enhetsregisteret_url.clone(),
            Service::Folkeregisteret => self.folkeregister_url.clone(),
        };
        match configured {
            Some(url) => Ok(Endpoint {
                url,
                stand_in: false,
            }),
            None if !self.production => {
                let mut url = self.stand_in_url(service);
                // `iss` of Maskinporten tokens ends in a slash, and the validator compares it.
                if service == Service::Maskinporten {
                    url.push('/');
                }
                Ok(Endpoint {
                    url,
                    stand_in: true,
                })
            }
            None => anyhow::bail!(
                "production needs {}: set {} in the configuration file or {}",
                service.what(),
                service.setting(),
                env_var(service.setting()).unwrap_or("its environment variable"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_outside_production_and_a_named_error_in_it() {
        let mut c = Config {
            listen: "127.0.0.1:8080".parse().unwrap(),
            ..Config::default()
        };
        let e = c.endpoint(Service::Maskinporten).unwrap();
        assert_eq!(e.url, "http://127.0.0.1:8080/dev/maskinporten/");
        assert!(e.stand_in);
        assert_eq!(
            c.endpoint(Service::Domain).unwrap().url,
            "http://127.0.0.1:8080/dev/domene"
        );
        c.domain_url = Some("https://domene.example".into());
        assert_eq!(
            c.endpoint(Service::Domain).unwrap(),
            Endpoint {
                url: "https://domene.example".into(),
                stand_in: false
            }
        );
        c.production = true;
        let err = c.endpoint(Service::Dialogporten).unwrap_err().to_string();
        assert!(err.contains("dialogporten_url"), "{err}");
        assert!(err.contains("TASTESKJEMA_DIALOGPORTEN_URL"), "{err}");
        assert!(c.endpoint(Service::Domain).is_ok());
        let err = c
            .endpoint(Service::Folkeregisteret)
            .unwrap_err()
            .to_string();
        assert!(err.contains("TASTESKJEMA_FOLKEREGISTER_URL"), "{err}");
    }

    #[test]
    fn the_registers_have_stand_ins_and_settings() {
        let mut c = Config {
            listen: "127.0.0.1:8080".parse().unwrap(),
            ..Config::default()
        };
        assert_eq!(
            c.endpoint(Service::Enhetsregisteret).unwrap().url,
            "http://127.0.0.1:8080/dev/brreg"
        );
        assert_eq!(
            c.endpoint(Service::Folkeregisteret).unwrap().url,
            "http://127.0.0.1:8080/dev/folkeregister"
        );
        c.enhetsregisteret_url = Some("https://data.brreg.no".into());
        assert_eq!(
            c.endpoint(Service::Enhetsregisteret).unwrap(),
            Endpoint {
                url: "https://data.brreg.no".into(),
                stand_in: false
            }
        );
    }

    #[test]
    fn a_stand_ins_process_takes_the_place_of_the_portals_own_and_never_in_production() {
        let mut c = Config {
            listen: "127.0.0.1:8081".parse().unwrap(),
            public_url: Some("http://127.0.0.1:8080".into()),
            stand_ins_url: Some("http://127.0.0.1:8090/".into()),
            ..Config::default()
        };
        assert_eq!(
            c.endpoint(Service::Maskinporten).unwrap().url,
            "http://127.0.0.1:8090/dev/maskinporten/"
        );
        assert_eq!(
            c.endpoint(Service::Idporten).unwrap().url,
            "http://127.0.0.1:8090/dev/idporten"
        );
        // Its logins need the secret the nodes share with it.
        let problems = c.problems();
        assert!(
            problems
                .iter()
                .any(|p| p.to_string().contains("stand_ins_secret")),
            "{problems:?}"
        );
        c.stand_ins_secret = Some(crate::config::Secret::new("s"));
        assert!(c.problems().is_empty(), "{:?}", c.problems());
        // Anyone may log in as anyone there: only on this machine, never in production.
        c.stand_ins_url = Some("http://stand-ins.example:8090".into());
        assert!(
            c.problems()
                .iter()
                .any(|p| p.to_string().contains("not on this machine"))
        );
        c.production = true;
        assert!(
            c.problems()
                .iter()
                .any(|p| p.to_string().contains("refused in production"))
        );
    }
}
