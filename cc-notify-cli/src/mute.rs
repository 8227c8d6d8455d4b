//! `cc-notify mute [--project] [--for 1h]` and `cc-notify unmute [--project]`; where the mutes
//! are kept (one locked file in the state dir); and the check the deliverer makes right before
//! it sends ([`silenced_now`]), which applies core's [`quiet::silenced`].

use std::process::ExitCode;
use std::time::Duration;

use cc_notify_core::quiet::{self, Moment, Mute, Mutes, Silenced};
use cc_notify_core::store::{StateDir, StoreError};
use cc_notify_core::{Notification, render};
use clap::Args;

use crate::config::Config;
use crate::runtime::{self, now_ms};
use crate::time_text::duration;

/// The state file's name among the sessions (a leading `_` keeps it out of the session list).
const MUTES: &str = "_mute";

/// What `mute` silences, and for how long.
#[derive(Debug, Args)]
pub struct MuteArgs {
    /// Only this project's pushes (the current directory's name), not every push.
    #[arg(long)]
    pub project: bool,
    /// For how long: `90s`, `30m`, `1h`, `1h30m`, `2d`. Without it: until `cc-notify unmute`.
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub for_: Option<Duration>,
}

/// What `unmute` lifts.
#[derive(Debug, Args)]
pub struct UnmuteArgs {
    /// Only this project's mute; without it every mute is lifted.
    #[arg(long)]
    pub project: bool,
}

/// Parses `90s`, `30m`, `1h`, `1h30m`, `2d` (a bare number is minutes).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("{s:?} is not a duration like 30m, 1h or 1h30m");
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<u64>()
            .ok()
            .and_then(|m| m.checked_mul(60))
            .filter(|&secs| secs > 0)
            .map(Duration::from_secs)
            .ok_or_else(bad);
    }
    let (mut total, mut number) = (0u64, String::new());
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

/// The mutes in force (ended ones dropped from the answer, not from the file).
pub fn load(dir: &StateDir) -> Result<Mutes, StoreError> {
    let mut mutes: Mutes = dir.lock(MUTES)?.load()?;
    mutes.prune(now_ms());
    Ok(mutes)
}

/// Changes the mutes under their lock (ended ones are dropped first) and saves them.
fn update(dir: &StateDir, f: impl FnOnce(&mut Mutes)) -> Result<Mutes, StoreError> {
    let guard = dir.lock(MUTES)?;
    let mut mutes: Mutes = guard.load()?;
    mutes.prune(now_ms());
    f(&mut mutes);
    if mutes.is_empty() {
        guard.remove()?;
    } else {
        guard.save(&mutes)?;
    }
    Ok(mutes)
}

/// Local wall-clock time at `unix_ms`: (minutes after midnight, day of the year), from the
/// C library's time zone rules (`TZ`, `/etc/localtime`); UTC when they cannot be read.
fn local_time(unix_ms: u64) -> (u16, i32) {
    let utc = || {
        let secs = unix_ms / 1000;
        (u16::try_from(secs % 86_400 / 60).unwrap_or(0), -1)
    };
    let Ok(t) = libc::time_t::try_from(unix_ms / 1000) else {
        return utc();
    };
    let mut tm = std::mem::MaybeUninit::<libc::tm>::zeroed();
    // SAFETY: both pointers are valid for the call; localtime_r writes only `tm`.
    let done = unsafe { libc::localtime_r(&t, tm.as_mut_ptr()) };
    if done.is_null() {
        return utc();
    }
    // SAFETY: localtime_r succeeded, so it filled `tm` (and it was zeroed before).
    let tm = unsafe { tm.assume_init() };
    let minute = u16::try_from(tm.tm_hour * 60 + tm.tm_min).unwrap_or(0);
    (minute, tm.tm_yday)
}

/// `14:05` local time, or `14:05 tomorrow`, `14:05 in 3 days`.
pub fn local_clock(unix_ms: u64, now: u64) -> String {
    let (minute, day) = local_time(unix_ms);
    let text = format!("{:02}:{:02}", minute / 60, minute % 60);
    let days = unix_ms.saturating_sub(now) / 86_400_000;
    match (days, local_time(now).1 == day) {
        (0, true) => text,
        (0 | 1, _) => format!("{text} tomorrow"),
        (d, _) => format!("{text} in {d} days"),
    }
}

/// The moment `unix_ms` in the clocks the quiet controls use.
pub fn moment(unix_ms: u64) -> Moment {
    Moment {
        unix_ms,
        local_minute: local_time(unix_ms).0,
    }
}

/// Whether `n` is silenced now, and why (with the expiry as a local time), for the
/// deliverer's log. Mutes that cannot be read do not silence: a push too many beats a lost one.
pub fn silenced_now(dir: &StateDir, config: &Config, n: &Notification) -> Option<String> {
    let now = now_ms();
    let mutes = load(dir).unwrap_or_default();
    let why = quiet::silenced(
        moment(now),
        n.kind,
        n.project.as_deref(),
        &mutes,
        &config.quiet,
    )?;
    let lift = match &why {
        Silenced::ProjectMuted { .. } => "`cc-notify unmute --project` in it",
        _ => "`cc-notify unmute`",
    };
    Some(match why.mute() {
        Some(Mute {
            until_ms: Some(until),
        }) => format!("{why} until {} ({lift} lifts it)", local_clock(until, now)),
        Some(Mute { until_ms: None }) => format!("{why} until {lift}"),
        None => format!("{why}; [quiet] allow lets kinds through"),
    })
}

/// What `status` says about the quiet controls: one line each, none when nothing is set.
pub fn status_lines(dir: &StateDir, config: &Config) -> Vec<String> {
    let now = now_ms();
    let mut lines = Vec::new();
    let until = |m: &Mute| match m.until_ms {
        Some(t) => format!(
            "until {} ({} from now)",
            local_clock(t, now),
            duration(t.saturating_sub(now))
        ),
        None => "until `cc-notify unmute`".to_owned(),
    };
    match load(dir) {
        Ok(mutes) => {
            if let Some(m) = &mutes.all {
                lines.push(format!("Muted: every push, {}.", until(m)));
            }
            for (project, m) in &mutes.projects {
                lines.push(format!("Muted: project {project}, {}.", until(m)));
            }
        }
        Err(e) => lines.push(format!("Mutes unreadable (pushes are not muted): {e}")),
    }
    if let Some(hours) = config.quiet.hours {
        let local = moment(now).local_minute;
        let allowed: Vec<&str> = config.quiet.allow.iter().map(|k| k.as_str()).collect();
        let through = if allowed.is_empty() {
            "nothing gets through".to_owned()
        } else {
            format!("{} still get through", allowed.join(", "))
        };
        let now_text = if hours.contains(local) {
            let left = u64::from(hours.minutes_to_end(local)) * 60_000;
            format!("quiet now, for {}", duration(left))
        } else {
            "not now".to_owned()
        };
        lines.push(format!(
            "Quiet hours {hours} local time ({now_text}; {through})."
        ));
    }
    lines
}

/// The current directory's project name, as pushes carry it.
fn current_project() -> Result<String, ExitCode> {
    match std::env::current_dir() {
        Ok(dir) => Ok(render::project_name(Some(&dir))),
        Err(e) => {
            eprintln!("cc-notify: cannot tell the current project: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// `cc-notify mute`.
pub fn run_mute(args: MuteArgs) -> ExitCode {
    let Some(dir) = runtime::open_state_dir() else {
        return ExitCode::FAILURE;
    };
    let now = now_ms();
    let until_ms = args
        .for_
        .map(|d| now.saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)));
    let mute = Mute { until_ms };
    let project = match args.project.then(current_project).transpose() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let saved = update(&dir, |m| match &project {
        Some(p) => {
            m.projects.insert(p.clone(), mute);
        }
        None => m.all = Some(mute),
    });
    if let Err(e) = saved {
        eprintln!("cc-notify: cannot save the mute: {e}");
        return ExitCode::FAILURE;
    }
    let what = project.map_or_else(|| "every push".to_owned(), |p| format!("project {p}"));
    match until_ms {
        Some(t) => println!(
            "Muted {what} until {}; `cc-notify unmute` ends it sooner.",
            local_clock(t, now)
        ),
        None => println!("Muted {what} until you run `cc-notify unmute`."),
    }
    ExitCode::SUCCESS
}

/// `cc-notify unmute`.
pub fn run_unmute(args: UnmuteArgs) -> ExitCode {
    let Some(dir) = runtime::open_state_dir() else {
        return ExitCode::FAILURE;
    };
    let project = match args.project.then(current_project).transpose() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut lifted = false;
    let saved = update(&dir, |m| match &project {
        Some(p) => lifted = m.projects.remove(p).is_some(),
        None => {
            lifted = !m.is_empty();
            *m = Mutes::default();
        }
    });
    match saved {
        Err(e) => {
            eprintln!("cc-notify: cannot change the mutes: {e}");
            ExitCode::FAILURE
        }
        Ok(left) => {
            let what = project.as_ref().map_or_else(
                || "every mute".to_owned(),
                |p| format!("the mute of project {p}"),
            );
            if lifted {
                println!("Lifted {what}.");
            } else {
                println!("Nothing to lift: {what} was not set.");
            }
            if left.all.is_some() {
                println!("Every push is still muted: `cc-notify unmute` lifts that.");
            }
            ExitCode::SUCCESS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(2700)));
        for bad in [
            "",
            "h",
            "1x",
            "1h30",
            "0m",
            "0",
            "-1h",
            "99999999999999999999d",
            "999999999999999999",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mutes_are_kept_privately_and_lifted() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = StateDir::open(root.path().join("state")).expect("state dir");
        let saved = update(&dir, |m| {
            m.projects.insert("p".into(), Mute { until_ms: None });
        })
        .expect("save");
        assert_eq!(load(&dir).expect("load"), saved);
        let file = dir.lock(MUTES).expect("lock").path().to_owned();
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&file).expect("stat").permissions(),
        );
        assert_eq!(mode & 0o077, 0, "mutes file mode {mode:o}");
        // An expired mute is dropped on the next change; nothing left removes the file.
        update(&dir, |m| {
            m.projects.insert("p".into(), Mute { until_ms: Some(1) });
        })
        .expect("save");
        assert!(load(&dir).expect("load").is_empty());
        update(&dir, |_| {}).expect("save");
        assert!(!file.exists());
    }
}
