//! Messages: free text in a running decision, and conversational prompts (a mention, a DM, a reply to one of the
//! bot's answers, a help channel, a thread under one, a new post in a help forum), and edits of answered questions.

use poise::serenity_prelude as serenity;
use serenity::{Context, Message, MessageUpdateEvent};
use tracing::{debug, info};

use super::{decision, feedback, render, render::Out, Bot, Error};
use crate::{
    learn::{Door, Outcome},
    reply::Topic,
    session::SessionKey,
};

/// Where a message was written, as far as help channels go.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Help {
    /// Not in a help channel.
    No,
    /// A help channel, or a thread under one: answered when confident.
    Channel,
    /// The starter message of a new post in a help forum: answered (title and text) when confident.
    ForumPost { title: String },
    /// Any later message in a help forum's post: left alone.
    ForumChatter,
}

pub async fn handle(ctx: &Context, bot: &Bot, msg: &Message) -> Result<(), Error> {
    // Never answer bots (ourselves included): two bots could otherwise talk forever.
    if msg.author.bot || msg.webhook_id.is_some() {
        return Ok(());
    }
    let me = ctx.cache.current_user().id;
    let typed_mention = msg.content.contains(&format!("<@{me}>")) || msg.content.contains(&format!("<@!{me}>"));
    // A reply to one of our messages lists us in `mentions` too: that is a follow-up, answered only when confident.
    let reply_to_us = msg.referenced_message.as_ref().is_some_and(|m| m.author.id == me);
    let mentioned = typed_mention || (msg.mentions.iter().any(|u| u.id == me) && !reply_to_us);
    let dm = msg.guild_id.is_none();
    let text = strip_mentions(&msg.content);

    // A running decision in this thread or channel takes the author's free text (when Discord sends us text that
    // is not addressed to us at all, that is with the Message Content intent).
    let key = SessionKey { user: msg.author.id.get(), channel: msg.channel_id.get() };
    if !text.is_empty() && (bot.message_content || mentioned || dm) {
        let addressed = dm || mentioned || reply_to_us;
        let change = decision::Change::Text { text: text.clone(), addressed };
        let applied = match decision::apply(bot, key, key.user, None, change).await {
            Ok(applied) => applied,
            // The store is away: whoever spoke to the bot hears so; other chatter is left alone.
            Err(e) if super::commands::is_store_error(&e) => {
                tracing::warn!(error = format!("{e:#}"), "store unavailable for a message");
                if addressed {
                    return send(ctx, msg, &Out::text(super::commands::STORE_DOWN)).await;
                }
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        match applied {
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
            // Chatter next to a decision running in a channel, or no decision here: a message like any other.
            Err(_) => {}
        }
    }

    let help = if bot.message_content { help_place(ctx, bot, msg).await } else { Help::No };
    // Only sure answers: in help channels, and for replies to our answers ("thanks!" gets nothing).
    let only_if_sure = !(mentioned || dm);
    let question = match &help {
        _ if mentioned || dm || reply_to_us => text,
        Help::Channel => text,
        Help::ForumPost { title } => format!("{title}\n{text}"),
        Help::No | Help::ForumChatter => return Ok(()),
    };
    let door = match &help {
        _ if dm => Door::Dm,
        _ if mentioned => Door::Mention,
        _ if reply_to_us => Door::Reply,
        Help::ForumPost { .. } => Door::HelpForum,
        _ => Door::HelpChannel,
    };
    let guild = msg.guild_id.map(|g| g.get());
    let engine = bot.engine();
    let answer = match engine.ask(&question) {
        Ok(a) => a,
        Err(_) if only_if_sure => return Ok(()),
        Err(crate::error::CoreError::EmptyQuestion) => {
            let out = Out::text("Hi! Ask me about choosing a Python web framework (\"is flask faster than django?\"), or run `/decide` for a guided choice.");
            return send(ctx, msg, &out).await;
        }
        Err(e) => return send(ctx, msg, &Out::text(format!("Sorry: {e}"))).await,
    };
    // Unprompted (help channels, replies to answers): small talk other than "help" and "who are you" stays
    // unanswered, as "thanks!" and "lol" do not need a reply from the bot.
    let quiet_smalltalk = match &answer.topic {
        Topic::Smalltalk { id } => {
            !crate::smalltalk::Kind::from_id(id).is_some_and(crate::smalltalk::Kind::answered_in_help_channels)
        }
        _ => false,
    };
    if only_if_sure
        && (matches!(answer.topic, Topic::None | Topic::Clarify { .. })
            || quiet_smalltalk
            || answer.confidence < bot.min_confidence(guild))
    {
        bot.metrics.abstained("message");
        debug!(channel = key.channel, confidence = answer.confidence, ?help, "not confident, staying silent");
        feedback::log(bot, door, guild, key.user, &question, &answer, Outcome::Silent, None);
        return Ok(());
    }
    bot.metrics.answered("message", answer.kind());
    // No user id at INFO: with the channel and time it would re-identify the question log's pseudonyms.
    info!(channel = key.channel, kind = answer.kind(), confidence = answer.confidence, "answered a message");
    let outcome = if matches!(answer.topic, Topic::None) { Outcome::Abstained } else { Outcome::Answered };
    if !matches!(answer.topic, Topic::Decide { .. }) {
        let mut out = render::answer(&engine, &answer);
        feedback::log(bot, door, guild, key.user, &question, &answer, outcome, Some(&mut out));
        let sent = send_message(ctx, msg, &out).await?;
        bot.places.answered(msg.id.get(), sent.channel_id.get(), sent.id.get());
        return Ok(());
    }
    feedback::log(bot, door, guild, key.user, &question, &answer, outcome, None);
    // A request for a recommendation starts the guided decision right away, as `/decide` would.
    let mut out = render::answer(&engine, &answer);
    out.components.clear();
    send(ctx, msg, &out).await?;
    // The same cooldown as `/decide` and its button: a decision started by a mention or a DM is a decision too.
    if let Err(wait) = bot.may_start_decision(msg.author.id.get()) {
        return send(ctx, msg, &Out { ephemeral: false, ..decision::too_soon(wait) }).await;
    }
    // What the message already says ("small JSON API, team knows async") is taken as answered, to change if wrong.
    let first = crate::conversation::opening_state(&answer);
    match decision::start(&ctx.http, bot, &msg.author, msg.channel_id, msg.guild_id.is_some(), &first).await? {
        decision::Started::Thread(thread) => {
            send(ctx, msg, &Out::text(format!("I opened <#{thread}> for your decision: answer a few questions there.")))
                .await
        }
        decision::Started::InPlace(out) => send(ctx, msg, &out).await,
    }
}

/// A question the bot answered was edited: the answer follows the new text.
pub async fn edited(ctx: &Context, bot: &Bot, event: &MessageUpdateEvent) -> Result<(), Error> {
    let Some((channel, answer_id)) = bot.places.answer_to(event.id.get()) else { return Ok(()) };
    let Some(content) = &event.content else { return Ok(()) };
    let engine = bot.engine();
    let question = strip_mentions(content);
    let out = match engine.ask(&question) {
        Ok(answer) => {
            let mut out = render::answer(&engine, &answer);
            let outcome = if matches!(answer.topic, Topic::None) { Outcome::Abstained } else { Outcome::Answered };
            let guild = event.guild_id.map(|g| g.get());
            let user = event.author.as_ref().map_or(0, |a| a.id.get());
            feedback::log(bot, Door::Edit, guild, user, &question, &answer, outcome, Some(&mut out));
            out
        }
        Err(e) => Out::text(format!("Sorry: {e}")),
    };
    let edit = serenity::EditMessage::new()
        .content(out.content.clone().unwrap_or_default())
        .embeds(out.embeds.clone())
        .components(out.components.clone())
        .allowed_mentions(render::no_mentions());
    serenity::ChannelId::new(channel).edit_message(&ctx.http, serenity::MessageId::new(answer_id), edit).await?;
    info!(channel, message = answer_id, "answer updated after an edit of its question");
    Ok(())
}

/// Whether `msg` was written in a help channel, a thread under one, or a post of a help forum.
async fn help_place(ctx: &Context, bot: &Bot, msg: &Message) -> Help {
    let channel = msg.channel_id.get();
    let guild = msg.guild_id.map(|g| g.get());
    if guild.is_none() || !bot.has_help_channels(guild) {
        return Help::No;
    }
    if bot.is_help_channel(guild, channel) {
        return Help::Channel;
    }
    let Some(info) = bot.places.info(ctx, msg.guild_id, channel).await else { return Help::No };
    let Some(parent) = info.parent.filter(|p| info.is_thread() && bot.is_help_channel(guild, *p)) else {
        return Help::No;
    };
    if !bot.places.info(ctx, msg.guild_id, parent).await.is_some_and(|p| p.is_forum()) {
        return Help::Channel;
    }
    // A forum post's starter message has the post's (the thread's) id.
    if msg.id.get() == channel {
        Help::ForumPost { title: info.name }
    } else {
        Help::ForumChatter
    }
}

/// Replies to `msg` in its channel, without pinging its author or anyone else.
async fn send(ctx: &Context, msg: &Message, out: &Out) -> Result<(), Error> {
    send_message(ctx, msg, out).await.map(|_| ())
}

async fn send_message(ctx: &Context, msg: &Message, out: &Out) -> Result<Message, Error> {
    Ok(msg.channel_id.send_message(&ctx.http, out.message().reference_message(msg)).await?)
}

/// Removes user, role and channel mentions, so "@Signpost is flask fast?" is read as "is flask fast?".
pub(super) fn strip_mentions(text: &str) -> String {
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
