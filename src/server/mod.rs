//! The HTTPS server (being written).
use crate::{cli::ServeArgs, config::Config};
pub fn run(_config: Config, _args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("serve is not built yet")
}
