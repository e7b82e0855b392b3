//! Decision sessions per user and channel, with an idle timeout, behind a [`Store`] trait: the embedded redb
//! database here ([`RedbStore`], the default), or Redis shared by several processes
//! ([`crate::store::RedisStore`]). Both pass one suite of tests (`tests/it/store.rs`).
//!
//! Races are settled by one operation, [`Store::swap`]: it reads the stored row, compares it with what the caller
//! expects (a session's nonce and version), and writes the new row, atomically. Two clicks on the same step both
//! read version 3; only the first `swap` from 3 to 4 succeeds, the other finds 4 and is refused.
//!
//! A session stores the ids of the options chosen (not their positions), so reordering or inserting options in the
//! knowledge keeps every answer's meaning; [`resolve`] replays them against the current knowledge.
//!
//! Expiry: an expiry index (deadline, key) lets [`SessionStore::purge_expired`] visit only what is due, in small
//! batches, each its own short transaction. An expired session leaves a tombstone for [`TOMBSTONE`], so a late click
//! or message still gets its "expired" notice after the purge.
//!
//! redb was chosen over sled (unmaintained since 2021, pre-1.0 format) and SQLite (a C build and a SQL layer for
//! what is one key-value table): it is pure Rust, has a stable file format, ACID commits that survive a `kill -9`,
//! and a bounded page cache, so 100,000 stored sessions do not mean 100,000 sessions in memory.
//!
//! Time comes from a [`Clock`] (Unix seconds), which tests move forward instead of sleeping.

use std::{
    path::Path,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition, TableHandle};
use serde::{Deserialize, Serialize};

use crate::{
    dialog::{How, State},
    followup::Memory,
    knowledge::KnowledgeBase,
};

/// Key (user, channel) -> a JSON [`Row`].
const SESSIONS: TableDefinition<&[u8; 16], &[u8]> = TableDefinition::new("sessions_v2");
/// (deadline in Unix seconds, key) -> nothing: what is due for the purge, in deadline order.
const EXPIRY: TableDefinition<&[u8; 24], ()> = TableDefinition::new("expiry_v2");
/// Key (user, channel) -> a JSON [`Remembered`]: what a conversation there remembers.
const MEMORY: TableDefinition<&[u8; 16], &[u8]> = TableDefinition::new("memory_v1");
/// (deadline, key) -> nothing: the memory due for the purge.
const MEMORY_EXPIRY: TableDefinition<&[u8; 24], ()> = TableDefinition::new("memory_expiry_v1");
/// The positional sessions of earlier versions: dropped at open (they cannot be read safely after an edit).
const OLD_SESSIONS: TableDefinition<&[u8; 16], &[u8]> = TableDefinition::new("sessions_v1");

/// Page cache of the store: sessions are tiny, and memory matters more than read speed here.
const CACHE_BYTES: usize = 4 * 1024 * 1024;

/// How long an expired session is remembered, so its notice survives the purge.
pub const TOMBSTONE: Duration = Duration::from_secs(60 * 60);

/// How many store calls run on the blocking pool at once (see [`SessionStore::blocking`]).
pub const STORE_TASKS: usize = 16;

/// How many due rows one purge transaction handles: the write lock is held only that long.
pub const PURGE_BATCH: usize = 256;

/// Who a session belongs to and where it runs: one dialog per user per thread or channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionKey {
    pub user: u64,
    pub channel: u64,
}

impl SessionKey {
    fn bytes(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.user.to_be_bytes());
        b[8..].copy_from_slice(&self.channel.to_be_bytes());
        b
    }
}

/// One running decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The answers so far, in the order given: `STEP=OPTION` chosen, `STEP~OPTION` read from the user's text
    /// (see [`resolve`]).
    pub answers: Vec<String>,
    /// Random per session: buttons carry it, so those of an earlier decision in the same place are refused.
    pub nonce: u32,
    /// Bumped on every change; buttons carry it, so a click on an older step is recognised.
    pub version: u32,
    /// Last activity, Unix seconds.
    pub updated: u64,
    /// The dialog runs in a guild channel it shares with others (not its own thread, not a DM): typed text is
    /// taken only when meant for it.
    #[serde(default)]
    pub in_place: bool,
}

impl Session {
    /// A new session with a fresh nonce, at version 1.
    pub fn new(answers: Vec<String>, now: u64) -> Self {
        Self { answers, nonce: fresh_nonce(), version: 1, updated: now, in_place: false }
    }

    /// The session after one change: same nonce, next version.
    pub fn next(&self, answers: Vec<String>, now: u64) -> Self {
        Self { answers, version: self.version.wrapping_add(1), updated: now, ..self.clone() }
    }
}

/// A nonce that differs between sessions (not a secret: the custom_id also names the owner, who is checked).
fn fresh_nonce() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    (h.finish() as u32).max(1)
}

/// What is stored under a key (JSON, in either store: a change of [`Session`] flows through both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Row {
    Live(Session),
    /// A session that expired at `at` (Unix seconds); kept for [`TOMBSTONE`] so its notice can still be given.
    Gone {
        nonce: u32,
        at: u64,
        /// The decision ran in a shared channel: chatter there is not told that it expired.
        #[serde(default)]
        in_place: bool,
    },
}

/// A conversation's memory as stored (JSON, in either store), with its last activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Remembered {
    pub memory: Memory,
    pub updated: u64,
}

impl Remembered {
    /// The memory, unless idle for longer than `ttl` seconds as of `now` (the sessions' idle timeout).
    pub fn fresh(self, now: u64, ttl: u64) -> Option<Memory> {
        (now.saturating_sub(self.updated) <= ttl).then_some(self.memory)
    }
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Active(Session),
    /// There was a session (with this nonce), idle for longer than the timeout.
    Expired {
        nonce: u32,
        /// It ran in a channel shared with others (see [`Session::in_place`]).
        in_place: bool,
    },
    Missing,
}

/// What a [`Store::swap`] expects to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Whatever is there (a new decision replaces any other in the same place).
    Any,
    /// No active session (nothing, an expired one, or its tombstone).
    Inactive,
    /// The active session with this nonce, at this version.
    At { nonce: u32, version: u32 },
}

impl Expect {
    fn matches(self, found: &Lookup) -> bool {
        match (self, found) {
            (Expect::Any, _) => true,
            (Expect::Inactive, Lookup::Active(_)) => false,
            (Expect::Inactive, _) => true,
            (Expect::At { nonce, version }, Lookup::Active(s)) => s.nonce == nonce && s.version == version,
            (Expect::At { .. }, _) => false,
        }
    }
}

/// The outcome of a [`Store::swap`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Swap {
    Done,
    /// The row was not what the caller expected; nothing was written. Holds what was found.
    Conflict(Lookup),
}

#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct StoreError(String);

impl StoreError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

pub(crate) fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// Where sessions live. Every method is blocking; [`SessionStore::blocking`] runs them off the async workers.
pub trait Store: Send + Sync + 'static {
    /// The session under `key`, as of `now`. A row that cannot be decoded counts as missing.
    fn get(&self, key: SessionKey, now: u64) -> Result<Lookup, StoreError>;
    /// Atomically: reads the row under `key`, and when it is what `expect` says, writes `new` (`None` removes it).
    fn swap(&self, key: SessionKey, expect: Expect, new: Option<&Session>, now: u64) -> Result<Swap, StoreError>;
    /// Handles at most `batch` rows whose deadline has passed (expired sessions become tombstones, old tombstones
    /// go). Returns how many it handled: fewer than `batch` means nothing more is due.
    fn purge_batch(&self, now: u64, batch: usize) -> Result<usize, StoreError>;
    /// Stores many sessions in one commit (for loading tests and benchmarks).
    fn put_many(&self, sessions: &mut dyn Iterator<Item = (SessionKey, &Session)>) -> Result<(), StoreError>;
    /// How many rows (sessions and tombstones) are stored.
    fn rows(&self) -> Result<u64, StoreError>;
    /// How many sessions are active (not idle past the timeout) as of `now`.
    fn active(&self, now: u64) -> Result<u64, StoreError>;
    /// Whether the store answers (for `/healthz`): an error when it does not.
    fn ping(&self) -> Result<(), StoreError>;
    /// What the conversation under `key` remembers, unless idle for longer than the timeout.
    fn recall(&self, key: SessionKey, now: u64) -> Result<Option<Memory>, StoreError>;
    /// Keeps `memory` under `key`, from `now`, for the idle timeout (the purge removes it after).
    fn remember(&self, key: SessionKey, memory: &Memory, now: u64) -> Result<(), StoreError>;
}

/// The time sessions are measured by: the system clock, plus an offset that tests move forward.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Arc<AtomicU64>,
}

impl Clock {
    /// Unix seconds, now.
    pub fn now(&self) -> u64 {
        now() + self.offset.load(Ordering::SeqCst)
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: Duration) {
        self.offset.fetch_add(by.as_secs(), Ordering::SeqCst);
    }
}

/// A cheap, cloneable handle to the session store (clones share one database and one clock).
#[derive(Clone)]
pub struct SessionStore {
    store: Arc<dyn Store>,
    ttl: Duration,
    clock: Clock,
    /// Store operations run through [`SessionStore::blocking`] that failed (for the metrics).
    errors: Arc<AtomicU64>,
    /// Bounds how many store calls occupy the blocking pool (see [`STORE_TASKS`]).
    permits: Arc<tokio::sync::Semaphore>,
}

/// Seconds since the Unix epoch, now, by the system clock.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl SessionStore {
    /// Opens (or creates) the embedded store in `dir` (`sessions.redb`).
    pub fn open(dir: &Path, ttl: Duration) -> Result<Self, StoreError> {
        Ok(Self::with_store(Arc::new(RedbStore::open(dir, ttl)?), ttl))
    }

    /// A handle over any [`Store`].
    pub fn with_store(store: Arc<dyn Store>, ttl: Duration) -> Self {
        let permits = Arc::new(tokio::sync::Semaphore::new(STORE_TASKS));
        Self { store, ttl, clock: Clock::default(), errors: Arc::default(), permits }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// Runs `f` on tokio's blocking pool: store reads and fsync'd commits must not stall the async workers (which
    /// also acknowledge interactions and send heartbeats). At most [`STORE_TASKS`] run at once: with the store hung,
    /// waiting calls queue here instead of filling the blocking pool.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SessionStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.clone();
        let done = match self.permits.clone().acquire_owned().await {
            // The permit goes with the task: a caller that stops waiting does not free it before the store answers.
            Ok(permit) => tokio::task::spawn_blocking(move || {
                let _permit = permit;
                f(&store)
            })
            .await
            .map_err(|e| StoreError(format!("store task: {e}"))),
            Err(e) => Err(StoreError(format!("store task: {e}"))),
        };
        let done = done.and_then(|r| r);
        if done.is_err() {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        done
    }

    /// [`SessionStore::blocking`], given up after `patience`: a hung store (not refusing, just silent) costs the
    /// caller that long at most, and the error says so.
    pub async fn within<T: Send + 'static>(
        &self,
        patience: Duration,
        f: impl FnOnce(&SessionStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(patience, self.blocking(f)).await {
            Ok(done) => done,
            Err(_) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                Err(StoreError(format!("the store did not answer within {} ms", patience.as_millis())))
            }
        }
    }

    /// How many store operations run through [`SessionStore::blocking`] have failed since start.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    pub fn get(&self, key: SessionKey) -> Result<Lookup, StoreError> {
        self.store.get(key, self.now())
    }

    pub fn get_at(&self, key: SessionKey, now: u64) -> Result<Lookup, StoreError> {
        self.store.get(key, now)
    }

    /// See [`Store::swap`].
    pub fn swap(&self, key: SessionKey, expect: Expect, new: Option<&Session>) -> Result<Swap, StoreError> {
        self.store.swap(key, expect, new, self.now())
    }

    /// Stores a session whatever was there (durably: it survives a crash right after this returns).
    pub fn put(&self, key: SessionKey, session: &Session) -> Result<(), StoreError> {
        self.store.swap(key, Expect::Any, Some(session), self.now()).map(|_| ())
    }

    pub fn put_many<'a>(
        &self,
        sessions: impl IntoIterator<Item = (SessionKey, &'a Session)>,
    ) -> Result<(), StoreError> {
        self.store.put_many(&mut sessions.into_iter())
    }

    pub fn remove(&self, key: SessionKey) -> Result<(), StoreError> {
        self.store.swap(key, Expect::Any, None, self.now()).map(|_| ())
    }

    /// Turns every session idle for longer than the timeout into a tombstone (and drops old tombstones), in
    /// batches of [`PURGE_BATCH`]; returns how many rows it handled.
    pub fn purge_expired(&self, now: u64) -> Result<usize, StoreError> {
        in_batches(PURGE_BATCH, |batch| self.store.purge_batch(now, batch))
    }

    /// Purges every `period`, off the async workers, until dropped.
    pub async fn purge_every(self, period: Duration) {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.blocking(|s| s.purge_expired(s.now())).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "expired decision sessions purged"),
                Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
            }
        }
    }

    pub fn len(&self) -> Result<u64, StoreError> {
        self.store.rows()
    }

    /// How many sessions are active now.
    pub fn active(&self) -> Result<u64, StoreError> {
        self.store.active(self.now())
    }

    /// See [`Store::ping`].
    /// What the conversation under `key` remembers (nothing once idle for the timeout).
    pub fn recall(&self, key: SessionKey) -> Result<Option<Memory>, StoreError> {
        self.store.recall(key, self.now())
    }

    pub fn remember(&self, key: SessionKey, memory: &Memory) -> Result<(), StoreError> {
        self.store.remember(key, memory, self.now())
    }

    pub fn ping(&self) -> Result<(), StoreError> {
        self.store.ping()
    }

    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
}

/// Calls `step` with `batch` until it handles fewer than that (nothing more is due); returns the total handled.
/// Each call is one short write transaction, so a large purge never holds the store's write lock for long.
pub fn in_batches<E>(batch: usize, mut step: impl FnMut(usize) -> Result<usize, E>) -> Result<usize, E> {
    let mut total = 0;
    loop {
        let n = step(batch)?;
        total += n;
        if n < batch {
            return Ok(total);
        }
    }
}

/// The dialog state a session's answers stand for in the current knowledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub state: State,
    /// Some answers no longer fit (an option was removed or a question changed): `state` keeps the others.
    pub changed: bool,
}

/// Turns stored answers into a state for the current knowledge. An answer is `STEP=OPTION` (chosen),
/// `STEP:OPTION` (typed at the question) or `STEP~OPTION` (assumed from the user's other text), by id, so it keeps its meaning when options are reordered. A bare
/// option id (sessions stored before answers named their step) answers the step the dialog is at.
pub fn resolve(kb: &KnowledgeBase, answers: &[String]) -> Resolved {
    let mut state = State::new();
    let mut changed = false;
    let index = |step: &str, option: &str| -> Option<(u8, u8)> {
        let si = kb.dialog.steps.iter().position(|s| s.id == step)?;
        let oi = kb.dialog.steps[si].options.iter().position(|o| o.id == option)?;
        Some((u8::try_from(si).ok()?, u8::try_from(oi).ok()?))
    };
    for answer in answers {
        let (step, option, how) = match answer.split_once(['=', '~', ':']) {
            Some((s, o)) => {
                let how = match answer.as_bytes()[s.len()] {
                    b'~' => How::Assumed,
                    b':' => How::Typed,
                    _ => How::Chosen,
                };
                (s.to_string(), o, how)
            }
            None => {
                let current = match crate::dialog::current_step(kb, &state) {
                    Some(step) => step.id.clone(),
                    None => {
                        changed = true;
                        continue;
                    }
                };
                (current, answer.as_str(), How::Chosen)
            }
        };
        match index(&step, option) {
            Some((s, o)) if state.pick(usize::from(s)).is_none() => {
                state.picks.push(crate::dialog::Pick { step: s, option: o, how })
            }
            _ => changed = true,
        }
    }
    Resolved { state, changed }
}

/// The stored form of a dialog state (the inverse of [`resolve`]).
pub fn answer_ids(kb: &KnowledgeBase, state: &State) -> Vec<String> {
    state
        .picks
        .iter()
        .filter_map(|p| {
            let step = kb.dialog.steps.get(usize::from(p.step))?;
            let option = step.options.get(usize::from(p.option))?;
            let mark = match p.how {
                How::Chosen => '=',
                How::Typed => ':',
                How::Assumed => '~',
            };
            Some(format!("{}{mark}{}", step.id, option.id))
        })
        .collect()
}

/// What a stored row means as of `now`, with an idle timeout of `ttl` seconds (the same in every store).
pub(crate) fn lookup(row: Option<Row>, now: u64, ttl: u64) -> Lookup {
    match row {
        None => Lookup::Missing,
        Some(Row::Live(s)) if now.saturating_sub(s.updated) > ttl => {
            Lookup::Expired { nonce: s.nonce, in_place: s.in_place }
        }
        Some(Row::Live(s)) => Lookup::Active(s),
        Some(Row::Gone { nonce, in_place, .. }) => Lookup::Expired { nonce, in_place },
    }
}

// ------------------------------------------------------------------------------------------------ redb

/// The embedded store: one redb file.
pub struct RedbStore {
    db: Database,
    ttl: u64,
}

/// Up to `batch` entries of an expiry index due by `now`, oldest first, as (deadline, key).
fn due_entries(
    index: &redb::Table<'_, &'static [u8; 24], ()>,
    now: u64,
    batch: usize,
) -> Result<Vec<(u64, [u8; 16])>, StoreError> {
    let end = index_key(now, &[0xff; 16]);
    let mut due = Vec::new();
    for entry in index.range::<&[u8; 24]>(..&end).map_err(err)?.take(batch) {
        let (k, _) = entry.map_err(err)?;
        let raw = k.value();
        let mut key = [0u8; 16];
        key.copy_from_slice(&raw[8..]);
        let mut deadline = [0u8; 8];
        deadline.copy_from_slice(&raw[..8]);
        due.push((u64::from_be_bytes(deadline), key));
    }
    Ok(due)
}

fn index_key(deadline: u64, key: &[u8; 16]) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[..8].copy_from_slice(&deadline.to_be_bytes());
    b[8..].copy_from_slice(key);
    b
}

impl RedbStore {
    pub fn open(dir: &Path, ttl: Duration) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError(format!("cannot create `{}`: {e}", dir.display())))?;
        let path = dir.join("sessions.redb");
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
            .map_err(|e| StoreError(format!("cannot open `{}`: {e}", path.display())))?;
        let txn = db.begin_write().map_err(err)?;
        txn.open_table(SESSIONS).map_err(err)?;
        txn.open_table(EXPIRY).map_err(err)?;
        txn.open_table(MEMORY).map_err(err)?;
        txn.open_table(MEMORY_EXPIRY).map_err(err)?;
        if txn.list_tables().map_err(err)?.any(|t| t.name() == OLD_SESSIONS.name()) {
            txn.delete_table(OLD_SESSIONS).map_err(err)?;
        }
        txn.commit().map_err(err)?;
        Ok(Self { db, ttl: ttl.as_secs() })
    }

    fn decode(bytes: &[u8]) -> Option<Row> {
        serde_json::from_slice(bytes).ok()
    }

    /// When a row is due for the purge.
    fn deadline(&self, row: &Row) -> u64 {
        match row {
            Row::Live(s) => s.updated.saturating_add(self.ttl).saturating_add(1),
            Row::Gone { at, .. } => at.saturating_add(TOMBSTONE.as_secs()),
        }
    }

    fn lookup(&self, row: Option<Row>, now: u64) -> Lookup {
        lookup(row, now, self.ttl)
    }

    /// When a memory last written at `updated` is due for the purge.
    fn memory_deadline(&self, updated: u64) -> u64 {
        updated.saturating_add(self.ttl).saturating_add(1)
    }

    /// Removes up to `batch` memory rows due by `now`, in the purge's transaction.
    fn forget_due(&self, txn: &redb::WriteTransaction, now: u64, batch: usize) -> Result<usize, StoreError> {
        let mut index = txn.open_table(MEMORY_EXPIRY).map_err(err)?;
        let mut table = txn.open_table(MEMORY).map_err(err)?;
        let due = due_entries(&index, now, batch)?;
        for &(deadline, k) in &due {
            index.remove(&index_key(deadline, &k)).map_err(err)?;
            let row = table.get(&k).map_err(err)?.and_then(|v| serde_json::from_slice::<Remembered>(v.value()).ok());
            match row {
                // Written again since, or under another idle timeout: indexed at its own deadline.
                Some(r) if self.memory_deadline(r.updated) != deadline => {
                    index.insert(&index_key(self.memory_deadline(r.updated), &k), ()).map_err(err)?;
                }
                _ => {
                    table.remove(&k).map_err(err)?;
                }
            }
        }
        Ok(due.len())
    }
}

impl Store for RedbStore {
    fn get(&self, key: SessionKey, now: u64) -> Result<Lookup, StoreError> {
        let txn = self.db.begin_read().map_err(err)?;
        let table = txn.open_table(SESSIONS).map_err(err)?;
        let row = table.get(&key.bytes()).map_err(err)?.and_then(|v| Self::decode(v.value()));
        Ok(self.lookup(row, now))
    }

    fn swap(&self, key: SessionKey, expect: Expect, new: Option<&Session>, now: u64) -> Result<Swap, StoreError> {
        let k = key.bytes();
        let txn = self.db.begin_write().map_err(err)?;
        {
            let mut table = txn.open_table(SESSIONS).map_err(err)?;
            let old = table.get(&k).map_err(err)?.and_then(|v| Self::decode(v.value()));
            let found = self.lookup(old.clone(), now);
            if !expect.matches(&found) {
                drop(table);
                txn.abort().map_err(err)?;
                return Ok(Swap::Conflict(found));
            }
            let mut index = txn.open_table(EXPIRY).map_err(err)?;
            if let Some(old) = &old {
                index.remove(&index_key(self.deadline(old), &k)).map_err(err)?;
            }
            match new {
                Some(s) => {
                    let row = Row::Live(s.clone());
                    table.insert(&k, serde_json::to_vec(&row).map_err(err)?.as_slice()).map_err(err)?;
                    index.insert(&index_key(self.deadline(&row), &k), ()).map_err(err)?;
                }
                None => {
                    table.remove(&k).map_err(err)?;
                }
            }
        }
        txn.commit().map_err(err)?;
        Ok(Swap::Done)
    }

    fn purge_batch(&self, now: u64, batch: usize) -> Result<usize, StoreError> {
        let txn = self.db.begin_write().map_err(err)?;
        let handled;
        {
            let mut index = txn.open_table(EXPIRY).map_err(err)?;
            let mut table = txn.open_table(SESSIONS).map_err(err)?;
            let due = due_entries(&index, now, batch)?;
            handled = due.len();
            for (deadline, k) in due {
                index.remove(&index_key(deadline, &k)).map_err(err)?;
                let row = table.get(&k).map_err(err)?.map(|v| Self::decode(v.value()));
                match row {
                    // An index entry left behind by a later write, or one made under another idle timeout (a
                    // restart with a new `SIGNPOST_SESSION_TTL`): the row is indexed at its deadline under this
                    // one (a no-op when that entry exists), so no row is ever left without an entry.
                    Some(Some(row)) if self.deadline(&row) != deadline => {
                        index.insert(&index_key(self.deadline(&row), &k), ()).map_err(err)?;
                    }
                    Some(Some(Row::Live(s))) => {
                        let gone = Row::Gone { nonce: s.nonce, at: now, in_place: s.in_place };
                        table.insert(&k, serde_json::to_vec(&gone).map_err(err)?.as_slice()).map_err(err)?;
                        index.insert(&index_key(self.deadline(&gone), &k), ()).map_err(err)?;
                    }
                    Some(_) => {
                        table.remove(&k).map_err(err)?;
                    }
                    None => {}
                }
            }
        }
        let forgotten = self.forget_due(&txn, now, batch.saturating_sub(handled))?;
        txn.commit().map_err(err)?;
        Ok(handled + forgotten)
    }

    fn put_many(&self, sessions: &mut dyn Iterator<Item = (SessionKey, &Session)>) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(err)?;
        {
            let mut table = txn.open_table(SESSIONS).map_err(err)?;
            let mut index = txn.open_table(EXPIRY).map_err(err)?;
            for (key, session) in sessions {
                let k = key.bytes();
                if let Some(old) = table.get(&k).map_err(err)?.and_then(|v| Self::decode(v.value())) {
                    index.remove(&index_key(self.deadline(&old), &k)).map_err(err)?;
                }
                let row = Row::Live(session.clone());
                table.insert(&k, serde_json::to_vec(&row).map_err(err)?.as_slice()).map_err(err)?;
                index.insert(&index_key(self.deadline(&row), &k), ()).map_err(err)?;
            }
        }
        txn.commit().map_err(err)
    }

    fn rows(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(err)?;
        let table = txn.open_table(SESSIONS).map_err(err)?;
        table.len().map_err(err)
    }

    fn active(&self, now: u64) -> Result<u64, StoreError> {
        // The expiry index is ordered by deadline: the live rows due after `now` are the active ones (tombstones
        // are due later too, so their rows are read to tell them apart; there are few, one per expired session).
        let txn = self.db.begin_read().map_err(err)?;
        let index = txn.open_table(EXPIRY).map_err(err)?;
        let table = txn.open_table(SESSIONS).map_err(err)?;
        let mut n = 0;
        for entry in index.range::<&[u8; 24]>(&index_key(now.saturating_add(1), &[0; 16])..).map_err(err)? {
            let (k, _) = entry.map_err(err)?;
            let mut key = [0u8; 16];
            key.copy_from_slice(&k.value()[8..]);
            let row = table.get(&key).map_err(err)?.and_then(|v| Self::decode(v.value()));
            if matches!(self.lookup(row, now), Lookup::Active(_)) {
                n += 1;
            }
        }
        Ok(n)
    }

    fn recall(&self, key: SessionKey, now: u64) -> Result<Option<Memory>, StoreError> {
        let txn = self.db.begin_read().map_err(err)?;
        let table = txn.open_table(MEMORY).map_err(err)?;
        let row =
            table.get(&key.bytes()).map_err(err)?.and_then(|v| serde_json::from_slice::<Remembered>(v.value()).ok());
        Ok(row.and_then(|r| r.fresh(now, self.ttl)))
    }

    fn remember(&self, key: SessionKey, memory: &Memory, now: u64) -> Result<(), StoreError> {
        let k = key.bytes();
        let txn = self.db.begin_write().map_err(err)?;
        {
            let mut table = txn.open_table(MEMORY).map_err(err)?;
            let mut index = txn.open_table(MEMORY_EXPIRY).map_err(err)?;
            let old = table.get(&k).map_err(err)?.and_then(|v| serde_json::from_slice::<Remembered>(v.value()).ok());
            if let Some(old) = old {
                index.remove(&index_key(self.memory_deadline(old.updated), &k)).map_err(err)?;
            }
            let row = Remembered { memory: memory.clone(), updated: now };
            table.insert(&k, serde_json::to_vec(&row).map_err(err)?.as_slice()).map_err(err)?;
            index.insert(&index_key(self.memory_deadline(now), &k), ()).map_err(err)?;
        }
        txn.commit().map_err(err)
    }

    fn ping(&self) -> Result<(), StoreError> {
        // An embedded file answers while the process runs: a read transaction is enough to show it is open.
        self.db.begin_read().map(|_| ()).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(ttl: u64) -> (tempfile::TempDir, SessionStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::open(dir.path(), Duration::from_secs(ttl)).unwrap();
        (dir, store)
    }

    fn session(answers: &[&str], updated: u64) -> Session {
        Session {
            answers: answers.iter().map(|a| a.to_string()).collect(),
            nonce: 7,
            version: answers.len() as u32 + 1,
            updated,
            in_place: false,
        }
    }

    const KEY: SessionKey = SessionKey { user: 1, channel: 2 };

    #[test]
    fn put_get_remove() {
        let (_dir, store) = store(60);
        assert_eq!(store.get_at(KEY, 100).unwrap(), Lookup::Missing);
        store.put(KEY, &session(&["a", "b"], 100)).unwrap();
        assert_eq!(store.get_at(KEY, 130).unwrap(), Lookup::Active(session(&["a", "b"], 100)));
        // Another user in the same channel, or the same user elsewhere, has no session.
        assert_eq!(store.get_at(SessionKey { user: 2, channel: 2 }, 130).unwrap(), Lookup::Missing);
        assert_eq!(store.get_at(SessionKey { user: 1, channel: 3 }, 130).unwrap(), Lookup::Missing);
        store.remove(KEY).unwrap();
        assert_eq!(store.get_at(KEY, 130).unwrap(), Lookup::Missing);
    }

    #[test]
    fn swap_writes_only_over_what_the_caller_saw() {
        let (_dir, store) = store(60);
        let s1 = session(&["a"], store.now());
        store.put(KEY, &s1).unwrap();
        let at = Expect::At { nonce: s1.nonce, version: s1.version };
        let s2 = s1.next(vec!["a".into(), "b".into()], store.now());
        let s2_other = s1.next(vec!["a".into(), "c".into()], store.now());
        assert_eq!(store.swap(KEY, at, Some(&s2)).unwrap(), Swap::Done);
        // The second writer at the same version loses, and sees what won.
        assert_eq!(store.swap(KEY, at, Some(&s2_other)).unwrap(), Swap::Conflict(Lookup::Active(s2.clone())));
        assert_eq!(store.get(KEY).unwrap(), Lookup::Active(s2.clone()));
        // Another nonce at the same version is another session.
        let wrong_nonce = Expect::At { nonce: s2.nonce + 1, version: s2.version };
        assert!(matches!(store.swap(KEY, wrong_nonce, None).unwrap(), Swap::Conflict(_)));
        assert!(matches!(store.swap(KEY, Expect::Inactive, None).unwrap(), Swap::Conflict(_)));
    }

    #[test]
    fn idle_sessions_expire_and_leave_a_tombstone_through_the_purge() {
        let (_dir, store) = store(60);
        store.put(KEY, &session(&["a"], 100)).unwrap();
        assert!(matches!(store.get_at(KEY, 160).unwrap(), Lookup::Active(_)));
        assert_eq!(store.get_at(KEY, 161).unwrap(), Lookup::Expired { nonce: 7, in_place: false });
        assert_eq!(store.purge_expired(160).unwrap(), 0);
        assert_eq!(store.purge_expired(161).unwrap(), 1);
        // After the purge the notice is still there, until the tombstone itself is purged.
        assert_eq!(store.get_at(KEY, 200).unwrap(), Lookup::Expired { nonce: 7, in_place: false });
        assert_eq!(store.purge_expired(161 + TOMBSTONE.as_secs() - 1).unwrap(), 0);
        assert_eq!(store.purge_expired(161 + TOMBSTONE.as_secs()).unwrap(), 1);
        assert_eq!(store.get_at(KEY, 200).unwrap(), Lookup::Missing);
        assert!(store.is_empty().unwrap());
    }

    #[test]
    fn purge_removes_only_idle_sessions_in_batches() {
        let (_dir, store) = store(60);
        let old = session(&["a"], 0);
        let fresh = session(&["b"], 100);
        let keys: Vec<SessionKey> =
            (0..(PURGE_BATCH as u64 * 2 + 3)).map(|u| SessionKey { user: u, channel: 9 }).collect();
        store.put_many(keys.iter().map(|k| (*k, &old))).unwrap();
        store.put_many([(SessionKey { user: 9, channel: 1 }, &fresh)]).unwrap();
        // A session written again later is not purged by its first deadline.
        store.put(keys[0], &fresh).unwrap();
        assert_eq!(store.purge_expired(120).unwrap(), keys.len() - 1);
        assert!(matches!(store.get_at(keys[0], 120).unwrap(), Lookup::Active(_)));
        assert_eq!(store.get_at(keys[1], 120).unwrap(), Lookup::Expired { nonce: 7, in_place: false });
    }

    #[test]
    fn an_undecodable_row_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let redb = RedbStore::open(dir.path(), Duration::from_secs(60)).unwrap();
        let txn = redb.db.begin_write().unwrap();
        txn.open_table(SESSIONS).unwrap().insert(&KEY.bytes(), b"{not json".as_slice()).unwrap();
        txn.commit().unwrap();
        let store = SessionStore::with_store(Arc::new(redb), Duration::from_secs(60));
        assert_eq!(store.get(KEY).unwrap(), Lookup::Missing);
        // ...and can be replaced by a new session.
        assert_eq!(store.swap(KEY, Expect::Inactive, Some(&session(&[], store.now()))).unwrap(), Swap::Done);
    }

    #[test]
    fn sessions_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SessionStore::open(dir.path(), Duration::from_secs(60)).unwrap();
            store.put(KEY, &session(&["a", "b", "c"], 100)).unwrap();
        }
        let store = SessionStore::open(dir.path(), Duration::from_secs(60)).unwrap();
        assert_eq!(store.get_at(KEY, 110).unwrap(), Lookup::Active(session(&["a", "b", "c"], 100)));
    }

    /// Lets the runtime and the blocking pool (where the purge runs, on real time) catch up.
    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_purge_runs_on_its_period() {
        let (_dir, store) = store(60);
        store.put(KEY, &session(&["a"], store.now())).unwrap();
        let purger = tokio::spawn(store.clone().purge_every(Duration::from_secs(60)));
        // The first purge runs at once, with nothing due yet.
        settle().await;
        store.clock().advance(Duration::from_secs(61));
        // Idle past the timeout, but the next purge is a minute away (paused time does not move by itself here).
        tokio::time::advance(Duration::from_secs(59)).await;
        settle().await;
        assert!(matches!(store.get_at(KEY, 0).unwrap(), Lookup::Active(_)), "purged before its period");
        tokio::time::advance(Duration::from_secs(1)).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while store.get_at(KEY, 0).unwrap() != (Lookup::Expired { nonce: 7, in_place: false }) {
            assert!(std::time::Instant::now() < deadline, "not purged after its period");
            settle().await;
        }
        purger.abort();
    }
}
