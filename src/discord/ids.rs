//! The custom_ids of the bot's buttons and menus: what a click means, who may click it, and for which step.
//!
//! Formats (all well under Discord's 100 characters):
//! - `d:{user}:{channel}:{nonce}:{version}:{action}`: a decision step, numbers in base 36. `action` is `o{id}` (the
//!   option with that id), `s` (the select menu; the option id is its value), `b` back, `r` restart, `c` cancel.
//!   The session key, the session's nonce and the step version travel in the id, so a click on another user's
//!   dialog, on an earlier decision in the same place, or on an older step is recognised. Option ids (at most 40
//!   characters, checked by the knowledge validator) keep their meaning when options are reordered. `x` is the menu
//!   of answers taken from the user's message: its value is the step whose answer to change.
//! - `n`: start a new decision for whoever clicks; `n:{state}` starts it with the answers an opening message gave
//!   (a dialog state in its text form, `2:0-1r.6-3r`).
//! - `a:{suggestion}`: show a suggested answer (`which-is-better`, `compare:orm`, `framework:flask`, `decide`).
//! - `f:{user}:{page}`: the `/faq` browser's select menu; `f:{user}:p{page}`: its page buttons.
//! - `v:{h|n}:{record}:{label}`: a Helpful / Not helpful vote on the answer logged as `record` (base 36), about
//!   `label` (`faq:<id>`, `compare:<aspect>`, `framework:<id>`). Whoever clicks votes: one vote per person.
//! - `h:{record}:{message}`: "Still need help?" for the question of `record`; `message` is the answer's message id
//!   (base 36, `0` when unknown), which the helpers' ping links to.
//! - `s:{record}:{label}`: "Share" on a private answer: posts it to the channel.

use crate::{
    dialog::{Input, State},
    learn::VoteValue,
    session::SessionKey,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Option(String),
    Select,
    /// The menu of assumed answers (its value is a step id).
    Change,
    Back,
    Restart,
    Cancel,
    /// Send the finished decision as a Markdown decision record.
    Record,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentId {
    Dialog {
        key: SessionKey,
        nonce: u32,
        version: u32,
        action: Action,
    },
    /// Start a decision, with the answers read from the message it answered.
    NewDecision(State),
    Suggestion(String),
    FaqSelect {
        user: u64,
        page: usize,
    },
    FaqPage {
        user: u64,
        page: usize,
    },
    Vote {
        record: u64,
        value: VoteValue,
        label: String,
    },
    StillNeedHelp {
        record: u64,
        message: u64,
    },
    Share {
        record: u64,
        label: String,
    },
    /// A choice of a question back (`clarify`): answers it, and labels the question with the choice.
    Pick(String),
    /// "One of these solved it" on the similar posts linked from a help forum's post (the value is the thread).
    SolvedBy,
    /// `Solved` on the answer (record, label) to a help forum's post.
    Solved {
        record: u64,
        label: String,
    },
}

/// Why a custom_id was not understood (forged, truncated, or from another bot version).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised button id")]
pub struct BadId;

impl ComponentId {
    pub fn encode(&self) -> String {
        match self {
            ComponentId::Dialog { key, nonce, version, action } => {
                let a = match action {
                    Action::Option(id) => format!("o{id}"),
                    Action::Select => "s".into(),
                    Action::Change => "x".into(),
                    Action::Back => "b".into(),
                    Action::Restart => "r".into(),
                    Action::Cancel => "c".into(),
                    Action::Record => "k".into(),
                };
                format!(
                    "d:{}:{}:{}:{}:{a}",
                    base36(key.user),
                    base36(key.channel),
                    base36((*nonce).into()),
                    base36((*version).into())
                )
            }
            ComponentId::NewDecision(state) if state.picks.is_empty() => "n".into(),
            ComponentId::NewDecision(state) => format!("n:{state}"),
            ComponentId::Suggestion(s) => format!("a:{s}"),
            ComponentId::Pick(s) => format!("q:{s}"),
            ComponentId::SolvedBy => "y".into(),
            ComponentId::FaqSelect { user, page } => format!("f:{user}:{page}"),
            ComponentId::FaqPage { user, page } => format!("f:{user}:p{page}"),
            ComponentId::Vote { record, value, label } => {
                let v = if *value == VoteValue::Helpful { "h" } else { "n" };
                format!("v:{v}:{}:{label}", base36(*record))
            }
            ComponentId::StillNeedHelp { record, message } => format!("h:{}:{}", base36(*record), base36(*message)),
            ComponentId::Share { record, label } => format!("s:{}:{label}", base36(*record)),
            ComponentId::Solved { record, label } => format!("z:{}:{label}", base36(*record)),
        }
    }

    pub fn parse(id: &str) -> Result<Self, BadId> {
        if id.len() > 100 {
            return Err(BadId);
        }
        let parts: Vec<&str> = id.split(':').collect();
        let num = |s: &str| u64::from_str_radix(s, 36).map_err(|_| BadId);
        let small = |s: &str| u32::from_str_radix(s, 36).map_err(|_| BadId);
        match parts.as_slice() {
            ["n"] => Ok(ComponentId::NewDecision(State::new())),
            ["y"] => Ok(ComponentId::SolvedBy),
            ["n", rest @ ..] => Ok(ComponentId::NewDecision(rest.join(":").parse().map_err(|_| BadId)?)),
            ["a", rest @ ..] if !rest.is_empty() => Ok(ComponentId::Suggestion(rest.join(":"))),
            ["q", rest @ ..] if is_choice(&rest.join(":")) => Ok(ComponentId::Pick(rest.join(":"))),
            ["d", user, channel, nonce, version, action] => {
                let action = match *action {
                    "s" => Action::Select,
                    "x" => Action::Change,
                    "b" => Action::Back,
                    "r" => Action::Restart,
                    "c" => Action::Cancel,
                    "k" => Action::Record,
                    a => {
                        let id = a.strip_prefix('o').filter(|id| is_option_id(id)).ok_or(BadId)?;
                        Action::Option(id.to_string())
                    }
                };
                let key = SessionKey { user: num(user)?, channel: num(channel)? };
                Ok(ComponentId::Dialog { key, nonce: small(nonce)?, version: small(version)?, action })
            }
            ["v", value, record, label @ ..] if is_label(&label.join(":")) => {
                let value = match *value {
                    "h" => VoteValue::Helpful,
                    "n" => VoteValue::NotHelpful,
                    _ => return Err(BadId),
                };
                Ok(ComponentId::Vote { record: num(record)?, value, label: label.join(":") })
            }
            ["h", record, message] => Ok(ComponentId::StillNeedHelp { record: num(record)?, message: num(message)? }),
            ["s", record, label @ ..] if is_label(&label.join(":")) => {
                Ok(ComponentId::Share { record: num(record)?, label: label.join(":") })
            }
            ["z", record, label @ ..] if is_label(&label.join(":")) => {
                Ok(ComponentId::Solved { record: num(record)?, label: label.join(":") })
            }
            ["f", user, page] => {
                let user = user.parse().map_err(|_| BadId)?;
                match page.strip_prefix('p') {
                    Some(p) => Ok(ComponentId::FaqPage { user, page: p.parse().map_err(|_| BadId)? }),
                    None => Ok(ComponentId::FaqSelect { user, page: page.parse().map_err(|_| BadId)? }),
                }
            }
            _ => Err(BadId),
        }
    }
}

/// What a click asks of the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Click {
    /// The option with this id (from a button, or the select menu's value).
    Choose(String),
    Other(Input),
}

impl Action {
    /// What a click means; `selected` is the select menu's value. `None`: a menu click without a value.
    pub fn click(&self, selected: Option<&str>) -> Option<Click> {
        Some(match self {
            Action::Option(id) => Click::Choose(id.clone()),
            Action::Select => Click::Choose(selected?.to_string()),
            Action::Change => Click::Other(Input::Change(selected?.to_string())),
            Action::Back => Click::Other(Input::Back),
            Action::Restart => Click::Other(Input::Restart),
            Action::Cancel => Click::Other(Input::Cancel),
            Action::Record => Click::Other(Input::Record),
        })
    }
}

/// What an option id may look like (lower-case letters, digits, `-` and `_`, at most 40 characters).
fn is_option_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// What an answer label may look like: `kind:id` with an option-like id.
/// What a choice of a question back may look like: a FAQ id (starting with a letter), a label, or `decide`.
fn is_choice(choice: &str) -> bool {
    choice == "decide"
        || is_label(choice)
        || choice.starts_with(|c: char| c.is_ascii_lowercase()) && is_option_id(choice)
}

fn is_label(label: &str) -> bool {
    match label.split_once(':') {
        Some(("faq" | "compare" | "framework", id)) => is_option_id(id),
        _ => false,
    }
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::with_capacity(13);
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_fit() {
        let key = SessionKey { user: u64::MAX, channel: u64::MAX };
        for id in [
            ComponentId::Dialog { key, nonce: u32::MAX, version: u32::MAX, action: Action::Option("x".repeat(40)) },
            ComponentId::Dialog { key, nonce: 1, version: 3, action: Action::Select },
            ComponentId::Dialog { key, nonce: 0, version: 3, action: Action::Cancel },
            ComponentId::Dialog { key, nonce: 1, version: 3, action: Action::Change },
            ComponentId::NewDecision(State::new()),
            ComponentId::NewDecision("2:0-1r.6-3r.8-3r.7-2r.5-3r.4-3r.3-4r.2-3r.1-4r".parse().unwrap()),
            ComponentId::Suggestion("compare:rest-api".into()),
            ComponentId::Pick("faq:which-is-better".into()),
            ComponentId::SolvedBy,
            ComponentId::FaqSelect { user: 5, page: 2 },
            ComponentId::FaqPage { user: 5, page: 1 },
            ComponentId::Vote {
                record: u64::MAX,
                value: VoteValue::NotHelpful,
                label: format!("faq:{}", "x".repeat(40)),
            },
            ComponentId::Vote { record: 1, value: VoteValue::Helpful, label: "compare:rest-api".into() },
            ComponentId::StillNeedHelp { record: u64::MAX, message: u64::MAX },
            ComponentId::Share { record: u64::MAX, label: format!("framework:{}", "y".repeat(40)) },
            ComponentId::Solved { record: u64::MAX, label: format!("faq:{}", "z".repeat(40)) },
        ] {
            let text = id.encode();
            assert!(text.len() <= 100, "{text}");
            assert_eq!(ComponentId::parse(&text), Ok(id));
        }
    }

    #[test]
    fn forged_ids_are_rejected() {
        for bad in [
            "",
            "d",
            "d:1:2:3:4",
            "d:!:2:3:4:o1",
            "d:1:2:3:4:o",
            "d:1:2:3:4:oBad",
            "d:1:2:3:4:z",
            "f:1",
            "n:2:9-x",
            "n:1:0.1",
            "q:1",
            "v:x:1:faq:a",
            "v:h:1:none",
            "v:h:1:faq:Bad",
            "h:1",
            "s:1:decide",
            &"a".repeat(101),
        ] {
            assert_eq!(ComponentId::parse(bad), Err(BadId), "{bad}");
        }
    }
}
