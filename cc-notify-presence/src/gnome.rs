//! GNOME (X11 and Wayland), on the session bus (`$DBUS_SESSION_BUS_ADDRESS`): Mutter's idle
//! counter (`org.gnome.Mutter.IdleMonitor.GetIdletime`, ms since the last input anywhere on the
//! desktop) and the lock screen (`org.gnome.ScreenSaver.GetActive`: locked means away, now).

use cc_notify_core::activity::{ActivityProbe, Certainty, Reading};

use crate::dbus::{self, Call};
use crate::x11::idle_input;

/// GNOME Shell's idle counter and lock screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GnomeProbe {
    address: String,
}

impl GnomeProbe {
    /// On the session bus at `address` (`$DBUS_SESSION_BUS_ADDRESS`); `None` when it is unset.
    pub fn from_env(address: Option<&str>) -> Option<GnomeProbe> {
        Some(GnomeProbe {
            address: address.filter(|a| !a.is_empty())?.to_owned(),
        })
    }

    /// Milliseconds since the last input, from Mutter.
    pub fn idle_ms(&self) -> Result<u64, String> {
        Call {
            address: self.address.clone(),
            dest: "org.gnome.Mutter.IdleMonitor",
            path: "/org/gnome/Mutter/IdleMonitor/Core".into(),
            interface: "org.gnome.Mutter.IdleMonitor",
            member: "GetIdletime",
            args: vec![],
        }
        .run(dbus::first::<u64>)
    }

    /// Whether GNOME's lock screen is up.
    pub fn locked(&self) -> Result<bool, String> {
        Call {
            address: self.address.clone(),
            dest: "org.gnome.ScreenSaver",
            path: "/org/gnome/ScreenSaver".into(),
            interface: "org.gnome.ScreenSaver",
            member: "GetActive",
            args: vec![],
        }
        .run(dbus::first::<bool>)
    }
}

impl ActivityProbe for GnomeProbe {
    fn name(&self) -> &'static str {
        "gnome"
    }

    /// Locked: away now. The idle time gives the input (1 ms resolution, 250 ms jitter). A
    /// desktop that answers neither reads as unknown; one that answers only one gives that.
    fn read(&self) -> Reading {
        let idle = self.idle_ms();
        let locked = self.locked();
        let certainty = match (&idle, &locked) {
            (_, Ok(true)) => Certainty::AwayNow("screen locked (org.gnome.ScreenSaver)"),
            (Err(why), Err(_)) => Certainty::Unknown(why.clone()),
            _ => Certainty::Nothing,
        };
        Reading {
            probe: self.name(),
            input: idle.ok().map(|ms| idle_input("Mutter IdleMonitor", ms)),
            certainty,
        }
    }
}
