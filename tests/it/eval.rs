//! Matcher accuracy on labelled chat questions. The figures print with `--nocapture` or through
//! `cargo run --release --example eval`.

use signpost::{eval, Engine};

fn report(file: &str) -> eval::Report {
    let engine = Engine::load(None).expect("built-in knowledge loads");
    let path = format!("{}/tests/eval/{file}", env!("CARGO_MANIFEST_DIR"));
    let tsv = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let report = eval::run(&engine, &tsv);
    eprintln!("{file}: {}", report.summary());
    for c in report.failures() {
        eprintln!("  miss line {}: got {} want {}: {}", c.line, c.got, c.expected.join(" "), c.question);
    }
    report
}

#[test]
fn dev_set_accuracy_is_at_least_92_percent() {
    let r = report("dev.tsv");
    assert_eq!(r.cases.len(), 90, "every dev line is read");
    assert!(r.accuracy() >= 0.92, "{}", r.summary());
}

#[test]
fn holdout_set_accuracy_stays_close() {
    // Written apart from the knowledge and never tuned against line by line: a guard against overfitting dev.tsv.
    let r = report("holdout.tsv");
    assert!(r.cases.len() >= 150);
    assert!(r.accuracy() >= 0.80, "{}", r.summary());
}
