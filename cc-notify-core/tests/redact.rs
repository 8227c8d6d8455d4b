//! Redaction: realistic secret shapes are removed, the text around them and look-alikes stay.

use std::borrow::Cow;

use cc_notify_core::redact::redact;
use proptest::prelude::*;

/// (input, expected output) for each credential shape, inside ordinary text.
const CASES: &[(&str, &str)] = &[
    (
        "Set ANTHROPIC_API_KEY to sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-AbCdEfGhAA then restart.",
        "Set ANTHROPIC_API_KEY to [redacted] then restart.",
    ),
    (
        "admin key sk-ant-admin01-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-DcBa_AAAA ok",
        "admin key [redacted] ok",
    ),
    (
        "openai: sk-proj-T3BlbkFJ1a2B3c4D5e6F7g8H9i0J_k-LmNoPqRsTuVwXyZ done",
        "openai: [redacted] done",
    ),
    (
        "legacy sk-4fGh7Jk9Lm2Np5Qr8St1Uv3Wx6Yz0AbCdEfGhIjKlMn0Pq works",
        "legacy [redacted] works",
    ),
    (
        "gh auth uses ghp_0123456789abcdefghijABCDEFGHIJ012345 now",
        "gh auth uses [redacted] now",
    ),
    (
        "oauth gho_16C7e42F292c6912E7710c838347Ae178B4a here",
        "oauth [redacted] here",
    ),
    (
        "app token ghs_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 expired",
        "app token [redacted] expired",
    ),
    (
        "fine-grained github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abc pushed",
        "fine-grained [redacted] pushed",
    ),
    (
        "slack bot xoxb-2048123456789-4096123456789-AbCdEfGhIjKlMnOpQrStUvWx posted",
        "slack bot [redacted] posted",
    ),
    (
        "user token xoxp-1234567890-1234567890-1234567890-abcdef0123456789abcdef0123456789 set",
        "user token [redacted] set",
    ),
    (
        "socket mode xapp-1-A012BCDEF-1234567890123-abcdef0123456789abcdef ready",
        "socket mode [redacted] ready",
    ),
    (
        "webhook https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX fired",
        "webhook https://hooks.slack.com/services/[redacted] fired",
    ),
    (
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nregion = eu",
        "aws_access_key_id = [redacted]\naws_secret_access_key = [redacted]\nregion = eu",
    ),
    (
        "temporary ASIAY34FZKBOKMUTVV7A credentials",
        "temporary [redacted] credentials",
    ),
    (
        "maps key AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY in config",
        "maps key [redacted] in config",
    ),
    (
        "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc and rk_live_51H8xYzAbCdEfGhIjKlMn restricted",
        "stripe [redacted] and [redacted] restricted",
    ),
    (
        "//registry.npmjs.org/:_authToken=npm_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5 end",
        "//registry.npmjs.org/:_authToken=[redacted] end",
    ),
    (
        "upload with pypi-AgEIcHlwaS5vcmcCJDU3OTM5ZDNjLWM0ZjItNGQ3Mi04N2Y5LTc2YjE3MTg0MjY3MgACKlsz and wait",
        "upload with [redacted] and wait",
    ),
    (
        "gitlab glpat-xYz12AbC34dEf56GhI78jK clone",
        "gitlab [redacted] clone",
    ),
    (
        "key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDzd2Vlc2VjcmV0a2V5bWF0ZXJpYWxoZXJlAAAA\n-----END OPENSSH PRIVATE KEY-----\nthat was it",
        "key:\n-----BEGIN OPENSSH PRIVATE KEY-----[redacted]-----END OPENSSH PRIVATE KEY-----\nthat was it",
    ),
    (
        "cut off: -----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq98Xyz",
        "cut off: -----BEGIN RSA PRIVATE KEY-----[redacted]",
    ),
    (
        "curl -H 'Authorization: Bearer abc.DEF-ghi_123' https://api.example.com",
        "curl -H 'Authorization: Bearer [redacted]' https://api.example.com",
    ),
    (
        "send bearer 9f8e7d6c5b4a3210fedcba98 with it",
        "send bearer [redacted] with it",
    ),
    (
        "id_token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U decoded",
        "id_token [redacted] decoded",
    ),
    (
        "DB_PASSWORD=hunter2 psql -h db",
        "DB_PASSWORD=[redacted] psql -h db",
    ),
    (
        "passwd: s3cr3t!\nuser: bob",
        "passwd: [redacted]\nuser: bob",
    ),
    (
        r#"{"api_key": "abcd1234efgh5678", "model": "x"}"#,
        r#"{"api_key": "[redacted]", "model": "x"}"#,
    ),
    (
        "client_secret='very secret value' remains",
        "client_secret='[redacted]' remains",
    ),
    (
        "GET /cb?code=1&token=Zm9vYmFy&next=/home",
        "GET /cb?code=1&token=[redacted]&next=/home",
    ),
    (
        "clone https://alice:pa55w0rd@git.example.com/repo.git please",
        "clone https://[redacted]@git.example.com/repo.git please",
    ),
    (
        "curl -d token=azGDORePK8gMaC0QOYAMyEEuzJnyUi -d user=uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
        "curl -d token=[redacted] -d user=[redacted]",
    ),
];

#[test]
fn every_secret_shape_is_redacted_and_the_text_around_it_kept() {
    for (input, expected) in CASES {
        assert_eq!(redact(input), *expected, "input: {input}");
    }
}

#[test]
fn redacting_twice_changes_nothing_more() {
    for (input, _) in CASES {
        let once = redact(input).into_owned();
        assert_eq!(redact(&once), once.as_str());
    }
}

#[test]
fn look_alikes_survive_untouched() {
    for s in [
        "Update the task-list and the risk-matrix, then ask-me-anything.",
        "sk-learn is a library; so is sk-image.",
        "Commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 fixed it.",
        "Request 550e8400-e29b-41d4-a716-446655440000 took 2 s.",
        "The bearer of bad news; a Bearer token goes in the header.",
        "Use the `password` field; the token budget is 1000; secret sauce.",
        "max_tokens=4096 and input_tokens: 12",
        "if password == expected { ok } else if token != None {}",
        "user=alice logged in, pushover user=short",
        "AKIA is a prefix; AKIAshort is not a key; AIza too.",
        "See https://example.com:8080/path?q=1 and git@github.com:o/r.git",
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----",
        "eyJ alone, and ghp_short, xoxb-1, npm_x, pypi-pkg, glpat-1.",
        "Ports: 8080, keys: none; fn f(token: &str) -> bool",
        "日本語のテキスト, émojis 🦀 and ümlauts.",
    ] {
        assert!(
            matches!(redact(s), Cow::Borrowed(_)),
            "changed: {s:?} -> {:?}",
            redact(s)
        );
    }
}

/// (secret as planted, the part of it that must never survive).
fn planted() -> Vec<(String, String)> {
    let mid = |s: &str| s.to_owned();
    vec![
        (
            "sk-ant-api03-Q1w2E3r4T5y6U7i8O9p0AsDfGhJkL".into(),
            mid("Q1w2E3r4T5y6U7i8O9p0"),
        ),
        (
            "sk-proj-Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2".into(),
            mid("Zz9Yy8Xx7Ww6Vv5Uu4Tt3"),
        ),
        (
            "ghp_AbCdEfGhIj0123456789KlMnOpQrStUvWxYz".into(),
            mid("AbCdEfGhIj0123456789"),
        ),
        (
            "github_pat_11AAAAAAA0bbbbbbbbbbbbbbbbbbbbbbbbbb".into(),
            mid("0bbbbbbbbbbbbbbbb"),
        ),
        (
            "xoxb-111122223333-444455556666-QqWwEeRrTt".into(),
            mid("444455556666"),
        ),
        (
            "https://hooks.slack.com/services/T0AAAA/B0BBBB/ZZZZYYYYXXXX".into(),
            mid("ZZZZYYYYXXXX"),
        ),
        ("AKIAQWERTYUIOPASDF12".into(), mid("QWERTYUIOPASDF12")),
        (
            "AIzaSyQwErTyUiOpAsDfGhJkLzXcVbNm1234567".into(),
            mid("QwErTyUiOpAsDfGhJkLzXc"),
        ),
        ("sk_live_51MmNnOoPpQqRrSsTt".into(), mid("51MmNnOoPpQqRrSsTt")),
        (
            "npm_QwErTyUiOp1234567890AsDfGhJkLzXcVb".into(),
            mid("QwErTyUiOp1234567890"),
        ),
        (
            "pypi-AgEIcHlwaS5vcmcQwErTyUiOp1234567890".into(),
            mid("QwErTyUiOp1234567890"),
        ),
        ("glpat-Qw3Er4Ty5Ui6Op7As8Df".into(), mid("Qw3Er4Ty5Ui6Op7As8Df")),
        (
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
                .into(),
            mid("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
        ),
        (
            "Authorization: Bearer tok.QwErTy123456".into(),
            mid("QwErTy123456"),
        ),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJRd0VyVHkifQ.SiGnAtUrE123".into(),
            mid("eyJzdWIiOiJRd0VyVHkifQ"),
        ),
        ("password=Sup3rS3cretValue".into(), mid("Sup3rS3cretValue")),
        (
            "\"api_key\": \"QwErTyUiOp998877\"".into(),
            mid("QwErTyUiOp998877"),
        ),
        (
            "https://bob:Hunter2Hunter2@example.org/".into(),
            mid("Hunter2Hunter2"),
        ),
        (
            "token=azGDORePK8gMaC0QOYAMyEEuzJnyUi".into(),
            mid("azGDORePK8gMaC0QOYAMyEEuzJnyUi"),
        ),
    ]
}

proptest! {
    #[test]
    fn a_planted_secret_never_survives(
        before in "\\PC{0,60}",
        after in "\\PC{0,60}",
        which in 0usize..19,
    ) {
        let secrets = planted();
        let (secret, core) = &secrets[which % secrets.len()];
        let text = format!("{before} {secret} {after}");
        let out = redact(&text);
        // The core may appear only if the surrounding text itself contains it.
        prop_assume!(!before.contains(core.as_str()) && !after.contains(core.as_str()));
        prop_assert!(!out.contains(core.as_str()), "{text:?} -> {out:?}");
    }

    #[test]
    fn a_planted_secret_never_survives_between_punctuation(
        before in "[a-z0-9 ]{0,20}",
        open in prop::sample::select(vec![" ", "\"", "'", "(", "`", "\n", ",", "=", ":", "[", "<"]),
        close in prop::sample::select(vec![" ", "\"", "'", ")", "`", "\n", ",", ";", ".", "]", ">"]),
        after in "[a-z0-9 ]{0,20}",
        which in 0usize..19,
    ) {
        let secrets = planted();
        let (secret, core) = &secrets[which % secrets.len()];
        let text = format!("{before}{open}{secret}{close}{after}");
        let out = redact(&text);
        prop_assert!(!out.contains(core.as_str()), "{text:?} -> {out:?}");
    }

    #[test]
    fn clean_text_comes_back_borrowed(s in "[a-z ,.!?]{0,200}") {
        prop_assert!(matches!(redact(&s), Cow::Borrowed(_)));
    }

    #[test]
    fn never_panics_and_keeps_valid_text(s in "\\PC{0,300}") {
        let _ = redact(&s);
    }
}
