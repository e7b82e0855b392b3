//! The guided decision as a pure state machine over `knowledge/dialog.toml`.
//!
//! The state is only the list of options chosen so far: the current step is found by replaying them from the
//! dialog's start, so the state stays a few bytes long, survives a restart as it is, and fits inside a Discord
//! custom_id. It is versioned (`State::VERSION`) and encodes to text as `1:0.2.1`.

use std::{collections::BTreeMap, fmt, str::FromStr};

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

use crate::knowledge::{Dialog, DialogOption, KnowledgeBase, Step};

/// Where a user is in the dialog: the option index chosen at each step so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct State {
    pub answers: Vec<u8>,
}

impl State {
    pub const VERSION: u8 = 1;

    /// The state of a dialog that just started.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", Self::VERSION)?;
        for (i, a) in self.answers.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

impl FromStr for State {
    type Err = DialogError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (version, rest) = s.split_once(':').ok_or(DialogError::BadState)?;
        if version.parse::<u8>().map_err(|_| DialogError::BadState)? != Self::VERSION {
            return Err(DialogError::BadState);
        }
        if rest.is_empty() {
            return Ok(Self::new());
        }
        let answers =
            rest.split('.').map(|a| a.parse::<u8>().map_err(|_| DialogError::BadState)).collect::<Result<_, _>>()?;
        Ok(Self { answers })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialogError {
    #[error("this decision no longer fits the current questions (they were edited); start again with /decide")]
    Stale,
    #[error("this decision state is damaged; start again with /decide")]
    BadState,
    #[error("this decision is already finished; start a new one with /decide")]
    Finished,
}

/// What the user did at a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// An option chosen by index (0-based), as from a button.
    Choose(usize),
    /// What the user typed: an option number, id or label, a command word, or free text.
    Text(String),
    Back,
    Restart,
    Cancel,
}

impl Input {
    /// Reads a typed line: `back`, `restart` and `cancel` are commands, anything else is an answer.
    pub fn parse(text: &str) -> Input {
        match text.trim().trim_start_matches('/').trim_end_matches(['.', '!', '?']).trim().to_lowercase().as_str() {
            "back" | "undo" | "previous" => Input::Back,
            "restart" | "start over" | "reset" => Input::Restart,
            "cancel" | "stop" | "quit" | "exit" => Input::Cancel,
            _ => Input::Text(text.to_string()),
        }
    }
}

/// One question as shown to the user.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub step: String,
    pub text: String,
    pub options: Vec<OptionView>,
    /// 1-based position in the dialog and the answers given so far (for "question 3").
    pub number: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub id: String,
    pub label: String,
}

/// What follows an input.
#[derive(Debug, Clone)]
pub enum Outcome {
    Question(Question),
    /// The input matched no option: say so, and ask the same question again.
    Reprompt {
        message: String,
        question: Question,
    },
    Verdict(Verdict),
    Cancelled,
}

/// The end of the dialog: a recommendation that explains itself.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub recommendation: String,
    /// 0..1: the recommended framework's share of a softmax over the scores.
    pub confidence: f32,
    pub scores: BTreeMap<String, i32>,
    pub reasons: Vec<Reason>,
    /// The single different answer that would change the recommendation, if one would.
    pub flip: Option<Flip>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub step: String,
    pub question: String,
    pub answer: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Flip {
    pub step: String,
    pub question: String,
    pub answer: String,
    pub recommendation: String,
}

/// How sure a verdict is: scores are divided by this before the softmax (a 3-point lead is clear but not certain).
const TEMPERATURE: f32 = 3.0;

/// The answered steps of a dialog, each with its chosen option.
pub type Path<'d> = Vec<(&'d Step, &'d DialogOption)>;

/// Replays `state` from the start: the steps visited, and the step now waiting for an answer (`None` when done).
fn replay<'d>(dialog: &'d Dialog, state: &State) -> Result<(Path<'d>, Option<&'d Step>), DialogError> {
    let find = |id: &str| dialog.steps.iter().find(|s| s.id == id).ok_or(DialogError::Stale);
    let mut path = Vec::with_capacity(state.answers.len());
    let mut current = Some(find(&dialog.start)?);
    for &a in &state.answers {
        let step = current.ok_or(DialogError::Stale)?;
        let option = step.options.get(a as usize).ok_or(DialogError::Stale)?;
        path.push((step, option));
        current = step.next_after(option).map(find).transpose()?;
    }
    Ok((path, current))
}

fn question(step: &Step, number: usize) -> Question {
    Question {
        step: step.id.clone(),
        text: step.text.clone(),
        options: step.options.iter().map(|o| OptionView { id: o.id.clone(), label: o.label.clone() }).collect(),
        number,
    }
}

/// The state machine. Pure: the same knowledge, state and input always give the same result.
pub struct Machine<'kb> {
    kb: &'kb KnowledgeBase,
}

/// Lower-cased, stemmed words of `text`: how typed answers and option keywords are compared.
pub fn stem_phrase(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::English);
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| stemmer.stem(&w.to_lowercase()).into_owned())
        .collect()
}

impl<'kb> Machine<'kb> {
    pub fn new(kb: &'kb KnowledgeBase) -> Self {
        Self { kb }
    }

    /// Starts a dialog: the empty state and the first question.
    pub fn start(&self) -> Result<(State, Question), DialogError> {
        let state = State::new();
        match self.current(&state)? {
            Outcome::Question(q) => Ok((state, q)),
            _ => Err(DialogError::Stale),
        }
    }

    /// What the user sees for `state`: the waiting question, or the verdict when every question is answered.
    pub fn current(&self, state: &State) -> Result<Outcome, DialogError> {
        let (path, current) = replay(&self.kb.dialog, state)?;
        Ok(match current {
            Some(step) => Outcome::Question(question(step, path.len() + 1)),
            None => Outcome::Verdict(self.verdict(&path)),
        })
    }

    /// Applies one input.
    pub fn step(&self, state: &State, input: Input) -> Result<(State, Outcome), DialogError> {
        let (_, current) = replay(&self.kb.dialog, state)?;
        let mut next = state.clone();
        match input {
            Input::Cancel => return Ok((next, Outcome::Cancelled)),
            Input::Restart => next.answers.clear(),
            Input::Back => {
                next.answers.pop();
            }
            Input::Choose(i) => {
                let step = current.ok_or(DialogError::Finished)?;
                if i >= step.options.len() {
                    let message = format!("Pick an option from 1 to {}.", step.options.len());
                    return Ok((
                        next,
                        Outcome::Reprompt { message, question: question(step, state.answers.len() + 1) },
                    ));
                }
                next.answers.push(i as u8);
            }
            Input::Text(text) => {
                let step = current.ok_or(DialogError::Finished)?;
                match self.interpret(step, &text) {
                    Some(i) => next.answers.push(i as u8),
                    None => {
                        let message = format!(
                            "I could not tell which answer that is. Reply with a number from 1 to {}, an option's name, or back / restart / cancel.",
                            step.options.len()
                        );
                        return Ok((
                            next,
                            Outcome::Reprompt { message, question: question(step, state.answers.len() + 1) },
                        ));
                    }
                }
            }
        }
        let outcome = self.current(&next)?;
        Ok((next, outcome))
    }

    /// Maps typed text to an option of `step`: its number, id or label, or the option whose keywords the text
    /// mentions most (only when one option clearly leads).
    pub fn interpret(&self, step: &Step, text: &str) -> Option<usize> {
        let t = text.trim().trim_end_matches(['.', '!', ')']).trim();
        if let Ok(n) = t.parse::<usize>() {
            return (1..=step.options.len()).contains(&n).then(|| n - 1);
        }
        let lower = t.to_lowercase();
        if let Some(i) = step.options.iter().position(|o| o.id == lower || o.label.to_lowercase() == lower) {
            return Some(i);
        }
        self.interpret_stems(step, &stem_phrase(&lower))
    }

    /// The option whose keywords the (stemmed) text mentions most, when one clearly leads.
    fn interpret_stems(&self, step: &Step, words: &[String]) -> Option<usize> {
        let mut scores: Vec<(usize, usize)> = step
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let hits: usize = o.stems.iter().filter(|k| contains_seq(words, k)).map(|k| k.len()).sum();
                (i, hits)
            })
            .filter(|&(_, hits)| hits > 0)
            .collect();
        scores.sort_by_key(|s| std::cmp::Reverse(s.1));
        match scores.as_slice() {
            [(i, _)] => Some(*i),
            [(i, a), (_, b), ..] if a > b => Some(*i),
            _ => None,
        }
    }

    /// Guesses answers from a free-text request ("a small JSON API for my mobile app"): for each step, the option
    /// the text clearly points at. Used to give a first lean before the dialog starts.
    pub fn guess(&self, text: &str) -> Vec<(&'kb Step, &'kb DialogOption)> {
        let words = stem_phrase(text);
        self.kb
            .dialog
            .steps
            .iter()
            .filter_map(|step| {
                let i = self.interpret_stems(step, &words)?;
                Some((step, &step.options[i]))
            })
            .collect()
    }

    /// Scores the answers, and looks for the one different answer that would change the result.
    pub fn verdict(&self, path: &[(&Step, &DialogOption)]) -> Verdict {
        let scores = totals(self.kb, path.iter().map(|(_, o)| *o));
        let recommendation = winner(self.kb, &scores);
        let reasons = path
            .iter()
            .map(|(s, o)| Reason {
                step: s.id.clone(),
                question: s.text.clone(),
                answer: o.label.clone(),
                reason: o.reason.clone(),
            })
            .collect();

        // Try every other option of every answered step that keeps the same path; keep the flip that gives the
        // new winner the widest lead, as the most telling one.
        let mut flip: Option<(i32, Flip)> = None;
        for (k, (step, chosen)) in path.iter().enumerate() {
            for alt in &step.options {
                if alt.id == chosen.id || step.next_after(alt) != step.next_after(chosen) {
                    continue;
                }
                let swapped = path.iter().enumerate().map(|(j, (_, o))| if j == k { alt } else { *o });
                let alt_scores = totals(self.kb, swapped);
                let alt_winner = winner(self.kb, &alt_scores);
                if alt_winner == recommendation {
                    continue;
                }
                let lead = lead(&alt_scores, &alt_winner);
                if flip.as_ref().is_none_or(|(best, _)| lead > *best) {
                    flip = Some((
                        lead,
                        Flip {
                            step: step.id.clone(),
                            question: step.text.clone(),
                            answer: alt.label.clone(),
                            recommendation: alt_winner,
                        },
                    ));
                }
            }
        }

        let top = scores[&recommendation] as f32;
        let sum: f32 = scores.values().map(|&s| ((s as f32 - top) / TEMPERATURE).exp()).sum();
        Verdict { confidence: 1.0 / sum, recommendation, scores, reasons, flip: flip.map(|(_, f)| f) }
    }
}

fn totals<'a>(kb: &KnowledgeBase, options: impl Iterator<Item = &'a DialogOption>) -> BTreeMap<String, i32> {
    let mut scores: BTreeMap<String, i32> = kb.frameworks.iter().map(|f| (f.id.clone(), 0)).collect();
    for o in options {
        for (fw, w) in &o.weights {
            *scores.entry(fw.clone()).or_default() += w;
        }
    }
    scores
}

/// The highest score; ties go to the framework listed first in the knowledge (a stable, documented order).
fn winner(kb: &KnowledgeBase, scores: &BTreeMap<String, i32>) -> String {
    let mut best: Option<&str> = None;
    for f in &kb.frameworks {
        if best.is_none_or(|b| scores[&f.id] > scores[b]) {
            best = Some(&f.id);
        }
    }
    best.unwrap_or_default().to_string()
}

fn lead(scores: &BTreeMap<String, i32>, winner: &str) -> i32 {
    let top = scores[winner];
    let second = scores.iter().filter(|(k, _)| *k != winner).map(|(_, v)| *v).max().unwrap_or(top);
    top - second
}

fn contains_seq(haystack: &[String], needle: &[String]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
