//! The example corpus (`knowledge/examples/<writer>.tsv`): chat messages labelled with the answer they should get,
//! which the matcher learns from.
//!
//! One message a line, `LABEL<TAB>TEXT`; `#` starts a comment line. Inside TEXT, `\n` is a line break, `\t` a tab
//! and `\\` a backslash, so a forum post (title, then a paragraph) stays on one line. The file name names the
//! writer: the evaluation holds out one writer at a time, because real users are new writers.
//!
//! The dialog's corpus (`knowledge/dialog-examples/<writer>.tsv`) has the same format; its labels are the dialog
//! options a text gives, `STEP=OPTION` pairs separated by spaces (an opening message can answer several steps), or
//! `none`; or, for a reply typed at one step's question, `@STEP=OPTION` (it answers that step) or `@STEP` (it
//! answers nothing: a side question, a question about the question, chatter, another step's answer).

use std::collections::{hash_map::Entry, HashMap};

use serde::Serialize;

use super::load::{Problems, SourceFile};

/// The longest example text, in characters (a forum post with context fits; a pasted log does not).
pub const MAX_EXAMPLE_CHARS: usize = 2_000;

/// The folder of the corpus inside the knowledge directory.
pub const EXAMPLES_DIR: &str = "examples/";

/// The folder of the dialog's corpus: free-text answers labelled with the dialog options they give.
pub const DIALOG_EXAMPLES_DIR: &str = "dialog-examples/";

/// One labelled chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// In the answer corpus: `faq:ID`, `compare:ASPECT`, `framework:ID`, `decide` or `none`. In the dialog's: one
    /// or more `STEP=OPTION` separated by spaces, or `none`.
    pub label: String,
    pub text: String,
    /// The file stem: who wrote it.
    pub writer: String,
}

/// Parses and checks every `*.tsv` file of one corpus (`dir`: [`EXAMPLES_DIR`] or [`DIALOG_EXAMPLES_DIR`]).
/// `known` tells whether a label names something in the knowledge (and, when it does not, the closest label that
/// does).
pub(crate) fn check(
    p: &mut Problems,
    dir: &str,
    files: &[&SourceFile],
    known: &dyn Fn(&str) -> Result<(), String>,
) -> Vec<Example> {
    let mut out = Vec::new();
    // Normalised text -> (label, file index, line) where it was first seen.
    let mut seen: HashMap<String, (&str, usize, usize)> = HashMap::with_capacity(8192);
    for (file_index, file) in files.iter().enumerate() {
        let writer = file.name[dir.len()..].trim_end_matches(".tsv").to_string();
        let mut offset = 0;
        for (n, line) in file.text.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += line.len();
            let line = line.trim_end_matches(['\n', '\r']);
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let Some((label, raw_text)) = line.split_once('\t') else {
                p.at(file, start..start, "expected `LABEL<TAB>TEXT` (no tab on this line)");
                continue;
            };
            let text_at = start + label.len() + 1;
            let mut ok = true;
            if let Err(message) = known(label) {
                p.at(file, start..start, message);
                ok = false;
            }
            let text = match unescape(raw_text) {
                Ok(t) => t,
                Err(col) => {
                    let at = text_at + col;
                    p.at(
                        file,
                        at..at,
                        "unknown escape: use `\\n` for a line break, `\\t` for a tab, `\\\\` for a backslash",
                    );
                    continue;
                }
            };
            let chars = text.chars().count();
            if text.trim().is_empty() {
                p.at(file, text_at..text_at, "empty example text");
                continue;
            }
            if chars > MAX_EXAMPLE_CHARS {
                p.at(
                    file,
                    text_at..text_at,
                    format!("example text is {chars} characters; the limit is {MAX_EXAMPLE_CHARS}"),
                );
                continue;
            }
            // A reply typed at one step (`@STEP=...`) means something only there: "2" or "none" at another step
            // is another example.
            let key = match label.strip_prefix('@') {
                Some(reply) => format!("@{} {}", reply.split('=').next().unwrap_or(reply), dedup_key(&text)),
                None => dedup_key(&text),
            };
            match seen.entry(key) {
                Entry::Occupied(first) => {
                    let (first_label, first_file, first_line) = *first.get();
                    let first_at = format!("{}:{first_line}", files[first_file].name);
                    let message = if first_label == label {
                        format!("duplicate text (first at {first_at})")
                    } else {
                        format!("the same text is labelled `{first_label}` at {first_at} and `{label}` here")
                    };
                    p.at(file, text_at..text_at, message);
                    continue;
                }
                Entry::Vacant(slot) => {
                    slot.insert((label, file_index, n + 1));
                }
            }
            if ok {
                out.push(Example { label: label.to_string(), text, writer: writer.clone() });
            }
        }
    }
    out
}

/// Texts that differ only in case, spacing or trailing punctuation are the same example.
pub fn dedup_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().flat_map(char::to_lowercase));
    }
    let end = key.trim_end_matches(['?', '!', '.', ' ']).len();
    key.truncate(end);
    key
}

/// Decodes `\n`, `\t` and `\\`; on an unknown escape, the byte offset of its backslash.
pub fn unescape(raw: &str) -> Result<String, usize> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, '\\')) => out.push('\\'),
            _ => return Err(i),
        }
    }
    Ok(out)
}

/// The inverse of [`unescape`], for writing example rows.
pub fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n").replace('\t', "\\t").replace('\r', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        for s in ["plain", "title\nbody", "a\tb", "back\\slash \\n literal"] {
            assert_eq!(unescape(&escape(s)).unwrap(), s);
        }
        assert_eq!(unescape("bad \\q"), Err(4));
    }
}
