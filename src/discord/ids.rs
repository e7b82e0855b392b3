//! The custom_ids of the bot's buttons and menus: what a click means, who may click it, and for which step.
//!
//! Formats (all well under Discord's 100 characters):
//! - `d:{user}:{channel}:{version}:{action}`: a decision step. `action` is `o{n}` (option n), `s` (the select
//!   menu; the option index is its value), `b` back, `r` restart, `c` cancel. The session key and the step version
//!   travel in the id, so a click on another user's dialog or an older step is recognised.
//! - `n`: start a new decision for whoever clicks.
//! - `a:{suggestion}`: show a suggested answer (`which-is-better`, `compare:orm`, `framework:flask`, `decide`).
//! - `f:{user}:{page}`: the `/faq` browser's select menu; `f:{user}:p{page}`: its page buttons.

use crate::{dialog::Input, session::SessionKey};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Option(usize),
    Select,
    Back,
    Restart,
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentId {
    Dialog { key: SessionKey, version: u32, action: Action },
    NewDecision,
    Suggestion(String),
    FaqSelect { user: u64, page: usize },
    FaqPage { user: u64, page: usize },
}

/// Why a custom_id was not understood (forged, truncated, or from another bot version).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised button id")]
pub struct BadId;

impl ComponentId {
    pub fn encode(&self) -> String {
        match self {
            ComponentId::Dialog { key, version, action } => {
                let a = match action {
                    Action::Option(n) => format!("o{n}"),
                    Action::Select => "s".into(),
                    Action::Back => "b".into(),
                    Action::Restart => "r".into(),
                    Action::Cancel => "c".into(),
                };
                format!("d:{}:{}:{version}:{a}", key.user, key.channel)
            }
            ComponentId::NewDecision => "n".into(),
            ComponentId::Suggestion(s) => format!("a:{s}"),
            ComponentId::FaqSelect { user, page } => format!("f:{user}:{page}"),
            ComponentId::FaqPage { user, page } => format!("f:{user}:p{page}"),
        }
    }

    pub fn parse(id: &str) -> Result<Self, BadId> {
        if id.len() > 100 {
            return Err(BadId);
        }
        let parts: Vec<&str> = id.split(':').collect();
        let num = |s: &str| s.parse::<u64>().map_err(|_| BadId);
        match parts.as_slice() {
            ["n"] => Ok(ComponentId::NewDecision),
            ["a", rest @ ..] if !rest.is_empty() => Ok(ComponentId::Suggestion(rest.join(":"))),
            ["d", user, channel, version, action] => {
                let action = match *action {
                    "s" => Action::Select,
                    "b" => Action::Back,
                    "r" => Action::Restart,
                    "c" => Action::Cancel,
                    a => Action::Option(a.strip_prefix('o').ok_or(BadId)?.parse::<u8>().map_err(|_| BadId)?.into()),
                };
                let key = SessionKey { user: num(user)?, channel: num(channel)? };
                Ok(ComponentId::Dialog { key, version: version.parse().map_err(|_| BadId)?, action })
            }
            ["f", user, page] => match page.strip_prefix('p') {
                Some(p) => Ok(ComponentId::FaqPage { user: num(user)?, page: p.parse().map_err(|_| BadId)? }),
                None => Ok(ComponentId::FaqSelect { user: num(user)?, page: page.parse().map_err(|_| BadId)? }),
            },
            _ => Err(BadId),
        }
    }
}

impl Action {
    /// The dialog input of a click; `selected` is the select menu's value.
    pub fn input(&self, selected: Option<&str>) -> Option<Input> {
        Some(match self {
            Action::Option(n) => Input::Choose(*n),
            Action::Select => Input::Choose(selected?.parse().ok()?),
            Action::Back => Input::Back,
            Action::Restart => Input::Restart,
            Action::Cancel => Input::Cancel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_fit() {
        let key = SessionKey { user: u64::MAX, channel: u64::MAX };
        for id in [
            ComponentId::Dialog { key, version: u32::MAX, action: Action::Option(24) },
            ComponentId::Dialog { key, version: 3, action: Action::Select },
            ComponentId::Dialog { key, version: 3, action: Action::Cancel },
            ComponentId::NewDecision,
            ComponentId::Suggestion("compare:rest-api".into()),
            ComponentId::FaqSelect { user: 5, page: 2 },
            ComponentId::FaqPage { user: 5, page: 1 },
        ] {
            let text = id.encode();
            assert!(text.len() <= 100, "{text}");
            assert_eq!(ComponentId::parse(&text), Ok(id));
        }
    }

    #[test]
    fn forged_ids_are_rejected() {
        for bad in ["", "d", "d:1:2:3", "d:x:2:3:o1", "d:1:2:3:o999", "d:1:2:3:z", "f:1", "q:1", &"a".repeat(101)] {
            assert_eq!(ComponentId::parse(bad), Err(BadId), "{bad}");
        }
    }
}
