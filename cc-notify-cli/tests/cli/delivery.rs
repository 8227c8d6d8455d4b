//! Delivery reliability: transient failures retried at least 5 s apart, then kept in the
//! outbox and sent oldest first by later turns (or dropped once too old, saying so); a 4xx or
//! a 429 holding later pushes without a request until the configuration changes or the quota
//! resets; and a server that never answers costing the hooks nothing.
//!
//! Every push goes out through the detached deliverer that a Stop hook starts, as in real use.

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cc_notify_testkit::pushover::{Behaviour, FakePushover, Request};
use serde_json::{Value, json};

use super::harness::{PATIENCE, SLOW, World, alive, pushover_section, wait_until};

/// A push as soon as a turn stops (no delay, no grace), headless sessions notify.
const NOW: &str = "[timing]\nbands = [[600, 0]]\ngrace = 0\nrate_limit = 0\n\
                   [sessions]\nheadless = \"notify\"\n";

/// A whole config: the example keys at `api_url`, more `[pushover]` keys, `[delivery]` keys,
/// then `timing`.
fn config(api_url: &str, pushover: &str, delivery: &str, timing: &str) -> String {
    format!(
        "{}{pushover}[delivery]\n{delivery}{timing}",
        pushover_section(api_url)
    )
}

/// One turn of `session` ending with `reply` (which becomes the push's body).
fn turn(world: &World, session: &str, reply: &str) {
    world.event(session, "UserPromptSubmit", json!({"prompt": "go on"}));
    world.event(session, "Stop", json!({"last_assistant_message": reply}));
}

/// One turn of `session` while Pushover answers 500: its push ends up in the outbox. Returns
/// the "queued" log record.
fn queued_turn(world: &World, session: &str, reply: &str) -> Value {
    world.fake.script(Behaviour::ServerError5xx);
    turn(world, session, reply);
    await_decision(world, session, "queued")
}

/// Waits for a `decision` about `session` in the log and returns that record.
fn await_decision(world: &World, session: &str, decision: &str) -> Value {
    assert!(
        wait_until(|| !world.decisions(session, decision).is_empty()),
        "no {decision} decision for {session}: {:#?}",
        world.log()
    );
    world.decisions(session, decision).remove(0)
}

/// The pushes the fake received, in order (`doctor`'s validation requests left out).
fn pushes(fake: &FakePushover) -> Vec<Request> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path == "/1/messages.json")
        .collect()
}

/// The bodies of the pushes the fake accepted, in order.
fn delivered(fake: &FakePushover) -> Vec<String> {
    pushes(fake)
        .into_iter()
        .filter(|r| r.status == Some(200))
        .map(|r| r.param("message").unwrap_or_default().to_owned())
        .collect()
}

/// Asserts that there is one body per expected text, each containing it, in the same order.
#[track_caller]
fn assert_in_order(bodies: &[String], expected: &[&str]) {
    let in_order =
        bodies.len() == expected.len() && bodies.iter().zip(expected).all(|(b, e)| b.contains(e));
    assert!(in_order, "expected {expected:?}, got {bodies:#?}");
}

/// Asserts that the pushes the fake accepted are `expected`, in order (see [`assert_in_order`]).
#[track_caller]
fn assert_delivered(world: &World, expected: &[&str]) {
    assert_in_order(&delivered(&world.fake), expected);
}

/// Reasons of every log record with this decision, whatever the session.
fn reasons(world: &World, decision: &str) -> Vec<String> {
    world
        .log()
        .into_iter()
        .filter(|r| r["decision"] == decision)
        .filter_map(|r| r["reason"].as_str().map(str::to_owned))
        .collect()
}

/// `cc-notify ARGS`: exit code and stdout.
fn run(world: &World, args: &[&str]) -> (Option<i32>, String) {
    let out = world.run(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    u64::try_from(since.as_millis()).unwrap()
}

/// An address on 127.0.0.1 where nothing listens.
fn closed_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

#[test]
fn transient_failures_are_retried_5_s_apart_then_queued_and_sent_first_next_turn() {
    let world = World::new(NOW);
    world.write_config(&config(&world.fake.url(), "", "retries = 1\n", NOW));
    world.fake.script(Behaviour::ServerError5xx);
    world.fake.script(Behaviour::DropConnection);
    turn(&world, "down", "Reply while Pushover is down");
    let queued = await_decision(&world, "down", "queued");

    let tries = pushes(&world.fake);
    assert_eq!(tries.len(), 2, "attempts: {tries:#?}\n{queued}");
    let gap = tries[1].arrived.duration_since(tries[0].arrived);
    assert!(gap >= Duration::from_secs(5), "retried after {gap:?}");
    let (_, status) = run(&world, &["status"]);
    assert!(status.contains("1 push(es) wait in the outbox"), "{status}");
    let (_, doctor) = run(&world, &["doctor"]);
    assert!(doctor.contains("1 push(es) wait in the outbox"), "{doctor}");

    turn(&world, "back", "Reply once it is back");
    await_decision(&world, "back", "fired");
    assert_delivered(
        &world,
        &["Reply while Pushover is down", "Reply once it is back"],
    );
    let flushed = await_decision(&world, "down", "fired");
    assert!(
        flushed["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("queued push sent")),
        "{flushed}"
    );
    let (_, status) = run(&world, &["status"]);
    assert!(!status.contains("outbox"), "{status}");
}

#[test]
fn queued_pushes_go_out_oldest_first_before_the_new_one() {
    let world = World::new(NOW);
    queued_turn(&world, "first", "Reply one");
    // The next turn finds Pushover still failing: its push must wait behind the first.
    queued_turn(&world, "second", "Reply two");
    let (_, status) = run(&world, &["status"]);
    assert!(status.contains("2 push(es) wait in the outbox"), "{status}");

    turn(&world, "third", "Reply three");
    await_decision(&world, "third", "fired");
    assert_delivered(&world, &["Reply one", "Reply two", "Reply three"]);
}

#[test]
fn a_queued_push_older_than_outbox_max_age_is_dropped_and_logged() {
    let world = World::new(NOW);
    let delivery = "retries = 0\noutbox_max_age = 1\n";
    world.write_config(&config(&world.fake.url(), "", delivery, NOW));
    let queued_at = queued_turn(&world, "stale", "An old reply")["ts_ms"]
        .as_u64()
        .unwrap();
    // The rule under test is the push's age: let more than 1 s pass on the wall clock.
    assert!(wait_until(|| now_ms() > queued_at + 1000));

    turn(&world, "fresh", "A new reply");
    await_decision(&world, "fresh", "fired");
    let sent: Vec<_> = pushes(&world.fake)
        .iter()
        .filter_map(|r| r.param("message").map(str::to_owned))
        .collect();
    assert_in_order(&sent, &["An old reply", "A new reply"]);
    assert_eq!(
        reasons(&world, "failed"),
        ["dropped 1 queued push(es) older than 1 s"]
    );
    let (_, status) = run(&world, &["status"]);
    assert!(!status.contains("outbox"), "{status}");
}

#[test]
fn a_4xx_is_not_retried_and_holds_pushes_until_the_config_changes() {
    let world = World::new(NOW);
    world.write_config(&config(&world.fake.url(), "", "retries = 3\n", NOW));
    world.fake.script(Behaviour::Reject4xx {
        status: 400,
        errors: vec!["application token is invalid".into()],
    });
    turn(&world, "refused", "First reply");
    let failed = await_decision(&world, "refused", "failed");
    assert!(
        failed["reason"]
            .as_str()
            .is_some_and(|r| r.contains("application token is invalid")),
        "{failed}"
    );
    // The deliverer logs after its last attempt: one request, no retry.
    assert_eq!(pushes(&world.fake).len(), 1);

    let (code, doctor) = run(&world, &["doctor"]);
    assert_ne!(code, Some(0), "{doctor}");
    assert!(
        doctor.contains("✗ pushes are held until the configuration changes")
            && doctor.contains("application token is invalid"),
        "{doctor}"
    );
    let (_, status) = run(&world, &["status"]);
    assert!(
        status.contains("Pushes are held until the configuration changes")
            && status.contains("application token is invalid"),
        "{status}"
    );

    turn(&world, "held", "Second reply");
    let held = await_decision(&world, "held", "suppressed");
    assert!(
        held["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("not sent: pushover refused earlier")),
        "{held}"
    );
    assert_eq!(pushes(&world.fake).len(), 1, "a held push reached the API");

    // Any change to what Pushover judges (here: a device) lifts the hold.
    let fixed = config(
        &world.fake.url(),
        "device = \"phone\"\n",
        "retries = 3\n",
        NOW,
    );
    world.write_config(&fixed);
    turn(&world, "fixed", "Third reply");
    await_decision(&world, "fixed", "fired");
    let sent = pushes(&world.fake);
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert!(
        sent[1]
            .param("message")
            .is_some_and(|m| m.contains("Third reply"))
    );
    assert_eq!(sent[1].param("device"), Some("phone"));
    let (_, doctor) = run(&world, &["doctor"]);
    assert!(!doctor.contains("pushes are held"), "{doctor}");
}

#[test]
fn a_429_holds_pushes_until_its_reset_time_and_keeps_the_queued_ones() {
    let world = World::new(NOW);
    queued_turn(&world, "early", "Queued before the quota ran out");

    // A few seconds: enough for the next turns to run before it, however busy the machine.
    let reset = now_ms() / 1000 + 5;
    world
        .fake
        .script(Behaviour::Quota429 { reset: Some(reset) });
    turn(&world, "quota", "Over quota");
    await_decision(&world, "quota", "suppressed");
    let (_, doctor) = run(&world, &["doctor"]);
    assert!(doctor.contains("✗ pushes are held until "), "{doctor}");
    assert!(doctor.contains("1 push(es) wait in the outbox"), "{doctor}");

    turn(&world, "waiting", "Still over quota");
    await_decision(&world, "waiting", "suppressed");
    assert_eq!(pushes(&world.fake).len(), 2, "a held push reached the API");

    // The rule under test is the wall clock passing the announced reset.
    assert!(wait_until(|| now_ms() / 1000 >= reset));
    turn(&world, "reset", "After the reset");
    await_decision(&world, "reset", "fired");
    assert_delivered(
        &world,
        &["Queued before the quota ran out", "After the reset"],
    );
}

#[test]
fn a_hanging_server_stalls_only_the_deliverer_and_a_new_prompt_cancels_it() {
    let world = World::new(NOW);
    let pushover = "read_timeout = 60\n";
    world.write_config(&config(&world.fake.url(), pushover, "retries = 0\n", NOW));
    world.fake.script(Behaviour::Hang);
    turn(&world, "stuck", "Into the void");
    world.fake.wait_for_requests(1, PATIENCE);
    let stuck = world.deliverers("stuck");
    assert_eq!(stuck.len(), 1);
    // Later Stops schedule their push a minute out, so any request now would be a hook's.
    world.write_config(&config(&world.fake.url(), pushover, "retries = 0\n", SLOW));

    let tool = json!({"tool_name": "Bash", "tool_input": {"command": "ls"}});
    for sid in ["other", "stuck"] {
        world.event(sid, "UserPromptSubmit", json!({"prompt": "next"}));
        world.event(sid, "PreToolUse", tool.clone());
        world.event(sid, "Stop", json!({"last_assistant_message": "Done"}));
        assert_eq!(world.fake.requests().len(), 1, "a hook contacted the API");
        assert_eq!(world.fake.held(), 1);
        if sid == "other" {
            assert!(
                alive(stuck[0]) && world.decisions("stuck", "queued").is_empty(),
                "the request stopped being pending while the hooks ran"
            );
        }
    }
    // The new prompt of the stuck session cancelled its deliverer.
    assert!(
        wait_until(|| !alive(stuck[0])),
        "the stuck deliverer lives on"
    );
    let cancelled = world.decisions("stuck", "cancelled");
    assert!(
        cancelled.iter().any(|r| r["push_id"] == 0),
        "{cancelled:#?}"
    );
    for decision in ["fired", "queued", "failed"] {
        assert!(world.decisions("stuck", decision).is_empty(), "{decision}");
    }
}

#[test]
fn a_server_that_never_answers_times_out_into_the_outbox() {
    // Accepts connections (the kernel completes them) but never reads or answers.
    let mute = TcpListener::bind("127.0.0.1:0").unwrap();
    let mute_url = format!("http://{}/1/messages.json", mute.local_addr().unwrap());
    let world = World::new(NOW);
    let pushover = "connect_timeout = 0.5\nread_timeout = 0.5\n";
    world.fake.script(Behaviour::Hang);
    let cases = [("hang", world.fake.url()), ("mute", mute_url)];
    for (n, (sid, url)) in cases.iter().enumerate() {
        world.write_config(&config(url, pushover, "retries = 0\n", NOW));
        turn(&world, sid, "Nobody answers");
        let queued = await_decision(&world, sid, "queued");
        assert!(
            queued["reason"]
                .as_str()
                .is_some_and(|r| r.contains("time")),
            "{queued}"
        );
        // The first deliverer stays to retry the outbox later; the second leaves that to it.
        let (_, status) = run(&world, &["status"]);
        let line = format!("{} push(es) wait in the outbox", n + 1);
        assert!(status.contains(&line), "{status}");
    }
    assert_eq!(world.fake.held(), 1);
}

#[test]
fn a_refused_connection_or_unknown_host_queues_the_push_until_the_url_works() {
    let world = World::new(NOW);
    let closed = format!("http://{}/1/messages.json", closed_port());
    world.write_config(&config(&closed, "", "retries = 0\n", NOW));
    turn(&world, "offline", "Written offline");
    await_decision(&world, "offline", "queued");
    // `.invalid` never resolves (RFC 2606): a DNS failure, temporary like a refused connection.
    let nowhere = "https://api.pushover.invalid/1/messages.json";
    world.write_config(&config(nowhere, "", "retries = 0\n", NOW));
    turn(&world, "no-dns", "Written without DNS");
    let queued = await_decision(&world, "no-dns", "queued");
    assert!(
        queued["reason"]
            .as_str()
            .is_some_and(|r| r.contains("temporary")),
        "{queued}"
    );
    let (_, status) = run(&world, &["status"]);
    assert!(status.contains("2 push(es) wait in the outbox"), "{status}");

    world.write_config(&config(&world.fake.url(), "", "retries = 0\n", NOW));
    turn(&world, "online", "Written online");
    await_decision(&world, "online", "fired");
    assert_delivered(
        &world,
        &["Written offline", "Written without DNS", "Written online"],
    );
}
