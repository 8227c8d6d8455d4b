//! X11 idle time (`$DISPLAY`): milliseconds since the last input anywhere on the X display, from
//! the MIT-SCREEN-SAVER extension — what `xprintidle` prints. One connection per reading.
//!
//! Under Wayland it sees only input to XWayland windows; an X server that resets when its last
//! client leaves (Xvfb without `-noreset`) restarts its idle counter on every such reading.

use cc_notify_core::activity::{Activity, ActivityProbe, Input, Reading};
use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::screensaver::{self, ConnectionExt as _};

use crate::{bounded, now_ms};

/// The X display's idle counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct X11Probe {
    display: String,
}

impl X11Probe {
    /// The display named by `$DISPLAY`; `None` when it is missing or empty.
    pub fn from_env(display: Option<&str>) -> Option<X11Probe> {
        Some(X11Probe {
            display: display.filter(|d| !d.is_empty())?.to_owned(),
        })
    }

    /// Milliseconds since the last input on the display.
    pub fn idle_ms(&self) -> Result<u64, String> {
        let display = self.display.clone();
        bounded::within(bounded::LIMIT, move || {
            let (conn, screen) = x11rb::connect(Some(&display))
                .map_err(|e| format!("cannot open display {display}: {e}"))?;
            if conn
                .extension_information(screensaver::X11_EXTENSION_NAME)
                .map_err(|e| e.to_string())?
                .is_none()
            {
                return Err(format!("display {display} has no MIT-SCREEN-SAVER"));
            }
            let root = conn.setup().roots.get(screen).ok_or("no such screen")?.root;
            let reply = conn
                .screensaver_query_info(root)
                .map_err(|e| e.to_string())?
                .reply()
                .map_err(|e| e.to_string())?;
            Ok(u64::from(reply.ms_since_user_input))
        })
    }
}

impl ActivityProbe for X11Probe {
    fn name(&self) -> &'static str {
        "x11"
    }

    /// The last input is now minus the idle time: 1 ms resolution, 250 ms jitter between
    /// readings (the idle counter and the local clock are read at slightly different times).
    fn read(&self) -> Reading {
        match self.idle_ms() {
            Ok(idle) => Reading {
                probe: self.name(),
                input: Some(idle_input("idle", idle)),
                certainty: Default::default(),
            },
            Err(why) => Reading::unknown(self.name(), why),
        }
    }
}

/// An input time computed as "now minus `idle_ms`".
pub(crate) fn idle_input(signal: &'static str, idle_ms: u64) -> Input {
    Input {
        signal,
        activity: Activity {
            last_input_ms: Some(now_ms().saturating_sub(idle_ms)),
            resolution_ms: 1,
        },
        jitter_ms: 250,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_display_no_probe() {
        assert_eq!(X11Probe::from_env(None), None);
        assert_eq!(X11Probe::from_env(Some("")), None);
        assert!(X11Probe::from_env(Some(":0")).is_some());
    }

    #[test]
    fn a_display_that_is_not_there_reads_as_unknown() {
        let r = X11Probe::from_env(Some(":8731")).unwrap().read();
        assert!(
            matches!(r.certainty, cc_notify_core::Certainty::Unknown(ref why) if why.contains(":8731")),
            "{r:?}"
        );
        assert_eq!(r.input, None);
    }
}
