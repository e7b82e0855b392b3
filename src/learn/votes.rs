//! Votes on answers: Helpful or Not helpful, one per person per answer (a second click changes it).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Helpful,
    NotHelpful,
}

impl Value {
    pub fn label(self) -> &'static str {
        match self {
            Value::Helpful => "Helpful",
            Value::NotHelpful => "Not helpful",
        }
    }
}

/// One person's vote on one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRow {
    /// The record of the answer voted on (its time is the answer's: see [`super::record_time`]).
    pub id: u64,
    /// The voter's pseudonym in hex.
    pub voter: String,
    pub value: Value,
    /// The answer's label (`faq:<id>`, `compare:<aspect>`, `framework:<id>`).
    pub label: String,
    /// When the vote was cast, Unix seconds.
    pub at: u64,
}
