//! Matcher accuracy on the development sets. Both were read while building the matcher (`dev-2.tsv` was used to
//! tune the rules the learned model replaced), so they guard against regressions; they do not measure unseen
//! questions. The honest figures come from `cargo run --release --example eval` (writer-grouped
//! cross-validation, and the blind set scored once).

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
fn dev_set_accuracy_is_at_least_95_percent() {
    let r = report("dev.tsv");
    assert_eq!(r.cases.len(), 90, "every dev line is read");
    assert!(r.accuracy() >= 0.95, "{}", r.summary());
}

#[test]
fn second_dev_set_accuracy_is_at_least_90_percent() {
    let r = report("dev-2.tsv");
    assert!(r.cases.len() >= 150);
    assert!(r.accuracy() >= 0.90, "{}", r.summary());
}
