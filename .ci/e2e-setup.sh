#!/usr/bin/env bash
# Installs what the end-to-end tests (cc-notify-cli/tests/e2e.rs) need, idempotently:
#   * tmux (Debian package) when it is missing;
#   * the Claude Code CLI, pinned, into the git-ignored project-local directory .e2e/.
# Prints the absolute path of the `claude` binary on stdout and writes it to .e2e/claude-path,
# so a caller can run:
#   CC_NOTIFY_E2E_CLAUDE="$(bash .ci/e2e-setup.sh)" cargo test -p cc-notify-cli --test tests e2e:: -- --ignored --test-threads=1
set -euo pipefail

CLAUDE_CODE_VERSION="2.1.328"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.e2e"

if ! command -v tmux >/dev/null 2>&1; then
    echo "e2e-setup: installing tmux" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends tmux >&2
fi

mkdir -p "$dir"
installed="$(cd "$dir" && node -p "require('@anthropic-ai/claude-code/package.json').version" 2>/dev/null || true)"
if [ "$installed" != "$CLAUDE_CODE_VERSION" ]; then
    echo "e2e-setup: installing @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION into $dir" >&2
    [ -f "$dir/package.json" ] || echo '{"name":"cc-notify-e2e","private":true}' >"$dir/package.json"
    (cd "$dir" && npm install --no-audit --no-fund --save-exact \
        "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" >&2)
fi

# The npm package ships the native binary in a platform package; prefer it over the JS shim.
claude=""
for candidate in "$dir"/node_modules/@anthropic-ai/claude-code-linux-*/claude \
    "$dir"/node_modules/.bin/claude; do
    if [ -x "$candidate" ]; then
        claude="$candidate"
        break
    fi
done
if [ -z "$claude" ]; then
    echo "e2e-setup: no claude binary found under $dir/node_modules" >&2
    exit 1
fi
claude="$(readlink -f "$claude")"
"$claude" --version >&2
printf '%s\n' "$claude" >"$dir/claude-path"
printf '%s\n' "$claude"
