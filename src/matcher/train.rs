//! Training: the labelled messages of the knowledge, a deterministic SGD fit of the softmax model, and
//! calibration on writers the model did not see.
//!
//! The solver is per-message AdaGrad on the L2-regularised cross-entropy, in an order drawn from a fixed seed,
//! so the same corpus always gives the same model. Calibration (the softmax temperature and the abstention
//! threshold) comes from writer-grouped cross-validation: train without a group of writers, predict that group,
//! for every group, then pick the temperature with the least log-loss and the threshold with the most right answers
//! on those held-out predictions.

use crate::knowledge::KnowledgeBase;

use super::{
    features::{FeatureConfig, Features, Sparse},
    model::{softmax, LinearModel, StoredModel},
    normalize::{self, Normalizer, Reading},
    reader,
};

/// The writer name of the knowledge's own phrasings (FAQ questions), which are always trained on.
pub const KNOWLEDGE_WRITER: &str = "knowledge";

/// The solver's knobs (chosen by writer-grouped cross-validation, see `examples/eval.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    pub features: FeatureConfig,
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            features: FeatureConfig::default(),
            epochs: 12,
            learning_rate: 0.25,
            l2: 1e-5,
            seed: 0x0051_676e_706f_7374,
        }
    }
}

/// One labelled message, read.
#[derive(Debug, Clone)]
pub struct Sample {
    pub reading: Reading,
    pub class: usize,
    pub writer: String,
}

/// Every labelled message of the knowledge: the corpus, plus each FAQ's phrasings. (Not its question: that is the
/// answer's title, which an editor may reword without retraining.)
pub fn samples(kb: &KnowledgeBase, normalizer: &Normalizer) -> Vec<Sample> {
    let labels = kb.labels();
    // Small talk is told apart by its own rules (`smalltalk`): for the matcher it is a message it cannot answer.
    let class = |label: &str| {
        let label = if label.starts_with("smalltalk:") { "none" } else { label };
        labels.iter().position(|l| l == label).expect("validated label")
    };
    let mut out = Vec::new();
    for faq in &kb.faqs {
        let c = class(&format!("faq:{}", faq.id));
        for text in &faq.phrasings {
            out.push(Sample { reading: normalizer.read(text), class: c, writer: KNOWLEDGE_WRITER.into() });
        }
    }
    for e in &kb.examples {
        out.push(Sample { reading: normalizer.read(&e.text), class: class(&e.label), writer: e.writer.clone() });
    }
    out
}

/// Fits the feature space and the model on `train`.
pub fn fit(train: &[&Sample], classes: usize, config: &TrainConfig) -> (Features, LinearModel) {
    let readings: Vec<&Reading> = train.iter().map(|s| &s.reading).collect();
    let features = Features::fit(&readings, config.features);
    let xs: Vec<Sparse> = readings.iter().map(|r| features.vectorize(r)).collect();
    let ys: Vec<usize> = train.iter().map(|s| s.class).collect();
    let mut model = solve(&xs, &ys, features.len(), classes, config);
    model.quantize();
    (features, model)
}

/// AdaGrad on the softmax cross-entropy with L2 on the weights a message touches (not quantised).
pub fn solve(xs: &[Sparse], ys: &[usize], n_features: usize, k: usize, config: &TrainConfig) -> LinearModel {
    let mut model = LinearModel::zeros(n_features, k);
    let mut g2 = vec![0f32; n_features * k];
    let mut g2_bias = vec![0f32; k];
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut rng = SplitMix(config.seed);
    let mut grad = vec![0f32; k];
    const EPS: f32 = 1e-6;
    for _ in 0..config.epochs {
        // Fisher-Yates with the seeded generator: a new, reproducible order each epoch.
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        for &i in &order {
            let x = &xs[i];
            let p = softmax(&model.logits(x), 1.0);
            for (c, g) in grad.iter_mut().enumerate() {
                *g = p[c] - if c == ys[i] { 1.0 } else { 0.0 };
            }
            for c in 0..k {
                g2_bias[c] += grad[c] * grad[c];
                model.bias[c] -= config.learning_rate * grad[c] / (g2_bias[c].sqrt() + EPS);
            }
            for &(f, v) in x {
                let row = f as usize * k..(f as usize + 1) * k;
                let (w, acc) = (&mut model.weights[row.clone()], &mut g2[row]);
                for c in 0..k {
                    let g = grad[c] * v + config.l2 * w[c];
                    acc[c] += g * g;
                    w[c] -= config.learning_rate * g / (acc[c].sqrt() + EPS);
                }
            }
        }
    }
    model
}

/// How many folds calibration uses: writers are dealt into this many groups (fewer fits than one per writer,
/// still every prediction from a model that never saw its writer).
pub const CALIBRATION_FOLDS: usize = 4;

/// Held-out predictions: the corpus's writers are dealt into `folds` groups; for each group, a model trained on
/// everyone else (the knowledge's own phrasings always in training) predicts that group's messages. Returns, per
/// sample, its fold's logits (`None` for the knowledge's phrasings, which are never held out).
pub fn cross_validate(
    samples: &[&Sample],
    classes: usize,
    folds: usize,
    config: &TrainConfig,
) -> Vec<Option<Vec<f32>>> {
    by_writer_groups(
        samples,
        |s| &s.writer,
        folds,
        |train| {
            let (features, model) = fit(train, classes, config);
            move |s: &Sample| model.logits(&features.vectorize(&s.reading))
        },
    )
}

/// The folds of [`cross_validate`] for any kind of sample: the writers (the knowledge's own phrasings aside) are
/// dealt into `folds` groups; for each group, `fit` trains on every other sample and its predictor scores the
/// group. Returns, per sample, its held-out prediction (`None` for samples never held out).
pub fn by_writer_groups<S, P: Fn(&S) -> Vec<f32>>(
    samples: &[&S],
    writer: impl Fn(&S) -> &str,
    folds: usize,
    mut fit: impl FnMut(&[&S]) -> P,
) -> Vec<Option<Vec<f32>>> {
    let mut writers: Vec<&str> = samples.iter().map(|s| writer(s)).filter(|w| *w != KNOWLEDGE_WRITER).collect();
    writers.sort_unstable();
    writers.dedup();
    let fold_of = |writer: &str| writers.iter().position(|w| *w == writer).map(|i| i % folds.max(1));
    let mut out = vec![None; samples.len()];
    for fold in 0..folds.min(writers.len()) {
        let train: Vec<&S> = samples.iter().copied().filter(|s| fold_of(writer(s)) != Some(fold)).collect();
        let predict = fit(&train);
        for (i, s) in samples.iter().enumerate() {
            if fold_of(writer(s)) == Some(fold) {
                out[i] = Some(predict(s));
            }
        }
    }
    out
}

/// The temperature with the least log-loss on held-out logits, and then the abstention threshold with the most
/// right answers (a prediction below it becomes `none`).
pub fn calibrate(held_out: &[(Vec<f32>, usize)], none: usize) -> (f32, f32) {
    if held_out.is_empty() {
        return (1.0, 0.0);
    }
    let nll = |t: f32| -> f32 {
        held_out.iter().map(|(z, y)| -(softmax(z, t)[*y].max(1e-9)).ln()).sum::<f32>() / held_out.len() as f32
    };
    let temperature = (1..=60).map(|i| i as f32 * 0.05).min_by(|a, b| nll(*a).total_cmp(&nll(*b))).unwrap_or(1.0);
    let tops: Vec<(usize, f32, usize)> = held_out
        .iter()
        .map(|(z, y)| {
            let p = softmax(z, temperature);
            let (best, &pb) = p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap();
            (best, pb, *y)
        })
        .collect();
    let right = |th: f32| tops.iter().filter(|&&(best, p, y)| if p < th { y == none } else { best == y }).count();
    // The lowest of the best thresholds: abstain no more than the evidence asks.
    let threshold = (0..=50).map(|i| i as f32 * 0.01).fold((0.0, 0), |(bt, bn), th| {
        let n = right(th);
        if n > bn {
            (th, n)
        } else {
            (bt, bn)
        }
    });
    (temperature, threshold.0)
}

/// Trains the shipped kind of model on the knowledge's labelled messages. `progress` hears one line per stage.
pub fn train(kb: &KnowledgeBase, config: &TrainConfig, progress: &mut dyn FnMut(&str)) -> (Normalizer, StoredModel) {
    let labels = kb.labels();
    let corpus_words = normalize::corpus_words(kb);
    let normalizer = Normalizer::new(kb, &corpus_words);
    let samples = samples(kb, &normalizer);
    let all: Vec<&Sample> = samples.iter().collect();
    let (features, model, threshold) = calibrated_fit(&all, labels.len(), config, progress);
    let dialog_samples = reader::samples(kb, &normalizer);
    let reader = reader::train(kb, &dialog_samples.iter().collect::<Vec<_>>(), progress);
    let stored = StoredModel {
        fingerprint: fingerprint(kb, config),
        labels,
        corpus_words,
        corpus_size: samples.len() as u32,
        threshold,
        features,
        model,
        reader,
    };
    (normalizer, stored)
}

/// A hash of everything training reads (the corpus, the FAQ phrasings, the words the normaliser learns from the
/// knowledge, the labels, the knobs, the model kind), and nothing else: editing an answer keeps the model. (The
/// dialog's reader has its own, [`reader::fingerprint`]: editing the dialog retrains only the reader.)
pub fn fingerprint(kb: &KnowledgeBase, config: &TrainConfig) -> u64 {
    let mut h = Fnv::default();
    h.write(super::MODEL_KIND);
    h.write(&format!("{config:?}"));
    for l in kb.labels() {
        h.write(&l);
    }
    for faq in &kb.faqs {
        faq.phrasings.iter().for_each(|p| h.write(p));
    }
    for e in &kb.examples {
        h.write(&e.label);
        h.write(&e.writer);
        h.write(&e.text);
    }
    // The normaliser's vocabulary is a set: order in the files does not matter.
    let mut words: Vec<&str> = Vec::new();
    for a in &kb.aspects {
        words.push(&a.name);
        words.extend(a.keywords.iter().chain(&a.weak_keywords).map(String::as_str));
    }
    for o in kb.dialog.steps.iter().flat_map(|s| &s.options) {
        words.push(&o.label);
        words.extend(o.keywords.iter().map(String::as_str));
    }
    let lex = &kb.lexicon;
    words.extend(lex.ignore.iter().chain(&lex.foreign).map(String::as_str));
    for fw in &kb.frameworks {
        words.extend([fw.id.as_str(), fw.name.as_str()]);
        words.extend(fw.aliases.iter().map(String::as_str));
    }
    words.sort_unstable();
    words.dedup();
    words.into_iter().for_each(|w| h.write(w));
    for (from, to) in &lex.synonyms {
        h.write(from);
        h.write(to);
    }
    h.0
}

/// FNV-1a: stable across platforms and Rust releases (unlike the standard library's hasher).
pub(crate) struct Fnv(pub(crate) u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub(crate) fn write(&mut self, text: &str) {
        for b in text.bytes().chain([0xff]) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Calibration from writer-grouped cross-validation, then a fit on every sample. The last class is `none`.
pub fn calibrated_fit(
    samples: &[&Sample],
    classes: usize,
    config: &TrainConfig,
    progress: &mut dyn FnMut(&str),
) -> (Features, LinearModel, f32) {
    let mut writers: Vec<&str> = samples.iter().map(|s| s.writer.as_str()).collect();
    writers.sort_unstable();
    writers.dedup();
    progress(&format!(
        "training the matcher on {} messages ({classes} labels, {} writers)",
        samples.len(),
        writers.len()
    ));
    let held = cross_validate(samples, classes, CALIBRATION_FOLDS, config);
    let held: Vec<(Vec<f32>, usize)> = held.into_iter().zip(samples).filter_map(|(z, s)| Some((z?, s.class))).collect();
    let (temperature, threshold) = calibrate(&held, classes - 1);
    progress(&format!(
        "calibrated on {} held-out messages: temperature {temperature:.2}, threshold {threshold:.2}",
        held.len()
    ));
    let (features, mut model) = fit(samples, classes, config);
    model.temperature = temperature;
    progress(&format!("trained: {} features", features.len()));
    (features, model, threshold)
}

/// SplitMix64: a tiny, well-known generator; enough for shuffling, and fixed across platforms and releases.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(words: &[&str], class: usize, writer: &str) -> Sample {
        let w: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        Sample { reading: Reading { words: w.clone(), stems: w, ..Reading::default() }, class, writer: writer.into() }
    }

    #[test]
    fn learns_a_separable_toy_problem_deterministically() {
        let data = vec![
            sample(&["fast", "speed"], 0, "a"),
            sample(&["speed", "quick"], 0, "b"),
            sample(&["admin", "panel"], 1, "a"),
            sample(&["admin", "backoffice"], 1, "b"),
            sample(&["hello", "there"], 2, "a"),
            sample(&["hello", "friend"], 2, "b"),
        ];
        let refs: Vec<&Sample> = data.iter().collect();
        let config =
            TrainConfig { features: FeatureConfig { min_df: 1, ..FeatureConfig::default() }, ..TrainConfig::default() };
        let (f1, m1) = fit(&refs, 3, &config);
        let (f2, m2) = fit(&refs, 3, &config);
        assert_eq!(m1, m2, "same data, same model");
        assert_eq!(f1.columns, f2.columns);
        for s in &data {
            let p = m1.probabilities(&f1.vectorize(&s.reading));
            let best = p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
            assert_eq!(best, s.class);
        }
    }

    #[test]
    fn calibration_prefers_a_sharper_temperature_for_confident_right_answers() {
        let held: Vec<(Vec<f32>, usize)> = (0..20).map(|i| (vec![1.0, 0.0, 0.0], if i < 19 { 0 } else { 1 })).collect();
        let (t, th) = calibrate(&held, 2);
        assert!(t < 1.0, "mostly right at p=0.58: sharpen, got {t}");
        assert!(th < 0.5);
    }
}
