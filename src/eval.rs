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
        self.expected.contains(&self.got)
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

    pub fn failures(&self) -> impl Iterator<Item = &Case> {
        self.cases.iter().filter(|c| !c.correct())
    }

    pub fn summary(&self) -> String {
        format!(
            "{} questions: accuracy {:.1}%, in-domain {:.1}%, abstention recall {:.1}%",
            self.cases.len(),
            self.accuracy() * 100.0,
            self.in_domain() * 100.0,
            self.abstention_recall() * 100.0
        )
    }
}

/// Runs every line of a TSV (`question<TAB>labels`, a header line first) through [`Engine::ask`].
pub fn run(engine: &Engine, tsv: &str) -> Report {
    let cases = tsv
        .lines()
        .enumerate()
        .skip(1)
        .filter_map(|(i, line)| {
            let (question, expected) = line.split_once('\t')?;
            let (got, confidence) = match engine.ask(question) {
                Ok(a) => (a.label(), a.confidence),
                Err(_) => ("none".to_string(), 0.0),
            };
            Some(Case {
                line: i + 1,
                question: question.to_string(),
                expected: expected.split_whitespace().map(str::to_string).collect(),
                got,
                confidence,
            })
        })
        .collect();
    Report { cases }
}
