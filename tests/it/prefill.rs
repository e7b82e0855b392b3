//! The decision dialog reading free text: an opening message pre-fills the steps it answers, the dialog says what
//! it assumed, each assumption can be changed, only the rest is asked, and a typed answer fills later steps too.
//! On the shipped model and the real `knowledge/dialog.toml`.

use std::sync::OnceLock;

use signpost::{
    conversation::{self, Reply},
    dialog::{Input, Outcome, Pick, Question, State},
    session, Engine,
};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load(None).expect("built-in knowledge loads"))
}

const OPENING: &str = "small JSON API for a mobile app, my team knows async python, which framework?";

fn assumed(q: &Question) -> Vec<(String, String)> {
    q.assumed.iter().map(|a| (a.step.clone(), a.option.clone())).collect()
}

fn has(q: &Question, step: &str, option: &str) -> bool {
    assumed(q).contains(&(step.to_string(), option.to_string()))
}

#[track_caller]
fn question(outcome: &Outcome) -> &Question {
    match outcome {
        Outcome::Question(q) | Outcome::Reprompt { question: q, .. } => q,
        other => panic!("expected a question, got {other:?}"),
    }
}

#[test]
fn an_opening_message_prefills_what_it_answers_and_asks_only_the_rest() {
    let m = engine().dialog();
    let (state, q) = m.start_from(OPENING).unwrap();
    assert!(has(&q, "project", "json-api"), "{:?}", assumed(&q));
    assert!(has(&q, "team", "typed-async"), "{:?}", assumed(&q));
    assert!(state.picks.iter().all(|p| p.is_assumed()), "everything so far was read, not chosen: {state}");
    assert_ne!(q.step, "project");
    assert_ne!(q.step, "team");

    // Walking to the verdict with the first option each time asks neither the project nor the team.
    let mut asked = vec![q.step.clone()];
    let (mut state, mut outcome) = m.step(&state, Input::Choose(0)).unwrap();
    while let Outcome::Question(q) = &outcome {
        asked.push(q.step.clone());
        (state, outcome) = m.step(&state, Input::Choose(0)).unwrap();
    }
    assert!(!asked.iter().any(|s| s == "project" || s == "team"), "asked {asked:?}");
    let Outcome::Verdict(v) = outcome else { panic!("a verdict") };
    let assumed: Vec<&str> = v.reasons.iter().filter(|r| r.assumed).map(|r| r.step.as_str()).collect();
    assert!(assumed.contains(&"project") && assumed.contains(&"team"), "assumed answers count, marked: {assumed:?}");
    assert!(v.reasons.iter().any(|r| !r.assumed), "the answers given at the questions are not marked");
    assert!(!state.picks.is_empty());
}

#[test]
fn an_assumption_can_be_changed_by_number_or_by_name_and_the_others_stay() {
    let m = engine().dialog();
    let (state, q) = m.start_from(OPENING).unwrap();
    let project = q.assumed.iter().position(|a| a.step == "project").unwrap() + 1;

    let (changed, out) = m.step(&state, Input::parse(&format!("change {project}"))).unwrap();
    let q = question(&out);
    assert_eq!(q.step, "project", "the changed step is asked now");
    assert!(!has(q, "project", "json-api") && has(q, "team", "typed-async"), "{:?}", assumed(q));

    // Answering it (a shop now) goes on past the steps still assumed.
    let (after, out) = m.step(&changed, Input::Text("an online shop for my mum's pottery".into())).unwrap();
    let q = question(&out);
    assert_ne!(q.step, "project");
    assert!(has(q, "team", "typed-async"));
    let chosen = after.picks.iter().find(|p| !p.is_assumed()).expect("the project is now chosen");
    assert_eq!(engine().kb().dialog.steps[usize::from(chosen.step)].id, "project");

    // By the step's id, too: a step still to come is asked when the dialog gets there, and said so.
    let (mut by_name, out) = m.step(&state, Input::parse("change team")).unwrap();
    let Outcome::Reprompt { message, question: q } = &out else { panic!("a notice: {out:?}") };
    assert!(message.contains("when we get to it"), "{message}");
    assert!(!has(q, "team", "typed-async"));
    let mut out = out;
    let mut asked = Vec::new();
    while let Outcome::Question(q) | Outcome::Reprompt { question: q, .. } = &out {
        asked.push(q.step.clone());
        (by_name, out) = m.step(&by_name, Input::Choose(0)).unwrap();
    }
    assert!(asked.iter().any(|s| s == "team"), "the team is asked after all: {asked:?}");

    // An unknown name asks again and keeps everything.
    let (same, out) = m.step(&state, Input::parse("change the weather")).unwrap();
    assert_eq!(same, state);
    assert!(matches!(out, Outcome::Reprompt { ref message, .. } if message.contains("no answer called")), "{out:?}");
}

#[test]
fn a_typed_answer_fills_later_steps_it_also_answers_and_back_undoes_both() {
    let m = engine().dialog();
    let (start, q) = m.start().unwrap();
    assert_eq!(q.step, "project");
    assert!(q.assumed.is_empty());
    let said = "a rest api for our react native app, and it has to ship in two weeks";
    let (state, out) = m.step(&start, Input::Text(said.into())).unwrap();
    let q = question(&out);
    assert!(has(q, "timeline", "asap"), "{:?}", assumed(q));
    let project = state.picks.iter().find(|p| !p.is_assumed()).unwrap();
    assert_eq!(
        engine().kb().dialog.steps[usize::from(project.step)].options[usize::from(project.option)].id,
        "json-api"
    );

    // Back takes back the answer and what came with it.
    let (back, out) = m.step(&state, Input::Back).unwrap();
    assert_eq!(back, start);
    assert_eq!(question(&out).step, "project");

    // Back never removes what the opening message said: those are changed one by one.
    let (opened, _) = m.start_from(OPENING).unwrap();
    let (still, _) = m.step(&opened, Input::Back).unwrap();
    assert_eq!(still, opened);
}

#[test]
fn neutral_answers_and_chatter_are_never_assumed() {
    let m = engine().dialog();
    for text in ["which framework should i use?", "help me choose pls", "not sure about anything yet tbh", "hmm"] {
        let state = m.opening(text);
        assert!(state.picks.is_empty(), "{text:?} assumed {state}");
    }
    // An exact option label at its step is the answer, with nothing read into later steps.
    let (start, _) = m.start().unwrap();
    let (state, _) = m.step(&start, Input::Text("A JSON API for a single-page app or mobile app".into())).unwrap();
    assert_eq!(state.picks.len(), 1);
}

#[test]
fn the_console_and_chat_json_show_what_was_assumed() {
    let turn = conversation::turn(engine(), None, OPENING);
    let q = turn
        .replies
        .iter()
        .find_map(|r| match r {
            Reply::Question { question, .. } => Some(question),
            _ => None,
        })
        .expect("the dialog starts");
    assert!(has(q, "project", "json-api"));
    let json = signpost::cli::render::reply_json(&Reply::Question { question: q.clone(), notice: None });
    let taken: Vec<&str> = json["assumed"].as_array().unwrap().iter().map(|a| a["step"].as_str().unwrap()).collect();
    assert!(taken.contains(&"project") && taken.contains(&"team"), "{json}");
    let text = signpost::cli::render::question(q, None);
    assert!(text.contains("So far") && text.contains("(assumed from your message)"), "{text}");
    assert!(text.contains("change N"), "{text}");
}

#[test]
fn stored_sessions_keep_which_answers_were_read_and_old_sessions_still_resolve() {
    let kb = engine().kb();
    let m = engine().dialog();
    let (state, _) = m.start_from(OPENING).unwrap();
    let (state, _) = m.step(&state, Input::Choose(0)).unwrap();
    let stored = session::answer_ids(kb, &state);
    assert!(stored.iter().any(|a| a == "project~json-api"), "{stored:?}");
    assert!(stored.iter().any(|a| a.contains('=')), "{stored:?}");
    let back = session::resolve(kb, &stored);
    assert_eq!(back.state, state);
    assert!(!back.changed);

    // A session stored before answers named their step: option ids in dialog order.
    let old = session::resolve(kb, &["json-api".to_string(), "small".to_string()]);
    assert!(!old.changed);
    assert_eq!(old.state.picks.len(), 2);
    assert!(old.state.picks.iter().all(|p: &Pick| !p.is_assumed()));
    assert_eq!(question(&m.current(&old.state).unwrap()).step, "builtins");

    // An answer the knowledge no longer has is dropped, and said.
    let gone = session::resolve(kb, &["project=json-api".to_string(), "size=enormous".to_string()]);
    assert!(gone.changed);
    assert_eq!(gone.state.picks.len(), 1);
    let _: &State = &gone.state;
}
