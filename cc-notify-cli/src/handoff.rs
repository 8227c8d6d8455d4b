//! The deliverer's command line: what the hook hands a deliverer to watch while it waits
//! ([`Watching`], derived from the pending push), the push itself when the hook could not save
//! it ([`carry_args`]), and its parsing, which runs before the wait.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use cc_notify_core::Activity;
use cc_notify_core::presence::PresenceConfig;
use cc_notify_core::state::Pending;

/// What a deliverer watches while it waits. The hook passes it on the command line
/// ([`Watching::to_args`]), so the waiting process reads no file and no configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Watching {
    /// When the push was scheduled (Unix ms), by the wall clock: for display only.
    pub scheduled_ms: u64,
    /// How long to wait before sending, in ms, from the deliverer's start, on a steady clock
    /// (the wall clock may be stepped while it waits).
    pub delay_ms: u64,
    /// How presence is judged.
    pub presence: PresenceConfig,
    /// The user's terminal, watched for typing; `None`: no typing check.
    pub tty: Option<PathBuf>,
    /// The terminal's activity when the push was scheduled.
    pub baseline: Option<Activity>,
    /// Presence is checked at all (not for errors, not in headless sessions): the other
    /// probes of the environment (tmux, X11, GNOME, logind) are read too.
    pub presence_checked: bool,
    /// A Needs-input push: shorter once a sharp probe watches, and sent only while the agent
    /// still waits.
    pub needs_input: bool,
    /// The environment offers probes besides the terminal (judged by the hook, so a deliverer
    /// with the terminal alone touches no probe code while it sleeps).
    pub other_probes: bool,
}

impl Watching {
    /// What the deliverer of `push` watches, with presence judged by `presence`.
    pub fn of(push: &Pending, presence: PresenceConfig) -> Self {
        let terminal = push.terminal.as_ref();
        Watching {
            scheduled_ms: push.scheduled_ms,
            delay_ms: push.fire_at_ms.saturating_sub(push.scheduled_ms),
            presence,
            tty: terminal.map(|t| t.path.clone()),
            baseline: terminal.and_then(|t| t.baseline),
            presence_checked: push.presence_checked,
            needs_input: push.kind() == cc_notify_core::Kind::NeedsInput,
            other_probes: false,
        }
    }

    /// What a new deliverer of `push` watches when the first one is gone: the same, but
    /// waiting only `delay` (what is left of the push's own delay).
    pub fn resumed(push: &Pending, presence: PresenceConfig, delay: Duration) -> Self {
        Watching {
            delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            ..Watching::of(push, presence)
        }
    }

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
            "--needs-input-delay-ms".into(),
            self.presence
                .needs_input_delay
                .as_millis()
                .to_string()
                .into(),
            "--reminder-after-ms".into(),
            self.presence.reminder.after.as_millis().to_string().into(),
            "--reminder-for-ms".into(),
            self.presence
                .reminder
                .watch_for
                .as_millis()
                .to_string()
                .into(),
        ];
        if self.presence_checked {
            args.push("--presence".into());
        }
        if self.needs_input {
            args.push("--needs-input".into());
        }
        if self.other_probes {
            args.push("--probes".into());
        }
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

/// What one `deliver` process does.
pub enum Job {
    /// Wait for, then send, the session's pending push `push`.
    Push {
        /// The push.
        push: u64,
        /// What to watch while waiting.
        watching: Watching,
        /// The notification itself (JSON), when the hook could not save the session's state
        /// (a full or read-only state directory): then it is sent from here, without the
        /// session file. Parsed only after the wait.
        carried: Option<OsString>,
    },
    /// Send the session's queued progress pushes.
    Progress,
}

/// The `deliver` options that carry the notification itself, for a push the hook could not
/// save ([`Job::Push::carried`]).
pub fn carry_args(n: &cc_notify_core::Notification) -> Vec<OsString> {
    let json = serde_json::to_string(n).unwrap_or_default();
    vec!["--carry".into(), json.into()]
}

/// Parses the command line the hook wrote. Plain byte matching rather than an option parser:
/// this runs before the wait, and everything the process runs before it sleeps stays in its
/// memory while it sleeps.
pub fn parse(args: &[OsString]) -> Option<(OsString, Job)> {
    let (mut session, mut push, mut progress, mut carried) = (None, None, false, None);
    let mut watching = Watching {
        scheduled_ms: 0,
        delay_ms: 0,
        presence: PresenceConfig::default(),
        tty: None,
        baseline: None,
        presence_checked: false,
        needs_input: false,
        other_probes: false,
    };
    let mut args = args.iter();
    while let Some(name) = args.next() {
        let flag = match name.as_encoded_bytes() {
            b"--progress" => Some(&mut progress),
            b"--presence" => Some(&mut watching.presence_checked),
            b"--needs-input" => Some(&mut watching.needs_input),
            b"--probes" => Some(&mut watching.other_probes),
            _ => None,
        };
        if let Some(flag) = flag {
            *flag = true;
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
            b"--needs-input-delay-ms" => {
                watching.presence.needs_input_delay = Duration::from_millis(number(v)?);
            }
            b"--reminder-after-ms" => {
                watching.presence.reminder.after = Duration::from_millis(number(v)?);
            }
            b"--reminder-for-ms" => {
                watching.presence.reminder.watch_for = Duration::from_millis(number(v)?);
            }
            b"--tty" => watching.tty = Some(PathBuf::from(value)),
            b"--baseline" => watching.baseline = Some(Watching::parse_baseline(v)?),
            b"--carry" => carried = Some(value.clone()),
            _ => return None,
        }
    }
    let job = match (push, progress) {
        (Some(push), false) => Job::Push {
            push,
            watching,
            carried,
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(watching: &Watching) -> Watching {
        let mut args: Vec<OsString> =
            vec!["--session".into(), "s".into(), "--push".into(), "7".into()];
        args.extend(watching.to_args());
        match parse(&args) {
            Some((session, Job::Push { push, watching, .. })) => {
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
                needs_input_delay: Duration::from_secs(2),
                reminder: cc_notify_core::presence::ReminderConfig {
                    after: Duration::from_secs(7),
                    watch_for: Duration::from_secs(90),
                },
            },
            tty: Some(PathBuf::from("/dev/pts/7")),
            baseline: Some(Activity {
                last_input_ms: Some(1_763_699_990_000),
                resolution_ms: 8_000,
            }),
            presence_checked: true,
            needs_input: true,
            other_probes: true,
        };
        assert_eq!(parsed(&full), full);
        let unchecked = Watching {
            presence_checked: false,
            needs_input: false,
            other_probes: false,
            ..full.clone()
        };
        assert_eq!(parsed(&unchecked), unchecked);
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
    fn a_carried_push_survives_the_command_line() {
        let mut n = cc_notify_core::Notification::new(
            cc_notify_core::Kind::Done,
            "proj — done",
            "a reply\nwith \"quotes\" and — dashes",
        );
        n.session_id = Some("s".into());
        let mut args: Vec<OsString> =
            vec!["--session".into(), "s".into(), "--push".into(), "3".into()];
        args.extend(carry_args(&n));
        let Some((_, Job::Push { carried, .. })) = parse(&args) else {
            panic!("not parsed as a push");
        };
        let carried = carried.expect("carried");
        let back: cc_notify_core::Notification =
            serde_json::from_slice(carried.as_encoded_bytes()).expect("JSON");
        assert_eq!(back, n);
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
