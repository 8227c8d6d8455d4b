#!/usr/bin/env python3
"""Whole-process benchmarks of `cc-notify hook` and its detached deliverer.

Every figure is taken side by side with a no-op process (/bin/true) in the same run, runs
interleaved round-robin, so the ratios hold on a shared machine where absolute times drift.

    scripts/bench-hook.py                 # release build, 200 runs per case, 1 GB transcript
    scripts/bench-hook.py --quick         # smoke mode: dev build, few runs, no 1 GB file;
                                          # checks the harness works, asserts no times
    scripts/bench-hook.py --competitors VENV   # also time other notification hooks
                                          # installed in the Python venv VENV

Sections: (1) latency and peak RSS per event type; (2) Stop against 1 KB / 10 MB / 1 GB
transcripts, with and without `last_assistant_message`; (3) the deliverer's RSS while it
sleeps (next to /bin/sleep's) and the time from the end of its delay to the request reaching
a loopback server;
(4) other hooks on the same inputs. Everything runs in a temporary directory; every network
endpoint is 127.0.0.1.
"""

import argparse
import ctypes
import http.server
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REAL_TRANSCRIPT = (
    REPO / "cc-notify-core/tests/data/transcripts/tui-multi-toolfail-permreject-subagent.jsonl"
)
TRUE = shutil.which("true") or "/bin/true"
MB = 1 << 20


def fail(msg):
    print(f"bench-hook: {msg}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------- processes


def become_subreaper():
    """Detached deliverers re-parent to us, so we can reap and stop exactly ours."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except OSError:
        pass


def our_children():
    me = os.getpid()
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == me:
            out.append(int(d))
    return out


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def stop_our_children(keep=()):
    """Stops and reaps our children (the deliverers), all but the pids in `keep`."""
    def left():
        return [pid for pid in our_children() if pid not in keep]
    for pid in left():
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.time() + 5
    while left() and time.time() < deadline:
        reap()
        time.sleep(0.05)
    reap()


# Peak RSS comes from wait4 in a tiny C launcher: Linux keeps the largest RSS a process had
# across exec, so a child forked straight from Python would report Python's own RSS.
MEASURE_C = r"""
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    struct timespec a, b; struct rusage ru; int status;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t pid = fork();
    if (pid == 0) {
        int in = open(argv[1], O_RDONLY), null = open("/dev/null", O_WRONLY);
        dup2(in, 0); dup2(null, 1); dup2(null, 2);
        execv(argv[2], argv + 2);
        _exit(127);
    }
    wait4(pid, &status, 0, &ru);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%lld %ld %d\n", (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec),
           ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}
"""
MEASURE = None


def build_measure(work):
    global MEASURE
    src = work / "measure.c"
    src.write_text(MEASURE_C)
    MEASURE = str(work / "measure")
    subprocess.run(["cc", "-O2", "-o", MEASURE, str(src)], check=True)


def run_once(argv, stdin_path, env):
    """Runs argv with stdin from a file; gives (wall seconds, peak RSS KiB, exit status)."""
    out = subprocess.run([MEASURE, str(stdin_path), *argv], env=env, capture_output=True,
                         check=True).stdout.split()
    return int(out[0]) / 1e9, int(out[1]), int(out[2])


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def summary(times, rss):
    return {
        "runs": len(times),
        "median_ms": statistics.median(times) * 1e3,
        "p95_ms": pct(times, 95) * 1e3,
        "max_rss_kib": max(rss),
    }


# ---------------------------------------------------------------- inputs


def against_noop(times, rss):
    """Each case's summary, with its median as a multiple of `/bin/true`'s in the same run."""
    base = statistics.median(times["/bin/true"])
    out = {}
    for name in times:
        s = summary(times[name], rss[name])
        s["x_noop"] = statistics.median(times[name]) / base
        out[name] = s
    return out


def event(session, name, transcript, **fields):
    doc = {
        "session_id": session,
        "transcript_path": str(transcript),
        "cwd": "/home/dev/proj",
        "prompt_id": "68c79dc5-0000-4000-8000-000000000001",
        "permission_mode": "default",
        "hook_event_name": name,
    }
    doc.update(fields)
    return json.dumps(doc)


def hook_inputs(work, session, transcript):
    """The hook inputs of one turn, in the order Claude Code sends them."""
    big = "x" * MB  # tool_input and tool_response each carry it: 2 MB on stdin
    docs = {
        "UserPromptSubmit": event(session, "UserPromptSubmit", transcript, prompt="fix the tests"),
        "PreToolUse": event(
            session, "PreToolUse", transcript, tool_name="Bash",
            tool_input={"command": "cargo test", "description": "test"},
            tool_use_id="toolu_b1f6"),
        "Notification": event(
            session, "Notification", transcript, message="Claude needs your permission",
            notification_type="permission_prompt"),
        "PostToolUse-2MB": event(
            session, "PostToolUse", transcript, tool_name="Write",
            tool_input={"file_path": "/home/dev/proj/big.txt", "content": big},
            tool_response={"type": "create", "filePath": "/home/dev/proj/big.txt",
                           "content": big},
            tool_use_id="toolu_f926", duration_ms=42),
        "Stop": event(
            session, "Stop", transcript, stop_hook_active=False,
            last_assistant_message="All 42 tests pass; I fixed the off-by-one in the parser.",
            background_tasks=[], session_crons=[]),
    }
    paths = {}
    for name, doc in docs.items():
        paths[name] = work / f"{session}-{name}.json"
        paths[name].write_text(doc)
    return paths


def write_transcript(path, size):
    """A real session's records after synthetic 4 MB tool rounds, about `size` bytes."""
    real = REAL_TRANSCRIPT.read_bytes()
    chunk = 4 * MB
    content = ("fn main() {\\n    println!(\\\"hello\\\");\\n}\\n" * (chunk // 40))[:chunk]
    line = (
        '{"type":"user","message":{"role":"user","content":[{"type":"tool_result",'
        '"tool_use_id":"toolu_pad","content":"ok"}]},"toolUseResult":{"type":"create",'
        '"content":"' + content + '"}}\n'
    ).encode()
    with open(path, "wb") as f:
        left = size - len(real)
        while left >= len(line):
            f.write(line)
            left -= len(line)
        f.write(real)
    return path.stat().st_size


def config(path, api_url, delay_s):
    path.write_text(
        "[pushover]\n"
        'token = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"\n'
        'user = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"\n'
        f'api_url = "{api_url}"\n'
        "[timing]\n"
        f"bands = [[600, {delay_s}]]\n"
        "grace = 0\n"
        "[delivery]\n"
        "retries = 0\n"
    )


# A stand-in for `claude` in a terminal: a process whose standard input is a pty, as
# `$CLAUDE_PID` names it to hooks. The Stop and Notification hooks then find and sample a real
# terminal, and the deliverer watches it while it waits, as in real use.
TERMINAL = {}


def start_terminal():
    master, slave = os.openpty()
    holder = subprocess.Popen(["/bin/sleep", "86400"], stdin=slave)
    os.close(slave)
    TERMINAL.update(master=master, pid=holder.pid)


def hook_env(work, cfg):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE", "CC_NOTIFY"))}
    env.update(
        HOME=str(work / "home"),
        CC_NOTIFY_STATE_DIR=str(work / "state"),
        CC_NOTIFY_CONFIG=str(cfg),
        CLAUDE_PID=str(TERMINAL["pid"]),
    )
    return env


def read_log(work):
    log = work / "state/log.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


# ---------------------------------------------------------------- sections


def bench_events(binary, work, runs):
    session = "a1b2c3d4-0000-4000-8000-00000000e001"
    cfg = work / "events.toml"
    config(cfg, "http://127.0.0.1:9/1/messages.json", 60)
    env = hook_env(work, cfg)
    inputs = hook_inputs(work, session, REAL_TRANSCRIPT)
    order = ["UserPromptSubmit", "PreToolUse", "Notification", "PostToolUse-2MB", "Stop"]
    times = {k: [] for k in ["/bin/true", *order]}
    rss = {k: [] for k in times}
    # One warm-up turn: creates the state dir, pages the binary in.
    for name in order:
        run_once([binary, "hook"], inputs[name], env)
    for _ in range(runs):
        for name in ["/bin/true", *order]:
            argv = [TRUE] if name == "/bin/true" else [binary, "hook"]
            stdin = inputs["PreToolUse"] if name == "/bin/true" else inputs[name]
            dt, maxrss, code = run_once(argv, stdin, env)
            if code != 0:
                fail(f"{name}: exit status {code}")
            times[name].append(dt)
            rss[name].append(maxrss)
        reap()
    run_once([binary, "hook"], inputs["UserPromptSubmit"], env)  # cancels the last push
    decisions = [r for r in read_log(work) if r.get("session") == session]
    scheduled = sum(1 for r in decisions if r["decision"] == "scheduled" and r.get("event") == "Stop")
    if scheduled < runs:
        fail(f"only {scheduled} of {runs} Stops scheduled a push: {decisions[-3:]}")
    return against_noop(times, rss)


# Each agent's events of one turn with a tool call, as captured from the real CLIs
# (cc-notify-core/tests/data/agents/): (agent, scenario file, the `hook` names to run, in order).
AGENT_TURNS = [
    ("codex", "tool", ["UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop"]),
    ("gemini", "tool", ["BeforeAgent", "BeforeTool", "AfterTool", "AfterAgent"]),
    ("copilot", "tool-fails", ["userPromptSubmitted", "preToolUse", "postToolUse", "agentStop"]),
    # Qwen's tool-fails turn ends in an error push, sent at once with no presence check: its
    # deliverer would be sending beside the next round's runs. Its plain turn schedules a
    # delayed push, like the others' (and Claude Code's Stop).
    ("qwen", "plain", ["UserPromptSubmit", "Stop"]),
]


def agent_inputs(work):
    """Each agent's captured payloads of one turn: (agent, [(case name, payload file)])."""
    root = REPO / "cc-notify-core" / "tests" / "data" / "agents"
    turns = []
    for agent, scenario, hooks in AGENT_TURNS:
        lines = [json.loads(l) for l in (root / agent / f"{scenario}.jsonl").read_text().splitlines()]
        cases = []
        for hook in hooks:
            doc = next(l["payload"] for l in lines if l["hook"] == hook)
            path = work / f"agent-{agent}-{hook}.json"
            path.write_text(json.dumps(doc))
            cases.append((f"{agent} {hook}", path))
        turns.append((agent, cases))
    # OpenCode: what cc-notify's plugin hands over (the event, plus the reply it tracked on
    # session.idle): the user's message, a tool call, the idle session.
    lines = [json.loads(l)["payload"] for l in
             (root / "opencode" / "tool-fails.jsonl").read_text().splitlines()]
    part = lambda status: next(  # noqa: E731
        p for p in lines if p["type"] == "message.part.updated"
        and p["properties"]["part"].get("state", {}).get("status") == status)
    docs = [
        ("message.updated", next(p for p in lines if p["type"] == "message.updated"
                                 and p["properties"]["info"]["role"] == "user")),
        ("tool running", part("running")),
        ("tool completed", part("completed")),
        ("session.idle", dict(next(p for p in lines if p["type"] == "session.idle"),
                              reply="Done.")),
    ]
    cases = []
    for name, doc in docs:
        path = work / f"agent-opencode-{name.replace(' ', '-')}.json"
        path.write_text(json.dumps(doc))
        cases.append((f"opencode {name}", path))
    turns.append(("opencode", cases))
    return turns


def bench_agents(binary, work, runs):
    """Every other agent's turn through `cc-notify hook --agent NAME`, against /bin/true.

    Measured as the Claude Code events are: each agent's turn on its own, `runs` rounds of
    /bin/true then the turn's events, its one deliverer stopped before the next agent's, so
    that no case runs beside other agents' deliverers (waking to poll, starting, exiting).
    """
    cfg = work / "agents.toml"
    config(cfg, "http://127.0.0.1:9/1/messages.json", 60)
    env = hook_env(work, cfg)
    out = {}
    for agent, cases in agent_inputs(work):
        noop = f"/bin/true ({agent})"
        times = {k: [] for k in [noop, *(c[0] for c in cases)]}
        rss = {k: [] for k in times}
        argv = [binary, "hook", "--agent", agent]
        for _, path in cases:  # warm-up
            run_once(argv, path, env)
        before = sum(1 for r in read_log(work) if r["decision"] == "scheduled")
        for _ in range(runs):
            for name, path in [(noop, cases[0][1]), *cases]:
                dt, maxrss, code = run_once([TRUE] if name == noop else argv, path, env)
                if code != 0:
                    fail(f"{name}: exit status {code}")
                times[name].append(dt)
                rss[name].append(maxrss)
            reap()
        run_once(argv, cases[0][1], env)  # cancels the last push
        stop_our_children(keep=[TERMINAL["pid"]])  # the next agent's turns find the terminal
        scheduled = sum(1 for r in read_log(work) if r["decision"] == "scheduled") - before
        if scheduled < runs:
            fail(f"{agent}: only {scheduled} of {runs} turns scheduled a push: {read_log(work)[-3:]}")
        times["/bin/true"] = times.pop(noop)
        rss["/bin/true"] = rss.pop(noop)
        res = against_noop(times, rss)
        out[noop] = res.pop("/bin/true")
        out.update(res)
    return out


def bench_transcripts(binary, work, runs, sizes):
    cfg = work / "transcripts.toml"
    config(cfg, "http://127.0.0.1:9/1/messages.json", 60)
    env = hook_env(work, cfg)
    cases = []
    for label, size in sizes:
        path = work / f"transcript-{label}.jsonl"
        actual = write_transcript(path, size)
        for with_msg in (True, False):
            session = f"t-{label}-{'msg' if with_msg else 'tail'}"
            ups = work / f"{session}-ups.json"
            ups.write_text(event(session, "UserPromptSubmit", path, prompt="go"))
            stop = work / f"{session}-stop.json"
            extra = {"last_assistant_message": "Done."} if with_msg else {}
            stop.write_text(event(session, "Stop", path, stop_hook_active=False,
                                  background_tasks=[], **extra))
            cases.append((f"Stop {'with message' if with_msg else 'tail lookup'} {label}",
                          ups, stop, actual))
    times = {c[0]: [] for c in cases}
    rss = {c[0]: [] for c in cases}
    times["/bin/true"], rss["/bin/true"] = [], []
    for ups, stop in [(c[1], c[2]) for c in cases]:  # warm-up
        run_once([binary, "hook"], ups, env)
        run_once([binary, "hook"], stop, env)
    for _ in range(runs):
        dt, m, _ = run_once([TRUE], cases[0][2], env)
        times["/bin/true"].append(dt)
        rss["/bin/true"].append(m)
        for name, ups, stop, _ in cases:
            run_once([binary, "hook"], ups, env)  # opens the turn (and cancels the last push)
            dt, m, code = run_once([binary, "hook"], stop, env)
            if code != 0:
                fail(f"{name}: exit status {code}")
            times[name].append(dt)
            rss[name].append(m)
        reap()
    for _, ups, _, _ in cases:
        run_once([binary, "hook"], ups, env)
    # The tail lookup must have found the final reply in every transcript size.
    sent = [r for r in read_log(work) if r.get("session", "").endswith("-tail")
            and r["decision"] == "scheduled" and r.get("event") == "Stop"]
    if len(sent) < runs * len(sizes):
        fail(f"tail-lookup Stops did not schedule: {len(sent)} of {runs * len(sizes)}")
    out = against_noop(times, rss)
    for label, _ in sizes:
        for kind in ("with message", "tail lookup"):
            small = out[f"Stop {kind} {sizes[0][0]}"]["median_ms"]
            out[f"Stop {kind} {label}"]["x_smallest"] = (
                out[f"Stop {kind} {label}"]["median_ms"] / small)
    return out


class Recorder(http.server.BaseHTTPRequestHandler):
    arrivals = []

    def do_POST(self):
        t = time.time()
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Recorder.arrivals.append(t)
        body = b'{"status":1,"request":"bench-0000"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def vm_kib(pid, key):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


def sleeper_rss():
    """The RSS of `/bin/sleep` asleep: the floor for a sleeping process on this machine."""
    p = subprocess.Popen(["/bin/sleep", "30"])
    try:
        time.sleep(0.2)  # past exec and start-up: asleep in nanosleep
        return vm_kib(p.pid, "VmRSS")
    finally:
        p.kill()
        p.wait()


def bench_deliverer(binary, work, runs):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cfg = work / "deliver.toml"
    config(cfg, f"http://127.0.0.1:{server.server_address[1]}/1/messages.json", 1)
    env = hook_env(work, cfg)
    lags, rss, sleep_rss = [], [], []
    try:
        for i in range(runs):
            session = f"d-{i}"
            inputs = hook_inputs(work, session, REAL_TRANSCRIPT)
            run_once([binary, "hook"], inputs["UserPromptSubmit"], env)
            before = len(Recorder.arrivals)
            run_once([binary, "hook"], inputs["Stop"], env)
            state = json.loads((work / f"state/sessions/{session}.json").read_text())
            pending = state["state"]["pending"]
            due = pending["fire_at_ms"] / 1e3
            pid = pending["deliverer"]["pid"]
            scheduled = [r for r in read_log(work)
                         if r.get("session") == session and r["decision"] == "scheduled"]
            if "watching /dev/pts/" not in scheduled[-1]["reason"]:
                fail(f"the deliverer watches no terminal: {scheduled[-1]}")
            time.sleep(0.5)  # mid-delay: the deliverer is asleep
            rss.append(vm_kib(pid, "VmRSS"))
            sleep_rss.append(sleeper_rss())
            deadline = time.time() + 10
            while len(Recorder.arrivals) == before and time.time() < deadline:
                time.sleep(0.01)
            if len(Recorder.arrivals) == before:
                fail(f"deliverer {pid} sent nothing: {read_log(work)[-3:]}")
            lags.append((Recorder.arrivals[before] - due) * 1e3)
            while pid in our_children():  # the deliverer exits after logging
                reap()
                time.sleep(0.01)
    finally:
        server.shutdown()
    return {
        "runs": runs,
        "sleeping_rss_kib_max": max(rss),
        "sleeping_rss_kib_median": statistics.median(rss),
        "bin_sleep_rss_kib_median": statistics.median(sleep_rss),
        "x_bin_sleep": round(statistics.median(rss) / statistics.median(sleep_rss), 2),
        "lag_ms_median": statistics.median(lags),
        "lag_ms_p95": pct(lags, 95),
        "lag_ms_max": max(lags),
    }


SHELL_HOOK = """#!/bin/sh
# The usual jq + curl ntfy hook from ntfy's and Claude Code users' published instructions.
msg=$(jq -r '.message // .last_assistant_message // "Claude Code finished"')
curl -s -m 10 -H "Title: Claude Code" -d "$msg" "$NTFY_URL" >/dev/null 2>&1 || true
"""


def bench_competitors(binary, work, runs, venv):
    cfg = work / "competitors.toml"
    config(cfg, "http://127.0.0.1:9/1/messages.json", 60)
    env = hook_env(work, cfg)
    env["NTFY_URL"] = "http://127.0.0.1:9/cc-bench"
    shell_hook = work / "ntfy-hook.sh"
    shell_hook.write_text(SHELL_HOOK)
    shell_hook.chmod(0o755)
    hooks = {"cc-notify": [binary, "hook"], "shell jq+curl (ntfy)": [str(shell_hook)]}
    if venv:
        ntfy = Path(venv) / "bin/send-ntfy-claude-notification"
        cn = Path(venv) / "bin/claude-notify"
        if ntfy.exists():
            hooks["claude-code-ntfy-notification-hook 1.0.0 (PyPI)"] = [
                str(ntfy), "--topic", "cc-bench", "--server", "http://127.0.0.1:9"]
        if cn.exists():
            hooks["claude-notify 0.1.1 (PyPI)"] = [str(cn), "hook"]
    session = "c0000000-0000-4000-8000-00000000c001"
    inputs = hook_inputs(work, session, REAL_TRANSCRIPT)
    events = ["Notification", "Stop"]
    times = {(h, e): [] for h in ["/bin/true", *hooks] for e in events}
    rss = {k: [] for k in times}
    for _ in range(runs):
        run_once([binary, "hook"], inputs["UserPromptSubmit"], env)
        for e in events:
            for h in ["/bin/true", *hooks]:
                argv = [TRUE] if h == "/bin/true" else hooks[h]
                dt, m, _ = run_once(argv, inputs[e], env)
                times[(h, e)].append(dt)
                rss[(h, e)].append(m)
        reap()
    run_once([binary, "hook"], inputs["UserPromptSubmit"], env)
    out = {}
    for e in events:
        base = statistics.median(times[("/bin/true", e)])
        ours = statistics.median(times[("cc-notify", e)])
        for h in ["/bin/true", *hooks]:
            s = summary(times[(h, e)], rss[(h, e)])
            s["x_noop"] = s["median_ms"] / 1e3 / base
            s["x_cc_notify"] = s["median_ms"] / 1e3 / ours
            out[f"{e}: {h}"] = s
    return out


# ---------------------------------------------------------------- main


def build(release):
    cmd = ["cargo", "build", "-q", "-p", "cc-notify-cli"] + (["--release"] if release else [])
    subprocess.run(cmd, cwd=REPO, check=True)
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=REPO, check=True,
        capture_output=True).stdout)
    return str(Path(meta["target_directory"]) / ("release" if release else "debug") / "cc-notify")


def print_table(title, rows, cols):
    print(f"\n## {title}\n")
    print("| case | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for name, r in rows.items():
        cells = []
        for c in cols:
            v = r.get(c)
            cells.append("–" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v))
        print(f"| {name} | " + " | ".join(cells) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke mode: few runs, small inputs")
    ap.add_argument("--runs", type=int, help="runs per case (default 200; quick 5)")
    ap.add_argument("--bin", help="the cc-notify binary (default: build it)")
    ap.add_argument("--debug", action="store_true", help="build the dev profile")
    ap.add_argument("--competitors", metavar="VENV", help="venv holding other hooks")
    ap.add_argument("--only", choices=["events", "agents", "transcripts", "deliverer",
                                       "competitors"])
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    a = ap.parse_args()
    runs = a.runs or (5 if a.quick else 200)
    binary = a.bin or build(release=not (a.quick or a.debug))
    become_subreaper()
    results = {"binary": binary, "runs": runs, "machine": {
        "cpus": os.cpu_count(), "uname": " ".join(os.uname()[2:5])}}
    work = Path(tempfile.mkdtemp(prefix="cc-notify-bench-"))
    try:
        (work / "home").mkdir()
        build_measure(work)
        start_terminal()
        sections = [a.only] if a.only else ["events", "agents", "transcripts", "deliverer",
                                            "competitors"]
        if "events" in sections:
            r = results["events"] = bench_events(binary, work, runs)
            print_table("Hook latency per event (wall time of the whole process)", r,
                        ["median_ms", "p95_ms", "x_noop", "max_rss_kib"])
        if "agents" in sections:
            r = results["agents"] = bench_agents(binary, work, runs)
            print_table("Hook latency per event, other agents (captured payloads, --agent)", r,
                        ["median_ms", "p95_ms", "x_noop", "max_rss_kib"])
        if "transcripts" in sections:
            sizes = [("1KB", 1024), ("10MB", 10 * MB)] + ([] if a.quick else [("1GB", 1024 * MB)])
            r = results["transcripts"] = bench_transcripts(binary, work, runs, sizes)
            print_table("Stop against transcripts", r,
                        ["median_ms", "p95_ms", "x_noop", "x_smallest", "max_rss_kib"])
        if "deliverer" in sections:
            r = results["deliverer"] = bench_deliverer(binary, work, 2 if a.quick else 20)
            print_table("Deliverer (delay 1 s, loopback server)", {"deliverer": r}, list(r)[1:])
        if "competitors" in sections:
            r = results["competitors"] = bench_competitors(
                binary, work, 3 if a.quick else max(20, runs // 4), a.competitors)
            print_table("Other notification hooks, same inputs", r,
                        ["median_ms", "p95_ms", "x_noop", "x_cc_notify", "max_rss_kib"])
    finally:
        stop_our_children()
        shutil.rmtree(work, ignore_errors=True)
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2))
    print("\nbench-hook: ok")


if __name__ == "__main__":
    main()
