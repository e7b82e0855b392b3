//! Follow-ups: a message that only makes sense after the previous answer continues it.
//!
//! "and security?" compares the same frameworks on security; "what about fastapi?" puts FastAPI into the previous
//! topic; "why?", "tell me more", "source?" give the same entry again with its sources. A message with its own
//! subject is not a follow-up. The reading is by rule and deliberately strict: every word of a follow-up must be
//! an aspect word, a framework name, a "more" phrase or a filler, so "and is flask good for a blog?" is read as
//! its own question.

use serde::{Deserialize, Serialize};

use crate::{knowledge::KnowledgeBase, reply::Answer, slots::Slots};

/// What the previous answer was about, remembered per user and place with the session's expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The answer's label: `faq:ID`, `compare:ASPECT` or `framework:ID`.
    pub label: String,
    /// The frameworks it spoke about, in order.
    pub frameworks: Vec<String>,
}

impl Context {
    /// The context an answer leaves: only answers with a topic to continue (not small talk, a question back, a
    /// "don't know" or a decision).
    pub fn of(answer: &Answer) -> Option<Self> {
        let label = answer.label();
        let continues = label.starts_with("faq:")
            || label.starts_with("framework:")
            || label.starts_with("compare:") && label != "compare:overview";
        continues.then(|| Self { label, frameworks: answer.frameworks.clone() })
    }
}

/// What a conversation remembers between messages (per user and place): the last topic, and the choices of a
/// question back still open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    #[serde(default)]
    pub last: Option<Context>,
    /// The `choices` of the last `clarify` answer: "1", "2", "3" or a choice's id pick one.
    #[serde(default)]
    pub choices: Vec<String>,
}

impl Memory {
    /// The memory after `answer`: its topic when it has one to continue (else the previous one), its choices when
    /// it asks back.
    pub fn after(&self, answer: &Answer) -> Memory {
        let choices = match &answer.topic {
            crate::reply::Topic::Clarify { choices } => choices.clone(),
            _ => Vec::new(),
        };
        Memory { last: Context::of(answer).or_else(|| self.last.clone()), choices }
    }

    /// The choice `text` picks among the open ones: its number, or its id.
    pub fn pick(&self, text: &str) -> Option<&str> {
        let t = text.trim().trim_end_matches(['.', ')']).to_lowercase();
        if let Ok(n) = t.parse::<usize>() {
            return self.choices.get(n.checked_sub(1)?).map(String::as_str);
        }
        self.choices.iter().find(|c| c.to_lowercase() == t).map(String::as_str)
    }
}

/// How a message continues the previous answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowUp {
    /// Only an aspect: compare the same frameworks on it.
    Aspect(String),
    /// Only frameworks: the same topic about them.
    Frameworks(Vec<String>),
    /// "why?", "tell me more", "source?": the same entry again, with its detail and sources.
    More,
}

/// Phrases asking for more of the same answer.
const MORE: &[&str] = &[
    "why",
    "why so",
    "how so",
    "how come",
    "how",
    "how exactly",
    "really",
    "more",
    "tell me more",
    "more please",
    "more detail",
    "more details",
    "more info",
    "more information",
    "in more detail",
    "details",
    "detail",
    "explain",
    "explain more",
    "explain that",
    "explain why",
    "elaborate",
    "can you elaborate",
    "could you elaborate",
    "go on",
    "continue",
    "source",
    "sources",
    "any source",
    "any sources",
    "what source",
    "what's the source",
    "whats the source",
    "citation",
    "citations",
    "proof",
    "link",
    "links",
    "any link",
    "any links",
    "reference",
    "references",
    "says who",
    "according to who",
    "what do you mean",
    "meaning",
    "in what way",
    "example",
    "examples",
    "for example",
    "like what",
    "such as",
];

/// Words a follow-up may carry beside its subject ("and what about the orm then?").
const FILLER: &[&str] = &[
    "a",
    "about",
    "again",
    "also",
    "an",
    "and",
    "any",
    "as",
    "at",
    "bit",
    "both",
    "but",
    "by",
    "can",
    "case",
    "comes",
    "compare",
    "compared",
    "comparison",
    "do",
    "does",
    "else",
    "for",
    "from",
    "give",
    "hmm",
    "how",
    "i",
    "in",
    "instead",
    "is",
    "it",
    "its",
    "it's",
    "just",
    "let's",
    "lets",
    "little",
    "me",
    "now",
    "of",
    "ok",
    "okay",
    "on",
    "or",
    "perspective",
    "please",
    "pls",
    "plz",
    "re",
    "regarding",
    "regards",
    "same",
    "say",
    "side",
    "so",
    "terms",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "they",
    "thing",
    "this",
    "those",
    "to",
    "u",
    "up",
    "us",
    "vs",
    "versus",
    "want",
    "wat",
    "we",
    "well",
    "what",
    "whats",
    "what's",
    "when",
    "where",
    "which",
    "who",
    "with",
    "wrt",
    "ya",
    "yeah",
    "you",
    "your",
    "one",
    "ones",
    "one's",
    "too",
    "how's",
    "hows",
    "would",
    "be",
    "if",
    "between",
    "those",
    "wise",
    "each",
    "all",
    "three",
    "two",
    "other",
];

/// Words a follow-up that only names frameworks may carry.
const NAME_FILLER: &[&str] = &[
    "a",
    "about",
    "also",
    "and",
    "but",
    "case",
    "for",
    "how",
    "in",
    "instead",
    "of",
    "ok",
    "okay",
    "one",
    "or",
    "please",
    "pls",
    "re",
    "regarding",
    "same",
    "so",
    "the",
    "then",
    "too",
    "versus",
    "vs",
    "what",
    "with",
    "hmm",
    "well",
    "now",
];

/// Reads `text` as a follow-up, given the frameworks it names (`slots`). `None`: it has a subject of its own.
pub fn read(kb: &KnowledgeBase, text: &str, slots: &Slots) -> Option<FollowUp> {
    let words = words(text);
    if words.is_empty() || words.len() > 12 {
        return None;
    }
    let mut used = vec![false; words.len()];
    // Framework names first ("django ninja" is two words of one name).
    let names = framework_words(kb, slots);
    for name in &names {
        cover(&words, &mut used, name);
    }
    let named_frameworks = used.iter().any(|u| *u);
    // Aspects: their ids, names and keywords.
    let mut aspect: Option<&str> = None;
    let mut aspect_words = 0;
    for a in &kb.aspects {
        let phrases = std::iter::once(a.id.replace('-', " "))
            .chain(std::iter::once(a.name.to_lowercase()))
            .chain(a.keywords.iter().cloned())
            .chain(a.weak_keywords.iter().cloned());
        for p in phrases {
            let p: Vec<String> =
                p.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect();
            if !p.is_empty() && cover(&words, &mut used, &p) {
                aspect_words += 1;
                aspect.get_or_insert(&a.id);
            }
        }
    }
    let mut more = false;
    let mut phrases: Vec<&str> = MORE.to_vec();
    phrases.sort_by_key(|p| std::cmp::Reverse(p.split(' ').count()));
    for m in phrases {
        let p: Vec<String> = m.split(' ').map(str::to_string).collect();
        more |= cover(&words, &mut used, &p);
    }
    let rest_is_filler = words.iter().zip(&used).all(|(w, u)| *u || FILLER.contains(&w.as_str()));
    if !rest_is_filler {
        return None;
    }
    // Only frameworks: "what about fastapi?", "and django?", never "what is django?" (a question of its own).
    let only_names = aspect.is_none() && !more;
    if only_names && !words.iter().zip(&used).all(|(w, u)| *u || NAME_FILLER.contains(&w.as_str())) {
        return None;
    }
    match (aspect, named_frameworks) {
        // One aspect word in a short message: "and security?"; several ("deploy flask on heroku with docker") make
        // a question of its own.
        (Some(a), _) if aspect_words == 1 && words.len() <= 7 => Some(FollowUp::Aspect(a.to_string())),
        (Some(_), _) => None,
        (None, true) => {
            let ids: Vec<String> = slots.asked().iter().map(|s| s.to_string()).collect();
            (!ids.is_empty()).then_some(FollowUp::Frameworks(ids))
        }
        (None, false) if more => Some(FollowUp::More),
        _ => None,
    }
}

/// Marks every unused occurrence of `phrase` in `words`; whether there was one.
fn cover(words: &[String], used: &mut [bool], phrase: &[String]) -> bool {
    let mut hit = false;
    let n = phrase.len();
    if n == 0 || n > words.len() {
        return false;
    }
    for i in 0..=words.len() - n {
        if (0..n).all(|j| !used[i + j] && words[i + j] == phrase[j]) {
            used[i..i + n].iter_mut().for_each(|u| *u = true);
            hit = true;
        }
    }
    hit
}

/// The words of every name of the frameworks `slots` found (so "fapi" and "django ninja" are covered).
fn framework_words(kb: &KnowledgeBase, slots: &Slots) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for n in &slots.named {
        let names: Vec<String> = if let Some(f) = kb.framework(&n.id) {
            std::iter::once(f.id.clone())
                .chain(std::iter::once(f.name.clone()))
                .chain(f.aliases.iter().cloned())
                .collect()
        } else if let Some(o) = kb.other(&n.id) {
            std::iter::once(o.id.clone())
                .chain(std::iter::once(o.name.clone()))
                .chain(o.aliases.iter().cloned())
                .collect()
        } else {
            continue;
        };
        for name in names {
            out.push(words(&name));
        }
    }
    // Longest first, so a two-word name is covered before its first word alone.
    out.sort_by_key(|w| std::cmp::Reverse(w.len()));
    out
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| !(w.starts_with('<') && w.ends_with('>')))
        .flat_map(|w| w.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '.')))
        .map(|w| w.trim_matches(['.', '\'']).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slots;

    #[test]
    fn follow_up_table() {
        let kb = KnowledgeBase::embedded().unwrap();
        let rows: &[(&str, Option<FollowUp>)] = &[
            ("and security?", Some(FollowUp::Aspect("security".into()))),
            ("what about the orm", Some(FollowUp::Aspect("orm".into()))),
            ("deployment?", Some(FollowUp::Aspect("deployment".into()))),
            ("what about fastapi?", Some(FollowUp::Frameworks(vec!["fastapi".into()]))),
            ("and litestar?", Some(FollowUp::Frameworks(vec!["litestar".into()]))),
            ("why?", Some(FollowUp::More)),
            ("tell me more", Some(FollowUp::More)),
            ("source?", Some(FollowUp::More)),
            ("how so?", Some(FollowUp::More)),
            ("and flask vs fastapi on performance?", Some(FollowUp::Aspect("performance".into()))),
            // A subject of its own.
            ("and is flask good for a blog?", None),
            ("which companies use django", None),
            ("thanks", None),
            ("what is django", None),
            ("how do i deploy flask on heroku with docker and nginx", None),
        ];
        for (text, want) in rows {
            let s = slots::read(&kb, text);
            assert_eq!(read(&kb, text, &s), *want, "{text:?}");
        }
    }
}
