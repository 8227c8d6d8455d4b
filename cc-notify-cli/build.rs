//! Link options for the `cc-notify` binary, on Linux with glibc, for what every hook run pays
//! at start-up in time and memory (BENCHMARKS.md §1d):
//!
//! * The relative relocations are packed (`DT_RELR`, glibc 2.36+, GNU ld 2.38+ or lld): the
//!   dynamic loader reads about 1 KiB of them instead of about 100 KiB. An older GNU ld
//!   ignores the option with a warning.
//! * The unwinder is linked in from `libgcc_eh.a` (part of GCC, which the static build of
//!   `scripts/install.sh` links the same way) instead of loading `libgcc_s.so.1`: one shared
//!   library fewer to map and relocate. Backtraces work as before.
//! * With Rust's own linker (rust-lld, the default on x86-64 Linux since Rust 1.90), the
//!   functions a hook run executes (`hook-order.txt`, written by `scripts/hook-order.py`) are
//!   placed side by side, so the kernel maps a few 64 KiB windows of code instead of most of
//!   the binary. A name the build does not have is skipped; with another linker nothing is
//!   passed.

use std::process::Command;

fn main() {
    let var = |k| std::env::var(k).unwrap_or_default();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=hook-order.txt");
    if var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "gnu" {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    // Named before std's `-lgcc_s`, so the linker takes the unwinder from here and
    // (`--as-needed`) drops libgcc_s. Not for the fuzz targets, whose C++ runtime loads
    // libgcc_s anyway.
    if std::env::var_os("CARGO_CFG_FUZZING").is_none() {
        println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
    }
    if var("CARGO_CFG_TARGET_ARCH") == "x86_64" && links_with_rust_lld(&var) {
        let order = std::path::Path::new(&var("CARGO_MANIFEST_DIR")).join("hook-order.txt");
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether rustc links with its own lld as it does by default (Rust 1.90 and later on x86-64
/// Linux): no linker configured (`RUSTC_LINKER`) and no linker option among the flags.
fn links_with_rust_lld(var: &dyn Fn(&'static str) -> String) -> bool {
    if std::env::var_os("RUSTC_LINKER").is_some() {
        return false;
    }
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    if ["linker", "fuse-ld", "link-self-contained"]
        .iter()
        .any(|f| flags.contains(f))
    {
        return false;
    }
    let version = Command::new(var("RUSTC"))
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    // "rustc 1.95.0 (…)": the minor version.
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    minor.is_some_and(|m| m >= 90)
}
