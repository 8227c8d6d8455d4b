//! `cc-notify deliver --session ID --push N` (hidden): the detached process that waits the
//! delay, watches the user's terminal, re-checks the session and sends.
//!
//! It sleeps for most of its life, so it does as little as it can before the wait: the hook
//! passes what to watch on its command line ([`Watching`]); the session file, the
//! configuration and the notifier are read only once the push is due.

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cc_notify_core::decision_log::LogRecord;
use cc_notify_core::delivery::Carrying;
use cc_notify_core::engine::{self, FireVerdict};
use cc_notify_core::presence::{
    Decision, Reason, Reminder, ReminderConfig, ReminderStep, Watch, WatchStep,
};
use cc_notify_core::store::StateDir;
use cc_notify_core::wait_clock::WaitClock;
use cc_notify_core::{Activity, ActivityProbe, DecisionKind, Kind, Notification, transcript, tty};
use cc_notify_presence::{ClaudeSessionProbe, Env, Waiting, Watcher};

use crate::handoff::{self, Job, Watching};
use crate::notifiers;
use crate::runtime::{self, Runtime, now_ms};
use crate::session_file::{self, SessionFile};
use crate::stop_signals::{StopSignals, Stopped};

/// How often the presence probes are read while waiting.
const POLL: Duration = Duration::from_millis(500);

/// How often they are read while a reminder waits for the user to leave.
const REMINDER_POLL: Duration = Duration::from_secs(2);

/// How long a banner waits, at most, for the progress sender to finish the push it is
/// sending, so that the banner comes after every progress push of its turn.
const PROGRESS_PATIENCE: Duration = Duration::from_secs(30);

/// How often the banner looks whether the progress sender has finished.
const PROGRESS_POLL: Duration = Duration::from_millis(50);

/// How a wait ended.
#[derive(Debug, PartialEq)]
enum WaitEnd {
    /// The push is due; what presence said ("away: tmux session has no client attached").
    Due {
        /// What presence said.
        why: String,
        /// Why it is later than the hook said, when the grace watch held it.
        held: Option<String>,
    },
    /// The user was there (what presence said): the push is dropped.
    Typing(String),
    /// The push is dropped (why): no reminder after a typing skip, or the agent no longer
    /// waits for the answer a Needs-input push asks for.
    Dropped(String),
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
    let (mut waited, carried) = match job {
        Job::Push {
            push,
            watching,
            carried,
        } => {
            let end = wait(&watching, &session, &stop);
            (Some((push, watching, end)), carried)
        }
        Job::Progress => (None, None),
    };
    let (Some(dir), Ok(session)) = (runtime::open_state_dir(), session.into_string()) else {
        return ExitCode::FAILURE;
    };
    let deliverer = Deliverer {
        dir: &dir,
        session: &session,
        push: waited.as_ref().map(|(push, ..)| *push),
    };
    if let Some(e) = stop_error {
        deliverer.log(
            DecisionKind::Error,
            None,
            format!("cannot catch stop signals; a cancel will end this process unlogged: {e}"),
        );
    }
    // After a typing skip the push stays pending (the next prompt cancels it as any other) while
    // the second chance watches for the user to leave.
    if let Some((_, watching, end)) = waited.as_mut()
        && let WaitEnd::Typing(why) = end
        && !watching.presence.reminder.watch_for.is_zero()
    {
        let kind = if watching.needs_input {
            Kind::NeedsInput
        } else {
            Kind::Done
        };
        deliverer.log(
            DecisionKind::SkippedTyping,
            Some(kind),
            format!("skipped: {why}; a reminder follows if you leave"),
        );
        let still_pending = || {
            deliverer
                .with_session(|f| f.state.pending.as_ref().map(|p| p.id))
                .flatten()
                == deliverer.push
        };
        let mut watcher = Watcher::new(
            &presence_env(watching, &session),
            watching.baseline.filter(|_| watching.tty.is_some()),
            watching.presence,
            now_ms(),
            Duration::ZERO,
            Waiting::Done,
        );
        *end = second_chance(
            &mut watcher,
            watching.presence.reminder,
            &stop,
            still_pending,
        );
    }
    let waited = waited.map(|(push, watching, end)| {
        // A Needs-input push is moot once the agent no longer waits (the dialog was answered,
        // also within the terminal's 8-second blur).
        let answered = watching.needs_input && matches!(end, WaitEnd::Due { .. }) && {
            let env = presence_env(&watching, &session);
            ClaudeSessionProbe::from_env(
                env.claude_config_dir.as_deref(),
                env.home.as_deref(),
                env.claude_pid,
                env.session_id.as_deref(),
            )
            .and_then(|registry| registry.still_waiting())
                == Some(false)
        };
        let end = if answered {
            WaitEnd::Dropped(
                "not sent: the agent no longer waits for an answer (sessions registry)".into(),
            )
        } else {
            end
        };
        (push, end)
    });
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
        None => {
            let rt = Runtime::load_for_hook(&dir, now_ms(), None);
            deliverer.send_progress(&rt, false);
        }
    }
    ExitCode::SUCCESS
}

/// What the presence probes may read: the hook's environment (which this process inherited),
/// the terminal the hook found, the session; nothing when presence is not checked.
fn presence_env(watching: &Watching, session: &str) -> Env {
    if !watching.presence_checked {
        return Env::default();
    }
    Env {
        tty: watching.tty.clone(),
        session_id: Some(session.to_owned()),
        ..Env::from_vars()
    }
}

/// Waits the delay and the grace period while watching every presence probe the hook's
/// environment offers (the terminal, tmux, X11, GNOME, logind). With the terminal alone, only
/// it is sampled: a waiting process stays as small as it was.
fn wait(watching: &Watching, session: &std::ffi::OsStr, stop: &StopSignals) -> WaitEnd {
    if !(watching.presence_checked && watching.other_probes) {
        return wait_on_the_terminal(watching, stop);
    }
    let env = presence_env(watching, &session.to_string_lossy());
    // The delay runs from this process's start on the steady clock (see
    // `wait_on_the_terminal`).
    let clock = WaitClock::start(now_ms(), runtime::steady_ms());
    let waiting = if watching.needs_input {
        Waiting::NeedsInput
    } else {
        Waiting::Done
    };
    let mut watcher = Watcher::new(
        &env,
        watching.baseline.filter(|_| watching.tty.is_some()),
        watching.presence,
        clock.now_ms(runtime::steady_ms()),
        Duration::from_millis(watching.delay_ms),
        waiting,
    );
    poll(watching, stop, &clock, |now| {
        (watcher.poll(now), watcher.decision())
    })
}

/// [`wait`] with the terminal alone: one `stat(2)` per poll.
///
/// Until the delay ends, the only thing that can decide a terminal-only watch is new input
/// (the terminal never says "away"), so the wait first sleeps comparing each sample with the
/// baseline and nothing else ([`sleep_while_quiet`]). The [`Watch`] and its rule run only once
/// the terminal moved or the delay is over, and decide exactly as if they had seen every poll:
/// a sleeping process keeps the pages it touched, and this keeps the rule's out of it.
fn wait_on_the_terminal(watching: &Watching, stop: &StopSignals) -> WaitEnd {
    let probe = watching.tty.clone().map(tty::TtyProbe::new);
    let baseline = watching.baseline.filter(|_| probe.is_some());
    // The delay runs from this process's start on the steady clock: neither the wall time the
    // push was scheduled at nor a wall clock stepped while waiting moves it.
    let clock = WaitClock::start(now_ms(), runtime::steady_ms());
    let start_ms = clock.now_ms(runtime::steady_ms());
    let delay_end_ms = start_ms.saturating_add(watching.delay_ms);
    let quiet = probe.as_ref().zip(baseline);
    if let Err(stopped) = sleep_while_quiet(stop, &clock, delay_end_ms, quiet) {
        return WaitEnd::Stopped(stopped);
    }
    let mut watch = Watch::new(
        baseline,
        watching.presence,
        start_ms,
        Duration::from_millis(watching.delay_ms),
    );
    poll(watching, stop, &clock, |now| {
        let sample = probe.as_ref().and_then(|p| p.sample().ok());
        (watch.observe(now, sample), watch.decision())
    })
}

/// Sleeps in steps of at most [`POLL`] until `end_ms` (on `clock`), or until the terminal's
/// sample differs from its baseline (`quiet`; `None`: nothing to compare). Written without
/// closures and inlined, so its code lies with the rest of the wait's.
#[inline(always)]
fn sleep_while_quiet(
    stop: &StopSignals,
    clock: &WaitClock,
    end_ms: u64,
    quiet: Option<(&tty::TtyProbe, Activity)>,
) -> Result<(), Stopped> {
    loop {
        let now = clock.now_ms(runtime::steady_ms());
        if now >= end_ms {
            return Ok(());
        }
        if let Some((probe, baseline)) = quiet
            && probe.sample().is_ok_and(|s| s != baseline)
        {
            return Ok(());
        }
        let left = Duration::from_millis(end_ms - now);
        stop.sleep(left.min(POLL).max(Duration::from_millis(10)))?;
    }
}

/// Runs `step` every [`POLL`] (or sooner, at the deadline it announces) until it decides.
fn poll(
    watching: &Watching,
    stop: &StopSignals,
    clock: &WaitClock,
    mut step: impl FnMut(u64) -> (WatchStep, Option<cc_notify_core::presence::Decision>),
) -> WaitEnd {
    loop {
        let now = clock.now_ms(runtime::steady_ms());
        let (next, decision) = step(now);
        let why = || decision.map_or_else(String::new, |d| d.to_string());
        match next {
            WatchStep::Send => {
                return WaitEnd::Due {
                    why: why(),
                    held: held_note(decision, watching),
                };
            }
            WatchStep::Skip { .. } => return WaitEnd::Typing(why()),
            WatchStep::Wait { until_ms } => {
                let left = Duration::from_millis(until_ms.saturating_sub(now));
                if let Err(stopped) = stop.sleep(left.min(POLL).max(Duration::from_millis(10))) {
                    return WaitEnd::Stopped(stopped);
                }
            }
        }
    }
}

/// After a typing skip: watches (bounded by `cfg`'s `watch_for`) for the user to leave, and
/// makes the push due again once they have ([`Reminder`]).
/// `still_pending` tells whether the session still holds this push (no newer event replaced it,
/// the session was not deleted).
fn second_chance(
    watcher: &mut Watcher,
    cfg: ReminderConfig,
    stop: &StopSignals,
    still_pending: impl Fn() -> bool,
) -> WaitEnd {
    let mut reminder = Reminder::new(now_ms(), cfg);
    loop {
        let now = now_ms();
        if !still_pending() {
            return WaitEnd::Dropped(
                "no reminder: superseded by a newer event of the session, or the session ended"
                    .into(),
            );
        }
        let readings = watcher.read();
        match reminder.observe(now, &readings) {
            ReminderStep::Send => {
                let why = reminder.reason().map_or_else(String::new, |reason| {
                    cc_notify_core::presence::Decision { at_ms: now, reason }.to_string()
                });
                return WaitEnd::Due {
                    why: format!("reminder after a typing skip, {why}"),
                    held: None,
                };
            }
            ReminderStep::GiveUp => {
                return WaitEnd::Dropped(format!(
                    "no reminder: still at the keyboard {} s after the typing skip",
                    cfg.watch_for.as_secs()
                ));
            }
            ReminderStep::Wait { until_ms } => {
                let left = Duration::from_millis(until_ms.saturating_sub(now));
                if let Err(stopped) =
                    stop.sleep(left.clamp(Duration::from_millis(10), REMINDER_POLL))
                {
                    return WaitEnd::Stopped(stopped);
                }
            }
        }
    }
}

/// What to log when the grace watch held a push past its delay (the hook's "push in N s"
/// said otherwise): how long, and why.
fn held_note(decision: Option<Decision>, watching: &Watching) -> Option<String> {
    let decision = decision?;
    let Reason::Idle {
        after_grace: true, ..
    } = decision.reason
    else {
        return None;
    };
    let due = watching.scheduled_ms.saturating_add(watching.delay_ms);
    Some(format!(
        "held {} s past its {} s delay: input shortly before it was due started a grace watch \
         ([timing] grace); {decision}",
        decision.at_ms.saturating_sub(due) / 1000,
        watching.delay_ms / 1000
    ))
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

    /// Sends the session's queued progress pushes, oldest first, one at a time, until the
    /// queue is empty. The progress sender then exits, deciding so under the session lock (so a
    /// hook that queues more at the same moment sees no sender and starts a new one). A banner
    /// (`before_banner`) sends the queue itself and then waits, at most [`PROGRESS_PATIENCE`],
    /// while the progress sender is still sending what it took: the banner comes last.
    fn send_progress(&self, rt: &Runtime, before_banner: bool) {
        let deadline = Instant::now() + PROGRESS_PATIENCE;
        loop {
            let next = self.with_session(|file| {
                if !file.progress_queue.is_empty() {
                    return Some(file.progress_queue.remove(0));
                }
                if !before_banner {
                    file.progress_sender = None;
                }
                None
            });
            let n = match next {
                Some(Some(n)) => n,
                Some(None) if before_banner && Instant::now() < deadline => {
                    if !self.progress_sender_busy() {
                        return;
                    }
                    std::thread::sleep(PROGRESS_POLL);
                    continue;
                }
                _ => return,
            };
            if let Some(why) = crate::mute::silenced_now(self.dir, &rt.config, &n) {
                self.log(
                    DecisionKind::Suppressed,
                    Some(n.kind),
                    format!("silenced: {why}"),
                );
                continue;
            }
            notifiers::deliver_all(self.dir, &rt.config, &n, Carrying::Progress, &|d, why| {
                self.log(d, Some(n.kind), why);
            });
        }
    }

    /// Whether the session's progress sender is still running (it clears its record under the
    /// session lock once the queue is empty, right before it exits).
    fn progress_sender_busy(&self) -> bool {
        self.with_session(|f| f.progress_sender)
            .flatten()
            .is_some_and(|p| crate::process::is_same_process(p.pid, p.start_time))
    }

    /// Right before the turn-end banner `push` goes out: queues the turn's intermediate
    /// messages the transcript had not written yet when the turn ended (see
    /// [`engine::banner_catch_up`]), to go out before the banner.
    fn catch_up_progress(&self, f: &mut SessionFile, push: u64, rt: &Runtime) {
        let Some((path, offset)) = engine::banner_catch_up_from(&f.state, push) else {
            return;
        };
        let scan = match transcript::scan_from(path, offset) {
            Ok(scan) => scan,
            Err(e) => {
                let why = format!("transcript not scanned for progress before the banner: {e}");
                return self.log(DecisionKind::Error, Some(Kind::Progress), why);
            }
        };
        let late = engine::banner_catch_up(&mut f.state, push, &scan, &rt.engine, now_ms());
        if !late.is_empty() {
            self.log(
                DecisionKind::Scheduled,
                Some(Kind::Progress),
                format!(
                    "{} progress message(s) the transcript wrote after the turn ended: sending \
                     before the banner",
                    late.len()
                ),
            );
            f.progress_queue.extend(late);
        }
    }

    /// After the wait: logs a stop or a skip, or re-checks the session and sends.
    fn finish(&self, push: u64, waited: WaitEnd) {
        let presence = match waited {
            // A cancelling hook has cleared the push already. After any other stop (a
            // shutdown) the push stays pending, and the next cc-notify process that notices
            // this process is gone recovers it (`recover`). Nothing here takes the session
            // lock: cancels come with every prompt, and the hooks then running must not wait on
            // this.
            WaitEnd::Stopped(stopped) => return self.stopped(stopped),
            WaitEnd::Typing(why) => {
                let dropped = self.with_session(|f| f.drop_push(push)).flatten();
                return self.log(
                    DecisionKind::SkippedTyping,
                    dropped.map(|p| p.kind()),
                    format!("skipped: {why}"),
                );
            }
            WaitEnd::Dropped(why) => {
                let dropped = self.with_session(|f| f.drop_push(push)).flatten();
                return self.log(DecisionKind::Cancelled, dropped.map(|p| p.kind()), why);
            }
            WaitEnd::Due { why, held } => {
                if let Some(note) = held {
                    self.log(DecisionKind::Scheduled, None, note);
                }
                why
            }
        };
        let rt = Runtime::load_for_hook(self.dir, now_ms(), None);
        // Re-check the session right before sending: a newer prompt cancels the push even if
        // its signal never arrived.
        let check = |f: &mut SessionFile| {
            let reply_file = engine::reply_file(&f.state, push).map(Path::to_path_buf);
            self.catch_up_progress(f, push, &rt);
            let verdict = engine::fire_check(&mut f.state, push, now_ms(), &rt.engine);
            (verdict, reply_file)
        };
        let checked = session_file::update(self.dir, self.session, check).unwrap_or_else(|e| {
            // The state cannot be locked (a read-only state directory): decide from what was
            // saved last, without saving.
            self.log(DecisionKind::Error, None, format!("session state: {e}"));
            let mut file: SessionFile = self.dir.read_unlocked(self.session);
            Some(check(&mut file))
        });
        let (verdict, reply_file) = checked.unzip();
        // The turn's progress pushes go first, also those the banner just caught up on.
        self.send_progress(&rt, true);
        let (decision, kind, why_not) = match verdict {
            Some(FireVerdict::Fire(n)) => {
                let n = late_reply(n, reply_file.flatten().as_deref(), rt.engine.redact);
                if !self.silenced(push, &n, &rt) {
                    self.send(push, &n, &rt, &presence);
                }
                return;
            }
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
    /// so it is sent unless the user was seen there. A newer prompt could not be recorded
    /// either, so it cannot cancel this push; typing in the terminal still does.
    fn finish_carried(&self, push: u64, waited: WaitEnd, json: &std::ffi::OsStr) {
        let presence = match waited {
            WaitEnd::Stopped(stopped) => return self.stopped(stopped),
            WaitEnd::Typing(why) => {
                return self.log(DecisionKind::SkippedTyping, None, format!("skipped: {why}"));
            }
            WaitEnd::Dropped(why) => return self.log(DecisionKind::Cancelled, None, why),
            WaitEnd::Due { why, .. } => why,
        };
        match serde_json::from_slice::<Notification>(json.as_encoded_bytes()) {
            Ok(n) => {
                let rt = Runtime::load_for_hook(self.dir, now_ms(), None);
                if crate::mute::silenced_now(self.dir, &rt.config, &n).is_none() {
                    self.send(push, &n, &rt, &presence);
                }
            }
            Err(e) => self.log(
                DecisionKind::Error,
                None,
                format!("the push handed over on the command line is unreadable: {e}"),
            ),
        }
    }

    /// Whether a mute or quiet hours silence `n` now; if so the push is dropped and logged.
    fn silenced(&self, push: u64, n: &Notification, rt: &Runtime) -> bool {
        let Some(why) = crate::mute::silenced_now(self.dir, &rt.config, n) else {
            return false;
        };
        self.log(
            DecisionKind::Suppressed,
            Some(n.kind),
            format!("silenced: {why}"),
        );
        self.with_session(|f| f.drop_push(push));
        true
    }

    /// Sends `n` to every backend routing gives its kind, each on its own (see
    /// [`notifiers::deliver_all`]); the push counts as delivered when any backend took it.
    /// `presence` (what the probes said) goes into each log line.
    fn send(&self, push: u64, n: &Notification, rt: &Runtime, presence: &str) {
        let delivered =
            notifiers::deliver_all(self.dir, &rt.config, n, Carrying::Push, &|d, why| {
                let why = if presence.is_empty() {
                    why
                } else {
                    format!("{why} [{presence}]")
                };
                self.log(d, Some(n.kind), why);
            });
        self.with_session(|f| {
            if delivered {
                engine::mark_delivered(&mut f.state, push, n.kind, now_ms());
            }
            f.drop_push(push);
        });
        // Nobody may use the agent again for hours: retry what a temporary failure left in a
        // backend's outbox from here.
        for backend in notifiers::routed(&rt.config, n.kind, Some(self.dir)) {
            if crate::outbox::queued(self.dir, &backend.slot) > 0 {
                crate::outbox::keep_retrying(
                    self.dir,
                    &rt.config,
                    backend.notifier.as_ref(),
                    &backend.slot,
                    &mut std::thread::sleep,
                );
            }
        }
    }
}

/// `n` with the reply read from `reply_file` when it was scheduled without one and the file
/// now holds it: an agent that writes its reply only after its hook ran (Copilot's session
/// file).
fn late_reply(n: Notification, reply_file: Option<&Path>, redact: bool) -> Notification {
    let Some(file) = reply_file.filter(|_| n.body.is_empty()) else {
        return n;
    };
    match cc_notify_core::agent::copilot::read_reply(file) {
        Some(reply) => Notification {
            body: cc_notify_core::render::body(&reply, redact),
            ..n
        },
        None => n,
    }
}

#[cfg(test)]
mod tests {
    use cc_notify_core::presence::Reason;

    use super::*;

    #[test]
    fn a_reply_written_after_the_hook_is_read_at_send_time() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("events.jsonl");
        let planned = Notification::new(Kind::Done, "t", "");
        // Not written yet: the push goes as planned.
        assert_eq!(late_reply(planned.clone(), Some(&file), true), planned);
        std::fs::write(
            &file,
            "{\"type\":\"assistant.message\",\"data\":{\"content\":\"All green.\"}}\n",
        )
        .unwrap();
        assert_eq!(
            late_reply(planned.clone(), Some(&file), true).body,
            "All green."
        );
        // A push that has its text keeps it.
        let said = Notification::new(Kind::Done, "t", "Already said.");
        assert_eq!(late_reply(said.clone(), Some(&file), true), said);
    }

    fn watching(scheduled_ms: u64, delay_ms: u64) -> Watching {
        let args: Vec<OsString> = [
            "--session",
            "s",
            "--push",
            "1",
            "--scheduled-ms",
            &scheduled_ms.to_string(),
            "--delay-ms",
            &delay_ms.to_string(),
            "--typing-window-ms",
            "10000",
            "--grace-ms",
            "1000",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        match handoff::parse(&args) {
            Some((_, Job::Push { watching, .. })) => watching,
            _ => panic!("not parsed as a push"),
        }
    }

    #[test]
    fn a_push_held_by_the_grace_watch_says_why_it_is_late() {
        let w = watching(100_000, 0);
        let held = Decision {
            at_ms: 101_200,
            reason: Reason::Idle {
                sharpest: None,
                after_grace: true,
            },
        };
        let note = held_note(Some(held), &w).expect("a note on the late push");
        assert!(
            note.starts_with("held 1 s past its 0 s delay") && note.contains("[timing] grace"),
            "{note}"
        );
        // Without a grace watch the push goes out when the hook said, with nothing to explain.
        let on_time = Decision {
            at_ms: 100_000,
            reason: Reason::Idle {
                sharpest: None,
                after_grace: false,
            },
        };
        assert_eq!(held_note(Some(on_time), &w), None);
        assert_eq!(held_note(None, &w), None);
    }
}
