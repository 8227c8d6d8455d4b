#!/usr/bin/env bash
# Installs what the presence probes' tests against real components need, idempotently, from
# Debian's apt: tmux (real clients, keys, focus events), Xvfb + xdotool (X11 idle through
# MIT-SCREEN-SAVER), dbus-daemon + python3-dbusmock (logind and Mutter stand-ins on private
# buses; busctl drives them). python3-dbusmock is importable only by Debian's /usr/bin/python3.
# Then run (the Claude Code e2e suite's locked-screen scenario uses the same stand-in):
#   cargo test -p cc-notify-presence -- --ignored --test-threads=1
set -euo pipefail

need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
command -v xdotool >/dev/null 2>&1 || need+=(xdotool)
command -v dbus-daemon >/dev/null 2>&1 || need+=(dbus)
# busctl, which the tests use to drive the stand-ins, ships in Debian's systemd package.
command -v busctl >/dev/null 2>&1 || need+=(systemd)
/usr/bin/python3 -c 'import dbusmock' >/dev/null 2>&1 || need+=(python3-dbusmock)

if [ "${#need[@]}" -gt 0 ]; then
    echo "presence-setup: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update >&2
    "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${need[@]}" >&2
fi
