//! Local CA and leaf (being written).
use crate::{cli::CertCommand, config::Config};
pub fn run_command(_config: &Config, _command: CertCommand) -> anyhow::Result<()> {
    anyhow::bail!("cert is not built yet")
}
