//! The desktop backend through the real deliverer, against a real notification daemon (dunst
//! under Xvfb with a private session bus): each push of a session comes from its own
//! short-lived delivery process, and still replaces the session's previous notification —
//! through the id the last process kept — instead of stacking.
//!
//! Install the programs with `.ci/desktop-setup.sh`, then run
//! `cargo test -p cc-notify-cli --test tests cli::desktop -- --ignored --test-threads=1`.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use cc_notify_testkit::dunst::DunstSession;
use serde_json::{Value, json};

use super::harness::{World, event, finish_hook, wait_until};

/// A push as soon as a turn stops, headless sessions notify, desktop only.
const DESKTOP_ONLY: &str = "[desktop]\nenabled = true\n[delivery]\nretries = 0\n\
                            [timing]\nbands = [[600, 0]]\ngrace = 0\nrate_limit = 0\n\
                            [sessions]\nheadless = \"notify\"\n";

/// Runs the hook for `name` with the session bus of `desktop` in its environment (which the
/// delivery process it starts inherits).
fn hook(world: &World, desktop: &DunstSession, session: &str, name: &str, extra: Value) {
    let mut child = world
        .command(&["hook"])
        .env("DBUS_SESSION_BUS_ADDRESS", &desktop.bus)
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn hook");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = event(session, name, extra);
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    finish_hook(child, writer, name);
}

fn turn(world: &World, desktop: &DunstSession, session: &str, reply: &str) {
    hook(
        world,
        desktop,
        session,
        "UserPromptSubmit",
        json!({"prompt": "go"}),
    );
    hook(
        world,
        desktop,
        session,
        "Stop",
        json!({"last_assistant_message": reply}),
    );
}

/// The daemon's ids in the "sent via desktop" lines of `session`, in order.
fn desktop_ids(world: &World, session: &str) -> Vec<String> {
    world
        .decisions(session, "fired")
        .iter()
        .filter_map(|r| {
            let reason = r["reason"].as_str()?;
            reason.starts_with("sent via desktop").then_some(())?;
            // "… (request 2)", perhaps followed by what presence said: "[idle: …]".
            let id = reason.split_once("(request ")?.1.split_once(')')?.0;
            Some(id.to_owned())
        })
        .collect()
}

#[test]
#[ignore = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)"]
fn a_sessions_pushes_from_separate_deliverers_replace_each_other() {
    let desktop = DunstSession::start();
    let world = World::new("");
    world.write_config(DESKTOP_ONLY);
    turn(&world, &desktop, "a", "first turn");
    assert!(
        wait_until(|| desktop_ids(&world, "a").len() == 1),
        "{:#?}",
        world.log()
    );
    turn(&world, &desktop, "a", "second turn");
    turn(&world, &desktop, "b", "another session");
    assert!(
        wait_until(|| desktop_ids(&world, "a").len() == 2 && desktop_ids(&world, "b").len() == 1),
        "{:#?}",
        world.log()
    );
    let ids = desktop_ids(&world, "a");
    // The second process replaced the first one's notification by its id (a daemon that only
    // honoured its own stack tag would have given the replacement a new id).
    assert_eq!(ids[0], ids[1], "{:#?}", world.log());
    assert!(
        cc_notify_testkit::dunst::wait_until(Duration::from_secs(5), || desktop.displayed() == 2),
        "{} shown",
        desktop.displayed()
    );
    let mut bodies: Vec<String> = desktop
        .close_all_and_read_history()
        .into_iter()
        .map(|(_, _, body, _)| body)
        .collect();
    bodies.sort();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(
        bodies.iter().any(|b| b.contains("second turn"))
            && bodies.iter().any(|b| b.contains("another session"))
            && !bodies.iter().any(|b| b.contains("first turn")),
        "{bodies:?}"
    );
}
