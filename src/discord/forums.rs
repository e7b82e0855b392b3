//! Help forums' posts as an index: each new post is kept (thread, title, the start of its starter message) in the
//! learning store, so the first reply to a later post can link up to three similar earlier posts of the same forum,
//! solved ones first (found with the matcher's own features, see `learn::posts`). A post is forgotten when its thread
//! is deleted and after the retention; a server can switch the index off in `/settings`.

use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, Context, CreateActionRow, CreateButton, CreateSelectMenu, CreateSelectMenuKind,
    CreateSelectMenuOption, Message,
};
use tracing::warn;

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use super::{decision::CLICK_PATIENCE, ids::ComponentId, render, Bot};
use crate::{
    dialog::State,
    learn::{posts::Index, Post},
};

/// Similar posts linked from one reply.
const MAX_SIMILAR: usize = 3;

/// How long a forum's index read from the store is used before it is read again (for the posts other processes
/// added, with Redis); this process's own changes apply to it at once.
const REFRESH: Duration = Duration::from_secs(600);

/// Per forum: its posts with their vectors, and when they were read from the store.
#[derive(Default)]
pub struct Cache(Mutex<HashMap<u64, (Instant, Index)>>);

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (Instant, Index)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The earlier posts like the new post `msg` (titled `title`), and the post kept for later ones (`answered`: the
/// bot's reply answers it); `None` where no index is kept (no learning store, switched off, not in a forum).
pub async fn similar_posts(ctx: &Context, bot: &Bot, msg: &Message, title: &str, answered: bool) -> Option<Vec<Post>> {
    let learning = bot.learning()?.clone();
    let guild = msg.guild_id?.get();
    if bot.guild_settings(Some(guild)).similar_posts == Some(false) {
        return None;
    }
    let forum = bot.places.info(ctx, msg.guild_id, msg.channel_id.get()).await?.parent?;
    // Without the Message Content intent the starter message's text is not the bot's to keep.
    let text = if bot.message_content { msg.content.as_str() } else { "" };
    let mut post = Post::new(guild, forum, msg.channel_id.get(), title, text, msg.timestamp.unix_timestamp() as u64);
    post.bot_answered = answered;
    let engine = bot.engine();
    let query = post.text();
    let cache = bot.forum_index.clone();
    let found = learning
        .within(CLICK_PATIENCE, move |l| {
            let matcher = engine.matcher();
            let mut forums = cache.lock();
            if forums.get(&forum).is_none_or(|(read, _)| read.elapsed() > REFRESH) {
                forums.insert(forum, (Instant::now(), Index::build(matcher, l.store().posts(forum)?)));
            }
            let (_, index) = forums.get_mut(&forum).expect("just read");
            let similar: Vec<Post> =
                index.similar(matcher, &query, post.thread, MAX_SIMILAR).into_iter().cloned().collect();
            l.store().put_post(&post)?;
            index.put(matcher, post);
            Ok(similar)
        })
        .await;
    match found {
        Ok(similar) => Some(similar),
        Err(e) => {
            warn!(error = %e, "the forum index is unavailable");
            None
        }
    }
}

/// The similar posts as link buttons (solved ones marked) with the offer to decide together, and a menu for the
/// asker to say one of them solved it; empty when there is no similar post.
pub fn rows(similar: &[Post], guild: Option<u64>) -> Vec<CreateActionRow> {
    let Some(guild) = guild.filter(|_| !similar.is_empty()) else { return Vec::new() };
    let mut buttons: Vec<CreateButton> = similar
        .iter()
        .map(|p| {
            let label = if p.solved { format!("✓ {}", p.title) } else { p.title.clone() };
            CreateButton::new_link(format!("https://discord.com/channels/{guild}/{}", p.thread))
                .label(render::fit(&label, render::MAX_LABEL))
        })
        .collect();
    buttons.push(
        CreateButton::new(ComponentId::NewDecision(State::new()).encode())
            .label("Decide together")
            .style(ButtonStyle::Secondary),
    );
    let options =
        similar.iter().map(|p| CreateSelectMenuOption::new(render::fit(&p.title, 100), p.thread.to_string())).collect();
    let menu = CreateSelectMenu::new(ComponentId::SolvedBy.encode(), CreateSelectMenuKind::String { options })
        .placeholder("One of these solved it (asker)");
    vec![CreateActionRow::Buttons(buttons), CreateActionRow::SelectMenu(menu)]
}

/// A post is marked solved (by an answer's label, or `post:<thread>`): its entry in the index says so (similar
/// posts list it first, and `report` counts it).
pub async fn solved(bot: &Bot, forum: u64, thread: u64, by: Option<String>) {
    if let Some((_, index)) = bot.forum_index.lock().get_mut(&forum) {
        let by = by.clone();
        index.modify(thread, |p| {
            p.solved = true;
            p.solved_by = by;
        });
    }
    let Some(learning) = bot.learning() else { return };
    let solved = move |l: &crate::learn::Learning| l.store().post_solved(forum, thread, by.as_deref());
    if let Err(e) = learning.within(CLICK_PATIENCE, solved).await {
        warn!(error = %e, "cannot mark the post solved in the forum index");
    }
}

/// Someone other than the asker wrote in a post for the first time: noted in the index, in the background (the
/// message is routed without waiting for it).
pub fn replied(bot: &Bot, forum: u64, thread: u64) {
    let Some(learning) = bot.learning().cloned() else { return };
    tokio::spawn(async move {
        if let Err(e) = learning.within(CLICK_PATIENCE, move |l| l.store().post_replied(forum, thread)).await {
            warn!(error = %e, "cannot note a human reply in the forum index");
        }
    });
}

/// A thread was deleted: its post leaves the index.
pub async fn deleted(bot: &Bot, forum: u64, thread: u64) {
    if let Some((_, index)) = bot.forum_index.lock().get_mut(&forum) {
        index.remove(thread);
    }
    let Some(learning) = bot.learning() else { return };
    if let Err(e) = learning.within(CLICK_PATIENCE, move |l| l.store().remove_post(forum, thread)).await {
        warn!(error = %e, "cannot remove a deleted post from the forum index");
    }
}
