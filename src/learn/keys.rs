//! The key of the asker hash (HMAC-SHA-256 of a user id, cut to 16 bytes): what turns a user into a pseudonym.
//!
//! Two modes, so the key does not sit beside the data it protects for longer than the data itself:
//! - [`LogKey`], from the secret setting `SIGNPOST_LOG_KEY`: one key, held in the process only, never written to the
//!   store. A reader of the store alone cannot test a user id against the log.
//! - Otherwise a key per retention period ([`period`]), created at random in the store (every process of a bot
//!   must hash alike) and dropped once every record of its period is past the retention and rolled up. Pseudonyms
//!   of different periods cannot be linked, and a pseudonym outlives its key only as long as the store's bytes do.
//!
//! The current and the next period's keys are fetched ahead ([`Rotation`]): a pseudonym is computed on the reply
//! path, which must not wait for the store.

use std::{fmt, sync::Mutex};

use super::Pseudonym;

/// The secret of `SIGNPOST_LOG_KEY`: its bytes (surrounding whitespace trimmed) are the HMAC key. `Debug` never
/// shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct LogKey(Vec<u8>);

/// A shorter secret is refused: 32 bytes is the HMAC-SHA-256 output size, below which a key is weaker than the hash.
pub const MIN_LOG_KEY: usize = 32;

impl LogKey {
    /// The key in `text`, at least [`MIN_LOG_KEY`] bytes once trimmed. The error never repeats the text.
    pub fn parse(text: &str) -> Result<LogKey, String> {
        let key = text.trim();
        if key.len() < MIN_LOG_KEY {
            return Err(format!(
                "is {} bytes long; a key must be at least {MIN_LOG_KEY} (for example the 44 characters of \
                 `openssl rand -base64 32`)",
                key.len()
            ));
        }
        Ok(LogKey(key.as_bytes().to_vec()))
    }

    fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for LogKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LogKey(<redacted>)")
    }
}

/// A rotated key and the period `[start, end)` (Unix seconds) of the records it hashes.
#[derive(Clone, PartialEq, Eq)]
pub struct PeriodKey {
    pub start: u64,
    pub end: u64,
    pub key: [u8; 32],
}

impl fmt::Debug for PeriodKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeriodKey({}..{}, <redacted>)", self.start, self.end)
    }
}

/// The rotation period holding `at`: `[start, start + retention)`, periods counted from the Unix epoch, so every
/// process finds the same one.
pub fn period(at: u64, retention: u64) -> (u64, u64) {
    let retention = retention.max(1);
    let start = at - at % retention;
    (start, start + retention)
}

/// HMAC-SHA-256 of the user id under `key`, cut to 16 bytes.
pub fn pseudonym(key: &[u8], user: u64) -> Pseudonym {
    use hmac::{Mac, SimpleHmac};
    let mut mac = <SimpleHmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&user.to_be_bytes());
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// Where the key of a time comes from.
pub(super) enum Keys {
    Secret(LogKey),
    Rotating(Mutex<Rotation>),
}

/// The rotated keys this process holds (a copy of the store's), and the last period it warned about.
#[derive(Default)]
pub(super) struct Rotation {
    pub held: Vec<PeriodKey>,
    warned: u64,
}

impl Keys {
    /// Hashes `user` under the key of time `at` (it is `now` when that is what the caller means).
    pub fn pseudonym(&self, user: u64, at: u64, now: u64, retention: u64) -> Pseudonym {
        match self {
            Keys::Secret(k) => pseudonym(k.bytes(), user),
            Keys::Rotating(r) => {
                let mut r = r.lock().unwrap_or_else(|e| e.into_inner());
                let key = r.key_at(at, now, retention);
                pseudonym(&key, user)
            }
        }
    }
}

impl Rotation {
    /// The held key whose period holds `at`: the one of this retention, else one of another retention (the
    /// setting changed) that still covers its own period.
    fn covering(&self, at: u64, retention: u64) -> Option<[u8; 32]> {
        let (start, end) = period(at, retention);
        let exact = self.held.iter().find(|k| k.start == start && k.end == end);
        exact.or_else(|| self.held.iter().find(|k| k.start <= at && at < k.end)).map(|k| k.key)
    }

    /// The key of `at`'s period. An earlier time without a key is an answer past the retention (its key is gone)
    /// or a forged one: hashed under the current key. If even the current period has none (the purge task, which
    /// fetches keys ahead, stalled for a whole period), the newest key stands in, so the reply path never waits,
    /// and that is logged once per period.
    fn key_at(&mut self, at: u64, now: u64, retention: u64) -> [u8; 32] {
        if let Some(k) = self.covering(at, retention).or_else(|| self.covering(now, retention)) {
            return k;
        }
        let (start, _) = period(now, retention);
        if self.warned != start {
            self.warned = start;
            tracing::warn!(period_start = start, "no asker-hash key held for this period yet; using the newest one");
        }
        // Never empty: `Learning` is built only once the store gave the current key, and a refresh that finds no
        // key is an error, not an empty list.
        self.held.iter().max_by_key(|k| k.start).expect("at least the key of the period the handle was built in").key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_key_needs_32_bytes_and_never_shows() {
        let e = LogKey::parse("  short-secret\n").unwrap_err();
        assert!(e.contains("12 bytes long") && e.contains("at least 32"), "{e}");
        assert!(!e.contains("short-secret"), "the error never repeats the key: {e}");
        let k = LogKey::parse(&format!(" {} \n", "k".repeat(32))).unwrap();
        assert_eq!(k.bytes(), "k".repeat(32).as_bytes(), "surrounding whitespace is not part of the key");
        assert_eq!(format!("{k:?}"), "LogKey(<redacted>)");
    }

    #[test]
    fn periods_are_counted_from_the_epoch() {
        assert_eq!(period(0, 100), (0, 100));
        assert_eq!(period(199, 100), (100, 200));
        assert_eq!(period(200, 100), (200, 300));
        assert_eq!(period(5, 0), (5, 6), "a zero retention is one second");
    }

    #[test]
    fn a_time_without_a_key_falls_back_to_the_current_or_the_newest_key() {
        let k = |start, end, b| PeriodKey { start, end, key: [b; 32] };
        let mut r = Rotation { held: vec![k(100, 200, 2), k(200, 300, 3)], warned: 0 };
        assert_eq!(r.key_at(150, 150, 100), [2; 32]);
        assert_eq!(r.key_at(150, 250, 100), [2; 32], "an earlier time still held: its own key");
        assert_eq!(r.key_at(250, 250, 100), [3; 32]);
        assert_eq!(r.key_at(250, 250, 50), [3; 32], "a key of another retention covering the time");
        assert_eq!(r.key_at(50, 250, 100), [3; 32], "a time whose key is gone (or forged): the current key");
        assert_eq!(r.key_at(9_999, 250, 100), [3; 32], "a forged future time: the current key");
        assert_eq!(r.warned, 0, "none of that is worth a warning");
        assert_eq!(r.key_at(350, 350, 100), [3; 32], "not refreshed in time: the newest key");
        assert_eq!(r.warned, 300, "warned once for the period");
        assert!(!format!("{:?}", k(0, 1, 7)).contains('7'), "Debug shows no key bytes");
    }
}
