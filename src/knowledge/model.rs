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
}

/// A company or project known to use a framework, with what that claim rests on.
#[derive(Debug, Clone, Serialize)]
pub struct NotableUser {
    pub name: String,
    pub note: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
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
    /// Framework id -> text. Validation guarantees one entry per known framework.
    pub texts: BTreeMap<String, String>,
}

/// One FAQ entry (`knowledge/faq.toml`).
#[derive(Debug, Clone, Serialize)]
pub struct Faq {
    pub id: String,
    pub question: String,
    pub phrasings: Vec<String>,
    pub answer: String,
    pub related: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
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
    /// The keywords and the label, stemmed once at load, for matching typed answers.
    #[serde(skip)]
    pub stems: Vec<Vec<String>>,
}

/// Chat vocabulary the matcher folds onto the knowledge's own words (`knowledge/lexicon.toml`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Lexicon {
    /// Words that carry no meaning for a question (greetings, fillers, function words).
    pub ignore: Vec<String>,
    /// Names of frameworks the knowledge does not cover: a question only about them is out of scope.
    pub foreign: Vec<String>,
    /// Words that make a message without framework names about frameworks ("which framework", "which one").
    pub anchors: Vec<String>,
    /// Words of how-to and debugging questions ("install", "error"): the knowledge answers choices, not how-tos.
    pub howto: Vec<String>,
    /// Anchors too common to override a message about other frameworks ("which").
    pub weak_anchors: Vec<String>,
    /// Words that ask for advice; a `decide` answer needs one.
    pub decide_cues: Vec<String>,
    /// Question shapes per kind of answer, with `{framework}` and `{aspect}` placeholders.
    pub intents: Intents,
    /// Chat word or phrase -> the words the knowledge uses.
    pub synonyms: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Intents {
    pub framework: Vec<String>,
    pub compare: Vec<String>,
    pub decide: Vec<String>,
}

impl Step {
    /// The step that follows when `option` is chosen here.
    pub fn next_after<'a>(&'a self, option: &'a DialogOption) -> Option<&'a str> {
        option.next.as_deref().or(self.next.as_deref())
    }
}
