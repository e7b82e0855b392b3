//! Where the bot keeps what must outlive a process: the embedded redb file (one process, the default), or Redis
//! (`SIGNPOST_REDIS_URL`), shared by every process of one bot.
//!
//! - `redis`: [`Redis`], the shared connection handle every Redis-backed store is built on (connections opened
//!   as needed, dropped when they fail, so the bot reconnects by itself; a clear error when Redis is unreachable
//!   at start).
//! - `sessions`: [`RedisStore`], the decision sessions of [`crate::session::Store`] in Redis.
//! - `learn`: [`RedisLearn`], votes, the question log and server settings of [`crate::learn::Learn`] in Redis.
//!
//! Each kind of state has its own trait beside its own module and, for Redis, a file here built on the same
//! [`Redis`] handle and key prefix.

mod learn;
mod redis;
mod sessions;

use std::{path::Path, sync::Arc, time::Duration};

pub use self::{learn::RedisLearn, redis::Redis, sessions::RedisStore};
use crate::{
    learn::{LearnError, Learning, LogKey, Policy, RedbLearn},
    session::{Clock, SessionStore, StoreError},
};

/// The store chosen by the configuration.
#[derive(Clone)]
pub enum Backend {
    /// redb files under the data directory.
    Embedded,
    /// One Redis, shared by every process.
    Redis(Redis),
}

impl Backend {
    /// Connects to `redis_url` when given (an error when Redis does not answer: the bot must not start on a store
    /// it cannot use), else the embedded store.
    pub fn open(redis_url: Option<&str>) -> Result<Self, StoreError> {
        match redis_url {
            Some(url) => Ok(Backend::Redis(Redis::connect(url)?)),
            None => Ok(Backend::Embedded),
        }
    }

    /// The session store on this backend.
    pub fn sessions(&self, data_dir: &Path, ttl: Duration) -> Result<SessionStore, StoreError> {
        match self {
            Backend::Embedded => SessionStore::open(data_dir, ttl),
            Backend::Redis(redis) => Ok(SessionStore::with_store(Arc::new(RedisStore::new(redis.clone(), ttl)), ttl)),
        }
    }

    /// Votes, the question log and server settings on this backend (`learn.redb` under `data_dir`, or Redis),
    /// askers hashed under `key` (`SIGNPOST_LOG_KEY`) when given, else under keys rotated every retention period.
    pub fn learning(
        &self,
        data_dir: &Path,
        policy: Policy,
        clock: Clock,
        key: Option<LogKey>,
    ) -> Result<Learning, LearnError> {
        let store: Arc<dyn crate::learn::Learn> = match self {
            Backend::Embedded => Arc::new(RedbLearn::open(data_dir)?),
            Backend::Redis(redis) => Arc::new(RedisLearn::new(redis.clone())),
        };
        Learning::with_key(store, policy, clock, key)
    }

    /// What to call it in logs (a Redis URL without its password).
    pub fn describe(&self, data_dir: &Path) -> String {
        match self {
            Backend::Embedded => format!("embedded ({})", data_dir.display()),
            Backend::Redis(r) => format!("redis ({})", r.url()),
        }
    }
}
