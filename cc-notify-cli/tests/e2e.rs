//! End-to-end tests: the real Claude Code CLI, driven against a local stand-in for the
//! Anthropic API, runs `cc-notify hook` for its events; pushes land in a Pushover fake.
//!
//! Needs Claude Code and tmux (`bash .ci/e2e-setup.sh` installs both and prints the path), then:
//!
//! ```sh
//! CC_NOTIFY_E2E_CLAUDE="$(bash .ci/e2e-setup.sh)" \
//!     cargo test -p cc-notify-cli --test tests e2e:: -- --ignored --test-threads=1
//! ```
//!
//! Run without `CC_NOTIFY_E2E_CLAUDE`, every test fails (never passes vacuously).

#[path = "e2e/agents.rs"]
mod agents;
#[path = "e2e/approvals.rs"]
mod approvals;
#[path = "e2e/harness.rs"]
mod harness;
#[path = "e2e/logind.rs"]
mod logind;
#[path = "e2e/plugin.rs"]
mod plugin;
#[path = "e2e/setup_tty.rs"]
mod setup_tty;
#[path = "e2e/tmux.rs"]
mod tmux;

use std::time::Duration;

use cc_notify_testkit::anthropic::{
    self, MULTI_REPLY, MULTI_STEPS, PERMISSION_REPLY, SECRET_API_KEY, SECRET_GITHUB_TOKEN, Script,
};
use harness::{Setup, World, wait_for};
use tmux::Tui;

/// Delay after a short turn in `claude -p` tests: short, nobody can type there anyway.
const PRINT_DELAY: u64 = 2;
/// Delay after a short turn in UI tests: longer than the typing window (10 s) plus the time
/// a turn takes, so the keystrokes that submitted the prompt do not count as typing.
const TUI_DELAY: u64 = 12;
/// Upper bound for anything to happen; generous, only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(45);
/// The dialog Claude Code shows for a tool call that needs permission.
const PERMISSION_DIALOG: &str = "Do you want to proceed?";

fn print_world() -> World {
    World::new(Setup {
        delay_secs: PRINT_DELAY,
        headless: "notify",
        progress: false,
    })
}

fn tui_world() -> World {
    World::new(Setup {
        delay_secs: TUI_DELAY,
        headless: "skip",
        progress: false,
    })
}

/// Waits for the first `fired` decision of `kind` and returns the pushes by then.
fn fired(world: &World, kind: &str) -> Vec<harness::Push> {
    world.wait_for_decision("fired", Some(kind), PATIENCE);
    world.wait_for_pushes(1, PATIENCE)
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn print_plain_turn_pushes_one_done_with_the_reply() {
    let world = print_world();
    let reply = "The build is green and 42 tests pass.";
    let out = world.run_print(&anthropic::say(reply));
    assert!(out.contains(reply), "claude printed {out:?}");

    let pushes = fired(&world, "done");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(
        pushes[0].message.contains(reply),
        "push {:?} lacks the reply",
        pushes[0]
    );
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn print_turn_whose_last_tool_fails_pushes_one_error() {
    let world = print_world();
    world.run_print(&Script::ToolFails.prompt());

    let pushes = fired(&world, "error");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(
        world.decisions("fired", Some("done")).is_empty(),
        "a failed turn was also pushed as done\n{}",
        world.diagnostics()
    );
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn print_turn_that_recovers_from_a_failed_tool_pushes_done_mentioning_it() {
    let world = print_world();
    world.run_print(&Script::FailThenOk.prompt());

    let pushes = fired(&world, "done");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(
        pushes[0].message.to_lowercase().contains("failed"),
        "push {:?} does not mention the failed tool call",
        pushes[0]
    );
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn print_reply_with_secrets_is_redacted_in_the_push_and_the_log() {
    let world = print_world();
    world.run_print(&Script::Secret.prompt());

    let pushes = fired(&world, "done");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    let push = &pushes[0];
    assert!(push.message.contains("[redacted]"), "push {push:?}");
    let log = std::fs::read_to_string(world.state.join("log.jsonl")).unwrap_or_default();
    for secret in [SECRET_API_KEY, SECRET_GITHUB_TOKEN] {
        // The distinctive middle of each secret must appear nowhere.
        let core = &secret[12..30];
        assert!(!push.message.contains(core), "secret in push {push:?}");
        assert!(!push.title.contains(core), "secret in push title {push:?}");
        assert!(!log.contains(core), "secret in the decision log:\n{log}");
    }
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn print_multi_step_turn_pushes_each_step_silently_then_one_banner() {
    let world = World::new(Setup {
        delay_secs: PRINT_DELAY,
        headless: "notify",
        progress: true,
    });
    world.run_print(&Script::MultiStep.prompt());
    world.wait_for_decision("fired", Some("done"), PATIENCE);

    let pushes = world.pushes();
    assert_eq!(pushes.len(), MULTI_STEPS + 1, "{}", world.diagnostics());
    for (i, push) in pushes[..MULTI_STEPS].iter().enumerate() {
        assert_eq!(push.priority, "-2", "progress push {push:?} is not silent");
        assert!(
            push.message.contains(&anthropic::multi_step_text(i + 1)),
            "push {i} is {push:?}\n{}",
            world.diagnostics()
        );
    }
    let banner = &pushes[MULTI_STEPS];
    assert_ne!(banner.priority, "-2", "the banner {banner:?} must alert");
    assert!(banner.message.contains(MULTI_REPLY), "banner {banner:?}");
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_turn_then_idle_keyboard_pushes_once_after_the_delay() {
    let world = tui_world();
    let tui = Tui::start(&world);
    let reply = "Refactor finished.";
    tui.submit(&anthropic::say(reply));
    tui.wait_for_screen(reply, PATIENCE, &world);

    let pushes = fired(&world, "done");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(pushes[0].message.contains(reply), "push {:?}", pushes[0]);
    // It waited the band's delay after the turn ended before pushing.
    let scheduled = world.wait_for_decision("scheduled", Some("done"), PATIENCE);
    let fired_at = world.decisions("fired", Some("done"))[0]["ts_ms"].as_u64();
    let scheduled_at = scheduled["ts_ms"].as_u64();
    match (scheduled_at, fired_at) {
        (Some(s), Some(f)) => assert!(
            f + 1000 >= s + TUI_DELAY * 1000,
            "pushed {} ms after scheduling, delay is {TUI_DELAY} s\n{}",
            f.saturating_sub(s),
            world.diagnostics()
        ),
        _ => panic!("log entries lack ts_ms\n{}", world.diagnostics()),
    }
    drop(tui);
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_typing_during_the_delay_skips_the_push() {
    let world = tui_world();
    let tui = Tui::start(&world);
    tui.submit(&anthropic::say("Lint is clean."));
    tui.wait_for_screen("Lint is clean.", PATIENCE, &world);

    // Type as a person does, a key a second, through the attached client, until cc-notify has
    // decided. tmux reports the client's last key at 1 s resolution, so it decides long before
    // the pty's atime (8 s buckets) would.
    let decided = wait_for(PATIENCE, || {
        tui.type_text("x");
        std::thread::sleep(Duration::from_secs(1));
        !world.decisions("skipped_typing", None).is_empty()
            || !world.decisions("fired", None).is_empty()
    });
    assert!(decided, "no decision while typing\n{}", world.diagnostics());
    let skipped = world.decisions("skipped_typing", Some("done"));
    assert!(
        skipped.first().is_some_and(|d| d["reason"]
            .as_str()
            .is_some_and(|r| r.contains("present: tmux client_activity"))),
        "{}",
        world.diagnostics()
    );
    assert!(world.pushes().is_empty(), "{}", world.diagnostics());
    drop(tui);
}

/// Detaching is keys too (the prefix, `d`) and tmux sends the UI a focus-out; neither may read
/// as typing: a session nobody is attached to is away, so the push goes out at once.
#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_detached_tmux_pushes_at_once() {
    let world = tui_world();
    let tui = Tui::start(&world);
    tui.submit(&anthropic::say("Build is green."));
    tui.wait_for_screen("Build is green.", PATIENCE, &world);
    let scheduled = world.wait_for_decision("scheduled", Some("done"), PATIENCE);
    tui.detach();
    pushed_before_the_delay(
        &world,
        &scheduled,
        "away: tmux session has no client attached",
    );
    assert!(world.decisions("skipped_typing", None).is_empty());
    drop(tui);
}

/// Waits for the one Done push and checks it went out before the delay, decided by `reason`
/// (a certain "away" reading): the push.
fn pushed_before_the_delay(
    world: &World,
    scheduled: &serde_json::Value,
    reason: &str,
) -> harness::Push {
    let pushes = fired(world, "done");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    let fired = &world.decisions("fired", Some("done"))[0];
    let (Some(s), Some(f)) = (scheduled["ts_ms"].as_u64(), fired["ts_ms"].as_u64()) else {
        panic!("log entries lack ts_ms\n{}", world.diagnostics());
    };
    assert!(
        f < s + TUI_DELAY * 1000,
        "pushed {} ms after scheduling, not before the {TUI_DELAY} s delay\n{}",
        f - s,
        world.diagnostics()
    );
    assert!(
        fired["reason"].as_str().is_some_and(|r| r.contains(reason)),
        "{}",
        world.diagnostics()
    );
    pushes.into_iter().next().expect("one push")
}

/// The screen locks (logind's `LockedHint`, from a stand-in on a private system bus) as the
/// agent finishes: the user is away, so the push goes out at once, not after the delay.
#[test]
#[ignore = "end-to-end: needs Claude Code, tmux and python3-dbusmock, see .ci/e2e-setup.sh and .ci/presence-setup.sh"]
fn tui_locked_screen_pushes_at_once() {
    let world = tui_world();
    let logind = logind::Logind::start(world.scratch());
    let tui = Tui::start_with(&world, &logind.env());
    tui.submit(&anthropic::say("Deploy script written."));
    tui.wait_for_screen("Deploy script written.", PATIENCE, &world);
    logind.lock();
    let scheduled = world.wait_for_decision("scheduled", Some("done"), PATIENCE);
    let push = pushed_before_the_delay(
        &world,
        &scheduled,
        "away: logind session locked (LockedHint)",
    );
    assert!(
        push.message.contains("Deploy script written."),
        "{}",
        world.diagnostics()
    );
    drop(tui);
}

/// How long input must have stopped before the reminder in the reminder tests
/// (`[timing] reminder_after`): short, so the test does not wait the default 2 minutes.
const REMINDER_AFTER: u64 = 4;

/// A UI world whose reminders come [`REMINDER_AFTER`] s after the last input.
fn reminder_world() -> World {
    let world = tui_world();
    let text = std::fs::read_to_string(&world.config).expect("the world's config");
    let text = text.replacen(
        "[timing]\n",
        &format!("[timing]\nreminder_after = {REMINDER_AFTER}\n"),
        1,
    );
    std::fs::write(&world.config, text).expect("the world's config");
    world
}

/// Types a key a second through the attached client until the push was skipped as typing.
fn type_until_skipped(tui: &Tui, world: &World) {
    let skipped = wait_for(PATIENCE, || {
        tui.type_text("x");
        std::thread::sleep(Duration::from_secs(1));
        !world.decisions("skipped_typing", None).is_empty()
            || !world.decisions("fired", None).is_empty()
    });
    assert!(skipped, "no decision while typing\n{}", world.diagnostics());
    assert!(world.pushes().is_empty(), "{}", world.diagnostics());
    let skip = &world.decisions("skipped_typing", Some("done"))[0];
    assert!(
        skip["reason"]
            .as_str()
            .is_some_and(|r| r.contains("a reminder follows if you leave")),
        "{}",
        world.diagnostics()
    );
}

/// The user starts typing a reply while the push waits (so it is skipped), then walks away
/// from the half-typed reply: Claude Code sends nothing more, so cc-notify's reminder must.
#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_typed_then_left_gets_the_reminder() {
    let world = reminder_world();
    let tui = Tui::start(&world);
    tui.submit(&anthropic::say("Migration plan ready."));
    tui.wait_for_screen("Migration plan ready.", PATIENCE, &world);
    world.wait_for_decision("scheduled", Some("done"), PATIENCE);
    type_until_skipped(&tui, &world);

    // Hands off the keyboard: the reminder comes once input has stopped for REMINDER_AFTER s.
    let pushes = fired(&world, "done");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(
        pushes[0].message.contains("Migration plan ready."),
        "{}",
        world.diagnostics()
    );
    let fired = &world.decisions("fired", Some("done"))[0];
    assert!(
        fired["reason"]
            .as_str()
            .is_some_and(|r| r.contains("reminder after a typing skip, idle: last input")),
        "{}",
        world.diagnostics()
    );
    drop(tui);
}

/// A typing skip's reminder is dropped by the next prompt, as any pending push is: only the
/// next turn's push arrives.
#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_next_prompt_drops_a_pending_reminder() {
    let world = reminder_world();
    let tui = Tui::start(&world);
    tui.submit(&anthropic::say("First plan ready."));
    tui.wait_for_screen("First plan ready.", PATIENCE, &world);
    world.wait_for_decision("scheduled", Some("done"), PATIENCE);
    type_until_skipped(&tui, &world);

    // Without a pause (a pause of REMINDER_AFTER s would let the reminder out): clear the
    // half-typed reply and send the next prompt instead.
    tui.key("C-u");
    tui.submit(&anthropic::say("Second plan ready."));
    tui.wait_for_screen("Second plan ready.", PATIENCE, &world);
    // The first push's delivery process, watching for the reminder, was stopped by the prompt.
    let stopped = wait_for(PATIENCE, || {
        world.decisions("cancelled", None).iter().any(|d| {
            d["reason"]
                .as_str()
                .is_some_and(|r| r.contains("delivery process was stopped"))
        })
    });
    assert!(
        stopped,
        "the reminder's watch went on\n{}",
        world.diagnostics()
    );

    let pushes = fired(&world, "done");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(
        pushes[0].message.contains("Second plan ready."),
        "{}",
        world.diagnostics()
    );
    assert!(
        world
            .decisions("fired", None)
            .iter()
            .all(|d| !d["reason"].as_str().unwrap_or("").contains("reminder")),
        "{}",
        world.diagnostics()
    );
    drop(tui);
}

/// A dialog dismissed after Claude Code announced it fires no hook; the Needs-input push must
/// not go out anyway.
#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_permission_dismissed_after_the_notification_pushes_no_needs_input() {
    let world = tui_world();
    let tui = Tui::start(&world);
    tui.submit(&Script::Permission.prompt());
    tui.wait_for_screen(PERMISSION_DIALOG, PATIENCE, &world);
    world.wait_for_decision("scheduled", Some("needs_input"), PATIENCE);
    tui.key("Escape");
    let decided = wait_for(PATIENCE, || {
        ["skipped_typing", "cancelled", "fired"]
            .iter()
            .any(|d| !world.decisions(d, Some("needs_input")).is_empty())
    });
    assert!(decided, "no decision\n{}", world.diagnostics());
    assert!(
        world.decisions("fired", Some("needs_input")).is_empty(),
        "{}",
        world.diagnostics()
    );
    assert!(!world.project.join("x.txt").exists(), "the tool ran");
    drop(tui);
}

/// Finishes one turn, submits the next prompt (after cc-notify scheduled the first push, or at
/// once, while Claude Code still runs the Stop hook and queues the prompt), leaves the keyboard
/// alone and checks that only the second turn is pushed.
fn next_prompt_cancels_the_first_push(wait_for_schedule: bool) {
    let world = tui_world();
    let tui = Tui::start(&world);
    tui.submit(&anthropic::say("First answer."));
    tui.wait_for_screen("First answer.", PATIENCE, &world);
    if wait_for_schedule {
        world.wait_for_decision("scheduled", Some("done"), PATIENCE);
    }
    tui.submit(&anthropic::say("Second answer."));
    tui.wait_for_screen("Second answer.", PATIENCE, &world);

    world.wait_for_decision("cancelled", None, PATIENCE);
    // The second turn is left alone, so its push comes; by then the first one's time is past.
    let pushes = fired(&world, "done");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(
        pushes[0].message.contains("Second answer."),
        "{}",
        world.diagnostics()
    );
    drop(tui);
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_next_prompt_before_the_delay_cancels_the_first_push() {
    next_prompt_cancels_the_first_push(true);
}

/// Claude Code fires UserPromptSubmit for a prompt typed while the Stop hook still runs, so
/// it can reach cc-notify before that Stop does.
#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_prompt_submitted_during_the_stop_hook_cancels_the_first_push() {
    next_prompt_cancels_the_first_push(false);
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_unanswered_permission_dialog_pushes_needs_input() {
    let world = tui_world();
    let tui = Tui::start(&world);
    tui.submit(&Script::Permission.prompt());
    tui.wait_for_screen(PERMISSION_DIALOG, PATIENCE, &world);

    let pushes = fired(&world, "needs_input");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(
        !world.project.join("x.txt").exists(),
        "the tool ran without permission"
    );
    drop(tui);
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_permission_answered_quickly_pushes_no_needs_input() {
    let world = tui_world();
    let tui = Tui::start(&world);
    tui.submit(&Script::Permission.prompt());
    tui.wait_for_screen(PERMISSION_DIALOG, PATIENCE, &world);
    // "Yes", well within the 6 s before Claude Code's permission_prompt. The dialog ignores
    // keys that arrive just as it opens (typed-ahead protection), so press again while it stays.
    let answered = wait_for(Duration::from_secs(4), || {
        tui.key("1");
        wait_for(Duration::from_millis(700), || {
            !tui.screen().contains(PERMISSION_DIALOG)
        })
    });
    assert!(
        answered,
        "the dialog did not take the answer:\n{}",
        tui.screen()
    );
    tui.wait_for_screen(PERMISSION_REPLY, PATIENCE, &world);

    // Synchronise on the turn's own Done push, which comes well after the 6 s mark.
    let pushes = fired(&world, "done");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(pushes[0].message.contains(PERMISSION_REPLY), "{pushes:?}");
    assert!(
        world.decisions("fired", Some("needs_input")).is_empty(),
        "{}",
        world.diagnostics()
    );
    assert!(
        world.project.join("x.txt").exists(),
        "the approved tool did not run"
    );
    drop(tui);
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_api_error_pushes_one_error() {
    let world = tui_world();
    let tui = Tui::start(&world);
    tui.submit(&Script::ApiError.prompt());
    tui.wait_for_screen("API Error", PATIENCE, &world);

    let pushes = fired(&world, "error");
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(
        world.decisions("fired", Some("done")).is_empty(),
        "{}",
        world.diagnostics()
    );
    drop(tui);
}
