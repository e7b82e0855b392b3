//! How the decision dialog takes typed replies, answers and non-answers, through the whole turn (`route`, the side
//! question check, the reader): cross-validation grouped by writer over the replies of
//! `knowledge/dialog-examples/replies-*.tsv` (labels `@STEP=OPTION`, and `@STEP` for a non-answer; three writers who never saw
//! the project). For each writer, the reader is trained on everything else (the other corpus writers included)
//! and that writer's replies are typed at their steps.
//!
//! `cargo run --release --example dialog_replies [-- --misses] [--blind]`. Each reply is typed at its step (reached
//! by a path of button clicks) and judged by what the turn recorded for that step:
//! - an answer is right when the step records its option; wrong when it records another; re-asked otherwise;
//! - a non-answer (`@STEP`) is right when the step records nothing.
//!
//! `--blind` also scores `tests/eval/blind-dialog-2026-12/replies.tsv` (`STEP<TAB>LABEL<TAB>REPLY`, a fourth
//! writer, written apart) through the shipped model: once, at the end of the work.

use std::collections::BTreeMap;

use signpost::{
    conversation::{self, Reply},
    dialog::{Input, Outcome, State},
    knowledge::KnowledgeBase,
    matcher::{
        normalize::Normalizer,
        reader::{self, reply_label},
        train::{self, TrainConfig},
        Matcher,
    },
    Engine,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let misses = args.iter().any(|a| a == "--misses");
    let kb = KnowledgeBase::embedded().unwrap_or_else(|e| panic!("{e}"));
    let (_, stored) = train::train(&kb, &TrainConfig::default(), &mut |_| {});
    let mut writers: Vec<String> =
        kb.dialog_examples.iter().filter(|e| e.label.starts_with('@')).map(|e| e.writer.clone()).collect();
    writers.sort();
    writers.dedup();
    let mut all = Score::default();
    for held in &writers {
        let mut fold_kb = kb.clone();
        fold_kb.dialog_examples.retain(|e| &e.writer != held);
        let normalizer = Normalizer::new(&kb, &stored.corpus_words);
        let samples = reader::samples(&fold_kb, &normalizer);
        let mut fold_model = stored.clone();
        fold_model.reader = reader::train(&fold_kb, &samples.iter().collect::<Vec<_>>(), &mut |_| {});
        let matcher = Matcher::from_parts(&kb, Normalizer::new(&kb, &stored.corpus_words), fold_model);
        let engine = Engine::from_matcher(kb.clone(), matcher);
        let lines: Vec<(String, String, String)> = kb
            .dialog_examples
            .iter()
            .filter(|e| &e.writer == held)
            .filter_map(|e| {
                let (si, option) = reply_label(&kb, &e.label)?;
                let step = kb.dialog.steps[si].id.clone();
                let label = option.map_or(String::new(), |o| kb.dialog.steps[si].options[o].id.clone());
                Some((step, label, e.text.clone()))
            })
            .collect();
        let score = score(&engine, held, &lines, misses);
        println!("{held:>30}: {}", score.summary());
        all.add(&score);
    }
    println!("{:>30}: {}", "all writers (held out)", all.summary());

    if args.iter().any(|a| a == "--blind") {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eval/blind-dialog-2026-12/replies.tsv");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let lines: Vec<(String, String, String)> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut parts = l.splitn(3, '\t');
                let (step, label, reply) = (parts.next()?, parts.next()?, parts.next()?);
                let label = if label.starts_with("none:") { "" } else { label };
                Some((step.to_string(), label.to_string(), reply.replace("\\n", "\n")))
            })
            .collect();
        let engine = Engine::new(kb.clone());
        let score = score(&engine, "blind", &lines, misses);
        println!("\n== blind: {} replies, shipped model ==\n{:>30}: {}", lines.len(), "blind", score.summary());
    }
}

/// Types each (step, label, reply) at its step; `label` is the option id, or empty for a non-answer.
fn score(engine: &Engine, writer: &str, lines: &[(String, String, String)], misses: bool) -> Score {
    let starts = states_at_each_step(engine);
    let mut score = Score::default();
    for (step, label, reply) in lines {
        let Some((si, state)) = starts.get(step) else { panic!("{writer}: unknown step {step}") };
        let turn = conversation::turn(engine, Some(state), reply);
        // The last step's answer ends the dialog: what it recorded is in the state the verdict was made from.
        let finished = turn.state.is_none() && turn.replies.iter().any(|r| matches!(r, Reply::Verdict(_)));
        let after = match finished {
            true => engine.dialog().step(state, Input::parse(reply)).ok().map(|(s, _)| s),
            false => turn.state,
        };
        let recorded = after.as_ref().and_then(|s| s.pick(*si)).map(|p| usize::from(p.option));
        let options = &engine.kb().dialog.steps[*si].options;
        let gold = options.iter().position(|o| o.id == *label);
        let ok = recorded == gold;
        match gold {
            None => score.non_answers.tally(ok),
            Some(_) => {
                score.answers.tally(ok);
                score.answers_wrong += usize::from(recorded.is_some() && !ok);
            }
        }
        if !ok && misses {
            let got = recorded.map_or("(nothing)".to_string(), |o| options[o].id.clone());
            println!("  [{writer}] {step}={label}: {reply:?} recorded {got}");
        }
    }
    score
}

/// For every step, a state waiting at it (reached by clicking options), and the step's index.
fn states_at_each_step(engine: &Engine) -> BTreeMap<String, (usize, State)> {
    let machine = engine.dialog();
    let steps = &engine.kb().dialog.steps;
    let mut found = BTreeMap::new();
    let mut queue = vec![State::new()];
    while let Some(state) = queue.pop() {
        let Ok(Outcome::Question(q)) = machine.current(&state) else { continue };
        if found.contains_key(&q.step) {
            continue;
        }
        let si = steps.iter().position(|s| s.id == q.step).expect("a step of the knowledge");
        found.insert(q.step.clone(), (si, state.clone()));
        for i in 0..q.options.len() {
            if let Ok((next, _)) = machine.step(&state, Input::Choose(i)) {
                queue.insert(0, next);
            }
        }
    }
    found
}

#[derive(Default, Clone, Copy)]
struct Tally {
    right: usize,
    of: usize,
}

impl Tally {
    fn tally(&mut self, ok: bool) {
        self.of += 1;
        self.right += usize::from(ok);
    }

    fn pct(&self) -> f64 {
        if self.of == 0 {
            0.0
        } else {
            100.0 * self.right as f64 / self.of as f64
        }
    }
}

#[derive(Default)]
struct Score {
    answers: Tally,
    answers_wrong: usize,
    non_answers: Tally,
}

impl Score {
    fn add(&mut self, o: &Score) {
        self.answers.right += o.answers.right;
        self.answers.of += o.answers.of;
        self.answers_wrong += o.answers_wrong;
        self.non_answers.right += o.non_answers.right;
        self.non_answers.of += o.non_answers.of;
    }

    fn summary(&self) -> String {
        format!(
            "answers recorded right {:.1}% of {} (another option {}) | non-answers recorded as nothing {:.1}% of {}",
            self.answers.pct(),
            self.answers.of,
            self.answers_wrong,
            self.non_answers.pct(),
            self.non_answers.of
        )
    }
}
