//! The guided decision as a pure state machine over `knowledge/dialog.toml`.
//!
//! The state is the set of answers given so far, each naming its step and option and whether the user chose it or
//! it was read from what they wrote (an opening message, or a typed answer that also answers a later step). The
//! current step is found by walking the dialog from its start through the answered steps, so answers can arrive in
//! any order, a step read from text is skipped, and changing one answer keeps the others. The state stays a few
//! bytes long and is versioned (`State::VERSION`); as text it reads `2:0-1.6-3r.7-2t` (step-option, `r` for
//! assumed, `t` for typed). A finished dialog keeps its state: its answers can still be changed, gone back over,
//! and written up as a decision record.
//!
//! - `state`: the answers so far, compact and versioned.
//! - `words`: a typed reply read by rule (a number, a position, an option's keywords, yes or no, "I don't get it").
//! - `verdict`: the scores, how sure they are, which answers decided it, and the smallest change that would flip it.
//! - `record`: the decision as a short Markdown decision record.

mod record;
mod state;
mod verdict;
mod words;

use serde::Serialize;

pub use record::decision_record;
pub use state::{DialogError, How, Pick, State};
pub use verdict::{Flip, FlipChange, Reason, Verdict, MAX_FLIP};
pub use words::position_named;
use words::{asks_about_the_question, is_yes_no, keyword_option, UNCLEAR};

use crate::{
    knowledge::{Dialog, DialogOption, KnowledgeBase, Step},
    matcher::{normalize::Reading, Matcher},
};

/// What the user did at a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// An option chosen by index (0-based), as from a button.
    Choose(usize),
    /// What the user typed: an option number, id or label, a command word, or free text.
    Text(String),
    /// Take back an earlier answer (its number in the "So far" list, its step id, or its question) and ask it
    /// again; empty when the user did not say which.
    Change(String),
    /// Go back exactly one question (the last one answered on the way here).
    Back,
    Restart,
    Cancel,
    /// The decision record of a finished dialog.
    Record,
}

impl Input {
    /// Reads a typed line: `back`, `restart`, `cancel`, `change [X]` and `record` are commands, anything else is
    /// an answer. [`Input::is_command`] says the same without building the input.
    pub fn parse(text: &str) -> Input {
        let command = text.trim().trim_start_matches('/').trim_end_matches(['.', '!', '?']).trim().to_lowercase();
        match command.as_str() {
            "back" | "undo" | "previous" => Input::Back,
            "restart" | "start over" | "reset" => Input::Restart,
            "cancel" | "stop" | "quit" | "exit" => Input::Cancel,
            "record" | "decision record" | "save record" => Input::Record,
            "change" => Input::Change(String::new()),
            c => match c.strip_prefix("change ") {
                // "change 2", "change size", "change team experience": a few words at most, else it is an answer
                // that starts with "change".
                Some(what) if what.split_whitespace().count() <= 4 => Input::Change(what.trim().to_string()),
                _ => Input::Text(text.to_string()),
            },
        }
    }

    /// Whether a typed line is one of the dialog's commands (not an answer).
    pub fn is_command(text: &str) -> bool {
        !matches!(Input::parse(text), Input::Text(_))
    }
}

/// One question as shown to the user.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub step: String,
    pub text: String,
    pub options: Vec<OptionView>,
    /// 1-based count of the questions asked on the way here, this one included (answers assumed from the user's
    /// words are skipped, not counted).
    pub number: usize,
    /// How many questions this path has at most, counted like `number`; `of_exact` when every route left has as
    /// many.
    pub of: usize,
    pub of_exact: bool,
    /// Answers read from what the user wrote, still standing (each can be changed): shown as "I took these from
    /// your message".
    pub assumed: Vec<Assumed>,
    /// Every answer so far ("So far:"), in the order of the dialog; `change N` takes the N-th.
    pub answers: Vec<Answered>,
}

/// One answer as the recap shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answered {
    pub step: String,
    pub question: String,
    pub option: String,
    pub label: String,
    pub how: How,
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
    /// Said about a finished dialog (a command that needs a question, a change it cannot make); the verdict
    /// stands.
    Notice(String),
    /// The decision record of a finished dialog, in Markdown.
    Record(String),
    Cancelled,
}

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

/// The questions still to ask from the step at `si` to the end, at least and at most over the routes the
/// unanswered steps can take (an answered step is passed, not counted).
fn to_ask(dialog: &Dialog, state: &State, si: usize, depth: usize) -> (usize, usize) {
    // The validator guarantees no cycle; this guards a state from another version of the knowledge.
    if depth > dialog.steps.len() {
        return (0, 0);
    }
    let step = &dialog.steps[si];
    let (own, options): (usize, Vec<&DialogOption>) =
        match state.pick(si).and_then(|p| step.options.get(usize::from(p.option))) {
            Some(o) => (0, vec![o]),
            None => (1, step.options.iter().collect()),
        };
    let mut nexts: Vec<Option<usize>> =
        options.into_iter().map(|o| step.next_after(o).and_then(|id| step_index(dialog, id).ok())).collect();
    nexts.sort_unstable();
    nexts.dedup();
    let (mut least, mut most) = (usize::MAX, 0);
    for n in nexts {
        let (l, m) = n.map_or((0, 0), |ni| to_ask(dialog, state, ni, depth + 1));
        least = least.min(l);
        most = most.max(m);
    }
    (own + least.min(most), own + most)
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
            .filter_map(|(si, r)| Some(Pick { step: si as u8, option: r.option? as u8, how: How::Assumed }))
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

    /// Whether every question of `state` is answered (its verdict is given; it takes only commands now).
    pub fn is_finished(&self, state: &State) -> bool {
        walk(&self.kb.dialog, state).is_ok_and(|w| w.current.is_none())
    }

    /// What the user sees for `state`: the waiting question, or the verdict when every question is answered.
    pub fn current(&self, state: &State) -> Result<Outcome, DialogError> {
        let walk = walk(&self.kb.dialog, state)?;
        Ok(match walk.current {
            Some((si, step)) => Outcome::Question(self.question(si, step, &walk, state)),
            None => Outcome::Verdict(self.verdict_at(&walk, state)),
        })
    }

    fn verdict_at(&self, walk: &Walk<'_>, state: &State) -> Verdict {
        let path: Vec<(&Step, &DialogOption)> = walk.path.iter().map(|(s, o, _)| (*s, *o)).collect();
        let hows: Vec<How> = walk.path.iter().map(|(_, _, k)| state.picks[*k].how).collect();
        self.verdict_of(&path, &hows, self.answers(state))
    }

    fn question(&self, si: usize, step: &Step, walk: &Walk<'_>, state: &State) -> Question {
        let asked = walk.path.iter().filter(|(_, _, k)| !state.picks[*k].is_assumed()).count();
        let (least, most) = to_ask(&self.kb.dialog, state, si, 0);
        Question {
            step: step.id.clone(),
            text: step.text.clone(),
            options: step.options.iter().map(|o| OptionView { id: o.id.clone(), label: o.label.clone() }).collect(),
            number: asked + 1,
            of: asked + most,
            of_exact: least == most,
            assumed: self.assumed(state),
            answers: self.answers(state),
        }
    }

    /// How many questions are left to ask from the start of the dialog, at least and at most (what a request for
    /// a decision already answered is not asked).
    pub fn questions_left(&self, state: &State) -> (usize, usize) {
        match step_index(&self.kb.dialog, &self.kb.dialog.start) {
            Ok(si) => to_ask(&self.kb.dialog, state, si, 0),
            Err(_) => (0, 0),
        }
    }

    /// Every answer that still matters, in the order of the dialog: the answered steps on the way to the current
    /// question (or the verdict), then answers assumed for questions still to come.
    pub fn answers(&self, state: &State) -> Vec<Answered> {
        let Ok(walk) = walk(&self.kb.dialog, state) else { return Vec::new() };
        let view = |step: &Step, option: &DialogOption, how: How| Answered {
            step: step.id.clone(),
            question: step.text.clone(),
            option: option.id.clone(),
            label: option.label.clone(),
            how,
        };
        let mut out: Vec<Answered> = walk.path.iter().map(|(s, o, k)| view(s, o, state.picks[*k].how)).collect();
        let on_path: Vec<usize> = walk.path.iter().map(|(_, _, k)| *k).collect();
        let live = reachable(&self.kb.dialog, state);
        let mut ahead: Vec<&Pick> = state
            .picks
            .iter()
            .enumerate()
            .filter(|(k, p)| !on_path.contains(k) && live.get(usize::from(p.step)).copied().unwrap_or(false))
            .map(|(_, p)| p)
            .collect();
        ahead.sort_by_key(|p| p.step);
        let steps = &self.kb.dialog.steps;
        out.extend(ahead.into_iter().filter_map(|p| {
            let step = steps.get(usize::from(p.step))?;
            Some(view(step, step.options.get(usize::from(p.option))?, p.how))
        }));
        out
    }

    /// The answers read from text that still matter, in dialog order.
    pub fn assumed(&self, state: &State) -> Vec<Assumed> {
        let steps = &self.kb.dialog.steps;
        let live = reachable(&self.kb.dialog, state);
        let mut out: Vec<(usize, Assumed)> = state
            .picks
            .iter()
            .filter(|p| p.is_assumed() && live.get(usize::from(p.step)).copied().unwrap_or(false))
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

    /// Applies one input. A finished dialog takes `back`, `change`, `restart`, `cancel` and `record`; an answer to
    /// it is [`DialogError::Finished`].
    pub fn step(&self, state: &State, input: Input) -> Result<(State, Outcome), DialogError> {
        let walk = walk(&self.kb.dialog, state)?;
        let mut next = state.clone();
        // Something to say without recording anything: with the question asked again, or beside the verdict.
        let say = |next: State, message: String| -> Result<(State, Outcome), DialogError> {
            match walk.current {
                Some((si, step)) => {
                    let question = self.question(si, step, &walk, &next);
                    Ok((next, Outcome::Reprompt { message, question }))
                }
                None => Ok((next, Outcome::Notice(message))),
            }
        };
        match input {
            Input::Cancel => return Ok((next, Outcome::Cancelled)),
            Input::Restart => next.picks.clear(),
            Input::Record => {
                return match walk.current {
                    None => {
                        let verdict = self.verdict_at(&walk, state);
                        Ok((next, Outcome::Record(decision_record(self.kb, &verdict))))
                    }
                    Some(_) => {
                        say(next, "The decision record comes with the verdict: answer the questions first.".into())
                    }
                };
            }
            Input::Back => {
                // Exactly one question back: the last one answered on the way here (an assumption was never asked),
                // with the assumptions its typed answer brought along.
                let Some(&(step, option, k)) = walk.path.iter().rev().find(|(_, _, k)| !state.picks[*k].is_assumed())
                else {
                    return say(next, "This is the first question; there is nothing to go back to.".into());
                };
                let brought = if next.picks[k].how == How::Typed {
                    next.picks[k + 1..].iter().take_while(|p| p.is_assumed()).count()
                } else {
                    0
                };
                next.picks.drain(k..=k + brought);
                let message = format!("Back to \"{}\": you had answered *{}*.", step.text, option.label);
                return self.asked_again(next, message);
            }
            Input::Change(what) if what.trim().is_empty() => {
                let n = self.answers(state).len();
                let message = match n {
                    0 => "There is no answer to change yet.".to_string(),
                    n => format!(
                        "Which answer? Type `change` with its number in the list (1 to {n}) or its question's name, e.g. `change 1`."
                    ),
                };
                return say(next, message);
            }
            Input::Change(what) => match self.change_target(state, &what) {
                Some(si) => {
                    let step = &self.kb.dialog.steps[si];
                    let was = state.pick(si).and_then(|p| step.options.get(usize::from(p.option)));
                    next.picks.retain(|p| usize::from(p.step) != si);
                    // A step before the current one is asked right away (the walk stops there); a later one in turn.
                    return match self.current(&next)? {
                        Outcome::Question(q) if q.step != step.id => {
                            let message = format!(
                                "I will ask \"{}\" when we get to it instead of assuming the answer.",
                                step.text
                            );
                            Ok((next, Outcome::Reprompt { message, question: q }))
                        }
                        Outcome::Question(question) => {
                            let message = match was {
                                Some(o) => format!("Changing \"{}\": you had answered *{}*.", step.text, o.label),
                                None => format!("Changing \"{}\".", step.text),
                            };
                            Ok((next, Outcome::Reprompt { message, question }))
                        }
                        other => Ok((next, other)),
                    };
                }
                None => {
                    let message = match self.answers(state).len() {
                        0 => format!("There is no answer called \"{what}\" to change."),
                        n => format!(
                            "There is no answer called \"{what}\" to change: use a number from 1 to {n} of the list, or a question's name."
                        ),
                    };
                    return say(next, message);
                }
            },
            Input::Choose(i) => {
                let (si, step) = walk.current.ok_or(DialogError::Finished)?;
                if i >= step.options.len() {
                    return say(next, format!("Pick an option from 1 to {}.", step.options.len()));
                }
                next.picks.push(Pick { step: si as u8, option: i as u8, how: How::Chosen });
            }
            Input::Text(text) => {
                let (si, step) = walk.current.ok_or(DialogError::Finished)?;
                match self.interpret_at(si, step, &text) {
                    Some((i, exact)) => {
                        let how = if exact { How::Chosen } else { How::Typed };
                        next.picks.push(Pick { step: si as u8, option: i as u8, how });
                        if !exact {
                            // The same words may answer questions still to come ("react front end, tiny team").
                            let also = self.read(&text, Some(si), &next);
                            next.picks.extend(also);
                        }
                    }
                    None => {
                        let message = format!(
                            "I could not tell which answer that is, so I noted nothing. Reply with a number from 1 to {}, an option's name, or back / restart / cancel.",
                            step.options.len()
                        );
                        return say(next, message);
                    }
                }
            }
        }
        let outcome = self.current(&next)?;
        Ok((next, outcome))
    }

    /// The question `state` waits at, with `message` said first.
    fn asked_again(&self, state: State, message: String) -> Result<(State, Outcome), DialogError> {
        Ok(match self.current(&state)? {
            Outcome::Question(question) => (state, Outcome::Reprompt { message, question }),
            other => (state, other),
        })
    }

    /// The step an answer to change names: its number in the "So far" list, its id, or its question.
    fn change_target(&self, state: &State, what: &str) -> Option<usize> {
        let what = what.trim().trim_matches(['"', '\'', '`']).trim_start_matches('#').to_lowercase();
        let steps = &self.kb.dialog.steps;
        let answers = self.answers(state);
        if let Ok(n) = what.parse::<usize>() {
            let a = answers.get(n.checked_sub(1)?)?;
            return steps.iter().position(|s| s.id == a.step);
        }
        let answered = |si: &usize| answers.iter().any(|a| a.step == steps[*si].id);
        (0..steps.len()).filter(answered).find(|&si| {
            let question = steps[si].text.to_lowercase();
            steps[si].id == what || question == what || what.len() >= 4 && question.contains(&what)
        })
    }

    /// For a reply that asks about the question itself ("what do you mean by built-ins?") or says it cannot answer
    /// it ("i dont get this question"), and names no option: what the question is for, in a line, with how to
    /// answer. `None` for anything else.
    pub fn explain(&self, state: &State, text: &str) -> Option<String> {
        let Ok(Walk { current: Some((_, step)), .. }) = walk(&self.kb.dialog, state) else { return None };
        let lower = text.trim().to_lowercase();
        if !asks_about_the_question(&lower) || position_named(&lower, step.options.len()).is_some() {
            return None;
        }
        let why = step.help.clone().unwrap_or_else(|| "Each option leans towards a different framework.".into());
        let neutral = step.options.iter().position(DialogOption::is_neutral).map(|i| i + 1);
        let fallback = match neutral {
            Some(n) => format!(" If none fits yet, {n} (\"{}\") is fine.", step.options[n - 1].label),
            None => String::new(),
        };
        Some(format!(
            "Nothing noted. {why} Reply with the number of the closest option, or in your own words.{fallback}"
        ))
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
            state.picks.push(Pick { step: si as u8, option: a, how: How::Chosen });
        }
        walk(&self.kb.dialog, &state)?;
        Ok(state)
    }
}
