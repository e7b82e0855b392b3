//! Clicks on the bot's buttons and select menus. Every click is answered (an update or an ephemeral message),
//! never left to Discord's "This interaction failed".

use poise::serenity_prelude as serenity;
use serenity::{ComponentInteraction, ComponentInteractionDataKind, Context, CreateInteractionResponse};
use tracing::{debug, warn};

use super::{
    decision::{self, Started},
    ids::{Action, BadId, ComponentId},
    record,
    render::{self, Out},
    send::{followup, respond, respond_with_files},
    Bot, Error,
};
use crate::learn::{Door, Outcome};

/// A click on a dialog step, a suggestion, "Start a new decision" or the FAQ browser (votes, `Still need help?`
/// and `Share` go to `feedback`).
pub async fn handle(
    ctx: &Context,
    bot: &Bot,
    c: &ComponentInteraction,
    id: Result<ComponentId, BadId>,
) -> Result<(), Error> {
    let clicker = c.user.id.get();
    let id = match id {
        Ok(id) => id,
        Err(_) => {
            warn!(custom_id = %render::fit(&c.data.custom_id, 100), user = clicker, "unrecognised component id");
            let out = Out::text(
                "I don't recognise that button; it may come from an older version of Signpost. Try the command again.",
            )
            .ephemeral();
            return respond(ctx, c, &out).await;
        }
    };
    debug!(?id, user = clicker, "component click");
    match id {
        ComponentId::Dialog { key, nonce, version, action } => {
            let selected = match &c.data.kind {
                ComponentInteractionDataKind::StringSelect { values } => values.first().map(String::as_str),
                _ => None,
            };
            let Some(click) = action.click(selected) else {
                return respond(ctx, c, &Out::text("That choice is not one of the options.").ephemeral()).await;
            };
            let applied = match decision::apply(bot, key, clicker, Some((nonce, version)), click).await? {
                Ok(applied) => applied,
                Err(refusal) => return respond(ctx, c, &refusal.out(&bot.store)).await,
            };
            let mut outs = applied.outs.into_iter();
            let first = outs.next().unwrap_or_default();
            // The record is a new message (with its file) under the verdict, which stays as it is.
            if matches!(action, Action::Record) {
                return respond_with_files(ctx, c, &first).await;
            }
            // The clicked message becomes the next step (or the verdict); extra replies follow it.
            let update = if matches!(action, Action::Cancel) { Out { components: Vec::new(), ..first } } else { first };
            if let Err(e) =
                c.create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update.update())).await
            {
                // The user still sees the step before this click: put the session back there.
                applied.undo.run(&bot.store).await;
                return Err(e.into());
            }
            for out in outs {
                c.create_followup(&ctx.http, followup(&out)).await?;
            }
            Ok(())
        }
        ComponentId::NewDecision(first) => {
            if let Err(wait) = bot.may_start_decision(clicker) {
                return respond(ctx, c, &decision::too_soon(wait)).await;
            }
            // Opening a thread is two requests: acknowledge first, well inside Discord's 3 seconds.
            c.defer_ephemeral(&ctx.http).await?;
            // The store must answer before a thread is opened (on_error then says "try again" privately).
            bot.store.within(decision::CLICK_PATIENCE, |s| s.ping()).await?;
            let in_guild = c.guild_id.is_some();
            match decision::start(&ctx.http, bot, &c.user, c.channel_id, in_guild, &first).await? {
                Started::Thread(thread) => {
                    c.edit_response(&ctx.http, Out::text(format!("Your decision continues in <#{thread}>.")).edit())
                        .await?;
                }
                Started::InPlace(out) => {
                    c.edit_response(&ctx.http, out.edit()).await?;
                }
            }
            Ok(())
        }
        ComponentId::Suggestion(s) => {
            let engine = bot.engine();
            let answer = engine.suggestion_answer(&s);
            let out = match answer {
                Some(a) => {
                    let mut out = render::answer(&engine, &a).ephemeral();
                    let guild = c.guild_id.map(|g| g.get());
                    record::log(bot, Door::Suggestion, guild, clicker, "", &a, Outcome::Answered, Some(&mut out));
                    out
                }
                None => Out::text("That topic is no longer in my knowledge.").ephemeral(),
            };
            respond(ctx, c, &out).await
        }
        ComponentId::Pick(choice) => {
            let engine = bot.engine();
            let Some(answer) = engine.suggestion_answer(&choice) else {
                return respond(ctx, c, &Out::text("That topic is no longer in my knowledge.").ephemeral()).await;
            };
            // The asker's pick answers in the channel, for everyone who saw the question back; anyone else's,
            // privately. The asker's click also labels their question (an example for `report --examples`).
            let asker = asker_of(c);
            let mine = asker == Some(clicker);
            let mut out = render::answer(&engine, &answer);
            if !mine {
                out = out.ephemeral();
            }
            let guild = c.guild_id.map(|g| g.get());
            let question = super::feedback::asked_in(c).unwrap_or_default();
            let outcome = if mine { Outcome::Picked } else { Outcome::Answered };
            record::log(bot, Door::Suggestion, guild, clicker, &question, &answer, outcome, Some(&mut out));
            respond(ctx, c, &out).await
        }
        // Dispatched to `feedback` and `solved` before they get here (see `handle_event`).
        ComponentId::Vote { .. }
        | ComponentId::StillNeedHelp { .. }
        | ComponentId::Share { .. }
        | ComponentId::Solved { .. }
        | ComponentId::SolvedBy => Err(anyhow::anyhow!("a feedback click reached the component handler")),
        ComponentId::FaqSelect { user, page } | ComponentId::FaqPage { user, page } if user != clicker => {
            let _ = page;
            respond(ctx, c, &Out::text("This list belongs to someone else: run `/faq` to browse your own.").ephemeral())
                .await
        }
        ComponentId::FaqSelect { user, page } => {
            let engine = bot.engine();
            let chosen = match &c.data.kind {
                ComponentInteractionDataKind::StringSelect { values } => {
                    values.first().and_then(|id| engine.faq_answer(id))
                }
                _ => None,
            };
            let mut out = render::faq_browser(engine.kb(), user, page, chosen.as_ref(), &engine);
            if let Some(a) = &chosen {
                let guild = c.guild_id.map(|g| g.get());
                record::log(bot, Door::FaqBrowser, guild, clicker, "", a, Outcome::Answered, Some(&mut out));
            }
            c.create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(out.update())).await?;
            Ok(())
        }
        ComponentId::FaqPage { user, page } => {
            let engine = bot.engine();
            let out = render::faq_browser(engine.kb(), user, page, None, &engine);
            c.create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(out.update())).await?;
            Ok(())
        }
    }
}

/// Who asked the question a clicked answer answers: the author of the message it replies to, or the user of the
/// command it answers.
fn asker_of(c: &ComponentInteraction) -> Option<u64> {
    let replied = c.message.referenced_message.as_ref().map(|m| m.author.id.get());
    #[allow(deprecated)]
    let command = c.message.interaction.as_ref().map(|i| i.user.id.get());
    replied.or(command)
}
