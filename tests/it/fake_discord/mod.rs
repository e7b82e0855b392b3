//! A fake Discord for end-to-end tests: Discord's REST API (under `/api/v10`) and gateway websocket on
//! `127.0.0.1` (a free port), driven by the real serenity/poise client.
//!
//! # Connecting a bot
//! ```ignore
//! let fake = FakeDiscord::start().await;
//! let http = fake.http(); // HttpBuilder::new(TOKEN).proxy(fake.base_url()).ratelimiter_disabled(true)
//! let mut client = serenity::ClientBuilder::new_with_http(http, intents).framework(framework).await?;
//! tokio::spawn(async move { client.start().await });
//! fake.wait_ready(WAIT).await;                 // IDENTIFY done, READY sent
//! let commands = fake.wait_commands(WAIT).await; // poise registered its commands
//! let i = fake.slash_command("ask", json!([opt("question", "flask or django?")]), &TestUser::human());
//! let cb = fake.wait_callback(&i, WAIT).await; // POST /interactions/{id}/{token}/callback
//! assert_eq!(cb.callback_type(), Some(4));
//! assert!(cb.content().unwrap().contains("Flask"));
//! fake.assert_clean();                         // no OpenAPI violation, no unexpected request
//! ```
//! The rate limiter must stay disabled: with it, serenity 0.12 ignores the proxy. serenity asks
//! `GET /api/v10/gateway` for the websocket URL (`ws://127.0.0.1:PORT/gateway`, it appends `?v=10`).
//! [`bare_bot::spawn`] runs a minimal poise bot this way (the reference for benchmarks).
//!
//! # The world
//! One guild [`GUILD_ID`] with `#general` [`CHANNEL_ID`] and `#help` [`OTHER_CHANNEL_ID`]; the bot
//! [`BOT_USER_ID`] (application [`APPLICATION_ID`], distinct on purpose, owner [`OWNER_USER_ID`]); humans
//! [`TestUser::human`] (`alice`, [`HUMAN_USER_ID`]) and [`TestUser::other_human`] (`bob`); another bot
//! [`TestUser::other_bot`]; token [`TOKEN`]. [`snowflake`] makes fresh ids; [`id_of`] reads one from JSON.
//! IDENTIFY gets READY and GUILD_CREATE (members, `@everyone` permissions, channels).
//!
//! # Sending events
//! Synchronous: each builds the payload the way Discord does, checks it by deserialising it into
//! serenity's types (panicking with the serde error: serenity would drop it silently), and queues it;
//! events sent while no session is live wait for the next READY/RESUMED.
//! - [`FakeDiscord::slash_command`]`(name, options, user)` (`"group sub"` for subcommands; options with
//!   [`opt`], [`opt_user`]); [`FakeDiscord::slash_command_in`] for another channel or
//!   [`Where::Dm`]. Once commands are registered, the command and its options must match the registration
//!   (names, value types, required options, choices), and take the registered types and command id.
//! - [`FakeDiscord::autocomplete`] (one option made with [`opt_focused`]).
//! - [`FakeDiscord::component_click`] / [`FakeDiscord::select_choice`]`(custom_id, .., message, user)` on
//!   a stored message: an id, a message object, or [`MessageRef::Auto`] (newest message with that custom
//!   id). Unknown or disabled components panic, as Discord could not send that click.
//! - [`FakeDiscord::modal_submit`], [`FakeDiscord::message_context_menu`], [`FakeDiscord::send_interaction`].
//! - [`FakeDiscord::message_create`]`(channel, author, content, mentions, guild_id)`,
//!   [`FakeDiscord::dm_message_create`], [`FakeDiscord::bot_message_create`],
//!   [`FakeDiscord::message_create_with`]`(`[`MessageSpec`]`)` (replies). They return the message object.
//! - [`FakeDiscord::add_forum_channel`], [`FakeDiscord::add_thread`] (a user's thread under a channel),
//!   [`FakeDiscord::forum_post`] (a forum thread and its starter message, same id), and
//!   [`FakeDiscord::message_update`] (an edit: MESSAGE_UPDATE).
//!
//! Interactions return an [`InteractionRef`] (id, token, channel, payload).
//!
//! # What the bot did
//! Every HTTP request is a [`Recorded`]: method, path without `/api/v10`, JSON body (multipart:
//! its `payload_json`), time since start, status, the fake's answer, the interaction it belongs to, and
//! the problem the fake found with it, if any. Helpers on it: `content()`, `embeds()`, `custom_ids()`,
//! `callback_type()`, `is_ephemeral()`, `message_data()`.
//! - Waits (all panic with a dump of the fake's state on timeout): [`FakeDiscord::wait_ready`],
//!   [`FakeDiscord::wait_commands`], [`FakeDiscord::wait_request`],
//!   [`FakeDiscord::wait_request_since`] (after a [`FakeDiscord::mark`]), [`FakeDiscord::wait_callback`],
//!   [`FakeDiscord::wait_interaction_responses`]; [`FakeDiscord::try_wait_request_since`] returns `None`
//!   instead (to check the bot stays silent); [`FakeDiscord::wait_idle`].
//! - Snapshots: [`FakeDiscord::requests`], [`FakeDiscord::requests_matching`],
//!   [`FakeDiscord::interaction_responses`] (callback, @original edits, followups),
//!   [`FakeDiscord::callback_latency`],
//!   [`FakeDiscord::original_message`] (the response message as stored now, after edits),
//!   [`FakeDiscord::message`], [`FakeDiscord::messages_in`], [`FakeDiscord::threads`],
//!   [`FakeDiscord::command_registrations`], [`FakeDiscord::describe`].
//!
//! The fake keeps messages, channels and threads: the bot can fetch, edit, reply to and open threads on
//! what it or the test created; its own messages come back as MESSAGE_CREATE (not ephemeral ones), as on
//! Discord. REST answers omit `guild_id`, as Discord's do.
//! Dispatches honour the IDENTIFY intents: no guild messages without GUILD_MESSAGES, no DMs without
//! DIRECT_MESSAGES, empty content without MESSAGE_CONTENT (except DMs, mentions of the bot, its own
//! messages); what was withheld is listed by [`FakeDiscord::gateway_notes`].
//!
//! # Checks
//! Every request body is validated against Discord's openapi.json (module [`openapi`]; the file comes
//! from `$SIGNPOST_DISCORD_OPENAPI`, else the copy vendored under `tests/discord-openapi/`), plus Discord's bot limits the spec does not say
//! (content <= 2000 characters, embeds <= 6000). A violation is recorded
//! ([`FakeDiscord::openapi_violations`]) and answered 400 / 50035 like Discord. Requests the fake finds wrong (unknown route, unknown
//! interaction or token, a second acknowledgement, a followup or @original before the callback, a
//! callback type that does not fit the interaction, a bad `Authorization`) get Discord's error and are
//! listed by [`FakeDiscord::unexpected_requests`]. [`FakeDiscord::assert_clean`] asserts that none of
//! these, nor a harness error or gateway protocol error, happened.
//!
//! # Failures and reconnects
//! - [`FakeDiscord::fail_route`]`(method, path_prefix, status, body)` (method `"*"` for any; prefix with
//!   or without `/api/v10`; `*suffix` matches paths ending with `suffix`), [`FakeDiscord::fail_route_times`], [`FakeDiscord::fail_missing_permissions`]
//!   (403 / 50013), [`FakeDiscord::clear_failures`].
//! - [`FakeDiscord::drop_gateway`] closes the websocket (4000); serenity RESUMEs on a new connection and
//!   gets the dispatches it missed, then RESUMED. With [`FakeDiscord::set_resume_behavior`]`(`
//!   [`ResumeBehavior::Invalidate`]`)` RESUME gets op 9 and serenity IDENTIFYs again, ~5 s later (its
//!   shard queuer waits 5 s between shard starts).
//!
//! Every wait takes a timeout ([`WAIT`] = 10 s is a sensible default), so a broken test fails instead of
//! hanging.

pub mod bare_bot;
mod gateway;
mod inject;
mod model;
pub mod openapi;
mod rest;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::serve::ListenerExt;
use serde_json::{json, Value};
use tokio::task::JoinHandle;

pub use inject::{opt, opt_channel, opt_focused, opt_role, opt_user, InteractionRef, MessageRef, MessageSpec, Where};
pub use model::{
    id_of, snowflake, TestUser, APPLICATION_ID, BOT_USER_ID, CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID,
    OTHER_HUMAN_USER_ID, OWNER_USER_ID, TOKEN,
};
pub use state::{Recorded, ResumeBehavior, Violation};

use state::{FailRule, Shared, State};

/// A sensible default timeout for waits (generous for a loaded CI machine, short enough to fail fast).
pub const WAIT: Duration = Duration::from_secs(10);

/// A running fake Discord. Dropping it stops the server.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Logs to the test output at `RUST_LOG` (default `warn`); call at the top of a test while debugging.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}

impl FakeDiscord {
    /// Binds `127.0.0.1:0` and serves REST (`/api/v10/...`) and the gateway (`/gateway`) on it. Panics if
    /// Discord's openapi.json cannot be found (see [`openapi::spec_path`]).
    pub async fn start() -> FakeDiscord {
        if let Err(e) = openapi::preload() {
            panic!("fake Discord needs Discord's OpenAPI description: {e}");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let shared = Shared::new(format!("ws://{addr}/gateway"));
        let app = axum::Router::new()
            .route("/gateway", get(gateway::upgrade))
            .fallback(rest::handle)
            .with_state(shared.clone());
        // Without TCP_NODELAY a frame now and then waits ~40 ms for a delayed ACK.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeDiscord { shared, addr, server }
    }

    /// `http://127.0.0.1:PORT`, for `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The gateway URL the fake hands out (`ws://127.0.0.1:PORT/gateway`).
    pub fn gateway_url(&self) -> String {
        format!("ws://{}/gateway", self.addr)
    }

    /// A serenity `Http` pointed at the fake: the fake's token, proxy = [`Self::base_url`], rate limiter
    /// disabled (required for the proxy to be used), application id preset.
    pub fn http(&self) -> serenity::http::Http {
        serenity::http::HttpBuilder::new(TOKEN)
            .proxy(self.base_url())
            .ratelimiter_disabled(true)
            .application_id(serenity::model::id::ApplicationId::new(APPLICATION_ID))
            .build()
    }

    // ---------------------------------------------------------------- waiting

    /// Waits until `f` returns `Some` (re-checked on every change of the fake's state), or the timeout.
    async fn wait_for<T>(&self, timeout: Duration, mut f: impl FnMut(&State) -> Option<T>) -> Option<T> {
        let mut rx = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            rx.borrow_and_update();
            if let Some(t) = f(&self.shared.lock()) {
                return Some(t);
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                _ => return f(&self.shared.lock()),
            }
        }
    }

    fn timeout_panic(&self, what: &str, timeout: Duration) -> ! {
        panic!("fake Discord: timed out after {timeout:?} waiting for {what}\n{}", self.describe())
    }

    /// A dump of the gateway state, the last requests, violations and harness errors.
    pub fn describe(&self) -> String {
        self.shared.lock().describe()
    }

    /// Waits until a client has IDENTIFYed and READY was sent to it.
    pub async fn wait_ready(&self, timeout: Duration) {
        if self.wait_for(timeout, |s| (s.gateway.ready_count > 0).then_some(())).await.is_none() {
            self.timeout_panic("READY", timeout);
        }
    }

    /// Waits for the first command registration and returns the registered list (Discord's answer).
    pub async fn wait_commands(&self, timeout: Duration) -> Value {
        match self.wait_for(timeout, |s| s.commands.clone()).await {
            Some(c) => c,
            None => self.timeout_panic("command registration", timeout),
        }
    }

    /// Waits for a request matching `pred` (among all requests so far and to come).
    pub async fn wait_request(&self, pred: impl Fn(&Recorded) -> bool, timeout: Duration) -> Recorded {
        self.wait_request_since(0, pred, timeout).await
    }

    /// Waits for a request with index >= `mark` (see [`Self::mark`]) matching `pred`.
    pub async fn wait_request_since(
        &self,
        mark: usize,
        pred: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> Recorded {
        match self.try_wait_request_since(mark, pred, timeout).await {
            Some(r) => r,
            None => self.timeout_panic("a matching request", timeout),
        }
    }

    pub async fn try_wait_request_since(
        &self,
        mark: usize,
        pred: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> Option<Recorded> {
        self.wait_for(timeout, |s| s.requests.iter().skip(mark).find(|r| pred(r)).cloned()).await
    }

    /// Waits for the interaction's callback (`POST /interactions/{id}/{token}/callback`).
    pub async fn wait_callback(&self, i: &InteractionRef, timeout: Duration) -> Recorded {
        let id = i.id;
        match self
            .wait_for(timeout, |s| s.requests.iter().find(|r| r.is_callback() && r.interaction_id == Some(id)).cloned())
            .await
        {
            Some(r) => r,
            None => self.timeout_panic(&format!("the callback of interaction {id}"), timeout),
        }
    }

    /// Waits until `n` requests related to the interaction (callback, webhook edits, followups) were made.
    pub async fn wait_interaction_responses(&self, i: &InteractionRef, n: usize, timeout: Duration) -> Vec<Recorded> {
        let id = i.id;
        let got = self
            .wait_for(timeout, |s| {
                let v: Vec<Recorded> = s.requests.iter().filter(|r| r.interaction_id == Some(id)).cloned().collect();
                (v.len() >= n).then_some(v)
            })
            .await;
        match got {
            Some(v) => v,
            None => self.timeout_panic(&format!("{n} responses to interaction {id}"), timeout),
        }
    }

    /// Waits until no request arrived for `quiet` (at most `timeout`): the bot is done for now.
    pub async fn wait_idle(&self, quiet: Duration, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let n = self.shared.lock().requests.len();
            tokio::time::sleep(quiet).await;
            if self.shared.lock().requests.len() == n || tokio::time::Instant::now() >= deadline {
                return;
            }
        }
    }

    // ---------------------------------------------------------------- recorded requests

    /// The number of requests so far: pass it to `*_since` waits to look only at what follows.
    pub fn mark(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// The requests matching `pred`.
    pub fn requests_matching(&self, pred: impl Fn(&Recorded) -> bool) -> Vec<Recorded> {
        self.shared.lock().requests.iter().filter(|r| pred(r)).cloned().collect()
    }

    /// The callback, @original edits and followups of one interaction, in order.
    pub fn interaction_responses(&self, i: &InteractionRef) -> Vec<Recorded> {
        self.requests_matching(|r| r.interaction_id == Some(i.id))
    }

    /// How long the bot took to acknowledge the interaction (from queuing it to the callback).
    pub fn callback_latency(&self, i: &InteractionRef) -> Option<Duration> {
        let st = self.shared.lock();
        let rec = st.interactions.get(&i.id)?;
        Some(rec.acked_at?.duration_since(rec.sent_at))
    }

    /// The interaction's original response message as stored now (after edits), if any.
    pub fn original_message(&self, i: &InteractionRef) -> Option<Value> {
        let st = self.shared.lock();
        st.originals.get(&i.token).and_then(|id| st.messages.get(id)).cloned()
    }

    /// A stored message (the bot's or an injected one).
    pub fn message(&self, id: u64) -> Option<Value> {
        self.shared.lock().messages.get(&id).cloned()
    }

    /// The stored messages of a channel, oldest first.
    pub fn messages_in(&self, channel_id: u64) -> Vec<Value> {
        let st = self.shared.lock();
        st.message_order
            .iter()
            .filter_map(|id| st.messages.get(id))
            .filter(|m| model::id_of(&m["channel_id"]) == Some(channel_id))
            .cloned()
            .collect()
    }

    /// The threads created so far.
    pub fn threads(&self) -> Vec<Value> {
        let st = self.shared.lock();
        let mut v: Vec<Value> =
            st.channels.values().filter(|c| matches!(c["type"].as_u64(), Some(10..=12))).cloned().collect();
        v.sort_by_key(|c| model::id_of(&c["id"]));
        v
    }

    /// Every command registration: (path, answer).
    pub fn command_registrations(&self) -> Vec<(String, Value)> {
        self.shared.lock().command_registrations.clone()
    }

    // ---------------------------------------------------------------- checks

    /// Request bodies that do not fit Discord's OpenAPI description or bot limits.
    pub fn openapi_violations(&self) -> Vec<Violation> {
        self.shared.lock().violations.clone()
    }

    /// Requests the fake found wrong (see [`Recorded::problem`]).
    pub fn unexpected_requests(&self) -> Vec<Recorded> {
        self.requests_matching(|r| r.problem.is_some())
    }

    /// Answers of the fake that serenity would not parse (bugs of the fake).
    pub fn harness_errors(&self) -> Vec<String> {
        self.shared.lock().harness_errors.clone()
    }

    /// Gateway notes: events not delivered for missing intents, protocol errors of the client.
    pub fn gateway_notes(&self) -> Vec<String> {
        let st = self.shared.lock();
        st.gateway.dropped.iter().chain(&st.gateway.protocol_errors).cloned().collect()
    }

    /// Panics unless there were no OpenAPI violations, unexpected requests, harness errors or gateway
    /// protocol errors.
    pub fn assert_clean(&self) {
        let st = self.shared.lock();
        let unexpected: Vec<String> =
            st.requests.iter().filter(|r| r.problem.is_some()).map(Recorded::summary).collect();
        if st.violations.is_empty()
            && unexpected.is_empty()
            && st.harness_errors.is_empty()
            && st.gateway.protocol_errors.is_empty()
        {
            return;
        }
        let mut msg = String::from("fake Discord saw problems:\n");
        for v in &st.violations {
            msg += &format!("OpenAPI violation: {v}");
        }
        for u in &unexpected {
            msg += &format!("unexpected request: {u}\n");
        }
        for e in &st.harness_errors {
            msg += &format!("harness error: {e}\n");
        }
        for e in &st.gateway.protocol_errors {
            msg += &format!("gateway protocol error: {e}\n");
        }
        panic!("{msg}");
    }

    // ---------------------------------------------------------------- failures and settings

    /// Makes every request with `method` (`"*"` for any) and a path (without `/api/v10`) starting with
    /// `path_prefix` answer `status` with `body`, until [`Self::clear_failures`].
    pub fn fail_route(&self, method: &str, path_prefix: &str, status: u16, body: Value) {
        self.add_failure(method, path_prefix, status, body, None);
    }

    /// Like [`Self::fail_route`] for the next `times` matching requests only.
    pub fn fail_route_times(&self, method: &str, path_prefix: &str, status: u16, body: Value, times: usize) {
        self.add_failure(method, path_prefix, status, body, Some(times));
    }

    /// 403 `{"code": 50013, "message": "Missing Permissions"}` on matching requests.
    pub fn fail_missing_permissions(&self, method: &str, path_prefix: &str) {
        self.fail_route(method, path_prefix, 403, json!({"message": "Missing Permissions", "code": 50013}));
    }

    fn add_failure(&self, method: &str, path_prefix: &str, status: u16, body: Value, remaining: Option<usize>) {
        let path_prefix = path_prefix.strip_prefix("/api/v10").unwrap_or(path_prefix).to_string();
        self.shared.lock().failures.push(FailRule { method: method.to_string(), path_prefix, status, body, remaining });
    }

    pub fn clear_failures(&self) {
        self.shared.lock().failures.clear();
    }

    /// Whether the bot's own non-ephemeral messages come back to it as MESSAGE_CREATE (as Discord sends them; on
    /// by default). The bench turns it off to tell that parse's cost from the reply's.
    #[allow(dead_code)] // only benches/discord.rs uses it
    pub fn set_echo_bot_messages(&self, echo: bool) {
        self.shared.lock().echo_bot_messages = echo;
    }

    /// Gives `user` these guild permissions (a decimal bit string, as Discord sends) in later interactions.
    pub fn set_member_permissions(&self, user: u64, permissions: u64) {
        self.shared.lock().member_permissions.insert(user, permissions.to_string());
    }

    /// Adds a role to the guild; returns its id (for [`opt_role`]).
    pub fn add_role(&self, name: &str) -> u64 {
        let id = model::snowflake();
        self.shared.lock().roles.insert(id, name.to_string());
        id
    }

    /// Adds a forum channel to the guild (CHANNEL_CREATE is dispatched) and returns its id.
    /// A forum channel offering tags named `tags`; returns its id and the tags' ids, in order.
    pub fn add_forum_channel_with_tags(&self, name: &str, tags: &[&str]) -> (u64, Vec<u64>) {
        let id = self.add_forum_channel(name);
        let ids: Vec<u64> = tags.iter().map(|_| snowflake()).collect();
        let available: Vec<Value> = tags
            .iter()
            .zip(&ids)
            .map(|(name, id)| {
                serde_json::json!({"id": id.to_string(), "name": name, "moderated": false, "emoji_id": null, "emoji_name": null})
            })
            .collect();
        self.shared.lock().channels.get_mut(&id).expect("just added")["available_tags"] = Value::Array(available);
        (id, ids)
    }

    /// Deletes thread `id` (THREAD_DELETE is dispatched, as Discord sends it: id, guild, parent and type).
    pub fn thread_delete(&self, id: u64) {
        let mut st = self.shared.lock();
        let thread = st.channels.remove(&id).expect("a stored thread");
        let event = serde_json::json!({
            "id": thread["id"], "guild_id": thread["guild_id"], "parent_id": thread["parent_id"], "type": thread["type"],
        });
        model::check_dispatch("THREAD_DELETE", &event).unwrap_or_else(|e| panic!("{e}"));
        st.dispatch("THREAD_DELETE", event);
        drop(st);
        self.shared.bump();
    }

    /// Changes a stored channel (or thread) in place.
    pub fn channels_mut(&self, id: u64, change: impl FnOnce(&mut Value)) {
        change(self.shared.lock().channels.get_mut(&id).expect("a stored channel"));
    }

    /// The channel (or thread) as the fake holds it now.
    pub fn channel(&self, id: u64) -> Option<Value> {
        self.shared.lock().channels.get(&id).cloned()
    }

    pub fn add_forum_channel(&self, name: &str) -> u64 {
        let id = snowflake();
        let ch = model::forum_channel_json(id, GUILD_ID, name);
        let mut st = self.shared.lock();
        st.channels.insert(id, ch.clone());
        st.dispatch("CHANNEL_CREATE", ch);
        drop(st);
        self.shared.bump();
        id
    }

    /// A public thread that `owner` opens under `parent` (THREAD_CREATE is dispatched); returns its id.
    pub fn add_thread(&self, parent: u64, owner: &TestUser, name: &str) -> u64 {
        self.user_thread(snowflake(), parent, owner, name)
    }

    fn user_thread(&self, id: u64, parent: u64, owner: &TestUser, name: &str) -> u64 {
        let mut thread = model::thread_json(id, 11, GUILD_ID, parent, name, 4320, true);
        thread["owner_id"] = serde_json::json!(owner.id.to_string());
        // A forum's post carries the tags applied to it.
        if self.shared.lock().channels.get(&parent).is_some_and(|p| p["type"] == 15) {
            thread["applied_tags"] = serde_json::json!([]);
        }
        if let Some(o) = thread.as_object_mut() {
            o.remove("member");
        }
        let mut st = self.shared.lock();
        st.channels.insert(id, thread.clone());
        let mut event = thread;
        event["newly_created"] = serde_json::json!(true);
        model::check_dispatch("THREAD_CREATE", &event).unwrap_or_else(|e| panic!("{e}"));
        st.dispatch("THREAD_CREATE", event);
        drop(st);
        self.shared.bump();
        id
    }

    /// A new post in forum `forum`: a thread named `title` whose starter message (same id as the thread) holds
    /// `content`. Returns (the thread id, the starter message).
    pub fn forum_post(&self, forum: u64, author: &TestUser, title: &str, content: &str) -> (u64, Value) {
        let id = snowflake();
        self.user_thread(id, forum, author, title);
        let msg = self.message_with_id(id, id, Some(GUILD_ID), author, content, &[], None);
        (id, msg)
    }

    /// The author edits message `id` to `content` (MESSAGE_UPDATE is dispatched); returns the new message.
    pub fn message_update(&self, id: u64, content: &str) -> Value {
        let mut st = self.shared.lock();
        let Some(msg) = st.messages.get_mut(&id) else { panic!("edit of unknown message {id}") };
        msg["content"] = serde_json::json!(content);
        msg["edited_timestamp"] = serde_json::json!(model::now_iso());
        let msg = msg.clone();
        model::check_dispatch("MESSAGE_UPDATE", &msg).unwrap_or_else(|e| panic!("{e}"));
        st.dispatch("MESSAGE_UPDATE", msg.clone());
        drop(st);
        self.shared.bump();
        msg
    }

    // ---------------------------------------------------------------- gateway

    /// Closes the gateway websocket with code 4000; serenity reconnects and RESUMEs (or IDENTIFYs again).
    /// Returns whether a session was live. Dispatches sent meanwhile wait for the next session.
    pub fn drop_gateway(&self) -> bool {
        self.close_gateway(4000, "fake Discord dropped the connection")
    }

    /// Closes the gateway websocket with `code` (e.g. 4009 session timed out, 1000 normal).
    pub fn close_gateway(&self, code: u16, reason: &str) -> bool {
        let r = self.shared.lock().close_gateway(code, reason);
        self.shared.bump();
        r
    }

    /// What the gateway does with RESUME (default [`ResumeBehavior::Accept`]).
    pub fn set_resume_behavior(&self, b: ResumeBehavior) {
        self.shared.lock().resume_behavior = b;
    }

    pub fn identify_count(&self) -> usize {
        self.shared.lock().gateway.identify_count
    }
    pub fn resume_count(&self) -> usize {
        self.shared.lock().gateway.resume_count
    }
    pub fn ready_count(&self) -> usize {
        self.shared.lock().gateway.ready_count
    }
    pub fn gateway_connections(&self) -> usize {
        self.shared.lock().gateway.connections
    }
    /// The last IDENTIFY payload (`d`), with intents, properties, shard...
    pub fn last_identify(&self) -> Option<Value> {
        self.shared.lock().gateway.last_identify.clone()
    }
    /// The intents of the last IDENTIFY.
    pub fn intents(&self) -> u64 {
        self.shared.lock().gateway.intents
    }
}
