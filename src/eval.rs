//! Scores the matcher against labelled chat questions (`tests/eval/*.tsv`, the format of `shared/eval`).

use crate::Engine;

/// One labelled question and what the engine answered.
#[derive(Debug, Clone)]
pub struct Case {
    pub line: usize,
    pub question: String,
    pub expected: Vec<String>,
    pub got: String,
    pub confidence: f64,
}

impl Case {
    pub fn correct(&self) -> bool {
        // Sets written before small talk existed label chatter `none`: small talk answers it rightly.
        self.expected.contains(&self.got) || (self.got.starts_with("smalltalk:") && self.out_of_domain())
    }

    /// Only `none` is acceptable: the knowledge cannot answer it.
    pub fn out_of_domain(&self) -> bool {
        self.expected.iter().all(|e| e == "none")
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub cases: Vec<Case>,
}

impl Report {
    fn share(cases: impl Iterator<Item = bool>) -> f64 {
        let (mut n, mut ok) = (0usize, 0usize);
        for c in cases {
            n += 1;
            ok += usize::from(c);
        }
        if n == 0 {
            1.0
        } else {
            ok as f64 / n as f64
        }
    }

    pub fn accuracy(&self) -> f64 {
        Self::share(self.cases.iter().map(Case::correct))
    }

    /// Accuracy on lines that have an answer in the knowledge.
    pub fn in_domain(&self) -> f64 {
        Self::share(self.cases.iter().filter(|c| !c.out_of_domain()).map(Case::correct))
    }

    /// Share of out-of-domain lines on which the engine abstained.
    pub fn abstention_recall(&self) -> f64 {
        Self::share(self.cases.iter().filter(|c| c.out_of_domain()).map(Case::correct))
    }

    /// Share of abstentions that were right to abstain.
    pub fn abstention_precision(&self) -> f64 {
        Self::share(self.cases.iter().filter(|c| c.got == "none").map(Case::correct))
    }

    /// Expected calibration error: over ten confidence bins, the gap between confidence and accuracy, weighted
    /// by how many answers fall in the bin.
    pub fn calibration_error(&self) -> f64 {
        let mut bins = [(0usize, 0f64, 0usize); 10];
        for c in &self.cases {
            let b = ((c.confidence * 10.0) as usize).min(9);
            bins[b].0 += 1;
            bins[b].1 += c.confidence;
            bins[b].2 += usize::from(c.correct());
        }
        // Per bin |sum of confidences - right answers| / all answers = weight * |mean confidence - accuracy|.
        let n = self.cases.len().max(1) as f64;
        bins.iter().map(|&(_, conf, ok)| (conf - ok as f64).abs() / n).sum()
    }

    /// The most frequent (wanted, got) pairs among the misses.
    pub fn confusions(&self, top: usize) -> Vec<(String, String, usize)> {
        let mut counts: std::collections::BTreeMap<(String, String), usize> = Default::default();
        for c in self.failures() {
            *counts.entry((c.expected.join("|"), c.got.clone())).or_default() += 1;
        }
        let mut list: Vec<(String, String, usize)> = counts.into_iter().map(|((w, g), n)| (w, g, n)).collect();
        list.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        list.truncate(top);
        list
    }

    pub fn failures(&self) -> impl Iterator<Item = &Case> {
        self.cases.iter().filter(|c| !c.correct())
    }

    pub fn summary(&self) -> String {
        format!(
            "{} questions: accuracy {:.1}%, in-domain {:.1}%, abstention precision {:.1}% recall {:.1}%, ECE {:.3}",
            self.cases.len(),
            self.accuracy() * 100.0,
            self.in_domain() * 100.0,
            self.abstention_precision() * 100.0,
            self.abstention_recall() * 100.0,
            self.calibration_error()
        )
    }
}

/// The labelled lines of a TSV (`question<TAB>labels`, a header line first; `\n` in a question is a line break):
/// (line number, question, accepted labels).
pub fn parse(tsv: &str) -> Vec<(usize, String, Vec<String>)> {
    tsv.lines()
        .enumerate()
        .skip(1)
        .filter_map(|(i, line)| {
            let (question, expected) = line.split_once('\t')?;
            let question = crate::knowledge::examples::unescape(question).unwrap_or_else(|_| question.to_string());
            Some((i + 1, question, expected.split_whitespace().map(str::to_string).collect()))
        })
        .collect()
}

/// Runs every line of a TSV (see [`parse`]) through [`Engine::ask`].
pub fn run(engine: &Engine, tsv: &str) -> Report {
    let cases = parse(tsv)
        .into_iter()
        .map(|(line, question, expected)| {
            let (got, confidence) = match engine.ask(&question) {
                Ok(a) => (a.label(), a.confidence),
                Err(_) => ("none".to_string(), 0.0),
            };
            Case { line, question, expected, got, confidence }
        })
        .collect();
    Report { cases }
}

/// How an answer stands against the labels that count as right, the way a user meets it: right, a question
/// back (with or without the right entry among its choices), an honest "don't know", or a confident wrong answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    Right,
    /// `clarify` whose choices hold a right answer: one click away.
    ClarifyRight,
    /// `clarify` whose choices miss: not wrong, not helpful.
    ClarifyMiss,
    /// `none` where the knowledge has an answer: not wrong, not helpful.
    Abstained,
    Wrong,
}

/// Judges `answer` against `expected` (labels as in the eval sets; `frameworks`, when given, the framework sets
/// that count as right, each as ids in any order).
pub fn judge(
    kb: &crate::knowledge::KnowledgeBase,
    answer: &crate::reply::Answer,
    expected: &[String],
    frameworks: Option<&[Vec<String>]>,
) -> Judgement {
    use crate::reply::Topic;
    let label_ok = |label: &str| -> bool {
        if expected.iter().any(|e| e == label) {
            return true;
        }
        // A framework beside the three answered by its note: right where its FAQ entry was expected.
        if let Some(id) = label.strip_prefix("framework:") {
            if let Some(o) = kb.other(id) {
                return expected.iter().any(|e| {
                    e == &format!("faq:{}", o.faq) || e == "faq:other-frameworks" || e == "faq:other-ecosystems"
                });
            }
        }
        // Old corpora label chatter `none`: small talk answers it rightly.
        label.starts_with("smalltalk:") && expected.iter().all(|e| e == "none")
    };
    let frameworks_ok = || {
        let Some(sets) = frameworks else { return true };
        let mut got: Vec<&str> = answer.frameworks.iter().map(String::as_str).collect();
        got.sort_unstable();
        sets.iter().any(|want| {
            let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
            want.sort_unstable();
            want == got
        })
    };
    match &answer.topic {
        Topic::Clarify { choices } => {
            let as_label = |c: &String| {
                if c.contains(':') || c == "decide" {
                    c.clone()
                } else {
                    format!("faq:{c}")
                }
            };
            if choices.iter().any(|c| label_ok(&as_label(c))) {
                Judgement::ClarifyRight
            } else {
                Judgement::ClarifyMiss
            }
        }
        Topic::None if expected.iter().any(|e| e == "none") => Judgement::Right,
        Topic::None => Judgement::Abstained,
        _ if label_ok(&answer.label()) && frameworks_ok() => Judgement::Right,
        _ => Judgement::Wrong,
    }
}

/// Counts of [`Judgement`]s, printed as shares.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    pub right: usize,
    pub clarify_right: usize,
    pub clarify_miss: usize,
    pub abstained: usize,
    pub wrong: usize,
}

impl Tally {
    pub fn add(&mut self, j: Judgement) {
        match j {
            Judgement::Right => self.right += 1,
            Judgement::ClarifyRight => self.clarify_right += 1,
            Judgement::ClarifyMiss => self.clarify_miss += 1,
            Judgement::Abstained => self.abstained += 1,
            Judgement::Wrong => self.wrong += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.right + self.clarify_right + self.clarify_miss + self.abstained + self.wrong
    }

    pub fn summary(&self) -> String {
        let n = self.total().max(1) as f64;
        let pct = |k: usize| 100.0 * k as f64 / n;
        format!(
            "n={} right {:.1}% | clarify {:.1}% (right choice {:.1}%) | none {:.1}% | wrong {:.1}%",
            self.total(),
            pct(self.right),
            pct(self.clarify_right + self.clarify_miss),
            pct(self.clarify_right),
            pct(self.abstained),
            pct(self.wrong)
        )
    }
}
