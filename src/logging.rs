//! Diagnostics on stderr through tracing: the level comes from `-v` (or `RUST_LOG`); the
//! server logs at info by default because its log is its output, other commands only warn.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::Command;

/// Installs the global subscriber once, at start.
pub fn init(verbose: u8, command: &Command) {
    let quiet = match command {
        Command::Serve(_) => "info",
        _ => "warn",
    };
    let level = match verbose {
        0 => quiet,
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let directive = format!("{level},actix_server=warn,rustls=warn,h2=warn,hyper_util=warn");
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(directive));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

/// One line with the error and each cause, "a: b: c".
pub fn error_chain(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(|cause| cause.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}
