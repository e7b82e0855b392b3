//! How well the matcher answers messages it has not seen.
//!
//! `cargo run --release --example eval [-- OPTIONS]` prints:
//! 1. cross-validation grouped by writer: for each writer of `knowledge/examples/`, the whole training pipeline
//!    (calibration included) runs on the other writers and the knowledge's phrasings, and is scored on that
//!    writer's messages;
//! 2. `tests/eval/dev.tsv` and `dev-2.tsv` (development sets, read while working) through the engine (the shipped model, or one trained on `--knowledge DIR`);
//! 3. with `--blind` only, `tests/eval/blind.tsv`: written apart from the corpus, the knowledge and the code, and
//!    scored once, at the end of the work; never used to choose anything.
//!
//! Options: `--knowledge DIR`, `--blind`, `--misses` (list every miss), `--fast` (cross-validation without
//! calibration, for comparing knobs), `--set epochs=12,lr=0.5,l2=1e-5,char_weight=1,char_min=2,char_max=5,min_df=2`.

use std::path::PathBuf;

use signpost::{
    eval::{self, Case, Report},
    knowledge::KnowledgeBase,
    matcher::{
        model::StoredModel,
        normalize::{self, Normalizer},
        reader::DialogReader,
        train::{self, Sample, TrainConfig, KNOWLEDGE_WRITER},
        Matcher,
    },
    Engine,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let dir = value("--knowledge").map(PathBuf::from);
    let kb = match &dir {
        Some(d) => KnowledgeBase::load(d),
        None => KnowledgeBase::embedded(),
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let mut config = TrainConfig::default();
    if let Some(set) = value("--set") {
        for kv in set.split(',') {
            let (k, v) = kv.split_once('=').expect("--set key=value,...");
            let f: f32 = v.parse().expect("a number");
            match k {
                "epochs" => config.epochs = f as usize,
                "lr" => config.learning_rate = f,
                "l2" => config.l2 = f,
                "char_weight" => config.features.char_weight = f,
                "char_min" => config.features.char_min = f as usize,
                "char_max" => config.features.char_max = f as usize,
                "min_df" => config.features.min_df = f as u32,
                other => panic!("unknown knob {other}"),
            }
        }
    }
    println!("config: {config:?}");
    let misses = flag("--misses");

    println!("\n== cross-validation grouped by writer ==");
    let mut writers: Vec<String> = kb.examples.iter().map(|e| e.writer.clone()).collect();
    writers.sort();
    writers.dedup();
    let mut pooled = Vec::new();
    for held in &writers {
        let cases = held_out_writer(&kb, held, &config, flag("--fast"));
        let report = Report { cases };
        println!("{held:>16}: {}", report.summary());
        pooled.extend(report.cases);
    }
    let pooled = Report { cases: pooled };
    println!("{:>16}: {}", "all writers", pooled.summary());
    print_confusions(&pooled, misses);

    let engine = match &dir {
        Some(d) => Engine::load_with_progress(Some(d), &mut |l| eprintln!("{l}")).unwrap_or_else(|e| panic!("{e}")),
        None => Engine::new(kb.clone()),
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let mut sets = vec!["dev.tsv", "dev-2.tsv"];
    if flag("--blind") {
        sets.push("blind.tsv");
    }
    for set in sets {
        let path = format!("{root}/tests/eval/{set}");
        let tsv = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let report = eval::run(&engine, &tsv);
        println!("\n== {set} (model: {}) ==\n{}", engine.matcher().info().version, report.summary());
        print_confusions(&report, misses);
    }
}

/// The training pipeline without `held`'s messages, scored on them.
fn held_out_writer(kb: &KnowledgeBase, held: &str, config: &TrainConfig, fast: bool) -> Vec<Case> {
    let mut train_kb = kb.clone();
    train_kb.examples.retain(|e| e.writer != held);
    // The normaliser learns which words are real from the corpus: build it without the held-out writer too.
    let corpus_words = normalize::corpus_words(&train_kb);
    let normalizer = Normalizer::new(&train_kb, &corpus_words);
    let samples = train::samples(&train_kb, &normalizer);
    let refs: Vec<&Sample> = samples.iter().collect();
    let labels = kb.labels();
    let (features, model, threshold) = if fast {
        let (f, m) = train::fit(&refs, labels.len(), config);
        (f, m, 0.0)
    } else {
        train::calibrated_fit(&refs, labels.len(), config, &mut |_| {})
    };
    let corpus_size = refs.len() as u32;
    let reader = DialogReader::empty();
    let stored = StoredModel { fingerprint: 0, labels, corpus_words, corpus_size, threshold, features, model, reader };
    let matcher = Matcher::from_parts(&train_kb, normalizer, stored);
    kb.examples
        .iter()
        .filter(|e| e.writer == held && e.writer != KNOWLEDGE_WRITER)
        .enumerate()
        .map(|(i, e)| {
            let m = matcher.match_message(&e.text);
            Case {
                line: i + 1,
                question: e.text.clone(),
                expected: vec![e.label.clone()],
                got: m.label.name(kb),
                confidence: f64::from(m.confidence),
            }
        })
        .collect()
}

fn print_confusions(report: &Report, misses: bool) {
    let list: Vec<String> =
        report.confusions(12).into_iter().map(|(want, got, n)| format!("{n}x {want} -> {got}")).collect();
    println!("  top confusions: {}", list.join("; "));
    if misses {
        for c in report.failures() {
            println!(
                "  miss: got {:<28} ({:.2}) want {:<36} {}",
                c.got,
                c.confidence,
                c.expected.join(" "),
                c.question.replace('\n', " / ")
            );
        }
    }
}
