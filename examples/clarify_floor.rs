//! Chooses the confidence floor below which the engine asks back (`clarify`) instead of answering.
//!
//! `cargo run --release --example clarify_floor` trains the whole pipeline once per writer of
//! `knowledge/examples/` on everyone else (calibration included), then answers that writer's messages through
//! the engine at each candidate floor. Printed per floor: right, asked back (and how often the right entry was
//! among the choices), "don't know" and confident wrong answers, pooled over writers. The rule for the shipped
//! floor: the highest floor at which asking back still removes at least as many wrong answers as it delays right
//! ones (each step up the list, wrong falls by no less than right falls), with at most 5% of messages asked back.

use signpost::{
    eval::{judge, Tally},
    knowledge::KnowledgeBase,
    matcher::{
        model::StoredModel,
        normalize::{self, Normalizer},
        reader::DialogReader,
        train::{self, Sample, TrainConfig},
        Matcher,
    },
    Engine,
};

const FLOORS: [f32; 9] = [0.0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6];

fn main() {
    let kb = KnowledgeBase::embedded().unwrap_or_else(|e| panic!("{e}"));
    let config = TrainConfig::default();
    let mut writers: Vec<String> = kb.examples.iter().map(|e| e.writer.clone()).collect();
    writers.sort();
    writers.dedup();
    let mut tallies = vec![Tally::default(); FLOORS.len()];
    for held in &writers {
        let mut train_kb = kb.clone();
        train_kb.examples.retain(|e| &e.writer != held);
        let corpus_words = normalize::corpus_words(&train_kb);
        let normalizer = Normalizer::new(&train_kb, &corpus_words);
        let samples = train::samples(&train_kb, &normalizer);
        let refs: Vec<&Sample> = samples.iter().collect();
        let labels = kb.labels();
        let (features, model, threshold) = train::calibrated_fit(&refs, labels.len(), &config, &mut |_| {});
        let stored = StoredModel {
            fingerprint: 0,
            labels,
            corpus_words,
            corpus_size: refs.len() as u32,
            threshold,
            features,
            model,
            reader: DialogReader::empty(),
        };
        let matcher = Matcher::from_parts(&train_kb, normalizer, stored);
        let mut engine = Engine::from_matcher(kb.clone(), matcher);
        let held_out: Vec<_> = kb.examples.iter().filter(|e| &e.writer == held).collect();
        let mut own = Tally::default();
        for (i, floor) in FLOORS.iter().enumerate() {
            engine = engine.with_clarify_floor(*floor);
            for e in &held_out {
                let Ok(answer) = engine.ask(&e.text) else { continue };
                let j = judge(&kb, &answer, std::slice::from_ref(&e.label), None);
                tallies[i].add(j);
                if (*floor - signpost::engine::CLARIFY_FLOOR).abs() < 1e-6 {
                    own.add(j);
                }
            }
        }
        println!("{held:>20} (at the shipped floor): {}", own.summary());
    }
    println!("\npooled over writers, per floor:");
    for (floor, t) in FLOORS.iter().zip(&tallies) {
        println!("  floor {floor:.2}: {}", t.summary());
    }
}
