//! The leaf every handler sends through: replies to a message, interaction responses and follow-ups, the store's
//! "try again", and carrying out a [`Plan`] that [`crate::route`] made of a message. Handlers (commands,
//! components, feedback, messages) depend on this module and never on each other.

use std::time::Duration;

use poise::serenity_prelude as serenity;
use serenity::{ComponentInteraction, Context, CreateInteractionResponse, Message};
use tracing::{debug, info, warn};

use super::{decision, forums, places::Answered, record, render, render::Out, Bot, Error};
use crate::{
    conversation::Turn,
    followup::Memory,
    learn::{Door, Outcome},
    reply::Answer,
    route::{Addressed, Notice, Place, Plan},
    session::{Expect, Session, SessionKey},
};

pub use crate::route::STORE_DOWN;

/// How long a message waits for the store before it is answered without it (a decision's text then gets "try
/// again"; a question is answered as if no conversation came before).
pub const STORE_PATIENCE: Duration = Duration::from_millis(1500);

/// The error, or one of its causes, is the store's.
pub fn is_store_error(e: &Error) -> bool {
    e.chain().any(|c| c.is::<crate::session::StoreError>())
}

/// Answers a click with [`STORE_DOWN`]: as the response when it was not acknowledged yet, else as a followup.
pub async fn tell_store_down(ctx: &Context, c: &ComponentInteraction) {
    let out = Out::text(STORE_DOWN).ephemeral();
    if c.create_response(&ctx.http, CreateInteractionResponse::Message(out.response())).await.is_err() {
        if let Err(e) = c.create_followup(&ctx.http, followup(&out).ephemeral(true)).await {
            warn!(error = %e, "cannot tell the user the store is down");
        }
    }
}

/// Responds to a click with a new message (ephemeral when `out` is).
pub async fn respond(ctx: &Context, c: &ComponentInteraction, out: &Out) -> Result<(), Error> {
    c.create_response(&ctx.http, CreateInteractionResponse::Message(out.response())).await?;
    Ok(())
}

/// Answers a click with a new message carrying `out`'s files (a decision record), its body written here (see
/// `string_attachment_ids`).
pub async fn respond_with_files(ctx: &Context, c: &ComponentInteraction, out: &Out) -> Result<(), Error> {
    let mut body = serde_json::to_value(CreateInteractionResponse::Message(out.response()))?;
    string_attachment_ids(&mut body["data"]["attachments"]);
    ctx.http.create_interaction_response(c.id, &c.token, &body, out.attachments()).await?;
    Ok(())
}

/// `out` as an interaction follow-up, pinging no one.
pub fn followup(out: &Out) -> serenity::CreateInteractionResponseFollowup {
    let mut f = serenity::CreateInteractionResponseFollowup::new()
        .embeds(out.embeds.clone())
        .components(out.components.clone())
        .add_files(out.attachments())
        .allowed_mentions(render::no_mentions());
    if let Some(c) = &out.content {
        f = f.content(c);
    }
    f
}

/// Keeps a display name from turning into markdown.
pub fn escape(name: &str) -> String {
    name.chars().flat_map(|c| if "*_~`|>[]()\\".contains(c) { vec!['\\', c] } else { vec![c] }).collect()
}

/// Removes user, role and channel mentions (`<@id>`, `<@!id>`, `<@&id>`, `<#id>`), so "@Signpost is flask fast?"
/// is read as "is flask fast?". Text that only looks like the start of one (`<@ hello`) is kept.
pub fn strip_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        match mention_len(tail) {
            Some(len) => rest = &tail[len..],
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The length of the mention `text` starts with, if it starts with one.
fn mention_len(text: &str) -> Option<usize> {
    let body =
        text.strip_prefix("<@!").or(text.strip_prefix("<@&")).or(text.strip_prefix("<@")).or(text.strip_prefix("<#"))?;
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && body[digits..].starts_with('>')).then(|| text.len() - body.len() + digits + 1)
}

/// Replies to `msg` in its channel, pinging no one (its author included).
pub async fn reply(ctx: &Context, msg: &Message, out: &Out) -> Result<Message, Error> {
    let message = out.message().reference_message(msg);
    if out.files.is_empty() {
        return Ok(msg.channel_id.send_message(&ctx.http, message).await?);
    }
    // With files, the body is written here (see `respond_with_files`: attachment ids as strings).
    let mut body = serde_json::to_value(&message)?;
    string_attachment_ids(&mut body["attachments"]);
    Ok(ctx.http.send_message(msg.channel_id, out.attachments(), &body).await?)
}

/// Discord's OpenAPI description types an attachment's `id` as a snowflake string, while serenity writes a new
/// upload's index as a number; Discord takes both, the string is what the description promises.
fn string_attachment_ids(list: &mut serde_json::Value) {
    for a in list.as_array_mut().into_iter().flatten() {
        if let Some(n) = a["id"].as_u64() {
            a["id"] = serde_json::Value::String(n.to_string());
        }
    }
}

/// What a message's plan needs beyond the plan: where it came from and what was read for it.
pub struct Carry<'a> {
    pub msg: &'a Message,
    pub key: SessionKey,
    pub door: Door,
    /// The session the plan was made from (a dialog turn is written over exactly it).
    pub session: Option<Session>,
    /// The conversation's memory is kept here (a thread, a reply chain, mentions, a DM).
    pub remembers: bool,
    /// The memory as read, to write only what changed.
    pub memory: Option<Memory>,
    /// What the answer's question was, for an edit of it later.
    pub answered: Answered,
}

/// Carries out the plan made of a message.
pub async fn carry_out(ctx: &Context, bot: &Bot, c: Carry<'_>, plan: Plan) -> Result<(), Error> {
    let guild = c.msg.guild_id.map(|g| g.get());
    let engine = bot.engine();
    // A new post in a help forum: earlier posts like it, found before it joins the index.
    let similar = match &c.answered.place {
        Place::ForumPost { title } if c.answered.addressed == Addressed::No => {
            forums::similar_posts(ctx, bot, c.msg, title, matches!(plan, Plan::Answer { .. })).await
        }
        _ => None,
    };
    match plan {
        Plan::Silent { question, answer } => {
            if let Some(answer) = answer {
                bot.metrics.abstained("message");
                debug!(channel = c.key.channel, confidence = answer.confidence, "not sure enough, staying silent");
                record::log(bot, c.door, guild, c.key.user, &question, &answer, Outcome::Silent, None);
            }
            // Not sure of an answer, but earlier posts like this one may help.
            let rows = similar.as_deref().map(|s| forums::rows(s, guild)).unwrap_or_default();
            if !rows.is_empty() {
                reply(ctx, c.msg, &Out::text("Earlier posts like this one:").with_components(rows)).await?;
            }
            Ok(())
        }
        Plan::Answer { question, answer, memory } => {
            bot.metrics.answered("message", answer.kind());
            // No user id at INFO: with the channel and time it would re-identify the question log's pseudonyms.
            info!(channel = c.key.channel, kind = answer.kind(), confidence = answer.confidence, "answered a message");
            let mut out = render::answer(&engine, &answer);
            record::log(
                bot,
                c.door,
                guild,
                c.key.user,
                &question,
                &answer,
                record::outcome_of(&answer),
                Some(&mut out),
            );
            for row in similar.as_deref().map(|s| forums::rows(s, guild)).unwrap_or_default() {
                out.push_row(Some(row));
            }
            // Kept while the reply is on its way: the next message of the conversation finds it.
            if c.remembers && c.memory.as_ref() != Some(&memory) {
                remember(bot, c.key, memory);
            }
            let sent = reply(ctx, c.msg, &out).await?;
            let answered = Answered { channel: sent.channel_id.get(), answer: sent.id.get(), ..c.answered };
            bot.places.answered(c.msg.id.get(), answered);
            Ok(())
        }
        Plan::Dialog(turn) => {
            let Some(session) = c.session else {
                // Only a running session makes a dialog turn; without one there is nothing to write it over.
                return reply(ctx, c.msg, &Out::text(STORE_DOWN)).await.map(|_| ());
            };
            dialog_turn(ctx, bot, c.msg, c.key, session, turn).await
        }
        Plan::Start { question, answer, first } => {
            if let Some(answer) = &answer {
                record::log(bot, c.door, guild, c.key.user, &question, answer, Outcome::Answered, None);
                let mut out = render::answer(&engine, answer);
                out.components.clear();
                reply(ctx, c.msg, &out).await?;
            }
            // The cooldown is taken here: of two messages planned at once, the second is told to wait.
            if let Err(wait) = bot.may_start_decision(c.key.user) {
                return reply(ctx, c.msg, &Out { ephemeral: false, ..decision::too_soon(wait) }).await.map(|_| ());
            }
            let in_guild = c.msg.guild_id.is_some();
            let started = decision::start(&ctx.http, bot, &c.msg.author, c.msg.channel_id, in_guild, &first).await;
            let out = match started {
                Ok(decision::Started::Thread(thread)) => {
                    Out::text(format!("I opened <#{thread}> for your decision: answer a few questions there."))
                }
                Ok(decision::Started::InPlace(out)) => out,
                Err(e) if is_store_error(&e) => {
                    warn!(error = format!("{e:#}"), "store unavailable for a new decision");
                    Out::text(STORE_DOWN)
                }
                Err(e) => return Err(e),
            };
            reply(ctx, c.msg, &out).await.map(|_| ())
        }
        Plan::TooSoon { question, answer, wait } => {
            if let Some(answer) = &answer {
                record::log(bot, c.door, guild, c.key.user, &question, answer, Outcome::Answered, None);
                let mut out = render::answer(&engine, answer);
                out.components.clear();
                reply(ctx, c.msg, &out).await?;
            }
            reply(ctx, c.msg, &Out { ephemeral: false, ..decision::too_soon(wait) }).await.map(|_| ())
        }
        Plan::Notice(Notice::Expired) => {
            // Said once: the tombstone goes as it is reported (a store that fails here only means it is said again).
            let key = c.key;
            if let Err(e) = bot.store.within(STORE_PATIENCE, move |s| s.swap(key, Expect::Inactive, None)).await {
                warn!(error = %e, "cannot remove an expired decision's tombstone");
            }
            let out = decision::Refusal::Expired.out(&bot.store);
            reply(ctx, c.msg, &Out { ephemeral: false, ..out }).await.map(|_| ())
        }
        Plan::Notice(notice) => reply(ctx, c.msg, &Out::text(notice.text())).await.map(|_| ()),
    }
}

/// Writes a dialog turn over the session it was planned from, then shows it; a reply that cannot be shown puts the
/// session back.
async fn dialog_turn(
    ctx: &Context,
    bot: &Bot,
    msg: &Message,
    key: SessionKey,
    session: Session,
    turn: Turn,
) -> Result<(), Error> {
    let applied = match decision::commit(bot, key, session, turn).await {
        Ok(Ok(applied)) => applied,
        Ok(Err(_)) => {
            let out = Out::text("The decision moved on while you typed; answer its latest question.");
            return reply(ctx, msg, &out).await.map(|_| ());
        }
        Err(e) if is_store_error(&e) => {
            warn!(error = format!("{e:#}"), "store unavailable for a decision's text");
            return reply(ctx, msg, &Out::text(STORE_DOWN)).await.map(|_| ());
        }
        Err(e) => return Err(e),
    };
    debug!(channel = key.channel, running = applied.running, "decision text");
    let mut outs = applied.outs.iter();
    if let Some(first) = outs.next() {
        if let Err(e) = reply(ctx, msg, first).await {
            applied.undo.run(&bot.store).await;
            return Err(e);
        }
    }
    for out in outs {
        reply(ctx, msg, out).await?;
    }
    Ok(())
}

/// Keeps a conversation's memory, in the background: the answer is already on its way, and a store that does not
/// answer only costs the next follow-up its context.
fn remember(bot: &Bot, key: SessionKey, memory: Memory) {
    let store = bot.store.clone();
    tokio::spawn(async move {
        if let Err(e) = store.within(STORE_PATIENCE, move |s| s.remember(key, &memory)).await {
            warn!(error = %e, "cannot keep the conversation's memory");
        }
    });
}

/// An answer for an edited question: `Answer` is the plan that updates it.
pub fn edited_answer(plan: Plan) -> Option<(String, Box<Answer>)> {
    match plan {
        Plan::Answer { question, answer, .. } => Some((question, answer)),
        _ => None,
    }
}
