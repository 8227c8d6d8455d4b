//! `cc-notify setup` for the backends other than Pushover: each chosen by its options (or
//! picked from the list when interactive), checked with its service before anything is
//! written (against the strict ntfy, Telegram and webhook fakes), written in place without
//! losing other keys, given the test push, and unchanged when run again.

use std::io::Write;
use std::process::{Output, Stdio};

use cc_notify_testkit::ntfy::FakeNtfy;
use cc_notify_testkit::telegram::{self, FakeTelegram};
use cc_notify_testkit::webhook::{FakeWebhook, Flavour};

use super::harness::World;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A world whose config has no backend: a comment and a `[timing]` key, and then `extra`.
fn bare_world(extra: &str) -> World {
    let world = World::new("");
    world.write_config(&format!("# mine\n[timing]\ngrace = 0 # no grace\n{extra}"));
    world
}

fn config(world: &World) -> String {
    std::fs::read_to_string(&world.config).unwrap()
}

/// The config as TOML.
fn parsed(world: &World) -> toml::Table {
    config(world).parse().unwrap()
}

#[test]
fn ntfy_from_options_is_checked_written_sent_and_idempotent() {
    let world = bare_world("");
    let ntfy = FakeNtfy::start();
    ntfy.require_token("tk_setup");
    let url = ntfy.base_url();
    let args = [
        "setup",
        "--no-input",
        "--ntfy-url",
        &url,
        "--ntfy-topic",
        "cc-setup-test",
    ];
    let run = || {
        world
            .command(&args)
            .env("CC_NOTIFY_NTFY_TOKEN", "tk_setup")
            .output()
            .unwrap()
    };
    let out = run();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(&format!("ntfy server {url} is up")), "{text}");
    assert!(text.contains("test push sent through ntfy"), "{text}");
    assert!(!text.contains("tk_setup"), "the token was printed: {text}");

    let written = config(&world);
    assert!(
        written.starts_with("# mine\n[timing]\ngrace = 0 # no grace\n"),
        "{written}"
    );
    let t = parsed(&world);
    assert_eq!(t["ntfy"]["url"].as_str(), Some(url.as_str()));
    assert_eq!(t["ntfy"]["topic"].as_str(), Some("cc-setup-test"));
    // The environment's token stays out of the file; Pushover was not chosen.
    assert!(!written.contains("tk_setup"), "{written}");
    assert!(t.get("pushover").is_none(), "{written}");
    let mode = std::fs::metadata(&world.config).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );

    let pushes = ntfy.messages();
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    assert_eq!(pushes[0]["topic"], "cc-setup-test");
    assert!(world.fake.requests().is_empty(), "Pushover was asked");
    assert!(
        world
            .root
            .path()
            .join("home/.claude/settings.json")
            .exists(),
        "hooks not registered"
    );

    // Again: the same file, one more test push.
    let out = run();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("already has these keys"),
        "{}",
        stdout(&out)
    );
    assert_eq!(config(&world), written);
    assert_eq!(ntfy.messages().len(), 2);
}

#[test]
fn a_topic_ntfy_refuses_is_not_written() {
    let world = bare_world("");
    let ntfy = FakeNtfy::start();
    ntfy.forbid_topic("not-mine");
    let before = config(&world);
    let out = world.run(&[
        "setup",
        "--no-input",
        "--ntfy-url",
        &ntfy.base_url(),
        "--ntfy-topic",
        "not-mine",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("ntfy refused the test push"), "{text}");
    assert_eq!(config(&world), before, "a refused topic was written");
    assert!(ntfy.messages().is_empty());
}

#[test]
fn telegram_is_checked_with_get_me_and_the_chat_before_it_is_written() {
    let tg = FakeTelegram::start();
    tg.add_chat(42);
    let world = bare_world(&format!("[telegram]\napi_url = \"{}\"\n", tg.base_url()));
    let setup = |token: &str, chat: &str| {
        world
            .command(&["setup", "--no-input", "--telegram-chat-id", chat])
            .env("CC_NOTIFY_TELEGRAM_TOKEN", token)
            .output()
            .unwrap()
    };

    // A bot Telegram does not know: nothing written, nothing sent.
    let before = config(&world);
    let out = setup("999:unknownBotTokenXYZ", "42");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("telegram refused"),
        "{}",
        stdout(&out)
    );
    assert_eq!(config(&world), before);

    // A chat the bot cannot write to: refused by the test message, not written.
    let out = setup(telegram::EXAMPLE_TOKEN, "43");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("chat not found"), "{}", stdout(&out));
    assert_eq!(config(&world), before);
    assert!(tg.sent().is_empty());

    let out = setup(telegram::EXAMPLE_TOKEN, "42");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("accepted the token"), "{text}");
    assert!(!text.contains(telegram::EXAMPLE_TOKEN), "{text}");
    let t = parsed(&world);
    assert_eq!(t["telegram"]["chat_id"].as_str(), Some("42"));
    assert_eq!(
        t["telegram"]["api_url"].as_str(),
        Some(tg.base_url().as_str())
    );
    assert!(
        t["telegram"].get("bot_token").is_none(),
        "{}",
        config(&world)
    );
    let sent = tg.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].chat_id, 42);
    assert!(sent[0].text.contains("Test push"), "{:?}", sent[0]);
}

#[test]
fn a_slack_webhook_and_a_command_are_set_up_together_next_to_pushover() {
    let world = World::new("");
    let hook = FakeWebhook::start(Flavour::Slack);
    let got = world.root.path().join("got.json");
    let script = world.root.path().join("notify-me");
    std::fs::write(&script, "#!/bin/sh\ncat > \"$1\"\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let command = format!("{} {}", script.display(), got.display());
    let url = hook.url();
    let out = world.run(&[
        "setup",
        "--no-input",
        "--webhook-url",
        &url,
        "--webhook-format",
        "slack",
        "--command",
        &command,
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        !text.contains(&url),
        "the webhook's secret URL was printed: {text}"
    );
    let t = parsed(&world);
    assert_eq!(t["webhook"]["url"].as_str(), Some(url.as_str()));
    assert_eq!(t["webhook"]["format"].as_str(), Some("slack"));
    let argv: Vec<&str> = t["command"]["argv"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(argv, [script.to_str().unwrap(), got.to_str().unwrap()]);
    // Pushover, already configured, got the test push too; each backend exactly one.
    assert!(text.contains("Pushover accepted the keys"), "{text}");
    let pushover = world
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/1/messages.json")
        .count();
    assert_eq!(pushover, 1);
    assert_eq!(hook.accepted().len(), 1);
    let ran: serde_json::Value = serde_json::from_slice(&std::fs::read(&got).unwrap()).unwrap();
    assert_eq!(ran["title"], "cc-notify setup");
}

#[test]
fn a_missing_program_is_refused_and_not_written() {
    let world = bare_world("");
    let before = config(&world);
    let out = world.run(&[
        "setup",
        "--no-input",
        "--command",
        "no-such-program-here --x",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(config(&world), before);
}

#[test]
fn interactive_setup_offers_the_backends_and_asks_only_what_ntfy_needs() {
    let world = bare_world("");
    let ntfy = FakeNtfy::start();
    let mut child = world
        .command(&["setup"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    // Pick ntfy (2), its server, its topic, no token; the test push arrived.
    let answers = format!("2\n{}\ncc-interactive\n\ny\n", ntfy.base_url());
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Where should pushes go?"), "{text}");
    assert!(text.contains("ntfy topic"), "{text}");
    assert!(!text.contains("Pushover application token"), "{text}");
    assert!(text.contains("✓ the test push arrived"), "{text}");
    let t = parsed(&world);
    assert_eq!(t["ntfy"]["topic"].as_str(), Some("cc-interactive"));
    assert!(t["ntfy"].get("token").is_none(), "{}", config(&world));
    assert_eq!(ntfy.messages().len(), 1);
}

#[test]
fn without_input_or_any_backend_setup_names_every_way_to_give_one() {
    let world = bare_world("");
    let before = config(&world);
    let out = world.run(&["setup", "--no-input"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for option in [
        "--pushover-token",
        "--ntfy-topic",
        "--telegram-chat-id",
        "--webhook-url",
    ] {
        assert!(text.contains(option), "{option}: {text}");
    }
    assert_eq!(config(&world), before);
}

#[test]
#[ignore = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)"]
fn desktop_is_enabled_only_where_a_notification_daemon_answers() {
    let world = bare_world("");
    let before = config(&world);
    // No session bus: refused, not written.
    let out = world.run(&["setup", "--no-input", "--desktop"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(config(&world), before);

    let desktop = cc_notify_testkit::dunst::DunstSession::start();
    let out = world
        .command(&["setup", "--no-input", "--desktop"])
        .env("DBUS_SESSION_BUS_ADDRESS", &desktop.bus)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("desktop notifications by dunst"), "{text}");
    assert_eq!(parsed(&world)["desktop"]["enabled"].as_bool(), Some(true));
    let shown = desktop.close_all_and_read_history();
    assert!(
        shown
            .iter()
            .any(|(_, summary, _, _)| summary == "cc-notify setup"),
        "{shown:?}"
    );
}
