//! tmux, when the agent runs inside it (`$TMUX`, `$TMUX_PANE`): the last key any client of the
//! agent's session read (`client_activity`, 1 s resolution), whether a client is attached at
//! all (none: away, now), whether the agent's pane is the one on screen, and — with
//! `focus-events on` — whether the terminal has focus. One `tmux` exec per reading.

use std::ffi::OsStr;
use std::path::PathBuf;

use cc_notify_core::activity::{Activity, ActivityProbe, Certainty, Input, Reading};

use crate::bounded;

/// The agent's tmux pane, read through its server's socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmuxProbe {
    socket: PathBuf,
    pane: String,
}

impl TmuxProbe {
    /// From the values of `$TMUX` (`<socket>,<server pid>,<session index>`) and `$TMUX_PANE`
    /// (`%N`); `None` when either is missing or malformed.
    pub fn from_env(tmux: Option<&str>, pane: Option<&str>) -> Option<TmuxProbe> {
        let socket = tmux?.split(',').next().filter(|s| !s.is_empty())?;
        let pane = pane.filter(|p| p.starts_with('%') && p.len() > 1)?;
        Some(TmuxProbe {
            socket: PathBuf::from(socket),
            pane: pane.to_owned(),
        })
    }

    fn query(&self) -> Result<String, String> {
        let args: [&OsStr; 11] = [
            "-S".as_ref(),
            self.socket.as_os_str(),
            "display-message".as_ref(),
            "-p".as_ref(),
            "-t".as_ref(),
            self.pane.as_ref(),
            PANE_FORMAT.as_ref(),
            ";".as_ref(),
            "list-clients".as_ref(),
            "-F".as_ref(),
            CLIENT_FORMAT.as_ref(),
        ];
        bounded::run("tmux", &args, bounded::LIMIT)
    }
}

const PANE_FORMAT: &str =
    "#{session_id}\t#{session_attached}\t#{window_active}\t#{pane_active}\t#{focus-events}";
const CLIENT_FORMAT: &str = "#{session_id}\t#{client_activity}\t#{client_flags}";

impl ActivityProbe for TmuxProbe {
    fn name(&self) -> &'static str {
        "tmux"
    }

    fn read(&self) -> Reading {
        match self.query().and_then(|out| parse(&out)) {
            Ok(reading) => reading,
            Err(why) => Reading::unknown(self.name(), why),
        }
    }
}

/// What one `tmux` answer says.
fn parse(out: &str) -> Result<Reading, String> {
    let mut lines = out.lines();
    let pane = lines.next().ok_or("tmux printed nothing")?;
    let f: Vec<&str> = pane.split('\t').collect();
    let [session, attached, window_active, pane_active, focus_events] = f[..] else {
        return Err(format!("unexpected tmux answer: {pane:?}"));
    };
    let mut last_secs: Option<u64> = None;
    let mut focused = false;
    for client in lines {
        let mut f = client.split('\t');
        let (Some(s), Some(activity), Some(flags)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if s != session {
            continue;
        }
        let activity: u64 = activity
            .parse()
            .map_err(|_| format!("unexpected client_activity {activity:?}"))?;
        last_secs = last_secs.max(Some(activity));
        focused |= flags.split(',').any(|f| f == "focused");
    }
    let reading = |input: Option<u64>, certainty| Reading {
        probe: "tmux",
        input: input.map(|secs| Input {
            signal: "client_activity",
            activity: Activity {
                last_input_ms: Some(secs.saturating_mul(1000)),
                resolution_ms: 1000,
            },
            jitter_ms: 0,
        }),
        certainty,
    };
    if attached == "0" || last_secs.is_none() {
        return Ok(reading(
            None,
            Certainty::AwayNow("session has no client attached"),
        ));
    }
    let certainty = if window_active != "1" || pane_active != "1" {
        Certainty::NotVisible("another window or pane is on screen")
    } else if focus_events == "1" && !focused {
        Certainty::NotVisible("the terminal lost focus")
    } else {
        Certainty::Nothing
    };
    Ok(reading(last_secs, certainty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_and_pane_come_from_the_environment() {
        let p = TmuxProbe::from_env(Some("/tmp/tmux-1000/default,5887,0"), Some("%3")).unwrap();
        assert_eq!(p.socket, PathBuf::from("/tmp/tmux-1000/default"));
        assert_eq!(p.pane, "%3");
        assert_eq!(TmuxProbe::from_env(None, Some("%3")), None);
        assert_eq!(TmuxProbe::from_env(Some("/s,1,0"), None), None);
        assert_eq!(TmuxProbe::from_env(Some(",1,0"), Some("%3")), None);
        assert_eq!(TmuxProbe::from_env(Some("/s,1,0"), Some("3")), None);
    }

    #[test]
    fn only_clients_of_the_agents_session_count_and_the_newest_wins() {
        let out = "$1\t2\t1\t1\t0\n$0\t1795990000\tattached,focused\n$1\t1795980000\tattached\n$1\t1795980005\tattached,focused\n";
        let r = parse(out).unwrap();
        let input = r.input.unwrap();
        assert_eq!(input.activity.last_input_ms, Some(1_795_980_005_000));
        assert_eq!(input.activity.resolution_ms, 1000);
        assert_eq!(r.certainty, Certainty::Nothing);
    }

    #[test]
    fn no_client_of_the_session_is_away() {
        let r = parse("$1\t0\t1\t1\t0\n").unwrap();
        assert_eq!(
            r.certainty,
            Certainty::AwayNow("session has no client attached")
        );
        // A client of another session only.
        let r = parse("$1\t1\t1\t1\t0\n$0\t1795990000\tattached\n").unwrap();
        assert!(matches!(r.certainty, Certainty::AwayNow(_)));
        assert_eq!(r.input, None);
    }

    #[test]
    fn focus_counts_only_with_focus_events_on_and_another_pane_is_not_visible() {
        let unfocused = "$1\t1\t1\t1\t1\n$1\t1795980000\tattached,UTF-8\n";
        assert_eq!(
            parse(unfocused).unwrap().certainty,
            Certainty::NotVisible("the terminal lost focus")
        );
        let focus_off = "$1\t1\t1\t1\t0\n$1\t1795980000\tattached,UTF-8\n";
        assert_eq!(parse(focus_off).unwrap().certainty, Certainty::Nothing);
        let other_window = "$1\t1\t0\t1\t0\n$1\t1795980000\tattached,focused\n";
        assert!(matches!(
            parse(other_window).unwrap().certainty,
            Certainty::NotVisible(_)
        ));
    }

    #[test]
    fn garbage_is_an_error_not_a_reading() {
        assert!(parse("").is_err());
        assert!(parse("$1\t1\n").is_err());
        assert!(parse("$1\t1\t1\t1\t0\n$1\tsoon\tattached\n").is_err());
    }
}
