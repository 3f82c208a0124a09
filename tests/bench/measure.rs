//! What one process cost, as the kernel says: wall time from spawn to exit, user and system
//! CPU from `wait4`, peak RSS from `VmHWM`. Every case measures its processes through here:
//! followed by two threads of ours ([`measure`]), or, for the one-shot runs that last a
//! couple of milliseconds, timed by the spawning thread alone ([`time_alone`]).

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{show_time, Sample};

/// What the kernel says one process cost.
#[derive(Debug)]
pub struct Usage {
    pub ended: Instant,
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    max_rss_kib: u64,
    /// Exit status; `None` when a signal ended it.
    code: Option<i32>,
    timed_out: bool,
    /// Where its stderr went.
    stderr: PathBuf,
}

impl Usage {
    pub fn failure(&self) -> Option<String> {
        if self.timed_out {
            return Some(format!("killed after {}", show_time(self.wall)));
        }
        if self.code == Some(0) {
            return None;
        }
        let status = match self.code {
            Some(code) => format!("exit {code}"),
            None => "killed by a signal".to_string(),
        };
        let stderr = fs::read_to_string(&self.stderr).unwrap_or_default();
        match stderr.lines().find(|l| !l.trim().is_empty()) {
            Some(line) => Some(format!("{status}: {line}")),
            None => Some(status),
        }
    }

    pub fn sample(&self, delivered: Option<u64>) -> Sample {
        Sample {
            wall: self.wall,
            cpu: self.user + self.sys,
            sys: self.sys,
            rss_kib: self.max_rss_kib,
            delivered,
            failure: self.failure(),
            round: 0,
        }
    }
}

/// A process being measured: a thread waits for it with `wait4`, which reports its CPU time
/// and notes when it ended, and another follows its peak RSS.
///
/// Peak RSS is not `wait4`'s `ru_maxrss`: Linux counts into it the high-water mark of the
/// address space the child had before `exec`, which is the spawning process's (this test's,
/// several MiB after writing the `-l` input). `VmHWM` in `/proc/PID/status` belongs to the
/// program's own address space; it only grows, so the last reading before the exit is the
/// peak, give or take the last millisecond or so.
pub struct Running {
    pid: libc::pid_t,
    started: Instant,
    stderr: PathBuf,
    done: mpsc::Receiver<(Instant, libc::c_int, libc::rusage)>,
    peak: thread::JoinHandle<u64>,
    exited: Arc<AtomicBool>,
    // Kept so that its pipes stay open; never waited for through std (wait4 reaps it).
    _child: Child,
}

/// A new file in `dir` for a process's stderr, read when it fails.
fn stderr_file(dir: &Path) -> (PathBuf, File) {
    static N: AtomicU64 = AtomicU64::new(0);
    let path = dir.join(format!("stderr-{}", N.fetch_add(1, Ordering::Relaxed)));
    let file = File::create(&path).expect("create a stderr file");
    (path, file)
}

/// Starts `cmd` with `stdin`, its stderr into a file in `dir` (read when it fails). Stdout is
/// whatever `cmd` says.
pub fn spawn(cmd: &mut Command, stdin: Stdio, dir: &Path) -> Running {
    let (stderr, err_file) = stderr_file(dir);
    cmd.stdin(stdin).stderr(err_file);
    let started = Instant::now();
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    let pid = child.id() as libc::pid_t;
    let (tx, done) = mpsc::channel();
    thread::spawn(move || {
        let (status, usage) = reap(pid);
        let _ = tx.send((Instant::now(), status, usage));
    });
    let exited = Arc::new(AtomicBool::new(false));
    // The first reading here and now: on a loaded machine a one-shot process may be gone
    // before a new thread first runs.
    let first = vm_hwm(pid).unwrap_or(0);
    let peak = {
        let exited = exited.clone();
        thread::spawn(move || follow_peak_rss(pid, &exited).max(first))
    };
    Running {
        pid,
        started,
        stderr,
        done,
        peak,
        exited,
        _child: child,
    }
}

/// The highest `VmHWM` of `pid` read until `exited` is set: every half millisecond at first
/// (one-shot runs last a few milliseconds), then every 5 ms (cheap enough not to disturb
/// what is measured).
fn follow_peak_rss(pid: libc::pid_t, exited: &AtomicBool) -> u64 {
    let started = Instant::now();
    let mut peak = 0;
    while !exited.load(Ordering::Acquire) {
        if let Some(kib) = vm_hwm(pid) {
            peak = peak.max(kib);
        }
        let pause = if started.elapsed() < Duration::from_millis(50) {
            Duration::from_micros(500)
        } else {
            Duration::from_millis(5)
        };
        thread::sleep(pause);
    }
    peak
}

impl Running {
    /// Waits for the exit, killing the process after `limit`.
    pub fn wait(self, limit: Duration) -> Usage {
        let remaining = limit.saturating_sub(self.started.elapsed());
        let (result, timed_out) = match self.done.recv_timeout(remaining) {
            Ok(result) => (result, false),
            Err(_) => {
                // Still unreaped (the waiter has not sent), so the pid is still this child.
                // SAFETY: plain syscall.
                unsafe { libc::kill(self.pid, libc::SIGKILL) };
                (self.done.recv().expect("the waiter thread reports"), true)
            }
        };
        let (ended, status, usage) = result;
        self.exited.store(true, Ordering::Release);
        let peak_rss = self.peak.join().unwrap_or(0);
        let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
        Usage {
            ended,
            wall: ended.saturating_duration_since(self.started),
            user: timeval(usage.ru_utime),
            sys: timeval(usage.ru_stime),
            max_rss_kib: peak_rss,
            code,
            timed_out,
            stderr: self.stderr,
        }
    }
}

/// `VmHWM` of a running process, KiB. A zombie's status has none: nothing to read once it
/// has exited.
fn vm_hwm(pid: libc::pid_t) -> Option<u64> {
    status_kib(pid, "VmHWM")
}

/// A KiB figure of a running process's `/proc/PID/status` (`VmRSS`, `VmHWM`).
pub fn status_kib(pid: libc::pid_t, field: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| {
        l.strip_prefix(field)
            .is_some_and(|rest| rest.starts_with(':'))
    })?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `cmd` to its end with stdout into /dev/null, and measures it.
pub fn measure(cmd: &mut Command, stdin: Stdio, dir: &Path, limit: Duration) -> Usage {
    spawn(cmd.stdout(Stdio::null()), stdin, dir).wait(limit)
}

/// Runs `cmd` to its end with stdout into /dev/null, timed by this thread alone: it spawns,
/// sleeps until the exit and reaps, and no thread of ours runs meanwhile. [`measure`]'s two
/// threads (one waiting, one reading `/proc/PID/status` every half millisecond) run beside
/// the process on a two-core machine shared with the broker, which drew both tools' times
/// together: followed, one-shot publishes read 0.71-0.75 of mosquitto_pub's while a plain
/// spawn-and-wait loop between those runs read 0.67; timed here, the two agree. Peak RSS is
/// not followed here (left 0): take it from launches of [`measure`].
pub fn time_alone(cmd: &mut Command, stdin: Stdio, dir: &Path, limit: Duration) -> Usage {
    let (stderr, err_file) = stderr_file(dir);
    cmd.stdout(Stdio::null()).stdin(stdin).stderr(err_file);
    let started = Instant::now();
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    let pid = child.id() as libc::pid_t;
    let timed_out = !exits_within(pid, limit);
    if timed_out {
        // Still unreaped, so the pid is still this child.
        // SAFETY: plain syscall.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let (status, usage) = reap(pid);
    let ended = Instant::now();
    drop(child);
    Usage {
        ended,
        wall: ended.saturating_duration_since(started),
        user: timeval(usage.ru_utime),
        sys: timeval(usage.ru_stime),
        max_rss_kib: 0,
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        timed_out,
        stderr,
    }
}

/// Sleeps until the child `pid` exits (its pidfd becomes readable) or `limit` has passed.
fn exits_within(pid: libc::pid_t, limit: Duration) -> bool {
    // SAFETY: plain syscall; the result is a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as libc::c_int;
    assert!(fd >= 0, "pidfd_open({pid}): {}", io::Error::last_os_error());
    let deadline = Instant::now() + limit;
    let exited = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = left.as_millis().min(i32::MAX as u128) as libc::c_int;
        // SAFETY: one valid pollfd.
        match unsafe { libc::poll(&mut poll, 1, ms) } {
            n if n > 0 => break true,
            0 => break false,
            _ if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => continue,
            _ => panic!("poll on the pidfd of {pid}: {}", io::Error::last_os_error()),
        }
    };
    // SAFETY: our own descriptor, closed once.
    unsafe { libc::close(fd) };
    exited
}

/// `wait4` for `pid` until it reports: its status and what it used.
fn reap(pid: libc::pid_t) -> (libc::c_int, libc::rusage) {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; `pid` is our own unreaped child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return (status, usage);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            panic!("wait4({pid}): {err}");
        }
    }
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
}
