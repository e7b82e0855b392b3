//! Reading a typed reply's words by rule: an option's number or position, its keywords, a bare yes or no, a reply
//! that says it cannot answer.

use crate::knowledge::Step;

/// The one option of `step` whose keywords (whole words) the text holds, when exactly one option's do; neutral
/// options ("not sure") are left to the reader.
pub(super) fn keyword_option(step: &Step, text: &str) -> Option<usize> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let holds = |k: &str| {
        let k: Vec<&str> = k.split_whitespace().collect();
        !k.is_empty() && words.windows(k.len()).any(|w| w.iter().zip(&k).all(|(a, b)| a == b))
    };
    let mut found = step
        .options
        .iter()
        .enumerate()
        .filter(|(_, o)| !o.is_neutral() && o.keywords.iter().any(|k| holds(k)))
        .map(|(i, _)| i);
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// Phrases of a reply that says it cannot answer (rather than "not sure", which is an answer).
pub(super) const UNCLEAR: &[&str] = &[
    "don't understand",
    "dont understand",
    "do not understand",
    "didn't understand",
    "didnt understand",
    "not understand",
    "don't get it",
    "dont get it",
    "don't get the question",
    "dont get the question",
    "what to pick",
    "what to choose",
    "how to answer",
    "which to pick",
    "confused",
    "lost the thread",
];

/// Phrases of a question about the question itself ("what do you mean by built-ins?", "what's the difference
/// between small and medium?", "why does that matter?"): answered with what the question is for.
const ABOUT_THE_QUESTION: &[&str] = &[
    "what do you mean",
    "what does that mean",
    "what does this mean",
    "what does it mean",
    "what is meant",
    "whats meant",
    "meaning of",
    "what's the difference",
    "whats the difference",
    "what is the difference",
    "difference between",
    "why do you ask",
    "why do you need to know",
    "why does that matter",
    "why does it matter",
    "why does this matter",
    "why is that important",
    "why is this important",
    "what counts as",
    "does that count",
    "does it count",
    "explain the options",
    "explain the question",
    "explain this question",
    "which one should i pick",
    "which one do i pick",
    "what should i answer",
    "what do i answer",
    "rephrase",
    "get this question",
    "get the question",
    "understand this question",
    "understand the question",
];

/// Whether a reply asks about the question itself, or says it cannot answer it: it records nothing, and the user
/// is told what the question is for.
pub(super) fn asks_about_the_question(lower: &str) -> bool {
    let folded = lower.replace(['\u{2019}', '\''], "'");
    ABOUT_THE_QUESTION.iter().chain(UNCLEAR).any(|p| folded.contains(p))
}

/// Words of a bare agreement, refusal or hedge.
const YES_NO: &[&str] = &[
    "yes", "yeah", "yep", "yup", "ya", "sure", "ok", "okay", "no", "nope", "nah", "maybe", "perhaps", "possibly",
    "probably", "prob", "depends", "sir", "i", "guess", "think", "so", "lol", "haha", "please", "pls", "not", "really",
];

/// Whether a reply is only "yes", "no", "maybe" and the like.
pub(super) fn is_yes_no(lower: &str) -> bool {
    let mut words = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).peekable();
    words.peek().is_some() && words.all(|w| YES_NO.contains(&w))
}

/// Words that may stand around an option's position without changing it ("the second one", "option 3 pls").
const POSITION_FILLERS: &[&str] = &[
    "the",
    "option",
    "opt",
    "number",
    "choice",
    "answer",
    "one",
    "pls",
    "please",
    "i",
    "guess",
    "think",
    "pick",
    "choose",
    "take",
    "go",
    "with",
    "probably",
    "prob",
    "id",
    "d",
    "say",
    "then",
    "so",
    "ok",
    "okay",
    "hmm",
    "um",
    "uh",
    "yeah",
    "yes",
    "definitely",
    "def",
    "for",
    "sure",
    "me",
    "us",
    "we",
    "sir",
    "maam",
    "bro",
];

/// Words after a number that make it a quantity, not an option's number ("2 weeks", "5 devs").
const QUANTITY_WORDS: &[&str] = &[
    "week",
    "weeks",
    "day",
    "days",
    "month",
    "months",
    "year",
    "years",
    "people",
    "person",
    "devs",
    "dev",
    "developers",
    "engineers",
    "users",
    "user",
    "k",
    "m",
    "pages",
    "page",
    "endpoints",
    "models",
    "hours",
    "hrs",
    "sprints",
    "sprint",
    "of",
    "or",
    "to",
    "x",
    "%",
    "million",
    "thousand",
    "hundred",
    "requests",
    "req",
    "rps",
];

/// The option a reply names by its position: a number before other words ("2, just the basics", "option 3 -
/// we stream a lot"), or an ordinal ("the second one", "last option", "3rd"). `None` for anything else, and for a
/// number that counts something ("2 weeks", "5 devs").
pub fn position_named(lower: &str, options: usize) -> Option<usize> {
    let ordinal = |w: &str| -> Option<usize> {
        let n = match w {
            "first" | "1st" => 1,
            "second" | "2nd" | "two" => 2,
            "third" | "3rd" | "three" => 3,
            "fourth" | "4th" | "four" => 4,
            "fifth" | "5th" | "five" => 5,
            "sixth" | "6th" | "six" => 6,
            "seventh" | "7th" | "seven" => 7,
            "eighth" | "8th" | "eight" => 8,
            "last" => options,
            _ => return None,
        };
        Some(n)
    };
    // Words, with a mark of where punctuation ended a clause ("2, small" keeps its comma as a break).
    let mut words: Vec<&str> = Vec::new();
    let mut broke_after = Vec::new();
    for piece in lower.split_inclusive([',', '.', ';', ':', '-', '(', ')', '!', '?', '\n']) {
        let ends = piece.ends_with([',', '.', ';', ':', '-', '(', ')', '!', '?', '\n']);
        let before = words.len();
        words.extend(piece.split(|c: char| !c.is_alphanumeric() && c != '%').filter(|w| !w.is_empty()));
        if ends && words.len() > before {
            broke_after.push(words.len() - 1);
        }
    }
    // "option one" / "number one": "one" is otherwise a filler ("the second one").
    if let [first, "one", ..] = words.as_slice() {
        if matches!(*first, "option" | "number" | "no" | "choice")
            && words[2..].iter().all(|w| POSITION_FILLERS.contains(w))
        {
            return (options >= 1).then_some(0);
        }
    }
    let start = words.iter().position(|w| !POSITION_FILLERS.contains(w))?;
    let head = words[start];
    let rest = &words[start + 1..];
    // The rest of the head's clause: up to the first punctuation after it.
    let clause_end = broke_after.iter().copied().find(|&b| b >= start).unwrap_or(words.len() - 1);
    let clause_fillers = words[start + 1..=clause_end].iter().all(|w| POSITION_FILLERS.contains(w));
    let n = match head.parse::<usize>() {
        Ok(n) => {
            // A number counts something ("2 weeks", "5 devs"), or names a position: alone, ending its clause
            // ("2, tiny"), or leading an opinion ("2 i'd say").
            if rest.first().is_some_and(|w| QUANTITY_WORDS.contains(w)) || !(clause_fillers || rest.len() >= 2) {
                return None;
            }
            n
        }
        // "first time building one" is not a position: an ordinal stands alone in its clause, with fillers.
        Err(_) if clause_fillers => ordinal(head)?,
        Err(_) => return None,
    };
    (1..=options).contains(&n).then(|| n - 1)
}
