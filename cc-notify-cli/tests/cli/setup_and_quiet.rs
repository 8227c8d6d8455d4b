//! `cc-notify setup` end to end against the Pushover fake (non-interactive, and its prompts
//! answered through a pipe), and the quiet controls: `mute`, `unmute`, quiet hours, `status`.

use std::os::unix::fs::PermissionsExt;
use std::process::{Output, Stdio};

use cc_notify_testkit::pushover::{EXAMPLE_TOKEN, EXAMPLE_USER};
use serde_json::json;

use super::harness::{World, wait_until};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A world whose config has the fake's URL, a comment and no keys (mode 0644).
fn keyless_world() -> World {
    let world = World::new("");
    world.write_config(&format!(
        "# my settings\n[pushover]\napi_url = \"{}\"\n\n[timing]\ngrace = 0 # no grace\n",
        world.fake.url()
    ));
    std::fs::set_permissions(&world.config, std::fs::Permissions::from_mode(0o644)).unwrap();
    world
}

fn settings_file(world: &World) -> std::path::PathBuf {
    world.root.path().join("home/.claude/settings.json")
}

fn paths(world: &World) -> Vec<String> {
    world.fake.requests().into_iter().map(|r| r.path).collect()
}

const SETUP: [&str; 6] = [
    "setup",
    "--no-input",
    "--pushover-token",
    EXAMPLE_TOKEN,
    "--pushover-user",
    EXAMPLE_USER,
];

#[test]
fn setup_without_input_writes_a_private_config_validates_pushes_and_registers_hooks() {
    let world = keyless_world();
    let out = world.run(&SETUP);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !stdout(&out).contains(EXAMPLE_TOKEN),
        "setup printed the token"
    );

    let text = std::fs::read_to_string(&world.config).unwrap();
    let mode = std::fs::metadata(&world.config)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "config mode {mode:o}");
    assert!(
        text.contains(&format!("token = \"{EXAMPLE_TOKEN}\"")),
        "{text}"
    );
    assert!(
        text.contains(&format!("user = \"{EXAMPLE_USER}\"")),
        "{text}"
    );
    assert!(text.starts_with("# my settings\n"), "comment lost: {text}");
    assert!(
        text.contains("grace = 0 # no grace"),
        "other keys lost: {text}"
    );

    let requests = world.fake.requests();
    let validate = requests.iter().find(|r| r.path == "/1/users/validate.json");
    assert_eq!(validate.and_then(|r| r.param("user")), Some(EXAMPLE_USER));
    let push = requests.iter().find(|r| r.path == "/1/messages.json");
    assert_eq!(push.and_then(|r| r.param("token")), Some(EXAMPLE_TOKEN));
    assert_eq!(push.and_then(|r| r.status), Some(200));

    let settings = std::fs::read_to_string(settings_file(&world)).unwrap();
    assert!(
        settings.contains("cc-notify") && settings.contains("Stop"),
        "{settings}"
    );

    // Again: nothing changes but the second test push; still exit 0.
    let out = world.run(&SETUP);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("already"), "{}", stdout(&out));
    assert_eq!(std::fs::read_to_string(&world.config).unwrap(), text);
    assert_eq!(
        std::fs::read_to_string(settings_file(&world)).unwrap(),
        settings
    );

    // And with the keys now in the config, none need to be given.
    let out = world.run(&["setup", "--no-input", "--no-test-push"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(std::fs::read_to_string(&world.config).unwrap(), text);
}

#[test]
fn setup_without_input_names_the_missing_keys_and_touches_nothing() {
    let world = keyless_world();
    let before = std::fs::read_to_string(&world.config).unwrap();
    let out = world.run(&["setup", "--no-input", "--pushover-user", EXAMPLE_USER]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("--pushover-token") && text.contains("CC_NOTIFY_PUSHOVER_TOKEN"),
        "{text}"
    );
    assert!(!text.contains("missing: --pushover-user"), "{text}");
    assert_eq!(std::fs::read_to_string(&world.config).unwrap(), before);
    assert!(paths(&world).is_empty(), "requests: {:?}", paths(&world));
    assert!(!settings_file(&world).exists());

    let out = world.run(&["setup", "--no-input"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("--pushover-user"), "{}", stdout(&out));
}

#[test]
fn setup_refuses_keys_pushover_refuses() {
    let world = keyless_world();
    let bad_token = "a".repeat(30);
    let out = world.run(&[
        "setup",
        "--no-input",
        "--pushover-token",
        &bad_token,
        "--pushover-user",
        EXAMPLE_USER,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("Pushover refused the keys"),
        "{}",
        stdout(&out)
    );
    assert!(!paths(&world).contains(&"/1/messages.json".to_owned()));
    let text = std::fs::read_to_string(&world.config).unwrap();
    assert!(
        !text.contains(&bad_token),
        "a refused key was written: {text}"
    );
}

#[test]
fn setup_asks_for_the_keys_and_whether_the_push_arrived() {
    let world = keyless_world();
    let mut child = world
        .command(&["setup"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let answers = format!("{EXAMPLE_TOKEN}\n{EXAMPLE_USER}\ny\n");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), answers.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("Pushover application token") && text.contains("Did the test push arrive"),
        "{text}"
    );
    assert!(text.contains("✓ the test push arrived"), "{text}");
    // No terminal here: the typing check says so instead of passing.
    assert!(text.contains("typing check skipped"), "{text}");

    // A push that did not arrive is a failure, with what to check.
    let mut child = world
        .command(&["setup"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"n\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("did not arrive"), "{}", stdout(&out));
}

#[test]
fn install_says_to_run_setup_when_there_is_no_config() {
    let world = World::new("");
    std::fs::remove_file(&world.config).unwrap();
    let out = world.run(&["install"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("cc-notify setup"), "{}", stdout(&out));
    world.write_config("");
    let out = world.run(&["install"]);
    assert!(
        !stdout(&out).contains("cc-notify setup"),
        "{}",
        stdout(&out)
    );
}

/// One finished turn of `session` in project `proj` (see the harness's event cwd).
fn turn(world: &World, session: &str) {
    world.event(session, "UserPromptSubmit", json!({"prompt": "go on"}));
    world.event(session, "Stop", json!({"last_assistant_message": "done"}));
}

fn await_reason(world: &World, session: &str, decision: &str) -> String {
    assert!(
        wait_until(|| !world.decisions(session, decision).is_empty()),
        "no {decision} for {session}: {:#?}",
        world.log()
    );
    world.decisions(session, decision)[0]["reason"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn pushes(world: &World) -> usize {
    paths(world)
        .iter()
        .filter(|p| *p == "/1/messages.json")
        .count()
}

const DELAYED: &str = "[timing]\nbands = [[600, 3]]\ngrace = 0\nrate_limit = 0\n\
                       [sessions]\nheadless = \"notify\"\n";

#[test]
fn a_mute_set_while_a_push_waits_silences_it_until_unmute() {
    let world = World::new(DELAYED);
    turn(&world, "s1");
    let out = world.run(&["mute", "--for", "1h"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("Muted every push until"),
        "{}",
        stdout(&out)
    );
    let status = stdout(&world.run(&["status"]));
    assert!(status.contains("Muted: every push, until"), "{status}");

    let doctor = stdout(&world.run(&["doctor"]));
    assert!(doctor.contains("! Muted: every push"), "{doctor}");

    let reason = await_reason(&world, "s1", "suppressed");
    assert!(
        reason.contains("every push is muted until")
            && reason.contains("`cc-notify unmute` lifts it"),
        "{reason}"
    );
    assert_eq!(pushes(&world), 0);

    let out = world.run(&["unmute"]);
    assert!(
        stdout(&out).contains("Lifted every mute"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&world.run(&["status"])).contains("Muted"));
    turn(&world, "s2");
    await_reason(&world, "s2", "fired");
    assert_eq!(pushes(&world), 1);
}

#[test]
fn a_project_mute_silences_only_that_project() {
    let world = World::new(DELAYED);
    let proj = world.root.path().join("proj");
    std::fs::create_dir(&proj).unwrap();
    let out = world
        .command(&["mute", "--project"])
        .current_dir(&proj)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&world.run(&["status"])).contains("Muted: project proj, until `cc-notify unmute`")
    );

    turn(&world, "in-proj");
    let reason = await_reason(&world, "in-proj", "suppressed");
    assert!(reason.contains("project proj is muted"), "{reason}");

    world.hook(
        super::harness::event(
            "elsewhere",
            "UserPromptSubmit",
            json!({"cwd": "/home/dev/other", "prompt": "x"}),
        ),
        "prompt",
    );
    world.hook(
        super::harness::event(
            "elsewhere",
            "Stop",
            json!({"cwd": "/home/dev/other", "last_assistant_message": "ok"}),
        ),
        "stop",
    );
    await_reason(&world, "elsewhere", "fired");
    assert_eq!(pushes(&world), 1);
}

/// Minutes after midnight, UTC: the harness runs cc-notify with `TZ=UTC`.
fn utc_minute() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    u32::try_from(secs % 86_400 / 60).unwrap()
}

#[test]
fn quiet_hours_silence_pushes_not_allowed_and_status_says_so() {
    // A range covering all of the day but a minute ten minutes from now.
    let m = utc_minute();
    let hm = |x: u32| format!("{:02}:{:02}", x % 1440 / 60, x % 60);
    let quiet = format!(
        "[quiet]\nhours = \"{}-{}\"\nallow = [\"error\"]\n",
        hm(m + 11),
        hm(m + 10)
    );
    let world = World::new(&format!("{DELAYED}{quiet}"));
    let status = stdout(&world.run(&["status"]));
    assert!(
        status.contains("Quiet hours")
            && status.contains("quiet now")
            && status.contains("error still get through"),
        "{status}"
    );

    turn(&world, "night");
    let reason = await_reason(&world, "night", "suppressed");
    assert!(reason.contains("quiet hours"), "{reason}");
    assert_eq!(pushes(&world), 0);
}

#[test]
fn a_bad_quiet_hours_value_is_an_error_naming_the_key() {
    let world = World::new("[quiet]\nhours = \"25:00-07:00\"\n");
    let out = world.run(&["send", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("quiet.hours") && err.contains("25:00-07:00"),
        "{err}"
    );
}

#[test]
fn setup_at_an_endpoint_without_the_check_cannot_validate_but_blames_no_keys() {
    let world = World::new("");
    // A gateway path: its users/validate.json does not exist (404).
    let url = world
        .fake
        .url()
        .replace("/1/messages.json", "/gateway/messages.json");
    world.write_config(&format!("[pushover]\napi_url = \"{url}\"\n"));
    let mut args = SETUP.to_vec();
    args.push("--no-test-push");
    let out = world.run(&args);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("cannot validate the keys here"), "{text}");
    assert!(!text.contains("refused"), "{text}");
    let config = std::fs::read_to_string(&world.config).unwrap();
    assert!(config.contains(EXAMPLE_TOKEN), "{config}");
}

#[test]
fn setup_keeps_keys_from_the_environment_out_of_the_file() {
    let world = keyless_world();
    let before = std::fs::read_to_string(&world.config).unwrap();
    let out = world
        .command(&["setup", "--no-input", "--no-test-push"])
        .env("CC_NOTIFY_PUSHOVER_TOKEN", EXAMPLE_TOKEN)
        .env("CC_NOTIFY_PUSHOVER_USER", EXAMPLE_USER)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("taken from the environment"), "{text}");
    assert_eq!(std::fs::read_to_string(&world.config).unwrap(), before);
    let mode = std::fs::metadata(&world.config)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "config mode {mode:o}");
}
