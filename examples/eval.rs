//! Prints the matcher's accuracy on the labelled questions, and every miss.
//!
//! `cargo run --release --example eval [FILE.tsv ...]` (default: tests/eval/dev.tsv and tests/eval/holdout.tsv)

fn main() {
    let engine = signpost::Engine::load(None).expect("built-in knowledge loads");
    let mut files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        files = vec!["tests/eval/dev.tsv".into(), "tests/eval/holdout.tsv".into()];
    }
    for file in files {
        let tsv = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let report = signpost::eval::run(&engine, &tsv);
        println!("{file}: {}", report.summary());
        for c in report.failures() {
            println!(
                "  line {:>3}: got {:<28} ({:.2}) want {:<40} {}",
                c.line,
                c.got,
                c.confidence,
                c.expected.join(" "),
                c.question
            );
        }
    }
}
