//! `signpost compare FW FW [--aspect ID] [--json]`

use super::{engine, render, Cli, Exit};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// First framework (id, name or alias).
    pub first: String,
    /// Second framework.
    pub second: String,
    /// One aspect (e.g. performance, orm, rest-api); without it, an overview of every aspect.
    #[arg(long)]
    pub aspect: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<(), Exit> {
    let engine = engine(cli)?;
    let comparison = engine.compare(&args.first, &args.second, args.aspect.as_deref()).map_err(Exit::usage)?;
    if args.json {
        super::say(serde_json::to_string(&comparison).expect("comparisons serialise"))?;
    } else {
        super::say(render::comparison(&comparison))?;
    }
    Ok(())
}
