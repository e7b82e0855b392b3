//! The embedded learning store: `learn.redb`, a file of its own beside `sessions.redb`, so the sessions' file (and
//! its trait, `session::Store`) stays as it is, and the log can be read, copied or deleted on its own.
//!
//! The file is opened in redb's `SingleWriter` concurrency mode: one process (the bot) writes, and any number of
//! others may open it read-only at the same time and read consistent snapshots of its commits. That is how
//! `signpost report` reads the store of a running bot ([`read`]), with no socket or protocol of our own, and
//! without stopping or slowing the bot (a read transaction never blocks its writer). redb needs byte-range file
//! locks for that mode: Linux, the Apple platforms and Windows.

use std::path::{Path, PathBuf};

use redb::{ConcurrencyMode, Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};

use super::{
    err, record_id,
    rollup::{day_of, first_day, parse_name, DAY},
    DayAskers, DayCount, GuildSettings, Learn, LearnError, PeriodKey, Post, Record, Snapshot, VoteRow, VoteValue,
};

/// Before keys rotated: `hash-key` -> the one asker-hash key (dropped with the first [`Learn::drop_keys`]).
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// (start, end) of a rotation period -> the 32 bytes of its asker-hash key.
const KEYS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("keys");
/// Record id -> the record as JSON, without its text.
const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
/// (day, door, outcome, answer) -> how many records past the retention it counts.
const DAILY: TableDefinition<(u64, &str, &str, &str), u64> = TableDefinition::new("daily");
/// (day, asker) -> nothing: who asked that day, written with the records and kept until the whole day is past the
/// retention, then counted into `ASKERS_COUNTED` and deleted. Pseudonyms, so never kept longer than their day's.
const DAY_ASKERS: TableDefinition<(u64, &str), ()> = TableDefinition::new("day_askers");
/// Day -> how many distinct askers of it were counted and deleted from `DAY_ASKERS`.
const ASKERS_COUNTED: TableDefinition<u64, u64> = TableDefinition::new("askers_counted");
/// Record id -> the kept text of its question.
const TEXTS: TableDefinition<u64, &str> = TableDefinition::new("texts");
/// (record id, voter) -> the vote as JSON.
const VOTES: TableDefinition<(u64, &str), &[u8]> = TableDefinition::new("votes");
/// Record id -> nothing: questions whose helper ping was sent.
const HELP: TableDefinition<u64, ()> = TableDefinition::new("help_pings");
/// Guild id -> its settings as JSON.
const SETTINGS: TableDefinition<u64, &[u8]> = TableDefinition::new("settings");
/// Thread id -> a JSON [`Post`].
const POSTS: TableDefinition<u64, &[u8]> = TableDefinition::new("posts_v1");

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
        txn.open_table(KEYS).map_err(err)?;
        txn.open_table(LOG).map_err(err)?;
        txn.open_table(DAILY).map_err(err)?;
        txn.open_table(DAY_ASKERS).map_err(err)?;
        txn.open_table(ASKERS_COUNTED).map_err(err)?;
        txn.open_table(TEXTS).map_err(err)?;
        txn.open_table(VOTES).map_err(err)?;
        txn.open_table(HELP).map_err(err)?;
        txn.open_table(SETTINGS).map_err(err)?;
        txn.open_table(POSTS).map_err(err)?;
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
    let (rolled, rolled_askers) = rolled_since(&txn, since)?;
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
    // A store written before the forum index has no such table: no posts.
    let mut posts = Vec::new();
    if let Ok(table) = txn.open_table(POSTS) {
        for row in table.iter().map_err(err)? {
            let (_, v) = row.map_err(err)?;
            if let Ok(p) = serde_json::from_slice::<Post>(v.value()) {
                if p.at >= since {
                    posts.push(p);
                }
            }
        }
    }
    Ok(Snapshot { since, now, records, votes: vs, rolled, rolled_askers, posts })
}

/// A table of `txn`, or `None` where a file written by an older version has none yet (the report opens files
/// read-only, and creates nothing).
fn table_if_any<K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &redb::ReadTransaction,
    def: TableDefinition<K, V>,
) -> Result<Option<redb::ReadOnlyTable<K, V>>, LearnError> {
    match txn.open_table(def) {
        Ok(t) => Ok(Some(t)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(LearnError(format!("table `{}`: {e}", def.name()))),
    }
}

/// The rolled-up counts of the days from `since` on, and each such day's askers: those counted, plus those still
/// listed (a day whose askers are being counted, or not yet wholly past the retention).
fn rolled_since(txn: &redb::ReadTransaction, since: u64) -> Result<(Vec<DayCount>, Vec<DayAskers>), LearnError> {
    let Some(daily) = table_if_any(txn, DAILY)? else { return Ok((Vec::new(), Vec::new())) };
    let mut rolled = Vec::new();
    for entry in daily.range((first_day(since), "", "", "")..).map_err(err)? {
        let (k, v) = entry.map_err(err)?;
        let (day, door, outcome, answer) = k.value();
        // A door or outcome this version does not know is skipped, as an unreadable record is.
        let (Some(door), Some(outcome)) = (parse_name(door), parse_name(outcome)) else { continue };
        rolled.push(DayCount { day, door, answer: answer.to_string(), outcome, count: v.value() });
    }
    let mut days: Vec<u64> = rolled.iter().map(|c| c.day).collect();
    days.dedup();
    let listed = table_if_any(txn, DAY_ASKERS)?;
    let counted = table_if_any(txn, ASKERS_COUNTED)?;
    let mut askers = Vec::with_capacity(days.len());
    for day in days {
        let mut n = match &counted {
            Some(t) => t.get(day).map_err(err)?.map_or(0, |v| v.value()),
            None => 0,
        };
        if let Some(t) = &listed {
            n += t.range((day, "")..(day + DAY, "")).map_err(err)?.count() as u64;
        }
        askers.push(DayAskers { day, askers: n });
    }
    Ok((rolled, askers))
}

fn json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, LearnError> {
    serde_json::to_vec(v).map_err(err)
}

/// Removes the first `limit` rows of `table` keyed below `end`; returns their keys.
fn take_below<V: redb::Value + 'static>(
    table: &mut redb::Table<u64, V>,
    end: u64,
    limit: usize,
) -> Result<Vec<u64>, LearnError> {
    let due: Vec<u64> = table
        .range(..end)
        .map_err(err)?
        .take(limit)
        .map(|e| e.map(|(k, _)| k.value()))
        .collect::<Result<_, _>>()
        .map_err(err)?;
    for k in &due {
        table.remove(*k).map_err(err)?;
    }
    Ok(due)
}

/// [`take_below`] for tables keyed by (number, text), below `(end, "")`.
fn take_pairs_below<V: redb::Value + 'static>(
    table: &mut redb::Table<(u64, &'static str), V>,
    end: u64,
    limit: usize,
) -> Result<Vec<(u64, String)>, LearnError> {
    let due: Vec<(u64, String)> = table
        .range(..(end, ""))
        .map_err(err)?
        .take(limit)
        .map(|e| e.map(|(k, _)| (k.value().0, k.value().1.to_string())))
        .collect::<Result<_, _>>()
        .map_err(err)?;
    for (n, t) in &due {
        table.remove((*n, t.as_str())).map_err(err)?;
    }
    Ok(due)
}

impl Learn for RedbLearn {
    fn period_key(&self, start: u64, end: u64) -> Result<[u8; 32], LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        let key = {
            let mut keys = txn.open_table(KEYS).map_err(err)?;
            let stored = keys.get((start, end)).map_err(err)?.and_then(|v| <[u8; 32]>::try_from(v.value()).ok());
            match stored {
                Some(k) => k,
                None => {
                    let mut k = [0u8; 32];
                    getrandom::fill(&mut k).map_err(|e| LearnError(format!("no randomness for the hash key: {e}")))?;
                    keys.insert((start, end), k.as_slice()).map_err(err)?;
                    k
                }
            }
        };
        txn.commit().map_err(err)?;
        Ok(key)
    }

    fn period_keys(&self) -> Result<Vec<PeriodKey>, LearnError> {
        let txn = self.db.begin_read().map_err(err)?;
        let keys = txn.open_table(KEYS).map_err(err)?;
        let mut out = Vec::new();
        for entry in keys.iter().map_err(err)? {
            let (k, v) = entry.map_err(err)?;
            let (start, end) = k.value();
            if let Ok(key) = <[u8; 32]>::try_from(v.value()) {
                out.push(PeriodKey { start, end, key });
            }
        }
        Ok(out)
    }

    fn drop_keys(&self, before: u64) -> Result<usize, LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        let n = {
            let mut keys = txn.open_table(KEYS).map_err(err)?;
            let due: Vec<(u64, u64)> = keys
                .iter()
                .map_err(err)?
                .map(|e| e.map(|(k, _)| k.value()))
                .filter(|k| k.as_ref().map_or(true, |(_, end)| *end <= before))
                .collect::<Result<_, _>>()
                .map_err(err)?;
            for k in &due {
                keys.remove(k).map_err(err)?;
            }
            let legacy = txn.open_table(META).map_err(err)?.remove("hash-key").map_err(err)?.is_some();
            due.len() + usize::from(legacy)
        };
        txn.commit().map_err(err)?;
        Ok(n)
    }

    fn append(&self, records: &[Record]) -> Result<(), LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        {
            let mut log = txn.open_table(LOG).map_err(err)?;
            let mut texts = txn.open_table(TEXTS).map_err(err)?;
            let mut askers = txn.open_table(DAY_ASKERS).map_err(err)?;
            for r in records {
                let bare = Record { text: None, ..r.clone() };
                log.insert(r.id, json(&bare)?.as_slice()).map_err(err)?;
                if let Some(t) = &r.text {
                    texts.insert(r.id, t.as_str()).map_err(err)?;
                }
                askers.insert((day_of(r.at), r.asker.as_str()), ()).map_err(err)?;
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
            n += take_below(&mut txn.open_table(TEXTS).map_err(err)?, end, batch)?.len();
            n += take_pairs_below(&mut txn.open_table(VOTES).map_err(err)?, end, batch - n)?.len();
            n += take_below(&mut txn.open_table(HELP).map_err(err)?, end, batch - n)?.len();

            // Records: counted into their day, their asker listed for the day (again, which changes nothing, except
            // for records written before this version, which were not listed when written), then deleted.
            let mut log = txn.open_table(LOG).map_err(err)?;
            let mut daily = txn.open_table(DAILY).map_err(err)?;
            let mut askers = txn.open_table(DAY_ASKERS).map_err(err)?;
            let due: Vec<(u64, Vec<u8>)> = log
                .range(..end)
                .map_err(err)?
                .take(batch - n)
                .map(|e| e.map(|(k, v)| (k.value(), v.value().to_vec())))
                .collect::<Result<_, _>>()
                .map_err(err)?;
            for (id, row) in &due {
                log.remove(*id).map_err(err)?;
                // A row this version cannot read is deleted uncounted: it is past the retention either way.
                let Ok(r) = serde_json::from_slice::<Record>(row) else { continue };
                let day = day_of(r.at);
                let bucket = (day, r.door.name(), r.outcome.name(), r.answer.as_str());
                let count = daily.get(bucket).map_err(err)?.map_or(0, |v| v.value());
                daily.insert(bucket, count + 1).map_err(err)?;
                askers.insert((day, r.asker.as_str()), ()).map_err(err)?;
            }
            n += due.len();

            // Once no record before the cutoff is left, the days wholly before it are complete: their askers become
            // a number.
            if n < batch {
                let mut counted = txn.open_table(ASKERS_COUNTED).map_err(err)?;
                let gone = take_pairs_below(&mut askers, day_of(before), batch - n)?;
                for (day, _) in &gone {
                    let c = counted.get(*day).map_err(err)?.map_or(0, |v| v.value());
                    counted.insert(*day, c + 1).map_err(err)?;
                }
                n += gone.len();
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

    fn put_post(&self, post: &Post) -> Result<(), LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        txn.open_table(POSTS).map_err(err)?.insert(post.thread, json(post)?.as_slice()).map_err(err)?;
        txn.commit().map_err(err)
    }

    fn posts(&self, forum: u64) -> Result<Vec<Post>, LearnError> {
        let txn = self.db.begin_read().map_err(err)?;
        let table = txn.open_table(POSTS).map_err(err)?;
        let mut out = Vec::new();
        for row in table.iter().map_err(err)? {
            let (_, v) = row.map_err(err)?;
            // A row this version cannot read is skipped.
            if let Ok(p) = serde_json::from_slice::<Post>(v.value()) {
                if p.forum == forum {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    fn modify_post(&self, forum: u64, thread: u64, change: &dyn Fn(&mut Post)) -> Result<bool, LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        let found = {
            let mut table = txn.open_table(POSTS).map_err(err)?;
            let post = table.get(thread).map_err(err)?.and_then(|v| serde_json::from_slice::<Post>(v.value()).ok());
            match post {
                Some(mut p) if p.forum == forum => {
                    change(&mut p);
                    table.insert(thread, json(&p)?.as_slice()).map_err(err)?;
                    true
                }
                _ => false,
            }
        };
        txn.commit().map_err(err)?;
        Ok(found)
    }

    fn remove_post(&self, _forum: u64, thread: u64) -> Result<(), LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        txn.open_table(POSTS).map_err(err)?.remove(thread).map_err(err)?;
        txn.commit().map_err(err)
    }

    fn purge_posts(&self, before: u64) -> Result<usize, LearnError> {
        let txn = self.db.begin_write().map_err(err)?;
        let n = {
            let mut table = txn.open_table(POSTS).map_err(err)?;
            let old: Vec<u64> = table
                .iter()
                .map_err(err)?
                .filter_map(|row| {
                    let (k, v) = row.ok()?;
                    let at = serde_json::from_slice::<Post>(v.value()).map_or(0, |p| p.at);
                    (at < before).then(|| k.value())
                })
                .collect();
            for thread in &old {
                table.remove(*thread).map_err(err)?;
            }
            old.len()
        };
        txn.commit().map_err(err)?;
        Ok(n)
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

    #[test]
    fn the_redb_store_rotates_keys_and_keeps_the_secret_one_out() {
        let dir = tempfile::tempdir().unwrap();
        super::super::suite::keys(std::sync::Arc::new(super::RedbLearn::open(dir.path()).unwrap()));
    }
}
