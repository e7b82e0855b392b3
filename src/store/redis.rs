//! One Redis for every store that lives there: a small pool of synchronous connections.
//!
//! Synchronous, because the [`crate::session::Store`] trait is (its callers run it on tokio's blocking pool, as
//! for redb), and a blocking call with socket timeouts is the simplest thing that cannot stall the async workers.
//! A connection that fails is dropped, not put back: the next call opens a fresh one, so the bot reconnects by
//! itself once Redis is back, and no call waits longer than [`TIMEOUT`] while it is gone.

use std::{sync::Arc, sync::Mutex, time::Duration};

use redis::ConnectionLike;

use crate::session::StoreError;

/// How long one connect, read or write may take before the call fails (and the user is told to try again).
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// Idle connections kept for reuse; more may be open at once under load, the extra ones are closed after use.
const IDLE: usize = 8;

/// Every key this bot writes starts with this, so a Redis shared with other programs stays tidy.
pub const PREFIX: &str = "signpost:";

/// A cheap, cloneable handle to one Redis (clones share the connections).
#[derive(Clone)]
pub struct Redis {
    shared: Arc<Shared>,
}

struct Shared {
    client: redis::Client,
    /// The URL without its password, for logs and errors.
    url: String,
    /// A `std` mutex: it is held only to push or pop a connection, never across a call to Redis.
    idle: Mutex<Vec<redis::Connection>>,
    prefix: String,
}

impl Redis {
    /// Parses `url` and checks that Redis answers a PING: a clear error when it does not.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_prefix(url, PREFIX)
    }

    /// As [`Redis::connect`], with another key prefix (tests share one Redis between several stores this way).
    pub fn connect_with_prefix(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let shown = crate::config::redact_url(url);
        let client = redis::Client::open(url)
            .map_err(|e| StoreError::new(format!("SIGNPOST_REDIS_URL `{shown}` is not a Redis URL: {e}")))?;
        let redis = Self {
            shared: Arc::new(Shared { client, url: shown.clone(), idle: Mutex::default(), prefix: prefix.into() }),
        };
        redis.ping().map_err(|e| StoreError::new(format!("cannot reach Redis at {shown}: {e}")))?;
        Ok(redis)
    }

    /// The URL, without its password.
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// The prefix of every key.
    pub fn prefix(&self) -> &str {
        &self.shared.prefix
    }

    /// Runs `f` on a connection: an idle one, or a new one. A connection on which `f` failed for a reason of the
    /// connection (not of the command) is dropped, with every idle one (they went to the same server).
    ///
    /// An idle connection may have died while it waited (Redis restarted): then `f` runs once more, on a new
    /// connection. That is safe for what the stores send: reads, writes of a whole value, and the swap script,
    /// which compares before it writes (run twice, the second run finds the version moved and writes nothing).
    /// The learning store's claims (a vote, a helper ping, a cooldown) run twice find their own first run's write
    /// when Redis applied it but the reply was lost on a dead connection: the vote reads as unchanged, the ping as
    /// already sent, the cooldown as running. Rare, and on the safe side (never two pings).
    pub fn run<T>(&self, mut f: impl FnMut(&mut redis::Connection) -> redis::RedisResult<T>) -> Result<T, StoreError> {
        let idle = self.shared.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        if let Some(mut con) = idle {
            match f(&mut con) {
                Ok(v) => return Ok(self.done(con, v)),
                Err(e) if !broken(&e) && con.is_open() => {
                    self.put_back(con);
                    return Err(StoreError::new(format!("redis: {e}")));
                }
                Err(_) => self.shared.idle.lock().unwrap_or_else(|e| e.into_inner()).clear(),
            }
        }
        let mut con = self.open()?;
        match f(&mut con) {
            Ok(v) => Ok(self.done(con, v)),
            Err(e) => {
                if !broken(&e) && con.is_open() {
                    self.put_back(con);
                }
                Err(StoreError::new(format!("redis: {e}")))
            }
        }
    }

    fn done<T>(&self, con: redis::Connection, v: T) -> T {
        self.put_back(con);
        v
    }

    /// Keeps a working connection for the next call (at most [`IDLE`] of them).
    fn put_back(&self, con: redis::Connection) {
        let mut idle = self.shared.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE {
            idle.push(con);
        }
    }

    /// Whether Redis answers.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.run(|c| redis::cmd("PING").query::<String>(c)).map(|_| ())
    }

    fn open(&self) -> Result<redis::Connection, StoreError> {
        let con = self
            .shared
            .client
            .get_connection_with_timeout(TIMEOUT)
            .map_err(|e| StoreError::new(format!("redis: cannot connect to {}: {e}", self.shared.url)))?;
        con.set_read_timeout(Some(TIMEOUT)).map_err(|e| StoreError::new(format!("redis: {e}")))?;
        con.set_write_timeout(Some(TIMEOUT)).map_err(|e| StoreError::new(format!("redis: {e}")))?;
        Ok(con)
    }
}

/// The error is the connection's (it is closed, timed out, or out of step), not a refused command.
fn broken(e: &redis::RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_timeout()
        || e.is_connection_refusal()
        || e.is_unrecoverable_error()
}
