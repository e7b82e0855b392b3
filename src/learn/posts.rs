//! The posts the bot has seen in help forums, for the first reply to a new post: up to three similar earlier posts
//! of the same forum, solved ones first. A post is its thread, forum and server, its title and the start of its
//! starter message (public text of the forum, no user id), when it was posted and whether it was marked solved.
//! Kept in the learning store, deleted with the thread, purged after the retention; never searched across forums
//! (so never across servers).

use serde::{Deserialize, Serialize};

use crate::matcher::{features::Sparse, Matcher};

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

/// How alike two posts must be (cosine of their TF-IDF vectors, title and start of the body, in the matcher's own
/// feature space) to be offered as similar. Chosen with `cargo run --release --example similar_posts -- --sweep` on
/// three writers' posts about the same 130 situations (`tests/eval/similar-posts/`): the floor that finds the most
/// true earlier posts while showing a post for at most 10% of posts with no match. These features cannot do both
/// well (see the README): the floor favours showing nothing over showing an unrelated post.
pub const MIN_SIMILARITY: f32 = 0.59;

impl Post {
    /// The text posts are compared by: the title, then the start of the starter message.
    pub fn text(&self) -> String {
        format!("{}\n{}", self.title, self.start)
    }

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

/// The posts of `posts` most like the new post's `text` (its [`Post::text`]; other than `thread` itself, and only of
/// `forum`), at most `max`: solved ones first, then by similarity. Builds the vectors on the way; [`Index`] keeps
/// them.
pub fn similar<'a>(
    matcher: &Matcher,
    text: &str,
    forum: u64,
    thread: u64,
    posts: &'a [Post],
    max: usize,
) -> Vec<&'a Post> {
    let query = matcher.text_vector(text);
    let vectors: Vec<Sparse> = posts.iter().map(|p| matcher.text_vector(&p.text())).collect();
    rank(&query, posts.iter().zip(&vectors).filter(|(p, _)| p.forum == forum && p.thread != thread), max)
}

/// One forum's posts with their vectors, kept so a search costs one vector and a dot product per post.
#[derive(Debug, Default, Clone)]
pub struct Index {
    entries: Vec<(Post, Sparse)>,
}

impl Index {
    pub fn build(matcher: &Matcher, posts: Vec<Post>) -> Self {
        let entries = posts.into_iter().map(|p| (matcher.text_vector(&p.text()), p)).map(|(v, p)| (p, v)).collect();
        Self { entries }
    }

    /// Adds a post (or replaces the one of the same thread).
    pub fn put(&mut self, matcher: &Matcher, post: Post) {
        self.entries.retain(|(p, _)| p.thread != post.thread);
        let v = matcher.text_vector(&post.text());
        self.entries.push((post, v));
    }

    /// Changes the post of `thread`, if kept.
    pub fn modify(&mut self, thread: u64, change: impl FnOnce(&mut Post)) {
        if let Some((p, _)) = self.entries.iter_mut().find(|(p, _)| p.thread == thread) {
            change(p);
        }
    }

    pub fn remove(&mut self, thread: u64) {
        self.entries.retain(|(p, _)| p.thread != thread);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// See [`similar`].
    pub fn similar(&self, matcher: &Matcher, text: &str, thread: u64, max: usize) -> Vec<&Post> {
        let query = matcher.text_vector(text);
        rank(&query, self.entries.iter().filter(|(p, _)| p.thread != thread).map(|(p, v)| (p, v)), max)
    }
}

fn rank<'a, 'v>(query: &Sparse, candidates: impl Iterator<Item = (&'a Post, &'v Sparse)>, max: usize) -> Vec<&'a Post> {
    let mut scored: Vec<(f32, &Post)> =
        candidates.map(|(p, v)| (cosine(query, v), p)).filter(|(s, _)| *s >= MIN_SIMILARITY).collect();
    scored.sort_by(|a, b| b.1.solved.cmp(&a.1.solved).then(b.0.total_cmp(&a.0)).then(a.1.thread.cmp(&b.1.thread)));
    scored.into_iter().take(max).map(|(_, p)| p).collect()
}

/// The cosine of two sparse vectors (columns ascending).
pub fn cosine(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_sparse_vectors() {
        assert_eq!(cosine(&[], &[(1, 1.0)]), 0.0);
        assert!((cosine(&[(1, 1.0), (3, 2.0)], &[(1, 1.0), (3, 2.0)]) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[(1, 1.0)], &[(2, 1.0)]), 0.0);
        assert!((cosine(&[(1, 1.0), (2, 1.0)], &[(2, 1.0)]) - 0.5f32.sqrt()).abs() < 1e-6);
    }

    /// The same question in another forum (of another server) is never offered; solved posts come first; the new
    /// post itself is not its own similar post; an unrelated post is not offered.
    #[test]
    fn similar_posts_stay_in_their_forum_solved_first() {
        let engine = crate::Engine::load(None).expect("built-in knowledge");
        let m = engine.matcher();
        let q = "Is Flask faster than Django?";
        let text = "Is Flask faster than Django for a web app?";
        let mut posts = vec![
            Post::new(1, 10, 100, q, text, 0),
            Post::new(1, 10, 101, q, text, 0),
            Post::new(2, 20, 200, q, text, 0),
            Post::new(1, 10, 102, "my css does not load", "the stylesheet 404s in production", 0),
        ];
        posts[1].solved = true;
        let new = Post::new(1, 10, 103, q, text, 0);
        let found: Vec<u64> = similar(m, &new.text(), 10, 103, &posts, 3).iter().map(|p| p.thread).collect();
        assert_eq!(found, [101, 100], "solved first, this forum only, nothing unrelated");
        let index = Index::build(m, posts.iter().filter(|p| p.forum == 10).cloned().collect());
        let kept: Vec<u64> = index.similar(m, &new.text(), 103, 3).iter().map(|p| p.thread).collect();
        assert_eq!(kept, found, "the kept index finds the same");
        assert!(similar(m, &new.text(), 10, 100, &posts[..1], 3).is_empty(), "a post is not similar to itself");
    }
}
