//! Reading knowledge files and reporting problems by file, line and column.

use std::{fmt, fs, ops::Range, path::Path};

use serde::{de::DeserializeOwned, Serialize};

/// One problem found in the knowledge, positioned in its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    /// 1-based; `None` for problems about a whole file or directory.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(col)) => write!(f, "{}:{line}:{col}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every problem found while loading the knowledge (never only the first).
#[derive(Debug, Clone, thiserror::Error)]
pub struct KnowledgeError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for KnowledgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(f, "{n} problem{} in the knowledge:", if n == 1 { "" } else { "s" })?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

/// One knowledge file's text, named by its path relative to the knowledge root (`faq.toml`, `frameworks/django.toml`).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: name.into(), text: text.into() }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Collects problems; the one place that turns spans into positions.
#[derive(Default)]
pub(crate) struct Problems {
    pub list: Vec<Problem>,
}

impl Problems {
    pub fn at(&mut self, file: &SourceFile, span: Range<usize>, message: impl Into<String>) {
        let (line, col) = file.position(span.start);
        self.list.push(Problem {
            file: file.name.clone(),
            line: Some(line),
            column: Some(col),
            message: message.into(),
        });
    }

    pub fn file(&mut self, file: impl Into<String>, message: impl Into<String>) {
        self.list.push(Problem { file: file.into(), line: None, column: None, message: message.into() });
    }

    /// Parses one file, recording a positioned problem when it is not valid TOML or not of the expected shape.
    pub fn parse<T: DeserializeOwned>(&mut self, file: &SourceFile) -> Option<T> {
        match toml::from_str(&file.text) {
            Ok(v) => Some(v),
            Err(e) => {
                // toml's message can repeat the source excerpt; keep its first line, which names the cause.
                let message = e.message().lines().next().unwrap_or("invalid TOML").trim().to_string();
                match e.span() {
                    Some(span) => self.at(file, span, message),
                    None => self.file(file.name.clone(), message),
                }
                None
            }
        }
    }
}

/// Reads every `*.toml` and `*.tsv` file below `dir`, named relative to it with `/` separators, sorted by name.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, KnowledgeError> {
    let mut files = Vec::new();
    let mut problems = Problems::default();
    if !dir.is_dir() {
        problems.file(dir.display().to_string(), "knowledge directory not found (or not a directory)");
        return Err(KnowledgeError { problems: problems.list });
    }
    walk(dir, dir, &mut files, &mut problems);
    if !problems.list.is_empty() {
        return Err(KnowledgeError { problems: problems.list });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<SourceFile>, problems: &mut Problems) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return problems.file(dir.display().to_string(), format!("cannot read directory: {e}")),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, files, problems);
            continue;
        }
        if path.extension().is_none_or(|e| e != "toml" && e != "tsv") {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let name = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        match fs::read_to_string(&path) {
            Ok(text) => files.push(SourceFile::new(name, text)),
            Err(e) => problems.file(path.display().to_string(), format!("cannot read file: {e}")),
        }
    }
}
