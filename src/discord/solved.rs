//! Marking a help forum's post solved: the `Solved` button on the bot's answer to the post, and `/solved` in the
//! post. Only the asker (the post's owner) or a member with Manage Threads may. The forum's solved tag is applied
//! (the tag named in `/settings`, else one called "solved", "resolved", "answered" or "done"), and the post's
//! auto-archive is set to one day, so Discord archives it after a day without messages. The button also counts as
//! a Helpful vote for the answer it sits on.

use poise::serenity_prelude as serenity;
use serenity::{
    AutoArchiveDuration, ChannelId, ComponentInteraction, Context, EditThread, ForumTagId, GuildChannel, Permissions,
};
use tracing::{info, warn};

use super::{render::Out, Bot, Error};
use crate::learn::VoteValue;

/// Tag names taken as a forum's solved tag when the server chose none (compared without case).
const SOLVED_NAMES: &[&str] = &["solved", "resolved", "answered", "done"];

/// Discord's limit of tags applied to one post.
const MAX_APPLIED_TAGS: usize = 5;

/// A click on `Solved` (the record and label of the answer it sits on).
pub async fn clicked(
    ctx: &Context,
    bot: &Bot,
    c: &ComponentInteraction,
    record: u64,
    label: String,
) -> Result<(), Error> {
    // The tag and the vote are REST and store work: acknowledge first.
    c.defer_ephemeral(&ctx.http).await?;
    let perms = c.member.as_ref().and_then(|m| m.permissions);
    let guild = c.guild_id.map(|g| g.get());
    let text = match mark(ctx, bot, guild, c.channel_id, c.user.id.get(), perms).await {
        Ok(text) => {
            vote_helpful(bot, record, &label, c.user.id.get()).await;
            text
        }
        Err(refusal) => refusal,
    };
    c.edit_response(&ctx.http, Out::text(text).edit()).await?;
    Ok(())
}

/// Mark this help forum post solved (its asker, or Manage Threads)
#[poise::command(slash_command, guild_only)]
pub async fn solved(ctx: super::Context<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let perms = match ctx {
        super::Context::Application(a) => a.interaction.member.as_ref().and_then(|m| m.permissions),
        super::Context::Prefix(_) => None,
    };
    let guild = ctx.guild_id().map(|g| g.get());
    let text =
        match mark(ctx.serenity_context(), ctx.data(), guild, ctx.channel_id(), ctx.author().id.get(), perms).await {
            Ok(text) | Err(text) => text,
        };
    ctx.send(Out::text(text).ephemeral().reply()).await?;
    Ok(())
}

/// Marks the post `thread` solved for `user`: `Ok` with what was done, `Err` with why not.
async fn mark(
    ctx: &Context,
    bot: &Bot,
    guild: Option<u64>,
    thread: ChannelId,
    user: u64,
    perms: Option<Permissions>,
) -> Result<String, String> {
    let not_a_post = || "`Solved` works in a post of a help forum.".to_string();
    let post = match ctx.http.get_channel(thread).await {
        Ok(serenity::Channel::Guild(c)) if c.thread_metadata.is_some() => c,
        Ok(_) => return Err(not_a_post()),
        Err(e) => {
            warn!(thread = thread.get(), error = %e, "cannot read the post to mark it solved");
            return Err("I could not read this post just now; please try again.".into());
        }
    };
    let Some(parent) = post.parent_id else { return Err(not_a_post()) };
    if !bot.is_help_channel(guild, parent.get()) {
        return Err(not_a_post());
    }
    let asker = post.owner_id.map(|o| o.get());
    let may = asker == Some(user) || perms.is_some_and(|p| p.manage_threads() || p.administrator());
    if !may {
        return Err("Only the person who asked, or a member with Manage Threads, can mark this post solved.".into());
    }
    let forum = match ctx.http.get_channel(parent).await {
        Ok(serenity::Channel::Guild(f)) => Some(f),
        _ => None,
    };
    let chosen = bot.guild_settings(guild).solved_tag;
    let tag = forum.as_ref().and_then(|f| solved_tag(f, chosen.as_deref()));
    let mut tags: Vec<ForumTagId> = post.applied_tags.clone();
    let tagged = match tag {
        Some(t) if !tags.contains(&t) && tags.len() < MAX_APPLIED_TAGS => {
            tags.push(t);
            true
        }
        Some(t) => tags.contains(&t),
        None => false,
    };
    let edit = EditThread::new().applied_tags(tags).auto_archive_duration(AutoArchiveDuration::OneDay);
    if let Err(e) = thread.edit_thread(&ctx.http, edit).await {
        warn!(thread = thread.get(), error = %e, "cannot tag the solved post");
        return Err("I could not update this post (do I have Manage Threads here?); nothing changed.".into());
    }
    info!(thread = thread.get(), tagged, "post marked solved");
    let tag_note = if tagged { " and tagged" } else { " (this forum has no solved tag to apply)" };
    Ok(format!("Marked solved{tag_note}; the post closes after a day without messages."))
}

/// The forum's solved tag: the one named in `/settings`, else the first whose name says solved.
fn solved_tag(forum: &GuildChannel, chosen: Option<&str>) -> Option<ForumTagId> {
    let named = |name: &str| forum.available_tags.iter().find(|t| t.name.eq_ignore_ascii_case(name)).map(|t| t.id);
    match chosen {
        Some(name) => named(name),
        None => SOLVED_NAMES.iter().find_map(|n| named(n)),
    }
}

/// Solved counts as a Helpful vote for the answer (one vote per person per answer, as ever).
async fn vote_helpful(bot: &Bot, record: u64, label: &str, user: u64) {
    let Some(learning) = bot.learning() else { return };
    let label = label.to_string();
    let voted = learning
        .within(super::decision::CLICK_PATIENCE, move |l| l.vote(record, &label, user, VoteValue::Helpful, None))
        .await;
    match voted {
        Ok(None) | Ok(Some(VoteValue::NotHelpful)) => bot.metrics.voted(true),
        Ok(Some(VoteValue::Helpful)) => {}
        Err(e) => warn!(error = %e, "recording Solved as a vote failed"),
    }
}
