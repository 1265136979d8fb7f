//! The `tasteskjema` command: serve the portal, check the forms, print a form's JSON Schema.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tasteskjema::config::Config;

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
    /// Print a form's JSON Schema (the M2M document).
    Schema {
        /// The form id, e.g. RF-1140.
        form: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
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
        Command::Schema { form } => match tasteskjema::load_catalog(&config.forms_dir) {
            Ok(c) => match c.latest(&form) {
                Some(f) => {
                    let s = tasteskjema::form::schema::json_schema(f);
                    println!("{}", serde_json::to_string_pretty(&s).expect("json"));
                    ExitCode::SUCCESS
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
    }
}
