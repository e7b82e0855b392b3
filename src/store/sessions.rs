//! Decision sessions in Redis: the same behaviour as the embedded store, shared by every process.
//!
//! Layout (under the prefix, `signpost:` by default):
//! - `session:{user}:{channel}`: the JSON row, exactly as the embedded store writes it, with a Redis expiry at the
//!   end of its tombstone ([`TOMBSTONE`] after the idle timeout): Redis forgets it by itself.
//! - `sessions`: a sorted set of session keys scored by last activity, so counting the active ones is one
//!   `ZCOUNT` (entries whose row Redis has dropped are removed by [`Store::purge_batch`]).
//! - `memory:{user}:{channel}`: what the conversation there remembers (JSON), with a Redis expiry at the end of the
//!   idle timeout.
//!
//! Expiry is judged by the caller's clock (the `now` each call passes), as in the embedded store: a session idle
//! longer than the timeout reads as expired (the tombstone), and past its tombstone as missing, whether or not
//! Redis has dropped the key yet. The Redis expiry only reclaims the memory.
//!
//! [`Store::swap`] is one Lua script: Redis runs it alone, so reading the row, comparing it with what the caller
//! expects and writing the new one cannot interleave with another process's swap.

use std::time::Duration;

use redis::Script;

use super::Redis;
use crate::{
    followup::Memory,
    session::{err, lookup, Expect, Lookup, Remembered, Row, Session, SessionKey, Store, StoreError, Swap, TOMBSTONE},
};

/// KEYS: the row, the activity index. ARGV: expectation (`any`, `inactive`, `at`), nonce, version, now, ttl, the
/// new row's JSON (empty: remove), its Redis expiry in seconds, its last activity.
/// Returns `{1}` when written, `{0, row}` (the row as found, or false) when not.
///
/// What "active" means is decided here as in [`lookup`]: a live row, decodable, idle for at most `ttl` (anything
/// else is a tombstone, or nothing). A row that is not JSON counts as missing, as in the embedded store.
const SWAP: &str = r#"
local raw = redis.call('GET', KEYS[1])
local expect, now, ttl = ARGV[1], tonumber(ARGV[4]), tonumber(ARGV[5])
local active = nil
if raw then
  local ok, row = pcall(cjson.decode, raw)
  if ok and type(row) == 'table' and type(row.live) == 'table' and type(row.live.updated) == 'number'
      and now - row.live.updated <= ttl then
    active = row.live
  end
end
local matches
if expect == 'any' then
  matches = true
elseif expect == 'inactive' then
  matches = active == nil
else
  matches = active ~= nil and active.nonce == tonumber(ARGV[2]) and active.version == tonumber(ARGV[3])
end
if not matches then
  return {0, raw or false}
end
if ARGV[6] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[6], 'EX', ARGV[7])
  redis.call('ZADD', KEYS[2], ARGV[8], KEYS[1])
end
return {1}
"#;

/// Sessions in Redis. Cheap to build: it shares the connections of its [`Redis`].
pub struct RedisStore {
    redis: Redis,
    ttl: u64,
    swap: Script,
    index: String,
}

impl RedisStore {
    pub fn new(redis: Redis, ttl: Duration) -> Self {
        let index = format!("{}sessions", redis.prefix());
        Self { redis, ttl: ttl.as_secs(), swap: Script::new(SWAP), index }
    }

    fn key(&self, key: SessionKey) -> String {
        format!("{}session:{}:{}", self.redis.prefix(), key.user, key.channel)
    }

    /// The last moment (caller's clock) a row means anything: the end of its tombstone.
    fn end(&self, row: &Row) -> u64 {
        match row {
            Row::Live(s) => s.updated.saturating_add(self.ttl).saturating_add(TOMBSTONE.as_secs()),
            Row::Gone { at, .. } => at.saturating_add(TOMBSTONE.as_secs()),
        }
    }

    /// What a row read from Redis means as of `now`.
    fn read(&self, raw: Option<&[u8]>, now: u64) -> Lookup {
        let row: Option<Row> = raw.and_then(|b| serde_json::from_slice(b).ok());
        match row {
            Some(r) if now > self.end(&r) => Lookup::Missing,
            row => lookup(row, now, self.ttl),
        }
    }

    /// The Redis expiry of a row written at `now`: what is left of its meaning, at least a second.
    fn expiry(&self, row: &Row, now: u64) -> u64 {
        self.end(row).saturating_sub(now).max(1)
    }
}

impl Store for RedisStore {
    fn get(&self, key: SessionKey, now: u64) -> Result<Lookup, StoreError> {
        let k = self.key(key);
        let raw: Option<Vec<u8>> = self.redis.run(|c| redis::cmd("GET").arg(&k).query(c))?;
        Ok(self.read(raw.as_deref(), now))
    }

    fn swap(&self, key: SessionKey, expect: Expect, new: Option<&Session>, now: u64) -> Result<Swap, StoreError> {
        let k = self.key(key);
        let (kind, nonce, version) = match expect {
            Expect::Any => ("any", 0, 0),
            Expect::Inactive => ("inactive", 0, 0),
            Expect::At { nonce, version } => ("at", nonce, version),
        };
        let (json, expiry, updated) = match new {
            Some(s) => {
                let row = Row::Live(s.clone());
                (serde_json::to_string(&row).map_err(err)?, self.expiry(&row, now), s.updated)
            }
            None => (String::new(), 0, 0),
        };
        let reply: redis::Value = self.redis.run(|c| {
            self.swap
                .key(&k)
                .key(&self.index)
                .arg(kind)
                .arg(nonce)
                .arg(version)
                .arg(now)
                .arg(self.ttl)
                .arg(&json)
                .arg(expiry)
                .arg(updated)
                .invoke(c)
        })?;
        match reply {
            redis::Value::Array(items) => match items.as_slice() {
                [redis::Value::Int(1)] => Ok(Swap::Done),
                [redis::Value::Int(0), redis::Value::BulkString(raw)] => Ok(Swap::Conflict(self.read(Some(raw), now))),
                [redis::Value::Int(0), _] => Ok(Swap::Conflict(Lookup::Missing)),
                other => Err(StoreError::new(format!("redis: unexpected swap reply {other:?}"))),
            },
            other => Err(StoreError::new(format!("redis: unexpected swap reply {other:?}"))),
        }
    }

    fn purge_batch(&self, now: u64, batch: usize) -> Result<usize, StoreError> {
        // Redis drops the rows by itself; what is left is their entries in the activity index, once past the
        // tombstone (an entry is rewritten on every change, so an old score means an old row).
        let before = now.saturating_sub(self.ttl).saturating_sub(TOMBSTONE.as_secs());
        let due: Vec<String> = self.redis.run(|c| {
            redis::cmd("ZRANGEBYSCORE")
                .arg(&self.index)
                .arg("-inf")
                .arg(format!("({before}"))
                .arg("LIMIT")
                .arg(0)
                .arg(batch)
                .query(c)
        })?;
        if !due.is_empty() {
            self.redis.run(|c| redis::cmd("ZREM").arg(&self.index).arg(&due).query::<u64>(c))?;
        }
        Ok(due.len())
    }

    fn put_many(&self, sessions: &mut dyn Iterator<Item = (SessionKey, &Session)>) -> Result<(), StoreError> {
        let now = crate::session::now();
        // Pipelined in chunks: one round trip per thousand sessions, not one per session.
        let mut pipe = redis::pipe();
        let mut queued = 0;
        for (key, session) in sessions {
            let row = Row::Live(session.clone());
            let k = self.key(key);
            let expiry = self.expiry(&row, now.max(session.updated));
            pipe.cmd("SET").arg(&k).arg(serde_json::to_string(&row).map_err(err)?).arg("EX").arg(expiry).ignore();
            pipe.cmd("ZADD").arg(&self.index).arg(session.updated).arg(&k).ignore();
            queued += 1;
            if queued == 1000 {
                self.redis.run(|c| pipe.query::<()>(c))?;
                pipe = redis::pipe();
                queued = 0;
            }
        }
        if queued > 0 {
            self.redis.run(|c| pipe.query::<()>(c))?;
        }
        Ok(())
    }

    fn rows(&self) -> Result<u64, StoreError> {
        let pattern = format!("{}session:*", self.redis.prefix());
        self.redis.run(|c| {
            let mut n = 0;
            let mut cursor: u64 = 0;
            loop {
                let (next, keys): (u64, Vec<String>) =
                    redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(1000).query(c)?;
                n += keys.len() as u64;
                if next == 0 {
                    return Ok(n);
                }
                cursor = next;
            }
        })
    }

    fn active(&self, now: u64) -> Result<u64, StoreError> {
        let since = now.saturating_sub(self.ttl);
        self.redis.run(|c| redis::cmd("ZCOUNT").arg(&self.index).arg(since).arg("+inf").query(c))
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.redis.ping()
    }

    fn recall(&self, key: SessionKey, now: u64) -> Result<Option<Memory>, StoreError> {
        let k = format!("{}memory:{}:{}", self.redis.prefix(), key.user, key.channel);
        let raw: Option<Vec<u8>> = self.redis.run(|c| redis::cmd("GET").arg(&k).query(c))?;
        let row = raw.and_then(|b| serde_json::from_slice::<Remembered>(&b).ok());
        Ok(row.and_then(|r| r.fresh(now, self.ttl)))
    }

    fn remember(&self, key: SessionKey, memory: &Memory, now: u64) -> Result<(), StoreError> {
        let k = format!("{}memory:{}:{}", self.redis.prefix(), key.user, key.channel);
        let json = serde_json::to_string(&Remembered { memory: memory.clone(), updated: now }).map_err(err)?;
        self.redis.run(|c| redis::cmd("SET").arg(&k).arg(&json).arg("EX").arg(self.ttl.max(1)).query::<()>(c))
    }
}
