//! The learned matcher: the shipped model, determinism, bounded work on hostile input, calibrated confidences and
//! suggestions by probability. Accuracy itself is measured by `cargo run --release --example eval`.

use std::sync::OnceLock;

use signpost::{
    knowledge::{KnowledgeBase, SourceFile},
    matcher::{train::TrainConfig, Matcher},
    reply::Topic,
    Engine,
};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load(None).expect("built-in knowledge loads"))
}

#[test]
fn the_binary_ships_a_model_trained_on_its_own_knowledge() {
    let info = engine().matcher().info();
    assert_eq!(
        info.origin, "shipped",
        "knowledge/model.bin was not trained on the current corpus: run `cargo run --release -- train`"
    );
    assert!(info.corpus_size as usize > engine().kb().examples.len());
    assert!(info.features > 1_000);
}

fn fixture_kb() -> KnowledgeBase {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/knowledge/valid");
    KnowledgeBase::load(&root).expect("the valid fixture loads")
}

#[test]
fn training_is_deterministic() {
    let kb = fixture_kb();
    let config = TrainConfig::default();
    let (_, a) = Matcher::train(&kb, &config, &mut |_| {});
    let (_, b) = Matcher::train(&kb, &config, &mut |_| {});
    assert_eq!(a.to_bytes(), b.to_bytes(), "the same corpus gives the same model, byte for byte");
    // And a stored model answers exactly like the one that was trained.
    let (trained, stored) = Matcher::train(&kb, &config, &mut |_| {});
    let loaded = Matcher::new(&kb, &[&stored.to_bytes()], &mut |line| panic!("no retraining expected: {line}"));
    for q in ["alpha or beta?", "is alpha quicker than beta", "good morning", "database layer?"] {
        let (x, y) = (trained.match_message(q), loaded.match_message(q));
        assert_eq!((x.label, x.confidence.to_bits()), (y.label, y.confidence.to_bits()), "{q}");
    }
}

#[test]
fn a_model_of_other_knowledge_is_not_used() {
    let kb = fixture_kb();
    let (_, stored) = Matcher::train(&kb, &TrainConfig::default(), &mut |_| {});
    let mut edited = kb.clone();
    edited.examples.pop();
    let mut heard = Vec::new();
    let m = Matcher::new(&edited, &[&stored.to_bytes()], &mut |line| heard.push(line.to_string()));
    assert_eq!(m.info().origin, "trained");
    assert!(heard.iter().any(|l| l.contains("trained on other knowledge")), "{heard:?}");
    let m = Matcher::new(&kb, &[b"not a model"], &mut |line| heard.push(line.to_string()));
    assert_eq!(m.info().origin, "trained");
    assert!(heard.iter().any(|l| l.contains("unusable")), "{heard:?}");
}

#[test]
fn hostile_input_is_answered_without_a_panic() {
    let long_token = "a".repeat(4_000);
    let emoji = "🐍".repeat(4_000);
    let brackets = "<".repeat(4_000);
    let near_words = "djangoo flaskk ".repeat(260);
    for q in [&long_token, &emoji, &brackets, &near_words] {
        let a = engine().ask(q).expect("a question of 4,000 characters is accepted");
        assert!((0.0..=1.0).contains(&a.confidence), "{}", a.confidence);
    }
}

#[test]
fn confidences_are_probabilities_and_suggestions_come_by_probability() {
    let e = engine();
    let a = e.ask("is flask faster than django?").unwrap();
    assert!(matches!(a.topic, Topic::Faq { ref id } if id == "is-flask-faster"), "{:?}", a.topic);
    assert!(a.confidence > 0.5 && a.confidence <= 1.0);
    // An uncertain question: the runner-up by probability is suggested first.
    let m = e.matcher().match_message("django or fastapi or flask, which is quicker");
    let probs: Vec<f32> = m.ranked.iter().map(|(_, p)| *p).collect();
    assert!(probs.windows(2).all(|w| w[0] >= w[1]), "ranked best first: {probs:?}");
    assert!(probs.iter().sum::<f32>() <= 1.0 + 1e-4);
}

#[test]
fn the_corpus_files_load_from_sources_too() {
    let files =
        vec![SourceFile::new("examples/x.tsv", "none\thello\n"), SourceFile::new("examples/y.tsv", "none\thello!\n")];
    let mut all: Vec<SourceFile> =
        signpost::knowledge::embedded_sources().into_iter().filter(|f| !f.name.starts_with("examples/")).collect();
    all.extend(files);
    let err = KnowledgeBase::from_sources(&all).expect_err("the same text twice is refused");
    assert_eq!(err.problems.len(), 1, "{err}");
    assert_eq!(err.problems[0].message, "duplicate text (first at examples/x.tsv:1)");
    assert_eq!((err.problems[0].line, err.problems[0].column), (Some(1), Some(6)));
}

#[test]
fn the_specs_own_example_asks_for_a_recommendation_or_the_rest_api_comparison() {
    let a = engine().ask("flask or django for a small REST API?").unwrap();
    match &a.topic {
        Topic::Decide { guess } => assert!(guess.is_some(), "a first guess from what the text says"),
        Topic::Compare { aspect: Some(aspect), .. } => assert_eq!(aspect, "rest-api"),
        other => panic!("got {other:?}"),
    }
}
