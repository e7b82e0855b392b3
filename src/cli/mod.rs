//! The `signpost` command line. One file per subcommand, each with a `run`; `main.rs` only dispatches.

pub mod ask;
pub mod chat;
pub mod check;
pub mod compare;
pub mod export;
pub mod render;
pub mod report;
pub mod serve;
pub mod train;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::Engine;

/// Signpost helps you choose a Python web framework (Django, Flask, FastAPI).
#[derive(Debug, Parser)]
#[command(name = "signpost", version, about, propagate_version = true)]
pub struct Cli {
    /// Use the knowledge in DIR instead of the copy built into the binary.
    #[arg(long, global = true, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer one question, as the bot would in chat.
    Ask(ask::Args),
    /// Compare two frameworks on one aspect, or on every aspect.
    Compare(compare::Args),
    /// The whole bot in the terminal, decision dialog included (scriptable through stdin).
    Chat(chat::Args),
    /// Validate the knowledge and list every problem; warn about entries not reviewed for 12 months.
    Check(check::Args),
    /// Print the whole knowledge base.
    Export(export::Args),
    /// Train the matcher on the knowledge directory (default `knowledge`) and write its `model.bin`.
    Train,
    /// What the bot learned from use: answers, abstentions, unanswered questions, votes (read from its store).
    Report(report::Args),
    /// Run the Discord bot (token from DISCORD_TOKEN; settings from signpost.toml and the environment).
    Serve(serve::Args),
}

/// Exit codes: 0 success, 1 invalid knowledge, 2 bad input (unknown framework, empty question, ...).
pub const EXIT_KNOWLEDGE: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// An error that ends the process with a specific exit code and a message for stderr.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Exit {
    pub code: i32,
    pub message: String,
}

impl Exit {
    pub fn usage(message: impl ToString) -> Self {
        Self { code: EXIT_USAGE, message: message.to_string() }
    }

    /// Whoever read the output stopped (`signpost export --json | head`): end quietly, with success.
    pub fn is_closed_pipe(&self) -> bool {
        self.code == 0
    }
}

/// Prints one line to stdout. A reader that went away (a closed pipe) ends the command quietly instead of the
/// panic `println!` would give; other write errors are reported.
pub(crate) fn say(text: impl std::fmt::Display) -> Result<(), Exit> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").and_then(|()| out.flush()).map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Exit { code: 0, message: String::new() },
        _ => Exit { code: 1, message: format!("writing to stdout: {e}") },
    })
}

/// Loads the engine from `--knowledge` or the embedded copy; a broken knowledge directory exits 1 with every problem.
pub fn engine(cli: &Cli) -> Result<Engine, Exit> {
    Engine::load_with_progress(cli.knowledge.as_deref(), &mut |line| eprintln!("{line}"))
        .map_err(|e| Exit { code: EXIT_KNOWLEDGE, message: e.to_string() })
}

pub fn run(cli: Cli) -> Result<(), Exit> {
    match &cli.command {
        Command::Ask(args) => ask::run(&cli, args),
        Command::Compare(args) => compare::run(&cli, args),
        Command::Chat(args) => chat::run(&cli, args),
        Command::Check(args) => check::run(&cli, args),
        Command::Export(args) => export::run(&cli, args),
        Command::Report(args) => report::run(&cli, args),
        Command::Serve(args) => serve::run(&cli, args),
        Command::Train => train::run(&cli),
    }
}
