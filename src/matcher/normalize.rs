//! Turns a chat message into the words the model reads.
//!
//! 1. *Clean*: drop Discord mentions, custom emoji, URLs and fenced code; lower-case; split into words.
//! 2. *Repair*: a word nobody uses is corrected to a known word one edit away ("djnago" -> "django"), found
//!    through a table of single-character deletions; the work per word is bounded.
//! 3. *Fold*: the lexicon's synonyms and slang ("db", "w/", "faster"), then Snowball stemming.

use std::collections::{HashMap, HashSet};

use rust_stemmers::{Algorithm, Stemmer};

use crate::knowledge::KnowledgeBase;

/// Messages longer than this are cut before matching: a question never needs more, and it bounds the work.
pub const MAX_MATCH_CHARS: usize = 2_000;

/// Words longer than this are never repaired: no real word is that long, and repair work grows with length.
const MAX_REPAIR_CHARS: usize = 20;

/// A message after cleaning and folding.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Reading {
    /// Repaired words with synonyms folded, unstemmed (what character n-grams are taken from).
    pub words: Vec<String>,
    /// The same words stemmed (what word n-grams are taken from).
    pub stems: Vec<String>,
    /// Frameworks the message names, in order of appearance (indices into `KnowledgeBase::frameworks`).
    pub frameworks: Vec<usize>,
    /// The message names frameworks the knowledge does not cover, and none it does.
    pub foreign_only: bool,
}

/// The normalisation of one knowledge base. Immutable.
pub struct Normalizer {
    stemmer: Stemmer,
    /// Words any text of the knowledge or the corpus uses: a message word outside it is a candidate typo.
    vocabulary: HashSet<String>,
    /// The knowledge's own words, which are spelled right: what a typo is repaired to.
    targets: HashSet<String>,
    /// Deletion-neighbourhood of the knowledge's own words: "djngo" -> ["django"], for one-edit typo repair.
    deletions: HashMap<String, Vec<String>>,
    synonyms: HashMap<Vec<String>, Vec<String>>,
    longest_synonym: usize,
    foreign: HashSet<String>,
    /// Word (lower case, unstemmed) -> framework index.
    framework_names: HashMap<String, usize>,
}

impl Normalizer {
    /// `corpus_words` are words the example corpus shows to be real (see [`corpus_words`]); they are not repaired.
    pub fn new(kb: &KnowledgeBase, corpus_words: &[String]) -> Self {
        let lex = &kb.lexicon;
        let mut n = Normalizer {
            stemmer: Stemmer::create(Algorithm::English),
            vocabulary: HashSet::new(),
            targets: HashSet::new(),
            deletions: HashMap::new(),
            synonyms: HashMap::new(),
            longest_synonym: 1,
            foreign: lex.foreign.iter().cloned().collect(),
            framework_names: HashMap::new(),
        };
        for (from, to) in &lex.synonyms {
            let key = words(from);
            n.longest_synonym = n.longest_synonym.max(key.len());
            n.synonyms.insert(key, words(to));
        }
        for (i, fw) in kb.frameworks.iter().enumerate() {
            for name in std::iter::once(&fw.id).chain(&fw.aliases).chain(std::iter::once(&fw.name.to_lowercase())) {
                match words(name).as_slice() {
                    [] => {}
                    [w] => {
                        n.framework_names.insert(w.clone(), i);
                    }
                    // "fast api" names FastAPI only as a phrase; "fast" alone is about speed.
                    phrase => {
                        n.longest_synonym = n.longest_synonym.max(phrase.len());
                        n.synonyms.insert(phrase.to_vec(), vec![fw.id.clone()]);
                    }
                }
            }
        }

        // Repair targets: the words of the knowledge itself, which are spelled right.
        let mut texts: Vec<&str> = Vec::new();
        for faq in &kb.faqs {
            texts.extend(faq.phrasings.iter().map(String::as_str));
        }
        for a in &kb.aspects {
            texts.push(&a.name);
            texts.extend(a.keywords.iter().chain(&a.weak_keywords).map(String::as_str));
        }
        for s in &kb.dialog.steps {
            for o in &s.options {
                texts.push(&o.label);
                texts.extend(o.keywords.iter().map(String::as_str));
            }
        }
        let lexicon_words = lex.synonyms.iter().flat_map(|(k, v)| [k, v]).chain(&lex.ignore).chain(&lex.foreign);
        for t in texts.into_iter().chain(lexicon_words.map(String::as_str)) {
            n.vocabulary.extend(words(t));
        }
        n.vocabulary.extend(n.framework_names.keys().cloned());
        n.targets = n.vocabulary.clone();
        for w in &n.targets {
            if w.chars().count() >= 4 && !w.starts_with('{') {
                for d in deletions(w) {
                    n.deletions.entry(d).or_default().push(w.clone());
                }
            }
        }
        n.vocabulary.extend(corpus_words.iter().cloned());
        n
    }

    /// Cleans, repairs and folds a chat message.
    pub fn read(&self, message: &str) -> Reading {
        // Cut after cleaning, so a question after a long pasted code block is still read.
        let cleaned = clean(message);
        let tokens: Vec<String> =
            words(truncate_chars(&cleaned, MAX_MATCH_CHARS)).into_iter().map(|w| self.spell(w)).collect();
        let tokens = self.apply_synonyms(tokens);
        let mut r = Reading::default();
        for w in &tokens {
            if let Some(&i) = self.framework_names.get(w) {
                if !r.frameworks.contains(&i) {
                    r.frameworks.push(i);
                }
            }
        }
        r.foreign_only = r.frameworks.is_empty() && tokens.iter().any(|w| self.foreign.contains(w));
        r.stems = tokens
            .iter()
            .map(|w| {
                if self.framework_names.contains_key(w.as_str()) {
                    w.clone()
                } else {
                    self.stemmer.stem(w).into_owned()
                }
            })
            .collect();
        r.words = tokens;
        r
    }

    /// A word as the knowledge spells it: kept when the knowledge uses it; repaired when it is one edit from a
    /// framework name (writers share typos of those: "flsk"), or from another knowledge word unless the corpus
    /// shows it is a real word of its own.
    fn spell(&self, word: String) -> String {
        if self.targets.contains(&word) {
            return word;
        }
        match self.repair(&word) {
            Some(r) if self.framework_names.contains_key(&r) || !self.vocabulary.contains(&word) => r,
            _ => word,
        }
    }

    fn apply_synonyms(&self, tokens: Vec<String>) -> Vec<String> {
        let mut out = Vec::with_capacity(tokens.len());
        let mut i = 0;
        'outer: while i < tokens.len() {
            for len in (1..=self.longest_synonym.min(tokens.len() - i)).rev() {
                if let Some(to) = self.synonyms.get(&tokens[i..i + len]) {
                    out.extend(to.iter().cloned());
                    i += len;
                    continue 'outer;
                }
            }
            out.push(tokens[i].clone());
            i += 1;
        }
        out
    }

    /// The known word one edit away from `word`, when one is (ties resolved towards the shorter form).
    fn repair(&self, word: &str) -> Option<String> {
        let n = word.chars().count();
        if !(4..=MAX_REPAIR_CHARS).contains(&n) || word.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut candidates: Vec<&String> = Vec::new();
        let mut probe = |key: &str| {
            if let Some(list) = self.deletions.get(key) {
                candidates.extend(list.iter());
            }
        };
        // Short words are too often other real words ("heard" is not "hard"), so the shorter the word, the fewer
        // kinds of edit are tried.
        probe(word); // a letter missing from the message ("fastpi", "flsk")
        for d in deletions(word) {
            if n >= 6 && self.targets.contains(&d) {
                return Some(d); // an extra letter in the message ("flaskk")
            }
            if n >= 5 {
                probe(&d); // a substituted or swapped letter ("djnago")
            }
        }
        candidates.sort();
        candidates.dedup();
        candidates
            .into_iter()
            .filter(|c| strsim::damerau_levenshtein(word, c) <= 1 + usize::from(n >= 8))
            .filter(|c| c.chars().count() + 1 >= n || n >= 5)
            .min_by_key(|c| (strsim::damerau_levenshtein(word, c), c.len()))
            .cloned()
    }
}

/// Words that two or more writers of the corpus use: real words, not typos to repair (writers rarely share
/// typos), though never repair targets. Sorted.
pub fn corpus_words(kb: &KnowledgeBase) -> Vec<String> {
    let mut writers_of: HashMap<String, HashSet<&str>> = HashMap::new();
    for e in &kb.examples {
        for w in words(&clean(&e.text)) {
            writers_of.entry(w).or_default().insert(&e.writer);
        }
    }
    let mut out: Vec<String> = writers_of.into_iter().filter(|(_, ws)| ws.len() >= 2).map(|(w, _)| w).collect();
    out.sort_unstable();
    out
}

/// Cuts `s` to at most `max` characters on a character boundary.
pub fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Removes what carries no words: Discord mentions and custom emoji, URLs, fenced code blocks.
pub fn clean(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    let mut in_fence = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("```") {
            in_fence = !in_fence;
            rest = after;
            out.push(' ');
            continue;
        }
        let c = rest.chars().next().unwrap();
        if in_fence {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '<' {
            // <@123>, <@!123>, <@&123>, <#123>, <:name:123>, <a:name:123>, <t:123:R>, <https://...>; the search
            // for '>' is bounded so a message of many '<' stays linear.
            let window = truncate_chars(&rest[1..], 120);
            if let Some(end) = window.find('>') {
                let inner = &window[..end];
                if !inner.is_empty() && !inner.contains(char::is_whitespace) {
                    rest = &rest[end + 2..];
                    out.push(' ');
                    continue;
                }
            }
        }
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            rest = &rest[end..];
            out.push(' ');
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Lower-case words: letters, digits and the joiners that belong inside a word (`e-commerce`, `w/`, `c#`).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in
        text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '\'' | '’' | '-' | '/' | '{' | '}' | '#' | '_')))
    {
        let w = raw.trim_matches(|c: char| matches!(c, '\'' | '’' | '-' | '/' | '_'));
        if w.is_empty() {
            continue;
        }
        let w = w.to_lowercase().replace('’', "'");
        // Contractions and possessives: "django's" -> "django", "can't" -> "cant", "what's" -> "whats".
        let w = match w.split_once('\'') {
            Some((head, "s")) if head.len() > 3 => head.to_string(),
            Some((head, tail)) => format!("{head}{tail}"),
            None => w,
        };
        if w.contains('/') && w.len() > 3 {
            // "flask/django" is two words; "w/" and "b/w" are shorthand the lexicon knows.
            out.extend(w.split('/').filter(|p| !p.is_empty()).map(str::to_string));
        } else {
            out.push(w);
        }
    }
    out
}

/// Every string made by deleting one character of `word`.
fn deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|skip| chars.iter().enumerate().filter(|&(i, _)| i != skip).map(|(_, c)| c).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_drops_mentions_urls_and_code() {
        let c = clean("<@123> see https://x.y/z ```py\nprint(1)\n``` flask <:e:1> ok");
        assert_eq!(words(&c), ["see", "flask", "ok"]);
    }

    #[test]
    fn many_angle_brackets_stay_linear_and_keep_text() {
        let s = "<".repeat(5000) + "django";
        assert!(words(&clean(&s)).contains(&"django".to_string()));
    }
}
