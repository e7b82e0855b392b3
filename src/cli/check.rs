//! `signpost check [--strict] [--knowledge DIR]`: validate, list every problem, exit 1 if there is one. Entries
//! not reviewed for 12 months are warnings (errors with `--strict`).

use super::{Cli, Exit, EXIT_KNOWLEDGE};
use crate::knowledge::{Date, KnowledgeBase};

#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Treat entries not reviewed for 12 months (or never) as errors.
    #[arg(long)]
    pub strict: bool,
    /// The date to judge review ages against (YYYY-MM-DD; default: today, UTC). For tests and CI.
    #[arg(long, value_name = "DATE", hide = true, value_parser = |s: &str| s.parse::<Date>())]
    pub today: Option<Date>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<(), Exit> {
    let (source, result) = match &cli.knowledge {
        Some(dir) => (dir.display().to_string(), KnowledgeBase::load(dir)),
        None => ("built-in knowledge".to_string(), KnowledgeBase::embedded()),
    };
    match result {
        Ok(kb) => {
            let stale = kb.stale(args.today.unwrap_or_else(Date::today));
            if args.strict && !stale.is_empty() {
                for p in &stale {
                    println!("{p}");
                }
                let n = stale.len();
                return Err(Exit {
                    code: EXIT_KNOWLEDGE,
                    message: format!(
                        "{source}: {n} entr{} not reviewed for 12 months",
                        if n == 1 { "y" } else { "ies" }
                    ),
                });
            }
            super::say(format_args!(
                "{source}: OK ({} frameworks, {} aspects, {} FAQ entries, {} dialog steps)",
                kb.frameworks.len(),
                kb.aspects.len(),
                kb.faqs.len(),
                kb.dialog.steps.len()
            ))?;
            for p in &stale {
                super::say(format_args!("warning: {p}"))?;
            }
            for (faq, pair) in kb.pair_gaps() {
                super::say(format_args!(
                    "warning: FAQ `{faq}` is written for one pair and names no answer for `{pair}` (for_pairs)"
                ))?;
            }
            Ok(())
        }
        Err(e) => {
            for p in &e.problems {
                super::say(p)?;
            }
            let n = e.problems.len();
            Err(Exit {
                code: EXIT_KNOWLEDGE,
                message: format!("{source}: {n} problem{}", if n == 1 { "" } else { "s" }),
            })
        }
    }
}
