//! The matcher through `Engine::ask`, on questions typed the way people type them in chat.
//!
//! Each row is a message and the labels that would be a right answer to it (`faq:ID`, `compare:ASPECT`,
//! `framework:ID`, `decide`, `none`). The rows are written here, not taken from `tests/eval/*.tsv` (the evaluation
//! sets must stay unseen) nor from the phrasings of `knowledge/faq.toml` (a test that only replays the knowledge
//! proves little); `rows_are_not_copied_from_the_eval_sets` keeps it that way.
//!
//! Reasonable messages the matcher gets wrong today live in `KNOWN_MISSES`: printed, not asserted, so they are
//! on record and can move up into `CASES` when the matcher learns them.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::OnceLock,
};

use serde_json::Value;
use signpost::{
    engine::MAX_QUESTION_CHARS,
    error::CoreError,
    reply::{Answer, Topic},
    Engine,
};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load(None).expect("built-in knowledge loads"))
}

/// (message, acceptable labels)
type Row = (&'static str, &'static [&'static str]);

const CASES: &[Row] = &[
    // --- which-is-better, is-flask-better: case, punctuation, slang ---
    ("Django or Flask??", &["faq:which-is-better", "faq:is-flask-better"]),
    ("DJANGO OR FLASK", &["faq:which-is-better", "faq:is-flask-better"]),
    ("django vs flask which should i go for", &["faq:which-is-better", "faq:is-flask-better", "decide"]),
    ("whats better flask or django", &["faq:which-is-better", "faq:is-flask-better"]),
    ("flask or django, what do you all prefer?", &["faq:which-is-better", "faq:is-flask-better"]),
    ("pls which is better django or flask", &["faq:which-is-better", "faq:is-flask-better"]),
    ("🐍🐍🐍 django or flask 🐍🐍🐍", &["faq:which-is-better", "faq:is-flask-better"]),
    ("<@&987654321098765432> django or flask?", &["faq:which-is-better", "faq:is-flask-better"]),
    ("is flask better then django", &["faq:is-flask-better", "faq:which-is-better"]),
    ("flask is better than django right?", &["faq:is-flask-better", "faq:which-is-better"]),
    // --- django-can-flask-cannot ---
    ("what does django give me that flask doesnt", &["faq:django-can-flask-cannot"]),
    ("what can django do that flask cant do", &["faq:django-can-flask-cannot"]),
    // --- companies ---
    ("which companies run flask in prod", &["faq:companies-using-flask"]),
    ("does anyone big use flask", &["faq:companies-using-flask"]),
    ("which big companies are using django", &["faq:companies-using-django"]),
    ("is pinterest on django or what", &["faq:companies-using-django"]),
    // --- is-flask-faster, and the same question the other way round ---
    ("is flask actually faster than django", &["faq:is-flask-faster", "compare:performance"]),
    ("IS FLASK QUICKER THAN DJANGO???", &["faq:is-flask-faster", "compare:performance"]),
    ("so django is slower than flask?", &["faq:is-flask-faster", "compare:performance"]),
    ("is django really that much slower than flask?", &["faq:is-flask-faster", "compare:performance"]),
    ("flsk faster than djnago?", &["faq:is-flask-faster", "compare:performance"]),
    ("does flask have better perf than django", &["faq:is-flask-faster", "compare:performance"]),
    ("<@123456789012345678> is flask faster than django?", &["faq:is-flask-faster", "compare:performance"]),
    ("<@!123456789012345678> is flask faster than django", &["faq:is-flask-faster", "compare:performance"]),
    ("is flask any faster than django 🤔🚀", &["faq:is-flask-faster", "compare:performance"]),
    ("hey all. new here. is flask faster than django?", &["faq:is-flask-faster", "compare:performance"]),
    (
        "```python\nfrom django.http import HttpResponse\ndef index(request):\n    return HttpResponse('hi')\n```\nso is flask faster than django??",
        &["faq:is-flask-faster", "compare:performance"],
    ),
    // --- is-flask-lighter ---
    ("flask is lighter than django right?", &["faq:is-flask-lighter"]),
    ("is django more bloated than flask", &["faq:is-flask-lighter"]),
    ("is `flask` really lighter than `django`?", &["faq:is-flask-lighter"]),
    // --- django-for-large-projects ---
    ("for a really big project would you go django or flask", &["faq:django-for-large-projects"]),
    (
        "is django better than flask for big projects? asking for my team.",
        &["faq:django-for-large-projects", "compare:scalability"],
    ),
    // --- combine-flask-django ---
    ("can i run flask and django in the same project", &["faq:combine-flask-django"]),
    ("is it possible to use django and flask together", &["faq:combine-flask-django"]),
    // --- switch-flask-to-django ---
    ("should i move my flask app over to django", &["faq:switch-flask-to-django"]),
    ("migrating from flask to django worth it?", &["faq:switch-flask-to-django"]),
    // --- when-flask-over-django ---
    ("when would i pick flask over django", &["faq:when-flask-over-django"]),
    // --- machine-learning ---
    ("django or flask for serving a ml model", &["faq:machine-learning", "compare:ml"]),
    ("which is better for machine learning django or flask", &["faq:machine-learning", "compare:ml"]),
    // --- beginners ---
    ("im a beginner, should i start with flask or django", &["faq:beginners"]),
    ("which one should i learn first as a total noob", &["faq:beginners"]),
    ("django vs flask for a beginner?", &["faq:beginners", "compare:learning-curve"]),
    // --- what-about-fastapi ---
    ("what do you think about fastapi", &["faq:what-about-fastapi", "framework:fastapi"]),
    ("what about fastapi though", &["faq:what-about-fastapi", "framework:fastapi"]),
    // --- microservices ---
    ("which is best for microservices, flask or django", &["faq:microservices"]),
    // --- job-market ---
    ("which has more jobs django or flask", &["faq:job-market"]),
    // --- the 17 aspects ---
    ("flask vs django structure", &["compare:architecture"]),
    ("mvc in django vs flask", &["compare:architecture"]),
    ("how does the orm compare between django and flask", &["compare:orm"]),
    ("django vs flask db", &["compare:orm"]),
    ("django or flask w/ a db", &["compare:orm"]),
    ("which has better templates, django or flask", &["compare:templating"]),
    ("flask jinja vs django templates", &["compare:templating"]),
    ("django auth vs flask auth", &["compare:authentication"]),
    ("how does login work in django vs flask", &["compare:authentication"]),
    ("does flask have an admin panel like django", &["compare:admin"]),
    ("is django more secure than flask", &["compare:security"]),
    ("is flask secure?", &["compare:security"]),
    ("django vs flask perf", &["compare:performance", "faq:is-flask-faster"]),
    ("djnago vs flsk perfomance", &["compare:performance", "faq:is-flask-faster"]),
    ("fastpi vs flask perfomance", &["compare:performance", "faq:what-about-fastapi"]),
    ("is fastapi faster than django", &["compare:performance"]),
    ("does django scale better than flask", &["compare:scalability", "faq:django-for-large-projects"]),
    ("which one scales better", &["compare:scalability"]),
    ("does flask support async", &["compare:async"]),
    ("does django have websockets?", &["compare:async"]),
    ("which is better for building a rest api, flask or django", &["compare:rest-api"]),
    ("is django good for a rest api", &["compare:rest-api", "faq:django-vs-fastapi"]),
    ("which one is easier to learn, django or flask?", &["compare:learning-curve", "faq:beginners"]),
    ("whats the learning curve of django like", &["compare:learning-curve"]),
    ("which is more flexible, flask or django", &["compare:flexibility"]),
    ("which has a bigger ecosystem, django or flask", &["compare:ecosystem"]),
    ("which framework has the bigger community", &["compare:ecosystem"]),
    ("i18n in django vs flask", &["compare:i18n"]),
    ("how do django and flask handle translations", &["compare:i18n"]),
    ("how is testing in flask compared to django", &["compare:testing"]),
    ("unit testing flask vs django", &["compare:testing"]),
    ("deploying django vs deploying flask", &["compare:deployment"]),
    ("which is easier to deploy, django or flask?", &["compare:deployment"]),
    ("django vs flask ml", &["compare:ml", "faq:machine-learning"]),
    ("how do django and flask compare for ML workloads", &["compare:ml", "faq:machine-learning"]),
    ("is flask good for machine learning?", &["compare:ml", "faq:machine-learning"]),
    // --- what is X ---
    ("what is django exactly", &["framework:django"]),
    ("what's django?", &["framework:django"]),
    ("tell me about djnago", &["framework:django"]),
    ("whats flask?", &["framework:flask"]),
    ("explain flask to me", &["framework:flask"]),
    ("wat is flsk", &["framework:flask"]),
    ("tell me about FastAPI", &["framework:fastapi", "faq:what-about-fastapi"]),
    ("what is fastapi anyway", &["framework:fastapi", "faq:what-about-fastapi"]),
    ("what is fastpi", &["framework:fastapi", "faq:what-about-fastapi"]),
    ("<@!123456789012345678> what is fastapi", &["framework:fastapi", "faq:what-about-fastapi"]),
    // --- asking for a recommendation ---
    ("which framework should i use for my online shop?", &["decide"]),
    ("help me pick a framework for my startup's app", &["decide"]),
    ("can you recommend a framework for my blog", &["decide"]),
    ("hi! I'm building a small app. should i use flask or django? thanks", &["decide", "faq:which-is-better"]),
    // --- more of what chat looks like ---
    ("yo does flask have an orm or do i need sqlalchemy", &["compare:orm"]),
    ("Which one would you pick for a REST API with lots of endpoints?", &["compare:rest-api", "decide"]),
    ("django admin is so good. does flask have smth like it?", &["compare:admin"]),
    ("should i learn django or flask to get a job", &["faq:job-market"]),
    ("can i use django's orm w/ flask?", &["faq:combine-flask-django", "compare:orm"]),
    ("how hard is it to move a flask project to django?", &["faq:switch-flask-to-django"]),
    ("what are the pros and cons of django", &["framework:django"]),
    ("fastapi or flask for a new api", &["faq:flask-vs-fastapi", "faq:what-about-fastapi", "compare:rest-api"]),
    ("drf or fastapi for my api?", &["faq:django-api-layer", "faq:django-vs-fastapi"]),
    ("how does django compare to fastapi for async", &["compare:async"]),
    ("what's the diff b/w django and flask", &["faq:which-is-better", "compare:architecture"]),
    ("pls help me choose a framework", &["decide"]),
    ("django or flask for an ecommerce site?", &["decide", "faq:which-is-better"]),
    ("does flask scale?", &["compare:scalability"]),
    ("how do sessions work in flask vs django", &["compare:authentication"]),
    ("best framework for beginners", &["faq:beginners", "compare:learning-curve"]),
    ("is djano good for beginners", &["faq:beginners", "compare:learning-curve"]),
    ("does fastapi have an admin panel", &["compare:admin"]),
    ("how does fastapi handle auth", &["compare:authentication"]),
    ("flask blueprint vs django apps", &["compare:architecture"]),
    (
        "django vs flask for machine learning model deployment",
        &["faq:machine-learning", "compare:ml", "compare:deployment"],
    ),
    // --- out of scope ---
    ("thanks, that helped!", &["smalltalk:thanks"]),
    ("good bot", &["smalltalk:thanks"]),
    ("how do i make a discord bot in python", &["none"]),
    ("what's the weather going to be tomorrow", &["none"]),
    ("how do i install python on windows", &["none"]),
    ("express or nestjs, which one?", &["none"]),
    ("laravel vs symfony", &["none"]),
    ("rails or phoenix?", &["none"]),
    ("thanks!", &["smalltalk:thanks"]),
    ("lmao 😂", &["smalltalk:chatter"]),
    ("how do I fix ImportError in my code", &["none"]),
    ("what's the capital of spain", &["none"]),
    ("spring boot vs quarkus", &["none"]),
    ("tell me a funny joke pls", &["none"]),
    ("should i learn rust or go", &["none"]),
    ("how do i center a div", &["none"]),
    ("what's a good pizza place nearby", &["none"]),
];

/// Reasonable messages the matcher answers wrongly today. Printed by `known_misses_are_on_record`, never asserted.
const KNOWN_MISSES: &[Row] = &[
    // "what is {framework} used for" is a framework intent verbatim, yet an FAQ phrasing with "used" can win on
    // that word.
    ("what is flask used for", &["framework:flask", "faq:when-flask-over-django"]),
    // A debugging request ("throws a 500 error") with "help" in it is read as a request for a recommendation.
    ("my django app throws a 500 error on deploy, help", &["none"]),
    // A recommendation request with details: read as "is flask lighter" because of "tiny".
    ("flask or django for a tiny api w/ a db, pls", &["decide", "faq:which-is-better", "compare:rest-api"]),
    // Confident wrong answers to short, common requests.
    ("which should i use", &["decide"]),
    ("is flask production ready", &["faq:companies-using-flask", "framework:flask"]),
    ("can flask do everything django does?", &["faq:django-can-flask-cannot"]),
    ("is django overkill for a simple website", &["faq:when-flask-over-django", "faq:is-flask-lighter", "decide"]),
    ("django or flask for data science dashboards", &["faq:machine-learning", "compare:ml"]),
    // A recommendation request with the project in a second sentence: the FAQ about machine learning wins.
    ("django or flask? i'm building a blog", &["decide", "faq:which-is-better"]),
    // A request for a recommendation without the word "framework" falls under the threshold.
    ("recommend me something for a small api", &["decide"]),
    // Words about the pasted material after a clear question tip it into the FAQ about jobs ("profile").
    ("is flask faster than django? I pasted my profiler output below", &["faq:is-flask-faster", "compare:performance"]),
];

/// The contract ids of PRODUCT.md.
const STABLE_FAQS: &[&str] = &[
    "which-is-better",
    "django-can-flask-cannot",
    "companies-using-flask",
    "companies-using-django",
    "is-flask-better",
    "is-flask-faster",
    "is-flask-lighter",
    "django-for-large-projects",
    "combine-flask-django",
    "switch-flask-to-django",
    "when-flask-over-django",
    "machine-learning",
    "beginners",
    "what-about-fastapi",
    "microservices",
    "job-market",
];

use crate::contract::ASPECTS;

/// Lower case, letters and digits only: how two phrasings are compared for "the same text".
fn normalise(s: &str) -> String {
    s.to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Every text of the knowledge a question could be copied from: FAQ questions and phrasings.
fn knowledge_phrasings() -> BTreeSet<String> {
    let kb = engine().kb();
    kb.faqs.iter().flat_map(|f| std::iter::once(&f.question).chain(&f.phrasings)).map(|s| normalise(s)).collect()
}

fn ask(q: &str) -> Answer {
    engine().ask(q).unwrap_or_else(|e| panic!("{q:?}: unexpected error {e}"))
}

/// The invariants every answer keeps, whatever it answers. Returns the broken ones.
fn invariant_problems(q: &str, a: &Answer) -> Vec<String> {
    let kb = engine().kb();
    let mut problems = Vec::new();
    let mut fail = |m: String| problems.push(format!("{q:?}: {m}"));

    if !(a.confidence.is_finite() && (0.0..=1.0).contains(&a.confidence)) {
        fail(format!("confidence {} outside 0..=1", a.confidence));
    }
    if a.text.trim().is_empty() || a.title.trim().is_empty() {
        fail("empty text or title".into());
    }
    if matches!(a.topic, Topic::None) && a.suggestions.is_empty() {
        fail("a `none` answer without suggestions".into());
    }
    if a.suggestions.len() > 3 {
        fail(format!("{} suggestions, at most 3 expected", a.suggestions.len()));
    }
    let unique: BTreeSet<&String> = a.suggestions.iter().collect();
    if unique.len() != a.suggestions.len() {
        fail(format!("duplicate suggestions {:?}", a.suggestions));
    }
    let label = a.label();
    let own_id = match &a.topic {
        Topic::Faq { id } => Some(id.as_str()),
        _ => None,
    };
    for s in &a.suggestions {
        if Some(s.as_str()) == own_id || *s == label {
            fail(format!("suggests its own answer {s:?}"));
        }
        let known = match s.split_once(':') {
            Some(("compare", x)) => kb.aspect(x).is_some(),
            Some(("framework", x)) => kb.framework(x).is_some(),
            Some(_) => false,
            None => s == "decide" || kb.faq(s).is_some(),
        };
        if !known {
            fail(format!("suggestion {s:?} names nothing in the knowledge"));
        }
    }
    match &a.topic {
        Topic::Faq { id } if kb.faq(id).is_none() => fail(format!("unknown FAQ id {id}")),
        Topic::Framework { id } if kb.framework(id).is_none() && kb.other(id).is_none() => {
            fail(format!("unknown framework id {id}"))
        }
        Topic::Compare { aspect } => {
            let frameworks = &a.frameworks;
            let mut distinct = frameworks.clone();
            distinct.sort();
            distinct.dedup();
            if frameworks.len() < 2 || distinct.len() != frameworks.len() {
                fail(format!("compares {frameworks:?}: two or three different frameworks expected"));
            }
            for f in frameworks {
                if kb.framework(f).is_none() {
                    fail(format!("compares unknown framework {f}"));
                }
            }
            if let Some(x) = aspect {
                if kb.aspect(x).is_none() {
                    fail(format!("unknown aspect {x}"));
                }
            }
        }
        _ => {}
    }
    problems.extend(json_shape_problems(q, a));
    problems
}

/// The `ask --json` object of PRODUCT.md.
fn json_shape_problems(q: &str, a: &Answer) -> Vec<String> {
    let v = serde_json::to_value(a).expect("an answer serialises");
    let mut problems = Vec::new();
    let mut fail = |m: String| problems.push(format!("{q:?}: json {m}: {v}"));
    let Some(obj) = v.as_object() else {
        fail("not an object".into());
        return problems;
    };
    if obj.get("kind").and_then(Value::as_str) != Some(a.kind()) {
        fail(format!("kind is not {:?}", a.kind()));
    }
    match obj.get("confidence").and_then(Value::as_f64) {
        Some(c) if (0.0..=1.0).contains(&c) && ((c * 100.0).round() - c * 100.0).abs() < 1e-6 => {}
        _ => fail("confidence is not a number in 0..1 with two decimals".into()),
    }
    if obj.get("text").and_then(Value::as_str).is_none_or(str::is_empty) {
        fail("text is not a non-empty string".into());
    }
    if !obj.get("suggestions").and_then(Value::as_array).is_some_and(|s| s.iter().all(Value::is_string)) {
        fail("suggestions is not an array of strings".into());
    }
    let string = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    match &a.topic {
        Topic::Faq { id } | Topic::Framework { id } => {
            if string("id").as_ref() != Some(id) {
                fail(format!("id is not {id:?}"));
            }
        }
        Topic::Compare { aspect } => {
            let frameworks = &a.frameworks;
            match obj.get("aspect") {
                Some(Value::Null) if aspect.is_none() => {}
                Some(Value::String(s)) if Some(s) == aspect.as_ref() => {}
                _ => fail("aspect is neither the aspect id nor null".into()),
            }
            let fws: Option<Vec<&str>> =
                obj.get("frameworks").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect());
            let want: Vec<&str> = frameworks.iter().map(String::as_str).collect();
            if fws.as_deref() != Some(&want[..]) {
                fail("frameworks is not the framework ids compared".into());
            }
        }
        Topic::Smalltalk { id } => {
            if string("id").as_ref() != Some(id) {
                fail(format!("id is not {id:?}"));
            }
        }
        Topic::Clarify { choices } => {
            let got: Option<Vec<&str>> =
                obj.get("choices").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect());
            if !(2..=3).contains(&choices.len()) || got.map(|g| g.len()) != Some(choices.len()) {
                fail("choices is not a list of two or three topics".into());
            }
        }
        Topic::Decide { .. } | Topic::None => {
            if obj.contains_key("id") {
                fail("carries an id".into());
            }
        }
    }
    // Every answer names the frameworks it speaks about.
    if !obj.get("frameworks").and_then(Value::as_array).is_some_and(|f| f.iter().all(Value::is_string)) {
        fail("frameworks is not an array of framework ids".into());
    }
    problems
}

#[test]
fn chat_questions_get_the_right_answer() {
    assert!(CASES.len() >= 60, "the main table keeps at least 60 rows, has {}", CASES.len());
    let mut wrong = Vec::new();
    let mut broken = Vec::new();
    for &(q, ok) in CASES {
        let a = ask(q);
        let got = a.label();
        if !ok.contains(&got.as_str()) {
            wrong.push(format!("{q:?}: got {got} ({:.2}), want one of {ok:?}", a.confidence));
        }
        broken.extend(invariant_problems(q, &a));
    }
    assert!(broken.is_empty(), "broken invariants:\n{}", broken.join("\n"));
    assert!(wrong.is_empty(), "{} of {} rows answered wrongly:\n{}", wrong.len(), CASES.len(), wrong.join("\n"));
}

#[test]
fn known_misses_are_on_record() {
    let mut fixed = 0;
    for &(q, ok) in KNOWN_MISSES {
        let a = ask(q);
        let got = a.label();
        let status = if ok.contains(&got.as_str()) {
            fixed += 1;
            "now right, move it to CASES"
        } else {
            "still missed"
        };
        eprintln!("known miss {q:?}: got {got} ({:.2}), want one of {ok:?}: {status}", a.confidence);
        let broken = invariant_problems(q, &a);
        assert!(broken.is_empty(), "broken invariants:\n{}", broken.join("\n"));
    }
    eprintln!("known misses: {} rows, {fixed} now answered right", KNOWN_MISSES.len());
}

#[test]
fn comparisons_name_the_frameworks_asked_about() {
    for (q, want) in [
        ("fastapi vs flask performance", ["fastapi", "flask"]),
        ("is fastapi faster than django", ["fastapi", "django"]),
        ("django vs flask db", ["django", "flask"]),
        ("flask jinja vs django templates", ["flask", "django"]),
    ] {
        let a = ask(q);
        match a.topic {
            Topic::Compare { .. } => assert_eq!(a.frameworks, want.map(String::from), "{q}"),
            other => panic!("{q}: expected a comparison, got {other:?}"),
        }
    }
    // One framework named: it is compared with another one, never with itself.
    for q in ["does flask support async", "does fastapi have an orm", "is flask secure?"] {
        let a = ask(q);
        let frameworks = a.frameworks.clone();
        match a.topic {
            Topic::Compare { .. } => {
                let named = q.split(' ').find(|w| ["flask", "fastapi"].contains(w)).unwrap();
                assert!(frameworks.contains(&named.to_string()), "{q}: {frameworks:?}");
                assert_ne!(frameworks[0], frameworks[1], "{q}");
            }
            other => panic!("{q}: expected a comparison, got {other:?}"),
        }
    }
}

#[test]
fn every_stable_faq_aspect_and_framework_is_reached_by_own_words() {
    let kb = engine().kb();
    let copied = knowledge_phrasings();
    let mut reached: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for &(q, _) in CASES {
        if copied.contains(&normalise(q)) {
            continue; // verbatim knowledge: does not count as reaching the entry
        }
        reached.entry(ask(q).label()).or_default().push(q);
    }
    let mut missing = Vec::new();
    let wanted = STABLE_FAQS
        .iter()
        .map(|id| format!("faq:{id}"))
        .chain(ASPECTS.iter().map(|id| format!("compare:{id}")))
        .chain(kb.frameworks.iter().map(|f| format!("framework:{}", f.id)))
        .chain(["decide".to_string(), "none".to_string()]);
    for label in wanted {
        if !reached.contains_key(&label) {
            missing.push(label);
        }
    }
    assert!(missing.is_empty(), "no row of CASES (outside the knowledge's own phrasings) reaches {missing:?}");
    // The contract lists are the knowledge's, too.
    for id in STABLE_FAQS {
        assert!(kb.faq(id).is_some(), "stable FAQ id {id} is missing from the knowledge");
    }
    let aspects: Vec<&str> = kb.aspects.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(aspects.len(), 17);
    for id in ASPECTS {
        assert!(aspects.contains(id), "aspect {id} is missing from the knowledge");
    }
}

#[test]
fn rows_are_not_copied_from_the_eval_sets() {
    let mut eval = BTreeSet::new();
    for file in ["dev.tsv", "dev-2.tsv"] {
        let path = format!("{}/tests/eval/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        eval.extend(text.lines().filter_map(|l| l.split('\t').next()).map(normalise));
    }
    let copies: Vec<&str> =
        CASES.iter().chain(KNOWN_MISSES).map(|(q, _)| *q).filter(|q| eval.contains(&normalise(q))).collect();
    assert!(copies.is_empty(), "rows copied from tests/eval: {copies:?}");
}

#[test]
fn rows_are_unique() {
    let mut seen = BTreeSet::new();
    for (q, _) in CASES.iter().chain(KNOWN_MISSES) {
        assert!(seen.insert(q.to_lowercase()), "row {q:?} appears twice");
    }
}

#[test]
fn empty_whitespace_and_control_only_questions_are_refused() {
    for q in ["", " ", "   \t\n  ", "\r\n", "\u{0}", "\u{1}\u{7}\u{1b}", "\t\u{0}\u{7f} \u{85}", "\u{3000}\u{a0}"] {
        match engine().ask(q) {
            Err(CoreError::EmptyQuestion) => {}
            other => panic!("{q:?}: expected EmptyQuestion, got {other:?}"),
        }
    }
    let message = CoreError::EmptyQuestion.to_string();
    assert!(message.contains("empty"), "{message}");
}

#[test]
fn a_huge_question_is_refused_with_the_limit_named() {
    let q = "is flask faster than django? ".repeat(700);
    let q = &q[..20_000];
    match engine().ask(q) {
        Err(e @ CoreError::QuestionTooLong { len, max }) => {
            assert_eq!((len, max), (20_000, MAX_QUESTION_CHARS));
            let message = e.to_string();
            assert!(message.contains(&MAX_QUESTION_CHARS.to_string()), "message names the limit: {message}");
            assert!(message.contains("20000"), "message names the length: {message}");
        }
        other => panic!("expected QuestionTooLong, got {other:?}"),
    }
    // The limit counts characters, not bytes: 4,000 emoji are allowed, 4,001 are not.
    assert!(engine().ask(&"🐍".repeat(MAX_QUESTION_CHARS)).is_ok());
    assert!(matches!(engine().ask(&"🐍".repeat(MAX_QUESTION_CHARS + 1)), Err(CoreError::QuestionTooLong { .. })));
}

/// About 3,700 characters of a pasted traceback: what precedes a real question in a long chat message.
fn traceback() -> String {
    let mut s = String::from("Traceback (most recent call last):\n");
    for i in 0..40 {
        s.push_str(&format!(
            "  File \"/srv/app/views_{i}.py\", line {}, in handler\n    return render(request)\n",
            i * 7
        ));
    }
    s
}

#[test]
fn a_long_question_with_the_question_first_is_answered() {
    let body = traceback();
    let q = format!("is flask faster than django? here is my benchmark output\n```\n{body}```");
    let len = q.chars().count();
    assert!((3_000..MAX_QUESTION_CHARS).contains(&len), "{len}");
    let a = ask(&q);
    assert!(["faq:is-flask-faster", "compare:performance"].contains(&a.label().as_str()), "{}", a.label());
    assert!(invariant_problems("long", &a).is_empty());
}

#[test]
fn a_long_question_after_a_pasted_code_block_is_answered() {
    let body = traceback();
    let q = format!("```\n{body}```\nso is flask faster than django?");
    let len = q.chars().count();
    assert!((3_000..MAX_QUESTION_CHARS).contains(&len), "{len}");
    let a = ask(&q);
    assert!(["faq:is-flask-faster", "compare:performance"].contains(&a.label().as_str()), "got {}", a.label());
}

#[test]
fn a_long_question_in_the_middle_of_prose_never_panics() {
    let filler = "we have been going back and forth in the team for weeks now. ".repeat(30);
    let q = format!("{filler} so: is flask faster than django? {filler}");
    let len = q.chars().count();
    assert!((3_000..MAX_QUESTION_CHARS).contains(&len), "{len}");
    let a = ask(&q);
    assert!(invariant_problems("prose", &a).is_empty());
}

/// A tiny linear congruential generator (Knuth's MMIX constants): deterministic noise without a crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }

    fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n
    }
}

/// Pieces chat text is made of, hostile ones included: mentions, fences, emoji (with ZWJ and skin tones), RTL and
/// combining marks, control characters, lone backticks, word fragments the matcher knows.
const PIECES: &[&str] = &[
    "django",
    "flask",
    "fastapi",
    "djnago",
    "flsk",
    "fastpi",
    "perf",
    "w/",
    "b/w",
    "db",
    "pls",
    "vs",
    "or",
    "is",
    "faster",
    "than",
    "which",
    "what",
    "should",
    "i",
    "use",
    "?",
    "!",
    ".",
    ",",
    " ",
    " ",
    " ",
    "\n",
    "\t",
    "```",
    "`",
    "<@",
    ">",
    "<@!123>",
    "<@&1>",
    "<#42>",
    "<:snake:123>",
    "<a:x:1>",
    "<t:1:R>",
    "<",
    "@everyone",
    "'",
    "’s",
    "-",
    "/",
    "{",
    "}",
    "{framework}",
    "{aspect}",
    "§",
    "§0>1",
    "_",
    "#",
    "c#",
    "http://",
    "https://x.y/z",
    "🐍",
    "🚀",
    "👩‍💻",
    "👍🏽",
    "🇺🇸",
    "\u{200b}",
    "\u{200d}",
    "\u{feff}",
    "\u{202e}",
    "\u{0301}",
    "e\u{0301}",
    "ß",
    "İ",
    "ﬁ",
    "Σ",
    "日本語",
    "中文",
    "한국어",
    "العربية",
    "עברית",
    "∑",
    "∞",
    "\u{0}",
    "\u{7}",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{fffd}",
    "𝔡𝔧𝔞𝔫𝔤𝔬",
    "ｄｊａｎｇｏ",
    "0",
    "404",
    "9999999999999999999999",
    "ml",
    "ai",
];

fn soup(rng: &mut Lcg) -> String {
    let n = rng.below(40);
    let mut s = String::new();
    for _ in 0..n {
        if rng.below(5) == 0 {
            // a random scalar value anywhere in Unicode, surrogates skipped by `from_u32`
            let c = char::from_u32(rng.next() % 0x11_0000).unwrap_or('\u{fffd}');
            s.push(c);
        } else {
            s.push_str(PIECES[rng.below(PIECES.len())]);
        }
    }
    s
}

#[test]
fn unicode_and_emoji_soup_never_panics() {
    let mut rng = Lcg(0x5eed_c0ffee);
    let mut answered = 0;
    for i in 0..400 {
        let q = soup(&mut rng);
        match engine().ask(&q) {
            Ok(a) => {
                answered += 1;
                let broken = invariant_problems(&q, &a);
                assert!(broken.is_empty(), "soup #{i}: {}", broken.join("\n"));
            }
            Err(CoreError::EmptyQuestion) => {
                assert!(q.chars().all(|c| c.is_whitespace() || c.is_control()), "soup #{i} {q:?} is not empty");
            }
            Err(e) => panic!("soup #{i} {q:?}: unexpected error {e}"),
        }
    }
    assert!(answered > 300, "most soups are answered (none or otherwise): {answered}");
    // Long soups near the limit, on both sides of it, and around the matcher's own cut at 2,000 characters.
    for target in [1_999, 2_000, 2_001, 3_999, 4_000, 4_001] {
        let mut q = String::new();
        while q.chars().count() < target {
            q.push_str(&soup(&mut rng));
            q.push('x');
        }
        let q: String = q.chars().take(target).collect();
        match engine().ask(&q) {
            Ok(a) => assert!(invariant_problems("long soup", &a).is_empty()),
            Err(CoreError::QuestionTooLong { len, .. }) => assert!(len > MAX_QUESTION_CHARS),
            Err(e) => panic!("long soup of {target}: {e}"),
        }
    }
}
