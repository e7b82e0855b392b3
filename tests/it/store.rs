//! One suite of session-store tests, run against both stores: the embedded redb file and a real Redis
//! (`redis_server`). Times are the store clock's plus offsets, so expiry is tested without sleeping.

use std::{sync::Arc, time::Duration};

use signpost::{
    session::{Expect, Lookup, Session, SessionKey, SessionStore, Swap, TOMBSTONE},
    store::{Backend, Redis, RedisStore},
};

use crate::redis_server::RedisServer;

const TTL: u64 = 60;
const KEY: SessionKey = SessionKey { user: 1, channel: 2 };

fn session(answers: &[&str], updated: u64) -> Session {
    Session {
        answers: answers.iter().map(|a| a.to_string()).collect(),
        nonce: 7,
        version: answers.len() as u32 + 1,
        updated,
        in_place: false,
    }
}

/// Every behaviour a session store promises. `reopen` gives a second handle on the same data (another process).
fn suite(store: SessionStore, reopen: &dyn Fn() -> SessionStore) {
    put_get_remove(&store);
    swap_writes_only_over_what_the_caller_saw(&store);
    expiry_leaves_a_tombstone_until_it_is_purged(&store);
    only_one_of_many_concurrent_swaps_wins(&store);
    counts_active_sessions(&store);
    another_handle_sees_the_same_sessions(&store, &reopen());
}

fn put_get_remove(store: &SessionStore) {
    let t = store.now();
    assert_eq!(store.get_at(KEY, t).unwrap(), Lookup::Missing);
    store.put(KEY, &session(&["a", "b"], t)).unwrap();
    assert_eq!(store.get_at(KEY, t + 30).unwrap(), Lookup::Active(session(&["a", "b"], t)));
    assert_eq!(store.get_at(SessionKey { user: 2, channel: 2 }, t).unwrap(), Lookup::Missing);
    assert_eq!(store.get_at(SessionKey { user: 1, channel: 3 }, t).unwrap(), Lookup::Missing);
    store.remove(KEY).unwrap();
    assert_eq!(store.get_at(KEY, t).unwrap(), Lookup::Missing);
}

fn swap_writes_only_over_what_the_caller_saw(store: &SessionStore) {
    let s1 = session(&["a"], store.now());
    assert_eq!(store.swap(KEY, Expect::Inactive, Some(&s1)).unwrap(), Swap::Done);
    assert!(matches!(store.swap(KEY, Expect::Inactive, Some(&s1)).unwrap(), Swap::Conflict(Lookup::Active(_))));
    let at = Expect::At { nonce: s1.nonce, version: s1.version };
    let s2 = s1.next(vec!["a".into(), "b".into()], store.now());
    let s2_other = s1.next(vec!["a".into(), "c".into()], store.now());
    assert_eq!(store.swap(KEY, at, Some(&s2)).unwrap(), Swap::Done);
    assert_eq!(store.swap(KEY, at, Some(&s2_other)).unwrap(), Swap::Conflict(Lookup::Active(s2.clone())));
    assert_eq!(store.get(KEY).unwrap(), Lookup::Active(s2.clone()));
    let wrong_nonce = Expect::At { nonce: s2.nonce + 1, version: s2.version };
    assert!(matches!(store.swap(KEY, wrong_nonce, None).unwrap(), Swap::Conflict(_)));
    // The right nonce and version removes it (a finished decision).
    assert_eq!(store.swap(KEY, Expect::At { nonce: s2.nonce, version: s2.version }, None).unwrap(), Swap::Done);
    assert_eq!(store.get(KEY).unwrap(), Lookup::Missing);
}

fn expiry_leaves_a_tombstone_until_it_is_purged(store: &SessionStore) {
    let t = store.now();
    store.put(KEY, &session(&["a"], t)).unwrap();
    assert!(matches!(store.get_at(KEY, t + TTL).unwrap(), Lookup::Active(_)));
    assert_eq!(store.get_at(KEY, t + TTL + 1).unwrap(), Lookup::Expired { nonce: 7, in_place: false });
    store.purge_expired(t + TTL + 1).unwrap();
    assert_eq!(store.get_at(KEY, t + TTL + 100).unwrap(), Lookup::Expired { nonce: 7, in_place: false });
    // A click on the expired session's buttons is refused, and says what it found.
    store.clock().advance(Duration::from_secs(TTL + 1));
    let at = Expect::At { nonce: 7, version: 2 };
    assert_eq!(store.swap(KEY, at, None).unwrap(), Swap::Conflict(Lookup::Expired { nonce: 7, in_place: false }));
    // Past its tombstone the session is forgotten.
    let end = t + TTL + 1 + TOMBSTONE.as_secs() + 1;
    store.purge_expired(end).unwrap();
    assert_eq!(store.get_at(KEY, end).unwrap(), Lookup::Missing);
    // A new decision may replace an expired one.
    store.put(KEY, &session(&["a"], store.now())).unwrap();
    store.clock().advance(Duration::from_secs(TTL + 1));
    assert_eq!(store.swap(KEY, Expect::Inactive, Some(&session(&[], store.now()))).unwrap(), Swap::Done);
    store.remove(KEY).unwrap();
}

fn only_one_of_many_concurrent_swaps_wins(store: &SessionStore) {
    let s1 = session(&["a"], store.now());
    store.put(KEY, &s1).unwrap();
    let at = Expect::At { nonce: s1.nonce, version: s1.version };
    let wins: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let next = s1.next(vec!["a".into(), format!("x{i}")], store.now());
                scope.spawn(move || store.swap(KEY, at, Some(&next)).unwrap() == Swap::Done)
            })
            .collect();
        handles.into_iter().map(|h| usize::from(h.join().unwrap())).sum()
    });
    assert_eq!(wins, 1, "exactly one of eight swaps from the same version is applied");
    store.remove(KEY).unwrap();
}

fn counts_active_sessions(store: &SessionStore) {
    let t = store.now();
    let keys: Vec<SessionKey> = (0..5).map(|u| SessionKey { user: 100 + u, channel: 9 }).collect();
    let fresh = session(&["b"], t);
    let old = session(&["a"], t.saturating_sub(TTL + 5));
    store.put_many(keys[..3].iter().map(|k| (*k, &fresh))).unwrap();
    store.put_many(keys[3..].iter().map(|k| (*k, &old))).unwrap();
    assert_eq!(store.active().unwrap(), 3);
    assert!(store.len().unwrap() >= 3);
    for k in keys {
        store.remove(k).unwrap();
    }
    assert_eq!(store.active().unwrap(), 0);
}

fn another_handle_sees_the_same_sessions(store: &SessionStore, other: &SessionStore) {
    // Both "processes" on the same time (the suite moved the first one's clock forward).
    other.clock().advance(Duration::from_secs(store.now().saturating_sub(other.now())));
    let s = session(&["a", "b", "c"], store.now());
    store.put(KEY, &s).unwrap();
    assert_eq!(other.get(KEY).unwrap(), Lookup::Active(s.clone()));
    let next = s.next(vec!["a".into()], other.now());
    assert_eq!(other.swap(KEY, Expect::At { nonce: s.nonce, version: s.version }, Some(&next)).unwrap(), Swap::Done);
    assert_eq!(store.get(KEY).unwrap(), Lookup::Active(next));
}

#[test]
fn the_embedded_store_passes_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    let ttl = Duration::from_secs(TTL);
    let store = SessionStore::open(dir.path(), ttl).unwrap();
    // redb allows one open handle per file: "another process" is a second handle on the same database.
    let shared = store.clone();
    suite(store, &|| shared.clone());
}

#[test]
fn the_redis_store_passes_the_suite() {
    let server = RedisServer::start();
    let ttl = Duration::from_secs(TTL);
    let open = || Backend::open(Some(&server.url())).unwrap().sessions(std::path::Path::new("unused"), ttl).unwrap();
    suite(open(), &open);
    // Keys carry the prefix and a Redis expiry (memory is reclaimed by Redis itself).
    let s = session(&["a"], signpost::session::now());
    open().put(KEY, &s).unwrap();
    let ttl_left: i64 = server.command(&["TTL", "signpost:session:1:2"]).trim().parse().unwrap();
    assert!(ttl_left > (TTL as i64) && ttl_left <= (TTL + TOMBSTONE.as_secs()) as i64, "{ttl_left}");
}

#[test]
fn a_redis_row_that_is_not_json_is_missing() {
    let server = RedisServer::start();
    let store = Backend::open(Some(&server.url()))
        .unwrap()
        .sessions(std::path::Path::new("unused"), Duration::from_secs(TTL))
        .unwrap();
    server.command(&["SET", "signpost:session:1:2", "{not json"]);
    assert_eq!(store.get(KEY).unwrap(), Lookup::Missing);
    assert_eq!(store.swap(KEY, Expect::Inactive, Some(&session(&[], store.now()))).unwrap(), Swap::Done);
}

#[test]
fn redis_unreachable_at_start_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = Redis::connect(&format!("redis://:s3cret@127.0.0.1:{port}/0")).err().expect("nothing listens there");
    let e = e.to_string();
    assert!(e.contains(&format!("cannot reach Redis at redis://***@127.0.0.1:{port}/0")), "{e}");
    assert!(!e.contains("s3cret"), "the password never shows: {e}");
    let e = Redis::connect("http://example").err().expect("not a Redis URL").to_string();
    assert!(e.contains("is not a Redis URL"), "{e}");
}

#[test]
fn the_redis_store_reconnects_by_itself() {
    let mut server = RedisServer::start();
    let redis = Redis::connect(&server.url()).unwrap();
    let ttl = Duration::from_secs(TTL);
    let store = SessionStore::with_store(Arc::new(RedisStore::new(redis.clone(), ttl)), ttl);
    let s = session(&["a"], store.now());
    store.put(KEY, &s).unwrap();
    server.stop();
    let started = std::time::Instant::now();
    assert!(store.get(KEY).is_err(), "Redis is down");
    assert!(store.ping().is_err());
    assert!(started.elapsed() < Duration::from_secs(5), "a call fails in bounded time: {:?}", started.elapsed());
    server.restart();
    // The first call after the restart opens a new connection: no restart of the bot, nothing lost (the server
    // kept its append-only file).
    assert_eq!(store.get(KEY).unwrap(), Lookup::Active(s.clone()));
    store.ping().unwrap();
    // Redis restarted between two calls: the idle connection is dead, and the next call still succeeds.
    server.stop();
    server.restart();
    assert_eq!(store.get(KEY).unwrap(), Lookup::Active(s));
}
