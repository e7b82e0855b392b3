//! Where a message goes: one decision, in the core, for the console and every Discord door.
//!
//! A front door gathers the facts of a message into an [`Incoming`] (its text, how it was addressed, the place and
//! its rules, the user's decision there or "the store did not answer", what the conversation remembers, the text an
//! edit replaces, the decide cooldown) and carries out the [`Plan`] that [`route`] returns. Nothing here talks to
//! Discord or a store, so every rule of PRODUCT.md ("Answers", "A conversation", help channels and forums,
//! decisions, edits) is a row of a table test (`tests/it/route.rs`), and the console and Discord cannot disagree.

use std::time::Duration;

use crate::{
    conversation::{self, Turn},
    dialog::{Input, Outcome, State},
    error::CoreError,
    followup::Memory,
    reply::{Answer, Topic},
    smalltalk::Kind,
    Engine,
};

/// How a message was addressed to the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressed {
    /// A DM, or the console: everything typed is for the bot.
    Direct,
    /// The message mentions the bot.
    Mention,
    /// A reply to one of the bot's messages: a follow-up, answered like a mention but silent on chatter.
    Reply,
    /// Not addressed: the bot reads it only in help channels, or as the free text of a decision running there.
    No,
}

/// Where a message was written, as far as the bot's rules go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A DM or the console.
    Direct,
    /// A guild channel or thread the bot does not watch: only what is addressed to it (or a decision's text).
    Channel,
    /// A help channel, or a thread under one: confident answers, unprompted.
    Help,
    /// The starter message of a new post in a help forum: answered (title and text) when confident, or asked back.
    ForumPost { title: String },
    /// A later message in a help forum's post: left to the humans unless addressed.
    ForumChatter,
    /// A thread of a help channel or forum where someone other than the asker has written: a human helps, so the
    /// bot answers only what is addressed to it there.
    HumanHelping,
    /// A help channel (or a thread of one) whose server turned the bot off there: it says nothing, mentioned or
    /// not; only a decision running there goes on.
    Quiet,
}

/// The user's decision in this place, as the store said.
#[derive(Debug, Clone, Copy)]
pub enum Decision<'a> {
    /// No decision runs here for this user.
    None,
    /// One runs, at `state` (its answers replayed against the current knowledge). `in_place`: it shares a guild
    /// channel with others, so only text meant for it is taken. `changed`: some answers no longer fit the
    /// knowledge, so its current step is shown again.
    Running { state: &'a State, in_place: bool, changed: bool },
    /// The user's decision here expired after the idle timeout (said once).
    Expired { in_place: bool },
    /// The store did not answer in time: whether a decision runs is unknown.
    Unknown,
}

/// The facts of one message.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    /// The text, mentions of the bot removed.
    pub text: &'a str,
    pub addressed: Addressed,
    pub place: &'a Place,
    pub decision: Decision<'a>,
    /// What the conversation here remembers; `None` where none is kept or the store did not answer.
    pub memory: Option<&'a Memory>,
    /// For an edit of a message the bot answered: the text it answered then.
    pub edit_of: Option<&'a str>,
    /// How sure an unprompted answer must be.
    pub min_confidence: f64,
    /// Whether this user may start a decision now (`Err`: how long until they may).
    pub may_start: Result<(), Duration>,
}

impl<'a> Incoming<'a> {
    /// A line typed in the console (or a DM): addressed, no rules of place, a decision in memory.
    pub fn direct(text: &'a str, state: Option<&'a State>, memory: &'a Memory) -> Self {
        Self {
            text,
            addressed: Addressed::Direct,
            place: &Place::Direct,
            decision: match state {
                Some(state) => Decision::Running { state, in_place: false, changed: false },
                None => Decision::None,
            },
            memory: Some(memory),
            edit_of: None,
            min_confidence: 0.0,
            may_start: Ok(()),
        }
    }
}

/// What to do with a message.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Send nothing. `answer`: the answer held back (for the question log), when one was computed.
    Silent { question: String, answer: Option<Box<Answer>> },
    /// Send an answer (FAQ, comparison, profile, a question back, small talk, an honest "don't know"); keep
    /// `memory` for the conversation.
    Answer { question: String, answer: Box<Answer>, memory: Memory },
    /// A turn of the running decision: its replies, and its state after (`None`: it ended).
    Dialog(Turn),
    /// Start a decision from `first` (what the message already answered), after `answer` when there is one.
    Start { question: String, answer: Option<Box<Answer>>, first: State },
    /// A decision was asked for too soon after the user's last one.
    TooSoon { question: String, answer: Option<Box<Answer>>, wait: Duration },
    /// A short message instead of an answer.
    Notice(Notice),
}

/// The messages the route gives instead of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The user's decision here expired (the front door says after how long, and offers a new one).
    Expired,
    /// The store did not answer and the message was certainly meant for a decision: try again in a moment.
    StoreDown,
    /// A decision command ("back", "cancel", "restart", a number) with no decision running.
    NoDecision,
    /// An empty message addressed to the bot (a bare mention).
    Empty,
    /// Bad input (an oversized question): what was wrong.
    Error(String),
}

impl Notice {
    /// The text of the notice (a front door may add buttons, or say more where it knows more).
    pub fn text(&self) -> String {
        match self {
            Notice::Expired => "This decision expired without activity. Start a new one with `decide`.".into(),
            Notice::StoreDown => STORE_DOWN.into(),
            Notice::NoDecision => {
                "No decision is running: type `decide` (or `/decide` in Discord) to start one, or ask a question."
                    .into()
            }
            Notice::Empty => "Hi! Ask me about choosing a Python web framework (\"is flask faster than django?\"), \
                              or run `/decide` for a guided choice."
                .into(),
            Notice::Error(m) => format!("Sorry: {m}"),
        }
    }
}

/// Said when the store of decisions cannot be reached and the message needed it.
pub const STORE_DOWN: &str =
    "I can't reach my memory of decisions right now; nothing was changed. Please try again in a moment.";

/// Decides what to do with one message. Pure: the same facts always give the same plan.
pub fn route(engine: &Engine, m: &Incoming) -> Plan {
    let question = match m.place {
        Place::ForumPost { title } if !m.text.is_empty() => format!("{title}\n{}", m.text),
        Place::ForumPost { title } => title.clone(),
        _ => m.text.to_string(),
    };
    // An edit that changes nothing (a pin, a link preview arriving) is not a new question.
    if let Some(before) = m.edit_of {
        if same_text(before, m.text) {
            return Plan::Silent { question, answer: None };
        }
    }
    let plan = route_new(engine, m, question);
    // An edit only updates an answer already given: it never starts, steps or refuses anything.
    match plan {
        Plan::Answer { .. } if m.edit_of.is_some() => plan,
        Plan::Silent { .. } => plan,
        other if m.edit_of.is_some() => Plan::Silent { question: question_of(&other), answer: None },
        other => other,
    }
}

fn route_new(engine: &Engine, m: &Incoming, question: String) -> Plan {
    let addressed = m.addressed != Addressed::No;
    // A message the bot would not read in this place, unless a decision of this user runs here.
    let watched = addressed || matches!(m.place, Place::Help | Place::ForumPost { .. });

    match m.decision {
        Decision::Running { state, in_place, changed } => {
            // In a shared channel only text meant for the decision is taken: others talk there too.
            let for_it = !in_place || addressed || names_option(engine, state, m.text);
            // A finished decision rests: only its commands (back, change, restart, cancel, record) reach it; anything
            // else is a new message.
            let rests = engine.dialog().is_finished(state) && !Input::is_command(m.text);
            if for_it && !rests {
                if changed {
                    return Plan::Dialog(conversation::again(engine, state.clone()));
                }
                return Plan::Dialog(conversation::in_dialog(engine, state, m.text));
            }
        }
        // Said once, and only to the user speaking to it: chatter in a shared channel is not told.
        Decision::Expired { in_place } if !in_place || addressed => return Plan::Notice(Notice::Expired),
        Decision::Unknown if addressed && is_dialog_command(m.text) => return Plan::Notice(Notice::StoreDown),
        _ => {}
    }
    if !watched || *m.place == Place::Quiet {
        return Plan::Silent { question, answer: None };
    }
    if conversation::is_decide_command(m.text) {
        if !addressed {
            return Plan::Silent { question, answer: None };
        }
        return start(question, None, State::new(), m.may_start);
    }
    let memory = m.memory.cloned().unwrap_or_default();
    // A pick among the choices of a question back ("2", or the choice's id).
    if let Some(answer) = memory.pick(m.text).and_then(|choice| engine.suggestion_answer(choice)) {
        let memory = memory.after(&answer);
        return Plan::Answer { question, answer: Box::new(answer), memory };
    }
    if is_dialog_command(m.text) {
        return match addressed {
            true => Plan::Notice(Notice::NoDecision),
            false => Plan::Silent { question, answer: None },
        };
    }
    let answer = match engine.ask_in(&question, memory.last.as_ref()) {
        Ok(answer) => answer,
        Err(_) if !addressed => return Plan::Silent { question, answer: None },
        Err(CoreError::EmptyQuestion) => return Plan::Notice(Notice::Empty),
        Err(e) => return Plan::Notice(Notice::Error(e.to_string())),
    };
    if !worth_saying(&answer, m) {
        return Plan::Silent { question, answer: Some(Box::new(answer)) };
    }
    if matches!(answer.topic, Topic::Decide { .. }) {
        let first = conversation::opening_state(&answer);
        return start(question, Some(Box::new(answer)), first, m.may_start);
    }
    let memory = memory.after(&answer);
    Plan::Answer { question, answer: Box::new(answer), memory }
}

/// Whether an answer is said where it was asked: everything is, when the bot is spoken to; a reply to the bot is
/// not answered with "don't know" or chatter; unprompted, only sure answers with a topic are given (a new forum post
/// may also be asked back, as a helper would).
fn worth_saying(answer: &Answer, m: &Incoming) -> bool {
    let quiet_smalltalk = match &answer.topic {
        Topic::Smalltalk { id } => !Kind::from_id(id).is_some_and(Kind::answered_in_help_channels),
        _ => false,
    };
    match m.addressed {
        Addressed::Direct | Addressed::Mention => true,
        Addressed::Reply => !quiet_smalltalk && !matches!(answer.topic, Topic::None),
        Addressed::No => {
            let asks_back_ok = matches!(m.place, Place::ForumPost { .. });
            !quiet_smalltalk
                && !matches!(answer.topic, Topic::None)
                && (asks_back_ok || !matches!(answer.topic, Topic::Clarify { .. }))
                && (matches!(answer.topic, Topic::Clarify { .. }) || answer.confidence >= m.min_confidence)
        }
    }
}

fn start(question: String, answer: Option<Box<Answer>>, first: State, may_start: Result<(), Duration>) -> Plan {
    match may_start {
        Ok(()) => Plan::Start { question, answer, first },
        Err(wait) => Plan::TooSoon { question, answer, wait },
    }
}

fn question_of(plan: &Plan) -> String {
    match plan {
        Plan::Silent { question, .. }
        | Plan::Answer { question, .. }
        | Plan::Start { question, .. }
        | Plan::TooSoon { question, .. } => question.clone(),
        Plan::Dialog(_) | Plan::Notice(_) => String::new(),
    }
}

/// Commands that only mean something inside a decision: the dialog's own ("back", "cancel", "restart",
/// "change 2", "record", as [`Input::parse`] reads them) and a bare number.
pub fn is_dialog_command(text: &str) -> bool {
    Input::is_command(text) || text.trim().trim_end_matches(['.', '!']).parse::<u32>().is_ok()
}

/// Whether `text` is exactly an option (its label or id) of the question `state` is at.
pub fn names_option(engine: &Engine, state: &State, text: &str) -> bool {
    let Ok(Outcome::Question(q)) = engine.dialog().current(state) else { return false };
    let said = text.trim().trim_end_matches(['.', '!']).trim().to_lowercase();
    q.options.iter().any(|o| o.id == said || o.label.to_lowercase() == said)
}

/// Two texts that say the same (case and spacing aside).
fn same_text(a: &str, b: &str) -> bool {
    let words = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
    words(a) == words(b)
}
