#!/usr/bin/env bash
# Installs the coding agents the per-agent end-to-end tests (cc-notify-cli/tests/e2e/agents.rs,
# `e2e::agents` in the `tests` binary) run for real, pinned, into the git-ignored project-local
# directory .e2e/agents/:
#   Codex CLI, Gemini CLI, GitHub Copilot CLI, OpenCode and Qwen Code.
# Idempotent: a package already at its pinned version is not installed again.
# Prints one `VAR=path` line per binary on stdout (the environment variables the tests read) and
# writes the same lines to .e2e/agents/paths.env, so a caller can run:
#   env $(bash .ci/e2e-agents-setup.sh) cargo test -p cc-notify-cli --test tests e2e::agents:: -- --ignored --test-threads=2
set -euo pipefail

CODEX_VERSION="0.171.0"
GEMINI_VERSION="0.61.0"
COPILOT_VERSION="1.0.102"
OPENCODE_VERSION="1.18.33"
QWEN_VERSION="0.24.4"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.e2e/agents"
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name":"cc-notify-e2e-agents","private":true}' >"$dir/package.json"

installed_version() {
    (cd "$dir" && node -p "require('$1/package.json').version" 2>/dev/null) || true
}

wanted=()
for spec in "@openai/codex@$CODEX_VERSION" "@google/gemini-cli@$GEMINI_VERSION" \
    "@github/copilot@$COPILOT_VERSION" "opencode-ai@$OPENCODE_VERSION" \
    "@qwen-code/qwen-code@$QWEN_VERSION"; do
    name="${spec%@*}"
    version="${spec##*@}"
    if [ "$(installed_version "$name")" != "$version" ]; then
        wanted+=("$spec")
    fi
done
if [ "${#wanted[@]}" -gt 0 ]; then
    echo "e2e-agents-setup: installing ${wanted[*]} into $dir" >&2
    (cd "$dir" && npm install --no-audit --no-fund --save-exact "${wanted[@]}" >&2)
fi

# Each package ships its native binary in a platform package; prefer it over the JS shim.
first_executable() {
    local candidate
    for candidate in "$@"; do
        if [ -x "$candidate" ] && [ -f "$candidate" ]; then
            readlink -f "$candidate"
            return 0
        fi
    done
    echo "e2e-agents-setup: none of these is an executable: $*" >&2
    return 1
}
nm="$dir/node_modules"
codex="$(first_executable "$nm"/@openai/codex-linux-x64/vendor/*/bin/codex \
    "$nm"/@openai/codex/vendor/*/codex/codex "$nm/.bin/codex")"
gemini="$(first_executable "$nm/.bin/gemini")"
copilot="$(first_executable "$nm"/@github/copilot-linux-x64/copilot "$nm/.bin/copilot")"
opencode="$(first_executable "$nm"/opencode-linux-x64/bin/opencode "$nm/.bin/opencode")"
qwen="$(first_executable "$nm/.bin/qwen")"

for bin in "$codex" "$gemini" "$copilot" "$opencode" "$qwen"; do
    printf '%s: %s\n' "$bin" "$("$bin" --version 2>&1 | head -n 1)" >&2
done

# OpenCode installs packages from npm into a fresh HOME at its first run (~30 MB): fill an npm
# cache once here, which every test then shares (npm_config_cache). A run against a closed
# port is enough: the install comes before the first request.
cache="$dir/opencode-cache"
if [ ! -d "$cache/_cacache" ]; then
    echo "e2e-agents-setup: filling OpenCode's provider cache in $cache" >&2
    warm="$(mktemp -d)"
    mkdir -p "$warm/home" "$warm/project"
    cat >"$warm/project/opencode.json" <<'JSON'
{"model":"fake/test-model","autoupdate":false,"share":"disabled",
 "provider":{"fake":{"npm":"@ai-sdk/openai-compatible","name":"Fake",
   "options":{"baseURL":"http://127.0.0.1:9/v1","apiKey":"x"},"models":{"test-model":{"name":"test-model"}}}}}
JSON
    (cd "$warm/project" && HOME="$warm/home" XDG_CONFIG_HOME="$warm/home/.config" \
        XDG_DATA_HOME="$warm/home/.local/share" npm_config_cache="$cache" \
        OPENCODE_DISABLE_AUTOUPDATE=1 timeout 300 "$opencode" run "hi" >&2 2>&1 || true)
    rm -rf "$warm"
fi

{
    printf 'CC_NOTIFY_E2E_OPENCODE_CACHE=%s\n' "$cache"
    printf 'CC_NOTIFY_E2E_CODEX=%s\n' "$codex"
    printf 'CC_NOTIFY_E2E_GEMINI=%s\n' "$gemini"
    printf 'CC_NOTIFY_E2E_COPILOT=%s\n' "$copilot"
    printf 'CC_NOTIFY_E2E_OPENCODE=%s\n' "$opencode"
    printf 'CC_NOTIFY_E2E_QWEN=%s\n' "$qwen"
} >"$dir/paths.env"
cat "$dir/paths.env"
