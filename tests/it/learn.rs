//! Learning from use, end to end through the fake Discord: votes on every front door, the question log as it lies
//! in the store (no user id or name; texts only where they teach something), `/settings`, the helper-role ping,
//! private answers and Share; then `signpost report` (text, JSON, examples, HTML) on a store a scripted run filled.
//!
//! The bots here run with `Settings::learn`; every test ends with the checks of `World::finish` (one callback per
//! interaction, fast, OpenAPI-valid bodies, nobody pinged), except that the helper ping may name its one role.

use std::{
    path::Path,
    process::{Command, Output},
};

use serde_json::{json, Value};
use signpost::learn::{redb, Outcome, Snapshot, VoteValue};

use crate::{
    discord::{start_bot, wait_until, Settings, World},
    fake_discord::{
        opt, opt_channel, opt_role, MessageRef, Recorded, TestUser, CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID, WAIT,
    },
    sources::assert_snapshot,
};

const CONFIDENT: &str = "is flask faster than django?";
/// Answered, with low confidence (0.39, above the floor where the bot asks back instead): its text is kept.
const UNSURE: &str = "is django good for a rest api";
/// Nothing in the knowledge: an abstention.
const UNKNOWN: &str = "my css is not loading in production";

/// Manage Server, as Discord's permission bit.
const MANAGE_GUILD: u64 = 1 << 5;

fn alice() -> TestUser {
    TestUser::human()
}

fn bob() -> TestUser {
    TestUser::other_human()
}

fn learning() -> Settings {
    Settings { learn: true, help_channels: true, ..Settings::default() }
}

fn vote_ids(ids: &[String]) -> (String, String) {
    let helpful = ids.iter().find(|c| c.starts_with("v:h:")).unwrap_or_else(|| panic!("no Helpful button in {ids:?}"));
    let not = ids.iter().find(|c| c.starts_with("v:n:")).unwrap_or_else(|| panic!("no Not helpful button in {ids:?}"));
    (helpful.clone(), not.clone())
}

fn record_of(vote_id: &str) -> u64 {
    u64::from_str_radix(vote_id.split(':').nth(2).expect("a record"), 36).expect("base 36")
}

/// The newest message the bot posted in `channel` since `mark`.
async fn posted(w: &World, mark: usize, channel: u64) -> Recorded {
    let path = format!("/channels/{channel}/messages");
    w.wait_request_since(mark, |r| r.method == "POST" && r.path == path, WAIT).await
}

/// Helpful by alice, changed to Not helpful, Not helpful again (unchanged), then Helpful by bob: every click is
/// acknowledged privately. Returns the answer's record id.
async fn vote_round(w: &World, ids: &[String]) -> u64 {
    let (helpful, not) = vote_ids(ids);
    let ack = w.answer(&w.click(&helpful, MessageRef::Auto, &alice())).await;
    assert_eq!(ack.callback_type(), Some(4));
    assert!(ack.is_ephemeral(), "a vote is acknowledged privately");
    assert!(ack.content().unwrap_or("").contains("Your vote: **Helpful**"), "{:?}", ack.content());
    let ack = w.answer(&w.click(&not, MessageRef::Auto, &alice())).await;
    assert!(ack.is_ephemeral());
    assert!(ack.content().unwrap_or("").contains("Changed your vote to **Not helpful**"), "{:?}", ack.content());
    // Not helpful offers the guided decision (and next suggestions where the entry has them).
    assert!(ack.custom_ids().iter().any(|c| c == "n"), "{:?}", ack.custom_ids());
    let ack = w.answer(&w.click(&not, MessageRef::Auto, &alice())).await;
    assert!(ack.content().unwrap_or("").contains("already voted **Not helpful**"), "{:?}", ack.content());
    let ack = w.answer(&w.click(&helpful, MessageRef::Auto, &bob())).await;
    assert!(ack.content().unwrap_or("").contains("Your vote: **Helpful**"), "{:?}", ack.content());
    record_of(&helpful)
}

/// Reads everything in the bot's `learn.redb` (read-only, as `signpost report` does).
fn stored(w: &World) -> Snapshot {
    redb::read(&w.data_dir(), 0, u64::MAX >> 20).expect("learn.redb")
}

#[tokio::test]
async fn votes_on_every_front_door_one_per_person_and_changeable() {
    let w = World::new().await;
    let forum = w.fake.add_forum_channel("questions");
    let bot = start_bot(&w, &Settings { extra_help: vec![forum], ..learning() }).await;
    let mut records = Vec::new();

    // Slash commands.
    for (name, options) in [
        ("ask", json!([opt("question", CONFIDENT)])),
        ("compare", json!([opt("first", "django"), opt("second", "flask"), opt("aspect", "performance")])),
        ("compare", json!([opt("first", "django"), opt("second", "flask")])),
        ("framework", json!([opt("name", "flask")])),
        ("faq", json!([opt("topic", "is-flask-faster")])),
    ] {
        let cb = w.answer(&w.slash(name, options, &alice())).await;
        assert!(!cb.is_ephemeral(), "/{name} answers publicly");
        records.push(vote_round(&w, &cb.custom_ids()).await);
    }
    // The /faq browser.
    let browser = w.answer(&w.slash("faq", json!([]), &alice())).await;
    let menu = browser.custom_ids().into_iter().find(|c| c.starts_with("f:")).expect("a menu");
    let shown = w.answer(&w.select(&menu, &["is-flask-faster"], MessageRef::Auto, &alice())).await;
    assert_eq!(shown.callback_type(), Some(7));
    records.push(vote_round(&w, &shown.custom_ids()).await);
    // "Ask Signpost" on bob's message.
    let question = w.fake.message_create(CHANNEL_ID, &bob(), CONFIDENT, &[], Some(GUILD_ID));
    let cb = w.answer(&w.context_menu("Ask Signpost", &question, &alice())).await;
    records.push(vote_round(&w, &cb.custom_ids()).await);
    // A mention, a DM, a help channel, a help forum's new post.
    let mark = w.fake.mark();
    let me = TestUser::bot_self();
    w.fake.message_create(CHANNEL_ID, &alice(), &format!("{} {CONFIDENT}", me.mention()), &[me], Some(GUILD_ID));
    records.push(vote_round(&w, &posted(&w, mark, CHANNEL_ID).await.custom_ids()).await);
    let mark = w.fake.mark();
    let dm = w.fake.dm_message_create(&alice(), CONFIDENT);
    let dm_channel = crate::fake_discord::id_of(&dm["channel_id"]).expect("a DM channel");
    records.push(vote_round(&w, &posted(&w, mark, dm_channel).await.custom_ids()).await);
    let mark = w.fake.mark();
    w.fake.message_create(OTHER_CHANNEL_ID, &bob(), CONFIDENT, &[], Some(GUILD_ID));
    records.push(vote_round(&w, &posted(&w, mark, OTHER_CHANNEL_ID).await.custom_ids()).await);
    let mark = w.fake.mark();
    let (post, _) = w.fake.forum_post(forum, &bob(), "Speed", CONFIDENT);
    records.push(vote_round(&w, &posted(&w, mark, post).await.custom_ids()).await);
    w.finish().await;
    bot.stop(&w.fake).await;

    // In the store: per answer, exactly one vote per person, the last one.
    let s = stored(&w);
    assert_eq!(s.records.len(), 11, "every answer is logged (the browser's list itself is not an answer)");
    assert!(s.records.iter().any(|r| r.answer == "compare:overview"), "the /compare overview is an answer too");
    for id in records {
        let mut votes: Vec<(String, VoteValue)> =
            s.votes.iter().filter(|v| v.id == id).map(|v| (v.voter.clone(), v.value)).collect();
        votes.sort_by_key(|(_, v)| *v == VoteValue::Helpful);
        assert_eq!(votes.len(), 2, "alice and bob, once each: {votes:?}");
        assert_eq!(votes[0].1, VoteValue::NotHelpful, "alice's changed vote");
        assert_eq!(votes[1].1, VoteValue::Helpful, "bob's vote");
        assert_ne!(votes[0].0, votes[1].0);
    }
}

/// The raw bytes of the store hold no user id or name; texts are kept for the abstention, the low-confidence
/// answer and the answer voted Not helpful, and for nothing else.
#[tokio::test]
async fn the_log_holds_no_user_id_or_name_and_texts_only_where_they_teach() {
    let w = World::new().await;
    let bot = start_bot(&w, &learning()).await;
    for q in [CONFIDENT, UNSURE, UNKNOWN] {
        w.answer(&w.slash("ask", json!([opt("question", q)]), &alice())).await;
    }
    // A confident answer voted Not helpful: its text is kept after all.
    let voted = "django orm vs sqlalchemy?";
    let cb = w.answer(&w.slash("ask", json!([opt("question", voted)]), &bob())).await;
    let (_, not) = vote_ids(&cb.custom_ids());
    w.answer(&w.click(&not, MessageRef::Auto, &bob())).await;
    // Silence in a help channel; a mention naming a user.
    let mark = w.fake.mark();
    w.fake.message_create(OTHER_CHANNEL_ID, &bob(), "thanks!", &[], Some(GUILD_ID));
    let me = TestUser::bot_self();
    let text = format!("{} what does <@{}> mean by no such table after migrate", me.mention(), alice().id);
    w.fake.message_create(CHANNEL_ID, &bob(), &text, &[me], Some(GUILD_ID));
    posted(&w, mark, CHANNEL_ID).await;
    w.finish().await;
    bot.stop(&w.fake).await;

    let raw = std::fs::read(w.data_dir().join("learn.redb")).expect("learn.redb");
    for user in [alice(), bob()] {
        for needle in [user.id.to_string(), user.name.clone()] {
            assert!(!contains(&raw, needle.as_bytes()), "`{needle}` is in the raw store");
        }
        assert!(!contains(&raw, &user.id.to_be_bytes()) && !contains(&raw, &user.id.to_le_bytes()));
    }
    let s = stored(&w);
    let mut texts: Vec<(Outcome, Option<&str>)> = s.records.iter().map(|r| (r.outcome, r.text.as_deref())).collect();
    // The last two messages are handled concurrently: their records may land in either order.
    let n = texts.len();
    if n >= 2 && texts[n - 1].0 == Outcome::Silent {
        texts.swap(n - 2, n - 1);
    }
    assert_eq!(
        texts,
        vec![
            (Outcome::Answered, None),
            (Outcome::Answered, Some(UNSURE)),
            (Outcome::Abstained, Some(UNKNOWN)),
            (Outcome::Answered, Some(voted)),
            (Outcome::Silent, Some("thanks!")),
            // The mention was taken out before the question was even matched.
            (Outcome::Abstained, Some("what does mean by no such table after migrate")),
        ]
    );
    let askers: std::collections::HashSet<&str> = s.records.iter().map(|r| r.asker.as_str()).collect();
    assert_eq!(askers.len(), 2, "alice and bob, as two pseudonyms");
}

/// A Not helpful vote keeps its question's text even when the process that answered is gone: the question is read
/// back from the answered message (the message a mention's answer replies to; the quote above an `/ask` or "Ask
/// Signpost" answer, also on a shared copy).
#[tokio::test]
async fn a_not_helpful_vote_after_a_restart_still_keeps_the_question() {
    let w = World::new().await;
    let bot = start_bot(&w, &learning()).await;
    let asked = "django orm vs sqlalchemy?";
    let cb = w.answer(&w.slash("ask", json!([opt("question", asked)]), &alice())).await;
    assert_eq!(cb.content(), Some(format!("> {asked}").as_str()), "/ask quotes the question above its answer");
    let (_, by_slash) = vote_ids(&cb.custom_ids());
    let mark = w.fake.mark();
    let me = TestUser::bot_self();
    let mentioned = "is flask   faster than django?";
    w.fake.message_create(CHANNEL_ID, &bob(), &format!("{} {mentioned}", me.mention()), &[me], Some(GUILD_ID));
    let (_, by_mention) = vote_ids(&posted(&w, mark, CHANNEL_ID).await.custom_ids());
    let target = w.fake.message_create(CHANNEL_ID, &bob(), "does flask have an admin like django", &[], Some(GUILD_ID));
    let cb = w.answer(&w.context_menu("Ask Signpost", &target, &alice())).await;
    assert!(cb.content().unwrap_or("").ends_with("\n> does flask have an admin like django"), "{:?}", cb.content());
    let (_, by_menu) = vote_ids(&cb.custom_ids());
    let private = w
        .answer(&w.slash("ask", json!([opt("question", "which one scales better"), opt("private", true)]), &alice()))
        .await;
    let share = private.custom_ids().into_iter().find(|c| c.starts_with("s:")).expect("a Share button");
    let mark = w.fake.mark();
    w.answer(&w.click(&share, MessageRef::Auto, &alice())).await;
    let shared = posted(&w, mark, CHANNEL_ID).await;
    assert!(shared.content().unwrap_or("").ends_with("\n> which one scales better"), "{:?}", shared.content());
    let (_, by_share) = vote_ids(&shared.custom_ids());
    bot.stop(&w.fake).await;

    let bot = start_bot(&w, &learning()).await;
    for not in [&by_slash, &by_mention, &by_menu, &by_share] {
        let ack = w.answer(&w.click(not, MessageRef::Auto, &bob())).await;
        assert!(ack.content().unwrap_or("").contains("Your vote: **Not helpful**"), "{:?}", ack.content());
    }
    w.finish().await;
    bot.stop(&w.fake).await;
    let s = stored(&w);
    let text_of = |vote: &str| s.records.iter().find(|r| r.id == record_of(vote)).and_then(|r| r.text.clone());
    assert_eq!(text_of(&by_slash).as_deref(), Some(asked));
    assert_eq!(text_of(&by_mention).as_deref(), Some("is flask faster than django?"));
    assert_eq!(text_of(&by_menu).as_deref(), Some("does flask have an admin like django"));
    assert_eq!(text_of(&by_share).as_deref(), Some("which one scales better"));
}

#[tokio::test]
async fn without_question_texts_the_log_keeps_counts_only() {
    let w = World::new().await;
    let bot = start_bot(&w, &Settings { log_questions: false, ..learning() }).await;
    for q in [CONFIDENT, UNSURE, UNKNOWN] {
        w.answer(&w.slash("ask", json!([opt("question", q)]), &alice())).await;
    }
    let cb = w.answer(&w.slash("ask", json!([opt("question", CONFIDENT)]), &bob())).await;
    w.answer(&w.click(&vote_ids(&cb.custom_ids()).1, MessageRef::Auto, &bob())).await;
    w.finish().await;
    bot.stop(&w.fake).await;
    let s = stored(&w);
    assert_eq!(s.records.len(), 4);
    assert!(s.records.iter().all(|r| r.text.is_none()), "{:?}", s.records);
    assert_eq!(s.votes.len(), 1, "votes are still counted");
    let raw = std::fs::read(w.data_dir().join("learn.redb")).expect("learn.redb");
    assert!(!contains(&raw, b"css"), "no question text in the raw store");
}

/// `signpost serve` with `SIGNPOST_LOG_KEY`: askers are hashed under it, the store holds no key at all, and the
/// key shows nowhere in the bot's output. Without it, the store holds the current and the next period's keys.
#[tokio::test]
async fn serve_hashes_askers_under_signpost_log_key_and_stores_no_key() {
    use signpost::learn::{hex, Learn, Learning, LogKey, Policy, RedbLearn};
    const SECRET: &str = "correct horse battery staple, thirty-two bytes at least";
    for secret in [Some(SECRET), None] {
        let w = World::new().await;
        let stderr = w.dir.path().join("serve.stderr");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_signpost"));
        cmd.arg("serve")
            .current_dir(w.dir.path())
            .env_clear()
            .envs(Settings::default().env(&w.fake, &w.data_dir()))
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"));
        if let Some(key) = secret {
            cmd.env("SIGNPOST_LOG_KEY", key);
        }
        let mut child = cmd.spawn().expect("signpost serve");
        wait_until(&w.fake, "signpost serve to connect", WAIT, || {
            w.fake.ready_count() > 0 && !w.fake.command_registrations().is_empty()
        })
        .await;
        w.answer(&w.slash("ask", json!([opt("question", CONFIDENT)]), &alice())).await;
        // SIGTERM: the bot commits the queued record before it exits.
        let killed = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().expect("kill");
        assert!(killed.success());
        let deadline = std::time::Instant::now() + WAIT;
        while child.try_wait().expect("try_wait").is_none() {
            assert!(std::time::Instant::now() < deadline, "signpost serve did not stop on SIGTERM");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let log = std::fs::read_to_string(&stderr).expect("stderr");

        let s = stored(&w);
        assert_eq!(s.records.len(), 1, "{log}");
        let keys = RedbLearn::open(&w.data_dir()).expect("learn.redb").period_keys().expect("keys");
        match secret {
            Some(key) => {
                assert!(keys.is_empty(), "the store holds no key: {keys:?}");
                let elsewhere = tempfile::tempdir().expect("tempdir");
                let store = std::sync::Arc::new(RedbLearn::open(elsewhere.path()).expect("store"));
                let key = LogKey::parse(key).expect("a key");
                let same = Learning::with_key(store, Policy::default(), Default::default(), Some(key)).expect("handle");
                assert_eq!(s.records[0].asker, hex(&same.pseudonym(alice().id)), "hashed under the secret");
                assert!(log.contains(r#"log_key="SIGNPOST_LOG_KEY""#), "{log}");
                assert!(!log.contains(SECRET), "the key is in the bot's output:\n{log}");
            }
            None => {
                assert_eq!(keys.len(), 2, "the current and the next period's keys: {keys:?}");
                assert!(log.contains(r#"log_key="rotated every retention period""#), "{log}");
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn settings_need_manage_server_and_change_the_help_channels() {
    let w = World::new().await;
    let helpers = w.fake.add_role("helpers");
    let bot = start_bot(&w, &Settings { learn: true, ..Settings::default() }).await;
    let registered = w.fake.command_registrations().last().cloned().expect("registered").1;
    let settings = registered.as_array().unwrap().iter().find(|c| c["name"] == "settings").expect("/settings");
    assert_eq!(settings["default_member_permissions"], json!(MANAGE_GUILD.to_string()), "hidden from others");

    // Without Manage Server: refused, privately, and nothing changes.
    let cb = w.answer(&w.slash("settings", json!([opt_channel("add_help_channel", CHANNEL_ID)]), &bob())).await;
    assert!(cb.is_ephemeral());
    assert!(
        cb.content().unwrap_or("").contains("Only members with the Manage Server permission"),
        "{:?}",
        cb.content()
    );
    assert_eq!(bot.bot().guild_settings(Some(GUILD_ID)), Default::default());
    // Not in a help channel yet: chatter in #general without a mention gets nothing.
    let mark = w.fake.mark();
    w.fake.message_create(CHANNEL_ID, &bob(), CONFIDENT, &[], Some(GUILD_ID));
    w.fake.wait_idle(std::time::Duration::from_millis(200), WAIT).await;
    assert!(w.fake.requests().iter().skip(mark).all(|r| r.method != "POST"), "the bot spoke outside a help channel");

    // With it: saved, acknowledged privately, in effect at once.
    w.fake.set_member_permissions(alice().id, MANAGE_GUILD);
    let options =
        json!([opt_channel("add_help_channel", CHANNEL_ID), opt("confidence", 0.9), opt_role("helper_role", helpers)]);
    let cb = w.answer(&w.slash("settings", options, &alice())).await;
    assert!(cb.is_ephemeral());
    let text = cb.content().unwrap_or("").to_string();
    assert!(text.starts_with("Saved: help channel added"), "{text}");
    assert!(text.contains(&format!("<@&{helpers}>")) && text.contains("90% (set on this server)"), "{text}");
    let s = bot.bot().guild_settings(Some(GUILD_ID));
    assert_eq!(s.help_channels, Some(vec![CHANNEL_ID]));
    assert_eq!((s.min_confidence, s.helper_role), (Some(0.9), Some(helpers)));
    let mark = w.fake.mark();
    w.fake.message_create(CHANNEL_ID, &bob(), CONFIDENT, &[], Some(GUILD_ID));
    posted(&w, mark, CHANNEL_ID).await;
    // @everyone can never be the helper role.
    let cb = w.answer(&w.slash("settings", json!([opt_role("helper_role", GUILD_ID)]), &alice())).await;
    assert!(cb.content().unwrap_or("").contains("@everyone cannot be the helper role"), "{:?}", cb.content());
    // Viewing changes nothing; the settings survive a restart.
    let cb = w.answer(&w.slash("settings", json!([]), &alice())).await;
    assert!(cb.content().unwrap_or("").starts_with("Signpost's settings on this server:"), "{:?}", cb.content());
    w.finish().await;
    bot.stop(&w.fake).await;
    let bot = start_bot(&w, &Settings { learn: true, ..Settings::default() }).await;
    assert_eq!(bot.bot().guild_settings(Some(GUILD_ID)).helper_role, Some(helpers));
    let cb = w.answer(&w.slash("settings", json!([opt("reset", true)]), &alice())).await;
    assert!(cb.content().unwrap_or("").contains("back to the bot's configuration"), "{:?}", cb.content());
    assert_eq!(bot.bot().guild_settings(Some(GUILD_ID)), Default::default());
    w.finish().await;
    bot.stop(&w.fake).await;
}

/// The checks of `World::finish`, except that messages whose `allowed_mentions` allow exactly `role` (and nothing
/// else) are checked here instead: they are the helper pings.
async fn finish_allowing_role(w: &World, role: u64) -> usize {
    let mut pings = 0;
    for r in w.fake.requests() {
        let Some(allowed) = r.body.as_ref().map(|b| &b["allowed_mentions"]) else { continue };
        if allowed["roles"] == json!([]) || allowed["roles"].is_null() {
            continue;
        }
        assert_eq!(allowed["roles"], json!([role.to_string()]), "only the helper role may be pinged");
        assert_eq!(allowed["parse"], json!([]));
        assert!(allowed["users"].is_null() || allowed["users"] == json!([]));
        assert_ne!(allowed["replied_user"], json!(true));
        pings += 1;
    }
    let others: Vec<Recorded> = w
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.body.as_ref().is_none_or(|b| b["allowed_mentions"]["roles"] != json!([role.to_string()])))
        .collect();
    crate::discord::assert_pings_nobody(&others);
    pings
}

#[tokio::test]
async fn still_need_help_pings_the_helper_role_once_per_question() {
    let w = World::new().await;
    let helpers = w.fake.add_role("helpers");
    let bot = start_bot(&w, &Settings { learn: true, ..Settings::default() }).await;
    // Without a helper role there is no button.
    let cb = w.answer(&w.slash("ask", json!([opt("question", UNKNOWN)]), &alice())).await;
    assert!(!cb.custom_ids().iter().any(|c| c.starts_with("h:")), "{:?}", cb.custom_ids());
    w.fake.set_member_permissions(alice().id, MANAGE_GUILD);
    w.answer(&w.slash("settings", json!([opt_role("helper_role", helpers)]), &alice())).await;

    // An abstention offers it; the click pings the role, and only the role.
    let cb = w.answer(&w.slash("ask", json!([opt("question", UNKNOWN)]), &alice())).await;
    let help = cb.custom_ids().into_iter().find(|c| c.starts_with("h:")).expect("Still need help?");
    let mark = w.fake.mark();
    let ack = w.answer(&w.click(&help, MessageRef::Auto, &alice())).await;
    assert!(ack.is_ephemeral());
    assert!(ack.content().unwrap_or("").contains("I called the helpers"), "{:?}", ack.content());
    let ping = posted(&w, mark, CHANNEL_ID).await;
    let body = ping.body.clone().expect("a body");
    assert!(body["content"].as_str().unwrap_or("").starts_with(&format!("<@&{helpers}> alice still needs help")));
    assert_eq!(
        body["allowed_mentions"],
        json!({"parse": [], "users": [], "roles": [helpers.to_string()], "replied_user": false})
    );
    // Once per question, whoever asks.
    let again = w.answer(&w.click(&help, MessageRef::Auto, &bob())).await;
    assert!(again.content().unwrap_or("").contains("already called"), "{:?}", again.content());
    // A Not helpful vote offers it too; alice is within her cooldown, bob is not.
    let cb = w.answer(&w.slash("ask", json!([opt("question", CONFIDENT)]), &bob())).await;
    let not = w.answer(&w.click(&vote_ids(&cb.custom_ids()).1, MessageRef::Auto, &alice())).await;
    let help = not.custom_ids().into_iter().find(|c| c.starts_with("h:")).expect("Still need help? after Not helpful");
    let wait = w.answer(&w.click(&help, MessageRef::Auto, &alice())).await;
    assert!(wait.content().unwrap_or("").contains("you can call them again in"), "{:?}", wait.content());
    let mark = w.fake.mark();
    let ok = w.answer(&w.click(&help, MessageRef::Auto, &bob())).await;
    assert!(ok.content().unwrap_or("").contains("I called the helpers"), "{:?}", ok.content());
    let ping = posted(&w, mark, CHANNEL_ID).await;
    assert!(ping.content().unwrap_or("").contains("with [this question](https://discord.com/channels/"));
    w.fake.wait_idle(std::time::Duration::from_millis(100), WAIT).await;
    assert_eq!(finish_allowing_role(&w, helpers).await, 2, "two pings in all");
    w.fake.assert_clean();
    bot.stop(&w.fake).await;
}

#[tokio::test]
async fn a_private_answer_can_be_shared_naming_who_shared_it() {
    let w = World::new().await;
    let bot = start_bot(&w, &Settings { learn: true, ..Settings::default() }).await;
    let cb = w.answer(&w.slash("ask", json!([opt("question", CONFIDENT), opt("private", true)]), &alice())).await;
    assert!(cb.is_ephemeral(), "private: only the asker sees it");
    let share = cb.custom_ids().into_iter().find(|c| c.starts_with("s:")).expect("a Share button");
    assert!(cb.custom_ids().iter().any(|c| c.starts_with("v:h:")), "private answers take votes too");
    let mark = w.fake.mark();
    let ack = w.answer(&w.click(&share, MessageRef::Auto, &alice())).await;
    assert_eq!(ack.callback_type(), Some(7), "the private copy is updated");
    assert!(!ack.custom_ids().contains(&share), "shared once: the button goes");
    let public = posted(&w, mark, CHANNEL_ID).await;
    assert_eq!(public.content(), Some(format!("Shared by alice:\n> {CONFIDENT}").as_str()), "who shared what");
    assert_eq!(public.embeds(), cb.embeds(), "the same answer");
    assert!(public.custom_ids().iter().any(|c| c.starts_with("v:h:")));
    w.finish().await;
    bot.stop(&w.fake).await;
    let s = stored(&w);
    assert_eq!(s.records.len(), 1);
    assert_eq!(s.records[0].door, signpost::learn::Door::AskPrivate);
}

// ------------------------------------------------------------------------------------------------ the report

fn report(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_signpost"))
        .arg("report")
        .args(args)
        .env_clear()
        .env("SIGNPOST_DATA_DIR", data_dir)
        .current_dir(data_dir.parent().expect("a parent"))
        .output()
        .expect("signpost report runs")
}

fn stdout(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).expect("UTF-8")
}

/// Dates depend on the day the test runs.
fn undated(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let is_date = i + 10 <= b.len()
            && b[i..i + 10]
                .iter()
                .enumerate()
                .all(|(k, c)| if k == 4 || k == 7 { *c == b'-' } else { c.is_ascii_digit() });
        if is_date {
            out.push_str("YYYY-MM-DD");
            i += 10;
        } else {
            let ch = text[i..].chars().next().expect("a char");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// A scripted run: questions on several front doors (three wordings of one unanswerable question among them),
/// votes, and chatter in a help channel.
async fn scripted_run(w: &World) {
    let ask = |q: &str, user: &TestUser| w.slash("ask", json!([opt("question", q)]), user);
    w.answer(&ask(UNKNOWN, &alice())).await;
    w.answer(&ask("what is the capital of france", &bob())).await;
    let mark = w.fake.mark();
    let me = TestUser::bot_self();
    w.fake.message_create(
        CHANNEL_ID,
        &bob(),
        &format!("{} My CSS is not loading in production!", me.mention()),
        &[me],
        Some(GUILD_ID),
    );
    posted(w, mark, CHANNEL_ID).await;
    let mark = w.fake.mark();
    let dm = w.fake.dm_message_create(&alice(), "css not loading in production");
    posted(w, mark, crate::fake_discord::id_of(&dm["channel_id"]).expect("DM")).await;
    let cb = w.answer(&ask(CONFIDENT, &alice())).await;
    let (helpful, not) = vote_ids(&cb.custom_ids());
    w.answer(&w.click(&helpful, MessageRef::Auto, &alice())).await;
    w.answer(&w.click(&not, MessageRef::Auto, &bob())).await;
    let cb = w.answer(&ask(UNSURE, &bob())).await;
    w.answer(&w.click(&vote_ids(&cb.custom_ids()).1, MessageRef::Auto, &bob())).await;
    let cb = w
        .answer(&w.slash(
            "compare",
            json!([opt("first", "django"), opt("second", "flask"), opt("aspect", "performance")]),
            &alice(),
        ))
        .await;
    w.answer(&w.click(&vote_ids(&cb.custom_ids()).0, MessageRef::Auto, &alice())).await;
    w.answer(&w.slash("framework", json!([opt("name", "flask")]), &bob())).await;
    w.fake.message_create(OTHER_CHANNEL_ID, &bob(), "thanks!", &[], Some(GUILD_ID));
    w.finish().await;
}

#[tokio::test]
async fn report_on_a_scripted_run_text_json_examples_and_html() {
    let w = World::new().await;
    // Before the bot ever ran: said plainly.
    let none = stdout(&report(&w.data_dir(), &[]));
    assert!(none.starts_with("Nothing logged yet: there is no "), "{none}");

    let bot = start_bot(&w, &learning()).await;
    scripted_run(&w).await;
    // The log is written in the background: wait until the nine records are in, then report while the bot runs
    // (and holds learn.redb as its one writer).
    let store = bot.bot().learning().expect("learning").store().clone();
    wait_until(&w.fake, "nine logged records", WAIT, || {
        store.snapshot(0, u64::MAX >> 20).is_ok_and(|s| s.records.len() == 9)
    })
    .await;
    let live = stdout(&report(&w.data_dir(), &[]));
    let live_json = stdout(&report(&w.data_dir(), &["--json"]));
    assert!(store.claim_help(1).expect("the bot still writes after a report"));
    bot.stop(&w.fake).await;

    // Stopped, the report says the same.
    let text = stdout(&report(&w.data_dir(), &[]));
    assert_eq!(undated(&live), undated(&text));
    assert_snapshot("report.txt", &undated(&text));
    let json_out = stdout(&report(&w.data_dir(), &["--json"]));
    let mut v: Value = serde_json::from_str(&json_out).expect("JSON");
    let mut live_v: Value = serde_json::from_str(&live_json).expect("JSON");
    for v in [&mut v, &mut live_v] {
        v["since"] = json!(0);
        v["now"] = json!(0);
    }
    assert_eq!(v, live_v);
    assert_eq!(v["unanswered"][0]["count"], json!(3), "three wordings of one question, merged");
    assert_snapshot("report.json", &undated(&serde_json::to_string_pretty(&v).expect("JSON")));

    // --examples: rows with an empty label that `signpost check` accepts once labelled.
    let examples = w.dir.path().join("unanswered.tsv");
    let html = w.dir.path().join("report.html");
    let o = report(&w.data_dir(), &["--examples", examples.to_str().unwrap(), "--html", html.to_str().unwrap()]);
    stdout(&o);
    let rows = std::fs::read_to_string(&examples).expect("examples written");
    let data_rows: Vec<&str> = rows.lines().filter(|l| !l.starts_with('#')).collect();
    // "thanks!" is in the corpus already ("thanks!!"): left out, said in a comment.
    assert_eq!(data_rows.len(), 2, "{rows}");
    assert!(rows.contains("# 1 more already in the corpus"), "{rows}");
    assert!(data_rows.iter().all(|r| r.starts_with('\t')), "empty labels: {rows}");
    let knowledge = w.dir.path().join("knowledge");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"), &knowledge);
    let unlabelled = knowledge.join("examples/report.tsv");
    std::fs::write(&unlabelled, &rows).expect("write");
    let check = |dir: &Path| {
        Command::new(env!("CARGO_BIN_EXE_signpost")).args(["check", "--knowledge"]).arg(dir).output().expect("check")
    };
    assert_eq!(check(&knowledge).status.code(), Some(1), "an empty label is not a label yet");
    let labelled: String =
        rows.lines().map(|l| if l.starts_with('\t') { format!("none{l}\n") } else { format!("{l}\n") }).collect();
    std::fs::write(&unlabelled, labelled).expect("write");
    let o = check(&knowledge);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );

    // --html: one self-contained page.
    let page = std::fs::read_to_string(&html).expect("html written");
    assert!(page.starts_with("<!doctype html>") && page.matches("<svg").count() == 3, "{page}");
    assert!(!page.contains("<script") && !page.contains("src=") && !page.contains("href="), "self-contained");
}

/// `signpost report` on a `learn.redb` before and after the retention passes over most of its log: the same totals
/// by kind, door, outcome and day; the texts past the retention gone, and the report saying so.
#[test]
fn report_counts_the_days_past_the_retention() {
    use signpost::learn::{record_id, Door, Learn, Record, RedbLearn};
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let store = RedbLearn::open(&data).expect("store");
    let now = signpost::session::now();
    const DAY: u64 = 86_400;
    let answers = ["faq:beginners", "none", "compare:orm", "framework:flask", "none", "decide"];
    let doors = [Door::Ask, Door::HelpChannel, Door::Mention, Door::Dm];
    let records: Vec<Record> = (0..80u32)
        .map(|i| {
            let at = now - 40 * DAY + u64::from(i) * DAY / 2;
            let (answer, door) = (answers[i as usize % answers.len()], doors[i as usize % doors.len()]);
            let outcome = match (answer, door) {
                ("none", Door::HelpChannel) => Outcome::Silent,
                ("none", _) => Outcome::Abstained,
                _ => Outcome::Answered,
            };
            Record {
                id: record_id(at, i),
                at,
                door,
                guild: Some(GUILD_ID),
                answer: answer.into(),
                confidence: 0.9,
                outcome,
                asker: format!("{:032x}", i % 9),
                text: (outcome != Outcome::Answered)
                    .then(|| format!("{} unanswerable {i}", ["why", "how"][i as usize % 2])),
            }
        })
        .collect();
    store.append(&records).expect("append");
    drop(store);
    let json_of = |o: &Output| serde_json::from_str::<Value>(&stdout(o)).expect("JSON");
    let before = json_of(&report(&data, &["--json", "--since", "60d"]));
    assert_eq!(before["questions"], 80);

    let store = RedbLearn::open(&data).expect("store");
    let cutoff = now - 30 * DAY;
    signpost::session::in_batches(7, |batch| store.purge(cutoff, batch)).expect("purge");
    assert!(store.snapshot(0, now).expect("snapshot").records.iter().all(|r| r.at >= cutoff));
    drop(store);
    let after = json_of(&report(&data, &["--json", "--since", "60d"]));
    for field in ["questions", "answered", "abstained", "silent", "abstention_rate", "by_kind", "by_door", "days"] {
        assert_eq!(after[field], before[field], "{field} changed by the purge");
    }
    let held = records.iter().filter(|r| r.at >= cutoff).count();
    assert_eq!(after["rolled_up"], json!(80 - held));
    let texts = |v: &Value| {
        v["unanswered"].as_array().expect("a list").iter().map(|u| u["count"].as_u64().unwrap()).sum::<u64>()
    };
    assert_eq!(texts(&before), records.iter().filter(|r| r.text.is_some()).count() as u64);
    assert_eq!(texts(&after), records.iter().filter(|r| r.at >= cutoff && r.text.is_some()).count() as u64);
    let text = stdout(&report(&data, &["--since", "60d"]));
    assert!(text.contains(&format!("({} of them past the retention, kept as daily counts", 80 - held)), "{text}");
}

/// What the rollup costs in `learn.redb`, printed (run by hand: `cargo test -- --ignored measure_redb_rollup`):
/// 100,000 records (a third with text) rolled up in batches of `PURGE_BATCH`, each one fsync'd commit during which
/// the bot's writer waits.
#[test]
#[ignore = "a measurement, run by hand"]
fn measure_redb_rollup() {
    use signpost::learn::{record_id, Door, Learn, Record, RedbLearn, PURGE_BATCH};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = RedbLearn::open(dir.path()).expect("store");
    const N: u32 = 100_000;
    let t0 = 1_700_000_000;
    for chunk in 0..N / 1000 {
        let records: Vec<Record> = (0..1000)
            .map(|i| {
                let n = chunk * 1000 + i;
                let at = t0 + u64::from(n) * 3;
                Record {
                    id: record_id(at, n),
                    at,
                    door: Door::Ask,
                    guild: Some(GUILD_ID),
                    answer: if n % 3 == 0 { "none".into() } else { "faq:is-flask-faster".into() },
                    confidence: 0.83,
                    outcome: if n % 3 == 0 { Outcome::Abstained } else { Outcome::Answered },
                    asker: format!("{:032x}", n % 5000),
                    text: (n % 3 == 0).then(|| "how do i deploy a flask app on a raspberry pi".to_string()),
                }
            })
            .collect();
        store.append(&records).expect("append");
    }
    let size = || std::fs::metadata(dir.path().join("learn.redb")).expect("file").len();
    let full = size();
    let mut batches = Vec::new();
    let started = std::time::Instant::now();
    loop {
        let t = std::time::Instant::now();
        let n = store.purge(t0 + 10 * 86_400, PURGE_BATCH).expect("purge");
        batches.push(t.elapsed());
        if n < PURGE_BATCH {
            break;
        }
    }
    let took = started.elapsed();
    batches.sort();
    let s = store.snapshot(0, t0 + 10 * 86_400).expect("snapshot");
    assert!(s.records.is_empty());
    assert_eq!(s.rolled.iter().map(|c| c.count).sum::<u64>(), u64::from(N));
    eprintln!(
        "RedbLearn rollup: {N} records over {} days in {} batches of {PURGE_BATCH} in {took:?}; a batch median {:?}, \
         p99 {:?}, max {:?}; learn.redb {full} bytes before, {} after (redb keeps the file's size and reuses it)",
        s.rolled_askers.len(),
        batches.len(),
        batches[batches.len() / 2],
        batches[batches.len() * 99 / 100],
        batches[batches.len() - 1],
        size()
    );
}

/// The page `scripts/report-screenshot.sh` renders (to `$SIGNPOST_REPORT_HTML`): two weeks of questions (the dev
/// set's messages, answered by the real engine) written through the `Learn` trait with times spread over 14 days,
/// and deterministic votes, then `signpost report --html`.
#[test]
#[ignore = "run by scripts/report-screenshot.sh"]
fn report_page_for_the_screenshot() {
    use signpost::learn::{hex, record_id, Door, Learn, Record, RedbLearn, VoteRow, LOW_CONFIDENCE};
    let out = std::env::var("SIGNPOST_REPORT_HTML").expect("SIGNPOST_REPORT_HTML: where to write the page");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let store = RedbLearn::open(&data).expect("store");
    let engine = signpost::Engine::load(None).expect("built-in knowledge");
    let dev = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eval/dev.tsv")).expect("dev set");
    let questions: Vec<&str> = dev.lines().skip(1).filter_map(|l| l.split_once('\t').map(|(q, _)| q)).collect();
    let doors = [Door::Ask, Door::Mention, Door::HelpChannel, Door::Dm, Door::HelpForum, Door::ContextMenu];
    let now = signpost::session::now();
    let mut seed: u64 = 42;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let (mut records, mut votes) = (Vec::new(), Vec::new());
    for day in 0..14u64 {
        // More traffic as the server grows; fewer abstentions as the knowledge catches up (fewer odd questions).
        let n = 6 + day as usize;
        for k in 0..n {
            let odd = next() % 14 < 14 - day;
            let q = if odd && next() % 3 == 0 { UNKNOWN } else { questions[next() as usize % questions.len()] };
            let a = engine.ask(q).expect("an answer");
            let door = doors[next() as usize % doors.len()];
            let unsure = matches!(a.topic, signpost::reply::Topic::None) || a.confidence < 0.5;
            let outcome = match (unsure, door) {
                (true, Door::HelpChannel | Door::HelpForum) => Outcome::Silent,
                (true, _) if a.kind() == "none" => Outcome::Abstained,
                _ => Outcome::Answered,
            };
            let at = now - (13 - day) * 86_400 - 3_600 + k as u64 * 60;
            let id = record_id(at, k as u32);
            let keep = outcome != Outcome::Answered || a.confidence < LOW_CONFIDENCE;
            records.push(Record {
                id,
                at,
                door,
                guild: Some(GUILD_ID),
                answer: a.label(),
                confidence: a.confidence,
                outcome,
                asker: hex(&(next() % 23).to_be_bytes()),
                text: keep.then(|| q.to_string()),
            });
            if outcome == Outcome::Answered && a.kind() != "decide" && next() % 2 == 0 {
                let value = if next() % 4 == 0 { VoteValue::NotHelpful } else { VoteValue::Helpful };
                votes.push(VoteRow { id, voter: hex(&next().to_be_bytes()), value, label: a.label(), at });
            }
        }
    }
    store.append(&records).expect("append");
    for v in &votes {
        store.vote(v).expect("vote");
    }
    drop(store);
    stdout(&report(&data, &["--html", &out, "--since", "14d"]));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// Each help channel has a mode in `/settings`: `mention` answers there only when mentioned, `off` says nothing
/// there even when mentioned, `auto` answers confident questions unprompted again. A channel that is not a help
/// channel has no mode to set.
#[tokio::test]
async fn a_help_channel_is_auto_mention_or_off() {
    let w = World::new().await;
    let bot = start_bot(&w, &learning()).await;
    w.fake.set_member_permissions(alice().id, MANAGE_GUILD);
    let me = TestUser::bot_self();
    // The mode choices, as poise registers them: their index.
    let set = |mode: u64| json!([opt_channel("mode_channel", OTHER_CHANNEL_ID), opt("mode", mode)]);
    // Whether a message in the help channel, mentioning the bot or not, gets a reply.
    let answered = |mention: bool| {
        let w = &w;
        let me = me.clone();
        async move {
            let (text, mentions) = match mention {
                true => (format!("{} {CONFIDENT}", me.mention()), vec![me.clone()]),
                false => (CONFIDENT.to_string(), Vec::new()),
            };
            let msg = w.fake.message_create(OTHER_CHANNEL_ID, &bob(), &text, &mentions, Some(GUILD_ID));
            let id: u64 = msg["id"].as_str().unwrap().parse().unwrap();
            // A DM answered after it: what had to be answered was.
            let sentinel = w.fake.dm_message_create(&alice(), CONFIDENT);
            let sentinel_id: u64 = sentinel["id"].as_str().unwrap().parse().unwrap();
            let replies_to = |r: &Recorded, to: u64| {
                r.method == "POST"
                    && r.body.as_ref().is_some_and(|b| b["message_reference"]["message_id"] == json!(to.to_string()))
            };
            w.wait_request(|r| replies_to(r, sentinel_id), WAIT).await;
            w.fake.wait_idle(std::time::Duration::from_millis(200), WAIT).await;
            w.fake.requests().iter().any(|r| replies_to(r, id))
        }
    };
    assert!(answered(false).await, "auto: answered unprompted");

    let cb = w.answer(&w.slash("settings", set(1), &alice())).await;
    assert!(
        cb.content().unwrap_or("").contains(&format!("<#{OTHER_CHANNEL_ID}> is now `mention`")),
        "{:?}",
        cb.content()
    );
    assert_eq!(bot.bot().guild_settings(Some(GUILD_ID)).modes.len(), 1);
    assert!(!answered(false).await, "mention: not unprompted");
    assert!(answered(true).await, "mention: answered when mentioned");

    w.answer(&w.slash("settings", set(2), &alice())).await;
    assert!(!answered(false).await, "off: nothing");
    assert!(!answered(true).await, "off: not even a mention");
    let cb = w.answer(&w.slash("settings", json!([]), &alice())).await;
    assert!(cb.content().unwrap_or("").contains(&format!("<#{OTHER_CHANNEL_ID}> (off)")), "{:?}", cb.content());

    w.answer(&w.slash("settings", set(0), &alice())).await;
    assert!(bot.bot().guild_settings(Some(GUILD_ID)).modes.is_empty(), "auto is the default, not stored");
    assert!(answered(false).await, "auto again");
    // Not a help channel: refused, nothing stored.
    let options = json!([opt_channel("mode_channel", CHANNEL_ID), opt("mode", 2)]);
    let cb = w.answer(&w.slash("settings", options, &alice())).await;
    assert!(cb.content().unwrap_or("").contains("is not a help channel"), "{:?}", cb.content());
    assert!(bot.bot().guild_settings(Some(GUILD_ID)).modes.is_empty());
    w.finish().await;
    bot.stop(&w.fake).await;
}

/// A question back (`clarify`) shows its choices as buttons: the asker's click answers in the channel and labels
/// the question with the entry picked, which `report` lists and `report --examples` writes as a labelled row;
/// someone else's click answers privately and labels nothing.
#[tokio::test]
async fn a_pick_on_a_question_back_answers_and_becomes_a_labelled_example() {
    const DOUBTFUL: &str = "flask or django, maybe?";
    let w = World::new().await;
    let bot = start_bot(&w, &learning()).await;
    let me = TestUser::bot_self();
    let mark = w.fake.mark();
    let asked = w.fake.message_create(
        CHANNEL_ID,
        &alice(),
        &format!("{} {DOUBTFUL}", me.mention()),
        std::slice::from_ref(&me),
        Some(GUILD_ID),
    );
    let back = posted(&w, mark, CHANNEL_ID).await;
    let back_id: u64 = back.response.as_ref().unwrap()["id"].as_str().unwrap().parse().unwrap();
    let picks: Vec<String> = back.custom_ids().into_iter().filter(|c| c.starts_with("q:")).collect();
    assert!((2..=3).contains(&picks.len()), "the choices as buttons: {:?}", back.custom_ids());
    assert!(asked["id"].is_string());

    let cb = w.answer(&w.click(&picks[0], back_id, &bob())).await;
    assert_eq!(cb.callback_type(), Some(4));
    assert!(cb.is_ephemeral(), "someone else's pick is private");
    let cb = w.answer(&w.click(&picks[0], back_id, &alice())).await;
    assert_eq!(cb.callback_type(), Some(4));
    assert!(!cb.is_ephemeral(), "the asker's pick answers in the channel");
    w.finish().await;
    bot.stop(&w.fake).await;

    let label = picks[0].strip_prefix("q:").unwrap().to_string();
    let label = if label.contains(':') || label == "decide" { label } else { format!("faq:{label}") };
    let text = stdout(&report(&w.data_dir(), &[]));
    assert!(text.contains("Picked by the asker on a question back"), "{text}");
    assert!(text.contains(&format!("{label}  <- {DOUBTFUL}")), "{text}");
    assert!(text.contains("questions from"), "{text}");
    let examples = w.dir.path().join("examples.tsv");
    stdout(&report(&w.data_dir(), &["--examples", examples.to_str().unwrap()]));
    let rows = std::fs::read_to_string(&examples).unwrap();
    assert!(rows.contains(&format!("\n{label}\t{DOUBTFUL}\n")), "a labelled row: {rows}");
    // The mention and bob's private pick (an answer from a button, as any suggestion is) count; the asker's pick
    // labels the question instead of counting as one.
    let v: Value = serde_json::from_str(&stdout(&report(&w.data_dir(), &["--json"]))).unwrap();
    assert_eq!(v["questions"], json!(2), "{v}");
    assert_eq!(v["by_door"], json!({"mention": 1, "suggestion": 1}), "{v}");
    assert_eq!(v["picked"].as_array().map(Vec::len), Some(1), "only the asker's pick labels: {v}");
}
