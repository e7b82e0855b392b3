//! How well a new help-forum post finds the earlier post about the same question (`learn::posts::similar`, as the
//! bot's first reply to a post uses it), and how often it offers a post when none matches.
//!
//! `cargo run --release --example similar_posts [DIR]` (default `tests/eval/similar-posts`). The set: writers who
//! never saw the project, each writing one forum post (title and body) for the same 130 situations of
//! `situations.tsv`, in their own voice, never seeing each other's lines, plus 40 posts of their own about
//! other problems (`posts-<writer>.tsv`: `ID<TAB>TITLE<TAB>BODY`, unrelated ids not starting with `s`).
//!
//! For every ordered pair of writers (A, B): A's 170 posts are the forum's earlier posts; each of B's 130 situation
//! posts is a new post whose true earlier post is A's post of the same situation, and each of B's 40 own posts is a
//! new post with no earlier match. Reported: the share of matched posts whose true post is among the three shown
//! (target >= 80%), the share of unmatched posts shown any post (target <= 10%), and the search time per post as
//! the index grows (the latency target: p99 <= 1 ms with 50,000 posts in one forum).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::Instant,
};

use signpost::{
    learn::{posts, Post},
    Engine,
};

struct Written {
    id: String,
    title: String,
    body: String,
}

fn read(path: &Path) -> Vec<Written> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut f = l.split('\t');
            let id = f.next().unwrap_or_default().to_string();
            let title = f.next().unwrap_or_default().to_string();
            let body = f.next().unwrap_or_default().replace("\\n", "\n");
            Written { id, title, body }
        })
        .collect()
}

fn main() {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("tests/eval/similar-posts"));
    let engine = Engine::load(None).expect("built-in knowledge");
    let mut writers: BTreeMap<String, Vec<Written>> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if let Some(writer) = name.strip_prefix("posts-").and_then(|n| n.strip_suffix(".tsv")) {
            writers.insert(writer.to_string(), read(&path));
        }
    }
    assert!(writers.len() >= 2, "at least two writers' posts-*.tsv in {}", dir.display());
    let (mut found, mut matched, mut false_shown, mut unmatched, mut wrong_first) = (0, 0, 0, 0, 0);
    let mut per_pair = Vec::new();
    for (a, earlier) in &writers {
        // The forum: A's posts, thread ids in order.
        let index: Vec<Post> =
            earlier.iter().enumerate().map(|(i, w)| Post::new(1, 1, i as u64 + 1, &w.title, &w.body, 0)).collect();
        let thread_of: BTreeMap<&str, u64> =
            earlier.iter().zip(&index).map(|(w, p)| (w.id.as_str(), p.thread)).collect();
        for (b, new) in writers.iter().filter(|(b, _)| *b != a) {
            let (mut f, mut m, mut fs, mut u) = (0, 0, 0, 0);
            for w in new {
                let shown = posts::similar(engine.matcher(), &w.title, 1, 0, &index, 3);
                match thread_of.get(w.id.as_str()).filter(|_| w.id.starts_with('s')) {
                    Some(&truth) => {
                        m += 1;
                        if shown.iter().any(|p| p.thread == truth) {
                            f += 1;
                        } else if !shown.is_empty() {
                            wrong_first += 1;
                        }
                    }
                    None => {
                        u += 1;
                        if !shown.is_empty() {
                            fs += 1;
                        }
                    }
                }
            }
            per_pair.push(format!(
                "  earlier {a:<10} new {b:<10} found {:.1}% of {m}, unmatched shown {:.1}% of {u}",
                100.0 * f as f64 / m.max(1) as f64,
                100.0 * fs as f64 / u.max(1) as f64
            ));
            (found, matched, false_shown, unmatched) = (found + f, matched + m, false_shown + fs, unmatched + u);
        }
    }
    println!(
        "similar posts, {} writers, every ordered pair ({} new posts with a match, {} without):",
        writers.len(),
        matched,
        unmatched
    );
    for line in &per_pair {
        println!("{line}");
    }
    println!(
        "true earlier post among the three shown: {:.1}% of {matched} (target >= 80%); shown only wrong posts: {wrong_first}",
        100.0 * found as f64 / matched as f64
    );
    println!(
        "a post shown where none matches: {:.1}% of {unmatched} (target <= 10%)",
        100.0 * false_shown as f64 / unmatched as f64
    );

    // Search time as the index grows: the posts repeated with new thread ids, one forum.
    let all: Vec<&Written> = writers.values().flatten().collect();
    for size in [1_000usize, 5_000] {
        let index: Vec<Post> = (0..size)
            .map(|i| {
                let w = all[i % all.len()];
                Post::new(1, 1, i as u64 + 1, &w.title, &w.body, 0)
            })
            .collect();
        let mut times: Vec<f64> = all
            .iter()
            .take(50)
            .map(|w| {
                let t = Instant::now();
                std::hint::black_box(posts::similar(engine.matcher(), &w.title, 1, 0, &index, 3));
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "search with {size} posts in the forum: median {:.1} ms, p99 {:.1} ms (50 searches)",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }
}
