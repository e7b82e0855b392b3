//! The gateway half of the fake: a plain-JSON websocket (no compression) speaking Discord's gateway
//! protocol v10 as serenity uses it.
//!
//! HELLO on connect; IDENTIFY gets READY (and GUILD_CREATE with the GUILDS intent); RESUME gets the missed
//! dispatches again and RESUMED (or op 9 with [`ResumeBehavior::Invalidate`]); heartbeats get op 11.
//! Dispatches are filtered by the intents the bot identified with, as Discord does: no guild messages
//! without GUILD_MESSAGES, no DMs without DIRECT_MESSAGES, empty `content` without MESSAGE_CONTENT (except
//! DMs, messages that mention the bot and the bot's own).

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State as AxState;
use axum::response::Response;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::model::{self, BOT_USER_ID, GUILD_ID};
use super::state::{Outgoing, ResumeBehavior, Shared, State};

/// The heartbeat interval announced in HELLO (Discord's usual value).
pub const HEARTBEAT_INTERVAL_MS: u64 = 41_250;

const GUILDS: u64 = 1 << 0;
const GUILD_MESSAGES: u64 = 1 << 9;
const DIRECT_MESSAGES: u64 = 1 << 12;
const MESSAGE_CONTENT: u64 = 1 << 15;

/// How many sent dispatches are kept for replay on RESUME.
const REPLAY_KEEP: usize = 2000;

pub(crate) async fn upgrade(ws: WebSocketUpgrade, AxState(shared): AxState<Arc<Shared>>) -> Response {
    ws.on_upgrade(move |socket| connection(shared, socket))
}

struct Conn {
    id: usize,
    identified: bool,
}

async fn connection(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
    let id = {
        let mut st = shared.lock();
        st.gateway.connections += 1;
        st.gateway.connections
    };
    shared.bump();
    let mut conn = Conn { id, identified: false };
    let hello = json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": ["fake-gateway"]}});
    if send(&mut socket, &hello).await {
        loop {
            tokio::select! {
                incoming = socket.recv() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        client_frame(&shared, &mut conn, &tx, text.as_str());
                        shared.bump();
                    }
                    Some(Ok(Message::Binary(_))) => {
                        shared.lock().gateway.protocol_errors.push("client sent a binary frame".into());
                    }
                    Some(Ok(Message::Close(_))) => {
                        // tungstenite queued the close reply; the next read flushes it (serenity's shard
                        // shutdown waits for that reply) and then sees the end of the stream.
                        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), socket.recv()).await;
                        break;
                    }
                    Some(Ok(_)) => {}
                    None | Some(Err(_)) => break,
                },
                out = rx.recv() => match out {
                    Some(Outgoing::Dispatch(event, data)) => {
                        let frame = dispatch_frame(&shared, &event, data);
                        if let Some(frame) = frame {
                            if !send(&mut socket, &frame).await {
                                break;
                            }
                            if event == "READY" {
                                shared.lock().gateway.ready_count += 1;
                            } else if event == "RESUMED" {
                                shared.lock().gateway.resumed_count += 1;
                            }
                            shared.bump();
                        }
                    }
                    Some(Outgoing::Op(frame)) => {
                        if !send(&mut socket, &frame).await {
                            break;
                        }
                    }
                    Some(Outgoing::Close(code, reason)) => {
                        let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                        break;
                    }
                    None => break,
                },
            }
        }
    }
    {
        let mut st = shared.lock();
        if st.gateway.outbox.as_ref().is_some_and(|(c, _)| *c == id) {
            st.gateway.outbox = None;
        }
    }
    shared.bump();
}

async fn send(socket: &mut WebSocket, frame: &Value) -> bool {
    socket.send(Message::Text(frame.to_string().into())).await.is_ok()
}

/// Numbers a dispatch (or drops it for missing intents) and remembers it for replay.
fn dispatch_frame(shared: &Shared, event: &str, mut data: Value) -> Option<Value> {
    let mut st = shared.lock();
    let intents = st.gateway.intents;
    if let Err(why) = apply_intents(intents, event, &mut data) {
        st.gateway.dropped.push(why);
        return None;
    }
    st.gateway.seq += 1;
    let seq = st.gateway.seq;
    let frame = json!({"op": 0, "s": seq, "t": event, "d": data});
    st.gateway.sent.push((seq, event.to_string(), data));
    if st.gateway.sent.len() > REPLAY_KEEP {
        let excess = st.gateway.sent.len() - REPLAY_KEEP;
        st.gateway.sent.drain(..excess);
    }
    Some(frame)
}

fn apply_intents(intents: u64, event: &str, data: &mut Value) -> Result<(), String> {
    match event {
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE" => {
            let in_guild = data.get("guild_id").is_some_and(|g| !g.is_null());
            let (need, name) =
                if in_guild { (GUILD_MESSAGES, "GUILD_MESSAGES") } else { (DIRECT_MESSAGES, "DIRECT_MESSAGES") };
            if intents & need == 0 {
                return Err(format!("{event} {} not delivered: the bot did not ask for the {name} intent", data["id"]));
            }
            if event != "MESSAGE_DELETE" && intents & MESSAGE_CONTENT == 0 && in_guild {
                let own = model::id_of(&data["author"]["id"]) == Some(BOT_USER_ID);
                let mentioned = data["mentions"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|u| model::id_of(&u["id"]) == Some(BOT_USER_ID)));
                if !own && !mentioned {
                    data["content"] = json!("");
                    data["embeds"] = json!([]);
                    data["attachments"] = json!([]);
                    data["components"] = json!([]);
                }
            }
            Ok(())
        }
        "GUILD_CREATE" | "GUILD_UPDATE" | "CHANNEL_CREATE" | "CHANNEL_UPDATE" | "CHANNEL_DELETE" | "THREAD_CREATE"
        | "THREAD_UPDATE" | "THREAD_DELETE" => {
            if intents & GUILDS == 0 {
                Err(format!("{event} not delivered: the bot did not ask for the GUILDS intent"))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

fn client_frame(shared: &Shared, conn: &mut Conn, tx: &mpsc::UnboundedSender<Outgoing>, text: &str) {
    let mut st = shared.lock();
    let frame: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            st.gateway.protocol_errors.push(format!("client sent invalid JSON: {e}"));
            let _ = tx.send(Outgoing::Close(4002, "Error while decoding payload.".into()));
            return;
        }
    };
    let d = frame.get("d").cloned().unwrap_or(Value::Null);
    match frame.get("op").and_then(Value::as_u64) {
        Some(1) => {
            st.gateway.heartbeats += 1;
            let _ = tx.send(Outgoing::Op(json!({"op": 11, "s": null, "t": null, "d": null})));
        }
        Some(2) => identify(&mut st, conn, tx, d),
        Some(6) => resume(&mut st, conn, tx, d),
        Some(3 | 4 | 8 | 31) => {}
        other => {
            st.gateway.protocol_errors.push(format!("client sent unknown opcode {other:?}: {text}"));
            let _ = tx.send(Outgoing::Close(4001, "Unknown opcode.".into()));
        }
    }
}

fn identify(st: &mut State, conn: &mut Conn, tx: &mpsc::UnboundedSender<Outgoing>, d: Value) {
    st.gateway.identify_count += 1;
    st.gateway.last_identify = Some(d.clone());
    if conn.identified {
        st.gateway.protocol_errors.push("IDENTIFY twice on one connection".into());
        let _ = tx.send(Outgoing::Close(4005, "Already authenticated.".into()));
        return;
    }
    let token = d.get("token").and_then(Value::as_str).unwrap_or("");
    if token.trim_start_matches("Bot ") != model::TOKEN {
        st.gateway.protocol_errors.push(format!("IDENTIFY with a wrong token {token:?}"));
        let _ = tx.send(Outgoing::Close(4004, "Authentication failed.".into()));
        return;
    }
    conn.identified = true;
    st.gateway.intents = d.get("intents").and_then(Value::as_u64).unwrap_or(0);
    let session = format!("fake-session-{}-{}", st.gateway.identify_count, model::snowflake());
    st.gateway.session_id = Some(session.clone());
    st.gateway.seq = 0;
    st.gateway.sent.clear();
    let _ = tx.send(Outgoing::Dispatch("READY".into(), model::ready_json(&session, &st.ws_url)));
    let mut channels: Vec<Value> = st
        .channels
        .values()
        .filter(|c| {
            model::id_of(&c["guild_id"]) == Some(GUILD_ID) && matches!(c["type"].as_u64(), Some(0 | 2 | 4 | 5 | 15))
        })
        .cloned()
        .collect();
    channels.sort_by_key(|c| model::id_of(&c["id"]));
    let _ = tx.send(Outgoing::Dispatch("GUILD_CREATE".into(), model::guild_create_json(&channels)));
    go_live(st, conn, tx);
}

fn resume(st: &mut State, conn: &mut Conn, tx: &mpsc::UnboundedSender<Outgoing>, d: Value) {
    st.gateway.resume_count += 1;
    let session = d.get("session_id").and_then(Value::as_str).unwrap_or("");
    let token = d.get("token").and_then(Value::as_str).unwrap_or("");
    let client_seq = d.get("seq").and_then(Value::as_u64).unwrap_or(0);
    let known = st.gateway.session_id.as_deref() == Some(session) && token.trim_start_matches("Bot ") == model::TOKEN;
    if st.resume_behavior == ResumeBehavior::Invalidate || !known {
        if !known {
            st.gateway.protocol_errors.push(format!("RESUME of unknown session {session:?}"));
        }
        let _ = tx.send(Outgoing::Op(json!({"op": 9, "s": null, "t": null, "d": false})));
        return;
    }
    conn.identified = true;
    for (seq, event, data) in st.gateway.sent.iter().filter(|(s, _, _)| *s > client_seq) {
        let _ = tx.send(Outgoing::Op(json!({"op": 0, "s": seq, "t": event, "d": data})));
    }
    let _ = tx.send(Outgoing::Dispatch("RESUMED".into(), json!({"_trace": ["fake-gateway"]})));
    go_live(st, conn, tx);
}

/// Makes this connection the one that receives dispatches, after flushing what waited for a session.
fn go_live(st: &mut State, conn: &Conn, tx: &mpsc::UnboundedSender<Outgoing>) {
    for (event, data) in std::mem::take(&mut st.gateway.pending) {
        let _ = tx.send(Outgoing::Dispatch(event, data));
    }
    st.gateway.outbox = Some((conn.id, tx.clone()));
}

impl State {
    /// Closes the live gateway connection with `code` (the outbox is detached first, so later dispatches
    /// wait for the next session). Returns whether a connection was live.
    pub(crate) fn close_gateway(&mut self, code: u16, reason: &str) -> bool {
        match self.gateway.outbox.take() {
            Some((_, tx)) => tx.send(Outgoing::Close(code, reason.to_string())).is_ok(),
            None => false,
        }
    }
}
