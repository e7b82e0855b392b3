//! The behaviour every [`Learn`] implementation must have, as one function over `&dyn Learn`: the redb store runs
//! it in its unit tests, and a Redis store (or any other) calls the same [`run`] on a fresh, empty store.
//!
//! It panics on the first difference, naming it. Times are fixed Unix seconds, so no clock is involved.

use super::{record_id, Door, GuildSettings, Learn, Outcome, Record, VoteRow, VoteValue};

const T0: u64 = 1_700_000_000;
const DAY: u64 = 24 * 60 * 60;

fn record(at: u64, n: u32, answer: &str, text: Option<&str>) -> Record {
    Record {
        id: record_id(at, n),
        at,
        door: Door::Ask,
        guild: Some(9),
        answer: answer.into(),
        confidence: 0.5,
        outcome: if answer == "none" { Outcome::Abstained } else { Outcome::Answered },
        asker: format!("{n:032x}"),
        text: text.map(str::to_string),
    }
}

fn vote(id: u64, voter: &str, value: VoteValue, at: u64) -> VoteRow {
    VoteRow { id, voter: voter.into(), value, label: "faq:beginners".into(), at }
}

/// Runs every check on `store`, which must be empty.
pub fn run(store: &dyn Learn) {
    hash_key(store);
    log_and_snapshot(store);
    votes(store);
    help_claims(store);
    purge(store);
    settings(store);
}

fn hash_key(store: &dyn Learn) {
    let k = store.hash_key().expect("hash key");
    assert_ne!(k, [0u8; 32], "the hash key is random, not zero");
    assert_eq!(store.hash_key().expect("hash key again"), k, "the hash key never changes");
}

fn log_and_snapshot(store: &dyn Learn) {
    let empty = store.snapshot(0, T0).expect("snapshot of an empty log");
    assert!(empty.records.is_empty() && empty.votes.is_empty(), "a fresh store is empty: {empty:?}");
    let a = record(T0, 1, "faq:beginners", None);
    let b = record(T0 + 10, 2, "none", Some("how do i deploy on a toaster"));
    let c = record(T0 + DAY, 3, "compare:orm", None);
    store.append(&[b.clone(), a.clone()]).expect("append");
    store.append(std::slice::from_ref(&c)).expect("append");
    let all = store.snapshot(0, T0 + DAY).expect("snapshot");
    assert_eq!(all.records, vec![a.clone(), b.clone(), c.clone()], "records in time order, texts attached");
    assert_eq!((all.since, all.now), (0, T0 + DAY));
    let later = store.snapshot(T0 + 1, T0 + DAY).expect("snapshot since");
    assert_eq!(later.records, vec![b.clone(), c.clone()], "`since` leaves out older records");
    store.keep_text(a.id, "which one for a beginner, honestly").expect("keep text");
    let kept = store.snapshot(T0, T0 + DAY).expect("snapshot");
    assert_eq!(kept.records[0].text.as_deref(), Some("which one for a beginner, honestly"));
    // Appending a record again replaces it.
    store.append(&[Record { confidence: 0.9, ..c.clone() }]).expect("append again");
    let again = store.snapshot(T0 + DAY, T0 + DAY).expect("snapshot");
    assert_eq!(again.records.len(), 1);
    assert_eq!(again.records[0].confidence, 0.9);
}

fn votes(store: &dyn Learn) {
    let id = record_id(T0 + 2 * DAY, 7);
    assert_eq!(store.vote(&vote(id, "aa", VoteValue::Helpful, T0 + 2 * DAY)).expect("vote"), None);
    // The same person again: the vote changes, and the earlier one is reported.
    let changed = store.vote(&vote(id, "aa", VoteValue::NotHelpful, T0 + 2 * DAY + 5)).expect("vote");
    assert_eq!(changed, Some(VoteValue::Helpful));
    assert_eq!(store.vote(&vote(id, "bb", VoteValue::Helpful, T0 + 2 * DAY + 6)).expect("vote"), None);
    // Another answer is another vote.
    let other = record_id(T0 + 2 * DAY, 8);
    assert_eq!(store.vote(&vote(other, "aa", VoteValue::Helpful, T0 + 2 * DAY + 7)).expect("vote"), None);
    let s = store.snapshot(T0 + 2 * DAY, T0 + 2 * DAY + 10).expect("snapshot");
    let mut got: Vec<(u64, String, VoteValue)> = s.votes.iter().map(|v| (v.id, v.voter.clone(), v.value)).collect();
    got.sort_by(|x, y| (x.0, &x.1).cmp(&(y.0, &y.1)));
    assert_eq!(
        got,
        vec![
            (id, "aa".into(), VoteValue::NotHelpful),
            (id, "bb".into(), VoteValue::Helpful),
            (other, "aa".into(), VoteValue::Helpful)
        ],
        "one vote per person per answer"
    );
    let before = store.snapshot(T0 + 3 * DAY, T0 + 3 * DAY).expect("snapshot");
    assert!(before.votes.is_empty(), "votes on answers before `since` are left out");
}

fn help_claims(store: &dyn Learn) {
    let id = record_id(T0 + 2 * DAY, 9);
    assert!(store.claim_help(id).expect("claim"), "the first claim wins");
    assert!(!store.claim_help(id).expect("claim"), "a question gets one helper ping");
    assert!(store.claim_help(record_id(T0 + 2 * DAY, 10)).expect("claim"), "another question is another claim");
}

fn purge(store: &dyn Learn) {
    // Before: texts at T0+10 and T0 (kept later), votes and claims at T0+2d.
    let n = store.purge(T0 + 1, 256).expect("purge");
    assert_eq!(n, 1, "only the text of the answer at T0 is due");
    let s = store.snapshot(0, T0 + 3 * DAY).expect("snapshot");
    assert_eq!(s.records.len(), 3, "records stay: counts outlive texts");
    assert_eq!(s.records[0].text, None);
    assert_eq!(s.records[1].text.as_deref(), Some("how do i deploy on a toaster"));
    // Many due rows go in batches: each call forgets at most `batch`.
    let mut forgotten = 0;
    loop {
        let n = store.purge(T0 + 3 * DAY, 2).expect("purge");
        assert!(n <= 2, "a batch of 2 forgot {n}");
        forgotten += n;
        if n < 2 {
            break;
        }
    }
    assert_eq!(forgotten, 1 + 3 + 2, "one text, three votes, two helper claims");
    let s = store.snapshot(0, T0 + 3 * DAY).expect("snapshot");
    assert!(s.votes.is_empty() && s.records.iter().all(|r| r.text.is_none()), "{s:?}");
    assert_eq!(s.records.len(), 3);
    // A forgotten claim can be made again (the question is past its retention anyway).
    assert!(store.claim_help(record_id(T0 + 2 * DAY, 9)).expect("claim"));
}

fn settings(store: &dyn Learn) {
    assert_eq!(store.settings(1).expect("settings"), None, "a server that changed nothing has no settings");
    let s = GuildSettings { help_channels: Some(vec![5, 6]), min_confidence: Some(0.7), helper_role: Some(8) };
    store.put_settings(1, &s).expect("put");
    store.put_settings(2, &GuildSettings::default()).expect("put");
    assert_eq!(store.settings(1).expect("settings"), Some(s.clone()));
    let t = GuildSettings { helper_role: None, ..s.clone() };
    store.put_settings(1, &t).expect("put");
    let mut all = store.all_settings().expect("all");
    all.sort_by_key(|(g, _)| *g);
    assert_eq!(all, vec![(1, t), (2, GuildSettings::default())]);
}

/// After [`run`] and reopening the same store: what it wrote is still there.
pub fn survives_reopening(store: &dyn Learn) {
    assert_eq!(store.snapshot(0, T0 + 3 * DAY).expect("snapshot").records.len(), 3);
    assert_eq!(store.all_settings().expect("all").len(), 2);
    assert!(!store.claim_help(record_id(T0 + 2 * DAY, 9)).expect("claim"), "claims are durable");
}
