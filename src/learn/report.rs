//! What `signpost report` tells a maintainer, computed from a [`Snapshot`]: answers by kind and front door, the
//! abstention rate, the questions the bot could not answer (near-duplicates merged, with counts), the votes per
//! entry (worst rated first), the entries nobody needed, and answers per day. Pure: the command line renders it.
//!
//! Days past the retention count through their rolled-up totals (see [`super::rollup`]): the counts by kind, door,
//! outcome and day are the same before and after the purge; texts, votes and per-question details are gone.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::{rollup::day_of, Outcome, Record, Snapshot, VoteValue};
use crate::knowledge::KnowledgeBase;

/// How many unanswered questions (after merging) the report lists.
pub const TOP_UNANSWERED: usize = 20;

/// Two questions are near-duplicates at or above this similarity (Dice coefficient of their character trigrams,
/// after folding case, punctuation and spacing): "how do I deploy flask on a toaster?" and "how to deploy flask
/// on toaster" merge; "how do I deploy django on k8s" does not.
pub const NEAR_DUPLICATE: f64 = 0.6;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub since: u64,
    pub now: u64,
    pub questions: usize,
    /// Of `questions`, those counted from days rolled up past the retention (no text, vote or asker behind them).
    pub rolled_up: usize,
    /// Distinct askers: through their pseudonyms over the records still held (pseudonyms change with every key
    /// rotation, so someone asking in two periods counts twice), plus each rolled-up day's own count (someone
    /// asking on two such days counts twice).
    pub askers: usize,
    pub answered: usize,
    pub abstained: usize,
    /// Help-channel questions the bot was not sure enough to answer.
    pub silent: usize,
    /// (abstained + silent) / questions; 0 without questions.
    pub abstention_rate: f64,
    pub by_kind: BTreeMap<String, usize>,
    pub by_door: BTreeMap<String, usize>,
    pub unanswered: Vec<Unanswered>,
    /// Questions labelled by a click on a question back: the entry picked and the question's wordings.
    pub picked: Vec<Picked>,
    /// The help forums' posts seen in the period, and how many were marked solved, by what.
    pub forum_posts: ForumPosts,
    /// Answered, but with low confidence or voted Not helpful: texts kept, merged like the unanswered ones.
    pub doubtful: Vec<Unanswered>,
    pub votes: Vec<EntryVotes>,
    /// Entries (`faq:<id>`, `compare:<aspect>`, `framework:<id>`) no answer used in the period.
    pub unused: Vec<String>,
    pub days: Vec<Day>,
}

/// One question the bot could not answer, with how many near-duplicates were merged into it.
/// Help forums' posts in a period.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ForumPosts {
    pub seen: usize,
    /// Answered by the bot's first reply; replied to by someone other than the asker; neither.
    pub answered_by_bot: usize,
    pub answered_by_human: usize,
    pub unanswered: usize,
    pub solved: usize,
    /// What solved them: an answer's label, `a similar post`, or `/solved`.
    pub solved_by: BTreeMap<String, usize>,
}

impl ForumPosts {
    fn of(posts: &[super::Post]) -> Self {
        let mut out = ForumPosts { seen: posts.len(), ..Self::default() };
        for p in posts {
            out.answered_by_bot += usize::from(p.bot_answered);
            out.answered_by_human += usize::from(p.human_replied);
            out.unanswered += usize::from(!p.bot_answered && !p.human_replied);
        }
        for p in posts.iter().filter(|p| p.solved) {
            out.solved += 1;
            let by = match p.solved_by.as_deref() {
                Some(b) if b.starts_with("post:") => "a similar post".to_string(),
                Some(b) => b.to_string(),
                None => "/solved".to_string(),
            };
            *out.solved_by.entry(by).or_insert(0) += 1;
        }
        out
    }
}

/// A question its asker labelled by picking an entry on a question back (`clarify`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Picked {
    /// The entry picked (`faq:<id>`, `compare:<aspect>`, ...).
    pub label: String,
    /// The question, merged with its near-duplicates picked the same way.
    pub question: Unanswered,
}

/// The picks, grouped by the entry picked, near-duplicate questions merged; most picked first.
fn picked(picks: &[&Record]) -> Vec<Picked> {
    let mut by_label: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in picks {
        if let Some(text) = r.text.as_deref() {
            by_label.entry(r.answer.as_str()).or_default().push(text);
        }
    }
    let mut out: Vec<Picked> = by_label
        .into_iter()
        .flat_map(|(label, texts)| {
            merge(&texts).into_iter().map(move |question| Picked { label: label.to_string(), question })
        })
        .collect();
    out.sort_by(|a, b| b.question.count.cmp(&a.question.count).then(a.label.cmp(&b.label)));
    out.truncate(TOP_UNANSWERED);
    out
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unanswered {
    /// The most frequent wording (the shortest among equals).
    pub text: String,
    /// How many times it (or a near-duplicate) was asked.
    pub count: usize,
    /// The other wordings merged into it.
    pub variants: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EntryVotes {
    pub entry: String,
    pub helpful: usize,
    pub not_helpful: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Day {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub answered: usize,
    /// Abstained or silent.
    pub unanswered: usize,
    /// Distinct askers that day.
    pub askers: usize,
}

impl Report {
    pub fn build(s: &Snapshot, kb: &KnowledgeBase) -> Report {
        // A pick on a question back labels an earlier question; it is no question of its own.
        let picks: Vec<&Record> = s.records.iter().filter(|r| r.outcome == Outcome::Picked).collect();
        let records: Vec<&Record> = s.records.iter().filter(|r| r.outcome != Outcome::Picked).collect();
        let rolled: Vec<_> = s.rolled.iter().filter(|c| c.outcome != Outcome::Picked).collect();
        let rolled_up: usize = rolled.iter().map(|c| c.count as usize).sum();
        let questions = records.len() + rolled_up;
        let count = |o: Outcome| {
            records.iter().filter(|r| r.outcome == o).count()
                + rolled.iter().filter(|c| c.outcome == o).map(|c| c.count as usize).sum::<usize>()
        };
        let (answered, abstained, silent) =
            (count(Outcome::Answered), count(Outcome::Abstained), count(Outcome::Silent));
        let kind = |answer: &str| answer.split(':').next().unwrap_or("none").to_string();
        let mut by_kind = BTreeMap::new();
        let mut by_door = BTreeMap::new();
        // Per day: answered, unanswered, and the askers (pseudonyms while held; the stored count once rolled up).
        let mut days: BTreeMap<u64, (Day, HashSet<&str>)> = BTreeMap::new();
        let mut tally = |at: u64, outcome: Outcome, n: usize| {
            let d = day_of(at);
            let (day, _) = days
                .entry(d)
                .or_insert_with(|| (Day { day: date(d), answered: 0, unanswered: 0, askers: 0 }, HashSet::new()));
            if outcome == Outcome::Answered {
                day.answered += n;
            } else {
                day.unanswered += n;
            }
        };
        for r in &records {
            *by_kind.entry(kind(&r.answer)).or_insert(0) += 1;
            *by_door.entry(r.door.name().to_string()).or_insert(0) += 1;
            tally(r.at, r.outcome, 1);
        }
        for c in &rolled {
            let n = c.count as usize;
            *by_kind.entry(kind(&c.answer)).or_insert(0) += n;
            *by_door.entry(c.door.name().to_string()).or_insert(0) += n;
            tally(c.day, c.outcome, n);
        }
        let rolled_askers: HashMap<u64, usize> = s.rolled_askers.iter().map(|a| (a.day, a.askers as usize)).collect();
        let mut held_askers = HashSet::new();
        for r in &records {
            let d = day_of(r.at);
            if !rolled_askers.contains_key(&d) {
                held_askers.insert(r.asker.as_str());
                if let Some((_, who)) = days.get_mut(&d) {
                    who.insert(r.asker.as_str());
                }
            }
        }
        let askers = held_askers.len() + rolled_askers.values().sum::<usize>();
        let days: Vec<Day> = days
            .into_iter()
            .map(|(d, (mut day, who))| {
                day.askers = rolled_askers.get(&d).copied().unwrap_or(who.len());
                day
            })
            .collect();
        let unanswered_texts: Vec<&str> = records
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Abstained | Outcome::Silent))
            .filter_map(|r| r.text.as_deref())
            .collect();
        let voted_down: HashSet<u64> =
            s.votes.iter().filter(|v| v.value == VoteValue::NotHelpful).map(|v| v.id).collect();
        let doubtful_texts: Vec<&str> = records
            .iter()
            .filter(|r| r.outcome == Outcome::Answered)
            .filter(|r| r.confidence < super::LOW_CONFIDENCE || voted_down.contains(&r.id))
            .filter_map(|r| r.text.as_deref())
            .collect();

        let mut votes: BTreeMap<&str, EntryVotes> = BTreeMap::new();
        for v in &s.votes {
            let e = votes.entry(&v.label).or_insert(EntryVotes { entry: v.label.clone(), helpful: 0, not_helpful: 0 });
            match v.value {
                VoteValue::Helpful => e.helpful += 1,
                VoteValue::NotHelpful => e.not_helpful += 1,
            }
        }
        let mut votes: Vec<EntryVotes> = votes.into_values().collect();
        // Worst rated first: the largest share of Not helpful, then the most Not helpful votes.
        votes.sort_by(|a, b| {
            let share = |e: &EntryVotes| e.not_helpful as f64 / (e.helpful + e.not_helpful).max(1) as f64;
            share(b).total_cmp(&share(a)).then(b.not_helpful.cmp(&a.not_helpful)).then(a.entry.cmp(&b.entry))
        });

        let used: BTreeSet<&str> =
            s.records.iter().map(|r| r.answer.as_str()).chain(s.rolled.iter().map(|c| c.answer.as_str())).collect();
        let unused = entries(kb).into_iter().filter(|e| !used.contains(e.as_str())).collect();

        Report {
            since: s.since,
            now: s.now,
            questions,
            rolled_up,
            askers,
            answered,
            abstained,
            silent,
            abstention_rate: if questions == 0 { 0.0 } else { (abstained + silent) as f64 / questions as f64 },
            by_kind,
            by_door,
            unanswered: merge(&unanswered_texts).into_iter().take(TOP_UNANSWERED).collect(),
            doubtful: merge(&doubtful_texts).into_iter().take(TOP_UNANSWERED).collect(),
            picked: picked(&picks),
            forum_posts: ForumPosts::of(&s.posts),
            votes,
            unused,
            days,
        }
    }

    /// The report as text for a terminal.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut o = String::new();
        let _ = writeln!(o, "Signpost report, {} to {} (UTC)", date(self.since), date(self.now));
        if self.questions == 0 {
            let _ =
                writeln!(o, "\nNothing logged in this period yet: no question reached the bot (or the log was off).");
            return o;
        }
        let _ = writeln!(
            o,
            "\n{} questions from {} {}: {} answered, {} abstained, {} silent in help channels (abstention rate {:.0}%)",
            self.questions,
            self.askers,
            if self.askers == 1 { "person" } else { "people" },
            self.answered,
            self.abstained,
            self.silent,
            self.abstention_rate * 100.0
        );
        if self.rolled_up > 0 {
            let _ = writeln!(
                o,
                "({} of them past the retention, kept as daily counts: no texts or votes, people counted once a day)",
                self.rolled_up
            );
        }
        let line = |m: &BTreeMap<String, usize>| {
            let mut v: Vec<(&String, &usize)> = m.iter().collect();
            v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            v.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(" · ")
        };
        let _ = writeln!(o, "By kind: {}", line(&self.by_kind));
        let _ = writeln!(o, "By front door: {}", line(&self.by_door));
        let list = |o: &mut String, title: &str, items: &[Unanswered]| {
            let _ = writeln!(o, "\n{title}");
            if items.is_empty() {
                let _ = writeln!(o, "  (none)");
            }
            for u in items {
                let more = match u.variants.len() {
                    0 => String::new(),
                    1 => "  (+1 similar wording)".to_string(),
                    n => format!("  (+{n} similar wordings)"),
                };
                let _ = writeln!(o, "  {:>4}  {}{more}", u.count, u.text);
            }
        };
        list(&mut o, "Questions it could not answer (near-duplicates merged):", &self.unanswered);
        list(&mut o, "Answered with low confidence or voted Not helpful:", &self.doubtful);
        if self.forum_posts.seen > 0 {
            let by: Vec<String> = self.forum_posts.solved_by.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let _ = writeln!(
                o,
                "\nHelp forum posts: {} seen; answered by the bot {}, by a human {}, not at all {}; {} marked solved{}",
                self.forum_posts.seen,
                self.forum_posts.answered_by_bot,
                self.forum_posts.answered_by_human,
                self.forum_posts.unanswered,
                self.forum_posts.solved,
                if by.is_empty() { String::new() } else { format!(" (by {})", by.join(" · ")) }
            );
        }
        if !self.picked.is_empty() {
            let _ =
                writeln!(o, "\nPicked by the asker on a question back (labelled examples; `--examples` writes them):");
            for p in &self.picked {
                let _ = writeln!(o, "  {:>4}  {}  <- {}", p.question.count, p.label, p.question.text);
            }
        }
        let _ = writeln!(o, "\nVotes per entry (worst rated first):");
        if self.votes.is_empty() {
            let _ = writeln!(o, "  (none)");
        }
        let width = self.votes.iter().map(|v| v.entry.len()).max().unwrap_or(0);
        for v in &self.votes {
            let _ = writeln!(o, "  {:<width$}  {} helpful, {} not helpful", v.entry, v.helpful, v.not_helpful);
        }
        let _ = writeln!(o, "\nEntries never used in this period ({}):", self.unused.len());
        for chunk in self.unused.chunks(4) {
            let _ = writeln!(o, "  {}", chunk.join(", "));
        }
        o
    }
}

/// Every entry of the knowledge, as answers are labelled.
pub fn entries(kb: &KnowledgeBase) -> Vec<String> {
    let faqs = kb.faqs.iter().map(|f| format!("faq:{}", f.id));
    // `/compare` without an aspect answers with the overview of them all, which takes votes as well.
    let aspects = kb.aspects.iter().map(|a| format!("compare:{}", a.id)).chain(["compare:overview".to_string()]);
    let frameworks = kb.frameworks.iter().map(|f| format!("framework:{}", f.id));
    faqs.chain(aspects).chain(frameworks).collect()
}

/// Folds case, punctuation and spacing: what near-duplicate detection compares.
fn fold(text: &str) -> String {
    let lower: String = text.to_lowercase().chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn trigrams(folded: &str) -> HashSet<[char; 3]> {
    let chars: Vec<char> = format!("  {folded} ").chars().collect();
    chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

fn dice(a: &HashSet<[char; 3]>, b: &HashSet<[char; 3]>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    2.0 * a.intersection(b).count() as f64 / (a.len() + b.len()) as f64
}

/// Groups near-duplicate texts: the most frequent wordings first, each joining the first group it is near enough
/// to. Deterministic: ties are broken by the text. Most asked groups first.
pub fn merge(texts: &[&str]) -> Vec<Unanswered> {
    let mut counts: HashMap<String, (usize, String)> = HashMap::new();
    for t in texts {
        let f = fold(t);
        if f.is_empty() {
            continue;
        }
        let e = counts.entry(f).or_insert((0, t.to_string()));
        e.0 += 1;
        if t.len() < e.1.len() || (t.len() == e.1.len() && *t < e.1.as_str()) {
            e.1 = t.to_string();
        }
    }
    let mut wordings: Vec<(String, usize, String)> = counts.into_iter().map(|(f, (n, t))| (f, n, t)).collect();
    wordings.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.len().cmp(&b.2.len())).then(a.2.cmp(&b.2)));
    let mut groups: Vec<(HashSet<[char; 3]>, Unanswered)> = Vec::new();
    for (folded, n, text) in wordings {
        let grams = trigrams(&folded);
        match groups.iter_mut().find(|(g, _)| dice(g, &grams) >= NEAR_DUPLICATE) {
            Some((_, u)) => {
                u.count += n;
                u.variants.push(text);
            }
            None => groups.push((grams, Unanswered { text, count: n, variants: Vec::new() })),
        }
    }
    let mut out: Vec<Unanswered> = groups.into_iter().map(|(_, u)| u).collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.text.cmp(&b.text)));
    out
}

/// `YYYY-MM-DD` of a Unix time, UTC (Howard Hinnant's civil-from-days).
pub fn date(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_700_000_000), "2023-11-14");
        assert_eq!(date(951_782_400), "2000-02-29");
    }

    #[test]
    fn near_duplicates_merge_and_count() {
        let texts = [
            "How do I deploy Flask on a toaster?",
            "how do i deploy flask on a toaster",
            "how to deploy flask on toaster",
            "what is the best pizza topping",
            "How do I deploy Flask on a toaster?",
        ];
        let merged = merge(&texts);
        assert_eq!(merged.len(), 2, "{merged:?}");
        assert_eq!(merged[0].count, 4);
        assert_eq!(merged[0].text, "how do i deploy flask on a toaster");
        assert_eq!(merged[0].variants, vec!["how to deploy flask on toaster".to_string()]);
        assert_eq!(merged[1].count, 1);
        assert!(merge(&["django on k8s?", "pizza"]).len() == 2);
    }
}
