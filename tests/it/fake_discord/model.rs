//! Discord objects as JSON, built the way Discord sends them, and checked by deserialising them into
//! serenity's own model types: serenity drops a malformed gateway event with a DEBUG log line only, so a
//! fixture that does not parse would make a test wait forever for nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// The token the fake expects (IDENTIFY and the `Authorization: Bot ...` header).
pub const TOKEN: &str = "FAKE.discord.token";
/// The bot's user id.
pub const BOT_USER_ID: u64 = 1_190_000_000_000_000_001;
/// The bot's name.
pub const BOT_NAME: &str = "Signpost";
/// The application id (distinct from the bot user id, so a mix-up shows).
pub const APPLICATION_ID: u64 = 1_190_000_000_000_000_002;
/// The application owner's user id.
pub const OWNER_USER_ID: u64 = 1_190_000_000_000_000_003;
/// The one guild the bot is in.
pub const GUILD_ID: u64 = 1_190_000_000_000_000_010;
/// The guild's default text channel (`#general`).
pub const CHANNEL_ID: u64 = 1_190_000_000_000_000_020;
/// A second text channel in the guild (`#help`).
pub const OTHER_CHANNEL_ID: u64 = 1_190_000_000_000_000_021;
/// The default human user.
pub const HUMAN_USER_ID: u64 = 1_190_000_000_000_000_100;
/// A second human user.
pub const OTHER_HUMAN_USER_ID: u64 = 1_190_000_000_000_000_101;
/// Another bot (not us) in the guild.
pub const OTHER_BOT_USER_ID: u64 = 1_190_000_000_000_000_200;
/// The `@everyone` role (same id as the guild, as on Discord).
pub const EVERYONE_ROLE_ID: u64 = GUILD_ID;

/// Milliseconds between Discord's epoch (2015-01-01) and the Unix epoch.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

static SNOWFLAKE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, unique snowflake with the current time in it (monotonic within the test binary).
pub fn snowflake() -> u64 {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let candidate = (ms.saturating_sub(DISCORD_EPOCH_MS)) << 22;
    let mut prev = SNOWFLAKE_COUNTER.load(Ordering::Relaxed);
    loop {
        let next = candidate.max(prev + 1);
        match SNOWFLAKE_COUNTER.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => prev = actual,
        }
    }
}

/// The current time as Discord writes it (RFC 3339 with milliseconds).
pub fn now_iso() -> String {
    serenity::model::Timestamp::now().to_string()
}

/// Deserialises `value` into serenity's type `T`, panicking with the serde error and the JSON if it does
/// not parse.
pub fn check<T: DeserializeOwned>(what: &str, value: &Value) -> Value {
    if let Err(err) = try_check::<T>(value) {
        panic!("fake Discord built an invalid {what}: {err}\n{}", pretty(value));
    }
    value.clone()
}

/// Like [`check`], but returns the serde error instead of panicking.
pub fn try_check<T: DeserializeOwned>(value: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(value.clone()).map(|_| ()).map_err(|e| format!("{} ({e})", std::any::type_name::<T>()))
}

/// Checks a gateway dispatch the way serenity's shard parses it (`op 0` with `t`, `s`, `d`).
pub fn check_dispatch(event: &str, data: &Value) -> Result<(), String> {
    let frame = json!({"op": 0, "s": 1, "t": event, "d": data});
    match serde_json::from_value::<serenity::model::event::GatewayEvent>(frame) {
        Ok(serenity::model::event::GatewayEvent::Dispatch(_, serenity::model::event::Event::Unknown(_))) => {
            Err(format!("serenity does not know the event {event:?}"))
        }
        Ok(_) => Ok(()),
        Err(e) => Err(format!("{event} does not parse as serenity's GatewayEvent: {e}")),
    }
}

pub(crate) fn pretty(value: &Value) -> String {
    let s = serde_json::to_string_pretty(value).unwrap_or_default();
    truncate(&s, 4000)
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes more)", &s[..end], s.len() - end)
}

/// A Discord user as seen by the fake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestUser {
    pub id: u64,
    pub name: String,
    pub bot: bool,
}

impl TestUser {
    pub fn new(id: u64, name: &str) -> Self {
        Self { id, name: name.to_string(), bot: false }
    }
    /// The default human (`alice`, [`HUMAN_USER_ID`]).
    pub fn human() -> Self {
        Self::new(HUMAN_USER_ID, "alice")
    }
    /// A second human (`bob`, [`OTHER_HUMAN_USER_ID`]).
    pub fn other_human() -> Self {
        Self::new(OTHER_HUMAN_USER_ID, "bob")
    }
    /// Another bot in the guild (not the bot under test).
    pub fn other_bot() -> Self {
        Self { id: OTHER_BOT_USER_ID, name: "otherbot".into(), bot: true }
    }
    /// The bot under test itself.
    pub fn bot_self() -> Self {
        Self { id: BOT_USER_ID, name: BOT_NAME.into(), bot: true }
    }
    /// `<@id>`
    pub fn mention(&self) -> String {
        format!("<@{}>", self.id)
    }
}

/// The user object.
pub fn user_json(u: &TestUser) -> Value {
    json!({
        "id": u.id.to_string(),
        "username": u.name,
        "discriminator": "0",
        "global_name": if u.bot { Value::Null } else { json!(u.name) },
        "avatar": null,
        "bot": u.bot,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
    })
}

/// The bot's own user object (`GET /users/@me`, message authors).
pub fn bot_user_json() -> Value {
    let mut u = user_json(&TestUser::bot_self());
    u["verified"] = json!(true);
    u["mfa_enabled"] = json!(true);
    u["locale"] = json!("en-US");
    u["email"] = Value::Null;
    u["premium_type"] = json!(0);
    u
}

/// The permissions a plain member (and the bot) has in the guild's text channels, as Discord's decimal string.
pub fn member_permissions() -> String {
    let bits: u64 = (1 << 6) // ADD_REACTIONS
        | (1 << 10) // VIEW_CHANNEL
        | (1 << 11) // SEND_MESSAGES
        | (1 << 14) // EMBED_LINKS
        | (1 << 15) // ATTACH_FILES
        | (1 << 16) // READ_MESSAGE_HISTORY
        | (1 << 18) // USE_EXTERNAL_EMOJIS
        | (1 << 31) // USE_APPLICATION_COMMANDS
        | (1 << 35) // CREATE_PUBLIC_THREADS
        | (1 << 36) // CREATE_PRIVATE_THREADS
        | (1 << 38); // SEND_MESSAGES_IN_THREADS
    bits.to_string()
}

/// A guild role object, as in `resolved.roles`.
pub fn role_json(id: u64, name: &str) -> Value {
    json!({
        "id": id.to_string(),
        "name": name,
        "description": null,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": 1,
        "permissions": "0",
        "managed": false,
        "mentionable": true,
        "flags": 0,
    })
}

/// A guild member object (with `user`), as in interactions and GUILD_CREATE.
pub fn member_json(u: &TestUser) -> Value {
    json!({
        "user": user_json(u),
        "nick": null,
        "avatar": null,
        "banner": null,
        "roles": [],
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    })
}

/// The partial member Discord attaches to guild MESSAGE_CREATE events (no `user`).
pub fn partial_member_json() -> Value {
    json!({
        "roles": [],
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "nick": null,
        "avatar": null,
        "banner": null,
        "communication_disabled_until": null,
    })
}

/// A guild text channel (type 0).
pub fn text_channel_json(id: u64, guild_id: u64, name: &str) -> Value {
    check::<serenity::model::channel::GuildChannel>(
        "guild text channel",
        &json!({
            "id": id.to_string(),
            "type": 0,
            "guild_id": guild_id.to_string(),
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "parent_id": null,
            "topic": null,
            "nsfw": false,
            "last_message_id": null,
            "rate_limit_per_user": 0,
            "flags": 0,
        }),
    )
}

/// A guild forum channel (type 15): its posts are threads.
pub fn forum_channel_json(id: u64, guild_id: u64, name: &str) -> Value {
    check::<serenity::model::channel::GuildChannel>(
        "guild forum channel",
        &json!({
            "id": id.to_string(),
            "type": 15,
            "guild_id": guild_id.to_string(),
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "parent_id": null,
            "topic": null,
            "nsfw": false,
            "last_message_id": null,
            "rate_limit_per_user": 0,
            "flags": 0,
            "available_tags": [],
            "default_reaction_emoji": null,
            "default_sort_order": null,
            "default_forum_layout": 0,
        }),
    )
}

/// A DM channel (type 1) with `recipient`.
pub fn dm_channel_json(id: u64, recipient: &TestUser) -> Value {
    check::<serenity::model::channel::PrivateChannel>(
        "DM channel",
        &json!({
            "id": id.to_string(),
            "type": 1,
            "last_message_id": null,
            "flags": 0,
            "recipients": [user_json(recipient)],
        }),
    )
}

/// A thread channel (type 11 public, 12 private) under `parent_id`.
pub fn thread_json(
    id: u64,
    kind: u64,
    guild_id: u64,
    parent_id: u64,
    name: &str,
    auto_archive: u64,
    invitable: bool,
) -> Value {
    let now = now_iso();
    let mut meta = json!({
        "archived": false,
        "auto_archive_duration": auto_archive,
        "archive_timestamp": now,
        "locked": false,
        "create_timestamp": now,
    });
    if kind == 12 {
        meta["invitable"] = json!(invitable);
    }
    check::<serenity::model::channel::GuildChannel>(
        "thread channel",
        &json!({
            "id": id.to_string(),
            "type": kind,
            "guild_id": guild_id.to_string(),
            "parent_id": parent_id.to_string(),
            "owner_id": BOT_USER_ID.to_string(),
            "name": name,
            "last_message_id": null,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "total_message_sent": 0,
            "thread_metadata": meta,
            "member": {
                "id": id.to_string(),
                "user_id": BOT_USER_ID.to_string(),
                "join_timestamp": now,
                "flags": 0,
            },
        }),
    )
}

/// The application object of `GET /oauth2/applications/@me`.
pub fn application_json() -> Value {
    check::<serenity::model::application::CurrentApplicationInfo>(
        "application",
        &json!({
            "id": APPLICATION_ID.to_string(),
            "name": BOT_NAME,
            "icon": null,
            "description": "",
            "summary": "",
            "type": null,
            "bot_public": true,
            "bot_require_code_grant": false,
            "verify_key": "0".repeat(64),
            "flags": application_flags(),
            "owner": user_json(&TestUser::new(OWNER_USER_ID, "owner")),
            "team": null,
            "rpc_origins": [],
            "hook": true,
            "bot": bot_user_json(),
            "redirect_uris": [],
            "interactions_endpoint_url": null,
            "role_connections_verification_url": null,
            "tags": [],
        }),
    )
}

/// GATEWAY_MESSAGE_CONTENT_LIMITED | GATEWAY_GUILD_MEMBERS_LIMITED | APPLICATION_COMMAND_BADGE.
pub fn application_flags() -> u64 {
    (1 << 19) | (1 << 15) | (1 << 23)
}

/// The READY dispatch.
pub fn ready_json(session_id: &str, resume_url: &str) -> Value {
    let v = json!({
        "v": 10,
        "user": bot_user_json(),
        "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_url,
        "shard": [0, 1],
        "application": {"id": APPLICATION_ID.to_string(), "flags": application_flags()},
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "guild_join_requests": [],
        "user_settings": {},
        "geo_ordered_rtc_regions": ["us-east"],
        "auth": {},
        "_trace": ["[\"fake-discord\",{\"micros\":0}]"],
    });
    check_dispatch("READY", &v).unwrap_or_else(|e| panic!("{e}\n{}", pretty(&v)));
    v
}

/// The guild's GUILD_CREATE dispatch: `@everyone`, the bot and the default human as members, and the
/// text channels given.
pub fn guild_create_json(channels: &[Value]) -> Value {
    let everyone = json!({
        "id": EVERYONE_ROLE_ID.to_string(),
        "name": "@everyone",
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": 0,
        "permissions": member_permissions(),
        "managed": false,
        "mentionable": false,
        "flags": 0,
    });
    let v = json!({
        "id": GUILD_ID.to_string(),
        "name": "Python Web Dev",
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": OWNER_USER_ID.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": [everyone],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": CHANNEL_ID.to_string(),
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
    });
    let state = json!({
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "large": false,
        "unavailable": false,
        "member_count": 3,
        "voice_states": [],
        "members": [
            member_json(&TestUser::bot_self()),
            member_json(&TestUser::human()),
            member_json(&TestUser::new(OWNER_USER_ID, "owner")),
        ],
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
        "lazy": true,
    });
    let mut v = v;
    if let (Some(o), Value::Object(extra)) = (v.as_object_mut(), state) {
        o.extend(extra);
    }
    check_dispatch("GUILD_CREATE", &v).unwrap_or_else(|e| panic!("{e}\n{}", pretty(&v)));
    v
}

/// A message as Discord stores and returns it.
#[allow(clippy::too_many_arguments)]
pub fn message_json(
    id: u64,
    channel_id: u64,
    guild_id: Option<u64>,
    author: &TestUser,
    content: &str,
    mentions: &[TestUser],
    kind: u64,
    flags: u64,
) -> Value {
    let mut m = json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": user_json(author),
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": mentions.iter().map(user_json).collect::<Vec<_>>(),
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": kind,
        "flags": flags,
    });
    if let Some(g) = guild_id {
        m["guild_id"] = json!(g.to_string());
        if !author.bot || author.id != BOT_USER_ID {
            m["member"] = partial_member_json();
        }
    }
    m
}

/// Checks a message object against serenity's `Message`.
pub fn check_message(value: &Value) -> Result<(), String> {
    try_check::<serenity::model::channel::Message>(value)
}

/// The `channel` field of an interaction (a partial channel).
pub fn partial_channel_json(channel: &Value) -> Value {
    let mut c = json!({
        "id": channel["id"],
        "type": channel["type"],
        "flags": 0,
    });
    for key in ["name", "guild_id", "parent_id", "thread_metadata", "nsfw", "topic", "position", "rate_limit_per_user"]
    {
        if let Some(v) = channel.get(key) {
            c[key] = v.clone();
        }
    }
    if channel["type"] != json!(1) {
        c["permissions"] = json!(member_permissions());
    }
    c
}

/// The users mentioned in `content` (`<@id>`, `<@!id>`) that `allowed_mentions` lets ping.
pub fn mentioned_ids(content: &str, allowed: Option<&Value>) -> Vec<u64> {
    let mut ids = Vec::new();
    let mut rest = content;
    while let Some(pos) = rest.find("<@") {
        rest = &rest[pos + 2..];
        let digits = rest.strip_prefix('!').unwrap_or(rest);
        let end = digits.find('>').unwrap_or(0);
        if end > 0 {
            if let Ok(id) = digits[..end].parse::<u64>() {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    match allowed {
        None | Some(Value::Null) => ids,
        Some(a) => {
            let parse_users = a.get("parse").and_then(Value::as_array).is_some_and(|p| p.iter().any(|x| x == "users"));
            let listed: Vec<u64> = a
                .get("users")
                .and_then(Value::as_array)
                .map(|u| u.iter().filter_map(id_of).collect())
                .unwrap_or_default();
            ids.into_iter().filter(|id| parse_users || listed.contains(id)).collect()
        }
    }
}

/// Does `content` ping `@everyone`/`@here`, given `allowed_mentions` (absent: everything may ping)?
pub fn pings_everyone(content: &str, allowed: Option<&Value>) -> bool {
    if !content.contains("@everyone") && !content.contains("@here") {
        return false;
    }
    match allowed {
        None | Some(Value::Null) => true,
        Some(a) => a.get("parse").and_then(Value::as_array).is_some_and(|p| p.iter().any(|x| x == "everyone")),
    }
}

/// A snowflake in JSON (string or number) as u64.
pub fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// Every `custom_id` in a message's components (recursively).
pub fn custom_ids(components: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(o) => {
                if let Some(Value::String(id)) = o.get("custom_id") {
                    out.push(id.clone());
                }
                o.values().for_each(|x| walk(x, out));
            }
            _ => {}
        }
    }
    walk(components, &mut out);
    out
}

/// Turns request components into response components: Discord adds a numeric `id` to each component and
/// echoes the rest.
pub fn response_components(req: &Value) -> Value {
    fn walk(v: &Value, next: &mut u64) -> Value {
        match v {
            Value::Array(a) => Value::Array(a.iter().map(|x| walk(x, next)).collect()),
            Value::Object(o) => {
                let mut out = serde_json::Map::new();
                for (k, x) in o {
                    out.insert(k.clone(), if k == "components" || k == "options" { walk(x, next) } else { x.clone() });
                }
                if out.contains_key("type") && !out.contains_key("id") && !out.contains_key("value") {
                    *next += 1;
                    out.insert("id".into(), json!(*next));
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
    let mut n = 0;
    match req {
        Value::Array(_) => walk(req, &mut n),
        _ => json!([]),
    }
}

/// Turns request embeds into response embeds: `type: rich`, fields get `inline: false` when absent.
pub fn response_embeds(req: &Value) -> Value {
    let Some(list) = req.as_array() else { return json!([]) };
    Value::Array(
        list.iter()
            .map(|e| {
                let mut e = e.clone();
                if let Some(o) = e.as_object_mut() {
                    o.retain(|_, v| !v.is_null());
                    o.entry("type").or_insert(json!("rich"));
                    if let Some(Value::Array(fields)) = o.get_mut("fields") {
                        for f in fields {
                            if let Some(fo) = f.as_object_mut() {
                                fo.entry("inline").or_insert(json!(false));
                            }
                        }
                    }
                }
                e
            })
            .collect(),
    )
}
