//! What an answer leaves behind: its record in the question log (see `crate::learn`), and the buttons that go with
//! it (`Helpful` / `Not helpful` on answers that take votes, `Still need help?` on an abstention where the server
//! has a helper role). A leaf shared by every door; the clicks on those buttons are handled in `feedback`.

use poise::serenity_prelude::CreateActionRow;

use super::{render, render::Out, Bot};
use crate::{
    learn::{Door, Outcome},
    reply::{Answer, Topic},
};

/// The label votes are counted under, for answers that take votes: an FAQ entry, one aspect compared (or the
/// overview of all), a profile.
pub fn entry_label(a: &Answer) -> Option<String> {
    match &a.topic {
        Topic::Faq { .. } | Topic::Framework { .. } | Topic::Compare { .. } => Some(a.label()),
        _ => None,
    }
}

/// Logs one question and what became of it, and gives `out` (the reply, unless the bot stays silent) its vote
/// buttons, or `Still need help?` for an abstention where the server has a helper role. Returns the record id;
/// `None` when this bot keeps no log.
#[allow(clippy::too_many_arguments)]
pub fn log(
    bot: &Bot,
    door: Door,
    guild: Option<u64>,
    user: u64,
    question: &str,
    answer: &Answer,
    outcome: Outcome,
    out: Option<&mut Out>,
) -> Option<u64> {
    let learning = bot.learning()?;
    let record = learning.log(door, guild, user, question, answer, outcome);
    let Some(out) = out else { return Some(record) };
    if let Some(label) = entry_label(answer) {
        let mut row = render::vote_row(record, &label);
        // In a help forum's post the asker can also mark it solved from the answer.
        if let (Door::HelpForum, Some(CreateActionRow::Buttons(buttons))) = (door, row.as_mut()) {
            buttons.extend(render::solved_button(record, &label));
        }
        out.push_row(row);
    } else if outcome == Outcome::Abstained && guild.is_some() && bot.guild_settings(guild).helper_role.is_some() {
        out.push_row(Some(CreateActionRow::Buttons(vec![render::help_button(record, 0)])));
    }
    Some(record)
}

/// The outcome an answer given counts as: an answer of kind `none` is an abstention.
pub fn outcome_of(answer: &Answer) -> Outcome {
    if matches!(answer.topic, Topic::None) {
        Outcome::Abstained
    } else {
        Outcome::Answered
    }
}
