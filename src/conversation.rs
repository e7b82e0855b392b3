//! One conversational turn: a message in, replies out, with the decision dialog woven in.
//!
//! The console (`signpost chat`) and the Discord adapter both call [`turn`], so a message typed in a terminal and
//! one typed in a Discord thread take the same path. The caller keeps the dialog state between turns (in memory for
//! the console, in the session store for Discord).

use crate::{
    dialog::{DialogError, Input, Outcome, Question, State, Verdict},
    error::CoreError,
    followup::Memory,
    reply::{Answer, Topic},
    Engine,
};

/// One reply of a turn.
#[derive(Debug, Clone)]
pub enum Reply {
    Answer(Answer),
    /// A dialog question; `notice` explains why it is asked again, when it is.
    Question {
        question: Question,
        notice: Option<String>,
    },
    Verdict(Verdict),
    Cancelled,
    /// Bad input (an empty or oversized question): a message for the user, nothing lost.
    Error(String),
}

/// The result of a turn: the dialog state to keep (`None` when no dialog is running) and the replies.
#[derive(Debug, Clone)]
pub struct Turn {
    pub state: Option<State>,
    pub replies: Vec<Reply>,
}

/// Words that start the guided decision whatever else is going on.
pub fn is_decide_command(text: &str) -> bool {
    matches!(text.trim().trim_start_matches(['/', '!']).to_lowercase().as_str(), "decide" | "start decide" | "start")
}

/// Handles one message. `state` is the user's running dialog, if any.
pub fn turn(engine: &Engine, state: Option<&State>, text: &str) -> Turn {
    turn_in(engine, state, text, &Memory::default()).0
}

/// Handles one message of a conversation: `memory` is what the previous answers left (a topic to continue, the
/// choices of a question back); returns the turn and the memory to keep.
pub fn turn_in(engine: &Engine, state: Option<&State>, text: &str, memory: &Memory) -> (Turn, Memory) {
    if is_decide_command(text) {
        return (start(engine, Vec::new()), memory.clone());
    }
    if let Some(state) = state {
        return (in_dialog(engine, state, text), memory.clone());
    }
    // A pick among the choices of a question back.
    if let Some(choice) = memory.pick(text) {
        if let Some(answer) = engine.suggestion_answer(choice) {
            let next = memory.after(&answer);
            return (Turn { state: None, replies: vec![Reply::Answer(answer)] }, next);
        }
    }
    // Outside a decision, its commands and a bare number say how to start one.
    let t = text.trim().to_lowercase();
    if matches!(t.as_str(), "back" | "cancel" | "restart") || t.parse::<u32>().is_ok() {
        let hint = "No decision is running: type `decide` (or `/decide` in Discord) to start one, or ask a question.";
        return (Turn { state: None, replies: vec![Reply::Error(hint.into())] }, memory.clone());
    }
    match engine.ask_in(text, memory.last.as_ref()) {
        Ok(answer) if matches!(answer.topic, Topic::Decide { .. }) => {
            let first = opening_state(&answer);
            (start_with(engine, first, vec![Reply::Answer(answer)]), memory.clone())
        }
        Ok(answer) => {
            let next = memory.after(&answer);
            (Turn { state: None, replies: vec![Reply::Answer(answer)] }, next)
        }
        Err(e) => (Turn { state: None, replies: vec![Reply::Error(e.to_string())] }, memory.clone()),
    }
}

/// Starts a dialog, after the given replies.
pub fn start(engine: &Engine, replies: Vec<Reply>) -> Turn {
    start_with(engine, State::new(), replies)
}

/// Starts a dialog with the answers `first` already holds (those an opening message gave), after the given
/// replies: the first question is the first step they leave open, and it lists what was assumed.
pub fn start_with(engine: &Engine, first: State, mut replies: Vec<Reply>) -> Turn {
    match engine.dialog().start_with(first) {
        Ok((state, question)) => {
            replies.push(Reply::Question { question, notice: None });
            Turn { state: Some(state), replies }
        }
        Err(e) => {
            replies.push(Reply::Error(e.to_string()));
            Turn { state: None, replies }
        }
    }
}

/// The answers a request for a recommendation already gave (its first guess), to start the dialog from.
pub fn opening_state(answer: &Answer) -> State {
    match &answer.topic {
        Topic::Decide { guess: Some(g) } => g.state.clone(),
        _ => State::new(),
    }
}

fn in_dialog(engine: &Engine, state: &State, text: &str) -> Turn {
    let machine = engine.dialog();
    let input = Input::parse(text);
    if let Input::Text(t) = &input {
        // A question asked mid-dialog is answered, then the dialog resumes where it was: when the matcher answers
        // it and the reader does not take it as this step's answer ("is flask faster?" at "how big will it get?").
        if let Ok(Outcome::Question(q)) = machine.current(state) {
            if !machine.answers_current(state, t) {
                if let Ok(answer) = engine.ask(t) {
                    let answers_it = !matches!(answer.topic, Topic::None | Topic::Decide { .. });
                    if answers_it {
                        return Turn {
                            state: Some(state.clone()),
                            replies: vec![
                                Reply::Answer(answer),
                                Reply::Question { question: q, notice: Some("Back to the decision:".into()) },
                            ],
                        };
                    }
                }
            }
        }
    }
    step(engine, state, input)
}

/// Applies a dialog input (from a button, a select or typed text) and renders the outcome.
pub fn step(engine: &Engine, state: &State, input: Input) -> Turn {
    match engine.dialog().step(state, input) {
        Ok((state, Outcome::Question(question))) => {
            Turn { state: Some(state), replies: vec![Reply::Question { question, notice: None }] }
        }
        Ok((state, Outcome::Reprompt { message, question })) => {
            Turn { state: Some(state), replies: vec![Reply::Question { question, notice: Some(message) }] }
        }
        Ok((_, Outcome::Verdict(v))) => Turn { state: None, replies: vec![Reply::Verdict(v)] },
        Ok((_, Outcome::Cancelled)) => Turn { state: None, replies: vec![Reply::Cancelled] },
        Err(e @ (DialogError::Stale | DialogError::BadState | DialogError::Finished)) => {
            Turn { state: None, replies: vec![Reply::Error(CoreError::from(e).to_string())] }
        }
    }
}
