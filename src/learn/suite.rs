//! The behaviour every [`Learn`] implementation must have, as one function over `&dyn Learn`: the redb store runs
//! it in its unit tests, and a Redis store (or any other) calls the same [`run`] on a fresh, empty store.
//!
//! It panics on the first difference, naming it. Times are fixed Unix seconds, so no clock is involved, except in
//! [`keys`], which goes through [`Learning`] and moves its clock.

use std::{sync::Arc, time::Duration};

use super::{
    period, record_id,
    report::Report,
    rollup::{day_of, DAY},
    DayAskers, DayCount, Door, GuildSettings, HelpMode, Learn, Learning, LogKey, Outcome, Policy, Record, Snapshot,
    VoteRow, VoteValue,
};
use crate::{knowledge::KnowledgeBase, session::Clock};

const T0: u64 = 1_700_000_000;

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
    period_keys(store);
    log_and_snapshot(store);
    votes(store);
    help_claims(store);
    purge(store);
    rollup_keeps_the_report(store);
    settings(store);
    posts(store);
    assert!(store.claim_help(LATE_CLAIM).expect("claim"), "a claim past every purge, for `survives_reopening`");
}

/// A helper claim no purge of the suite reaches.
const LATE_CLAIM: u64 = (T0 + 1000 * DAY) << 20;

fn period_keys(store: &dyn Learn) {
    assert!(store.period_keys().expect("keys").is_empty(), "a fresh store holds no key");
    let k = store.period_key(T0, T0 + DAY).expect("period key");
    assert_ne!(k, [0u8; 32], "a key is random, not zero");
    assert_eq!(store.period_key(T0, T0 + DAY).expect("period key again"), k, "a period's key never changes");
    let next = store.period_key(T0 + DAY, T0 + 2 * DAY).expect("next period key");
    assert_ne!(next, k, "every period has its own key");
    let mut held: Vec<(u64, u64, [u8; 32])> =
        store.period_keys().expect("keys").into_iter().map(|p| (p.start, p.end, p.key)).collect();
    held.sort();
    assert_eq!(held, vec![(T0, T0 + DAY, k), (T0 + DAY, T0 + 2 * DAY, next)]);
    assert_eq!(store.drop_keys(T0 + DAY - 1).expect("drop"), 0, "a period that has not ended keeps its key");
    assert_eq!(store.drop_keys(T0 + DAY).expect("drop"), 1, "a period that ended loses its key");
    let held: Vec<u64> = store.period_keys().expect("keys").into_iter().map(|p| p.start).collect();
    assert_eq!(held, vec![T0 + DAY]);
    assert_ne!(store.period_key(T0, T0 + DAY).expect("period key"), k, "a dropped key is gone for good");
    assert_eq!(store.drop_keys(u64::MAX).expect("drop"), 2);
    assert!(store.period_keys().expect("keys").is_empty());
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

fn count(day: u64, door: Door, answer: &str, outcome: Outcome, count: u64) -> DayCount {
    DayCount { day, door, answer: answer.into(), outcome, count }
}

fn purge(store: &dyn Learn) {
    // Held before: records at T0 (text kept later), T0+10 (text) and T0+1d (asked by three people); votes and
    // claims on answers at T0+2d.
    let n = store.purge(T0 + 1, 256).expect("purge");
    assert_eq!(n, 2, "only the answer at T0 is due: its text and its record");
    let s = store.snapshot(0, T0 + 3 * DAY).expect("snapshot");
    let ids: Vec<u64> = s.records.iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![record_id(T0 + 10, 2), record_id(T0 + DAY, 3)], "the record at T0 is rolled up");
    assert_eq!(s.records[0].text.as_deref(), Some("how do i deploy on a toaster"), "later texts stay");
    assert_eq!(s.rolled, vec![count(day_of(T0), Door::Ask, "faq:beginners", Outcome::Answered, 1)]);
    assert_eq!(
        s.rolled_askers,
        vec![DayAskers { day: day_of(T0), askers: 2 }],
        "a day's askers: of the records rolled up and of those still held"
    );
    // Many due rows go in batches: each call works off at most `batch`.
    let mut worked = 0;
    loop {
        let n = store.purge(T0 + 3 * DAY, 2).expect("purge");
        assert!(n <= 2, "a batch of 2 worked off {n}");
        worked += n;
        if n < 2 {
            break;
        }
    }
    assert!(worked > 1 + 3 + 2 + 2, "a text, three votes, two helper claims, two records, then askers: {worked}");
    assert_eq!(store.purge(T0 + 3 * DAY, 256).expect("purge"), 0, "nothing left");
    let s = store.snapshot(0, T0 + 3 * DAY).expect("snapshot");
    assert!(s.records.is_empty() && s.votes.is_empty(), "{s:?}");
    let expected = vec![
        count(day_of(T0), Door::Ask, "none", Outcome::Abstained, 1),
        count(day_of(T0), Door::Ask, "faq:beginners", Outcome::Answered, 1),
        count(day_of(T0 + DAY), Door::Ask, "compare:orm", Outcome::Answered, 1),
    ];
    assert_eq!(s.rolled, expected, "records are counted once, however many batches; ordered by day, door, outcome");
    assert_eq!(
        s.rolled_askers,
        vec![DayAskers { day: day_of(T0), askers: 2 }, DayAskers { day: day_of(T0 + DAY), askers: 1 }],
        "the askers of whole days past the retention, kept as numbers"
    );
    let later = store.snapshot(T0 + 1, T0 + 3 * DAY).expect("snapshot since");
    assert_eq!(later.rolled, expected[2..], "a rolled-up day counts from `since` on only if it starts there");
    // A forgotten claim can be made again (the question is past its retention anyway).
    assert!(store.claim_help(record_id(T0 + 2 * DAY, 9)).expect("claim"));
}

/// A week of questions; the report on it before and after the retention passes over most of it.
fn rollup_keeps_the_report(store: &dyn Learn) {
    let t1 = day_of(T0) + 100 * DAY;
    let doors = [Door::Ask, Door::Mention, Door::HelpChannel, Door::Dm, Door::HelpForum];
    let answers = ["faq:beginners", "compare:orm", "framework:flask", "none", "decide", "faq:beginners|odd"];
    let mut records = Vec::new();
    for i in 0..60u32 {
        let at = t1 + u64::from(i) * 3 * 3600 + 17;
        let answer = answers[i as usize % answers.len()];
        let door = doors[i as usize % doors.len()];
        let outcome = match (answer, door) {
            ("none", Door::HelpChannel) => Outcome::Silent,
            ("none", _) => Outcome::Abstained,
            _ => Outcome::Answered,
        };
        // Seven people; some ask on several days.
        let asker = format!("{:032x}", (i * 5) % 7);
        let text = (outcome != Outcome::Answered).then(|| format!("question {i}"));
        records.push(Record {
            id: record_id(at, i),
            at,
            door,
            guild: Some(9),
            answer: answer.into(),
            confidence: 0.8,
            outcome,
            asker,
            text,
        });
    }
    store.append(&records).expect("append");
    for r in records.iter().step_by(4) {
        store.vote(&vote(r.id, "ee", VoteValue::NotHelpful, r.at + 5)).expect("vote");
    }
    let kb = KnowledgeBase::embedded().expect("the built-in knowledge");
    let end = t1 + 8 * DAY;
    let report = |s: &Snapshot| Report::build(s, &kb);
    let before = store.snapshot(t1, end).expect("snapshot");
    assert_eq!(before.records.len(), 60);
    let held = report(&before);
    assert_eq!(held.rolled_up, 0);

    // The retention passes over five and a half days, in batches of three rows.
    let cutoff = t1 + 5 * DAY + 12 * 3600;
    loop {
        let n = store.purge(cutoff, 3).expect("purge");
        assert!(n <= 3, "a batch of 3 worked off {n}");
        if n < 3 {
            break;
        }
    }
    let after = store.snapshot(t1, end).expect("snapshot");
    assert!(after.records.iter().all(|r| r.at >= cutoff), "no record older than the retention is left");
    assert_eq!(after.records.len(), records.iter().filter(|r| r.at >= cutoff).count(), "younger records stay");
    assert!(after.votes.iter().all(|v| v.id >= record_id(cutoff, 0)), "votes go with their answers");
    let rolled = report(&after);
    assert_eq!(rolled.rolled_up, 60 - after.records.len());
    let totals = |r: &Report| {
        (r.questions, r.answered, r.abstained, r.silent, r.by_kind.clone(), r.by_door.clone(), r.days.clone())
    };
    assert_eq!(totals(&rolled), totals(&held), "counts by kind, door, outcome and day (askers included) stay");
    assert_eq!(rolled.abstention_rate, held.abstention_rate);
    assert_eq!(rolled.unused, held.unused, "an entry used in a rolled-up day was used");
    let texts = |r: &Report| r.unanswered.iter().map(|u| u.count).sum::<usize>();
    assert_eq!(texts(&held), records.iter().filter(|r| r.text.is_some()).count());
    let still = after.records.iter().filter(|r| r.text.is_some()).count();
    assert_eq!(texts(&rolled), still, "the texts past the retention are gone, the others stay");
    // People: counted once a day on the six days with rolled-up questions, once over the rest of the week.
    assert_eq!(held.askers, 7);
    let per_day: usize = rolled.days.iter().take(6).map(|d| d.askers).sum();
    let rest: std::collections::HashSet<&str> =
        after.records.iter().filter(|r| r.at >= day_of(cutoff) + DAY).map(|r| r.asker.as_str()).collect();
    assert_eq!(rolled.askers, per_day + rest.len());

    // Later the whole week is past the retention: the same counts, askers kept as numbers.
    let n = crate::session::in_batches(3, |b| store.purge(end, b)).expect("purge");
    assert!(n > 0);
    let gone = store.snapshot(t1, end + DAY).expect("snapshot");
    assert!(gone.records.is_empty() && gone.votes.is_empty());
    let all = report(&gone);
    assert_eq!((all.questions, all.rolled_up), (60, 60));
    assert_eq!(totals(&all), totals(&held));
}

fn settings(store: &dyn Learn) {
    assert_eq!(store.settings(1).expect("settings"), None, "a server that changed nothing has no settings");
    let s = GuildSettings {
        help_channels: Some(vec![5, 6]),
        min_confidence: Some(0.7),
        helper_role: Some(8),
        modes: [(6, HelpMode::Mention)].into(),
        solved_tag: Some("Fixed".into()),
        similar_posts: Some(false),
    };
    store.put_settings(1, &s).expect("put");
    store.put_settings(2, &GuildSettings::default()).expect("put");
    assert_eq!(store.settings(1).expect("settings"), Some(s.clone()));
    let t = GuildSettings { helper_role: None, ..s.clone() };
    store.put_settings(1, &t).expect("put");
    let mut all = store.all_settings().expect("all");
    all.sort_by_key(|(g, _)| *g);
    assert_eq!(all, vec![(1, t), (2, GuildSettings::default())]);
}

fn posts(store: &dyn Learn) {
    use super::Post;
    let post = |forum, thread, at| Post::new(1, forum, thread, "Is Flask faster?", "asking before I start", at);
    assert!(store.posts(10).expect("posts").is_empty());
    for (forum, thread, at) in [(10, 100, T0), (10, 101, T0 + DAY), (11, 102, T0 + DAY)] {
        store.put_post(&post(forum, thread, at)).expect("put");
    }
    let mut ten = store.posts(10).expect("posts");
    ten.sort_by_key(|p| p.thread);
    assert_eq!(ten.iter().map(|p| p.thread).collect::<Vec<_>>(), [100, 101], "one forum's posts only");
    assert!(store.post_solved(10, 101, Some("faq:is-flask-faster")).expect("solved"));
    assert!(!store.post_solved(10, 999, None).expect("solved"), "a post it does not keep");
    assert!(!store.post_solved(11, 101, None).expect("solved"), "another forum's post");
    let solved: Vec<(u64, Option<String>)> =
        store.posts(10).expect("posts").into_iter().filter(|p| p.solved).map(|p| (p.thread, p.solved_by)).collect();
    assert_eq!(solved, [(101, Some("faq:is-flask-faster".to_string()))]);
    let seen = store.snapshot(T0 + 1, T0 + 2 * DAY).expect("snapshot").posts;
    assert_eq!(
        seen.iter().map(|p| p.thread).collect::<std::collections::BTreeSet<_>>(),
        std::collections::BTreeSet::from([101, 102]),
        "since"
    );
    assert!(store.post_replied(11, 102).expect("replied"));
    assert!(store.posts(11).expect("posts")[0].human_replied);
    store.remove_post(11, 102).expect("remove");
    assert!(store.posts(11).expect("posts").is_empty(), "deleted with its thread");
    assert_eq!(store.purge_posts(T0 + 1).expect("purge"), 1, "past the retention");
    assert_eq!(store.posts(10).expect("posts").iter().map(|p| p.thread).collect::<Vec<_>>(), [101]);
    assert_eq!(store.purge_posts(T0 + 1).expect("purge"), 0);
}

/// After [`run`] and reopening the same store: what it wrote is still there.
pub fn survives_reopening(store: &dyn Learn) {
    let s = store.snapshot(0, T0 + 3 * DAY).expect("snapshot");
    assert_eq!(s.rolled.iter().map(|c| c.count).sum::<u64>(), 3 + 60, "the rolled-up counts");
    assert_eq!(s.rolled_askers.len(), 2 + 8);
    assert_eq!(store.all_settings().expect("all").len(), 2);
    assert!(!store.claim_help(LATE_CLAIM).expect("claim"), "claims are durable");
}

/// Asker-hash keys through [`super::Learning`], on `store`, which must hold no key: rotated every retention
/// period (one key for every process, fetched ahead, dropped once its records are rolled up), or the secret
/// `SIGNPOST_LOG_KEY`, which the store never sees.
pub fn keys(store: Arc<dyn Learn>) {
    rotated_keys(store.clone());
    secret_key(store);
}

/// A clock in the middle of a retention period of a day, so that no test step crosses into the next by chance.
fn mid_period_clock() -> Clock {
    let clock = Clock::default();
    let now = clock.now();
    clock.advance(Duration::from_secs((DAY + DAY / 2 - now % DAY) % DAY));
    clock
}

fn written(l: &Learning, rx: &mut tokio::sync::mpsc::Receiver<Record>) {
    let mut batch = Vec::new();
    while let Ok(r) = rx.try_recv() {
        batch.push(r);
    }
    l.store().append(&batch).expect("append");
}

fn rotated_keys(store: Arc<dyn Learn>) {
    let policy = Policy { keep_texts: true, retention: Duration::from_secs(DAY) };
    let clock = mid_period_clock();
    let a = Learning::new(store.clone(), policy, clock.clone()).expect("a handle");
    let b = Learning::new(store.clone(), policy, clock.clone()).expect("a second process");
    let t0 = clock.now();
    let (start, end) = period(t0, DAY);
    let mut held: Vec<(u64, u64)> = store.period_keys().expect("keys").iter().map(|k| (k.start, k.end)).collect();
    held.sort();
    assert_eq!(held, vec![(start, end), (end, end + DAY)], "the current and the next period's keys, ahead");
    let first = a.pseudonym(42);
    assert_eq!(b.pseudonym(42), first, "every process hashes alike");
    assert_ne!(a.pseudonym(43), first);

    let mut rx = a.writer().expect("a writer").rx;
    let answer = crate::reply::Answer {
        topic: crate::reply::Topic::Faq { id: "beginners".into() },
        confidence: 0.9,
        title: String::new(),
        text: String::new(),
        suggestions: vec![],
        sources: vec![],
        frameworks: vec![],
    };
    let id = a.log(Door::Ask, Some(1), 42, "which one first", &answer, Outcome::Answered);
    written(&a, &mut rx);
    assert_eq!(a.vote(id, "faq:beginners", 7, VoteValue::Helpful, None).expect("vote"), None);

    clock.advance(Duration::from_secs(DAY));
    let second = a.pseudonym(42);
    assert_ne!(second, first, "a new period, a new pseudonym: the two cannot be linked");
    assert_eq!(b.pseudonym(42), second, "the next key was fetched ahead: no store call on the reply path");
    // A vote is hashed under the key of the answer it is about: the same person still has one vote on it.
    let again = b.vote(id, "faq:beginners", 7, VoteValue::NotHelpful, None).expect("vote");
    assert_eq!(again, Some(VoteValue::Helpful), "one vote per person per answer across a rotation");
    assert_eq!(store.snapshot(0, clock.now()).expect("snapshot").votes.len(), 1);

    // While records of the first period are held, so is its key; once they are rolled up, it goes.
    a.purge(clock.now()).expect("purge");
    assert!(store.period_keys().expect("keys").iter().any(|k| (k.start, k.end) == (start, end)));
    clock.advance(Duration::from_secs(DAY));
    a.purge(clock.now()).expect("purge");
    let s = store.snapshot(0, clock.now()).expect("snapshot");
    assert!(s.records.iter().all(|r| r.at >= end), "the first period's records are rolled up: {:?}", s.records);
    assert_eq!(s.rolled.iter().map(|c| c.count).sum::<u64>(), 1);
    let mut held: Vec<(u64, u64)> = store.period_keys().expect("keys").iter().map(|k| (k.start, k.end)).collect();
    held.sort();
    let periods = |from: u64, n: u64| (0..n).map(|i| (from + i * DAY, from + (i + 1) * DAY)).collect::<Vec<_>>();
    assert_eq!(held, periods(end, 3), "the first period's key is dropped; the second's waits for its period's end");
    assert_ne!(a.pseudonym_at(42, t0), first, "nobody can hash under the dropped key any more");
    assert_eq!(store.drop_keys(u64::MAX).expect("drop"), 3);
}

fn secret_key(store: Arc<dyn Learn>) {
    let policy = Policy { keep_texts: true, retention: Duration::from_secs(DAY) };
    let clock = mid_period_clock();
    // A key left from running without the secret.
    store.period_key(0, DAY).expect("a rotated key");
    let secret = "a secret of at least thirty-two bytes".to_string();
    let key = LogKey::parse(&secret).expect("a key");
    let l = Learning::with_key(store.clone(), policy, clock.clone(), Some(key)).expect("a handle");
    let mine = l.pseudonym(42);
    assert_eq!(mine, super::keys::pseudonym(secret.as_bytes(), 42), "HMAC-SHA-256 under the secret");
    assert_eq!(store.period_keys().expect("keys").len(), 1, "no key is created in the store");
    clock.advance(Duration::from_secs(10 * DAY));
    assert_eq!(l.pseudonym(42), mine, "the secret does not rotate");
    l.purge(clock.now()).expect("purge");
    assert!(store.period_keys().expect("keys").is_empty(), "keys left from rotating are dropped at the first purge");
    assert_eq!(l.pseudonym(42), mine);
}
