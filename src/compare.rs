//! Side-by-side comparisons built from the knowledge base. Pure.

use serde::Serialize;

use crate::{
    error::CoreError,
    knowledge::{suggest, Aspect, Framework, KnowledgeBase, Link},
};

/// Two frameworks on one aspect, or on every aspect (an overview).
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The frameworks compared (two or three), in the order asked.
    pub frameworks: Vec<String>,
    /// `None` for an overview of every aspect.
    pub aspect: Option<String>,
    pub title: String,
    pub rows: Vec<Row>,
    /// The aspect's sources (none for an overview).
    pub sources: Vec<Link>,
}

/// One aspect: what each framework offers, and the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub aspect: String,
    pub name: String,
    /// `(framework name, text)`, in the order the frameworks were asked for. Empty in an overview.
    pub texts: Vec<(String, String)>,
    pub verdict: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
}

pub fn resolve_framework<'kb>(kb: &'kb KnowledgeBase, input: &str) -> Result<&'kb Framework, CoreError> {
    kb.resolve_framework(input).ok_or_else(|| {
        let known: Vec<String> = kb.frameworks.iter().map(|f| f.id.clone()).collect();
        let names = kb
            .frameworks
            .iter()
            .flat_map(|f| std::iter::once(f.id.as_str()).chain(f.aliases.iter().map(String::as_str)));
        let suggestion = suggest(input, names).and_then(|s| kb.resolve_framework(s)).map(|f| f.id.clone());
        CoreError::UnknownFramework { input: input.trim().to_string(), suggestion, known }
    })
}

pub fn resolve_aspect<'kb>(kb: &'kb KnowledgeBase, input: &str) -> Result<&'kb Aspect, CoreError> {
    kb.resolve_aspect(input).ok_or_else(|| {
        let known: Vec<String> = kb.aspects.iter().map(|a| a.id.clone()).collect();
        let suggestion = suggest(input, known.iter().map(String::as_str))
            .or_else(|| {
                // A keyword ("database", "speed") names its aspect too.
                let lower = input.trim().to_lowercase();
                kb.aspects.iter().find(|a| a.keywords.contains(&lower)).map(|a| a.id.as_str())
            })
            .map(str::to_string);
        CoreError::UnknownAspect { input: input.trim().to_string(), suggestion, known }
    })
}

/// Compares two frameworks (ids, names or aliases) on one aspect, or on all of them when `aspect` is `None`.
pub fn compare(kb: &KnowledgeBase, first: &str, second: &str, aspect: Option<&str>) -> Result<Comparison, CoreError> {
    let a = resolve_framework(kb, first)?;
    let b = resolve_framework(kb, second)?;
    if a.id == b.id {
        return Err(CoreError::SameFramework(a.id.clone()));
    }
    let aspect = aspect.map(|x| resolve_aspect(kb, x)).transpose()?;
    Ok(comparison(kb, a, b, aspect))
}

/// Builds the comparison of already-resolved frameworks and aspect.
pub fn comparison(kb: &KnowledgeBase, a: &Framework, b: &Framework, aspect: Option<&Aspect>) -> Comparison {
    comparison_of(kb, &[a, b], aspect)
}

/// The comparison of two or three resolved frameworks, with the verdict written for exactly those.
pub fn comparison_of(kb: &KnowledgeBase, fws: &[&Framework], aspect: Option<&Aspect>) -> Comparison {
    let frameworks: Vec<String> = fws.iter().map(|f| f.id.clone()).collect();
    let ids: Vec<&str> = frameworks.iter().map(String::as_str).collect();
    let names = fws.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(" vs ");
    match aspect {
        Some(x) => Comparison {
            aspect: Some(x.id.clone()),
            title: format!("{names}: {}", x.name),
            rows: vec![Row {
                aspect: x.id.clone(),
                name: x.name.clone(),
                texts: fws.iter().map(|f| (f.name.clone(), x.texts[&f.id].clone())).collect(),
                verdict: x.verdict_for(&ids).to_string(),
                based_on: x.based_on.clone(),
            }],
            sources: x.sources.clone(),
            frameworks,
        },
        None => Comparison {
            aspect: None,
            title: format!("{names}: overview"),
            rows: kb
                .aspects
                .iter()
                .map(|x| Row {
                    aspect: x.id.clone(),
                    name: x.name.clone(),
                    texts: Vec::new(),
                    verdict: x.verdict_for(&ids).to_string(),
                    based_on: None,
                })
                .collect(),
            sources: Vec::new(),
            frameworks,
        },
    }
}

impl Comparison {
    /// Plain text with light markdown, for terminals and for `ask --json`'s `text`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for row in &self.rows {
            if self.aspect.is_none() {
                out.push_str(&format!("**{}** ({}): {}\n", row.name, row.aspect, row.verdict));
                continue;
            }
            for (name, text) in &row.texts {
                out.push_str(&format!("**{name}**: {text}\n\n"));
            }
            out.push_str(&format!("**Verdict**: {}", row.verdict));
            if let Some(b) = &row.based_on {
                out.push_str(&format!("\n_Based on: {b}_"));
            }
        }
        out.trim_end().to_string()
    }
}
