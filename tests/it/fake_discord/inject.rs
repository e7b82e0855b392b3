//! Events a test sends to the bot: interactions (slash commands, autocomplete, button clicks, select menus,
//! modals, message context menus) and messages. Every payload is checked by deserialising it into
//! serenity's types before it is queued on the gateway; a payload serenity would drop makes the test panic
//! here, with the serde error, instead of waiting forever.

use serde_json::{json, Map, Value};

use super::model::{self, TestUser, APPLICATION_ID, CHANNEL_ID, GUILD_ID};
use super::state::{InteractionRec, State};
use super::FakeDiscord;

/// Where an interaction or message happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Where {
    /// A guild channel (created as a text channel of [`GUILD_ID`] if unknown).
    Channel(u64),
    /// The DM channel between the user and the bot.
    Dm,
}

impl Default for Where {
    /// `#general` ([`CHANNEL_ID`]) in [`GUILD_ID`].
    fn default() -> Self {
        Where::Channel(CHANNEL_ID)
    }
}

/// Which message a component interaction (or a message command) is about.
#[derive(Clone, Debug)]
pub enum MessageRef {
    /// A message the fake stores (the bot's, or one injected with `message_create`).
    Id(u64),
    /// This message object as is.
    Message(Value),
    /// The newest stored message with a component of the given `custom_id`.
    Auto,
}

impl From<u64> for MessageRef {
    fn from(id: u64) -> Self {
        MessageRef::Id(id)
    }
}
impl From<Value> for MessageRef {
    fn from(v: Value) -> Self {
        MessageRef::Message(v)
    }
}
impl From<&Value> for MessageRef {
    fn from(v: &Value) -> Self {
        MessageRef::Message(v.clone())
    }
}

/// An interaction the fake sent: what a test needs to find the bot's answer.
#[derive(Clone, Debug)]
pub struct InteractionRef {
    pub id: u64,
    pub token: String,
    pub channel_id: u64,
    /// The INTERACTION_CREATE payload as sent.
    pub payload: Value,
}

/// A message a test makes a user write (see [`FakeDiscord::message_create_with`]).
#[derive(Clone, Debug)]
pub struct MessageSpec {
    pub place: Where,
    pub author: TestUser,
    pub content: String,
    pub mentions: Vec<TestUser>,
    /// Makes it a reply (type 19) to this stored message.
    pub reply_to: Option<u64>,
}

impl MessageSpec {
    pub fn new(place: Where, author: &TestUser, content: &str) -> Self {
        MessageSpec {
            place,
            author: author.clone(),
            content: content.to_string(),
            mentions: Vec::new(),
            reply_to: None,
        }
    }
}

/// A command option for `slash_command`, typed from the value: string 3, integer 4, boolean 5, number 10.
pub fn opt(name: &str, value: impl Into<Value>) -> Value {
    let value = value.into();
    let kind = match &value {
        Value::String(_) => 3,
        Value::Bool(_) => 5,
        Value::Number(n) if n.is_i64() || n.is_u64() => 4,
        Value::Number(_) => 10,
        _ => 3,
    };
    json!({"name": name, "type": kind, "value": value})
}

/// A user option (type 6): the interaction carries the user in `resolved`.
pub fn opt_user(name: &str, user: &TestUser) -> Value {
    json!({"name": name, "type": 6, "value": user.id.to_string()})
}

/// A role option (type 8): the interaction carries the role in `resolved` (see [`FakeDiscord::add_role`]).
pub fn opt_role(name: &str, role: u64) -> Value {
    json!({"name": name, "type": 8, "value": role.to_string()})
}

/// A channel option (type 7): the interaction carries the channel in `resolved`.
pub fn opt_channel(name: &str, channel: u64) -> Value {
    json!({"name": name, "type": 7, "value": channel.to_string()})
}

/// A focused option for `autocomplete`: what the user has typed so far.
pub fn opt_focused(name: &str, partial: &str) -> Value {
    json!({"name": name, "type": 3, "value": partial, "focused": true})
}

impl FakeDiscord {
    /// `/name` (with spaces for subcommands: `"decide start"`) with `options` (a JSON array, see [`opt`]) by
    /// `user` in `#general`.
    pub fn slash_command(&self, name: &str, options: Value, user: &TestUser) -> InteractionRef {
        self.slash_command_in(Where::default(), name, options, user)
    }

    /// Like [`Self::slash_command`], somewhere else (a channel, or the user's DM with the bot).
    pub fn slash_command_in(&self, place: Where, name: &str, options: Value, user: &TestUser) -> InteractionRef {
        let data = self.command_data(name, options, 1, false);
        self.send_interaction(2, data, user, place, None)
    }

    /// An autocomplete request for `/name`: `options` must hold one option with `"focused": true`
    /// (see [`opt_focused`]). The bot answers with a type 8 callback.
    pub fn autocomplete(&self, name: &str, options: Value, user: &TestUser) -> InteractionRef {
        let focused = options.to_string().contains("\"focused\":true");
        assert!(focused, "autocomplete needs an option with \"focused\": true: {options}");
        let data = self.command_data(name, options, 1, true);
        self.send_interaction(4, data, user, Where::default(), None)
    }

    /// A click on the button `custom_id` of `message` (an id, a message object, or [`MessageRef::Auto`]:
    /// the newest stored message carrying that custom id). Panics if the message has no such enabled
    /// component, as Discord could not send that click.
    pub fn component_click(&self, custom_id: &str, message: impl Into<MessageRef>, user: &TestUser) -> InteractionRef {
        let msg = self.resolve_message(message.into(), Some(custom_id));
        let component = find_component(&msg, custom_id).expect("checked by resolve_message");
        let ctype = component["type"].as_u64().unwrap_or(2);
        assert_eq!(ctype, 2, "component {custom_id} is not a button (type {ctype}); use select_choice");
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.component_interaction(data, msg, user)
    }

    /// A choice in the select menu `custom_id` of `message`; string selects check that each value is
    /// one of the menu's options.
    pub fn select_choice(
        &self,
        custom_id: &str,
        values: &[&str],
        message: impl Into<MessageRef>,
        user: &TestUser,
    ) -> InteractionRef {
        let msg = self.resolve_message(message.into(), Some(custom_id));
        let component = find_component(&msg, custom_id).expect("checked by resolve_message");
        let ctype = component["type"].as_u64().unwrap_or(3);
        assert!(matches!(ctype, 3 | 5 | 6 | 7 | 8), "component {custom_id} is not a select menu (type {ctype})");
        if ctype == 3 {
            let offered: Vec<&str> =
                component["options"].as_array().into_iter().flatten().filter_map(|o| o["value"].as_str()).collect();
            for v in values {
                assert!(offered.contains(v), "select {custom_id} has no option {v:?}; options: {offered:?}");
            }
        }
        let data = json!({"custom_id": custom_id, "component_type": ctype, "values": values});
        self.component_interaction(data, msg, user)
    }

    /// A modal submit for the modal `custom_id` with text inputs `fields` (custom id, value), in `#general`.
    pub fn modal_submit(&self, custom_id: &str, fields: &[(&str, &str)], user: &TestUser) -> InteractionRef {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, value)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]}))
            .collect();
        let data = json!({"custom_id": custom_id, "components": rows});
        self.send_interaction(5, data, user, Where::default(), None)
    }

    /// The message command `name` (a context menu entry) on `target`.
    pub fn message_context_menu(&self, name: &str, target: impl Into<MessageRef>, user: &TestUser) -> InteractionRef {
        let msg = self.resolve_message(target.into(), None);
        let mid = msg["id"].as_str().unwrap_or_default().to_string();
        let mut data = self.command_data(name, json!([]), 3, false);
        data["target_id"] = json!(mid);
        data["resolved"] = json!({"messages": {mid.clone(): msg.clone()}});
        let place = place_of(&msg);
        self.send_interaction(2, data, user, place, None)
    }

    /// A message written by `author` in `channel_id` (a guild channel when `guild_id` is given, a DM
    /// channel otherwise), mentioning `mentions` (the content should hold their `<@id>`). Returns the
    /// message object, also stored (so the bot can fetch it, reply to it or start a thread on it).
    pub fn message_create(
        &self,
        channel_id: u64,
        author: &TestUser,
        content: &str,
        mentions: &[TestUser],
        guild_id: Option<u64>,
    ) -> Value {
        let place = match guild_id {
            Some(g) => {
                let mut st = self.shared.lock();
                st.ensure_channel(channel_id, Some(g));
                Where::Channel(channel_id)
            }
            None => {
                let mut st = self.shared.lock();
                if let std::collections::hash_map::Entry::Vacant(e) = st.channels.entry(channel_id) {
                    e.insert(model::dm_channel_json(channel_id, author));
                    st.dm_channels.entry(author.id).or_insert(channel_id);
                }
                drop(st);
                return self.message_in_channel(channel_id, None, author, content, mentions, None);
            }
        };
        let mut spec = MessageSpec::new(place, author, content);
        spec.mentions = mentions.to_vec();
        self.message_create_with(spec)
    }

    /// A DM from `author` to the bot.
    pub fn dm_message_create(&self, author: &TestUser, content: &str) -> Value {
        self.message_create_with(MessageSpec::new(Where::Dm, author, content))
    }

    /// A message by another bot (`author.bot` forced to true) in a guild channel.
    pub fn bot_message_create(
        &self,
        channel_id: u64,
        author: &TestUser,
        content: &str,
        mentions: &[TestUser],
    ) -> Value {
        let mut author = author.clone();
        author.bot = true;
        self.message_create(channel_id, &author, content, mentions, Some(GUILD_ID))
    }

    /// A message from a full [`MessageSpec`].
    pub fn message_create_with(&self, spec: MessageSpec) -> Value {
        let (channel_id, guild_id) = {
            let mut st = self.shared.lock();
            match spec.place {
                Where::Channel(c) => {
                    st.ensure_channel(c, Some(GUILD_ID));
                    let g = st.guild_of(c);
                    (c, g)
                }
                Where::Dm => (st.dm_channel(&spec.author), None),
            }
        };
        self.message_in_channel(channel_id, guild_id, &spec.author, &spec.content, &spec.mentions, spec.reply_to)
    }

    fn message_in_channel(
        &self,
        channel_id: u64,
        guild_id: Option<u64>,
        author: &TestUser,
        content: &str,
        mentions: &[TestUser],
        reply_to: Option<u64>,
    ) -> Value {
        self.message_with_id(model::snowflake(), channel_id, guild_id, author, content, mentions, reply_to)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn message_with_id(
        &self,
        id: u64,
        channel_id: u64,
        guild_id: Option<u64>,
        author: &TestUser,
        content: &str,
        mentions: &[TestUser],
        reply_to: Option<u64>,
    ) -> Value {
        let kind = if reply_to.is_some() { 19 } else { 0 };
        let mut msg = model::message_json(id, channel_id, guild_id, author, content, mentions, kind, 0);
        let mut st = self.shared.lock();
        st.users.entry(author.id).or_insert_with(|| author.clone());
        if let Some(r) = reply_to {
            let Some(orig) = st.messages.get(&r).cloned() else { panic!("reply to unknown message {r}") };
            let mut mr = json!({"type": 0, "message_id": r.to_string(), "channel_id": channel_id.to_string()});
            if let Some(g) = guild_id {
                mr["guild_id"] = json!(g.to_string());
            }
            msg["message_reference"] = mr;
            msg["referenced_message"] = orig;
        }
        model::check_dispatch("MESSAGE_CREATE", &msg).unwrap_or_else(|e| panic!("{e}\n{}", model::pretty(&msg)));
        st.store_message(msg.clone());
        st.dispatch("MESSAGE_CREATE", msg.clone());
        drop(st);
        self.shared.bump();
        msg
    }

    /// The `data` of a command interaction. When commands were registered, the options are checked
    /// against the registration like Discord would (known names, value types, required options unless
    /// `partial`), and take the registered option types; user and channel options get `resolved` entries.
    fn command_data(&self, name: &str, options: Value, kind: u64, partial: bool) -> Value {
        // Slash command names cannot hold spaces: a space separates subcommands. Context menu names can.
        let (top, subs): (String, Vec<&str>) = if kind == 1 {
            let mut parts = name.split(' ');
            (parts.next().unwrap_or(name).to_string(), parts.collect())
        } else {
            (name.to_string(), Vec::new())
        };
        let mut options = if options.is_null() { json!([]) } else { options };
        assert!(options.is_array(), "command options must be a JSON array: {options}");
        let st = self.shared.lock();
        let id = match &st.commands {
            Some(Value::Array(cmds)) => {
                let Some(cmd) = cmds.iter().find(|c| c["name"] == json!(top) && c["type"] == json!(kind)) else {
                    let names: Vec<&Value> = cmds.iter().map(|c| &c["name"]).collect();
                    panic!("command {top:?} (type {kind}) is not registered; registered: {names:?}")
                };
                let mut defs = cmd["options"].as_array().cloned().unwrap_or_default();
                for sub in &subs {
                    let Some(d) =
                        defs.iter().find(|o| o["name"] == json!(sub) && matches!(o["type"].as_u64(), Some(1 | 2)))
                    else {
                        panic!(
                            "/{top} has no subcommand {sub:?}; it has {:?}",
                            defs.iter().map(|o| &o["name"]).collect::<Vec<_>>()
                        )
                    };
                    defs = d["options"].as_array().cloned().unwrap_or_default();
                }
                if let Value::Array(given) = &mut options {
                    conform(name, given, &defs, partial);
                }
                cmd["id"].clone()
            }
            _ => json!(model::snowflake().to_string()),
        };
        let resolved = resolved_for(&st, &options);
        drop(st);
        for (i, sub) in subs.iter().enumerate().rev() {
            let t = if i + 1 == subs.len() { 1 } else { 2 };
            options = json!([{"type": t, "name": sub, "options": options}]);
        }
        let mut data = json!({"id": id, "name": top, "type": kind});
        if kind == 1 {
            data["options"] = options;
            if let Some(r) = resolved {
                data["resolved"] = r;
            }
        }
        data
    }

    fn component_interaction(&self, data: Value, msg: Value, user: &TestUser) -> InteractionRef {
        let place = place_of(&msg);
        self.send_interaction(3, data, user, place, Some(msg))
    }

    fn resolve_message(&self, r: MessageRef, custom_id: Option<&str>) -> Value {
        let st = self.shared.lock();
        let msg = match r {
            MessageRef::Message(m) => m,
            MessageRef::Id(id) => match st.messages.get(&id) {
                Some(m) => m.clone(),
                None => panic!("no stored message {id}"),
            },
            MessageRef::Auto => {
                let Some(cid) = custom_id else { panic!("MessageRef::Auto needs a custom_id") };
                let found = st
                    .message_order
                    .iter()
                    .rev()
                    .filter_map(|id| st.messages.get(id))
                    .find(|m| model::custom_ids(&m["components"]).iter().any(|c| c == cid));
                match found {
                    Some(m) => m.clone(),
                    None => {
                        panic!("no stored message has a component {cid:?}; custom ids seen: {:?}", all_custom_ids(&st))
                    }
                }
            }
        };
        if let Some(cid) = custom_id {
            match find_component(&msg, cid) {
                None => panic!(
                    "message {} has no component {cid:?}; it has {:?}",
                    msg["id"],
                    model::custom_ids(&msg["components"])
                ),
                Some(c) if c["disabled"] == json!(true) => {
                    panic!("component {cid:?} is disabled: it cannot be clicked")
                }
                Some(_) => {}
            }
        }
        msg
    }

    /// Builds, checks and dispatches an INTERACTION_CREATE of `kind` (2 command, 3 component, 4 autocomplete,
    /// 5 modal submit) with `data`.
    pub fn send_interaction(
        &self,
        kind: u64,
        data: Value,
        user: &TestUser,
        place: Where,
        message: Option<Value>,
    ) -> InteractionRef {
        let id = model::snowflake();
        let token = format!("fake-token-{id}-{kind}");
        let mut st = self.shared.lock();
        st.users.entry(user.id).or_insert_with(|| user.clone());
        let (channel_id, guild_id) = match place {
            Where::Channel(c) => {
                st.ensure_channel(c, Some(GUILD_ID));
                (c, st.guild_of(c))
            }
            Where::Dm => (st.dm_channel(user), None),
        };
        let channel = st.channels[&channel_id].clone();
        let mut p = Map::new();
        p.insert("id".into(), json!(id.to_string()));
        p.insert("application_id".into(), json!(APPLICATION_ID.to_string()));
        p.insert("type".into(), json!(kind));
        p.insert("data".into(), data);
        p.insert("channel_id".into(), json!(channel_id.to_string()));
        p.insert("channel".into(), model::partial_channel_json(&channel));
        p.insert("token".into(), json!(token));
        p.insert("version".into(), json!(1));
        p.insert("app_permissions".into(), json!(model::member_permissions()));
        p.insert("locale".into(), json!("en-US"));
        p.insert("entitlements".into(), json!([]));
        p.insert("attachment_size_limit".into(), json!(26_214_400));
        match guild_id {
            Some(g) => {
                p.insert("guild_id".into(), json!(g.to_string()));
                p.insert("guild_locale".into(), json!("en-US"));
                let mut member = model::member_json(user);
                let permissions =
                    st.member_permissions.get(&user.id).cloned().unwrap_or_else(model::member_permissions);
                member["permissions"] = json!(permissions);
                p.insert("member".into(), member);
                p.insert("authorizing_integration_owners".into(), json!({"0": g.to_string()}));
                p.insert("context".into(), json!(0));
            }
            None => {
                p.insert("user".into(), model::user_json(user));
                p.insert("authorizing_integration_owners".into(), json!({"0": "0"}));
                p.insert("context".into(), json!(1));
            }
        }
        let message_id = message.as_ref().and_then(|m| model::id_of(&m["id"]));
        if let Some(m) = message {
            p.insert("message".into(), m);
        }
        let payload = Value::Object(p);
        model::check::<serenity::model::application::Interaction>("interaction", &payload);
        model::check_dispatch("INTERACTION_CREATE", &payload).unwrap_or_else(|e| panic!("{e}"));
        st.interactions.insert(
            id,
            InteractionRec {
                token: token.clone(),
                kind,
                channel_id,
                message_id,
                sent_at: std::time::Instant::now(),
                acked_at: None,
                callback_type: None,
            },
        );
        st.tokens.insert(token.clone(), id);
        st.dispatch("INTERACTION_CREATE", payload.clone());
        drop(st);
        self.shared.bump();
        InteractionRef { id, token, channel_id, payload }
    }
}

fn place_of(msg: &Value) -> Where {
    Where::Channel(model::id_of(&msg["channel_id"]).unwrap_or(CHANNEL_ID))
}

fn find_component(msg: &Value, custom_id: &str) -> Option<Value> {
    fn walk(v: &Value, id: &str) -> Option<Value> {
        match v {
            Value::Array(a) => a.iter().find_map(|x| walk(x, id)),
            Value::Object(o) => {
                if o.get("custom_id").and_then(Value::as_str) == Some(id) {
                    return Some(v.clone());
                }
                o.values().find_map(|x| walk(x, id))
            }
            _ => None,
        }
    }
    walk(&msg["components"], custom_id)
}

fn all_custom_ids(st: &State) -> Vec<String> {
    st.message_order
        .iter()
        .filter_map(|id| st.messages.get(id))
        .flat_map(|m| model::custom_ids(&m["components"]))
        .collect()
}

/// Checks given options against their registered definitions and takes the registered types.
fn conform(command: &str, given: &mut [Value], defs: &[Value], partial: bool) {
    for o in given.iter_mut() {
        let name = o["name"].clone();
        let Some(def) = defs.iter().find(|d| d["name"] == name) else {
            let names: Vec<&Value> = defs.iter().map(|d| &d["name"]).collect();
            panic!("/{command} has no option {name}; registered options: {names:?}")
        };
        let ty = def["type"].as_u64().unwrap_or(3);
        let v = &o["value"];
        let fits = match ty {
            3 => v.is_string(),
            4 => v.is_i64() || v.is_u64() || (partial && v.is_string()),
            5 => v.is_boolean(),
            10 => v.is_number() || (partial && v.is_string()),
            6..=9 | 11 => v.is_string() || v.is_u64(),
            _ => true,
        };
        assert!(fits, "/{command} option {name} is registered with type {ty}; {v} does not fit");
        if let Some(choices) = def["choices"].as_array().filter(|c| !c.is_empty() && !partial) {
            assert!(
                choices.iter().any(|c| &c["value"] == v),
                "/{command} option {name}: {v} is not one of its choices"
            );
        }
        o["type"] = json!(ty);
    }
    if !partial {
        for d in defs.iter().filter(|d| d["required"] == json!(true)) {
            assert!(given.iter().any(|o| o["name"] == d["name"]), "/{command} needs its required option {}", d["name"]);
        }
    }
}

/// `resolved` entries for user (6), channel (7) and role (8) options.
fn resolved_for(st: &State, options: &Value) -> Option<Value> {
    let mut users = Map::new();
    let mut channels = Map::new();
    let mut roles = Map::new();
    for o in options.as_array().into_iter().flatten() {
        let Some(id) = model::id_of(&o["value"]) else { continue };
        match o["type"].as_u64() {
            Some(6) => {
                users.insert(id.to_string(), model::user_json(&st.user(id)));
            }
            Some(7) => {
                let Some(ch) = st.channels.get(&id) else { panic!("channel option: the fake knows no channel {id}") };
                channels.insert(id.to_string(), model::partial_channel_json(ch));
            }
            Some(8) => {
                let Some(name) = st.roles.get(&id) else { panic!("role option: the fake knows no role {id}") };
                roles.insert(id.to_string(), model::role_json(id, name));
            }
            _ => {}
        }
    }
    if users.is_empty() && channels.is_empty() && roles.is_empty() {
        return None;
    }
    let mut r = json!({});
    if !users.is_empty() {
        r["users"] = Value::Object(users);
    }
    if !channels.is_empty() {
        r["channels"] = Value::Object(channels);
    }
    if !roles.is_empty() {
        r["roles"] = Value::Object(roles);
    }
    Some(r)
}
