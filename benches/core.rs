//! Criterion benchmarks of the core: matching, answering, loading the knowledge, building the engine and one dialog
//! step.
//!
//! `cargo bench --bench core` (a few minutes on two cores). Criterion reports means and medians; after it, the
//! bench prints what criterion does not: `Engine::ask` tail latencies (p50, p99) next to the normaliser alone
//! (its baseline in the same run), `signpost ask` as a process next to `signpost --version` (the process
//! baseline), and the time to train the matcher on the default corpus.

use std::{hint::black_box, time::Duration};

use criterion::{criterion_group, Criterion, SamplingMode};
use signpost::{
    dialog::{Input, Machine, Outcome, State},
    knowledge::KnowledgeBase,
    matcher::{train::TrainConfig, Matcher},
    Engine,
};

/// The labelled questions the matcher is tuned on; read once, at bench start.
const DEV_TSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eval/dev.tsv");

/// The questions of a `question<TAB>labels` file with a header line.
fn questions(path: &str) -> Vec<String> {
    let tsv = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let qs: Vec<String> = tsv.lines().skip(1).filter_map(|l| l.split_once('\t')).map(|(q, _)| q.to_string()).collect();
    assert!(!qs.is_empty(), "{path} holds no questions");
    qs
}

/// Cycles through `items`, one per call, so each iteration measures the next question in turn.
fn cycle<'a, T>(items: &'a [T]) -> impl FnMut() -> &'a T + 'a {
    let mut i = 0;
    move || {
        let item = &items[i];
        i = (i + 1) % items.len();
        item
    }
}

fn matching(c: &mut Criterion) {
    let qs = questions(DEV_TSV);
    let engine = Engine::new(KnowledgeBase::embedded().expect("built-in knowledge loads"));

    let mut g = c.benchmark_group("match");
    let matcher = engine.matcher();
    let mut next = cycle(&qs);
    g.bench_function("dev_questions", |b| b.iter(|| matcher.match_message(black_box(next()))));
    g.finish();

    let mut g = c.benchmark_group("ask");
    let mut next = cycle(&qs);
    g.bench_function("dev_questions", |b| b.iter(|| engine.ask(black_box(next()))));
    g.finish();
}

fn knowledge(c: &mut Criterion) {
    // Milliseconds per call: flat sampling fits 50 samples in the measurement time.
    let mut g = c.benchmark_group("knowledge");
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("load_embedded", |b| b.iter(|| KnowledgeBase::embedded().expect("built-in knowledge loads")));
    g.finish();

    let kb = KnowledgeBase::embedded().expect("built-in knowledge loads");
    let mut g = c.benchmark_group("engine");
    g.sampling_mode(SamplingMode::Flat);
    // The clone is part of the measured call (a reload hands `Engine::new` an owned knowledge base); it is small
    // next to building the matcher.
    g.bench_function("new", |b| b.iter(|| Engine::new(black_box(&kb).clone())));
    g.finish();
}

/// Steps from the start choosing `choices` in turn; panics when the dialog does not ask a question after each.
fn walk(machine: &Machine<'_>, choices: &[usize]) -> State {
    let mut state = State::new();
    for &i in choices {
        let (next, outcome) = machine.step(&state, Input::Choose(i)).expect("dialog steps");
        assert!(matches!(outcome, Outcome::Question(_)), "choices {choices:?} end before the last one");
        state = next;
    }
    state
}

fn dialog(c: &mut Criterion) {
    let engine = Engine::new(KnowledgeBase::embedded().expect("built-in knowledge loads"));
    let machine = engine.dialog();

    // Mid-dialog: a JSON API (project), small (size), some built-ins (builtins); now at `realtime`, 4th of 7.
    let mid = walk(&machine, &[1, 0, 1]);
    let (_, outcome) = machine.step(&mid, Input::Choose(1)).expect("dialog steps");
    assert!(matches!(outcome, Outcome::Question(_)), "a mid-dialog choice asks the next question");

    // Free text answers the first question (the kind of project); it must be understood, not re-asked.
    let text = "mostly a json api for a mobile app";
    let start = State::new();
    let (after, outcome) = machine.step(&start, Input::Text(text.into())).expect("dialog steps");
    assert!(
        matches!(outcome, Outcome::Question(_)) && after.picks.first().map(|p| p.option) == Some(1),
        "free text picks the JSON API option"
    );
    // An opening message read for every step (the whole text and each clause).
    let opening = "small JSON API for a mobile app, my team knows async python, which framework?";
    assert!(!machine.opening(opening).picks.is_empty(), "the opening pre-fills steps");

    // The last answer: the step that computes the verdict (scores, reasons and the flip search).
    let mut last = walk(&machine, &[1, 0, 1, 1, 0]);
    loop {
        match machine.step(&last, Input::Choose(0)).expect("dialog steps") {
            (_, Outcome::Verdict(_)) => break,
            (next, _) => last = next,
        }
    }

    let mut g = c.benchmark_group("dialog");
    g.bench_function("step", |b| b.iter(|| machine.step(black_box(&mid), Input::Choose(black_box(1)))));
    g.bench_function("step_text", |b| b.iter(|| machine.step(black_box(&start), Input::Text(black_box(text).into()))));
    g.bench_function("opening", |b| b.iter(|| machine.opening(black_box(opening))));
    g.bench_function("step_verdict", |b| b.iter(|| machine.step(black_box(&last), Input::Choose(black_box(0)))));
    g.finish();
}

/// Messages built to make naive text handling super-linear: one huge token, many emoji, many '<', many near-typos.
fn hostile(c: &mut Criterion) {
    let engine = Engine::new(KnowledgeBase::embedded().expect("built-in knowledge loads"));
    let cases = [
        ("token_4000", "a".repeat(4_000)),
        ("emoji_4000", "🐍".repeat(4_000)),
        ("angle_4000", "<".repeat(4_000)),
        ("near_typos_4000", "djangoo flaskk ".repeat(266)),
    ];
    let mut g = c.benchmark_group("ask_hostile");
    g.sampling_mode(SamplingMode::Flat);
    for (name, text) in &cases {
        g.bench_function(*name, |b| b.iter(|| engine.ask(black_box(text))));
    }
    g.finish();
}

/// Median and 99th percentile of `f` over `rounds` passes of `items`, one timing per call.
fn tails<T>(items: &[T], rounds: usize, mut f: impl FnMut(&T)) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(items.len() * rounds);
    for _ in 0..rounds {
        for item in items {
            let t = std::time::Instant::now();
            f(item);
            times.push(t.elapsed());
        }
    }
    times.sort_unstable();
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

fn report_tails() {
    let kb = KnowledgeBase::embedded().expect("built-in knowledge loads");
    let engine = Engine::new(kb.clone());
    let mut qs = questions(DEV_TSV);
    qs.extend(questions(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eval/dev-2.tsv")));
    let normalizer = engine.matcher().normalizer();
    for q in &qs {
        black_box(engine.ask(q).ok()); // warm up
    }
    let (n50, n99) = tails(&qs, 50, |q| {
        black_box(normalizer.read(black_box(q)));
    });
    let (a50, a99) = tails(&qs, 50, |q| {
        black_box(engine.ask(black_box(q)).ok());
    });
    println!(
        "Engine::ask over {} questions x50: p50 {a50:?}, p99 {a99:?} (normaliser alone: p50 {n50:?}, p99 {n99:?}; ask/normaliser {:.1}x at p50)",
        qs.len(),
        a50.as_secs_f64() / n50.as_secs_f64()
    );

    let bin = env!("CARGO_BIN_EXE_signpost");
    let run = |args: &[&str]| {
        let t = std::time::Instant::now();
        let out = std::process::Command::new(bin).args(args).output().expect("signpost runs");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        t.elapsed()
    };
    let runs = 30;
    let mut ask: Vec<Duration> = (0..runs).map(|_| run(&["ask", "flask or django for a small REST API?"])).collect();
    let mut version: Vec<Duration> = (0..runs).map(|_| run(&["--version"])).collect();
    ask.sort_unstable();
    version.sort_unstable();
    let (ask50, version50) = (ask[runs / 2], version[runs / 2]);
    println!(
        "`signpost ask` as a process, {runs} runs: median {ask50:?} (`signpost --version`: {version50:?}; {:.1}x)",
        ask50.as_secs_f64() / version50.as_secs_f64()
    );

    let mut train: Vec<Duration> = (0..3)
        .map(|_| {
            let t = std::time::Instant::now();
            black_box(Matcher::train(&kb, &TrainConfig::default(), &mut |_| {}));
            t.elapsed()
        })
        .collect();
    train.sort_unstable();
    println!("training on the default corpus ({} examples), 3 runs: median {:?}", kb.examples.len(), train[1]);
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .without_plots()
}

/// Whole turns as `chat` runs them (the route, memory, the dialog): a follow-up ("and security?" after "django vs
/// fastapi"), and a typed reply at a dialog step (the side-question check and the reader), each next to the plain
/// `ask` of a question (the baseline in the same run).
fn turns(c: &mut Criterion) {
    use signpost::{conversation, followup::Memory};
    let engine = Engine::new(KnowledgeBase::embedded().expect("built-in knowledge loads"));
    let (_, memory) = conversation::turn_in(&engine, None, "django vs fastapi", &Memory::default());
    let machine = engine.dialog();
    let mut mid = State::new();
    for i in [1, 0, 1] {
        mid = machine.step(&mid, Input::Choose(i)).expect("dialog steps").0;
    }
    let mut g = c.benchmark_group("turn");
    g.bench_function("ask_baseline", |b| b.iter(|| engine.ask(black_box("is django more secure than fastapi?"))));
    g.bench_function("follow_up", |b| {
        b.iter(|| conversation::turn_in(&engine, None, black_box("and security?"), &memory))
    });
    g.bench_function("typed_dialog_reply", |b| {
        b.iter(|| conversation::turn(&engine, Some(&mid), black_box("a little, just notifications")))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = matching, hostile, knowledge, dialog, turns
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    report_tails();
}
