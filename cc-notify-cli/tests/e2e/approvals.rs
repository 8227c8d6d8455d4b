//! Phone approvals against the real Claude Code UI: the user walks away (their terminal
//! closes), the agent asks to run a command, and the phone's answer — a POST of what the ntfy
//! button carries, sent to the ntfy fake — decides the dialog with no key pressed.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use cc_notify_core::approval::{Decision, InstallSecret, RequestId, answer_token};
use cc_notify_testkit::anthropic::{PERMISSION_COMMAND, PERMISSION_REPLY, Script};
use cc_notify_testkit::ntfy::FakeNtfy;
use serde_json::Value;

use super::harness::{World, wait_for};
use super::tmux::Tui;
use super::{PATIENCE, PERMISSION_DIALOG, tui_world};

const TOPIC: &str = "cc-e2e-approvals";

/// A UI world whose config turns phone approvals on (answer window `timeout` s), with the
/// ntfy fake they go through; the UI runs, the user has walked away and the permission
/// script was submitted.
fn away_with_dialog(timeout: u64) -> (World, FakeNtfy, Tui) {
    let world = tui_world();
    let ntfy = FakeNtfy::start();
    let mut config = std::fs::OpenOptions::new()
        .append(true)
        .open(&world.config)
        .expect("config");
    write!(
        config,
        "\n[ntfy]\nurl = \"{}\"\ntopic = \"{TOPIC}\"\n\n[approvals]\nenabled = true\ntimeout = {timeout}\n",
        ntfy.base_url()
    )
    .expect("append to config");
    let tui = Tui::start(&world);
    tui.walk_away(&world);
    tui.submit_unattended(&Script::Permission.prompt());
    (world, ntfy, tui)
}

/// The approval request on the phone, once published.
fn approval_request(ntfy: &FakeNtfy, world: &World) -> Value {
    let prompts = || -> Vec<Value> {
        ntfy.messages()
            .into_iter()
            .filter(|m| m["topic"] == TOPIC && m["actions"].is_array())
            .collect()
    };
    assert!(
        wait_for(PATIENCE, || !prompts().is_empty()),
        "no approval request\n{}",
        world.diagnostics()
    );
    prompts().remove(0)
}

/// The button labelled `label`: (url, body).
fn button(prompt: &Value, label: &str) -> (String, String) {
    let b = prompt["actions"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["label"] == label))
        .unwrap_or_else(|| panic!("no {label} button: {prompt}"));
    (
        b["url"].as_str().unwrap().to_owned(),
        b["body"].as_str().unwrap().to_owned(),
    )
}

/// Taps the button labelled `label`: POSTs its body to its URL, as the ntfy app does.
fn tap(prompt: &Value, label: &str) {
    let (url, body) = button(prompt, label);
    post(&url, &body);
}

/// POSTs `body` to the ntfy fake at `url`.
fn post(url: &str, body: &str) {
    let (host, path) = url
        .strip_prefix("http://")
        .and_then(|r| r.split_once('/'))
        .expect("a loopback URL");
    let mut s = TcpStream::connect(host).expect("connect to the ntfy fake");
    write!(
        s,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send the tap");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Whether the agent was told the phone denied.
fn told_denied(world: &World) -> bool {
    wait_for(PATIENCE, || {
        world
            .api
            .requests()
            .iter()
            .any(|r| r.body.contains("Denied from the phone"))
    })
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_phone_allow_runs_the_tool_with_no_key_pressed() {
    let (world, ntfy, tui) = away_with_dialog(60);
    let prompt = approval_request(&ntfy, &world);
    assert!(
        prompt["message"]
            .as_str()
            .unwrap()
            .contains(PERMISSION_COMMAND),
        "{prompt}"
    );
    tap(&prompt, "Allow");
    tui.wait_for_screen(PERMISSION_REPLY, PATIENCE, &world);
    assert!(
        world.project.join("x.txt").exists(),
        "the phone allowed, the tool did not run\n{}",
        tui.screen()
    );
    drop(tui);
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_phone_deny_refuses_the_tool_with_the_message() {
    let (world, ntfy, tui) = away_with_dialog(60);
    let prompt = approval_request(&ntfy, &world);
    tap(&prompt, "Deny");
    assert!(
        told_denied(&world),
        "the agent never got the deny message\n{}\n{}",
        tui.screen(),
        world.diagnostics()
    );
    assert!(
        !world.project.join("x.txt").exists(),
        "the phone denied, the tool ran"
    );
    assert!(
        !tui.screen().contains(PERMISSION_DIALOG),
        "{}",
        tui.screen()
    );
    drop(tui);
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_no_answer_leaves_the_dialog_and_the_local_answer_works() {
    let (world, ntfy, tui) = away_with_dialog(3);
    let prompt = approval_request(&ntfy, &world);
    let id = prompt["id"].as_str().unwrap().to_owned();
    assert!(
        wait_for(PATIENCE, || ntfy.deleted().contains(&id)),
        "the unanswered prompt was not withdrawn\n{}",
        world.diagnostics()
    );
    // The hook has returned without a word: Claude Code's own dialog is still there.
    tui.wait_for_screen(PERMISSION_DIALOG, Duration::from_secs(5), &world);
    assert!(!world.project.join("x.txt").exists());
    // A late phone answer does nothing; the keyboard's "Yes" does.
    tap(&prompt, "Allow");
    let answered = wait_for(Duration::from_secs(10), || {
        tui.key_unattended("1");
        wait_for(Duration::from_millis(700), || {
            !tui.screen().contains(PERMISSION_DIALOG)
        })
    });
    assert!(answered, "{}", tui.screen());
    tui.wait_for_screen(PERMISSION_REPLY, PATIENCE, &world);
    assert!(world.project.join("x.txt").exists());
    drop(tui);
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_forged_and_replayed_answers_change_nothing() {
    let (world, ntfy, tui) = away_with_dialog(60);
    let prompt = approval_request(&ntfy, &world);
    let (url, allow) = button(&prompt, "Allow");
    // Forged: this request's Allow with a corrupted MAC.
    let mut forged = allow.clone().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    post(&url, &String::from_utf8(forged).unwrap());
    // Replayed: a valid answer made with this install's secret, for another request.
    let key = std::fs::read_to_string(world.state.join("approval.key")).expect("install secret");
    let secret = InstallSecret::from_hex(&key).expect("a key");
    let other = RequestId::from_bytes([7; 12]);
    post(&url, &answer_token(&secret, &other, Decision::Allow));
    // The user's real answer, published after them, is the one that decides.
    tap(&prompt, "Deny");
    assert!(
        told_denied(&world),
        "{}\n{}",
        tui.screen(),
        world.diagnostics()
    );
    assert!(
        !world.project.join("x.txt").exists(),
        "a forged or replayed allow ran the tool"
    );
    drop(tui);
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_a_local_answer_withdraws_the_phone_prompt() {
    let (world, ntfy, tui) = away_with_dialog(60);
    let prompt = approval_request(&ntfy, &world);
    let id = prompt["id"].as_str().unwrap().to_owned();
    tui.wait_for_screen(PERMISSION_DIALOG, PATIENCE, &world);
    // The user comes back and answers "Yes" at the keyboard.
    let answered = wait_for(Duration::from_secs(10), || {
        tui.key_unattended("1");
        wait_for(Duration::from_millis(700), || {
            !tui.screen().contains(PERMISSION_DIALOG)
        })
    });
    assert!(answered, "{}", tui.screen());
    assert!(
        wait_for(PATIENCE, || ntfy.deleted().contains(&id)),
        "the phone prompt stayed after the keyboard answered\n{}",
        world.diagnostics()
    );
    tui.wait_for_screen(PERMISSION_REPLY, PATIENCE, &world);
    assert!(world.project.join("x.txt").exists());
    drop(tui);
}
