//! Private state (0700 dir, 0600 files), a planted or foreign state dir refused, the Pushover
//! credentials never shown anywhere, and secrets redacted from push bodies.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use cc_notify_testkit::pushover::{Behaviour, EXAMPLE_TOKEN, EXAMPLE_USER};
use serde_json::json;

use super::harness::{FAST, PATIENCE, World, wait_until};

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

/// Every file and directory under `dir`.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            out.extend(tree(&path));
        }
        out.push(path);
    }
    out
}

/// A turn that ends in a push, waiting until it was sent.
fn turn_with_push(world: &World, sid: &str, reply: &str, pushes: usize) {
    world.event(sid, "UserPromptSubmit", json!({"prompt": "go"}));
    world.event(sid, "Stop", json!({"last_assistant_message": reply}));
    assert!(
        wait_until(|| world.deliverers(sid).is_empty() && world.fake.requests().len() >= pushes),
        "no push for {sid}"
    );
}

#[test]
fn state_dir_is_0700_and_its_files_0600() {
    let world = World::new(FAST);
    // A pre-existing state dir that is too open gets tightened.
    std::fs::create_dir(&world.state).unwrap();
    std::fs::set_permissions(&world.state, std::fs::Permissions::from_mode(0o755)).unwrap();
    turn_with_push(&world, "modes", "done", 1);
    world.event("modes-2", "UserPromptSubmit", json!({"prompt": "go"}));
    assert_eq!(mode(&world.state), 0o700);
    let files = tree(&world.state);
    assert!(files.iter().any(|f| f.ends_with("log.jsonl")));
    assert!(files.iter().any(|f| f.ends_with("modes-2.json")));
    for f in files {
        let expected = if f.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&f), expected, "{}", f.display());
    }
}

#[test]
fn a_symlinked_state_dir_is_refused() {
    let world = World::new(FAST);
    let real = world.root.path().join("elsewhere");
    std::fs::create_dir(&real).unwrap();
    std::os::unix::fs::symlink(&real, &world.state).unwrap();
    let stderr = world.event("linked", "UserPromptSubmit", json!({"prompt": "go"}));
    assert!(stderr.contains("symbolic link"), "stderr: {stderr}");
    assert!(
        std::fs::read_dir(&real).unwrap().next().is_none(),
        "something was written through the link"
    );
}

#[test]
fn a_state_dir_owned_by_someone_else_is_refused() {
    let world = World::new(FAST);
    let foreign = if rustix::process::geteuid().is_root() {
        // As root: make one that belongs to `nobody`.
        std::fs::create_dir(&world.state).unwrap();
        std::os::unix::fs::chown(&world.state, Some(65_534), Some(65_534)).unwrap();
        world.state.clone()
    } else {
        // Otherwise: a directory root owns.
        PathBuf::from("/")
    };
    let before = std::fs::read_dir(&foreign).unwrap().count();
    let out = world
        .command(&["hook"])
        .env("CC_NOTIFY_STATE_DIR", &foreign)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(br#"{"session_id":"foreign","hook_event_name":"Stop"}"#)?;
            drop(stdin);
            child.wait_with_output()
        })
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && out.stdout.is_empty());
    assert!(stderr.contains("owned by"), "stderr: {stderr}");
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), before);
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn credentials_never_appear_in_any_output_log_or_state() {
    let world = World::new(FAST);
    let mut shown = Vec::new();
    turn_with_push(&world, "creds", "All done.", 1);
    // A push the API refuses: the failure is logged, the keys must not be.
    world.fake.script(Behaviour::Reject4xx {
        status: 400,
        errors: vec!["application token is invalid".into()],
    });
    turn_with_push(&world, "creds", "Done again.", 2);
    for args in [&["status"][..], &["log", "-n", "100"], &["doctor"]] {
        shown.push((args[0], text(&world.run(args))));
    }
    // `send` with a user key the API does not know.
    world.fake.accept_users(&["gznej3rKEVAvPUxu9vvNnqpmZpokzF"]);
    let out = world.run(&["send", "hello"]);
    assert!(!out.status.success(), "send with a rejected key succeeded");
    shown.push(("send", text(&out)));
    assert!(
        world
            .log()
            .iter()
            .any(|r| r["decision"] == "failed" && r["session"] == "creds"),
        "the refused push was not logged"
    );
    for f in tree(&world.state).into_iter().filter(|f| f.is_file()) {
        let bytes = std::fs::read(&f).unwrap();
        shown.push(("state file", String::from_utf8_lossy(&bytes).into_owned()));
    }
    for (what, text) in shown {
        for secret in [EXAMPLE_TOKEN, EXAMPLE_USER] {
            assert!(!text.contains(secret), "{what} shows a credential:\n{text}");
        }
    }
}

#[test]
fn secrets_in_the_reply_are_redacted_from_the_push() {
    let world = World::new(FAST);
    let secrets = [
        "sk-ant-api03-Xq3vT9mLp2RfK8wNc5ZbY7dHs4JgU1eAo6iQrVtBnMxCz0lWkPyDfGhSjEuIoLaZ",
        "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        "AKIAIOSFODNN7EXAMPLE",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "hunter2-Correct-Horse",
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw",
    ];
    let reply = format!(
        "Set it up. ANTHROPIC_API_KEY={}\nThe CI uses `{}`; AWS id {} in ~/.aws.\n\
         Slack bot: {} and DB_PASSWORD={}\n\
         -----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\nAll tests pass.",
        secrets[0], secrets[1], secrets[2], secrets[3], secrets[4], secrets[5]
    );
    world.event("redact", "UserPromptSubmit", json!({"prompt": "go"}));
    world.event("redact", "Stop", json!({"last_assistant_message": reply}));
    let pushes = world.fake.wait_for_requests(1, PATIENCE);
    assert_eq!(pushes.len(), 1);
    let body = pushes[0].param("message").unwrap();
    assert!(body.contains("[redacted]"), "{body}");
    assert!(body.contains("All tests pass."), "{body}");
    for s in secrets {
        assert!(!body.contains(s), "push body leaks {s}:\n{body}");
    }
    // Nor does the decision log keep them.
    assert!(wait_until(|| world
        .log()
        .iter()
        .any(|r| r["decision"] == "fired")));
    let log = std::fs::read_to_string(world.state.join("log.jsonl")).unwrap();
    for s in secrets {
        assert!(!log.contains(s), "decision log leaks {s}");
    }
}
