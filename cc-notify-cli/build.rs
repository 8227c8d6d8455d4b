//! Link options for the `cc-notify` binary, on Linux with glibc, for what every hook run pays
//! at start-up in time and memory (BENCHMARKS.md §1):
//!
//! * The relative relocations are packed (`DT_RELR`, glibc 2.36+, GNU ld 2.38+): the dynamic
//!   loader reads about 1 KiB of them instead of about 100 KiB. An older linker ignores the
//!   option with a warning.
//! * The unwinder is linked in from `libgcc_eh.a` (part of GCC, which the static build of
//!   `scripts/install.sh` links the same way) instead of loading `libgcc_s.so.1`: one shared
//!   library fewer to map and relocate. Backtraces work as before.

fn main() {
    let var = |k| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
        // Named before std's `-lgcc_s`, so the linker takes the unwinder from here and
        // (`--as-needed`) drops libgcc_s. Not for the fuzz targets, whose C++ runtime loads
        // libgcc_s anyway.
        if std::env::var_os("CARGO_CFG_FUZZING").is_none() {
            println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
