//! Smoke tests of the fake Discord: a bare poise bot end to end, the OpenAPI check, serenity parsing the
//! fake's answers and injected events, failure injection and both reconnect paths.

use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;
use serde_json::json;
use tokio::sync::mpsc;

use crate::fake_discord::{
    bare_bot, init_logging, openapi, opt, opt_focused, opt_user, FakeDiscord, MessageRef, Recorded, ResumeBehavior,
    TestUser, Where, APPLICATION_ID, BOT_USER_ID, CHANNEL_ID, GUILD_ID, WAIT,
};

fn is_post_to_channel(r: &Recorded, channel: u64) -> bool {
    r.method == "POST" && r.path == format!("/channels/{channel}/messages")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_bot_end_to_end() {
    init_logging();
    let t0 = Instant::now();
    let fake = FakeDiscord::start().await;
    let bot = bare_bot::spawn(&fake).await;
    fake.wait_ready(WAIT).await;
    let t_ready = t0.elapsed();
    assert_eq!(fake.identify_count(), 1);
    let identify = fake.last_identify().expect("IDENTIFY payload");
    assert_eq!(identify["intents"].as_u64(), Some(bare_bot::intents().bits()));

    let commands = fake.wait_commands(WAIT).await;
    let t_commands = t0.elapsed();
    let mut names: Vec<&str> = commands.as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["embed", "ping", "post"]);
    let registration = fake.command_registrations();
    assert_eq!(registration[0].0, format!("/applications/{APPLICATION_ID}/commands"));

    // /ping: one callback, type 4, "pong", no mentions allowed.
    let user = TestUser::human();
    let sent = Instant::now();
    let ping = fake.slash_command("ping", json!([]), &user);
    let cb = fake.wait_callback(&ping, WAIT).await;
    let ping_latency = sent.elapsed();
    assert_eq!(cb.callback_type(), Some(4));
    assert_eq!(cb.content(), Some("pong"));
    let allowed = &cb.body.as_ref().unwrap()["data"]["allowed_mentions"];
    assert_eq!((&allowed["parse"], &allowed["users"]), (&json!([]), &json!([])));
    assert!(!cb.is_ephemeral());
    assert_eq!(fake.original_message(&ping).unwrap()["content"], "pong");
    assert_eq!(fake.interaction_responses(&ping).len(), 1);

    // /embed title:Hello: the embed comes back in the callback.
    let emb = fake.slash_command("embed", json!([opt("title", "Hello")]), &user);
    let cb = fake.wait_callback(&emb, WAIT).await;
    let embeds = cb.embeds();
    assert_eq!(embeds.len(), 1);
    assert_eq!(embeds[0]["title"], "Hello");
    assert_eq!(embeds[0]["fields"].as_array().map(Vec::len), Some(2));

    // /post: a channel message with an embed, then an ephemeral acknowledgement.
    let mark = fake.mark();
    let post = fake.slash_command("post", json!([]), &user);
    let msg = fake.wait_request_since(mark, |r| is_post_to_channel(r, CHANNEL_ID), WAIT).await;
    assert_eq!(msg.status, 200);
    assert_eq!(msg.embeds()[0]["title"], "Flask or Django?");
    assert_eq!(msg.response.as_ref().unwrap()["author"]["id"], BOT_USER_ID.to_string());
    let cb = fake.wait_callback(&post, WAIT).await;
    assert!(cb.is_ephemeral());
    assert_eq!(cb.content(), Some("posted"));
    assert_eq!(
        fake.messages_in(CHANNEL_ID).iter().filter(|m| m["embeds"].as_array().is_some_and(|e| !e.is_empty())).count(),
        2
    );

    // Drop the websocket: serenity resumes, and a command sent meanwhile is still answered.
    let t_drop = Instant::now();
    assert!(fake.drop_gateway());
    let again = fake.slash_command("ping", json!([]), &user);
    let cb = fake.wait_callback(&again, WAIT).await;
    let reconnect = t_drop.elapsed();
    assert_eq!(cb.content(), Some("pong"));
    assert!(fake.resume_count() + fake.identify_count() >= 2, "{}", fake.describe());
    assert!(fake.gateway_connections() >= 2);

    assert_eq!(fake.ready_count(), 1, "a resume should not need a second READY");
    assert!(fake.openapi_violations().is_empty(), "{:#?}", fake.openapi_violations());
    assert!(fake.unexpected_requests().is_empty(), "{:#?}", fake.unexpected_requests());
    fake.assert_clean();
    bot.shutdown().await;
    eprintln!(
        "bare bot smoke: READY after {t_ready:?}, commands after {t_commands:?}, /ping answered in {ping_latency:?}, \
         answered again {reconnect:?} after the gateway drop, total {:?}",
        t0.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_session_leads_to_a_fresh_identify() {
    let fake = FakeDiscord::start().await;
    let bot = bare_bot::spawn(&fake).await;
    fake.wait_ready(WAIT).await;
    fake.wait_commands(WAIT).await;
    fake.set_resume_behavior(ResumeBehavior::Invalidate);
    let t = Instant::now();
    assert!(fake.drop_gateway());
    let ping = fake.slash_command("ping", json!([]), &TestUser::human());
    // serenity's shard queuer waits 5 s between shard starts before it IDENTIFYs again.
    let cb = fake.wait_callback(&ping, Duration::from_secs(20)).await;
    assert_eq!(cb.content(), Some("pong"));
    assert_eq!(fake.identify_count(), 2, "{}", fake.describe());
    assert!(fake.resume_count() >= 1);
    assert_eq!(fake.ready_count(), 2);
    fake.assert_clean();
    bot.shutdown().await;
    eprintln!("re-identify after an invalid session took {:?}", t.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_rejects_bad_bodies() {
    // Straight through the checker.
    assert!(openapi::check_request("POST", "/channels/1/messages", Some(&json!({"content": "hi"}))).is_empty());
    let long = "x".repeat(2001);
    let errs = openapi::check_request("POST", "/channels/1/messages", Some(&json!({"content": long})));
    assert!(errs.iter().any(|e| e.contains("2000")), "{errs:?}");
    let errs = openapi::check_request("POST", "/channels/1/messages", Some(&json!({"content": "x".repeat(4001)})));
    assert!(errs.iter().any(|e| e.contains("/content") && e.contains("longer")), "schema maxLength: {errs:?}");
    let errs =
        openapi::check_request("POST", "/channels/1/messages", Some(&json!({"embeds": [{"title": "t".repeat(257)}]})));
    assert!(errs.iter().any(|e| e.contains("/embeds/0/title")), "{errs:?}");
    let errs = openapi::check_request(
        "POST",
        "/interactions/1/tok/callback",
        Some(
            &json!({"type": 4, "data": {"components": [{"type": 1, "components": [{"type": 2, "style": 9, "label": "x", "custom_id": "a"}]}]}}),
        ),
    );
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert!(
        errs[0].starts_with(
            "[CreateMessageInteractionCallbackRequest] at /data/components/0/components/0/style: 9 is none of 1, 2"
        ),
        "{errs:?}"
    );
    let errs = openapi::check_request(
        "POST",
        "/interactions/1/tok/callback",
        Some(&json!({"type": 8, "data": {"choices": [{"name": 5, "value": "a"}]}})),
    );
    assert!(
        errs.iter().all(|e| e.starts_with("[ApplicationCommandAutocompleteCallbackRequest]")) && !errs.is_empty(),
        "{errs:?}"
    );
    assert!(!openapi::check_request("GET", "/no/such/route", None).is_empty());

    // Through HTTP: the fake answers 400 / 50035 and records the violation.
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    let ok = http.send_message(CHANNEL_ID.into(), vec![], &json!({"content": "fine"})).await;
    assert!(ok.is_ok(), "{ok:?}");
    let err = http.send_message(CHANNEL_ID.into(), vec![], &json!({"content": "x".repeat(2001)})).await;
    assert!(err.is_err());
    let violations = fake.openapi_violations();
    assert_eq!(violations.len(), 1, "{}", violations.iter().map(ToString::to_string).collect::<String>());
    assert_eq!(violations[0].path, format!("/channels/{CHANNEL_ID}/messages"));
    assert_eq!(violations[0].template.as_deref(), Some("/channels/{channel_id}/messages"));
    let recorded = fake.requests();
    assert_eq!(recorded.last().unwrap().status, 400);
    assert_eq!(recorded.last().unwrap().response.as_ref().unwrap()["code"], 50035);

    // An interaction callback with content over 2,000 characters.
    let i = fake.slash_command("anything", json!([]), &TestUser::human());
    let r = http
        .create_interaction_response(
            i.id.into(),
            &i.token,
            &json!({"type": 4, "data": {"content": "y".repeat(2001)}}),
            vec![],
        )
        .await;
    assert!(r.is_err());
    assert_eq!(fake.openapi_violations().len(), 2);
    let v = &fake.openapi_violations()[1];
    assert!(
        v.errors.iter().any(|e| e.starts_with("[CreateMessageInteractionCallbackRequest] at /data/content")),
        "{v}"
    );
    assert!(v.errors.iter().any(|e| e.starts_with("at /data/content: 2001 characters")), "{v}");
}

/// The fake's answers go through serenity's own HTTP client and models.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_answers_parse_in_serenity() {
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    let channel = serenity::ChannelId::new(CHANNEL_ID);

    let me = http.get_current_user().await.expect("users/@me");
    assert_eq!(me.id.get(), BOT_USER_ID);
    let app = http.get_current_application_info().await.expect("oauth2/applications/@me");
    assert_eq!(app.id.get(), APPLICATION_ID);
    assert!(app.owner.is_some());
    let gw = http.get_bot_gateway().await.expect("gateway/bot");
    assert_eq!(gw.url, fake.gateway_url());

    let ch = channel.to_channel(&http).await.expect("GET channel");
    assert_eq!(ch.guild().expect("a guild channel").guild_id.get(), GUILD_ID);

    let button = serenity::CreateButton::new("b1").label("Go").style(serenity::ButtonStyle::Primary);
    let menu = serenity::CreateSelectMenu::new(
        "s1",
        serenity::CreateSelectMenuKind::String {
            options: vec![
                serenity::CreateSelectMenuOption::new("Flask", "flask"),
                serenity::CreateSelectMenuOption::new("Django", "django"),
            ],
        },
    );
    let sent = channel
        .send_message(
            &http,
            serenity::CreateMessage::new()
                .content(format!("hi {}", TestUser::human().mention()))
                .embed(serenity::CreateEmbed::new().title("t").field("a", "b", false))
                .components(vec![
                    serenity::CreateActionRow::Buttons(vec![button]),
                    serenity::CreateActionRow::SelectMenu(menu),
                ]),
        )
        .await
        .expect("send_message");
    assert_eq!(sent.author.id.get(), BOT_USER_ID);
    assert_eq!(sent.mentions.len(), 1);
    assert_eq!(sent.components.len(), 2);
    let edited = channel
        .edit_message(&http, sent.id, serenity::EditMessage::new().content("edited"))
        .await
        .expect("edit_message");
    assert_eq!(edited.content, "edited");
    assert!(edited.edited_timestamp.is_some());
    channel.broadcast_typing(&http).await.expect("typing");

    let thread = channel
        .create_thread_from_message(&http, sent.id, serenity::CreateThread::new("from message"))
        .await
        .expect("thread from message");
    assert_eq!(thread.id.get(), sent.id.get());
    assert_eq!(thread.kind, serenity::ChannelType::PublicThread);
    let private = channel
        .create_thread(&http, serenity::CreateThread::new("decision").kind(serenity::ChannelType::PrivateThread))
        .await
        .expect("thread");
    assert_eq!(private.parent_id, Some(channel));
    thread.id.send_message(&http, serenity::CreateMessage::new().content("in thread")).await.expect("post in thread");
    assert_eq!(fake.threads().len(), 2);

    // Failure injection: thread creation without permission.
    fake.fail_missing_permissions("POST", &format!("/channels/{CHANNEL_ID}/threads"));
    let err = channel.create_thread(&http, serenity::CreateThread::new("nope")).await.expect_err("403");
    match err {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(resp)) => {
            assert_eq!(resp.status_code.as_u16(), 403);
            assert_eq!(resp.error.code, 50013);
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!(fake.requests().last().unwrap().injected_failure);
    fake.clear_failures();
    channel.create_thread(&http, serenity::CreateThread::new("yes")).await.expect("thread after clearing");

    // Interaction webhooks: callback, @original, followup, edits.
    let i = fake.slash_command("whatever", json!([]), &TestUser::human());
    let iid = serenity::InteractionId::new(i.id);
    let early = http.get_original_interaction_response(&i.token).await;
    assert!(early.is_err());
    assert_eq!(fake.unexpected_requests().len(), 1, "@original before a response is a bot bug");
    http.create_interaction_response(iid, &i.token, &json!({"type": 5}), vec![]).await.expect("defer");
    let original = http.get_original_interaction_response(&i.token).await.expect("@original");
    assert_eq!(original.content, "");
    let edited = http
        .edit_original_interaction_response(&i.token, &json!({"content": "done"}), vec![])
        .await
        .expect("edit @original");
    assert_eq!(edited.content, "done");
    let follow = http
        .create_followup_message(&i.token, &json!({"content": "more", "flags": 64}), vec![])
        .await
        .expect("followup");
    assert_eq!(follow.flags.map(|f| f.bits()), Some(64));
    http.edit_followup_message(&i.token, follow.id, &json!({"content": "more!"}), vec![]).await.expect("edit followup");
    let twice =
        http.create_interaction_response(iid, &i.token, &json!({"type": 4, "data": {"content": "x"}}), vec![]).await;
    assert!(twice.is_err());
    // GET @original (failed), callback, GET @original, PATCH @original, followup, its edit, second callback.
    assert_eq!(fake.interaction_responses(&i).len(), 7);
    assert_eq!(fake.unexpected_requests().len(), 2, "second acknowledgement");
    assert!(fake.openapi_violations().is_empty(), "{:#?}", fake.openapi_violations());
    assert!(fake.harness_errors().is_empty(), "{:#?}", fake.harness_errors());
}

/// Records what a raw serenity client receives.
struct Recorder(mpsc::UnboundedSender<String>);

#[serenity::async_trait]
impl serenity::EventHandler for Recorder {
    async fn message(&self, _ctx: serenity::Context, m: serenity::Message) {
        let _ =
            self.0.send(format!("message {} {} bot={} guild={}", m.id, m.content, m.author.bot, m.guild_id.is_some()));
    }
    async fn interaction_create(&self, _ctx: serenity::Context, i: serenity::Interaction) {
        let s = match i {
            serenity::Interaction::Command(c) => format!("command {} {}", c.data.name, u8::from(c.data.kind)),
            serenity::Interaction::Autocomplete(a) => format!("autocomplete {}", a.data.name),
            serenity::Interaction::Component(c) => format!("component {} {:?}", c.data.custom_id, c.data.kind),
            serenity::Interaction::Modal(m) => format!("modal {}", m.data.custom_id),
            other => format!("other {:?}", other.kind()),
        };
        let _ = self.0.send(s);
    }
    async fn thread_create(&self, _ctx: serenity::Context, t: serenity::GuildChannel) {
        let _ = self.0.send(format!("thread {}", t.name));
    }
}

async fn next_event(rx: &mut mpsc::UnboundedReceiver<String>, fake: &FakeDiscord) -> String {
    match tokio::time::timeout(WAIT, rx.recv()).await {
        Ok(Some(e)) => e,
        _ => panic!("no event reached serenity\n{}", fake.describe()),
    }
}

/// Every kind of injected event is parsed by serenity and reaches its event handler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_events_reach_serenity() {
    let fake = FakeDiscord::start().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let intents = serenity::GatewayIntents::non_privileged() | serenity::GatewayIntents::MESSAGE_CONTENT;
    let mut client =
        serenity::ClientBuilder::new_with_http(fake.http(), intents).event_handler(Recorder(tx)).await.expect("client");
    let task = tokio::spawn(async move { client.start().await });
    fake.wait_ready(WAIT).await;
    let human = TestUser::human();

    let m = fake.message_create(CHANNEL_ID, &human, "flask or django?", &[], Some(GUILD_ID));
    assert_eq!(
        next_event(&mut rx, &fake).await,
        format!("message {} flask or django? bot=false guild=true", m["id"].as_str().unwrap())
    );
    let dm = fake.dm_message_create(&human, "hello in private");
    assert!(next_event(&mut rx, &fake).await.ends_with("hello in private bot=false guild=false"), "{dm}");
    fake.bot_message_create(CHANNEL_ID, &TestUser::other_bot(), "beep", &[]);
    assert!(next_event(&mut rx, &fake).await.ends_with("beep bot=true guild=true"));

    // A message with components, written by the bot through the REST API (echoed as MESSAGE_CREATE).
    let http = fake.http();
    let button = serenity::CreateButton::new("go").label("Go");
    let menu = serenity::CreateSelectMenu::new(
        "pick",
        serenity::CreateSelectMenuKind::String {
            options: vec![serenity::CreateSelectMenuOption::new("Flask", "flask")],
        },
    );
    let sent = serenity::ChannelId::new(CHANNEL_ID)
        .send_message(
            &http,
            serenity::CreateMessage::new().content("[own]").components(vec![
                serenity::CreateActionRow::Buttons(vec![button]),
                serenity::CreateActionRow::SelectMenu(menu),
            ]),
        )
        .await
        .unwrap();
    assert!(next_event(&mut rx, &fake).await.contains("[own] bot=true guild=true"));

    fake.slash_command("decide start", json!([opt("topic", "web")]), &human);
    assert_eq!(next_event(&mut rx, &fake).await, "command decide 1");
    fake.autocomplete("compare", json!([opt_focused("framework", "fla")]), &human);
    assert_eq!(next_event(&mut rx, &fake).await, "autocomplete compare");
    fake.component_click("go", MessageRef::Auto, &human);
    assert_eq!(next_event(&mut rx, &fake).await, "component go Button");
    fake.select_choice("pick", &["flask"], sent.id.get(), &human);
    assert!(next_event(&mut rx, &fake).await.starts_with("component pick StringSelect"));
    fake.modal_submit("feedback", &[("text", "great")], &human);
    assert_eq!(next_event(&mut rx, &fake).await, "modal feedback");
    fake.message_context_menu("Ask Signpost", &m, &human);
    assert_eq!(next_event(&mut rx, &fake).await, "command Ask Signpost 3");
    fake.slash_command_in(Where::Dm, "ping", json!([]), &human);
    assert_eq!(next_event(&mut rx, &fake).await, "command ping 1");

    let _thread = serenity::ChannelId::new(CHANNEL_ID)
        .create_thread(&http, serenity::CreateThread::new("a thread").kind(serenity::ChannelType::PublicThread))
        .await
        .unwrap();
    assert_eq!(next_event(&mut rx, &fake).await, "thread a thread");

    let notes = fake.gateway_notes();
    assert!(notes.is_empty(), "{notes:?}");
    assert!(fake.harness_errors().is_empty(), "{:?}", fake.harness_errors());
    task.abort();
}

/// Without the MESSAGE_CONTENT intent, guild messages arrive with empty content unless they mention the bot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_content_intent_is_enforced() {
    let fake = FakeDiscord::start().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut client = serenity::ClientBuilder::new_with_http(fake.http(), serenity::GatewayIntents::non_privileged())
        .event_handler(Recorder(tx))
        .await
        .expect("client");
    let task = tokio::spawn(async move { client.start().await });
    fake.wait_ready(WAIT).await;
    let human = TestUser::human();
    fake.message_create(CHANNEL_ID, &human, "secret", &[], Some(GUILD_ID));
    assert!(next_event(&mut rx, &fake).await.contains("  bot=false"), "content should be empty");
    let bot = TestUser::bot_self();
    fake.message_create(
        CHANNEL_ID,
        &human,
        &format!("{} hi", bot.mention()),
        std::slice::from_ref(&bot),
        Some(GUILD_ID),
    );
    assert!(next_event(&mut rx, &fake).await.contains(" hi bot=false"));
    fake.dm_message_create(&human, "dm text");
    assert!(next_event(&mut rx, &fake).await.contains("dm text"));
    task.abort();
}

/// Injected commands follow the registered definitions, as Discord's would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_options_follow_the_registration() {
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    let ask = serenity::CreateCommand::new("ask")
        .description("Ask a question")
        .add_option(
            serenity::CreateCommandOption::new(serenity::CommandOptionType::String, "question", "What").required(true),
        )
        .add_option(serenity::CreateCommandOption::new(serenity::CommandOptionType::Number, "weight", "How much"))
        .add_option(serenity::CreateCommandOption::new(serenity::CommandOptionType::User, "who", "Whom"));
    let decide = serenity::CreateCommand::new("decide").description("Decide").add_option(
        serenity::CreateCommandOption::new(serenity::CommandOptionType::SubCommand, "start", "Start a decision"),
    );
    let registered = serenity::Command::set_global_commands(&http, vec![ask, decide]).await.expect("register");
    assert_eq!(registered.len(), 2);
    let human = TestUser::human();

    let i = fake.slash_command(
        "ask",
        json!([opt("question", "flask?"), opt("weight", 2), opt_user("who", &TestUser::other_human())]),
        &human,
    );
    let data = &i.payload["data"];
    assert_eq!(data["id"], json!(registered[0].id.to_string()));
    assert_eq!(data["options"][1]["type"], 10, "the registered type wins over the guessed one");
    assert_eq!(data["resolved"]["users"][crate::fake_discord::OTHER_HUMAN_USER_ID.to_string()]["username"], "bob");
    fake.slash_command("decide start", json!([]), &human);

    let panics = |f: &dyn Fn()| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err();
    assert!(panics(&|| {
        fake.slash_command("nope", json!([]), &human);
    }));
    assert!(panics(&|| {
        fake.slash_command("ask", json!([]), &human);
    }));
    assert!(panics(&|| {
        fake.slash_command("ask", json!([opt("question", "q"), opt("colour", "red")]), &human);
    }));
    assert!(panics(&|| {
        fake.slash_command("ask", json!([opt("question", 5)]), &human);
    }));
    assert!(panics(&|| {
        fake.slash_command("decide stop", json!([]), &human);
    }));
    fake.autocomplete("ask", json!([opt_focused("question", "fla")]), &human);
    assert!(fake.unexpected_requests().is_empty());
}
