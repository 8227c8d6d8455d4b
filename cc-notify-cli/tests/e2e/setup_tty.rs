//! `cc-notify setup` as a person runs it: on a terminal (a tmux pane), answering its prompts,
//! typing for the typing check. Needs tmux (`.ci/e2e-setup.sh` installs it).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use cc_notify_testkit::pushover::{EXAMPLE_TOKEN, EXAMPLE_USER};

use crate::cli::harness::{BIN, World};

use super::harness::{kill_tmux_server, tmux_at, wait_for};

/// A tmux server of this test's own, killed on drop.
struct Pane {
    socket: PathBuf,
}

impl Pane {
    fn tmux(&self, args: &[&str]) -> Output {
        tmux_at(&self.socket, args)
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["capture-pane", "-p", "-J", "-t", "setup", "-S", "-100"])
                .stdout,
        )
        .into_owned()
    }

    fn wait_for(&self, text: &str) -> String {
        let shown = wait_for(Duration::from_secs(30), || self.screen().contains(text));
        let screen = self.screen();
        assert!(shown, "{text:?} never showed:\n{screen}");
        screen
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "setup"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        kill_tmux_server(&self.socket);
    }
}

#[test]
#[ignore = "needs tmux: run with the e2e suite"]
fn setup_on_a_terminal_asks_sends_registers_and_sees_typing() {
    let world = World::new("");
    world.write_config(&format!("[pushover]\napi_url = \"{}\"\n", world.fake.url()));
    let home = world.root.path().join("home");
    let q = |p: &Path| format!("'{}'", p.display());
    let command = format!(
        "env -i PATH=\"$PATH\" TZ=UTC HOME={} CC_NOTIFY_CONFIG={} CC_NOTIFY_STATE_DIR={} {} setup; \
         echo EXIT=$?; sleep 600",
        q(&home),
        q(&world.config),
        q(&world.state),
        q(Path::new(BIN))
    );
    let pane = Pane {
        socket: world.root.path().join("tmux.sock"),
    };
    pane.tmux(&[
        "new-session",
        "-d",
        "-s",
        "setup",
        "-x",
        "200",
        "-y",
        "50",
        &command,
    ]);

    pane.wait_for("Pushover application token");
    pane.keys(&[EXAMPLE_TOKEN, "Enter"]);
    pane.wait_for("Pushover user key");
    pane.keys(&[EXAMPLE_USER, "Enter"]);
    pane.wait_for("Did the test push arrive");
    pane.keys(&["y", "Enter"]);
    pane.wait_for("Typing check");
    // The person types for ten seconds: the terminal keeps input times in 8 s steps.
    let typing = Instant::now();
    for word in ["just ", "typing ", "for ", "ten ", "seconds"] {
        pane.keys(&["-l", word]);
        std::thread::sleep(Duration::from_secs(2));
    }
    assert!(typing.elapsed() >= Duration::from_secs(9));
    pane.keys(&["Enter"]);

    let screen = pane.wait_for("EXIT=");
    assert!(screen.contains("✓ typing seen by pty atime"), "{screen}");
    assert!(screen.contains("✓ hooks registered"), "{screen}");
    assert!(
        screen.contains("What each presence signal sees"),
        "{screen}"
    );
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(home.join(".claude/settings.json").exists());
    let pushes = world
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/1/messages.json")
        .count();
    assert_eq!(pushes, 1);
}
