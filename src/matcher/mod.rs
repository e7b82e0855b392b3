//! Maps a chat message to the piece of knowledge that answers it, with a classifier learned from examples.
//!
//! - [`normalize`]: cleaning (mentions, code fences, URLs), bounded typo repair, lexicon folding, stemming.
//! - [`features`]: TF-IDF word 1-2-grams and character 2-5-grams of the normalised message.
//! - [`model`]: multinomial logistic regression with a calibrated temperature; its file format.
//! - [`train`]: the training set (corpus + FAQ phrasings), the deterministic solver, writer-grouped calibration.
//! - [`reader`]: the decision dialog's reader, one calibrated head per step, trained and stored with the matcher.
//!
//! `none` is a class the model learns from hard negatives, and a calibrated probability below the learned
//! threshold also abstains. The binary ships a model trained on its embedded knowledge (`knowledge/model.bin`,
//! written by `signpost train`); any other knowledge is trained on load.

pub mod features;
pub mod model;
pub mod normalize;
pub mod reader;
pub mod train;

use serde::Serialize;

use crate::knowledge::KnowledgeBase;

pub use normalize::{truncate_chars, MAX_MATCH_CHARS};

use self::{
    features::Features,
    model::{LinearModel, StoredModel},
    normalize::{Normalizer, Reading},
    reader::{Binding, DialogReader, StepRead},
    train::TrainConfig,
};

/// The name of the shipped model file inside a knowledge directory.
pub const MODEL_FILE: &str = "model.bin";

/// The kind of model and features this code trains and reads; part of [`ModelInfo::version`].
pub const MODEL_KIND: &str = "softmax-lr-2";

/// What a message is asking for. Indices point into the knowledge base's vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    Faq(usize),
    Compare(usize),
    Framework(usize),
    Decide,
    None,
}

/// The matcher's reading of one message.
#[derive(Debug, Clone)]
pub struct Match {
    pub label: Label,
    /// 0..1: the calibrated probability that `label` is the right answer.
    pub confidence: f32,
    /// Every answer label with its probability, most likely first (`none` excluded).
    pub ranked: Vec<(Label, f32)>,
    /// Frameworks the message names, in order of appearance (indices into `KnowledgeBase::frameworks`).
    pub frameworks: Vec<usize>,
    /// The message only names frameworks the knowledge does not cover.
    pub foreign_only: bool,
}

impl Match {
    /// A match decided by the caller (a button, a command), not read from text.
    pub fn certain(label: Label, frameworks: Vec<usize>) -> Self {
        Self { label, confidence: 1.0, ranked: Vec::new(), frameworks, foreign_only: false }
    }
}

/// Which model answers, for exports and logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelInfo {
    /// The model kind and the fingerprint of what it was trained on.
    pub version: String,
    /// Labelled messages it learned from (corpus + FAQ phrasings).
    pub corpus_size: u32,
    pub features: usize,
    /// `shipped` (the model file matched the knowledge) or `trained` (trained when the knowledge was loaded).
    pub origin: &'static str,
}

/// A trained matcher over one knowledge base. Immutable; cheap to share behind an `Arc`.
pub struct Matcher {
    normalizer: Normalizer,
    features: Features,
    model: LinearModel,
    /// Class index -> label; the last class is `none`.
    labels: Vec<Label>,
    threshold: f32,
    reader: DialogReader,
    /// The reader's heads on this knowledge's steps and options.
    binding: Binding,
    info: ModelInfo,
}

impl Matcher {
    /// The matcher for `kb`: from the first of `stored` that was trained on exactly what this knowledge would
    /// train on (its header says so before anything is decoded), else trained now (`progress` hears why and how).
    pub fn new(kb: &KnowledgeBase, stored: &[&[u8]], progress: &mut dyn FnMut(&str)) -> Self {
        let config = TrainConfig::default();
        let want = train::fingerprint(kb, &config);
        let fitting = stored.iter().find(|b| StoredModel::fingerprint_of(b) == Some(want));
        match fitting.map(|b| StoredModel::from_bytes(b)) {
            Some(Ok(mut s)) if s.labels == kb.labels() => {
                let normalizer = Normalizer::new(kb, &s.corpus_words);
                // The dialog's reader has its own fingerprint: a dialog edit retrains the reader alone.
                if s.reader.fingerprint != reader::fingerprint(kb) || s.reader.bind(kb).is_none() {
                    progress("the dialog's reader was trained on another dialog; training a new one");
                    let samples = reader::samples(kb, &normalizer);
                    s.reader = reader::train(kb, &samples.iter().collect::<Vec<_>>(), progress);
                }
                return Self::assemble(kb, normalizer, s, "shipped");
            }
            Some(Err(e)) => progress(&format!("the model file is unusable ({e}); training a new one")),
            _ if stored.iter().any(|b| StoredModel::fingerprint_of(b).is_none()) => {
                progress("the model file is unusable (not a Signpost model); training a new one")
            }
            _ if !stored.is_empty() => progress("the model at hand was trained on other knowledge; training a new one"),
            _ => {}
        }
        Self::train(kb, &config, progress).0
    }

    /// Trains on `kb` with `config`, returning the matcher and the model to store.
    pub fn train(kb: &KnowledgeBase, config: &TrainConfig, progress: &mut dyn FnMut(&str)) -> (Self, StoredModel) {
        let (normalizer, stored) = train::train(kb, config, progress);
        (Self::assemble(kb, normalizer, stored.clone(), "trained"), stored)
    }

    /// A matcher from a model trained elsewhere (the evaluation's folds); `normalizer` must be the one it was
    /// trained with.
    pub fn from_parts(kb: &KnowledgeBase, normalizer: Normalizer, stored: StoredModel) -> Self {
        Self::assemble(kb, normalizer, stored, "trained")
    }

    fn assemble(kb: &KnowledgeBase, normalizer: Normalizer, s: StoredModel, origin: &'static str) -> Self {
        let labels = label_table(kb);
        let info = ModelInfo {
            version: format!("{MODEL_KIND}+{:016x}", s.fingerprint),
            corpus_size: s.corpus_size,
            features: s.features.len(),
            origin,
        };
        Self {
            normalizer,
            features: s.features,
            model: s.model,
            labels,
            threshold: s.threshold,
            binding: s.reader.bind(kb).unwrap_or_else(Binding::none),
            reader: s.reader,
            info,
        }
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// How a free text reads for every dialog step (in the knowledge's step order): the option it gives, if any.
    /// The whole text is read, and each of its clauses alone; a step takes the surest option any of them gives.
    pub fn read_steps(&self, text: &str) -> Vec<StepRead> {
        self.read_steps_with(text, &self.normalizer.read(text))
    }

    /// [`Matcher::read_steps`] with the whole text already read (as [`Matcher::match_reading`] reads it).
    pub fn read_steps_with(&self, text: &str, whole: &Reading) -> Vec<StepRead> {
        let cleaned = normalize::clean(truncate_chars(text, MAX_MATCH_CHARS));
        let clauses = reader::clauses(&cleaned);
        let mut best = self.binding.map(&self.reader.read_steps(whole));
        if clauses.len() > 1 {
            for clause in clauses {
                let reads = self.binding.map(&self.reader.read_steps(&self.normalizer.read(clause)));
                for (b, r) in best.iter_mut().zip(reads) {
                    if r.option.is_some() && (b.option.is_none() || r.confidence > b.confidence) {
                        *b = r;
                    }
                }
            }
        }
        best
    }

    /// How a free text reads as the reply to one dialog step's question (an index into the knowledge's steps).
    pub fn read_reply(&self, text: &str, step: usize) -> Option<StepRead> {
        let head = self.binding.head(step)?;
        let read = self.reader.read_reply(&self.normalizer.read(text), head)?;
        Some(self.binding.step(step, read))
    }

    /// A text in the matcher's own feature space (TF-IDF of its words and character n-grams, after cleaning,
    /// typo repair and stemming), for comparing texts with each other.
    pub fn text_vector(&self, text: &str) -> features::Sparse {
        self.features.vectorize(&self.normalizer.read(text))
    }

    /// Reads and classifies a message.
    pub fn match_message(&self, message: &str) -> Match {
        self.match_reading(&self.normalizer.read(message))
    }

    /// Classifies a message already read by [`Matcher::normalizer`].
    pub fn match_reading(&self, r: &Reading) -> Match {
        let p = self.model.probabilities(&self.features.vectorize(r));
        let mut ranked: Vec<(usize, f32)> = p.iter().copied().enumerate().collect();
        // Most likely first; ties in class order, so the same message always gets the same answer.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let (best, confidence) = ranked[0];
        let label = if confidence < self.threshold { Label::None } else { self.labels[best] };
        let confidence =
            if label == Label::None && self.labels[best] != Label::None { 1.0 - confidence } else { confidence };
        Match {
            label,
            confidence,
            ranked: ranked.into_iter().map(|(c, p)| (self.labels[c], p)).filter(|(l, _)| *l != Label::None).collect(),
            frameworks: r.frameworks.clone(),
            foreign_only: r.foreign_only,
        }
    }
}

impl Label {
    /// The label's name in [`KnowledgeBase::labels`] form (`faq:ID`, `compare:ID`, `framework:ID`, `decide`, `none`).
    pub fn name(self, kb: &KnowledgeBase) -> String {
        match self {
            Label::Faq(i) => format!("faq:{}", kb.faqs[i].id),
            Label::Compare(i) => format!("compare:{}", kb.aspects[i].id),
            Label::Framework(i) => format!("framework:{}", kb.frameworks[i].id),
            Label::Decide => "decide".into(),
            Label::None => "none".into(),
        }
    }
}

/// Class index -> label, in [`KnowledgeBase::labels`] order.
fn label_table(kb: &KnowledgeBase) -> Vec<Label> {
    (0..kb.faqs.len())
        .map(Label::Faq)
        .chain((0..kb.aspects.len()).map(Label::Compare))
        .chain((0..kb.frameworks.len()).map(Label::Framework))
        .chain([Label::Decide, Label::None])
        .collect()
}
