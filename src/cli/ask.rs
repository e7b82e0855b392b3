//! `signpost ask [--json] QUESTION...`

use super::{engine, render, Cli, Exit};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// The question; several words are joined with spaces.
    #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
    pub question: Vec<String>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<(), Exit> {
    let engine = engine(cli)?;
    let mut answer = engine.ask(&args.question.join(" ")).map_err(Exit::usage)?;
    // `ask` answers once and exits: a request for a decision says where the dialog runs.
    if matches!(answer.topic, crate::reply::Topic::Decide { .. }) {
        answer.text.push_str(
            "\n\nThe guided decision runs in a conversation: `signpost chat` (type `decide`), or `/decide` in Discord.",
        );
    }
    if args.json {
        super::say(serde_json::to_string(&answer).expect("answers serialise"))?;
    } else {
        super::say(render::answer(&answer))?;
    }
    Ok(())
}
