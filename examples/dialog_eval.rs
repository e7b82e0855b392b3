//! How well the decision dialog reads free text it has not seen.
//!
//! `cargo run --release --example dialog_eval [-- --blind] [--misses]` prints:
//! 1. cross-validation grouped by writer over `knowledge/dialog-examples/`: for each writer, the reader is trained
//!    on the other writers (plus the options' labels and keywords) and scored on that writer's lines;
//! 2. with `--blind` only, `tests/eval/dialog-blind.tsv` through the shipped model: written apart from the corpus,
//!    the knowledge and the code, and scored once, at the end of the work; never used to choose anything.
//!
//! Two scores for each:
//! - typed answers: a line that gives one step's answer, read as the reply to that step's question (the option
//!   the dialog takes, or a re-ask, which counts as wrong);
//! - assumptions: every line read as an opening message; precision and recall of the answers the dialog assumes
//!   (neutral "not sure" answers are never assumed, so they are left out of the recall), and how many lines
//!   labelled `none` made it assume anything.

use signpost::{
    dialog::Machine,
    knowledge::{Example, KnowledgeBase},
    matcher::{
        normalize::Normalizer,
        reader::{self, parse_label},
        train::{self, TrainConfig},
        Matcher,
    },
    Engine,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let misses = flag("--misses");
    let kb = KnowledgeBase::embedded().unwrap_or_else(|e| panic!("{e}"));
    let (normalizer, stored) = train::train(&kb, &TrainConfig::default(), &mut |_| {});
    let corpus_words = stored.corpus_words.clone();
    drop(normalizer);

    println!("== dialog reader: cross-validation grouped by writer ==");
    let mut writers: Vec<String> = kb.dialog_examples.iter().map(|e| e.writer.clone()).collect();
    writers.sort();
    writers.dedup();
    let mut pooled = Score::default();
    for held in &writers {
        let mut fold_kb = kb.clone();
        fold_kb.dialog_examples.retain(|e| &e.writer != held);
        let normalizer = Normalizer::new(&kb, &corpus_words);
        let samples = reader::samples(&fold_kb, &normalizer);
        let reader = reader::train(&fold_kb, &samples.iter().collect::<Vec<_>>(), &mut |_| {});
        let mut fold_model = stored.clone();
        fold_model.reader = reader;
        let matcher = Matcher::from_parts(&kb, Normalizer::new(&kb, &corpus_words), fold_model);
        let machine = Machine::new(&kb, &matcher);
        let lines: Vec<&Example> = kb.dialog_examples.iter().filter(|e| &e.writer == held).collect();
        let score = score(&kb, &machine, &lines, misses);
        println!("{held:>12}: {}", score.summary());
        pooled.add(&score);
    }
    println!("{:>12}: {}", "all writers", pooled.summary());

    if flag("--blind") {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eval/dialog-blind.tsv");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let examples: Vec<Example> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let (label, raw) = l.split_once('\t')?;
                let text = signpost::knowledge::examples::unescape(raw).ok()?;
                Some(Example { label: label.to_string(), text, writer: "blind".into() })
            })
            .collect();
        let engine = Engine::new(kb.clone());
        let machine = engine.dialog();
        let score = score(&kb, &machine, &examples.iter().collect::<Vec<_>>(), misses);
        println!(
            "\n== dialog-blind.tsv ({} lines, shipped model) ==\n{:>12}: {}",
            examples.len(),
            "blind",
            score.summary()
        );
    }
}

#[derive(Default)]
struct Score {
    typed: usize,
    typed_right: usize,
    assumed: usize,
    assumed_right: usize,
    /// Answers the lines give that the dialog could assume (non-neutral).
    given: usize,
    /// The same, in lines that give two answers or more (clearly opening messages).
    given_multi: usize,
    found_multi: usize,
    none_lines: usize,
    none_assumed: usize,
    /// Lines labelled `none`, read as the reply to each step: how often one was taken as an answer.
    none_replies: usize,
    none_replies_taken: usize,
}

impl Score {
    fn add(&mut self, o: &Score) {
        self.typed += o.typed;
        self.typed_right += o.typed_right;
        self.assumed += o.assumed;
        self.assumed_right += o.assumed_right;
        self.given += o.given;
        self.given_multi += o.given_multi;
        self.found_multi += o.found_multi;
        self.none_lines += o.none_lines;
        self.none_assumed += o.none_assumed;
        self.none_replies += o.none_replies;
        self.none_replies_taken += o.none_replies_taken;
    }

    fn summary(&self) -> String {
        let pct = |a: usize, b: usize| if b == 0 { 0.0 } else { 100.0 * a as f64 / b as f64 };
        format!(
            "typed answers {:.1}% of {} | assumptions: precision {:.1}% of {}, recall {:.1}% of {} (openings of 2+ answers {:.1}% of {}) | `none` lines with an assumption {} of {}, taken as a reply {} of {}",
            pct(self.typed_right, self.typed),
            self.typed,
            pct(self.assumed_right, self.assumed),
            self.assumed,
            pct(self.assumed_right, self.given),
            self.given,
            pct(self.found_multi, self.given_multi),
            self.given_multi,
            self.none_assumed,
            self.none_lines,
            self.none_replies_taken,
            self.none_replies
        )
    }
}

fn score(kb: &KnowledgeBase, machine: &Machine<'_>, lines: &[&Example], misses: bool) -> Score {
    let steps = &kb.dialog.steps;
    let name = |(s, o): (usize, usize)| format!("{}={}", steps[s].id, steps[s].options[o].id);
    let mut sc = Score::default();
    // Replies typed at one step (`@STEP=...`) are scored by `examples/dialog_replies.rs`.
    for e in lines.iter().filter(|e| !e.label.starts_with('@')) {
        let gold = parse_label(kb, &e.label);
        if let [(s, o)] = gold.as_slice() {
            sc.typed += 1;
            let got = machine.interpret(&steps[*s], &e.text);
            if got == Some(*o) {
                sc.typed_right += 1;
            } else if misses {
                let got = got.map_or("(re-ask)".to_string(), |g| name((*s, g)));
                println!("  typed {}: {:?} -> {got}", e.label, e.text);
            }
        }
        let assumed: Vec<(usize, usize)> =
            machine.opening(&e.text).picks.iter().map(|p| (usize::from(p.step), usize::from(p.option))).collect();
        let possible: Vec<(usize, usize)> =
            gold.iter().copied().filter(|&(s, o)| !steps[s].options[o].is_neutral()).collect();
        let right = assumed.iter().filter(|a| gold.contains(a)).count();
        sc.assumed += assumed.len();
        sc.assumed_right += right;
        sc.given += possible.len();
        if gold.len() >= 2 {
            sc.given_multi += possible.len();
            sc.found_multi += assumed.iter().filter(|a| possible.contains(a)).count();
        }
        if gold.is_empty() {
            sc.none_lines += 1;
            sc.none_assumed += usize::from(!assumed.is_empty());
            for step in steps {
                sc.none_replies += 1;
                sc.none_replies_taken += usize::from(machine.interpret(step, &e.text).is_some());
            }
        }
        if misses {
            for a in assumed.iter().filter(|a| !gold.contains(a)) {
                println!("  wrongly assumed {} in {:?} (label {})", name(*a), e.text, e.label);
            }
        }
    }
    sc
}
