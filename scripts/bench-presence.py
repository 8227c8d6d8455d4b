#!/usr/bin/env python3
"""Time from "away" to the push request, per presence probe, with the real `cc-notify` binary.

Each run: `cc-notify hook` gets a UserPromptSubmit and a Stop (as Claude Code sends them) in an
environment that names one probe's component; the detached deliverer waits, reads the probes
and sends to a loopback Pushover stand-in. The figure is the request's arrival minus the moment
the user was "away":

* idle cases (pty, tmux attached, X11, GNOME): the end of the policy's delay (1 s) — the user
  left before the turn ended, so the push should go out right at the delay's end;
* event cases (tmux detach, logind lock, GNOME lock): the moment of the detach or lock, with a
  60 s delay that must not be waited.

    scripts/bench-presence.py [--bin target/release/cc-notify] [--runs 10]

Needs tmux, Xvfb, dbus-daemon, busctl and python3-dbusmock (.ci/presence-setup.sh); a case
whose component is missing is left out. Everything runs in a temporary directory; every
network endpoint is 127.0.0.1; every process it starts is stopped by pid.
"""

import argparse
import http.server
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("bench_hook", REPO / "scripts/bench-hook.py")
bh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bh)

STARTED = []  # Popen objects we started, stopped by pid at the end


def start(argv, env=None, stdout=subprocess.DEVNULL):
    p = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.DEVNULL)
    STARTED.append(p)
    return p


def until(what, f, limit=15):
    deadline = time.time() + limit
    while time.time() < deadline:
        v = f()
        if v:
            return v
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up")


def ok(argv, env=None):
    return subprocess.run(argv, env=env, capture_output=True).returncode == 0


# ---------------------------------------------------------------- components


def tmux_pair(work):
    inner, outer = str(work / "inner"), str(work / "outer")
    env = {k: v for k, v in os.environ.items() if k != "TMUX"}
    subprocess.run(["tmux", "-S", inner, "new-session", "-d", "-s", "work"], env=env, check=True)
    pane = subprocess.run(["tmux", "-S", inner, "display", "-p", "-t", "work", "#{pane_id}"],
                          env=env, capture_output=True, text=True, check=True).stdout.strip()

    def attach():
        subprocess.run(["tmux", "-S", outer, "kill-server"], env=env, capture_output=True)
        subprocess.run(["tmux", "-S", outer, "new-session", "-d", "-s", "term",
                        f"env -u TMUX tmux -S '{inner}' attach -t work"], env=env, check=True)
        until("a tmux client", lambda: subprocess.run(
            ["tmux", "-S", inner, "display", "-p", "-t", "work", "#{session_attached}"],
            env=env, capture_output=True, text=True).stdout.strip() not in ("", "0"))

    def detach():
        subprocess.run(["tmux", "-S", outer, "send-keys", "-t", "term", "C-b", "d"], env=env,
                       check=True)

    def stop():
        for s in (outer, inner):
            subprocess.run(["tmux", "-S", s, "kill-server"], env=env, capture_output=True)

    return {"TMUX": f"{inner},1,0", "TMUX_PANE": pane}, attach, detach, stop


def xvfb():
    n = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    start(["Xvfb", f":{n}", "-nolisten", "tcp", "-noreset"])
    until("Xvfb", lambda: Path(f"/tmp/.X11-unix/X{n}").exists())
    return {"DISPLAY": f":{n}"}


def bus(work):
    p = start(["dbus-daemon", "--session", "--nofork", "--print-address=1",
               f"--address=unix:path={work / 'bus'}"], stdout=subprocess.PIPE)
    return p.stdout.readline().decode().strip()


def busctl(address, *args):
    return ok(["busctl", f"--address={address}", "call", *args])


def logind(address):
    start(["/usr/bin/python3", "-m", "dbusmock", "--system", "--template", "logind"],
          env={**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": address})
    until("the logind stand-in", lambda: busctl(
        address, "org.freedesktop.login1", "/org/freedesktop/login1",
        "org.freedesktop.DBus.Mock", "AddSession", "ssusb", "c1", "seat0", "1000", "dev", "true"))

    def lock(on):
        busctl(address, "org.freedesktop.login1", "/org/freedesktop/login1/session/c1",
               "org.freedesktop.login1.Session", "SetLockedHint", "b", "true" if on else "false")

    return {"DBUS_SYSTEM_BUS_ADDRESS": address, "XDG_SESSION_ID": "c1"}, lock


def gnome(address):
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address}
    start(["/usr/bin/python3", "-m", "dbusmock", "--session", "org.gnome.Mutter.IdleMonitor",
           "/org/gnome/Mutter/IdleMonitor/Core", "org.gnome.Mutter.IdleMonitor"], env=env)
    until("the Mutter stand-in", lambda: busctl(
        address, "org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core",
        "org.freedesktop.DBus.Mock", "AddMethod", "sssss", "", "GetIdletime", "", "t",
        # An idle counter that grows with the clock, as Mutter's does: last input 10 min ago.
        f"ret = int(__import__('time').time() * 1000) - {int(time.time() * 1000) - 600000}"))
    start(["/usr/bin/python3", "-m", "dbusmock", "--session", "--template", "gnome_screensaver"],
          env=env)
    until("the GNOME lock stand-in", lambda: busctl(
        address, "org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver",
        "GetActive"))

    def lock(on):
        busctl(address, "org.gnome.ScreenSaver", "/org/gnome/ScreenSaver",
               "org.gnome.ScreenSaver", "SetActive", "b", "true" if on else "false")

    return {"DBUS_SESSION_BUS_ADDRESS": address}, lock


# ---------------------------------------------------------------- runs


def one_push(binary, work, env, session, delay_s, event=None):
    """Runs a turn's hooks, optionally `event()` once the push is scheduled; returns
    (arrival − away) in ms and the log's reason for the push."""
    inputs = bh.hook_inputs(work, session, bh.REAL_TRANSCRIPT)
    before = len(bh.Recorder.arrivals)
    for name in ("UserPromptSubmit", "Stop"):
        with open(inputs[name]) as stdin:
            subprocess.run([binary, "hook"], stdin=stdin, env=env, check=True,
                           stdout=subprocess.DEVNULL)
    state = json.loads((work / f"state/sessions/{session}.json").read_text())
    pending = state["state"]["pending"]
    away = pending["fire_at_ms"] / 1e3
    if event:
        time.sleep(0.7)  # the deliverer has started and read its baselines
        away = time.time()
        event()
    deadline = time.time() + delay_s + 10
    while len(bh.Recorder.arrivals) == before and time.time() < deadline:
        time.sleep(0.005)
    if len(bh.Recorder.arrivals) == before:
        raise RuntimeError(f"no push: {bh.read_log(work)[-3:]}")
    lag = (bh.Recorder.arrivals[before] - away) * 1e3
    # The deliverer logs the send once the request is answered.
    fired = until("the fired log line", lambda: [
        r for r in bh.read_log(work) if r.get("session") == session and r["decision"] == "fired"])
    return lag, fired[-1]["reason"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(REPO / "target/debug/cc-notify"))
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    bh.become_subreaper()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), bh.Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/1/messages.json"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "home").mkdir()
        bh.start_terminal()
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("CLAUDE", "CC_NOTIFY", "TMUX", "DBUS", "DISPLAY",
                                     "XDG_SESSION", "WAYLAND"))}

        def env_for(extra, delay_s):
            cfg = work / f"cfg-{delay_s}.toml"
            bh.config(cfg, url, delay_s)
            return {**base, **bh.hook_env(work, cfg), **extra}

        cases = []
        cases.append(("pty only, idle", {}, 1, None, None))
        try:
            tmux_env, attach, detach, stop_tmux = tmux_pair(work)
            attach()
            cases.append(("tmux attached, idle", tmux_env, 1, None, None))
            cases.append(("tmux detach", tmux_env, 60, detach, attach))
        except (OSError, subprocess.CalledProcessError, RuntimeError) as e:
            print(f"left out tmux: {e}", file=sys.stderr)
            stop_tmux = None
        try:
            cases.append(("X11 (Xvfb), idle", xvfb(), 1, None, None))  # noqa
        except (OSError, RuntimeError, StopIteration) as e:
            print(f"left out X11: {e}", file=sys.stderr)
        try:
            address = bus(work)
            login_env, login_lock = logind(address)
            cases.append(("logind LockedHint", login_env, 60,
                          lambda: login_lock(True), lambda: login_lock(False)))
            gnome_env, gnome_lock = gnome(address)
            cases.append(("GNOME Mutter, idle", gnome_env, 1, None, None))
            cases.append(("GNOME lock screen", gnome_env, 60,
                          lambda: gnome_lock(True), lambda: gnome_lock(False)))
        except (OSError, RuntimeError) as e:
            print(f"left out D-Bus: {e}", file=sys.stderr)
        try:
            for i, (name, extra, delay_s, event, undo) in enumerate(cases):
                env = env_for(extra, delay_s)
                lags, reason = [], ""
                for r in range(args.runs):
                    lag, reason = one_push(args.bin, work, env, f"p-{i}-{r}", delay_s, event)
                    lags.append(lag)
                    if undo:
                        undo()
                    bh.reap()
                rows.append((name, statistics.median(lags), bh.pct(lags, 95), max(lags),
                             reason.split("[", 1)[-1].rstrip("]") if "[" in reason else ""))
        finally:
            server.shutdown()
            if stop_tmux:
                stop_tmux()
            for p in STARTED:
                p.kill()
                p.wait()
            bh.stop_our_children()
    print(f"| case | lag median ms | p95 ms | max ms | decided by |")
    print("|---|---:|---:|---:|---|")
    for name, med, p95, mx, why in rows:
        print(f"| {name} | {med:.0f} | {p95:.0f} | {mx:.0f} | {why} |")


if __name__ == "__main__":
    main()
