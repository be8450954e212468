//! The command line: clap definitions and the dispatch from each subcommand to the module
//! that does the work. Output for the user goes to stdout here; diagnostics go through
//! tracing. Only `main` turns the result into an exit code (see [`exit_code`]).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::bridge::Bridge;
use crate::config::{Config, ConfigError, Overrides};

#[derive(Parser, Debug)]
#[command(
    name = "sms-bridge",
    version,
    about = "Send SMS from Outlook through LOX24"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Read configuration from this TOML file instead of the OS config dir.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Keep the CA, keys' metadata, the journal and state here.
    #[arg(long, global = true, value_name = "DIR", env = "SMS_BRIDGE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// More diagnostics on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the task pane, the manifest and the local API on https://localhost:PORT.
    Serve(ServeArgs),
    /// Print the effective configuration and where each value came from.
    Config,
    /// Show the active key (masked), the account and every warning.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Add, list, switch, remove and verify LOX24 API keys.
    #[command(subcommand)]
    Key(crate::keys::cli::KeyCommand),
    /// The local certificate authority and the localhost certificate.
    #[command(subcommand)]
    Cert(CertCommand),
    /// Show how a text would be sent: encoding, parts, characters forcing Unicode and a
    /// GSM-safe rewrite. Nothing is sent.
    Preview(PreviewArgs),
    /// Send an SMS to one or more numbers with the active key.
    Send(crate::send_command::SendArgs),
    /// Show sent messages, newest first, with each recipient's state.
    History {
        #[arg(long)]
        json: bool,
        /// First ask LOX24 for the status and delivery report of the newest messages.
        #[arg(long)]
        refresh: bool,
    },
    /// Run a local LOX24 stand-in on http://127.0.0.1:PORT (nothing is delivered).
    Simulator(SimulatorArgs),
    /// Print or write the add-in manifest for this bridge's port.
    Manifest(ManifestArgs),
    /// Trust the local CA, start the bridge at login and write the manifest file.
    Install(InstallArgs),
    /// Undo what `install` did.
    Uninstall(InstallArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct ServeArgs {
    /// Listen on this port instead of `server.port`.
    #[arg(long)]
    pub port: Option<u16>,

    /// Serve the task pane from this directory instead of the copy built into the binary.
    #[arg(long, value_name = "DIR")]
    pub web_dir: Option<PathBuf>,

    /// Use a built-in LOX24 simulator instead of LOX24: nothing is delivered or charged.
    #[arg(long)]
    pub sandbox: bool,
}

#[derive(Args, Debug, Clone)]
pub struct PreviewArgs {
    /// The message text, as it would be sent.
    #[arg(long)]
    pub text: String,

    /// Print the preview as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct SimulatorArgs {
    /// Listen on this port of 127.0.0.1; 0 (the default) picks a free port.
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Accept this account and simulator key (repeatable); without it, one account
    /// with a generated key.
    #[arg(long = "account", value_name = "CLIENT_ID:KEY")]
    pub accounts: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ManifestArgs {
    /// `xml` (every Outlook) or `json` (the unified Microsoft 365 manifest).
    #[arg(long, value_enum, default_value_t = crate::manifest::Format::Xml)]
    pub format: crate::manifest::Format,

    /// Write the manifest to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug, Clone, Copy)]
pub struct InstallArgs {
    /// Print every step and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Subcommand, Debug, Clone, Copy)]
pub enum CertCommand {
    /// Print the path of the CA certificate to trust.
    Path,
    /// Show subjects, names and validity of the CA and the localhost certificate.
    Show,
    /// Issue a new localhost certificate from the same CA (nothing has to be re-trusted).
    Renew,
}

/// A mistake in how the program was called; exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code for a failed command: 2 for usage and configuration errors, else 1.
pub fn exit_code(error: &anyhow::Error) -> i32 {
    let usage = error.downcast_ref::<ConfigError>().is_some()
        || error.downcast_ref::<UsageError>().is_some();
    if usage { 2 } else { 1 }
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    // Every TLS user in the process (server, gateway client) shares the ring provider;
    // a second install attempt only reports that one is already there.
    let _ = rustls::crypto::ring::default_provider().install_default();

    let port = match &cli.command {
        Command::Serve(args) => args.port,
        _ => None,
    };
    let overrides = Overrides {
        config_file: cli.global.config.clone(),
        data_dir: cli.global.data_dir.clone(),
        port,
    };
    let config = Config::load(&overrides)?;

    match cli.command {
        Command::Serve(args) => crate::server::run(config, args),
        Command::Config => {
            print_config(&config);
            Ok(())
        }
        Command::Cert(command) => crate::tls::run_command(&config, command),
        Command::Status { json } => {
            crate::keys::cli::run_status(Bridge::open(config, false)?, json)
        }
        Command::Key(command) => crate::keys::cli::run_key(Bridge::open(config, false)?, command),
        Command::Send(args) => crate::send_command::run_send(Bridge::open(config, false)?, args),
        Command::History { json, refresh } => {
            crate::send_command::run_history(Bridge::open(config, false)?, json, refresh)
        }
        Command::Preview(args) => crate::sms::preview::run(&args),
        Command::Simulator(args) => crate::simulator::run_command(args.port, &args.accounts),
        Command::Manifest(args) => {
            crate::manifest::run_command(&config, args.format, args.out.as_deref())
        }
        Command::Install(args) => crate::install::run_install(&config, &cli.global, args),
        Command::Uninstall(args) => crate::install::run_uninstall(&config, &cli.global, args),
    }
}

fn print_config(config: &Config) {
    let file = match &config.file {
        Some(path) => path.display().to_string(),
        None => "(none; defaults and environment only)".to_string(),
    };
    println!("config file: {file}");
    println!("data dir:    {}", config.data_dir.display());
    for (key, value, meaning, origin) in config.describe() {
        println!("{key:<26} = {value:<28} # {origin}; {meaning}");
    }
}
