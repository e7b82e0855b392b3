//! `signpost check [--knowledge DIR]`: validate, list every problem, exit 1 if there is one.

use super::{Cli, Exit, EXIT_KNOWLEDGE};
use crate::knowledge::KnowledgeBase;

pub fn run(cli: &Cli) -> Result<(), Exit> {
    let (source, result) = match &cli.knowledge {
        Some(dir) => (dir.display().to_string(), KnowledgeBase::load(dir)),
        None => ("built-in knowledge".to_string(), KnowledgeBase::embedded()),
    };
    match result {
        Ok(kb) => {
            super::say(format_args!(
                "{source}: OK ({} frameworks, {} aspects, {} FAQ entries, {} dialog steps)",
                kb.frameworks.len(),
                kb.aspects.len(),
                kb.faqs.len(),
                kb.dialog.steps.len()
            ))?;
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
