//! The routing rules of PRODUCT.md as a table: each row is the facts of one message and the plan it must get.
//! No Discord and no store: `route` is pure, so the rules the console and every Discord door share are checked
//! here once ("test the logic, not the Discord calls").

use std::{sync::OnceLock, time::Duration};

use signpost::{
    conversation::{self, Reply},
    dialog::State,
    followup::{Context, Memory},
    route::{route, Addressed, Decision, Incoming, Place, Plan},
    Engine,
};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load(None).expect("built-in knowledge loads"))
}

/// An engine that asks back whenever it is not certain, to have questions back on hand.
fn unsure_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load(None).expect("built-in knowledge loads").with_clarify_floor(1.01))
}

/// A plan in a few words: what it does and with which entry.
fn summary(plan: &Plan) -> String {
    match plan {
        Plan::Silent { answer: None, .. } => "silent".into(),
        Plan::Silent { answer: Some(a), .. } => format!("silent, holding {}", a.label()),
        Plan::Answer { answer, .. } => format!("answer {}", answer.label()),
        Plan::Dialog(turn) => {
            let first = match turn.replies.first() {
                Some(Reply::Question { question, notice: Some(n) }) => format!("question {} ({n})", question.step),
                Some(Reply::Question { question, .. }) => format!("question {}", question.step),
                Some(Reply::Answer(a)) => format!("aside {}", a.label()),
                Some(Reply::Verdict(_)) => "verdict".into(),
                Some(Reply::Record(_)) => "record".into(),
                Some(Reply::Notice(m)) => format!("notice {m}"),
                Some(Reply::Cancelled) => "cancelled".into(),
                Some(Reply::Error(m)) => format!("error {m}"),
                None => "nothing".into(),
            };
            format!("dialog: {first}")
        }
        Plan::Start { answer, .. } => {
            format!("start after {}", answer.as_ref().map_or("nothing".into(), |a| a.label()))
        }
        Plan::TooSoon { wait, .. } => format!("too soon, {} s", wait.as_secs()),
        Plan::Notice(n) => format!("notice {n:?}"),
    }
}

/// The facts of a message, to be changed per row.
fn facts<'a>(text: &'a str, addressed: Addressed, place: &'a Place) -> Incoming<'a> {
    Incoming {
        text,
        addressed,
        place,
        decision: Decision::None,
        memory: None,
        edit_of: None,
        min_confidence: 0.5,
        may_start: Ok(()),
    }
}

/// A decision at its second step (the first answered).
fn running() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let t = conversation::turn(engine(), None, "decide");
        let t = conversation::turn(engine(), t.state.as_ref(), "1");
        t.state.expect("the decision runs after its first answer")
    })
}

/// A decision answered to its verdict (kept, for corrections and the record).
fn finished() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let mut t = conversation::turn(engine(), None, "decide");
        while !t.replies.iter().any(|r| matches!(r, Reply::Verdict(_))) {
            t = conversation::turn(engine(), t.state.as_ref(), "1");
        }
        t.state.expect("the finished decision is kept")
    })
}

fn compared_django_fastapi() -> Memory {
    Memory {
        last: Some(Context {
            label: "compare:performance".into(),
            frameworks: vec!["django".into(), "fastapi".into()],
        }),
        choices: Vec::new(),
    }
}

#[test]
fn every_routing_rule_is_a_row() {
    use Addressed::*;
    let help = Place::Help;
    let channel = Place::Channel;
    let forum_post = Place::ForumPost { title: "is flask faster than django?".into() };
    let forum_chatter = Place::ForumChatter;
    let helped = Place::HumanHelping;
    let quiet = Place::Quiet;
    let direct = Place::Direct;
    let memory = compared_django_fastapi();
    let choices = Memory { last: None, choices: vec!["is-flask-faster".into(), "which-is-better".into()] };
    let long = "is flask fast? ".repeat(400);
    let state = running();
    let done = finished();
    let wait = Duration::from_secs(30);

    type Row<'a> = (&'a str, Incoming<'a>, &'a str);
    let rows: Vec<Row> = vec![
        // Answers: addressed messages are always answered; small talk is answered in kind.
        ("a DM question", facts("is flask faster than django?", Direct, &direct), "answer faq:is-flask-faster"),
        ("a mention", facts("is flask faster than django?", Mention, &channel), "answer faq:is-flask-faster"),
        ("thanks in a mention", facts("thanks!", Mention, &channel), "answer smalltalk:thanks"),
        ("an empty mention", facts("", Mention, &channel), "notice Empty"),
        ("an oversized mention", facts(&long, Mention, &channel), "notice Error"),
        ("unknown topic, mentioned", facts("how do i bake bread", Mention, &channel), "answer none"),
        // Help channels: confident answers only; chatter and thanks stay unanswered, help and about are answered.
        ("help channel, confident", facts("is flask faster than django?", No, &help), "answer faq:is-flask-faster"),
        ("help channel, thanks", facts("thanks!", No, &help), "silent, holding smalltalk:thanks"),
        ("help channel, chatter", facts("lol", No, &help), "silent, holding smalltalk:chatter"),
        ("help channel, asking for help", facts("help", No, &help), "answer smalltalk:help"),
        ("help channel, unknown", facts("how do i bake bread", No, &help), "silent, holding none"),
        (
            "help channel, under the server's bar",
            Incoming { min_confidence: 1.01, ..facts("is flask faster than django?", No, &help) },
            "silent, holding faq:is-flask-faster",
        ),
        ("help channel, oversized", facts(&long, No, &help), "silent"),
        ("an unwatched channel", facts("is flask faster than django?", No, &channel), "silent"),
        // Forums: a new post is answered from its title and text; later messages are left to the humans.
        ("a new forum post", facts("", No, &forum_post), "answer faq:is-flask-faster"),
        ("forum chatter", facts("is flask faster than django?", No, &forum_chatter), "silent"),
        (
            "forum chatter, mentioned",
            facts("is flask faster than django?", Mention, &forum_chatter),
            "answer faq:is-flask-faster",
        ),
        // A human helps in the thread: the bot steps back, answering only what is addressed to it.
        ("a helped thread", facts("is flask faster than django?", No, &helped), "silent"),
        (
            "a helped thread, mentioned",
            facts("is flask faster than django?", Mention, &helped),
            "answer faq:is-flask-faster",
        ),
        // A help channel turned off: nothing, mentioned or not; its decision still runs.
        ("a quiet channel", facts("is flask faster than django?", No, &quiet), "silent"),
        ("a quiet channel, mentioned", facts("is flask faster than django?", Mention, &quiet), "silent"),
        ("a quiet channel, decide", facts("decide", Mention, &quiet), "silent"),
        (
            "a quiet channel's running decision",
            Incoming {
                decision: Decision::Running { state, in_place: false, changed: false },
                ..facts("2", No, &quiet)
            },
            "dialog: question size",
        ),
        // A finished decision rests: only its commands reach it; other text is a new message.
        (
            "a number after the verdict",
            Incoming { decision: Decision::Running { state: done, in_place: false, changed: false }, ..facts("2", No, &channel) },
            "silent",
        ),
        (
            "a question after the verdict",
            Incoming {
                decision: Decision::Running { state: done, in_place: false, changed: false },
                ..facts("is flask faster than django?", Direct, &direct)
            },
            "answer faq:is-flask-faster",
        ),
        (
            "change 1 after the verdict",
            Incoming { decision: Decision::Running { state: done, in_place: false, changed: false }, ..facts("change 1", No, &channel) },
            "dialog: question project (Changing \"What are you building?\": you had answered *A content-heavy website (blog, news, CMS, marketing or docs site)*.)",
        ),
        (
            "record after the verdict",
            Incoming { decision: Decision::Running { state: done, in_place: false, changed: false }, ..facts("record", No, &channel) },
            "dialog: record",
        ),
        // Replies to the bot: answered like a mention, silent on chatter.
        (
            "a reply with a question",
            facts("is flask faster than django?", Reply, &channel),
            "answer faq:is-flask-faster",
        ),
        ("a reply saying thanks", facts("thanks!", Reply, &channel), "silent, holding smalltalk:thanks"),
        // A conversation: a follow-up continues the remembered topic and frameworks; a pick answers a question back.
        (
            "a follow-up with memory",
            Incoming { memory: Some(&memory), ..facts("and security?", Mention, &channel) },
            "answer compare:security",
        ),
        (
            "a pick among the choices",
            Incoming { memory: Some(&choices), ..facts("2", Mention, &channel) },
            "answer faq:which-is-better",
        ),
        // Decisions: asked for, started (behind the cooldown, whatever the door).
        ("decide typed to the bot", facts("decide", Mention, &channel), "start after nothing"),
        ("decide typed in a help channel", facts("decide", No, &help), "silent"),
        (
            "a request for a recommendation",
            facts("which framework should i use for my online shop?", Mention, &channel),
            "start after decide",
        ),
        (
            "a request, within the cooldown",
            Incoming {
                may_start: Err(wait),
                ..facts("which framework should i use for my online shop?", Mention, &channel)
            },
            "too soon, 30 s",
        ),
        (
            "decide within the cooldown",
            Incoming { may_start: Err(wait), ..facts("decide", Direct, &direct) },
            "too soon, 30 s",
        ),
        ("back with no decision", facts("back", Mention, &channel), "notice NoDecision"),
        ("a number with no decision", facts("3", Direct, &direct), "notice NoDecision"),
        ("back in a help channel", facts("back", No, &help), "silent"),
        // A running decision takes its user's text in its own thread, and only what is meant for it in a shared
        // channel.
        (
            "an answer in the decision's thread",
            Incoming {
                decision: Decision::Running { state, in_place: false, changed: false },
                ..facts("2", No, &channel)
            },
            "dialog: question size",
        ),
        (
            "a side question in the decision's thread",
            Incoming {
                decision: Decision::Running { state, in_place: false, changed: false },
                ..facts("is flask faster than django?", No, &channel)
            },
            "dialog: aside faq:is-flask-faster",
        ),
        (
            "chatter beside a decision in a shared channel",
            Incoming {
                decision: Decision::Running { state, in_place: true, changed: false },
                ..facts("lol same", No, &channel)
            },
            "silent",
        ),
        (
            "an option named in a shared channel",
            Incoming {
                decision: Decision::Running { state, in_place: true, changed: false },
                ..facts("not sure yet", No, &channel)
            },
            "dialog: question size",
        ),
        (
            "a decision whose knowledge changed",
            Incoming {
                decision: Decision::Running { state, in_place: false, changed: true },
                ..facts("2", No, &channel)
            },
            "dialog: question rendering (This question changed since it was shown; here it is again.)",
        ),
        (
            "decide during a decision",
            Incoming {
                decision: Decision::Running { state, in_place: false, changed: false },
                ..facts("decide", No, &channel)
            },
            "dialog: question project",
        ),
        // An expired decision is said once, and not to chatter in a shared channel.
        (
            "an expired decision",
            Incoming { decision: Decision::Expired { in_place: false }, ..facts("2", No, &channel) },
            "notice Expired",
        ),
        (
            "chatter after an in-place decision expired",
            Incoming { decision: Decision::Expired { in_place: true }, ..facts("lol", No, &channel) },
            "silent",
        ),
        (
            "a mention after an in-place decision expired",
            Incoming { decision: Decision::Expired { in_place: true }, ..facts("2", Mention, &channel) },
            "notice Expired",
        ),
        // The store did not answer: questions are answered; only what was meant for a decision is told to retry.
        (
            "store down, a mentioned question",
            Incoming { decision: Decision::Unknown, ..facts("is flask faster than django?", Mention, &channel) },
            "answer faq:is-flask-faster",
        ),
        (
            "store down, a help-channel question",
            Incoming { decision: Decision::Unknown, ..facts("is flask faster than django?", No, &help) },
            "answer faq:is-flask-faster",
        ),
        (
            "store down, back",
            Incoming { decision: Decision::Unknown, ..facts("back", Mention, &channel) },
            "notice StoreDown",
        ),
        (
            "store down, a number in a DM",
            Incoming { decision: Decision::Unknown, ..facts("2", Direct, &direct) },
            "notice StoreDown",
        ),
        ("store down, chatter", Incoming { decision: Decision::Unknown, ..facts("lol", No, &channel) }, "silent"),
        // Edits: an unchanged text is not a new question; an edit only ever updates an answer.
        (
            "an edit that changes nothing",
            Incoming {
                edit_of: Some("Is Flask  faster than django?"),
                ..facts("is flask faster than django?", Mention, &channel)
            },
            "silent",
        ),
        (
            "an edit to another question",
            Incoming { edit_of: Some("is django secure?"), ..facts("is flask faster than django?", Mention, &channel) },
            "answer faq:is-flask-faster",
        ),
        (
            "an edit into chatter in a help channel",
            Incoming { edit_of: Some("is flask faster than django?"), ..facts("thanks!", No, &help) },
            "silent, holding smalltalk:thanks",
        ),
        (
            "an edit into a request for a decision",
            Incoming {
                edit_of: Some("is flask faster?"),
                ..facts("which framework should i use for my shop?", Mention, &channel)
            },
            "silent",
        ),
    ];
    let mut wrong = Vec::new();
    for (name, incoming, expected) in &rows {
        let got = summary(&route(engine(), incoming));
        if !got.starts_with(expected) {
            wrong.push(format!("{name}: expected `{expected}`, got `{got}`"));
        }
    }
    assert!(wrong.is_empty(), "{} of {} rows wrong:\n{}", wrong.len(), rows.len(), wrong.join("\n"));
}

#[test]
fn asking_back_is_for_those_who_asked_and_for_new_forum_posts() {
    use Addressed::*;
    let q = "flask or django";
    let post = Place::ForumPost { title: q.into() };
    for (incoming, expected) in [
        (facts(q, Mention, &Place::Channel), "answer clarify"),
        (facts(q, Reply, &Place::Channel), "answer clarify"),
        (facts("", No, &post), "answer clarify"),
        (facts(q, No, &Place::Help), "silent, holding clarify"),
    ] {
        let got = summary(&route(unsure_engine(), &incoming));
        assert_eq!(got, expected, "{:?} in {:?}", incoming.addressed, incoming.place);
    }
}

#[test]
fn a_follow_up_keeps_the_frameworks_of_the_conversation() {
    let memory = compared_django_fastapi();
    let incoming = Incoming { memory: Some(&memory), ..facts("and security?", Addressed::Reply, &Place::Channel) };
    let Plan::Answer { answer, memory: kept, .. } = route(engine(), &incoming) else {
        panic!("a follow-up is answered")
    };
    assert_eq!(answer.frameworks, ["django", "fastapi"]);
    assert_eq!(kept.last.map(|c| c.label), Some("compare:security".to_string()));
    // Without the memory (a store that did not answer), the same words are not taken as Django vs FastAPI.
    let alone = facts("and security?", Addressed::Reply, &Place::Channel);
    if let Plan::Answer { answer, .. } = route(engine(), &alone) {
        assert_ne!(answer.frameworks, ["django", "fastapi"]);
    }
}

#[test]
fn the_console_and_a_dm_take_the_same_route() {
    // The console carries plans out through `conversation::turn_in`, Discord through `discord::send`; both from
    // `route`, so a DM and a console line with the same facts get the same plan.
    let memory = Memory::default();
    for text in ["is flask faster than django?", "thanks!", "back", "decide", "which framework for my shop?", ""] {
        let console = summary(&route(engine(), &Incoming::direct(text, None, &memory)));
        let dm = summary(&route(engine(), &facts(text, Addressed::Direct, &Place::Direct)));
        assert_eq!(console, dm, "{text:?}");
    }
}
