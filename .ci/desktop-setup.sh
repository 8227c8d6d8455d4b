#!/usr/bin/env bash
# Installs what the desktop backend's tests against a real notification daemon need,
# idempotently: dunst (the daemon and `dunstctl`), Xvfb (a headless X server for dunst to draw
# on) and dbus-x11 (`dbus-launch`, a private session bus). Debian/Ubuntu apt; run as root.
# Then:
#   cargo test -p cc-notify-backends --test tests desktop_dunst:: -- --ignored --test-threads=1
set -euo pipefail

missing=()
command -v dunst >/dev/null 2>&1 || missing+=(dunst)
command -v dunstctl >/dev/null 2>&1 || missing+=(dunst)
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
command -v dbus-launch >/dev/null 2>&1 || missing+=(dbus-x11)

if [ "${#missing[@]}" -gt 0 ]; then
    echo "desktop-setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends dunst xvfb dbus-x11 >&2
fi
