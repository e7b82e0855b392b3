//! The dialog's state: the answers so far, compact and versioned.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// One answer: the option at `option` of the step at `step` (indices into the knowledge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pick {
    pub step: u8,
    pub option: u8,
    pub how: How,
}

impl Pick {
    /// Read from what the user wrote for another purpose (an opening message, another step's reply) rather than
    /// given at the question: shown as an assumption to change.
    pub fn is_assumed(&self) -> bool {
        self.how == How::Assumed
    }
}

/// How an answer was given: `chosen` at the question (a button, a number, an option's name), `typed` at the
/// question in the user's own words, or `assumed` from words written for another purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    Chosen,
    Typed,
    Assumed,
}

impl How {
    pub fn as_str(self) -> &'static str {
        match self {
            How::Chosen => "chosen",
            How::Typed => "typed",
            How::Assumed => "assumed",
        }
    }
}

/// Where a user is in the dialog: the answers so far, in the order they were given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct State {
    pub picks: Vec<Pick>,
}

impl State {
    pub const VERSION: u8 = 2;

    /// The state of a dialog that just started.
    pub fn new() -> Self {
        Self::default()
    }

    /// The answer given for the step at `step`, if any.
    pub fn pick(&self, step: usize) -> Option<&Pick> {
        self.picks.iter().find(|p| usize::from(p.step) == step)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", Self::VERSION)?;
        for (i, p) in self.picks.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            let mark = match p.how {
                How::Chosen => "",
                How::Typed => "t",
                How::Assumed => "r",
            };
            write!(f, "{}-{}{mark}", p.step, p.option)?;
        }
        Ok(())
    }
}

impl FromStr for State {
    type Err = DialogError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (version, rest) = s.split_once(':').ok_or(DialogError::BadState)?;
        if version.parse::<u8>().map_err(|_| DialogError::BadState)? != Self::VERSION {
            return Err(DialogError::BadState);
        }
        if rest.is_empty() {
            return Ok(Self::new());
        }
        let picks = rest
            .split('.')
            .map(|p| {
                let (step, option) = p.split_once('-').ok_or(DialogError::BadState)?;
                let (option, how) = if let Some(o) = option.strip_suffix('r') {
                    (o, How::Assumed)
                } else if let Some(o) = option.strip_suffix('t') {
                    (o, How::Typed)
                } else {
                    (option, How::Chosen)
                };
                let n = |t: &str| t.parse::<u8>().map_err(|_| DialogError::BadState);
                Ok(Pick { step: n(step)?, option: n(option)?, how })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { picks })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialogError {
    #[error("this decision no longer fits the current questions (they were edited); start again with /decide")]
    Stale,
    #[error("this decision state is damaged; start again with /decide")]
    BadState,
    #[error("this decision is already finished; start a new one with /decide")]
    Finished,
}
