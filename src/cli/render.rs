//! Terminal rendering of core values: plain text, readable at 80 columns, markdown markers left as they are.

use std::fmt::Write as _;

use serde_json::json;

use crate::{
    compare::Comparison,
    conversation::Reply,
    dialog::{Answered, How, Question, Verdict},
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
    if !q.answers.is_empty() {
        out.push_str("So far (`change N` changes one):\n");
        for (i, a) in q.answers.iter().enumerate() {
            let _ = writeln!(out, "  {}. {} -> {}{}", i + 1, a.question, a.label, how_mark(a.how));
        }
    }
    let of = if q.of_exact { format!("{}", q.of) } else { format!("up to {}", q.of) };
    let _ = writeln!(out, "Q{} of {of}. {}", q.number, q.text);
    for (i, o) in q.options.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", i + 1, o.label);
    }
    out.push_str("(a number, an option, your own words, or back / restart / cancel)");
    out
}

fn how_mark(how: How) -> &'static str {
    match how {
        How::Chosen => "",
        How::Typed => " (your words)",
        How::Assumed => " (assumed from your message)",
    }
}

pub fn verdict(v: &Verdict, name: impl Fn(&str) -> String) -> String {
    let mut out = if v.tie {
        format!(
            "Verdict: {} or {}, a tie (confidence {:.0}%): {} is named only because it is listed first.\n",
            name(&v.recommendation),
            name(&v.runner_up),
            v.confidence * 100.0,
            name(&v.recommendation)
        )
    } else {
        format!("Verdict: {} {}.\n", name(&v.recommendation), v.lead(&name))
    };
    let scores: Vec<String> = v.scores.iter().map(|(k, s)| format!("{} {s}", name(k))).collect();
    let _ = writeln!(out, "Scores: {}", scores.join(", "));
    out.push_str("\nWhy:\n");
    for r in v.reasons.iter().filter(|r| r.decisive) {
        let from = if r.assumed { " (from your message)" } else { "" };
        let _ = writeln!(out, "- {} -> {}{from}: {}", r.question, r.answer, r.reason);
    }
    let others: Vec<&str> = v.reasons.iter().filter(|r| !r.decisive).map(|r| r.answer.as_str()).collect();
    if !others.is_empty() {
        let _ = writeln!(out, "Also weighed ({} more, all in `record`): {}", others.len(), others.join("; "));
    }
    if !v.unused.is_empty() {
        let unsure: Vec<&str> = v.unused.iter().map(|r| r.question.as_str()).collect();
        let _ = writeln!(out, "Weighed as nothing (no framework gained from these answers): {}", unsure.join("; "));
    }
    let _ = write!(out, "\nWhat would change it: {}", v.what_would_change(&name));
    if !v.next_steps.is_empty() {
        let _ = write!(out, "\n\nNext steps with {}:", name(&v.recommendation));
        for (i, s) in v.next_steps.iter().enumerate() {
            let _ = write!(out, "\n  {}. {} ({})", i + 1, s.title, s.url);
        }
    }
    out.push_str("\n\n(`change N` or `back` to revise an answer, `record` for a decision record, `restart`, `cancel`)");
    out
}

/// The answers of a decision as `chat --json` shows them: step, option and how each was given.
fn answers_json(answers: &[Answered]) -> serde_json::Value {
    answers.iter().map(|a| json!({"step": a.step, "option": a.option, "how": a.how})).collect()
}

/// The one JSON object of a turn (PRODUCT.md: exactly one per input line): its last reply, with an answer given
/// before it as `aside` (a side question answered mid-decision, or the request a decision starts from) and a
/// message before it as `notice`.
pub fn turn_json(replies: &[Reply]) -> Option<serde_json::Value> {
    let (last, before) = replies.split_last()?;
    let mut main = reply_json(last);
    for r in before {
        match r {
            Reply::Answer(_) if main.get("aside").is_none() => main["aside"] = reply_json(r),
            Reply::Error(m) | Reply::Notice(m) => {
                let notice = match main.get("notice").and_then(|n| n.as_str()) {
                    Some(n) => format!("{m} {n}"),
                    None => m.clone(),
                };
                main["notice"] = json!(notice);
            }
            _ => {}
        }
    }
    Some(main)
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
            v["number"] = json!(question.number);
            v["answers"] = answers_json(&question.answers);
            v
        }
        Reply::Verdict(v) => json!({
            "kind": "verdict",
            "recommendation": v.recommendation,
            "runner_up": v.runner_up,
            "tie": v.tie,
            "margin": v.margin,
            "confidence": crate::reply::round2(v.confidence),
            "scores": v.scores,
            "reasons": v.reasons,
            "unused": v.unused,
            "flip": v.flip,
            "next_steps": v.next_steps,
            "answers": answers_json(&v.answers),
        }),
        Reply::Record(text) => json!({"kind": "record", "text": text}),
        Reply::Notice(text) => json!({"kind": "notice", "text": text}),
        Reply::Cancelled => {
            json!({"kind": "cancelled", "text": "Decision cancelled. Ask anything, or type decide to start again."})
        }
        Reply::Error(message) => json!({"kind": "error", "message": message}),
    }
}
