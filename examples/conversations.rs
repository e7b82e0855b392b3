//! Scores answers the way users meet them: right (topic and frameworks), asked back, "don't know", or a confident
//! wrong answer.
//!
//! `cargo run --release --example conversations` scores the development sets:
//! - `tests/eval/conversations-dev.tsv`: short conversations (`conv<TAB>turn<TAB>message<TAB>expected<TAB>frameworks`),
//!   each turn through the console's own path (`conversation::turn_in`, memory included);
//! - `tests/eval/dev.tsv` and `dev-2.tsv` (labels only).
//!
//! With `--blind`, instead, the blind sets of `tests/eval/blind-2026-12/` (posts, chat, conversations): written
//! apart from the corpus, the knowledge and the code, and scored once at the end of the work. `--misses` lists
//! every turn not answered right.

use signpost::{
    conversation::{self, Reply},
    eval::{judge, Judgement, Tally},
    followup::Memory,
    Engine,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let blind = args.iter().any(|a| a == "--blind");
    let misses = args.iter().any(|a| a == "--misses");
    let engine = Engine::load(None).unwrap_or_else(|e| panic!("{e}"));
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eval");
    if blind {
        single(&engine, &format!("{root}/blind-2026-12/posts.tsv"), true, misses);
        single(&engine, &format!("{root}/blind-2026-12/chat.tsv"), false, misses);
        conversations(&engine, &format!("{root}/blind-2026-12/conversations.tsv"), misses);
    } else {
        conversations(&engine, &format!("{root}/conversations-dev.tsv"), misses);
        single(&engine, &format!("{root}/dev.tsv"), false, misses);
        single(&engine, &format!("{root}/dev-2.tsv"), false, misses);
    }
}

fn read(path: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines().skip(1).filter(|l| !l.trim().is_empty()).map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

/// `-` is no framework; `a b|c d` two acceptable sets.
fn framework_sets(column: &str) -> Vec<Vec<String>> {
    column
        .split('|')
        .map(|alt| match alt.trim() {
            "-" | "" => Vec::new(),
            ids => ids.split_whitespace().map(str::to_string).collect(),
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n")
}

/// One message a line: `question<TAB>expected[<TAB>frameworks]`.
fn single(engine: &Engine, path: &str, with_frameworks: bool, misses: bool) {
    let mut all = Tally::default();
    let mut long = Tally::default();
    for row in read(path) {
        let question = unescape(&row[0]);
        let expected: Vec<String> = row[1].split_whitespace().map(str::to_string).collect();
        let sets = (with_frameworks && row.len() > 2).then(|| framework_sets(&row[2]));
        let j = match engine.ask(&question) {
            Ok(a) => {
                let j = judge(engine.kb(), &a, &expected, sets.as_deref());
                if misses && j != Judgement::Right {
                    println!(
                        "  {j:?}: got {} {:?} ({:.2}) want {} {:?}: {}",
                        a.label(),
                        a.frameworks,
                        a.confidence,
                        row[1],
                        row.get(2),
                        question.replace('\n', " / ")
                    );
                }
                j
            }
            Err(_) => Judgement::Abstained,
        };
        all.add(j);
        if question.contains('\n') || question.len() > 200 {
            long.add(j);
        }
    }
    println!("{path}\n  all:        {}\n  long posts: {}", all.summary(), long.summary());
}

fn conversations(engine: &Engine, path: &str, misses: bool) {
    let (mut all, mut first, mut follow, mut smalltalk) =
        (Tally::default(), Tally::default(), Tally::default(), Tally::default());
    let mut topic_only = Tally::default();
    let mut conv = String::new();
    let mut memory = Memory::default();
    for row in read(path) {
        if row[0] != conv {
            conv = row[0].clone();
            memory = Memory::default();
        }
        let turn: usize = row[1].parse().unwrap_or(1);
        let text = unescape(&row[2]);
        let expected: Vec<String> = row[3].split_whitespace().map(str::to_string).collect();
        let sets = framework_sets(row.get(4).map_or("-", String::as_str));
        let (t, next) = conversation::turn_in(engine, None, &text, &memory);
        memory = next;
        let answer = t.replies.iter().find_map(|r| match r {
            Reply::Answer(a) => Some(a.clone()),
            _ => None,
        });
        let (j, jt) = match &answer {
            Some(a) => (judge(engine.kb(), a, &expected, Some(&sets)), judge(engine.kb(), a, &expected, None)),
            None => (Judgement::Abstained, Judgement::Abstained),
        };
        if misses && j != Judgement::Right {
            let got = answer.as_ref().map_or("-".to_string(), |a| format!("{} {:?}", a.label(), a.frameworks));
            println!("  {conv}/{turn} {j:?}: got {got} want {} [{}]: {}", row[3], row.get(4).map_or("", |s| s), text);
        }
        all.add(j);
        topic_only.add(jt);
        if expected.iter().any(|e| e.starts_with("smalltalk:")) {
            smalltalk.add(j);
        } else if turn == 1 {
            first.add(j);
        } else {
            follow.add(j);
        }
    }
    println!(
        "{path}\n  all turns (topic and frameworks): {}\n  all turns (topic only):           {}\n  first turns:                      {}\n  later turns:                      {}\n  small talk:                       {}",
        all.summary(),
        topic_only.summary(),
        first.summary(),
        follow.summary(),
        smalltalk.summary()
    );
}
