//! Messages: the facts of a message (how it was addressed, the place, the user's decision there, what the
//! conversation remembers), gathered for [`route`], whose plan `send` carries out. Edits of answered questions go
//! the same way.

use poise::serenity_prelude as serenity;
use serenity::{Context, Message, MessageUpdateEvent};
use tracing::{info, warn};

use super::{
    places::Answered,
    record, render,
    send::{self, Carry, STORE_PATIENCE},
    Bot, Error,
};
use crate::{
    followup::Memory,
    learn::{Door, HelpMode},
    route::{self, Addressed, Decision, Incoming, Place},
    session::{self, Lookup, SessionKey},
};

pub async fn handle(ctx: &Context, bot: &Bot, msg: &Message) -> Result<(), Error> {
    // Never answer bots (ourselves included): two bots could otherwise talk forever.
    if msg.author.bot || msg.webhook_id.is_some() {
        return Ok(());
    }
    let me = ctx.cache.current_user().id;
    let typed_mention = msg.content.contains(&format!("<@{me}>")) || msg.content.contains(&format!("<@!{me}>"));
    // A reply to one of our messages lists us in `mentions` too: that is a follow-up, not a mention.
    let reply_to_us = msg.referenced_message.as_ref().is_some_and(|m| m.author.id == me);
    let mentioned = typed_mention || (msg.mentions.iter().any(|u| u.id == me) && !reply_to_us);
    let addressed = match () {
        _ if msg.guild_id.is_none() => Addressed::Direct,
        _ if mentioned => Addressed::Mention,
        _ if reply_to_us => Addressed::Reply,
        _ => Addressed::No,
    };
    let mut text = send::strip_mentions(&msg.content);
    let (mut place, in_thread) = match addressed {
        Addressed::Direct => (Place::Direct, false),
        _ => help_place(ctx, bot, msg).await,
    };
    // Without the Message Content intent, text not addressed to the bot arrives empty: only a new forum post is
    // still read, by its title (a thread's name is not gated); elsewhere a help channel is like any other.
    if !bot.message_content {
        match (&place, addressed) {
            (Place::ForumPost { .. }, Addressed::No) => text.clear(),
            (_, Addressed::No) => return Ok(()),
            (Place::Quiet, _) => {}
            _ => place = Place::Channel,
        }
    }
    // A conversation is remembered in a thread of a help channel, a reply chain, a user's mentions in one channel
    // and a DM; not across the unrelated questions of a help channel's main room.
    let remembers = addressed != Addressed::No || in_thread;
    let key = SessionKey { user: msg.author.id.get(), channel: msg.channel_id.get() };
    let (lookup, memory) = recall(bot, key, remembers).await;

    let engine = bot.engine();
    let resolved = match &lookup {
        Some(Lookup::Active(s)) => Some(session::resolve(engine.kb(), &s.answers)),
        _ => None,
    };
    let decision = match (&lookup, &resolved) {
        (Some(Lookup::Active(s)), Some(r)) => {
            Decision::Running { state: &r.state, in_place: s.in_place, changed: r.changed }
        }
        (Some(Lookup::Expired { in_place, .. }), _) => Decision::Expired { in_place: *in_place },
        (None, _) => Decision::Unknown,
        _ => Decision::None,
    };
    let guild = msg.guild_id.map(|g| g.get());
    let incoming = Incoming {
        text: &text,
        addressed,
        place: &place,
        decision,
        memory: memory.as_ref(),
        edit_of: None,
        min_confidence: bot.min_confidence(guild),
        may_start: bot.decide_wait(key.user),
    };
    let plan = route::route(&engine, &incoming);
    let door = door_of(addressed, &place);
    let session = match lookup {
        Some(Lookup::Active(s)) => Some(s),
        _ => None,
    };
    let answered = Answered { channel: 0, answer: 0, text, addressed, place };
    let carry = Carry { msg, key, door, session, remembers, memory, answered };
    send::carry_out(ctx, bot, carry, plan).await
}

/// The user's decision here and the conversation's memory, in one trip to the store, given up after
/// [`STORE_PATIENCE`]: `None` for the decision when the store did not answer (the route then answers questions as
/// usual and asks to try again only what was meant for a decision).
async fn recall(bot: &Bot, key: SessionKey, remembers: bool) -> (Option<Lookup>, Option<Memory>) {
    let read = bot
        .store
        .within(STORE_PATIENCE, move |s| {
            let lookup = s.get(key)?;
            // A memory that cannot be read is only a follow-up without context.
            let memory = if remembers { s.recall(key).unwrap_or_default() } else { None };
            Ok((lookup, memory))
        })
        .await;
    match read {
        Ok((lookup, memory)) => (Some(lookup), memory),
        Err(e) => {
            warn!(error = %e, "store unavailable for a message");
            (None, None)
        }
    }
}

fn door_of(addressed: Addressed, place: &Place) -> Door {
    match (addressed, place) {
        (Addressed::Direct, _) => Door::Dm,
        (Addressed::Mention, _) => Door::Mention,
        (Addressed::Reply, _) => Door::Reply,
        (_, Place::ForumPost { .. }) => Door::HelpForum,
        _ => Door::HelpChannel,
    }
}

/// A question the bot answered was edited: the answer follows the new text, routed as the question was (the help
/// channels' rule included); an edit that changes nothing, or turns the question into chatter, leaves it.
pub async fn edited(ctx: &Context, bot: &Bot, event: &MessageUpdateEvent) -> Result<(), Error> {
    let Some(before) = bot.places.answer_to(event.id.get()) else { return Ok(()) };
    let Some(content) = &event.content else { return Ok(()) };
    let text = send::strip_mentions(content);
    let engine = bot.engine();
    let guild = event.guild_id.map(|g| g.get());
    let user = event.author.as_ref().map_or(0, |a| a.id.get());
    let incoming = Incoming {
        text: &text,
        addressed: before.addressed,
        place: &before.place,
        decision: Decision::None,
        memory: None,
        edit_of: Some(&before.text),
        min_confidence: bot.min_confidence(guild),
        may_start: Ok(()),
    };
    let Some((question, answer)) = send::edited_answer(route::route(&engine, &incoming)) else { return Ok(()) };
    let mut out = render::answer(&engine, &answer);
    record::log(bot, Door::Edit, guild, user, &question, &answer, record::outcome_of(&answer), Some(&mut out));
    let edit = serenity::EditMessage::new()
        .content(out.content.clone().unwrap_or_default())
        .embeds(out.embeds.clone())
        .components(out.components.clone())
        .allowed_mentions(render::no_mentions());
    let (channel, answer_id) = (before.channel, before.answer);
    serenity::ChannelId::new(channel).edit_message(&ctx.http, serenity::MessageId::new(answer_id), edit).await?;
    bot.places.answered(event.id.get(), Answered { text, ..before });
    info!(channel, message = answer_id, "answer updated after an edit of its question");
    Ok(())
}

/// Where `msg` was written, as far as help channels go, and whether in a thread: a help channel or forum (as its
/// mode in `/settings` has it), a post or a later message in a help forum, a help thread where a human other than
/// the asker has written, or any other channel.
async fn help_place(ctx: &Context, bot: &Bot, msg: &Message) -> (Place, bool) {
    let channel = msg.channel_id.get();
    let guild = msg.guild_id.map(|g| g.get());
    if guild.is_none() || !bot.has_help_channels(guild) {
        return (Place::Channel, false);
    }
    if bot.is_help_channel(guild, channel) {
        return (moded(bot.help_mode(guild, channel), Place::Help), false);
    }
    let Some(info) = bot.places.info(ctx, msg.guild_id, channel).await else { return (Place::Channel, false) };
    let Some(parent) = info.parent.filter(|p| info.is_thread() && bot.is_help_channel(guild, *p)) else {
        return (Place::Channel, info.is_thread());
    };
    // Someone other than the asker writes in the asker's thread: a human helps, the bot steps back. A thread the
    // bot opened (a decision) has no asker but the user it was opened for.
    let me = ctx.cache.current_user().id.get();
    let forum = bot.places.info(ctx, msg.guild_id, parent).await.is_some_and(|p| p.is_forum());
    if info.owner.is_some_and(|o| o != msg.author.id.get() && o != me) && bot.places.human_helps(channel) && forum {
        super::forums::replied(bot, parent, channel);
    }
    let place = match () {
        // A forum post's starter message has the post's (the thread's) id.
        _ if forum && msg.id.get() == channel => Place::ForumPost { title: info.name },
        _ if bot.places.is_helped(channel) => Place::HumanHelping,
        _ if forum => Place::ForumChatter,
        _ => Place::Help,
    };
    (moded(bot.help_mode(guild, parent), place), true)
}

/// A help place as its channel's mode has it: `mention` makes it like any other channel, `off` quiet.
fn moded(mode: HelpMode, place: Place) -> Place {
    match mode {
        HelpMode::Auto => place,
        HelpMode::Mention => Place::Channel,
        HelpMode::Off => Place::Quiet,
    }
}
