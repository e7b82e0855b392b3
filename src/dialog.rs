//! The guided decision as a pure state machine over `knowledge/dialog.toml`.
//!
//! The state is the set of answers given so far, each naming its step and option and whether the user chose it or
//! it was read from what they wrote (an opening message, or a typed answer that also answers a later step). The
//! current step is found by walking the dialog from its start through the answered steps, so answers can arrive in
//! any order, a step read from text is skipped, and changing one answer keeps the others. The state stays a few
//! bytes long and is versioned (`State::VERSION`); as text it reads `2:0-1.6-3r` (step-option, `r` for read).

use std::{collections::BTreeMap, fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{
    knowledge::{Dialog, DialogOption, KnowledgeBase, Step},
    matcher::{normalize::Reading, Matcher},
};

/// One answer: the option at `option` of the step at `step` (indices into the knowledge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pick {
    pub step: u8,
    pub option: u8,
    /// Read from what the user wrote rather than chosen at the question: shown as an assumption to change.
    pub read: bool,
}

/// Where a user is in the dialog: the answers so far, in the order they were given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct State {
    pub picks: Vec<Pick>,
}

impl State {
    pub const VERSION: u8 = 2;

    /// The state of a dialog that just started.
    pub fn new() -> Self {
        Self::default()
    }

    /// The answer given for the step at `step`, if any.
    pub fn pick(&self, step: usize) -> Option<&Pick> {
        self.picks.iter().find(|p| usize::from(p.step) == step)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", Self::VERSION)?;
        for (i, p) in self.picks.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{}-{}{}", p.step, p.option, if p.read { "r" } else { "" })?;
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
        let picks = rest
            .split('.')
            .map(|p| {
                let (step, option) = p.split_once('-').ok_or(DialogError::BadState)?;
                let (option, read) = match option.strip_suffix('r') {
                    Some(o) => (o, true),
                    None => (option, false),
                };
                let n = |t: &str| t.parse::<u8>().map_err(|_| DialogError::BadState);
                Ok(Pick { step: n(step)?, option: n(option)?, read })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { picks })
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
    /// Take back an earlier answer (a step id, or the number of an assumption as listed) and ask it again.
    Change(String),
    Back,
    Restart,
    Cancel,
}

impl Input {
    /// Reads a typed line: `back`, `restart`, `cancel` and `change X` are commands, anything else is an answer.
    pub fn parse(text: &str) -> Input {
        let command = text.trim().trim_start_matches('/').trim_end_matches(['.', '!', '?']).trim().to_lowercase();
        match command.as_str() {
            "back" | "undo" | "previous" => Input::Back,
            "restart" | "start over" | "reset" => Input::Restart,
            "cancel" | "stop" | "quit" | "exit" => Input::Cancel,
            c => match c.strip_prefix("change ") {
                Some(what) if !what.trim().is_empty() => Input::Change(what.trim().to_string()),
                _ => Input::Text(text.to_string()),
            },
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
    /// Answers read from what the user wrote, still standing (each can be changed): shown as "I took these from
    /// your message".
    pub assumed: Vec<Assumed>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub id: String,
    pub label: String,
}

/// An answer the dialog took from the user's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assumed {
    pub step: String,
    pub question: String,
    pub option: String,
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
    /// The answer was taken from what the user wrote, not chosen at the question.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
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

/// How sure the reader must be before an answer is taken from text the user wrote for another purpose (an opening
/// message, or a typed answer's other steps): a wrong assumption costs the user a correction, a missed one only a
/// question, so this is stricter than the reader's own per-step threshold. Chosen on the writer-grouped
/// cross-validation of `examples/dialog_eval.rs` (about 90% of assumptions right there).
pub const ASSUME_AT: f32 = 0.8;

/// The answered steps of a dialog, each with its chosen option.
pub type Path<'d> = Vec<(&'d Step, &'d DialogOption)>;

/// The walk of a state through the dialog.
struct Walk<'d> {
    /// The answered steps from the start, in dialog order, with the index of their pick in the state.
    path: Vec<(&'d Step, &'d DialogOption, usize)>,
    /// The step waiting for an answer (with its index), `None` when the dialog is done.
    current: Option<(usize, &'d Step)>,
}

fn step_index(dialog: &Dialog, id: &str) -> Result<usize, DialogError> {
    dialog.steps.iter().position(|s| s.id == id).ok_or(DialogError::Stale)
}

/// Walks `state` from the dialog's start: each step answered in the state is passed, the first one not answered
/// is the current one.
fn walk<'d>(dialog: &'d Dialog, state: &State) -> Result<Walk<'d>, DialogError> {
    if state.picks.iter().any(|p| usize::from(p.step) >= dialog.steps.len()) {
        return Err(DialogError::Stale);
    }
    let mut path = Vec::with_capacity(state.picks.len());
    let mut at = Some(step_index(dialog, &dialog.start)?);
    while let Some(si) = at {
        let step = &dialog.steps[si];
        let Some(k) = state.picks.iter().position(|p| usize::from(p.step) == si) else {
            return Ok(Walk { path, current: Some((si, step)) });
        };
        let option = step.options.get(usize::from(state.picks[k].option)).ok_or(DialogError::Stale)?;
        path.push((step, option, k));
        // The validator guarantees no cycle; this guards a state from another version of the knowledge.
        if path.len() > dialog.steps.len() {
            return Err(DialogError::Stale);
        }
        at = step.next_after(option).map(|id| step_index(dialog, id)).transpose()?;
    }
    Ok(Walk { path, current: None })
}

/// The step `state` waits at in `kb`'s dialog (`None` when it is done or does not fit).
pub fn current_step<'d>(kb: &'d KnowledgeBase, state: &State) -> Option<&'d Step> {
    walk(&kb.dialog, state).ok()?.current.map(|(_, s)| s)
}

/// Steps that can still come up: reachable from the start through the given answers, and through every option of
/// the steps not answered yet. An answer read for a step outside them is kept but not shown (the user's other
/// answers have routed around it).
fn reachable(dialog: &Dialog, state: &State) -> Vec<bool> {
    let mut seen = vec![false; dialog.steps.len()];
    let mut todo: Vec<usize> = step_index(dialog, &dialog.start).into_iter().collect();
    while let Some(si) = todo.pop() {
        if std::mem::replace(&mut seen[si], true) {
            continue;
        }
        let step = &dialog.steps[si];
        let options: Vec<&DialogOption> = match state.pick(si).and_then(|p| step.options.get(usize::from(p.option))) {
            Some(o) => vec![o],
            None => step.options.iter().collect(),
        };
        todo.extend(
            options.into_iter().filter_map(|o| step.next_after(o)).filter_map(|id| step_index(dialog, id).ok()),
        );
    }
    seen
}

/// The state machine. Pure: the same knowledge, model, state and input always give the same result.
pub struct Machine<'kb> {
    kb: &'kb KnowledgeBase,
    matcher: &'kb Matcher,
}

impl<'kb> Machine<'kb> {
    pub fn new(kb: &'kb KnowledgeBase, matcher: &'kb Matcher) -> Self {
        Self { kb, matcher }
    }

    /// Starts a dialog: the empty state and the first question.
    pub fn start(&self) -> Result<(State, Question), DialogError> {
        self.start_with(State::new())
    }

    /// Starts a dialog from an opening message: every step it clearly answers is taken as answered (and shown as
    /// assumed); the first question is the first step it does not answer.
    pub fn start_from(&self, opening: &str) -> Result<(State, Question), DialogError> {
        self.start_with(self.opening(opening))
    }

    /// The answers an opening message clearly gives, as assumptions.
    pub fn opening(&self, text: &str) -> State {
        State { picks: self.read(text, None, &State::new()) }
    }

    /// [`Machine::opening`] of a text the matcher has already read (`whole`), which saves reading it again.
    pub fn opening_read(&self, text: &str, whole: &Reading) -> State {
        State { picks: self.read_with(text, Some(whole), None, &State::new()) }
    }

    /// Starts a dialog with some answers already given.
    pub fn start_with(&self, state: State) -> Result<(State, Question), DialogError> {
        match self.current(&state)? {
            Outcome::Question(q) => Ok((state, q)),
            // The message answered everything: still confirm the last step rather than decide unasked.
            Outcome::Verdict(_) => {
                let mut state = state;
                state.picks.pop();
                match self.current(&state)? {
                    Outcome::Question(q) => Ok((state, q)),
                    _ => Err(DialogError::Stale),
                }
            }
            _ => Err(DialogError::Stale),
        }
    }

    /// Answers `text` gives for steps not answered in `state` (other than `except`), each as an assumption.
    fn read(&self, text: &str, except: Option<usize>, state: &State) -> Vec<Pick> {
        self.read_with(text, None, except, state)
    }

    /// [`Machine::read`], with the whole text already read by the matcher's normaliser when the caller has it.
    fn read_with(&self, text: &str, whole: Option<&Reading>, except: Option<usize>, state: &State) -> Vec<Pick> {
        if text.trim().is_empty() {
            return Vec::new();
        }
        let steps = &self.kb.dialog.steps;
        let reads = match whole {
            Some(r) => self.matcher.read_steps_with(text, r),
            None => self.matcher.read_steps(text),
        };
        reads
            .into_iter()
            .enumerate()
            .filter(|&(si, r)| {
                Some(si) != except
                    && state.pick(si).is_none()
                    && r.confidence >= ASSUME_AT
                    && r.option.is_some_and(|o| !steps[si].options[o].is_neutral())
            })
            .filter_map(|(si, r)| Some(Pick { step: si as u8, option: r.option? as u8, read: true }))
            .filter(|p| self.polarity_allows(text, p))
            .collect()
    }

    /// "We already know X" is never read from a text that rules X out ("my team hates django", "never used
    /// django") or only lists names ("(flask, django, fastapi)"): knowing X must be said of X alone, or in so many
    /// words when several frameworks are named.
    fn polarity_allows(&self, text: &str, pick: &Pick) -> bool {
        let option = &self.kb.dialog.steps[pick.step as usize].options[pick.option as usize];
        let Some(fw) = option.id.strip_prefix("knows-") else { return true };
        let slots = crate::slots::Reader::core(self.kb).read(text);
        let asked = slots.asked_core();
        if !asked.contains(&fw) {
            return false;
        }
        let lower = text.to_lowercase();
        let says_known = ["know", "experience", "familiar", "comfortable", "used ", "worked with", "fluent", "expert"]
            .iter()
            .any(|w| lower.contains(w));
        asked.len() == 1 || says_known
    }

    /// What the user sees for `state`: the waiting question, or the verdict when every question is answered.
    pub fn current(&self, state: &State) -> Result<Outcome, DialogError> {
        let walk = walk(&self.kb.dialog, state)?;
        Ok(match walk.current {
            Some((_, step)) => Outcome::Question(self.question(step, walk.path.len() + 1, state)),
            None => {
                let mut verdict = self.verdict(&walk.path.iter().map(|(s, o, _)| (*s, *o)).collect::<Vec<_>>());
                for (reason, (_, _, k)) in verdict.reasons.iter_mut().zip(&walk.path) {
                    reason.assumed = state.picks[*k].read;
                }
                Outcome::Verdict(verdict)
            }
        })
    }

    fn question(&self, step: &Step, number: usize, state: &State) -> Question {
        Question {
            step: step.id.clone(),
            text: step.text.clone(),
            options: step.options.iter().map(|o| OptionView { id: o.id.clone(), label: o.label.clone() }).collect(),
            number,
            assumed: self.assumed(state),
        }
    }

    /// The answers read from text that still matter, in dialog order.
    pub fn assumed(&self, state: &State) -> Vec<Assumed> {
        let steps = &self.kb.dialog.steps;
        let live = reachable(&self.kb.dialog, state);
        let mut out: Vec<(usize, Assumed)> = state
            .picks
            .iter()
            .filter(|p| p.read && live.get(usize::from(p.step)).copied().unwrap_or(false))
            .filter_map(|p| {
                let step = steps.get(usize::from(p.step))?;
                let option = step.options.get(usize::from(p.option))?;
                Some((
                    usize::from(p.step),
                    Assumed {
                        step: step.id.clone(),
                        question: step.text.clone(),
                        option: option.id.clone(),
                        label: option.label.clone(),
                    },
                ))
            })
            .collect();
        out.sort_by_key(|(si, _)| *si);
        out.into_iter().map(|(_, a)| a).collect()
    }

    /// Applies one input.
    pub fn step(&self, state: &State, input: Input) -> Result<(State, Outcome), DialogError> {
        let walk = walk(&self.kb.dialog, state)?;
        let mut next = state.clone();
        let reprompt = |next: State, message: String| -> Result<(State, Outcome), DialogError> {
            let Some((_, step)) = walk.current else { return Err(DialogError::Finished) };
            let question = self.question(step, walk.path.len() + 1, &next);
            Ok((next, Outcome::Reprompt { message, question }))
        };
        match input {
            Input::Cancel => return Ok((next, Outcome::Cancelled)),
            Input::Restart => next.picks.clear(),
            Input::Back => {
                // Undo the last answer the user gave, with whatever that answer also filled in; answers read from
                // the opening message stay (they can be changed one by one).
                if let Some(last) = next.picks.iter().rposition(|p| !p.read) {
                    next.picks.truncate(last);
                }
            }
            Input::Change(what) => match self.change_target(state, &what) {
                Some(si) => {
                    next.picks.retain(|p| usize::from(p.step) != si);
                    // A step before the current one is asked right away (the walk stops there); a later one in turn.
                    let outcome = self.current(&next)?;
                    return Ok(match outcome {
                        Outcome::Question(q) if q.step != self.kb.dialog.steps[si].id => {
                            let message = format!(
                                "I will ask \"{}\" when we get to it instead of assuming the answer.",
                                self.kb.dialog.steps[si].text
                            );
                            (next, Outcome::Reprompt { message, question: q })
                        }
                        other => (next, other),
                    });
                }
                None => {
                    let message = match self.assumed(state).len() {
                        0 => format!("There is no answer called \"{what}\" to change."),
                        n => format!(
                            "There is no answer called \"{what}\" to change: use a number from 1 to {n} of the list, or a question's name."
                        ),
                    };
                    return reprompt(next, message);
                }
            },
            Input::Choose(i) => {
                let (si, step) = walk.current.ok_or(DialogError::Finished)?;
                if i >= step.options.len() {
                    return reprompt(next, format!("Pick an option from 1 to {}.", step.options.len()));
                }
                next.picks.push(Pick { step: si as u8, option: i as u8, read: false });
            }
            Input::Text(text) => {
                let (si, step) = walk.current.ok_or(DialogError::Finished)?;
                match self.interpret_at(si, step, &text) {
                    Some((i, exact)) => {
                        next.picks.push(Pick { step: si as u8, option: i as u8, read: false });
                        if !exact {
                            // The same words may answer questions still to come ("react front end, tiny team").
                            let also = self.read(&text, Some(si), &next);
                            next.picks.extend(also);
                        }
                    }
                    None => {
                        let message = format!(
                            "I could not tell which answer that is. Reply with a number from 1 to {}, an option's name, or back / restart / cancel.",
                            step.options.len()
                        );
                        return reprompt(next, message);
                    }
                }
            }
        }
        let outcome = self.current(&next)?;
        Ok((next, outcome))
    }

    /// The step an answer to change names: its number in the list of assumptions, its id, or its question.
    fn change_target(&self, state: &State, what: &str) -> Option<usize> {
        let what = what.trim().trim_matches(['"', '\'', '`']).to_lowercase();
        let steps = &self.kb.dialog.steps;
        let answered = |si: &usize| state.pick(*si).is_some();
        if let Ok(n) = what.parse::<usize>() {
            let assumed = self.assumed(state);
            let a = assumed.get(n.checked_sub(1)?)?;
            return steps.iter().position(|s| s.id == a.step);
        }
        (0..steps.len()).filter(answered).find(|&si| steps[si].id == what || steps[si].text.to_lowercase() == what)
    }

    /// Whether `text` reads as an answer to the question `state` waits at (else a mid-dialog question may be
    /// answered as an aside).
    pub fn answers_current(&self, state: &State, text: &str) -> bool {
        let Ok(Walk { current: Some((si, step)), .. }) = walk(&self.kb.dialog, state) else { return false };
        // A free-text reading counts when an opening message would be read the same way, or the reply holds one
        // option's own words ("just an api"); else the matcher may take it as a side question.
        match self.interpret_at(si, step, text) {
            Some((_, true)) => true,
            Some((_, false)) => {
                self.matcher.read_steps(text).get(si).is_some_and(|r| r.option.is_some())
                    || keyword_option(step, &crate::matcher::reader::statement_part(text)).is_some()
            }
            None => false,
        }
    }

    /// Maps typed text to an option of `step`: its number, id or label, or what the reader makes of it.
    pub fn interpret(&self, step: &Step, text: &str) -> Option<usize> {
        let si = self.kb.dialog.steps.iter().position(|s| std::ptr::eq(s, step) || s.id == step.id)?;
        self.interpret_at(si, step, text).map(|(i, _)| i)
    }

    /// [`Machine::interpret`], saying whether the text named the option exactly (a number, id or label).
    fn interpret_at(&self, si: usize, step: &Step, text: &str) -> Option<(usize, bool)> {
        let t = text.trim().trim_end_matches(['.', '!', ')']).trim();
        // Any number is meant as an option's number, in range or not ("-1" is no answer, not free text).
        if let Ok(n) = t.parse::<i64>() {
            let n = usize::try_from(n).ok()?;
            return (1..=step.options.len()).contains(&n).then(|| (n - 1, true));
        }
        let lower = t.to_lowercase();
        if let Some(i) = step.options.iter().position(|o| o.id == lower || o.label.to_lowercase() == lower) {
            return Some((i, true));
        }
        if let Some(i) = position_named(&lower, step.options.len()) {
            return Some((i, true));
        }
        // A shrug is "not sure", where the step has such an answer.
        let shrug = t.contains("¯\\_(ツ)_/¯")
            || !t.is_empty()
                && t.chars().all(|c| matches!(c, '🤷' | '\u{200d}' | '♂' | '♀' | '\u{fe0f}') || c.is_whitespace());
        if shrug {
            return step.options.iter().position(DialogOption::is_neutral).map(|i| (i, true));
        }
        // A bare "yes", "no" or "maybe" picks nothing, unless it is an option's own word ("nope": no real-time).
        if is_yes_no(&lower) {
            let said = lower.trim_matches(|c: char| !c.is_alphanumeric());
            return step.options.iter().position(|o| o.keywords.iter().any(|k| k == said)).map(|i| (i, true));
        }
        // Small talk ("brb, coffee", "haha fair question") and "I don't understand" answer nothing.
        if crate::smalltalk::detect(t).is_some() || UNCLEAR.iter().any(|u| lower.contains(u)) {
            return None;
        }
        // A question ("what is an ORM?", "does a marketplace count as e-commerce?") answers nothing; an answer with
        // a question after it ("small, but is flask ok for that?") is read without the question.
        let statement = crate::matcher::reader::statement_part(text);
        if statement.trim().is_empty() {
            return None;
        }
        if let Some(i) = self.matcher.read_reply(&statement, si)?.option {
            return Some((i, false));
        }
        // The words of exactly one option's keywords ("mostly a json api"): that option.
        if let Some(i) = keyword_option(step, &statement) {
            return Some((i, false));
        }
        // An answer with other news beside it ("mostly a json api, we need it in 2 weeks"): one clause answers this
        // step and no clause says otherwise.
        let clauses = crate::matcher::reader::clauses(&statement);
        if clauses.len() < 2 {
            return None;
        }
        // A clause that reads as another step's answer, and not as this one's, is that step's news ("we need it in
        // 2 weeks" at "what are you building?").
        let mut read = clauses.iter().filter_map(|c| {
            let here = self.matcher.read_reply(c, si)?.option?;
            let opening = self.matcher.read_steps(c);
            let elsewhere = opening.iter().enumerate().any(|(j, r)| j != si && r.option.is_some());
            let this_step = opening.get(si).is_some_and(|r| r.option.is_some());
            (!elsewhere || this_step).then_some(here)
        });
        let first = read.next()?;
        read.all(|o| o == first).then_some((first, false))
    }

    /// The answers a free-text request ("a small JSON API for my mobile app") clearly gives, as a dialog started
    /// from it would assume them: used for a first lean before the dialog starts.
    pub fn guess(&self, text: &str) -> Vec<(&'kb Step, &'kb DialogOption)> {
        self.answers_of(&self.opening(text))
    }

    /// The answers of `state` that still matter (on a route the dialog can take), in the order given.
    pub fn answers_of(&self, state: &State) -> Vec<(&'kb Step, &'kb DialogOption)> {
        let steps = &self.kb.dialog.steps;
        let live = reachable(&self.kb.dialog, state);
        state
            .picks
            .iter()
            .filter(|p| live.get(usize::from(p.step)).copied().unwrap_or(false))
            .filter_map(|p| {
                let step = steps.get(usize::from(p.step))?;
                Some((step, step.options.get(usize::from(p.option))?))
            })
            .collect()
    }

    /// The state a list of option indices stands for, chosen one per step along the dialog from its start.
    pub fn along(&self, answers: &[u8]) -> Result<State, DialogError> {
        let mut state = State::new();
        for &a in answers {
            let walk = walk(&self.kb.dialog, &state)?;
            let (si, _) = walk.current.ok_or(DialogError::Finished)?;
            state.picks.push(Pick { step: si as u8, option: a, read: false });
        }
        walk(&self.kb.dialog, &state)?;
        Ok(state)
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
                assumed: false,
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

/// The one option of `step` whose keywords (whole words) the text holds, when exactly one option's do; neutral
/// options ("not sure") are left to the reader.
fn keyword_option(step: &Step, text: &str) -> Option<usize> {
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
const UNCLEAR: &[&str] = &[
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

/// Words of a bare agreement, refusal or hedge.
const YES_NO: &[&str] = &[
    "yes", "yeah", "yep", "yup", "ya", "sure", "ok", "okay", "no", "nope", "nah", "maybe", "perhaps", "possibly",
    "probably", "prob", "depends", "sir", "i", "guess", "think", "so", "lol", "haha", "please", "pls", "not", "really",
];

/// Whether a reply is only "yes", "no", "maybe" and the like.
fn is_yes_no(lower: &str) -> bool {
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
