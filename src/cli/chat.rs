//! `signpost chat [--json]`: the whole bot in a terminal. Reads one message a line; with stdin not a terminal it
//! prints no prompt, so it can be scripted.

use std::io::{self, BufRead, IsTerminal, Write};

use super::{engine, render, Cli, Exit};
use crate::{
    conversation::{self, Reply},
    dialog::State,
    followup::Memory,
    Engine,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write every reply as one JSON object on its own line.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<(), Exit> {
    let engine = engine(cli)?;
    let interactive = io::stdin().is_terminal() && !args.json;
    let mut out = io::stdout().lock();
    if interactive {
        let _ = writeln!(
            out,
            "Signpost: ask about Django, Flask and FastAPI, or type decide for a guided choice. Ctrl-D to quit."
        );
    }
    let mut state: Option<State> = None;
    // The last topic and open choices: "and security?" continues the previous answer.
    let mut memory = Memory::default();
    let mut line = String::new();
    let stdin = io::stdin();
    let mut input = stdin.lock();
    loop {
        if interactive {
            let _ = write!(out, "> ");
            let _ = out.flush();
        }
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            // Invalid UTF-8 on stdin: say so and read on, rather than stop the session.
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                let invalid = Reply::Error("that line was not valid UTF-8".into());
                match args.json {
                    true => {
                        let _ = writeln!(out, "{}", render::reply_json(&invalid));
                    }
                    false => print(&mut out, &engine, &invalid),
                }
                continue;
            }
            Err(e) => return Err(Exit { code: 1, message: format!("reading stdin: {e}") }),
        }
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let (turn, next) = conversation::turn_in(&engine, state.as_ref(), text, &memory);
        memory = next;
        state = turn.state;
        if args.json {
            if let Some(v) = render::turn_json(&turn.replies) {
                let _ = writeln!(out, "{v}");
                let _ = out.flush();
            }
        } else {
            for reply in &turn.replies {
                print(&mut out, &engine, reply);
            }
        }
    }
    Ok(())
}

fn print(out: &mut impl Write, engine: &Engine, reply: &Reply) {
    let name = |id: &str| engine.kb().framework(id).map_or(id.to_string(), |f| f.name.clone());
    let text = match reply {
        Reply::Answer(a) => render::answer(a),
        Reply::Question { question, notice } => render::question(question, notice.as_deref()),
        Reply::Verdict(v) => render::verdict(v, name),
        Reply::Record(r) => r.clone(),
        Reply::Notice(m) => m.clone(),
        Reply::Cancelled => "Decision cancelled. Ask anything, or type decide to start again.".into(),
        Reply::Error(m) => format!("Sorry: {m}"),
    };
    // A closed stdout (piped into `head`) ends the output quietly.
    let _ = writeln!(out, "{text}\n");
    let _ = out.flush();
}
