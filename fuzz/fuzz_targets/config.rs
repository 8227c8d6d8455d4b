//! The config file loader (the CLI's own `config.rs`, compiled in): never panics; an accepted
//! file gives values inside the documented limits; a refused one points at a real line.
#![no_main]

#[allow(dead_code)]
#[path = "../../cc-notify-cli/src/config.rs"]
mod config;

use std::path::PathBuf;
use std::sync::OnceLock;

use config::{ConfigError, MAX_RETRIES, MAX_SECS};

/// One file per fuzzing process, rewritten for every input (`load` reads a path).
fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("cc-notify-fuzz-config-{}.toml", std::process::id()))
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = scratch();
    if std::fs::write(path, text).is_err() {
        return;
    }
    match config::load(path, &|_| None) {
        Ok(loaded) => {
            let c = loaded.config;
            let t = &c.timing;
            for d in [t.typing_window, t.grace, t.rate_limit, c.delivery.outbox_max_age] {
                assert!(d.as_secs() <= MAX_SECS, "{d:?} above the limit");
            }
            assert!(t.typing_window >= cc_notify_core::activity::PTY_RESOLUTION);
            assert!(c.progress.min_interval.as_secs() <= MAX_SECS);
            assert!(matches!(c.progress.priority, -2 | -1));
            assert!(c.delivery.retries <= MAX_RETRIES);
            let bands = t.bands.as_slice();
            for w in bands.windows(2) {
                assert!(w[0].0 < w[1].0 && w[0].1 >= w[1].1, "bands {bands:?}");
            }
        }
        Err(ConfigError::Invalid { line, column, .. }) => {
            // The line exists (one past the last when the error is at the very end).
            assert!(line >= 1 && line <= text.lines().count() + 1, "line {line}");
            assert!(column >= 1);
        }
        Err(ConfigError::Read { .. }) => {}
    }
});
