//! Several `signpost serve` processes on one Redis, end to end: the real binary, each process with its own empty
//! data directory, against the fake Discord on 127.0.0.1 and a real `redis-server` (`redis_server`).
//!
//! - a dialog started through one process goes on through another after the first is killed with -9;
//! - two clicks at the same version, one to each process (each on its own fake Discord and shard), apply once;
//! - Redis stopped and restarted mid-run: clicks get a private "try again in a moment", `/healthz` says 503, and
//!   the bot recovers by itself; `/metrics` then counts what the run did.

use std::{
    collections::BTreeMap,
    fs::File,
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{json, Value};

use crate::{
    fake_discord::{
        id_of, FakeDiscord, InteractionRef, MessageRef, Recorded, TestUser, CHANNEL_ID, GUILD_ID, TOKEN, WAIT,
    },
    redis_server::RedisServer,
};

/// `signpost serve` as a child process, killed when dropped; stderr goes to a file.
struct Proc {
    child: Child,
    stderr: PathBuf,
    data_dir: PathBuf,
}

impl Proc {
    async fn start(fake: &FakeDiscord, dir: &Path, tag: &str, redis: &str, extra: &[(&str, String)]) -> Proc {
        let stderr = dir.join(format!("{tag}.stderr"));
        let data_dir = dir.join(format!("{tag}-data"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_signpost"));
        cmd.arg("serve")
            .current_dir(dir)
            .env_clear()
            .env("DISCORD_TOKEN", TOKEN)
            .env("SIGNPOST_DISCORD_PROXY", fake.base_url())
            .env("SIGNPOST_DATA_DIR", &data_dir)
            .env("SIGNPOST_GUILD_ID", GUILD_ID.to_string())
            .env("SIGNPOST_DECIDE_COOLDOWN", "0s")
            .env("SIGNPOST_REDIS_URL", redis)
            .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&stderr).expect("stderr file"));
        let (ready, registered) = (fake.ready_count(), fake.command_registrations().len());
        let mut p = Proc { child: cmd.spawn().expect("spawn signpost serve"), stderr, data_dir };
        let deadline = Instant::now() + WAIT;
        while !(fake.ready_count() > ready && fake.command_registrations().len() > registered) {
            if let Some(status) = p.child.try_wait().expect("try_wait") {
                panic!("signpost serve {tag} exited early ({status}):\n{}", p.stderr_text());
            }
            assert!(Instant::now() < deadline, "signpost serve {tag} did not connect:\n{}", p.stderr_text());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        p
    }

    fn stderr_text(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        assert!(!text.contains(TOKEN), "the token appears in the logs:\n{text}");
        text
    }

    fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("wait");
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn alice() -> TestUser {
    TestUser::human()
}

/// Runs `/decide` in `#general`: (the thread, the first question's message id).
async fn decide(fake: &FakeDiscord, user: &TestUser) -> (u64, u64) {
    let mark = fake.mark();
    let i = fake.slash_command("decide", json!([]), user);
    assert_eq!(fake.wait_callback(&i, WAIT).await.callback_type(), Some(5));
    let threads = format!("/channels/{CHANNEL_ID}/threads");
    let created = fake.wait_request_since(mark, |r| r.method == "POST" && r.path == threads, WAIT).await;
    let thread = response_id(&created);
    let posts = format!("/channels/{thread}/messages");
    let question = fake.wait_request_since(mark, |r| r.method == "POST" && r.path == posts, WAIT).await;
    (thread, response_id(&question))
}

fn response_id(r: &Recorded) -> u64 {
    r.response.as_ref().and_then(|v| id_of(&v["id"])).unwrap_or_else(|| panic!("{} answered no id", r.summary()))
}

fn components(msg: &Value) -> Vec<Value> {
    msg["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Chooses option `n` of the question in `msg` (its select menu, or its option buttons).
fn choose(fake: &FakeDiscord, msg: &Value, user: &TestUser, n: usize) -> InteractionRef {
    let comps = components(msg);
    if let Some(menu) =
        comps.iter().find(|c| c["type"] == 3 && c["custom_id"].as_str().is_some_and(|id| id.ends_with(":s")))
    {
        let value = menu["options"][n]["value"].as_str().expect("an option").to_string();
        return fake.select_choice(menu["custom_id"].as_str().unwrap(), &[&value], msg.clone(), user);
    }
    let buttons: Vec<&str> = comps
        .iter()
        .filter_map(|c| c["custom_id"].as_str())
        .filter(|id| id.starts_with("d:") && id.rsplit(':').next().is_some_and(|a| a.starts_with('o')))
        .collect();
    fake.component_click(buttons[n], msg.clone(), user)
}

fn title(msg: &Value) -> String {
    msg["embeds"][0]["title"].as_str().unwrap_or_default().to_string()
}

#[track_caller]
fn assert_step(fake: &FakeDiscord, msg: u64, n: usize) {
    let m = fake.message(msg).expect("stored message");
    assert!(title(&m).starts_with(&format!("Question {n} of ")), "expected question {n}: {}", title(&m));
}

/// The version of the session stored in Redis for `user` in `channel`.
fn stored_version(redis: &RedisServer, user: u64, channel: u64) -> u64 {
    let raw = redis.command(&["GET", &format!("signpost:session:{user}:{channel}")]);
    let row: Value = serde_json::from_str(raw.trim()).unwrap_or_else(|e| panic!("{e}: {raw:?}"));
    row["live"]["version"].as_u64().unwrap_or_else(|| panic!("no live session: {row}"))
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port")
}

/// A plain HTTP/1.1 GET: (status, body).
fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).expect("connect to the metrics server");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).expect("a response");
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("a status line");
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// Polls `/healthz` until it answers `status` (bounded).
async fn wait_health(addr: SocketAddr, status: u16) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let (got, body) = tokio::task::spawn_blocking(move || http_get(addr, "/healthz")).await.unwrap();
        if got == status {
            return body;
        }
        assert!(Instant::now() < deadline, "/healthz still says {got} ({body:?}), not {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The samples of a Prometheus text exposition: `name{labels}` (as written) -> value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (key, value) = l.rsplit_once(' ')?;
            Some((key.to_string(), value.parse().ok()?))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialog_continues_through_another_process_after_kill_9() {
    let redis = RedisServer::start();
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut first = Proc::start(&fake, dir.path(), "first", &redis.url(), &[]).await;
    let (thread, q) = decide(&fake, &alice()).await;
    let cb = fake.wait_callback(&choose(&fake, &fake.message(q).unwrap(), &alice(), 1), WAIT).await;
    assert_eq!(cb.callback_type(), Some(7), "{}", cb.summary());
    assert_step(&fake, q, 2);

    // The second process connects (the fake sends it the events from now on), then the first dies mid-dialog.
    let second = Proc::start(&fake, dir.path(), "second", &redis.url(), &[]).await;
    first.kill_9();
    let cb = fake.wait_callback(&choose(&fake, &fake.message(q).unwrap(), &alice(), 0), WAIT).await;
    assert_eq!(cb.callback_type(), Some(7), "{}", cb.summary());
    assert_step(&fake, q, 3);
    assert_eq!(stored_version(&redis, alice().id, thread), 3);
    // Neither process kept anything of its own: the sessions are in Redis only.
    assert!(!first.data_dir.join("sessions.redb").exists() && !second.data_dir.join("sessions.redb").exists());
    fake.assert_clean();
    second.stderr_text();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clicks_at_the_same_version_one_to_each_process_apply_once() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    // Each process runs one shard of two, on its own fake Discord (as two gateway connections of one bot would).
    let (fake_a, fake_b) = (FakeDiscord::start().await, FakeDiscord::start().await);
    let a = Proc::start(&fake_a, dir.path(), "a", &redis.url(), &[("SIGNPOST_SHARDS", "0-0/2".into())]).await;
    let b = Proc::start(&fake_b, dir.path(), "b", &redis.url(), &[("SIGNPOST_SHARDS", "1-1/2".into())]).await;
    let (thread, q) = decide(&fake_a, &alice()).await;
    let shown = fake_a.message(q).unwrap();
    // The same question, clicked twice at once: once through each process.
    let (one, two) = (choose(&fake_a, &shown, &alice(), 0), choose(&fake_b, &shown, &alice(), 1));
    let (one, two) = (fake_a.wait_callback(&one, WAIT).await, fake_b.wait_callback(&two, WAIT).await);
    let updated = [&one, &two].iter().filter(|cb| cb.callback_type() == Some(7)).count();
    assert_eq!(updated, 1, "exactly one click moves the dialog:\n{}\n{}", one.summary(), two.summary());
    let refused = if one.callback_type() == Some(7) { &two } else { &one };
    assert_eq!(refused.callback_type(), Some(4), "{}", refused.summary());
    assert!(refused.is_ephemeral(), "{}", refused.summary());
    assert!(refused.content().unwrap_or_default().contains("earlier question"), "{}", refused.summary());
    assert_eq!(stored_version(&redis, alice().id, thread), 2, "one step applied, not two");
    fake_a.assert_clean();
    a.stderr_text();
    b.stderr_text();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_lost_mid_run_gets_try_again_then_the_bot_recovers_and_metrics_count_the_run() {
    let mut redis = RedisServer::start();
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let extra = [("SIGNPOST_METRICS_ADDR", addr.to_string()), ("SIGNPOST_SHARDS", "0-0/1".into())];
    let serve = Proc::start(&fake, dir.path(), "serve", &redis.url(), &extra).await;
    wait_health(addr, 200).await;

    let ask = fake.slash_command(
        "ask",
        json!([{"type": 3, "name": "question", "value": "is flask faster than django?"}]),
        &alice(),
    );
    assert_eq!(fake.wait_callback(&ask, WAIT).await.callback_type(), Some(4));
    let (thread, q) = decide(&fake, &alice()).await;
    let cb = fake.wait_callback(&choose(&fake, &fake.message(q).unwrap(), &alice(), 1), WAIT).await;
    assert_eq!(cb.callback_type(), Some(7), "{}", cb.summary());

    redis.stop();
    let body = wait_health(addr, 503).await;
    assert!(body.contains("store: down"), "{body}");
    // A click meanwhile: answered at once, privately, nothing changed.
    let cb = fake.wait_callback(&choose(&fake, &fake.message(q).unwrap(), &alice(), 0), WAIT).await;
    assert_eq!(cb.callback_type(), Some(4), "{}", cb.summary());
    assert!(cb.is_ephemeral(), "{}", cb.summary());
    assert!(cb.content().unwrap_or_default().contains("try again in a moment"), "{}", cb.summary());
    assert_step(&fake, q, 2);
    // A question mentioning the bot meanwhile is answered as usual; a decision's "back" is told to try again.
    let me = TestUser::bot_self();
    let mention = |text: &str| {
        let m = fake.message_create(
            CHANNEL_ID,
            &alice(),
            &format!("{} {text}", me.mention()),
            std::slice::from_ref(&me),
            Some(GUILD_ID),
        );
        id_of(&m["id"]).unwrap()
    };
    let replying_to = |id: u64| {
        move |r: &Recorded| {
            r.method == "POST"
                && r.path.ends_with("/messages")
                && r.body.as_ref().and_then(|b| id_of(&b["message_reference"]["message_id"])) == Some(id)
        }
    };
    let asked = mention("is flask faster than django?");
    let answer = fake.wait_request(replying_to(asked), WAIT).await;
    assert_eq!(
        answer.body.as_ref().map(title).as_deref(),
        Some("Is Flask faster than Django?"),
        "{}",
        answer.summary()
    );
    let back = mention("back");
    let said = fake.wait_request(replying_to(back), WAIT).await;
    assert!(said.content().unwrap_or_default().contains("try again in a moment"), "{}", said.summary());
    // /decide meanwhile: told privately, and no thread is left behind empty.
    let mark = fake.mark();
    let decide = fake.slash_command("decide", json!([]), &alice());
    assert_eq!(fake.wait_callback(&decide, WAIT).await.callback_type(), Some(5));
    let said = fake
        .wait_request_since(
            mark,
            |r| {
                r.method == "POST"
                    && r.path.starts_with("/webhooks/")
                    && r.content().is_some_and(|c| c.contains("try again in a moment"))
            },
            WAIT,
        )
        .await;
    assert_eq!(said.body.as_ref().and_then(|b| b["flags"].as_u64()), Some(64), "ephemeral: {}", said.summary());
    let threads = format!("/channels/{CHANNEL_ID}/threads");
    assert!(fake.requests()[mark..].iter().all(|r| r.path != threads), "no thread opened while the store is away");

    redis.restart();
    wait_health(addr, 200).await;
    let cb = fake.wait_callback(&choose(&fake, &fake.message(q).unwrap(), &alice(), 0), WAIT).await;
    assert_eq!(cb.callback_type(), Some(7), "{}", cb.summary());
    assert_step(&fake, q, 3);
    assert_eq!(stored_version(&redis, alice().id, thread), 3);

    let (status, text) = tokio::task::spawn_blocking(move || http_get(addr, "/metrics")).await.unwrap();
    assert_eq!(status, 200);
    let m = samples(&text);
    let at = |k: &str| *m.get(k).unwrap_or_else(|| panic!("no sample {k} in:\n{text}"));
    assert_eq!(at(r#"signpost_answers_total{door="ask",kind="faq"}"#), 1.0);
    assert_eq!(at(r#"signpost_interactions_total{kind="command"}"#), 3.0, "/ask and two /decide");
    assert_eq!(at(r#"signpost_interactions_total{kind="component"}"#), 3.0);
    assert_eq!(at(r#"signpost_interaction_seconds_count{kind="component"}"#), 3.0);
    assert!(at("signpost_store_errors_total") >= 1.0, "the click while Redis was down");
    assert_eq!(at("signpost_store_up"), 1.0);
    assert_eq!(at("signpost_sessions_active"), 1.0);
    assert_eq!(at(r#"signpost_shard_connected{shard="0"}"#), 1.0);
    assert_eq!(at(r#"signpost_votes_total{vote="helpful"}"#), 0.0);
    assert!(m.keys().any(|k| k.starts_with("signpost_knowledge_info{version=")), "{text}");
    assert!(m.keys().all(|k| k.starts_with("signpost_")), "every name starts with signpost_:\n{text}");
    fake.assert_clean();
    serve.stderr_text();
}

/// Redis hung (SIGSTOP, not refused) for a while: every click is still answered within Discord's 3 seconds with a
/// private "try again", a mentioned question is answered, and once Redis answers again so does the decision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_hung_costs_no_interaction_and_no_answer() {
    let redis = RedisServer::start();
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let serve = Proc::start(&fake, dir.path(), "serve", &redis.url(), &[]).await;
    let ask = fake.slash_command(
        "ask",
        json!([{"type": 3, "name": "question", "value": "is flask faster than django?"}]),
        &alice(),
    );
    let asked = fake.wait_callback(&ask, WAIT).await;
    let helpful = components(asked.body.as_ref().map(|b| &b["data"]).unwrap_or(&Value::Null))
        .iter()
        .filter_map(|c| c["custom_id"].as_str().map(str::to_string))
        .find(|id| id.starts_with("v:"))
        .expect("vote buttons");
    let (_, q) = decide(&fake, &alice()).await;

    redis.pause();
    let frozen = Instant::now();
    let ack_budget = Duration::from_secs(3);
    // A dialog click: a private "try again", in time; the question stays where it was.
    let click = choose(&fake, &fake.message(q).unwrap(), &alice(), 1);
    let cb = fake.wait_callback(&click, WAIT).await;
    assert!(fake.callback_latency(&click).expect("acknowledged") < ack_budget, "{}", cb.summary());
    assert!(cb.is_ephemeral() && cb.content().unwrap_or_default().contains("try again"), "{}", cb.summary());
    assert_step(&fake, q, 1);
    // A vote: answered in time, privately.
    let vote = fake.component_click(&helpful, MessageRef::Auto, &alice());
    let cb = fake.wait_callback(&vote, WAIT).await;
    assert!(fake.callback_latency(&vote).expect("acknowledged") < ack_budget, "{}", cb.summary());
    assert!(cb.is_ephemeral(), "{}", cb.summary());
    // A mentioned question: answered as usual.
    let me = TestUser::bot_self();
    let m = fake.message_create(
        CHANNEL_ID,
        &alice(),
        &format!("{} is flask faster than django?", me.mention()),
        std::slice::from_ref(&me),
        Some(GUILD_ID),
    );
    let mid = id_of(&m["id"]).unwrap();
    let answer = fake
        .wait_request(
            |r| {
                r.method == "POST"
                    && r.body.as_ref().and_then(|b| id_of(&b["message_reference"]["message_id"])) == Some(mid)
            },
            WAIT,
        )
        .await;
    assert_eq!(answer.body.as_ref().map(title).as_deref(), Some("Is Flask faster than Django?"));
    assert!(frozen.elapsed() < Duration::from_secs(10), "all of it while Redis was frozen: {:?}", frozen.elapsed());

    redis.resume();
    let deadline = Instant::now() + WAIT;
    loop {
        let cb = fake.wait_callback(&choose(&fake, &fake.message(q).unwrap(), &alice(), 1), WAIT).await;
        if cb.callback_type() == Some(7) {
            break;
        }
        assert!(Instant::now() < deadline, "the decision never went on after Redis came back: {}", cb.summary());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_step(&fake, q, 2);
    serve.stderr_text();
}

#[test]
fn serve_refuses_to_start_without_its_redis() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_addr().port();
    let out = Command::new(env!("CARGO_BIN_EXE_signpost"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("DISCORD_TOKEN", TOKEN)
        .env("SIGNPOST_DISCORD_PROXY", "http://127.0.0.1:9")
        .env("SIGNPOST_REDIS_URL", format!("redis://:hunter2@127.0.0.1:{port}/0"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot reach Redis at redis://***@127.0.0.1:{port}/0")), "{err}");
    assert!(!err.contains("hunter2") && !err.contains(TOKEN), "{err}");
}

/// `/settings` through one process reaches the other (it checks the store's change counter every
/// `SETTINGS_REFRESH`), and the `Still need help?` cooldown taken through one holds through the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_and_the_helper_cooldown_are_shared_between_processes() {
    const MANAGE_GUILD: u64 = 1 << 5;
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (fake_a, fake_b) = (FakeDiscord::start().await, FakeDiscord::start().await);
    let a = Proc::start(&fake_a, dir.path(), "a", &redis.url(), &[("SIGNPOST_SHARDS", "0-0/2".into())]).await;
    let b = Proc::start(&fake_b, dir.path(), "b", &redis.url(), &[("SIGNPOST_SHARDS", "1-1/2".into())]).await;
    let bob = TestUser::other_human();
    // Not a help channel yet: process b stays quiet in #general.
    let mark = fake_b.mark();
    fake_b.message_create(CHANNEL_ID, &bob, "is flask faster than django?", &[], Some(GUILD_ID));
    fake_b.wait_idle(Duration::from_millis(300), WAIT).await;
    assert!(fake_b.requests()[mark..].iter().all(|r| r.method != "POST"), "b spoke outside a help channel");

    // Through process a: #general becomes a help channel, and the server gets a helper role.
    fake_a.set_member_permissions(alice().id, MANAGE_GUILD);
    let helpers = fake_a.add_role("helpers");
    let options = json!([
        {"name": "add_help_channel", "type": 7, "value": CHANNEL_ID.to_string()},
        {"name": "helper_role", "type": 8, "value": helpers.to_string()}
    ]);
    let changed = Instant::now();
    let cb = fake_a.wait_callback(&fake_a.slash_command("settings", options, &alice()), WAIT).await;
    assert!(cb.content().unwrap_or_default().starts_with("Saved:"), "{}", cb.summary());

    // Process b answers there once it has seen the change: within a few seconds, without a restart.
    let posts = format!("/channels/{CHANNEL_ID}/messages");
    let seen = loop {
        let mark = fake_b.mark();
        fake_b.message_create(CHANNEL_ID, &bob, "is flask faster than django?", &[], Some(GUILD_ID));
        fake_b.wait_idle(Duration::from_millis(200), WAIT).await;
        if fake_b.requests()[mark..].iter().any(|r| r.method == "POST" && r.path == posts) {
            break changed.elapsed();
        }
        assert!(changed.elapsed() < Duration::from_secs(10), "process b never saw the new help channel");
    };
    eprintln!("a /settings change reached the other process after {seen:?}");
    assert!(seen < Duration::from_secs(5), "{seen:?}");

    // Alice calls the helpers through process a...
    let ask = json!([{"type": 3, "name": "question", "value": "my css is not loading in production"}]);
    let cb = fake_a.wait_callback(&fake_a.slash_command("ask", ask.clone(), &alice()), WAIT).await;
    let help = cb.custom_ids().into_iter().find(|c| c.starts_with("h:")).expect("Still need help? on a");
    let ack = fake_a.wait_callback(&fake_a.component_click(&help, MessageRef::Auto, &alice()), WAIT).await;
    assert!(ack.content().unwrap_or_default().contains("I called the helpers"), "{}", ack.summary());
    // ...and through process b, on another question, she is within her cooldown.
    let cb = fake_b.wait_callback(&fake_b.slash_command("ask", ask, &alice()), WAIT).await;
    let help = cb.custom_ids().into_iter().find(|c| c.starts_with("h:")).expect("Still need help? on b");
    let wait = fake_b.wait_callback(&fake_b.component_click(&help, MessageRef::Auto, &alice()), WAIT).await;
    assert!(wait.content().unwrap_or_default().contains("you can call them again in"), "{}", wait.summary());
    assert!(wait.is_ephemeral());
    // The cooldown is keyed by the pseudonym, never the user id.
    let keys = redis.command(&["KEYS", "signpost:learn:cooldown:*"]);
    assert_eq!(keys.lines().count(), 1, "{keys}");
    assert!(!keys.contains(&alice().id.to_string()), "{keys}");

    // A confident answer by process a, voted Not helpful through process b: b never held the question, and keeps
    // it all the same, as the answered message quotes it.
    let asked = "django orm vs sqlalchemy?";
    let ask = json!([{"type": 3, "name": "question", "value": asked}]);
    let i = fake_a.slash_command("ask", ask, &alice());
    let cb = fake_a.wait_callback(&i, WAIT).await;
    let answer = fake_a.original_message(&i).expect("the answer as posted");
    let not = cb.custom_ids().into_iter().find(|c| c.starts_with("v:n:")).expect("Not helpful");
    let ack = fake_b.wait_callback(&fake_b.component_click(&not, MessageRef::Message(answer), &bob), WAIT).await;
    assert!(ack.content().unwrap_or_default().contains("Your vote: **Not helpful**"), "{}", ack.summary());
    let record = u64::from_str_radix(not.split(':').nth(2).expect("a record id"), 36).expect("base 36");
    let store = signpost::store::RedisLearn::new(signpost::store::Redis::connect(&redis.url()).expect("redis"));
    let deadline = Instant::now() + WAIT;
    let text = loop {
        let snapshot = signpost::learn::Learn::snapshot(&store, 0, u64::MAX >> 20).expect("a snapshot");
        match snapshot.records.iter().find(|r| r.id == record) {
            Some(r) => break r.text.clone(),
            None => assert!(Instant::now() < deadline, "process a never wrote the record"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(text.as_deref(), Some(asked));
    fake_a.assert_clean();
    fake_b.assert_clean();
    a.stderr_text();
    b.stderr_text();
}
