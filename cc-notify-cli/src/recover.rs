//! Pending pushes whose deliverer is gone (killed, out of memory, a reboot): whichever
//! cc-notify process notices one — the session's next hook run, a `SessionStart` hook for every
//! session, `status`, `doctor` — starts a new deliverer for it, or drops it and logs it as lost
//! with the reason. Core decides ([`engine::orphan_verdict`]); this module does the I/O.
//!
//! Noticing costs a hook one read of `/proc/<pid>/stat` when its session has a pending push; it
//! never waits.

use cc_notify_core::DecisionKind;
use cc_notify_core::decision_log::LogRecord;
use cc_notify_core::engine::{self, Orphan};
use cc_notify_core::store::StateDir;

use crate::handoff::Watching;
use crate::process;
use crate::runtime::{self, Runtime, now_ms};
use crate::session_file::SessionFile;

/// Whether this platform can tell a live deliverer from a gone one (`/proc`). Where it cannot,
/// nothing is recovered: every push would look orphaned.
const CAN_TELL: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// The start of every reason logged for a lost push (`doctor` counts them by it).
pub const LOST: &str = "lost: ";

/// Recovers `session`'s pending push in `file` (loaded under the session's lock, saved by the
/// caller) if its deliverer is gone. Returns whether `file` changed.
pub fn session(dir: &StateDir, session: &str, file: &mut SessionFile, rt: &Runtime) -> bool {
    let Some(pending) = &file.state.pending else {
        return false;
    };
    if !CAN_TELL
        || pending
            .deliverer
            .is_some_and(|d| process::is_same_process(d.pid, d.start_time))
    {
        return false;
    }
    let gone = pending
        .deliverer
        .map_or("none was recorded".to_owned(), |d| format!("pid {}", d.pid));
    let now = now_ms();
    let max_age = rt.config.delivery.outbox_max_age;
    let Some(verdict) = engine::orphan_verdict(&file.state, now, max_age) else {
        return false;
    };
    let log = |decision, kind, push_id, reason: String| {
        let mut rec = LogRecord::new(now_ms(), decision, reason);
        rec.session = Some(session.to_owned());
        rec.push_id = Some(push_id);
        rec.kind = Some(kind);
        runtime::log(dir, rec);
    };
    match verdict {
        Orphan::Resend { push_id, delay } => {
            let Some(p) = file.state.pending.as_ref() else {
                return false;
            };
            let kind = p.kind();
            let watching = Watching::resumed(p, rt.presence, delay);
            match process::spawn_deliverer(session, push_id, &watching) {
                Ok(who) => {
                    engine::attach_deliverer(&mut file.state, push_id, who);
                    log(
                        DecisionKind::Scheduled,
                        kind,
                        push_id,
                        format!(
                            "recovered: its delivery process is gone ({gone}); a new one sends \
                             it in {} s",
                            delay.as_secs()
                        ),
                    );
                }
                Err(e) => {
                    file.drop_push(push_id);
                    log(
                        DecisionKind::Failed,
                        kind,
                        push_id,
                        format!(
                            "{LOST}its delivery process is gone ({gone}) and a new one cannot \
                             be started: {e}"
                        ),
                    );
                }
            }
        }
        Orphan::Lost { push_id, reason } => {
            let kind = file.drop_push(push_id).map(|p| p.kind());
            let mut rec = LogRecord::new(now_ms(), DecisionKind::Failed, reason);
            rec.session = Some(session.to_owned());
            rec.push_id = Some(push_id);
            rec.kind = kind;
            runtime::log(dir, rec);
        }
    }
    true
}

/// [`session`] for every stored session but `except` (which the caller holds locked). A
/// session whose lock is held by another process is skipped: that process is working on it.
pub fn sweep(dir: &StateDir, rt: &Runtime, except: Option<&str>) {
    let Ok(sessions) = dir.sessions() else { return };
    for (id, _) in sessions {
        if id.starts_with('_')
            || except.is_some_and(|e| cc_notify_core::store::session_file_stem(e) == id)
        {
            continue;
        }
        let Ok(Some(guard)) = dir.try_lock(&id) else {
            continue;
        };
        let Ok(mut file) = guard.load::<SessionFile>() else {
            continue;
        };
        // The file is named after the id, sanitised when needed; the push knows the real one.
        let Some(session_id) = file.state.pending.as_ref().map(|p| {
            p.notification
                .session_id
                .clone()
                .unwrap_or_else(|| id.clone())
        }) else {
            continue;
        };
        if self::session(dir, &session_id, &mut file, rt) {
            let saved = if file.finished() {
                guard.remove()
            } else {
                guard.save(&file)
            };
            if let Err(e) = saved {
                let mut rec = LogRecord::new(
                    now_ms(),
                    DecisionKind::Error,
                    format!("cannot save the recovered push: {e}"),
                );
                rec.session = Some(id.clone());
                runtime::log(dir, rec);
            }
        }
    }
}
