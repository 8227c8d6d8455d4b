//! Transcript reading on synthetic transcripts of 1 MB, 100 MB and 1 GB (mostly multi-MB lines).
//!
//! * `tail/…`: [`last_turn`], for a Stop whose turn started before cc-notify saw it; it should
//!   cost the same at every size.
//! * `reply/…`: [`last_reply`], the Stop-hook hot path (the state counted the turn's tool calls,
//!   so only the final reply is read).
//! * `scan/…`: [`scan_from`] offset 0, in bytes per second.
//!
//! `CC_NOTIFY_BENCH_QUICK=1` skips the 1 GB file (built once per run in a temp dir).

use std::hint::black_box;
use std::path::PathBuf;

use cc_notify_benches::write_transcript;
use cc_notify_core::transcript::{last_reply, last_turn, scan_from};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const MB: u64 = 1 << 20;

struct Fixture {
    name: &'static str,
    path: PathBuf,
    len: u64,
}

fn fixtures(dir: &tempfile::TempDir) -> Vec<Fixture> {
    let quick = std::env::var_os("CC_NOTIFY_BENCH_QUICK").is_some_and(|v| v != "0");
    let sizes: &[(&str, u64)] = if quick {
        &[("1MB", MB), ("100MB", 100 * MB)]
    } else {
        &[("1MB", MB), ("100MB", 100 * MB), ("1GB", 1024 * MB)]
    };
    sizes
        .iter()
        .map(|&(name, size)| {
            let path = dir.path().join(format!("{name}.jsonl"));
            let len = write_transcript(&path, size).expect("write synthetic transcript");
            Fixture { name, path, len }
        })
        .collect()
}

fn transcript(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixtures = fixtures(&dir);

    let mut tail = c.benchmark_group("tail");
    for f in &fixtures {
        tail.bench_function(f.name, |b| {
            b.iter(|| last_turn(black_box(&f.path)).expect("tail"))
        });
    }
    tail.finish();

    let mut reply = c.benchmark_group("reply");
    for f in &fixtures {
        reply.bench_function(f.name, |b| {
            b.iter(|| last_reply(black_box(&f.path)).expect("reply"))
        });
    }
    reply.finish();

    let mut scan = c.benchmark_group("scan");
    scan.sample_size(10);
    for f in &fixtures {
        scan.throughput(Throughput::Bytes(f.len));
        scan.bench_function(f.name, |b| {
            b.iter(|| scan_from(black_box(&f.path), 0).expect("scan"))
        });
    }
    scan.finish();
}

criterion_group!(benches, transcript);
criterion_main!(benches);
