//! Provider tokens recognised by their documented formats, wherever they stand; private key
//! blocks; webhook URLs; `Bearer` credentials.
//!
//! Most formats are a fixed prefix and a random body ([`PREFIXES`]); the rest have a shape of
//! their own (AWS key ids, SendGrid, Twilio, Discord and Telegram bot tokens, Mailchimp,
//! Terraform Cloud, Azure AD client secrets, JWTs). A body must be long enough for the format
//! and random: it holds a digit or both cases, and is not a mask (`ghp_xxxx…`).

use super::placeholder::is_mask;
use super::{Hit, Span, is_tok, is_word, run};

/// A token identified by a fixed, case-sensitive prefix: the prefix, the shortest body and
/// the body's characters.
pub(super) struct Prefix {
    text: &'static [u8],
    min: usize,
    class: fn(u8) -> bool,
}

const fn p(text: &'static [u8], min: usize, class: fn(u8) -> bool) -> Prefix {
    Prefix { text, min, class }
}

fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}
fn alpha(c: u8) -> bool {
    c.is_ascii_alphabetic()
}
fn hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}
fn tok(c: u8) -> bool {
    is_tok(c)
}
fn word(c: u8) -> bool {
    is_word(c)
}
fn upper(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}
/// base64 and base64url with padding.
fn b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'_' | b'-')
}
fn tok_dot(c: u8) -> bool {
    is_tok(c) || c == b'.'
}
fn tok_eq(c: u8) -> bool {
    is_tok(c) || c == b'='
}
fn hex_dash(c: u8) -> bool {
    c.is_ascii_hexdigit() || c == b'-'
}
fn upper_dash(c: u8) -> bool {
    upper(c) || c == b'-'
}

/// Prefixed tokens, grouped by first byte (a test checks it): prefix, shortest body, body
/// characters. Bodies are the documented length or a little less.
#[rustfmt::skip]
pub(super) const PREFIXES: &[Prefix] = &[
    p(b"4b1d", 38, alnum),                 // ClickHouse Cloud secret
    p(b"A3-", 30, upper_dash),             // 1Password secret key
    p(b"ABSK", 32, b64),                   // Amazon Bedrock API key
    p(b"AGE-SECRET-KEY-1", 50, upper),     // age secret key
    p(b"AIza", 30, tok),                   // Google API key
    p(b"AKCp", 60, alnum),                 // JFrog API key
    p(b"API-", 26, upper),                 // Octopus Deploy
    p(b"AQVN", 30, tok),                   // Yandex API key
    p(b"ATATT3", 50, tok_eq),              // Atlassian API token
    p(b"ATCTT3", 50, tok_eq),              // Atlassian Connect token
    p(b"ATBB", 28, alnum),                 // Bitbucket app password
    p(b"AAAAAAAAAAAAAAAAAAAAA", 30, |c| tok(c) || c == b'%'), // Twitter/X bearer token
    p(b"CFPAT-", 40, tok),                 // Contentful
    p(b"CLOJARS_", 60, alnum),             // Clojars
    p(b"CCIPAT_", 30, tok),                // CircleCI personal token
    p(b"EAAA", 60, tok),                   // Square access token
    p(b"EAAC", 90, alnum),                 // Facebook access token
    p(b"EAAM", 90, alnum),                 // Facebook access token
    p(b"EZAK", 50, alnum),                 // EasyPost
    p(b"EZTK", 50, alnum),                 // EasyPost test
    p(b"FLWSECK_TEST-", 32, tok),          // Flutterwave
    p(b"FLWSECK-", 32, tok),               // Flutterwave
    p(b"GOCSPX-", 24, tok),                // Google OAuth client secret
    p(b"GR1348941", 20, tok),              // GitLab runner registration token
    p(b"HRKU-", 20, tok),                  // Heroku
    p(b"LTAI", 16, alnum),                 // Alibaba Cloud access key id
    p(b"NRAK-", 27, upper),                // New Relic user API key
    p(b"NRII-", 30, tok),                  // New Relic insert key
    p(b"PMAK-", 50, hex_dash),             // Postman
    p(b"YC", 38, tok),                     // Yandex access key
    p(b"aio_", 28, alnum),                 // Adafruit IO
    p(b"access-sandbox-", 36, hex_dash),   // Plaid
    p(b"access-development-", 36, hex_dash), // Plaid
    p(b"access-production-", 36, hex_dash), // Plaid
    p(b"api_org_", 30, alpha),             // Hugging Face organisation token
    p(b"b_", 44, tok_eq),                  // Beamer
    p(b"bkua_", 40, hex),                  // Buildkite
    p(b"cmVmdGtu", 56, alnum),             // JFrog reference token
    p(b"dapi", 32, |c| hex(c) || c == b'-'), // Databricks
    p(b"dckr_pat_", 27, tok),              // Docker Hub
    p(b"dckr_oat_", 27, tok),              // Docker Hub organisation token
    p(b"dnkey-", 70, tok_eq),              // Defined Networking
    p(b"doo_v1_", 64, hex),                // DigitalOcean OAuth
    p(b"dop_v1_", 64, hex),                // DigitalOcean personal token
    p(b"dor_v1_", 64, hex),                // DigitalOcean refresh token
    p(b"dp.audit.", 40, alnum),            // Doppler
    p(b"dp.ct.", 40, alnum),               // Doppler
    p(b"dp.pt.", 40, alnum),               // Doppler
    p(b"dp.sa.", 40, alnum),               // Doppler
    p(b"dp.scim.", 40, alnum),             // Doppler
    p(b"dp.st.", 40, tok_dot),             // Doppler
    p(b"dt0c01.", 80, |c| alnum(c) || c == b'.'), // Dynatrace
    p(b"duffel_live_", 40, tok_eq),        // Duffel
    p(b"duffel_test_", 40, tok_eq),        // Duffel
    p(b"fio-u-", 60, tok_eq),              // Frame.io
    p(b"fm1a_", 40, b64),                  // Fly.io
    p(b"fm1r_", 40, b64),                  // Fly.io
    p(b"fm2_", 40, b64),                   // Fly.io
    p(b"fo1_", 40, tok),                   // Fly.io
    p(b"ghp_", 30, alnum),                 // GitHub personal token
    p(b"gho_", 30, alnum),                 // GitHub OAuth
    p(b"ghu_", 30, alnum),                 // GitHub user-to-server
    p(b"ghs_", 30, alnum),                 // GitHub server-to-server
    p(b"ghr_", 30, alnum),                 // GitHub refresh
    p(b"github_pat_", 20, word),           // GitHub fine-grained token
    p(b"glagent-", 50, tok),               // GitLab agent token
    p(b"glc_", 32, b64),                   // Grafana Cloud
    p(b"glcbt-", 20, tok),                 // GitLab CI build token
    p(b"gldt-", 20, tok),                  // GitLab deploy token
    p(b"glffct-", 20, tok),                // GitLab feature flags client token
    p(b"glft-", 20, tok),                  // GitLab feed token
    p(b"glimt-", 25, tok),                 // GitLab incoming mail token
    p(b"gloas-", 60, tok),                 // GitLab OAuth application secret
    p(b"glpat-", 20, tok),                 // GitLab personal token
    p(b"glptt-", 40, tok),                 // GitLab pipeline trigger token
    p(b"glrt-", 20, tok),                  // GitLab runner token
    p(b"glrtr-", 20, tok),                 // GitLab runner token
    p(b"glsa_", 32, word),                 // Grafana service account
    p(b"glsoat-", 20, tok),                // GitLab SCIM token
    p(b"gsk_", 50, alnum),                 // Groq
    p(b"hf_", 30, alpha),                  // Hugging Face
    p(b"hvb.", 100, tok),                  // HashiCorp Vault batch token
    p(b"hvs.", 90, tok),                   // HashiCorp Vault service token
    p(b"ico-", 32, alnum),                 // Infracost
    p(b"key-", 32, hex),                   // Mailgun private key
    p(b"lin_api_", 40, alnum),             // Linear
    p(b"lin_oauth_", 64, hex),             // Linear OAuth
    p(b"live_", 40, tok_eq),               // GoCardless
    p(b"lsv2_pt_", 40, word),              // LangSmith
    p(b"lsv2_sk_", 40, word),              // LangSmith
    p(b"nfp_", 36, alnum),                 // Netlify
    p(b"npm_", 30, alnum),                 // npm
    p(b"ntn_", 40, alnum),                 // Notion
    p(b"ops_eyJ", 50, b64),                // 1Password service account
    p(b"oy2", 43, alnum),                  // NuGet
    p(b"p8e-", 32, tok),                   // Adobe client secret
    p(b"pat-na1-", 36, hex_dash),          // HubSpot
    p(b"pat-eu1-", 36, hex_dash),          // HubSpot
    p(b"pat.", 60, tok_dot),               // Harness
    p(b"pcsk_", 50, word),                 // Pinecone
    p(b"pnu_", 36, alnum),                 // Prefect
    p(b"pplx-", 40, alnum),                // Perplexity
    p(b"pscale_oauth_", 32, tok_dot),      // PlanetScale
    p(b"pscale_pw_", 32, tok_dot),         // PlanetScale
    p(b"pscale_tkn_", 32, tok_dot),        // PlanetScale
    p(b"pul-", 40, hex),                   // Pulumi
    p(b"pypi-", 30, tok),                  // PyPI
    p(b"r8_", 37, alnum),                  // Replicate
    p(b"rdme_", 70, alnum),                // ReadMe
    p(b"rk_live_", 10, alnum),             // Stripe restricted
    p(b"rk_test_", 10, alnum),             // Stripe restricted
    p(b"rnd_", 32, alnum),                 // Render
    p(b"rubygems_", 48, hex),              // RubyGems
    p(b"s-s4t2af-", 64, hex),              // 42 Intra
    p(b"s-s4t2ud-", 64, hex),              // 42 Intra
    p(b"sat.", 60, tok_dot),               // Harness service account
    p(b"sb_secret_", 30, tok),             // Supabase secret key
    p(b"sbp_", 40, hex),                   // Supabase
    p(b"secret_", 40, alnum),              // Notion (legacy)
    p(b"sgp_", 40, word),                  // Sourcegraph
    p(b"sha256~", 43, tok),                // OpenShift
    p(b"shippo_live_", 40, hex),           // Shippo
    p(b"shippo_test_", 40, hex),           // Shippo
    p(b"shpat_", 32, hex),                 // Shopify
    p(b"shpca_", 32, hex),                 // Shopify
    p(b"shppa_", 32, hex),                 // Shopify
    p(b"shpss_", 32, hex),                 // Shopify
    p(b"sk-ant-", 20, tok),                // Anthropic
    p(b"sk_live_", 10, alnum),             // Stripe
    p(b"sk_test_", 10, alnum),             // Stripe
    p(b"sl.", 100, tok_dot),               // Dropbox
    p(b"sm_aat_", 16, alnum),              // SettleMint
    p(b"sm_pat_", 16, alnum),              // SettleMint
    p(b"sm_sat_", 16, alnum),              // SettleMint
    p(b"sntrys_", 50, b64),                // Sentry organisation token
    p(b"sntryu_", 64, hex),                // Sentry user token
    p(b"sq0atp-", 22, tok),                // Square
    p(b"sq0csp-", 40, tok),                // Square OAuth secret
    p(b"t1.", 80, |c| tok_eq(c) || c == b'.'), // Yandex IAM token
    p(b"test_", 40, tok_eq),               // GoCardless sandbox
    p(b"tfp_", 50, tok),                   // Typeform
    p(b"tk-us-", 48, tok),                 // Scalingo
    p(b"tskey-", 30, tok),                 // Tailscale
    p(b"whsec_", 24, b64),                 // Stripe/Svix webhook secret
    p(b"xai-", 60, alnum),                 // xAI
    p(b"xapp-", 10, tok),                  // Slack app token
    p(b"xkeysib-", 64, tok),               // Brevo (Sendinblue)
    p(b"xoxa-", 10, tok),                  // Slack
    p(b"xoxb-", 10, tok),                  // Slack bot
    p(b"xoxe-", 10, tok),                  // Slack refresh
    p(b"xoxe.xox", 10, tok),               // Slack configuration token
    p(b"xoxo-", 10, tok),                  // Slack
    p(b"xoxp-", 10, tok),                  // Slack user
    p(b"xoxr-", 10, tok),                  // Slack
    p(b"xoxs-", 10, tok),                  // Slack
    p(b"xsmtpsib-", 64, tok),              // Brevo SMTP
];

/// For each first byte, the range of [`PREFIXES`] starting with it.
static INDEX: [(u16, u16); 128] = {
    let mut t = [(0u16, 0u16); 128];
    let mut k = 0;
    while k < PREFIXES.len() {
        let c = PREFIXES[k].text[0] as usize;
        if t[c].1 == 0 {
            t[c].0 = k as u16;
        }
        t[c].1 = k as u16 + 1;
        k += 1;
    }
    t
};

/// For each first byte, the second bytes its prefixes have (bit `n` for byte `n`): most words
/// are turned away here without looking at a prefix.
static SECOND: [u128; 128] = {
    let mut t = [0u128; 128];
    let mut k = 0;
    while k < PREFIXES.len() {
        let text = PREFIXES[k].text;
        t[text[0] as usize] |= 1 << (text[1] & 127);
        k += 1;
    }
    t
};

/// Whether `body` is random enough for a token: a digit or both cases, not a mask, not an
/// identifier (`b_some_long_name_2`).
fn random_body(body: &[u8]) -> bool {
    let digit = body.iter().any(u8::is_ascii_digit);
    let both = body.iter().any(u8::is_ascii_uppercase) && body.iter().any(u8::is_ascii_lowercase);
    (digit || both) && !is_mask(body) && !identifier(body)
}

/// `snake_case_words_2`, `kebab-case-name`: two or more parts, each a word of one case with at
/// most two trailing digits.
fn identifier(body: &[u8]) -> bool {
    let parts = body.split(|&c| c == b'_' || c == b'-');
    parts.clone().filter(|p| !p.is_empty()).count() >= 2
        && parts.filter(|p| !p.is_empty()).all(|p| {
            let digits = p.iter().rev().take_while(|c| c.is_ascii_digit()).count();
            let letters = &p[..p.len() - digits];
            digits <= 2
                && !letters.is_empty()
                && (letters.iter().all(u8::is_ascii_lowercase)
                    || letters.iter().all(u8::is_ascii_uppercase))
        })
}

/// Whether `rest` starts with `prefix`, compared byte by byte: prefixes are short, and most
/// candidates differ in their second byte, so this beats a `memcmp` call.
#[inline]
fn starts(rest: &[u8], prefix: &[u8]) -> bool {
    rest.len() >= prefix.len() && prefix.iter().zip(rest).all(|(a, b)| a == b)
}

/// A token starting at `i`, a word start.
pub(super) fn at_word_start(b: &[u8], i: usize) -> Option<Span> {
    let rest = &b[i..];
    let c = b[i];
    let second = rest.get(1).map_or(0, |&d| d & 127);
    let candidates = INDEX
        .get(usize::from(c))
        .filter(|_| SECOND[usize::from(c & 127)] >> second & 1 == 1);
    if let Some(&(from, to)) = candidates {
        for prefix in &PREFIXES[usize::from(from)..usize::from(to)] {
            if starts(rest, prefix.text) {
                let body = i + prefix.text.len();
                let end = run(b, body, prefix.class);
                if end - body >= prefix.min && random_body(&b[body..end]) {
                    return Some((i, end));
                }
            }
        }
    }
    let shaped = match c {
        b's' => openai(b, i),
        b'A' => aws_key_id(b, i),
        b'S' => sendgrid(b, i).or_else(|| twilio(b, i)),
        b'M' | b'N' | b'O' => discord_bot(b, i),
        b'e' => jwt(b, i),
        b'b' | b'B' => bearer(b, i),
        b'0'..=b'9' => telegram_bot(b, i),
        _ => None,
    };
    shaped
        .or_else(|| mailchimp(b, i))
        .or_else(|| terraform(b, i))
        .or_else(|| azure_client_secret(b, i))
        .or_else(|| maxmind(b, i))
}

/// OpenAI-style keys (`sk-…`, `sk-proj-…`, `sk-svcacct-…`, also OpenRouter, DeepSeek):
/// random, so they hold a digit; a long hyphenated phrase does not.
fn openai(b: &[u8], i: usize) -> Option<Span> {
    if !starts(&b[i..], b"sk-") {
        return None;
    }
    let end = run(b, i + 3, is_tok);
    let body = &b[i + 3..end];
    (body.len() >= 20 && body.iter().any(u8::is_ascii_digit) && !is_mask(body)).then_some((i, end))
}

/// AWS access key ids: `AKIA`, `ASIA`, `ABIA`, `ACCA` + 16, or `A3T` + 17, upper case and
/// digits, 20 in all.
fn aws_key_id(b: &[u8], i: usize) -> Option<Span> {
    let rest = &b[i..];
    if b[i] != b'A'
        || ![&b"AKIA"[..], b"ASIA", b"ABIA", b"ACCA", b"A3T"]
            .iter()
            .any(|p| rest.starts_with(p))
    {
        return None;
    }
    let end = run(b, i, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
    (end - i == 20 && b.get(end).is_none_or(|&c| !is_word(c)) && !is_mask(&b[i + 4..end]))
        .then_some((i, end))
}

/// SendGrid: `SG.` + 22 + `.` + 43, base64url.
fn sendgrid(b: &[u8], i: usize) -> Option<Span> {
    if !starts(&b[i..], b"SG.") {
        return None;
    }
    let mid = run(b, i + 3, is_tok);
    if mid - i - 3 < 16 || b.get(mid) != Some(&b'.') {
        return None;
    }
    let end = run(b, mid + 1, is_tok);
    (end - mid > 30).then_some((i, end))
}

/// Twilio API key: `SK` + 32 hex.
fn twilio(b: &[u8], i: usize) -> Option<Span> {
    if !starts(&b[i..], b"SK") {
        return None;
    }
    let end = run(b, i + 2, |c| c.is_ascii_hexdigit());
    (end - i - 2 == 32 && b.get(end).is_none_or(|&c| !is_word(c))).then_some((i, end))
}

/// Discord bot token: the bot's id in base64 (24–26 characters, starting `M`, `N` or `O`),
/// `.`, a 6-character timestamp, `.`, an HMAC of 27 or more.
fn discord_bot(b: &[u8], i: usize) -> Option<Span> {
    if !matches!(b[i], b'M' | b'N' | b'O') {
        return None;
    }
    let a = run(b, i, is_tok);
    if !(23..=28).contains(&(a - i)) || b.get(a) != Some(&b'.') {
        return None;
    }
    let t = run(b, a + 1, is_tok);
    if !(6..=7).contains(&(t - a - 1)) || b.get(t) != Some(&b'.') {
        return None;
    }
    let end = run(b, t + 1, is_tok);
    (end - t > 27 && random_body(&b[i..a])).then_some((i, end))
}

/// Telegram bot token: the bot id (8–10 digits), `:`, 35 base64url characters.
fn telegram_bot(b: &[u8], i: usize) -> Option<Span> {
    if !b[i].is_ascii_digit() {
        return None;
    }
    let id = run(b, i, |c| c.is_ascii_digit());
    if !(8..=10).contains(&(id - i)) || b.get(id) != Some(&b':') {
        return None;
    }
    let end = run(b, id + 1, is_tok);
    (end - id - 1 == 35 && random_body(&b[id + 1..end])).then_some((i, end))
}

/// Mailchimp API key: 32 hex, `-us`, the datacentre's number.
fn mailchimp(b: &[u8], i: usize) -> Option<Span> {
    if b.get(i + 32) != Some(&b'-') {
        return None;
    }
    let h = run(b, i, |c| c.is_ascii_hexdigit());
    if h - i != 32 || !b[h..].starts_with(b"-us") {
        return None;
    }
    let end = run(b, h + 3, |c| c.is_ascii_digit());
    (end > h + 3 && end - h - 3 <= 2).then_some((i, end))
}

/// Terraform Cloud / Enterprise: 14 characters, `.atlasv1.`, 60 or more.
fn terraform(b: &[u8], i: usize) -> Option<Span> {
    const MID: &[u8] = b".atlasv1.";
    if b.get(i + 14) != Some(&b'.') {
        return None;
    }
    let a = run(b, i, |c| c.is_ascii_alphanumeric());
    if a - i != 14 || !b[a..].starts_with(MID) {
        return None;
    }
    let end = run(b, a + MID.len(), tok_eq);
    (end - a - MID.len() >= 60).then_some((i, end))
}

/// Azure AD (Entra) client secret: 3 characters, a digit, `Q~`, 31–34 more.
fn azure_client_secret(b: &[u8], i: usize) -> Option<Span> {
    let class = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'~' | b'.' | b'-');
    if b.len() < i + 6 || !b[i + 3].is_ascii_digit() || &b[i + 4..i + 6] != b"Q~" {
        return None;
    }
    if !b[i..i + 3].iter().all(|&c| class(c)) {
        return None;
    }
    let end = run(b, i + 6, class);
    (end - i - 6 >= 31 && random_body(&b[i + 6..end])).then_some((i, end))
}

/// MaxMind licence key: 6, `_`, 29, `_mmk`.
fn maxmind(b: &[u8], i: usize) -> Option<Span> {
    if b.get(i + 36..i + 40) != Some(b"_mmk") {
        return None;
    }
    let end = run(b, i, is_word);
    let t = &b[i..end];
    (t.len() == 40 && t.ends_with(b"_mmk") && t[6] == b'_').then_some((i, end))
}

/// `eyJ<header>.<payload>[.<signature>]`, all base64url.
fn jwt(b: &[u8], i: usize) -> Option<Span> {
    if !starts(&b[i..], b"eyJ") {
        return None;
    }
    let header_end = run(b, i, is_tok);
    if header_end - i < 10 || b.get(header_end) != Some(&b'.') {
        return None;
    }
    let payload_end = run(b, header_end + 1, is_tok);
    if payload_end - header_end - 1 < 4 {
        return None;
    }
    if b.get(payload_end) == Some(&b'.') {
        Some((i, run(b, payload_end + 1, is_tok)))
    } else {
        Some((i, payload_end))
    }
}

/// Characters of an HTTP bearer credential (RFC 6750 b64token).
fn is_b64token(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~+/=".contains(&c)
}

/// `Bearer <token>` outside an `Authorization` header: the token must look random (a digit or
/// a symbol in it, or long), so "bearer of bad news" survives.
fn bearer(b: &[u8], i: usize) -> Option<Span> {
    let word = b.get(i..i + 6)?;
    if !word.eq_ignore_ascii_case(b"bearer") || !matches!(b.get(i + 6), Some(b' ' | b'\t')) {
        return None;
    }
    let start = run(b, i + 6, |c| c == b' ' || c == b'\t');
    if !b.get(start).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let end = run(b, start, is_b64token);
    let token = &b[start..end];
    let random = token.len() >= 20 || token.iter().any(|c| !c.is_ascii_alphabetic());
    (token.len() >= 8 && random && !super::placeholder::is_placeholder(token))
        .then_some((start, end))
}

/// `-----BEGIN … PRIVATE KEY-----` (also `… PRIVATE KEY BLOCK-----`): the body up to
/// `-----END` (or the end of a cut-off text). Other blocks (certificates, public keys) are
/// public: their bodies are not checked for randomness.
pub(super) fn pem_block(b: &[u8], i: usize) -> Option<Hit> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    if !starts(&b[i..], BEGIN) {
        return None;
    }
    let label_start = i + BEGIN.len();
    let label_len = memchr::memmem::find(&b[label_start..], b"-----")?;
    let label = &b[label_start..label_start + label_len];
    if label.contains(&b'\n') {
        return None;
    }
    let body = label_start + label_len + 5;
    let end = memchr::memmem::find(&b[body..], b"-----END").map_or(b.len(), |n| body + n);
    if memchr::memmem::find(label, b"PRIVATE KEY").is_some() {
        Some(Hit::Redact((body, end)))
    } else {
        Some(Hit::Plain(end))
    }
}

/// Webhook URLs whose path is the credential: (host, path before the secret part).
const WEBHOOKS: &[(&[u8], &[u8])] = &[
    (b"hooks.slack.com", b"/services/"),
    (b"hooks.slack.com", b"/workflows/"),
    (b"discord.com", b"/api/webhooks/"),
    (b"discordapp.com", b"/api/webhooks/"),
    (b"webhook.office.com", b"/webhookb2/"),
    (b"hooks.zapier.com", b"/hooks/catch/"),
];

/// A `/` right after a webhook host: the secret part of the path.
pub(super) fn webhook(b: &[u8], i: usize) -> Option<Span> {
    for &(host, path) in WEBHOOKS {
        if i >= host.len() && starts(&b[i - host.len()..], host) && starts(&b[i..], path) {
            let start = i + path.len();
            let end = run(b, start, |c| is_tok(c) || c == b'/');
            return (end > start).then_some((start, end));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_grouped_by_first_byte() {
        let mut seen = Vec::new();
        for w in PREFIXES.windows(2) {
            if w[0].text[0] != w[1].text[0] {
                assert!(
                    !seen.contains(&w[1].text[0]),
                    "{:?} out of its group",
                    std::str::from_utf8(w[1].text)
                );
                seen.push(w[0].text[0]);
            }
        }
        assert!(
            PREFIXES
                .iter()
                .all(|p| p.text.len() >= 2 && p.text.is_ascii())
        );
    }
}
