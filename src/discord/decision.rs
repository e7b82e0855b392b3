//! Guided decisions on Discord: a session per user and thread (or channel), stored, one step per message.

use poise::serenity_prelude as serenity;
use serenity::{AutoArchiveDuration, ChannelId, ChannelType, CreateThread, Http, User};
use tracing::{info, warn};

use super::{render, render::Out, Bot, Error};
use crate::{
    conversation::{self, Reply, Turn},
    dialog::Input,
    session::{now, Lookup, Session, SessionKey},
    Engine,
};

/// Where a new decision went.
pub enum Started {
    /// A thread was opened and the first question posted there.
    Thread(ChannelId),
    /// No thread could be made (a DM, a thread already, missing permission): the first question, to post in place.
    InPlace(Out),
}

/// Starts a decision for `user`: in a new thread under `channel` when `in_guild`, else in place.
pub async fn start(http: &Http, bot: &Bot, user: &User, channel: ChannelId, in_guild: bool) -> Result<Started, Error> {
    let engine = bot.engine();
    // Discord has no threads inside threads: in one already, the decision runs where the user is.
    let in_thread = in_guild
        && matches!(
            http.get_channel(channel).await,
            Ok(serenity::Channel::Guild(c)) if matches!(c.kind, ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread)
        );
    if in_guild && !in_thread {
        let name = format!("Decision for {}", user.global_name.as_deref().unwrap_or(&user.name));
        let thread = CreateThread::new(render::fit(&name, 100))
            .kind(ChannelType::PublicThread)
            .auto_archive_duration(AutoArchiveDuration::OneHour);
        match channel.create_thread(http, thread).await {
            Ok(thread) => {
                let key = SessionKey { user: user.id.get(), channel: thread.id.get() };
                let out = begin(bot, &engine, key)?;
                thread.id.send_message(http, out.message()).await?;
                info!(user = key.user, thread = key.channel, "decision started in a thread");
                return Ok(Started::Thread(thread.id));
            }
            Err(e) => warn!(channel = channel.get(), error = %e, "cannot open a thread; running the decision in place"),
        }
    }
    let key = SessionKey { user: user.id.get(), channel: channel.get() };
    let out = begin(bot, &engine, key)?;
    info!(user = key.user, channel = key.channel, "decision started in place");
    Ok(Started::InPlace(out))
}

/// Stores a fresh session and renders its first question.
fn begin(bot: &Bot, engine: &Engine, key: SessionKey) -> Result<Out, Error> {
    let turn = conversation::start(engine, Vec::new());
    let (out, _) = store_turn(bot, engine, key, 0, turn)?;
    Ok(out.into_iter().next().unwrap_or_else(|| Out::text("The decision could not start.")))
}

/// Saves (or ends) the session after a turn and renders its replies. Returns the messages and whether the dialog
/// is still running.
pub fn store_turn(
    bot: &Bot,
    engine: &Engine,
    key: SessionKey,
    version: u32,
    turn: Turn,
) -> Result<(Vec<Out>, bool), Error> {
    let next_version = version.wrapping_add(1);
    match &turn.state {
        Some(state) => bot.store.put(key, &Session { state: state.clone(), version: next_version, updated: now() })?,
        None => bot.store.remove(key)?,
    }
    let outs = turn
        .replies
        .iter()
        .map(|r| match r {
            Reply::Answer(a) => render::answer(engine, a),
            Reply::Question { question, notice } => render::question(question, key, next_version, notice.as_deref()),
            Reply::Verdict(v) => render::verdict(engine.kb(), v),
            Reply::Cancelled => Out::text("Decision cancelled. Run `/decide` whenever you want to start again."),
            Reply::Error(m) => Out::text(m),
        })
        .collect();
    Ok((outs, turn.state.is_some()))
}

/// Why a click or message could not be applied to a session.
pub enum Refusal {
    NotYours,
    Expired,
    Missing,
    /// The click came from an older step than the session is at.
    Stale,
}

impl Refusal {
    pub fn out(&self, bot: &Bot) -> Out {
        let ttl = humantime::format_duration(bot.store.ttl());
        let text = match self {
            Refusal::NotYours => {
                "This decision belongs to someone else. Start your own with the button below or `/decide`.".to_string()
            }
            Refusal::Expired => {
                format!("This decision expired after {ttl} without activity. Start a new one below or with `/decide`.")
            }
            Refusal::Missing => {
                "This decision is over (finished, cancelled or expired). Start a new one below or with `/decide`."
                    .to_string()
            }
            Refusal::Stale => "That button belongs to an earlier question; use the latest one.".to_string(),
        };
        let mut out = Out::text(text).ephemeral();
        if !matches!(self, Refusal::Stale) {
            out.components.push(serenity::CreateActionRow::Buttons(vec![serenity::CreateButton::new(
                super::ids::ComponentId::NewDecision.encode(),
            )
            .label("Start a new decision")
            .style(serenity::ButtonStyle::Primary)]));
        }
        out
    }
}

/// The live session for `key`, if `clicker` may drive it at `version` (`None` skips the version check).
pub fn session_for(
    bot: &Bot,
    key: SessionKey,
    clicker: u64,
    version: Option<u32>,
) -> Result<Result<Session, Refusal>, Error> {
    if key.user != clicker {
        return Ok(Err(Refusal::NotYours));
    }
    Ok(match bot.store.get(key, now())? {
        Lookup::Active(s) if version.is_some_and(|v| v != s.version) => Err(Refusal::Stale),
        Lookup::Active(s) => Ok(s),
        Lookup::Expired => Err(Refusal::Expired),
        Lookup::Missing => Err(Refusal::Missing),
    })
}

/// Applies a click to a session and renders the step that follows.
pub fn apply_input(bot: &Bot, key: SessionKey, session: &Session, input: Input) -> Result<(Vec<Out>, bool), Error> {
    let engine = bot.engine();
    let turn = conversation::step(&engine, &session.state, input);
    store_turn(bot, &engine, key, session.version, turn)
}

/// Applies typed text to a session: an answer, a command word, or a question to answer before resuming.
pub fn apply_text(bot: &Bot, key: SessionKey, session: &Session, text: &str) -> Result<(Vec<Out>, bool), Error> {
    let engine = bot.engine();
    let turn = conversation::turn(&engine, Some(&session.state), text);
    store_turn(bot, &engine, key, session.version, turn)
}
