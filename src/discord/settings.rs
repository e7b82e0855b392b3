//! `/settings`: a server's help channels and forums (each `auto`, `mention` or `off`), how sure the bot must be to
//! speak there, and the helper role
//! `Still need help?` pings. Kept per server in the learning store; what a server never set follows the bot's
//! configuration. Only members with Manage Server may view or change them (Discord hides the command from others,
//! and a server can override that in its integration settings, so it is checked here too). Every change is
//! acknowledged privately and logged with who made it, in the bot's own log only.

use poise::serenity_prelude as serenity;
use tracing::{info, warn};

use super::{render::Out, Context, Error};
use crate::learn::{GuildSettings, HelpMode};

/// A help channel's mode, as `/settings` offers it.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum ModeChoice {
    #[name = "auto: answer every question it is sure about"]
    Auto,
    #[name = "mention: answer only when mentioned"]
    Mention,
    #[name = "off: say nothing there"]
    Off,
}

impl From<ModeChoice> for HelpMode {
    fn from(m: ModeChoice) -> Self {
        match m {
            ModeChoice::Auto => HelpMode::Auto,
            ModeChoice::Mention => HelpMode::Mention,
            ModeChoice::Off => HelpMode::Off,
        }
    }
}

/// View or change how Signpost behaves on this server (Manage Server)
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
#[allow(clippy::too_many_arguments)]
pub async fn settings(
    ctx: Context<'_>,
    #[description = "Add a help channel or forum: its messages get an answer when the bot is sure"]
    #[channel_types("Text", "Forum")]
    add_help_channel: Option<serenity::ChannelId>,
    #[description = "Stop answering every message in this channel or forum"]
    #[channel_types("Text", "Forum")]
    remove_help_channel: Option<serenity::ChannelId>,
    #[description = "How sure the bot must be to speak in help channels, from 0 to 1"]
    #[min = 0]
    #[max = 1]
    confidence: Option<f64>,
    #[description = "A help channel or forum whose mode to set (with mode)"]
    #[channel_types("Text", "Forum")]
    mode_channel: Option<serenity::ChannelId>,
    #[description = "How the bot behaves in that channel: auto, mention or off"] mode: Option<ModeChoice>,
    #[description = "The forum tag Solved applies, by name (default: a tag called solved, resolved, answered or done)"]
    #[max_length = 20]
    solved_tag: Option<String>,
    #[description = "Link similar earlier posts in help forums (keeps their titles and first lines; default on)"]
    similar_posts: Option<bool>,
    #[description = "The role \"Still need help?\" pings"] helper_role: Option<serenity::RoleId>,
    #[description = "Remove the helper role (no \"Still need help?\" button)"] no_helper_role: Option<bool>,
    #[description = "Forget this server's settings: back to the bot's configuration"] reset: Option<bool>,
) -> Result<(), Error> {
    let Some(guild) = ctx.guild_id().map(|g| g.get()) else { return say(ctx, "Settings are per server.").await };
    let user = ctx.author().id.get();
    if !may_manage(ctx) {
        warn!(guild, user, "/settings refused: no Manage Server permission");
        return say(ctx, "Only members with the Manage Server permission can view or change Signpost's settings.")
            .await;
    }
    let bot = ctx.data();
    let Some(learning) = bot.learning().cloned() else {
        return say(ctx, "This bot runs without a settings store; its settings come from its configuration.").await;
    };
    let defaults: Vec<u64> = {
        let mut v: Vec<u64> = bot.help_channels.iter().copied().collect();
        v.sort_unstable();
        v
    };
    let mut s = bot.guild_settings(Some(guild));
    let mut changes: Vec<String> = Vec::new();
    if reset == Some(true) {
        s = GuildSettings::default();
        changes.push("back to the bot's configuration".into());
    }
    if let Some(c) = add_help_channel {
        let list = s.help_channels.get_or_insert_with(|| defaults.clone());
        if !list.contains(&c.get()) {
            list.push(c.get());
        }
        changes.push(format!("help channel added: <#{c}>"));
    }
    if let Some(c) = remove_help_channel {
        s.help_channels.get_or_insert_with(|| defaults.clone()).retain(|x| *x != c.get());
        s.modes.remove(&c.get());
        changes.push(format!("help channel removed: <#{c}>"));
    }
    match (mode_channel, mode) {
        (Some(c), Some(m)) => {
            let m = HelpMode::from(m);
            let helps = s.help_channels.as_ref().unwrap_or(&defaults).contains(&c.get());
            if !helps {
                return say(ctx, &format!("<#{c}> is not a help channel: add it first with `add_help_channel`.")).await;
            }
            match m {
                HelpMode::Auto => s.modes.remove(&c.get()),
                _ => s.modes.insert(c.get(), m),
            };
            changes.push(format!("<#{c}> is now `{}`", m.as_str()));
        }
        (None, None) => {}
        _ => return say(ctx, "Give both `mode_channel` and `mode` to set a help channel's mode.").await,
    }
    if let Some(tag) = solved_tag {
        let tag = tag.trim().to_string();
        if tag.is_empty() {
            return say(ctx, "Give the tag's name as the forum shows it, e.g. `Solved`.").await;
        }
        changes.push(format!("solved tag: {}", super::send::escape(&tag)));
        s.solved_tag = Some(tag);
    }
    if let Some(on) = similar_posts {
        s.similar_posts = (!on).then_some(false);
        changes.push(format!("similar earlier posts: {}", if on { "on" } else { "off" }));
    }
    if let Some(c) = confidence {
        if !(0.0..=1.0).contains(&c) {
            return say(ctx, "The confidence is a number from 0 to 1 (0.5 means: speak when at least 50% sure).").await;
        }
        s.min_confidence = Some(c);
        changes.push(format!("confidence to speak in help channels: {:.0}%", c * 100.0));
    }
    if let Some(r) = helper_role {
        // The @everyone role has the server's id: "Still need help?" must never ping everyone.
        if r.get() == guild {
            return say(ctx, "@everyone cannot be the helper role: pick a role of the people who help.").await;
        }
        s.helper_role = Some(r.get());
        changes.push(format!("helper role: <@&{r}>"));
    }
    if no_helper_role == Some(true) {
        s.helper_role = None;
        changes.push("no helper role".into());
    }
    if !changes.is_empty() {
        let stored = s.clone();
        if let Err(e) =
            learning.within(super::decision::CLICK_PATIENCE, move |l| l.store().put_settings(guild, &stored)).await
        {
            warn!(guild, error = %e, "saving server settings failed");
            return say(ctx, "Sorry, I could not save the settings; nothing changed. Please try again.").await;
        }
        bot.set_guild_settings(guild, s.clone());
        // What changed at INFO; who, only at DEBUG (no user id at INFO: see the question log's pseudonyms).
        info!(guild, changes = %changes.join("; "), "server settings changed");
        tracing::debug!(guild, user, "server settings changed by");
    }
    let channels = match &s.help_channels {
        Some(list) => format!("{} (set on this server)", channel_list(list, &s.modes)),
        None => format!("{} (the bot's configuration)", channel_list(&defaults, &s.modes)),
    };
    let confidence = match s.min_confidence {
        Some(c) => format!("{:.0}% (set on this server)", c * 100.0),
        None => format!("{:.0}% (the bot's configuration)", bot.help_min_confidence * 100.0),
    };
    let tag = match &s.solved_tag {
        Some(t) => super::send::escape(t),
        None => "a tag called solved, resolved, answered or done".into(),
    };
    let role = s.helper_role.map_or("none (no \"Still need help?\" button)".to_string(), |r| format!("<@&{r}>"));
    let head = if changes.is_empty() {
        "Signpost's settings on this server:".to_string()
    } else {
        format!("Saved: {}.", changes.join("; "))
    };
    say(
        ctx,
        &format!(
            "{head}\n• Help channels and forums: {channels}\n• Confidence to speak there: {confidence}\n• Helper role: {role}\n• Solved tag: {tag}\n• Similar earlier posts: {}",
            if s.similar_posts == Some(false) { "off" } else { "on" }
        ),
    )
    .await
}

fn channel_list(list: &[u64], modes: &std::collections::BTreeMap<u64, HelpMode>) -> String {
    if list.is_empty() {
        return "none".into();
    }
    let mode = |c: &u64| modes.get(c).copied().unwrap_or_default().as_str();
    list.iter().map(|c| format!("<#{c}> ({})", mode(c))).collect::<Vec<_>>().join(", ")
}

/// Whether the member who ran the command has Manage Server (or Administrator), as Discord computed it for the
/// interaction.
fn may_manage(ctx: Context<'_>) -> bool {
    let Context::Application(a) = ctx else { return false };
    a.interaction.member.as_ref().and_then(|m| m.permissions).is_some_and(|p| p.manage_guild() || p.administrator())
}

async fn say(ctx: Context<'_>, text: &str) -> Result<(), Error> {
    ctx.send(Out::text(text).ephemeral().reply()).await?;
    Ok(())
}
