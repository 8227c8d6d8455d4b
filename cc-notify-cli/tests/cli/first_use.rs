//! A newcomer's first minutes: help everywhere, conventional exit codes, a hook typed at a
//! terminal, `send` and `doctor` answers that are true, and a log that can be cleared.

use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::process::{Output, Stdio};

use serde_json::json;

use super::harness::{FAST, World, pushover_section};

const COMMANDS: [&str; 14] = [
    "setup",
    "mute",
    "unmute",
    "install",
    "uninstall",
    "send",
    "doctor",
    "presence",
    "status",
    "log",
    "demo",
    "hook",
    "completions",
    "man",
];

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn every_command_has_help_and_help_command_shows_the_same() {
    let world = World::new("");
    for command in COMMANDS {
        let out = world.run(&[command, "--help"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{command} --help: {}",
            stderr(&out)
        );
        let help = stdout(&out);
        assert!(
            help.contains(&format!("Usage: cc-notify {command}")),
            "{command} --help:\n{help}"
        );
        let out = world.run(&["help", command]);
        assert_eq!(out.status.code(), Some(0), "help {command}");
        assert_eq!(
            stdout(&out),
            help,
            "help {command} differs from {command} --help"
        );
    }
    assert!(world.log().is_empty(), "asking for help logged something");
}

#[test]
fn exit_codes_are_0_ok_1_wrong_2_usage() {
    let world = World::new("");
    let code = |args: &[&str]| world.run(args).status.code();
    let version = world.run(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(
        stdout(&version).trim(),
        format!("cc-notify {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(code(&["version"]), Some(0));
    assert_eq!(code(&[]), Some(2), "no command");
    assert_eq!(code(&["sned", "x"]), Some(2), "unknown command");
    assert_eq!(code(&["send"]), Some(2), "missing MESSAGE");
    assert_eq!(
        code(&["send", "x", "--kind", "loud"]),
        Some(2),
        "bad --kind"
    );
    assert_eq!(code(&["log", "-n", "many"]), Some(2), "bad -n");
    assert_eq!(code(&["doctor", "extra"]), Some(2), "stray argument");
    world.write_config("[timing]\ngrace = \"ten\"\n");
    assert_eq!(
        code(&["send", "x"]),
        Some(1),
        "a broken config is wrong, not usage"
    );
}

#[test]
fn completions_and_the_man_page_come_from_the_command_definitions() {
    let world = World::new("");
    for shell in ["bash", "zsh", "fish"] {
        let out = world.run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        for command in ["install", "doctor", "completions"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
        assert!(
            !script.contains("deliver"),
            "{shell} offers the internal deliver"
        );
    }
    let man = world.run(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    let page = stdout(&man);
    assert!(
        page.starts_with(".ie") || page.contains(".TH cc-notify"),
        "{page}"
    );
    assert!(page.contains("doctor") && page.contains("send"));
}

/// A pseudo-terminal's follower side, to give a child a terminal on stdin.
fn terminal() -> File {
    // SAFETY: plain libc calls; the name is copied out of the static buffer at once.
    unsafe {
        let leader = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(leader >= 0, "no pty");
        assert_eq!(libc::grantpt(leader), 0);
        assert_eq!(libc::unlockpt(leader), 0);
        let name = std::ffi::CStr::from_ptr(libc::ptsname(leader))
            .to_string_lossy()
            .into_owned();
        // The leader stays open (leaked) for the test's life so the follower stays usable.
        File::options()
            .read(true)
            .write(true)
            .open(name)
            .expect("open the pty follower")
    }
}

#[test]
fn hook_typed_at_a_terminal_prints_its_usage_and_logs_nothing() {
    let world = World::new("");
    let out = world
        .command(&["hook"])
        .stdin(Stdio::from(terminal()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).is_empty(), "a hook prints nothing on stdout");
    assert!(
        stderr(&out).contains("Usage: cc-notify hook"),
        "{}",
        stderr(&out)
    );
    assert!(world.log().is_empty(), "logged: {:?}", world.log());
    let doctor = stdout(&world.run(&["doctor"]));
    assert!(!doctor.contains("hook input"), "{doctor}");
}

#[test]
fn send_with_nothing_configured_says_nothing_was_delivered() {
    let world = World::new("");
    world.write_config("");
    let out = world.run(&["send", "hello"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        !stdout(&out).contains('✓'),
        "claims success: {}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("nothing was delivered"), "{err}");
    assert!(err.contains("CC_NOTIFY_PUSHOVER_TOKEN"), "{err}");
}

#[test]
fn send_and_doctor_warn_about_a_config_others_can_read() {
    let world = World::new("");
    std::fs::set_permissions(&world.config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let send = world.run(&["send", "hello"]);
    assert!(send.status.success(), "{}", stderr(&send));
    assert!(
        stderr(&send).contains("readable by other users"),
        "{}",
        stderr(&send)
    );
    assert!(stdout(&world.run(&["doctor"])).contains("readable by other users"));
    std::fs::set_permissions(&world.config, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(!stderr(&world.run(&["send", "hello"])).contains("readable"));
}

#[test]
fn doctor_cannot_validate_at_an_endpoint_without_the_check_and_blames_no_keys() {
    let world = World::new("");
    // A gateway path: its users/validate.json does not exist (404).
    let url = world
        .fake
        .url()
        .replace("/1/messages.json", "/gateway/messages.json");
    world.write_config(&pushover_section(&url));
    let out = stdout(&world.run(&["doctor"]));
    assert!(
        out.contains("cannot validate the credentials here"),
        "{out}"
    );
    assert!(!out.contains("refused the credentials"), "{out}");
}

#[test]
fn doctor_tells_a_one_off_bad_hook_input_from_a_broken_setup_and_log_clear_forgets_it() {
    let world = World::new(FAST);
    world.hook("this is not JSON", "by hand");
    world.event("s1", "UserPromptSubmit", json!({"prompt": "hi"}));
    let out = world.run(&["doctor"]);
    let shown = stdout(&out);
    assert!(
        shown.contains("! 1 hook run(s) in the last 24 hours got input that is not a hook event"),
        "{shown}"
    );
    assert!(
        !shown.contains("✗ 1 hook run") && !shown.contains("failure(s)"),
        "one bad input is not a broken setup:\n{shown}"
    );

    for _ in 0..3 {
        world.hook("{}", "nothing but bad input");
    }
    let shown = stdout(&world.run(&["doctor"]));
    assert!(
        shown.contains("✗ 4 hook run(s) in the last 24 hours got input that is not a hook event"),
        "{shown}"
    );

    let out = world.run(&["log", "--clear"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(world.log().is_empty());
    let shown = stdout(&world.run(&["doctor"]));
    assert!(
        shown.contains("✓ no failures in the last 24 hours"),
        "{shown}"
    );
    assert!(!shown.contains("hook input"), "{shown}");
}

#[test]
fn the_headless_skip_names_the_key_that_turns_headless_pushes_on() {
    let world = World::new("");
    world.event("s1", "UserPromptSubmit", json!({"prompt": "hi"}));
    world.event("s1", "Stop", json!({"last_assistant_message": "done"}));
    let skipped = world.decisions("s1", "suppressed");
    let reason = skipped
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .find(|r| r.contains("headless"))
        .unwrap_or_else(|| panic!("no headless skip in {:?}", world.log()));
    assert!(
        reason.contains("[sessions] headless = \"notify\""),
        "{reason}"
    );
}
