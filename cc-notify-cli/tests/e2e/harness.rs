//! One isolated world per test: a temp HOME with Claude Code settings, a project dir, the
//! cc-notify config and state dir, the Anthropic stand-in and the Pushover fake.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
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
        let Dirs {
            root,
            home,
            project,
            state,
            config,
        } = Dirs::new();
        std::fs::create_dir_all(home.join(".claude")).expect("create dir");
        let api = FakeAnthropic::start().expect("start the Anthropic stand-in");
        let pushover = FakePushover::start();
        let text = config_toml(&pushover.url(), setup.delay_secs, setup.headless);
        let progress = format!("\n[progress]\nenabled = {}\n", setup.progress);
        std::fs::write(&config, text + &progress).expect("write config.toml");

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
        install(&[], self.env(), &self.project);
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
        let mut claude = Command::new(&self.claude);
        claude
            .args(["-p", prompt, "--allowedTools", "Bash"])
            .envs(self.env())
            .current_dir(&self.project);
        let (finished, out) = run_for(&mut claude, Duration::from_secs(60));
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
        read_log(&self.state)
    }

    /// The log entries with this `decision` (and `kind`, when given).
    pub fn decisions(&self, decision: &str, kind: Option<&str>) -> Vec<Value> {
        decisions_in(&self.state, decision, kind)
    }

    /// Waits until the log holds a `decision` entry (of `kind`, when given); fails the test
    /// with everything known when it does not come within `timeout`.
    pub fn wait_for_decision(
        &self,
        decision: &str,
        kind: Option<&str>,
        timeout: Duration,
    ) -> Value {
        wait_for_decision_in(&self.state, decision, kind, timeout, || self.diagnostics())
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
        pushes_to(&self.pushover)
    }

    /// Decision log, pushes and API requests, for failure messages.
    pub fn diagnostics(&self) -> String {
        diagnostics_of(&self.log(), &self.pushover, &self.api.summary())
    }
}

/// The temp dirs an e2e world is made of, all in one temp dir removed on drop: `home` and
/// `project` exist, `state` and `config` are where cc-notify is pointed.
pub struct Dirs {
    /// The temp dir holding everything below.
    pub root: tempfile::TempDir,
    /// `$HOME` for the agent and its hooks.
    pub home: PathBuf,
    /// The project the agent runs in.
    pub project: PathBuf,
    /// `CC_NOTIFY_STATE_DIR` (created by cc-notify).
    pub state: PathBuf,
    /// `CC_NOTIFY_CONFIG` (not written yet).
    pub config: PathBuf,
}

impl Dirs {
    /// A fresh temp dir with `home/` and `project/` in it.
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        let home = root.path().join("home");
        let project = root.path().join("project");
        for dir in [&home, &project] {
            std::fs::create_dir_all(dir).expect("create dir");
        }
        Self {
            state: root.path().join("state"),
            config: root.path().join("config.toml"),
            root,
            home,
            project,
        }
    }
}

/// cc-notify's `config.toml` for an e2e world: the example Pushover keys with `pushover_url`,
/// a push `delay_secs` after a short turn (no grace, no rate limit), `[sessions] headless`.
pub fn config_toml(pushover_url: &str, delay_secs: u64, headless: &str) -> String {
    format!(
        "[pushover]\n\
         token = \"azGDORePK8gMaC0QOYAMyEEuzJnyUi\"\n\
         user = \"uQiRzpo4DXghDmr9QzzfQu27cmVRsG\"\n\
         api_url = \"{pushover_url}\"\n\
         \n\
         [timing]\n\
         bands = [[600, {delay_secs}]]\n\
         typing_window = 10\n\
         grace = 0\n\
         rate_limit = 0\n\
         \n\
         [sessions]\n\
         headless = \"{headless}\"\n"
    )
}

/// Runs `cc-notify install ARGS` in `project` with `env`; fails the test unless it succeeds.
pub fn install(args: &[&str], env: Vec<(&'static str, String)>, project: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_cc-notify"))
        .arg("install")
        .args(args)
        .envs(env)
        .current_dir(project)
        .stdin(Stdio::null())
        .output()
        .expect("run cc-notify install");
    assert!(
        out.status.success(),
        "cc-notify install {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `cmd` (stdin from /dev/null, output captured) for at most `limit`, killing it then;
/// returns whether it finished, and its output.
pub fn run_for(cmd: &mut Command, limit: Duration) -> (bool, Output) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {:?}: {e}", cmd.get_program()));
    let finished = wait_for(limit, || {
        child.try_wait().expect("wait on the child").is_some()
    });
    if !finished {
        // Best effort: the caller fails the test either way.
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("child output");
    (finished, out)
}

/// The decision log in `state` so far, one JSON object per line; a last line still being
/// written is left for the next read, any other bad line fails the test.
pub fn read_log(state: &Path) -> Vec<Value> {
    let Ok(text) = std::fs::read_to_string(state.join("log.jsonl")) else {
        return Vec::new();
    };
    text.split_inclusive('\n')
        .filter(|l| l.ends_with('\n') && !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad log line {l:?}: {e}")))
        .collect()
}

/// The entries of `state`'s decision log with this `decision` (and `kind`, when given).
pub fn decisions_in(state: &Path, decision: &str, kind: Option<&str>) -> Vec<Value> {
    read_log(state)
        .into_iter()
        .filter(|e| e["decision"] == decision && kind.is_none_or(|k| e["kind"] == k))
        .collect()
}

/// Waits until `state`'s log holds a `decision` entry (of `kind`, when given); fails the test
/// with `diagnostics` when it does not come within `timeout`.
pub fn wait_for_decision_in(
    state: &Path,
    decision: &str,
    kind: Option<&str>,
    timeout: Duration,
    diagnostics: impl FnOnce() -> String,
) -> Value {
    let mut found = None;
    wait_for(timeout, || {
        found = decisions_in(state, decision, kind).into_iter().next();
        found.is_some()
    });
    found.unwrap_or_else(|| {
        panic!(
            "no {decision:?} ({kind:?}) decision within {timeout:?}\n{}",
            diagnostics()
        )
    })
}

/// The pushes `pushover` received (message requests only).
pub fn pushes_to(pushover: &FakePushover) -> Vec<Push> {
    pushover
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

/// The decision log, the pushes and the model-API requests (`api_summary`), for failure
/// messages.
pub fn diagnostics_of(log: &[Value], pushover: &FakePushover, api_summary: &str) -> String {
    let log: Vec<String> = log.iter().map(Value::to_string).collect();
    format!(
        "decision log:\n{}\npushes: {:?}\nAPI requests:\n{api_summary}",
        log.join("\n"),
        pushes_to(pushover),
    )
}

/// Runs one tmux command against the server at `socket`; fails the test if tmux fails.
///
/// The first command starts the server, whose environment every pane inherits: a CI runner's
/// `CI=true` (or `GITHUB_ACTIONS=true`) is left out of it, since Gemini CLI takes either as
/// "headless" and, with no prompt given, exits at start-up (status 42) instead of showing its UI
/// to the person the pane stands for.
pub fn tmux_at<S: AsRef<OsStr>>(socket: &Path, args: &[S]) -> Output {
    let out = Command::new("tmux")
        .arg("-S")
        .arg(socket)
        .args(args)
        .env_remove("TMUX")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap_or_else(|e| panic!("cannot run tmux (run .ci/e2e-setup.sh): {e}"));
    assert!(
        out.status.success(),
        "tmux {:?}: {}",
        args.iter().map(AsRef::as_ref).collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Stops the tmux server at `socket` and every process its panes started; best effort (it may
/// be gone already, or never started). The panes' processes are found first and killed after
/// the server: some agents (Gemini CLI re-executes itself under a second `node`) outlive the
/// hang-up the server sends them, and would otherwise run on after the test.
pub fn kill_tmux_server(socket: &Path) {
    let panes = Command::new("tmux")
        .arg("-S")
        .arg(socket)
        .args(["list-panes", "-a", "-F", "#{pane_pid}"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let roots: Vec<u32> = panes
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let started = descendants(&roots);
    let _ = Command::new("tmux")
        .arg("-S")
        .arg(socket)
        .arg("kill-server")
        .output();
    if !started.is_empty() {
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(started.iter().map(u32::to_string))
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// `roots` and every process below them, from each process's parent in `/proc/PID/stat`.
fn descendants(roots: &[u32]) -> Vec<u32> {
    let parent_of = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // "pid (comm) state ppid …": the command may hold spaces and parentheses.
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let all: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect();
    let mut found: Vec<u32> = roots.to_vec();
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(all.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    found
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

/// Writes `value` as pretty JSON to `path`, creating its directory.
pub fn write_json(path: &Path, value: &Value) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create dir");
    }
    std::fs::write(path, serde_json::to_vec_pretty(value).expect("json")).expect("write json");
}
