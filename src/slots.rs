//! Which frameworks a message names, and whether each is asked about or ruled out.
//!
//! "is fastapi slower than flask?" asks about FastAPI and Flask; "my team hates django, what should we use?" rules
//! Django out; "django ninja" is Django Ninja, not Django. Names come from the knowledge (the three frameworks'
//! ids, names and aliases, and every entry of `others.toml`), read as whole words, longest name first, with one
//! typo forgiven in names of five letters or more. Names that are also plain English words ("go", "express",
//! "spring", "bottle") count only beside another framework or a word about frameworks.

use crate::knowledge::KnowledgeBase;

/// How the message speaks of a framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stance {
    /// Asked about, compared, or simply named.
    Asked,
    /// Ruled out or denied: "hates django", "never used flask", "instead of fastapi", "not flask".
    RuledOut,
}

/// One framework the message names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: String,
    /// One of the knowledge's frameworks (with profiles and aspect texts), not an entry of `others.toml`.
    pub core: bool,
    pub stance: Stance,
}

/// Every framework a message names, in order of first appearance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slots {
    pub named: Vec<Named>,
}

impl Slots {
    /// Ids asked about, in order.
    pub fn asked(&self) -> Vec<&str> {
        self.named.iter().filter(|n| n.stance == Stance::Asked).map(|n| n.id.as_str()).collect()
    }

    /// Ids of the knowledge's own frameworks asked about, in order.
    pub fn asked_core(&self) -> Vec<&str> {
        self.named.iter().filter(|n| n.core && n.stance == Stance::Asked).map(|n| n.id.as_str()).collect()
    }

    /// Ids of other frameworks and stacks asked about, in order.
    pub fn asked_others(&self) -> Vec<&str> {
        self.named.iter().filter(|n| !n.core && n.stance == Stance::Asked).map(|n| n.id.as_str()).collect()
    }

    pub fn ruled_out(&self) -> Vec<&str> {
        self.named.iter().filter(|n| n.stance == Stance::RuledOut).map(|n| n.id.as_str()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.named.is_empty()
    }
}

/// Names that are everyday words too: they name a framework only in a message about frameworks.
const AMBIGUOUS: &[&str] =
    &["go", "express", "spring", "phoenix", "falcon", "pyramid", "tornado", "bottle", "quart", "next", "ninja", "nest"];

/// Neighbours that make an ambiguous name a framework: "go vs python", "written in go", "bottle framework".
const NEIGHBOURS: &[&str] = &[
    "vs",
    "versus",
    "or",
    "and",
    "than",
    "in",
    "framework",
    "frameworks",
    "backend",
    "back-end",
    "api",
    "apis",
    "lang",
    "js",
    "web",
    "server",
    "microframework",
    "stack",
    "ecosystem",
];

/// Words before a name that rule it out, as word sequences. A cue counts within [`CUE_WINDOW`] words before the
/// name, in the same clause.
const RULE_OUT_CUES: &[&[&str]] = &[
    &["hate"],
    &["hates"],
    &["hated"],
    &["hating"],
    &["dislike"],
    &["dislikes"],
    &["never", "used"],
    &["never", "use"],
    &["never", "touched"],
    &["never", "worked"],
    &["never", "tried"],
    &["never", "learned"],
    &["instead", "of"],
    &["anything", "but"],
    &["anything", "except"],
    &["except"],
    &["other", "than"],
    &["rather", "than"],
    &["not"],
    &["no"],
    &["without"],
    &["avoid"],
    &["avoiding"],
    &["don't", "want"],
    &["dont", "want"],
    &["do", "not", "want"],
    &["don't", "like"],
    &["dont", "like"],
    &["don't", "know"],
    &["dont", "know"],
    &["can't", "use"],
    &["cant", "use"],
    &["cannot", "use"],
    &["rule", "out"],
    &["ruled", "out"],
    &["ditch"],
    &["ditching"],
    &["tired", "of"],
    &["sick", "of"],
    &["fed", "up", "with"],
    &["no", "experience", "with"],
    &["zero", "experience", "with"],
];

/// "not" that does not negate the name after it ("not sure if django or flask", "not only django").
const NOT_NEGATING: &[&str] = &["sure", "only", "just", "yet", "decided", "certain", "bad", "that", "much", "really"];

/// How many words before a name a rule-out cue may stand.
const CUE_WINDOW: usize = 4;

/// One name the knowledge knows, as words.
struct Name {
    words: Vec<String>,
    id: String,
    core: bool,
}

/// The frameworks named in `text` (building the table of names first: hold a [`Reader`] to read many).
pub fn read(kb: &KnowledgeBase, text: &str) -> Slots {
    Reader::new(kb).read(text)
}

/// The knowledge's framework names, read once, to read many messages with.
pub struct Reader {
    names: Vec<Name>,
    /// Indices into `names` by first word, so a message is matched only against the names that can start at
    /// each word (the names with a typo forgiven are tried everywhere: there are few).
    by_first: std::collections::HashMap<String, Vec<usize>>,
    forgiving: Vec<usize>,
}

impl Reader {
    pub fn new(kb: &KnowledgeBase) -> Self {
        Self::of(names(kb, true))
    }

    fn of(names: Vec<Name>) -> Self {
        let mut by_first: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
        let mut forgiving = Vec::new();
        for (i, n) in names.iter().enumerate() {
            by_first.entry(n.words[0].clone()).or_default().push(i);
            if n.core && n.words[0].chars().count() >= 5 {
                forgiving.push(i);
            }
        }
        Self { names, by_first, forgiving }
    }

    /// A reader of the knowledge's own frameworks only (not `others.toml`): cheaper, for the dialog, which weighs
    /// only those.
    pub fn core(kb: &KnowledgeBase) -> Self {
        Self::of(names(kb, false))
    }

    /// The frameworks named in `text`.
    pub fn read(&self, text: &str) -> Slots {
        let tokens = tokenize(text);
        read_tokens(&tokens, |word| {
            self.by_first.get(word).into_iter().flatten().chain(&self.forgiving).map(|&i| &self.names[i]).collect()
        })
    }
}

/// The names found in `tokens`; `candidates` gives the names that may start at a word.
fn read_tokens<'n>(tokens: &[Token], candidates: impl Fn(&str) -> Vec<&'n Name>) -> Slots {
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();

    // Every name found: (start, end, id, core); the longest name wins where names overlap ("django ninja").
    let mut found: Vec<(usize, usize, &Name)> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let hit = candidates(words[i])
            .into_iter()
            .filter(|n| n.words.len() <= words.len() - i && matches_at(&words[i..], &n.words, n.core))
            .max_by_key(|n| n.words.len());
        match hit {
            Some(n) => {
                found.push((i, i + n.words.len(), n));
                i += n.words.len();
            }
            None => i += 1,
        }
    }
    // An ambiguous name counts only next to a word about frameworks, or to another name.
    found.retain(|(s, e, n)| {
        let ambiguous = n.words.len() == 1 && AMBIGUOUS.contains(&words[*s]);
        let near = |i: Option<usize>| i.and_then(|i| words.get(i)).is_some_and(|w| NEIGHBOURS.contains(w));
        // "bottle?" or "pyramid still alive?" alone is about the framework; "go" always needs a neighbour ("go
        // with django" is not about Go).
        let short = words.len() <= 3 && words[*s] != "go";
        !ambiguous || short || near(s.checked_sub(1)) || near(Some(*e))
    });

    let mut slots = Slots::default();
    for (start, _, name) in found {
        let stance = stance_before(tokens, start);
        match slots.named.iter_mut().find(|n| n.id == name.id) {
            // Named twice: asked about if any mention asks ("not django... ok django vs flask then").
            Some(n) => {
                if stance == Stance::Asked {
                    n.stance = Stance::Asked;
                }
            }
            None => slots.named.push(Named { id: name.id.clone(), core: name.core, stance }),
        }
    }
    slots
}

/// Whether `words` starts with `name`, forgiving one typo in a word of five letters or more of the knowledge's own
/// frameworks' names (others list their common misspellings: "jinja" is one letter from "ninja").
fn matches_at(words: &[&str], name: &[String], forgive: bool) -> bool {
    name.iter().zip(words).all(|(n, w)| {
        if n == w {
            return true;
        }
        let long = forgive && n.chars().count() >= 5 && w.chars().count() >= 5;
        long && strsim::damerau_levenshtein(n, w) <= 1 && !w.chars().all(|c| c.is_ascii_digit())
    })
}

fn stance_before(tokens: &[Token], at: usize) -> Stance {
    let from = at.saturating_sub(CUE_WINDOW + 2);
    // The clause the name is in: a cue before the last clause break does not reach it.
    let clause_start = (from..at).rev().find(|&i| tokens[i].breaks_after).map_or(from, |i| i + 1);
    let window: Vec<&str> = tokens[clause_start..at].iter().map(|t| t.word.as_str()).collect();
    for cue in RULE_OUT_CUES {
        for s in 0..window.len() {
            if window.len() - s < cue.len() || window[s..s + cue.len()] != **cue {
                continue;
            }
            let distance = window.len() - (s + cue.len());
            if distance > CUE_WINDOW {
                continue;
            }
            if (cue == &["not"] || cue == &["no"]) && window.get(s + 1).is_some_and(|w| NOT_NEGATING.contains(w)) {
                continue;
            }
            // "not" and "no" reach only the next word or two ("not flask", "no django please").
            if (cue == &["not"] || cue == &["no"]) && distance > 1 {
                continue;
            }
            return Stance::RuledOut;
        }
    }
    Stance::Asked
}

fn names(kb: &KnowledgeBase, with_others: bool) -> Vec<Name> {
    let mut out = Vec::new();
    let mut add = |text: &str, id: &str, core: bool| {
        let words: Vec<String> = tokenize(text).into_iter().map(|t| t.word).collect();
        // ".net" and "c#" lose their punctuation as words and would match "net" and "c": leave them out.
        let mangled = words.len() == 1 && words[0] != text.trim().to_lowercase();
        if !words.is_empty() && !mangled && !out.iter().any(|n: &Name| n.words == words) {
            out.push(Name { words, id: id.to_string(), core });
        }
    };
    for f in &kb.frameworks {
        add(&f.id, &f.id, true);
        add(&f.name, &f.id, true);
        for a in &f.aliases {
            add(a, &f.id, true);
        }
    }
    for o in kb.others.iter().filter(|_| with_others) {
        add(&o.id, &o.id, false);
        add(&o.name, &o.id, false);
        for a in &o.aliases {
            add(a, &o.id, false);
        }
    }
    out
}

struct Token {
    word: String,
    /// A clause ends after this word (`.`, `,`, `;`, `?`, `!`, `:` or a line break follows it).
    breaks_after: bool,
}

/// Lower-case words; `.` inside a word is kept ("next.js", "asp.net"), `-` splits ("django-ninja" is two words, as
/// "django ninja" is). Mentions and code are not words.
fn tokenize(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        let w = word.trim_matches('.').to_string();
        if !w.is_empty() {
            out.push(Token { word: w, breaks_after: false });
        }
        word.clear();
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<' {
            // `<@123>`, `<#123>`, `<:emoji:123>`: skip to the closing bracket.
            let rest: String = chars.clone().take(40).collect();
            if let Some(end) = rest.find('>') {
                if rest[..end].chars().all(|c| c.is_ascii_alphanumeric() || "@!#&:_".contains(c)) {
                    for _ in 0..=end {
                        chars.next();
                    }
                    continue;
                }
            }
        }
        if c.is_alphanumeric() || c == '\'' || c == '’' {
            word.extend(c.to_lowercase());
        } else if c == '.' && !word.is_empty() && chars.peek().is_some_and(|n| n.is_alphanumeric()) {
            word.push('.');
        } else {
            flush(&mut word, &mut out);
            if ".,;?!:\n()".contains(c) {
                if let Some(last) = out.last_mut() {
                    last.breaks_after = true;
                }
            }
        }
    }
    flush(&mut word, &mut out);
    for t in &mut out {
        t.word = t.word.replace('’', "'");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> KnowledgeBase {
        KnowledgeBase::embedded().expect("embedded knowledge")
    }

    #[test]
    fn slot_table() {
        let kb = kb();
        // (message, asked, ruled out)
        let rows: &[(&str, &[&str], &[&str])] = &[
            ("is fastapi slower than flask?", &["fastapi", "flask"], &[]),
            ("django vs flask", &["django", "flask"], &[]),
            ("djnago or flsk for a blog", &["django"], &[]),
            ("dj or fapi?", &["django", "fastapi"], &[]),
            ("fast api vs django performance", &["fastapi", "django"], &[]),
            ("my team hates django. what should we use for a json api?", &[], &["django"]),
            ("never used django, flask or fastapi for a small api?", &["flask", "fastapi"], &["django"]),
            ("instead of flask, what about fastapi", &["fastapi"], &["flask"]),
            ("anything but fastapi please", &[], &["fastapi"]),
            ("not flask, it's too bare", &[], &["flask"]),
            ("not sure if django or flask", &["django", "flask"], &[]),
            ("(flask, django, fastapi)", &["flask", "django", "fastapi"], &[]),
            ("django ninja or drf?", &["django-ninja", "drf"], &[]),
            ("is rails better than django?", &["rails", "django"], &[]),
            ("litestar vs fastapi", &["litestar", "fastapi"], &[]),
            ("should i go with django", &["django"], &[]),
            ("for a really big project would you go django or flask", &["django", "flask"], &[]),
            ("flask jinja vs django templates", &["flask", "django"], &[]),
            ("python or go for the backend?", &["go"], &[]),
            ("flask and bottle, which is smaller", &["flask", "bottle"], &[]),
            ("go vs python for a web backend", &["go"], &[]),
            ("i want to express my thanks", &[], &[]),
            ("bottle?", &["bottle"], &[]),
            ("go?", &[], &[]),
            ("next.js frontend with a fastapi backend", &["nextjs", "fastapi"], &[]),
            ("<@123456789012345678> flask?", &["flask"], &[]),
            ("we don't want django, it is too heavy; flask then?", &["flask"], &["django"]),
            ("no django please", &[], &["django"]),
        ];
        for (text, asked, ruled_out) in rows {
            let s = read(&kb, text);
            assert_eq!(s.asked(), *asked, "asked in {text:?}");
            assert_eq!(s.ruled_out(), *ruled_out, "ruled out in {text:?}");
        }
    }

    #[test]
    fn core_and_others_are_told_apart() {
        let s = read(&kb(), "sanic vs flask vs bottle framework");
        assert_eq!(s.asked_core(), ["flask"]);
        assert_eq!(s.asked_others(), ["sanic", "bottle"]);
    }
}
