//! The guided decision through `dialog::Machine` and `conversation::turn`, on the real `knowledge/dialog.toml`.
//!
//! The first test walks every path of the dialog (a DFS over option indices) and checks each verdict against an
//! independent recount of the weights, and each `flip` by replaying the path with its answers changed and checking that no smaller change flips it.

use std::{
    collections::{BTreeMap, BTreeSet},
    str::FromStr,
    sync::OnceLock,
    time::Instant,
};

use signpost::{
    conversation::{self, Reply},
    dialog::{DialogError, How, Input, Machine, Outcome, Pick, Question, State, Verdict, MAX_FLIP},
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
            picks.push(Pick { step: u8::MAX, option: a, how: How::Chosen });
            continue;
        };
        picks.push(Pick { step: si as u8, option: a, how: How::Chosen });
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

/// `state`, with the answer at `k` given in the user's own words.
fn typed_at(mut state: State, k: usize) -> State {
    state.picks[k].how = How::Typed;
    state
}

/// The question an outcome shows, asked afresh or again with a message; and the message.
#[track_caller]
fn shown(outcome: &Outcome) -> (&Question, Option<&str>) {
    match outcome {
        Outcome::Question(q) => (q, None),
        Outcome::Reprompt { message, question } => (question, Some(message.as_str())),
        other => panic!("expected a question, got {other:?}"),
    }
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
    // The runner-up is the best of the others; a tie is exactly level top scores.
    let second = scores.iter().filter(|(k, _)| **k != v.recommendation).map(|(_, s)| *s).max().unwrap();
    assert_eq!(scores[&v.runner_up], second, "{at}: runner-up {}", v.runner_up);
    assert_eq!(v.tie, second == scores[&v.recommendation], "{at}: tie");
    assert_eq!(v.margin, scores[&v.recommendation] - second, "{at}: margin");
    // Every answer is a reason, or weighed as nothing when it leans no way; decisive ones favour the winner.
    assert_eq!(v.reasons.len() + v.unused.len(), answers.len(), "{at}: one reason per answer");
    let (weighed, neutral): (Vec<_>, Vec<_>) = path.iter().partition(|(_, o)| !o.is_neutral());
    for (r, (s, o)) in v.reasons.iter().zip(&weighed).chain(v.unused.iter().zip(&neutral)) {
        assert_eq!(
            (r.step.as_str(), r.answer.as_str(), r.reason.as_str()),
            (s.id.as_str(), o.label.as_str(), o.reason.as_str())
        );
        assert_eq!(r.question, s.text);
        let w = |fw: &str| o.weights.get(fw).copied().unwrap_or(0);
        assert_eq!(r.decisive, w(&v.recommendation) > w(&v.runner_up), "{at}: decisive {}", r.step);
    }

    // Every other answer of each step that keeps the same route: (path position, option index).
    let alternatives: Vec<(usize, usize)> = path
        .iter()
        .enumerate()
        .flat_map(|(k, (s, o))| {
            s.options
                .iter()
                .enumerate()
                .filter(move |(_, alt)| alt.id != o.id && s.next_after(alt) == s.next_after(o))
                .map(move |(i, _)| (k, i))
        })
        .collect();
    // The winner after changing the answers at `changes` (distinct steps only).
    let after = |changes: &[(usize, usize)]| -> Option<String> {
        let mut swapped = chosen.clone();
        for (n, &(k, i)) in changes.iter().enumerate() {
            if changes[..n].iter().any(|(k2, _)| *k2 == k) {
                return None;
            }
            swapped[k] = &path[k].0.options[i];
        }
        Some(best(&recount(&swapped)))
    };
    let flips_with = |size: usize| -> bool {
        match size {
            1 => alternatives.iter().any(|a| after(&[*a]).is_some_and(|w| w != v.recommendation)),
            2 => alternatives.iter().enumerate().any(|(n, a)| {
                alternatives[n + 1..].iter().any(|b| after(&[*a, *b]).is_some_and(|w| w != v.recommendation))
            }),
            _ => unreachable!(),
        }
    };
    // The flip, when there is one: answered steps, other options of them, another framework; replaying the path
    // with those answers changed really recommends it; and no smaller change would do.
    match &v.flip {
        Some(f) => {
            walk.flips += 1;
            assert!(!f.changes.is_empty() && f.changes.len() <= MAX_FLIP, "{at}: flip size");
            let mut changes = Vec::new();
            let mut replayed = answers.to_vec();
            for c in &f.changes {
                let k = path
                    .iter()
                    .position(|(s, _)| s.id == c.step)
                    .unwrap_or_else(|| panic!("{at}: flip step {} was not answered", c.step));
                let (s, o) = path[k];
                assert_eq!(c.question, s.text, "{at}");
                let i = s
                    .options
                    .iter()
                    .position(|x| x.id == c.option && x.label == c.answer)
                    .unwrap_or_else(|| panic!("{at}: flip answer {:?} is not an option of {}", c.answer, s.id));
                assert_ne!(s.options[i].id, o.id, "{at}: the flip is the answer already given");
                changes.push((k, i));
                replayed[k] = i as u8;
            }
            assert_ne!(f.recommendation, v.recommendation, "{at}: the flip names the same framework");
            assert!(ids.contains(f.recommendation.as_str()), "{at}: flip to unknown {}", f.recommendation);
            assert_eq!(after(&changes).as_deref(), Some(f.recommendation.as_str()), "{at}: recount of the flip");
            match machine().current(&state(&replayed)) {
                Ok(Outcome::Verdict(w)) => assert_eq!(w.recommendation, f.recommendation, "{at}: replayed flip"),
                other => panic!("{at}: replaying the flip gave {other:?}"),
            }
            for smaller in 1..f.changes.len() {
                assert!(!flips_with(smaller), "{at}: a change of {smaller} answers flips it, yet the flip has more");
            }
        }
        None => {
            for size in 1..=2 {
                assert!(!flips_with(size), "{at}: changing {size} answers would flip it, yet no flip is named");
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
    let (shown, message) = shown(&out);
    assert_eq!((shown.step.as_str(), shown.number), (q.step.as_str(), 1));
    assert!(message.is_some_and(|m| m.contains("first question")), "{message:?}");
}

#[test]
fn back_returns_to_the_previous_question() {
    let m = machine();
    // Down the main line (content site -> rendering -> size -> ...), back at every depth.
    let mut s = State::new();
    let mut questions = vec![expect_question(&m.current(&s).unwrap()).clone()];
    loop {
        let (next, out) = m.step(&s, Input::Choose(0)).unwrap();
        let Outcome::Question(q) = out else { break };
        let (back, out) = m.step(&next, Input::Back).unwrap();
        assert_eq!(back, s, "back undoes exactly one answer");
        let (again, message) = shown(&out);
        assert_eq!(again.step, questions.last().unwrap().step);
        // It says what was answered there.
        let label = &again.options[0].label;
        assert!(message.is_some_and(|m| m.contains(label.as_str())), "{message:?} names {label}");
        questions.push(q);
        s = next;
    }
    assert!(questions.len() >= 7, "{} questions on the main line", questions.len());

    // Across a branch: a JSON API skips the rendering question, so back from "size" goes to "project".
    let api = option_index("project", "json-api") as u8;
    let (s, out) = m.step(&State::new(), Input::Choose(api as usize)).unwrap();
    assert_eq!(expect_question(&out).step, "size");
    let (s, out) = m.step(&s, Input::Back).unwrap();
    assert_eq!((s, shown(&out).0.step.as_str()), (State::new(), "project"));

    // From the inference branch, back from "size" is "inference".
    let ml = option_index("project", "ml-serving") as u8;
    let (s, out) = m.step(&state(&[ml, 1]), Input::Back).unwrap();
    assert_eq!((s, shown(&out).0.step.as_str()), (state(&[ml]), "inference"));
}

#[test]
fn back_on_a_finished_dialog_reopens_the_last_question() {
    let m = machine();
    let done = state(&[0, 0, 0, 0, 0, 0, 0, 0]);
    assert!(matches!(m.current(&done).unwrap(), Outcome::Verdict(_)));
    let (s, out) = m.step(&done, Input::Back).unwrap();
    assert_eq!(s, state(&[0, 0, 0, 0, 0, 0, 0]));
    assert_eq!(shown(&out).0.step, "control");
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
    assert_eq!(s, typed_at(state(&[option_index("project", "json-api") as u8]), 0), "recorded as typed");
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
    let shop = Pick { step: 0, option: option_index("project", "ecommerce") as u8, how: How::Assumed };
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
    assert_eq!(t.state, Some(typed_at(state(&[1, 1, 1]), 2)));
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
            assert!(s.as_ref().is_some_and(|s| machine().is_finished(s)), "the finished dialog is kept");
            assert_eq!(v.reasons.len() + v.unused.len(), i + 1);
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

/// Typed lines through the console's turn, from `state`: the replies of the last line and the state after.
fn say(state: Option<State>, lines: &[&str]) -> (Vec<Reply>, Option<State>) {
    let mut state = state;
    let mut replies = Vec::new();
    for line in lines {
        let t = conversation::turn(engine(), state.as_ref(), line);
        state = t.state;
        replies = t.replies;
    }
    (replies, state)
}

/// The new users' report, line by line: corrections before and after the verdict, a bare `change`, and `back`.
#[test]
fn corrections_work_before_and_after_the_verdict() {
    // "change 1" after normal answers asks the first question again, saying what was answered there.
    let (replies, s) = say(None, &["decide", "2", "2"]);
    assert_eq!(only_question(&replies).0.step, "builtins");
    let (replies, s) = say(s, &["change 1"]);
    let (q, notice) = only_question(&replies);
    assert_eq!(q.step, "project");
    assert!(notice.is_some_and(|n| n.contains("A JSON API")), "{notice:?}");
    // The other answers stay: answering the project again goes on past "size".
    let (replies, s) = say(s, &["2"]);
    assert_eq!(only_question(&replies).0.step, "builtins");

    // A bare "change" records nothing and asks which.
    let before = s.clone();
    let (replies, s) = say(s, &["change"]);
    let (q, notice) = only_question(&replies);
    assert_eq!((q.step.as_str(), s.clone()), ("builtins", before));
    assert!(notice.is_some_and(|n| n.contains("Which answer")), "{notice:?}");

    // To the verdict; then back, change 3, restart and cancel all work on the finished decision.
    let (replies, done) = say(s, &["2", "2", "2", "2", "2"]);
    assert!(matches!(&replies[..], [Reply::Verdict(_)]), "{replies:?}");
    let done = done.expect("the finished decision is kept");
    let (replies, s) = say(Some(done.clone()), &["back"]);
    let (q, notice) = only_question(&replies);
    assert_eq!(q.step, "control");
    assert!(notice.is_some_and(|n| n.contains("you had answered")), "{notice:?}");
    assert_eq!(s.as_ref().map(|s| s.picks.len()), Some(done.picks.len() - 1), "back takes back exactly one answer");
    let (replies, _) = say(Some(done.clone()), &["change 3"]);
    assert_eq!(only_question(&replies).0.step, "builtins");
    let (replies, _) = say(Some(done.clone()), &["change 3", "1"]);
    assert!(matches!(&replies[..], [Reply::Verdict(_)]), "the verdict is recomputed: {replies:?}");
    let (replies, s) = say(Some(done.clone()), &["restart"]);
    assert_eq!((only_question(&replies).0.step.as_str(), s), ("project", Some(State::new())));
    let (replies, s) = say(Some(done.clone()), &["cancel"]);
    assert!(matches!(&replies[..], [Reply::Cancelled]) && s.is_none());
    // "change 9" names no answer: said so, the verdict stands.
    let (replies, s) = say(Some(done.clone()), &["change 9"]);
    assert!(matches!(&replies[..], [Reply::Notice(n)] if n.contains("no answer called")), "{replies:?}");
    assert_eq!(s, Some(done.clone()));
    // `record` gives the decision record; an ordinary question after the verdict is answered as a question.
    let (replies, _) = say(Some(done.clone()), &["record"]);
    assert!(matches!(&replies[..], [Reply::Record(r)] if r.starts_with("# Decision record: use ")), "{replies:?}");
    let (replies, s) = say(Some(done.clone()), &["is flask faster than django?"]);
    assert!(matches!(&replies[..], [Reply::Answer(a)] if a.label() == "faq:is-flask-faster"), "{replies:?}");
    assert_eq!(s, Some(done), "the decision stays, for a later correction");
}

/// Step numbers count the questions asked, and the count promised is true for the route taken: the JSON API route
/// skips "rendering" (seven questions), and an answer read from a typed reply is skipped, not counted.
#[test]
fn numbering_and_the_promised_count_are_true_for_the_path() {
    let m = machine();
    let api = option_index("project", "json-api");
    let mut s = m.along(&[api as u8]).unwrap();
    let mut numbers = Vec::new();
    loop {
        match m.current(&s).unwrap() {
            Outcome::Question(q) => {
                assert_eq!((q.of, q.of_exact), (7, true), "{}", q.step);
                numbers.push(q.number);
                s = m.step(&s, Input::Choose(0)).unwrap().0;
            }
            Outcome::Verdict(_) => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(numbers, (2..=7).collect::<Vec<_>>());
    // At the start the route is open: "up to 8".
    let (_, q) = m.start().unwrap();
    assert_eq!((q.number, q.of, q.of_exact), (1, 8, false));
    // A typed reply that also answers a later step: the next number follows on, the total shrinks.
    let (s, out) = m
        .step(&State::new(), Input::Text("a rest api for our react native app, and it has to ship in two weeks".into()))
        .unwrap();
    let q = expect_question(&out);
    assert!(s.picks.iter().any(|p| p.is_assumed()), "{s}");
    assert_eq!((q.number, q.of), (2, 6), "{q:?}");
    // The promise of a request for a decision says the same count.
    let a = engine().ask("which framework should i use for a json api for my mobile app?").unwrap();
    assert!(a.text.contains("I will ask 6 short questions"), "{}", a.text);
}

/// Ties and near-ties are said as such; the verdict names the runner-up, marks the answers that decided it, and a
/// flip of more than one answer is found when no single answer would do.
#[test]
fn ties_near_ties_and_flips_of_several_answers() {
    let m = machine();
    let mut tie = None;
    let mut multi = None;
    // Every path, first found of each kind.
    let mut todo = vec![State::new()];
    while let Some(s) = todo.pop() {
        match m.current(&s).unwrap() {
            Outcome::Question(q) => {
                for i in 0..q.options.len() {
                    todo.push(m.step(&s, Input::Choose(i)).unwrap().0);
                }
            }
            Outcome::Verdict(v) => {
                let three_way = v.scores.values().all(|x| *x == v.scores[&v.recommendation]);
                if v.tie && three_way && tie.is_none() {
                    tie = Some(v.clone());
                }
                if v.flip.as_ref().is_some_and(|f| f.changes.len() > 1) && multi.is_none() {
                    multi = Some(v);
                }
            }
            other => panic!("{other:?}"),
        }
        if tie.is_some() && multi.is_some() {
            break;
        }
    }
    let name = |id: &str| kb().framework(id).unwrap().name.clone();
    if let Some(v) = tie {
        let text = signpost::cli::render::verdict(&v, name);
        assert!(
            text.starts_with(&format!("Verdict: {} or {}, a tie", name(&v.recommendation), name(&v.runner_up))),
            "{text}"
        );
        assert_eq!(v.margin, 0);
        assert!((v.confidence - 1.0 / 3.0).abs() < 0.01, "a three-way tie is a third each: {}", v.confidence);
    }
    let v = multi.expect("some verdict needs two answers changed to flip");
    let text = signpost::cli::render::verdict(&v, name);
    assert!(text.contains(" and \""), "both changes are said: {text}");
    // A near-tie states its margin.
    assert!(text.contains(&format!("ahead of {} by {} point", name(&v.runner_up), v.margin)) || v.tie, "{text}");
}

/// A question about the question, or "I don't get it", records nothing and says what the question is for (the
/// knowledge's `help` for the step); a side question is still answered as an aside; an answer is still an answer.
#[test]
fn a_question_about_the_question_is_explained_and_records_nothing() {
    let at_size = say(None, &["decide", "2"]).1;
    for reply in [
        "i dont rly get this question",
        "what counts as medium?",
        "what's the difference between 1 and 2?",
        "why does that matter",
    ] {
        let (replies, s) = say(at_size.clone(), &[reply]);
        let (q, notice) = only_question(&replies);
        assert_eq!((q.step.as_str(), &s), ("size", &at_size), "{reply:?} recorded something");
        let help = step_of("size").help.clone().expect("the step says what it is for");
        assert!(notice.is_some_and(|n| n.contains(&help) && n.starts_with("Nothing noted.")), "{reply:?}: {notice:?}");
    }
    let (replies, _) = say(at_size.clone(), &["is flask faster than django?"]);
    assert!(matches!(&replies[..], [Reply::Answer(_), Reply::Question { .. }]), "a side question: {replies:?}");
    let (replies, _) = say(at_size, &["medium"]);
    assert_eq!(only_question(&replies).0.step, "builtins");
    // Every step says what it is for.
    assert!(kb().dialog.steps.iter().all(|s| s.help.as_ref().is_some_and(|h| !h.is_empty())));
}

/// "We already know FastAPI" is an answer of its own when typed, and a message that rules FastAPI out never gives
/// it. (Read from an opening message it is not yet: the reader has two examples of it.)
#[test]
fn we_already_know_fastapi() {
    let at_team = at_step("team");
    let (replies, s) = say(Some(at_team), &["we already know fastapi"]);
    assert_eq!(only_question(&replies).0.step, "timeline");
    let s = s.unwrap();
    let team = kb().dialog.steps.iter().position(|x| x.id == "team").unwrap();
    let pick = s.pick(team).expect("the team step is answered");
    assert_eq!(step_of("team").options[usize::from(pick.option)].id, "knows-fastapi");
    let read = |text: &str| {
        let state = machine().opening(text);
        state.pick(team).map(|p| step_of("team").options[usize::from(p.option)].id.clone())
    };
    assert_ne!(read("small json api, my team hates fastapi").as_deref(), Some("knows-fastapi"));
}
