//! A push is never lost in silence: a deliverer killed while it waits, a wall clock stepped
//! while it waits, a push queued while nobody uses the agent. Each push is either sent or
//! logged as lost, and `doctor` says so.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cc_notify_testkit::pushover::{Behaviour, Request};
use serde_json::json;

use super::harness::{World, kill, wait_until};

/// A push 2 s after a short turn, no grace, no rate limit, headless sessions notify.
const TWO_S: &str = "[timing]\nbands = [[600, 2]]\ngrace = 0\nrate_limit = 0\n\
                     [sessions]\nheadless = \"notify\"\n";

/// A push 60 s after a short turn: it stays pending for the whole test.
const MINUTE: &str = "[timing]\nbands = [[600, 60]]\ngrace = 0\nrate_limit = 0\n\
                      [sessions]\nheadless = \"notify\"\n";

/// A push at once.
const NOW: &str = "[timing]\nbands = [[600, 0]]\ngrace = 0\nrate_limit = 0\n\
                   [sessions]\nheadless = \"notify\"\n";

fn turn(world: &World, session: &str, reply: &str) {
    world.event(session, "UserPromptSubmit", json!({"prompt": "go on"}));
    world.event(session, "Stop", json!({"last_assistant_message": reply}));
}

/// The pushes the fake accepted.
fn accepted(world: &World) -> Vec<Request> {
    world
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/1/messages.json" && r.status == Some(200))
        .collect()
}

fn bodies(world: &World) -> Vec<String> {
    accepted(world)
        .iter()
        .map(|r| r.param("message").unwrap_or_default().to_owned())
        .collect()
}

/// Kills `session`'s one deliverer with SIGKILL and waits until it is gone.
fn kill_deliverer(world: &World, session: &str) {
    let pids = world.deliverers(session);
    assert_eq!(pids.len(), 1, "deliverers of {session}: {pids:?}");
    kill(pids[0]);
    assert!(wait_until(|| world.deliverers(session).is_empty()));
}

fn reasons(world: &World, session: &str, decision: &str) -> Vec<String> {
    world
        .decisions(session, decision)
        .iter()
        .filter_map(|r| r["reason"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn a_push_whose_deliverer_was_killed_is_sent_when_status_notices() {
    let world = World::new(TWO_S);
    turn(&world, "killed", "Reply of a killed deliverer");
    kill_deliverer(&world, "killed");

    let status = world.run(&["status"]);
    assert!(status.status.success());
    assert!(
        wait_until(|| bodies(&world).len() == 1),
        "never sent: {:#?}",
        world.log()
    );
    assert!(bodies(&world)[0].contains("Reply of a killed deliverer"));
    let recovered = reasons(&world, "killed", "scheduled");
    assert!(
        recovered.iter().any(|r| r.starts_with("recovered: ")),
        "{recovered:#?}"
    );
    assert!(wait_until(|| world.deliverers("killed").is_empty()));
    assert_eq!(
        world.session("killed")["state"]["pending"],
        serde_json::Value::Null
    );
}

#[test]
fn another_session_starting_after_a_reboot_sends_the_orphaned_push() {
    let world = World::new(TWO_S);
    turn(&world, "before", "Reply from before the reboot");
    kill_deliverer(&world, "before");
    // Nothing more happens in that session; a new one starts.
    world.event("after", "SessionStart", json!({"source": "startup"}));
    assert!(
        wait_until(|| bodies(&world).len() == 1),
        "never sent: {:#?}",
        world.log()
    );
    assert!(bodies(&world)[0].contains("Reply from before the reboot"));
}

#[test]
fn the_sessions_next_hook_resends_an_orphaned_push() {
    let world = World::new(MINUTE);
    turn(&world, "s", "Waiting reply");
    kill_deliverer(&world, "s");
    // Any later event of the session that leaves the push pending notices.
    world.event(
        "s",
        "Notification",
        json!({"notification_type": "auth_success", "message": "ok"}),
    );
    assert!(
        wait_until(|| world.deliverers("s").len() == 1),
        "no new deliverer: {:#?}",
        world.log()
    );
    // It waits what was left of the minute, not a new one, and not nothing.
    assert!(bodies(&world).is_empty());
}

#[test]
fn an_orphaned_push_too_old_is_logged_as_lost_and_doctor_says_so() {
    let world = World::new(&format!("outbox_max_age = 1\n{MINUTE}"));
    turn(&world, "old", "A reply nobody will see");
    kill_deliverer(&world, "old");
    let scheduled = world.decisions("old", "scheduled")[0]["ts_ms"]
        .as_u64()
        .unwrap();
    // The rule under test is the push's age: let more than 1 s pass on the wall clock.
    assert!(wait_until(|| now_ms() > scheduled + 1_100));

    let doctor = world.run(&["doctor"]);
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(1), "{text}");
    assert!(
        text.contains("✗ 1 push(es) lost in the last 24 hours; latest: lost: "),
        "{text}"
    );
    assert!(text.contains("outbox_max_age (1 s)"), "{text}");
    let lost = reasons(&world, "old", "failed");
    assert_eq!(lost.len(), 1, "{lost:#?}");
    assert!(bodies(&world).is_empty());
    assert_eq!(
        world.session("old")["state"]["pending"],
        serde_json::Value::Null
    );
}

fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    u64::try_from(since.as_millis()).unwrap()
}

/// Starts a deliverer for `session`'s pending push by hand, as the hook would, but with the
/// wall time of its scheduling at `scheduled_ms`.
fn deliver_by_hand(
    world: &World,
    session: &str,
    scheduled_ms: u64,
    delay_ms: u64,
) -> std::process::Child {
    let push = world.session(session)["state"]["pending"]["id"]
        .as_u64()
        .unwrap()
        .to_string();
    let scheduled = scheduled_ms.to_string();
    let delay = delay_ms.to_string();
    let args = [
        "deliver",
        "--session",
        session,
        "--push",
        &push,
        "--scheduled-ms",
        &scheduled,
        "--delay-ms",
        &delay,
        "--typing-window-ms",
        "10000",
        "--grace-ms",
        "0",
    ];
    world.command(&args).spawn().unwrap()
}

#[test]
fn a_deliverer_waits_its_delay_whatever_the_wall_clock_said_when_it_was_scheduled() {
    let world = World::new(MINUTE);
    for (session, scheduled_ms) in [
        // Scheduled "an hour from now": the wall clock was stepped back since.
        ("future", now_ms() + 3_600_000),
        // Scheduled in 1970: the wall clock was set right since.
        ("past", 5_000),
    ] {
        turn(&world, session, &format!("Reply of {session}"));
        kill_deliverer(&world, session);
        let started = Instant::now();
        let mut deliverer = deliver_by_hand(&world, session, scheduled_ms, 1_500);
        assert!(
            wait_until(|| bodies(&world).iter().any(|b| b.contains(session))),
            "{session}: never sent: {:#?}",
            world.log()
        );
        let sent = accepted(&world)
            .into_iter()
            .find(|r| r.param("message").is_some_and(|m| m.contains(session)))
            .unwrap();
        let waited = sent.arrived.duration_since(started);
        assert!(
            waited >= Duration::from_millis(1_500),
            "{session}: sent after {waited:?}"
        );
        assert!(deliverer.wait().unwrap().success());
    }
}

#[test]
fn a_queued_push_is_retried_on_its_own_schedule_without_another_turn() {
    let world = World::new(NOW);
    world.fake.script(Behaviour::ServerError5xx);
    turn(&world, "alone", "Reply while Pushover is down");
    assert!(wait_until(|| !world
        .decisions("alone", "queued")
        .is_empty()));
    // No further turn: the deliverer that queued it tries again once Pushover is back.
    assert!(
        wait_until(|| bodies(&world).len() == 1),
        "not retried: {:#?}",
        world.log()
    );
    assert!(bodies(&world)[0].contains("Reply while Pushover is down"));
    let sent = reasons(&world, "alone", "fired");
    assert!(
        sent.iter().any(|r| r.starts_with("queued push sent")),
        "{sent:#?}"
    );
    // Nothing left to retry: it goes.
    assert!(wait_until(|| world.deliverers("alone").is_empty()));
    let status = String::from_utf8_lossy(&world.run(&["status"]).stdout).into_owned();
    assert!(!status.contains("outbox"), "{status}");
}

/// A tmpfs mounted for one test, unmounted (lazily) when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    /// Mounts a `size`-byte tmpfs, mode 0700, at `path` (created); `Err` says why it cannot be
    /// (not root, no permission to mount in this container).
    fn mount(path: &std::path::Path, size: u64) -> Result<Tmpfs, String> {
        std::fs::create_dir_all(path).map_err(|e| e.to_string())?;
        if !rustix::process::geteuid().is_root() {
            return Err("mounting a tmpfs needs root".into());
        }
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700")])
            .args(["tmpfs".as_ref(), path.as_os_str()])
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(Tmpfs(path.to_owned()))
    }

    /// Makes it read-only.
    fn remount_read_only(&self) {
        let out = std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Fills it up: a file grows until the filesystem has no room left.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.0.join("filler")).unwrap();
        while f.write_all(&[0u8; 4096]).is_ok() {}
        // Whatever a last, partial write left.
        while f.write_all(&[0u8]).is_ok() {}
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .args(["-l".as_ref(), self.0.as_os_str()])
            .output();
    }
}

/// A tmpfs as `world`'s state dir, or `None` after saying why the test is skipped.
fn state_on_tmpfs(world: &World, test: &str) -> Option<Tmpfs> {
    match Tmpfs::mount(&world.state, 512 * 1024) {
        Ok(m) => Some(m),
        Err(why) => {
            eprintln!("{test}: skipped: cannot mount a tmpfs here: {why}");
            None
        }
    }
}

#[test]
fn a_turn_on_a_full_disk_still_gets_its_push_and_doctor_says_why() {
    let world = World::new(TWO_S);
    let Some(disk) = state_on_tmpfs(&world, "full disk") else {
        return;
    };
    // A session begun before the disk filled up, and one that starts on the full disk.
    world.event("before", "UserPromptSubmit", json!({"prompt": "go on"}));
    disk.fill();
    // Every hook still exits 0 at once with nothing on stdout (World::event checks that).
    world.event(
        "before",
        "Stop",
        json!({"last_assistant_message": "Reply one"}),
    );
    turn(&world, "after", "Reply two");
    assert!(
        wait_until(|| bodies(&world).len() == 2),
        "pushes sent: {:#?}",
        bodies(&world)
    );
    let mut sent = bodies(&world);
    sent.sort();
    assert!(
        sent[0].contains("Reply one") && sent[1].contains("Reply two"),
        "{sent:#?}"
    );

    let doctor = world.run(&["doctor"]);
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(1), "{text}");
    assert!(text.contains("is on a full disk"), "{text}");
    assert!(text.contains("→ free some space there"), "{text}");
}

#[test]
fn a_read_only_state_dir_still_gets_pushes_out_and_doctor_says_why() {
    let world = World::new(TWO_S);
    let Some(disk) = state_on_tmpfs(&world, "read-only state dir") else {
        return;
    };
    // A push already waiting, and a session whose turn began, when the directory goes
    // read-only.
    turn(&world, "waiting", "Reply already waiting");
    world.event("begun", "UserPromptSubmit", json!({"prompt": "go on"}));
    disk.remount_read_only();
    world.event(
        "begun",
        "Stop",
        json!({"last_assistant_message": "Reply after"}),
    );
    assert!(
        wait_until(|| bodies(&world).len() == 2),
        "pushes sent: {:#?}",
        bodies(&world)
    );
    let mut sent = bodies(&world);
    sent.sort();
    assert!(
        sent[0].contains("Reply after") && sent[1].contains("Reply already waiting"),
        "{sent:#?}"
    );

    let doctor = world.run(&["doctor"]);
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(1), "{text}");
    assert!(text.contains("is not writable"), "{text}");
    assert!(text.contains("→ remount it read-write"), "{text}");
}
