#!/bin/sh
# One command: build cc-notify, install it, register its hooks with every coding agent found
# installed (Claude Code when none is; see `cc-notify install --help`).
#
#   scripts/install.sh [--no-register] [--dynamic] [-- ARGS for `cc-notify install`]
#
# On Linux with glibc it builds a statically linked binary: no dynamic loader on each of the
# hook's runs, so every hook costs ~20% less time and ~0.9 MiB less memory (BENCHMARKS.md).
# `--dynamic` builds the ordinary way (as `cargo install` does). The binary goes where
# `cargo install` puts it ($CARGO_INSTALL_ROOT/bin or ~/.cargo/bin).
set -eu
cd "$(dirname "$0")/.."

register=yes
static=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --no-register) register=no ;;
        --dynamic) static=no ;;
        --) shift; break ;;
        *) echo "usage: scripts/install.sh [--no-register] [--dynamic] [-- install args]" >&2; exit 2 ;;
    esac
    shift
done

host=$(rustc -vV | sed -n 's/^host: //p')
root=${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}
case "$static:$host" in
    yes:*-linux-gnu)
        # crt-static applies to the target only when it is named (so build scripts and proc
        # macros still link dynamically).
        if ! RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
            cargo install --locked --path cc-notify-cli --target "$host" --root "$root"; then
            echo "install.sh: the static build failed (no static libc?); building the ordinary way" >&2
            cargo install --locked --path cc-notify-cli --root "$root"
        fi
        ;;
    *)
        cargo install --locked --path cc-notify-cli --root "$root"
        ;;
esac

bin="$root/bin/cc-notify"
"$bin" version
if [ "$register" = yes ]; then
    "$bin" install "$@"
fi
