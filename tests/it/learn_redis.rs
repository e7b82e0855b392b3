//! Votes, the question log and server settings in Redis (`signpost::store::RedisLearn`), on a real `redis-server`
//! (`redis_server`): the learning suite every store passes, settings changed through one process seen by another,
//! the helper-ping cooldown shared, no user id or name anywhere in Redis, and `signpost report` reading Redis.

use std::{
    process::Command,
    time::{Duration, Instant},
};

use signpost::{
    config::Config,
    discord::Bot,
    learn::{self, Cooldown, Door, GuildSettings, Learn, Outcome, Policy, VoteValue},
    reply::{Answer, Topic},
    session::Clock,
    store::{Backend, Redis, RedisLearn},
    Engine,
};

use crate::redis_server::RedisServer;

#[test]
fn the_redis_learning_store_passes_the_suite() {
    let server = RedisServer::start();
    let store = RedisLearn::new(Redis::connect(&server.url()).unwrap());
    learn::suite::run(&store);
    // Another handle (another process) on the same Redis sees the same store.
    let again = RedisLearn::new(Redis::connect(&server.url()).unwrap());
    learn::suite::survives_reopening(&again);
    // ...and so does a restarted Redis (its append-only file).
    drop((store, again));
    let mut server = server;
    server.stop();
    server.restart();
    learn::suite::survives_reopening(&RedisLearn::new(Redis::connect(&server.url()).unwrap()));
}

#[test]
fn the_redis_learning_store_rotates_keys_and_keeps_the_secret_one_out() {
    let server = RedisServer::start();
    learn::suite::keys(std::sync::Arc::new(RedisLearn::new(Redis::connect(&server.url()).unwrap())));
}

#[test]
fn stores_under_other_prefixes_do_not_meet() {
    let server = RedisServer::start();
    let a = RedisLearn::new(Redis::connect_with_prefix(&server.url(), "a:").unwrap());
    let b = RedisLearn::new(Redis::connect_with_prefix(&server.url(), "b:").unwrap());
    assert_ne!(a.period_key(0, 100).unwrap(), b.period_key(0, 100).unwrap());
    a.put_settings(1, &GuildSettings { helper_role: Some(3), ..GuildSettings::default() }).unwrap();
    assert_eq!(b.settings(1).unwrap(), None);
}

#[test]
fn a_period_key_is_created_once_by_whichever_process_comes_first() {
    let server = RedisServer::start();
    let url = server.url();
    let keys: Vec<[u8; 32]> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| RedisLearn::new(Redis::connect(&url).unwrap()).period_key(0, 100).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "one key for every process");
}

#[test]
fn concurrent_votes_of_one_person_leave_one_vote_and_one_helper_claim_wins() {
    let server = RedisServer::start();
    let url = server.url();
    let id = learn::record_id(1_700_000_000, 1);
    let (earlier, claims): (Vec<Option<VoteValue>>, Vec<bool>) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let url = &url;
                s.spawn(move || {
                    let store = RedisLearn::new(Redis::connect(url).unwrap());
                    let value = if i % 2 == 0 { VoteValue::Helpful } else { VoteValue::NotHelpful };
                    let row =
                        learn::VoteRow { id, voter: "ab".repeat(16), value, label: "faq:x".into(), at: 1_700_000_000 };
                    (store.vote(&row).unwrap(), store.claim_help(id).unwrap())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).unzip()
    });
    assert_eq!(earlier.iter().filter(|e| e.is_none()).count(), 1, "exactly one vote was the first: {earlier:?}");
    assert_eq!(claims.iter().filter(|c| **c).count(), 1, "exactly one helper claim wins: {claims:?}");
    let store = RedisLearn::new(Redis::connect(&url).unwrap());
    assert_eq!(store.snapshot(0, 1_700_000_001).unwrap().votes.len(), 1, "one vote per person per answer");
}

#[test]
fn the_helper_ping_cooldown_is_shared_and_expires() {
    let server = RedisServer::start();
    let a = RedisLearn::new(Redis::connect(&server.url()).unwrap());
    let b = RedisLearn::new(Redis::connect(&server.url()).unwrap());
    let who = "cd".repeat(16);
    assert_eq!(a.cooldown(&who, Duration::from_secs(600)).unwrap(), Cooldown::Started);
    match b.cooldown(&who, Duration::from_secs(600)).unwrap() {
        Cooldown::Running(left) => assert!(left > Duration::from_secs(590) && left <= Duration::from_secs(600)),
        other => panic!("another process must see the cooldown: {other:?}"),
    }
    assert_eq!(b.cooldown(&"ef".repeat(16), Duration::from_secs(600)).unwrap(), Cooldown::Started, "per user");
    b.end_cooldown(&who).unwrap();
    assert_eq!(a.cooldown(&who, Duration::from_secs(1)).unwrap(), Cooldown::Started, "given back");
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(b.cooldown(&who, Duration::from_secs(600)).unwrap(), Cooldown::Started, "Redis expired it");
    // The embedded store leaves cooldowns to the process.
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        learn::RedbLearn::open(dir.path()).unwrap().cooldown(&who, Duration::from_secs(600)).unwrap(),
        Cooldown::Local
    );
}

fn bot_on(url: &str) -> Bot {
    let vars = [("SIGNPOST_REDIS_URL", url.to_string()), ("DISCORD_TOKEN", "test".to_string())];
    let config = Config::from_parts(None, "test", |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
        .expect("configuration");
    let backend = Backend::open(config.redis_url.as_deref()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = backend.sessions(dir.path(), config.session_ttl).unwrap();
    let learning = backend.learning(dir.path(), Policy::default(), store.clock().clone(), None).unwrap();
    Bot::new(&config, Engine::load(None).expect("built-in knowledge"), store).with_learning(learning).unwrap()
}

#[test]
fn a_settings_change_through_one_process_reaches_another() {
    let server = RedisServer::start();
    let (one, two) = (bot_on(&server.url()), bot_on(&server.url()));
    assert_eq!(two.guild_settings(Some(7)), GuildSettings::default());
    assert!(!two.refresh_guild_settings(false).unwrap(), "nothing changed: nothing is read again");
    // What `/settings` does in process one: store it (and keep it in its own cache).
    let changed = GuildSettings {
        help_channels: Some(vec![11]),
        min_confidence: Some(0.9),
        helper_role: Some(12),
        ..GuildSettings::default()
    };
    one.learning().unwrap().store().put_settings(7, &changed).unwrap();
    // Process two's cache still has the old value until its next check (every SETTINGS_REFRESH)...
    assert_eq!(two.guild_settings(Some(7)), GuildSettings::default());
    let started = Instant::now();
    assert!(two.refresh_guild_settings(false).unwrap(), "the version moved: read again");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(two.guild_settings(Some(7)), changed);
    assert!(!two.refresh_guild_settings(false).unwrap(), "read once per change");
    // A process started after the change reads it at start-up.
    assert_eq!(bot_on(&server.url()).guild_settings(Some(7)), changed);
    assert!(signpost::discord::SETTINGS_REFRESH <= Duration::from_secs(5), "\"a few seconds\"");
}

fn answer(label: &str, confidence: f64) -> Answer {
    let topic = match label {
        "none" => Topic::None,
        id => Topic::Faq { id: id.into() },
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

/// Every string in Redis: keys, and every value of every type the stores use.
fn everything_in(url: &str) -> Vec<u8> {
    let mut c = redis::Client::open(url).unwrap().get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut c).unwrap();
    let mut all = Vec::new();
    for k in keys {
        all.extend_from_slice(k.as_bytes());
        let kind: String = redis::cmd("TYPE").arg(&k).query(&mut c).unwrap();
        let values: Vec<Vec<u8>> = match kind.as_str() {
            "string" => vec![redis::cmd("GET").arg(&k).query(&mut c).unwrap()],
            "hash" => redis::cmd("HGETALL").arg(&k).query(&mut c).unwrap(),
            "zset" => redis::cmd("ZRANGE").arg(&k).arg(0).arg(-1).query(&mut c).unwrap(),
            other => panic!("a key of an unexpected type {other}: {k}"),
        };
        for v in values {
            all.push(b'\n');
            all.extend_from_slice(&v);
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_reads_what_a_redis_backed_bot_wrote_and_redis_holds_no_user_id() {
    let server = RedisServer::start();
    let backend = Backend::open(Some(&server.url())).unwrap();
    let unused = tempfile::tempdir().unwrap();
    let nothing = Command::new(env!("CARGO_BIN_EXE_signpost"))
        .arg("report")
        .env_clear()
        .env("SIGNPOST_REDIS_URL", server.url())
        .env("SIGNPOST_DATA_DIR", unused.path())
        .output()
        .unwrap();
    assert_eq!(nothing.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&nothing.stdout).contains("Nothing logged yet in Redis"), "{nothing:?}");

    let learning = backend.learning(unused.path(), Policy::default(), Clock::default(), None).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let writer = tokio::spawn(learning.writer().expect("a writer").run(stopped));
    const ALICE: u64 = 184_467_440_737_095_516;
    const BOB: u64 = 284_467_440_737_095_517;
    let unknown =
        learning.log(Door::Ask, Some(5), ALICE, "my css is not loading", &answer("none", 1.0), Outcome::Abstained);
    let known = learning.log(
        Door::Mention,
        Some(5),
        BOB,
        "is flask faster?",
        &answer("is-flask-faster", 0.95),
        Outcome::Answered,
    );
    learning.log(Door::Dm, None, ALICE, "my css is not loading!", &answer("none", 1.0), Outcome::Abstained);
    let l = learning.clone();
    tokio::task::spawn_blocking(move || {
        l.vote(known, "faq:is-flask-faster", ALICE, VoteValue::NotHelpful, None).unwrap();
        l.vote(known, "faq:is-flask-faster", BOB, VoteValue::Helpful, None).unwrap();
        l.store().claim_help(unknown).unwrap();
    })
    .await
    .unwrap();
    let _ = stop.send(());
    writer.await.unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(["report", "--json"])
        .env_clear()
        .env("SIGNPOST_REDIS_URL", server.url())
        .env("SIGNPOST_DATA_DIR", unused.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["answered"], 1, "{report:#}");
    assert_eq!(report["abstained"], 2, "{report:#}");
    assert_eq!(report["askers"], 2, "{report:#}");
    assert_eq!(report["by_door"]["dm"], 1, "{report:#}");
    let text = report.to_string();
    assert!(text.contains("my css is not loading"), "the abstention's text is reported: {text}");
    assert!(text.contains("is flask faster?"), "a Not helpful vote keeps the text: {text}");
    assert!(std::fs::read_dir(unused.path()).unwrap().next().is_none(), "the data directory is not used");

    let raw = everything_in(&server.url());
    for id in [ALICE, BOB] {
        let id = id.to_string();
        assert!(!raw.windows(id.len()).any(|w| w == id.as_bytes()), "user id {id} found in Redis");
    }
}

/// Past the retention the log is rolled up: `signpost report` says the same as before, and Redis holds neither the
/// pseudonyms of the rolled-up questions nor the key that made them (nor their texts and votes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_retention_redis_keeps_counts_but_no_pseudonym_text_or_old_key() {
    let server = RedisServer::start();
    let backend = Backend::open(Some(&server.url())).unwrap();
    let unused = tempfile::tempdir().unwrap();
    let clock = Clock::default();
    let policy = Policy { keep_texts: true, retention: Duration::from_secs(24 * 3600) };
    let learning = backend.learning(unused.path(), policy, clock.clone(), None).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let writer = tokio::spawn(learning.writer().expect("a writer").run(stopped));
    const ALICE: u64 = 184_467_440_737_095_516;
    const BOB: u64 = 284_467_440_737_095_517;
    let asked =
        learning.log(Door::Ask, Some(5), ALICE, "my css is not loading", &answer("none", 1.0), Outcome::Abstained);
    learning.log(Door::Mention, Some(5), BOB, "is flask faster?", &answer("is-flask-faster", 0.95), Outcome::Answered);
    learning.log(Door::Dm, None, ALICE, "flask or django", &answer("which-is-better", 0.4), Outcome::Answered);
    let l = learning.clone();
    tokio::task::spawn_blocking(move || l.vote(asked, "faq:x", BOB, VoteValue::NotHelpful, None).unwrap())
        .await
        .unwrap();
    let _ = stop.send(());
    writer.await.unwrap();
    let pseudonyms = [ALICE, BOB].map(|u| learn::hex(&learning.pseudonym(u)));
    let mut keys = learning.store().period_keys().unwrap();
    keys.sort_by_key(|k| k.start);
    let keys: Vec<[u8; 32]> = keys.into_iter().map(|k| k.key).collect();
    let report = |since: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_signpost"))
            .args(["report", "--json", "--since", since])
            .env_clear()
            .env("SIGNPOST_REDIS_URL", server.url())
            .env("SIGNPOST_DATA_DIR", unused.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON")
    };
    let before = report("3d");
    assert_eq!(before["questions"], 3, "{before:#}");
    assert_eq!(before["askers"], 2, "{before:#}");

    // Two retention periods later, the purge has rolled everything up and dropped the key it was hashed under.
    clock.advance(Duration::from_secs(2 * 24 * 3600 + 60));
    let l = learning.clone();
    tokio::task::spawn_blocking(move || l.purge(l.now()).unwrap()).await.unwrap();
    let after = report("3d");
    for field in ["questions", "answered", "abstained", "silent", "by_kind", "by_door", "days", "unused"] {
        assert_eq!(after[field], before[field], "{field} changed by the purge: {after:#}");
    }
    assert_eq!(after["rolled_up"], 3);
    assert_eq!(after["unanswered"], serde_json::json!([]), "texts past the retention are gone");
    assert_eq!(after["votes"], serde_json::json!([]), "votes past the retention are gone");

    let raw = everything_in(&server.url());
    let has = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
    for p in &pseudonyms {
        assert!(!has(p.as_bytes()), "pseudonym {p} is still in Redis");
    }
    assert!(keys.len() == 2 && !has(&keys[0]), "the key of the rolled-up questions' period is still in Redis");
    assert!(!has(b"css is not loading") && !has(b"flask or django"), "a text is still in Redis");
}

/// What the Redis learning store costs, printed (run by hand: `cargo test --release -- --ignored measure_redis`):
/// appends of a second's batch, a snapshot of every record, a vote, the settings check each process makes every
/// `SETTINGS_REFRESH`, and Redis memory per record.
#[test]
#[ignore = "a measurement, run by hand"]
fn measure_redis_learning() {
    let server = RedisServer::start();
    let store = RedisLearn::new(Redis::connect(&server.url()).unwrap());
    let memory = || -> f64 {
        let info = server.command(&["INFO", "memory"]);
        let line = info.lines().find(|l| l.starts_with("used_memory:")).expect("used_memory");
        line["used_memory:".len()..].trim().parse().unwrap()
    };
    let before = memory();
    const N: u32 = 100_000;
    let t0 = 1_700_000_000;
    let started = Instant::now();
    for batch in 0..N / 100 {
        let records: Vec<learn::Record> = (0..100)
            .map(|i| {
                let n = batch * 100 + i;
                let at = t0 + u64::from(n) / 10;
                learn::Record {
                    id: learn::record_id(at, n),
                    at,
                    door: Door::Ask,
                    guild: Some(1_000_000_000_000_000_000 + u64::from(n % 50)),
                    answer: if n % 3 == 0 { "none".into() } else { "faq:is-flask-faster".into() },
                    confidence: 0.83,
                    outcome: if n % 3 == 0 { Outcome::Abstained } else { Outcome::Answered },
                    asker: format!("{:032x}", n % 5000),
                    text: (n % 3 == 0).then(|| "how do i deploy a flask app on a raspberry pi".to_string()),
                }
            })
            .collect();
        store.append(&records).unwrap();
    }
    let append = started.elapsed();
    let per_record = (memory() - before) / f64::from(N);
    let started = Instant::now();
    let snap = store.snapshot(0, t0 + 100_000).unwrap();
    let snapshot = started.elapsed();
    assert_eq!(snap.records.len(), N as usize);
    let mut votes = Vec::new();
    for i in 0..1000u64 {
        let row = learn::VoteRow {
            id: learn::record_id(t0, 1),
            voter: format!("{i:032x}"),
            value: VoteValue::Helpful,
            label: "faq:x".into(),
            at: t0,
        };
        let started = Instant::now();
        store.vote(&row).unwrap();
        votes.push(started.elapsed());
    }
    votes.sort();
    let mut checks = Vec::new();
    for _ in 0..1000 {
        let started = Instant::now();
        store.settings_version().unwrap();
        checks.push(started.elapsed());
    }
    checks.sort();
    eprintln!(
        "RedisLearn: {N} records appended in batches of 100 in {append:?} ({:.0} records/s); {per_record:.0} bytes \
         of Redis memory per record (a third with text); snapshot of all in {snapshot:?}; vote median {:?} p99 {:?}; \
         settings check median {:?} p99 {:?}",
        f64::from(N) / append.as_secs_f64(),
        votes[500],
        votes[990],
        checks[500],
        checks[990]
    );

    // The retention passes over all of it: batches of PURGE_BATCH rows, each one Lua script (Redis serves nothing
    // else while one runs), then the memory left.
    let mut batches = Vec::new();
    let started = Instant::now();
    loop {
        let t = Instant::now();
        let n = store.purge(t0 + 2 * 86_400, learn::PURGE_BATCH).unwrap();
        batches.push(t.elapsed());
        if n < learn::PURGE_BATCH {
            break;
        }
    }
    let rollup = started.elapsed();
    batches.sort();
    let left = memory() - before;
    let s = store.snapshot(0, t0 + 2 * 86_400).unwrap();
    assert!(s.records.is_empty());
    assert_eq!(s.rolled.iter().map(|c| c.count).sum::<u64>(), u64::from(N));
    eprintln!(
        "RedisLearn rollup: {N} records and {} votes in {} batches of {} in {rollup:?}; a batch median {:?}, p99 {:?}, \
         max {:?}; Redis memory left {left:.0} bytes ({} counts, {} distinct askers counted)",
        votes.len(),
        batches.len(),
        learn::PURGE_BATCH,
        batches[batches.len() / 2],
        batches[batches.len() * 99 / 100],
        batches[batches.len() - 1],
        s.rolled.len(),
        s.rolled_askers.iter().map(|a| a.askers).sum::<u64>(),
    );
}
