//! `signpost report [--since DURATION] [--json] [--examples FILE] [--html FILE]`: what the bot learned from use, read
//! from its store: Redis when `SIGNPOST_REDIS_URL` is set (the store every process of the bot shares), else the
//! data directory (`SIGNPOST_DATA_DIR`, or `data_dir` in signpost.toml).
//!
//! The bot opens `learn.redb` in redb's single-writer mode, so the report opens it read-only at the same time and
//! reads one consistent snapshot, whether the bot runs or not; it creates and changes nothing. A missing file means
//! the bot never logged anything there: said plainly, exit 0. In Redis the report only reads (a `ZRANGEBYSCORE`
//! and `HMGET`s, never a write), while the bot's processes keep writing; a Redis with no log says so the same way.

use std::path::PathBuf;

use super::{Cli, Exit, EXIT_KNOWLEDGE};
use crate::{
    config::Config,
    knowledge::{examples::dedup_key, KnowledgeBase},
    learn::{
        html,
        redb::{self, OpenError},
        report::Report,
        Learn, Snapshot,
    },
    session::now,
    store::{Redis, RedisLearn},
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How far back to look: humantime syntax such as 7d, 24h, 90m.
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    pub since: String,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write the unanswered questions to FILE as example rows with an empty label (`<TAB>TEXT`), for a
    /// maintainer to label and add under knowledge/examples/.
    #[arg(long, value_name = "FILE")]
    pub examples: Option<PathBuf>,
    /// Also write the report as one self-contained HTML page with plots to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Settings file (default: ./signpost.toml when present), for `data_dir` and `redis_url`; the environment
    /// overrides it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<(), Exit> {
    let period = humantime::parse_duration(args.since.trim())
        .map_err(|e| Exit::usage(format!("--since: `{}` is not a duration such as 7d or 24h ({e})", args.since)))?;
    let config = Config::load(args.config.as_deref()).map_err(Exit::usage)?;
    let kb = match &cli.knowledge {
        Some(dir) => KnowledgeBase::load(dir),
        None => KnowledgeBase::embedded(),
    }
    .map_err(|e| Exit { code: EXIT_KNOWLEDGE, message: e.to_string() })?;
    let now = now();
    let since = now.saturating_sub(period.as_secs());
    let snapshot = match config.redis_url.as_deref() {
        Some(url) => {
            let redis = Redis::connect(url).map_err(|e| Exit { code: 1, message: e.to_string() })?;
            let store = RedisLearn::new(redis);
            if store.is_empty().map_err(|e| Exit { code: 1, message: e.to_string() })? {
                super::say(format_args!(
                    "Nothing logged yet in Redis at {} (the bot writes there once it answers its first question; is \
                     SIGNPOST_REDIS_URL the bot's?)",
                    store.url()
                ))?;
                return Ok(());
            }
            store.snapshot(since, now).map_err(|e| Exit { code: 1, message: e.to_string() })?
        }
        None => match read_dir(&config.data_dir, since, now)? {
            Some(snapshot) => snapshot,
            None => return Ok(()),
        },
    };
    let report = Report::build(&snapshot, &kb);

    if let Some(file) = &args.examples {
        let mut rows = String::from(
            "# Questions Signpost could not answer, most asked first (near-duplicates merged; the count is in the\n\
             # comment above each). Write a label before each tab (faq:<id>, compare:<aspect>, framework:<id>,\n\
             # decide or none), then add the rows to knowledge/examples/<writer>.tsv and run `signpost check`.\n",
        );
        // A question already in the corpus (in any wording `check` counts as the same) would only be a duplicate.
        let known: std::collections::HashSet<String> = kb.examples.iter().map(|e| dedup_key(&e.text)).collect();
        let (old, new): (Vec<_>, Vec<_>) = report.unanswered.iter().partition(|u| known.contains(&dedup_key(&u.text)));
        if !old.is_empty() {
            rows.push_str(&format!("# {} more already in the corpus, left out.\n", old.len()));
        }
        for u in new {
            rows.push_str(&format!("# asked {}x\n\t{}\n", u.count, escape(&u.text)));
        }
        // Questions their askers labelled by a click on a question back: the label is theirs, still to be checked.
        let picked: Vec<_> = report.picked.iter().filter(|p| !known.contains(&dedup_key(&p.question.text))).collect();
        if !picked.is_empty() {
            rows.push_str(
                "\n# Labelled by the asker's click on a question back (clarify): check each label before adding.\n",
            );
        }
        for p in picked {
            rows.push_str(&format!("# picked {}x\n{}\t{}\n", p.question.count, p.label, escape(&p.question.text)));
        }
        std::fs::write(file, rows)
            .map_err(|e| Exit { code: 1, message: format!("writing {}: {e}", file.display()) })?;
    }
    if let Some(file) = &args.html {
        std::fs::write(file, html::page(&report))
            .map_err(|e| Exit { code: 1, message: format!("writing {}: {e}", file.display()) })?;
    }
    if args.json {
        super::say(serde_json::to_string_pretty(&report).expect("a report serialises"))?;
    } else {
        super::say(report.text().trim_end())?;
    }
    Ok(())
}

/// The snapshot of `learn.redb` under `dir`; `None` (said plainly) when there is none yet.
fn read_dir(dir: &std::path::Path, since: u64, now: u64) -> Result<Option<Snapshot>, Exit> {
    match redb::read(dir, since, now) {
        Ok(snapshot) => Ok(Some(snapshot)),
        Err(OpenError::Missing(path)) => {
            super::say(format_args!(
                "Nothing logged yet: there is no {} (the bot creates it when it answers its first question; is \
                 SIGNPOST_DATA_DIR the bot's?)",
                path.display()
            ))?;
            Ok(None)
        }
        Err(e) => Err(Exit { code: 1, message: e.to_string() }),
    }
}

/// The corpus's escaping (see `knowledge::examples`): a backslash, tab or line break stays inside one row.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n")
}
