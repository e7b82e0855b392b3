//! Messages: free text in a running decision, and conversational prompts (a mention, a DM, a help channel).

use poise::serenity_prelude as serenity;
use serenity::{Context, Message};
use tracing::{debug, info};

use super::{decision, render, render::Out, Bot, Error};
use crate::{reply::Topic, session::SessionKey};

pub async fn handle(ctx: &Context, bot: &Bot, msg: &Message) -> Result<(), Error> {
    // Never answer bots (ourselves included): two bots could otherwise talk forever.
    if msg.author.bot || msg.webhook_id.is_some() {
        return Ok(());
    }
    let me = ctx.cache.current_user().id;
    let typed_mention = msg.content.contains(&format!("<@{me}>")) || msg.content.contains(&format!("<@!{me}>"));
    // A reply to one of our messages lists us in `mentions` too; "thanks!" in reply is not a question to us.
    let reply_to_us = msg.referenced_message.as_ref().is_some_and(|m| m.author.id == me);
    let mentioned = typed_mention || (msg.mentions.iter().any(|u| u.id == me) && !reply_to_us);
    let dm = msg.guild_id.is_none();
    let help_channel = bot.help_channels.contains(&msg.channel_id.get());

    // A running decision in this thread or channel takes the author's free text.
    let key = SessionKey { user: msg.author.id.get(), channel: msg.channel_id.get() };
    let text = strip_mentions(&msg.content);
    if !text.trim().is_empty() {
        match decision::apply(bot, key, key.user, None, decision::Change::Text(text.clone())).await? {
            Ok(applied) => {
                debug!(user = key.user, channel = key.channel, running = applied.running, "decision text");
                let mut outs = applied.outs.iter();
                if let Some(first) = outs.next() {
                    if let Err(e) = send(ctx, msg, first).await {
                        applied.undo.run(&bot.store).await;
                        return Err(e);
                    }
                }
                for out in outs {
                    send(ctx, msg, out).await?;
                }
                return Ok(());
            }
            // Said once: the tombstone goes as it is reported.
            Err(decision::Refusal::Expired) => {
                let out = decision::Refusal::Expired.out(&bot.store);
                return send(ctx, msg, &Out { ephemeral: false, ..out }).await;
            }
            Err(decision::Refusal::Stale) => {
                let out = Out::text("The decision moved on while you typed; answer its latest question.");
                return send(ctx, msg, &out).await;
            }
            Err(_) => {}
        }
    }

    if !(mentioned || dm || help_channel) {
        return Ok(());
    }
    let engine = bot.engine();
    let answer = match engine.ask(&text) {
        Ok(a) => a,
        Err(_) if help_channel && !mentioned && !dm => return Ok(()),
        Err(crate::error::CoreError::EmptyQuestion) => {
            let out = Out::text("Hi! Ask me about choosing a Python web framework (\"is flask faster than django?\"), or run `/decide` for a guided choice.");
            return send(ctx, msg, &out).await;
        }
        Err(e) => return send(ctx, msg, &Out::text(format!("Sorry: {e}"))).await,
    };
    // In help channels, speak only when sure: chatter ("thanks!") gets no reply.
    if help_channel
        && !mentioned
        && !dm
        && (matches!(answer.topic, Topic::None) || answer.confidence < bot.help_min_confidence)
    {
        debug!(channel = key.channel, confidence = answer.confidence, "help channel: not confident, staying silent");
        return Ok(());
    }
    info!(
        user = key.user,
        channel = key.channel,
        kind = answer.kind(),
        confidence = answer.confidence,
        "answered a message"
    );
    if !matches!(answer.topic, Topic::Decide { .. }) {
        return send(ctx, msg, &render::answer(&engine, &answer)).await;
    }
    // A request for a recommendation starts the guided decision right away, as `/decide` would.
    let mut out = render::answer(&engine, &answer);
    out.components.clear();
    send(ctx, msg, &out).await?;
    match decision::start(&ctx.http, bot, &msg.author, msg.channel_id, msg.guild_id.is_some()).await? {
        decision::Started::Thread(thread) => {
            send(ctx, msg, &Out::text(format!("I opened <#{thread}> for your decision: answer a few questions there.")))
                .await
        }
        decision::Started::InPlace(out) => send(ctx, msg, &out).await,
    }
}

/// Replies to `msg` in its channel, without pinging its author or anyone else.
async fn send(ctx: &Context, msg: &Message, out: &Out) -> Result<(), Error> {
    msg.channel_id.send_message(&ctx.http, out.message().reference_message(msg)).await?;
    Ok(())
}

/// Removes user, role and channel mentions, so "@Signpost is flask fast?" is read as "is flask fast?".
fn strip_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<@").or_else(|| rest.find("<#")) {
        out.push_str(&rest[..start]);
        match rest[start..].find('>') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}
