//! The knowledge base: frameworks, comparison aspects, FAQ entries, the decision dialog and the chat lexicon.
//!
//! Loaded from TOML (the default copy is compiled into the binary), validated as a whole, then immutable.

pub mod examples;
mod load;
pub mod model;
mod raw;
mod validate;

use std::path::Path;

use serde::Serialize;

pub use examples::Example;
pub use load::{KnowledgeError, Problem, SourceFile};
pub use model::*;
pub use validate::{MAX_ANSWER, MAX_ID, MAX_LABEL, MAX_OPTIONS};

/// The default knowledge (`knowledge/` at build time), as (relative path, text) pairs.
const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_knowledge.rs"));

/// A validated knowledge base. Build one with [`KnowledgeBase::embedded`], [`KnowledgeBase::load`] or
/// [`KnowledgeBase::from_sources`]; every constructor runs every check.
#[derive(Debug, Clone, Serialize)]
pub struct KnowledgeBase {
    pub frameworks: Vec<Framework>,
    pub aspects: Vec<Aspect>,
    pub faqs: Vec<Faq>,
    /// Frameworks and stacks people name beside the three (`others.toml`): a short note each.
    pub others: Vec<Other>,
    pub dialog: Dialog,
    #[serde(skip)]
    pub lexicon: Lexicon,
    /// Every framework, aspect and FAQ entry's `reviewed` date with its place, for [`KnowledgeBase::stale`].
    #[serde(skip)]
    pub reviews: Vec<Review>,
    /// The labelled chat messages the matcher learns from (`examples/<writer>.tsv`).
    #[serde(skip)]
    pub examples: Vec<Example>,
    /// Free-text answers labelled with the dialog options they give (`dialog-examples/<writer>.tsv`): what the
    /// dialog's reader learns from.
    #[serde(skip)]
    pub dialog_examples: Vec<Example>,
}

impl KnowledgeBase {
    /// The knowledge compiled into the binary.
    pub fn embedded() -> Result<Self, KnowledgeError> {
        Self::from_sources(&embedded_sources())
    }

    /// Reads and validates every `*.toml` below `dir`.
    pub fn load(dir: &Path) -> Result<Self, KnowledgeError> {
        let files = load::read_dir(dir)?;
        Self::from_sources(&files)
            .map_err(|mut e| {
                // Name files by their real path, so an editor can jump to them.
                for p in &mut e.problems {
                    p.file = dir.join(&p.file).display().to_string();
                }
                e
            })
            .map(|mut kb| {
                for r in &mut kb.reviews {
                    r.file = dir.join(&r.file).display().to_string();
                }
                kb
            })
    }

    /// Entries not reviewed in the 12 months before `today`, or never: the warnings of `signpost check`, each at
    /// its `reviewed` key (or at the entry's id when the key is missing).
    pub fn stale(&self, today: Date) -> Vec<Problem> {
        let cutoff = today.year_before();
        self.reviews
            .iter()
            .filter_map(|r| {
                let message = match r.date {
                    None => format!("{} has no `reviewed` date", r.entry),
                    Some(d) if d < cutoff => format!("{} was last reviewed {d}, more than 12 months ago", r.entry),
                    Some(_) => return None,
                };
                Some(Problem { file: r.file.clone(), line: Some(r.line), column: Some(r.column), message })
            })
            .collect()
    }

    /// FAQ entries written for some of the frameworks that leave a common pair without an answer: for each, the
    /// entry's id and the pair (`fastapi-flask`) that `for_pairs` should name an answer for. Warnings of
    /// `signpost check`: without one, that pair's question is answered by the best-ranked entry that fits.
    pub fn pair_gaps(&self) -> Vec<(String, String)> {
        let core: Vec<&str> = self.frameworks.iter().map(|f| f.id.as_str()).collect();
        let mut pairs = Vec::new();
        for (i, a) in core.iter().enumerate() {
            for b in &core[i + 1..] {
                pairs.push(pair_key(&[a, b]));
            }
        }
        let mut gaps = Vec::new();
        for faq in &self.faqs {
            let own: Vec<&str> = faq.frameworks.iter().map(String::as_str).filter(|f| core.contains(f)).collect();
            // Only entries written for one pair: general and three-way entries answer every pair.
            if own.len() != 2 {
                continue;
            }
            let own_key = pair_key(&own);
            for pair in &pairs {
                if *pair != own_key && !faq.for_pairs.contains_key(pair) {
                    gaps.push((faq.id.clone(), pair.clone()));
                }
            }
        }
        gaps
    }

    /// Validates knowledge given as files in memory (paths relative to the knowledge root).
    pub fn from_sources(files: &[SourceFile]) -> Result<Self, KnowledgeError> {
        validate::build(files)
    }

    /// Every answer label, in a fixed order: `faq:ID` per FAQ entry, `compare:ID` per aspect, `framework:ID` per
    /// framework, then `decide` and `none`.
    pub fn labels(&self) -> Vec<String> {
        let faqs = self.faqs.iter().map(|f| format!("faq:{}", f.id));
        let aspects = self.aspects.iter().map(|a| format!("compare:{}", a.id));
        let frameworks = self.frameworks.iter().map(|f| format!("framework:{}", f.id));
        faqs.chain(aspects).chain(frameworks).chain(["decide".to_string(), "none".to_string()]).collect()
    }

    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.id == id)
    }

    pub fn aspect(&self, id: &str) -> Option<&Aspect> {
        self.aspects.iter().find(|a| a.id == id)
    }

    pub fn faq(&self, id: &str) -> Option<&Faq> {
        self.faqs.iter().find(|f| f.id == id)
    }

    pub fn other(&self, id: &str) -> Option<&Other> {
        self.others.iter().find(|o| o.id == id)
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.dialog.steps.iter().find(|s| s.id == id)
    }

    /// Resolves what a user typed as a framework: its id, name or an alias, case-insensitively.
    pub fn resolve_framework(&self, input: &str) -> Option<&Framework> {
        let input = input.trim().to_lowercase();
        self.frameworks.iter().find(|f| f.id == input || f.name.to_lowercase() == input || f.aliases.contains(&input))
    }

    /// Resolves an aspect by id or name, case-insensitively (`REST APIs`, `rest-api`, `rest api`).
    pub fn resolve_aspect(&self, input: &str) -> Option<&Aspect> {
        let key = |s: &str| s.to_lowercase().replace([' ', '_'], "-");
        let input = key(input.trim());
        self.aspects.iter().find(|a| a.id == input || key(&a.name) == input)
    }
}

/// The matcher's model trained on the default knowledge (`knowledge/model.bin`), if the build found one.
pub const EMBEDDED_MODEL: Option<&[u8]> = include!(concat!(env!("OUT_DIR"), "/embedded_model.rs"));

pub fn embedded_sources() -> Vec<SourceFile> {
    EMBEDDED.iter().map(|(name, text)| SourceFile::new(*name, *text)).collect()
}

/// The candidate closest to `input` by edit distance, when it is close enough to be a likely typo.
pub fn suggest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input = input.trim().to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&input, &c.to_lowercase()), c))
        .filter(|(d, c)| {
            *d <= (c.chars().count().max(input.chars().count()) / 3).max(1)
                || (input.len() >= 2 && c.to_lowercase().starts_with(&input))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
