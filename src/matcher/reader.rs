//! The decision dialog's reader: which option of which step a free text gives.
//!
//! One calibrated softmax head per dialog step, over that step's options plus `none` ("this text does not answer
//! this step"), all on one shared feature space (the matcher's normalisation, TF-IDF word and character n-grams).
//! The heads learn from `knowledge/dialog-examples/` (typed answers and opening messages labelled with every step
//! they answer, and replies typed at one step's question, answers and non-answers, which teach that step's head
//! alone), plus each option's label and keywords. A text answers a step when that step's head puts an
//! option above its calibrated threshold; an opening message can answer several steps at once.
//!
//! For a step's head, a text labelled with another step counts as `none`, except the other step's neutral options
//! ("not sure yet", which weigh nothing): "no idea" answers every step's question alike, so it teaches no head
//! that it is *not* about its step.

use crate::knowledge::KnowledgeBase;

use super::{
    features::{FeatureConfig, Features, Sparse},
    model::{softmax, LinearModel},
    normalize::{Normalizer, Reading},
    train::{self, TrainConfig, CALIBRATION_FOLDS, KNOWLEDGE_WRITER},
};

/// One step's head: a slice of the stacked model's classes.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub step: String,
    /// The step's option ids, in the knowledge's order; the head's last class is `none`.
    pub options: Vec<String>,
    /// The first class of this head in the stacked model.
    pub offset: usize,
    pub temperature: f32,
    /// An option below this probability is not taken as the answer.
    pub threshold: f32,
}

/// The trained reader: every step's head over one feature space. Heads follow the step order it was trained in;
/// [`DialogReader::bind`] maps them onto a knowledge base's steps and options by id.
#[derive(Debug, Clone)]
pub struct DialogReader {
    /// What it was trained from ([`fingerprint`]).
    pub fingerprint: u64,
    pub features: Features,
    /// Every head's classes side by side (temperature 1; each head applies its own).
    pub model: LinearModel,
    pub heads: Vec<Head>,
}

/// The reader's heads matched to a knowledge base: for each of its steps, (head, each option's class in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    steps: Vec<(usize, Vec<usize>)>,
}

impl Binding {
    /// A binding of no step: the reader reads nothing (an empty reader, as in the matcher's evaluation).
    pub fn none() -> Self {
        Self { steps: Vec::new() }
    }

    /// The knowledge's view of the heads' reads: one per step, options as the knowledge's indices.
    pub fn map(&self, reads: &[StepRead]) -> Vec<StepRead> {
        self.steps.iter().map(|(head, classes)| self.one(reads[*head], classes)).collect()
    }

    /// The head of the knowledge's step `step`.
    pub fn head(&self, step: usize) -> Option<usize> {
        self.steps.get(step).map(|(h, _)| *h)
    }

    /// A head's read of the knowledge's step `step`, with the option as the knowledge's index.
    pub fn step(&self, step: usize, read: StepRead) -> StepRead {
        self.one(read, &self.steps[step].1)
    }

    fn one(&self, read: StepRead, classes: &[usize]) -> StepRead {
        StepRead { option: read.option.and_then(|c| classes.iter().position(|&k| k == c)), ..read }
    }
}

/// What the reader made of a text for one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepRead {
    /// The most likely option (an index into the step's options), `None` when the text does not answer the step.
    pub option: Option<usize>,
    /// The calibrated probability of the most likely option (whether or not it passed the threshold).
    pub confidence: f32,
}

/// The most clauses of one message that are read on their own (bounded work on hostile input).
pub const MAX_CLAUSES: usize = 12;

impl DialogReader {
    /// A reader with no heads, which reads nothing: for evaluating the matcher alone.
    pub fn empty() -> Self {
        Self {
            fingerprint: 0,
            features: Features::from_columns(FeatureConfig::default(), Vec::new()),
            model: LinearModel::zeros(0, 1),
            heads: Vec::new(),
        }
    }

    /// For each step of `kb`, its head and, per option of the step, that option's class in the head; `None` when
    /// the heads are not exactly the steps and options of `kb` (by id, in any order).
    pub fn bind(&self, kb: &KnowledgeBase) -> Option<Binding> {
        if self.heads.len() != kb.dialog.steps.len() {
            return None;
        }
        let steps = kb
            .dialog
            .steps
            .iter()
            .map(|step| {
                let head = self.heads.iter().position(|h| h.step == step.id)?;
                let h = &self.heads[head];
                if h.options.len() != step.options.len() {
                    return None;
                }
                let classes =
                    step.options.iter().map(|o| h.options.iter().position(|id| *id == o.id)).collect::<Option<_>>()?;
                Some((head, classes))
            })
            .collect::<Option<_>>()?;
        Some(Binding { steps })
    }

    /// How the text reads for every head, in the reader's own order (see [`Binding::map`]).
    pub fn read_steps(&self, r: &Reading) -> Vec<StepRead> {
        let x = self.features.vectorize(r);
        let z = self.model.logits(&x);
        self.heads.iter().map(|h| read_head(h, &z, None)).collect()
    }

    /// How the text reads as the reply to one head's question: the user meant to answer that step, so only its
    /// options compete ("nope" is an answer here, not chatter).
    pub fn read_reply(&self, r: &Reading, head: usize) -> Option<StepRead> {
        let head = self.heads.get(head)?;
        let evidence = if r.words.len() >= LONG_REPLY_WORDS { LONG_REPLY_EVIDENCE } else { REPLY_EVIDENCE };
        Some(read_head(head, &self.model.logits(&self.features.vectorize(r)), Some(evidence)))
    }
}

/// The least share of an option among the step's options for a typed reply to be taken as that option; below
/// it the question is asked again. Chosen on the writer-grouped cross-validation of `examples/dialog_eval.rs`
/// (the reply "purple elephant" spreads over all options; a real answer rarely falls under a third).
pub const REPLY_FLOOR: f32 = 0.3;

/// The least probability a typed reply's option keeps with "not an answer" competing: below it the reply is taken
/// as no answer ("hmm", "what's htmx", "who made you?") and the question is asked again. The heads learn "not an
/// answer" from replies typed at each step (`@STEP` lines of the corpus). Chosen on writer-grouped
/// cross-validation over those replies (`cargo run --release --example dialog_replies`): at 0.2, 94.7% of held-out
/// answers were recorded right and 95.8% of non-answers recorded nothing (0.05: 96.1% / 86.5%; 0.35: 92.6% / 98.0%),
/// before the long-reply and clause rules below and in `dialog` (with them: 96.1% / 94.8%).
pub const REPLY_EVIDENCE: f32 = 0.2;

/// A reply this long (in words, questions already left out) describes the situation at length, and a non-answer
/// rarely does: it needs less evidence. With [`LONG_REPLY_EVIDENCE`], chosen on the same cross-validation: 95.4% of
/// held-out answers recorded right, 95.8% of non-answers recording nothing.
pub const LONG_REPLY_WORDS: usize = 12;
pub const LONG_REPLY_EVIDENCE: f32 = 0.1;

/// One head's read of logits `z`: as an opening message (`evidence: None`: "not an answer" competes as a class),
/// or as a typed reply needing `evidence`.
fn read_head(h: &Head, z: &[f32], evidence: Option<f32>) -> StepRead {
    let reply = evidence.is_some();
    let n = h.options.len();
    let logits = &z[h.offset..h.offset + n + 1];
    let p = if reply { softmax(&logits[..n], h.temperature) } else { softmax(logits, h.temperature) };
    let (best, &pb) =
        p[..n].iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0))).unwrap_or((0, &0.0));
    let option = if reply {
        let with_none = softmax(logits, h.temperature);
        pb >= REPLY_FLOOR && with_none[best] >= evidence.unwrap_or(REPLY_EVIDENCE)
    } else {
        pb >= h.threshold && pb > p[n]
    };
    StepRead { option: (n > 0 && option).then_some(best), confidence: pb }
}

/// Words that open a question.
const ASKING: &[&str] = &[
    "what", "whats", "wat", "which", "how", "why", "when", "where", "who", "does", "do", "did", "is", "isnt", "are",
    "arent", "can", "could", "should", "would", "will", "shall", "may", "might", "whats", "wdym",
];

/// The parts of a reply that are not questions: a sentence that opens with a question word, or ends with a question
/// mark (three words or more: "small?" is a tentative answer), is left out.
pub fn statement_part(text: &str) -> String {
    let mut out = String::new();
    for sentence in text.split_inclusive(['.', '!', '?', ';', '\n']) {
        let asked = sentence.trim_end().ends_with('?');
        for clause in sentence.split(',').flat_map(|c| c.split(" but ")) {
            let words: Vec<String> = clause
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .filter(|w| !w.is_empty())
                .map(|w| w.to_lowercase().replace('\'', ""))
                .collect();
            // A clause of emoji alone ("🤷") is a statement: the reader knows what a shrug means.
            // "wait whats htmx": a wh-word second ("wait", "ok", "so" first) asks too.
            let opens_asking = words.first().is_some_and(|w| ASKING.contains(&w.as_str()))
                || words
                    .get(1)
                    .is_some_and(|w| matches!(w.as_str(), "what" | "whats" | "which" | "how" | "why" | "wdym"));
            let question = opens_asking || asked && clause.trim_end().ends_with('?') && words.len() >= 3;
            if !question {
                out.push_str(clause.trim_end_matches(['?', ' ']));
                out.push_str(", ");
            }
        }
    }
    out.trim_end_matches([',', ' ']).to_string()
}

/// The clauses of a message: what lies between sentence ends, commas, semicolons, line breaks and joining words
/// ("and", "but", "+"). An opening message states one thing a clause ("small JSON API for a mobile app, my team
/// knows async"), and a clause read alone is as short as the typed answers the reader learned from.
pub fn clauses(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in text.split(['.', ',', ';', '!', '?', '\n', '(', ')', '+']) {
        let mut rest = part;
        while let Some(i) = [" and ", " but ", " & ", " - "].iter().filter_map(|j| rest.find(j)).min() {
            out.push(&rest[..i]);
            rest = &rest[i + 3..];
        }
        out.push(rest);
    }
    out.retain(|c| c.chars().any(char::is_alphanumeric));
    out.truncate(MAX_CLAUSES);
    out
}

/// One labelled text of the dialog's corpus, read: for each step, its class in that step's head (`None`: left out
/// of that head's training).
#[derive(Debug, Clone)]
pub struct DialogSample {
    pub reading: Reading,
    pub classes: Vec<Option<usize>>,
    pub writer: String,
}

/// The dialog's corpus plus every option's label and keywords, read and labelled for every head.
pub fn samples(kb: &KnowledgeBase, normalizer: &Normalizer) -> Vec<DialogSample> {
    let steps = &kb.dialog.steps;
    // (step, option) pairs -> the classes of every head.
    let classes_of = |pairs: &[(usize, usize)]| -> Vec<Option<usize>> {
        let lone_neutral = match pairs {
            [(s, o)] => steps[*s].options[*o].is_neutral(),
            _ => false,
        };
        steps
            .iter()
            .enumerate()
            .map(|(si, step)| match pairs.iter().find(|(s, _)| *s == si) {
                Some(&(_, o)) => Some(o),
                None if lone_neutral => None,
                None => Some(step.options.len()),
            })
            .collect()
    };
    let mut out = Vec::new();
    for (si, step) in steps.iter().enumerate() {
        for (oi, option) in step.options.iter().enumerate() {
            for text in std::iter::once(&option.label).chain(&option.keywords) {
                out.push(DialogSample {
                    reading: normalizer.read(text),
                    classes: classes_of(&[(si, oi)]),
                    writer: KNOWLEDGE_WRITER.into(),
                });
            }
        }
    }
    for e in &kb.dialog_examples {
        // A reply typed at one step teaches that step's head alone: "the second one", "nope" or "what's htmx?"
        // mean something only as the reply to that question.
        if let Some((si, class)) = reply_label(kb, &e.label) {
            // Replies that answer nothing (`@STEP`) are not learned: the rules of `dialog` (questions, small talk,
            // "I don't understand", a bare yes or no) tell them apart, and as a head's "none" they pulled the
            // options' own words ("api", "shop") towards no answer, in openings too. They stay in the corpus to
            // measure with (`examples/dialog_replies.rs`, same rules: held-out answers recorded right 97.3%
            // without them, 96.1% with; non-answers recording nothing 95.8% either way).
            let Some(class) = class else { continue };
            // Read as the dialog reads a reply: without its questions, which no head is asked to read (a
            // question answers nothing, by rule; "is htmx server-rendered?" must not teach that "htmx" is no
            // answer).
            let statement = statement_part(&e.text);
            if statement.trim().is_empty() {
                continue;
            }
            let mut classes = vec![None; steps.len()];
            classes[si] = Some(class);
            out.push(DialogSample { reading: normalizer.read(&statement), classes, writer: e.writer.clone() });
            continue;
        }
        let pairs = parse_label(kb, &e.label);
        out.push(DialogSample {
            reading: normalizer.read(&e.text),
            classes: classes_of(&pairs),
            writer: e.writer.clone(),
        });
    }
    out
}

/// The step of a reply label (`@STEP=OPTION`, or `@STEP` for a reply that answers nothing) and its option
/// (`None`: it answers nothing); `None` for the other labels.
pub fn reply_label(kb: &KnowledgeBase, label: &str) -> Option<(usize, Option<usize>)> {
    let reply = label.strip_prefix('@')?;
    let (step, option) = match reply.split_once('=') {
        Some((step, option)) => (step, Some(option)),
        None => (reply, None),
    };
    let si = kb.dialog.steps.iter().position(|s| s.id == step)?;
    let oi = match option {
        Some(o) => Some(kb.dialog.steps[si].options.iter().position(|op| op.id == o)?),
        None => None,
    };
    Some((si, oi))
}

/// The (step, option) index pairs of a validated dialog-example label (`none` and replies give none).
pub fn parse_label(kb: &KnowledgeBase, label: &str) -> Vec<(usize, usize)> {
    if label == "none" || label.starts_with('@') {
        return Vec::new();
    }
    label
        .split(' ')
        .filter_map(|pair| {
            let (s, o) = pair.split_once('=')?;
            let si = kb.dialog.steps.iter().position(|st| st.id == s)?;
            let oi = kb.dialog.steps[si].options.iter().position(|op| op.id == o)?;
            Some((si, oi))
        })
        .collect()
}

/// The reader's knobs. Its corpus is smaller than the matcher's, and short typed answers ("idk", "react fe")
/// lean on character n-grams.
pub fn config() -> TrainConfig {
    TrainConfig { features: FeatureConfig { min_df: 2, ..FeatureConfig::default() }, ..TrainConfig::default() }
}

/// Fits the shared feature space and every head on `train`.
fn fit(kb: &KnowledgeBase, train: &[&DialogSample], config: &TrainConfig) -> (Features, LinearModel) {
    let readings: Vec<&Reading> = train.iter().map(|s| &s.reading).collect();
    let features = Features::fit(&readings, config.features);
    let xs: Vec<Sparse> = readings.iter().map(|r| features.vectorize(r)).collect();
    let total: usize = kb.dialog.steps.iter().map(|s| s.options.len() + 1).sum();
    let mut stacked = LinearModel::zeros(features.len(), total);
    let mut offset = 0;
    for (si, step) in kb.dialog.steps.iter().enumerate() {
        let k = step.options.len() + 1;
        let (hx, hy): (Vec<Sparse>, Vec<usize>) =
            xs.iter().zip(train).filter_map(|(x, s)| Some((x.clone(), s.classes[si]?))).unzip();
        let head = train::solve(&hx, &hy, features.len(), k, config);
        for f in 0..features.len() {
            stacked.weights[f * total + offset..f * total + offset + k]
                .copy_from_slice(&head.weights[f * k..(f + 1) * k]);
        }
        stacked.bias[offset..offset + k].copy_from_slice(&head.bias);
        offset += k;
    }
    stacked.quantize();
    (features, stacked)
}

/// Held-out logits of every sample of the corpus' writers (grouped as the matcher's calibration groups them); the
/// knowledge's own phrasings are always trained on, never held out.
pub fn cross_validate(
    kb: &KnowledgeBase,
    samples: &[&DialogSample],
    folds: usize,
    config: &TrainConfig,
) -> Vec<Option<Vec<f32>>> {
    train::by_writer_groups(
        samples,
        |s| &s.writer,
        folds,
        |train| {
            let (features, model) = fit(kb, train, config);
            move |s: &DialogSample| model.logits(&features.vectorize(&s.reading))
        },
    )
}

/// Trains the reader: calibration of every head on writer-held-out predictions, then a fit on everything.
pub fn train(kb: &KnowledgeBase, samples: &[&DialogSample], progress: &mut dyn FnMut(&str)) -> DialogReader {
    let config = config();
    progress(&format!("training the dialog reader on {} texts ({} steps)", samples.len(), kb.dialog.steps.len()));
    let held = cross_validate(kb, samples, CALIBRATION_FOLDS, &config);
    let (features, model) = fit(kb, samples, &config);
    let mut heads = Vec::with_capacity(kb.dialog.steps.len());
    let mut offset = 0;
    for (si, step) in kb.dialog.steps.iter().enumerate() {
        let k = step.options.len() + 1;
        let head_held: Vec<(Vec<f32>, usize)> = held
            .iter()
            .zip(samples)
            .filter_map(|(z, s)| Some((z.as_ref()?[offset..offset + k].to_vec(), s.classes[si]?)))
            .collect();
        let (temperature, threshold) = train::calibrate(&head_held, k - 1);
        heads.push(Head {
            step: step.id.clone(),
            options: step.options.iter().map(|o| o.id.clone()).collect(),
            offset,
            temperature,
            threshold,
        });
        offset += k;
    }
    progress(&format!("trained the dialog reader: {} features", features.len()));
    DialogReader { fingerprint: fingerprint(kb), features, model, heads }
}

/// A hash of what the reader's training reads: its knobs, the steps and their options (ids, labels, keywords,
/// neutrality; as sets, so reordering options or steps keeps the reader) and the dialog's corpus.
pub fn fingerprint(kb: &KnowledgeBase) -> u64 {
    let mut steps: Vec<Vec<String>> = kb
        .dialog
        .steps
        .iter()
        .map(|step| {
            let mut options: Vec<String> = step
                .options
                .iter()
                .map(|o| {
                    let neutral = if o.is_neutral() { "neutral" } else { "weighs" };
                    format!("{}\u{1}{}\u{1}{}\u{1}{neutral}", o.id, o.label, o.keywords.join("\u{2}"))
                })
                .collect();
            options.sort_unstable();
            options.insert(0, step.id.clone());
            options
        })
        .collect();
    steps.sort_unstable();
    let mut h = train::Fnv::default();
    h.write(super::MODEL_KIND);
    h.write(&format!("{:?}", config()));
    steps.iter().flatten().for_each(|t| h.write(t));
    for e in &kb.dialog_examples {
        h.write(&e.label);
        h.write(&e.writer);
        h.write(&e.text);
    }
    h.0
}
