//! Phone approvals against the real Claude Code UI: the user walks away (their terminal
//! closes), the agent asks to run a command, and the phone's answer — a POST of what the ntfy
//! button carries, sent to the ntfy fake, or a tap injected into the Telegram fake — decides
//! the dialog with no key pressed. The `codex` module does the same against the real Codex
//! terminal UI; it needs the agents' CLIs (`env $(bash .ci/e2e-agents-setup.sh) cargo test -p
//! cc-notify-cli --test tests e2e::approvals::codex:: -- --ignored`).

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

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_claudes_own_notice_during_the_phone_prompt_is_no_second_push() {
    let (world, ntfy, tui) = away_with_dialog(60);
    let prompt = approval_request(&ntfy, &world);
    // Claude Code's "permission needed" notice (about 6 s into the dialog) is held.
    world.wait_for_decision("suppressed", Some("needs_input"), PATIENCE);
    tap(&prompt, "Allow");
    tui.wait_for_screen(PERMISSION_REPLY, PATIENCE, &world);
    assert!(world.project.join("x.txt").exists());
    // The phone answered: the held notice never became a Needs-input push.
    assert!(
        world.decisions("scheduled", Some("needs_input")).is_empty(),
        "{}",
        world.diagnostics()
    );
    drop(tui);
}

#[test]
#[ignore = "end-to-end: needs Claude Code and tmux, see .ci/e2e-setup.sh"]
fn tui_telegram_allow_runs_the_tool_with_no_key_pressed() {
    use cc_notify_testkit::telegram::{EXAMPLE_TOKEN, FakeTelegram};
    const USER: i64 = 4242;
    let world = tui_world();
    let tg = FakeTelegram::start();
    tg.add_chat(USER);
    let mut config = std::fs::OpenOptions::new()
        .append(true)
        .open(&world.config)
        .expect("config");
    write!(
        config,
        "\n[telegram]\nbot_token = \"{EXAMPLE_TOKEN}\"\nchat_id = \"{USER}\"\napi_url = \"{}\"\n\n\
         [approvals]\nenabled = true\nvia = \"telegram\"\ntimeout = 60\n",
        tg.base_url()
    )
    .expect("append to config");
    let tui = Tui::start(&world);
    tui.walk_away(&world);
    tui.submit_unattended(&Script::Permission.prompt());
    let prompt = || tg.sent().into_iter().find(|m| m.reply_markup.is_some());
    assert!(
        wait_for(PATIENCE, || prompt().is_some()),
        "no approval request\n{}",
        world.diagnostics()
    );
    let m = prompt().unwrap();
    assert!(m.text.contains(PERMISSION_COMMAND), "{}", m.text);
    tg.tap_button(m.message_id, "Allow", USER)
        .expect("an Allow button");
    tui.wait_for_screen(PERMISSION_REPLY, PATIENCE, &world);
    assert!(
        world.project.join("x.txt").exists(),
        "the phone allowed, the tool did not run\n{}",
        tui.screen()
    );
    assert!(
        wait_for(PATIENCE, || tg.edits().iter().any(|e| e.message_id
            == m.message_id
            && e.text.contains("Allowed from the phone"))),
        "the message never said what happened"
    );
    drop(tui);
}

/// Phone approvals against the real Codex terminal UI (`codex` in a tmux session nobody is
/// attached to: the user is away), with its hooks registered by `cc-notify install --agent
/// codex`, the OpenAI Responses stand-in asking to run a command outside the workspace, and
/// the ntfy fake carrying the prompt and the tap.
mod codex {
    use std::path::PathBuf;
    use std::process::{Command, Stdio};

    use cc_notify_testkit::model_api::{FakeModelApi, OUTSIDE_COMMAND, Script};

    use super::*;

    const READY: &str = "Ask Codex to do anything";
    const DIALOG: &str = "Would you like to run the following command?";

    /// One test's Codex world, its UI killed on drop.
    struct CodexWorld {
        root: tempfile::TempDir,
        project: PathBuf,
        config: PathBuf,
        state: PathBuf,
        api: FakeModelApi,
        ntfy: FakeNtfy,
        socket: PathBuf,
    }

    impl CodexWorld {
        /// Configures Codex and cc-notify (approvals on, answer window `timeout` s), starts
        /// the UI away from any terminal and submits the permission script.
        fn start(timeout: u64) -> CodexWorld {
            let binary = std::env::var("CC_NOTIFY_E2E_CODEX").unwrap_or_else(|_| {
                panic!("CC_NOTIFY_E2E_CODEX is not set: run `env $(bash .ci/e2e-agents-setup.sh) cargo test …`")
            });
            let root = tempfile::tempdir().unwrap();
            let project = root.path().join("project");
            let home = root.path().join("home");
            let codex_home = home.join(".codex");
            std::fs::create_dir_all(&project).unwrap();
            std::fs::create_dir_all(&codex_home).unwrap();
            let api = FakeModelApi::start().expect("the model API stand-in");
            let ntfy = FakeNtfy::start();
            std::fs::write(
                codex_home.join("config.toml"),
                format!(
                    "model = \"test-model\"\nmodel_provider = \"fake\"\n\
                     [model_providers.fake]\nname = \"fake\"\nbase_url = \"{}\"\n\
                     wire_api = \"responses\"\nenv_key = \"FAKE_KEY\"\n\
                     [projects.\"{}\"]\ntrust_level = \"trusted\"\n",
                    api.openai_base(),
                    project.display()
                ),
            )
            .unwrap();
            let config = root.path().join("config.toml");
            // Needs-input pushes wait far longer than the test: only the approval is seen.
            std::fs::write(
                &config,
                format!(
                    "[timing]\nbands = [[600, 300]]\ngrace = 0\nrate_limit = 0\n\
                     [ntfy]\nurl = \"{}\"\ntopic = \"{TOPIC}\"\n\
                     [approvals]\nenabled = true\ntimeout = {timeout}\n",
                    ntfy.base_url()
                ),
            )
            .unwrap();
            let w = CodexWorld {
                state: root.path().join("state"),
                socket: root.path().join("tmux.sock"),
                root,
                project,
                config,
                api,
                ntfy,
            };
            let env = w.env(&home);
            let out = Command::new(env!("CARGO_BIN_EXE_cc-notify"))
                .args(["install", "--agent", "codex"])
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let mut cmd: Vec<String> = ["new-session", "-d", "-s", "e2e", "-x", "160", "-y", "45"]
                .map(String::from)
                .to_vec();
            cmd.extend(["-c".into(), w.project.to_string_lossy().into_owned()]);
            for (k, v) in &env {
                cmd.extend(["-e".into(), format!("{k}={v}")]);
            }
            cmd.extend(["--".into(), binary]);
            cmd.extend(
                [
                    "--dangerously-bypass-hook-trust",
                    "-a",
                    "on-request",
                    "-s",
                    "workspace-write",
                ]
                .map(String::from),
            );
            w.tmux(&cmd);
            w.wait_for_screen(READY);
            let prompt = Script::Permission.prompt();
            w.tmux(&["send-keys", "-t", "e2e", "-l", &prompt]);
            w.wait_for_screen(&prompt);
            w.tmux(&["send-keys", "-t", "e2e", "Enter"]);
            w
        }

        fn env(&self, home: &std::path::Path) -> Vec<(String, String)> {
            let s = |p: &std::path::Path| p.to_string_lossy().into_owned();
            vec![
                ("HOME".into(), s(home)),
                ("PWD".into(), s(&self.project)),
                ("CODEX_HOME".into(), s(&home.join(".codex"))),
                ("FAKE_KEY".into(), "x".into()),
                ("CC_NOTIFY_CONFIG".into(), s(&self.config)),
                ("CC_NOTIFY_STATE_DIR".into(), s(&self.state)),
            ]
        }

        fn tmux<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> std::process::Output {
            let out = Command::new("tmux")
                .arg("-S")
                .arg(&self.socket)
                .args(args)
                .env_remove("TMUX")
                .output()
                .expect("tmux (run .ci/e2e-setup.sh)");
            assert!(
                out.status.success(),
                "tmux: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out
        }

        fn screen(&self) -> String {
            String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "e2e"]).stdout)
                .into_owned()
        }

        fn wait_for_screen(&self, text: &str) {
            assert!(
                wait_for(PATIENCE, || self.screen().contains(text)),
                "the UI never showed {text:?}:\n{}\n{}",
                self.screen(),
                self.diagnostics()
            );
        }

        fn outside_file(&self) -> PathBuf {
            self.root.path().join("cc-notify-e2e-outside.txt")
        }

        fn prompt(&self) -> Value {
            let prompts = || -> Vec<Value> {
                self.ntfy
                    .messages()
                    .into_iter()
                    .filter(|m| m["topic"] == TOPIC && m["actions"].is_array())
                    .collect()
            };
            assert!(
                wait_for(PATIENCE, || !prompts().is_empty()),
                "no approval request\n{}\n{}",
                self.screen(),
                self.diagnostics()
            );
            prompts().remove(0)
        }

        fn diagnostics(&self) -> String {
            format!(
                "decision log:\n{}\nAPI requests:\n{}",
                std::fs::read_to_string(self.state.join("log.jsonl")).unwrap_or_default(),
                self.api.summary()
            )
        }
    }

    impl Drop for CodexWorld {
        fn drop(&mut self) {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(&self.socket)
                .arg("kill-server")
                .output();
        }
    }

    #[test]
    #[ignore = "end-to-end: needs Codex and tmux, see .ci/e2e-agents-setup.sh"]
    fn codex_tui_phone_allow_runs_the_command_with_no_key_pressed() {
        let w = CodexWorld::start(60);
        let prompt = w.prompt();
        assert!(
            prompt["message"]
                .as_str()
                .unwrap()
                .contains(OUTSIDE_COMMAND),
            "{prompt}"
        );
        let labels: Vec<&str> = prompt["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["Allow", "Deny"]);
        tap(&prompt, "Allow");
        assert!(
            wait_for(PATIENCE, || w.outside_file().exists()),
            "the phone allowed, the command did not run\n{}\n{}",
            w.screen(),
            w.diagnostics()
        );
        assert!(!w.screen().contains(DIALOG), "{}", w.screen());
    }

    #[test]
    #[ignore = "end-to-end: needs Codex and tmux, see .ci/e2e-agents-setup.sh"]
    fn codex_tui_phone_deny_refuses_the_command() {
        let w = CodexWorld::start(60);
        let prompt = w.prompt();
        tap(&prompt, "Deny");
        // Codex goes on once the hook denied: the dialog never needs a key.
        let answered = wait_for(PATIENCE, || {
            std::fs::read_to_string(w.state.join("log.jsonl"))
                .is_ok_and(|l| l.contains("the phone answered Deny"))
        });
        assert!(answered, "{}", w.diagnostics());
        assert!(
            wait_for(PATIENCE, || !w.screen().contains(DIALOG)),
            "the dialog stayed after a phone deny\n{}",
            w.screen()
        );
        assert!(
            !w.outside_file().exists(),
            "the phone denied, the command ran"
        );
    }

    #[test]
    #[ignore = "end-to-end: needs Codex and tmux, see .ci/e2e-agents-setup.sh"]
    fn codex_tui_no_answer_leaves_the_dialog() {
        let w = CodexWorld::start(3);
        let prompt = w.prompt();
        let id = prompt["id"].as_str().unwrap().to_owned();
        assert!(
            wait_for(PATIENCE, || w.ntfy.deleted().contains(&id)),
            "the unanswered prompt was not withdrawn\n{}",
            w.diagnostics()
        );
        // The hook returned without a word: Codex shows its own dialog.
        w.wait_for_screen(DIALOG);
        assert!(!w.outside_file().exists());
    }
}
