//! Errors of the core. Each `Display` is written to be shown to a user as it is.

use crate::knowledge::KnowledgeError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("unknown framework `{input}`{}", did_you_mean(.suggestion))]
    UnknownFramework { input: String, suggestion: Option<String>, known: Vec<String> },
    #[error("unknown aspect `{input}`{}", did_you_mean(.suggestion))]
    UnknownAspect { input: String, suggestion: Option<String>, known: Vec<String> },
    #[error("compare two different frameworks (both were `{0}`)")]
    SameFramework(String),
    #[error("the question is empty: ask something like \"is flask faster than django?\"")]
    EmptyQuestion,
    #[error("the question is {len} characters long; keep it under {max}")]
    QuestionTooLong { len: usize, max: usize },
    #[error(transparent)]
    Dialog(#[from] crate::dialog::DialogError),
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
}
