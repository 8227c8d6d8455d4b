//! What one reading of each probe costs, against the real components (the tests' set-up: a
//! tmux server with an attached client, Xvfb, a private D-Bus with python3-dbusmock's logind
//! and a Mutter stand-in; `.ci/presence-setup.sh` installs them). A probe whose component
//! cannot be started is left out, and the bench says so.
//!
//! `cargo bench -p cc-notify-presence --bench probes`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cc_notify_core::ActivityProbe;
use cc_notify_presence::{
    ClaudeSessionProbe, Env, GnomeProbe, LogindProbe, Probe, TmuxProbe, X11Probe, discover,
    read_all,
};
use criterion::{Criterion, criterion_group, criterion_main};

/// Started components, killed by pid when dropped.
struct Kill(Vec<Child>, Vec<std::path::PathBuf>);

impl Drop for Kill {
    fn drop(&mut self) {
        for socket in &self.1 {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(socket)
                .arg("kill-server")
                .output();
        }
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("left out: {what} did not come up");
    None
}

fn ok(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn tmux(dir: &std::path::Path, kill: &mut Kill) -> Option<TmuxProbe> {
    let (inner, outer) = (dir.join("inner"), dir.join("outer"));
    kill.1.extend([outer.clone(), inner.clone()]);
    let t = |s: &std::path::Path| {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(s).env_remove("TMUX");
        c
    };
    if !ok(t(&inner).args(["new-session", "-d", "-s", "work"])) {
        eprintln!("left out: tmux (not installed)");
        return None;
    }
    let attach = format!("env -u TMUX tmux -S '{}' attach -t work", inner.display());
    ok(t(&outer).args(["new-session", "-d", "-s", "term", &attach]));
    let probe = TmuxProbe::from_env(Some(&format!("{},1,0", inner.display())), Some("%0"))?;
    until("a tmux client", || {
        Some(()).filter(|_| probe.read().input.is_some())
    })?;
    Some(probe)
}

fn xvfb(kill: &mut Kill) -> Option<X11Probe> {
    let n = (90..200).find(|n| !std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())?;
    let display = format!(":{n}");
    let child = Command::new("Xvfb")
        .args([&display, "-nolisten", "tcp", "-noreset"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    kill.0.push(child);
    let probe = X11Probe::from_env(Some(&display))?;
    until("Xvfb", || probe.idle_ms().ok())?;
    Some(probe)
}

fn buses(dir: &std::path::Path, kill: &mut Kill) -> Option<(LogindProbe, GnomeProbe)> {
    let mut bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .arg(format!("--address=unix:path={}", dir.join("bus").display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut address = String::new();
    BufReader::new(bus.stdout.take()?)
        .read_line(&mut address)
        .ok()?;
    kill.0.push(bus);
    let address = address.trim().to_owned();
    for args in [
        vec!["--system", "--template", "logind"],
        vec![
            "--session",
            "org.gnome.Mutter.IdleMonitor",
            "/org/gnome/Mutter/IdleMonitor/Core",
            "org.gnome.Mutter.IdleMonitor",
        ],
    ] {
        let mock = Command::new("/usr/bin/python3")
            .args(["-m", "dbusmock"])
            .args(args)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &address)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        kill.0.push(mock);
    }
    let busctl = |args: &[&str]| {
        ok(Command::new("busctl")
            .arg(format!("--address={address}"))
            .arg("call")
            .args(args))
    };
    until("the logind stand-in", || {
        Some(()).filter(|_| {
            busctl(&[
                "org.freedesktop.login1",
                "/org/freedesktop/login1",
                "org.freedesktop.DBus.Mock",
                "AddSession",
                "ssusb",
                "c1",
                "seat0",
                "1000",
                "dev",
                "true",
            ])
        })
    })?;
    until("the Mutter stand-in", || {
        Some(()).filter(|_| {
            busctl(&[
                "org.gnome.Mutter.IdleMonitor",
                "/org/gnome/Mutter/IdleMonitor/Core",
                "org.freedesktop.DBus.Mock",
                "AddMethod",
                "sssss",
                "",
                "GetIdletime",
                "",
                "t",
                "ret = 7000",
            ])
        })
    })?;
    Some((
        LogindProbe::from_env(Some(&address), Some("c1"), None)?,
        GnomeProbe::from_env(Some(&address))?,
    ))
}

fn probes(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut kill = Kill(Vec::new(), Vec::new());
    let mut all: Vec<Probe> = Vec::new();

    let pty = dir.path().join("pty");
    std::fs::write(&pty, "").unwrap();
    all.push(Box::new(cc_notify_core::TtyProbe::new(&pty)));
    let sessions = dir.path().join(".claude/sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    std::fs::write(
        sessions.join("7.json"),
        r#"{"pid":7,"sessionId":"s","status":"waiting","statusUpdatedAt":1795975385748}"#,
    )
    .unwrap();
    all.push(Box::new(
        ClaudeSessionProbe::from_env(None, Some(dir.path()), Some(7), Some("s")).unwrap(),
    ));
    if let Some(p) = tmux(dir.path(), &mut kill) {
        all.push(Box::new(p));
    }
    if let Some(p) = xvfb(&mut kill) {
        all.push(Box::new(p));
    }
    if let Some((logind, gnome)) = buses(dir.path(), &mut kill) {
        all.push(Box::new(logind));
        all.push(Box::new(gnome));
    }

    let mut g = c.benchmark_group("read");
    g.sample_size(30).measurement_time(Duration::from_secs(3));
    for p in &all {
        g.bench_function(p.name(), |b| b.iter(|| black_box(p.read())));
    }
    g.bench_function("all of them at once", |b| {
        b.iter(|| black_box(read_all(&all)))
    });
    g.finish();
    // Nothing in this process's own environment is read by the figures above.
    black_box(discover(&Env::default()));
    drop(kill);
}

criterion_group!(benches, probes);
criterion_main!(benches);
