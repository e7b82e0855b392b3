//! Questions about the topics added in late 2026 (issue 7) reach their FAQ entries, and a how-to question the
//! knowledge cannot answer still gets an honest "I don't know".

use signpost::Engine;

/// (question, the answer labels that are right: one, or `|`-separated where a project described is also a fair
/// request for the guided decision).
const TOPICS: &[(&str, &str)] = &[
    // The issue's own examples.
    ("litestar or fastapi?", "faq:other-frameworks"),
    ("celery or rq for flask", "faq:background-jobs"),
    ("cheapest way to host django", "faq:deployment-hosting"),
    ("do i need react", "faq:htmx-or-spa"),
    ("python version for django 6", "faq:python-versions"),
    // Worded differently from every phrasing in the knowledge.
    ("is litestar worth it over fastapi", "faq:other-frameworks"),
    ("what about quart", "framework:quart|faq:other-frameworks"),
    ("should i use celery or dramatiq with django", "faq:background-jobs"),
    ("where should i host my flask app cheaply", "faq:deployment-hosting"),
    ("do i really need react for my django app or is htmx fine", "faq:htmx-or-spa"),
    ("which python do i need for django 6.1", "faq:python-versions"),
    ("django or fastapi for a saas with user accounts", "faq:django-vs-fastapi|decide"),
    ("drf or fastapi for my api?", "faq:django-api-layer"),
    // Not in the knowledge: a debugging question.
    ("how do i fix no such table after migrate", "none"),
];

#[test]
fn questions_about_each_new_topic_reach_its_entry() {
    let engine = Engine::load(None).expect("built-in knowledge loads");
    let wrong: Vec<String> = TOPICS
        .iter()
        .filter_map(|(q, want)| {
            let a = engine.ask(q).expect("a question gets an answer");
            (!want.split('|').any(|w| a.label() == w))
                .then(|| format!("{q:?}: got {} ({}), want {want}", a.label(), a.confidence))
        })
        .collect();
    assert!(wrong.is_empty(), "{} of {} answered wrongly:\n{}", wrong.len(), TOPICS.len(), wrong.join("\n"));
}

#[test]
fn the_new_entries_carry_sources_and_a_review_date() {
    let engine = Engine::load(None).expect("built-in knowledge loads");
    for id in [
        "django-vs-fastapi",
        "background-jobs",
        "deployment-hosting",
        "other-frameworks",
        "htmx-or-spa",
        "python-versions",
    ] {
        let faq = engine.kb().faq(id).unwrap_or_else(|| panic!("FAQ {id}"));
        assert!(!faq.sources.is_empty(), "{id} names its sources");
        assert!(faq.reviewed.is_some(), "{id} has a review date");
        assert!(faq.related.len() >= 2, "{id} offers related entries");
    }
}

#[test]
fn the_dialog_offers_saas_and_real_time_and_its_weights_agree_with_the_aspects() {
    let engine = Engine::load(None).expect("built-in knowledge loads");
    let kb = engine.kb();
    let option = |step: &str, id: &str| {
        let s = kb.step(step).unwrap_or_else(|| panic!("step {step}"));
        s.options.iter().find(|o| o.id == id).unwrap_or_else(|| panic!("option {step}/{id}")).clone()
    };
    let saas = option("project", "saas");
    assert!(saas.weights["django"] > saas.weights["flask"] && saas.weights["django"] > saas.weights["fastapi"]);
    let realtime = option("project", "realtime-app");
    assert!(
        realtime.weights["fastapi"] > realtime.weights["django"]
            && realtime.weights["django"] > realtime.weights["flask"]
    );
    // DRF and Django Ninja are mainstream for APIs: these answers do not rank Flask above Django.
    for (step, id) in [("project", "json-api"), ("rendering", "separate-frontend")] {
        let o = option(step, id);
        assert!(o.weights["django"] >= o.weights["flask"], "{step}/{id}: {:?}", o.weights);
    }
    // An MVP is not a reason for Flask; plain request/response favours nobody.
    assert!(!option("project", "prototype").keywords.iter().any(|k| k == "mvp"));
    assert!(option("realtime", "none").weights.values().all(|&w| w == 0));
    // Typed free text reaches the new options.
    let machine = engine.dialog();
    let project = kb.step("project").unwrap();
    let pick = |text: &str| machine.interpret(project, text).map(|i| project.options[i].id.clone());
    assert_eq!(pick("a saas with subscriptions").as_deref(), Some("saas"));
    assert_eq!(pick("a chat app with websockets").as_deref(), Some("realtime-app"));
}

/// Comparisons of each pair and of all three show only the frameworks compared: their texts, and a verdict
/// written for exactly them (never one that names the framework left out).
#[test]
fn comparisons_show_only_the_frameworks_compared() {
    use signpost::compare::comparison_of;
    let engine = Engine::load(None).expect("built-in knowledge loads");
    let kb = engine.kb();
    let sets: [&[&str]; 4] =
        [&["django", "flask"], &["django", "fastapi"], &["fastapi", "flask"], &["django", "flask", "fastapi"]];
    for ids in sets {
        let fws: Vec<_> = ids.iter().map(|id| kb.framework(id).expect("framework")).collect();
        let left_out: Vec<_> = kb.frameworks.iter().filter(|f| !ids.contains(&f.id.as_str())).collect();
        for aspect in &kb.aspects {
            let c = comparison_of(kb, &fws, Some(aspect));
            assert_eq!(c.frameworks, ids, "{}", aspect.id);
            let row = &c.rows[0];
            let shown: Vec<&str> = row.texts.iter().map(|(name, _)| name.as_str()).collect();
            let want: Vec<&str> = fws.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(shown, want, "{} on {}", ids.join("-"), aspect.id);
            for f in &left_out {
                assert!(
                    !row.verdict.contains(&f.name),
                    "{} on {}: the verdict names {}: {}",
                    ids.join("-"),
                    aspect.id,
                    f.name,
                    row.verdict
                );
                assert!(!c.title.contains(&f.name), "{}", c.title);
            }
            if ids.len() == 3 {
                assert_eq!(row.verdict, aspect.verdict);
            }
        }
        // The overview: every aspect's verdict for these frameworks.
        let overview = comparison_of(kb, &fws, None);
        for (row, f) in overview.rows.iter().flat_map(|r| left_out.iter().map(move |f| (r, f))) {
            assert!(!row.verdict.contains(&f.name), "overview {}: {}", ids.join("-"), row.verdict);
        }
    }
    // Through the engine: the pair asked, with that pair's verdict.
    let a = engine.ask("is fastapi slower than flask?").expect("an answer");
    assert_eq!(a.frameworks, ["fastapi", "flask"]);
    let verdict = a.text.lines().find(|l| l.starts_with("**Verdict**")).expect("a verdict line");
    assert!(!verdict.contains("Django"), "{verdict}");
    assert!(!a.text.contains("**Django**"), "no Django paragraph: {}", a.text);
}

/// `signpost check` knows which pairs each entry covers: none is left open in the built-in knowledge, and an entry
/// that loses a pair's answer is reported.
#[test]
fn every_pair_entry_names_answers_for_the_other_pairs() {
    let engine = Engine::load(None).expect("built-in knowledge loads");
    let mut kb = engine.kb().clone();
    assert_eq!(kb.pair_gaps(), Vec::<(String, String)>::new());
    let faq = kb.faqs.iter_mut().find(|f| f.id == "is-flask-faster").expect("is-flask-faster");
    assert_eq!(faq.for_pairs.get("fastapi-flask").map(String::as_str), Some("compare:performance"));
    faq.for_pairs.remove("fastapi-flask");
    assert_eq!(kb.pair_gaps(), [("is-flask-faster".to_string(), "fastapi-flask".to_string())]);
}
