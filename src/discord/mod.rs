//! The Discord front door: serenity through poise. A thin layer: parse the event, call the core, render the reply.
//!
//! - `commands`: the slash commands and the "Ask Signpost" message command (their `///` docs are the help text).
//! - `messages`: conversational prompts (mentions, DMs, help channels) and free text typed in a decision thread.
//! - `components`: clicks on buttons and select menus.
//! - `decision`: starting a guided decision (in a thread when it can) and applying a step to a stored session.
//! - `render`: core values as embeds and components, within Discord's limits, pinging nobody.
//! - `feedback`: what answers leave in the question log, and clicks on Helpful / Not helpful, `Still need help?` and
//!   `Share`.
//! - `settings`: the `/settings` command (a server's help channels, confidence threshold and helper role).
//! - `ids`: what a component's custom_id means.

mod commands;
mod components;
mod decision;
mod feedback;
mod forums;
pub mod ids;
mod messages;
mod places;
mod record;
pub mod render;
mod send;
mod settings;
mod solved;

use std::{
    collections::HashSet,
    future::Future,
    path::PathBuf,
    sync::{Arc, RwLock},
    time::Duration,
};

use anyhow::Context as _;
use poise::serenity_prelude as serenity;
use tracing::{error, info, warn};

use crate::{
    config::{redact_url, Config},
    learn::{Cooldown, GuildSettings, HelpMode, LearnError, Learning},
    metrics::Metrics,
    session::SessionStore,
    Engine,
};

pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Arc<Bot>, Error>;

/// What every handler shares. Cheap to clone behind its `Arc`.
pub struct Bot {
    engine: RwLock<Arc<Engine>>,
    knowledge_dir: Option<PathBuf>,
    pub store: SessionStore,
    help_channels: HashSet<u64>,
    help_min_confidence: f64,
    /// The Message Content intent is asked for: help channels and typed dialog answers work.
    message_content: bool,
    places: places::Places,
    /// Help forums' posts with their vectors, for similar earlier posts.
    forum_index: Arc<forums::Cache>,
    decide_cooldown: Duration,
    /// When each user last started a decision.
    started: std::sync::Mutex<std::collections::HashMap<u64, std::time::Instant>>,
    pub metrics: Arc<Metrics>,
    /// Votes, the question log and server settings; `None`: none of them (no vote buttons either).
    learning: Option<Learning>,
    /// Every server's `/settings`: read at start-up, written through on each change made through this process, and
    /// read again when another process changed them (see [`SETTINGS_REFRESH`]).
    guilds: RwLock<std::collections::HashMap<u64, GuildSettings>>,
    /// The store's settings version `guilds` was read at.
    guilds_version: std::sync::atomic::AtomicU64,
    /// When each user last pinged a server's helpers (when the store keeps no cooldowns: the embedded one).
    helped: std::sync::Mutex<std::collections::HashMap<u64, std::time::Instant>>,
    /// Held while a reload runs: one at a time (`/reload` and SIGHUP alike).
    reloading: tokio::sync::Mutex<()>,
}

/// How soon one user may ping a server's helpers again.
pub const HELP_COOLDOWN: Duration = Duration::from_secs(10 * 60);

/// How often a process asks the store whether any server's settings changed (through another process sharing the
/// store). Server settings are read on every message in a server (is this a help channel?), so they are cached in
/// memory rather than read through; the check costs one `GET` of a counter on Redis (nothing on the embedded store,
/// which only this process writes), and only a change re-reads them. A change made through one process reaches
/// the others within this period.
pub const SETTINGS_REFRESH: Duration = Duration::from_secs(2);

impl Bot {
    pub fn new(config: &Config, engine: Engine, store: SessionStore) -> Self {
        Self {
            engine: RwLock::new(Arc::new(engine)),
            knowledge_dir: config.knowledge.clone(),
            store,
            help_channels: config.help_channels.iter().copied().collect(),
            help_min_confidence: f64::from(config.help_channel_min_confidence),
            message_content: config.message_content,
            places: places::Places::default(),
            forum_index: Arc::default(),
            decide_cooldown: config.decide_cooldown,
            started: std::sync::Mutex::default(),
            metrics: Arc::new(Metrics::new()),
            learning: None,
            guilds: RwLock::default(),
            guilds_version: std::sync::atomic::AtomicU64::new(0),
            helped: std::sync::Mutex::default(),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// The bot with votes, the question log and server settings kept in `learning` (reads every server's settings).
    pub fn with_learning(mut self, learning: Learning) -> Result<Self, LearnError> {
        self.learning = Some(learning);
        self.refresh_guild_settings(true)?;
        Ok(self)
    }

    /// Reads every server's settings again if the store says they changed since they were read (or if `always`);
    /// returns whether it read them. Blocking: call it off the async workers.
    pub fn refresh_guild_settings(&self, always: bool) -> Result<bool, LearnError> {
        use std::sync::atomic::Ordering;
        let Some(learning) = &self.learning else { return Ok(false) };
        // The version first: a change landing between the two reads is read again at the next check.
        let version = learning.store().settings_version()?;
        if !always && version == self.guilds_version.load(Ordering::Acquire) {
            return Ok(false);
        }
        let all = learning.store().all_settings()?;
        *self.guilds.write().unwrap_or_else(|e| e.into_inner()) = all.into_iter().collect();
        self.guilds_version.store(version, Ordering::Release);
        Ok(true)
    }

    pub fn learning(&self) -> Option<&Learning> {
        self.learning.as_ref()
    }

    /// A server's settings (what it never set is `None`).
    pub fn guild_settings(&self, guild: Option<u64>) -> GuildSettings {
        let Some(g) = guild else { return GuildSettings::default() };
        self.guilds.read().unwrap_or_else(|e| e.into_inner()).get(&g).cloned().unwrap_or_default()
    }

    fn set_guild_settings(&self, guild: u64, settings: GuildSettings) {
        self.guilds.write().unwrap_or_else(|e| e.into_inner()).insert(guild, settings);
    }

    /// Whether `channel` is a help channel or forum of `guild` (its `/settings`, else the configuration).
    fn is_help_channel(&self, guild: Option<u64>, channel: u64) -> bool {
        match self.guild_settings(guild).help_channels {
            Some(list) => list.contains(&channel),
            None => self.help_channels.contains(&channel),
        }
    }

    /// How the bot behaves in help channel `channel` of `guild` (`auto` unless `/settings` said otherwise).
    fn help_mode(&self, guild: Option<u64>, channel: u64) -> HelpMode {
        self.guild_settings(guild).modes.get(&channel).copied().unwrap_or_default()
    }

    fn has_help_channels(&self, guild: Option<u64>) -> bool {
        match self.guild_settings(guild).help_channels {
            Some(list) => !list.is_empty(),
            None => !self.help_channels.is_empty(),
        }
    }

    /// How sure the bot must be to speak in `guild`'s help channels.
    fn min_confidence(&self, guild: Option<u64>) -> f64 {
        self.guild_settings(guild).min_confidence.unwrap_or(self.help_min_confidence)
    }

    /// Whether `user` may ping helpers now; if not, how long until they may. With a shared store (Redis) the
    /// cooldown lives there (keyed by the user's pseudonym, `SET NX EX`), so a user cannot dodge it by clicking
    /// through another process; with the embedded store (one process) it is kept in memory here.
    async fn may_ask_helpers(&self, user: u64) -> Result<Result<(), Duration>, LearnError> {
        if let Some(learning) = &self.learning {
            let who = crate::learn::hex(&learning.pseudonym(user));
            match learning.within(decision::CLICK_PATIENCE, move |l| l.store().cooldown(&who, HELP_COOLDOWN)).await? {
                Cooldown::Started => return Ok(Ok(())),
                Cooldown::Running(left) => return Ok(Err(left)),
                Cooldown::Local => {}
            }
        }
        Ok(self.may_ask_helpers_here(user))
    }

    fn may_ask_helpers_here(&self, user: u64) -> Result<(), Duration> {
        let now = std::time::Instant::now();
        let mut helped = self.helped.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(last) = helped.get(&user) {
            let since = now.duration_since(*last);
            if since < HELP_COOLDOWN {
                return Err(HELP_COOLDOWN - since);
            }
        }
        if helped.len() > 10_000 {
            helped.retain(|_, t| now.duration_since(*t) < HELP_COOLDOWN);
        }
        helped.insert(user, now);
        Ok(())
    }

    /// Gives back a helper ping that was not sent.
    async fn forget_help_request(&self, user: u64) {
        self.helped.lock().unwrap_or_else(|e| e.into_inner()).remove(&user);
        if let Some(learning) = &self.learning {
            let who = crate::learn::hex(&learning.pseudonym(user));
            if let Err(e) = learning.within(decision::CLICK_PATIENCE, move |l| l.store().end_cooldown(&who)).await {
                warn!(error = %e, "ending a helper-ping cooldown failed; it runs out by itself");
            }
        }
    }

    /// The current knowledge and matcher. A reload swaps it; handlers keep the one they started with.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reloads the knowledge directory on the blocking pool (loading may train the matcher: seconds of CPU that must
    /// not stall an async worker), one reload at a time: a request while one runs is told so, not queued.
    pub async fn reload_in_background(self: &Arc<Self>) -> Result<String, String> {
        let Ok(_running) = self.reloading.try_lock() else {
            return Err("a reload is already running; its result will be the knowledge in use".into());
        };
        let bot = Arc::clone(self);
        match tokio::task::spawn_blocking(move || bot.reload()).await {
            Ok(done) => done,
            Err(e) => Err(format!("the reload stopped: {e}")),
        }
    }

    /// Reloads the knowledge directory. A broken edit keeps the running knowledge and returns every problem.
    /// Blocking (see [`Bot::reload_in_background`]).
    pub fn reload(&self) -> Result<String, String> {
        let Some(dir) = &self.knowledge_dir else {
            return Err("this bot runs on the knowledge built into its binary; set `knowledge` in signpost.toml (or SIGNPOST_KNOWLEDGE) to reload a directory".into());
        };
        match Engine::load(Some(dir)) {
            Ok(engine) => {
                let kb = engine.kb();
                let summary = format!(
                    "reloaded {}: {} frameworks, {} aspects, {} FAQ entries, {} dialog steps",
                    dir.display(),
                    kb.frameworks.len(),
                    kb.aspects.len(),
                    kb.faqs.len(),
                    kb.dialog.steps.len()
                );
                self.metrics.knowledge(&engine.matcher().info().version);
                *self.engine.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(engine);
                info!(dir = %dir.display(), "knowledge reloaded");
                Ok(summary)
            }
            Err(e) => {
                warn!(dir = %dir.display(), problems = e.problems.len(), "knowledge reload failed; keeping the running knowledge");
                Err(e.to_string())
            }
        }
    }

    /// Whether `user` may start a decision now; if not, how long until they may.
    fn may_start_decision(&self, user: u64) -> Result<(), Duration> {
        self.decide_wait(user)?;
        if self.decide_cooldown.is_zero() {
            return Ok(());
        }
        let now = std::time::Instant::now();
        let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        // Checked again under the lock: of two starts at once, one is taken.
        if started.get(&user).is_some_and(|last| now.duration_since(*last) < self.decide_cooldown) {
            return Err(self.decide_cooldown);
        }
        if started.len() > 10_000 {
            started.retain(|_, t| now.duration_since(*t) < self.decide_cooldown);
        }
        started.insert(user, now);
        Ok(())
    }

    /// Whether `user` may start a decision now (`Err`: how long until they may), without taking the start.
    fn decide_wait(&self, user: u64) -> Result<(), Duration> {
        if self.decide_cooldown.is_zero() {
            return Ok(());
        }
        let started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        match started.get(&user).map(|last| last.elapsed()) {
            Some(since) if since < self.decide_cooldown => Err(self.decide_cooldown - since),
            _ => Ok(()),
        }
    }
}

/// poise's framework, with every event it handles (commands, clicks, messages) counted by a task tracker: a
/// shutdown waits for the handlers still running, and a handler that fails or panics still counts itself out
/// (the token is dropped with the handler, whatever happens).
struct Tracked {
    inner: poise::Framework<Arc<Bot>, Error>,
    tracker: tokio_util::task::TaskTracker,
    metrics: Arc<Metrics>,
}

#[serenity::async_trait]
impl serenity::Framework for Tracked {
    async fn init(&mut self, client: &serenity::Client) {
        self.inner.init(client).await;
    }

    async fn dispatch(&self, ctx: serenity::Context, event: serenity::FullEvent) {
        let _token = self.tracker.token();
        let kind = match &event {
            serenity::FullEvent::InteractionCreate { interaction } => Some(match interaction {
                serenity::Interaction::Command(_) => "command",
                serenity::Interaction::Component(_) => "component",
                serenity::Interaction::Autocomplete(_) => "autocomplete",
                serenity::Interaction::Modal(_) => "modal",
                _ => "other",
            }),
            _ => None,
        };
        let started = std::time::Instant::now();
        self.inner.dispatch(ctx, event).await;
        if let Some(kind) = kind {
            self.metrics.interaction(kind, started.elapsed());
        }
    }
}

/// Every command, registered at start-up.
pub fn commands() -> Vec<poise::Command<Arc<Bot>, Error>> {
    vec![
        commands::ask(),
        commands::compare(),
        commands::decide(),
        commands::faq(),
        commands::framework(),
        commands::ask_signpost(),
        commands::reload(),
        settings::settings(),
        solved::solved(),
        solved::unsolved(),
    ]
}

/// The gateway intents the bot asks for. Message Content is privileged (a toggle in the developer portal): without
/// it, mentions and DMs still work (Discord sends their text), but help channels and free-text answers in decision
/// threads do not.
pub fn intents(message_content: bool) -> serenity::GatewayIntents {
    let base = serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::DIRECT_MESSAGES;
    if message_content {
        base | serenity::GatewayIntents::MESSAGE_CONTENT
    } else {
        base
    }
}

/// Runs the bot until `shutdown` resolves (or the gateway fails for good). Returns once in-flight replies are done.
pub async fn run(
    config: Config,
    bot: Arc<Bot>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let token = config.token.clone().context("DISCORD_TOKEN is not set: the bot needs a token to connect")?;
    let mut http = serenity::HttpBuilder::new(token.expose());
    if let Some(proxy) = &config.discord_proxy {
        // The proxy owns rate limiting; serenity's own limiter would also bypass the proxy.
        http = http.proxy(proxy.as_str()).ratelimiter_disabled(true);
        info!(proxy = %redact_url(proxy), "sending REST requests through a proxy");
    }
    let http = http.build();

    // Without a range, every shard in this process, as many as Discord recommends (it asks for one per 2,500
    // guilds); one when it cannot tell.
    let shard_plan = match config.shards {
        Some(s) => s,
        None => {
            let total = match http.get_bot_gateway().await {
                Ok(g) => g.shards.max(1),
                Err(e) => {
                    warn!(error = %e, "cannot read Discord's recommended shard count; running one shard");
                    1
                }
            };
            crate::config::Shards { first: 0, last: total - 1, total }
        }
    };
    // The shards this process runs start at 0 ("not connected"), so /healthz says 503 until each has connected.
    let range = shard_plan.range();
    for id in range.clone() {
        bot.metrics.shard(id, false);
    }
    bot.metrics.knowledge(&bot.engine().matcher().info().version);
    // Bound before connecting to Discord: a metrics port already taken stops the start, instead of a bot that
    // runs unobserved.
    let metrics_server = match config.metrics_addr {
        Some(addr) => {
            let listener = crate::metrics::bind(addr).await?;
            info!(addr = %listener.local_addr().unwrap_or(addr), "serving /metrics and /healthz");
            let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
            let served = crate::metrics::serve(listener, bot.metrics.clone(), bot.store.clone(), async {
                let _ = stop_rx.await;
            });
            Some((stop_tx, tokio::spawn(served)))
        }
        None => None,
    };

    let (fatal_tx, mut fatal_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let guild = config.guild_id;
    let setup_bot = bot.clone();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands(),
            on_error: |e| Box::pin(commands::on_error(e)),
            event_handler: |framework, event| {
                Box::pin(handle_event(framework.serenity_context, event, framework.user_data))
            },
            allowed_mentions: Some(render::no_mentions()),
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                let commands = &framework.options().commands;
                let registered = match guild {
                    Some(g) => poise::builtins::register_in_guild(ctx, commands, serenity::GuildId::new(g)).await,
                    None => poise::builtins::register_globally(ctx, commands).await,
                };
                if let Err(e) = registered {
                    // Without commands the bot would sit connected and ignore everything: stop loudly instead.
                    let message = format!("registering slash commands failed: {:#}", anyhow::Error::new(e));
                    let _ = fatal_tx.send(message.clone());
                    return Err(anyhow::anyhow!(message));
                }
                info!(user = %ready.user.name, guilds = ready.guilds.len(), scope = ?guild.map_or("global", |_| "guild"), "ready; commands registered");
                Ok(setup_bot)
            })
        })
        .build();

    if !config.message_content {
        info!("SIGNPOST_MESSAGE_CONTENT=false: not asking for the Message Content intent; help channels and typed decision answers are off (mentions, DMs, commands and buttons work)");
    }
    let tracker = tokio_util::task::TaskTracker::new();
    let mut client = serenity::ClientBuilder::new_with_http(http, intents(config.message_content))
        .framework(Tracked { inner: framework, tracker: tracker.clone(), metrics: bot.metrics.clone() })
        .await
        .context("building the Discord client")?;
    let shards = client.shard_manager.clone();

    // Due sessions are found through the expiry index and purged in small batches, off the async workers.
    let purger = tokio::spawn(bot.store.clone().purge_every(Duration::from_secs(60)));
    let reloader = tokio::spawn(reload_on_sighup(bot.clone()));
    let watcher = tokio::spawn(watch_shards(shards.clone(), range, bot.metrics.clone()));
    // The question log: a writer commits queued records in batches (off the reply path), a purge forgets texts and
    // votes past their retention and rolls the records up into daily counts.
    let (stop_writer, writer_stopped) = tokio::sync::oneshot::channel();
    let mut learning_tasks = Vec::new();
    let mut writer = None;
    if let Some(learning) = &bot.learning {
        if let Some(w) = learning.writer() {
            writer = Some(tokio::spawn(w.run(writer_stopped)));
        }
        learning_tasks.push(tokio::spawn(learning.clone().purge_every(Duration::from_secs(10 * 60))));
        learning_tasks.push(tokio::spawn(refresh_settings_every(bot.clone(), SETTINGS_REFRESH)));
    }

    let start = async {
        info!(first = shard_plan.first, last = shard_plan.last, total = shard_plan.total, "running gateway shards");
        client.start_shard_range(serenity_range(shard_plan), shard_plan.total).await
    };
    let outcome = tokio::select! {
        r = start => r.map_err(connection_error),
        () = shutdown => {
            info!("shutting down");
            Ok(())
        }
        Some(message) = fatal_rx.recv() => Err(anyhow::anyhow!(message)),
    };
    shards.shutdown_all().await;
    purger.abort();
    reloader.abort();
    watcher.abort();
    if let Some((stop, server)) = metrics_server {
        let _ = stop.send(());
        let _ = server.await;
    }
    // The purge task holds a handle to the store: wait until it is gone, so the store is closed when we return.
    let _ = purger.await;
    let _ = reloader.await;
    // Let replies already being written finish (bounded: a stuck request must not block the exit).
    tracker.close();
    if tokio::time::timeout(Duration::from_secs(5), tracker.wait()).await.is_err() {
        warn!(handlers = tracker.len(), "shutting down with replies still in flight");
    }
    // What the finished handlers logged is committed before `run` returns.
    for task in &learning_tasks {
        task.abort();
    }
    for task in learning_tasks {
        let _ = task.await;
    }
    let _ = stop_writer.send(());
    if let Some(writer) = writer {
        let _ = writer.await;
    }
    if let Err(e) = &outcome {
        error!(error = format!("{e:#}"), "bot stopped");
    }
    outcome
}

/// Re-reads the servers' settings every `period` when another process changed them.
async fn refresh_settings_every(bot: Arc<Bot>, period: Duration) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let b = bot.clone();
        match tokio::task::spawn_blocking(move || b.refresh_guild_settings(false)).await {
            Ok(Ok(true)) => info!("server settings changed in the store; read them again"),
            Ok(Ok(false)) => {}
            Ok(Err(e)) => warn!(error = %e, "checking the server settings for changes failed"),
            Err(e) => warn!(error = %e, "settings refresh task failed"),
        }
    }
}

/// Why the gateway connection ended for good, saying what to do where there is something to do.
fn connection_error(e: serenity::Error) -> anyhow::Error {
    use serenity::GatewayError::{DisallowedGatewayIntents, InvalidGatewayIntents};
    match e {
        serenity::Error::Gateway(DisallowedGatewayIntents | InvalidGatewayIntents) => anyhow::anyhow!(
            "Discord refused the gateway intents (close code 4014): this bot asks for the privileged Message Content \
             intent. Turn on \"Message Content Intent\" under Bot in the Discord developer portal, or set \
             SIGNPOST_MESSAGE_CONTENT=false to run without it (help channels and typed decision answers are then off)"
        ),
        e => anyhow::Error::new(e).context("the Discord connection ended"),
    }
}

/// The range serenity 0.12's `start_shard_range` takes: its end is the last shard, included (`4..7` starts shards
/// 4, 5, 6 and 7, as its docs say), unlike a Rust range.
fn serenity_range(s: crate::config::Shards) -> std::ops::Range<u32> {
    s.first..s.last
}

/// Keeps the shard gauges of the metrics up to date with the shard runners' connection stages.
async fn watch_shards(manager: Arc<serenity::ShardManager>, range: std::ops::Range<u32>, metrics: Arc<Metrics>) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let runners = manager.runners.lock().await;
        for id in range.clone() {
            let connected = runners
                .get(&serenity::ShardId(id))
                .is_some_and(|r| matches!(r.stage, serenity::ConnectionStage::Connected));
            metrics.shard(id, connected);
        }
    }
}

#[cfg(unix)]
async fn reload_on_sighup(bot: Arc<Bot>) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        warn!("cannot listen for SIGHUP; reload with /reload instead");
        return;
    };
    while hup.recv().await.is_some() {
        match bot.reload_in_background().await {
            Ok(summary) => info!(%summary, "SIGHUP"),
            Err(problems) => error!(%problems, "SIGHUP: knowledge not reloaded"),
        }
    }
}

#[cfg(not(unix))]
async fn reload_on_sighup(_bot: Arc<Bot>) {}

async fn handle_event(ctx: &serenity::Context, event: &serenity::FullEvent, bot: &Arc<Bot>) -> Result<(), Error> {
    match event {
        serenity::FullEvent::Message { new_message } => messages::handle(ctx, bot, new_message).await,
        serenity::FullEvent::InteractionCreate { interaction: serenity::Interaction::Component(c) } => {
            match ids::ComponentId::parse(&c.data.custom_id) {
                Ok(ids::ComponentId::Solved { record, label }) => solved::clicked(ctx, bot, c, record, label).await,
                Ok(ids::ComponentId::SolvedBy) => solved::by_similar(ctx, bot, c).await,
                Ok(id) if feedback::handles(&id) => feedback::handle(ctx, bot, c, id).await,
                id => components::handle(ctx, bot, c, id).await,
            }
        }
        serenity::FullEvent::MessageUpdate { event, .. } => messages::edited(ctx, bot, event).await,
        serenity::FullEvent::ThreadCreate { thread } => {
            bot.places.note(thread);
            Ok(())
        }
        serenity::FullEvent::ThreadDelete { thread, .. } => {
            forums::deleted(bot, thread.parent_id.get(), thread.id.get()).await;
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::serenity_range;
    use crate::config::Shards;

    #[test]
    fn shard_ranges_reach_serenity_with_the_last_shard_included() {
        assert_eq!(serenity_range(Shards { first: 0, last: 0, total: 2 }), 0..0, "shard 0 alone");
        assert_eq!(serenity_range(Shards { first: 4, last: 7, total: 10 }), 4..7, "shards 4 to 7");
    }
}
