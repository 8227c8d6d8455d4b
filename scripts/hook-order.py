#!/usr/bin/env python3
"""Writes cc-notify-cli/hook-order.txt: the functions a hook run executes, for the linker to
place side by side (`--symbol-ordering-file`, passed by cc-notify-cli/build.rs).

Why: the kernel maps a binary's code in 64 KiB windows around each page a process touches, so
a hook run whose few hundred functions lie scattered over 3.7 MB of code pays for most of the
binary in peak RSS. Placed together, they fill a few windows (BENCHMARKS.md §1d).

The names carry hashes of the build (profile, dependency versions, toolchain): run this again
after a toolchain or dependency update, or when the hook's code changed much. Names the build
no longer has are skipped by the linker, so a stale list costs memory, never correctness.

Needs valgrind (callgrind). It builds the release binary without stripping it (the names are
those of `cargo build --release`, as `cargo install` builds it), runs every Claude Code event
of scripts/bench-hook.py's events section and every captured payload of the other agents
under callgrind the way that benchmark runs them (a pty-holding stand-in for the agent named
in CLAUDE_PID, the real transcript), and lists each Rust function seen.

    scripts/hook-order.py            # then rebuild: cargo build --release -p cc-notify-cli
"""
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parent.parent
OUT = REPO / "cc-notify-cli" / "hook-order.txt"
TRANSCRIPT = REPO / "cc-notify-core/tests/data/transcripts/tui-multi-toolfail-permreject-subagent.jsonl"
AGENTS = REPO / "cc-notify-core/tests/data/agents"


def build():
    # Only the binary's own link changes (not stripped); every library keeps the hashes of the
    # release profile, which are what the ordinary build links.
    subprocess.run(["cargo", "rustc", "--release", "-p", "cc-notify-cli", "--bin", "cc-notify",
                    "--", "-C", "strip=none"], cwd=REPO, check=True)
    return REPO / "target/release/cc-notify"


def payloads():
    def event(name, **fields):
        doc = {"session_id": "a1b2c3d4-0000-4000-8000-00000000e001",
               "transcript_path": str(TRANSCRIPT), "cwd": "/home/dev/proj",
               "prompt_id": "68c79dc5-0000-4000-8000-000000000001",
               "permission_mode": "default", "hook_event_name": name}
        doc.update(fields)
        return None, json.dumps(doc).encode()
    big = "x" * (1 << 20)
    turn = [event("UserPromptSubmit", prompt="fix the tests"),
            event("PreToolUse", tool_name="Bash",
                  tool_input={"command": "cargo test", "description": "test"}, tool_use_id="t"),
            event("Notification", message="Claude needs your permission",
                  notification_type="permission_prompt"),
            event("PostToolUse", tool_name="Write", tool_input={"file_path": "/x", "content": big},
                  tool_response={"type": "create", "filePath": "/x", "content": big}),
            event("Stop", stop_hook_active=False)]
    others = []
    for f in sorted(AGENTS.glob("*/*.jsonl")):
        for line in f.read_text().splitlines():
            record = json.loads(line)
            if isinstance(record, dict) and "payload" in record:
                others.append((f.parent.name, json.dumps(record["payload"]).encode()))
    return turn * 2 + others


def stop_processes_of(state):
    """Stops what the hooks started for `state` (deliverers, the outbox retrier): they run in
    their own sessions, so they are found by the state dir in their environment."""
    mark = f"CC_NOTIFY_STATE_DIR={state}".encode()
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if mark in (proc / "environ").read_bytes().split(b"\0"):
                os.kill(int(proc.name), signal.SIGTERM)
        except (OSError, ProcessLookupError):
            pass


def main():
    binary = build()
    work = pathlib.Path(tempfile.mkdtemp(prefix="hook-order-"))
    (work / "home").mkdir()
    config = work / "config.toml"
    config.write_text('[pushover]\ntoken = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"\n'
                      'user = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"\n'
                      'api_url = "http://127.0.0.1:9/1/messages.json"\n'
                      "[timing]\nbands = [[600, 60]]\ngrace = 0\n[delivery]\nretries = 0\n")
    master, slave = os.openpty()
    holder = subprocess.Popen(["/bin/sleep", "86400"], stdin=slave)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE", "CC_NOTIFY"))}
    env.update(HOME=str(work / "home"), CC_NOTIFY_STATE_DIR=str(work / "state"),
               CC_NOTIFY_CONFIG=str(config), CLAUDE_PID=str(holder.pid))
    names = set()
    try:
        for i, (agent, doc) in enumerate(payloads()):
            out = work / f"callgrind.{i}"
            argv = ["valgrind", "--tool=callgrind", "--demangle=no",
                    f"--callgrind-out-file={out}", str(binary), "hook"]
            if agent:
                argv += ["--agent", agent]
            subprocess.run(argv, input=doc, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            for line in out.read_text(errors="replace").splitlines():
                # callgrind marks a function's recursion levels with a suffix ('2, '3).
                m = re.match(r"fn=\(\d+\) ([^'\s]+)", line)
                if m and m.group(1).startswith(("_ZN", "_R")):
                    names.add(m.group(1))
    finally:
        holder.kill()
        holder.wait()
        stop_processes_of(work / "state")
        shutil.rmtree(work, ignore_errors=True)
    if len(names) < 100:
        sys.exit(f"hook-order: only {len(names)} functions seen; is valgrind installed?")
    OUT.write_text("".join(f"{n}\n" for n in sorted(names)))
    print(f"hook-order: {len(names)} functions -> {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
