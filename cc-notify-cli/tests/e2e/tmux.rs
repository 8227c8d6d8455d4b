//! Claude Code's interactive UI in a real pty: a tmux server of its own per test, its socket in
//! the test's temp dir (`-S`), so nothing touches the developer's tmux; killed on drop.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use super::harness::{World, wait_for};

/// What the UI shows once it is ready for a prompt (the footer hint).
const READY: &str = "? for shortcuts";

/// A tmux server running one Claude Code UI.
pub struct Tui {
    socket: PathBuf,
    /// The pane's process: `claude` itself (the pane runs it directly).
    pid: Option<u32>,
}

impl Tui {
    /// Starts `claude` in a 160x45 tmux pane in the world's project, with its environment,
    /// and waits until the prompt is ready.
    pub fn start(world: &World) -> Self {
        let socket = world.scratch().join("tmux.sock");
        let mut tui = Self { socket, pid: None };
        let mut args: Vec<String> = ["new-session", "-d", "-s", "e2e", "-x", "160", "-y", "45"]
            .map(String::from)
            .to_vec();
        args.push("-c".into());
        args.push(world.project.to_string_lossy().into_owned());
        for (key, value) in world.env() {
            args.push("-e".into());
            args.push(format!("{key}={value}"));
        }
        args.push(world.claude().to_string_lossy().into_owned());
        tui.tmux(&args);
        let pid = tui.tmux(&["display", "-p", "-t", "e2e", "#{pane_pid}"]);
        tui.pid = String::from_utf8_lossy(&pid.stdout).trim().parse().ok();
        tui.wait_for_screen(READY, Duration::from_secs(30), world);
        tui
    }

    /// Runs one tmux command against this server; fails the test if tmux fails.
    fn tmux<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Output {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
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

    /// Types `text` literally into the pane.
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", text]);
    }

    /// Sends one named key (`Enter`, `Escape`, `C-u`, `1`…).
    pub fn key(&self, key: &str) {
        self.tmux(&["send-keys", "-t", "e2e", key]);
    }

    /// Types `text` and submits it.
    pub fn submit(&self, text: &str) {
        self.type_text(text);
        self.key("Enter");
    }

    /// The visible screen.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "e2e"]).stdout)
            .into_owned()
    }

    /// The pane's pty (`/dev/pts/N`), whose atime moves when keys are read.
    pub fn pty(&self) -> String {
        let out = self.tmux(&["display", "-p", "-t", "e2e", "#{pane_tty}"]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
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

impl Drop for Tui {
    fn drop(&mut self) {
        // Best effort: the server may already be gone.
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .env_remove("TMUX")
            .output();
        // Let Claude Code run its SessionEnd hooks and exit before the world's dirs go away.
        if let Some(pid) = self.pid {
            wait_for(Duration::from_secs(10), || {
                !Path::new(&format!("/proc/{pid}")).exists()
            });
        }
    }
}
