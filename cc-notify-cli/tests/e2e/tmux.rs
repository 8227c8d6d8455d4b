//! Claude Code's interactive UI in a real pty: a tmux server of its own per test, its socket in
//! the test's temp dir (`-S`), so nothing touches the developer's tmux; killed on drop.
//!
//! The user's terminal is a second tmux server whose pane runs `tmux attach` to the UI's
//! session: keys are typed into that outer pane, so they reach Claude Code the way a person's
//! do, through an attached client (a session nobody is attached to means "away").

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use super::harness::{World, wait_for};

/// What the UI shows once it is ready for a prompt (the footer hint).
const READY: &str = "? for shortcuts";

/// A tmux server running one Claude Code UI.
pub struct Tui {
    socket: PathBuf,
    /// The user's terminal: a tmux server whose pane is attached to the UI's session.
    terminal: PathBuf,
    /// The pane's process: `claude` itself (the pane runs it directly).
    pid: Option<u32>,
}

impl Tui {
    /// Starts `claude` in a 160x45 tmux pane in the world's project, with its environment,
    /// and waits until the prompt is ready.
    pub fn start(world: &World) -> Self {
        Self::start_with(world, &[])
    }

    /// [`start`](Self::start) with `extra` added to the environment (a system bus, say).
    pub fn start_with(world: &World, extra: &[(&str, String)]) -> Self {
        let socket = world.scratch().join("tmux.sock");
        let terminal = world.scratch().join("terminal.sock");
        let mut tui = Self {
            socket,
            terminal,
            pid: None,
        };
        let mut args: Vec<String> = ["new-session", "-d", "-s", "e2e", "-x", "160", "-y", "45"]
            .map(String::from)
            .to_vec();
        args.push("-c".into());
        args.push(world.project.to_string_lossy().into_owned());
        for (key, value) in world.env().iter().chain(extra) {
            args.push("-e".into());
            args.push(format!("{key}={value}"));
        }
        args.push(world.claude().to_string_lossy().into_owned());
        tui.tmux(&args);
        let pid = tui.tmux(&["display", "-p", "-t", "e2e", "#{pane_pid}"]);
        tui.pid = String::from_utf8_lossy(&pid.stdout).trim().parse().ok();
        tui.attach(world);
        tui.wait_for_screen(READY, Duration::from_secs(30), world);
        tui
    }

    /// Opens the user's terminal on the UI's session and waits until its client is attached.
    fn attach(&self, world: &World) {
        let attach = format!(
            "exec tmux -S '{}' attach -t e2e",
            self.socket.to_string_lossy()
        );
        run_tmux(
            &self.terminal,
            &[
                "new-session",
                "-d",
                "-s",
                "term",
                "-x",
                "160",
                "-y",
                "45",
                &attach,
            ],
        );
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

    /// The user's terminal detaches from the UI's session (prefix, then `d`, typed as keys).
    pub fn detach(&self) {
        run_tmux(&self.terminal, &["send-keys", "-t", "term", "C-b", "d"]);
    }

    /// Runs one tmux command against the UI's server; fails the test if tmux fails.
    fn tmux<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Output {
        run_tmux(&self.socket, args)
    }

    /// Types `text` literally into the user's terminal.
    pub fn type_text(&self, text: &str) {
        run_tmux(&self.terminal, &["send-keys", "-t", "term", "-l", text]);
    }

    /// Presses one named key in the user's terminal (`Enter`, `Escape`, `C-u`, `1`…).
    pub fn key(&self, key: &str) {
        run_tmux(&self.terminal, &["send-keys", "-t", "term", key]);
    }

    /// Types `text` and submits it.
    pub fn submit(&self, text: &str) {
        self.type_text(text);
        self.key("Enter");
    }

    /// The user walks away: their terminal closes, so no client is attached to the UI's
    /// session any more (tmux's "away, now").
    pub fn walk_away(&self, world: &World) {
        run_tmux(&self.terminal, &["kill-server"]);
        let detached = wait_for(Duration::from_secs(10), || {
            let out = self.tmux(&["display", "-p", "-t", "e2e", "#{session_attached}"]);
            String::from_utf8_lossy(&out.stdout).trim() == "0"
        });
        assert!(
            detached,
            "the terminal is still attached\n{}",
            world.diagnostics()
        );
    }

    /// Types `text` and Enter straight into the UI's pane, with no client attached (after
    /// [`walk_away`](Self::walk_away)).
    pub fn submit_unattended(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", text]);
        self.tmux(&["send-keys", "-t", "e2e", "Enter"]);
    }

    /// Presses one named key straight in the UI's pane, with no client attached.
    pub fn key_unattended(&self, key: &str) {
        self.tmux(&["send-keys", "-t", "e2e", key]);
    }

    /// The visible screen.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "e2e"]).stdout)
            .into_owned()
    }

    /// Waits until the screen shows `text`; fails the test with the screen otherwise.
    pub fn wait_for_screen(&self, text: &str, timeout: Duration, world: &World) {
        if !wait_for(timeout, || self.screen().contains(text)) {
            panic!(
                "screen never showed {text:?} within {timeout:?}:\n{}\n{}",
                self.screen(),
                world.diagnostics()
            );
        }
    }
}

/// Runs one tmux command against the server at `socket`, in an environment without the
/// desktop's signals (no display, no session bus), so the tests see only tmux and the pty; fails
/// the test if tmux fails.
fn run_tmux<S: AsRef<std::ffi::OsStr>>(socket: &Path, args: &[S]) -> Output {
    let out = Command::new("tmux")
        .arg("-S")
        .arg(socket)
        .args(args)
        .env_remove("TMUX")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DBUS_SYSTEM_BUS_ADDRESS")
        .env_remove("XDG_SESSION_ID")
        .output()
        .unwrap_or_else(|e| panic!("cannot run tmux (run .ci/e2e-setup.sh): {e}"));
    assert!(
        out.status.success(),
        "tmux {:?} failed: {}",
        args.iter()
            .map(|a| a.as_ref().to_owned())
            .collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Drop for Tui {
    fn drop(&mut self) {
        // Best effort: the servers may already be gone.
        for socket in [&self.terminal, &self.socket] {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(socket)
                .arg("kill-server")
                .env_remove("TMUX")
                .output();
        }
        // Let Claude Code run its SessionEnd hooks and exit before the world's dirs go away.
        if let Some(pid) = self.pid {
            wait_for(Duration::from_secs(10), || {
                !Path::new(&format!("/proc/{pid}")).exists()
            });
        }
    }
}
