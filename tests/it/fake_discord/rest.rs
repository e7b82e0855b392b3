//! The REST half of the fake: one axum fallback handler that records every request, checks its body
//! against openapi.json, applies failure rules, and answers the routes a bot uses with objects built from
//! the request (echoed content, embeds and components, fresh snowflakes, the bot as author).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::model::{self, TestUser, APPLICATION_ID, BOT_USER_ID};
use super::openapi;
use super::state::{error_body, InteractionRec, Recorded, Shared, State, Violation};

pub(crate) struct Reply {
    status: u16,
    body: Option<Value>,
    problem: Option<String>,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Reply { status: 200, body: Some(body), problem: None }
    }
    fn no_content() -> Self {
        Reply { status: 204, body: None, problem: None }
    }
    /// A Discord-style error that is a legitimate answer (not a bot bug).
    fn err(status: u16, code: u64, message: &str) -> Self {
        Reply { status, body: Some(error_body(code, message)), problem: None }
    }
    /// A Discord-style error caused by a request the bot should not have made.
    fn bad(status: u16, code: u64, message: &str, problem: String) -> Self {
        Reply { status, body: Some(error_body(code, message)), problem: Some(problem) }
    }
    fn not_found(problem: String) -> Self {
        Self::bad(404, 0, "404: Not Found", problem)
    }
}

pub(crate) async fn handle(
    AxState(shared): AxState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let method = method.as_str().to_string();
    let full_path = uri.path().to_string();
    let query = uri.query().map(str::to_string);
    let path = full_path.strip_prefix("/api/v10").unwrap_or(&full_path).to_string();
    let (body, body_problem) = parse_body(&headers, &bytes);
    let files = file_parts(&headers, &bytes);

    // Schema check outside the state lock (the first use of a route compiles its validator).
    let violations = if full_path.starts_with("/api/v10/") {
        let errors = openapi::check_request(&method, &path, body.as_ref());
        if errors.is_empty() {
            None
        } else {
            Some(Violation {
                method: method.clone(),
                path: path.clone(),
                template: openapi::template_for(&path),
                errors,
                body: body.clone(),
            })
        }
    } else {
        None
    };

    let mut st = shared.lock();
    let at = st.started.elapsed();
    let mut injected_failure = false;
    let mut reply = if !full_path.starts_with("/api/v10/") {
        Reply::not_found(format!("path without the /api/v10 prefix: {full_path}"))
    } else if let Some(p) = body_problem {
        Reply::bad(400, 50109, "The request body contains invalid JSON.", p)
    } else if let Some(r) = check_auth(&path, &headers) {
        r
    } else if let Some(rule) = take_failure(&mut st, &method, &path) {
        injected_failure = true;
        rule
    } else if violations.is_some() && st.reject_invalid_bodies && openapi::template_for(&path).is_some() {
        let errors = violations.as_ref().map(|v| v.errors.clone()).unwrap_or_default();
        Reply {
            status: 400,
            body: Some(json!({"message": "Invalid Form Body", "code": 50035, "errors": {"_fake": errors}})),
            problem: None,
        }
    } else {
        route(&mut st, &method, &path, query.as_deref(), body.as_ref())
    };
    if let Some(v) = violations {
        st.violations.push(v);
    }
    if let Some(b) = &reply.body {
        if reply.status >= 400 && b.get("code").is_none() {
            reply.body = Some(error_body(0, "error"));
        }
    }
    let interaction_id = interaction_of(&st, &path);
    let index = st.requests.len();
    st.requests.push(Recorded {
        index,
        method,
        path,
        body,
        at,
        status: reply.status,
        response: reply.body.clone(),
        interaction_id,
        problem: reply.problem.clone(),
        injected_failure,
        files,
    });
    drop(st);
    shared.bump();

    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match reply.body {
        Some(b) => (status, [("content-type", "application/json")], b.to_string()).into_response(),
        None => status.into_response(),
    }
}

fn parse_body(headers: &HeaderMap, bytes: &Bytes) -> (Option<Value>, Option<String>) {
    if bytes.is_empty() {
        return (None, None);
    }
    let ctype = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(boundary) = ctype.split("boundary=").nth(1) {
        let boundary = boundary.trim_matches('"');
        return match payload_json_part(bytes, boundary) {
            Some(text) => match serde_json::from_str(&text) {
                Ok(v) => (Some(v), None),
                Err(e) => (None, Some(format!("multipart payload_json is not JSON: {e}"))),
            },
            None => (None, None),
        };
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(format!("body is not JSON ({ctype}): {e}"))),
    }
}

/// The file parts of a multipart/form-data body (attachments): each part's file name and text.
fn file_parts(headers: &HeaderMap, bytes: &[u8]) -> Vec<(String, String)> {
    let ctype = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(boundary) = ctype.split("boundary=").nth(1).map(|b| b.trim_matches('"')) else { return Vec::new() };
    let text = String::from_utf8_lossy(bytes);
    let delim = format!("--{boundary}");
    text.split(delim.as_str())
        .filter_map(|part| {
            let (head, body) = part.split_once("\r\n\r\n")?;
            let name = head.split("filename=\"").nth(1)?.split('"').next()?;
            Some((name.to_string(), body.trim_end_matches("\r\n").to_string()))
        })
        .collect()
}

/// The `payload_json` part of a multipart/form-data body.
fn payload_json_part(bytes: &[u8], boundary: &str) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let delim = format!("--{boundary}");
    for part in text.split(delim.as_str()) {
        let Some((head, body)) = part.split_once("\r\n\r\n") else { continue };
        if head.contains("name=\"payload_json\"") {
            return Some(body.trim_end_matches("\r\n").to_string());
        }
    }
    None
}

fn check_auth(path: &str, headers: &HeaderMap) -> Option<Reply> {
    if path.starts_with("/interactions/") || path.starts_with("/webhooks/") {
        return None;
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    if auth == format!("Bot {}", model::TOKEN) {
        None
    } else {
        Some(Reply::bad(401, 0, "401: Unauthorized", format!("bad Authorization header {auth:?}")))
    }
}

fn take_failure(st: &mut State, method: &str, path: &str) -> Option<Reply> {
    let idx = st.failures.iter().position(|r| {
        let path_matches = match r.path_prefix.strip_prefix('*') {
            Some(suffix) => path.ends_with(suffix),
            None => path.starts_with(&r.path_prefix),
        };
        (r.method == "*" || r.method.eq_ignore_ascii_case(method)) && path_matches
    })?;
    let rule = &mut st.failures[idx];
    let reply = Reply { status: rule.status, body: Some(rule.body.clone()), problem: None };
    if let Some(n) = &mut rule.remaining {
        *n -= 1;
        if *n == 0 {
            st.failures.remove(idx);
        }
    }
    Some(reply)
}

fn interaction_of(st: &State, path: &str) -> Option<u64> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segs.as_slice() {
        ["interactions", id, ..] => id.parse().ok(),
        ["webhooks", _, token, ..] => st.tokens.get(*token).copied(),
        _ => None,
    }
}

fn parse_id(s: &str) -> Option<u64> {
    s.parse().ok()
}

fn route(st: &mut State, method: &str, path: &str, query: Option<&str>, body: Option<&Value>) -> Reply {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let empty = json!({});
    let b = body.unwrap_or(&empty);
    match (method, segs.as_slice()) {
        ("GET", ["gateway"]) => Reply::ok(json!({"url": st.ws_url})),
        ("GET", ["gateway", "bot"]) => Reply::ok(json!({
            "url": st.ws_url,
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1},
        })),
        ("GET", ["users", "@me"]) => Reply::ok(model::bot_user_json()),
        ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
            Reply::ok(model::application_json())
        }
        ("PUT", ["applications", app, "commands"]) => register_commands(st, path, app, None, b),
        ("PUT", ["applications", app, "guilds", g, "commands"]) => register_commands(st, path, app, parse_id(g), b),
        ("GET", ["applications", _, "commands"]) | ("GET", ["applications", _, "guilds", _, "commands"]) => {
            Reply::ok(st.commands.clone().unwrap_or_else(|| json!([])))
        }
        ("POST", ["applications", app, "commands"]) => {
            let guild = None;
            let r = register_commands(st, path, app, guild, &json!([b]));
            match r.body {
                Some(Value::Array(mut a)) if r.status == 200 => Reply { status: 201, body: a.pop(), problem: None },
                _ => r,
            }
        }
        ("POST", ["interactions", id, token, "callback"]) => callback(st, parse_id(id).unwrap_or(0), token, b),
        ("POST", ["webhooks", app, token]) => followup(st, app, token, b),
        (m @ ("GET" | "PATCH" | "DELETE"), ["webhooks", app, token, "messages", mid]) => {
            webhook_message(st, m, app, token, mid, b)
        }
        ("POST", ["channels", c, "messages"]) => {
            let Some(c) = channel_or_404(st, c) else { return unknown_channel(path) };
            let kind = if b.get("message_reference").is_some_and(|r| !r.is_null()) { 19 } else { 0 };
            Reply::ok(rest_view(create_message(st, c, b, kind, false)))
        }
        ("GET", ["guilds", _, "threads", "active"]) => {
            let threads: Vec<Value> = st
                .channels
                .values()
                .filter(|c| c["thread_metadata"].is_object() && c["thread_metadata"]["archived"] != json!(true))
                .cloned()
                .collect();
            Reply::ok(json!({"threads": threads, "members": [], "has_more": false}))
        }
        ("GET", ["channels", c, "messages"]) => {
            let Some(c) = channel_or_404(st, c) else { return unknown_channel(path) };
            let limit = query_param(query, "limit").and_then(|l| l.parse().ok()).unwrap_or(50usize);
            let list: Vec<Value> = st
                .message_order
                .iter()
                .rev()
                .filter_map(|id| st.messages.get(id))
                .filter(|m| model::id_of(&m["channel_id"]) == Some(c))
                .take(limit)
                .cloned()
                .map(rest_view)
                .collect();
            Reply::ok(Value::Array(list))
        }
        (m @ ("GET" | "PATCH" | "DELETE"), ["channels", c, "messages", mid]) => {
            let Some(c) = channel_or_404(st, c) else { return unknown_channel(path) };
            let mid = parse_id(mid).unwrap_or(0);
            match st.messages.get(&mid) {
                Some(msg) if model::id_of(&msg["channel_id"]) == Some(c) => {}
                _ => return Reply::err(404, 10008, "Unknown Message"),
            }
            match m {
                "GET" => Reply::ok(rest_view(st.messages[&mid].clone())),
                "PATCH" => {
                    if model::id_of(&st.messages[&mid]["author"]["id"]) != Some(BOT_USER_ID)
                        && b.get("content").is_some()
                    {
                        return Reply::bad(
                            403,
                            50005,
                            "Cannot edit a message authored by another user",
                            format!("PATCH of message {mid} not written by the bot"),
                        );
                    }
                    Reply::ok(rest_view(edit_message(st, mid, b)))
                }
                _ => {
                    st.messages.remove(&mid);
                    Reply::no_content()
                }
            }
        }
        ("POST", ["channels", c, "threads"]) => {
            let Some(c) = channel_or_404(st, c) else { return unknown_channel(path) };
            create_thread(st, c, None, b)
        }
        ("POST", ["channels", c, "messages", mid, "threads"]) => {
            let Some(c) = channel_or_404(st, c) else { return unknown_channel(path) };
            create_thread(st, c, parse_id(mid), b)
        }
        (m @ ("GET" | "PATCH" | "DELETE"), ["channels", c]) => {
            let Some(c) = channel_or_404(st, c) else { return unknown_channel(path) };
            match m {
                "GET" => Reply::ok(st.channels[&c].clone()),
                "PATCH" => {
                    let ch = st.channels.get_mut(&c).expect("checked");
                    if let Some(o) = b.as_object() {
                        for (k, v) in o {
                            match k.as_str() {
                                "archived" | "locked" | "auto_archive_duration" | "invitable" => {
                                    if ch.get("thread_metadata").is_some() {
                                        ch["thread_metadata"][k] = v.clone();
                                    }
                                }
                                _ => ch[k] = v.clone(),
                            }
                        }
                    }
                    Reply::ok(ch.clone())
                }
                _ => Reply::ok(st.channels.remove(&c).expect("checked")),
            }
        }
        ("POST", ["channels", c, "typing"]) => match channel_or_404(st, c) {
            Some(_) => Reply::no_content(),
            None => unknown_channel(path),
        },
        ("PUT" | "DELETE", ["channels", c, "thread-members", _]) => match channel_or_404(st, c) {
            Some(_) => Reply::no_content(),
            None => unknown_channel(path),
        },
        ("PUT" | "DELETE", ["channels", c, "messages", mid, "reactions", _, "@me"]) => {
            let Some(_) = channel_or_404(st, c) else { return unknown_channel(path) };
            if st.messages.contains_key(&parse_id(mid).unwrap_or(0)) {
                Reply::no_content()
            } else {
                Reply::err(404, 10008, "Unknown Message")
            }
        }
        ("GET", ["users", uid]) => match parse_id(uid).and_then(|id| st.users.get(&id)) {
            Some(u) => Reply::ok(model::user_json(u)),
            None => Reply::err(404, 10013, "Unknown User"),
        },
        ("GET", ["guilds", g, "members", uid]) => {
            if parse_id(g) != Some(model::GUILD_ID) {
                return Reply::bad(404, 10004, "Unknown Guild", format!("guild {g} unknown to the fake"));
            }
            match parse_id(uid).and_then(|id| st.users.get(&id)) {
                Some(u) => Reply::ok(model::member_json(u)),
                None => Reply::err(404, 10007, "Unknown Member"),
            }
        }
        ("POST", ["users", "@me", "channels"]) => {
            let Some(uid) = b.get("recipient_id").and_then(model::id_of) else {
                return Reply::bad(400, 50035, "Invalid Form Body", "no recipient_id".into());
            };
            let user = st.user(uid);
            let id = st.dm_channel(&user);
            Reply::ok(st.channels[&id].clone())
        }
        _ => Reply::not_found(format!("the fake does not know {method} {path}")),
    }
}

/// A message as the REST API returns it: unlike gateway events, without `guild_id` and `member`
/// (a bot that relies on `Message::guild_id` of a REST answer would fail on Discord).
fn rest_view(mut msg: Value) -> Value {
    if let Some(o) = msg.as_object_mut() {
        o.remove("guild_id");
        o.remove("member");
    }
    msg
}

fn missing(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null))
}

fn query_param<'a>(query: Option<&'a str>, key: &str) -> Option<&'a str> {
    query?.split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

fn channel_or_404(st: &State, c: &str) -> Option<u64> {
    parse_id(c).filter(|id| st.channels.contains_key(id))
}

fn unknown_channel(path: &str) -> Reply {
    Reply::bad(404, 10003, "Unknown Channel", format!("{path}: channel unknown to the fake"))
}

fn register_commands(st: &mut State, path: &str, app: &str, guild: Option<u64>, body: &Value) -> Reply {
    if parse_id(app) != Some(APPLICATION_ID) {
        return Reply::bad(403, 50001, "Missing Access", format!("registering commands for application {app}"));
    }
    let Some(list) = body.as_array() else {
        return Reply::bad(400, 50035, "Invalid Form Body", "command list is not an array".into());
    };
    let existing = st.commands.clone().unwrap_or_else(|| json!([]));
    let objects: Vec<Value> = list
        .iter()
        .map(|item| {
            let mut c = item.clone();
            let name = c["name"].clone();
            let kind = c.get("type").cloned().filter(|t| !t.is_null()).unwrap_or(json!(1));
            // Keep a command's id across re-registration, as Discord does.
            let id = existing
                .as_array()
                .and_then(|a| a.iter().find(|e| e["name"] == name && e["type"] == kind))
                .map(|e| e["id"].clone())
                .unwrap_or_else(|| json!(model::snowflake().to_string()));
            c["id"] = id;
            c["type"] = kind;
            c["application_id"] = json!(APPLICATION_ID.to_string());
            c["version"] = json!(model::snowflake().to_string());
            if missing(c.get("description")) {
                c["description"] = json!("");
            }
            if let Some(g) = guild {
                c["guild_id"] = json!(g.to_string());
            }
            if c.get("default_member_permissions").is_none() {
                c["default_member_permissions"] = Value::Null;
            }
            if missing(c.get("nsfw")) {
                c["nsfw"] = json!(false);
            }
            if missing(c.get("integration_types")) {
                c["integration_types"] = json!([0]);
            }
            c
        })
        .collect();
    let out = Value::Array(objects);
    if let Err(e) = model::try_check::<Vec<serenity::model::application::Command>>(&out) {
        st.harness_errors.push(format!("command registration answer does not parse: {e}"));
    }
    st.commands = Some(out.clone());
    st.command_registrations.push((path.to_string(), out.clone()));
    Reply::ok(out)
}

/// Builds, checks, stores and (unless ephemeral) echoes over the gateway a message written by the bot.
/// `from_webhook`: an interaction response or followup (`webhook_id` = the application).
fn create_message(st: &mut State, channel_id: u64, body: &Value, kind: u64, from_webhook: bool) -> Value {
    let guild_id = st.guild_of(channel_id);
    let content = body.get("content").and_then(Value::as_str).unwrap_or("");
    let mention_users: Vec<TestUser> =
        model::mentioned_ids(content, body.get("allowed_mentions")).into_iter().map(|id| st.user(id)).collect();
    let flags = body.get("flags").and_then(Value::as_u64).unwrap_or(0);
    let id = model::snowflake();
    let mut msg =
        model::message_json(id, channel_id, guild_id, &TestUser::bot_self(), content, &mention_users, kind, flags);
    msg["tts"] = json!(body.get("tts").and_then(Value::as_bool).unwrap_or(false));
    msg["mention_everyone"] = json!(model::pings_everyone(content, body.get("allowed_mentions")));
    msg["embeds"] = model::response_embeds(body.get("embeds").unwrap_or(&Value::Null));
    msg["components"] = model::response_components(body.get("components").unwrap_or(&Value::Null));
    if let Some(r) = body.get("message_reference").filter(|r| !r.is_null()) {
        let ref_id = r.get("message_id").and_then(model::id_of);
        let mut mr = json!({"type": 0, "channel_id": channel_id.to_string()});
        if let Some(rid) = ref_id {
            mr["message_id"] = json!(rid.to_string());
            if let Some(orig) = st.messages.get(&rid) {
                msg["referenced_message"] = orig.clone();
            }
        }
        if let Some(g) = guild_id {
            mr["guild_id"] = json!(g.to_string());
        }
        msg["message_reference"] = mr;
    }
    if from_webhook {
        msg["webhook_id"] = json!(APPLICATION_ID.to_string());
        msg["application_id"] = json!(APPLICATION_ID.to_string());
    }
    if let Err(e) = model::check_message(&msg) {
        st.harness_errors.push(format!("message answer does not parse: {e}: {msg}"));
    }
    st.store_message(msg.clone());
    if st.echo_bot_messages && flags & 64 == 0 {
        st.dispatch("MESSAGE_CREATE", msg.clone());
    }
    msg
}

/// Applies an edit body to a stored message and returns it.
fn edit_message(st: &mut State, mid: u64, body: &Value) -> Value {
    let users: Vec<Value> = body
        .get("content")
        .and_then(Value::as_str)
        .map(|c| model::mentioned_ids(c, body.get("allowed_mentions")))
        .unwrap_or_default()
        .into_iter()
        .map(|id| model::user_json(&st.user(id)))
        .collect();
    let Some(msg) = st.messages.get_mut(&mid) else { return Value::Null };
    if let Some(o) = body.as_object() {
        for (k, v) in o {
            match k.as_str() {
                "content" => {
                    msg["content"] = if v.is_null() { json!("") } else { v.clone() };
                    msg["mentions"] = Value::Array(users.clone());
                }
                "embeds" => msg["embeds"] = model::response_embeds(v),
                "components" => msg["components"] = model::response_components(v),
                "flags" => {
                    let keep = msg["flags"].as_u64().unwrap_or(0) & 64;
                    msg["flags"] = json!((v.as_u64().unwrap_or(0) & !128) | keep);
                }
                "attachments" | "allowed_mentions" | "payload_json" => {}
                _ => {}
            }
        }
    }
    // An edit ends the "thinking..." state of a deferred response.
    let flags = msg["flags"].as_u64().unwrap_or(0);
    if flags & 128 != 0 {
        msg["flags"] = json!(flags & !128);
    } else {
        msg["edited_timestamp"] = json!(model::now_iso());
    }
    let out = msg.clone();
    if let Err(e) = model::check_message(&out) {
        st.harness_errors.push(format!("edited message does not parse: {e}: {out}"));
    }
    out
}

fn callback(st: &mut State, id: u64, token: &str, body: &Value) -> Reply {
    let Some(rec) = st.interactions.get(&id).cloned() else {
        return Reply::bad(404, 10062, "Unknown interaction", format!("callback for unknown interaction {id}"));
    };
    if rec.token != token {
        return Reply::bad(404, 10062, "Unknown interaction", format!("callback for {id} with a wrong token"));
    }
    if let Some(prev) = rec.callback_type {
        return Reply::bad(
            400,
            40060,
            "Interaction has already been acknowledged.",
            format!("second callback for interaction {id} (first was type {prev})"),
        );
    }
    let elapsed = rec.sent_at.elapsed();
    if let Some(deadline) = st.callback_deadline {
        if elapsed > deadline {
            return Reply::bad(
                404,
                10062,
                "Unknown interaction",
                format!("callback for {id} after {elapsed:?}, past the {deadline:?} deadline"),
            );
        }
    }
    let ty = body.get("type").and_then(Value::as_u64).unwrap_or(0);
    let ok_for_kind = match rec.kind {
        2 => matches!(ty, 4 | 5 | 9),
        3 => matches!(ty, 4 | 5 | 6 | 7 | 9),
        4 => ty == 8,
        5 => (4..=7).contains(&ty),
        _ => false,
    };
    if !ok_for_kind {
        return Reply::bad(
            400,
            40043,
            "Interaction callback type is not valid for this interaction",
            format!("callback type {ty} for an interaction of type {}", rec.kind),
        );
    }
    if let Some(r) = st.interactions.get_mut(&id) {
        r.acked_at = Some(std::time::Instant::now());
        r.callback_type = Some(ty);
    }
    let data = body.get("data").cloned().unwrap_or_else(|| json!({}));
    let msg_kind = if rec.kind == 2 { 20 } else { 0 };
    match ty {
        4 => {
            let msg = create_message(st, rec.channel_id, &data, msg_kind, true);
            let mid = model::id_of(&msg["id"]).unwrap_or(0);
            st.originals.insert(rec.token.clone(), mid);
        }
        5 => {
            let flags = data.get("flags").and_then(Value::as_u64).unwrap_or(0) & 64;
            let msg = create_message(st, rec.channel_id, &json!({"content": "", "flags": flags | 128}), msg_kind, true);
            let mid = model::id_of(&msg["id"]).unwrap_or(0);
            st.originals.insert(rec.token.clone(), mid);
        }
        6 | 7 => {
            if let Some(mid) = rec.message_id {
                if ty == 7 {
                    edit_message(st, mid, &data);
                }
                st.originals.insert(rec.token.clone(), mid);
            }
        }
        _ => {}
    }
    Reply::no_content()
}

fn check_webhook(st: &State, app: &str, token: &str) -> Result<InteractionRec, Reply> {
    if parse_id(app) != Some(APPLICATION_ID) {
        return Err(Reply::bad(404, 10015, "Unknown Webhook", format!("webhook call with application id {app}")));
    }
    match st.tokens.get(token).and_then(|id| st.interactions.get(id)) {
        Some(rec) => Ok(rec.clone()),
        None => Err(Reply::bad(404, 10015, "Unknown Webhook", format!("webhook call with unknown token {token}"))),
    }
}

fn followup(st: &mut State, app: &str, token: &str, body: &Value) -> Reply {
    let rec = match check_webhook(st, app, token) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if rec.callback_type.is_none() {
        return Reply::bad(
            404,
            10015,
            "Unknown Webhook",
            "followup message before the interaction was acknowledged".into(),
        );
    }
    Reply::ok(rest_view(create_message(st, rec.channel_id, body, 0, true)))
}

fn webhook_message(st: &mut State, method: &str, app: &str, token: &str, mid: &str, body: &Value) -> Reply {
    let rec = match check_webhook(st, app, token) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mid = if mid == "@original" {
        match st.originals.get(token) {
            Some(m) => *m,
            None => {
                return Reply::bad(
                    404,
                    10008,
                    "Unknown Message",
                    format!("{method} @original before the interaction had a response"),
                )
            }
        }
    } else {
        parse_id(mid).unwrap_or(0)
    };
    match st.messages.get(&mid) {
        Some(m) if model::id_of(&m["channel_id"]) == Some(rec.channel_id) => {}
        _ => return Reply::err(404, 10008, "Unknown Message"),
    }
    match method {
        "GET" => Reply::ok(rest_view(st.messages[&mid].clone())),
        "PATCH" => Reply::ok(rest_view(edit_message(st, mid, body))),
        _ => {
            st.messages.remove(&mid);
            st.originals.retain(|_, m| *m != mid);
            Reply::no_content()
        }
    }
}

fn create_thread(st: &mut State, parent: u64, from_message: Option<u64>, body: &Value) -> Reply {
    let parent_ch = &st.channels[&parent];
    if parent_ch["type"] != json!(0) && parent_ch["type"] != json!(5) {
        return Reply::bad(
            400,
            50024,
            "Cannot execute action on this channel type",
            format!("thread under channel {parent} of type {}", parent_ch["type"]),
        );
    }
    let guild = st.guild_of(parent).unwrap_or(model::GUILD_ID);
    let name = body.get("name").and_then(Value::as_str).unwrap_or("thread").to_string();
    let archive = body.get("auto_archive_duration").and_then(Value::as_u64).unwrap_or(4320);
    let (id, kind) = match from_message {
        Some(mid) => {
            match st.messages.get(&mid) {
                Some(m) if model::id_of(&m["channel_id"]) == Some(parent) => {
                    if m.get("thread").is_some() {
                        return Reply::err(400, 160004, "A thread has already been created for this message");
                    }
                }
                _ => return Reply::err(404, 10008, "Unknown Message"),
            }
            (mid, 11)
        }
        // Discord's default for a thread without a message is a private thread.
        None => (model::snowflake(), body.get("type").and_then(Value::as_u64).unwrap_or(12)),
    };
    let invitable = body.get("invitable").and_then(Value::as_bool).unwrap_or(true);
    let thread = model::thread_json(id, kind, guild, parent, &name, archive, invitable);
    st.channels.insert(id, thread.clone());
    if let Some(mid) = from_message {
        if let Some(m) = st.messages.get_mut(&mid) {
            m["thread"] = thread.clone();
        }
    }
    let mut event = thread.clone();
    event["newly_created"] = json!(true);
    match model::check_dispatch("THREAD_CREATE", &event) {
        Ok(()) => st.dispatch("THREAD_CREATE", event),
        Err(e) => st.harness_errors.push(e),
    }
    Reply { status: 201, body: Some(thread), problem: None }
}
