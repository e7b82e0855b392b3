//! `signpost train [--knowledge DIR]`: train the matcher on a knowledge directory and write `DIR/model.bin`, the
//! model the binary ships for that knowledge.

use std::time::Instant;

use super::{Cli, Exit, EXIT_KNOWLEDGE};
use crate::{
    knowledge::KnowledgeBase,
    matcher::{train::TrainConfig, Matcher, MODEL_FILE},
};

pub fn run(cli: &Cli) -> Result<(), Exit> {
    let dir = cli.knowledge.clone().unwrap_or_else(|| "knowledge".into());
    let kb = KnowledgeBase::load(&dir).map_err(|e| Exit { code: EXIT_KNOWLEDGE, message: e.to_string() })?;
    let started = Instant::now();
    let (_, stored) = Matcher::train(&kb, &TrainConfig::default(), &mut |line| eprintln!("{line}"));
    let path = dir.join(MODEL_FILE);
    let bytes = stored.to_bytes();
    std::fs::write(&path, &bytes)
        .map_err(|e| Exit { code: EXIT_KNOWLEDGE, message: format!("cannot write {}: {e}", path.display()) })?;
    eprintln!(
        "wrote {} ({} KiB, {} messages, {:.1} s)",
        path.display(),
        bytes.len() / 1024,
        stored.corpus_size,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
