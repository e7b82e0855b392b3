//! Transport-neutral answers. Front doors render these; they know no Discord and no terminal.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::knowledge::Link;

/// The answer to one question: the `signpost ask --json` object of PRODUCT.md.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    #[serde(flatten)]
    pub topic: Topic,
    /// 0..1, two decimals.
    pub confidence: f64,
    /// A short heading (the FAQ's canonical question, "Django vs Flask: ORM", ...).
    pub title: String,
    /// The answer in plain text with light markdown.
    pub text: String,
    /// Other topics worth offering: FAQ ids as they are, other kinds as `compare:<aspect>`, `framework:<id>`,
    /// `decide`. Close seconds come first.
    pub suggestions: Vec<String>,
    /// The official docs and release notes the answer rests on (empty when the entry names none).
    pub sources: Vec<Link>,
    /// The ids of the frameworks the answer speaks about, in the order shown (empty where none applies).
    pub frameworks: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Topic {
    Faq {
        id: String,
    },
    Compare {
        aspect: Option<String>,
    },
    Framework {
        id: String,
    },
    Decide {
        guess: Option<Guess>,
    },
    None,
    /// Not sure which of a few entries is meant: `choices` as in `suggestions`, best first.
    Clarify {
        choices: Vec<String>,
    },
    Smalltalk {
        id: String,
    },
}

/// A first lean from what a request for a recommendation already says ("small API" leans one way).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Guess {
    pub lean: String,
    pub scores: BTreeMap<String, i32>,
    /// The dialog answers read from the text (the guided decision starts with them assumed).
    pub read: Vec<crate::dialog::Assumed>,
    /// The same answers as a dialog state to start from.
    #[serde(skip)]
    pub state: crate::dialog::State,
}

impl Answer {
    /// The label of `shared/eval`: `faq:<id>`, `compare:<aspect>`, `framework:<id>`, `decide` or `none` (and
    /// `clarify`, `smalltalk:<id>`).
    pub fn label(&self) -> String {
        match &self.topic {
            Topic::Faq { id } => format!("faq:{id}"),
            Topic::Compare { aspect, .. } => format!("compare:{}", aspect.as_deref().unwrap_or("overview")),
            Topic::Framework { id } => format!("framework:{id}"),
            Topic::Decide { .. } => "decide".into(),
            Topic::None => "none".into(),
            Topic::Clarify { .. } => "clarify".into(),
            Topic::Smalltalk { id } => format!("smalltalk:{id}"),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.topic {
            Topic::Faq { .. } => "faq",
            Topic::Compare { .. } => "compare",
            Topic::Framework { .. } => "framework",
            Topic::Decide { .. } => "decide",
            Topic::None => "none",
            Topic::Clarify { .. } => "clarify",
            Topic::Smalltalk { .. } => "smalltalk",
        }
    }
}

/// Sources as one compact line of markdown links whose URLs are wrapped in `<>`, so chat clients show no
/// preview for them: `[Django 6.0 release notes](<https://...>) · [...](<...>)`.
pub fn sources_markdown(sources: &[Link]) -> String {
    sources.iter().map(|s| format!("[{}](<{}>)", s.title, s.url)).collect::<Vec<_>>().join(" · ")
}

/// Rounds a score for output, so JSON shows `0.91`, not `0.9100000262`.
pub fn round2(x: f32) -> f64 {
    (f64::from(x) * 100.0).round() / 100.0
}
