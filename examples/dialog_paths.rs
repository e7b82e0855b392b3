//! Walks every path through the decision dialog with the engine and prints the share of paths each framework
//! wins: `cargo run --example dialog_paths [-- KNOWLEDGE_DIR]`.
//!
//! A path is one full set of answers from the first question to a verdict. Every path counts once, so the
//! figures show how the weights balance, not how often people pick each answer.

use std::collections::BTreeMap;

use signpost::{
    dialog::{Input, Outcome},
    Engine,
};

fn main() {
    let dir = std::env::args().nth(1).map(std::path::PathBuf::from);
    let engine = Engine::load(dir.as_deref()).unwrap_or_else(|e| panic!("{e}"));
    let machine = engine.dialog();
    let mut wins: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_project: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let (start, _) = machine.start().expect("the dialog starts");
    let mut stack = vec![start];
    while let Some(state) = stack.pop() {
        match machine.current(&state).expect("a valid state") {
            Outcome::Question(q) => {
                for i in 0..q.options.len() {
                    let (next, _) = machine.step(&state, Input::Choose(i)).expect("a valid choice");
                    stack.push(next);
                }
            }
            Outcome::Verdict(v) => {
                *wins.entry(v.recommendation.clone()).or_default() += 1;
                let project = v.reasons.first().map_or(String::new(), |r| r.answer.clone());
                *by_project.entry(project).or_default().entry(v.recommendation).or_default() += 1;
            }
            _ => unreachable!("choosing options never cancels"),
        }
    }
    let total: usize = wins.values().sum();
    println!("{total} paths through the dialog");
    for fw in &engine.kb().frameworks {
        let n = wins.get(&fw.id).copied().unwrap_or(0);
        println!("  {:<8} {:>6} paths  {:>5.1}%", fw.id, n, 100.0 * n as f64 / total as f64);
    }
    println!("by first answer:");
    for (project, w) in &by_project {
        let n: usize = w.values().sum();
        let shares: Vec<String> =
            w.iter().map(|(fw, k)| format!("{fw} {:.0}%", 100.0 * *k as f64 / n as f64)).collect();
        println!("  {project}: {}", shares.join(", "));
    }
}
