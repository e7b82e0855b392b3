//! The knowledge loader and validator: `signpost check` on broken fixtures (snapshot per validation rule), the
//! valid fixture, the built-in knowledge and its stable ids, and the library API.
//!
//! Fixtures live in `tests/fixtures/knowledge/`: `valid/` is a small complete knowledge directory, and each
//! `broken/<case>/` holds only what differs from it (files overlaid on a copy of `valid/`, an optional `DELETE`
//! listing relative paths to remove) plus `expected.txt`, the exact stdout of `signpost check --knowledge <copy>`
//! with the copy's path written as `$DIR`. `SNAPSHOTS=overwrite cargo test --test it knowledge` rewrites the
//! snapshots; read every changed one before committing it.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use signpost::knowledge::{KnowledgeBase, SourceFile};

/// Cases whose problems concern a whole file, so their snapshots hold no `:line:col:` position.
const WHOLE_FILE_CASES: &[&str] = &["missing-file", "not-utf8", "unexpected-file"];

/// Cases the library API cannot express: [`SourceFile`] holds text, so a file that is not UTF-8 fails only on disk.
const CLI_ONLY_CASES: &[&str] = &["not-utf8"];

/// Every broken case the suite expects on disk: one per validation rule, plus `many-problems`.
const CASES: &[&str] = &[
    "answer-renders-too-long",
    "answer-too-long",
    "aspect-missing-framework-text",
    "aspect-text-unknown-framework",
    "bad-link-url",
    "dialog-cycle",
    "dialog-examples-step-twice",
    "dialog-examples-two-labels",
    "dialog-examples-unknown-option",
    "dialog-unknown-next",
    "dialog-unknown-start",
    "dialog-unreachable-step",
    "duplicate-faq-id",
    "duplicate-phrasing",
    "duplicate-step-id",
    "empty-answer",
    "examples-bad-line",
    "examples-duplicate-text",
    "examples-empty-text",
    "examples-oversized-text",
    "examples-two-labels",
    "examples-unknown-label",
    "framework-file-name-mismatch",
    "invalid-id",
    "label-too-long",
    "many-problems",
    "missing-field",
    "missing-file",
    "missing-weight",
    "not-utf8",
    "related-self",
    "related-unknown-faq",
    "toml-syntax-error",
    "too-few-options",
    "too-many-options",
    "unexpected-file",
    "unknown-field",
    "weight-out-of-range",
    "weight-unknown-framework",
    "wrong-type",
];

/// Files in a case directory that are not overlaid on the copy of `valid/`.
const CASE_CONTROL_FILES: &[&str] = &["expected.txt", "DELETE"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/knowledge")
}

fn valid_dir() -> PathBuf {
    fixtures().join("valid")
}

fn broken_dir() -> PathBuf {
    fixtures().join("broken")
}

fn overwrite_snapshots() -> bool {
    std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite")
}

fn signpost(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("the signpost binary runs")
}

fn check(dir: &Path) -> Output {
    signpost(&["check", "--today", "2026-11-26", "--knowledge", dir.to_str().expect("UTF-8 path")])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// Every file below `dir`, as paths relative to it with `/` separators, sorted.
fn files_below(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("below root");
                let rel: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                out.push(rel.join("/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The files a case overlays on `valid/` (relative paths), and the paths its `DELETE` removes.
fn case_changes(case: &Path) -> (Vec<String>, Vec<String>) {
    let overlay = files_below(case).into_iter().filter(|f| !CASE_CONTROL_FILES.contains(&f.as_str())).collect();
    let delete = match fs::read_to_string(case.join("DELETE")) {
        Ok(s) => s.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect(),
        Err(_) => Vec::new(),
    };
    (overlay, delete)
}

/// A temporary copy of `valid/` with the case applied.
fn materialize(case: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    let valid = valid_dir();
    for rel in files_below(&valid) {
        let dest = tmp.path().join(&rel);
        fs::create_dir_all(dest.parent().expect("parent")).expect("create dir");
        fs::copy(valid.join(&rel), &dest).expect("copy valid file");
    }
    let (overlay, delete) = case_changes(case);
    for rel in overlay {
        let dest = tmp.path().join(&rel);
        fs::create_dir_all(dest.parent().expect("parent")).expect("create dir");
        fs::copy(case.join(&rel), &dest).expect("copy overlay file");
    }
    for rel in delete {
        let path = tmp.path().join(&rel);
        assert!(path.exists(), "{}: DELETE lists `{rel}`, which valid/ does not have", case.display());
        if path.is_dir() {
            fs::remove_dir_all(&path).expect("delete dir");
        } else {
            fs::remove_file(&path).expect("delete file");
        }
    }
    tmp
}

/// The same knowledge as `materialize`, in memory, for the library API.
fn case_sources(case: &Path) -> Vec<SourceFile> {
    let (overlay, delete) = case_changes(case);
    let mut files: Vec<(String, PathBuf)> = files_below(&valid_dir())
        .into_iter()
        .filter(|f| !delete.contains(f))
        .map(|f| (f.clone(), valid_dir().join(f)))
        .collect();
    for rel in overlay {
        files.retain(|(name, _)| *name != rel);
        files.push((rel.clone(), case.join(&rel)));
    }
    files.sort();
    files
        .into_iter()
        .filter(|(name, _)| name.ends_with(".toml") || name.ends_with(".tsv"))
        .map(|(name, path)| SourceFile::new(name, fs::read_to_string(path).expect("read fixture")))
        .collect()
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(broken_dir())
        .expect("tests/fixtures/knowledge/broken exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn case_name(case: &Path) -> &str {
    case.file_name().and_then(|n| n.to_str()).expect("case directory name")
}

/// `$DIR/file:line:col: message`: the problem names a place in a file.
fn is_positioned(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("$DIR/") else { return false };
    let mut parts = rest.splitn(4, ':');
    let (_file, line_no, col, message) = (parts.next(), parts.next(), parts.next(), parts.next());
    let number = |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    number(line_no) && number(col) && message.is_some_and(|m| m.starts_with(' '))
}

#[test]
fn every_broken_case_matches_its_snapshot() {
    let overwrite = overwrite_snapshots();
    let mut failures = Vec::new();
    let dirs = case_dirs();

    let on_disk: BTreeSet<&str> = dirs.iter().map(|d| case_name(d)).collect();
    let listed: BTreeSet<&str> = CASES.iter().copied().collect();
    for missing in listed.difference(&on_disk) {
        failures.push(format!("{missing}: listed in CASES but has no directory under broken/"));
    }
    for extra in on_disk.difference(&listed) {
        failures.push(format!("{extra}: directory under broken/ not listed in CASES"));
    }

    for case in &dirs {
        let name = case_name(case);
        let (overlay, delete) = case_changes(case);
        if overlay.is_empty() && delete.is_empty() {
            failures.push(format!("{name}: changes nothing (no overlay file, no DELETE)"));
            continue;
        }

        let tmp = materialize(case);
        let dir = tmp.path().to_str().expect("UTF-8 temp path");
        let out = check(tmp.path());
        let stdout = text(&out.stdout).replace(dir, "$DIR");
        let stderr = text(&out.stderr).replace(dir, "$DIR");

        if out.status.code() != Some(1) {
            failures
                .push(format!("{name}: exit code {:?}, want 1\nstdout:\n{stdout}stderr:\n{stderr}", out.status.code()));
            continue;
        }
        let n = stdout.lines().count();
        let want_stderr = format!("error: $DIR: {n} problem{}\n", if n == 1 { "" } else { "s" });
        if stderr != want_stderr {
            failures.push(format!("{name}: stderr is {stderr:?}, want {want_stderr:?}"));
        }
        let positioned = stdout.lines().filter(|l| is_positioned(l)).count();
        if WHOLE_FILE_CASES.contains(&name) {
            if positioned != 0 {
                failures.push(format!("{name}: a whole-file case, yet its output names a line:\n{stdout}"));
            }
        } else if positioned == 0 {
            failures.push(format!("{name}: no problem names a file:line:col:\n{stdout}"));
        }

        let snapshot = case.join("expected.txt");
        if overwrite {
            fs::write(&snapshot, &stdout).expect("write expected.txt");
            continue;
        }
        match fs::read_to_string(&snapshot) {
            Ok(expected) if expected == stdout => {}
            Ok(expected) => failures.push(format!(
                "{name}: stdout differs from expected.txt\n--- expected\n{expected}+++ actual\n{stdout}"
            )),
            Err(e) => failures.push(format!("{name}: cannot read expected.txt ({e}); run with SNAPSHOTS=overwrite")),
        }
    }

    assert!(failures.is_empty(), "{} knowledge case(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn many_problems_are_all_listed_across_files() {
    // `check` must not stop at the first problem, nor at the first broken file (lexicon.toml does not parse).
    let expected = fs::read_to_string(broken_dir().join("many-problems/expected.txt")).expect("snapshot");
    let files: BTreeSet<&str> =
        expected.lines().filter_map(|l| l.strip_prefix("$DIR/")).filter_map(|l| l.split(':').next()).collect();
    assert!(expected.lines().count() >= 6, "{expected}");
    for file in ["frameworks/beta.toml", "aspects.toml", "faq.toml", "dialog.toml", "lexicon.toml"] {
        assert!(files.contains(file), "many-problems names no problem in {file}:\n{expected}");
    }
}

#[test]
fn valid_fixture_passes_check() {
    let dir = valid_dir();
    let out = check(&dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}stderr:\n{}", text(&out.stderr));
    assert_eq!(stdout, format!("{}: OK (2 frameworks, 2 aspects, 3 FAQ entries, 3 dialog steps)\n", dir.display()));
    assert_eq!(text(&out.stderr), "");

    let kb = KnowledgeBase::load(&dir).expect("valid/ loads through the library");
    let step = kb.step("kind").expect("step kind");
    let api = step.options.iter().find(|o| o.id == "api").expect("option api");
    let site = step.options.iter().find(|o| o.id == "site").expect("option site");
    assert_eq!(step.next_after(api), Some("async"), "an option's own next wins");
    assert_eq!(step.next_after(site), Some("size"), "otherwise the step's next applies");
}

/// The stable FAQ ids of PRODUCT.md and their canonical questions.
const CONTRACT_FAQS: &[(&str, &str)] = &[
    ("which-is-better", "Which is better, Django or Flask?"),
    ("django-can-flask-cannot", "What can Django do that Flask cannot?"),
    ("companies-using-flask", "Which big companies use Flask?"),
    ("companies-using-django", "Do any big companies use Django?"),
    ("is-flask-better", "Is Flask better than Django?"),
    ("is-flask-faster", "Is Flask faster than Django?"),
    ("is-flask-lighter", "Is Flask lighter than Django?"),
    ("django-for-large-projects", "Is Django better than Flask for large projects?"),
    ("combine-flask-django", "Can you combine Flask and Django?"),
    ("switch-flask-to-django", "Should I switch from Flask to Django?"),
    ("when-flask-over-django", "When should I use Flask over Django?"),
    ("machine-learning", "Is Django or Flask better for machine learning?"),
    ("beginners", "Which should a beginner learn first?"),
    ("what-about-fastapi", "What about FastAPI?"),
    ("microservices", "Which is better for microservices?"),
    ("job-market", "Which one is more in demand for jobs?"),
];

use crate::contract::ASPECTS as CONTRACT_ASPECTS;

#[test]
fn embedded_knowledge_holds_the_product_contract() {
    let kb = KnowledgeBase::embedded().unwrap_or_else(|e| panic!("built-in knowledge must load: {e}"));
    let mut missing = Vec::new();

    for id in ["django", "flask", "fastapi"] {
        if kb.framework(id).is_none() {
            missing.push(format!("framework `{id}`"));
        }
    }
    assert_eq!(CONTRACT_ASPECTS.len(), 17);
    for id in CONTRACT_ASPECTS {
        if kb.aspect(id).is_none() {
            missing.push(format!("aspect `{id}`"));
        }
    }
    assert_eq!(CONTRACT_FAQS.len(), 16);
    for (id, question) in CONTRACT_FAQS {
        match kb.faq(id) {
            None => missing.push(format!("FAQ `{id}`")),
            Some(faq) if faq.question != *question => {
                missing.push(format!("FAQ `{id}` asks {:?}, the contract says {question:?}", faq.question))
            }
            Some(_) => {}
        }
    }
    for faq in &kb.faqs {
        let n = faq.answer.chars().count();
        if !(400..=2500).contains(&n) {
            missing.push(format!("FAQ `{}`: answer is {n} characters, want 400 to 2,500", faq.id));
        }
    }
    if kb.dialog.steps.len() < 6 {
        missing.push(format!("dialog has {} steps, want at least 6", kb.dialog.steps.len()));
    }
    assert!(missing.is_empty(), "built-in knowledge breaks the product contract:\n  {}", missing.join("\n  "));
}

#[test]
fn repository_knowledge_passes_check() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let out = check(&dir);
    assert_eq!(out.status.code(), Some(0), "stdout:\n{}stderr:\n{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains(": OK ("), "{}", text(&out.stdout));

    // And the built-in copy (no --knowledge) agrees.
    let out = signpost(&["check"]);
    assert_eq!(out.status.code(), Some(0), "stdout:\n{}stderr:\n{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).starts_with("built-in knowledge: OK ("), "{}", text(&out.stdout));
}

#[test]
fn missing_knowledge_directory_is_named() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for path in [tmp.path().join("nonexistent"), {
        let file = tmp.path().join("not-a-dir.toml");
        fs::write(&file, "").expect("write file");
        file
    }] {
        let shown = path.display().to_string();
        let out = check(&path);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{shown}: stdout:\n{stdout}stderr:\n{stderr}");
        assert_eq!(stdout, format!("{shown}: knowledge directory not found (or not a directory)\n"));
        assert_eq!(stderr, format!("error: {shown}: 1 problem\n"));
    }
}

#[test]
fn library_reports_the_same_problem_as_the_cli() {
    let case = broken_dir().join("duplicate-faq-id");
    let err = KnowledgeBase::from_sources(&case_sources(&case)).expect_err("a duplicate FAQ id is rejected");
    assert_eq!(err.problems.len(), 1, "{err}");
    let p = &err.problems[0];
    assert_eq!(p.file, "faq.toml");
    assert_eq!((p.line, p.column), (Some(19), Some(6)));
    assert_eq!(p.message, "duplicate FAQ id `is-alpha-faster`");

    let expected = fs::read_to_string(case.join("expected.txt")).expect("snapshot");
    assert_eq!(expected, format!("$DIR/{p}\n"), "the CLI prints the library's Problem, path prefixed");
}

#[test]
fn library_and_cli_agree_on_every_case() {
    // from_sources names files relative to the knowledge root; load() and the CLI prefix the directory.
    let mut failures = Vec::new();
    for case in case_dirs() {
        if CLI_ONLY_CASES.contains(&case_name(&case)) {
            continue;
        }
        let Ok(expected) = fs::read_to_string(case.join("expected.txt")) else { continue };
        let got = match KnowledgeBase::from_sources(&case_sources(&case)) {
            Ok(_) => String::from("(loaded without problems)\n"),
            Err(e) => e.problems.iter().map(|p| format!("$DIR/{p}\n")).collect(),
        };
        if got != expected {
            failures.push(format!("{}:\n--- CLI (expected.txt)\n{expected}+++ library\n{got}", case_name(&case)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
