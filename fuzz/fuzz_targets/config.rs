//! The CLI's config file loader: never panics; an accepted
//! file gives values inside the documented limits; a refused one points at a real line.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use cc_notify_cli::config::{self, ConfigError, MAX_RETRIES, MAX_SECS};

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
            let (e, p) = (&c.engine, &c.presence);
            for d in [p.typing_window, p.grace, e.rate_limit, e.progress_min_interval] {
                assert!(d.as_secs() <= MAX_SECS, "{d:?} above the limit");
            }
            assert!(c.delivery.outbox_max_age.as_secs() <= MAX_SECS);
            assert!(p.typing_window >= cc_notify_core::activity::PTY_RESOLUTION);
            assert!(c.delivery.retries <= MAX_RETRIES);
            let bands = e.bands.as_slice();
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
