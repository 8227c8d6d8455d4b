//! `cc-notify deliver --session ID --push N` (hidden): the detached process that waits the
//! delay, watches the user's terminal, re-checks the session and sends.
//!
//! It sleeps for most of its life, so it does as little as it can before the wait: the hook
//! passes what to watch on its command line ([`Watching`]); the session file, the
//! configuration and the notifier are read only once the push is due.

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use cc_notify_core::decision_log::LogRecord;
use cc_notify_core::delivery::{Carrying, Outcome};
use cc_notify_core::engine::{self, FireVerdict};
use cc_notify_core::presence::{Watch, WatchStep};
use cc_notify_core::store::StateDir;
use cc_notify_core::wait_clock::WaitClock;
use cc_notify_core::{ActivityProbe, DecisionKind, Kind, Notification, tty};

use crate::handoff::{self, Job, Watching};
use crate::notifiers;
use crate::runtime::{self, Runtime, now_ms};
use crate::session_file::{self, SessionFile};
use crate::stop_signals::{StopSignals, Stopped};

/// How often the terminal is sampled while waiting.
const POLL: Duration = Duration::from_millis(500);

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
    let Some((session, job)) = handoff::parse(&args) else {
        return crate::usage_error(USAGE);
    };
    let (stop, stop_error) = match StopSignals::install() {
        Ok(stop) => (stop, None),
        Err(e) => (StopSignals::none(), Some(e)),
    };
    // The wait comes before anything else: the process sleeps for most of its life, and code
    // and data it has not touched yet take no memory meanwhile. `None`: the progress sender.
    let (waited, carried) = match job {
        Job::Push {
            push,
            watching,
            carried,
        } => (Some((push, wait(&watching, &stop))), carried),
        Job::Progress => (None, None),
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
        Some((push, end)) => match carried {
            Some(json) => deliverer.finish_carried(push, end, &json),
            None => deliverer.finish(push, end),
        },
        None => deliverer.send_progress(),
    }
    ExitCode::SUCCESS
}

/// Waits the delay and the grace period while watching the terminal.
fn wait(watching: &Watching, stop: &StopSignals) -> WaitEnd {
    let probe = watching.tty.clone().map(tty::TtyProbe::new);
    watch_until_due(
        watching,
        probe.as_ref().map(|p| p as &dyn ActivityProbe),
        stop,
    )
}

/// Waits the delay and the grace period while `probe` (if any) watches for the user.
fn watch_until_due(
    watching: &Watching,
    probe: Option<&dyn ActivityProbe>,
    stop: &StopSignals,
) -> WaitEnd {
    let baseline = watching.baseline.filter(|_| probe.is_some());
    // The delay runs from this process's start on the steady clock: neither the wall time the
    // push was scheduled at nor a wall clock stepped while waiting moves it.
    let clock = WaitClock::start(now_ms(), runtime::steady_ms());
    let mut watch = Watch::new(
        baseline,
        watching.presence,
        clock.now_ms(runtime::steady_ms()),
        Duration::from_millis(watching.delay_ms),
    );
    loop {
        let now = clock.now_ms(runtime::steady_ms());
        let sample = probe.and_then(|p| p.sample().ok());
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

struct Deliverer<'a> {
    dir: &'a StateDir,
    session: &'a str,
    /// The pending push this process delivers; `None` for the progress sender.
    push: Option<u64>,
}

impl Deliverer<'_> {
    fn log(&self, decision: DecisionKind, kind: Option<Kind>, reason: String) {
        let mut rec = LogRecord::new(now_ms(), decision, reason);
        rec.session = Some(self.session.to_owned());
        rec.push_id = self.push;
        rec.kind = kind;
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
            let outcome = notifiers::deliver(self.dir, &rt.config, notifier.as_ref(), &n);
            let (decision, reason) = outcome.decision(notifier.name(), &n, Carrying::Progress);
            let mut rec = LogRecord::new(now_ms(), decision, reason);
            rec.session = Some(self.session.to_owned());
            rec.kind = Some(n.kind);
            runtime::log(self.dir, rec);
        }
    }

    /// After the wait: logs a stop or a skip, or re-checks the session and sends.
    fn finish(&self, push: u64, waited: WaitEnd) {
        match waited {
            // A cancelling hook has cleared the push already. After any other stop (a
            // shutdown) the push stays pending, and the next cc-notify process that notices
            // this process is gone recovers it (`recover`). Nothing here takes the session
            // lock: cancels come with every prompt, and the hooks then running must not wait on
            // this.
            WaitEnd::Stopped(stopped) => return self.stopped(stopped),
            WaitEnd::Typing => {
                let dropped = self.with_session(|f| f.drop_push(push)).flatten();
                return self.log(
                    DecisionKind::SkippedTyping,
                    dropped.map(|p| p.kind()),
                    "skipped: the user is typing in the terminal".into(),
                );
            }
            WaitEnd::Due => {}
        }
        let rt = Runtime::load_for_hook(self.dir, now_ms(), None);
        // Re-check the session right before sending: a newer prompt cancels the push even if
        // its signal never arrived.
        let check =
            |f: &mut SessionFile| engine::fire_check(&mut f.state, push, now_ms(), &rt.engine);
        let verdict = session_file::update(self.dir, self.session, check).unwrap_or_else(|e| {
            // The state cannot be locked (a read-only state directory): decide from what was
            // saved last, without saving.
            self.log(DecisionKind::Error, None, format!("session state: {e}"));
            let mut file: SessionFile = self.dir.read_unlocked(self.session);
            Some(check(&mut file))
        });
        let (decision, kind, why_not) = match verdict {
            Some(FireVerdict::Fire(n)) => return self.send(push, &n, &rt),
            Some(FireVerdict::RateLimited) => (
                DecisionKind::RateLimited,
                Some(Kind::Done),
                "another Done push went out moments ago",
            ),
            Some(FireVerdict::Superseded) => (
                DecisionKind::Cancelled,
                None,
                "superseded by a newer event of the session",
            ),
            // Sessions the user ended cancel their push; any other end lets it complete, so the
            // file is gone only once nothing of it waits.
            None => (DecisionKind::Cancelled, None, "the session is gone"),
        };
        self.log(decision, kind, why_not.into());
    }

    /// After the wait, for a push the hook could not save (a full or read-only state
    /// directory): the notification came on the command line, and no session file knows it,
    /// so it is sent unless the user was seen typing. A newer prompt could not be recorded
    /// either, so it cannot cancel this push; typing in the terminal still does.
    fn finish_carried(&self, push: u64, waited: WaitEnd, json: &std::ffi::OsStr) {
        match waited {
            WaitEnd::Stopped(stopped) => return self.stopped(stopped),
            WaitEnd::Typing => {
                return self.log(
                    DecisionKind::SkippedTyping,
                    None,
                    "skipped: the user is typing in the terminal".into(),
                );
            }
            WaitEnd::Due => {}
        }
        match serde_json::from_slice::<Notification>(json.as_encoded_bytes()) {
            Ok(n) => self.send(push, &n, &Runtime::load_for_hook(self.dir, now_ms(), None)),
            Err(e) => self.log(
                DecisionKind::Error,
                None,
                format!("the push handed over on the command line is unreadable: {e}"),
            ),
        }
    }

    fn send(&self, push: u64, n: &Notification, rt: &Runtime) {
        let notifier = notifiers::build(&rt.config);
        let outcome = notifiers::deliver(self.dir, &rt.config, notifier.as_ref(), n);
        let delivered = matches!(outcome, Outcome::Sent(_));
        let (decision, reason) = outcome.decision(notifier.name(), n, Carrying::Push);
        self.log(decision, Some(n.kind), reason);
        self.with_session(|f| {
            if delivered {
                engine::mark_delivered(&mut f.state, push, n.kind, now_ms());
            }
            f.drop_push(push);
        });
        if matches!(outcome, Outcome::Queued(_)) {
            // Nobody may use the agent again for hours: retry the outbox from here.
            crate::outbox::keep_retrying(
                self.dir,
                &rt.config,
                notifier.as_ref(),
                &mut std::thread::sleep,
            );
        }
    }
}
