//! The serde mirror of the TOML files, exactly as written, with source spans on what validation points at.
//!
//! Unknown keys are rejected (`deny_unknown_fields`), so a typo such as `phrasing =` fails `signpost check`
//! instead of being ignored.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub(crate) type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFramework {
    pub id: S<String>,
    pub name: S<String>,
    #[serde(default)]
    pub aliases: Vec<S<String>>,
    pub summary: S<String>,
    pub based_on: S<String>,
    pub key_features: Vec<S<String>>,
    pub advantages: Vec<S<String>>,
    pub disadvantages: Vec<S<String>>,
    pub use_cases: Vec<S<String>>,
    pub reviewed: Option<S<toml::value::Datetime>>,
    #[serde(default)]
    pub sources: Vec<RawLink>,
    #[serde(default)]
    pub notable_users: Vec<RawNotableUser>,
    #[serde(default)]
    pub links: Vec<RawLink>,
    #[serde(default)]
    pub next_steps: Vec<RawNextStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNextStep {
    pub text: S<String>,
    pub url: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNotableUser {
    pub name: S<String>,
    pub note: S<String>,
    pub source: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLink {
    pub title: S<String>,
    pub url: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAspects {
    #[serde(default)]
    pub aspect: Vec<RawAspect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAspect {
    pub id: S<String>,
    pub name: S<String>,
    #[serde(default)]
    pub keywords: Vec<S<String>>,
    #[serde(default)]
    pub weak_keywords: Vec<S<String>>,
    pub verdict: S<String>,
    pub based_on: Option<S<String>>,
    pub reviewed: Option<S<toml::value::Datetime>>,
    #[serde(default)]
    pub sources: Vec<RawLink>,
    pub texts: S<BTreeMap<String, S<String>>>,
    pub pair_verdicts: Option<S<BTreeMap<String, S<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFaqs {
    #[serde(default)]
    pub faq: Vec<RawFaq>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFaq {
    pub id: S<String>,
    pub question: S<String>,
    pub frameworks: Option<Vec<S<String>>>,
    pub for_pairs: Option<S<BTreeMap<String, S<String>>>>,
    #[serde(default)]
    pub phrasings: Vec<S<String>>,
    pub answer: S<String>,
    #[serde(default)]
    pub related: Vec<S<String>>,
    pub based_on: Option<S<String>>,
    pub reviewed: Option<S<toml::value::Datetime>>,
    #[serde(default)]
    pub sources: Vec<RawLink>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOthers {
    #[serde(default)]
    pub other: Vec<RawOther>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOther {
    pub id: S<String>,
    pub name: S<String>,
    #[serde(default)]
    pub aliases: Vec<S<String>>,
    pub kind: S<String>,
    pub summary: S<String>,
    pub faq: S<String>,
    pub based_on: Option<S<String>>,
    pub reviewed: Option<S<toml::value::Datetime>>,
    #[serde(default)]
    pub sources: Vec<RawLink>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDialog {
    pub start: S<String>,
    pub intro: S<String>,
    #[serde(default)]
    pub step: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    pub id: S<String>,
    pub text: S<String>,
    pub help: Option<S<String>>,
    pub next: Option<S<String>>,
    #[serde(default)]
    pub option: Vec<RawOption>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOption {
    pub id: S<String>,
    pub label: S<String>,
    #[serde(default)]
    pub keywords: Vec<S<String>>,
    pub reason: S<String>,
    pub weights: S<BTreeMap<String, S<i64>>>,
    pub next: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLexicon {
    #[serde(default)]
    pub ignore: Vec<S<String>>,
    #[serde(default)]
    pub foreign: Vec<S<String>>,
    #[serde(default)]
    pub synonyms: BTreeMap<String, S<String>>,
}

/// Drops the span: used once validation no longer needs it.
pub(crate) fn text(s: &S<String>) -> String {
    s.get_ref().clone()
}

pub(crate) fn texts(v: &[S<String>]) -> Vec<String> {
    v.iter().map(text).collect()
}
