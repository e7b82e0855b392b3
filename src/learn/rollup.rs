//! What the question log keeps past the retention: per-day counts ([`DayCount`]) and the number of distinct askers
//! per day ([`DayAskers`]), never a record, a text or a pseudonym. [`super::Learn::purge`] rolls records up into them
//! and deletes the records, in bounded batches; `signpost report` adds them to what the records still held say.
//!
//! Days are UTC calendar days, named by their first second (Unix seconds).

use serde::{Deserialize, Serialize};

use super::{Door, Outcome};

pub const DAY: u64 = 24 * 60 * 60;

/// The first second of `at`'s UTC day.
pub fn day_of(at: u64) -> u64 {
    at - at % DAY
}

/// The first day that starts at or after `since`: rolled-up days are whole, so a snapshot since a time within a
/// day leaves that day's counts out (they are of questions before `since` as much as after).
pub fn first_day(since: u64) -> u64 {
    since.div_ceil(DAY) * DAY
}

/// How many questions of one day came through one door, got one answer and one outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    pub day: u64,
    pub door: Door,
    /// The answer's label, as in [`super::Record::answer`].
    pub answer: String,
    pub outcome: Outcome,
    pub count: u64,
}

impl DayCount {
    /// What counts are ordered by: day, then the names of door and outcome, then the answer.
    pub fn order_key(&self) -> (u64, &'static str, &'static str, &str) {
        (self.day, self.door.name(), self.outcome.name(), &self.answer)
    }
}

/// How many different people asked on one day: counted through the pseudonyms while the day's records were held,
/// kept as a number once they are gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayAskers {
    pub day: u64,
    pub askers: u64,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Abstained => "abstained",
            Outcome::Silent => "silent",
            Outcome::Picked => "picked",
        }
    }
}

/// A door or outcome back from its stored name; `None` for a name this version does not know (such a count is
/// skipped, as an unreadable record is).
pub fn parse_name<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_names() {
        assert_eq!(day_of(1_700_000_000), 1_699_920_000);
        assert_eq!(first_day(1_699_920_000), 1_699_920_000, "since the first second: that day is in");
        assert_eq!(first_day(1_699_920_001), 1_699_920_000 + DAY, "since within a day: from the next one");
        use Door::*;
        let doors = [Ask, AskPrivate, Compare, Faq, FaqBrowser, Framework, ContextMenu, Mention, Dm, Reply];
        for door in doors.into_iter().chain([HelpChannel, HelpForum, Suggestion, Edit]) {
            // Stored by name, read back by serde's name for it: the two must agree.
            assert_eq!(parse_name::<Door>(door.name()), Some(door));
        }
        for o in [Outcome::Answered, Outcome::Abstained, Outcome::Silent, Outcome::Picked] {
            assert_eq!(parse_name::<Outcome>(o.name()), Some(o));
        }
        assert_eq!(parse_name::<Door>("carrier-pigeon"), None);
    }
}
