//! Terminal rendering of core values: plain text, readable at 80 columns, markdown markers left as they are.

use std::fmt::Write as _;

use serde_json::json;

use crate::{
    compare::Comparison,
    conversation::Reply,
    dialog::{Question, Verdict},
    knowledge::Link,
    reply::Answer,
};

pub fn answer(a: &Answer) -> String {
    let mut out = format!("# {}\n\n{}\n", a.title, a.text);
    if !a.sources.is_empty() {
        let _ = write!(out, "\n{}\n", sources(&a.sources));
    }
    if !a.suggestions.is_empty() {
        let _ = write!(out, "\nSee also: {}\n", a.suggestions.join(", "));
    }
    let _ = write!(out, "({} · confidence {:.2})", a.kind(), a.confidence);
    out
}

pub fn comparison(c: &Comparison) -> String {
    let mut out = format!("# {}\n\n{}", c.title, c.to_text());
    if !c.sources.is_empty() {
        let _ = write!(out, "\n\n{}", sources(&c.sources));
    }
    out
}

/// One compact line: `Sources: Title (url) · Title (url)`.
fn sources(list: &[Link]) -> String {
    let items: Vec<String> = list.iter().map(|s| format!("{} ({})", s.title, s.url)).collect();
    format!("Sources: {}", items.join(" · "))
}

pub fn question(q: &Question, notice: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(n) = notice {
        let _ = writeln!(out, "{n}");
    }
    if !q.assumed.is_empty() {
        out.push_str("I took these from your message (type `change 1`, ... to change one):\n");
        for (i, a) in q.assumed.iter().enumerate() {
            let _ = writeln!(out, "  {}. {} -> {}", i + 1, a.question, a.label);
        }
    }
    let _ = writeln!(out, "Q{}. {}", q.number, q.text);
    for (i, o) in q.options.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", i + 1, o.label);
    }
    out.push_str("(a number, an option, your own words, or back / restart / cancel)");
    out
}

pub fn verdict(v: &Verdict, name: impl Fn(&str) -> String) -> String {
    let mut out = format!("Verdict: {} (confidence {:.0}%)\n", name(&v.recommendation), v.confidence * 100.0);
    let scores: Vec<String> = v.scores.iter().map(|(k, s)| format!("{} {s}", name(k))).collect();
    let _ = writeln!(out, "Scores: {}", scores.join(", "));
    out.push_str("\nWhy:\n");
    for r in &v.reasons {
        let from = if r.assumed { " (from your message)" } else { "" };
        let _ = writeln!(out, "- {} -> {}{from}: {}", r.question, r.answer, r.reason);
    }
    out.push_str("\nWhat would change it: ");
    match &v.flip {
        Some(f) => {
            let _ = write!(
                out,
                "answering \"{}\" to \"{}\" would make it {}.",
                f.answer,
                f.question,
                name(&f.recommendation)
            );
        }
        None => out.push_str("no single different answer would change this recommendation."),
    }
    out
}

/// The JSON line of a chat reply (the objects of PRODUCT.md).
pub fn reply_json(r: &Reply) -> serde_json::Value {
    match r {
        Reply::Answer(a) => serde_json::to_value(a).expect("answers serialise"),
        Reply::Question { question, notice } => {
            let mut v = json!({
                "kind": "question",
                "step": question.step,
                "text": question.text,
                "options": question.options,
            });
            if let Some(n) = notice {
                v["notice"] = json!(n);
            }
            if !question.assumed.is_empty() {
                v["assumed"] = json!(question.assumed);
            }
            v
        }
        Reply::Verdict(v) => json!({
            "kind": "verdict",
            "recommendation": v.recommendation,
            "confidence": crate::reply::round2(v.confidence),
            "scores": v.scores,
            "reasons": v.reasons,
            "flip": v.flip,
        }),
        Reply::Cancelled => {
            json!({"kind": "cancelled", "text": "Decision cancelled. Ask anything, or type decide to start again."})
        }
        Reply::Error(message) => json!({"kind": "error", "message": message}),
    }
}
