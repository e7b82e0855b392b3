//! Small talk: greetings, thanks, "help", "who are you" and chatter, told apart from questions by rule.
//!
//! A message is small talk only when every word of it is small talk ("thanks a lot bot!", "hi, what can you do?");
//! one word that carries a question ("thanks, and is flask faster?") leaves it to the matcher. The rules are
//! deliberately narrow: a short fixed vocabulary is easy to read and test, and a question wrongly taken for
//! chatter would go unanswered.

use serde::Serialize;

/// What kind of small talk a message is: the `id` of a `smalltalk` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Greeting,
    Thanks,
    /// What the bot can do and its commands.
    Help,
    /// Who or what the bot is.
    About,
    Chatter,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Greeting, Kind::Thanks, Kind::Help, Kind::About, Kind::Chatter];

    pub fn id(self) -> &'static str {
        match self {
            Kind::Greeting => "greeting",
            Kind::Thanks => "thanks",
            Kind::Help => "help",
            Kind::About => "about",
            Kind::Chatter => "chatter",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    /// `smalltalk:ID`, as the corpus and the evaluation sets write it.
    pub fn from_label(label: &str) -> Option<Self> {
        label.strip_prefix("smalltalk:").and_then(Self::from_id)
    }

    /// Whether a help channel answers it unprompted: chatter and thanks stay unanswered there.
    pub fn answered_in_help_channels(self) -> bool {
        matches!(self, Kind::Help | Kind::About)
    }
}

/// Phrases of each kind, most specific kind first: "hi, who made you?" is `about`, "thanks lol" is `thanks`.
const PHRASES: &[(Kind, &[&str])] = &[
    (
        Kind::About,
        &[
            "who are you",
            "who r u",
            "who made you",
            "who built you",
            "who created you",
            "who wrote you",
            "who runs you",
            "who maintains you",
            "what are you",
            "are you a bot",
            "are you an ai",
            "are you ai",
            "are you human",
            "are you a human",
            "are you real",
            "are you chatgpt",
            "is this chatgpt",
            "is this a bot",
            "is this an ai",
            "what is signpost",
            "what's signpost",
            "whats signpost",
            "what model are you",
            "are you open source",
            "where is your source code",
        ],
    ),
    (
        Kind::Help,
        &[
            "help",
            "halp",
            "what can you do",
            "what can u do",
            "what do you do",
            "what do u do",
            "what are you for",
            "what are your commands",
            "what commands",
            "commands",
            "list commands",
            "how do i use you",
            "how do i use this",
            "how to use you",
            "how to use this bot",
            "how does this work",
            "how do you work",
            "what can i ask",
            "what can i ask you",
            "usage",
            "menu",
        ],
    ),
    (
        Kind::Thanks,
        &[
            "thanks",
            "thank you",
            "thank u",
            "thankyou",
            "thanx",
            "thnx",
            "thx",
            "ty",
            "tyvm",
            "tysm",
            "cheers",
            "much appreciated",
            "appreciated",
            "appreciate it",
            "that helped",
            "this helped",
            "helpful",
            "very helpful",
            "super helpful",
            "that helps",
            "great answer",
            "good bot",
            "danke",
            "gracias",
            "merci",
            "obrigado",
        ],
    ),
    (
        Kind::Greeting,
        &[
            "hi",
            "hii",
            "hiii",
            "hello",
            "helo",
            "hey",
            "heya",
            "hiya",
            "yo",
            "sup",
            "wassup",
            "whats up",
            "what's up",
            "howdy",
            "hola",
            "hallo",
            "good morning",
            "good afternoon",
            "good evening",
            "morning",
            "gm",
            "greetings",
            "hey there",
            "hello there",
            "anyone here",
            "anybody here",
            "is anyone here",
            "are you there",
            "you there",
        ],
    ),
    (
        Kind::Chatter,
        &[
            "lol",
            "lmao",
            "lmfao",
            "rofl",
            "haha",
            "hahaha",
            "hehe",
            "xd",
            "ok",
            "okay",
            "okey",
            "k",
            "kk",
            "oki",
            "cool",
            "nice",
            "neat",
            "great",
            "awesome",
            "wow",
            "bruh",
            "bro",
            "yes",
            "yeah",
            "yep",
            "yup",
            "no",
            "nope",
            "nah",
            "sure",
            "fine",
            "same",
            "gg",
            "oh",
            "ah",
            "hmm",
            "hm",
            "interesting",
            "makes sense",
            "got it",
            "i see",
            "fair enough",
            "fair",
            "true",
            "agreed",
            "indeed",
            "noted",
            "bye",
            "goodbye",
            "see ya",
            "see you",
            "cya",
            "later",
            "good night",
            "gn",
            "nvm",
            "never mind",
            "nevermind",
            "ping",
            "sorry",
            "my bad",
            "oops",
            "based",
            "facts",
            "fr",
            "ikr",
            "idk",
            "love it",
            "love this",
            "this is cool",
            "that's cool",
            "thats cool",
            "so cool",
        ],
    ),
];

/// Words that add nothing to small talk ("thanks **so much** bot", "hi **there everyone**").
const FILLER: &[&str] = &[
    "a",
    "again",
    "all",
    "alot",
    "and",
    "bot",
    "bud",
    "buddy",
    "dude",
    "everyone",
    "everybody",
    "folks",
    "for",
    "friend",
    "guys",
    "just",
    "lot",
    "man",
    "mate",
    "me",
    "much",
    "pal",
    "please",
    "pls",
    "plz",
    "really",
    "signpost",
    "so",
    "sir",
    "that",
    "the",
    "then",
    "there",
    "this",
    "to",
    "very",
    "you",
    "u",
    "ya",
    "yall",
    "y'all",
    "again",
    "btw",
    "well",
    "oh",
    "ah",
    "um",
    "uh",
    "wait",
    "omg",
    "good",
    "now",
    "it",
    "is",
    "was",
    "all",
];

/// One kind's phrases, each as its words.
type Split = (Kind, Vec<Vec<&'static str>>);

/// [`PHRASES`] split into words once.
fn split_phrases() -> &'static [Split] {
    static SPLIT: std::sync::OnceLock<Vec<Split>> = std::sync::OnceLock::new();
    SPLIT.get_or_init(|| {
        PHRASES
            .iter()
            .map(|(kind, phrases)| (*kind, phrases.iter().map(|p| p.split(' ').collect()).collect()))
            .collect()
    })
}

/// The small talk `text` is, when every word of it is small talk.
pub fn detect(text: &str) -> Option<Kind> {
    let words = words(text);
    if words.len() > 12 {
        return None;
    }
    if words.is_empty() {
        // Only emoji, punctuation or a mention: chatter, unless there was nothing at all.
        return (!text.trim().is_empty()).then_some(Kind::Chatter);
    }
    let mut used = vec![false; words.len()];
    let mut found: Option<Kind> = None;
    for (kind, phrases) in split_phrases() {
        let kind = *kind;
        for parts in phrases {
            // A phrase whose first word is not in the message cannot match (most of them, most of the time).
            if !words.iter().any(|w| w == parts[0]) {
                continue;
            }
            let mut i = 0;
            while i + parts.len() <= words.len() {
                let hit = (0..parts.len()).all(|j| !used[i + j] && words[i + j] == parts[j]);
                if hit {
                    used[i..i + parts.len()].iter_mut().for_each(|u| *u = true);
                    // PHRASES runs from the most specific kind, so the first kind found wins.
                    found.get_or_insert(kind);
                    i += parts.len();
                } else {
                    i += 1;
                }
            }
        }
    }
    let rest_is_filler = words.iter().zip(&used).all(|(w, u)| *u || FILLER.contains(&w.as_str()));
    found.filter(|_| rest_is_filler)
}

/// Lower-case words with mentions, emoji and punctuation dropped ("what's" keeps its apostrophe).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in text.split_whitespace() {
        // `<@123>`, `<@!123>`, `<#123>`, `<@&123>` and custom emoji `<:name:123>` are not words.
        if raw.starts_with('<') && raw.ends_with('>') {
            continue;
        }
        let word: String = raw
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '\'')
            .flat_map(char::to_lowercase)
            .collect::<String>()
            .trim_matches('\'')
            .replace('’', "'");
        if word.is_empty() {
            continue;
        }
        // Stretched words ("thanksss", "hiiii", "lolll") read as their base.
        out.push(squeeze(&word));
    }
    out
}

/// "thanksss" -> "thanks", "heyyy" -> "hey", "sooo" -> "so": a run of one letter longer than two is cut to one,
/// and a final run of two to one where that gives a known word.
fn squeeze(word: &str) -> String {
    let mut out = String::new();
    let mut prev = None;
    let mut run = 0;
    for c in word.chars() {
        if Some(c) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(c);
        }
        if run <= 2 {
            out.push(c);
        }
    }
    let known = |w: &str| PHRASES.iter().any(|(_, ps)| ps.contains(&w)) || FILLER.contains(&w);
    if known(&out) {
        return out;
    }
    // "thankss" -> "thanks", "soo" -> "so"
    let mut chars: Vec<char> = out.chars().collect();
    if chars.len() >= 3 && chars[chars.len() - 1] == chars[chars.len() - 2] {
        chars.pop();
        let cut: String = chars.iter().collect();
        if known(&cut) {
            return cut;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_talk_table() {
        let rows: &[(&str, Option<Kind>)] = &[
            ("thanks!", Some(Kind::Thanks)),
            ("thanks a lot bot 🙏", Some(Kind::Thanks)),
            ("ty so much that helped", Some(Kind::Thanks)),
            ("thanksss", Some(Kind::Thanks)),
            ("hi", Some(Kind::Greeting)),
            ("hello there everyone", Some(Kind::Greeting)),
            ("<@123456789012345678> hey", Some(Kind::Greeting)),
            ("help", Some(Kind::Help)),
            ("hi, what can you do?", Some(Kind::Help)),
            ("who made you?", Some(Kind::About)),
            ("are you a bot", Some(Kind::About)),
            ("lol", Some(Kind::Chatter)),
            ("ok cool, makes sense", Some(Kind::Chatter)),
            ("🙏🙏", Some(Kind::Chatter)),
            ("thanks lol", Some(Kind::Thanks)),
            // A question beside the small talk is left to the matcher.
            ("thanks, and is flask faster?", None),
            ("help pls my django migrations fail", None),
            ("hi, django or flask for a blog?", None),
            ("ok but how do i connect flask to mysql", None),
            ("who made flask?", None),
            ("what is fastapi", None),
            ("", None),
        ];
        for (text, want) in rows {
            assert_eq!(detect(text), *want, "{text:?}");
        }
    }

    #[test]
    fn labels_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_label(&format!("smalltalk:{}", kind.id())), Some(kind));
        }
        assert_eq!(Kind::from_label("smalltalk:weather"), None);
        assert_eq!(Kind::from_label("faq:thanks"), None);
    }
}
