//! The presence probes against real components, one binary: each module is one component
//! (ignored unless asked for; `.ci/presence-setup.sh` installs what they need).

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;
mod dbus;
mod tmux;
mod x11;
