//! The Discord front door, measured through the fake Discord of `tests/it/fake_discord` (REST and gateway on
//! 127.0.0.1, driven by the real serenity/poise client).
//!
//! `cargo bench --bench discord` (about 40 s on two cores, plus the first build of the `signpost` binary);
//! `cargo bench --bench discord -- latency` or `-- memory` runs one part.
//!
//! 1. Round trips, sequential: inject an interaction, wait until the fake records the bot's callback. References,
//!    in the same process and runtime, each bot against its own instance of the same fake: the fake's bare poise
//!    bot (`/ping`; `/embed` for a small embed), and a bare poise bot answering `/ask` with Signpost's own answer
//!    and rendering (the reply's cost without Signpost's wiring). Signpost runs in process
//!    (`signpost::discord::run`), once as before and once with votes and the question log (`Bot::with_learning`, as
//!    `signpost serve` runs it), beside the bare bot's reply with the same vote buttons, so the log's own share is
//!    told from the buttons', and beside the same reply padded with content of the vote row's size (a control: the
//!    buttons' cost is not their bytes). Signpost runs twice more, without and with the log, against fakes that do
//!    not send the bot its own answers back as MESSAGE_CREATE: serenity parses that event, buttons and all, as
//!    the next interaction arrives, so a sequential loop charges it to the next round trip. The cases are
//!    interleaved in blocks, so load from elsewhere on a shared machine hits all of them alike. "fake clock" is
//!    the fake's own record (interaction queued -> callback recorded, `FakeDiscord::callback_latency`); "wall"
//!    adds building and checking the payload in the bench.
//! 3. `-- redis`: the dialog click round trip with sessions in Redis (a `redis-server` started here on a loopback
//!    port) against the embedded store, interleaved in blocks in one run; then Redis's own memory (`INFO memory`,
//!    `used_memory`) for 100,000 stored sessions, against the size of the same sessions in `sessions.redb`.
//! 2. Memory of the real binary (`signpost serve`, a child process against a fake started here): VmRSS and VmHWM
//!    from `/proc/PID/status` when idle, then with 100,000 stored sessions, before and after activity on stored
//!    sessions (dialog clicks and typed answers).

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use poise::serenity_prelude as serenity;
use serde_json::json;
use signpost::{
    config::Config,
    dialog::{Input, Outcome, State},
    discord::{
        ids::{Action, ComponentId},
        render, Bot,
    },
    learn::{Learning, Policy},
    session::{self, now, Session, SessionKey, SessionStore},
    store::Backend,
    Engine,
};

// The test suite's redis-server helper (start on a free port, stop when dropped).
#[path = "../tests/it/redis_server.rs"]
#[allow(dead_code)]
mod redis_server;

// The test suite's fake Discord, of which the bench drives a part: the rest is used (and kept free of dead
// code) by `tests/it`.
#[path = "../tests/it/fake_discord/mod.rs"]
#[allow(dead_code, unused_imports)]
mod fake_discord;

use fake_discord::{
    bare_bot, id_of, openapi, opt, FakeDiscord, InteractionRef, Recorded, TestUser, Where, CHANNEL_ID, GUILD_ID,
    OTHER_CHANNEL_ID, TOKEN, WAIT,
};

const QUESTION: &str = "is flask faster than django?";
const WARMUP: usize = 200;
const N: usize = 2_000;
const CLICK_WARMUP: usize = 100;
const CLICKS: usize = 1_000;
const STORED_SESSIONS: usize = 100_000;
/// Clicks and typed answers on stored sessions, each, in each memory run.
const ACTIVITY: usize = 200;
const IDLE: Duration = Duration::from_secs(2);
/// What the brief asks of the front door.
const TARGET_RATIO: f64 = 1.2;
/// Idle RSS with the learned matcher's model in memory (issue 6 asks at most 40 MB).
const TARGET_IDLE_MB: f64 = 40.0;
const TARGET_GROWTH_MB: f64 = 64.0;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wants = |part: &str| args.is_empty() || args.iter().any(|a| a == part);
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "Signpost Discord front door through the fake Discord (127.0.0.1); {cpus} CPUs; {} build",
        if cfg!(debug_assertions) { "DEBUG" } else { "release" }
    );
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio");
    let t0 = Instant::now();
    if wants("latency") {
        rt.block_on(latency());
    }
    if wants("memory") {
        rt.block_on(memory());
    }
    if wants("redis") {
        rt.block_on(redis());
    }
    println!("\ndone in {:.1} s", t0.elapsed().as_secs_f64());
}

// ------------------------------------------------------------------------------------------------ statistics

struct Stats {
    n: usize,
    median: Duration,
    p99: Duration,
    max: Duration,
}

fn stats(samples: &[Duration]) -> Stats {
    let mut v = samples.to_vec();
    v.sort_unstable();
    let n = v.len();
    assert!(n > 0, "no samples");
    let at = |q: f64| v[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
    Stats { n, median: at(0.5), p99: at(0.99), max: v[n - 1] }
}

/// One measured case: the fake's clock and the bench's wall clock per interaction, and the loop's total.
struct Run {
    fake: Vec<Duration>,
    wall: Vec<Duration>,
    total: Duration,
    /// Callbacks the fake answered with an error status, or requests it found wrong.
    problems: usize,
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn print_header() {
    println!(
        "{:<34} {:>6} {:>11} {:>11} {:>11} {:>13} {:>11} {:>9}",
        "case", "n", "median ms", "p99 ms", "max ms", "wall med ms", "wall p99 ms", "per s"
    );
}

fn print_run(name: &str, r: &Run) {
    let f = stats(&r.fake);
    let w = stats(&r.wall);
    let per_s = r.wall.len() as f64 / r.total.as_secs_f64();
    let problems = if r.problems > 0 { format!("  ({} problem requests!)", r.problems) } else { String::new() };
    println!(
        "{name:<34} {:>6} {:>11} {:>11} {:>11} {:>13} {:>11} {per_s:>9.0}{problems}",
        f.n,
        ms(f.median),
        ms(f.p99),
        ms(f.max),
        ms(w.median),
        ms(w.p99)
    );
}

// ------------------------------------------------------------------------------------------------ round trips

/// Waits for the callback of `i` among the requests from `mark` on.
async fn callback_of(fake: &FakeDiscord, i: &InteractionRef, mark: usize) -> Recorded {
    let id = i.id;
    fake.wait_request_since(mark, move |r| r.is_callback() && r.interaction_id == Some(id), WAIT).await
}

impl Run {
    fn new() -> Self {
        Run { fake: Vec::new(), wall: Vec::new(), total: Duration::ZERO, problems: 0 }
    }
}

/// One interaction, sent after the previous callback: (wall, fake clock, callback).
async fn once(fake: &FakeDiscord, send: impl FnOnce(&FakeDiscord) -> InteractionRef) -> (Duration, Duration, Recorded) {
    let mark = fake.mark();
    let t = Instant::now();
    let i = send(fake);
    let cb = callback_of(fake, &i, mark).await;
    let wall = t.elapsed();
    (wall, fake.callback_latency(&i).unwrap_or(wall), cb)
}

/// A dialog in a DM (so it runs in place): `/decide`, then clicks alternating option 1 and Back, so every click
/// loads and stores the session and renders a question.
struct Clicker {
    user: TestUser,
    message: u64,
    ids: Vec<String>,
    /// The value of the first option of the select menu shown, if one is.
    first_value: String,
    clicks: usize,
}

fn first_select_value(r: &Recorded) -> String {
    let rows = r.message_data().and_then(|d| d["components"].as_array().cloned()).unwrap_or_default();
    rows.iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find_map(|c| c["options"][0]["value"].as_str().map(str::to_string))
        .unwrap_or_default()
}

impl Clicker {
    async fn start(fake: &FakeDiscord) -> Clicker {
        let user = TestUser::human();
        let decide = fake.slash_command_in(Where::Dm, "decide", json!([]), &user);
        let responses = fake.wait_interaction_responses(&decide, 2, WAIT).await;
        let first = responses
            .iter()
            .find(|r| r.method == "POST" && r.path.starts_with("/webhooks/"))
            .unwrap_or_else(|| panic!("/decide in a DM: no followup with the first question\n{}", fake.describe()));
        let message = first.response.as_ref().and_then(|m| id_of(&m["id"])).expect("the question message id");
        Clicker { user, message, ids: first.custom_ids(), first_value: first_select_value(first), clicks: 0 }
    }

    async fn click(&mut self, fake: &FakeDiscord) -> (Duration, Duration, Recorded) {
        // The first option (its button or the select menu), then Back.
        let action = |c: &String| c.rsplit(':').next().unwrap_or_default().to_string();
        let wanted = |a: &str| if self.clicks % 2 == 0 { a == "s" || a.starts_with('o') } else { a == "b" };
        let custom_id = self
            .ids
            .iter()
            .find(|c| wanted(&action(c)))
            .unwrap_or_else(|| panic!("click {}: no option or back among {:?}", self.clicks, self.ids))
            .clone();
        let (message, user, value) = (self.message, &self.user, self.first_value.clone());
        let r = once(fake, |f| {
            if custom_id.ends_with(":s") {
                f.select_choice(&custom_id, &[value.as_str()], message, user)
            } else {
                f.component_click(&custom_id, message, user)
            }
        })
        .await;
        assert_eq!(r.2.callback_type(), Some(7), "a click updates the question in place: {}", r.2.route());
        self.ids = r.2.custom_ids();
        self.first_value = first_select_value(&r.2);
        self.clicks += 1;
        r
    }
}

/// A bare poise bot answering `/ask` with Signpost's own answer and rendering (`Engine::ask`, `render::answer`,
/// `Out::reply`), without Signpost's framework setup: it tells the cost of the reply from the cost of the wiring.
mod reference {
    use std::{sync::Arc, time::Duration};

    use poise::serenity_prelude as serenity;
    use signpost::{
        discord::render::{self, Out},
        Engine,
    };

    use crate::fake_discord::{bare_bot, FakeDiscord};

    pub type Error = Box<dyn std::error::Error + Send + Sync>;
    type Context<'a> = poise::Context<'a, Arc<Engine>, Error>;

    /// Signpost's answer to `question`, rendered as Signpost renders it.
    fn answer_out(engine: &Engine, question: &str) -> Out {
        match engine.ask(question) {
            Ok(answer) => render::answer(engine, &answer),
            Err(e) => Out::text(format!("Sorry: {e}")).ephemeral(),
        }
    }

    /// Ask a question (Signpost's answer on a bare poise bot)
    #[poise::command(slash_command)]
    pub async fn ask(ctx: Context<'_>, #[description = "Your question"] question: String) -> Result<(), Error> {
        ctx.send(answer_out(ctx.data(), &question).reply()).await?;
        Ok(())
    }

    /// Signpost's answer with its Helpful / Not helpful row (what the vote buttons cost, alone)
    #[poise::command(slash_command)]
    pub async fn askv(ctx: Context<'_>, #[description = "Your question"] question: String) -> Result<(), Error> {
        let mut out = answer_out(ctx.data(), &question);
        out.push_row(render::vote_row(signpost::learn::record_id(signpost::session::now(), 7), "faq:is-flask-faster"));
        ctx.send(out.reply()).await?;
        Ok(())
    }

    // A control: as many more bytes as the vote row adds, as plain content (the buttons' cost is not their size).
    /// Signpost's answer padded with plain content
    #[poise::command(slash_command)]
    pub async fn askp(ctx: Context<'_>, #[description = "Your question"] question: String) -> Result<(), Error> {
        let mut out = answer_out(ctx.data(), &question);
        out.content = Some("x".repeat(235));
        ctx.send(out.reply()).await?;
        Ok(())
    }

    /// Starts it against `fake`; the returned task runs the client.
    pub async fn spawn(fake: &FakeDiscord) -> tokio::task::JoinHandle<Result<(), serenity::Error>> {
        let framework = poise::Framework::builder()
            .options(poise::FrameworkOptions { commands: vec![ask(), askv(), askp()], ..Default::default() })
            .setup(|ctx, _ready, framework| {
                Box::pin(async move {
                    poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                    Ok(Arc::new(Engine::load(None)?))
                })
            })
            .build();
        let client = serenity::ClientBuilder::new_with_http(fake.http(), bare_bot::intents()).framework(framework);
        let mut client = tokio::time::timeout(Duration::from_secs(10), client)
            .await
            .expect("building the serenity client timed out")
            .expect("building the serenity client failed");
        tokio::spawn(async move { client.start().await })
    }
}

/// Medians of the bench-side work inside a round trip: the fake's schema check of a callback body, and the core's
/// answer plus its rendering (what `/ask` does besides Discord I/O).
fn median_of(n: usize, mut f: impl FnMut()) -> Duration {
    let samples: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    stats(&samples).median
}

fn schema_check_cost(fake: &FakeDiscord, pred: impl Fn(&Recorded) -> bool) -> Option<(Duration, usize)> {
    let r = fake.requests_matching(|r| r.is_callback() && pred(r)).pop()?;
    let body = r.body.clone()?;
    let size = body.to_string().len();
    let cost = median_of(300, || {
        std::hint::black_box(openapi::check_request(&r.method, &r.path, Some(&body)));
    });
    Some((cost, size))
}

async fn start_signpost(
    fake: &FakeDiscord,
    data_dir: &Path,
    learn: bool,
) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    start_signpost_on(fake, data_dir, None, learn).await
}

/// As [`start_signpost`], with the sessions in the Redis at `redis` when given.
async fn start_signpost_on(
    fake: &FakeDiscord,
    data_dir: &Path,
    redis: Option<String>,
    learn: bool,
) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let base = fake.base_url();
    let dir = data_dir.display().to_string();
    let env = move |k: &str| match k {
        "DISCORD_TOKEN" => Some(TOKEN.to_string()),
        "SIGNPOST_DISCORD_PROXY" => Some(base.clone()),
        "SIGNPOST_DATA_DIR" => Some(dir.clone()),
        "SIGNPOST_REDIS_URL" => redis.clone(),
        _ => None,
    };
    let config = Config::from_parts(None, "bench", env).expect("config");
    let store = Backend::open(config.redis_url.as_deref())
        .and_then(|b| b.sessions(&config.data_dir, config.session_ttl))
        .expect("session store");
    let clock = store.clock().clone();
    let mut bot = Bot::new(&config, Engine::load(None).expect("built-in knowledge"), store);
    if learn {
        let policy = Policy { keep_texts: config.log_questions, retention: config.log_retention };
        let learning = Learning::open(&config.data_dir, policy, clock).expect("learning store");
        bot = bot.with_learning(learning).expect("settings");
    }
    let bot = Arc::new(bot);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        if let Err(e) = signpost::discord::run(config, bot, async move {
            let _ = stopped.await;
        })
        .await
        {
            eprintln!("signpost::discord::run: {e:#}");
        }
    });
    fake.wait_ready(WAIT).await;
    fake.wait_commands(WAIT).await;
    (stop, task)
}

/// The measured cases, each against its own fake and bot.
const CASES: [&str; 10] = [
    "bare poise /ping",
    "bare poise /embed (small embed)",
    "poise + Signpost's /ask reply",
    "signpost /ask, no question log",
    "signpost dialog click (DM)",
    "signpost /ask + log + votes",
    "poise + Signpost's reply + votes",
    "poise + reply + 235 B content",
    "signpost /ask, no log, no echo",
    "signpost /ask+log+votes, no echo",
];
/// The question log may cost the /ask round trip at most this much (its write is off the reply path).
const TARGET_LOG_RATIO: f64 = 1.10;
/// Interactions per case and block; the blocks rotate through the cases, so drift on a shared machine hits every
/// case alike.
const BLOCKS: usize = 10;

async fn latency() {
    println!("\n## Round trips, sequential, interleaved in {BLOCKS} blocks (N = {N} each after {WARMUP} warm-up; clicks N = {CLICKS} after {CLICK_WARMUP})");
    println!("median / p99 / max: fake clock (interaction queued -> callback recorded); per s: sequential throughput");
    let user = TestUser::human();

    let bare_fake = FakeDiscord::start().await;
    let bare = bare_bot::spawn(&bare_fake).await;
    bare_fake.wait_ready(WAIT).await;
    bare_fake.wait_commands(WAIT).await;

    let ref_fake = FakeDiscord::start().await;
    let ref_bot = reference::spawn(&ref_fake).await;
    ref_fake.wait_ready(WAIT).await;
    ref_fake.wait_commands(WAIT).await;

    let sp_fake = FakeDiscord::start().await;
    let data = tempfile::tempdir().expect("tempdir");
    let (stop, task) = start_signpost(&sp_fake, data.path(), false).await;
    let mut clicker = Clicker::start(&sp_fake).await;
    // The same bot with votes, the question log and settings, as `signpost serve` runs it.
    let log_fake = FakeDiscord::start().await;
    let log_data = tempfile::tempdir().expect("tempdir");
    let (log_stop, log_task) = start_signpost(&log_fake, log_data.path(), true).await;
    // Both again, on fakes that do not send the bot its own answers back as MESSAGE_CREATE: serenity parses that
    // event (buttons and all) as the next interaction arrives, which a sequential loop charges to the next one.
    let mut quiet = Vec::new();
    for learn in [false, true] {
        let fake = FakeDiscord::start().await;
        fake.set_echo_bot_messages(false);
        let data = tempfile::tempdir().expect("tempdir");
        let (stop, task) = start_signpost(&fake, data.path(), learn).await;
        quiet.push((fake, data, stop, task));
    }

    let mut runs: Vec<Run> = CASES.iter().map(|_| Run::new()).collect();
    let ask_options = || json!([opt("question", QUESTION)]);
    for block in 0..=BLOCKS {
        // Block 0 is the warm-up.
        for c in 0..CASES.len() {
            let case = (c + block) % CASES.len();
            let (count, warm) = if case == 4 { (CLICKS / BLOCKS, CLICK_WARMUP) } else { (N / BLOCKS, WARMUP) };
            let count = if block == 0 { warm } else { count };
            let started = Instant::now();
            for _ in 0..count {
                let (wall, fake, cb) = match case {
                    0 => once(&bare_fake, |f| f.slash_command("ping", json!([]), &user)).await,
                    1 => once(&bare_fake, |f| f.slash_command("embed", json!([]), &user)).await,
                    2 => once(&ref_fake, |f| f.slash_command("ask", ask_options(), &user)).await,
                    3 => once(&sp_fake, |f| f.slash_command("ask", ask_options(), &user)).await,
                    5 => once(&log_fake, |f| f.slash_command("ask", ask_options(), &user)).await,
                    6 => once(&ref_fake, |f| f.slash_command("askv", ask_options(), &user)).await,
                    7 => once(&ref_fake, |f| f.slash_command("askp", ask_options(), &user)).await,
                    8 => once(&quiet[0].0, |f| f.slash_command("ask", ask_options(), &user)).await,
                    9 => once(&quiet[1].0, |f| f.slash_command("ask", ask_options(), &user)).await,
                    _ => clicker.click(&sp_fake).await,
                };
                if block > 0 {
                    let run = &mut runs[case];
                    run.wall.push(wall);
                    run.fake.push(fake);
                    run.problems += usize::from(cb.status >= 300 || cb.problem.is_some());
                }
            }
            if block > 0 {
                runs[case].total += started.elapsed();
            }
        }
    }

    let checks = [
        ("/ping", schema_check_cost(&bare_fake, |r| r.content() == Some("pong"))),
        ("/embed", schema_check_cost(&bare_fake, |r| !r.embeds().is_empty())),
        ("/ask", schema_check_cost(&sp_fake, |r| r.callback_type() == Some(4) && !r.embeds().is_empty())),
        ("click", schema_check_cost(&sp_fake, |r| r.callback_type() == Some(7))),
        ("/ask+v", schema_check_cost(&log_fake, |r| r.callback_type() == Some(4) && !r.embeds().is_empty())),
    ];
    let unexpected = sp_fake.unexpected_requests().len()
        + sp_fake.openapi_violations().len()
        + log_fake.unexpected_requests().len()
        + log_fake.openapi_violations().len();
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    let _ = log_stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), log_task).await;
    for (_, _, stop, task) in quiet.drain(..) {
        let _ = stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    let logged = signpost::learn::RedbLearn::open(log_data.path())
        .and_then(|s| signpost::learn::Learn::snapshot(&s, 0, u64::MAX >> 20))
        .map_or(0, |s| s.records.len());
    bare.shutdown().await;
    ref_bot.abort();

    // The core's share of /ask: answering and rendering, without Discord.
    let engine = Engine::load(None).expect("built-in knowledge");
    let core = median_of(2_000, || {
        let a = engine.ask(std::hint::black_box(QUESTION)).expect("an answer");
        std::hint::black_box(render::answer(&engine, &a).reply());
    });

    println!();
    print_header();
    for (name, run) in CASES.iter().zip(&runs) {
        print_run(name, run);
    }
    let (p, e, r, a) = (stats(&runs[0].fake), stats(&runs[1].fake), stats(&runs[2].fake), stats(&runs[3].fake));
    let logged_ask = stats(&runs[5].fake);
    let ref_votes = stats(&runs[6].fake);
    let ratio = |x: Duration, y: Duration| x.as_secs_f64() / y.as_secs_f64();
    let verdict = |r: f64| if r <= TARGET_RATIO { "ok" } else { "OVER" };
    let (rm, rp) = (ratio(a.median, p.median), ratio(a.p99, p.p99));
    println!(
        "\nsignpost /ask / bare /ping: median {rm:.2}x ({}), p99 {rp:.2}x ({})  [target <= {TARGET_RATIO}x]",
        verdict(rm),
        verdict(rp)
    );
    println!("signpost /ask / bare /embed: median {:.2}x, p99 {:.2}x", ratio(a.median, e.median), ratio(a.p99, e.p99));
    println!(
        "signpost /ask / poise + Signpost's reply: median {:.2}x, p99 {:.2}x (Signpost's wiring alone)",
        ratio(a.median, r.median),
        ratio(a.p99, r.p99)
    );
    let lm = ratio(logged_ask.median, a.median);
    println!(
        "signpost /ask with the question log / without: median {lm:.2}x ({}), p99 {:.2}x  [target <= {TARGET_LOG_RATIO}x; \
         {logged} records written]",
        if lm <= TARGET_LOG_RATIO { "ok" } else { "OVER" },
        ratio(logged_ask.p99, a.p99)
    );
    println!(
        "the vote buttons alone, on the bare poise bot: median {:.2}x its reply without them; signpost /ask with the \
         log / poise + the same reply with votes: median {:.2}x (the log's share)",
        ratio(ref_votes.median, r.median),
        ratio(logged_ask.median, ref_votes.median)
    );
    let (quiet_plain, quiet_logged) = (stats(&runs[8].fake), stats(&runs[9].fake));
    println!(
        "without the echo of the bot's own answer (MESSAGE_CREATE): signpost /ask with the log and votes / \
         without: median {:.2}x, p99 {:.2}x (the reply path's own cost)",
        ratio(quiet_logged.median, quiet_plain.median),
        ratio(quiet_logged.p99, quiet_plain.p99)
    );
    println!("inside a round trip (medians, in this process):");
    println!("  signpost core: Engine::ask + render::answer + reply   {} ms", ms(core));
    for (name, c) in checks {
        if let Some((cost, size)) = c {
            println!("  fake's schema check of a {name:<6} callback ({size:>5} B)  {} ms", ms(cost));
        }
    }
    if unexpected > 0 {
        println!("  WARNING: the fake saw {unexpected} unexpected requests or OpenAPI violations from Signpost");
    }
}

// ------------------------------------------------------------------------------------------------ memory

/// The `signpost` binary cargo built for this bench (`CARGO_BIN_EXE_signpost`, under the bench profile, which is
/// the release profile).
fn signpost_binary() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_signpost"));
    assert!(bin.exists(), "{} is missing: run `cargo build --release --bin signpost`", bin.display());
    bin
}

/// (VmRSS, VmHWM) in kB.
fn rss_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/PID/status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// User + system CPU time of `pid` (clock ticks of 10 ms, as on every Linux the bench runs on).
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, r)| r.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn file_mb(dir: &Path) -> f64 {
    std::fs::metadata(dir.join("sessions.redb")).map_or(0.0, |m| m.len() as f64 / (1024.0 * 1024.0))
}

/// A tiny deterministic generator (xorshift), so every run stores the same sessions.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Distinct states of running dialogs (random valid paths that stop before the verdict) and the number of options
/// of the question each is at.
fn running_states(engine: &Engine, count: usize, rng: &mut Rng) -> Vec<(State, usize)> {
    let machine = engine.dialog();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let (mut state, mut q) = machine.start().expect("the dialog starts");
        for _ in 0..rng.below(8) {
            let (next, outcome) = machine.step(&state, Input::Choose(rng.below(q.options.len()))).expect("a step");
            match outcome {
                Outcome::Question(next_q) => {
                    state = next;
                    q = next_q;
                }
                _ => break,
            }
        }
        out.push((state, q.options.len()));
    }
    out
}

type Stored = Vec<(SessionKey, Session)>;

/// The stored sessions: `count` of them over 40,000 users and 64 channels (the fake's two, then thread-like ids),
/// at most three per user. The first 2 x ACTIVITY keys in the fake's channels are returned apart, for activity.
fn sessions(engine: &Engine, count: usize) -> (Stored, Stored) {
    const USERS: usize = 40_000;
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let states = running_states(engine, 997, &mut rng);
    let channels: Vec<u64> = [CHANNEL_ID, OTHER_CHANNEL_ID]
        .into_iter()
        .chain((0..62u64).map(|j| 1_310_000_000_000_000_000 + j * 4_194_304 * 1_000))
        .collect();
    let updated = now();
    let mut all = Vec::with_capacity(count);
    let mut active = Vec::new();
    for i in 0..count {
        let (u, c) = (i % USERS, i / USERS);
        let channel = channels[(u * 7 + c) % channels.len()];
        let key = SessionKey { user: 900_000_000_000_000_000 + (u as u64) * 65_537, channel };
        let (state, _) = &states[rng.below(states.len())];
        let answers = session::answer_ids(engine.kb(), state);
        let session = Session { answers, nonce: 1, version: state.picks.len() as u32 + 1, updated, in_place: false };
        if active.len() < 2 * ACTIVITY && [CHANNEL_ID, OTHER_CHANNEL_ID].contains(&channel) {
            active.push((key, session.clone()));
        }
        all.push((key, session));
    }
    assert_eq!(active.len(), 2 * ACTIVITY, "not enough sessions in the fake's channels");
    (all, active)
}

struct Served {
    child: Child,
    pid: u32,
    log: PathBuf,
}

impl Served {
    fn spawn(fake: &FakeDiscord, dir: &Path) -> Served {
        let log = dir.join("serve.log");
        let stderr = std::fs::File::create(&log).expect("log file");
        // The working directory is the data dir's parent, so no ./signpost.toml is read.
        let child = Command::new(signpost_binary())
            .arg("serve")
            .current_dir(dir)
            .env("DISCORD_TOKEN", TOKEN)
            .env("SIGNPOST_DISCORD_PROXY", fake.base_url())
            .env("SIGNPOST_DATA_DIR", dir.join("data"))
            .env("RUST_LOG", "info,serenity=warn,poise=warn")
            .env_remove("SIGNPOST_GUILD_ID")
            .env_remove("SIGNPOST_HELP_CHANNELS")
            .env_remove("SIGNPOST_KNOWLEDGE")
            .env_remove("SIGNPOST_SESSION_TTL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start signpost serve");
        let pid = child.id();
        Served { child, pid, log }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// SIGTERM, then up to 10 s for a clean exit (SIGKILL after that).
    fn stop(mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.pid.to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                if !status.success() {
                    println!("  note: signpost serve exited with {status}\n{}", self.log_tail());
                }
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        println!("  note: signpost serve did not stop within 10 s of SIGTERM; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

struct Snapshot {
    label: String,
    sessions: usize,
    file_mb: f64,
    rss_kb: u64,
    hwm_kb: u64,
    cpu: Duration,
}

fn snapshot(label: &str, served: &Served, sessions: usize, dir: &Path) -> Snapshot {
    let (rss_kb, hwm_kb) = rss_kb(served.pid);
    Snapshot {
        label: label.to_string(),
        sessions,
        file_mb: file_mb(&dir.join("data")),
        rss_kb,
        hwm_kb,
        cpu: cpu_time(served.pid),
    }
}

/// Clicks (option 1 of the question each session is at) and typed answers ("1") on stored sessions, one at a
/// time, each waited for. Returns the medians of both round trips.
async fn activity(fake: &FakeDiscord, engine: &Engine, active: &[(SessionKey, Session)]) -> (Duration, Duration) {
    let http = fake.http();
    let machine = engine.dialog();
    let (click_on, type_in) = active.split_at(ACTIVITY);
    let mut clicks = Vec::with_capacity(ACTIVITY);
    for (n, (key, session)) in click_on.iter().enumerate() {
        let user = TestUser::new(key.user, &format!("user{n}"));
        let Ok(Outcome::Question(q)) = machine.current(&session::resolve(engine.kb(), &session.answers).state) else {
            panic!("a stored state is at a question")
        };
        // The question as the bot posted it, so the click comes from a message the fake stores.
        let posted = serenity::ChannelId::new(key.channel)
            .send_message(&http, render::question(&q, *key, session.nonce, session.version, None).message())
            .await
            .expect("post the question message");
        let select = q.options.len() > render::MAX_BUTTONS_PER_ROW;
        let first = q.options[0].id.clone();
        let action = if select { Action::Select } else { Action::Option(first.clone()) };
        let custom_id =
            ComponentId::Dialog { key: *key, nonce: session.nonce, version: session.version, action }.encode();
        let mark = fake.mark();
        let t = Instant::now();
        let i = if select {
            fake.select_choice(&custom_id, &[first.as_str()], posted.id.get(), &user)
        } else {
            fake.component_click(&custom_id, posted.id.get(), &user)
        };
        let cb = callback_of(fake, &i, mark).await;
        clicks.push(t.elapsed());
        assert_eq!(cb.callback_type(), Some(7), "the click on a stored session updates the question: {cb:?}");
    }
    let mut typed = Vec::with_capacity(ACTIVITY);
    for (n, (key, _)) in type_in.iter().enumerate() {
        let user = TestUser::new(key.user, &format!("typist{n}"));
        let mark = fake.mark();
        let t = Instant::now();
        let msg = fake.message_create(key.channel, &user, "1", &[], Some(GUILD_ID));
        let mid = msg["id"].clone();
        let path = format!("/channels/{}/messages", key.channel);
        fake.wait_request_since(
            mark,
            move |r| {
                r.method == "POST"
                    && r.path == path
                    && r.body.as_ref().is_some_and(|b| b["message_reference"]["message_id"] == mid)
            },
            WAIT,
        )
        .await;
        typed.push(t.elapsed());
    }
    (stats(&clicks).median, stats(&typed).median)
}

/// Starts `signpost serve` on `dir/data` (already filled), waits for its commands, idles, drives the activity.
async fn serve_and_measure(
    name: &str,
    dir: &Path,
    stored: usize,
    engine: &Engine,
    active: &[(SessionKey, Session)],
    out: &mut Vec<Snapshot>,
) -> (Duration, Duration, Duration) {
    let fake = FakeDiscord::start().await;
    let t = Instant::now();
    let served = Served::spawn(&fake, dir);
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        fake.wait_ready(Duration::from_secs(30)).await;
        fake.wait_commands(Duration::from_secs(30)).await;
    })
    .await;
    if ready.is_err() {
        panic!("signpost serve did not register its commands in 30 s\n{}", served.log_tail());
    }
    let startup = t.elapsed();
    tokio::time::sleep(IDLE).await;
    out.push(snapshot(&format!("{name}: idle {}s after ready", IDLE.as_secs()), &served, stored, dir));
    let (click, typed) = activity(&fake, engine, active).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    out.push(snapshot(&format!("{name}: after {ACTIVITY} clicks + {ACTIVITY} answers"), &served, stored, dir));
    if !fake.unexpected_requests().is_empty() || !fake.openapi_violations().is_empty() {
        println!(
            "  WARNING ({name}): {} unexpected requests, {} OpenAPI violations",
            fake.unexpected_requests().len(),
            fake.openapi_violations().len()
        );
    }
    served.stop();
    (startup, click, typed)
}

async fn memory() {
    println!("\n## Memory of `signpost serve` (a child process; the binary cargo built for this bench)");
    let bin = signpost_binary();
    println!("binary: {} ({:.1} MB)", bin.display(), std::fs::metadata(&bin).map_or(0, |m| m.len()) as f64 / 1e6);
    let engine = Engine::load(None).expect("built-in knowledge");
    let t = Instant::now();
    let (all, active) = sessions(&engine, STORED_SESSIONS);
    let generated = t.elapsed();
    let mut snaps = Vec::new();

    // A: only the sessions the activity touches.
    let small = tempfile::tempdir().expect("tempdir");
    {
        let store = SessionStore::open(&small.path().join("data"), Duration::from_secs(15 * 60)).expect("store");
        store.put_many(active.iter().map(|(k, s)| (*k, s))).expect("put_many");
    }
    let (start_a, click_a, typed_a) =
        serve_and_measure("A, 400 sessions", small.path(), active.len(), &engine, &active, &mut snaps).await;

    // B: 100,000 stored sessions (the same 400 among them).
    let big = tempfile::tempdir().expect("tempdir");
    let (fill, purge, get, put) = {
        let store = SessionStore::open(&big.path().join("data"), Duration::from_secs(15 * 60)).expect("store");
        let t = Instant::now();
        store.put_many(all.iter().map(|(k, s)| (*k, s))).expect("put_many");
        let fill = t.elapsed();
        assert_eq!(store.len().expect("len"), STORED_SESSIONS as u64);
        // What the bot's purge tick does every minute (nothing is expired here).
        let t = Instant::now();
        let purged = store.purge_expired(now()).expect("purge");
        let purge = t.elapsed();
        assert_eq!(purged, 0);
        let mut rng = Rng(7);
        let get = median_of(200, || {
            let (k, _) = &all[rng.below(all.len())];
            std::hint::black_box(store.get(*k).expect("get"));
        });
        let put = median_of(50, || {
            let (k, s) = &all[rng.below(all.len())];
            store.put(*k, s).expect("put");
        });
        (fill, purge, get, put)
    };
    let file_b = file_mb(&big.path().join("data"));
    let (start_b, click_b, typed_b) =
        serve_and_measure("B, 100,000 sessions", big.path(), STORED_SESSIONS, &engine, &active, &mut snaps).await;

    println!();
    println!(
        "{:<50} {:>9} {:>9} {:>10} {:>10} {:>8}",
        "process", "sessions", "file MB", "VmRSS MB", "VmHWM MB", "CPU s"
    );
    for s in &snaps {
        println!(
            "{:<50} {:>9} {:>9.1} {:>10.1} {:>10.1} {:>8.2}",
            s.label,
            s.sessions,
            s.file_mb,
            mb(s.rss_kb),
            mb(s.hwm_kb),
            s.cpu.as_secs_f64()
        );
    }
    let idle = snaps[0].rss_kb;
    let busy_b = snaps[3].rss_kb;
    let growth = mb(busy_b) - mb(idle);
    println!(
        "\nidle RSS: {:.1} MB ({})  [target < {TARGET_IDLE_MB} MB]",
        mb(idle),
        if mb(idle) < TARGET_IDLE_MB { "ok" } else { "OVER" }
    );
    println!(
        "100,000 sessions after activity vs idle: {growth:+.1} MB ({})  [target < +{TARGET_GROWTH_MB} MB]; \
         B idle vs A idle: {:+.1} MB; HWM B vs A idle: {:+.1} MB",
        if growth < TARGET_GROWTH_MB { "ok" } else { "OVER" },
        mb(snaps[2].rss_kb) - mb(idle),
        mb(snaps[3].hwm_kb) - mb(idle),
    );
    println!(
        "sessions.redb with 100,000 sessions: {file_b:.1} MB ({:.0} B a session); generated in {:.2} s, put_many {:.2} s",
        file_b * 1024.0 * 1024.0 / STORED_SESSIONS as f64,
        generated.as_secs_f64(),
        fill.as_secs_f64()
    );
    println!(
        "store with 100,000 sessions, in this process: purge_expired (the 60 s tick) {} ms, get {} ms, put {} ms \
         (medians; put is a durable commit)",
        ms(purge),
        ms(get),
        ms(put)
    );
    println!(
        "serve: ready (commands registered) after {:.2} s (A) / {:.2} s (B); round trips click {} / {} ms, \
         typed answer {} / {} ms (medians, A / B)",
        start_a.as_secs_f64(),
        start_b.as_secs_f64(),
        ms(click_a),
        ms(click_b),
        ms(typed_a),
        ms(typed_b)
    );
}

// ------------------------------------------------------------------------------------------------ redis

/// `used_memory` of `INFO memory`, in bytes.
fn redis_used_memory(server: &redis_server::RedisServer) -> u64 {
    let info = server.command(&["INFO", "memory"]);
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no used_memory in INFO memory:\n{info}"))
}

async fn redis() {
    println!("\n## Sessions in Redis against the embedded store (redis-server on 127.0.0.1, started here)");
    let server = redis_server::RedisServer::start();
    println!(
        "redis: {}",
        server.command(&["INFO", "server"]).lines().find(|l| l.starts_with("redis_version")).unwrap_or("?").trim()
    );

    // Round trips: the same dialog clicks (load, plan, compare-and-set, render) against each store, interleaved.
    let redb_fake = FakeDiscord::start().await;
    let redb_dir = tempfile::tempdir().expect("tempdir");
    let (stop_redb, task_redb) = start_signpost(&redb_fake, redb_dir.path(), false).await;
    let redis_fake = FakeDiscord::start().await;
    let redis_dir = tempfile::tempdir().expect("tempdir");
    let (stop_redis, task_redis) = start_signpost_on(&redis_fake, redis_dir.path(), Some(server.url()), false).await;
    let mut clickers = [Clicker::start(&redb_fake).await, Clicker::start(&redis_fake).await];
    let fakes = [&redb_fake, &redis_fake];
    let names = ["signpost dialog click, redb", "signpost dialog click, Redis"];
    let mut runs = [Run::new(), Run::new()];
    for block in 0..=BLOCKS {
        for c in 0..2 {
            let case = (c + block) % 2;
            let count = if block == 0 { CLICK_WARMUP } else { CLICKS / BLOCKS };
            let started = Instant::now();
            for _ in 0..count {
                let (wall, fake, cb) = clickers[case].click(fakes[case]).await;
                if block > 0 {
                    runs[case].wall.push(wall);
                    runs[case].fake.push(fake);
                    runs[case].problems += usize::from(cb.status >= 300 || cb.problem.is_some());
                }
            }
            if block > 0 {
                runs[case].total += started.elapsed();
            }
        }
    }
    let _ = stop_redb.send(());
    let _ = stop_redis.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), task_redb).await;
    let _ = tokio::time::timeout(Duration::from_secs(10), task_redis).await;
    println!("\nclicks N = {CLICKS} each after {CLICK_WARMUP} warm-up, {BLOCKS} interleaved blocks");
    print_header();
    for (name, run) in names.iter().zip(&runs) {
        print_run(name, run);
    }
    let (a, b) = (stats(&runs[0].fake), stats(&runs[1].fake));
    println!(
        "Redis / redb: median {:.2}x, p99 {:.2}x",
        b.median.as_secs_f64() / a.median.as_secs_f64(),
        b.p99.as_secs_f64() / a.p99.as_secs_f64()
    );

    // Memory: the same 100,000 sessions in Redis (its own accounting) and in a redb file.
    let engine = Engine::load(None).expect("built-in knowledge");
    let (all, _) = sessions(&engine, STORED_SESSIONS);
    let ttl = Duration::from_secs(15 * 60);
    let store = Backend::open(Some(&server.url())).and_then(|b| b.sessions(Path::new("unused"), ttl)).expect("redis");
    let before = redis_used_memory(&server);
    let t = Instant::now();
    store.put_many(all.iter().map(|(k, s)| (*k, s))).expect("put_many");
    let fill = t.elapsed();
    let after = redis_used_memory(&server);
    let rows = store.len().expect("rows");
    let redb = tempfile::tempdir().expect("tempdir");
    {
        let file = SessionStore::open(&redb.path().join("data"), ttl).expect("redb");
        file.put_many(all.iter().map(|(k, s)| (*k, s))).expect("put_many");
    }
    let grew = after.saturating_sub(before);
    println!(
        "\n{} sessions ({rows} keys) in Redis: used_memory {:.1} MB -> {:.1} MB (+{:.1} MB, {} B a session); \
         written in {:.2} s (pipelined)",
        all.len(),
        before as f64 / 1e6,
        after as f64 / 1e6,
        grew as f64 / 1e6,
        grew / all.len() as u64,
        fill.as_secs_f64()
    );
    println!("the same sessions in sessions.redb: {:.1} MB on disk", file_mb(&redb.path().join("data")));
}
