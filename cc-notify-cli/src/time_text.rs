//! Times and durations as people read them.

/// `2026-11-21 07:01:02` (UTC) from Unix milliseconds; core's, shared with the log.
pub use cc_notify_core::text::format_utc;

/// `1h 02m`, `3m 05s`, `12s` from milliseconds; core's, as push titles show durations.
pub fn duration(ms: u64) -> String {
    cc_notify_core::render::duration(std::time::Duration::from_millis(ms))
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
