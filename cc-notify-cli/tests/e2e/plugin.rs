//! The plugin route, as the README gives it: `claude plugin marketplace add <checkout>` and
//! `claude plugin install cc-notify@cc-notify` into a fresh HOME, then a real turn pushes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use cc_notify_testkit::anthropic;
use serde_json::Value;

use super::harness::{Setup, World, wait_for};

/// How long a `claude plugin …` command or a `-p` turn may take; only reached on failure.
const PATIENCE: Duration = Duration::from_secs(60);

/// The checkout: the marketplace the README points `claude plugin marketplace add` at.
fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the checkout")
}

/// `PATH` with the cc-notify under test first, as after `scripts/install.sh`.
fn path_with_cc_notify() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_cc-notify"))
        .parent()
        .expect("the binary's directory")
        .to_owned();
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", bin.display())
}

/// Runs a program with the world's environment and the PATH above, to completion.
fn run(world: &World, program: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .envs(world.env())
        .env("PATH", path_with_cc_notify())
        .current_dir(&world.project)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let finished = wait_for(PATIENCE, || child.try_wait().expect("wait").is_some());
    if !finished {
        // Best effort: the assertion below fails the test either way.
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("output");
    assert!(
        finished && out.status.success(),
        "{} {args:?} failed (finished: {finished}):\n{}\n{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("JSON")
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn plugin_installed_from_the_checkout_pushes_a_real_turn() {
    let world = World::new(Setup {
        delay_secs: 2,
        headless: "notify",
        progress: false,
    });
    // The world starts with `cc-notify install`; this test is about the plugin alone.
    let cc_notify = Path::new(env!("CARGO_BIN_EXE_cc-notify"));
    run(&world, cc_notify, &["uninstall"]);
    let settings = world.home.join(".claude/settings.json");
    assert!(
        read_json(&settings).get("hooks").is_none(),
        "uninstall left hooks behind"
    );

    let market = checkout();
    let market = market.to_str().expect("a UTF-8 checkout path");
    run(
        &world,
        world.claude(),
        &["plugin", "marketplace", "add", market],
    );
    run(
        &world,
        world.claude(),
        &["plugin", "install", "cc-notify@cc-notify"],
    );
    assert_eq!(
        read_json(&settings).pointer("/enabledPlugins/cc-notify@cc-notify"),
        Some(&Value::Bool(true)),
        "Claude Code did not record the plugin as enabled"
    );

    // doctor sees the plugin as the route the hooks take, and nothing doubled.
    let report = doctor(&world);
    assert!(
        report.contains("✓ plugin cc-notify@cc-notify enabled"),
        "{report}"
    );
    assert!(!report.contains("not registered"), "{report}");
    assert!(!report.contains("twice"), "{report}");

    let reply = "Installed through the plugin.";
    let out = run(
        &world,
        world.claude(),
        &["-p", &anthropic::say(reply), "--allowedTools", "Bash"],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(reply),
        "claude printed {out:?}"
    );
    world.wait_for_decision("fired", Some("done"), PATIENCE);
    let pushes = world.wait_for_pushes(1, PATIENCE);
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(pushes[0].message.contains(reply), "push {:?}", pushes[0]);

    // Both routes at once run every hook twice: doctor says so.
    let install = run(&world, cc_notify, &["install"]);
    let said = String::from_utf8_lossy(&install.stderr);
    assert!(
        said.contains("runs cc-notify twice"),
        "install said {said:?}"
    );
    let report = doctor(&world);
    assert!(
        report.contains("each event runs cc-notify twice"),
        "{report}"
    );
}

/// `cc-notify doctor`'s report (its exit code depends on checks outside this test).
fn doctor(world: &World) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cc-notify"))
        .arg("doctor")
        .envs(world.env())
        .env("PATH", path_with_cc_notify())
        .current_dir(&world.project)
        .stdin(Stdio::null())
        .output()
        .expect("run doctor");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
