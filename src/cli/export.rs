//! `signpost export --json`: the whole knowledge base as one JSON document.

use super::{engine, Cli, Exit};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// JSON output (the only format; required so a future format can be added without surprises).
    #[arg(long, required = true)]
    pub json: bool,
}

pub fn run(cli: &Cli, _args: &Args) -> Result<(), Exit> {
    let engine = engine(cli)?;
    super::say(serde_json::to_string_pretty(engine.kb()).expect("knowledge serialises"))?;
    Ok(())
}
