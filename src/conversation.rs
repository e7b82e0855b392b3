//! One conversational turn: a message in, replies out, with the decision dialog woven in.
//!
//! Where a message goes is decided by [`crate::route`], for the console and Discord alike; this module holds the
//! turns a plan is made of (a dialog step, a side question, a start) and carries plans out for the console
//! ([`turn_in`]). The caller keeps the dialog state between turns (in memory for the console, in the session store
//! for Discord).

use crate::{
    dialog::{DialogError, Input, Outcome, Question, State, Verdict},
    error::CoreError,
    followup::Memory,
    reply::{Answer, Topic},
    route::{self, Incoming, Notice, Plan},
    Engine,
};

/// Said when a session's answers or a clicked option no longer fit the knowledge (it was edited and reloaded).
pub const CHANGED: &str = "This question changed since it was shown; here it is again.";

/// One reply of a turn.
#[derive(Debug, Clone)]
pub enum Reply {
    Answer(Answer),
    /// A dialog question; `notice` explains why it is asked again, when it is.
    Question {
        question: Question,
        notice: Option<String>,
    },
    /// The end of a decision; the finished state is kept (its answers can still be changed).
    Verdict(Verdict),
    /// The decision record of a finished decision, in Markdown.
    Record(String),
    /// A short message about the decision that records nothing ("which answer?" after the verdict).
    Notice(String),
    Cancelled,
    /// Bad input (an empty or oversized question): a message for the user, nothing lost.
    Error(String),
}

/// The result of a turn: the dialog state to keep (`None` when no dialog is running or kept; a finished one is
/// kept, for `back`, `change` and `record`) and the replies.
#[derive(Debug, Clone)]
pub struct Turn {
    pub state: Option<State>,
    pub replies: Vec<Reply>,
}

/// Words that start the guided decision whatever else is going on.
pub fn is_decide_command(text: &str) -> bool {
    matches!(text.trim().trim_start_matches(['/', '!']).to_lowercase().as_str(), "decide" | "start decide" | "start")
}

/// Handles one message typed to the bot directly (the console, a DM). `state` is the user's running dialog, if any.
pub fn turn(engine: &Engine, state: Option<&State>, text: &str) -> Turn {
    turn_in(engine, state, text, &Memory::default()).0
}

/// Handles one message of a direct conversation: `memory` is what the previous answers left (a topic to continue,
/// the choices of a question back); returns the turn and the memory to keep. The message goes through
/// [`route`](crate::route::route), as on Discord; this carries the plan out in memory.
pub fn turn_in(engine: &Engine, state: Option<&State>, text: &str, memory: &Memory) -> (Turn, Memory) {
    let plan = route::route(engine, &Incoming::direct(text, state, memory));
    let keep = |replies| Turn { state: state.cloned(), replies };
    match plan {
        Plan::Silent { .. } => (keep(Vec::new()), memory.clone()),
        Plan::Answer { answer, memory: next, .. } => (keep(vec![Reply::Answer(*answer)]), next),
        Plan::Dialog(turn) => (turn, memory.clone()),
        Plan::Start { answer, first, .. } => {
            let replies = answer.map(|a| vec![Reply::Answer(*a)]).unwrap_or_default();
            (start_with(engine, first, replies), memory.clone())
        }
        Plan::TooSoon { answer, wait, .. } => {
            let mut replies: Vec<Reply> = answer.map(|a| vec![Reply::Answer(*a)]).unwrap_or_default();
            replies.push(Reply::Error(format!("you can start another decision in {} s", wait.as_secs().max(1))));
            (keep(replies), memory.clone())
        }
        Plan::Notice(Notice::Error(m)) => (keep(vec![Reply::Error(m)]), memory.clone()),
        Plan::Notice(notice) => (keep(vec![Reply::Error(notice.text())]), memory.clone()),
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

/// Typed text while a dialog runs: "decide" starts afresh; a side question is answered and the step asked again;
/// anything else is the step's input.
pub fn in_dialog(engine: &Engine, state: &State, text: &str) -> Turn {
    if is_decide_command(text) {
        return start(engine, Vec::new());
    }
    let machine = engine.dialog();
    let input = Input::parse(text);
    if let Input::Text(t) = &input {
        // A question about the question ("what counts as medium?"), or "i don't get it": what it is for.
        if let (Some(explanation), Ok(Outcome::Question(q))) = (machine.explain(state, t), machine.current(state)) {
            return Turn {
                state: Some(state.clone()),
                replies: vec![Reply::Question { question: q, notice: Some(explanation) }],
            };
        }
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
        Ok((state, Outcome::Verdict(v))) => Turn { state: Some(state), replies: vec![Reply::Verdict(v)] },
        Ok((state, Outcome::Notice(m))) => Turn { state: Some(state), replies: vec![Reply::Notice(m)] },
        Ok((state, Outcome::Record(r))) => Turn { state: Some(state), replies: vec![Reply::Record(r)] },
        Ok((_, Outcome::Cancelled)) => Turn { state: None, replies: vec![Reply::Cancelled] },
        Err(e @ (DialogError::Stale | DialogError::BadState | DialogError::Finished)) => {
            Turn { state: None, replies: vec![Reply::Error(CoreError::from(e).to_string())] }
        }
    }
}

/// The current step of `state` again, saying why (its answers or the clicked option no longer fit the knowledge).
pub fn again(engine: &Engine, state: State) -> Turn {
    match engine.dialog().current(&state) {
        Ok(Outcome::Question(question)) => {
            Turn { state: Some(state), replies: vec![Reply::Question { question, notice: Some(CHANGED.into()) }] }
        }
        Ok(Outcome::Verdict(v)) => Turn { state: Some(state), replies: vec![Reply::Verdict(v)] },
        _ => step(engine, &state, Input::Restart),
    }
}
