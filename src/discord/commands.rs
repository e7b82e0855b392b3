//! Slash commands and the "Ask Signpost" message command. The `///` lines are the help text Discord users see.

use poise::serenity_prelude as serenity;
use tracing::{error, warn};

use super::{
    decision::{self, Started},
    record,
    render::{self, Out},
    send::{escape, is_store_error, tell_store_down, STORE_DOWN},
    Context, Error,
};
use crate::{
    compare,
    error::CoreError,
    learn::{Door, Outcome},
    reply::{Answer, Topic},
};

/// Ask a question about choosing a Python web framework
#[poise::command(slash_command)]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "Your question, e.g. \"is flask faster than django?\""]
    #[max_length = 4000]
    question: String,
    #[description = "Only you see the answer (with a Share button to post it to the channel)"] private: Option<bool>,
) -> Result<(), Error> {
    let engine = ctx.data().engine();
    let private = private.unwrap_or(false);
    let door = if private { Door::AskPrivate } else { Door::Ask };
    let out = match engine.ask(&question) {
        Ok(answer) => {
            ctx.data().metrics.answered("ask", answer.kind());
            let mut out = render::answer(&engine, &answer);
            out.content = Some(render::quoted_question(&question));
            let record = log(ctx, door, &question, &answer, &mut out);
            if private {
                out = out.ephemeral();
                if let Some(label) = record::entry_label(&answer) {
                    let share = render::share_button(record.unwrap_or(0), &label);
                    out.push_row(share.map(|b| serenity::CreateActionRow::Buttons(vec![b])));
                }
            }
            out
        }
        Err(e) => Out::text(format!("Sorry: {e}")).ephemeral(),
    };
    ctx.send(out.reply()).await?;
    Ok(())
}

/// Logs a command's answer (see `record::log`): an answer of kind `none` is an abstention.
fn log(ctx: Context<'_>, door: Door, question: &str, answer: &Answer, out: &mut Out) -> Option<u64> {
    let outcome = if matches!(answer.topic, Topic::None) { Outcome::Abstained } else { Outcome::Answered };
    let guild = ctx.guild_id().map(|g| g.get());
    record::log(ctx.data(), door, guild, ctx.author().id.get(), question, answer, outcome, Some(out))
}

async fn framework_choices(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let engine = ctx.data().engine();
    let partial = partial.trim().to_lowercase();
    let choices = engine
        .kb()
        .frameworks
        .iter()
        .filter(|f| partial.is_empty() || f.id.contains(&partial) || f.name.to_lowercase().contains(&partial))
        .take(25)
        .map(|f| serenity::AutocompleteChoice::new(f.name.clone(), f.id.clone()))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

async fn aspect_choices(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let engine = ctx.data().engine();
    let partial = partial.trim().to_lowercase();
    let choices = engine
        .kb()
        .aspects
        .iter()
        .filter(|a| {
            partial.is_empty()
                || a.id.contains(&partial)
                || a.name.to_lowercase().contains(&partial)
                || a.keywords.iter().any(|k| k.starts_with(&partial))
        })
        .take(25)
        .map(|a| serenity::AutocompleteChoice::new(a.name.clone(), a.id.clone()))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Compare two frameworks on one aspect, or on every aspect
#[poise::command(slash_command)]
pub async fn compare(
    ctx: Context<'_>,
    #[description = "First framework"]
    #[autocomplete = "framework_choices"]
    first: String,
    #[description = "Second framework"]
    #[autocomplete = "framework_choices"]
    second: String,
    #[description = "What to compare (performance, orm, security, ...); leave empty for an overview"]
    #[autocomplete = "aspect_choices"]
    aspect: Option<String>,
) -> Result<(), Error> {
    let engine = ctx.data().engine();
    // Autocomplete only suggests: what arrives can be anything the user typed, so it is checked again here.
    let out = match engine.compare(&first, &second, aspect.as_deref()) {
        Ok(c) => {
            let answer = engine.comparison_answer(&c);
            ctx.data().metrics.answered("compare", answer.kind());
            let mut out = if c.aspect.is_some() { render::answer(&engine, &answer) } else { overview(&c) };
            log(ctx, Door::Compare, "", &answer, &mut out);
            out
        }
        Err(e) => Out::text(format!("Sorry: {e}")).ephemeral(),
    };
    ctx.send(out.reply()).await?;
    Ok(())
}

/// Every aspect's verdict, one field each (17 aspects fit in one embed's 25 fields).
fn overview(c: &compare::Comparison) -> Out {
    let mut embed = serenity::CreateEmbed::new().title(render::fit(&c.title, render::MAX_TITLE)).color(0x2f80ed);
    let mut used = c.title.len();
    for row in c.rows.iter().take(render::MAX_FIELDS) {
        let value = render::fit(&row.verdict, render::MAX_FIELD);
        used += row.name.len() + value.len();
        if used > render::MAX_EMBED_TOTAL - 200 {
            break;
        }
        embed = embed.field(render::fit(&row.name, render::MAX_TITLE), value, false);
    }
    embed = embed.footer(serenity::CreateEmbedFooter::new("Signpost · add an aspect for the details"));
    Out { embeds: vec![embed], ..Out::default() }
}

/// Get a recommendation: a few questions in a thread, then a verdict with its reasons
#[poise::command(slash_command)]
pub async fn decide(ctx: Context<'_>) -> Result<(), Error> {
    if let Err(wait) = ctx.data().may_start_decision(ctx.author().id.get()) {
        ctx.send(decision::too_soon(wait).reply()).await?;
        return Ok(());
    }
    // Opening a thread takes two requests: acknowledge first, well inside Discord's 3 seconds.
    ctx.defer().await?;
    if let Err(e) = start_decision(ctx).await {
        // The deferred response is public: remove it, so the error is said to the user alone.
        error!(user = ctx.author().id.get(), error = format!("{e:#}"), "/decide failed");
        if let Context::Application(actx) = ctx {
            let _ = actx.interaction.delete_response(ctx.http()).await;
        }
        let text = if is_store_error(&e) { STORE_DOWN } else { "Something went wrong on my side; please try again." };
        let _ = ctx.send(Out::text(text).ephemeral().reply()).await;
    }
    Ok(())
}

async fn start_decision(ctx: Context<'_>) -> Result<(), Error> {
    // The store must answer before a thread is opened: otherwise an empty thread stays behind when it is away.
    ctx.data().store.within(decision::CLICK_PATIENCE, |s| s.ping()).await?;
    let in_guild = ctx.guild_id().is_some();
    let first = crate::dialog::State::new();
    match decision::start(ctx.http(), ctx.data(), ctx.author(), ctx.channel_id(), in_guild, &first).await? {
        Started::Thread(thread) => {
            ctx.send(
                Out::text(format!("I opened <#{thread}> for your decision: answer a few questions there.")).reply(),
            )
            .await?;
        }
        Started::InPlace(out) => {
            ctx.send(out.reply()).await?;
        }
    }
    Ok(())
}

async fn faq_choices(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let engine = ctx.data().engine();
    let partial = partial.trim().to_lowercase();
    let choices = engine
        .kb()
        .faqs
        .iter()
        .filter(|f| partial.is_empty() || f.id.contains(&partial) || f.question.to_lowercase().contains(&partial))
        .take(25)
        .map(|f| serenity::AutocompleteChoice::new(render::fit(&f.question, 100), f.id.clone()))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Browse the frequently asked questions, or open one
#[poise::command(slash_command)]
pub async fn faq(
    ctx: Context<'_>,
    #[description = "A question or topic; leave empty to browse them all"]
    #[autocomplete = "faq_choices"]
    topic: Option<String>,
) -> Result<(), Error> {
    let engine = ctx.data().engine();
    let user = ctx.author().id.get();
    let out = match topic.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => render::faq_browser(engine.kb(), user, 0, None, &engine).ephemeral(),
        // An id picked from autocomplete, or free text matched like any question.
        Some(t) => match engine.faq_answer(t).map_or_else(|| engine.ask(t), Ok) {
            Ok(a) => {
                ctx.data().metrics.answered("faq", a.kind());
                let mut out = render::answer(&engine, &a);
                log(ctx, Door::Faq, t, &a, &mut out);
                out
            }
            Err(e) => Out::text(format!("Sorry: {e}")).ephemeral(),
        },
    };
    ctx.send(out.reply()).await?;
    Ok(())
}

/// What a framework is: features, strengths, weaknesses, who uses it
#[poise::command(slash_command)]
pub async fn framework(
    ctx: Context<'_>,
    #[description = "django, flask, fastapi, ..."]
    #[autocomplete = "framework_choices"]
    name: String,
) -> Result<(), Error> {
    let engine = ctx.data().engine();
    let out = match engine.framework_answer(&name) {
        Ok(a) => {
            ctx.data().metrics.answered("framework", a.kind());
            let mut out = render::answer(&engine, &a);
            log(ctx, Door::Framework, "", &a, &mut out);
            out
        }
        Err(e) => Out::text(format!("Sorry: {e}")).ephemeral(),
    };
    ctx.send(out.reply()).await?;
    Ok(())
}

/// Answer the selected message with Signpost's knowledge
#[poise::command(context_menu_command = "Ask Signpost")]
pub async fn ask_signpost(ctx: Context<'_>, message: serenity::Message) -> Result<(), Error> {
    let engine = ctx.data().engine();
    // Discord sends the target without its guild id; the command's own guild makes the link jump to it.
    let link = message.id.link(message.channel_id, ctx.guild_id());
    let author = message.author.global_name.as_deref().unwrap_or(&message.author.name).to_string();
    let mut out = match engine.ask(&message.content) {
        Ok(answer) => {
            ctx.data().metrics.answered("ask_signpost", answer.kind());
            let mut out = render::answer(&engine, &answer);
            log(ctx, Door::ContextMenu, &message.content, &answer, &mut out);
            out
        }
        Err(CoreError::EmptyQuestion) => {
            return send_ephemeral(ctx, "That message has no text I can answer (only attachments or embeds?).").await;
        }
        Err(e) => return send_ephemeral(ctx, &format!("Sorry: {e}")).await,
    };
    // Names and links the message it answers; the author's name is plain text, and nobody is pinged.
    let head = format!("Answering [this message]({link}) from {}:", escape(&author));
    out.content = Some(format!("{head}\n{}", render::quoted_question(&message.content)));
    ctx.send(out.reply()).await?;
    Ok(())
}

/// Reload the knowledge directory (bot owners only)
#[poise::command(slash_command, owners_only, hide_in_help, default_member_permissions = "MANAGE_GUILD")]
pub async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    // Discord hides it from members without Manage Server; of those who see it, only the bot's owners may run it.
    // Loading may retrain the matcher for seconds: acknowledged first, the work on the blocking pool.
    ctx.defer_ephemeral().await?;
    let pages = match ctx.data().reload_in_background().await {
        Ok(summary) => vec![format!("Knowledge {summary}.")],
        Err(problems) => {
            // Every problem is shown: the list is split over as many messages as it needs, at line breaks.
            let head = "Not reloaded; the running knowledge stays.";
            let pieces = render::split(&problems, render::MAX_CONTENT - head.len() - 20);
            let n = pieces.len();
            pieces
                .into_iter()
                .enumerate()
                .map(|(i, p)| {
                    let part = if n > 1 { format!(" ({}/{n})", i + 1) } else { String::new() };
                    format!("{head}{part}\n```\n{p}\n```")
                })
                .collect()
        }
    };
    for page in pages {
        ctx.send(Out::text(page).ephemeral().reply()).await?;
    }
    Ok(())
}

async fn send_ephemeral(ctx: Context<'_>, text: &str) -> Result<(), Error> {
    ctx.send(Out::text(text).ephemeral().reply()).await?;
    Ok(())
}

/// One place for every error: the user gets a short ephemeral message, the log gets the details.
pub async fn on_error(e: poise::FrameworkError<'_, std::sync::Arc<super::Bot>, Error>) {
    match e {
        poise::FrameworkError::Setup { error, .. } => error!(error = format!("{error:#}"), "setup failed"),
        poise::FrameworkError::Command { error, ctx, .. } => {
            error!(command = %ctx.command().qualified_name, user = ctx.author().id.get(), error = format!("{error:#}"), "command failed");
            let text =
                if is_store_error(&error) { STORE_DOWN } else { "Something went wrong on my side; please try again." };
            let _ = ctx.send(Out::text(text).ephemeral().reply()).await;
        }
        poise::FrameworkError::EventHandler { error, event, framework, .. } => {
            error!(event = event.snake_case_name(), error = format!("{error:#}"), "event handler failed");
            // A click while the store is away still gets an answer, privately, instead of "This interaction failed".
            if let serenity::FullEvent::InteractionCreate { interaction: serenity::Interaction::Component(c) } = event {
                if is_store_error(&error) {
                    tell_store_down(framework.serenity_context, c).await;
                }
            }
        }
        poise::FrameworkError::NotAnOwner { ctx, .. } => {
            warn!(user = ctx.author().id.get(), "non-owner tried an owner command");
            let _ = ctx.send(Out::text("Only the bot's owners can do that.").ephemeral().reply()).await;
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                error!(error = format!("{:#}", anyhow::Error::new(e)), "error while handling an error");
            }
        }
    }
}
