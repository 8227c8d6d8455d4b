//! Text helpers shared by renderers and senders: truncation on character boundaries, and UTC
//! times in words.

use std::borrow::Cow;

/// The ellipsis appended to truncated text.
pub const ELLIPSIS: char = '…';

/// Cuts `text` to at most `max_chars` characters (Unicode scalar values), ending in `…` when
/// anything was cut. Never splits a character; returns the input unchanged when it fits.
///
/// ```
/// use cc_notify_core::text::truncate_chars;
/// assert_eq!(truncate_chars("héllo wörld", 6), "héllo…");
/// assert_eq!(truncate_chars("short", 10), "short");
/// ```
pub fn truncate_chars(text: &str, max_chars: usize) -> Cow<'_, str> {
    // Fast path: a string of at most `max_chars` bytes has at most that many characters.
    if text.len() <= max_chars {
        return Cow::Borrowed(text);
    }
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some(_) if max_chars == 0 => Cow::Borrowed(""),
        Some(_) => {
            // Keep max_chars - 1 characters and add the ellipsis.
            let cut = text
                .char_indices()
                .nth(max_chars - 1)
                .map_or(text.len(), |(i, _)| i);
            let mut out = String::with_capacity(cut + ELLIPSIS.len_utf8());
            out.push_str(&text[..cut]);
            out.push(ELLIPSIS);
            Cow::Owned(out)
        }
    }
}

/// The number of characters (Unicode scalar values) in `text`.
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// `2026-11-21 07:01:02` (UTC) from Unix milliseconds.
///
/// ```
/// use cc_notify_core::text::format_utc;
/// assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00:00");
/// ```
pub fn format_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil conversion.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn multibyte_text_is_cut_on_character_boundaries() {
        assert_eq!(truncate_chars("🦀🦀🦀🦀", 3), "🦀🦀…");
        assert_eq!(truncate_chars("🦀🦀🦀", 3), "🦀🦀🦀");
        assert_eq!(truncate_chars("abc", 0), "");
        assert_eq!(truncate_chars("abc", 1), "…");
    }

    proptest! {
        #[test]
        fn never_exceeds_the_limit_and_keeps_a_prefix(s in "\\PC{0,300}", max in 0usize..200) {
            let out = truncate_chars(&s, max);
            prop_assert!(char_len(&out) <= max);
            if char_len(&s) <= max {
                prop_assert_eq!(out.as_ref(), s.as_str());
            } else if max > 0 {
                prop_assert!(out.ends_with(ELLIPSIS));
                let kept = &out[..out.len() - ELLIPSIS.len_utf8()];
                prop_assert!(s.starts_with(kept));
                prop_assert_eq!(char_len(&out), max);
            }
        }
    }
}
