//! Decision sessions per user and channel, with an idle timeout, kept in an embedded on-disk store.
//!
//! redb was chosen over sled (unmaintained since 2021, pre-1.0 format) and SQLite (a C build and a SQL layer for
//! what is one key-value table): it is pure Rust, has a stable file format, ACID commits that survive a `kill -9`,
//! and a bounded page cache, so 100,000 stored sessions do not mean 100,000 sessions in memory.
//!
//! Time is passed in (`now`, Unix seconds) rather than read here, so expiry is tested without sleeping.

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use redb::{Database, ReadableDatabase, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::dialog::State;

const SESSIONS: TableDefinition<&[u8; 16], &[u8]> = TableDefinition::new("sessions_v1");

/// Page cache of the store: sessions are tiny, and memory matters more than read speed here.
const CACHE_BYTES: usize = 4 * 1024 * 1024;

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
    /// The dialog state (the answers so far).
    #[serde(with = "state_text")]
    pub state: State,
    /// Bumped on every change; buttons carry it, so a click on an older step is recognised.
    pub version: u32,
    /// Last activity, Unix seconds.
    pub updated: u64,
}

mod state_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::dialog::State;

    pub fn serialize<S: Serializer>(state: &State, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(state)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<State, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Active(Session),
    /// There was a session, idle for longer than the timeout; it is gone now.
    Expired,
    Missing,
}

#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct StoreError(String);

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// A cheap, cloneable handle to the session store (clones share one database).
#[derive(Clone)]
pub struct SessionStore {
    db: Arc<Database>,
    ttl: Duration,
}

/// Seconds since the Unix epoch, now.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl SessionStore {
    /// Opens (or creates) the store in `dir` (`sessions.redb`).
    pub fn open(dir: &Path, ttl: Duration) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError(format!("cannot create `{}`: {e}", dir.display())))?;
        let path = dir.join("sessions.redb");
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
            .map_err(|e| StoreError(format!("cannot open `{}`: {e}", path.display())))?;
        let txn = db.begin_write().map_err(err)?;
        txn.open_table(SESSIONS).map_err(err)?;
        txn.commit().map_err(err)?;
        Ok(Self { db: Arc::new(db), ttl })
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn expired(&self, session: &Session, now: u64) -> bool {
        now.saturating_sub(session.updated) > self.ttl.as_secs()
    }

    pub fn get(&self, key: SessionKey, now: u64) -> Result<Lookup, StoreError> {
        let found = {
            let txn = self.db.begin_read().map_err(err)?;
            let table = txn.open_table(SESSIONS).map_err(err)?;
            let value = table.get(&key.bytes()).map_err(err)?;
            match value {
                Some(v) => Some(serde_json::from_slice::<Session>(v.value()).map_err(err)?),
                None => None,
            }
        };
        match found {
            None => Ok(Lookup::Missing),
            Some(s) if self.expired(&s, now) => {
                self.remove(key)?;
                Ok(Lookup::Expired)
            }
            Some(s) => Ok(Lookup::Active(s)),
        }
    }

    /// Stores a session (durably: it survives a crash right after this returns).
    pub fn put(&self, key: SessionKey, session: &Session) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(session).map_err(err)?;
        let txn = self.db.begin_write().map_err(err)?;
        {
            let mut table = txn.open_table(SESSIONS).map_err(err)?;
            table.insert(&key.bytes(), bytes.as_slice()).map_err(err)?;
        }
        txn.commit().map_err(err)
    }

    /// Stores many sessions in one commit (for loading tests and benchmarks).
    pub fn put_many<'a>(
        &self,
        sessions: impl IntoIterator<Item = (SessionKey, &'a Session)>,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(err)?;
        {
            let mut table = txn.open_table(SESSIONS).map_err(err)?;
            for (key, session) in sessions {
                let bytes = serde_json::to_vec(session).map_err(err)?;
                table.insert(&key.bytes(), bytes.as_slice()).map_err(err)?;
            }
        }
        txn.commit().map_err(err)
    }

    pub fn remove(&self, key: SessionKey) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(err)?;
        {
            let mut table = txn.open_table(SESSIONS).map_err(err)?;
            table.remove(&key.bytes()).map_err(err)?;
        }
        txn.commit().map_err(err)
    }

    /// Deletes every session idle for longer than the timeout; returns how many.
    pub fn purge_expired(&self, now: u64) -> Result<usize, StoreError> {
        let ttl = self.ttl.as_secs();
        let txn = self.db.begin_write().map_err(err)?;
        let mut purged = 0;
        {
            let mut table = txn.open_table(SESSIONS).map_err(err)?;
            table
                .retain(|_, v| {
                    let keep = serde_json::from_slice::<Session>(v).is_ok_and(|s| now.saturating_sub(s.updated) <= ttl);
                    purged += usize::from(!keep);
                    keep
                })
                .map_err(err)?;
        }
        txn.commit().map_err(err)?;
        Ok(purged)
    }

    pub fn len(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(err)?;
        let table = txn.open_table(SESSIONS).map_err(err)?;
        table.len().map_err(err)
    }

    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
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

    fn session(answers: &[u8], updated: u64) -> Session {
        Session { state: State { answers: answers.to_vec() }, version: answers.len() as u32, updated }
    }

    const KEY: SessionKey = SessionKey { user: 1, channel: 2 };

    #[test]
    fn put_get_remove() {
        let (_dir, store) = store(60);
        assert_eq!(store.get(KEY, 100).unwrap(), Lookup::Missing);
        store.put(KEY, &session(&[0, 2], 100)).unwrap();
        assert_eq!(store.get(KEY, 130).unwrap(), Lookup::Active(session(&[0, 2], 100)));
        // Another user in the same channel, or the same user elsewhere, has no session.
        assert_eq!(store.get(SessionKey { user: 2, channel: 2 }, 130).unwrap(), Lookup::Missing);
        assert_eq!(store.get(SessionKey { user: 1, channel: 3 }, 130).unwrap(), Lookup::Missing);
        store.remove(KEY).unwrap();
        assert_eq!(store.get(KEY, 130).unwrap(), Lookup::Missing);
    }

    #[test]
    fn idle_sessions_expire() {
        let (_dir, store) = store(60);
        store.put(KEY, &session(&[1], 100)).unwrap();
        assert!(matches!(store.get(KEY, 160).unwrap(), Lookup::Active(_)));
        assert_eq!(store.get(KEY, 161).unwrap(), Lookup::Expired);
        // Expiry removes it: the next lookup finds nothing.
        assert_eq!(store.get(KEY, 161).unwrap(), Lookup::Missing);
    }

    #[test]
    fn purge_removes_only_idle_sessions() {
        let (_dir, store) = store(60);
        let old = session(&[0], 0);
        let fresh = session(&[1], 100);
        store.put_many([(KEY, &old), (SessionKey { user: 9, channel: 9 }, &fresh)]).unwrap();
        assert_eq!(store.purge_expired(120).unwrap(), 1);
        assert_eq!(store.len().unwrap(), 1);
    }

    #[test]
    fn sessions_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SessionStore::open(dir.path(), Duration::from_secs(60)).unwrap();
            store.put(KEY, &session(&[0, 1, 2], 100)).unwrap();
        }
        let store = SessionStore::open(dir.path(), Duration::from_secs(60)).unwrap();
        assert_eq!(store.get(KEY, 110).unwrap(), Lookup::Active(session(&[0, 1, 2], 100)));
    }
}
