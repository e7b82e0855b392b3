//! The verdict: the answers' weights summed per framework, how sure that is, which answers decided it, and the
//! smallest change of answers that would change it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Answered, How, Machine};
use crate::knowledge::{DialogOption, KnowledgeBase, Link, Step};

/// The end of the dialog: a recommendation that explains itself.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub recommendation: String,
    /// The framework with the next highest score.
    pub runner_up: String,
    /// The top two scores are level: the recommendation is only the first of them in the knowledge's order.
    pub tie: bool,
    /// The recommendation's lead over the runner-up, in points of weight (0 in a tie).
    pub margin: i32,
    /// 0..1: the recommended framework's share of a softmax over the scores (a third each in a three-way tie).
    pub confidence: f32,
    pub scores: BTreeMap<String, i32>,
    /// Every answer with its reason, in the order asked; `decisive` marks those that favoured the recommendation
    /// over the runner-up.
    pub reasons: Vec<Reason>,
    /// Answers that lean no way ("not sure yet"): weighed as nothing, said so.
    pub unused: Vec<Reason>,
    /// The smallest change of answers (fewest answers changed) that would change the recommendation, if one of at
    /// most [`MAX_FLIP`] answers would.
    pub flip: Option<Flip>,
    /// First steps with the recommended framework, from its profile (text and link).
    pub next_steps: Vec<Link>,
    /// The answers the verdict rests on, as the recap shows them.
    pub answers: Vec<Answered>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub step: String,
    pub question: String,
    pub answer: String,
    pub reason: String,
    /// The answer was taken from what the user wrote, not given at the question.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
    /// It favoured the recommendation over the runner-up.
    pub decisive: bool,
}

/// A change of answers that would change the recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flip {
    pub changes: Vec<FlipChange>,
    /// What the recommendation would be then.
    pub recommendation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlipChange {
    pub step: String,
    pub question: String,
    /// The option id and label the answer would change to.
    pub option: String,
    pub answer: String,
}

impl Verdict {
    /// "(confidence 54%), ahead of Django by 1 point": how sure, and by how much over the runner-up; every front
    /// door and the decision record say it so.
    pub fn lead(&self, name: impl Fn(&str) -> String) -> String {
        format!(
            "(confidence {:.0}%), ahead of {} by {} point{}",
            self.confidence * 100.0,
            name(&self.runner_up),
            self.margin,
            if self.margin == 1 { "" } else { "s" }
        )
    }

    /// "Answering \"X\" to \"Q\" [and ...] would make it F.", or that no change of up to [`MAX_FLIP`] answers
    /// would.
    pub fn what_would_change(&self, name: impl Fn(&str) -> String) -> String {
        match &self.flip {
            Some(f) => {
                let changes: Vec<String> =
                    f.changes.iter().map(|c| format!("\"{}\" to \"{}\"", c.answer, c.question)).collect();
                format!("Answering {} would make it {}.", changes.join(" and "), name(&f.recommendation))
            }
            None => format!("No change of up to {MAX_FLIP} answers would change this recommendation."),
        }
    }
}

/// How sure a verdict is: scores are divided by this before the softmax (a 3-point lead is clear but not certain).
const TEMPERATURE: f32 = 3.0;

/// The most answers a flip may change: beyond three, "what would change it" is no longer a useful sentence.
pub const MAX_FLIP: usize = 3;

impl Machine<'_> {
    /// Scores answers all given at their questions (see [`Machine::verdict_of`]).
    pub fn verdict(&self, path: &[(&Step, &DialogOption)]) -> Verdict {
        self.verdict_of(path, &vec![How::Chosen; path.len()], Vec::new())
    }

    /// Scores the answers of `path` (each given as `hows` says), and finds the smallest change that would change
    /// the result.
    pub fn verdict_of(&self, path: &[(&Step, &DialogOption)], hows: &[How], answers: Vec<Answered>) -> Verdict {
        let kb = self.kb;
        let fws = kb.frameworks.len();
        let base = totals(kb, path.iter().map(|(_, o)| *o));
        let rec = winner(&base);
        let runner = runner_up(&base, rec);
        let id = |f: usize| kb.frameworks[f].id.clone();

        let weight = |o: &DialogOption, f: usize| o.weights.get(&kb.frameworks[f].id).copied().unwrap_or(0);
        let (mut reasons, mut unused) = (Vec::new(), Vec::new());
        for ((s, o), how) in path.iter().zip(hows.iter().chain(std::iter::repeat(&How::Chosen))) {
            let reason = Reason {
                step: s.id.clone(),
                question: s.text.clone(),
                answer: o.label.clone(),
                reason: o.reason.clone(),
                assumed: *how == How::Assumed,
                decisive: runner.is_some_and(|r| weight(o, rec) > weight(o, r)),
            };
            if o.is_neutral() {
                unused.push(reason);
            } else {
                reasons.push(reason);
            }
        }

        let flip = smallest_flip(kb, path, &base, rec).map(|(changes, to)| Flip {
            changes: changes
                .into_iter()
                .map(|(k, alt)| {
                    let (step, _) = path[k];
                    let o = &step.options[alt];
                    FlipChange {
                        step: step.id.clone(),
                        question: step.text.clone(),
                        option: o.id.clone(),
                        answer: o.label.clone(),
                    }
                })
                .collect(),
            recommendation: id(to),
        });

        let top = base[rec] as f32;
        let sum: f32 = base.iter().map(|&s| ((s as f32 - top) / TEMPERATURE).exp()).sum();
        let margin = runner.map_or(0, |r| base[rec] - base[r]);
        Verdict {
            recommendation: id(rec),
            runner_up: runner.map(id).unwrap_or_default(),
            tie: fws > 1 && margin == 0,
            margin,
            confidence: 1.0 / sum,
            scores: (0..fws).map(|f| (id(f), base[f])).collect(),
            reasons,
            unused,
            flip,
            next_steps: kb.frameworks[rec].next_steps.clone(),
            answers,
        }
    }
}

/// The scores per framework, in the knowledge's order of frameworks.
fn totals<'a>(kb: &KnowledgeBase, options: impl Iterator<Item = &'a DialogOption>) -> Vec<i32> {
    let mut scores = vec![0; kb.frameworks.len()];
    for o in options {
        for (f, fw) in kb.frameworks.iter().enumerate() {
            scores[f] += o.weights.get(&fw.id).copied().unwrap_or(0);
        }
    }
    scores
}

/// The highest score; ties go to the framework listed first in the knowledge (a stable, documented order).
fn winner(scores: &[i32]) -> usize {
    let mut best = 0;
    for (f, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = f;
        }
    }
    best
}

/// The best of the others (the first listed among equals).
fn runner_up(scores: &[i32], winner: usize) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (f, &s) in scores.iter().enumerate() {
        if f != winner && best.is_none_or(|b| s > scores[b]) {
            best = Some(f);
        }
    }
    best
}

/// The fewest answers of `path` to change (each to another option that keeps the same route through the dialog)
/// for another framework to win, up to [`MAX_FLIP`]; among changes of that size, the one that gives the new
/// winner the widest lead, as the most telling. Returns the changes (path position, option index) and the new
/// winner.
fn smallest_flip(
    kb: &KnowledgeBase,
    path: &[(&Step, &DialogOption)],
    base: &[i32],
    rec: usize,
) -> Option<(Vec<(usize, usize)>, usize)> {
    // Each answer's alternatives, as the change of scores they make.
    let alternatives: Vec<Vec<(usize, Vec<i32>)>> = path
        .iter()
        .map(|(step, chosen)| {
            let now = totals(kb, std::iter::once(*chosen));
            step.options
                .iter()
                .enumerate()
                .filter(|(_, alt)| alt.id != chosen.id && step.next_after(alt) == step.next_after(chosen))
                .map(|(i, alt)| {
                    let then = totals(kb, std::iter::once(alt));
                    (i, then.iter().zip(&now).map(|(t, n)| t - n).collect())
                })
                .collect()
        })
        .collect();
    for size in 1..=MAX_FLIP.min(path.len()) {
        let mut best = None;
        let mut chosen = Vec::with_capacity(size);
        search(&alternatives, base, rec, size, 0, &mut chosen, &mut best);
        if let Some(Candidate { changes, to, .. }) = best {
            return Some((changes, to));
        }
    }
    None
}

/// A change of answers that flips the recommendation: (path position, option index) pairs, the new winner and
/// its lead.
struct Candidate {
    changes: Vec<(usize, usize)>,
    to: usize,
    lead: i32,
}

/// Tries every way to change `size` more answers from position `from` on; keeps the best flip in `best`.
fn search(
    alternatives: &[Vec<(usize, Vec<i32>)>],
    scores: &[i32],
    rec: usize,
    size: usize,
    from: usize,
    chosen: &mut Vec<(usize, usize)>,
    best: &mut Option<Candidate>,
) {
    if size == 0 {
        let to = winner(scores);
        if to != rec {
            let lead = runner_up(scores, to).map_or(0, |r| scores[to] - scores[r]);
            if best.as_ref().is_none_or(|b| lead > b.lead) {
                *best = Some(Candidate { changes: chosen.clone(), to, lead });
            }
        }
        return;
    }
    for k in from..alternatives.len() {
        for (i, delta) in &alternatives[k] {
            let moved: Vec<i32> = scores.iter().zip(delta).map(|(s, d)| s + d).collect();
            chosen.push((k, *i));
            search(alternatives, &moved, rec, size - 1, k + 1, chosen, best);
            chosen.pop();
        }
    }
}
