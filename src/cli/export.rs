//! `signpost export --json`: the whole knowledge base as one JSON document, with the matcher model that answers.

use super::{engine, Cli, Exit};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// JSON output (the only format; required so a future format can be added without surprises).
    #[arg(long, required = true)]
    pub json: bool,
}

/// The knowledge, plus which matcher model answers from it and how many labelled messages it learned from.
#[derive(serde::Serialize)]
struct Export<'a> {
    #[serde(flatten)]
    knowledge: &'a crate::knowledge::KnowledgeBase,
    examples: usize,
    model: &'a crate::matcher::ModelInfo,
}

pub fn run(cli: &Cli, _args: &Args) -> Result<(), Exit> {
    let engine = engine(cli)?;
    let export =
        Export { knowledge: engine.kb(), examples: engine.kb().examples.len(), model: engine.matcher().info() };
    super::say(serde_json::to_string_pretty(&export).expect("knowledge serialises"))?;
    Ok(())
}
