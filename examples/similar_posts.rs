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
//!
//! `--sweep` also chooses the floor of similarity by writer (for each writer, on the pairs without them, scored on
//! the pairs with them) and prints what the floor chosen on every pair gives (that one is not held out).

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
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("tests/eval/similar-posts"));
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
                let query = Post::new(1, 1, 0, &w.title, &w.body, 0).text();
                let shown = posts::similar(engine.matcher(), &query, 1, 0, &index, 3);
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

    if std::env::args().any(|a| a == "--sweep") {
        sweep(&engine, &writers);
    }

    // Search time as the index grows (one forum; the posts repeated under new thread ids), the vectors kept as the
    // bot keeps them (`posts::Index`); and what building the index costs per post.
    let all: Vec<&Written> = writers.values().flatten().collect();
    for size in [1_000usize, 10_000, 50_000] {
        let posts: Vec<Post> = (0..size)
            .map(|i| {
                let w = all[i % all.len()];
                Post::new(1, 1, i as u64 + 1, &w.title, &w.body, 0)
            })
            .collect();
        let t = Instant::now();
        let index = posts::Index::build(engine.matcher(), posts);
        let build = t.elapsed().as_secs_f64() * 1e6 / size as f64;
        let mut times: Vec<f64> = all
            .iter()
            .take(100)
            .map(|w| {
                let query = Post::new(1, 1, 0, &w.title, &w.body, 0).text();
                let t = Instant::now();
                std::hint::black_box(index.similar(engine.matcher(), &query, 0, 3));
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "search with {size} posts in the forum: median {:.2} ms, p99 {:.2} ms (100 searches); building the index {build:.0} µs a post",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }
}

/// `--sweep`: the floor of similarity, chosen by writer: for each writer X, the floor that does best on the pairs
/// without X (most matches found while no more than 10% of unmatched posts are shown one, else the fewest shown),
/// scored on the pairs with X. Prints each fold and the pooled held-out figures.
fn sweep(engine: &Engine, writers: &BTreeMap<String, Vec<Written>>) {
    // Per ordered pair: for each new post, (has a match, best score of the true post or None, best score overall).
    struct Seen {
        pair: (String, String),
        matched: bool,
        truth_rank: Option<(usize, f32)>,
        top: Vec<f32>,
    }
    let mut seen = Vec::new();
    for (a, earlier) in writers {
        // As the bot compares posts: title and the start of the body; `SIMILAR_TEXT=title` compares titles only.
        let full = !std::env::var("SIMILAR_TEXT").is_ok_and(|v| v == "title");
        let text = |w: &Written| {
            if full {
                Post::new(0, 0, 0, &w.title, &w.body, 0).text()
            } else {
                w.title.clone()
            }
        };
        let vectors: Vec<_> = earlier.iter().map(|w| engine.matcher().text_vector(&text(w))).collect();
        for (b, new) in writers.iter().filter(|(b, _)| *b != a) {
            for w in new {
                let q = engine.matcher().text_vector(&text(w));
                let mut scored: Vec<(f32, usize)> =
                    vectors.iter().enumerate().map(|(i, v)| (posts::cosine(&q, v), i)).collect();
                scored.sort_by(|x, y| y.0.total_cmp(&x.0));
                let truth = earlier.iter().position(|e| e.id == w.id && w.id.starts_with('s'));
                let truth_rank = truth.and_then(|t| scored.iter().position(|(_, i)| *i == t).map(|r| (r, scored[r].0)));
                seen.push(Seen {
                    pair: (a.clone(), b.clone()),
                    matched: truth.is_some(),
                    truth_rank,
                    top: scored.iter().take(3).map(|(s, _)| *s).collect(),
                });
            }
        }
    }
    // (found, matched, shown, unmatched) at floor `t`: top three shown above the floor.
    let score = |t: f32, keep: &dyn Fn(&Seen) -> bool| {
        let (mut f, mut m, mut s, mut u) = (0, 0, 0, 0);
        for x in seen.iter().filter(|x| keep(x)) {
            if x.matched {
                m += 1;
                if x.truth_rank.is_some_and(|(r, sc)| r < 3 && sc >= t) {
                    f += 1;
                }
            } else {
                u += 1;
                if x.top.first().is_some_and(|sc| *sc >= t) {
                    s += 1;
                }
            }
        }
        (f, m, s, u)
    };
    let floors: Vec<f32> = (20..=200).map(|i| i as f32 / 100.0).collect();
    let (mut tf, mut tm, mut ts, mut tu) = (0, 0, 0, 0);
    for x in writers.keys() {
        let without = |s: &Seen| &s.pair.0 != x && &s.pair.1 != x;
        let with = |s: &Seen| &s.pair.0 == x || &s.pair.1 == x;
        let best = floors
            .iter()
            .copied()
            .max_by(|a, b| {
                let key = |t: f32| {
                    let (f, m, s, u) = score(t, &without);
                    let rate = s as f64 / u.max(1) as f64;
                    (rate <= 0.10, if rate <= 0.10 { f as f64 / m.max(1) as f64 } else { -rate })
                };
                key(*a).partial_cmp(&key(*b)).unwrap_or(std::cmp::Ordering::Equal).then(b.total_cmp(a))
            })
            .unwrap_or(0.3);
        let (f, m, s, u) = score(best, &with);
        println!(
            "  fold {x:<10} floor {best:.2} (chosen without {x}): found {:.1}% of {m}, unmatched shown {:.1}% of {u}",
            100.0 * f as f64 / m.max(1) as f64,
            100.0 * s as f64 / u.max(1) as f64
        );
        (tf, tm, ts, tu) = (tf + f, tm + m, ts + s, tu + u);
    }
    let pick = |keep: &dyn Fn(&Seen) -> bool| {
        floors
            .iter()
            .copied()
            .max_by(|a, b| {
                let key = |t: f32| {
                    let (f, m, s, u) = score(t, keep);
                    let rate = s as f64 / u.max(1) as f64;
                    (rate <= 0.10, if rate <= 0.10 { f as f64 / m.max(1) as f64 } else { -rate })
                };
                key(*a).partial_cmp(&key(*b)).unwrap_or(std::cmp::Ordering::Equal).then(b.total_cmp(a))
            })
            .unwrap_or(0.3)
    };
    let shipped = pick(&|_| true);
    let (f, m, s, u) = score(shipped, &|_| true);
    println!(
        "floor chosen the same way on every pair (what the bot ships): {shipped:.2}: found {:.1}%, unmatched shown {:.1}% (not held out)",
        100.0 * f as f64 / m.max(1) as f64,
        100.0 * s as f64 / u.max(1) as f64
    );
    println!(
        "writer-grouped: found {:.1}% of {tm}, unmatched shown {:.1}% of {tu}",
        100.0 * tf as f64 / tm.max(1) as f64,
        100.0 * ts as f64 / tu.max(1) as f64
    );
    for t in [0.3f32, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2] {
        let (f, m, s, u) = score(t, &|_| true);
        println!(
            "  all pairs at floor {t:.2}: found {:.1}%, unmatched shown {:.1}%",
            100.0 * f as f64 / m.max(1) as f64,
            100.0 * s as f64 / u.max(1) as f64
        );
    }
}
