//! `cc-notify presence` names each probe and what it sees now: inside a real tmux session
//! that no client is attached to, the tmux probe says the user is away; outside tmux the
//! command still answers, with the terminal probe.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::harness::{World, wait_until};

/// A detached tmux server on its own socket (`-L`, under the world's temp dir), killed on drop.
struct Tmux {
    dir: PathBuf,
    name: String,
}

impl Tmux {
    /// Starts a detached session whose pane writes down `$TMUX` and `$TMUX_PANE` as tmux set
    /// them, and returns them with the server.
    fn start(root: &Path) -> (Tmux, String, String) {
        let tmux = Tmux {
            dir: root.join("tmux"),
            name: format!("cc-notify-presence-{}", std::process::id()),
        };
        std::fs::create_dir(&tmux.dir).expect("tmux dir");
        let seen = root.join("tmux-env");
        let pane_cmd = format!(
            "printf '%s\\n%s\\n' \"$TMUX\" \"$TMUX_PANE\" > '{0}.part' && mv '{0}.part' '{0}'; sleep 600",
            seen.display()
        );
        let ok = tmux
            .command()
            .args(["new-session", "-d", "-s", "agent", &pane_cmd])
            .status()
            .expect("tmux")
            .success();
        assert!(ok, "tmux new-session");
        assert!(wait_until(|| seen.exists()), "the pane never ran");
        let text = std::fs::read_to_string(&seen).expect("tmux env");
        let mut lines = text.lines();
        let (var, pane) = (lines.next().unwrap(), lines.next().unwrap());
        assert!(
            var.contains(',') && pane.starts_with('%'),
            "tmux set {text:?}"
        );
        (tmux, var.to_owned(), pane.to_owned())
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.env("TMUX_TMPDIR", &self.dir).env_remove("TMUX").args([
            "-L",
            &self.name,
            "-f",
            "/dev/null",
        ]);
        cmd
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The line of `view` that describes `probe`.
fn line<'a>(view: &'a str, probe: &str) -> Option<&'a str> {
    view.lines()
        .find(|l| l.split_whitespace().next() == Some(probe))
}

#[test]
fn presence_shows_a_detached_tmux_session_as_away_and_answers_outside_tmux() {
    let world = World::new("");
    let (tmux, var, pane) = Tmux::start(world.root.path());

    let out = world
        .command(&["presence"])
        .env("TMUX", &var)
        .env("TMUX_PANE", &pane)
        .output()
        .expect("run cc-notify presence");
    let view = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "presence in tmux:\n{view}");
    let tmux_line = line(&view, "tmux").unwrap_or_else(|| panic!("no tmux line:\n{view}"));
    assert!(
        tmux_line.contains("no client attached"),
        "the detached session is not shown as away:\n{view}"
    );
    drop(tmux);

    let out = world.run(&["presence"]);
    let view = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "presence outside tmux:\n{view}");
    assert!(
        line(&view, "pty").is_some(),
        "no terminal probe line:\n{view}"
    );
    let tmux_line = line(&view, "tmux").unwrap_or_else(|| panic!("no tmux line:\n{view}"));
    assert!(
        tmux_line.contains("not available"),
        "tmux probed outside tmux:\n{view}"
    );
}
