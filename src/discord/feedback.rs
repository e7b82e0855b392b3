//! What users say about an answer: clicks on `Helpful` / `Not helpful`, `Still need help?` and `Share` (the buttons
//! `record` puts on answers).

use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, ComponentInteraction, Context, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateInteractionResponse, CreateMessage, MessageFlags,
};
use tracing::{info, warn};

use super::{
    ids::ComponentId,
    render::{self, Out},
    send::respond,
    Bot, Error,
};
use crate::learn::VoteValue;

/// Whether a click is one of the buttons handled here.
pub fn handles(id: &ComponentId) -> bool {
    matches!(id, ComponentId::Vote { .. } | ComponentId::StillNeedHelp { .. } | ComponentId::Share { .. })
}

/// A click on `Helpful` / `Not helpful`, `Still need help?` or `Share` (see [`handles`]).
pub async fn handle(ctx: &Context, bot: &Bot, c: &ComponentInteraction, id: ComponentId) -> Result<(), Error> {
    match id {
        ComponentId::Vote { record, value, label } => vote(ctx, bot, c, record, value, label).await,
        ComponentId::StillNeedHelp { record, message } => still_need_help(ctx, bot, c, record, message).await,
        ComponentId::Share { record, label } => share(ctx, bot, c, record, label).await,
        _ => Err(anyhow::anyhow!("a click that is not feedback reached the feedback handler")),
    }
}

/// The suggestion id (as `a:` buttons and `Engine::suggestion_answer` take them) of an answer label.
fn suggestion_of(label: &str) -> &str {
    label.strip_prefix("faq:").unwrap_or(label)
}

fn is_ephemeral(c: &ComponentInteraction) -> bool {
    c.message.flags.is_some_and(|f| f.contains(MessageFlags::EPHEMERAL))
}

/// The question an answer was about, as the clicked message shows it: the message it replies to (mentions, DMs,
/// help channels), or the question quoted in it (`/ask`, "Ask Signpost", a shared answer).
pub(super) fn asked_in(c: &ComponentInteraction) -> Option<String> {
    // Mentions come out of a replied-to message as they did before it was answered.
    let replied = c.message.referenced_message.as_ref().map(|m| super::send::strip_mentions(&m.content));
    replied.filter(|t| !t.is_empty()).or_else(|| render::quoted_in(&c.message.content))
}

/// A click on `Helpful` or `Not helpful`: recorded (one vote per person per answer; a second click changes it) and
/// acknowledged privately. Not helpful also offers the next suggestions, the guided decision and, where the
/// server has a helper role, `Still need help?`.
pub async fn vote(
    ctx: &Context,
    bot: &Bot,
    c: &ComponentInteraction,
    record: u64,
    value: VoteValue,
    label: String,
) -> Result<(), Error> {
    let Some(learning) = bot.learning() else {
        return respond(ctx, c, &Out::text("This bot does not keep votes.").ephemeral()).await;
    };
    let user = c.user.id.get();
    let asked = asked_in(c);
    let voted = {
        let label = label.clone();
        learning
            .within(super::decision::CLICK_PATIENCE, move |l| l.vote(record, &label, user, value, asked.as_deref()))
            .await
    };
    let mut text = match voted {
        Err(e) => {
            warn!(error = %e, "recording a vote failed");
            return respond(ctx, c, &Out::text("Sorry, I could not record your vote; please try again.").ephemeral())
                .await;
        }
        Ok(None) => {
            bot.metrics.voted(value == VoteValue::Helpful);
            format!("Thanks! Your vote: **{}**.", value.label())
        }
        Ok(Some(before)) if before == value => format!("You already voted **{}** on this answer.", value.label()),
        Ok(Some(_)) => {
            bot.metrics.voted(value == VoteValue::Helpful);
            format!("Changed your vote to **{}**.", value.label())
        }
    };
    let mut out = Out::default().ephemeral();
    if value == VoteValue::NotHelpful {
        text.push_str(" Maybe one of these fits better, or let me guide you to a choice:");
        let engine = bot.engine();
        let suggestions = engine.suggestion_answer(suggestion_of(&label)).map(|a| a.suggestions).unwrap_or_default();
        out.push_row(render::suggestion_buttons(engine.kb(), &suggestions));
        let mut next = vec![CreateButton::new(ComponentId::NewDecision(crate::dialog::State::new()).encode())
            .label("Start the guided decision")
            .style(ButtonStyle::Primary)];
        let guild = c.guild_id.map(|g| g.get());
        if guild.is_some() && bot.guild_settings(guild).helper_role.is_some() {
            let message = if is_ephemeral(c) { 0 } else { c.message.id.get() };
            next.push(render::help_button(record, message));
        }
        out.push_row(Some(CreateActionRow::Buttons(next)));
    }
    out.content = Some(render::fit(&text, render::MAX_CONTENT));
    respond(ctx, c, &out).await
}

/// A click on `Still need help?`: one message pinging the server's helper role (the only mention the bot ever
/// allows, and only that role), at most once per question and once per [`super::HELP_COOLDOWN`] per user.
pub async fn still_need_help(
    ctx: &Context,
    bot: &Bot,
    c: &ComponentInteraction,
    record: u64,
    message: u64,
) -> Result<(), Error> {
    let guild = c.guild_id.map(|g| g.get());
    let (Some(guild), Some(role), Some(learning)) = (guild, bot.guild_settings(guild).helper_role, bot.learning())
    else {
        let out =
            Out::text("This server has no helper role (a member with Manage Server can name one with `/settings`).");
        return respond(ctx, c, &out.ephemeral()).await;
    };
    // Each store call below is bounded (`CLICK_PATIENCE`), and the first that fails answers: the click is
    // answered within Discord's 3 seconds however the store behaves.
    let user = c.user.id.get();
    let wait = match bot.may_ask_helpers(user).await {
        Ok(Ok(())) => None,
        Ok(Err(wait)) => Some(wait),
        Err(e) => {
            warn!(error = %e, "checking the helper-ping cooldown failed");
            return respond(ctx, c, &Out::text("Sorry, something went wrong; please try again.").ephemeral()).await;
        }
    };
    if let Some(wait) = wait {
        let minutes = wait.as_secs().div_ceil(60);
        let out = Out::text(format!(
            "You called the helpers a moment ago; you can call them again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        ));
        return respond(ctx, c, &out.ephemeral()).await;
    }
    match learning.within(super::decision::CLICK_PATIENCE, move |l| l.store().claim_help(record)).await {
        Ok(true) => {}
        Ok(false) => {
            bot.forget_help_request(user).await;
            let out = Out::text("The helpers were already called for this question.");
            return respond(ctx, c, &out.ephemeral()).await;
        }
        Err(e) => {
            bot.forget_help_request(user).await;
            warn!(error = %e, "claiming a helper ping failed");
            return respond(ctx, c, &Out::text("Sorry, something went wrong; please try again.").ephemeral()).await;
        }
    }
    let message = if message != 0 {
        message
    } else if is_ephemeral(c) {
        0
    } else {
        c.message.id.get()
    };
    let link = if message == 0 {
        String::new()
    } else {
        format!(" with [this question](https://discord.com/channels/{guild}/{}/{message})", c.channel_id.get())
    };
    let name = super::send::escape(c.user.global_name.as_deref().unwrap_or(&c.user.name));
    let ping = CreateMessage::new()
        .content(render::fit(&format!("<@&{role}> {name} still needs help{link}."), render::MAX_CONTENT))
        .allowed_mentions(CreateAllowedMentions::new().roles(vec![serenity::RoleId::new(role)]).replied_user(false));
    c.channel_id.send_message(&ctx.http, ping).await?;
    info!(guild, record, "helper role pinged");
    respond(ctx, c, &Out::text("I called the helpers; someone should be with you soon.").ephemeral()).await
}

/// A click on `Share` under a private answer: the answer is posted to the channel, saying (without a ping) who
/// shared it, with its own vote buttons; the private copy loses its Share button.
pub async fn share(
    ctx: &Context,
    bot: &Bot,
    c: &ComponentInteraction,
    record: u64,
    label: String,
) -> Result<(), Error> {
    let embeds: Vec<CreateEmbed> = c.message.embeds.iter().cloned().map(CreateEmbed::from).collect();
    if embeds.is_empty() {
        return respond(ctx, c, &Out::text("There is nothing to share here.").ephemeral()).await;
    }
    let name = super::send::escape(c.user.global_name.as_deref().unwrap_or(&c.user.name));
    // The question's quote goes along (and stays on the private copy), so votes on either can keep it.
    let quote =
        render::quoted_in(&c.message.content).map(|q| format!("\n{}", render::quoted_question(&q))).unwrap_or_default();
    let public = format!("Shared by {name}:{quote}");
    let mut public = Out { content: Some(public), embeds: embeds.clone(), ..Out::default() };
    let mut private = Out { content: Some(format!("Shared in the channel.{quote}")), embeds, ..Out::default() };
    if bot.learning().is_some() {
        public.push_row(render::vote_row(record, &label));
        private.push_row(render::vote_row(record, &label));
    }
    c.create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(private.update())).await?;
    if let Err(e) = c.channel_id.send_message(&ctx.http, public.message()).await {
        warn!(error = %e, channel = c.channel_id.get(), "sharing an answer failed");
        let out = Out::text("I could not post in this channel (missing permission?).").ephemeral();
        c.create_followup(&ctx.http, super::send::followup(&out).ephemeral(true)).await?;
    }
    Ok(())
}
