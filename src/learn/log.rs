//! The question log: one [`Record`] per question answered (or not) on any Discord front door. The outcome and the
//! answer are always kept; the text only where it teaches something ([`keeps_text`]).

use serde::{Deserialize, Serialize};

use crate::reply::{Answer, Topic};

/// Below this confidence an answer is "low-confidence": its question's text is kept, and Discord shows its close
/// alternatives as buttons.
pub const LOW_CONFIDENCE: f64 = 0.6;

/// Which front door a question came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Door {
    /// `/ask`.
    Ask,
    /// `/ask private:true`.
    AskPrivate,
    Compare,
    Faq,
    /// The `/faq` browser's menu.
    FaqBrowser,
    Framework,
    /// The "Ask Signpost" message command.
    ContextMenu,
    Mention,
    Dm,
    /// A reply to one of the bot's answers.
    Reply,
    HelpChannel,
    HelpForum,
    /// A suggestion button ("did you mean").
    Suggestion,
    /// An edited question, answered again.
    Edit,
}

impl Door {
    pub fn name(self) -> &'static str {
        match self {
            Door::Ask => "ask",
            Door::AskPrivate => "ask-private",
            Door::Compare => "compare",
            Door::Faq => "faq",
            Door::FaqBrowser => "faq-browser",
            Door::Framework => "framework",
            Door::ContextMenu => "context-menu",
            Door::Mention => "mention",
            Door::Dm => "dm",
            Door::Reply => "reply",
            Door::HelpChannel => "help-channel",
            Door::HelpForum => "help-forum",
            Door::Suggestion => "suggestion",
            Door::Edit => "edit",
        }
    }
}

/// What the bot did with a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An answer was given (possibly a low-confidence one).
    Answered,
    /// An honest "I don't know" was given.
    Abstained,
    /// A help channel's question the bot was not sure enough to answer: nothing was posted.
    Silent,
    /// Not a new question: a choice clicked on a question back (`clarify`), so the question's text is labelled by
    /// the asker's own click (an example for `signpost report --examples`).
    Picked,
}

/// One question: what it was answered with, where, by whom (a pseudonym), and its text where it is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// See [`super::record_id`]: the time and a sequence.
    pub id: u64,
    /// Unix seconds.
    pub at: u64,
    pub door: Door,
    pub guild: Option<u64>,
    /// The answer's label: `faq:<id>`, `compare:<aspect>`, `framework:<id>`, `decide` or `none`.
    pub answer: String,
    pub confidence: f64,
    pub outcome: Outcome,
    /// The asker's pseudonym in hex (see [`super::Learning::pseudonym`]).
    pub asker: String,
    /// The question's text, when kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Whether a question's text is worth keeping: the bot could not answer it (an abstention, or silence in a help
/// channel), or answered with low confidence. (A Not helpful vote keeps it later, see [`super::Learning::vote`].)
pub fn keeps_text(answer: &Answer, outcome: Outcome) -> bool {
    outcome != Outcome::Answered || matches!(answer.topic, Topic::None) || answer.confidence < LOW_CONFIDENCE
}

/// The text as stored: mentions (which hold user, role and channel ids) replaced by `@…`/`#…`, whitespace folded,
/// at most 500 characters.
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let is_mention = ["<@", "<#", "<@&", "<@!"].iter().any(|p| tail.starts_with(p));
        match tail.find('>') {
            Some(end)
                if is_mention && tail[2..end].trim_start_matches(['&', '!']).bytes().all(|b| b.is_ascii_digit()) =>
            {
                out.push_str(if tail.starts_with("<#") { "#…" } else { "@…" });
                rest = &tail[end + 1..];
            }
            _ => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    let folded = out.split_whitespace().collect::<Vec<_>>().join(" ");
    folded.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_never_reach_the_log() {
        assert_eq!(clean_text("<@123> is flask <@!45> fast? <@&6> <#7>"), "@… is flask @… fast? @… #…");
        assert_eq!(clean_text("a <b> and x<y"), "a <b> and x<y");
        assert_eq!(clean_text("  many\n\n spaces "), "many spaces");
        assert_eq!(clean_text(&"x".repeat(900)).len(), 500);
    }
}
