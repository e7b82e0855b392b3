//! The posts the bot has seen in help forums, for the first reply to a new post: up to three similar earlier posts
//! of the same forum, solved ones first. A post is its thread, forum and server, its title and the start of its
//! starter message (public text of the forum, no user id), when it was posted and whether it was marked solved.
//! Kept in the learning store, deleted with the thread, purged after the retention; never searched across forums
//! (so never across servers).

use serde::{Deserialize, Serialize};

use crate::matcher::Matcher;

/// A post of a help forum, as the bot saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub guild: u64,
    pub forum: u64,
    pub thread: u64,
    pub title: String,
    /// The start of the starter message (mentions removed, at most [`START_CHARS`]).
    pub start: String,
    /// Unix seconds.
    pub at: u64,
    #[serde(default)]
    pub solved: bool,
    /// What solved it: the label of the bot's answer (`faq:<id>`, ...), or `post:<thread>` for a similar earlier
    /// post; `None` when `/solved` was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solved_by: Option<String>,
    /// The bot's first reply answered it (not only linked similar posts).
    #[serde(default)]
    pub bot_answered: bool,
    /// Someone other than the asker (and the bot) wrote in it.
    #[serde(default)]
    pub human_replied: bool,
}

/// How much of a starter message is kept.
pub const START_CHARS: usize = 300;

/// How alike two posts' titles must be (cosine of their TF-IDF vectors in the matcher's own feature space) to be
/// offered as similar. Titles, not bodies: a forum post's title is its question, and the body's other news dilutes
/// it. Set by hand on a dozen title pairs (the same question reworded: 0.35 to 0.79; different questions about the
/// same frameworks: 0.05 to 0.12), not measured on real forums yet.
pub const MIN_SIMILARITY: f32 = 0.3;

impl Post {
    pub fn new(guild: u64, forum: u64, thread: u64, title: &str, text: &str, at: u64) -> Self {
        let start: String = super::clean_text(text).chars().take(START_CHARS).collect();
        Self {
            guild,
            forum,
            thread,
            title: super::clean_text(title),
            start,
            at,
            solved: false,
            solved_by: None,
            bot_answered: false,
            human_replied: false,
        }
    }
}

/// The posts of `posts` whose titles are most like `title` (other than `thread` itself, and only of `forum`), at
/// most `max`: solved ones first, then by similarity.
pub fn similar<'a>(
    matcher: &Matcher,
    title: &str,
    forum: u64,
    thread: u64,
    posts: &'a [Post],
    max: usize,
) -> Vec<&'a Post> {
    let query = matcher.text_vector(title);
    let mut scored: Vec<(f32, &Post)> = posts
        .iter()
        .filter(|p| p.forum == forum && p.thread != thread)
        .map(|p| (cosine(&query, &matcher.text_vector(&p.title)), p))
        .filter(|(s, _)| *s >= MIN_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.1.solved.cmp(&a.1.solved).then(b.0.total_cmp(&a.0)).then(a.1.thread.cmp(&b.1.thread)));
    scored.into_iter().take(max).map(|(_, p)| p).collect()
}

/// The cosine of two sparse vectors (columns ascending).
fn cosine(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    let norm = |v: &[(u32, f32)]| v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    let n = norm(a) * norm(b);
    if n == 0.0 {
        0.0
    } else {
        dot / n
    }
}
