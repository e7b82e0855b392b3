//! Marking a help forum's post solved: the `Solved` button on the bot's answer to the post, and `/solved` in the
//! post. Only the asker (the post's owner) or a member with Manage Threads may. The forum's solved tag is applied
//! (the tag named in `/settings`, else one called "solved", "resolved", "answered" or "done"), and the post's
//! auto-archive is set to one day, so Discord archives it after a day without messages. The button also counts as
//! a Helpful vote for the answer it sits on. `/unsolved` lists a help forum's posts that only the asker (and the bot)
//! wrote in, oldest first, for the helper role and Manage Threads.

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
    let text = match mark(ctx, bot, guild, c.channel_id, c.user.id.get(), perms, Some(label.clone())).await {
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
    let marked = mark(ctx.serenity_context(), ctx.data(), guild, ctx.channel_id(), ctx.author().id.get(), perms, None);
    let (Ok(text) | Err(text)) = marked.await;
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
    by: Option<String>,
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
    super::forums::solved(bot, parent.get(), thread.get(), by).await;
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

/// Posts listed per page of `/unsolved`.
const PER_PAGE: usize = 10;
/// Posts whose messages are read at most, per `/unsolved` (one request each).
const MAX_CHECKED: usize = 50;

/// "One of these solved it": the asker picked a similar earlier post as what solved theirs.
pub async fn by_similar(ctx: &Context, bot: &Bot, c: &ComponentInteraction) -> Result<(), Error> {
    c.defer_ephemeral(&ctx.http).await?;
    let chosen = match &c.data.kind {
        serenity::ComponentInteractionDataKind::StringSelect { values } => {
            values.first().and_then(|v| v.parse::<u64>().ok())
        }
        _ => None,
    };
    let text = match chosen {
        None => "That choice is not one of the posts.".to_string(),
        Some(post) => {
            let perms = c.member.as_ref().and_then(|m| m.permissions);
            let guild = c.guild_id.map(|g| g.get());
            let by = Some(format!("post:{post}"));
            let (Ok(text) | Err(text)) = mark(ctx, bot, guild, c.channel_id, c.user.id.get(), perms, by).await;
            text
        }
    };
    c.edit_response(&ctx.http, Out::text(text).edit()).await?;
    Ok(())
}

/// List a help forum's posts that only the asker (and the bot) wrote in (helper role or Manage Threads)
#[poise::command(slash_command, guild_only)]
pub async fn unsolved(
    ctx: super::Context<'_>,
    #[description = "The help forum"]
    #[channel_types("Forum")]
    forum: serenity::ChannelId,
    #[description = "Only posts at least this old, e.g. 30m, 2h, 1d (default 1h)"] older_than: Option<String>,
    #[description = "Which page of the list (10 a page)"]
    #[min = 1]
    page: Option<u32>,
) -> Result<(), Error> {
    // Reading the posts is several REST requests: acknowledge first.
    ctx.defer_ephemeral().await?;
    let bot = ctx.data();
    let guild_id = ctx.guild_id();
    let guild = guild_id.map(|g| g.get());
    let (perms, roles) = match ctx {
        super::Context::Application(a) => {
            let m = a.interaction.member.as_ref();
            (m.and_then(|m| m.permissions), m.map(|m| m.roles.clone()).unwrap_or_default())
        }
        super::Context::Prefix(_) => (None, Vec::new()),
    };
    let helper = bot.guild_settings(guild).helper_role.is_some_and(|r| roles.iter().any(|x| x.get() == r));
    if !helper && !perms.is_some_and(|p| p.manage_threads() || p.administrator()) {
        return answer(ctx, "`/unsolved` is for the helper role and members with Manage Threads.").await;
    }
    if !bot.is_help_channel(guild, forum.get()) {
        return answer(ctx, &format!("<#{forum}> is not a help forum of this server.")).await;
    }
    let age = match older_than.as_deref().map(humantime::parse_duration) {
        None => std::time::Duration::from_secs(3600),
        Some(Ok(d)) => d,
        Some(Err(_)) => return answer(ctx, "Give the age as a duration, e.g. `30m`, `2h` or `1d`.").await,
    };
    let Some(guild_id) = guild_id else { return answer(ctx, "`/unsolved` works in a server.").await };
    let http = ctx.http();
    let active = match guild_id.get_active_threads(http).await {
        Ok(a) => a,
        Err(e) => {
            warn!(error = %e, "cannot list the active threads");
            return answer(ctx, "I could not list this forum's posts just now; please try again.").await;
        }
    };
    let now = serenity::Timestamp::now().unix_timestamp();
    let mut posts: Vec<GuildChannel> = active
        .threads
        .into_iter()
        .filter(|t| t.parent_id == Some(forum))
        .filter(|t| now - t.id.created_at().unix_timestamp() >= age.as_secs() as i64)
        .collect();
    // Oldest first: the longest waiting.
    posts.sort_by_key(|t| t.id);
    let me = ctx.serenity_context().cache.current_user().id;
    let mut waiting = Vec::new();
    let checked = posts.len().min(MAX_CHECKED);
    for post in posts.iter().take(MAX_CHECKED) {
        let messages = match post.id.messages(http, serenity::GetMessages::new().limit(50)).await {
            Ok(m) => m,
            Err(e) => {
                warn!(thread = post.id.get(), error = %e, "cannot read a post's messages");
                continue;
            }
        };
        let only_asker = messages.iter().all(|m| Some(m.author.id) == post.owner_id || m.author.id == me);
        if only_asker {
            waiting.push(post);
        }
    }
    if waiting.is_empty() {
        let more = if posts.len() > checked { format!(" (of the {checked} oldest checked)") } else { String::new() };
        return answer(ctx, &format!("No post in <#{forum}> older than {} waits for a reply{more}.", pretty(age)))
            .await;
    }
    let pages = waiting.len().div_ceil(PER_PAGE);
    let page = (page.unwrap_or(1) as usize).clamp(1, pages);
    let lines: Vec<String> = waiting
        .iter()
        .enumerate()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|(i, t)| {
            let waited = std::time::Duration::from_secs((now - t.id.created_at().unix_timestamp()).max(0) as u64);
            format!("{}. <#{}>: {} (waiting {})", i + 1, t.id, super::send::escape(&t.name), pretty(waited))
        })
        .collect();
    let head = format!(
        "Posts in <#{forum}> older than {} with no reply but the asker's and mine, oldest first (page {page} of {pages}):",
        pretty(age)
    );
    answer(ctx, &format!("{head}\n{}", lines.join("\n"))).await
}

/// A duration as people say it: "3h", "2d" (to the minute).
fn pretty(d: std::time::Duration) -> String {
    humantime::format_duration(std::time::Duration::from_secs(d.as_secs() / 60 * 60)).to_string()
}

async fn answer(ctx: super::Context<'_>, text: &str) -> Result<(), Error> {
    ctx.send(Out::text(text).ephemeral().reply()).await?;
    Ok(())
}
