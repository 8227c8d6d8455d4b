//! A private world for the real `cc-notify` binary: temp HOME, state dir and config pointing
//! at a Pushover fake on 127.0.0.1, a clean environment, and helpers to read back what the
//! binary left behind (decision log, session files, live deliverers).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use cc_notify_testkit::pushover::{EXAMPLE_TOKEN, EXAMPLE_USER, FakePushover};
use serde_json::{Value, json};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_cc-notify");

/// Upper bound for anything the tests wait for; only reached when a test fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A push 1 s after a short turn, no grace, no rate limit, headless sessions notify.
pub const FAST: &str = "[timing]\nbands = [[600, 1]]\ngrace = 0\nrate_limit = 0\n\
                        [sessions]\nheadless = \"notify\"\n";

/// A push 60 s after a short turn: it stays pending for the whole test.
pub const SLOW: &str = "[timing]\nbands = [[600, 60]]\ngrace = 0\nrate_limit = 0\n\
                        [sessions]\nheadless = \"notify\"\n";

/// One test's world. Dropping it kills the deliverers its hooks left running.
pub struct World {
    /// The temp dir everything lives in (also the binary's working directory).
    pub root: tempfile::TempDir,
    /// `$CC_NOTIFY_STATE_DIR`.
    pub state: PathBuf,
    /// `$CC_NOTIFY_CONFIG`.
    pub config: PathBuf,
    /// The Pushover stand-in the config points at.
    pub fake: FakePushover,
}

impl World {
    /// A world whose config has the example Pushover keys, no retries, and then `extra`.
    pub fn new(extra: &str) -> World {
        let root = tempfile::tempdir().expect("temp dir");
        let fake = FakePushover::start();
        let state = root.path().join("state");
        let config = root.path().join("config.toml");
        std::fs::create_dir(root.path().join("home")).expect("home");
        let world = World {
            state,
            config,
            fake,
            root,
        };
        world.write_config(&format!(
            "{}[delivery]\nretries = 0\n{extra}",
            pushover_section(&world.fake.url())
        ));
        world
    }

    /// Replaces the config file.
    pub fn write_config(&self, text: &str) {
        std::fs::write(&self.config, text).expect("write config");
    }

    /// `cc-notify ARGS` with only this world's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.root.path().join("home"))
            // Local time is UTC, whatever the machine's zone (quiet hours are local time).
            .env("TZ", "UTC")
            .env("CC_NOTIFY_STATE_DIR", &self.state)
            .env("CC_NOTIFY_CONFIG", &self.config)
            // No terminal in these sessions: `claude -p` as far as cc-notify can tell.
            .env("CLAUDE_CODE_SESSION_ATTENDED", "0")
            .current_dir(self.root.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs `cc-notify ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run cc-notify")
    }

    /// Starts `cc-notify hook` with `input` on stdin (written from a thread, then closed).
    /// The returned thread fails if the hook did not read all of its input.
    pub fn spawn_hook(
        &self,
        input: Vec<u8>,
    ) -> (Child, std::thread::JoinHandle<std::io::Result<()>>) {
        let mut child = self
            .command(&["hook"])
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn hook");
        let mut stdin = child.stdin.take().expect("piped stdin");
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        (child, writer)
    }

    /// Runs `cc-notify hook` with `input` and checks the hook contract: all input read, exit
    /// 0, nothing on stdout. Returns stderr.
    pub fn hook(&self, input: impl Into<Vec<u8>>, what: &str) -> String {
        let (child, writer) = self.spawn_hook(input.into());
        finish_hook(child, writer, what)
    }

    /// Sends a hook event named `name` for `session` with the fields of `extra` (an object).
    pub fn event(&self, session: &str, name: &str, extra: Value) -> String {
        self.hook(event(session, name, extra), name)
    }

    /// The decision log, one JSON value per line (empty when there is none yet).
    pub fn log(&self) -> Vec<Value> {
        match std::fs::read_to_string(self.state.join("log.jsonl")) {
            Ok(text) => text
                .lines()
                .map(|l| serde_json::from_str(l).expect("log line is JSON"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Log records about `session` with this decision.
    pub fn decisions(&self, session: &str, decision: &str) -> Vec<Value> {
        self.log()
            .into_iter()
            .filter(|r| r["session"] == session && r["decision"] == decision)
            .collect()
    }

    /// The session file of a plain (unhashed) session id.
    pub fn session_path(&self, session: &str) -> PathBuf {
        self.state.join("sessions").join(format!("{session}.json"))
    }

    /// Takes the exclusive lock of a plain (unhashed) session id, as the binary does; held
    /// until the returned file is dropped.
    pub fn lock_session(&self, session: &str) -> std::fs::File {
        let lock = std::fs::File::options()
            .write(true)
            .open(self.state.join("sessions").join(format!("{session}.lock")))
            .expect("open the session's lock file");
        lock.lock().expect("lock the session");
        lock
    }

    /// The session file's bytes, if it exists.
    pub fn session_bytes(&self, session: &str) -> Option<Vec<u8>> {
        std::fs::read(self.session_path(session)).ok()
    }

    /// The session file, parsed; panics when it is missing or not JSON.
    pub fn session(&self, session: &str) -> Value {
        let bytes = self
            .session_bytes(session)
            .unwrap_or_else(|| panic!("no session file for {session}"));
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("session file of {session} is not JSON: {e}"))
    }

    /// The live `cc-notify deliver` processes started from this world for `session`.
    pub fn deliverers(&self, session: &str) -> Vec<u32> {
        // A hook may exit before the process it spawned has finished its exec: until then that
        // process is a copy of the hook with an empty command line. Wait for every process in
        // the world to show what it runs.
        let mut processes = live_processes_in(self.root.path());
        wait_until(|| {
            processes = live_processes_in(self.root.path());
            processes.iter().all(|(_, args)| !args.is_empty())
        });
        processes
            .into_iter()
            .filter(|(_, args)| {
                args.iter().any(|a| a == "deliver") && args.iter().any(|a| a == session)
            })
            .map(|(pid, _)| pid)
            .collect()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // Deliverers are detached (own session); those still waiting would outlive the test.
        for (pid, args) in live_processes_in(self.root.path()) {
            if args
                .first()
                .is_some_and(|a| Path::new(a).file_name() == Path::new(BIN).file_name())
            {
                kill(pid);
            }
        }
    }
}

/// A `[pushover]` section with the example keys and `api_url`; more of its keys may follow.
pub fn pushover_section(api_url: &str) -> String {
    format!(
        "[pushover]\ntoken = \"{EXAMPLE_TOKEN}\"\nuser = \"{EXAMPLE_USER}\"\napi_url = \"{api_url}\"\n"
    )
}

/// Waits for a hook started with [`World::spawn_hook`] and checks the hook contract.
pub fn finish_hook(
    child: Child,
    writer: std::thread::JoinHandle<std::io::Result<()>>,
    what: &str,
) -> String {
    let out = child.wait_with_output().expect("wait for hook");
    let written = writer.join().expect("stdin writer");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        written.is_ok(),
        "{what}: the hook did not read all its input: {written:?}"
    );
    assert!(
        out.status.success(),
        "{what}: hook exit {:?}, stderr: {stderr}",
        out.status
    );
    assert!(
        out.stdout.is_empty(),
        "{what}: hook printed on stdout: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// A hook payload: `session_id`, `hook_event_name`, a cwd, plus the fields of `extra`.
pub fn event(session: &str, name: &str, extra: Value) -> Vec<u8> {
    let mut v = json!({
        "session_id": session,
        "cwd": "/home/dev/proj",
        "hook_event_name": name,
    });
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    let mut bytes = serde_json::to_vec(&v).expect("encode event");
    bytes.push(b'\n');
    bytes
}

/// Polls `cond` every 20 ms until it holds or `PATIENCE` runs out; returns whether it held.
pub fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether process `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state letter follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

/// Sends SIGKILL to `pid` (a process this test started).
pub fn kill(pid: u32) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }
}

/// Live processes whose working directory is `dir`, with their arguments.
fn live_processes_in(dir: &Path) -> Vec<(u32, Vec<String>)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == dir) && alive(pid)
        })
        .filter_map(|pid| {
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let args = raw
                .split(|&b| b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            Some((pid, args))
        })
        .collect()
}
