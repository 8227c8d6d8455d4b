//! More than one backend: a push reaches every backend routing gives its kind, each on its
//! own (a failing or hanging one delays no other, and keeps its own outbox and hold); `send
//! --to` tests one; a broken `[routing]` is a config error naming its key; `doctor` checks
//! and reports each backend. Against the strict ntfy, Telegram and webhook fakes and the
//! Pushover one, through the real detached deliverer.

use std::process::Output;

use cc_notify_testkit::ntfy::FakeNtfy;
use cc_notify_testkit::scripted::Fault;
use cc_notify_testkit::telegram::{self, FakeTelegram};
use cc_notify_testkit::webhook::{FakeWebhook, Flavour};
use serde_json::json;

use super::harness::{World, pushover_section, wait_until};

/// A push as soon as a turn stops (no delay, no grace), headless sessions notify.
const NOW: &str = "[timing]\nbands = [[600, 0]]\ngrace = 0\nrate_limit = 0\n\
                   [sessions]\nheadless = \"notify\"\n";

/// An `[ntfy]` section for `fake`'s topic `cc`.
fn ntfy_section(fake: &FakeNtfy) -> String {
    format!("[ntfy]\nurl = \"{}\"\ntopic = \"cc\"\n", fake.base_url())
}

/// A world with Pushover, ntfy and then `extra` (timing: a push at once).
fn world_with_ntfy(extra: &str) -> (World, FakeNtfy) {
    let world = World::new(NOW);
    let ntfy = FakeNtfy::start();
    world.write_config(&format!(
        "{}{}[delivery]\nretries = 0\n{NOW}{extra}",
        pushover_section(&world.fake.url()),
        ntfy_section(&ntfy)
    ));
    (world, ntfy)
}

/// One turn of `session` ending with `reply` (which becomes the push's body).
fn turn(world: &World, session: &str, reply: &str) {
    world.event(session, "UserPromptSubmit", json!({"prompt": "go on"}));
    world.event(session, "Stop", json!({"last_assistant_message": reply}));
}

/// The bodies Pushover accepted, in order.
fn pushover_bodies(world: &World) -> Vec<String> {
    world
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/1/messages.json" && r.status == Some(200))
        .map(|r| r.param("message").unwrap_or_default().to_owned())
        .collect()
}

/// The messages ntfy accepted, in order.
fn ntfy_bodies(ntfy: &FakeNtfy) -> Vec<String> {
    ntfy.messages()
        .iter()
        .map(|m| m["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The reasons of the log's records about `session` whose reason contains `via`.
fn reasons_via(world: &World, session: &str, via: &str) -> Vec<(String, String)> {
    world
        .log()
        .into_iter()
        .filter(|r| r["session"] == session)
        .filter_map(|r| {
            let reason = r["reason"].as_str()?.to_owned();
            reason.contains(via).then(|| {
                (
                    r["decision"].as_str().unwrap_or_default().to_owned(),
                    reason,
                )
            })
        })
        .collect()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_turns_push_reaches_ntfy_and_pushover_both_each_logged_by_name() {
    let (world, ntfy) = world_with_ntfy("");
    turn(&world, "both", "Refactored the parser.");
    assert!(
        wait_until(|| !pushover_bodies(&world).is_empty() && !ntfy_bodies(&ntfy).is_empty()),
        "pushover {:?}, ntfy {:?}, log {:#?}",
        pushover_bodies(&world),
        ntfy_bodies(&ntfy),
        world.log()
    );
    assert!(pushover_bodies(&world)[0].contains("Refactored the parser."));
    assert!(ntfy_bodies(&ntfy)[0].contains("Refactored the parser."));
    assert!(
        wait_until(|| world.decisions("both", "fired").len() == 2),
        "{:#?}",
        world.log()
    );
    for via in ["sent via pushover", "sent via ntfy"] {
        assert_eq!(
            reasons_via(&world, "both", via).len(),
            1,
            "{via}: {:#?}",
            world.log()
        );
    }
}

#[test]
fn routing_sends_each_kind_only_where_it_says() {
    let (world, ntfy) = world_with_ntfy(
        "[routing]\ndone = [\"ntfy\"]\nerror = [\"pushover\"]\nprogress = [\"ntfy\"]\n",
    );
    // A finished turn, through the deliverer: ntfy only.
    turn(&world, "routed", "All green.");
    assert!(
        wait_until(|| !world.decisions("routed", "fired").is_empty()),
        "{:#?}",
        world.log()
    );
    assert_eq!(ntfy_bodies(&ntfy).len(), 1);
    // Errors to Pushover only, progress to ntfy only (`send` follows the same routing).
    let out = world.run(&["send", "--kind", "error", "the build broke"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        text(&out).0.starts_with("✓ sent via pushover"),
        "{:?}",
        text(&out)
    );
    let out = world.run(&["send", "--kind", "progress", "halfway"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        text(&out).0.starts_with("✓ sent via ntfy"),
        "{:?}",
        text(&out)
    );
    assert_eq!(pushover_bodies(&world), ["the build broke"]);
    let bodies = ntfy_bodies(&ntfy);
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(bodies[0].contains("All green.") && bodies[1] == "halfway");
    assert!(
        world.decisions("routed", "fired").len() == 1
            && reasons_via(&world, "routed", "via pushover").is_empty(),
        "the Done push went to Pushover too: {:#?}",
        world.log()
    );
}

#[test]
fn a_hanging_backend_does_not_delay_the_others_push() {
    // ntfy first: sending one backend after the other would leave Pushover waiting.
    let (world, ntfy) = world_with_ntfy("[routing]\ndone = [\"ntfy\", \"pushover\"]\n");
    ntfy.script(Fault::Hang);
    turn(&world, "hang", "Done while one backend hangs.");
    // Pushover's push arrives and is logged while ntfy still holds its request unanswered.
    assert!(
        wait_until(|| !reasons_via(&world, "hang", "sent via pushover").is_empty()),
        "{:#?}",
        world.log()
    );
    assert_eq!(pushover_bodies(&world).len(), 1);
    assert_eq!(ntfy.held(), 1, "ntfy's request is still unanswered");
    assert!(
        reasons_via(&world, "hang", "via ntfy").is_empty(),
        "ntfy's delivery cannot have ended yet: {:#?}",
        world.log()
    );
    // Ending the hang (the server goes away) ends ntfy's delivery on its own: kept for later.
    drop(ntfy);
    assert!(
        wait_until(|| reasons_via(&world, "hang", "via ntfy")
            .iter()
            .any(|(d, _)| d == "queued")),
        "{:#?}",
        world.log()
    );
}

#[test]
fn a_failing_backend_keeps_its_own_outbox_and_the_other_is_not_held_back() {
    let (world, ntfy) = world_with_ntfy("");
    ntfy.script(Fault::ServerError(503));
    turn(&world, "s1", "first");
    assert!(
        wait_until(|| reasons_via(&world, "s1", "via ntfy")
            .iter()
            .any(|(d, _)| d == "queued")),
        "{:#?}",
        world.log()
    );
    assert_eq!(pushover_bodies(&world), ["first"]);
    let status = text(&world.run(&["status"])).0;
    assert!(
        status.contains("1 push(es) wait in the outbox for a retry via ntfy"),
        "{status}"
    );
    // The next turn: ntfy sends its outbox first, then the new push; Pushover only the new one.
    turn(&world, "s2", "second");
    assert!(
        wait_until(|| ntfy_bodies(&ntfy).len() == 2 && pushover_bodies(&world).len() == 2),
        "ntfy {:?}, pushover {:?}, {:#?}",
        ntfy_bodies(&ntfy),
        pushover_bodies(&world),
        world.log()
    );
    let bodies = ntfy_bodies(&ntfy);
    assert!(
        bodies[0].contains("first") && bodies[1].contains("second"),
        "{bodies:?}"
    );
    assert_eq!(pushover_bodies(&world), ["first", "second"]);
}

#[test]
fn a_refused_backend_is_held_alone_and_doctor_says_which() {
    let (world, ntfy) = world_with_ntfy("");
    ntfy.require_token("tk_rightrightrightrightright1");
    turn(&world, "r1", "one");
    assert!(
        wait_until(|| reasons_via(&world, "r1", "via ntfy")
            .iter()
            .any(|(d, _)| d == "failed")),
        "{:#?}",
        world.log()
    );
    turn(&world, "r2", "two");
    assert!(
        wait_until(|| pushover_bodies(&world).len() == 2
            && reasons_via(&world, "r2", "ntfy refused earlier").len() == 1),
        "{:#?}",
        world.log()
    );
    let publishes = ntfy
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(publishes, 1, "a held backend is not tried again");
    let doctor = text(&world.run(&["doctor"])).0;
    assert!(
        doctor.contains("✗ pushes are held until the configuration changes: ntfy refused them"),
        "{doctor}"
    );
    assert!(!doctor.contains("pushover refused them"), "{doctor}");
}

#[test]
fn send_to_one_backend_and_says_per_backend_what_happened() {
    let (world, ntfy) = world_with_ntfy("");
    let out = world.run(&["send", "--to", "ntfy", "hi"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        text(&out).0.starts_with("✓ sent via ntfy"),
        "{:?}",
        text(&out)
    );
    assert_eq!(ntfy_bodies(&ntfy), ["hi"]);
    assert!(pushover_bodies(&world).is_empty());

    // Without --to: every routed backend, one line each; one delivered is success.
    ntfy.script(Fault::ServerError(500));
    let out = world.run(&["send", "both"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.starts_with("✓ sent via pushover"), "{stdout}");
    assert!(stderr.contains("✗ ntfy failed (temporary)"), "{stderr}");

    // None delivered: exit 1.
    ntfy.script(Fault::ServerError(500));
    world
        .fake
        .script(cc_notify_testkit::pushover::Behaviour::ServerError5xx);
    let out = world.run(&["send", "neither"]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));

    for (to, says) in [
        (
            "telegram",
            "--to telegram: not configured; set [telegram] bot_token and chat_id",
        ),
        ("slack", "--to \"slack\": no such backend"),
    ] {
        let out = world.run(&["send", "--to", to, "x"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out).1.contains(says), "{:?}", text(&out));
    }
}

#[test]
fn a_broken_routing_is_a_config_error_naming_the_key() {
    let world = World::new("");
    for (routing, says) in [
        (
            "[routing]\nerror = [\"pushover\", \"ntfy\"]\n",
            "routing.error: \"ntfy\" is not configured: set [ntfy] topic (configured: pushover)",
        ),
        (
            "[routing]\ndone = [\"pushovr\"]\n",
            "routing.done: \"pushovr\" is not a backend cc-notify knows",
        ),
    ] {
        world.write_config(&format!("{}{routing}", pushover_section(&world.fake.url())));
        let line = format!("{}:", world.config.display());
        let out = world.run(&["send", "x"]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = text(&out).1;
        assert!(stderr.contains(&line) && stderr.contains(says), "{stderr}");
        let doctor = text(&world.run(&["doctor"])).0;
        assert!(
            doctor.contains("✗ config error: ") && doctor.contains(says),
            "{doctor}"
        );
    }
    assert!(world.fake.requests().is_empty(), "nothing was sent");
}

#[test]
fn doctor_checks_each_configured_backend_and_warns_on_unrouted_ones() {
    let world = World::new("");
    let ntfy = FakeNtfy::start();
    let tg = FakeTelegram::start();
    tg.add_chat(42);
    let hook = FakeWebhook::start(Flavour::Slack);
    let config = |token: &str| {
        format!(
            "{}{}[telegram]\nbot_token = \"{token}\"\nchat_id = \"42\"\napi_url = \"{}\"\n\
             [webhook]\nurl = \"{}\"\nformat = \"slack\"\n\
             [command]\nargv = [\"no-such-program-here\"]\n\
             [routing]\ndone = [\"pushover\", \"ntfy\", \"telegram\", \"command\"]\n\
             error = [\"pushover\"]\nneeds_input = [\"pushover\"]\nprogress = []\n",
            pushover_section(&world.fake.url()),
            ntfy_section(&ntfy),
            tg.base_url(),
            hook.url()
        )
    };
    world.write_config(&config(telegram::EXAMPLE_TOKEN));
    let doctor = text(&world.run(&["doctor"])).0;
    for line in [
        "✓ Pushover credentials valid",
        &format!("✓ ntfy server {} is up", ntfy.base_url()),
        "✓ Telegram bot ",
        "✓ webhook configured (a webhook offers no check",
        "✗ command refused: ",
        "! webhook is configured but [routing] sends it no kind of push",
    ] {
        assert!(doctor.contains(line), "{line:?} missing from:\n{doctor}");
    }
    assert!(
        !doctor.contains(hook.url().as_str()),
        "the webhook's secret URL leaked: {doctor}"
    );
    // A token the bot API refuses.
    world.write_config(&config("123456:wrong-token-wrong-token-wrong-tok"));
    let doctor = text(&world.run(&["doctor"])).0;
    assert!(doctor.contains("✗ telegram refused: "), "{doctor}");
    assert!(
        !doctor.contains("wrong-token"),
        "the token leaked: {doctor}"
    );
}

#[test]
fn a_turn_reaches_telegram_a_webhook_and_a_command_each_in_its_own_shape() {
    let world = World::new("");
    let tg = FakeTelegram::start();
    tg.add_chat(42);
    let hook = FakeWebhook::start(Flavour::Json);
    let out = world.root.path().join("command-got.json");
    world.write_config(&format!(
        "[telegram]\nbot_token = \"{}\"\nchat_id = \"42\"\napi_url = \"{}\"\n\
         [webhook]\nurl = \"{}\"\n\
         [command]\nargv = [\"sh\", \"-c\", \"cat > '{}'\"]\n\
         [delivery]\nretries = 0\n{NOW}",
        telegram::EXAMPLE_TOKEN,
        tg.base_url(),
        hook.url(),
        out.display()
    ));
    turn(&world, "three", "Shipped <v2> & done.");
    assert!(
        wait_until(|| world.decisions("three", "fired").len() == 3),
        "{:#?}",
        world.log()
    );
    let sent = tg.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].chat_id, 42);
    assert!(sent[0].text.contains("Shipped <v2> & done."), "{sent:?}");
    let bodies = hook.accepted();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["kind"], "done");
    assert_eq!(bodies[0]["session_id"], "three");
    let got: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("the command ran")).expect("JSON");
    assert_eq!(got["body"], bodies[0]["body"]);
    for via in ["sent via telegram", "sent via webhook", "sent via command"] {
        assert_eq!(reasons_via(&world, "three", via).len(), 1, "{via}");
    }
    assert!(
        world.fake.requests().is_empty(),
        "Pushover is not configured"
    );
}
