//! What cc-notify remembers about one agent session between hook invocations.
//!
//! Each hook run is a fresh process, so the [engine](crate::engine) reads a [`SessionState`],
//! steps it with one event and writes it back. The state is stored as JSON; every field
//! defaults, so a file written by an older version still loads.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::activity::Activity;
use crate::notification::{Kind, Notification};

/// The most progress message ids a [`ProgressCursor`] keeps: far more than the messages one
/// hook can be behind by, while the file stays small.
pub const PROGRESS_SEEN_MAX: usize = 256;

/// Everything remembered about one session.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct SessionState {
    /// The current (or last) turn; `None` before the first prompt was seen.
    pub turn: Option<Turn>,
    /// The push waiting to be sent, if any. A session has at most one. (A push an older
    /// version recorded without its notification loads as none.)
    #[serde(deserialize_with = "current_pending")]
    pub pending: Option<Pending>,
    /// When a Done push of this session was last delivered (Unix ms), for the rate limit.
    pub last_done_push_ms: Option<u64>,
    /// The id the next scheduled push gets; only ever grows.
    pub next_push_id: u64,
    /// How far progress pushes have read the transcript.
    pub progress: ProgressCursor,
    /// The session ended, and no event came since.
    pub ended: bool,
}

impl SessionState {
    /// Nothing is left to remember: the session ended and no push of it waits. Its state is
    /// deleted.
    pub fn finished(&self) -> bool {
        self.ended && self.pending.is_none()
    }
}

/// One turn: from a person's prompt to the Stop that ends the work it started.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct Turn {
    /// When the prompt was submitted (Unix ms); `None` when the turn began before cc-notify saw
    /// it (the first event seen was a tool call).
    pub started_ms: Option<u64>,
    /// The `prompt_id` of the prompt that started the turn.
    pub prompt_id: Option<String>,
    /// Tool calls of the main agent that failed during the turn.
    pub tool_failures: u32,
    /// Failures reported by PostToolUseFailure since the last PostToolBatch.
    pub failures_since_batch: u32,
    /// The main agent's most recent tool call (round) failed.
    pub last_tool_failed: bool,
    /// When the turn ended with a Stop or StopFailure (Unix ms); `None` while it runs.
    pub stopped_ms: Option<u64>,
    /// A push about this turn has been delivered (reset when a background task reopens it).
    pub push_delivered: bool,
}

impl Turn {
    /// A turn started by a prompt at `now_ms`.
    pub fn started(now_ms: u64, prompt_id: Option<String>) -> Self {
        Turn {
            started_ms: Some(now_ms),
            prompt_id,
            ..Turn::default()
        }
    }

    /// The turn has not ended yet.
    pub fn is_open(&self) -> bool {
        self.stopped_ms.is_none()
    }
}

/// A pending push as this version records it, or none.
fn current_pending<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Pending>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Recorded {
        Current(Box<Pending>),
        Older(serde::de::IgnoredAny),
    }
    Ok(match Option::<Recorded>::deserialize(d)? {
        Some(Recorded::Current(p)) => Some(*p),
        Some(Recorded::Older(_)) | None => None,
    })
}

/// The session's pending push: the one record of a push from the step that schedules it to
/// its delivery — what to send, when, how presence is judged, and who delivers it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// The push's id, unique within the session.
    pub id: u64,
    /// What to send.
    pub notification: Notification,
    /// When it was scheduled (Unix ms).
    pub scheduled_ms: u64,
    /// When it is due (Unix ms).
    pub fire_at_ms: u64,
    /// Drop the push if the user turns out to be at the terminal when it is due.
    #[serde(default)]
    pub presence_checked: bool,
    /// The user's terminal, watched for typing until the push is due, with its reading when the
    /// push was scheduled; `None`: no typing check (none found, or none wanted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<Terminal>,
    /// The process that will send it, once spawned.
    #[serde(default)]
    pub deliverer: Option<ProcessRef>,
    /// Where the reply is to be read at send time when the push was scheduled without it: an
    /// agent that writes it only after its hook ran (Copilot's session file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_file: Option<PathBuf>,
}

impl Pending {
    /// What the push is about.
    pub fn kind(&self) -> Kind {
        self.notification.kind
    }

    /// How long the push waits from its scheduling.
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.fire_at_ms.saturating_sub(self.scheduled_ms))
    }
}

/// A terminal watched for typing while a push waits.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Terminal {
    /// The terminal device.
    pub path: PathBuf,
    /// Its activity when the push was scheduled; `None` when it could not be read then.
    #[serde(default)]
    pub baseline: Option<Activity>,
}

/// A process, identified so that a reused pid cannot be mistaken for it.
#[derive(Serialize, Deserialize, Default, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(default)]
pub struct ProcessRef {
    /// The process id.
    pub pid: u32,
    /// The process's start time (clock ticks since boot on Linux).
    pub start_time: u64,
}

/// Where progress pushes stopped reading the transcript, and what they hold back.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct ProgressCursor {
    /// Byte offset in the transcript up to which records were read; only grows while the
    /// transcript stays the same.
    pub offset: u64,
    /// Message ids already pushed or deliberately skipped, newest last, at most
    /// [`PROGRESS_SEEN_MAX`].
    pub seen: Vec<String>,
    /// The transcript `offset` belongs to; `None` until the first scan (or after the file was
    /// found replaced), when the position in the conversation is unknown.
    pub path: Option<PathBuf>,
    /// When the last progress push of the current turn was sent (Unix ms).
    pub last_push_ms: Option<u64>,
    /// Rendered message bodies waiting for `min_interval` to pass, oldest first.
    pub held: Vec<String>,
    /// Set when the main agent's turn ended (to the final reply's last block, empty when
    /// unknown) until its banner goes out: the transcript can lag the turn-end hook, so the
    /// banner's deliverer scans once more for what was written after it
    /// ([`banner_catch_up`](crate::engine::banner_catch_up)).
    pub turn_end_reply: Option<String>,
}

impl ProgressCursor {
    /// Remembers a pushed message id, forgetting the oldest beyond [`PROGRESS_SEEN_MAX`].
    /// Returns false when the id was already known.
    pub fn remember(&mut self, message_id: &str) -> bool {
        if self.seen.iter().any(|s| s == message_id) {
            return false;
        }
        if self.seen.len() >= PROGRESS_SEEN_MAX {
            let excess = self.seen.len() + 1 - PROGRESS_SEEN_MAX;
            self.seen.drain(..excess);
        }
        self.seen.push(message_id.to_owned());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_and_partial_files_still_load() {
        let s: SessionState = serde_json::from_str("{}").expect("loads");
        assert_eq!(s, SessionState::default());
        let s: SessionState = serde_json::from_str(
            r#"{"turn":{"started_ms":5},"pending":{"id":3,"kind":"needs_input"},"future":1}"#,
        )
        .expect("loads");
        assert_eq!(s.turn.expect("turn").started_ms, Some(5));
        assert_eq!(
            s.pending, None,
            "an older version's push without its notification"
        );
        let s: SessionState = serde_json::from_str(
            r#"{"pending":{"id":3,"notification":{"kind":"needs_input","title":"t","body":""},"scheduled_ms":1,"fire_at_ms":2}}"#,
        )
        .expect("loads");
        let p = s.pending.expect("pending");
        assert_eq!((p.id, p.kind(), p.deliverer), (3, Kind::NeedsInput, None));
    }

    #[test]
    fn state_round_trips_through_json() {
        let s = SessionState {
            turn: Some(Turn::started(10, Some("p".into()))),
            pending: Some(Pending {
                id: 1,
                notification: Notification::new(Kind::Error, "proj — error", "boom"),
                scheduled_ms: 10,
                fire_at_ms: 20,
                presence_checked: true,
                terminal: Some(Terminal {
                    path: PathBuf::from("/dev/pts/3"),
                    baseline: Some(Activity {
                        last_input_ms: Some(4),
                        resolution_ms: 8_000,
                    }),
                }),
                reply_file: None,
                deliverer: Some(ProcessRef {
                    pid: 7,
                    start_time: 99,
                }),
            }),
            last_done_push_ms: Some(3),
            next_push_id: 2,
            progress: ProgressCursor {
                offset: 120,
                seen: vec!["msg_1".into()],
                path: Some(PathBuf::from("t.jsonl")),
                last_push_ms: Some(9),
                turn_end_reply: Some("All done.".into()),
                held: vec!["Checking the logs.".into()],
            },
            ended: true,
        };
        let json = serde_json::to_string(&s).expect("serialises");
        assert_eq!(
            serde_json::from_str::<SessionState>(&json).expect("loads"),
            s
        );
    }

    #[test]
    fn progress_cursor_stays_bounded_and_dedups() {
        let mut c = ProgressCursor::default();
        assert!(c.remember("m0"));
        assert!(!c.remember("m0"));
        let last = 2 * PROGRESS_SEEN_MAX;
        for i in 1..=last {
            c.remember(&format!("m{i}"));
        }
        assert_eq!(c.seen.len(), PROGRESS_SEEN_MAX);
        assert_eq!(c.seen.last(), Some(&format!("m{last}")));
        assert!(!c.seen.iter().any(|s| s == "m0"));
    }
}
