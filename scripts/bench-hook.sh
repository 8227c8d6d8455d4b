#!/bin/sh
# Entry point for CI and people: see scripts/bench-hook.py (`--quick` is the smoke mode).
exec python3 "$(dirname "$0")/bench-hook.py" "$@"
