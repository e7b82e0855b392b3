//! Sources with every answer (`ask` text and JSON, `chat`), and review dates (`check` warnings, `--strict`).

use std::{
    fs,
    path::Path,
    process::{Command, Stdio},
};

use serde_json::Value;
use signpost::knowledge::{Date, KnowledgeBase};

use crate::cli::signpost;

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).expect("UTF-8")
}

/// Compares `actual` with `tests/it/snapshots/<name>`; `SNAPSHOTS=overwrite` rewrites the file.
#[track_caller]
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots").join(name);
    if std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite") {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}; run with SNAPSHOTS=overwrite", path.display()));
    assert!(expected == actual, "{name} differs\n--- expected\n{expected}\n+++ actual\n{actual}");
}

#[test]
fn ask_shows_the_sources_of_an_answer_in_the_terminal() {
    let o = signpost(&["ask", "is flask faster than django?"]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert!(out.contains("\nSources: "), "{out}");
    assert_snapshot("ask-is-flask-faster.txt", &out);
}

#[test]
fn ask_json_keeps_its_keys_and_adds_a_sources_array() {
    let o = signpost(&["ask", "--json", "is flask faster than django?"]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    for key in ["kind", "id", "confidence", "text", "suggestions"] {
        assert!(v.get(key).is_some(), "{key} in {v}");
    }
    let sources = v["sources"].as_array().expect("a sources array");
    assert!(!sources.is_empty(), "{v}");
    for s in sources {
        assert!(s["title"].as_str().is_some_and(|t| !t.is_empty()), "{s}");
        assert!(s["url"].as_str().is_some_and(|u| u.starts_with("https://")), "{s}");
    }

    // An answer without sources still has the key, empty.
    let o = signpost(&["ask", "--json", "how do i fix no such table after migrate"]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert_eq!(v["kind"], "none");
    assert_eq!(v["sources"], serde_json::json!([]));
}

#[test]
fn chat_shows_sources_too() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(["chat"])
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("chat starts");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"what about quart?\n").unwrap();
    }
    let out = text(&child.wait_with_output().unwrap().stdout);
    assert!(out.contains("Sources: ") && out.contains("(https://"), "{out}");
}

/// A copy of the valid fixture with `faq.toml` edited by `edit`.
fn fixture_with(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let valid = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/knowledge/valid");
    fs::create_dir_all(tmp.path().join("frameworks")).unwrap();
    for name in
        ["aspects.toml", "dialog.toml", "faq.toml", "lexicon.toml", "frameworks/alpha.toml", "frameworks/beta.toml"]
    {
        let mut s = fs::read_to_string(valid.join(name)).unwrap();
        if name == "faq.toml" {
            s = edit(s);
        }
        fs::write(tmp.path().join(name), s).unwrap();
    }
    tmp
}

#[test]
fn check_warns_about_entries_not_reviewed_for_a_year_and_strict_fails() {
    let tmp = fixture_with(|s| s.replacen("reviewed = 2026-11-26", "reviewed = 2025-11-25", 1));
    let dir = tmp.path().to_str().unwrap();
    let o = signpost(&["check", "--today", "2026-11-26", "--knowledge", dir]);
    assert_eq!(o.status.code(), Some(0), "warnings do not fail check");
    let out = text(&o.stdout).replace(dir, "$DIR");
    assert_eq!(
        out,
        "$DIR: OK (2 frameworks, 2 aspects, 3 FAQ entries, 3 dialog steps)\n\
         warning: $DIR/faq.toml:5:12: FAQ `which-is-better` was last reviewed 2025-11-25, more than 12 months ago\n"
    );

    let o = signpost(&["check", "--strict", "--today", "2026-11-26", "--knowledge", dir]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stdout).replace(dir, "$DIR"),
        "$DIR/faq.toml:5:12: FAQ `which-is-better` was last reviewed 2025-11-25, more than 12 months ago\n"
    );
    assert!(text(&o.stderr).contains("1 entry not reviewed for 12 months"), "{}", text(&o.stderr));

    // A day later than the cutoff is still fresh.
    let o = signpost(&["check", "--strict", "--today", "2026-11-25", "--knowledge", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
}

#[test]
fn an_entry_without_a_review_date_is_a_warning_at_its_id() {
    let tmp = fixture_with(|s| s.replacen("reviewed = 2026-11-26\n", "", 1));
    let kb = KnowledgeBase::load(tmp.path()).expect("still valid");
    let today: Date = "2026-11-26".parse().unwrap();
    let stale = kb.stale(today);
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!((stale[0].line, stale[0].column), (Some(4), Some(6)));
    assert!(stale[0].message.contains("has no `reviewed` date"), "{}", stale[0].message);
}

#[test]
fn a_review_date_with_a_time_or_a_bad_source_url_is_an_error_with_its_position() {
    let tmp = fixture_with(|s| {
        s.replacen("reviewed = 2026-11-26", "reviewed = 2026-11-26T10:00:00", 1).replacen(
            "related = [\"which-is-better\"]",
            "related = [\"which-is-better\"]\nsources = [{ title = \"Docs\", url = \"http://example.org\" }]",
            1,
        )
    });
    let dir = tmp.path().to_str().unwrap();
    let o = signpost(&["check", "--knowledge", dir]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout).replace(dir, "$DIR");
    assert!(out.contains("$DIR/faq.toml:5:12: reviewed `2026-11-26T10:00:00` must be a date"), "{out}");
    assert!(out.contains("source `http://example.org` must be an https:// URL"), "{out}");
}

#[test]
fn dates_parse_order_and_step_back_a_year() {
    let d: Date = "2028-02-29".parse().unwrap();
    assert_eq!(d.year_before().to_string(), "2027-02-28");
    assert!("2026-02-30".parse::<Date>().is_err());
    assert!("26-11-2026".parse::<Date>().is_err());
    assert!("2025-11-25".parse::<Date>().unwrap() < "2025-11-26".parse::<Date>().unwrap());
    assert!(Date::today() > "2026-01-01".parse::<Date>().unwrap());
}
