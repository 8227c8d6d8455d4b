//! The delivery process watching the user's terminal alone (no tmux, no desktop): a real pty,
//! whose access time it compares with the baseline the hook took. Input since the baseline
//! skips the push at once, a terminal left alone lets it out when the delay ends, and a skip
//! is followed by the reminder once input has stopped for `reminder_after`.

use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Child;
use std::time::UNIX_EPOCH;

use serde_json::json;

use super::harness::{World, kill, wait_until};

/// The hook's own push waits a minute; the tests replace its deliverer with their own.
const MINUTE: &str = "[timing]\nbands = [[600, 60]]\ngrace = 0\nrate_limit = 0\n\
                      [sessions]\nheadless = \"notify\"\n";

/// A pseudo-terminal, open while this lives.
struct Pty {
    _master: OwnedFd,
    _slave: OwnedFd,
    /// The terminal device (`/dev/pts/N`).
    path: String,
}

impl Pty {
    fn open() -> Pty {
        let (mut master, mut slave) = (-1, -1);
        // SAFETY: openpty writes two descriptors; no name buffer, termios or size is passed.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        let path = std::fs::read_link(format!("/proc/self/fd/{slave}"))
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // SAFETY: both descriptors were just opened and are owned by nothing else.
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        Pty {
            _master: master,
            _slave: slave,
            path,
        }
    }

    /// The device's access time in Unix ms, as the terminal probe reads it.
    fn atime_ms(&self) -> u64 {
        let atime = std::fs::metadata(&self.path).unwrap().accessed().unwrap();
        u64::try_from(atime.duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
    }
}

/// Schedules a push for `session` and replaces its deliverer with one that watches `pty` from
/// `baseline_ms` (its last input then), waiting `delay_ms`, with `extra` options.
fn deliver_watching(
    world: &World,
    session: &str,
    pty: &Pty,
    baseline_ms: u64,
    delay_ms: u64,
    extra: &[&str],
) -> Child {
    world.event(session, "UserPromptSubmit", json!({"prompt": "go on"}));
    world.event(
        session,
        "Stop",
        json!({"last_assistant_message": format!("Reply of {session}")}),
    );
    let pids = world.deliverers(session);
    assert_eq!(pids.len(), 1, "deliverers of {session}: {pids:?}");
    kill(pids[0]);
    assert!(wait_until(|| world.deliverers(session).is_empty()));
    let push = world.session(session)["state"]["pending"]["id"]
        .as_u64()
        .unwrap()
        .to_string();
    let (delay, baseline) = (delay_ms.to_string(), format!("{baseline_ms}/8000"));
    let mut args = vec![
        "deliver",
        "--session",
        session,
        "--push",
        &push,
        "--scheduled-ms",
        "0",
        "--delay-ms",
        &delay,
        "--typing-window-ms",
        "10000",
        "--grace-ms",
        "0",
        "--presence",
        "--tty",
        &pty.path,
        "--baseline",
        &baseline,
    ];
    args.extend_from_slice(extra);
    world.command(&args).spawn().unwrap()
}

fn reasons(world: &World, session: &str, decision: &str) -> Vec<String> {
    world
        .decisions(session, decision)
        .iter()
        .filter_map(|r| r["reason"].as_str().map(str::to_owned))
        .collect()
}

fn pushed(world: &World, session: &str) -> bool {
    world.fake.requests().iter().any(|r| {
        r.status == Some(200)
            && r.param("message")
                .is_some_and(|m| m.contains(&format!("Reply of {session}")))
    })
}

#[test]
fn a_terminal_left_alone_lets_the_push_out_when_the_delay_ends() {
    let world = World::new(MINUTE);
    let pty = Pty::open();
    let mut deliverer = deliver_watching(&world, "idle", &pty, pty.atime_ms(), 1_500, &[]);
    assert!(
        wait_until(|| pushed(&world, "idle")),
        "never sent: {:#?}",
        world.log()
    );
    let fired = reasons(&world, "idle", "fired");
    assert!(
        fired.iter().any(|r| r.contains("last input pty atime")),
        "{fired:#?}"
    );
    assert!(wait_until(|| deliverer.try_wait().unwrap().is_some()));
}

#[test]
fn input_since_the_baseline_skips_the_push_before_the_delay_ends() {
    let world = World::new(MINUTE);
    let pty = Pty::open();
    // The baseline is two 8-second buckets older than the terminal's access time: it saw
    // input since. With reminders off, the skip ends the process; the delay is a minute.
    let baseline = pty.atime_ms() - 16_000;
    let mut deliverer = deliver_watching(
        &world,
        "typed",
        &pty,
        baseline,
        60_000,
        &["--reminder-for-ms", "0"],
    );
    assert!(
        wait_until(|| deliverer.try_wait().unwrap().is_some()),
        "still waiting: {:#?}",
        world.log()
    );
    let skipped = reasons(&world, "typed", "skipped_typing");
    assert_eq!(skipped.len(), 1, "{:#?}", world.log());
    assert!(
        skipped[0].starts_with("skipped: present: pty atime") && !skipped[0].contains("reminder"),
        "{skipped:#?}"
    );
    assert!(!pushed(&world, "typed"));
    assert!(world.session("typed")["state"]["pending"].is_null());
}

#[test]
fn a_typing_skip_is_followed_by_the_reminder_once_input_stopped() {
    let world = World::new(MINUTE);
    let pty = Pty::open();
    let baseline = pty.atime_ms() - 16_000;
    let mut deliverer = deliver_watching(
        &world,
        "left",
        &pty,
        baseline,
        0,
        &["--reminder-after-ms", "1000"],
    );
    // The reminder is due 1 s after the end of the last input's 8-second bucket.
    assert!(
        wait_until(|| pushed(&world, "left")),
        "no reminder: {:#?}",
        world.log()
    );
    let skipped = reasons(&world, "left", "skipped_typing");
    assert!(
        skipped
            .iter()
            .any(|r| r.contains("a reminder follows if you leave")),
        "{skipped:#?}"
    );
    let fired = reasons(&world, "left", "fired");
    assert!(
        fired
            .iter()
            .any(|r| r.contains("reminder after a typing skip, idle: last input pty atime")),
        "{fired:#?}"
    );
    assert!(wait_until(|| deliverer.try_wait().unwrap().is_some()));
}
