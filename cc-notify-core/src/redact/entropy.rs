//! Unlabelled random strings (an AWS secret key pasted alone) and whether a labelled value
//! looks random.
//!
//! The rule for an unlabelled string, each step a reason a random-looking string is not a
//! secret:
//! 1. It is a run of base64/base64url characters (`A–Z a–z 0–9 + / _ -`, `=` padding) of at
//!    least [`MIN_UNLABELLED`] characters: shorter random strings are mostly ids.
//! 2. It mixes upper case, lower case and digits. Hex (git SHAs, digests, lockfile checksums),
//!    UUIDs, lower-case slugs and upper-case constants never do; a random string over 62+
//!    characters almost always does (a 24-character one lacks a digit with p ≈ 1.7%).
//! 3. It is not a digest with its algorithm label (`sha512-…`, `sha256:…`, `h1:…`), nor a
//!    data URI's payload (`base64,…`).
//! 4. Its characters change class (upper/lower/digit/symbol) as a random string's do: the
//!    mean run of one class is at most [`MAX_CLASS_RUN`] (random base64: about 1.6;
//!    identifiers and paths, made of words: 3 and more), and its Shannon entropy is at least
//!    [`ENTROPY_SHARE`] of the most its length allows.
//! 5. It is not a path: two or more, and at least half, of its `/`-separated parts are
//!    lower-case words (`com/example/Service2`).
//! 6. It does not decode (as base64) to text: base64 of ordinary text is not a secret.

/// The shortest unlabelled string considered.
pub(super) const MIN_UNLABELLED: usize = 24;

/// The longest mean run of one character class of a random string.
const MAX_CLASS_RUN: f32 = 2.5;

/// The share of the highest possible entropy (log2 of the length, capped at 64 symbols) a
/// random string reaches.
const ENTROPY_SHARE: f32 = 0.8;

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'_' | b'-')
}

/// An unlabelled random string starting at `i`, a word start.
pub(super) fn unlabelled(b: &[u8], i: usize) -> Option<super::Span> {
    if i > 0 && is_b64(b[i - 1]) {
        return None; // not where the run starts
    }
    let mut end = super::run(b, i, is_b64);
    if end - i < MIN_UNLABELLED {
        return None;
    }
    let body_end = end;
    while end < b.len() && b[end] == b'=' && end - body_end < 2 {
        end += 1;
    }
    let s = &b[i..body_end];
    if digest_label(b, i) || public(b, i) || !looks_random(s) || path_like(s) || decodes_to_text(s)
    {
        return None;
    }
    Some((i, end))
}

/// Whether `s` has the character statistics of a random string (steps 2 and 4).
pub(super) fn looks_random(s: &[u8]) -> bool {
    let has = |f: fn(&u8) -> bool| s.iter().any(f);
    if !(has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase) && has(u8::is_ascii_digit)) {
        return false;
    }
    let class = |c: u8| match c {
        b'a'..=b'z' => 0,
        b'A'..=b'Z' => 1,
        b'0'..=b'9' => 2,
        _ => 3,
    };
    let runs = 1 + s.windows(2).filter(|w| class(w[0]) != class(w[1])).count();
    if s.len() as f32 / runs as f32 > MAX_CLASS_RUN {
        return false;
    }
    let cap = log2(s.len() as f32).min(6.0);
    shannon(s) >= ENTROPY_SHARE * cap
}

/// Whether a labelled value (`stripeKey = "…"`) looks random enough to be the secret its key
/// may name: long enough, letters and digits, no spaces, not a UUID or a dotted name, and of
/// high entropy. Looser than [`looks_random`]: the label already says "key".
pub(super) fn looks_random_labelled(v: &[u8]) -> bool {
    if v.len() < 12 || v.iter().any(|c| c.is_ascii_whitespace()) {
        return false;
    }
    let letters = v.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let digits = v.iter().filter(|c| c.is_ascii_digit()).count();
    if letters == 0 || digits == 0 || is_uuid(v) {
        return false;
    }
    // Dotted or slashed words (`jetbrains.mps.v8_elimination`, `env/cert.p12`): names.
    let parts = v.split(|&c| matches!(c, b'.' | b'/' | b':' | b'\\'));
    if v.iter().any(|&c| matches!(c, b'.' | b'/' | b':' | b'\\'))
        && parts.clone().count() > 1
        && parts.clone().all(|p| p.len() < 16)
    {
        return false;
    }
    shannon(v) >= 3.0
}

/// `8-4-4-4-12` hex digits.
pub(super) fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter().enumerate().all(|(k, &c)| {
            if matches!(k, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// The base-2 logarithm of a positive, finite `x`, computed here rather than by the C math
/// library: `f32::log2` was the binary's only use of libm, and loading libm cost every hook
/// run about 300 KiB of memory. Within 1e-6 of `f32::log2`.
fn log2(x: f32) -> f32 {
    let bits = f64::from(x).to_bits();
    // x = m · 2^e with m in [1, 2) (x is a normal number: a length or a share of one).
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52));
    // ln m = 2 atanh t, t = (m - 1) / (m + 1) in [0, 1/3): the series converges fast.
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let (mut term, mut sum) = (t, 0.0);
    for k in 0..12 {
        sum += term / f64::from(2 * k + 1);
        term *= t2;
    }
    (e as f64 + 2.0 * sum * std::f64::consts::LOG2_E) as f32
}

/// Shannon entropy of `s` in bits per byte.
fn shannon(s: &[u8]) -> f32 {
    let mut counts = [0u32; 256];
    for &c in s {
        counts[usize::from(c)] += 1;
    }
    let n = s.len() as f32;
    counts
        .iter()
        .filter(|&&k| k > 0)
        .map(|&k| {
            let p = k as f32 / n;
            -p * log2(p)
        })
        .sum()
}

/// Algorithms and labels whose value is a digest (`sha256:…`, `h1:…` in go.sum, `zh:…` in
/// Terraform locks, `sha512-…` in npm lockfiles) or data (`base64,…`).
const DIGEST_LABELS: &[&[u8]] = &[
    b"sha1", b"sha224", b"sha256", b"sha384", b"sha512", b"md5", b"h1", b"zh", b"blake2b",
    b"blake3", b"sha", b"sri", b"base64",
];

/// Whether the run at `i` is a labelled digest: `<alg>-` at its start, or `<alg>:`, `<alg>=`,
/// `<alg>,` right before it.
fn digest_label(b: &[u8], i: usize) -> bool {
    let rest = &b[i..];
    if DIGEST_LABELS
        .iter()
        .any(|l| super::starts_with_ci(rest, l) && rest.get(l.len()) == Some(&b'-'))
    {
        return true;
    }
    if i < 2 || !matches!(b[i - 1], b':' | b'=' | b',' | b'~') {
        return false;
    }
    let label_start = b[..i - 1]
        .iter()
        .rposition(|&c| !c.is_ascii_alphanumeric())
        .map_or(0, |p| p + 1);
    let label = &b[label_start..i - 1];
    DIGEST_LABELS.iter().any(|l| label.eq_ignore_ascii_case(l))
}

/// Step 5: at least half the `/`-separated parts, and two or more, are lower-case words.
fn path_like(s: &[u8]) -> bool {
    if !s.contains(&b'/') {
        return false;
    }
    let parts = s.split(|&c| c == b'/').filter(|p| p.len() >= 2);
    let words = parts
        .clone()
        .filter(|p| p.iter().all(u8::is_ascii_lowercase))
        .count();
    words >= 2 && words * 2 >= parts.count()
}

/// Public values in the shapes of secrets: Stripe publishable keys (`pk_live_…`), Mapbox
/// public tokens (`pk.…`), SSH public keys (`ssh-ed25519 AAAA…`).
fn public(b: &[u8], i: usize) -> bool {
    let rest = &b[i..];
    if rest.starts_with(b"pk_live_") || rest.starts_with(b"pk_test_") {
        return true;
    }
    if rest.starts_with(b"AAAA") && i >= 2 && b[i - 1] == b' ' {
        let word_start = b[..i - 1]
            .iter()
            .rposition(|c| c.is_ascii_whitespace())
            .map_or(0, |p| p + 1);
        let word = &b[word_start..i - 1];
        return [&b"ssh-"[..], b"ecdsa-", b"sk-ssh-", b"sk-ecdsa-"]
            .iter()
            .any(|p| word.starts_with(p));
    }
    false
}

/// Whether `v` is base64 of `user:password` (the `auth` of a Docker or npm config).
pub(super) fn basic_credentials(v: &[u8]) -> bool {
    v.len() >= 8
        && v.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
        && decode(v.strip_suffix(b"==").or(v.strip_suffix(b"=")).unwrap_or(v)).is_some_and(|d| {
            d.contains(&b':') && d.iter().all(|c| c.is_ascii_graphic() || *c == b' ')
        })
}

/// Step 6: `s` decodes as base64 (standard or URL alphabet) to text: UTF-8 without control
/// characters other than tab and line breaks.
fn decodes_to_text(s: &[u8]) -> bool {
    let Some(bytes) = decode(s) else {
        return false;
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        // Cut in the middle of a character by the groups: the rest is text.
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&bytes[..e.valid_up_to()]) {
            Ok(t) => t,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

/// Decodes the whole groups of `s`, base64 in the standard or the URL alphabet (not mixed).
fn decode(s: &[u8]) -> Option<Vec<u8>> {
    let url = s.iter().any(|&c| c == b'-' || c == b'_');
    if url && s.iter().any(|&c| c == b'+' || c == b'/') {
        return None;
    }
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' | b'-' => 62,
            _ => 63,
        }
    };
    let mut bytes = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let groups = s.chunks_exact(4);
    let rest = groups.remainder();
    for group in groups {
        let n = group.iter().fold(0u32, |acc, &c| acc << 6 | value(c));
        bytes.extend_from_slice(&n.to_be_bytes()[1..]);
    }
    // An unpadded tail of 2 or 3 characters holds 1 or 2 more bytes.
    if rest.len() >= 2 {
        let n = rest.iter().fold(0u32, |acc, &c| acc << 6 | value(c)) << (6 * (4 - rest.len()));
        bytes.extend_from_slice(&n.to_be_bytes()[1..rest.len()]);
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_strings_are_told_from_names() {
        assert!(looks_random(b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert!(looks_random(b"Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"));
        assert!(!looks_random(b"AbstractSingletonProxyFactoryBean2"));
        assert!(!looks_random(b"3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39"));
        assert!(!looks_random(b"550e8400-e29b-41d4-a716-446655440000"));
    }

    #[test]
    fn base64_of_text_is_text() {
        // "Hello, world! This is ordinary text."
        assert!(decodes_to_text(
            b"SGVsbG8sIHdvcmxkISBUaGlzIGlzIG9yZGluYXJ5IHRleHQu"
        ));
        assert!(!decodes_to_text(
            b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        ));
    }

    #[test]
    fn log2_agrees_with_the_math_library() {
        let lengths = (1..=4096).map(|n| n as f32);
        let shares = (1..=1000).map(|k| k as f32 / 1000.0);
        for x in lengths.chain(shares).chain([1e-7, 0.3333, 1e30]) {
            let (ours, libm) = (log2(x), x.log2());
            assert!(
                (ours - libm).abs() <= 1e-6 * libm.abs().max(1.0),
                "log2({x}) = {ours}, libm {libm}"
            );
        }
    }
}
