//! Learning from use: votes on answers, the question log, and per-server settings, behind one [`Learn`] trait (an
//! embedded redb file here, `learn.redb` beside the sessions; Redis in `crate::store::RedisLearn`, which passes the
//! same [`suite`]).
//!
//! - `log`: what one answered (or unanswered) question leaves behind ([`Record`]) and when its text is kept.
//! - `rollup`: what is left of the log past the retention: counts per day ([`DayCount`], [`DayAskers`]).
//! - `keys`: the key of the asker hash, from `SIGNPOST_LOG_KEY` ([`LogKey`]) or rotated every retention period.
//! - `votes`: Helpful / Not helpful, one per person per answer.
//! - `settings`: what `/settings` changes for one server ([`GuildSettings`]).
//! - `redb`: the embedded implementation, which `signpost report` can read while the bot writes it.
//! - `report`: what `signpost report` computes from a [`Snapshot`]; `html`: the same as one page with plots.
//! - `suite`: the tests every implementation must pass, over `&dyn Learn`.
//!
//! Privacy: no user id or name is ever stored here. Distinct askers (and voters) are counted through a keyed hash
//! (HMAC-SHA-256 of the user id, cut to 16 bytes, see `keys`): under the secret `SIGNPOST_LOG_KEY`, which never
//! reaches the store, or else under a key per retention period, dropped once its records are rolled up. Past the
//! retention ([`Learning::purge`]) records are rolled up into per-day counts and deleted, texts, votes and helper
//! pings forgotten: what remains holds no pseudonym. The report never needs a key.
//!
//! The log write is off the reply path: [`Learning::log`] only queues the record; a [`Writer`] task commits what was
//! queued at most once per [`FLUSH_EVERY`], on tokio's blocking pool.

pub mod html;
mod keys;
mod log;
pub mod posts;
pub mod redb;
pub mod report;
pub mod rollup;
mod settings;
pub mod suite;
mod votes;

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::{mpsc, oneshot};

pub use self::{
    keys::{period, LogKey, PeriodKey, MIN_LOG_KEY},
    log::{clean_text, keeps_text, Door, Outcome, Record, LOW_CONFIDENCE},
    posts::Post,
    redb::RedbLearn,
    rollup::{DayAskers, DayCount},
    settings::{GuildSettings, HelpMode},
    votes::{Value as VoteValue, VoteRow},
};
use crate::{reply::Answer, session::Clock};

/// What went wrong in the learning store (shown to maintainers, never to Discord users).
#[derive(Debug, thiserror::Error)]
#[error("learning store: {0}")]
pub struct LearnError(pub String);

pub(crate) fn err(e: impl std::fmt::Display) -> LearnError {
    LearnError(e.to_string())
}

/// An asker or voter as the store knows them: a keyed hash of the user id, never the id.
pub type Pseudonym = [u8; 16];

/// Everything the log and the votes hold since a time: what `signpost report` reads.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// Unix seconds: the start of the period.
    pub since: u64,
    /// Unix seconds: when the snapshot was taken.
    pub now: u64,
    /// The records still held (within the retention), in time order.
    pub records: Vec<Record>,
    pub votes: Vec<VoteRow>,
    /// The counts of records rolled up past the retention, of the days that start at or after `since` (see
    /// [`rollup::first_day`]), ordered by [`DayCount::order_key`].
    #[serde(default)]
    pub rolled: Vec<DayCount>,
    /// The distinct askers of each day in `rolled` (the whole day's, held records included), ordered by day.
    #[serde(default)]
    pub rolled_askers: Vec<DayAskers>,
    /// The help forums' posts seen at or after `since`.
    #[serde(default)]
    pub posts: Vec<Post>,
}

/// Where votes, the question log and server settings live. Every method is blocking; [`Learning`] runs them off the
/// async workers.
pub trait Learn: Send + Sync + 'static {
    /// The asker-hash key of the rotation period `[start, end)`: created at random on the first call (by whichever
    /// process comes first), the same ever after, until dropped.
    fn period_key(&self, start: u64, end: u64) -> Result<[u8; 32], LearnError>;
    /// Every period key the store holds.
    fn period_keys(&self) -> Result<Vec<PeriodKey>, LearnError>;
    /// Forgets the keys of periods that ended at or before `before` (and the one key of versions before keys
    /// rotated); returns how many it forgot.
    fn drop_keys(&self, before: u64) -> Result<usize, LearnError>;
    /// Appends records (one commit). A record whose id is already stored is replaced.
    fn append(&self, records: &[Record]) -> Result<(), LearnError>;
    /// Keeps the text of the question behind record `id` (when a Not helpful vote makes it worth keeping).
    fn keep_text(&self, id: u64, text: &str) -> Result<(), LearnError>;
    /// Records `vote`, replacing the same voter's earlier vote on the same answer; returns that earlier vote.
    fn vote(&self, vote: &VoteRow) -> Result<Option<VoteValue>, LearnError>;
    /// Claims the one helper ping of the question behind record `id`: true the first time only (atomic).
    fn claim_help(&self, id: u64) -> Result<bool, LearnError>;
    /// The records (with the texts still kept) and the votes of answers given at or after `since`, and the
    /// rolled-up counts of the days from `since` on.
    fn snapshot(&self, since: u64, now: u64) -> Result<Snapshot, LearnError>;
    /// Works off at most `batch` rows of what is past the retention, atomically, in this order: forgets the texts,
    /// votes and helper pings of answers given before `before`; rolls records before `before` up into their day's
    /// counts ([`DayCount`], and the day's askers) and deletes them; once no such record is left, turns the askers
    /// of days wholly before `before` into a number ([`DayAskers`]). Returns how many rows it worked off: fewer
    /// than `batch` means nothing is left.
    fn purge(&self, before: u64, batch: usize) -> Result<usize, LearnError>;
    /// One server's settings, if it changed any.
    fn settings(&self, guild: u64) -> Result<Option<GuildSettings>, LearnError>;
    /// Every server's settings (read once at start-up).
    fn all_settings(&self) -> Result<Vec<(u64, GuildSettings)>, LearnError>;
    fn put_settings(&self, guild: u64, settings: &GuildSettings) -> Result<(), LearnError>;
    /// A number that changes whenever any server's settings change, so a process that caches them knows when to
    /// read them again. A store only one process writes (redb) need not keep one: 0, always.
    fn settings_version(&self) -> Result<u64, LearnError> {
        Ok(0)
    }
    /// Starts `who`'s (a pseudonym's) cooldown of `period` unless one is running. A store only one process uses
    /// (redb) answers [`Cooldown::Local`]: the caller keeps the cooldown in its own memory.
    fn cooldown(&self, _who: &str, _period: Duration) -> Result<Cooldown, LearnError> {
        Ok(Cooldown::Local)
    }
    /// Ends `who`'s cooldown early (what it guarded did not happen).
    fn end_cooldown(&self, _who: &str) -> Result<(), LearnError> {
        Ok(())
    }
    /// Keeps a help forum's post (replacing the one of the same thread).
    fn put_post(&self, post: &Post) -> Result<(), LearnError>;
    /// The posts of one forum.
    fn posts(&self, forum: u64) -> Result<Vec<Post>, LearnError>;
    /// Changes the post of `thread` in `forum` with `change` (atomically); false when it is not kept.
    fn modify_post(&self, forum: u64, thread: u64, change: &dyn Fn(&mut Post)) -> Result<bool, LearnError>;
    /// Marks the post of `thread` in `forum` solved, by `by` (see [`Post::solved_by`]); false when it is not kept.
    fn post_solved(&self, forum: u64, thread: u64, by: Option<&str>) -> Result<bool, LearnError> {
        self.modify_post(forum, thread, &|p| {
            p.solved = true;
            p.solved_by = by.map(str::to_string);
        })
    }
    /// Notes that someone other than the asker wrote in the post; false when it is not kept.
    fn post_replied(&self, forum: u64, thread: u64) -> Result<bool, LearnError> {
        self.modify_post(forum, thread, &|p| p.human_replied = true)
    }
    /// Forgets the post of `thread` in `forum` (its thread was deleted).
    fn remove_post(&self, forum: u64, thread: u64) -> Result<(), LearnError>;
    /// Forgets the posts posted before `before`; returns how many.
    fn purge_posts(&self, before: u64) -> Result<usize, LearnError>;
}

/// What [`Learn::cooldown`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cooldown {
    /// None was running: one starts now.
    Started,
    /// One is running, this much longer.
    Running(Duration),
    /// This store keeps no cooldowns.
    Local,
}

/// A record id: the answer's time in Unix seconds in the high 44 bits, 20 bits of a sequence below. Ids sort by time, so
/// a purge is a range deletion, and a vote's custom_id carries the time of the answer it is about.
pub fn record_id(at: u64, random: u32) -> u64 {
    (at << 20) | u64::from(random & 0xf_ffff)
}

/// The time (Unix seconds) of a record id.
pub fn record_time(id: u64) -> u64 {
    id >> 20
}

/// How many due rows one purge transaction forgets: the write lock is held only that long.
pub const PURGE_BATCH: usize = 256;

/// How many records may wait for the writer; past that, records are dropped (and counted in the log) rather than
/// slowing replies down.
const QUEUE: usize = 4096;

/// Recent question texts, so a Not helpful vote can keep the exact text of the question it is about; bounded, in
/// memory only. A vote this process cannot match (after a restart, in another process, or on one of the oldest
/// answers) keeps the question as the answered message shows it (see [`Learning::vote`]).
const RECENT_TEXTS: usize = 10_000;

/// How the log behaves (from `SIGNPOST_LOG_QUESTIONS` and `SIGNPOST_LOG_RETENTION`).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Keep question texts where they teach something; false: counts only.
    pub keep_texts: bool,
    /// How long records, texts and votes are kept (records are then rolled up into daily counts), and how long a
    /// rotated asker-hash key hashes.
    pub retention: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self { keep_texts: true, retention: Duration::from_secs(30 * 24 * 60 * 60) }
    }
}

/// A cheap, cloneable handle to the learning store, its policy and its clock.
#[derive(Clone)]
pub struct Learning {
    store: Arc<dyn Learn>,
    policy: Policy,
    clock: Clock,
    keys: Arc<keys::Keys>,
    queue: mpsc::Sender<Record>,
    writer: Arc<Mutex<Option<mpsc::Receiver<Record>>>>,
    recent: Arc<Mutex<Recent>>,
    /// Bounds how many store calls occupy the blocking pool at once (a hung store queues callers here).
    permits: Arc<tokio::sync::Semaphore>,
}

#[derive(Default)]
struct Recent {
    texts: HashMap<u64, String>,
    order: VecDeque<u64>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Learning {
    /// A handle over `store`, hashing askers under keys rotated every retention period (reads, or creates, the
    /// current and the next period's keys).
    pub fn new(store: Arc<dyn Learn>, policy: Policy, clock: Clock) -> Result<Self, LearnError> {
        Self::with_key(store, policy, clock, None)
    }

    /// A handle over `store`, hashing askers under `key` (`SIGNPOST_LOG_KEY`) when given, else as [`Learning::new`].
    pub fn with_key(
        store: Arc<dyn Learn>,
        policy: Policy,
        clock: Clock,
        key: Option<LogKey>,
    ) -> Result<Self, LearnError> {
        let keys = Arc::new(match key {
            Some(k) => keys::Keys::Secret(k),
            None => keys::Keys::Rotating(Mutex::default()),
        });
        let (queue, rx) = mpsc::channel(QUEUE);
        let writer = Arc::new(Mutex::new(Some(rx)));
        let permits = Arc::new(tokio::sync::Semaphore::new(crate::session::STORE_TASKS));
        let me = Self { store, policy, clock, keys, queue, writer, recent: Arc::default(), permits };
        me.refresh_keys()?;
        Ok(me)
    }

    /// Opens (or creates) the embedded store in `dir` (`learn.redb`), with rotated keys.
    pub fn open(dir: &std::path::Path, policy: Policy, clock: Clock) -> Result<Self, LearnError> {
        Self::new(Arc::new(RedbLearn::open(dir)?), policy, clock)
    }

    pub fn store(&self) -> &Arc<dyn Learn> {
        &self.store
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// The pseudonym of a user now: HMAC-SHA-256 under `SIGNPOST_LOG_KEY` or the current period's key, cut to 16
    /// bytes. Never waits for the store.
    pub fn pseudonym(&self, user: u64) -> Pseudonym {
        self.pseudonym_at(user, self.now())
    }

    /// The pseudonym of a user under the key of time `at` (a vote is hashed under the key of the answer it is
    /// about, so one person keeps one vote per answer across a rotation).
    pub fn pseudonym_at(&self, user: u64, at: u64) -> Pseudonym {
        self.keys.pseudonym(user, at, self.now(), self.policy.retention.as_secs())
    }

    /// Makes sure the store holds the keys of the current and the next period, and keeps a copy of every key it
    /// holds, so that the rotation needs no store call on the reply path. Nothing to do under `SIGNPOST_LOG_KEY`.
    fn refresh_keys(&self) -> Result<(), LearnError> {
        let keys::Keys::Rotating(rotation) = &*self.keys else { return Ok(()) };
        let retention = self.policy.retention.as_secs();
        let (start, end) = period(self.now(), retention);
        self.store.period_key(start, end)?;
        self.store.period_key(end, end + retention.max(1))?;
        let held = self.store.period_keys()?;
        if !held.iter().any(|k| k.start == start && k.end == end) {
            return Err(LearnError(format!("the store lost the asker-hash key of the period from {start} on")));
        }
        lock(rotation).held = held;
        Ok(())
    }

    /// Logs one question and its outcome; returns the record id (the vote buttons carry it). Never blocks: the
    /// record is queued for the [`Writer`]; the text is kept only where [`keeps_text`] says, and only when the
    /// policy keeps texts.
    pub fn log(
        &self,
        door: Door,
        guild: Option<u64>,
        user: u64,
        question: &str,
        answer: &Answer,
        outcome: Outcome,
    ) -> u64 {
        let at = self.now();
        let id = record_id(at, next_sequence());
        let text = clean_text(question);
        let keep = self.policy.keep_texts && !text.is_empty() && keeps_text(answer, outcome);
        let record = Record {
            id,
            at,
            door,
            guild,
            answer: answer.label(),
            confidence: answer.confidence,
            outcome,
            asker: hex(&self.pseudonym(user)),
            text: keep.then(|| text.clone()),
        };
        if self.policy.keep_texts && !keep && !text.is_empty() {
            let mut recent = lock(&self.recent);
            recent.texts.insert(id, text);
            recent.order.push_back(id);
            if recent.order.len() > RECENT_TEXTS {
                if let Some(old) = recent.order.pop_front() {
                    recent.texts.remove(&old);
                }
            }
        }
        if let Err(e) = self.queue.try_send(record) {
            tracing::warn!(error = %e, "question log queue full or closed; a record was dropped");
        }
        id
    }

    /// Records a vote on the answer of record `id` (about `label`); returns the voter's earlier vote. A Not helpful
    /// vote keeps the question's text when the policy keeps texts: the exact text while this process still holds
    /// it, else `asked`, the question as the answered message shows it (the message it replies to, or its quote).
    pub fn vote(
        &self,
        id: u64,
        label: &str,
        user: u64,
        value: VoteValue,
        asked: Option<&str>,
    ) -> Result<Option<VoteValue>, LearnError> {
        let voter = hex(&self.pseudonym_at(user, record_time(id)));
        let row = VoteRow { id, voter, value, label: label.to_string(), at: self.now() };
        let before = self.store.vote(&row)?;
        if value == VoteValue::NotHelpful && self.policy.keep_texts {
            let held = lock(&self.recent).texts.get(&id).cloned();
            let text = held.or_else(|| asked.map(clean_text)).filter(|t| !t.is_empty());
            if let Some(text) = text {
                self.store.keep_text(id, &text)?;
            }
        }
        Ok(before)
    }

    /// Works off everything older than the retention, in batches ([`Learn::purge`]: records rolled up into daily
    /// counts and deleted; texts, votes and helper pings forgotten); then drops the keys no record needs any more
    /// and fetches the current and next ones. Returns how many rows and keys it removed.
    pub fn purge(&self, now: u64) -> Result<usize, LearnError> {
        let before = now.saturating_sub(self.policy.retention.as_secs());
        let rows = crate::session::in_batches(PURGE_BATCH, |batch| self.store.purge(before, batch))?;
        // A rotated key goes once its period ended before the cutoff: every record it hashed is rolled up by now.
        // Under SIGNPOST_LOG_KEY the store needs no key at all, so any left from rotating go at once.
        let drop_before = match &*self.keys {
            keys::Keys::Secret(_) => u64::MAX,
            keys::Keys::Rotating(_) => before,
        };
        let dropped = self.store.drop_keys(drop_before)?;
        self.refresh_keys()?;
        let posts = self.store.purge_posts(before)?;
        Ok(rows + dropped + posts)
    }

    /// Purges every `period`, off the async workers, until dropped; at least twice per retention, so the next
    /// period's key is always fetched before it is needed.
    pub async fn purge_every(self, period: Duration) {
        let period = period.min(self.policy.retention / 2).max(Duration::from_secs(1));
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.blocking(|l| l.purge(l.now())).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "question log past its retention rolled up into daily counts"),
                Err(e) => tracing::warn!(error = %e, "purging the question log failed"),
            }
        }
    }

    /// Runs `f` on tokio's blocking pool (store reads and fsync'd commits must not stall the async workers).
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Learning) -> Result<T, LearnError> + Send + 'static,
    ) -> Result<T, LearnError> {
        let me = self.clone();
        let permit = self.permits.clone().acquire_owned().await.map_err(|e| LearnError(format!("store task: {e}")))?;
        // The permit goes with the task: a caller that stops waiting does not free it before the store answers.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&me)
        })
        .await
        .map_err(|e| LearnError(format!("store task: {e}")))?
    }

    /// [`Learning::blocking`], given up after `patience` (an interaction must be answered within Discord's 3
    /// seconds, whatever the store does).
    pub async fn within<T: Send + 'static>(
        &self,
        patience: Duration,
        f: impl FnOnce(&Learning) -> Result<T, LearnError> + Send + 'static,
    ) -> Result<T, LearnError> {
        tokio::time::timeout(patience, self.blocking(f))
            .await
            .unwrap_or_else(|_| Err(LearnError(format!("the store did not answer within {} ms", patience.as_millis()))))
    }

    /// The task that commits queued records; only one can be taken.
    pub fn writer(&self) -> Option<Writer> {
        lock(&self.writer).take().map(|rx| Writer { rx, store: self.store.clone() })
    }
}

/// Commits queued records in batches until told to stop; then commits what is still queued.
pub struct Writer {
    rx: mpsc::Receiver<Record>,
    store: Arc<dyn Learn>,
}

/// How long the writer gathers records before a commit: at most one commit (one fsync) per period, however busy
/// the bot is, so the log's disk work stays off the replies' way. A crash loses at most this much of the log.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

impl Writer {
    pub async fn run(mut self, stop: oneshot::Receiver<()>) {
        let mut stop = std::pin::pin!(stop);
        let mut batch = Vec::with_capacity(QUEUE);
        loop {
            let stopping = tokio::select! {
                n = self.rx.recv_many(&mut batch, QUEUE) => {
                    if n == 0 {
                        return;
                    }
                    // Gather what else arrives in the period, then commit it all at once.
                    tokio::select! {
                        () = tokio::time::sleep(FLUSH_EVERY) => false,
                        _ = &mut stop => true,
                    }
                }
                _ = &mut stop => true,
            };
            while let Ok(r) = self.rx.try_recv() {
                batch.push(r);
            }
            if !batch.is_empty() {
                self.write(std::mem::take(&mut batch)).await;
            }
            if stopping {
                return;
            }
        }
    }

    async fn write(&self, batch: Vec<Record>) {
        let store = self.store.clone();
        let n = batch.len();
        match tokio::task::spawn_blocking(move || store.append(&batch)).await {
            Ok(Ok(())) => tracing::debug!(records = n, "question log written"),
            Ok(Err(e)) => tracing::warn!(records = n, error = %e, "writing the question log failed"),
            Err(e) => tracing::warn!(records = n, error = %e, "question log task failed"),
        }
    }
}

/// The low bits of record ids: a counter, so records of one second keep their order, starting at random, so two
/// processes writing one store (Redis) are unlikely to collide within a second.
fn next_sequence() -> u32 {
    use std::sync::{atomic::AtomicU32, OnceLock};
    static NEXT: OnceLock<AtomicU32> = OnceLock::new();
    NEXT.get_or_init(|| AtomicU32::new(fresh_random())).fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Random bits (not a secret: ids only need to differ).
fn fresh_random() -> u32 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(crate::session::now());
        return h.finish() as u32;
    }
    u32::from_le_bytes(b)
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_sort_by_time_and_carry_it() {
        let a = record_id(1_700_000_000, 0xf_ffff);
        let b = record_id(1_700_000_001, 0);
        assert!(a < b);
        assert_eq!(record_time(a), 1_700_000_000);
        assert_eq!(record_time(record_id(1_700_000_000, u32::MAX)), 1_700_000_000);
    }

    #[test]
    fn pseudonyms_are_stable_per_key_and_differ_between_users_and_keys() {
        let dir = tempfile::tempdir().unwrap();
        let l = Learning::open(dir.path(), Policy::default(), Clock::default()).unwrap();
        assert_eq!(l.pseudonym(42), l.pseudonym(42));
        assert_ne!(l.pseudonym(42), l.pseudonym(43));
        let other = tempfile::tempdir().unwrap();
        let m = Learning::open(other.path(), Policy::default(), Clock::default()).unwrap();
        assert_ne!(l.pseudonym(42), m.pseudonym(42), "a fresh store has a fresh key");
        let before = l.pseudonym(42);
        drop(l);
        let again = Learning::open(dir.path(), Policy::default(), Clock::default()).unwrap();
        assert_eq!(again.pseudonym(42), before, "the key of the period lives in the store");
    }

    fn answer(label: &str, confidence: f64) -> Answer {
        let topic = match label {
            "none" => crate::reply::Topic::None,
            id => crate::reply::Topic::Faq { id: id.into() },
        };
        Answer {
            topic,
            confidence,
            title: String::new(),
            text: String::new(),
            suggestions: vec![],
            sources: vec![],
            frameworks: vec![],
        }
    }

    /// Lets the runtime and the blocking pool (where writes and the purge run, on real time) catch up.
    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_background_purge_rolls_the_log_up_after_the_retention() {
        let dir = tempfile::tempdir().unwrap();
        let policy = Policy { keep_texts: true, retention: Duration::from_secs(3600) };
        let l = Learning::open(dir.path(), policy, Clock::default()).unwrap();
        let (stop, stopped) = oneshot::channel();
        let writer = tokio::spawn(l.writer().expect("one writer").run(stopped));
        let id = l.log(Door::Ask, Some(1), 7, "how do i center a flask", &answer("none", 1.0), Outcome::Abstained);
        l.log(Door::Ask, Some(1), 8, "is flask faster?", &answer("is-flask-faster", 0.95), Outcome::Answered);
        l.vote(id, "faq:x", 8, VoteValue::NotHelpful, None).unwrap();
        let _ = stop.send(());
        writer.await.unwrap();
        let all = |l: &Learning| l.store().snapshot(0, l.now()).unwrap();
        let s = all(&l);
        assert_eq!(s.records.len(), 2);
        assert_eq!(s.records[0].text.as_deref(), Some("how do i center a flask"));
        assert_eq!(s.records[1].text, None, "a confident answer keeps no text");
        assert_eq!(s.votes.len(), 1);

        let purger = tokio::spawn(l.clone().purge_every(Duration::from_secs(600)));
        settle().await;
        // Past the retention, but the next purge is ten minutes away (paused time does not move by itself).
        l.clock().advance(Duration::from_secs(3601));
        tokio::time::advance(Duration::from_secs(599)).await;
        settle().await;
        assert_eq!(all(&l).votes.len(), 1, "purged before its period");
        tokio::time::advance(Duration::from_secs(1)).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let s = all(&l);
            if s.votes.is_empty() && s.records.is_empty() {
                assert_eq!(s.rolled.iter().map(|c| c.count).sum::<u64>(), 2, "counts stay");
                break;
            }
            assert!(std::time::Instant::now() < deadline, "not purged after its period");
            settle().await;
        }
        purger.abort();
    }

    #[test]
    fn a_not_helpful_vote_keeps_the_text_and_counts_only_keeps_none() {
        let dir = tempfile::tempdir().unwrap();
        let l = Learning::open(dir.path(), Policy::default(), Clock::default()).unwrap();
        let id =
            l.log(Door::Mention, None, 7, "<@99> is flask faster?", &answer("is-flask-faster", 0.9), Outcome::Answered);
        assert_eq!(l.vote(id, "faq:is-flask-faster", 7, VoteValue::NotHelpful, None).unwrap(), None);
        let s = l.store().snapshot(0, l.now()).unwrap();
        assert!(s.records.is_empty(), "not written yet: the writer commits records");
        // keep_text went straight to the store; the record follows through the writer.
        let mut rx = l.writer().unwrap().rx;
        let r = rx.try_recv().unwrap();
        assert_eq!(r.text, None);
        l.store().append(&[r]).unwrap();
        let s = l.store().snapshot(0, l.now()).unwrap();
        assert_eq!(s.records[0].text.as_deref(), Some("@… is flask faster?"));

        // After a restart this process holds no text: the question as the answered message shows it is kept.
        let id = l.log(Door::Ask, None, 7, "django or flask for a shop", &answer("which", 0.9), Outcome::Answered);
        l.store().append(&[rx.try_recv().unwrap()]).unwrap();
        drop((l, rx));
        let l = Learning::open(dir.path(), Policy::default(), Clock::default()).unwrap();
        l.vote(id, "faq:which", 8, VoteValue::NotHelpful, Some("django  or flask\nfor a shop <@12>")).unwrap();
        let s = l.store().snapshot(0, l.now()).unwrap();
        assert_eq!(s.records[1].text.as_deref(), Some("django or flask for a shop @…"));

        let other = tempfile::tempdir().unwrap();
        let off =
            Learning::open(other.path(), Policy { keep_texts: false, ..Policy::default() }, Clock::default()).unwrap();
        let id = off.log(Door::Ask, None, 7, "what is a toaster", &answer("none", 1.0), Outcome::Abstained);
        off.vote(id, "faq:x", 7, VoteValue::NotHelpful, Some("what is a toaster")).unwrap();
        let r = off.writer().unwrap().rx.try_recv().unwrap();
        assert_eq!(r.text, None, "counts only");
        off.store().append(&[r]).unwrap();
        assert_eq!(off.store().snapshot(0, off.now()).unwrap().records[0].text, None);
    }
}
