//! End-to-end tests against the other coding agents' real CLIs: Codex, Gemini CLI, Copilot CLI,
//! OpenCode and Qwen Code, each run headless against the loopback model-API stand-in with its
//! hooks (OpenCode: cc-notify's plugin) calling `cc-notify hook --agent NAME`; pushes land in
//! the Pushover fake.
//!
//! `bash .ci/e2e-agents-setup.sh` installs the pinned CLIs and prints the variables to set:
//!
//! ```sh
//! env $(bash .ci/e2e-agents-setup.sh) \
//!     cargo test -p cc-notify-cli --test tests e2e::agents:: -- --ignored --test-threads=2
//! ```
//!
//! Without an agent's variable its tests fail (never pass vacuously).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use cc_notify_testkit::model_api::{FAIL_REPLY, FakeModelApi, Script, say};
use cc_notify_testkit::pushover::FakePushover;
use serde_json::{Value, json};

use super::harness::{
    Dirs, Push, config_toml, decisions_in, diagnostics_of, install, kill_tmux_server, pushes_to,
    read_log, run_for, tmux_at, wait_for, wait_for_decision_in, write_json,
};

/// Upper bound for anything to happen; generous, only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(60);
/// How long one headless agent run may take.
const RUN_LIMIT: Duration = Duration::from_secs(180);

/// The agents under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Agent {
    Codex,
    Gemini,
    Copilot,
    OpenCode,
    Qwen,
}

impl Agent {
    fn id(self) -> &'static str {
        match self {
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Copilot => "copilot",
            Agent::OpenCode => "opencode",
            Agent::Qwen => "qwen",
        }
    }

    /// The variable `.ci/e2e-agents-setup.sh` prints for this agent's binary.
    fn var(self) -> String {
        format!("CC_NOTIFY_E2E_{}", self.id().to_uppercase())
    }

    /// The agent's binary, or a test failure saying how to get it.
    fn binary(self) -> PathBuf {
        let var = self.var();
        let Some(path) = std::env::var_os(&var) else {
            panic!(
                "{var} is not set. Install the agents with `bash .ci/e2e-agents-setup.sh`, then \
                 run: env $(cat .e2e/agents/paths.env) cargo test -p cc-notify-cli --test tests \
                 e2e::agents:: -- --ignored --test-threads=2"
            );
        };
        let path = PathBuf::from(path);
        assert!(path.is_file(), "{var}={} is not a file", path.display());
        path
    }
}

/// One test's world: a temp HOME with the agent's hooks, a project, the cc-notify config and
/// state, the model-API stand-in and the Pushover fake.
struct World {
    agent: Agent,
    dirs: Dirs,
    api: FakeModelApi,
    pushover: FakePushover,
    binary: PathBuf,
}

impl World {
    /// Builds the world; `delay_secs` is the wait after a short turn.
    fn new(agent: Agent, delay_secs: u64) -> Self {
        let binary = agent.binary();
        let dirs = Dirs::new();
        let api = FakeModelApi::start().expect("start the model API stand-in");
        let pushover = FakePushover::start();
        let text = config_toml(&pushover.url(), delay_secs, "notify");
        std::fs::write(&dirs.config, text).expect("write config.toml");
        let world = Self {
            agent,
            dirs,
            api,
            pushover,
            binary,
        };
        world.configure();
        world
    }

    /// Writes the agent's own configuration (model provider, auth), then registers cc-notify
    /// with `cc-notify install --agent NAME`, which must keep what was there.
    fn configure(&self) {
        let kept: Option<(PathBuf, &str)> = match self.agent {
            Agent::Codex => {
                let dir = self.dirs.home.join(".codex");
                std::fs::create_dir_all(&dir).expect("codex home");
                std::fs::write(
                    dir.join("config.toml"),
                    format!(
                        "model = \"test-model\"\nmodel_provider = \"fake\"\n\
                         [model_providers.fake]\nname = \"fake\"\nbase_url = \"{}\"\n\
                         wire_api = \"responses\"\nenv_key = \"FAKE_KEY\"\n\
                         [projects.\"{}\"]\ntrust_level = \"trusted\"\n",
                        self.api.openai_base(),
                        self.dirs.project.display()
                    ),
                )
                .expect("codex config");
                None
            }
            Agent::Gemini => {
                let file = self.dirs.home.join(".gemini").join("settings.json");
                write_json(
                    &file,
                    &json!({"security": {"auth": {"selectedType": "gemini-api-key"}},
                            "privacy": {"usageStatisticsEnabled": false}}),
                );
                Some((file, "/security/auth/selectedType"))
            }
            Agent::Copilot => None,
            Agent::OpenCode => {
                write_json(
                    &self.dirs.project.join("opencode.json"),
                    &json!({"model": "fake/test-model", "autoupdate": false, "share": "disabled",
                            "permission": {"bash": "allow"},
                            "provider": {"fake": {"npm": "@ai-sdk/openai-compatible", "name": "Fake",
                                "options": {"baseURL": self.api.openai_base(), "apiKey": "x"},
                                "models": {"test-model": {"name": "test-model"}}}}}),
                );
                None
            }
            Agent::Qwen => {
                let file = self.dirs.home.join(".qwen").join("settings.json");
                write_json(
                    &file,
                    &json!({"security": {"auth": {"selectedType": "openai"}}}),
                );
                Some((file, "/security/auth/selectedType"))
            }
        };
        install(
            &["--agent", self.agent.id()],
            self.env(),
            &self.dirs.project,
        );
        if let Some((file, pointer)) = kept {
            let written: Value =
                serde_json::from_slice(&std::fs::read(&file).expect("settings")).expect("JSON");
            assert!(
                written.pointer(pointer).is_some() && written.get("hooks").is_some(),
                "install lost the settings or added no hooks: {written}"
            );
        }
    }

    /// The environment the agent (and so every hook) runs with.
    fn env(&self) -> Vec<(&'static str, String)> {
        let home = self.dirs.home.to_string_lossy().into_owned();
        let mut env = vec![
            ("HOME", home.clone()),
            // OpenCode takes its project from PWD, not from its working directory.
            ("PWD", self.dirs.project.to_string_lossy().into_owned()),
            (
                "CC_NOTIFY_CONFIG",
                self.dirs.config.to_string_lossy().into_owned(),
            ),
            (
                "CC_NOTIFY_STATE_DIR",
                self.dirs.state.to_string_lossy().into_owned(),
            ),
        ];
        match self.agent {
            Agent::Codex => {
                env.push(("CODEX_HOME", format!("{home}/.codex")));
                env.push(("FAKE_KEY", "x".to_owned()));
            }
            Agent::Gemini => {
                env.push(("GEMINI_API_KEY", "x".to_owned()));
                env.push(("GOOGLE_GEMINI_BASE_URL", self.api.url().to_owned()));
            }
            Agent::Copilot => {
                env.push(("COPILOT_HOME", format!("{home}/.copilot")));
                env.push(("COPILOT_OFFLINE", "true".to_owned()));
                env.push(("COPILOT_AUTO_UPDATE", "false".to_owned()));
                env.push(("COPILOT_PROVIDER_BASE_URL", self.api.openai_base()));
                env.push(("COPILOT_PROVIDER_WIRE_API", "responses".to_owned()));
                env.push(("COPILOT_PROVIDER_API_KEY", "x".to_owned()));
                env.push(("COPILOT_MODEL", "gpt-5".to_owned()));
            }
            Agent::OpenCode => {
                env.push(("XDG_CONFIG_HOME", format!("{home}/.config")));
                env.push(("XDG_DATA_HOME", format!("{home}/.local/share")));
                env.push(("OPENCODE_DISABLE_AUTOUPDATE", "1".to_owned()));
                // What it installs from npm on first use comes from a shared, filled cache.
                env.push(("npm_config_cache", opencode_cache()));
                env.push(("npm_config_prefer_offline", "true".to_owned()));
            }
            Agent::Qwen => {
                env.push(("OPENAI_API_KEY", "x".to_owned()));
                env.push(("OPENAI_BASE_URL", self.api.openai_base()));
                env.push(("OPENAI_MODEL", "test-model".to_owned()));
                env.push(("QWEN_CODE_SUPPRESS_YOLO_WARNING", "1".to_owned()));
            }
        }
        env
    }

    /// The headless command line for `prompt`; `resume` continues the last session.
    fn args(&self, prompt: &str, resume: bool) -> Vec<String> {
        let p = prompt.to_owned();
        let v = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let mut args = match (self.agent, resume) {
            (Agent::Codex, false) => v(&[
                "exec",
                "--skip-git-repo-check",
                "--dangerously-bypass-hook-trust",
            ]),
            (Agent::Codex, true) => v(&[
                "exec",
                "--skip-git-repo-check",
                "--dangerously-bypass-hook-trust",
                "resume",
                "--last",
            ]),
            (Agent::Gemini, false) => v(&["--skip-trust", "-y", "-p"]),
            (Agent::Gemini, true) => v(&["--skip-trust", "-y", "--resume", "latest", "-p"]),
            (Agent::Copilot, r) => {
                let mut a = v(&[
                    "--allow-all-tools",
                    "--trust-folder",
                    "--disable-client-telemetry",
                ]);
                if r {
                    // `--trust-folder` is refused together with `--resume`.
                    a.retain(|w| w != "--trust-folder");
                    a.push(format!("--resume={}", self.last_session()));
                }
                a.push("-p".to_owned());
                a
            }
            (Agent::OpenCode, false) => v(&["run"]),
            (Agent::OpenCode, true) => v(&["run", "--continue"]),
            (Agent::Qwen, false) => v(&["--yolo", "-p"]),
            (Agent::Qwen, true) => v(&["--yolo", "--continue", "-p"]),
        };
        args.push(p);
        args
    }

    /// Runs the agent headless on `prompt` to completion; returns its output.
    fn run(&self, prompt: &str, resume: bool) -> String {
        let mut agent = Command::new(&self.binary);
        agent
            .args(self.args(prompt, resume))
            .envs(self.env())
            .current_dir(&self.dirs.project);
        let (finished, out) = run_for(&mut agent, RUN_LIMIT);
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            finished,
            "{:?} on {prompt:?} did not finish: {text}\nAPI requests:\n{}",
            self.agent,
            self.api.summary()
        );
        text
    }

    /// The session of the last logged decision that names one.
    fn last_session(&self) -> String {
        self.log()
            .iter()
            .rev()
            .find_map(|e| e["session"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no session logged yet\n{}", self.diagnostics()))
    }

    fn log(&self) -> Vec<Value> {
        read_log(&self.dirs.state)
    }

    fn decisions(&self, decision: &str, kind: Option<&str>) -> Vec<Value> {
        decisions_in(&self.dirs.state, decision, kind)
    }

    /// Waits for a `decision` (of `kind`) in the log; fails with everything known otherwise.
    fn wait_for_decision(&self, decision: &str, kind: Option<&str>) -> Value {
        wait_for_decision_in(&self.dirs.state, decision, kind, PATIENCE, || {
            self.diagnostics()
        })
    }

    fn pushes(&self) -> Vec<Push> {
        pushes_to(&self.pushover)
    }

    fn diagnostics(&self) -> String {
        format!(
            "{:?}: {}\nscratch: {}",
            self.agent,
            diagnostics_of(&self.log(), &self.pushover, &self.api.summary()),
            self.dirs.root.path().display()
        )
    }
}

/// The npm cache OpenCode installs its plugin dependencies from at its first run in a fresh
/// HOME: the one `.ci/e2e-agents-setup.sh` fills (`CC_NOTIFY_E2E_OPENCODE_CACHE`).
fn opencode_cache() -> String {
    std::env::var("CC_NOTIFY_E2E_OPENCODE_CACHE").unwrap_or_else(|_| {
        panic!("CC_NOTIFY_E2E_OPENCODE_CACHE is not set: run .ci/e2e-agents-setup.sh")
    })
}

/// A plain turn gives exactly one Done push, holding the reply.
fn plain_turn_pushes_one_done_with_the_reply(agent: Agent) {
    let world = World::new(agent, 2);
    let reply = format!("The {} build is green.", agent.id());
    let out = world.run(&say(&reply), false);
    assert!(out.contains(&reply), "{agent:?} printed {out:?}");
    world.wait_for_decision("fired", Some("done"));
    // A second push would come within the same delay: wait for the session to settle.
    wait_for(Duration::from_secs(3), || world.pushes().len() > 1);
    let pushes = world.pushes();
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(
        pushes[0].message.contains(&reply),
        "push {:?} lacks the reply\n{}",
        pushes[0],
        world.diagnostics()
    );
    let name = cc_notify_core::event::Agent::from_id(agent.id()).map(|a| a.display_name());
    let title = &pushes[0].title;
    assert!(
        name.is_some_and(|n| title.contains(&format!("{n} done"))),
        "the title {title:?} does not name {agent:?}"
    );
}

/// A turn whose tool fails: `expected` is the push kind the agent's signals allow.
fn failing_tool_pushes(agent: Agent, expected: &str) {
    let world = World::new(agent, 2);
    world.run(&Script::ToolFails.prompt(), false);
    world.wait_for_decision("fired", Some(expected));
    let pushes = world.pushes();
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    if expected == "done" {
        // The agent reports no failure: the push says what the agent replied, nothing more.
        assert!(pushes[0].message.contains(FAIL_REPLY), "{pushes:?}");
    }
}

/// A prompt in the same session before the push went out cancels it.
fn next_prompt_cancels_the_pending_push(agent: Agent) {
    let world = World::new(agent, 30);
    world.run(&say("first reply"), false);
    world.wait_for_decision("scheduled", Some("done"));
    world.run(&say("second reply"), true);
    world.wait_for_decision("cancelled", None);
    assert!(
        world.decisions("fired", None).is_empty() && world.pushes().is_empty(),
        "{}",
        world.diagnostics()
    );
}

macro_rules! agent_tests {
    ($module:ident, $agent:expr, $fail_kind:expr) => {
        mod $module {
            use super::*;

            #[test]
            #[ignore = "end-to-end: needs the agents, see .ci/e2e-agents-setup.sh"]
            fn plain_turn_pushes_one_done_with_the_reply() {
                super::plain_turn_pushes_one_done_with_the_reply($agent);
            }

            #[test]
            #[ignore = "end-to-end: needs the agents, see .ci/e2e-agents-setup.sh"]
            fn failing_tool_gives_the_push_its_signals_allow() {
                super::failing_tool_pushes($agent, $fail_kind);
            }

            #[test]
            #[ignore = "end-to-end: needs the agents, see .ci/e2e-agents-setup.sh"]
            fn next_prompt_cancels_the_pending_push() {
                super::next_prompt_cancels_the_pending_push($agent);
            }
        }
    };
}

// Codex reports no tool failure: a Done with the reply.
agent_tests!(codex, Agent::Codex, "done");
agent_tests!(gemini, Agent::Gemini, "error");
agent_tests!(qwen, Agent::Qwen, "error");
agent_tests!(opencode, Agent::OpenCode, "done");

// Copilot: its stop hook carries no reply; the deliverer reads it from the session file.
agent_tests!(copilot, Agent::Copilot, "done");

/// An agent's terminal UI in a tmux server of its own (socket in the test's temp dir), killed
/// on drop.
struct AgentTui {
    socket: PathBuf,
    /// The user's terminal: a tmux server whose pane runs `tmux attach` to the UI's session
    /// (a session nobody is attached to means "away").
    terminal: PathBuf,
}

impl AgentTui {
    /// Starts the agent's UI with `args` in a 160x45 pane in the project, with the world's
    /// environment, and waits until `ready` shows.
    fn start(world: &World, args: &[&str], ready: &str) -> Self {
        let tui = Self {
            socket: world.dirs.root.path().join("tmux.sock"),
            terminal: world.dirs.root.path().join("terminal.sock"),
        };
        // A UI that exits keeps its pane (remain-on-exit), so a failure shows what it printed.
        let mut cmd: Vec<String> = [
            "start-server",
            ";",
            "set-option",
            "-g",
            "remain-on-exit",
            "on",
            ";",
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "160",
            "-y",
            "45",
        ]
        .map(String::from)
        .to_vec();
        cmd.push("-c".into());
        cmd.push(world.dirs.project.to_string_lossy().into_owned());
        for (key, value) in world.env() {
            cmd.push("-e".into());
            cmd.push(format!("{key}={value}"));
        }
        cmd.push("--".into());
        cmd.push(world.binary.to_string_lossy().into_owned());
        cmd.extend(args.iter().map(|a| (*a).to_owned()));
        tui.tmux(&cmd);
        tui.wait_for_screen(ready, world);
        tui
    }

    /// The user sits at the UI: their terminal attaches to its session; waits until it has.
    fn attach(&self, world: &World) {
        let attach = format!("exec tmux -S '{}' attach -t e2e", self.socket.display());
        let new = [
            "new-session",
            "-d",
            "-s",
            "term",
            "-x",
            "160",
            "-y",
            "45",
            &attach,
        ];
        tmux_at(&self.terminal, &new);
        let attached = wait_for(Duration::from_secs(10), || {
            let out = self.tmux(&["display", "-p", "-t", "e2e", "#{session_attached}"]);
            String::from_utf8_lossy(&out.stdout).trim() != "0"
        });
        assert!(
            attached,
            "the terminal never attached\n{}",
            world.diagnostics()
        );
    }

    /// Types `text` in the user's terminal, reaching the UI through the attached client.
    fn type_at_terminal(&self, text: &str) {
        tmux_at(&self.terminal, &["send-keys", "-t", "term", "-l", text]);
    }

    fn tmux<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> std::process::Output {
        tmux_at(&self.socket, args)
    }
}

impl AgentTui {
    /// Types `text` and presses Enter.
    fn submit(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", text]);
        // The UIs take a pasted line and its Enter apart only once the text has landed.
        let typed = wait_for(Duration::from_secs(5), || self.screen().contains(text));
        assert!(typed, "the UI never showed {text:?}:\n{}", self.screen());
        self.tmux(&["send-keys", "-t", "e2e", "Enter"]);
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "e2e"]).stdout)
            .into_owned()
    }

    fn wait_for_screen(&self, text: &str, world: &World) {
        let shown = wait_for(PATIENCE, || self.screen().contains(text) || self.exited());
        assert!(
            shown && !self.exited(),
            "{:?}: the UI never showed {text:?}{}:\n{}\n{}",
            world.agent,
            if self.exited() { " (it exited)" } else { "" },
            self.screen(),
            world.diagnostics()
        );
    }

    /// Whether the UI's process has exited (its pane is kept, see `start`).
    fn exited(&self) -> bool {
        let out = self.tmux(&[
            "display",
            "-p",
            "-t",
            "e2e",
            "#{pane_dead} #{pane_dead_status}",
        ]);
        String::from_utf8_lossy(&out.stdout).starts_with('1')
    }
}

impl Drop for AgentTui {
    fn drop(&mut self) {
        // The servers may be gone already (or the terminal never opened).
        for socket in [&self.terminal, &self.socket] {
            kill_tmux_server(socket);
        }
    }
}

/// An approval dialog left unanswered gives a Needs-input push; `args` start the UI, `ready`
/// and `dialog` are texts its screen shows.
fn unanswered_approval_pushes_needs_input(agent: Agent, args: &[&str], ready: &str, dialog: &str) {
    // Longer than the typing window (10 s): the keystrokes of the prompt do not count.
    let world = World::new(agent, 12);
    let tui = AgentTui::start(&world, args, ready);
    tui.submit(&Script::Permission.prompt());
    tui.wait_for_screen(dialog, &world);
    world.wait_for_decision("fired", Some("needs_input"));
    let pushes = world.pushes();
    assert_eq!(pushes.len(), 1, "{}", world.diagnostics());
    assert!(
        pushes[0].message.contains("touch"),
        "the push does not say what is asked: {pushes:?}"
    );
}

/// Typing in the agent's terminal while the push waits skips it; `args` start the UI.
fn typing_during_the_delay_skips_the_push(agent: Agent, args: &[&str], ready: &str) {
    let world = World::new(agent, 12);
    let tui = AgentTui::start(&world, args, ready);
    tui.attach(&world);
    tui.submit(&say("Lint is clean."));
    world.wait_for_decision("scheduled", Some("done"));
    // The pty's atime moves at most once per aligned 8 s bucket: keep typing (a key a second)
    // until cc-notify has decided.
    let decided = wait_for(PATIENCE, || {
        tui.type_at_terminal("x");
        std::thread::sleep(Duration::from_secs(1));
        !world.decisions("skipped_typing", None).is_empty()
            || !world.decisions("fired", None).is_empty()
    });
    assert!(decided, "no decision while typing\n{}", world.diagnostics());
    assert!(
        !world.decisions("skipped_typing", Some("done")).is_empty(),
        "{}",
        world.diagnostics()
    );
    assert!(world.pushes().is_empty(), "{}", world.diagnostics());
}

/// The arguments that start each UI, and what its screen shows when ready.
const CODEX_TUI: (&[&str], &str) = (
    &[
        "--dangerously-bypass-hook-trust",
        "-a",
        "on-request",
        "-s",
        "workspace-write",
    ],
    "Ask Codex to do anything",
);
const GEMINI_TUI: (&[&str], &str) = (&["--skip-trust"], "Type your message");

mod tui {
    use super::*;

    #[test]
    #[ignore = "end-to-end: needs the agents and tmux, see .ci/e2e-agents-setup.sh"]
    fn codex_tui_typing_during_the_delay_skips_the_push() {
        typing_during_the_delay_skips_the_push(Agent::Codex, CODEX_TUI.0, CODEX_TUI.1);
    }

    #[test]
    #[ignore = "end-to-end: needs the agents and tmux, see .ci/e2e-agents-setup.sh"]
    fn gemini_tui_typing_during_the_delay_skips_the_push() {
        typing_during_the_delay_skips_the_push(Agent::Gemini, GEMINI_TUI.0, GEMINI_TUI.1);
    }

    #[test]
    #[ignore = "end-to-end: needs the agents and tmux, see .ci/e2e-agents-setup.sh"]
    fn codex_tui_unanswered_approval_pushes_needs_input() {
        unanswered_approval_pushes_needs_input(
            Agent::Codex,
            CODEX_TUI.0,
            CODEX_TUI.1,
            "Would you like to run the following command?",
        );
    }

    #[test]
    #[ignore = "end-to-end: needs the agents and tmux, see .ci/e2e-agents-setup.sh"]
    fn gemini_tui_unanswered_approval_pushes_needs_input() {
        unanswered_approval_pushes_needs_input(
            Agent::Gemini,
            GEMINI_TUI.0,
            GEMINI_TUI.1,
            "Allow execution",
        );
    }
}
