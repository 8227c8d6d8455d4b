//! One isolated world per test: a temp HOME with Claude Code settings, a project dir, the
//! cc-notify config and state dir, the Anthropic stand-in and the Pushover fake.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cc_notify_testkit::anthropic::FakeAnthropic;
use cc_notify_testkit::pushover::FakePushover;
use serde_json::{Value, json};

/// The environment variable naming the `claude` binary (printed by `.ci/e2e-setup.sh`).
pub const CLAUDE_VAR: &str = "CC_NOTIFY_E2E_CLAUDE";

/// The API key the stand-in accepts (any key works; the TUI must have approved it).
const API_KEY: &str = "test-key";

/// The Claude Code version the `.claude.json` seed claims to have seen release notes for.
const CLAUDE_VERSION: &str = "2.1.328";

/// The `claude` binary, or a test failure explaining how to get one: the e2e tests must never
/// pass without having run Claude Code.
pub fn claude_binary() -> PathBuf {
    let Some(path) = std::env::var_os(CLAUDE_VAR) else {
        panic!(
            "{CLAUDE_VAR} is not set. Install Claude Code and tmux with `bash .ci/e2e-setup.sh`, \
             then run: {CLAUDE_VAR}=\"$(cat .e2e/claude-path)\" cargo test -p cc-notify-cli \
             --test tests e2e:: -- --ignored --test-threads=1"
        );
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "{CLAUDE_VAR}={} is not a file; rerun .ci/e2e-setup.sh",
        path.display()
    );
    path
}

/// How one test's world is set up.
pub struct Setup {
    /// `[timing] bands = [[600, delay]]`: the wait after a short turn, in seconds.
    pub delay_secs: u64,
    /// `[sessions] headless`: `"notify"` for `claude -p` tests.
    pub headless: &'static str,
    /// `[progress] enabled`.
    pub progress: bool,
}

/// A test's world; everything lives in one temp dir removed on drop, and the fakes stop.
pub struct World {
    /// The temp dir holding everything below.
    root: tempfile::TempDir,
    /// `$HOME` for Claude Code and the hooks.
    pub home: PathBuf,
    /// The project Claude Code runs in.
    pub project: PathBuf,
    /// `CC_NOTIFY_CONFIG`.
    pub config: PathBuf,
    /// `CC_NOTIFY_STATE_DIR`.
    pub state: PathBuf,
    /// The Anthropic Messages API stand-in.
    pub api: FakeAnthropic,
    /// The Pushover API fake.
    pub pushover: FakePushover,
    claude: PathBuf,
}

impl World {
    /// Builds the world: config.toml pointing at the Pushover fake, Claude Code's settings
    /// with the interactive-UI seeds, then `cc-notify install` into `$HOME/.claude/settings.json`.
    pub fn new(setup: Setup) -> Self {
        let claude = claude_binary();
        let root = tempfile::tempdir().expect("temp dir");
        let home = root.path().join("home");
        let project = root.path().join("project");
        let state = root.path().join("state");
        let config = root.path().join("config.toml");
        for dir in [&home, &project, &home.join(".claude")] {
            std::fs::create_dir_all(dir).expect("create dir");
        }
        let api = FakeAnthropic::start().expect("start the Anthropic stand-in");
        let pushover = FakePushover::start();
        std::fs::write(
            &config,
            format!(
                "[pushover]\n\
                 token = \"azGDORePK8gMaC0QOYAMyEEuzJnyUi\"\n\
                 user = \"uQiRzpo4DXghDmr9QzzfQu27cmVRsG\"\n\
                 api_url = \"{}\"\n\
                 \n\
                 [timing]\n\
                 bands = [[600, {}]]\n\
                 typing_window = 10\n\
                 grace = 0\n\
                 rate_limit = 0\n\
                 \n\
                 [sessions]\n\
                 headless = \"{}\"\n\
                 \n\
                 [progress]\n\
                 enabled = {}\n",
                pushover.url(),
                setup.delay_secs,
                setup.headless,
                setup.progress
            ),
        )
        .expect("write config.toml");

        // What the interactive UI needs to start without first-run dialogs or auto mode.
        let project_key = project.to_string_lossy().into_owned();
        write_json(
            &home.join(".claude.json"),
            &json!({
                "hasCompletedOnboarding": true, "theme": "dark",
                "hasResetAutoModeOptInForDefaultOffer": true, "hasSeenAutoDefaultNotice": true,
                "lastReleaseNotesSeen": CLAUDE_VERSION,
                "customApiKeyResponses": {"approved": [API_KEY], "rejected": []},
                "projects": {project_key: {"hasTrustDialogAccepted": true}},
            }),
        );
        let settings = home.join(".claude").join("settings.json");
        write_json(
            &settings,
            &json!({"permissions": {"defaultMode": "default", "disableAutoMode": "disable"}}),
        );

        let world = Self {
            root,
            home,
            project,
            config,
            state,
            api,
            pushover,
            claude,
        };
        world.install(&settings);
        world
    }

    /// Runs `cc-notify install` with this world's HOME and checks it registered its hooks
    /// without dropping the settings that were already there.
    fn install(&self, settings: &Path) {
        let out = Command::new(env!("CARGO_BIN_EXE_cc-notify"))
            .arg("install")
            .envs(self.env())
            .current_dir(&self.project)
            .stdin(Stdio::null())
            .output()
            .expect("run cc-notify install");
        assert!(
            out.status.success(),
            "cc-notify install failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let written: Value = serde_json::from_slice(&std::fs::read(settings).expect("settings"))
            .expect("settings.json is JSON");
        assert!(
            written.pointer("/hooks/Stop").is_some(),
            "no Stop hook installed: {written}"
        );
        assert_eq!(
            written.pointer("/permissions/disableAutoMode"),
            Some(&json!("disable")),
            "install dropped existing settings: {written}"
        );
    }

    /// The environment Claude Code (and so every hook) runs with.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("HOME", self.home.to_string_lossy().into_owned()),
            ("ANTHROPIC_BASE_URL", self.api.url().to_owned()),
            ("ANTHROPIC_API_KEY", API_KEY.to_owned()),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".to_owned()),
            ("DISABLE_TELEMETRY", "1".to_owned()),
            // An API error ends the turn at once instead of after minutes of retries.
            ("CLAUDE_CODE_MAX_RETRIES", "0".to_owned()),
            (
                "CC_NOTIFY_CONFIG",
                self.config.to_string_lossy().into_owned(),
            ),
            (
                "CC_NOTIFY_STATE_DIR",
                self.state.to_string_lossy().into_owned(),
            ),
        ]
    }

    /// The world's own temp dir, for anything else a test needs to put somewhere.
    pub fn scratch(&self) -> &Path {
        self.root.path()
    }

    /// The `claude` binary under test.
    pub fn claude(&self) -> &Path {
        &self.claude
    }

    /// Runs `claude -p PROMPT --allowedTools Bash` to completion and returns its stdout.
    pub fn run_print(&self, prompt: &str) -> String {
        let mut child = Command::new(&self.claude)
            .args(["-p", prompt, "--allowedTools", "Bash"])
            .envs(self.env())
            .current_dir(&self.project)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn claude -p");
        let finished = wait_for(Duration::from_secs(60), || {
            child.try_wait().expect("wait on claude").is_some()
        });
        if !finished {
            // Best effort: the test fails below either way.
            let _ = child.kill();
        }
        let out = child.wait_with_output().expect("claude output");
        assert!(
            finished && out.status.success(),
            "claude -p {prompt:?} failed (finished: {finished}): {}\nstderr: {}\nAPI requests:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.api.summary()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The decision log so far (`<state>/log.jsonl`), one JSON object per line.
    pub fn log(&self) -> Vec<Value> {
        let Ok(text) = std::fs::read_to_string(self.state.join("log.jsonl")) else {
            return Vec::new();
        };
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad log line {l:?}: {e}")))
            .collect()
    }

    /// The log entries with this `decision` (and `kind`, when given).
    pub fn decisions(&self, decision: &str, kind: Option<&str>) -> Vec<Value> {
        self.log()
            .into_iter()
            .filter(|e| e["decision"] == decision && kind.is_none_or(|k| e["kind"] == k))
            .collect()
    }

    /// Waits until the log holds a `decision` entry (of `kind`, when given); fails the test
    /// with everything known when it does not come within `timeout`.
    pub fn wait_for_decision(
        &self,
        decision: &str,
        kind: Option<&str>,
        timeout: Duration,
    ) -> Value {
        let mut found = None;
        wait_for(timeout, || {
            found = self.decisions(decision, kind).into_iter().next();
            found.is_some()
        });
        found.unwrap_or_else(|| {
            panic!(
                "no {decision:?} ({kind:?}) decision within {timeout:?}\n{}",
                self.diagnostics()
            )
        })
    }

    /// Waits until the Pushover fake got `n` pushes and returns them.
    pub fn wait_for_pushes(&self, n: usize, timeout: Duration) -> Vec<Push> {
        wait_for(timeout, || self.pushes().len() >= n);
        let pushes = self.pushes();
        assert!(
            pushes.len() >= n,
            "expected {n} push(es) within {timeout:?}, got {}\n{}",
            pushes.len(),
            self.diagnostics()
        );
        pushes
    }

    /// The pushes the Pushover fake received (message requests only).
    pub fn pushes(&self) -> Vec<Push> {
        self.pushover
            .requests()
            .into_iter()
            .filter(|r| r.path == "/1/messages.json")
            .map(|r| Push {
                title: r.param("title").unwrap_or_default().to_owned(),
                message: r.param("message").unwrap_or_default().to_owned(),
                priority: r.param("priority").unwrap_or_default().to_owned(),
            })
            .collect()
    }

    /// Decision log, pushes and API requests, for failure messages.
    pub fn diagnostics(&self) -> String {
        let log: Vec<String> = self.log().iter().map(Value::to_string).collect();
        format!(
            "decision log:\n{}\npushes: {:?}\nAPI requests:\n{}",
            log.join("\n"),
            self.pushes(),
            self.api.summary()
        )
    }
}

/// One push as the tests look at it.
#[derive(Debug, Clone)]
pub struct Push {
    /// The title parameter (empty when absent).
    pub title: String,
    /// The message parameter.
    pub message: String,
    /// The priority parameter (empty when absent).
    pub priority: String,
}

/// Polls `done` every 100 ms until it holds or `timeout` passes; returns whether it held.
/// Synchronisation on a condition with a deadline, not a timed assertion.
pub fn wait_for(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).expect("json")).expect("write json");
}
