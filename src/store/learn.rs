//! Votes, the question log and server settings in Redis ([`RedisLearn`]): the same behaviour as the embedded
//! `learn.redb` (it passes the same `learn::suite`), shared by every process of one bot.
//!
//! Layout (under the prefix, `signpost:` by default; a record id is a score as it is, exact in a double: it is
//! below 2^53 until the year 2^33 seconds):
//! - `learn:hash-key`: the 32 bytes of the asker hash's key, written once (`SET NX`), read ever after.
//! - `learn:log`: a sorted set of record ids (score: the id, which sorts by time); `learn:records`: a hash, record
//!   id -> the record as JSON without its text. A snapshot since a time is one `ZRANGEBYSCORE` and `HMGET`s.
//! - `learn:texts` (record id -> kept text) and `learn:text-ids` (their sorted set, for the purge).
//! - `learn:votes` (`{record id}:{voter}` -> the vote as JSON) and `learn:vote-ids` (its sorted set, score: the
//!   record id). A vote replaces the voter's earlier one in one Lua script, which returns the earlier one.
//! - `learn:help`: a sorted set of the record ids whose helper ping was sent; a claim is `ZADD NX` (atomic: one
//!   process wins), and the purge drops old claims by score.
//! - `learn:settings`: a hash, guild id -> its settings as JSON; `learn:settings-version`: a counter raised with
//!   every change (in the same `MULTI`), which each process polls to know when to re-read the settings.
//! - `learn:cooldown:{pseudonym}`: a user's helper-ping cooldown, `SET NX EX` (Redis expires it).
//!
//! Nothing here holds a user id or name: askers and voters are the pseudonyms [`crate::learn::Learning`] computes,
//! guilds and channels are ids of places, not people.

use std::time::Duration;

use redis::Script;

use super::Redis;
use crate::learn::{record_id, Cooldown, GuildSettings, Learn, LearnError, Record, Snapshot, VoteRow, VoteValue};

/// How many ids one `HMGET` or `HDEL` carries.
const CHUNK: usize = 1000;

/// KEYS: votes hash, vote index. ARGV: field, the vote's JSON, its score (the record id).
/// Returns the earlier vote's JSON, or false.
const VOTE: &str = r#"
local before = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return before
"#;

/// KEYS: texts, text index, votes, vote index, help claims. ARGV: at most how many, the first score kept.
/// Forgets up to ARGV[1] members scored below ARGV[2], texts first, then votes, then claims; returns how many.
const PURGE: &str = r#"
local limit, before, n = tonumber(ARGV[1]), ARGV[2], 0
local function drop(hash, index)
  if n >= limit then return end
  local due = redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. before, 'LIMIT', 0, limit - n)
  for i = 1, #due, 1000 do
    local part = {unpack(due, i, math.min(i + 999, #due))}
    if hash then redis.call('HDEL', hash, unpack(part)) end
    redis.call('ZREM', index, unpack(part))
  end
  n = n + #due
end
drop(KEYS[1], KEYS[2])
drop(KEYS[3], KEYS[4])
drop(false, KEYS[5])
return n
"#;

/// The learning store in Redis. Cheap to build: it shares the connections of its [`Redis`].
pub struct RedisLearn {
    redis: Redis,
    vote: Script,
    purge: Script,
}

fn err(e: impl std::fmt::Display) -> LearnError {
    LearnError(e.to_string())
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, LearnError> {
    serde_json::to_string(v).map_err(err)
}

impl RedisLearn {
    pub fn new(redis: Redis) -> Self {
        Self { redis, vote: Script::new(VOTE), purge: Script::new(PURGE) }
    }

    fn key(&self, name: &str) -> String {
        format!("{}learn:{name}", self.redis.prefix())
    }

    fn run<T>(&self, f: impl FnMut(&mut redis::Connection) -> redis::RedisResult<T>) -> Result<T, LearnError> {
        self.redis.run(f).map_err(err)
    }

    /// Whether this Redis holds anything of a bot's learning (what `signpost report` asks before it reports).
    pub fn is_empty(&self) -> Result<bool, LearnError> {
        let (k, log) = (self.key("hash-key"), self.key("log"));
        let n: u64 = self.run(|c| redis::cmd("EXISTS").arg(&k).arg(&log).query(c))?;
        Ok(n == 0)
    }

    /// Where it lives, for messages (the URL without its password).
    pub fn url(&self) -> &str {
        self.redis.url()
    }
}

impl Learn for RedisLearn {
    fn hash_key(&self) -> Result<[u8; 32], LearnError> {
        let k = self.key("hash-key");
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| LearnError(format!("no randomness for the hash key: {e}")))?;
        // The first process to get here writes its key; every other one (and every later start) reads that one.
        let (stored,): (Vec<u8>,) = self.run(|c| {
            redis::pipe().cmd("SET").arg(&k).arg(fresh.as_slice()).arg("NX").ignore().cmd("GET").arg(&k).query(c)
        })?;
        <[u8; 32]>::try_from(stored.as_slice())
            .map_err(|_| LearnError(format!("`{k}` holds {} bytes, not a 32-byte key", stored.len())))
    }

    fn append(&self, records: &[Record]) -> Result<(), LearnError> {
        let (log, rows, texts, text_ids) =
            (self.key("log"), self.key("records"), self.key("texts"), self.key("text-ids"));
        for batch in records.chunks(CHUNK) {
            // One MULTI per batch: a batch is all there or not at all.
            let mut pipe = redis::pipe();
            pipe.atomic();
            for r in batch {
                let bare = Record { text: None, ..r.clone() };
                pipe.cmd("ZADD").arg(&log).arg(r.id).arg(r.id).ignore();
                pipe.cmd("HSET").arg(&rows).arg(r.id).arg(json(&bare)?).ignore();
                if let Some(t) = &r.text {
                    pipe.cmd("HSET").arg(&texts).arg(r.id).arg(t).ignore();
                    pipe.cmd("ZADD").arg(&text_ids).arg(r.id).arg(r.id).ignore();
                }
            }
            self.run(|c| pipe.query::<()>(c))?;
        }
        Ok(())
    }

    fn keep_text(&self, id: u64, text: &str) -> Result<(), LearnError> {
        let (texts, text_ids) = (self.key("texts"), self.key("text-ids"));
        self.run(|c| {
            redis::pipe()
                .atomic()
                .cmd("HSET")
                .arg(&texts)
                .arg(id)
                .arg(text)
                .ignore()
                .cmd("ZADD")
                .arg(&text_ids)
                .arg(id)
                .arg(id)
                .ignore()
                .query::<()>(c)
        })
    }

    fn vote(&self, vote: &VoteRow) -> Result<Option<VoteValue>, LearnError> {
        let (votes, ids) = (self.key("votes"), self.key("vote-ids"));
        let field = format!("{}:{}", vote.id, vote.voter);
        let row = json(vote)?;
        let before: Option<Vec<u8>> =
            self.run(|c| self.vote.key(&votes).key(&ids).arg(&field).arg(&row).arg(vote.id).invoke(c))?;
        Ok(before.and_then(|b| serde_json::from_slice::<VoteRow>(&b).ok()).map(|v| v.value))
    }

    fn claim_help(&self, id: u64) -> Result<bool, LearnError> {
        let help = self.key("help");
        let added: u64 = self.run(|c| redis::cmd("ZADD").arg(&help).arg("NX").arg(id).arg(id).query(c))?;
        Ok(added == 1)
    }

    fn snapshot(&self, since: u64, now: u64) -> Result<Snapshot, LearnError> {
        let from = record_id(since, 0);
        let (log, rows, texts) = (self.key("log"), self.key("records"), self.key("texts"));
        let ids: Vec<u64> = self.run(|c| redis::cmd("ZRANGEBYSCORE").arg(&log).arg(from).arg("+inf").query(c))?;
        let mut records = Vec::with_capacity(ids.len());
        for part in ids.chunks(CHUNK) {
            let (found, kept): (Vec<Option<Vec<u8>>>, Vec<Option<String>>) = self
                .run(|c| redis::pipe().cmd("HMGET").arg(&rows).arg(part).cmd("HMGET").arg(&texts).arg(part).query(c))?;
            for (row, text) in found.into_iter().zip(kept) {
                // A row this version cannot read is skipped, not fatal: the report is about the rest.
                let Some(Ok(mut r)) = row.map(|b| serde_json::from_slice::<Record>(&b)) else { continue };
                r.text = text;
                records.push(r);
            }
        }
        let (votes, vote_ids) = (self.key("votes"), self.key("vote-ids"));
        let fields: Vec<String> =
            self.run(|c| redis::cmd("ZRANGEBYSCORE").arg(&vote_ids).arg(from).arg("+inf").query(c))?;
        let mut vs = Vec::with_capacity(fields.len());
        for part in fields.chunks(CHUNK) {
            let found: Vec<Option<Vec<u8>>> = self.run(|c| redis::cmd("HMGET").arg(&votes).arg(part).query(c))?;
            vs.extend(found.into_iter().flatten().filter_map(|b| serde_json::from_slice::<VoteRow>(&b).ok()));
        }
        Ok(Snapshot { since, now, records, votes: vs })
    }

    fn purge(&self, before: u64, batch: usize) -> Result<usize, LearnError> {
        let end = record_id(before, 0);
        let keys = ["texts", "text-ids", "votes", "vote-ids", "help"].map(|k| self.key(k));
        let n: u64 = self.run(|c| {
            let mut call = self.purge.prepare_invoke();
            for k in &keys {
                call.key(k);
            }
            call.arg(batch).arg(end).invoke(c)
        })?;
        Ok(n as usize)
    }

    fn settings(&self, guild: u64) -> Result<Option<GuildSettings>, LearnError> {
        let k = self.key("settings");
        let found: Option<Vec<u8>> = self.run(|c| redis::cmd("HGET").arg(&k).arg(guild).query(c))?;
        Ok(found.and_then(|b| serde_json::from_slice(&b).ok()))
    }

    fn all_settings(&self) -> Result<Vec<(u64, GuildSettings)>, LearnError> {
        let k = self.key("settings");
        let all: Vec<(u64, Vec<u8>)> = self.run(|c| redis::cmd("HGETALL").arg(&k).query(c))?;
        Ok(all.into_iter().filter_map(|(g, b)| serde_json::from_slice(&b).ok().map(|s| (g, s))).collect())
    }

    fn put_settings(&self, guild: u64, settings: &GuildSettings) -> Result<(), LearnError> {
        let (k, version) = (self.key("settings"), self.key("settings-version"));
        let row = json(settings)?;
        self.run(|c| {
            redis::pipe()
                .atomic()
                .cmd("HSET")
                .arg(&k)
                .arg(guild)
                .arg(&row)
                .ignore()
                .cmd("INCR")
                .arg(&version)
                .ignore()
                .query::<()>(c)
        })
    }

    fn settings_version(&self) -> Result<u64, LearnError> {
        let version = self.key("settings-version");
        let v: Option<u64> = self.run(|c| redis::cmd("GET").arg(&version).query(c))?;
        Ok(v.unwrap_or(0))
    }

    fn cooldown(&self, who: &str, period: Duration) -> Result<Cooldown, LearnError> {
        let k = self.key(&format!("cooldown:{who}"));
        let secs = period.as_secs().max(1);
        let (set, left): (Option<String>, i64) = self.run(|c| {
            redis::pipe().cmd("SET").arg(&k).arg(1).arg("NX").arg("EX").arg(secs).cmd("TTL").arg(&k).query(c)
        })?;
        Ok(match set {
            Some(_) => Cooldown::Started,
            None => Cooldown::Running(Duration::from_secs(left.max(1) as u64)),
        })
    }

    fn end_cooldown(&self, who: &str) -> Result<(), LearnError> {
        let k = self.key(&format!("cooldown:{who}"));
        self.run(|c| redis::cmd("DEL").arg(&k).query::<()>(c))
    }
}
