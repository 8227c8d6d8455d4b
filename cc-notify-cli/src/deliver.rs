//! `cc-notify deliver --session ID --push N` (hidden): the detached process that waits the
//! delay, watches the user's terminal, re-checks the session and sends.
//!
//! It sleeps for most of its life, so it does as little as it can before the wait: the hook
//! passes what to watch on its command line ([`Watching`]); the session file, the
//! configuration and the notifier are read only once the push is due.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cc_notify_core::decision_log::LogRecord;
use cc_notify_core::engine::{self, FireVerdict};
use cc_notify_core::presence::{PresenceConfig, Watch, WatchStep};
use cc_notify_core::store::StateDir;
use cc_notify_core::{Activity, ActivityProbe, DecisionKind, NotifyError, tty};

use crate::notifiers::{self, Outcome};
use crate::runtime::{self, Runtime, now_ms};
use crate::session_file::{self, Plan, SessionFile};
use crate::stop_signals::{StopSignals, Stopped};

/// How often the terminal is sampled while waiting.
const POLL: Duration = Duration::from_millis(500);

/// What a deliverer watches while it waits. The hook passes it on the command line
/// ([`Watching::to_args`]), so the waiting process reads no file and no configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Watching {
    /// When the push was scheduled (Unix ms).
    pub scheduled_ms: u64,
    /// How long to wait before sending, in ms.
    pub delay_ms: u64,
    /// How presence is judged.
    pub presence: PresenceConfig,
    /// The user's terminal, watched for typing; `None`: no typing check.
    pub tty: Option<PathBuf>,
    /// The terminal's activity when the push was scheduled.
    pub baseline: Option<Activity>,
}

impl Watching {
    /// The `deliver` options that carry it.
    pub fn to_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "--scheduled-ms".into(),
            self.scheduled_ms.to_string().into(),
            "--delay-ms".into(),
            self.delay_ms.to_string().into(),
            "--typing-window-ms".into(),
            self.presence.typing_window.as_millis().to_string().into(),
            "--grace-ms".into(),
            self.presence.grace.as_millis().to_string().into(),
        ];
        if let Some(tty) = &self.tty {
            args.extend(["--tty".into(), tty.into()]);
        }
        if let Some(b) = self.baseline {
            let last = b.last_input_ms.map_or("-".to_owned(), |t| t.to_string());
            args.extend([
                "--baseline".into(),
                format!("{last}/{}", b.resolution_ms).into(),
            ]);
        }
        args
    }

    /// Parses a `--baseline` value: `LAST_INPUT_MS/RESOLUTION_MS`, `-` for no input seen.
    fn parse_baseline(v: &[u8]) -> Option<Activity> {
        let slash = v.iter().position(|&b| b == b'/')?;
        let (last, resolution) = (&v[..slash], &v[slash + 1..]);
        Some(Activity {
            last_input_ms: match last {
                b"-" => None,
                t => Some(number(t)?),
            },
            resolution_ms: number(resolution)?,
        })
    }
}

/// How a wait ended.
#[derive(Debug, PartialEq)]
enum WaitEnd {
    /// The push is due.
    Due,
    /// The user typed in the terminal: the push is dropped.
    Typing,
    /// A stop signal arrived.
    Stopped(Stopped),
}

/// Entry point of the hidden `deliver` command.
pub fn run(args: Vec<OsString>) -> ExitCode {
    crate::process::detach_self();
    let Some((session, job)) = parse(&args) else {
        return crate::usage_error(USAGE);
    };
    let (stop, stop_error) = match StopSignals::install() {
        Ok(stop) => (stop, None),
        Err(e) => (StopSignals::none(), Some(e)),
    };
    // The wait comes before anything else: the process sleeps for most of its life, and code
    // and data it has not touched yet take no memory meanwhile. `None`: the progress sender.
    let waited = match job {
        Job::Push { push, watching } => Some((push, wait(&watching, &stop))),
        Job::Progress => None,
    };
    let (Some(dir), Ok(session)) = (runtime::open_state_dir(), session.into_string()) else {
        return ExitCode::FAILURE;
    };
    let deliverer = Deliverer {
        dir: &dir,
        session: &session,
        push: waited.as_ref().map(|(push, _)| *push),
    };
    if let Some(e) = stop_error {
        deliverer.log(
            DecisionKind::Error,
            None,
            format!("cannot catch stop signals; a cancel will end this process unlogged: {e}"),
        );
    }
    // From here on a stop ends the process wherever it is, a request included.
    if !matches!(waited, Some((_, WaitEnd::Stopped(_)))) {
        let (dir, session, push) = (dir.clone(), session.clone(), deliverer.push);
        stop.watch_in_background(move |stopped| {
            Deliverer {
                dir: &dir,
                session: &session,
                push,
            }
            .stopped(stopped);
        });
    }
    match waited {
        Some((push, end)) => deliverer.finish(push, end),
        None => deliverer.send_progress(),
    }
    ExitCode::SUCCESS
}

/// What one `deliver` process does.
enum Job {
    /// Wait for, then send, the session's pending push `push`.
    Push { push: u64, watching: Watching },
    /// Send the session's queued progress pushes.
    Progress,
}

/// Parses the command line the hook wrote. Plain byte matching rather than an option parser:
/// this runs before the wait, and everything the process runs before it sleeps stays in its
/// memory while it sleeps.
fn parse(args: &[OsString]) -> Option<(OsString, Job)> {
    let (mut session, mut push, mut progress) = (None, None, false);
    let mut watching = Watching {
        scheduled_ms: 0,
        delay_ms: 0,
        presence: PresenceConfig::default(),
        tty: None,
        baseline: None,
    };
    let mut args = args.iter();
    while let Some(name) = args.next() {
        if name == "--progress" {
            progress = true;
            continue;
        }
        let value = args.next()?;
        let v = value.as_encoded_bytes();
        match name.as_encoded_bytes() {
            b"--session" => session = Some(value.clone()),
            b"--push" => push = Some(number(v)?),
            b"--scheduled-ms" => watching.scheduled_ms = number(v)?,
            b"--delay-ms" => watching.delay_ms = number(v)?,
            b"--typing-window-ms" => {
                watching.presence.typing_window = Duration::from_millis(number(v)?);
            }
            b"--grace-ms" => watching.presence.grace = Duration::from_millis(number(v)?),
            b"--tty" => watching.tty = Some(PathBuf::from(value)),
            b"--baseline" => watching.baseline = Some(Watching::parse_baseline(v)?),
            _ => return None,
        }
    }
    let job = match (push, progress) {
        (Some(push), false) => Job::Push { push, watching },
        (None, true) => Job::Progress,
        _ => return None,
    };
    Some((session?, job))
}

/// A non-negative decimal number.
fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        let digit = d.checked_sub(b'0').filter(|&d| d < 10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// Waits the delay and the grace period while watching the terminal.
fn wait(watching: &Watching, stop: &StopSignals) -> WaitEnd {
    let probe = watching.tty.clone().map(tty::TtyProbe::new);
    let baseline = watching.baseline.filter(|_| probe.is_some());
    let mut watch = Watch::new(
        baseline,
        watching.presence,
        watching.scheduled_ms,
        Duration::from_millis(watching.delay_ms),
    );
    loop {
        let now = now_ms();
        let sample = probe.as_ref().and_then(|p| p.sample().ok());
        match watch.observe(now, sample) {
            WatchStep::Send => return WaitEnd::Due,
            WatchStep::Skip { .. } => return WaitEnd::Typing,
            WatchStep::Wait { until_ms } => {
                let left = Duration::from_millis(until_ms.saturating_sub(now));
                if let Err(stopped) = stop.sleep(left.min(POLL).max(Duration::from_millis(10))) {
                    return WaitEnd::Stopped(stopped);
                }
            }
        }
    }
}

const USAGE: &str = "deliver: --session ID (--push N | --progress)";

/// The first 120 characters of a body, on one line.
fn preview(body: &str) -> String {
    cc_notify_core::text::truncate_chars(body, 120).replace('\n', " ")
}

struct Deliverer<'a> {
    dir: &'a StateDir,
    session: &'a str,
    /// The pending push this process delivers; `None` for the progress sender.
    push: Option<u64>,
}

impl Deliverer<'_> {
    fn log(&self, decision: DecisionKind, plan: Option<&Plan>, reason: String) {
        let mut rec = LogRecord::new(now_ms(), decision, reason);
        rec.session = Some(self.session.to_owned());
        rec.push_id = self.push;
        rec.kind = plan.map(|p| p.notification.kind);
        runtime::log(self.dir, rec);
    }

    /// Logs that a stop signal ended this process's work (without the session lock: see
    /// [`Deliverer::finish`]).
    fn stopped(&self, stopped: Stopped) {
        self.log(
            DecisionKind::Cancelled,
            None,
            format!(
                "cancelled: the delivery process was stopped by {}",
                stopped.name()
            ),
        );
    }

    /// [`session_file::update`] for this session; a failure is logged and reads as `None`.
    fn with_session<T>(&self, f: impl FnOnce(&mut SessionFile) -> T) -> Option<T> {
        session_file::update(self.dir, self.session, f).unwrap_or_else(|e| {
            self.log(DecisionKind::Error, None, format!("session state: {e}"));
            None
        })
    }

    /// Sends the session's queued progress pushes, oldest first, one at a time; exits when the
    /// queue is empty (deciding so under the session lock, so a hook that queues more at the
    /// same moment sees no sender and starts a new one).
    fn send_progress(&self) {
        let rt = Runtime::load_for_hook(self.dir, now_ms(), None);
        let notifier = notifiers::build(&rt.config);
        loop {
            let next = self.with_session(|file| {
                if file.progress_queue.is_empty() {
                    file.progress_sender = None;
                    None
                } else {
                    Some(file.progress_queue.remove(0))
                }
            });
            let Some(Some(n)) = next else { return };
            let name = notifier.name();
            let outcome = notifiers::deliver(self.dir, &rt.config, notifier.as_ref(), &n);
            let (decision, reason) = match outcome {
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
            rec.session = Some(self.session.to_owned());
            rec.kind = Some(n.kind);
            runtime::log(self.dir, rec);
        }
    }

    /// After the wait: logs a stop or a skip, or re-checks the session and sends.
    fn finish(&self, push: u64, waited: WaitEnd) {
        match waited {
            // A cancelling hook has cleared the push already. After any other stop the push
            // still looks pending until the session's next event replaces it, and `status`
            // flags its delivery process as gone. Nothing here takes the session lock: cancels
            // come with every prompt, and the hooks then running must not wait on this.
            WaitEnd::Stopped(stopped) => return self.stopped(stopped),
            WaitEnd::Typing => {
                let plan = self.with_session(|f| f.drop_push(push)).flatten();
                return self.log(
                    DecisionKind::SkippedTyping,
                    plan.as_ref(),
                    "skipped: the user is typing in the terminal".into(),
                );
            }
            WaitEnd::Due => {}
        }
        let rt = Runtime::load_for_hook(self.dir, now_ms(), None);
        // Re-check the session right before sending: a newer prompt cancels the push even if
        // its signal never arrived.
        let checked = self.with_session(|f| {
            let plan = f.plan.clone().filter(|p| p.push_id == push);
            let verdict = engine::fire_check(&f.state, push, now_ms(), &rt.engine);
            if verdict != FireVerdict::Fire || plan.is_none() {
                f.drop_push(push);
            }
            (verdict, plan)
        });
        let (verdict, plan) = checked.unwrap_or((FireVerdict::SessionGone, None));
        let (decision, why_not) = match (verdict, &plan) {
            (FireVerdict::Fire, Some(plan)) => return self.send(push, plan, &rt),
            (FireVerdict::Fire, None) => (
                DecisionKind::Error,
                "not sent: the session holds no plan for this push",
            ),
            (FireVerdict::RateLimited, _) => (
                DecisionKind::RateLimited,
                "another Done push went out moments ago",
            ),
            (FireVerdict::Superseded, _) => (
                DecisionKind::Cancelled,
                "superseded by a newer event of the session",
            ),
            (FireVerdict::SessionGone, _) => (DecisionKind::Cancelled, "the session is gone"),
        };
        self.log(decision, plan.as_ref(), why_not.into());
    }

    fn send(&self, push: u64, plan: &Plan, rt: &Runtime) {
        let notifier = notifiers::build(&rt.config);
        let late = late_reply(plan, rt.engine.redact);
        let n = late.as_ref().unwrap_or(&plan.notification);
        let name = notifier.name().to_owned();
        let outcome = notifiers::deliver(self.dir, &rt.config, notifier.as_ref(), n);
        let (decision, reason, delivered) = match outcome {
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
                engine::mark_delivered(&mut f.state, push, n.kind, now_ms());
            }
            f.drop_push(push);
        });
    }
}

/// The plan's push with the reply read from its `reply_file`, when it was planned without one
/// and the file now holds it.
fn late_reply(plan: &Plan, redact: bool) -> Option<cc_notify_core::Notification> {
    let file = plan.reply_file.as_ref()?;
    if !plan.notification.body.is_empty() {
        return None;
    }
    let reply = cc_notify_core::agent::copilot::read_reply(file)?;
    let mut n = plan.notification.clone();
    n.body = cc_notify_core::render::body(&reply, redact);
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_written_after_the_hook_is_read_at_send_time() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("events.jsonl");
        let mut plan = Plan {
            push_id: 1,
            notification: cc_notify_core::Notification::new(cc_notify_core::Kind::Done, "t", ""),
            scheduled_ms: 0,
            delay_ms: 0,
            reply_file: Some(file.clone()),
        };
        // Not written yet: the push goes as planned.
        assert_eq!(late_reply(&plan, true), None);
        std::fs::write(
            &file,
            "{\"type\":\"assistant.message\",\"data\":{\"content\":\"All green.\"}}\n",
        )
        .unwrap();
        assert_eq!(late_reply(&plan, true).unwrap().body, "All green.");
        // A push that has its text keeps it.
        plan.notification.body = "Already said.".into();
        assert_eq!(late_reply(&plan, true), None);
    }

    fn parsed(watching: &Watching) -> Watching {
        let mut args: Vec<OsString> =
            vec!["--session".into(), "s".into(), "--push".into(), "7".into()];
        args.extend(watching.to_args());
        match parse(&args) {
            Some((session, Job::Push { push, watching })) => {
                assert_eq!((session.to_str(), push), (Some("s"), 7));
                watching
            }
            _ => panic!("not parsed as a push"),
        }
    }

    #[test]
    fn what_to_watch_survives_the_command_line() {
        let full = Watching {
            scheduled_ms: 1_763_700_000_123,
            delay_ms: 45_000,
            presence: PresenceConfig {
                typing_window: Duration::from_secs(12),
                grace: Duration::from_secs(3),
            },
            tty: Some(PathBuf::from("/dev/pts/7")),
            baseline: Some(Activity {
                last_input_ms: Some(1_763_699_990_000),
                resolution_ms: 8_000,
            }),
        };
        assert_eq!(parsed(&full), full);
        let never_typed = Watching {
            baseline: Some(Activity {
                last_input_ms: None,
                resolution_ms: 8_000,
            }),
            ..full.clone()
        };
        assert_eq!(parsed(&never_typed), never_typed);
        let no_terminal = Watching {
            tty: None,
            baseline: None,
            ..full
        };
        assert_eq!(parsed(&no_terminal), no_terminal);
    }

    #[test]
    fn a_malformed_command_line_is_refused() {
        for bad in [
            &["--session", "s"][..],
            &["--session", "s", "--push", "x"],
            &["--session", "s", "--push", "1", "--progress"],
            &["--session", "s", "--push", "1", "--baseline", "5"],
            &["--session", "s", "--push", "1", "--baseline", "-/"],
            &["--session", "s", "--push", "-1"],
            &["--session", "s", "--push", "99999999999999999999"],
            &["--session", "s", "--push", ""],
            &["--session", "s", "--push"],
            &["--session", "s", "--push", "1", "--delay", "5"],
            &["--push", "1"],
        ] {
            let args: Vec<OsString> = bad.iter().map(OsString::from).collect();
            assert!(parse(&args).is_none(), "{bad:?}");
        }
    }
}
