//! Entry point: parse the command line, set up diagnostics, run, and pick the exit code.

use clap::Parser;

fn main() {
    let cli = sms_bridge::cli::Cli::parse();
    sms_bridge::logging::init(cli.global.verbose, &cli.command);

    if let Err(error) = sms_bridge::cli::run(cli) {
        eprintln!("sms-bridge: {}", sms_bridge::logging::error_chain(&error));
        std::process::exit(sms_bridge::cli::exit_code(&error));
    }
}
