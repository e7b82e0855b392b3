//! The decision as a short Markdown decision record (context, options considered, decision, reasons,
//! consequences, what would change it), in the shape of the lightweight architecture decision records teams keep
//! beside their code.

use std::fmt::Write as _;

use super::{How, Verdict};
use crate::knowledge::KnowledgeBase;

/// The record of `verdict`, in Markdown. Pure: the date and who decided are the front door's to add.
pub fn decision_record(kb: &KnowledgeBase, verdict: &Verdict) -> String {
    let name = |id: &str| kb.framework(id).map_or_else(|| id.to_string(), |f| f.name.clone());
    let rec = name(&verdict.recommendation);
    let mut out = String::new();
    let _ = writeln!(out, "# Decision record: use {rec}\n");

    out.push_str("## Context\n\n");
    for a in &verdict.answers {
        let how = match a.how {
            How::Chosen => "",
            How::Typed => " (in our words)",
            How::Assumed => " (assumed from our description)",
        };
        let _ = writeln!(out, "- {} **{}**{how}", a.question, a.label);
    }

    out.push_str("\n## Options considered\n\n");
    let mut ranked: Vec<(&String, &i32)> = verdict.scores.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1));
    for (id, score) in ranked {
        let summary = kb.framework(id).map(|f| f.summary.as_str()).unwrap_or_default();
        let _ = writeln!(out, "- **{}** (score {score}): {}", name(id), first_sentence(summary));
    }

    out.push_str("\n## Decision\n\n");
    if verdict.tie {
        let _ = writeln!(
            out,
            "{rec}, by a tie with {} ({} points each): the answers do not separate them, so either is a sound choice; \
             {rec} is named because it comes first in the list.",
            name(&verdict.runner_up),
            verdict.scores.get(&verdict.recommendation).copied().unwrap_or_default()
        );
    } else {
        let _ = writeln!(out, "{rec} {}.", verdict.lead(name));
    }

    out.push_str("\n## Reasons\n\n");
    for r in verdict.reasons.iter().filter(|r| r.decisive) {
        let _ = writeln!(out, "- {}: {}", r.answer, r.reason);
    }
    if !verdict.unused.is_empty() {
        let unsure: Vec<&str> = verdict.unused.iter().map(|r| r.question.as_str()).collect();
        let _ = writeln!(out, "- Weighed as nothing (no framework gained from these answers): {}", unsure.join("; "));
    }

    out.push_str("\n## Consequences\n\n");
    if let Some(fw) = kb.framework(&verdict.recommendation) {
        for d in fw.disadvantages.iter().take(3) {
            let _ = writeln!(out, "- To accept: {d}");
        }
        for step in &verdict.next_steps {
            let _ = writeln!(out, "- Next: {} <{}>", step.title, step.url);
        }
    }

    out.push_str("\n## What would change it\n\n");
    let _ = writeln!(out, "{}", verdict.what_would_change(name));
    out
}

fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(i) => &text[..=i],
        None => text,
    }
}
