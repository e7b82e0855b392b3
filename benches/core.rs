//! Criterion benchmarks of the core: matching, answering, loading the knowledge, building the engine and one dialog
//! step.
//!
//! `cargo bench --bench core` (about a minute on two cores). Criterion reports means and medians; for tail
//! latencies (p90, p99, max) run `cargo run --release --example latency`.

use std::{hint::black_box, time::Duration};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use signpost::{
    dialog::{Input, Machine, Outcome, State},
    knowledge::KnowledgeBase,
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
    let kb = KnowledgeBase::embedded().expect("built-in knowledge loads");
    let machine = Machine::new(&kb);

    // Mid-dialog: a JSON API (project), small (size), some built-ins (builtins); now at `realtime`, 4th of 7.
    let mid = walk(&machine, &[1, 0, 1]);
    let (_, outcome) = machine.step(&mid, Input::Choose(1)).expect("dialog steps");
    assert!(matches!(outcome, Outcome::Question(_)), "a mid-dialog choice asks the next question");

    // Free text answers the first question (the kind of project); it must be understood, not re-asked.
    let text = "mostly a json api for a mobile app";
    let start = State::new();
    let (after, outcome) = machine.step(&start, Input::Text(text.into())).expect("dialog steps");
    assert!(matches!(outcome, Outcome::Question(_)) && after.answers == [1], "free text picks the JSON API option");

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
    g.bench_function("step_verdict", |b| b.iter(|| machine.step(black_box(&last), Input::Choose(black_box(0)))));
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = matching, knowledge, dialog
}
criterion_main!(benches);
