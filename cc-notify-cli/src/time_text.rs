//! Times and durations as people read them.

/// `2026-11-21 07:01:02` (UTC) from Unix milliseconds; core's, shared with the log.
pub use cc_notify_core::text::format_utc;

/// `1h 02m`, `3m 05s`, `12s`.
pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(12_400), "12s");
        assert_eq!(duration(185_000), "3m 05s");
        assert_eq!(duration(3_720_000), "1h 02m");
    }
}
