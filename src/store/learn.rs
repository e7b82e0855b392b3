//! Votes, the question log and server settings in Redis ([`RedisLearn`]): the same behaviour as the embedded
//! `learn.redb` (it passes the same `learn::suite`), shared by every process of one bot.
//!
//! Layout (under the prefix, `signpost:` by default; a record id is a score as it is, exact in a double: it is
//! below 2^53 until the year 2^33 seconds):
//! - `learn:keys`: a hash, `{start}-{end}` of a rotation period -> the 32 bytes of its asker-hash key, written once
//!   (`HSETNX`: the first process wins), dropped once the period is past the retention. (`learn:hash-key`, the one
//!   key of versions before keys rotated, is dropped too.)
//! - `learn:log`: a sorted set of record ids (score: the id, which sorts by time); `learn:records`: a hash, record
//!   id -> the record as JSON without its text. A snapshot since a time is one `ZRANGEBYSCORE` and `HMGET`s.
//! - Past the retention, records are rolled up into `learn:day:{day}` (a hash, `{door}|{outcome}|{answer}` -> how
//!   many; `askers` -> the day's distinct askers), indexed by `learn:days` (a sorted set of days), and deleted.
//!   The askers of a day are counted in the HyperLogLog `learn:askers:{day}` (fed as records are written and as
//!   they are rolled up; indexed by `learn:askers-days`), which becomes the `askers` number once the whole day is
//!   past the retention. A HyperLogLog holds no pseudonym, only a sketch of them; it is exact for small counts
//!   and within about 1% above a few hundred.
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
use crate::learn::{
    record_id,
    rollup::{day_of, first_day, parse_name},
    Cooldown, DayAskers, DayCount, GuildSettings, Learn, LearnError, PeriodKey, Post, Record, Snapshot, VoteRow,
    VoteValue,
};

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

/// KEYS: texts, text index, votes, vote index, help claims, log, records, days index, askers-days index.
/// ARGV: at most how many, the first record id kept, the first day not wholly past the retention, the prefix of the
/// per-day keys (`{prefix}learn:`).
/// Works off up to ARGV[1] rows, atomically: texts, votes and claims scored below ARGV[2] are forgotten; records
/// below it are counted into their day and deleted; once none is left, the askers of the days before ARGV[3] become
/// a number. Returns how many rows it worked off. The per-day keys are named here, not passed in KEYS: the days
/// are only known once the records are read (fine on one Redis; a Redis Cluster is not supported).
const PURGE: &str = r#"
local limit, before, n = tonumber(ARGV[1]), ARGV[2], 0
local complete, prefix = ARGV[3], ARGV[4]
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
local function roll()
  if n >= limit then return end
  local due = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', '(' .. before, 'LIMIT', 0, limit - n)
  local days = {}
  for i = 1, #due, 1000 do
    local part = {unpack(due, i, math.min(i + 999, #due))}
    local rows = redis.call('HMGET', KEYS[7], unpack(part))
    for j = 1, #part do
      -- A row this version cannot read is deleted uncounted: it is past the retention either way.
      local ok, r = pcall(cjson.decode, rows[j] or '')
      if ok and type(r) == 'table' and type(r.at) == 'number' and type(r.door) == 'string'
          and type(r.outcome) == 'string' and type(r.answer) == 'string' then
        local day = string.format('%d', r.at - r.at % 86400)
        redis.call('HINCRBY', prefix .. 'day:' .. day, r.door .. '|' .. r.outcome .. '|' .. r.answer, 1)
        -- Again: records written before this version fed no HyperLogLog.
        if type(r.asker) == 'string' then redis.call('PFADD', prefix .. 'askers:' .. day, r.asker) end
        days[day] = true
      end
    end
    redis.call('HDEL', KEYS[7], unpack(part))
    redis.call('ZREM', KEYS[6], unpack(part))
  end
  for day in pairs(days) do
    redis.call('ZADD', KEYS[8], day, day)
    redis.call('ZADD', KEYS[9], day, day)
  end
  n = n + #due
end
local function count_askers()
  if n >= limit then return end
  local due = redis.call('ZRANGEBYSCORE', KEYS[9], '-inf', '(' .. complete, 'LIMIT', 0, limit - n)
  for _, day in ipairs(due) do
    local sketch = prefix .. 'askers:' .. day
    redis.call('HINCRBY', prefix .. 'day:' .. day, 'askers', redis.call('PFCOUNT', sketch))
    redis.call('DEL', sketch)
    redis.call('ZREM', KEYS[9], day)
    redis.call('ZADD', KEYS[8], day, day)
  end
  n = n + #due
end
drop(KEYS[1], KEYS[2])
drop(KEYS[3], KEYS[4])
drop(false, KEYS[5])
roll()
-- Fewer due records than the budget: none is left, so the days before ARGV[3] have all their askers counted.
count_askers()
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
        let keys = ["keys", "hash-key", "log", "days"].map(|k| self.key(k));
        let n: u64 = self.run(|c| redis::cmd("EXISTS").arg(&keys).query(c))?;
        Ok(n == 0)
    }

    /// The rolled-up counts of the days from `since` on, and each such day's askers (counted, or still in the
    /// day's HyperLogLog while the day is not wholly past the retention).
    fn rolled_since(&self, since: u64) -> Result<(Vec<DayCount>, Vec<DayAskers>), LearnError> {
        let index = self.key("days");
        let days: Vec<u64> =
            self.run(|c| redis::cmd("ZRANGEBYSCORE").arg(&index).arg(first_day(since)).arg("+inf").query(c))?;
        let (mut rolled, mut askers) = (Vec::new(), Vec::with_capacity(days.len()));
        for part in days.chunks(CHUNK) {
            let found: Vec<(Vec<(String, u64)>, u64)> = self.run(|c| {
                let mut pipe = redis::pipe();
                for day in part {
                    pipe.cmd("HGETALL").arg(self.key(&format!("day:{day}")));
                    pipe.cmd("PFCOUNT").arg(self.key(&format!("askers:{day}")));
                }
                let flat: Vec<redis::Value> = pipe.query(c)?;
                flat.chunks(2)
                    .map(|p| Ok((redis::from_redis_value(p[0].clone())?, redis::from_redis_value(p[1].clone())?)))
                    .collect()
            })?;
            for (day, (fields, listed)) in part.iter().zip(found) {
                let mut counted = 0;
                for (field, count) in fields {
                    if field == "askers" {
                        counted = count;
                        continue;
                    }
                    let mut parts = field.splitn(3, '|');
                    let (Some(door), Some(outcome), Some(answer)) = (parts.next(), parts.next(), parts.next()) else {
                        continue;
                    };
                    // A door or outcome this version does not know is skipped, as an unreadable record is.
                    let (Some(door), Some(outcome)) = (parse_name(door), parse_name(outcome)) else { continue };
                    rolled.push(DayCount { day: *day, door, answer: answer.to_string(), outcome, count });
                }
                askers.push(DayAskers { day: *day, askers: counted + listed });
            }
        }
        // A hash has no order; the snapshot's is redb's, its keys' order.
        rolled.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        Ok((rolled, askers))
    }

    /// Where it lives, for messages (the URL without its password).
    pub fn url(&self) -> &str {
        self.redis.url()
    }
}

/// `{start}-{end}`, a period key's field in `learn:keys`.
fn period_field(start: u64, end: u64) -> String {
    format!("{start}-{end}")
}

fn period_of_field(field: &str) -> Option<(u64, u64)> {
    let (start, end) = field.split_once('-')?;
    Some((start.parse().ok()?, end.parse().ok()?))
}

impl Learn for RedisLearn {
    fn period_key(&self, start: u64, end: u64) -> Result<[u8; 32], LearnError> {
        let (k, field) = (self.key("keys"), period_field(start, end));
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| LearnError(format!("no randomness for the hash key: {e}")))?;
        // The first process to get here writes its key; every other one (and every later start) reads that one.
        let (stored,): (Vec<u8>,) = self.run(|c| {
            redis::pipe()
                .cmd("HSETNX")
                .arg(&k)
                .arg(&field)
                .arg(fresh.as_slice())
                .ignore()
                .cmd("HGET")
                .arg(&k)
                .arg(&field)
                .query(c)
        })?;
        <[u8; 32]>::try_from(stored.as_slice())
            .map_err(|_| LearnError(format!("`{k}` field {field} holds {} bytes, not a 32-byte key", stored.len())))
    }

    fn period_keys(&self) -> Result<Vec<PeriodKey>, LearnError> {
        let k = self.key("keys");
        let all: Vec<(String, Vec<u8>)> = self.run(|c| redis::cmd("HGETALL").arg(&k).query(c))?;
        Ok(all
            .into_iter()
            .filter_map(|(field, key)| {
                let (start, end) = period_of_field(&field)?;
                Some(PeriodKey { start, end, key: <[u8; 32]>::try_from(key.as_slice()).ok()? })
            })
            .collect())
    }

    fn drop_keys(&self, before: u64) -> Result<usize, LearnError> {
        let (k, legacy) = (self.key("keys"), self.key("hash-key"));
        let fields: Vec<String> = self.run(|c| redis::cmd("HKEYS").arg(&k).query(c))?;
        // Only periods that ended are due, and no process creates a key for a period that ended: nothing races.
        let due: Vec<&String> =
            fields.iter().filter(|f| period_of_field(f).is_none_or(|(_, end)| end <= before)).collect();
        let (dropped, legacy): (u64, u64) = self.run(|c| {
            let mut pipe = redis::pipe();
            if due.is_empty() {
                pipe.cmd("ECHO").arg(0);
            } else {
                pipe.cmd("HDEL").arg(&k).arg(&due);
            }
            pipe.cmd("DEL").arg(&legacy).query(c)
        })?;
        Ok((dropped + legacy) as usize)
    }

    fn append(&self, records: &[Record]) -> Result<(), LearnError> {
        let (log, rows, texts, text_ids) =
            (self.key("log"), self.key("records"), self.key("texts"), self.key("text-ids"));
        let askers_days = self.key("askers-days");
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
                // The day's askers, counted without keeping who they are (see the module's docs).
                let day = day_of(r.at);
                pipe.cmd("PFADD").arg(self.key(&format!("askers:{day}"))).arg(&r.asker).ignore();
                pipe.cmd("ZADD").arg(&askers_days).arg(day).arg(day).ignore();
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
        let (rolled, rolled_askers) = self.rolled_since(since)?;
        let forums: Vec<u64> = self.run(|c| redis::cmd("SMEMBERS").arg(self.key("post-forums")).query(c))?;
        let mut posts = Vec::new();
        for forum in forums {
            posts.extend(self.posts(forum)?.into_iter().filter(|p| p.at >= since));
        }
        Ok(Snapshot { since, now, records, votes: vs, rolled, rolled_askers, posts })
    }

    fn purge(&self, before: u64, batch: usize) -> Result<usize, LearnError> {
        let end = record_id(before, 0);
        let keys = ["texts", "text-ids", "votes", "vote-ids", "help", "log", "records", "days", "askers-days"]
            .map(|k| self.key(k));
        let prefix = self.key("");
        let n: u64 = self.run(|c| {
            let mut call = self.purge.prepare_invoke();
            for k in &keys {
                call.key(k);
            }
            call.arg(batch).arg(end).arg(day_of(before)).arg(&prefix).invoke(c)
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

    fn put_post(&self, post: &Post) -> Result<(), LearnError> {
        let (k, forums) = (self.key(&format!("posts:{}", post.forum)), self.key("post-forums"));
        let row = json(post)?;
        self.run(|c| {
            redis::pipe()
                .atomic()
                .cmd("HSET")
                .arg(&k)
                .arg(post.thread)
                .arg(&row)
                .ignore()
                .cmd("SADD")
                .arg(&forums)
                .arg(post.forum)
                .ignore()
                .query::<()>(c)
        })
    }

    fn posts(&self, forum: u64) -> Result<Vec<Post>, LearnError> {
        let k = self.key(&format!("posts:{forum}"));
        let all: Vec<Vec<u8>> = self.run(|c| redis::cmd("HVALS").arg(&k).query(c))?;
        Ok(all.iter().filter_map(|b| serde_json::from_slice(b).ok()).collect())
    }

    fn modify_post(&self, forum: u64, thread: u64, change: &dyn Fn(&mut Post)) -> Result<bool, LearnError> {
        let k = self.key(&format!("posts:{forum}"));
        // Read, change, write back unless the post changed in between (WATCH): two processes may both mark it.
        self.run(|c| loop {
            redis::cmd("WATCH").arg(&k).query::<()>(c)?;
            let found: Option<Vec<u8>> = redis::cmd("HGET").arg(&k).arg(thread).query(c)?;
            let Some(mut post) = found.and_then(|b| serde_json::from_slice::<Post>(&b).ok()) else {
                redis::cmd("UNWATCH").query::<()>(c)?;
                return Ok(false);
            };
            change(&mut post);
            let row = serde_json::to_vec(&post).expect("a post serialises");
            let done: Option<()> =
                redis::pipe().atomic().cmd("HSET").arg(&k).arg(thread).arg(&row).ignore().query(c)?;
            if done.is_some() {
                return Ok(true);
            }
        })
    }

    fn remove_post(&self, forum: u64, thread: u64) -> Result<(), LearnError> {
        let k = self.key(&format!("posts:{forum}"));
        self.run(|c| redis::cmd("HDEL").arg(&k).arg(thread).query::<()>(c))
    }

    fn purge_posts(&self, before: u64) -> Result<usize, LearnError> {
        let forums: Vec<u64> = self.run(|c| redis::cmd("SMEMBERS").arg(self.key("post-forums")).query(c))?;
        let mut n = 0;
        for forum in forums {
            let old: Vec<u64> = self.posts(forum)?.into_iter().filter(|p| p.at < before).map(|p| p.thread).collect();
            if old.is_empty() {
                continue;
            }
            let k = self.key(&format!("posts:{forum}"));
            self.run(|c| redis::cmd("HDEL").arg(&k).arg(&old).query::<()>(c))?;
            n += old.len();
        }
        Ok(n)
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
