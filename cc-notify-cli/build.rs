//! Link options for the `cc-notify` binary.
//!
//! On Linux with glibc the relative relocations are packed (`DT_RELR`, glibc 2.36+, GNU ld
//! 2.38+): the dynamic loader then reads a few KiB instead of about 100 KiB of relocation
//! entries at every start, which a hook run pays for in time and memory. An older linker
//! ignores the option with a warning.

fn main() {
    let var = |k| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
