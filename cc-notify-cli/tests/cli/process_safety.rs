//! Process control: a cancel signals the pending deliverer and nothing else, a session never
//! has more than one deliverer waiting, and a deliverer whose session is gone exits quietly.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::harness::{SLOW, World, alive, kill, wait_until};

fn prompt(world: &World, session: &str) {
    world.event(session, "UserPromptSubmit", json!({"prompt": "go on"}));
}

fn stop(world: &World, session: &str) {
    world.event(
        session,
        "Stop",
        json!({"last_assistant_message": "All done."}),
    );
}

/// The pending push's deliverer as the session file records it.
fn pending_deliverer(world: &World, session: &str) -> Value {
    world.session(session)["state"]["pending"]["deliverer"].clone()
}

/// The start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat).
fn start_time(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(") ").unwrap().1.split(' ').collect();
    fields[19].parse().unwrap()
}

#[test]
fn cancel_never_signals_a_process_that_is_not_the_deliverer() {
    let world = World::new(SLOW);
    let sid = "foreign-pid";
    prompt(&world, sid);
    stop(&world, sid);
    let real = pending_deliverer(&world, sid);
    assert!(real["pid"].as_u64().is_some(), "no deliverer recorded");

    // An unrelated process, leader of its own group (so a group signal would reach it too).
    let mut sleeper = Command::new("sleep")
        .arg("30")
        .process_group(0)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let pid = sleeper.id();
    {
        // Under the session's lock, as the deliverer may be saving the file right now.
        let _lock = world.lock_session(sid);
        let mut file = world.session(sid);
        file["state"]["pending"]["deliverer"] =
            json!({"pid": pid, "start_time": start_time(pid) + 1});
        std::fs::write(world.session_path(sid), serde_json::to_vec(&file).unwrap()).unwrap();
    }

    prompt(&world, sid);
    let alive_after = alive(pid);
    kill(pid);
    let _ = sleeper.wait();
    assert!(alive_after, "the cancel signalled an unrelated process");
    assert!(
        world.session(sid)["state"]["pending"].is_null(),
        "the push is still pending after a new prompt"
    );
    let by_prompt = world
        .decisions(sid, "cancelled")
        .into_iter()
        .filter(|r| r["event"] == "UserPromptSubmit")
        .count();
    assert_eq!(by_prompt, 1, "{:?}", world.log());
}

/// 30 prompt+Stop pairs, each hook started as soon as the previous one exited.
fn rapid_turns(world: &World, sid: &str) {
    for _ in 0..30 {
        prompt(world, sid);
        stop(world, sid);
    }
}

#[test]
fn fast_turns_leave_exactly_the_pending_deliverer() {
    let world = World::new(SLOW);
    let sid = "rapid-turns";
    rapid_turns(&world, sid);
    let pending = pending_deliverer(&world, sid)["pid"].as_u64();
    assert!(pending.is_some());
    let only_pending = || {
        world
            .deliverers(sid)
            .into_iter()
            .map(u64::from)
            .collect::<Vec<_>>()
            == pending.into_iter().collect::<Vec<_>>()
    };
    assert!(
        wait_until(only_pending),
        "cancelled deliverers keep running: {:?}, pending {pending:?}",
        world.deliverers(sid)
    );
    assert_eq!(world.decisions(sid, "scheduled").len(), 30);
    assert!(
        world.fake.requests().is_empty(),
        "a cancelled push was sent"
    );
}

#[test]
fn after_each_turn_the_cancelled_deliverer_goes_away() {
    let world = World::new(SLOW);
    let sid = "turn-by-turn";
    // A signal is asynchronous: each check waits for the cancelled deliverer to be gone, and
    // fails if one survives its cancel.
    for _ in 0..10 {
        prompt(&world, sid);
        assert!(
            wait_until(|| world.deliverers(sid).is_empty()),
            "a deliverer survived the prompt that cancelled it"
        );
        stop(&world, sid);
        // The new deliverer may not show in /proc the instant the hook returns.
        assert!(
            wait_until(|| world.deliverers(sid).len() == 1),
            "not exactly one deliverer after the Stop: {:?}",
            world.deliverers(sid)
        );
    }
    assert!(world.fake.requests().is_empty());
}

#[test]
fn a_deliverer_whose_session_ended_exits() {
    let world = World::new(SLOW);
    let sid = "cleared";
    prompt(&world, sid);
    stop(&world, sid);
    let pids = world.deliverers(sid);
    assert_eq!(pids.len(), 1);
    world.event(sid, "SessionEnd", json!({"reason": "clear"}));
    assert!(
        wait_until(|| !alive(pids[0])),
        "the deliverer outlived its session"
    );
    // The hook logs the cancel; the deliverer adds its own line when the signal reaches its
    // handler (one spawned a moment earlier may die before installing it).
    let cancelled = world.decisions(sid, "cancelled");
    assert!(
        !cancelled.is_empty() && cancelled.iter().all(|r| r["push_id"] == 0),
        "{cancelled:?}"
    );
    assert!(world.fake.requests().is_empty());
}

#[test]
fn a_deliverer_whose_session_file_is_gone_sends_nothing() {
    // 5 s: time enough to delete the file before the push is due, however busy the machine.
    let world =
        World::new("[timing]\nbands = [[600, 5]]\ngrace = 0\n[sessions]\nheadless = \"notify\"\n");
    let sid = "deleted";
    prompt(&world, sid);
    stop(&world, sid);
    let pids = world.deliverers(sid);
    assert_eq!(pids.len(), 1);
    {
        // Under the session's lock, as a SessionEnd hook removes it.
        let _lock = world.lock_session(sid);
        std::fs::remove_file(world.session_path(sid)).unwrap();
    }
    assert!(wait_until(|| !alive(pids[0])));
    assert!(
        !world.decisions(sid, "cancelled").is_empty() && world.decisions(sid, "fired").is_empty(),
        "{:?}",
        world.log()
    );
    assert!(world.fake.requests().is_empty());
}

#[test]
fn an_ended_session_stays_gone_after_its_deliverer_exits() {
    let world = World::new(SLOW);
    let sid = "stays-gone";
    prompt(&world, sid);
    stop(&world, sid);
    let pids = world.deliverers(sid);
    world.event(sid, "SessionEnd", json!({"reason": "clear"}));
    assert!(world.session_bytes(sid).is_none());
    assert!(wait_until(|| pids.iter().all(|&p| !alive(p))));
    assert!(
        world.session_bytes(sid).is_none(),
        "session file re-created: {:?}",
        world.session(sid)
    );
}

#[test]
fn a_deliverer_stopped_during_its_wait_is_logged_and_reported() {
    let world = World::new(SLOW);
    let sid = "stopped";
    prompt(&world, sid);
    stop(&world, sid);
    let pid = pending_deliverer(&world, sid)["pid"].as_u64().unwrap() as u32;
    // Once it catches SIGTERM (before that, the default action ends it at once)…
    assert!(
        wait_until(|| catches_sigterm(pid)),
        "SIGTERM is never caught"
    );
    // …it is stopped, not by a hook's cancel: by the user, or a shutdown.
    let target = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::kill_process(target, rustix::process::Signal::TERM).unwrap();

    assert!(wait_until(|| !alive(pid)), "the deliverer ignored SIGTERM");
    let cancelled = world.decisions(sid, "cancelled");
    assert!(
        cancelled
            .iter()
            .any(|r| r["reason"].as_str().unwrap().contains("stopped by SIGTERM")),
        "{cancelled:#?}"
    );
    // A stop that was no cancel (a shutdown) leaves the push to be sent: `status` notices the
    // deliverer is gone and starts a new one.
    let status = world.run(&["status"]);
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        !status.contains("(delivery process not running!)"),
        "{status}"
    );
    let recovered = world.decisions(sid, "scheduled");
    assert!(
        recovered
            .iter()
            .any(|r| r["reason"].as_str().unwrap().starts_with("recovered: ")),
        "{recovered:#?}"
    );
    let new_pid = pending_deliverer(&world, sid)["pid"].as_u64().unwrap() as u32;
    assert_ne!(new_pid, pid);
    assert!(alive(new_pid));
    // The session's next prompt cancels it as any other.
    prompt(&world, sid);
    assert!(world.session(sid)["state"]["pending"].is_null());
    assert!(wait_until(|| !alive(new_pid)));
}

/// Whether `pid` has a handler for SIGTERM (bit 15 of `SigCgt` in /proc/PID/status).
fn catches_sigterm(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (15 - 1)) != 0)
}
