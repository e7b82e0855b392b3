//! The embedded learning store: `learn.redb`, a file of its own beside `sessions.redb`, so the sessions' file (and
//! its trait, `session::Store`) stays as it is, and the log can be read, copied or deleted on its own.
//!
//! The file is opened in redb's `SingleWriter` concurrency mode: one process (the bot) writes, and any number of
//! others may open it read-only at the same time and read consistent snapshots of its commits. That is how
//! `signpost report` reads the store of a running bot ([`read`]), with no socket or protocol of our own, and
//! without stopping or slowing the bot (a read transaction never blocks its writer). redb needs byte-range file
//! locks for that mode: Linux, the Apple platforms and Windows.

use std::path::{Path, PathBuf};

use redb::{ConcurrencyMode, Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::{err, record_id, GuildSettings, Learn, LearnError, Record, Snapshot, VoteRow, VoteValue};

/// `hash-key` -> the 32 bytes of the asker hash's key.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Record id -> the record as JSON, without its text.
const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
/// Record id -> the kept text of its question.
const TEXTS: TableDefinition<u64, &str> = TableDefinition::new("texts");
/// (record id, voter) -> the vote as JSON.
const VOTES: TableDefinition<(u64, &str), &[u8]> = TableDefinition::new("votes");
/// Record id -> nothing: questions whose helper ping was sent.
const HELP: TableDefinition<u64, ()> = TableDefinition::new("help_pings");
/// Guild id -> its settings as JSON.
const SETTINGS: TableDefinition<u64, &[u8]> = TableDefinition::new("settings");

/// The file's name under the data directory.
pub const FILE: &str = "learn.redb";

/// Its page cache: the log is written in batches and read by reports, rarely on the reply path.
const CACHE_BYTES: usize = 1024 * 1024;

pub struct RedbLearn {
    db: Database,
}

/// Why the file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0} does not exist")]
    Missing(PathBuf),
    /// Another process holds it exclusively (a bot of a version before the shared mode, or a second bot).
    #[error("{0} is held exclusively by another process (a second bot, or an older version of Signpost)")]
    Busy(PathBuf),
    #[error(transparent)]
    Other(#[from] LearnError),
}

impl RedbLearn {
    /// Opens (or creates) `learn.redb` in `dir`.
    pub fn open(dir: &Path) -> Result<Self, LearnError> {
        std::fs::create_dir_all(dir).map_err(|e| LearnError(format!("cannot create `{}`: {e}", dir.display())))?;
        Self::open_file(&dir.join(FILE), true).map_err(|e| match e {
            OpenError::Other(e) => e,
            e => LearnError(e.to_string()),
        })
    }

    fn open_file(path: &Path, create: bool) -> Result<Self, OpenError> {
        let builder = {
            let mut b = Database::builder();
            b.set_cache_size(CACHE_BYTES).set_concurrency_mode(ConcurrencyMode::SingleWriter);
            b
        };
        let opened = if create { builder.create(path) } else { builder.open(path) };
        let db = match opened {
            Ok(db) => db,
            // Held by this process, or (a file lock: EWOULDBLOCK) by another one.
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Err(OpenError::Busy(path.to_path_buf())),
            Err(redb::DatabaseError::Storage(redb::StorageError::Io(e)))
                if e.kind() == std::io::ErrorKind::WouldBlock =>
            {
                return Err(OpenError::Busy(path.to_path_buf()))
            }
            Err(e) => return Err(LearnError(format!("cannot open `{}`: {e}", path.display())).into()),
        };
        let txn = db.begin_write().map_err(err)?;
        txn.open_table(META).map_err(err)?;
        txn.open_table(LOG).map_err(err)?;
        txn.open_table(TEXTS).map_err(err)?;
        txn.open_table(VOTES).map_err(err)?;
        txn.open_table(HELP).map_err(err)?;
        txn.open_table(SETTINGS).map_err(err)?;
        txn.commit().map_err(err)?;
        Ok(Self { db })
    }
}

/// Reads the store in `dir` read-only, while the bot may be writing it (for `signpost report`): creates nothing,
/// changes nothing.
pub fn read(dir: &Path, since: u64, now: u64) -> Result<Snapshot, OpenError> {
    let path = dir.join(FILE);
    if !path.exists() {
        return Err(OpenError::Missing(path));
    }
    let db = match Database::builder().set_concurrency_mode(ConcurrencyMode::SingleWriter).open_read_only(&path) {
        Ok(db) => db,
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Err(OpenError::Busy(path)),
        Err(e) => return Err(LearnError(format!("cannot open `{}`: {e}", path.display())).into()),
    };
    Ok(snapshot_of(&db, since, now)?)
}

/// Everything logged at or after `since`, in one read transaction (a consistent snapshot).
fn snapshot_of(db: &impl ReadableDatabase, since: u64, now: u64) -> Result<Snapshot, LearnError> {
    let txn = db.begin_read().map_err(err)?;
    let log = txn.open_table(LOG).map_err(err)?;
    let texts = txn.open_table(TEXTS).map_err(err)?;
    let votes = txn.open_table(VOTES).map_err(err)?;
    let from = record_id(since, 0);
    let mut records = Vec::new();
    for entry in log.range(from..).map_err(err)? {
        let (k, v) = entry.map_err(err)?;
        // A row this version cannot read is skipped, not fatal: the report is about the rest.
        let Ok(mut r) = serde_json::from_slice::<Record>(v.value()) else { continue };
        r.text = texts.get(k.value()).map_err(err)?.map(|t| t.value().to_string());
        records.push(r);
    }
    let mut vs = Vec::new();
    for entry in votes.range((from, "")..).map_err(err)? {
        let (_, v) = entry.map_err(err)?;
        if let Ok(v) = serde_json::from_slice::<VoteRow>(v.value()) {
            vs.push(v);
        }
    }
    Ok(Snapshot { since, now, records, votes: vs })
}

fn json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, LearnError> {
    serde_json::to_vec(v).map_err(err)
}

impl Learn for RedbLearn {
    fn hash_key(&self) -> Result<[u8; 32], LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        let key = {
            let mut meta = txn.open_table(META).map_err(err)?;
            let stored = meta.get("hash-key").map_err(err)?.and_then(|v| <[u8; 32]>::try_from(v.value()).ok());
            match stored {
                Some(k) => k,
                None => {
                    let mut k = [0u8; 32];
                    getrandom::fill(&mut k).map_err(|e| LearnError(format!("no randomness for the hash key: {e}")))?;
                    meta.insert("hash-key", k.as_slice()).map_err(err)?;
                    k
                }
            }
        };
        txn.commit().map_err(err)?;
        Ok(key)
    }

    fn append(&self, records: &[Record]) -> Result<(), LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        {
            let mut log = txn.open_table(LOG).map_err(err)?;
            let mut texts = txn.open_table(TEXTS).map_err(err)?;
            for r in records {
                let bare = Record { text: None, ..r.clone() };
                log.insert(r.id, json(&bare)?.as_slice()).map_err(err)?;
                if let Some(t) = &r.text {
                    texts.insert(r.id, t.as_str()).map_err(err)?;
                }
            }
        }
        txn.commit().map_err(err)
    }

    fn keep_text(&self, id: u64, text: &str) -> Result<(), LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        txn.open_table(TEXTS).map_err(err)?.insert(id, text).map_err(err)?;
        txn.commit().map_err(err)
    }

    fn vote(&self, vote: &VoteRow) -> Result<Option<VoteValue>, LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        let before = {
            let mut votes = txn.open_table(VOTES).map_err(err)?;
            let key = (vote.id, vote.voter.as_str());
            let before = votes
                .get(key)
                .map_err(err)?
                .and_then(|v| serde_json::from_slice::<VoteRow>(v.value()).ok())
                .map(|v| v.value);
            votes.insert(key, json(vote)?.as_slice()).map_err(err)?;
            before
        };
        txn.commit().map_err(err)?;
        Ok(before)
    }

    fn claim_help(&self, id: u64) -> Result<bool, LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        let first = txn.open_table(HELP).map_err(err)?.insert(id, ()).map_err(err)?.is_none();
        txn.commit().map_err(err)?;
        Ok(first)
    }

    fn snapshot(&self, since: u64, now: u64) -> Result<Snapshot, LearnError> {
        snapshot_of(&self.db, since, now)
    }

    fn purge(&self, before: u64, batch: usize) -> Result<usize, LearnError> {
        let end = record_id(before, 0);
        let txn = self.db.begin_write().map_err(err)?;
        let mut n = 0;
        {
            let mut texts = txn.open_table(TEXTS).map_err(err)?;
            let due: Vec<u64> = texts
                .range(..end)
                .map_err(err)?
                .take(batch)
                .map(|e| e.map(|(k, _)| k.value()))
                .collect::<Result<_, _>>()
                .map_err(err)?;
            for id in due {
                texts.remove(id).map_err(err)?;
                n += 1;
            }
            let mut votes = txn.open_table(VOTES).map_err(err)?;
            let due: Vec<(u64, String)> = votes
                .range(..(end, ""))
                .map_err(err)?
                .take(batch - n.min(batch))
                .map(|e| e.map(|(k, _)| (k.value().0, k.value().1.to_string())))
                .collect::<Result<_, _>>()
                .map_err(err)?;
            for (id, voter) in due {
                votes.remove((id, voter.as_str())).map_err(err)?;
                n += 1;
            }
            let mut help = txn.open_table(HELP).map_err(err)?;
            let due: Vec<u64> = help
                .range(..end)
                .map_err(err)?
                .take(batch - n.min(batch))
                .map(|e| e.map(|(k, _)| k.value()))
                .collect::<Result<_, _>>()
                .map_err(err)?;
            for id in due {
                help.remove(id).map_err(err)?;
                n += 1;
            }
        }
        txn.commit().map_err(err)?;
        Ok(n)
    }

    fn settings(&self, guild: u64) -> Result<Option<GuildSettings>, LearnError> {
        let txn = self.db.begin_read().map_err(err)?;
        let table = txn.open_table(SETTINGS).map_err(err)?;
        let found = table.get(guild).map_err(err)?;
        Ok(found.and_then(|v| serde_json::from_slice(v.value()).ok()))
    }

    fn all_settings(&self) -> Result<Vec<(u64, GuildSettings)>, LearnError> {
        let txn = self.db.begin_read().map_err(err)?;
        let table = txn.open_table(SETTINGS).map_err(err)?;
        let mut out = Vec::new();
        for entry in table.iter().map_err(err)? {
            let (k, v) = entry.map_err(err)?;
            if let Ok(s) = serde_json::from_slice(v.value()) {
                out.push((k.value(), s));
            }
        }
        Ok(out)
    }

    fn put_settings(&self, guild: u64, settings: &GuildSettings) -> Result<(), LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        txn.open_table(SETTINGS).map_err(err)?.insert(guild, json(settings)?.as_slice()).map_err(err)?;
        txn.commit().map_err(err)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_redb_store_passes_the_suite() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::RedbLearn::open(dir.path()).unwrap();
        super::super::suite::run(&store);
        // ...and what it stored survives reopening.
        drop(store);
        let again = super::RedbLearn::open(dir.path()).unwrap();
        super::super::suite::survives_reopening(&again);
    }
}
