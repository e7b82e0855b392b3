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
