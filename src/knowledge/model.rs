//! The knowledge base as it is used at run time: plain, validated, immutable values.
//!
//! `raw.rs` holds the serde mirror of the TOML files (with source spans); `load.rs` turns it into these types once
//! every check has passed, so nothing downstream needs to think about spans or missing references.

use std::collections::BTreeMap;

use serde::Serialize;

/// A Python web framework profile (`knowledge/frameworks/<id>.toml`).
#[derive(Debug, Clone, Serialize)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub summary: String,
    pub based_on: String,
    pub key_features: Vec<String>,
    pub advantages: Vec<String>,
    pub disadvantages: Vec<String>,
    pub use_cases: Vec<String>,
    pub notable_users: Vec<NotableUser>,
    pub links: Vec<Link>,
    /// When the facts were last checked against their sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<Date>,
    /// Official docs and release notes the facts rest on, shown with every answer about the framework.
    pub sources: Vec<Link>,
    /// First steps for someone starting with it (tutorial, layout, deployment checklist): the text and its link.
    pub next_steps: Vec<Link>,
}

/// A company or project known to use a framework, with what that claim rests on.
#[derive(Debug, Clone, Serialize)]
pub struct NotableUser {
    pub name: String,
    pub note: String,
    pub source: String,
}

/// A titled URL: a framework's links, and the sources of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// One comparison aspect (`knowledge/aspects.toml`): a text per framework and a verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Aspect {
    pub id: String,
    pub name: String,
    pub keywords: Vec<String>,
    /// Keywords that name this aspect only when no other aspect is named ("easy" in "easy to deploy" is about
    /// deployment).
    pub weak_keywords: Vec<String>,
    pub verdict: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<Date>,
    pub sources: Vec<Link>,
    /// Framework id -> text. Validation guarantees one entry per known framework.
    pub texts: BTreeMap<String, String>,
    /// Verdicts about two frameworks only, keyed by [`pair_key`] ("django-flask").
    pub pair_verdicts: BTreeMap<String, String>,
}

impl Aspect {
    /// The verdict written for exactly `frameworks` (a pair's own, else the verdict about all of them).
    pub fn verdict_for(&self, frameworks: &[&str]) -> &str {
        match frameworks {
            [a, b] => self.pair_verdicts.get(&pair_key(&[a, b])).unwrap_or(&self.verdict),
            _ => &self.verdict,
        }
    }
}

/// The key of a set of frameworks in `pair_verdicts` and `for_pairs`: the ids sorted and joined by `-`
/// (`fastapi-flask`, `django-fastapi-flask`).
pub fn pair_key(ids: &[&str]) -> String {
    let mut ids: Vec<&str> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.join("-")
}

/// A framework or stack people name beside the three (`knowledge/others.toml`): what the knowledge says of it.
#[derive(Debug, Clone, Serialize)]
pub struct Other {
    pub id: String,
    pub name: String,
    /// Other names and common misspellings, lower case (the id and name are implied).
    pub aliases: Vec<String>,
    pub kind: OtherKind,
    pub summary: String,
    /// The FAQ entry that covers it (`other-frameworks`, `other-ecosystems`, ...).
    pub faq: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<Date>,
    pub sources: Vec<Link>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OtherKind {
    /// Another Python web framework or toolkit.
    Python,
    /// Another language's web stack.
    Ecosystem,
}

/// One FAQ entry (`knowledge/faq.toml`).
#[derive(Debug, Clone, Serialize)]
pub struct Faq {
    pub id: String,
    pub question: String,
    pub phrasings: Vec<String>,
    pub answer: String,
    pub related: Vec<String>,
    /// The frameworks the entry speaks about, in the order it presents them (empty: none in particular).
    pub frameworks: Vec<String>,
    /// For an entry written for some frameworks: the label that answers the same question about other ones,
    /// keyed by [`pair_key`] ("fastapi-flask" -> "compare:performance").
    pub for_pairs: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<Date>,
    pub sources: Vec<Link>,
}

/// A calendar date (`reviewed = 2026-11-26`), ordered and printed as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Today in UTC, from the system clock.
    pub fn today() -> Self {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Self::from_days((secs / 86_400) as i64)
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's civil_from_days).
    fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Self { year, month, day }
    }

    /// The same day one year earlier (29 February becomes 28 February).
    pub fn year_before(self) -> Self {
        let day = if self.month == 2 && self.day == 29 { 28 } else { self.day };
        Self { year: self.year.saturating_sub(1), month: self.month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::str::FromStr for Date {
    type Err = String;

    /// `YYYY-MM-DD`, a real calendar day.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a date (YYYY-MM-DD)");
        let mut parts = s.trim().splitn(3, '-');
        let mut num = |len: usize| -> Result<u16, String> {
            let p = parts.next().filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit())).ok_or_else(bad)?;
            p.parse().map_err(|_| bad())
        };
        let (year, month, day) = (num(4)?, num(2)?, num(2)?);
        Date::new(year, month as u8, day as u8).ok_or_else(bad)
    }
}

impl Date {
    /// A date when `day` exists in that month.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days).contains(&day).then_some(Self { year, month, day })
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Where an entry's `reviewed` date stands, so `check` can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// "FAQ `is-flask-faster`", "aspect `orm`", "framework `django`".
    pub entry: String,
    pub date: Option<Date>,
    /// The `reviewed` key, or the entry's id when the date is missing.
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// The guided decision (`knowledge/dialog.toml`).
#[derive(Debug, Clone, Serialize)]
pub struct Dialog {
    pub start: String,
    pub intro: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub id: String,
    pub text: String,
    /// What the question is for, in a sentence or two: said when a user asks about the question itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The step after this one; `None` ends the dialog (an option's own `next` wins).
    pub next: Option<String>,
    pub options: Vec<DialogOption>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DialogOption {
    pub id: String,
    pub label: String,
    pub keywords: Vec<String>,
    pub reason: String,
    /// Framework id -> weight. Validation guarantees one entry per known framework.
    pub weights: BTreeMap<String, i32>,
    pub next: Option<String>,
}

impl DialogOption {
    /// Weighs nothing ("not sure yet"): it never tips a verdict, so it is never assumed from what a user wrote.
    pub fn is_neutral(&self) -> bool {
        self.weights.values().all(|&w| w == 0)
    }
}

/// Chat vocabulary the matcher folds onto the knowledge's own words (`knowledge/lexicon.toml`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Lexicon {
    /// Words that carry no meaning for a question (greetings, fillers, function words).
    pub ignore: Vec<String>,
    /// Names of frameworks the knowledge does not cover: a question only about them is out of scope.
    pub foreign: Vec<String>,
    /// Chat word or phrase -> the words the knowledge uses.
    pub synonyms: BTreeMap<String, String>,
}

impl Step {
    /// The step that follows when `option` is chosen here.
    pub fn next_after<'a>(&'a self, option: &'a DialogOption) -> Option<&'a str> {
        option.next.as_deref().or(self.next.as_deref())
    }
}
