//! The command backend running real programs through `sh`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;
use std::time::{Duration, Instant};

use cc_notify_backends::{Command, CommandConfig};
use cc_notify_core::testing::{ConformanceHarness, Delivered, Mode, run_conformance};
use cc_notify_core::{Kind, Notification, Notifier, NotifyError};
use serde_json::Value;

fn command(script: &str, args: &[&str]) -> Command {
    let mut argv = vec!["sh".to_owned(), "-c".into(), script.into(), "sh".into()];
    argv.extend(args.iter().map(|a| a.to_string()));
    Command::from_config(&CommandConfig { argv })
        .unwrap()
        .with_timeout(Duration::from_millis(500))
}

/// Each run appends its stdin to the file `$1` as one line.
const RECORD: &str = r#"cat >> "$1"; echo >> "$1""#;

fn recorded(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

struct Harness(tempfile::TempDir);

impl ConformanceHarness for Harness {
    fn notifier(&mut self, mode: Mode) -> Box<dyn Notifier> {
        let file = self.0.path().join("out.jsonl");
        let file = file.to_str().unwrap();
        Box::new(match mode {
            Mode::Accept => command(RECORD, &[file]),
            Mode::RejectPermanent => command("echo 'bad input' >&2; exit 1", &[]),
            Mode::Unavailable => command("exit 75", &[]),
            Mode::Hang => command("sleep 30", &[]),
        })
    }

    fn delivered(&self) -> Vec<Delivered> {
        recorded(&self.0.path().join("out.jsonl"))
            .into_iter()
            .map(|v| Delivered {
                title: v["title"].as_str().unwrap_or_default().into(),
                body: v["body"].as_str().unwrap_or_default().into(),
            })
            .collect()
    }
}

#[test]
fn command_passes_the_notifier_conformance_suite() {
    run_conformance(&mut Harness(tempfile::tempdir().unwrap()));
}

#[test]
fn the_notification_arrives_as_json_on_stdin_and_in_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let (json, env) = (dir.path().join("in.json"), dir.path().join("env"));
    let script = r#"cat > "$1"; env | grep '^CC_NOTIFY_' | sort > "$2""#;
    let mut n = Notification::new(Kind::NeedsInput, "proj: waiting", "line 1\nline 2");
    n.project = Some("proj".into());
    n.session_id = Some("abc".into());
    command(script, &[json.to_str().unwrap(), env.to_str().unwrap()])
        .send(&n)
        .unwrap();
    let got: Notification = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(got, n);
    let env = std::fs::read_to_string(&env).unwrap();
    for line in [
        "CC_NOTIFY_KIND=needs_input",
        "CC_NOTIFY_TITLE=proj: waiting",
        "CC_NOTIFY_BODY=line 1",
        "CC_NOTIFY_PROJECT=proj",
        "CC_NOTIFY_SESSION_ID=abc",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} missing from\n{env}");
    }
    assert!(
        !env.contains("CC_NOTIFY_URL"),
        "unset fields are not exported"
    );
}

#[test]
fn failures_are_classified_by_exit_status_and_carry_stderr() {
    let n = Notification::new(Kind::Done, "t", "b");
    let e = command("echo 'no route to phone' >&2; exit 3", &[])
        .send(&n)
        .unwrap_err();
    assert!(e.is_permanent(), "{e:?}");
    assert!(e.to_string().contains("exited 3: no route to phone"), "{e}");
    assert!(command("exit 75", &[]).send(&n).unwrap_err().is_transient());
    let missing = Command::from_config(&CommandConfig {
        argv: vec!["/nonexistent/cc-notify-hook".into()],
    })
    .unwrap();
    assert!(matches!(missing.send(&n), Err(NotifyError::Config(_))));
}

#[test]
fn a_large_body_is_whole_on_stdin_cut_in_the_environment_and_harmless_to_a_non_reader() {
    let body = "x\0y".repeat(1 << 18);
    let n = Notification::new(Kind::Done, "t", body.as_str());
    command("exit 0", &[]).send(&n).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (stdin, env) = (dir.path().join("stdin"), dir.path().join("env"));
    let script = r#"cat > "$1"; printf %s "$CC_NOTIFY_BODY" > "$2""#;
    command(script, &[stdin.to_str().unwrap(), env.to_str().unwrap()])
        .send(&n)
        .unwrap();
    let got: Notification = serde_json::from_slice(&std::fs::read(&stdin).unwrap()).unwrap();
    assert_eq!(got.body, body);
    let env = std::fs::read_to_string(&env).unwrap();
    assert!(env.len() <= 16 * 1024 && env.starts_with("xyxy") && env.ends_with('…'));
}

/// Whether process `pid` is gone (or a zombie waiting to be reaped by init).
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn past_its_time_the_program_and_what_it_started_are_killed() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let script = r#"sleep 30 & echo $! > "$1"; wait"#;
    let e = command(script, &[pidfile.to_str().unwrap()])
        .send(&Notification::new(Kind::Done, "t", "b"))
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    let pid = pid.trim();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gone(pid) && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert!(gone(pid), "the background sleep {pid} survived");
}

#[test]
fn check_finds_the_program_or_says_it_is_not_runnable() {
    let path = std::env::var("PATH").ok();
    let found = command("exit 0", &[]).check(path.as_deref()).unwrap();
    assert!(found.ends_with("sh"), "{found:?}");
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("not-executable");
    std::fs::write(&plain, "#!/bin/sh\n").unwrap();
    for program in [
        plain.to_str().unwrap(),
        "/nonexistent/notify",
        "cc-notify-no-such-program",
    ] {
        let c = Command::from_config(&CommandConfig {
            argv: vec![program.into()],
        })
        .unwrap();
        let e = c.check(path.as_deref()).unwrap_err();
        assert!(matches!(e, NotifyError::Config(_)), "{program}: {e:?}");
    }
}

#[test]
fn a_background_child_holding_the_pipes_neither_stalls_nor_fails_the_send() {
    // The program exits 0 at once, leaving a child that holds stdin and stderr and reads
    // nothing, with more on stdin than a pipe buffers: the send succeeds (no retry, no
    // duplicate push) and the child is killed at the time limit.
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let body = "x".repeat(1 << 20);
    command(
        r#"sleep 30 & echo $! > "$1"; exit 0"#,
        &[pidfile.to_str().unwrap()],
    )
    .send(&Notification::new(Kind::Done, "t", body.as_str()))
    .unwrap();
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    let pid = pid.trim();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gone(pid) && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert!(gone(pid), "the background sleep {pid} survived");
}
