//! `cc-notify deliver --session ID --push N` (hidden): the detached process that waits the
//! delay, watches the user's terminal, re-checks the session and sends.

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use cc_notify_core::decision_log::LogRecord;
use cc_notify_core::engine::{self, FireVerdict};
use cc_notify_core::presence::{SkipReason, Watch, WatchStep};
use cc_notify_core::store::StateDir;
use cc_notify_core::{ActivityProbe, DecisionKind, NotifyError, tty};

use crate::notifiers::{self, Outcome};
use crate::runtime::{self, Runtime, now_ms};
use crate::session_file::{self, Plan, SessionFile};

/// How often the terminal is sampled while waiting.
const POLL: Duration = Duration::from_millis(500);

/// Entry point of the hidden `deliver` command.
pub fn run(args: Vec<OsString>) -> ExitCode {
    crate::process::detach_self();
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let (mut session, mut push, mut progress) = (None, None, false);
    while let Ok(Some(arg)) = parser.next() {
        match arg {
            Long("session") => session = parser.value().ok().and_then(|v| v.into_string().ok()),
            Long("push") => push = parser.value().ok().and_then(|v| v.parse::<u64>().ok()),
            Long("progress") => progress = true,
            _ => return crate::usage_error(USAGE),
        }
    }
    let Some(session) = session else {
        return crate::usage_error(USAGE);
    };
    if push.is_none() && !progress {
        return crate::usage_error(USAGE);
    }
    let Some(dir) = runtime::open_state_dir() else {
        return ExitCode::FAILURE;
    };
    exit_on_signal(&dir, &session, push);
    match push {
        Some(push) => Deliverer {
            dir: &dir,
            session: &session,
            push,
        }
        .run(),
        None => send_progress(&dir, &session),
    }
    ExitCode::SUCCESS
}

/// SIGTERM (a cancel), SIGINT or SIGHUP: log "cancelled" and exit at once, wherever the main
/// thread is (asleep in the delay, or waiting to retry). The hook that cancels has already
/// cleared the pending push from the session.
fn exit_on_signal(dir: &StateDir, session: &str, push: Option<u64>) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]) else {
        return;
    };
    let dir = dir.clone();
    let session = session.to_owned();
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let name = if sig == SIGTERM {
                "SIGTERM"
            } else {
                "a signal"
            };
            let mut rec = LogRecord::new(
                now_ms(),
                DecisionKind::Cancelled,
                format!("cancelled: the delivery process was stopped by {name}"),
            );
            rec.session = Some(session);
            rec.push_id = push;
            runtime::log(&dir, rec);
            std::process::exit(0);
        }
    });
}

const USAGE: &str = "deliver: --session ID (--push N | --progress)";

/// Sends the session's queued progress pushes, oldest first, one at a time; exits when the
/// queue is empty (deciding so under the session lock, so a hook that queues more at the same
/// moment sees no sender and starts a new one).
fn send_progress(dir: &StateDir, session: &str) {
    let rt = Runtime::load_for_hook(dir, now_ms(), None);
    let notifier = notifiers::build(&rt.config);
    loop {
        let next = session_file::update(dir, session, |file| {
            if file.progress_queue.is_empty() {
                file.progress_sender = None;
                None
            } else {
                Some(file.progress_queue.remove(0))
            }
        });
        let Ok(Some(Some(n))) = next else { return };
        let name = notifier.name();
        let (decision, reason) = match notifiers::deliver(dir, &rt.config, notifier.as_ref(), &n) {
            Outcome::Sent(_) => (
                DecisionKind::Fired,
                format!("progress sent via {name}: {}", preview(&n.body)),
            ),
            Outcome::Held(mark) => (
                DecisionKind::Suppressed,
                format!(
                    "progress not sent: {name} refused earlier ({})",
                    mark.reason
                ),
            ),
            Outcome::Queued(e) => (
                DecisionKind::Queued,
                format!("progress push kept for a retry: {e}"),
            ),
            Outcome::Refused(e) => (
                DecisionKind::Failed,
                format!("progress push refused via {name}: {e}"),
            ),
        };
        let mut rec = LogRecord::new(now_ms(), decision, reason);
        rec.session = Some(session.to_owned());
        rec.kind = Some(n.kind);
        runtime::log(dir, rec);
    }
}

/// The first 120 characters of a body, on one line.
fn preview(body: &str) -> String {
    cc_notify_core::text::truncate_chars(body, 120).replace('\n', " ")
}

struct Deliverer<'a> {
    dir: &'a StateDir,
    session: &'a str,
    push: u64,
}

impl Deliverer<'_> {
    fn log(&self, decision: DecisionKind, plan: Option<&Plan>, reason: String) {
        let mut rec = LogRecord::new(now_ms(), decision, reason);
        rec.session = Some(self.session.to_owned());
        rec.push_id = Some(self.push);
        rec.kind = plan.map(|p| p.notification.kind);
        runtime::log(self.dir, rec);
    }

    /// [`session_file::update`] for this session; a failure is logged and reads as `None`.
    fn with_session<T>(&self, f: impl FnOnce(&mut SessionFile) -> T) -> Option<T> {
        session_file::update(self.dir, self.session, f).unwrap_or_else(|e| {
            self.log(DecisionKind::Error, None, format!("session state: {e}"));
            None
        })
    }

    fn run(&self) {
        let now = now_ms();
        let rt = Runtime::load_for_hook(self.dir, now, None);
        let plan = self
            .with_session(|f| f.plan.clone().filter(|p| p.push_id == self.push))
            .flatten();
        let Some(plan) = plan else {
            self.log(
                DecisionKind::Cancelled,
                None,
                "push no longer pending before the wait began".into(),
            );
            return;
        };
        if !self.wait(&plan, &rt) {
            return;
        }
        // Re-check the session right before sending: a newer prompt cancels the push even if
        // its signal never arrived.
        let verdict = self.with_session(|f| {
            let verdict = engine::fire_check(&f.state, self.push, now_ms(), &rt.engine);
            if verdict != FireVerdict::Fire {
                engine::mark_dropped(&mut f.state, self.push);
                f.plan = None;
            }
            verdict
        });
        match verdict {
            Some(FireVerdict::Fire) => {}
            Some(FireVerdict::RateLimited) => {
                self.log(
                    DecisionKind::RateLimited,
                    Some(&plan),
                    "another Done push went out moments ago".into(),
                );
                return;
            }
            Some(FireVerdict::Superseded) => {
                self.log(
                    DecisionKind::Cancelled,
                    Some(&plan),
                    "superseded by a newer event of the session".into(),
                );
                return;
            }
            Some(FireVerdict::SessionGone) | None => {
                self.log(
                    DecisionKind::Cancelled,
                    Some(&plan),
                    "the session is gone".into(),
                );
                return;
            }
        }
        self.send(&plan, &rt);
    }

    /// Waits the delay and the grace period while watching the terminal. False: do not send.
    fn wait(&self, plan: &Plan, rt: &Runtime) -> bool {
        let probe = plan
            .tty
            .clone()
            .filter(|_| plan.presence_checked)
            .map(tty::TtyProbe::new);
        let baseline = plan.baseline.filter(|_| probe.is_some());
        let mut watch = Watch::new(
            baseline,
            rt.presence,
            plan.scheduled_ms,
            Duration::from_millis(plan.delay_ms),
        );
        loop {
            let now = now_ms();
            let sample = probe.as_ref().and_then(|p| p.sample().ok());
            match watch.observe(now, sample) {
                WatchStep::Send => return true,
                WatchStep::Skip { reason } => {
                    let why = match reason {
                        SkipReason::Typing { .. } => {
                            "skipped: the user is typing in the terminal".to_owned()
                        }
                    };
                    self.log(DecisionKind::SkippedTyping, Some(plan), why);
                    self.with_session(|f| {
                        engine::mark_dropped(&mut f.state, self.push);
                        f.plan = None;
                    });
                    return false;
                }
                WatchStep::Wait { until_ms } => {
                    let left = Duration::from_millis(until_ms.saturating_sub(now));
                    std::thread::sleep(left.min(POLL).max(Duration::from_millis(10)));
                }
            }
        }
    }

    fn send(&self, plan: &Plan, rt: &Runtime) {
        let notifier = notifiers::build(&rt.config);
        let n = &plan.notification;
        let name = notifier.name().to_owned();
        let (decision, reason, delivered) = match notifiers::deliver(
            self.dir,
            &rt.config,
            notifier.as_ref(),
            n,
        ) {
            Outcome::Sent(receipt) => {
                let mut detail = format!("sent via {name}: “{}” — {}", n.title, preview(&n.body));
                if let Some(id) = receipt.request_id {
                    detail.push_str(&format!(" (request {id})"));
                }
                (DecisionKind::Fired, detail, true)
            }
            Outcome::Held(mark) => (
                DecisionKind::Suppressed,
                format!(
                    "not sent: {name} refused earlier ({}); fix the configuration, then run `cc-notify doctor`",
                    mark.reason
                ),
                false,
            ),
            Outcome::Queued(e) => (
                DecisionKind::Queued,
                format!("temporary failure via {name}, kept for the next delivery: {e}"),
                false,
            ),
            Outcome::Refused(e @ NotifyError::QuotaExhausted { .. }) => (
                DecisionKind::Failed,
                format!("{name} refused: {e}; pushes are held until then"),
                false,
            ),
            Outcome::Refused(e) => (
                DecisionKind::Failed,
                format!(
                    "permanent failure via {name}, no more pushes until the configuration changes: {e}"
                ),
                false,
            ),
        };
        self.log(decision, Some(plan), reason);
        self.with_session(|f| {
            if delivered {
                engine::mark_delivered(&mut f.state, self.push, n.kind, now_ms());
            } else {
                engine::mark_dropped(&mut f.state, self.push);
            }
            f.plan = None;
        });
    }
}
