//! Tail latencies of the core, which criterion (means and medians) does not report.
//!
//! `cargo run --release --example latency [FILE.tsv ...]` (default: tests/eval/dev.tsv and tests/eval/dev-2.tsv).
//!
//! Every question runs 200 times after a warm-up, each call timed on its own with `Instant`; prints median, p90, p99
//! and max in microseconds for `Matcher::match_message`, `Engine::ask` and `Machine::guess` (which `ask` runs for a
//! "let's decide" answer), then the median of 50 knowledge loads (parse + validate) and of one dialog step. Targets: match p99 < 50 µs, knowledge load < 20 ms.

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use signpost::{
    dialog::{Input, Outcome, State},
    knowledge::KnowledgeBase,
    Engine,
};

/// Timed calls per question.
const RUNS: usize = 200;
/// Untimed calls per question before timing starts.
const WARM_UP: usize = 20;
/// Timed knowledge loads.
const LOADS: usize = 50;
/// Timed dialog steps.
const STEPS: usize = 2_000;

const MATCH_P99_TARGET_US: f64 = 50.0;
const LOAD_TARGET_MS: f64 = 20.0;

fn main() {
    let mut files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        let root = env!("CARGO_MANIFEST_DIR");
        files = vec![format!("{root}/tests/eval/dev.tsv"), format!("{root}/tests/eval/dev-2.tsv")];
    }
    let kb = KnowledgeBase::embedded().expect("built-in knowledge loads");
    let engine = Engine::new(kb.clone());
    let matcher = engine.matcher();

    println!("{:<34} {:>6} {:>10} {:>10} {:>10} {:>10}", "per call, µs", "calls", "median", "p90", "p99", "max");
    let mut match_p99 = 0.0f64;
    for file in &files {
        let qs = questions(file);
        let name = file.rsplit('/').next().unwrap_or(file);

        let m = time_each(&qs, |q| {
            black_box(matcher.match_message(black_box(q)));
        });
        match_p99 = match_p99.max(m.p99_us());
        m.print(&format!("match_message  {name} ({} q)", qs.len()));

        let a = time_each(&qs, |q| {
            let _ = black_box(engine.ask(black_box(q)));
        });
        a.print(&format!("ask            {name} ({} q)", qs.len()));

        // The part of `ask` behind a "let's decide" answer: reading the dialog options into the message.
        let g = time_each(&qs, |q| {
            black_box(engine.dialog().guess(black_box(q)));
        });
        g.print(&format!("  dialog guess {name} ({} q)", qs.len()));

        // The slowest questions, to know where the tail comes from.
        let mut worst: Vec<(Duration, &String)> = qs
            .iter()
            .map(|q| {
                let mut d: Vec<Duration> = (0..25)
                    .map(|_| {
                        let t = Instant::now();
                        black_box(matcher.match_message(black_box(q)));
                        t.elapsed()
                    })
                    .collect();
                d.sort_unstable();
                (d[d.len() / 2], q)
            })
            .collect();
        worst.sort_by_key(|w| std::cmp::Reverse(w.0));
        for (d, q) in worst.iter().take(3) {
            println!("    slowest match (median {:>6.1} µs): {q}", us(*d));
        }
    }

    // Knowledge load: parse + validate the embedded TOML.
    black_box(KnowledgeBase::embedded().expect("built-in knowledge loads"));
    let loads: Vec<Duration> = (0..LOADS)
        .map(|_| {
            let t = Instant::now();
            black_box(KnowledgeBase::embedded().expect("built-in knowledge loads"));
            t.elapsed()
        })
        .collect();
    let load = Stats::new(loads);
    let builds: Vec<Duration> = (0..LOADS)
        .map(|_| {
            let kb = kb.clone();
            let t = Instant::now();
            black_box(Engine::new(kb));
            t.elapsed()
        })
        .collect();
    let build = Stats::new(builds);

    // One dialog step: a choice mid-dialog (a JSON API, small, some built-ins; now at `realtime`, 4th of 7).
    let machine = engine.dialog();
    let mut mid = State::new();
    for i in [1, 0, 1] {
        let (next, outcome) = machine.step(&mid, Input::Choose(i)).expect("dialog steps");
        assert!(matches!(outcome, Outcome::Question(_)));
        mid = next;
    }
    let choose = Stats::new(time_n(STEPS, || {
        black_box(machine.step(black_box(&mid), Input::Choose(1)).expect("dialog steps"));
    }));
    let text = Stats::new(time_n(STEPS, || {
        black_box(machine.step(&State::new(), Input::Text(black_box("mostly a json api for a mobile app").into())))
            .expect("dialog steps");
    }));
    // The last answer: the step that computes the verdict (scores, reasons, the smallest flip of up to 3 answers).
    let mut last = mid.clone();
    loop {
        match machine.step(&last, Input::Choose(0)).expect("dialog steps") {
            (_, Outcome::Verdict(_)) => break,
            (next, _) => last = next,
        }
    }
    let verdict_step = Stats::new(time_n(STEPS, || {
        black_box(machine.step(black_box(&last), Input::Choose(0)).expect("dialog steps"));
    }));
    // A typed reply through the whole turn (the route, the side-question check, the reader), as `chat` runs it.
    let typed_turn = Stats::new(time_n(STEPS, || {
        black_box(signpost::conversation::turn(&engine, Some(&mid), black_box("a little, just notifications")));
    }));
    // A follow-up turn: "and security?" after "django vs fastapi", with the conversation's memory.
    let (_, memory) =
        signpost::conversation::turn_in(&engine, None, "django vs fastapi", &signpost::followup::Memory::default());
    let follow_up = Stats::new(time_n(STEPS, || {
        black_box(signpost::conversation::turn_in(&engine, None, black_box("and security?"), &memory));
    }));

    println!();
    println!(
        "knowledge load + validation: median {:.2} ms, max {:.2} ms ({LOADS} runs)",
        ms(load.median),
        ms(load.max)
    );
    println!(
        "engine build (matcher):      median {:.2} ms, max {:.2} ms ({LOADS} runs)",
        ms(build.median),
        ms(build.max)
    );
    println!("dialog step, choice mid-dialog: median {:.2} µs, p99 {:.2} µs", us(choose.median), choose.p99_us());
    println!("dialog step, free text:         median {:.2} µs, p99 {:.2} µs", us(text.median), text.p99_us());
    println!(
        "dialog step, to the verdict:    median {:.2} µs, p99 {:.2} µs",
        us(verdict_step.median),
        verdict_step.p99_us()
    );
    println!(
        "typed dialog turn (chat):       median {:.2} µs, p99 {:.2} µs",
        us(typed_turn.median),
        typed_turn.p99_us()
    );
    println!(
        "follow-up turn (\"and security?\"): median {:.2} µs, p99 {:.2} µs",
        us(follow_up.median),
        follow_up.p99_us()
    );
    println!();
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    println!(
        "targets: match p99 {:.1} µs < {MATCH_P99_TARGET_US} µs: {}; knowledge load {:.2} ms < {LOAD_TARGET_MS} ms: {}",
        match_p99,
        verdict(match_p99 < MATCH_P99_TARGET_US),
        ms(load.median),
        verdict(ms(load.median) < LOAD_TARGET_MS)
    );
}

/// The questions of a `question<TAB>labels` file with a header line.
fn questions(path: &str) -> Vec<String> {
    let tsv = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let qs: Vec<String> = tsv.lines().skip(1).filter_map(|l| l.split_once('\t')).map(|(q, _)| q.to_string()).collect();
    assert!(!qs.is_empty(), "{path} holds no questions");
    qs
}

/// Warms up, then times every single call: `RUNS` rounds over all questions (interleaved, so one question's calls
/// do not all share a warm cache).
fn time_each(qs: &[String], mut f: impl FnMut(&str)) -> Stats {
    for _ in 0..WARM_UP {
        qs.iter().for_each(|q| f(q));
    }
    let mut times = Vec::with_capacity(qs.len() * RUNS);
    for _ in 0..RUNS {
        for q in qs {
            let t = Instant::now();
            f(q);
            times.push(t.elapsed());
        }
    }
    Stats::new(times)
}

fn time_n(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    for _ in 0..n / 10 {
        f();
    }
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

struct Stats {
    sorted: Vec<Duration>,
    median: Duration,
    max: Duration,
}

impl Stats {
    fn new(mut times: Vec<Duration>) -> Self {
        times.sort_unstable();
        let median = percentile(&times, 50.0);
        let max = *times.last().expect("at least one timing");
        Self { sorted: times, median, max }
    }

    fn p90_us(&self) -> f64 {
        us(percentile(&self.sorted, 90.0))
    }

    fn p99_us(&self) -> f64 {
        us(percentile(&self.sorted, 99.0))
    }

    fn print(&self, name: &str) {
        println!(
            "{name:<34} {:>6} {:>10.2} {:>10.2} {:>10.2} {:>10.2}",
            self.sorted.len(),
            us(self.median),
            self.p90_us(),
            self.p99_us(),
            us(self.max)
        );
    }
}

/// Nearest-rank percentile of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
