//! Guided decisions on Discord: a session per user and thread (or channel), stored, one step per message.
//!
//! Every change is planned from the session as read, then written with one atomic [`SessionStore::swap`] that
//! checks the session is still at the version that was read: of two clicks on the same step, exactly one is applied.
//! The write comes before the reply that shows it; when that reply fails, [`Undo`] puts the session back, so the
//! buttons on screen and the stored state never drift apart.

use poise::serenity_prelude as serenity;
use serenity::{AutoArchiveDuration, ChannelId, ChannelType, CreateThread, Http, User};
use tracing::{info, warn};

use super::{ids::Click, render, render::Out, Bot, Error};
use crate::{
    conversation::{self, Reply, Turn},
    dialog::{Input, Outcome, State},
    session::{self, Expect, Lookup, Session, SessionKey, SessionStore, Swap},
    Engine,
};

/// Where a new decision went.
pub enum Started {
    /// A thread was opened and the first question posted there.
    Thread(ChannelId),
    /// No thread could be made (a DM, a thread already, missing permission): the first question, to post in place.
    InPlace(Out),
}

/// Starts a decision for `user`: in a new thread under `channel` when `in_guild`, else in place. `first` holds
/// the answers the user's own message already gave (shown as assumptions to change), or none.
pub async fn start(
    http: &Http,
    bot: &Bot,
    user: &User,
    channel: ChannelId,
    in_guild: bool,
    first: &State,
) -> Result<Started, Error> {
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
                let out = begin(bot, &engine, key, false, first).await?;
                // The user follows the thread (it shows in their list); not fatal when it fails.
                if let Err(e) = thread.id.add_thread_member(http, user.id).await {
                    warn!(thread = key.channel, error = %e, "cannot add the user to the decision thread");
                }
                match thread.id.send_message(http, out.message()).await {
                    Ok(_) => {
                        info!(thread = key.channel, "decision started in a thread");
                        return Ok(Started::Thread(thread.id));
                    }
                    Err(e) => {
                        // An empty thread helps nobody: remove it (and its session) and run the dialog in place.
                        warn!(thread = key.channel, error = %e, "cannot post in the new thread; removing it and running the decision in place");
                        if let Err(e) = thread.id.delete(http).await {
                            warn!(thread = key.channel, error = %e, "cannot remove the empty thread");
                        }
                        bot.store.blocking(move |s| s.remove(key)).await?;
                    }
                }
            }
            Err(e) => warn!(channel = channel.get(), error = %e, "cannot open a thread; running the decision in place"),
        }
    }
    let key = SessionKey { user: user.id.get(), channel: channel.get() };
    let out = begin(bot, &engine, key, in_guild, first).await?;
    info!(channel = key.channel, "decision started in place");
    Ok(Started::InPlace(out))
}

/// Stores a fresh session (a new nonce: buttons of an earlier decision in the same place stop working) and renders
/// its first question.
/// `in_place`: in a guild channel the decision shares with others (not its own thread, not a DM).
async fn begin(bot: &Bot, engine: &Engine, key: SessionKey, in_place: bool, first: &State) -> Result<Out, Error> {
    let turn = conversation::start_with(engine, first.clone(), Vec::new());
    let answers = session::answer_ids(engine.kb(), &turn.state.clone().unwrap_or_default());
    let session = Session { in_place, ..Session::new(answers, bot.store.now()) };
    let outs = render_turn(engine, key, &session, &turn);
    let stored = session.clone();
    bot.store.blocking(move |s| s.swap(key, Expect::Any, Some(&stored))).await?;
    Ok(outs.into_iter().next().unwrap_or_else(|| Out::text("The decision could not start.")))
}

/// Renders a turn's replies; questions carry the buttons of `session` (its nonce and version).
fn render_turn(engine: &Engine, key: SessionKey, session: &Session, turn: &Turn) -> Vec<Out> {
    turn.replies
        .iter()
        .map(|r| match r {
            Reply::Answer(a) => render::answer(engine, a),
            Reply::Question { question, notice } => {
                render::question(question, key, session.nonce, session.version, notice.as_deref())
            }
            Reply::Verdict(v) => render::verdict(engine.kb(), v, Some((key, session.nonce, session.version))),
            Reply::Record(markdown) => render::record(markdown),
            Reply::Notice(m) => Out::text(m),
            Reply::Cancelled => Out::text("Decision cancelled. Run `/decide` whenever you want to start again."),
            Reply::Error(m) => Out::text(m),
        })
        .collect()
}

/// The ephemeral answer to a user who starts decisions too fast.
pub fn too_soon(wait: std::time::Duration) -> Out {
    Out::text(format!(
        "You just started a decision; you can start another in {} s. Your latest one is still running.",
        wait.as_secs().max(1)
    ))
    .ephemeral()
}

/// Why a click or message could not be applied to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotYours,
    Expired,
    Missing,
    /// A button of an earlier decision in the same place (another nonce).
    Earlier,
    /// The click came from an older step than the session is at (or lost the race to another click).
    Stale,
}

impl Refusal {
    pub fn out(&self, store: &SessionStore) -> Out {
        let ttl = humantime::format_duration(store.ttl());
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
            Refusal::Earlier => {
                "That button belongs to an earlier decision; a newer one runs here. Use its latest question."
                    .to_string()
            }
            Refusal::Stale => "That button belongs to an earlier question; use the latest one.".to_string(),
        };
        let mut out = Out::text(text).ephemeral();
        if matches!(self, Refusal::NotYours | Refusal::Expired | Refusal::Missing) {
            out.components.push(serenity::CreateActionRow::Buttons(vec![serenity::CreateButton::new(
                super::ids::ComponentId::NewDecision(State::new()).encode(),
            )
            .label("Start a new decision")
            .style(serenity::ButtonStyle::Primary)]));
        }
        out
    }
}

/// A change written to the store, with its replies; [`Undo`] reverts it if the replies cannot be shown.
pub struct Applied {
    pub outs: Vec<Out>,
    /// The dialog is still running after it.
    pub running: bool,
    pub undo: Undo,
}

/// Puts a session back as it was before a change (when the reply showing the change failed).
pub struct Undo {
    key: SessionKey,
    expect: Expect,
    old: Session,
}

impl Undo {
    pub async fn run(self, store: &SessionStore) {
        let Undo { key, expect, old } = self;
        match store.blocking(move |s| s.swap(key, expect, Some(&old))).await {
            Ok(Swap::Done) => {
                info!(channel = key.channel, "reply failed: the decision step was rolled back")
            }
            Ok(Swap::Conflict(_)) => warn!(
                user = key.user,
                channel = key.channel,
                "reply failed, and the session moved on since: not rolled back"
            ),
            Err(e) => warn!(error = %e, "reply failed, and rolling the session back failed too"),
        }
    }
}

/// The refusal for a session that is not (or no longer) the one a click or message was aimed at. `nonce` and
/// `version` are what the button carried (`None` for typed text, which aims at whatever runs).
fn refusal(found: &Lookup, aim: Option<(u32, u32)>) -> Option<Refusal> {
    match (found, aim) {
        (Lookup::Active(s), Some((nonce, _))) if s.nonce != nonce => Some(Refusal::Earlier),
        (Lookup::Active(s), Some((_, version))) if s.version != version => Some(Refusal::Stale),
        (Lookup::Active(_), _) => None,
        (Lookup::Expired { nonce, .. }, Some((n, _))) if *nonce != n => Some(Refusal::Missing),
        (Lookup::Expired { .. }, _) => Some(Refusal::Expired),
        (Lookup::Missing, _) => Some(Refusal::Missing),
    }
}

/// Applies a click to the session under `key` on behalf of `user`, atomically: `aim` is the (nonce, version) the
/// button carried. Returns the replies to show, or why nothing was applied. An "expired" refusal is given once:
/// the tombstone is removed as it is reported.
pub async fn apply(
    bot: &Bot,
    key: SessionKey,
    user: u64,
    aim: Option<(u32, u32)>,
    click: Click,
) -> Result<Result<Applied, Refusal>, Error> {
    if key.user != user {
        return Ok(Err(Refusal::NotYours));
    }
    let engine = bot.engine();
    let planner = engine.clone();
    // Read, plan and write in one trip to the blocking pool: the store stays off the async workers, and a click
    // costs one hop.
    let done = bot
        .store
        .within(CLICK_PATIENCE, move |s| {
            let found = s.get(key)?;
            if let Some(r) = refusal(&found, aim) {
                if r == Refusal::Expired {
                    s.swap(key, Expect::Inactive, None)?;
                }
                return Ok(Err(r));
            }
            let Lookup::Active(old) = found else { return Ok(Err(Refusal::Missing)) };
            // The record changes nothing: no write, so the verdict's buttons stay current.
            let writes = !matches!(click, Click::Other(Input::Record));
            let turn = plan(&planner, &old, click);
            if !writes {
                return Ok(Ok((old.clone(), Some(old), turn)));
            }
            let new = turn.state.as_ref().map(|st| old.next(session::answer_ids(planner.kb(), st), s.now()));
            let expect = Expect::At { nonce: old.nonce, version: old.version };
            Ok(match s.swap(key, expect, new.as_ref())? {
                Swap::Done => Ok((old, new, turn)),
                Swap::Conflict(now_found) => Err(refusal(&now_found, aim).unwrap_or(Refusal::Stale)),
            })
        })
        .await?;
    let (old, new, turn) = match done {
        Ok(done) => done,
        Err(refusal) => return Ok(Err(refusal)),
    };
    Ok(Ok(applied(&engine, key, old, new, &turn)))
}

/// How long a click waits for the store: it must still be answered within Discord's 3 seconds.
pub const CLICK_PATIENCE: std::time::Duration = std::time::Duration::from_millis(2000);

/// Writes `turn`, planned (by the route) from `old` as read, over exactly that session: refused as stale when the
/// session changed since (another message or click got there first).
pub async fn commit(bot: &Bot, key: SessionKey, old: Session, turn: Turn) -> Result<Result<Applied, Refusal>, Error> {
    let engine = bot.engine();
    let answers = turn.state.as_ref().map(|st| session::answer_ids(engine.kb(), st));
    let new = answers.map(|a| old.next(a, bot.store.now()));
    let (write, expect) = (new.clone(), Expect::At { nonce: old.nonce, version: old.version });
    let swapped = bot.store.within(super::send::STORE_PATIENCE, move |s| s.swap(key, expect, write.as_ref())).await?;
    if let Swap::Conflict(_) = swapped {
        return Ok(Err(Refusal::Stale));
    }
    Ok(Ok(applied(&engine, key, old, new, &turn)))
}

fn applied(engine: &Engine, key: SessionKey, old: Session, new: Option<Session>, turn: &Turn) -> Applied {
    let outs = render_turn(engine, key, new.as_ref().unwrap_or(&old), turn);
    let undo_expect = match &new {
        Some(n) => Expect::At { nonce: n.nonce, version: n.version },
        None => Expect::Inactive,
    };
    Applied { outs, running: new.is_some(), undo: Undo { key, expect: undo_expect, old } }
}

/// The turn a click makes of a session, in the current knowledge.
fn plan(engine: &Engine, session: &Session, click: Click) -> Turn {
    let resolved = session::resolve(engine.kb(), &session.answers);
    if resolved.changed {
        return conversation::again(engine, resolved.state);
    }
    let state = resolved.state;
    match click {
        Click::Other(input) => conversation::step(engine, &state, input),
        Click::Choose(id) => {
            let position = match engine.dialog().current(&state) {
                Ok(Outcome::Question(q)) => q.options.iter().position(|o| o.id == id),
                _ => None,
            };
            match position {
                Some(i) => conversation::step(engine, &state, Input::Choose(i)),
                // An option that this step no longer has: the step as it is now.
                None => conversation::again(engine, state),
            }
        }
    }
}
