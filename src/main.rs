//! The `tasteskjema` command: serve the portal, check the forms and run their scenarios, print a
//! form's JSON Schema, and development helpers.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tasteskjema::config::{Config, Loaded, Service};

/// mimalloc: under load glibc's allocator took a fifth of a request's CPU (arenas shared by the
/// runtime's threads, their locks and consolidation); see BENCHMARKS.md §2.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "tasteskjema", version, about = "Skatteetaten's form portal")]
struct Cli {
    /// A TOML configuration file (else TASTESKJEMA_CONFIG, else the defaults).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the portal (the default).
    Serve,
    /// Load and check every form definition; print `file:line: problem` and fail on errors.
    Check {
        /// The forms directory (default: the configured one).
        dir: Option<PathBuf>,
    },
    /// Run every scenario of every form (`<form>.scenarios.toml`); print `file:scenario: problem`
    /// and fail on any, or on a form without scenarios.
    TestForms {
        /// The forms directory (default: the configured one).
        dir: Option<PathBuf>,
    },
    /// Serve the forms in DIR (default: the configured folder) for their authors: the caseworker
    /// pages' previews with no login, loaded again whenever a file changes (a page shows itself
    /// again, or the problems `check` finds). Refused in production.
    Preview {
        /// The forms directory.
        dir: Option<PathBuf>,
    },
    /// Print a form's JSON Schema (the M2M document).
    Schema {
        /// The form id, e.g. RF-1140.
        form: String,
    },
    /// The deliveries not done yet (pending and parked); `--retry ID` puts a parked one back.
    Outbox {
        /// A parked job to try again now.
        #[arg(long)]
        retry: Option<i64>,
    },
    /// Development helpers for the built-in stand-ins (refused in production).
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The configuration itself.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Write the audit rows of a period as JSON lines, oldest first (for the data protection
    /// officer, and for a person's right of access with `--person`).
    Export {
        /// The first day (Oslo time), e.g. 2026-01-01, or a moment in RFC 3339.
        #[arg(long)]
        from: String,
        /// The last day, included (Oslo time), or a moment in RFC 3339 (not included).
        #[arg(long)]
        to: String,
        /// Only what was done for this party: an organisation number or a fødselsnummer.
        #[arg(long)]
        party: Option<String>,
        /// Only what this person did or had done for them: a fødselsnummer.
        #[arg(long)]
        person: Option<String>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Load the configuration as `serve` would, print every setting (secrets redacted) and every
    /// problem (in production: every missing setting); fail if there is any.
    Check,
}

#[derive(Subcommand)]
enum DevCommand {
    /// Run the built-in stand-ins (ID-porten, the employee directory, Altinn, Maskinporten, the
    /// registers, Dialogporten, the domain systems) as a process of their own, for several
    /// portal nodes to share: start each node with the same `stand_ins_url` and
    /// `stand_ins_secret`. Their databases are in the data directory. Refused in production.
    StandIns {
        /// The address to listen on (default: the host and port of `stand_ins_url`).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Print a Maskinporten system-user token for an organisation, signed with the built-in
    /// stand-in's development key (the registry's system user for that organisation).
    Token {
        /// The organisation the system user acts for, e.g. 819897522.
        #[arg(long)]
        org: String,
        /// The scope(s), space-separated, e.g. skatteetaten:innrapporteringboligsameie.
        #[arg(long)]
        scope: String,
        /// The issuer to sign as. Default: the Maskinporten issuer the portal accepts, i.e. the
        /// configured `maskinporten_issuer`, else the built-in stand-in at the configured
        /// `public_url` (or `listen` address) + /dev/maskinporten/.
        #[arg(long)]
        issuer: Option<String>,
    },
    /// Print a synthetic document for a form with an API: valid (Tenor-style fødselsnumre,
    /// organisation and account numbers that pass mod-11, names of no one, control sums that add
    /// up), grown from the form's own API scenario; or one that breaks exactly one check.
    Testdata {
        /// The form, e.g. RF-1140.
        form: String,
        /// Rows in the form's main group (the oppgaver); by default as many as its scenario has.
        /// For RF-1086 the number of shareholders (3 by default), the return as one XML file.
        #[arg(long)]
        rows: Option<usize>,
        /// The random seed: the same seed gives the same document.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Break exactly this check: required, fnr, orgnr, kontonummer, computed or not_number,
        /// optionally with :PATH for the field (e.g. fnr:leveranse.oppgave[*].oppgaveeier.foedselsnummer).
        #[arg(long = "break")]
        break_check: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let loaded = Config::read(cli.config.as_deref());
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Config {
        command: ConfigCommand::Check,
    } = command
    {
        return config_check(loaded);
    }
    let config = match loaded.checked() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("the configuration has problems:\n{e}");
            return ExitCode::FAILURE;
        }
    };
    match command {
        Command::Config { .. } => unreachable!("answered above"),
        Command::Serve | Command::Preview { .. } => {
            let mut config = config;
            if let Command::Preview { dir } = command {
                if config.production {
                    eprintln!(
                        "error: the live preview is a tool for form authors, not for production"
                    );
                    return ExitCode::FAILURE;
                }
                config.live_preview = true;
                if let Some(dir) = dir {
                    config.forms_dir = dir;
                }
            }
            tasteskjema::init_tracing(&config);
            let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
            match rt.block_on(tasteskjema::serve(config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Check { dir } => {
            let dir = dir.unwrap_or(config.forms_dir);
            let loaded = tasteskjema::form::load::load_dir(&dir);
            for p in &loaded.problems {
                eprintln!("{p}");
            }
            match loaded.catalog {
                Some(c) => {
                    let n: usize = c.forms.values().map(|v| v.len()).sum();
                    println!("{n} form versions in {} areas: ok", c.areas.len());
                    ExitCode::SUCCESS
                }
                None => ExitCode::FAILURE,
            }
        }
        Command::TestForms { dir } => {
            let dir = dir.unwrap_or(config.forms_dir);
            let report = tasteskjema::form::scenario::test_dir(&dir);
            for p in &report.problems {
                eprintln!("{p}");
            }
            let summary = format!(
                "{} scenarios of {} form versions",
                report.scenarios, report.forms
            );
            if report.problems.is_empty() {
                println!("{summary}: ok");
                ExitCode::SUCCESS
            } else {
                println!("{summary}: {} problem(s)", report.problems.len());
                ExitCode::FAILURE
            }
        }
        Command::Audit {
            command:
                AuditCommand::Export {
                    from,
                    to,
                    party,
                    person,
                },
        } => {
            let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
            match rt.block_on(audit_export(&config, &from, &to, party, person)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Outbox { retry } => {
            let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
            match rt.block_on(outbox(&config, retry)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Schema { form } => match tasteskjema::load_catalog(&config.forms_dir) {
            Ok(c) => match c.latest(&form) {
                Some(f) => {
                    let s = tasteskjema::form::schema::json_schema(f);
                    print_out(&serde_json::to_string_pretty(&s).expect("json"))
                }
                None => {
                    eprintln!("no form {form:?}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Command::Dev {
            command: DevCommand::StandIns { listen },
        } => {
            tasteskjema::init_tracing(&config);
            let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
            match rt.block_on(tasteskjema::serve_stand_ins(config, listen)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Dev {
            command: DevCommand::Token { org, scope, issuer },
        } => match dev_token(&config, &org, &scope, issuer) {
            Ok(token) => print_out(&token),
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        Command::Dev {
            command:
                DevCommand::Testdata {
                    form,
                    rows,
                    seed,
                    break_check,
                },
        } => match dev_testdata(&config, &form, rows, seed, break_check) {
            Ok(doc) => print_out(&doc),
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Prints `text` and a line break to standard output. A reader that stops early (`| head`) closes
/// the pipe: that ends the command quietly and successfully, as it does for other commands; any
/// other write error is reported.
fn print_out(text: &str) -> ExitCode {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing the output: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the settings and then every problem (what could not be read, values that are wrong,
/// what is missing); a failure if there is any.
fn config_check(loaded: Loaded) -> ExitCode {
    let mut text = match &loaded.file {
        Some(f) => format!("# defaults, then {}, then TASTESKJEMA_*\n", f.display()),
        None => "# defaults, then TASTESKJEMA_* (no file)\n".to_owned(),
    };
    text.push_str(&loaded.config.describe());
    let mut problems = loaded.problems;
    problems.extend(loaded.config.problems());
    text.push('\n');
    if problems.is_empty() {
        text.push_str("ok");
        return print_out(&text);
    }
    text.push_str("problems:");
    for p in &problems {
        text.push_str(&format!("\n  {p}"));
    }
    print_out(&text);
    ExitCode::FAILURE
}

/// A `--from`/`--to` value in unix milliseconds: a day's start in Oslo (the next day's start
/// when `end` is set, so the day is included), or an RFC 3339 moment.
fn moment(value: &str, end: bool) -> anyhow::Result<i64> {
    if let Some(start) = tasteskjema::i18n::oslo_day_start(value) {
        return Ok(if end {
            start + 24 * 60 * 60 * 1000
        } else {
            start
        });
    }
    let t = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map_err(|_| anyhow::anyhow!("{value:?} is not a date (2026-12-06) or an RFC 3339 time"))?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// A party as the audit log keys it: an organisation number (9 digits) or a fødselsnummer (11).
fn party_key(value: &str) -> anyhow::Result<String> {
    let digits: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    use tasteskjema::auth::altinn::PartyId;
    let all_digits = digits.bytes().all(|b| b.is_ascii_digit());
    match digits.len() {
        9 if all_digits => Ok(PartyId::Organisation(digits).key()),
        11 if all_digits => Ok(PartyId::Person(digits).key()),
        _ => anyhow::bail!(
            "{value:?} is not an organisation number (9 digits) or a fødselsnummer (11)"
        ),
    }
}

/// `audit export`: the rows as JSON lines on standard output.
async fn audit_export(
    config: &Config,
    from: &str,
    to: &str,
    party: Option<String>,
    person: Option<String>,
) -> anyhow::Result<()> {
    use std::io::Write as _;
    let (from, to) = (moment(from, false)?, moment(to, true)?);
    anyhow::ensure!(from < to, "--from must come before --to");
    let party = party.as_deref().map(party_key).transpose()?;
    if let Some(p) = &person {
        anyhow::ensure!(
            p.len() == 11 && p.bytes().all(|b| b.is_ascii_digit()),
            "--person {p:?} is not a fødselsnummer (11 digits)"
        );
    }
    let store = tasteskjema::store::Store::connect(&config.database_url(), 2).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = store
        .export_audit(from, to, party.as_deref(), person.as_deref(), |row| {
            let at =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(row.at) * 1_000_000)
                    .ok()
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    });
            let line = serde_json::json!({
                "at": at,
                "event": row.event,
                "person": row.person,
                "party": row.party,
                "employee": row.employee,
                "subject": row.subject,
                "requestId": row.request_id,
            });
            writeln!(out, "{line}")
        })
        .await?;
    match written.and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // Whoever reads stopped reading (`| head`): not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Lists the deliveries not done, or puts a parked one back.
async fn outbox(config: &Config, retry: Option<i64>) -> anyhow::Result<()> {
    let store = tasteskjema::store::Store::connect(&config.database_url(), 2).await?;
    if let Some(id) = retry {
        anyhow::ensure!(store.requeue_job(id).await?, "no parked job {id}");
        println!("job {id} is pending again");
        return Ok(());
    }
    let jobs = store.open_jobs(1000).await?;
    if jobs.is_empty() {
        println!("every delivery is done");
        return Ok(());
    }
    let lines: Vec<String> = jobs
        .into_iter()
        .map(|j| {
            format!(
                "{:>8}  {:<8} {:<22} {:>3} tries  {}  {}",
                j.id,
                j.state,
                j.kind,
                j.attempts,
                j.submission_id,
                j.last_error.unwrap_or_default()
            )
        })
        .collect();
    anyhow::ensure!(
        print_out(&lines.join("\n")) == ExitCode::SUCCESS,
        "the list could not be written"
    );
    Ok(())
}

/// A synthetic document for `form` (see `form::testdata`), as pretty JSON; for the
/// aksjonærregisteroppgave, its whole return as one delivery file (XML).
fn dev_testdata(
    config: &Config,
    form: &str,
    rows: Option<usize>,
    seed: u64,
    break_check: Option<String>,
) -> anyhow::Result<String> {
    let catalog = tasteskjema::load_catalog(&config.forms_dir)?;
    let f = catalog
        .latest(form)
        .ok_or_else(|| anyhow::anyhow!("no form {form:?} in {}", config.forms_dir.display()))?;
    if f.api
        .as_ref()
        .is_some_and(|a| a.delivery == tasteskjema::form::definition::Delivery::Aksjonaerregister)
    {
        // The whole return as one XML file: the company of Skatteetaten's examples, with `rows`
        // shareholders of 100 shares each.
        use tasteskjema::dev::aksjonaerregister as ar;
        let year = f
            .api
            .as_ref()
            .and_then(|a| a.years.last().copied())
            .unwrap_or(2025);
        let n = u32::try_from(rows.unwrap_or(3)).unwrap_or(u32::MAX).max(1);
        let (hoved, subs) = ar::delivery("314259521", "MOSEGRODD ORANSJE TIGER AS", year, n, 100);
        return Ok(ar::file(&hoved, &subs));
    }
    let doc = tasteskjema::form::testdata::generate(
        f,
        &tasteskjema::form::testdata::Ask {
            rows,
            seed,
            break_check,
        },
    )?;
    Ok(serde_json::to_string_pretty(&doc)?)
}

/// A system-user token for `org` from the built-in Maskinporten stand-in, whose clients are
/// registered for the scopes of the configured forms.
fn dev_token(
    config: &Config,
    org: &str,
    scope: &str,
    issuer: Option<String>,
) -> anyhow::Result<String> {
    use anyhow::Context as _;
    use tasteskjema::form::no::Orgnr;

    anyhow::ensure!(
        !config.production,
        "the configuration says production: development tokens are refused"
    );
    let org = Orgnr::parse(org).with_context(|| format!("--org {org:?}"))?;
    let catalog = tasteskjema::load_catalog(&config.forms_dir)?;
    // By default the issuer the portal itself accepts, so a portal on another port or address
    // takes the token without further flags.
    let issuer = match issuer {
        Some(i) => i,
        None => config.endpoint(Service::Maskinporten)?.url,
    };
    tasteskjema::dev::maskinporten::system_user_token(&issuer, &catalog, org.as_str(), scope)
}
