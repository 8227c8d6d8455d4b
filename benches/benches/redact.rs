//! Redaction alone ([`redact::redact`]), on what the hook redacts: a push body is at most
//! [`render::BODY_MAX_CHARS`] + [`render::REDACT_SLACK_CHARS`] characters of the agent's reply.
//!
//! * `redact/push body …`: a 4.5 KB reply of prose, code, paths, URLs, commit hashes, UUIDs and
//!   lockfile lines (every detector is tried on it), without and with planted credentials;
//! * `redact/100KB …`: a long reply, and 100 KB of hashes, base64 and `key=value` pairs (the
//!   detectors' slow paths), in bytes per second.

use std::hint::black_box;

use cc_notify_core::{redact, render};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// One paragraph of a typical final reply: markdown, code, paths, ids.
const PARA: &str = "I updated `src/parser.rs` so the tokenizer no longer drops the last byte; all 42 \
tests pass (`cargo test --workspace`). The config at /home/dev/proj/config.toml now reads \
`retries = 3` and `timeout_ms: 2500`.\n\n```rust\nfn parse(input: &str) -> Result<Token, Error> {\n    \
let token = input.trim();\n    if token.is_empty() { return Err(Error::Empty); }\n    Ok(Token::new(token))\n}\n```\n\n\
Commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 on https://github.com/acme/app/pull/1234 \
(request 550e8400-e29b-41d4-a716-446655440000). package-lock.json: \"integrity\": \
\"sha512-7DqM4w3H1v9k2F0b6Yz8Xr5Tn1Lp3Qs7Uv9Wx2Yz4Ab6Cd8Ef0Gh2Ij4Kl6Mn8Op0Qr2St4Uv6Wx8Yz0Ab2==\"; \
max_tokens=4096, token: ${NPM_TOKEN}.\n";

/// Credentials as they show up in replies.
const SECRETS: &str = "export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789\n\
DB_PASSWORD := \"Tr0ub4dor&3x\"\ncurl -u deploy:Hunter2Hunter2 https://ci.example.com\n\
slack xoxb-2048123456789-4096123456789-AbCdEfGhIjKlMnOpQrStUvWx and \
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\n\
aws wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

fn repeat_to(unit: &str, chars: usize) -> String {
    unit.chars().cycle().take(chars).collect()
}

fn push_bodies(c: &mut Criterion) {
    let window = render::BODY_MAX_CHARS + render::REDACT_SLACK_CHARS;
    let clean = repeat_to(PARA, window);
    let mut dirty = repeat_to(PARA, window - SECRETS.len());
    dirty.push_str(SECRETS);
    assert!(matches!(
        redact::redact(&clean),
        std::borrow::Cow::Borrowed(_)
    ));
    assert!(!redact::redact(&dirty).contains("Hunter2"));

    let mut g = c.benchmark_group("redact");
    g.throughput(Throughput::Bytes(clean.len() as u64));
    g.bench_function("push body 4.5KB, no secret", |b| {
        b.iter(|| redact::redact(black_box(&clean)).len())
    });
    g.throughput(Throughput::Bytes(dirty.len() as u64));
    g.bench_function("push body 4.5KB, 6 secrets", |b| {
        b.iter(|| redact::redact(black_box(&dirty)).len())
    });
    g.finish();
}

fn long_texts(c: &mut Criterion) {
    let reply = repeat_to(PARA, 100 * 1024);
    let noise = repeat_to(
        "d41d8cd98f00b204e9800998ecf8427e QmFzZTY0IG9mIHRleHQ= k=v,a:b Zm9vYmFy0123456789AbCdEfGhIjKlMnOp \
         h1:s8pnnxNVzjWyrvYdFUQq5llS1PX2zhPXmccZv99h7uQ= ",
        100 * 1024,
    );
    let mut g = c.benchmark_group("redact");
    for (name, text) in [("100KB reply", &reply), ("100KB hashes and pairs", &noise)] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(name, |b| b.iter(|| redact::redact(black_box(text)).len()));
    }
    g.finish();
}

criterion_group!(benches, push_bodies, long_texts);
criterion_main!(benches);
