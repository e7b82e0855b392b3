//! The fake's shared state: recorded requests, stored messages and channels, interactions, the gateway
//! session, failure rules; and a change counter that the `wait_*` helpers sleep on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};

use super::model::{self, TestUser};

/// One HTTP request the bot made, with the fake's answer.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Position in the order of arrival (0-based).
    pub index: usize,
    pub method: String,
    /// The path without the `/api/v10` prefix, e.g. `/channels/123/messages`.
    pub path: String,
    /// The JSON body (for multipart requests: the `payload_json` part).
    pub body: Option<Value>,
    /// When it arrived, since the fake started.
    pub at: Duration,
    /// The status the fake answered.
    pub status: u16,
    /// The JSON the fake answered, if any.
    pub response: Option<Value>,
    /// The interaction this request answers (callbacks and webhook calls), if any.
    pub interaction_id: Option<u64>,
    /// Why the fake found this request wrong (unknown route, unknown interaction, double acknowledgement...).
    /// Such requests are listed by `unexpected_requests()`.
    pub problem: Option<String>,
    /// Set when the answer came from a `fail_route` rule.
    pub injected_failure: bool,
    /// The files a multipart request attached: name and text.
    pub files: Vec<(String, String)>,
}

impl Recorded {
    /// The message part of the body: `data` of an interaction callback, else the body itself.
    pub fn message_data(&self) -> Option<&Value> {
        let body = self.body.as_ref()?;
        if self.is_callback() {
            body.get("data")
        } else {
            Some(body)
        }
    }
    /// The message content the bot sent, if any.
    pub fn content(&self) -> Option<&str> {
        self.message_data()?.get("content")?.as_str()
    }
    /// The embeds the bot sent (empty if none).
    pub fn embeds(&self) -> Vec<Value> {
        self.message_data().and_then(|d| d.get("embeds")).and_then(Value::as_array).cloned().unwrap_or_default()
    }
    /// Every `custom_id` in the components the bot sent.
    pub fn custom_ids(&self) -> Vec<String> {
        self.message_data().and_then(|d| d.get("components")).map(model::custom_ids).unwrap_or_default()
    }
    /// `POST /interactions/{id}/{token}/callback`?
    pub fn is_callback(&self) -> bool {
        self.method == "POST" && self.path.starts_with("/interactions/") && self.path.ends_with("/callback")
    }
    /// The callback's `type` (4 message, 5 deferred, 6 deferred update, 7 update, 8 autocomplete, 9 modal).
    pub fn callback_type(&self) -> Option<u64> {
        if !self.is_callback() {
            return None;
        }
        self.body.as_ref()?.get("type")?.as_u64()
    }
    /// Are the `flags` of the sent message ephemeral (64)?
    pub fn is_ephemeral(&self) -> bool {
        self.message_data().and_then(|d| d.get("flags")).and_then(Value::as_u64).is_some_and(|f| f & 64 != 0)
    }
    /// `METHOD path`
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
    /// The path's segments, e.g. `["channels", "123", "messages"]`.
    pub fn segments(&self) -> Vec<&str> {
        self.path.trim_start_matches('/').split('/').collect()
    }
    pub(crate) fn summary(&self) -> String {
        let body = self.body.as_ref().map(|b| model::truncate(&b.to_string(), 300)).unwrap_or_default();
        let problem = self.problem.as_deref().map(|p| format!("  PROBLEM: {p}")).unwrap_or_default();
        format!("#{} +{:?} {} -> {} {body}{problem}", self.index, self.at, self.route(), self.status)
    }
}

/// A request body that does not fit Discord's OpenAPI description (or Discord's bot limits).
#[derive(Clone, Debug)]
pub struct Violation {
    pub method: String,
    pub path: String,
    /// The spec's path template, if the route exists.
    pub template: Option<String>,
    pub errors: Vec<String>,
    pub body: Option<Value>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} {} ({})", self.method, self.path, self.template.as_deref().unwrap_or("no template"))?;
        for e in &self.errors {
            writeln!(f, "  - {e}")?;
        }
        if let Some(b) = &self.body {
            writeln!(f, "  body: {}", model::truncate(&b.to_string(), 1500))?;
        }
        Ok(())
    }
}

/// A rule making matching requests fail (see `FakeDiscord::fail_route`).
#[derive(Clone, Debug)]
pub(crate) struct FailRule {
    pub method: String,
    pub path_prefix: String,
    pub status: u16,
    pub body: Value,
    pub remaining: Option<usize>,
}

/// What the gateway does with a RESUME.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumeBehavior {
    /// Answer RESUMED and go on with the session (what Discord usually does).
    Accept,
    /// Answer op 9 (invalid session, not resumable): serenity then restarts the shard and IDENTIFYs again,
    /// which its shard queuer delays to 5 s after the previous shard start.
    Invalidate,
}

/// An interaction the fake dispatched.
#[derive(Clone, Debug)]
pub(crate) struct InteractionRec {
    pub token: String,
    pub kind: u64,
    pub channel_id: u64,
    /// For component interactions: the message the component is on.
    pub message_id: Option<u64>,
    pub sent_at: Instant,
    pub acked_at: Option<Instant>,
    pub callback_type: Option<u64>,
}

pub(crate) enum Outgoing {
    Dispatch(String, Value),
    Op(Value),
    Close(u16, String),
}

#[derive(Default)]
pub(crate) struct Gateway {
    pub connections: usize,
    pub identify_count: usize,
    pub resume_count: usize,
    pub ready_count: usize,
    pub resumed_count: usize,
    pub heartbeats: usize,
    pub last_identify: Option<Value>,
    pub intents: u64,
    pub session_id: Option<String>,
    pub seq: u64,
    /// The live connection that receives dispatches: (connection number, sender).
    pub outbox: Option<(usize, mpsc::UnboundedSender<Outgoing>)>,
    /// Dispatches waiting for a session (sent after the next READY or RESUMED).
    pub pending: Vec<(String, Value)>,
    /// Every dispatch sent, in order: (sequence, event name, data).
    pub sent: Vec<(u64, String, Value)>,
    /// Events not delivered and why (missing intents...).
    pub dropped: Vec<String>,
    pub protocol_errors: Vec<String>,
}

pub(crate) struct State {
    pub started: Instant,
    pub requests: Vec<Recorded>,
    pub violations: Vec<Violation>,
    /// Bugs of the fake itself (an answer that serenity would not parse...).
    pub harness_errors: Vec<String>,
    pub failures: Vec<FailRule>,
    pub reject_invalid_bodies: bool,
    pub echo_bot_messages: bool,
    pub callback_deadline: Option<Duration>,
    pub resume_behavior: ResumeBehavior,
    /// The last command list registered (global or guild), with the registration path.
    pub commands: Option<Value>,
    pub command_registrations: Vec<(String, Value)>,
    pub messages: HashMap<u64, Value>,
    pub message_order: Vec<u64>,
    pub channels: HashMap<u64, Value>,
    pub dm_channels: HashMap<u64, u64>,
    pub users: HashMap<u64, TestUser>,
    pub interactions: HashMap<u64, InteractionRec>,
    pub tokens: HashMap<String, u64>,
    /// Interaction token -> id of its original response message.
    pub originals: HashMap<String, u64>,
    pub gateway: Gateway,
    pub ws_url: String,
    /// Guild permissions of members that differ from [`model::member_permissions`] (decimal strings).
    pub member_permissions: HashMap<u64, String>,
    /// Guild roles by id (role options resolve to these).
    pub roles: HashMap<u64, String>,
}

impl State {
    pub fn new(ws_url: String) -> Self {
        let mut s = State {
            started: Instant::now(),
            requests: Vec::new(),
            violations: Vec::new(),
            harness_errors: Vec::new(),
            failures: Vec::new(),
            reject_invalid_bodies: true,
            echo_bot_messages: true,
            callback_deadline: None,
            resume_behavior: ResumeBehavior::Accept,
            commands: None,
            command_registrations: Vec::new(),
            messages: HashMap::new(),
            message_order: Vec::new(),
            channels: HashMap::new(),
            dm_channels: HashMap::new(),
            users: HashMap::new(),
            interactions: HashMap::new(),
            tokens: HashMap::new(),
            originals: HashMap::new(),
            gateway: Gateway::default(),
            ws_url,
            member_permissions: HashMap::new(),
            roles: HashMap::new(),
        };
        s.channels.insert(model::CHANNEL_ID, model::text_channel_json(model::CHANNEL_ID, model::GUILD_ID, "general"));
        s.channels.insert(
            model::OTHER_CHANNEL_ID,
            model::text_channel_json(model::OTHER_CHANNEL_ID, model::GUILD_ID, "help"),
        );
        for u in [
            TestUser::bot_self(),
            TestUser::human(),
            TestUser::other_human(),
            TestUser::other_bot(),
            TestUser::new(model::OWNER_USER_ID, "owner"),
        ] {
            s.users.insert(u.id, u);
        }
        // @everyone has the guild's id.
        s.roles.insert(model::GUILD_ID, "@everyone".into());
        s
    }

    pub fn user(&self, id: u64) -> TestUser {
        self.users.get(&id).cloned().unwrap_or_else(|| TestUser::new(id, &format!("user{id}")))
    }

    pub fn store_message(&mut self, msg: Value) -> u64 {
        let id = model::id_of(&msg["id"]).unwrap_or(0);
        if self.messages.insert(id, msg).is_none() {
            self.message_order.push(id);
        }
        id
    }

    /// The DM channel with `user`, created on first use.
    pub fn dm_channel(&mut self, user: &TestUser) -> u64 {
        if let Some(id) = self.dm_channels.get(&user.id) {
            return *id;
        }
        let id = model::snowflake();
        self.dm_channels.insert(user.id, id);
        self.channels.insert(id, model::dm_channel_json(id, user));
        self.users.entry(user.id).or_insert_with(|| user.clone());
        id
    }

    /// Makes sure the channel exists (a guild text channel if new).
    pub fn ensure_channel(&mut self, channel_id: u64, guild_id: Option<u64>) {
        self.channels.entry(channel_id).or_insert_with(|| match guild_id {
            Some(g) => model::text_channel_json(channel_id, g, &format!("channel-{channel_id}")),
            None => model::dm_channel_json(channel_id, &TestUser::human()),
        });
    }

    pub fn guild_of(&self, channel_id: u64) -> Option<u64> {
        self.channels.get(&channel_id).and_then(|c| c.get("guild_id")).and_then(model::id_of)
    }

    /// Queues (or sends, when a session is live) a gateway dispatch. The caller checked `data`.
    pub fn dispatch(&mut self, event: &str, data: Value) {
        if let Some((_, tx)) = &self.gateway.outbox {
            match tx.send(Outgoing::Dispatch(event.to_string(), data)) {
                Ok(()) => return,
                Err(mpsc::error::SendError(Outgoing::Dispatch(e, d))) => {
                    self.gateway.outbox = None;
                    self.gateway.pending.push((e, d));
                    return;
                }
                Err(_) => unreachable!(),
            }
        }
        self.gateway.pending.push((event.to_string(), data));
    }

    pub fn describe(&self) -> String {
        let mut s = String::new();
        let g = &self.gateway;
        s += &format!(
            "gateway: connections={} identify={} resume={} ready={} resumed={} session={:?} seq={} live={} pending={:?}\n",
            g.connections,
            g.identify_count,
            g.resume_count,
            g.ready_count,
            g.resumed_count,
            g.session_id,
            g.seq,
            g.outbox.is_some(),
            g.pending.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>()
        );
        for d in g.dropped.iter().chain(&g.protocol_errors) {
            s += &format!("gateway note: {d}\n");
        }
        let skip = self.requests.len().saturating_sub(40);
        s += &format!("requests ({}, last 40):\n", self.requests.len());
        for r in &self.requests[skip..] {
            s += &format!("  {}\n", r.summary());
        }
        for v in &self.violations {
            s += &format!("OPENAPI VIOLATION: {v}");
        }
        for e in &self.harness_errors {
            s += &format!("HARNESS ERROR: {e}\n");
        }
        s
    }
}

pub(crate) struct Shared {
    pub state: Mutex<State>,
    pub changed: watch::Sender<u64>,
}

impl Shared {
    pub fn new(ws_url: String) -> Arc<Self> {
        Arc::new(Shared { state: Mutex::new(State::new(ws_url)), changed: watch::Sender::new(0) })
    }
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// Wakes every waiter.
    pub fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }
}

/// The standard Discord error body.
pub(crate) fn error_body(code: u64, message: &str) -> Value {
    json!({"message": message, "code": code})
}
