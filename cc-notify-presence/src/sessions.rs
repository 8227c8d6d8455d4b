//! Claude Code's sessions registry, `~/.claude/sessions/<pid>.json` (under
//! `$CLAUDE_CONFIG_DIR` when set): whether the TUI is `idle`, `busy` or `waiting` for the user,
//! and since when. Not a presence signal by itself — a state: `busy` after the push was
//! scheduled means someone sent a prompt or answered the dialog, and a Needs-input push is only
//! worth sending while the status is still `waiting` ([`ClaudeSessionProbe::still_waiting`]).

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use cc_notify_core::activity::{Activity, ActivityProbe, Certainty, Input, Reading};

/// The registry file of one Claude Code process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaudeSessionProbe {
    file: PathBuf,
    session_id: Option<String>,
}

/// What the registry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStatus {
    /// `idle`, `busy`, `waiting` (or a value a later version adds).
    pub status: String,
    /// When the status last changed (Unix ms).
    pub updated_ms: Option<u64>,
    /// What it waits for (`permission prompt`, …) while `waiting`.
    pub waiting_for: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    session_id: Option<String>,
    status: Option<String>,
    status_updated_at: Option<u64>,
    waiting_for: Option<String>,
}

/// The registry files are small; anything larger is not one.
const MAX_BYTES: u64 = 64 * 1024;

impl ClaudeSessionProbe {
    /// The entry of the Claude Code process `pid` (`$CLAUDE_PID`) in the registry under
    /// `config_dir` (`$CLAUDE_CONFIG_DIR`), else `home/.claude`; only if it belongs to
    /// `session_id` when one is given. `None` without a pid or a directory.
    pub fn from_env(
        config_dir: Option<&Path>,
        home: Option<&Path>,
        pid: Option<u32>,
        session_id: Option<&str>,
    ) -> Option<ClaudeSessionProbe> {
        let dir = match config_dir.filter(|d| !d.as_os_str().is_empty()) {
            Some(d) => d.to_owned(),
            None => home.filter(|h| !h.as_os_str().is_empty())?.join(".claude"),
        };
        Some(ClaudeSessionProbe {
            file: dir.join("sessions").join(format!("{}.json", pid?)),
            session_id: session_id.map(str::to_owned),
        })
    }

    /// Reads the entry: a regular file (a symlink is refused), at most 64 KiB.
    pub fn status(&self) -> Result<SessionStatus, String> {
        let what = self.file.display();
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&self.file)
            .map_err(|e| format!("{what}: {e}"))?;
        let meta = file.metadata().map_err(|e| format!("{what}: {e}"))?;
        if !meta.is_file() || meta.len() > MAX_BYTES {
            return Err(format!("{what}: not a registry entry"));
        }
        let mut text = String::new();
        file.by_ref()
            .take(MAX_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| format!("{what}: {e}"))?;
        let entry: Entry = serde_json::from_str(&text).map_err(|e| format!("{what}: {e}"))?;
        if let Some(want) = &self.session_id
            && entry.session_id.as_ref().is_some_and(|got| got != want)
        {
            return Err(format!("{what} belongs to another session"));
        }
        Ok(SessionStatus {
            status: entry.status.ok_or_else(|| format!("{what}: no status"))?,
            updated_ms: entry.status_updated_at,
            waiting_for: entry.waiting_for,
        })
    }

    /// `Some(true)` while the TUI waits for the user, `Some(false)` once it does not (the
    /// dialog was answered or dismissed), `None` when the registry cannot tell.
    pub fn still_waiting(&self) -> Option<bool> {
        self.status().ok().map(|s| s.status == "waiting")
    }
}

impl ActivityProbe for ClaudeSessionProbe {
    fn name(&self) -> &'static str {
        "claude-session"
    }

    /// While `busy`, the input is the time the status changed (someone sent a prompt or
    /// answered a dialog); `idle` and `waiting` offer no input time.
    fn read(&self) -> Reading {
        match self.status() {
            Ok(s) => Reading {
                probe: self.name(),
                input: (s.status == "busy").then_some(Input {
                    signal: "status busy",
                    activity: Activity {
                        last_input_ms: s.updated_ms,
                        resolution_ms: 1,
                    },
                    jitter_ms: 0,
                }),
                certainty: Certainty::Nothing,
            },
            Err(why) => Reading::unknown(self.name(), why),
        }
    }
}

#[cfg(test)]
mod tests {
    use cc_notify_core::presence::{PresenceConfig, Watch, WatchStep};

    use super::*;

    fn registry(json: &str) -> (tempfile::TempDir, ClaudeSessionProbe) {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(".claude/sessions");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("4242.json"), json).unwrap();
        let p =
            ClaudeSessionProbe::from_env(None, Some(home.path()), Some(4242), Some("s-1")).unwrap();
        (home, p)
    }

    fn entry(status: &str, at: u64) -> String {
        format!(
            r#"{{"pid":4242,"sessionId":"s-1","status":"{status}","statusUpdatedAt":{at},"waitingFor":"permission prompt","tmux":"cc:@0.%0"}}"#
        )
    }

    #[test]
    fn an_answered_dialog_is_input_and_ends_the_wait() {
        let (home, p) = registry(&entry("waiting", 1_000));
        let file = home.path().join(".claude/sessions/4242.json");
        assert_eq!(p.still_waiting(), Some(true));
        let mut w = Watch::composite(
            &[p.read()],
            PresenceConfig::default(),
            1_000,
            Default::default(),
        );
        std::fs::write(&file, entry("busy", 2_500)).unwrap();
        assert_eq!(p.still_waiting(), Some(false));
        assert!(matches!(
            w.observe_readings(3_000, &[p.read()]),
            WatchStep::Skip { .. }
        ));
        assert_eq!(
            w.decision().unwrap().to_string(),
            "present: claude-session status busy 500 ms ago (1 ms resolution)"
        );
    }

    #[test]
    fn a_dismissed_dialog_is_no_longer_waiting_but_is_not_input() {
        let (home, p) = registry(&entry("waiting", 1_000));
        std::fs::write(
            home.path().join(".claude/sessions/4242.json"),
            entry("idle", 2_000),
        )
        .unwrap();
        assert_eq!(p.still_waiting(), Some(false));
        assert_eq!(p.read().input, None);
    }

    #[test]
    fn another_session_a_symlink_or_garbage_cannot_tell() {
        let (home, p) = registry(&entry("waiting", 1_000).replace("s-1", "s-2"));
        assert_eq!(p.still_waiting(), None);
        assert!(
            matches!(p.read().certainty, Certainty::Unknown(ref w) if w.contains("another session"))
        );
        let dir = home.path().join(".claude/sessions");
        std::fs::write(dir.join("real.json"), entry("waiting", 1)).unwrap();
        std::fs::remove_file(dir.join("4242.json")).unwrap();
        std::os::unix::fs::symlink(dir.join("real.json"), dir.join("4242.json")).unwrap();
        assert_eq!(p.still_waiting(), None);
        std::fs::remove_file(dir.join("4242.json")).unwrap();
        std::fs::write(dir.join("4242.json"), "{not json").unwrap();
        assert_eq!(p.still_waiting(), None);
        std::fs::remove_file(dir.join("4242.json")).unwrap();
        assert!(matches!(p.read().certainty, Certainty::Unknown(_)));
    }

    #[test]
    fn the_registry_lives_under_claude_config_dir_when_set() {
        let p = ClaudeSessionProbe::from_env(
            Some(Path::new("/cfg")),
            Some(Path::new("/home/u")),
            Some(9),
            None,
        )
        .unwrap();
        assert_eq!(p.file, PathBuf::from("/cfg/sessions/9.json"));
        assert_eq!(
            ClaudeSessionProbe::from_env(None, Some(Path::new("/home/u")), None, None),
            None
        );
    }
}
