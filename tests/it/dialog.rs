//! The guided decision through `dialog::Machine` and `conversation::turn`, on the real `knowledge/dialog.toml`.
//!
//! The first test walks every path of the dialog (a DFS over option indices) and checks each verdict against an
//! independent recount of the weights, and each `flip` by replaying the path with that one answer swapped.

use std::{
    collections::{BTreeMap, BTreeSet},
    str::FromStr,
    sync::OnceLock,
    time::Instant,
};

use signpost::{
    conversation::{self, Reply},
    dialog::{DialogError, Input, Machine, Outcome, Pick, Question, State, Verdict},
    knowledge::{DialogOption, KnowledgeBase, Step},
    reply::Topic,
    Engine,
};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load(None).expect("built-in knowledge loads"))
}

fn kb() -> &'static KnowledgeBase {
    engine().kb()
}

fn machine() -> Machine<'static> {
    engine().dialog()
}

/// The state of choosing `answers` one step after another from the start (option indices). An index that is no
/// option, or an answer past the end, is kept as a pick of no step, so the state is stale as such states are.
fn state(answers: &[u8]) -> State {
    let dialog = &kb().dialog;
    let index = |id: &str| dialog.steps.iter().position(|s| s.id == id);
    let mut at = index(&dialog.start);
    let mut picks = Vec::new();
    for &a in answers {
        let Some(si) = at else {
            picks.push(Pick { step: u8::MAX, option: a, read: false });
            continue;
        };
        picks.push(Pick { step: si as u8, option: a, read: false });
        let step = &dialog.steps[si];
        at = step.options.get(usize::from(a)).and_then(|o| step.next_after(o)).and_then(index);
        if step.options.get(usize::from(a)).is_none() {
            at = None;
        }
    }
    State { picks }
}

fn step_of(id: &str) -> &'static Step {
    kb().step(id).unwrap_or_else(|| panic!("no step {id}"))
}

fn option_index(step: &str, option: &str) -> usize {
    step_of(step).options.iter().position(|o| o.id == option).unwrap_or_else(|| panic!("no option {step}/{option}"))
}

#[track_caller]
fn expect_question(outcome: &Outcome) -> &Question {
    match outcome {
        Outcome::Question(q) => q,
        other => panic!("expected a question, got {other:?}"),
    }
}

/// The longest a Discord custom_id may be, and the room a front door keeps for its own prefix.
const CUSTOM_ID_MAX: usize = 100;
const CUSTOM_ID_PREFIX: usize = 40;

/// What the DFS saw.
#[derive(Default)]
struct Walk {
    /// Every `stride`-th complete path gets its verdict computed and checked (1: every path).
    stride: usize,
    paths: usize,
    checked: usize,
    flips: usize,
    longest_path: usize,
    shortest_path: usize,
    longest_state: String,
    wins: BTreeMap<String, usize>,
    steps_seen: BTreeSet<String>,
    /// (step, option) pairs that lie on a checked path.
    options_checked: BTreeSet<(String, String)>,
}

/// The score of each framework for a list of chosen options, recounted from the knowledge.
fn recount(options: &[&DialogOption]) -> BTreeMap<String, i32> {
    let mut scores: BTreeMap<String, i32> = kb().frameworks.iter().map(|f| (f.id.clone(), 0)).collect();
    for o in options {
        for (fw, w) in &o.weights {
            *scores.get_mut(fw).unwrap_or_else(|| panic!("option {} weighs unknown framework {fw}", o.id)) += w;
        }
    }
    scores
}

/// The highest total; a tie goes to the framework listed first in the knowledge.
fn best(scores: &BTreeMap<String, i32>) -> String {
    let top = scores.values().max().copied().unwrap();
    kb().frameworks.iter().find(|f| scores[&f.id] == top).unwrap().id.clone()
}

fn check_verdict(v: &Verdict, answers: &[u8], path: &[(&'static Step, &'static DialogOption)], walk: &mut Walk) {
    let kb = kb();
    let at = state(answers).to_string();
    let ids: BTreeSet<&str> = kb.frameworks.iter().map(|f| f.id.as_str()).collect();
    assert!(ids.contains(v.recommendation.as_str()), "{at}: unknown recommendation {}", v.recommendation);
    assert_eq!(v.scores.keys().map(String::as_str).collect::<BTreeSet<_>>(), ids, "{at}: scores cover every framework");
    let chosen: Vec<&DialogOption> = path.iter().map(|(_, o)| *o).collect();
    let scores = recount(&chosen);
    assert_eq!(v.scores, scores, "{at}: scores are the sums of the chosen options' weights");
    assert_eq!(v.recommendation, best(&scores), "{at}: the recommendation has the highest score");
    assert!(v.confidence > 0.0 && v.confidence <= 1.0, "{at}: confidence {}", v.confidence);
    assert_eq!(v.reasons.len(), answers.len(), "{at}: one reason per answer");
    for (r, (s, o)) in v.reasons.iter().zip(path) {
        assert_eq!(
            (r.step.as_str(), r.answer.as_str(), r.reason.as_str()),
            (s.id.as_str(), o.label.as_str(), o.reason.as_str())
        );
        assert_eq!(r.question, s.text);
    }

    // The flip, when there is one: an answered step, another option of it, another framework, and replaying the
    // path with that answer swapped really recommends it.
    let alternatives = path.iter().enumerate().flat_map(|(k, (s, o))| {
        s.options
            .iter()
            .enumerate()
            .filter(move |(_, alt)| alt.id != o.id && s.next_after(alt) == s.next_after(o))
            .map(move |(i, alt)| (k, i, alt))
    });
    match &v.flip {
        Some(f) => {
            walk.flips += 1;
            let k = path
                .iter()
                .position(|(s, _)| s.id == f.step)
                .unwrap_or_else(|| panic!("{at}: flip step {} was not answered", f.step));
            let (s, o) = path[k];
            assert_eq!(f.question, s.text, "{at}");
            let i = s
                .options
                .iter()
                .position(|x| x.label == f.answer)
                .unwrap_or_else(|| panic!("{at}: flip answer {:?} is not an option of {}", f.answer, s.id));
            assert_ne!(s.options[i].id, o.id, "{at}: the flip is the answer already given");
            assert_ne!(f.recommendation, v.recommendation, "{at}: the flip names the same framework");
            assert!(ids.contains(f.recommendation.as_str()), "{at}: flip to unknown {}", f.recommendation);
            let mut swapped = chosen.clone();
            swapped[k] = &s.options[i];
            assert_eq!(best(&recount(&swapped)), f.recommendation, "{at}: recount of the flip");
            let mut answers = answers.to_vec();
            answers[k] = i as u8;
            match machine().current(&state(&answers)) {
                Ok(Outcome::Verdict(w)) => assert_eq!(w.recommendation, f.recommendation, "{at}: replayed flip"),
                other => panic!("{at}: replaying the flip gave {other:?}"),
            }
        }
        None => {
            for (k, _, alt) in alternatives {
                let mut swapped = chosen.clone();
                swapped[k] = alt;
                assert_eq!(
                    best(&recount(&swapped)),
                    v.recommendation,
                    "{at}: answering {} would flip it, yet no flip is named",
                    alt.id
                );
            }
        }
    }
}

fn walk_from(
    answers: &mut Vec<u8>,
    path: &mut Vec<(&'static Step, &'static DialogOption)>,
    q: &Question,
    walk: &mut Walk,
) {
    let m = machine();
    let step = step_of(&q.step);
    walk.steps_seen.insert(step.id.clone());
    assert_eq!(q.number, answers.len() + 1, "question number");
    assert_eq!(q.text, step.text);
    assert_eq!(
        q.options.iter().map(|o| (o.id.as_str(), o.label.as_str())).collect::<Vec<_>>(),
        step.options.iter().map(|o| (o.id.as_str(), o.label.as_str())).collect::<Vec<_>>()
    );
    let before = state(answers);
    for (i, option) in step.options.iter().enumerate() {
        answers.push(i as u8);
        path.push((step, option));
        let last = step.next_after(option).is_none();
        if last {
            walk.paths += 1;
            walk.longest_path = walk.longest_path.max(answers.len());
            walk.shortest_path =
                if walk.shortest_path == 0 { answers.len() } else { walk.shortest_path.min(answers.len()) };
            let encoded = state(answers).to_string();
            if encoded.len() > walk.longest_state.len() {
                walk.longest_state = encoded;
            }
        }
        // Every question along every path is checked; the verdict (the costly part) on every `stride`-th path.
        if !last || (walk.paths - 1) % walk.stride == 0 {
            let (next, outcome) = m.step(&before, Input::Choose(i)).expect("a valid choice");
            assert_eq!(next, state(answers), "the state records the choice");
            let encoded = next.to_string();
            assert_eq!(State::from_str(&encoded), Ok(next.clone()), "round trip of {encoded}");
            match &outcome {
                Outcome::Question(q) if !last => {
                    assert_eq!(step.next_after(option), Some(q.step.as_str()), "the dialog follows `next`");
                    walk_from(answers, path, q, walk);
                }
                Outcome::Verdict(v) if last => {
                    walk.checked += 1;
                    *walk.wins.entry(v.recommendation.clone()).or_default() += 1;
                    for (s, o) in path.iter() {
                        walk.options_checked.insert((s.id.clone(), o.id.clone()));
                    }
                    check_verdict(v, answers, path, walk);
                }
                other => panic!("choosing {}/{} (last: {last}) gave {other:?}", step.id, option.id),
            }
        }
        answers.pop();
        path.pop();
    }
}

/// Walks the whole dialog, checking the verdict of every `stride`-th path.
fn walk(stride: usize) -> Walk {
    let t0 = Instant::now();
    let (start, q) = machine().start().expect("the dialog starts");
    assert_eq!(start, State::new());
    assert_eq!(q.step, kb().dialog.start);
    let mut walk = Walk { stride, ..Walk::default() };
    walk_from(&mut Vec::new(), &mut Vec::new(), &q, &mut walk);
    eprintln!(
        "dialog: {} paths, {} verdicts checked (1 in {stride}), {}..={} answers, {} with a flip (each replayed), \
         wins {:?}, longest state {:?}, {:.1?}",
        walk.paths,
        walk.checked,
        walk.shortest_path,
        walk.longest_path,
        walk.flips,
        walk.wins,
        walk.longest_state,
        t0.elapsed()
    );
    assert!(walk.paths > 1_000, "the dialog branches: {} paths", walk.paths);
    assert_eq!(walk.checked, walk.paths.div_ceil(stride));
    let steps: BTreeSet<String> = kb().dialog.steps.iter().map(|s| s.id.clone()).collect();
    assert_eq!(walk.steps_seen, steps, "every step is reachable");
    let options: BTreeSet<(String, String)> =
        kb().dialog.steps.iter().flat_map(|s| s.options.iter().map(|o| (s.id.clone(), o.id.clone()))).collect();
    assert_eq!(walk.options_checked, options, "every option of every step lies on a checked path");
    for f in &kb().frameworks {
        assert!(walk.wins.get(&f.id).copied().unwrap_or(0) > 0, "{} is recommended on some path", f.id);
    }
    assert!(walk.flips > 0);
    assert!(
        walk.longest_state.len() + CUSTOM_ID_PREFIX <= CUSTOM_ID_MAX,
        "the longest state {:?} fits a custom_id with a {CUSTOM_ID_PREFIX}-character prefix",
        walk.longest_state
    );
    walk
}

/// The dialog has 160,000 paths today (25 ways through the first two questions, then 5 x 4 x 4 x 5 x 4 x 4). Every question on every one of
/// them is visited through the machine; computing and checking a verdict costs about 1 ms in a debug build, so this
/// test checks the verdicts of one path in 31 (a prime, so the sample rotates through the last steps' options) and
/// asserts the sample crosses every option of every step. `every_path_verdict` checks them all.
#[test]
fn every_path_ends_in_a_verdict_that_explains_itself() {
    walk(31);
}

#[test]
#[ignore = "slow: every verdict of the 160,000 paths, about 3 minutes in a debug build; run with --ignored"]
fn every_path_verdict() {
    walk(1);
}

#[test]
fn back_at_the_first_step_stays_there() {
    let m = machine();
    let (s, q) = m.start().unwrap();
    let (s2, out) = m.step(&s, Input::Back).unwrap();
    assert_eq!(s2, State::new());
    assert_eq!(expect_question(&out).step, q.step);
    assert_eq!(expect_question(&out).number, 1);
}

#[test]
fn back_returns_to_the_previous_question() {
    let m = machine();
    // Down the main line (content site -> rendering -> size -> ...), back at every depth.
    let mut s = State::new();
    let mut shown = vec![expect_question(&m.current(&s).unwrap()).clone()];
    loop {
        let (next, out) = m.step(&s, Input::Choose(0)).unwrap();
        let Outcome::Question(q) = out else { break };
        let (back, out) = m.step(&next, Input::Back).unwrap();
        assert_eq!(back, s, "back undoes exactly one answer");
        assert_eq!(expect_question(&out).step, shown.last().unwrap().step);
        shown.push(q);
        s = next;
    }
    assert!(shown.len() >= 7, "{} questions on the main line", shown.len());

    // Across a branch: a JSON API skips the rendering question, so back from "size" goes to "project".
    let api = option_index("project", "json-api") as u8;
    let (s, out) = m.step(&State::new(), Input::Choose(api as usize)).unwrap();
    assert_eq!(expect_question(&out).step, "size");
    let (s, out) = m.step(&s, Input::Back).unwrap();
    assert_eq!((s, expect_question(&out).step.as_str()), (State::new(), "project"));

    // From the inference branch, back from "size" is "inference".
    let ml = option_index("project", "ml-serving") as u8;
    let (s, out) = m.step(&state(&[ml, 1]), Input::Back).unwrap();
    assert_eq!((s, expect_question(&out).step.as_str()), (state(&[ml]), "inference"));
}

#[test]
fn back_on_a_finished_dialog_reopens_the_last_question() {
    let m = machine();
    let done = state(&[0, 0, 0, 0, 0, 0, 0, 0]);
    assert!(matches!(m.current(&done).unwrap(), Outcome::Verdict(_)));
    let (s, out) = m.step(&done, Input::Back).unwrap();
    assert_eq!(s, state(&[0, 0, 0, 0, 0, 0, 0]));
    assert_eq!(expect_question(&out).step, "control");
    assert_eq!(m.step(&done, Input::Choose(0)).unwrap_err(), DialogError::Finished);
    assert_eq!(m.step(&done, Input::Text("2".into())).unwrap_err(), DialogError::Finished);
}

#[test]
fn restart_and_cancel_work_at_every_depth() {
    let m = machine();
    for depth in 0..=8 {
        let s = state(&vec![0; depth]);
        let (r, out) = m.step(&s, Input::Restart).unwrap();
        assert_eq!(r, State::new(), "restart at depth {depth}");
        let q = expect_question(&out);
        assert_eq!((q.step.as_str(), q.number), (kb().dialog.start.as_str(), 1));
        let (_, out) = m.step(&s, Input::Cancel).unwrap();
        assert!(matches!(out, Outcome::Cancelled), "cancel at depth {depth}: {out:?}");
    }
}

#[test]
fn typed_commands_are_read_as_commands() {
    for (text, want) in [
        ("back", Input::Back),
        ("  BACK ", Input::Back),
        ("/back", Input::Back),
        ("undo", Input::Back),
        ("restart", Input::Restart),
        ("Start over", Input::Restart),
        ("cancel", Input::Cancel),
        ("/cancel", Input::Cancel),
        ("stop", Input::Cancel),
    ] {
        assert_eq!(Input::parse(text), want, "{text:?}");
    }
    assert_eq!(Input::parse("go back to the start"), Input::Text("go back to the start".into()));
}

#[test]
fn typed_commands_with_punctuation_are_commands() {
    for (text, want) in [("cancel.", Input::Cancel), ("back!", Input::Back), ("Restart?", Input::Restart)] {
        assert_eq!(Input::parse(text), want, "{text:?}");
    }
    let t = conversation::turn(engine(), Some(&state(&[1])), "cancel.");
    assert!(matches!(&t.replies[..], [Reply::Cancelled]), "{:?}", t.replies);
}

#[test]
fn free_text_picks_the_right_option() {
    let m = machine();
    // (step, typed text, option id)
    let cases = [
        ("project", "2", "json-api"),
        ("project", " 2. ", "json-api"),
        ("project", "2)", "json-api"),
        ("project", "json-api", "json-api"),
        ("project", "a json api for a single-page app or mobile app", "json-api"),
        ("project", "A JSON API FOR A SINGLE-PAGE APP OR MOBILE APP", "json-api"),
        ("project", "mostly a JSON API for a mobile app", "json-api"),
        ("project", "an online shop with a cart and checkout", "ecommerce"),
        ("project", "just a hackathon prototype", "prototype"),
        ("project", "serving a pytorch model for inference", "ml-serving"),
        ("project", "a blog for my band", "content-site"),
        ("rendering", "we'll use React for the front end", "separate-frontend"),
        ("rendering", "htmx sprinkles on top of templates", "htmx"),
        ("rendering", "no idea yet", "not-sure"),
        ("size", "1", "small"),
        ("size", "LARGE CODEBASE: MANY MODELS, FEATURES AND DEVELOPERS", "large-codebase"),
        ("size", "tiny, a handful of endpoints", "small"),
        ("builtins", "we just need login and a database layer", "some"),
        ("builtins", "batteries included please, everything", "most"),
        ("realtime", "yes, websockets for a multiplayer game", "heavy"),
        ("realtime", "nope, plain request response", "none"),
        ("team", "we already know django", "knows-django"),
        ("team", "pydantic and type hints all day", "typed-async"),
        ("timeline", "asap, we launch in two weeks", "asap"),
        ("control", "minimal and explicit, we choose the libraries", "control"),
        ("control", "no-preference", "no-preference"),
    ];
    let mut wrong = Vec::new();
    for (step, text, want) in cases {
        let got = m.interpret(step_of(step), text).map(|i| step_of(step).options[i].id.as_str());
        if got != Some(want) {
            wrong.push(format!("{step}: {text:?} -> {got:?}, want {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Through `step`: the free text moves the dialog on like a click would.
    let (s, out) = m.step(&State::new(), Input::Text("mostly a JSON API for a mobile app".into())).unwrap();
    assert_eq!(s, state(&[option_index("project", "json-api") as u8]));
    assert_eq!(expect_question(&out).step, "size");
}

#[test]
fn nonsense_and_out_of_range_answers_ask_again() {
    let m = machine();
    let at_size = state(&[1]);
    let n = step_of("size").options.len();
    let inputs = [
        Input::Text("purple elephant banana".into()),
        Input::Text("0".into()),
        Input::Text(format!("{}", n + 1)),
        Input::Text("-1".into()),
        Input::Text("asdfgh qwertz".into()),
        Input::Choose(n),
        Input::Choose(usize::MAX),
    ];
    // A shrug is an answer, though: "not sure yet".
    let (s, _) = m.step(&at_size, Input::Text("🤷".into())).unwrap();
    assert_eq!(s.picks.last().map(|p| usize::from(p.option)), Some(option_index("size", "not-sure")));
    for input in inputs {
        let (s, out) = m.step(&at_size, input.clone()).unwrap();
        assert_eq!(s, at_size, "{input:?} leaves the state alone");
        match out {
            Outcome::Reprompt { message, question } => {
                assert_eq!(question.step, "size", "{input:?}");
                assert_eq!(question.number, 2);
                assert!(message.contains(&format!("1 to {n}")), "{input:?}: {message}");
            }
            other => panic!("{input:?}: expected a reprompt, got {other:?}"),
        }
    }
}

#[test]
fn state_encodes_as_version_and_answers() {
    // A content site (option 0) goes on to the rendering step (1), then size (3).
    assert_eq!(state(&[0, 2, 1]).to_string(), "2:0-0.1-2.3-1");
    assert_eq!(State::new().to_string(), "2:");
    for s in ["2:", "2:0-0", "2:0-0.1-2.3-1", "2:6-3r.0-1", "2:255-255r"] {
        let parsed = State::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(parsed.to_string(), s);
    }
    assert_eq!(State::from_str("2:0-0.1-2.3-1").unwrap(), state(&[0, 2, 1]));
    for bad in [
        "",
        "2",
        "0:0-1",
        "1:0.1",
        "255:",
        "x:0",
        "2:a",
        "2:0",
        "2:0-1..1-1",
        "2:0-1.",
        "2:.0-1",
        "2:256-0",
        "2:-1",
        "2:0-1r.1",
        "2:0-x",
        "2:0-1q",
        "2: 0-1",
        "garbage",
        "::",
        "2:0-1:1",
    ] {
        assert_eq!(State::from_str(bad), Err(DialogError::BadState), "{bad:?}");
    }
}

#[test]
fn a_state_that_no_longer_fits_the_dialog_is_stale() {
    let m = machine();
    let options = step_of(&kb().dialog.start).options.len() as u8;
    for stale in [state(&[options]), state(&[0, 99]), state(&[0; 20]), state(&[255, 255])] {
        assert_eq!(m.current(&stale).unwrap_err(), DialogError::Stale, "{stale}");
        assert_eq!(m.step(&stale, Input::Choose(0)).unwrap_err(), DialogError::Stale, "{stale}");
    }
    // The errors read as messages for a user.
    for e in [DialogError::Stale, DialogError::BadState, DialogError::Finished] {
        assert!(e.to_string().contains("/decide"), "{e}");
    }
}

// --- conversation::turn ---

fn only_question(replies: &[Reply]) -> (&Question, Option<&str>) {
    match replies {
        [Reply::Question { question, notice }] => (question, notice.as_deref()),
        other => panic!("expected one question, got {other:?}"),
    }
}

#[test]
fn decide_starts_the_dialog() {
    for text in ["decide", "/decide", "  Decide ", "!decide"] {
        let t = conversation::turn(engine(), None, text);
        assert_eq!(t.state, Some(State::new()), "{text:?}");
        let (q, notice) = only_question(&t.replies);
        assert_eq!((q.step.as_str(), notice), (kb().dialog.start.as_str(), None));
    }
    // Mid-dialog, it starts again.
    let t = conversation::turn(engine(), Some(&state(&[0, 1, 2])), "decide");
    assert_eq!(t.state, Some(State::new()));
}

#[test]
fn a_question_asked_mid_dialog_is_answered_and_the_step_asked_again() {
    for (at, step) in [(State::new(), "project"), (state(&[0, 0]), "size"), (state(&[1, 2, 0]), "realtime")] {
        let t = conversation::turn(engine(), Some(&at), "is flask faster than django?");
        assert_eq!(t.state.as_ref(), Some(&at), "the state is unchanged");
        match &t.replies[..] {
            [Reply::Answer(a), Reply::Question { question, notice }] => {
                assert!(["faq:is-flask-faster", "compare:performance"].contains(&a.label().as_str()), "{}", a.label());
                assert_eq!(question.step, step);
                assert_eq!(question.number, at.picks.len() + 1);
                assert!(notice.is_some(), "the question comes back with a notice");
            }
            other => panic!("expected an answer and the same question, got {other:?}"),
        }
    }
}

#[test]
fn a_recommendation_request_outside_a_dialog_starts_it() {
    let t = conversation::turn(engine(), None, "which framework should i use for my online shop?");
    // The shop is read from the message: assumed (to change if wrong), and not asked.
    let shop = Pick { step: 0, option: option_index("project", "ecommerce") as u8, read: true };
    assert_eq!(t.state, Some(State { picks: vec![shop] }));
    match &t.replies[..] {
        [Reply::Answer(a), Reply::Question { question, .. }] => {
            assert!(matches!(a.topic, Topic::Decide { .. }), "{}", a.label());
            assert_eq!(question.step, "rendering");
            assert_eq!(question.assumed.len(), 1);
            assert_eq!(question.assumed[0].option, "ecommerce");
        }
        other => panic!("expected the decide answer and the first question, got {other:?}"),
    }
}

#[test]
fn outside_a_dialog_questions_are_answered_and_bad_input_explained() {
    let t = conversation::turn(engine(), None, "is flask faster than django?");
    assert!(t.state.is_none());
    assert!(matches!(&t.replies[..], [Reply::Answer(_)]), "{:?}", t.replies);
    for bad in ["", "   ", &"x".repeat(5_000)] {
        let t = conversation::turn(engine(), None, bad);
        assert!(t.state.is_none());
        assert!(matches!(&t.replies[..], [Reply::Error(m)] if !m.is_empty()), "{:?}", t.replies);
    }
}

#[test]
fn a_whole_dialog_through_turns() {
    let e = engine();
    let mut s = conversation::turn(e, None, "decide").state;
    // Number, label, free text, nonsense, back, cancel, restart, then to the end.
    let t = conversation::turn(e, s.as_ref(), "2");
    assert_eq!(only_question(&t.replies).0.step, "size");
    s = t.state;
    let t = conversation::turn(e, s.as_ref(), "medium: a real product with steady, moderate traffic");
    assert_eq!(only_question(&t.replies).0.step, "builtins");
    s = t.state;
    let t = conversation::turn(e, s.as_ref(), "we just need login and a database layer");
    assert_eq!(only_question(&t.replies).0.step, "realtime");
    assert_eq!(t.state, Some(state(&[1, 1, 1])));
    s = t.state;
    let t = conversation::turn(e, s.as_ref(), "purple elephant banana");
    let (q, notice) = only_question(&t.replies);
    assert_eq!((q.step.as_str(), notice.is_some()), ("realtime", true));
    assert_eq!(t.state, s, "nonsense loses nothing");
    let t = conversation::turn(e, s.as_ref(), "back");
    assert_eq!(only_question(&t.replies).0.step, "builtins");
    assert_eq!(t.state, Some(state(&[1, 1])));
    s = t.state;
    let t = conversation::turn(e, s.as_ref(), "restart");
    assert_eq!(only_question(&t.replies).0.step, "project");
    assert_eq!(t.state, Some(State::new()));
    let t = conversation::turn(e, Some(&state(&[1, 1])), "cancel");
    assert!(t.state.is_none());
    assert!(matches!(&t.replies[..], [Reply::Cancelled]));

    let mut s = Some(State::new());
    let mut verdict = None;
    for i in 0..20 {
        let t = conversation::turn(e, s.as_ref(), "1");
        s = t.state;
        if let [Reply::Verdict(v)] = &t.replies[..] {
            verdict = Some(v.clone());
            assert!(s.is_none(), "the dialog ends with the verdict");
            assert_eq!(v.reasons.len(), i + 1);
            break;
        }
    }
    let v = verdict.expect("answering 1 everywhere reaches a verdict");
    assert_eq!(v.recommendation, "django", "content site, server-rendered, small... leans Django: {v:?}");
}

#[test]
fn a_stale_state_from_a_session_gives_a_message_not_a_crash() {
    let t = conversation::step(engine(), &state(&[99]), Input::Choose(0));
    assert!(t.state.is_none());
    assert!(matches!(&t.replies[..], [Reply::Error(m)] if m.contains("/decide")), "{:?}", t.replies);
    let t = conversation::turn(engine(), Some(&state(&[99])), "2");
    assert!(t.state.is_none());
    assert!(matches!(&t.replies[..], [Reply::Error(_)]), "{:?}", t.replies);
}

/// The state waiting at step `id`, reached by clicking first options (or the option that leads there).
fn at_step(id: &str) -> State {
    let mut queue = vec![State::new()];
    while let Some(s) = queue.pop() {
        let Ok(Outcome::Question(q)) = machine().current(&s) else { continue };
        if q.step == id {
            return s;
        }
        for i in 0..q.options.len() {
            if let Ok((next, _)) = machine().step(&s, Input::Choose(i)) {
                queue.insert(0, next);
            }
        }
    }
    panic!("no path reaches step {id}")
}

/// What a typed reply at `step` recorded there (`None`: nothing).
fn recorded_at(step: &str, reply: &str) -> Option<String> {
    let si = kb().dialog.steps.iter().position(|s| s.id == step).expect("a step");
    let t = conversation::turn(engine(), Some(&at_step(step)), reply);
    let pick = t.state.as_ref().and_then(|s| s.pick(si))?;
    Some(step_of(step).options[usize::from(pick.option)].id.clone())
}

/// The inputs of issue 17, exactly: what is not an answer records nothing; positions, numbers before words and
/// natural answers record the option they name.
#[test]
fn a_reply_is_recorded_only_when_it_answers_the_step() {
    let nothing: &[(&str, &str)] = &[
        ("rendering", "wait whats htmx lol"),
        ("rendering", "thanks!"),
        ("project", "who made you?"),
        ("control", "i dont rly get this question"),
        ("size", "what counts as medium"),
        ("builtins", "what is ORM sir?"),
        ("realtime", "yes"),
        ("timeline", "no"),
        ("project", "does a marketplace go under e-commerce or under saas here?"),
        ("team", "maybe"),
    ];
    for (step, reply) in nothing {
        assert_eq!(recorded_at(step, reply), None, "{step}: {reply:?} is not an answer");
    }
    let answers: &[(&str, &str, &str)] = &[
        ("project", "the second one", "json-api"),
        ("project", "2, an api for our app", "json-api"),
        ("project", "option four", "internal-tool"),
        ("project", "just an api", "json-api"),
        ("project", "mostly a json api, we need it in 2 weeks", "json-api"),
        ("project", "not a blog, it's an api", "json-api"),
        ("realtime", "no websockets", "none"),
        ("realtime", "nope", "none"),
        ("realtime", "No.", "none"),
        ("size", "small", "small"),
        ("size", "small, but is flask ok for that?", "small"),
        ("size", "last one", "not-sure"),
        ("timeline", "3rd", "long-lived"),
        ("team", "first option sir", "new"),
    ];
    let mut wrong = Vec::new();
    for (step, reply, option) in answers {
        let got = recorded_at(step, reply);
        if got.as_deref() != Some(*option) {
            wrong.push(format!("{step}: {reply:?} recorded {got:?}, not {option}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // A number that counts something is not an option's number.
    assert_eq!(signpost::dialog::position_named("2 weeks", 4), None);
    assert_eq!(signpost::dialog::position_named("5 devs, all new", 5), None);
    assert_eq!(signpost::dialog::position_named("first time building one", 5), None);
    assert_eq!(signpost::dialog::position_named("2 i'd say", 4), Some(1));
}

/// "decide", then 2, 2, 2 and "no" (issue 17): whatever the "no" answers, it is never "No deadline".
#[test]
fn no_does_not_fill_the_timeline() {
    let e = engine();
    let mut s = conversation::turn(e, None, "decide").state;
    for reply in ["2", "2", "2", "no"] {
        s = conversation::turn(e, s.as_ref(), reply).state;
    }
    let timeline = kb().dialog.steps.iter().position(|st| st.id == "timeline").expect("a timeline step");
    let state = s.expect("the dialog runs");
    assert_eq!(state.pick(timeline), None, "{state:?}");
}
