//! The `signpost` binary as a process: `ask`, `compare`, `chat` (scripted through stdin), `check`, `export`.
//! Exit codes: 0 success, 1 invalid knowledge, 2 bad input.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use serde_json::Value;

use crate::contract::ASPECTS;

pub(crate) fn signpost(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

/// Runs the binary with `input` on stdin (closed afterwards, so `chat` ends).
fn signpost_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Written from another thread so a large reply can never block both pipes.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("the binary ends");
    writer.join().unwrap();
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "exit code; stdout:\n{}\nstderr:\n{}", stdout(o), stderr(o));
}

/// Every stdout line as JSON; fails on any line that is not.
#[track_caller]
fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l:?}")))
        .collect()
}

/// The `ask --json` object of PRODUCT.md.
#[track_caller]
fn assert_ask_shape(v: &Value) {
    let kind = v["kind"].as_str().unwrap_or_else(|| panic!("no kind: {v}"));
    let c = v["confidence"].as_f64().unwrap_or_else(|| panic!("no confidence: {v}"));
    assert!((0.0..=1.0).contains(&c), "{v}");
    assert!(v["text"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    assert!(v["suggestions"].as_array().is_some_and(|s| s.iter().all(Value::is_string)), "{v}");
    match kind {
        "faq" | "framework" => assert!(v["id"].is_string(), "{v}"),
        "compare" => {
            assert!(v["aspect"].is_string() || v["aspect"].is_null(), "{v}");
            let fws = v["frameworks"].as_array().unwrap_or_else(|| panic!("no frameworks: {v}"));
            assert_eq!(fws.len(), 2, "{v}");
            assert_ne!(fws[0], fws[1], "{v}");
        }
        "decide" => {}
        "none" => assert!(!v["suggestions"].as_array().unwrap().is_empty(), "{v}"),
        other => panic!("unknown kind {other}: {v}"),
    }
}

// --- ask ---

#[test]
fn ask_json_prints_one_object() {
    let o = signpost(&["ask", "--json", "is flask faster than django"]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "exactly one line: {out}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_ask_shape(&v);
    assert_eq!((v["kind"].as_str(), v["id"].as_str()), (Some("faq"), Some("is-flask-faster")), "{v}");
    assert!(!v["suggestions"].as_array().unwrap().iter().any(|s| s == "is-flask-faster"));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn ask_json_joins_words_and_covers_every_kind() {
    for (args, kind) in [
        (&["ask", "--json", "is", "flask", "faster", "than", "django?"][..], "faq"),
        (&["ask", "--json", "django vs flask orm"][..], "compare"),
        (&["ask", "--json", "what is flask"][..], "framework"),
        (&["ask", "--json", "help me choose a framework for my online shop"][..], "decide"),
        (&["ask", "--json", "laravel vs symfony"][..], "none"),
    ] {
        let o = signpost(args);
        assert_exit(&o, 0);
        let lines = json_lines(&o);
        assert_eq!(lines.len(), 1, "{args:?}");
        assert_ask_shape(&lines[0]);
        assert_eq!(lines[0]["kind"], kind, "{args:?}: {}", lines[0]);
    }
}

#[test]
fn ask_prints_readable_text() {
    let o = signpost(&["ask", "is flask faster than django?"]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.starts_with("# Is Flask faster than Django?"), "{out}");
    assert!(out.contains("confidence"), "{out}");
    assert!(!out.trim_start().starts_with('{'), "{out}");
}

#[test]
fn ask_empty_or_blank_is_a_usage_error() {
    for q in ["", "   ", "\t\n"] {
        let o = signpost(&["ask", q]);
        assert_exit(&o, 2);
        assert!(stdout(&o).is_empty(), "{q:?}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(err.contains("empty"), "{q:?}: {err}");
        assert!(err.lines().count() <= 2, "a short message, not a dump: {err}");
    }
    // No question at all: clap's own usage error, also exit 2.
    let o = signpost(&["ask"]);
    assert_exit(&o, 2);
}

#[test]
fn ask_too_long_is_a_usage_error_naming_the_limit() {
    let q = "django ".repeat(3_000);
    let o = signpost(&["ask", "--json", &q]);
    assert_exit(&o, 2);
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("4000"), "{}", stderr(&o));
}

// --- compare ---

#[test]
fn compare_one_aspect() {
    let o = signpost(&["compare", "django", "flask", "--aspect", "performance"]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    for needle in ["Django", "Flask", "Verdict", "Performance"] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
}

#[test]
fn compare_overview_lists_every_aspect() {
    let o = signpost(&["compare", "django", "flask"]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    for a in ASPECTS {
        assert!(out.contains(&format!("({a})")), "{a} missing from the overview:\n{out}");
    }
}

#[test]
fn compare_json_parses() {
    let o = signpost(&["compare", "Django", "fast api", "--aspect", "async", "--json"]);
    assert_exit(&o, 0);
    let v = &json_lines(&o)[0];
    assert_eq!(v["frameworks"], serde_json::json!(["django", "fastapi"]), "{v}");
    assert_eq!(v["aspect"], "async");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["texts"].as_array().unwrap().len(), 2, "{v}");
    assert!(rows[0]["verdict"].as_str().is_some_and(|s| !s.is_empty()));

    let o = signpost(&["compare", "flask", "django", "--json"]);
    assert_exit(&o, 0);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 1);
    let v = &lines[0];
    assert!(v["aspect"].is_null(), "{v}");
    assert_eq!(v["frameworks"], serde_json::json!(["flask", "django"]));
    let aspects: Vec<&str> = v["rows"].as_array().unwrap().iter().filter_map(|r| r["aspect"].as_str()).collect();
    assert_eq!(aspects, ASPECTS);
}

#[test]
fn compare_typos_get_a_did_you_mean() {
    let o = signpost(&["compare", "djnago", "flask"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("did you mean `django`"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());

    let o = signpost(&["compare", "django", "flsk"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("did you mean `flask`"), "{}", stderr(&o));

    let o = signpost(&["compare", "django", "flask", "--aspect", "perfomance"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("did you mean `performance`"), "{}", stderr(&o));

    let o = signpost(&["compare", "django", "flask", "--aspect", "database"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("did you mean `orm`"), "a keyword names its aspect: {}", stderr(&o));
}

#[test]
fn compare_bad_input_is_a_usage_error() {
    for args in [
        &["compare", "django", "django"][..],
        &["compare", "django", "Django"][..],
        &["compare", "rails", "flask"][..],
        &["compare", "django", "flask", "--aspect", "vibes"][..],
        &["compare", "django"][..],
    ] {
        let o = signpost(args);
        assert_exit(&o, 2);
        assert!(stdout(&o).is_empty(), "{args:?}");
        assert!(!stderr(&o).trim().is_empty(), "{args:?}");
    }
    let o = signpost(&["compare", "django", "django"]);
    assert!(stderr(&o).contains("different"), "{}", stderr(&o));
}

// --- check and export ---

#[test]
fn check_passes_on_the_built_in_knowledge() {
    let o = signpost(&["check"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("OK"), "{}", stdout(&o));
}

#[test]
fn check_fails_on_a_missing_directory() {
    let o = signpost(&["check", "--knowledge", "/nonexistent/signpost-knowledge"]);
    assert_exit(&o, 1);
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(all.contains("/nonexistent/signpost-knowledge"), "names the directory: {all}");
}

#[test]
fn check_passes_on_a_copy_of_the_knowledge_directory() {
    let dir = format!("{}/knowledge", env!("CARGO_MANIFEST_DIR"));
    let o = signpost(&["check", "--knowledge", &dir]);
    assert_exit(&o, 0);
}

#[test]
fn other_commands_with_a_broken_knowledge_directory_exit_1() {
    let o = signpost(&["ask", "--knowledge", "/nonexistent/signpost-knowledge", "what is flask"]);
    assert_exit(&o, 1);
}

#[test]
fn export_json_holds_the_whole_knowledge() {
    let o = signpost(&["export", "--json"]);
    assert_exit(&o, 0);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("export is one JSON document");
    let ids = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap_or_else(|| panic!("no {key}"))
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect()
    };
    let fws = ids("frameworks");
    for f in ["django", "flask", "fastapi"] {
        assert!(fws.contains(&f.to_string()), "{f}");
    }
    assert_eq!(ids("aspects"), ASPECTS);
    let faqs = ids("faqs");
    for id in ["which-is-better", "is-flask-faster", "job-market", "what-about-fastapi"] {
        assert!(faqs.contains(&id.to_string()), "{id}");
    }
    assert!(faqs.len() >= 16);
    let dialog = &v["dialog"];
    assert!(dialog["start"].is_string());
    let steps = dialog["steps"].as_array().unwrap();
    assert!(steps.len() >= 5);
    assert!(steps.iter().all(|s| s["options"].as_array().is_some_and(|o| !o.is_empty())));
    // Which model answers, and from how much: the shipped one for the built-in knowledge.
    assert_eq!(v["model"]["origin"], "shipped");
    assert!(v["model"]["version"].as_str().unwrap().starts_with("softmax-lr-"));
    assert!(v["model"]["corpus_size"].as_u64().unwrap() > 4000);
    assert!(v["examples"].as_u64().unwrap() > 4000);
}

#[test]
fn another_knowledge_directory_trains_its_own_model_with_a_progress_line() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/knowledge/valid");
    let o = signpost(&["ask", "--json", "--knowledge", dir, "is alpha quicker than beta?"]);
    assert_exit(&o, 0);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("training the matcher on"), "{err}");
    assert!(err.contains("trained:"), "{err}");
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["kind"], "faq", "{v}");
}

#[test]
fn a_broken_corpus_is_named_by_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let valid = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/knowledge/valid");
    let status = Command::new("cp").args(["-r", &format!("{valid}/."), tmp.path().to_str().unwrap()]).status();
    assert!(status.unwrap().success());
    std::fs::write(tmp.path().join("examples/writer-c.tsv"), "faq:is-alpha-fastr\tquick?\n").unwrap();
    let o = signpost(&["ask", "--knowledge", tmp.path().to_str().unwrap(), "alpha?"]);
    assert_exit(&o, 1);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "examples/writer-c.tsv:1:1: unknown label `faq:is-alpha-fastr` (did you mean `faq:is-alpha-faster`?)"
        ),
        "{err}"
    );
}

// --- chat ---

/// The kinds of a chat session's JSON lines.
fn kinds(lines: &[Value]) -> Vec<String> {
    lines.iter().map(|l| l["kind"].as_str().unwrap_or("?").to_string()).collect()
}

#[test]
fn chat_json_answers_a_question_with_one_ask_object() {
    let o = signpost_with_stdin(&["chat", "--json"], b"is flask faster than django?\n");
    assert_exit(&o, 0);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_ask_shape(&lines[0]);
    assert_eq!(lines[0]["id"], "is-flask-faster");
}

#[test]
fn chat_json_runs_a_whole_decision() {
    let script = [
        "decide",                                               // -> project
        "2",                                                    // json-api -> size (rendering skipped)
        "MEDIUM: A REAL PRODUCT WITH STEADY, MODERATE TRAFFIC", // label, other case -> builtins
        "is flask faster than django?",                         // answered, builtins asked again
        "we just need login and a database layer",              // free text: some -> realtime
        "purple elephant banana",                               // not an answer: realtime again
        "back",                                                 // -> builtins
        "restart",                                              // -> project
        "1",                                                    // content-site -> rendering
        "Server-rendered HTML pages throughout",                // label -> size
        "3",                                                    // large-codebase -> builtins
        "batteries included please, everything",                // most -> realtime
        "nope, plain request response",                         // none -> team
        "we already know django",                               // knows-django -> timeline
        "long-lived",                                           // id -> control
        "convention",                                           // id -> verdict
    ];
    let input = script.join("\n") + "\n";
    let o = signpost_with_stdin(&["chat", "--json"], input.as_bytes());
    assert_exit(&o, 0);
    let lines = json_lines(&o);
    let steps: Vec<String> = lines
        .iter()
        .map(|l| match l["kind"].as_str() {
            Some("question") => format!("q:{}", l["step"].as_str().unwrap()),
            Some(k) => k.to_string(),
            None => panic!("no kind: {l}"),
        })
        .collect();
    assert_eq!(
        steps,
        [
            "q:project",
            "q:size",
            "q:builtins",
            "q:builtins",
            "q:realtime",
            "q:realtime",
            "q:builtins",
            "q:project",
            "q:rendering",
            "q:size",
            "q:builtins",
            "q:realtime",
            "q:team",
            "q:timeline",
            "q:control",
            "verdict"
        ],
        "{lines:#?}"
    );
    for l in lines.iter().filter(|l| l["kind"] == "question") {
        assert!(l["text"].as_str().is_some_and(|t| !t.is_empty()), "{l}");
        let options = l["options"].as_array().unwrap();
        assert!(options.len() >= 2);
        assert!(options.iter().all(|o| o["id"].is_string() && o["label"].is_string()), "{l}");
    }
    // One object per input line: the side question is answered in `aside` on the question asked again.
    assert_eq!(lines.len(), script.len(), "{lines:#?}");
    assert_eq!(lines[3]["aside"]["id"], "is-flask-faster", "{}", lines[3]);
    // The repeated questions say why they are asked again, and nothing was recorded for them.
    assert!(lines[3]["notice"].is_string(), "{}", lines[3]);
    assert!(lines[5]["notice"].is_string(), "{}", lines[5]);
    assert_eq!(lines[5]["answers"], lines[4]["answers"], "not an answer records nothing");
    // Every question carries the answers so far, with how each was given.
    let how = |l: &Value| -> Vec<(String, String)> {
        l["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["step"].as_str().unwrap().to_string(), a["how"].as_str().unwrap().to_string()))
            .collect()
    };
    assert_eq!(
        how(&lines[5]),
        [("project", "chosen"), ("size", "chosen"), ("builtins", "typed")].map(|(s, h)| (s.into(), h.into())),
        "{}",
        lines[5]
    );

    let v = lines.last().unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in ["kind", "recommendation", "confidence", "scores", "reasons", "flip", "runner_up", "tie", "answers"] {
        assert!(keys.contains(&k), "verdict lacks {k}: {v}");
    }
    assert_eq!(v["recommendation"], "django", "{v}");
    let c = v["confidence"].as_f64().unwrap();
    assert!(c > 0.0 && c <= 1.0, "{v}");
    let scores = v["scores"].as_object().unwrap();
    assert_eq!(scores.keys().map(String::as_str).collect::<Vec<_>>(), ["django", "fastapi", "flask"], "{v}");
    assert!(scores.values().all(Value::is_i64));
    let reasons = v["reasons"].as_array().unwrap();
    let unused = v["unused"].as_array().unwrap();
    assert_eq!(reasons.len() + unused.len(), 8, "one reason per answer after the restart: {v}");
    assert!(reasons.iter().all(|r| r["reason"].as_str().is_some_and(|s| !s.is_empty())));
    assert!(v["flip"].is_null() || v["flip"]["recommendation"].is_string(), "{v}");
    assert_eq!(v["answers"].as_array().unwrap().len(), 8, "{v}");
    assert!(v["runner_up"].is_string() && v["runner_up"] != v["recommendation"], "{v}");
    assert_eq!(v["tie"], false, "{v}");
}

#[test]
fn chat_json_cancel_mid_dialog() {
    let o = signpost_with_stdin(&["chat", "--json"], b"decide\n1\ncancel\nwhat is flask\n2\n");
    assert_exit(&o, 0);
    let lines = json_lines(&o);
    let k = kinds(&lines);
    assert_eq!(k[..4], ["question", "question", "cancelled", "framework"], "{lines:#?}");
    // After the cancel, "2" is a question like any other, not an answer to a dialog step.
    assert_ne!(k[4], "question", "{lines:#?}");
    assert_eq!(lines.len(), 5);
}

#[test]
fn chat_json_a_recommendation_request_starts_the_dialog() {
    let o = signpost_with_stdin(&["chat", "--json"], b"which framework should i use for my online shop?\n");
    assert_exit(&o, 0);
    let lines = json_lines(&o);
    assert_eq!(kinds(&lines), ["question"], "one object for the line: {lines:#?}");
    assert_eq!(lines[0]["aside"]["kind"], "decide", "the request's answer rides along: {lines:#?}");
    // The shop is taken from the message (and shown as assumed): the dialog goes on past the project.
    assert_eq!(lines[0]["step"], "rendering", "{lines:#?}");
    assert_eq!(lines[0]["assumed"][0]["step"], "project");
    assert_eq!(lines[0]["assumed"][0]["option"], "ecommerce");
    assert_eq!(lines[0]["answers"][0], serde_json::json!({"step": "project", "option": "ecommerce", "how": "assumed"}));
}

#[test]
fn chat_json_bad_lines_get_an_error_object_and_the_session_goes_on() {
    let long = "x".repeat(5_000);
    let input = format!("\n   \n{long}\nwhat is django\n");
    let o = signpost_with_stdin(&["chat", "--json"], input.as_bytes());
    assert_exit(&o, 0);
    let lines = json_lines(&o);
    assert_eq!(kinds(&lines), ["error", "framework"], "blank lines are skipped: {lines:#?}");
    assert!(lines[0]["message"].as_str().is_some_and(|m| m.contains("4000")), "{}", lines[0]);
}

#[test]
fn chat_survives_invalid_utf8() {
    let mut input = b"is flask faster than django?\n".to_vec();
    input.extend_from_slice(b"caf\xe9 \xff\xfe django?\n");
    input.extend_from_slice(b"what is django\n");
    let o = signpost_with_stdin(&["chat", "--json"], &input);
    assert_exit(&o, 0);
    let lines = json_lines(&o);
    assert_eq!(kinds(&lines), ["faq", "error", "framework"], "{lines:#?}");
    assert!(lines[1]["message"].as_str().is_some_and(|m| m.contains("UTF-8")), "{}", lines[1]);

    // The same in text mode.
    let o = signpost_with_stdin(&["chat"], &input);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("UTF-8"), "{out}");
    assert!(out.contains("# Django"), "the line after the bad one is answered: {out}");
}

#[test]
fn chat_without_json_prints_readable_text() {
    let o = signpost_with_stdin(&["chat"], b"is flask faster than django?\ndecide\n2\ncancel\n");
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("# Is Flask faster than Django?"), "{out}");
    assert!(out.contains("Q1 of up to 8. What are you building?"), "{out}");
    assert!(out.contains("  1. "), "numbered options: {out}");
    // The JSON API path skips the rendering question: seven in all.
    assert!(out.contains("Q2 of 7. "), "{out}");
    assert!(out.to_lowercase().contains("cancelled"), "{out}");
    assert!(!out.lines().any(|l| l.trim_start().starts_with('{')), "no JSON in text mode: {out}");
    assert!(!out.lines().any(|l| l.starts_with("> ")), "no prompt when stdin is not a terminal: {out}");
}

#[test]
fn chat_text_verdict_explains_itself() {
    let o = signpost_with_stdin(&["chat"], b"decide\n1\n1\n1\n1\n1\n1\n1\n1\n");
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("Verdict: Django"), "{out}");
    assert!(out.contains("Why:"), "{out}");
    assert!(out.contains("What would change it"), "{out}");
}

#[test]
fn chat_ends_cleanly_on_empty_stdin() {
    let o = signpost_with_stdin(&["chat", "--json"], b"");
    assert_exit(&o, 0);
    assert!(stdout(&o).is_empty());
}

/// `signpost export --json | head -1`: the reader goes away early; the command ends quietly, without a panic.
#[test]
fn a_closed_stdout_ends_the_output_quietly() {
    use std::{
        io::Read,
        process::{Command, Stdio},
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(["export", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Read one byte, then close the pipe, as `head -c1` would.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
}

/// A conversation in `chat --json`: follow-ups continue the previous answer (its frameworks included), small talk
/// is answered as such, a question back takes its choice by number, and `ask` has no memory.
#[test]
fn chat_remembers_the_conversation() {
    let input = "django vs fastapi\nand security?\nwhy?\nthanks!\nwhat about flask?\nflask or django, maybe?\n1\nis fastapi slower than flask?\nwhat is django\n";
    let o = signpost_with_stdin(&["chat", "--json"], input.as_bytes());
    assert_exit(&o, 0);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 9, "one object per input line: {lines:#?}");
    let fws = |v: &Value| -> Vec<String> {
        v["frameworks"].as_array().expect("frameworks").iter().map(|f| f.as_str().unwrap().to_string()).collect()
    };
    assert_eq!((lines[0]["kind"].as_str(), lines[0]["id"].as_str()), (Some("faq"), Some("django-vs-fastapi")));
    // An aspect alone: the same frameworks on security.
    assert_eq!((lines[1]["kind"].as_str(), lines[1]["aspect"].as_str()), (Some("compare"), Some("security")));
    assert_eq!(fws(&lines[1]), ["django", "fastapi"]);
    // "why?": the same answer again, with its sources.
    assert_eq!(lines[2]["aspect"], lines[1]["aspect"]);
    assert_eq!(fws(&lines[2]), ["django", "fastapi"]);
    assert!(lines[2]["text"].as_str().unwrap().contains("Sources:"), "{}", lines[2]["text"]);
    assert_eq!((lines[3]["kind"].as_str(), lines[3]["id"].as_str()), (Some("smalltalk"), Some("thanks")));
    // Small talk keeps the topic: a framework alone joins the comparison.
    assert_eq!(lines[4]["aspect"].as_str(), Some("security"));
    assert_eq!(fws(&lines[4]), ["django", "fastapi", "flask"]);
    // Doubt: a question back, then its first choice by number.
    assert_eq!(lines[5]["kind"].as_str(), Some("clarify"), "{}", lines[5]);
    let first = lines[5]["choices"][0].as_str().expect("a choice").to_string();
    let picked = match (lines[6]["kind"].as_str(), lines[6]["id"].as_str(), lines[6]["aspect"].as_str()) {
        (Some("faq"), Some(id), _) => id.to_string(),
        (Some("compare"), _, Some(a)) => format!("compare:{a}"),
        (Some(kind), Some(id), _) => format!("{kind}:{id}"),
        other => panic!("{other:?}"),
    };
    assert_eq!(picked, first);
    // A question of its own starts afresh, about the frameworks it names.
    assert_eq!((lines[7]["kind"].as_str(), lines[7]["aspect"].as_str()), (Some("compare"), Some("performance")));
    assert_eq!(fws(&lines[7]), ["fastapi", "flask"]);
    assert_eq!((lines[8]["kind"].as_str(), lines[8]["id"].as_str()), (Some("framework"), Some("django")));

    // `ask` has no memory: "and security?" alone is not a comparison of anything asked before.
    let o = signpost(&["ask", "--json", "and security?"]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_ne!(fws(&v), ["django", "fastapi"]);
}
