//! Running rpub, rsub and the mosquitto clients as a user would, with a hard timeout so that no
//! test can hang, and reports that show everything the user would have seen when a check fails.

use std::io::{self, Read, Write};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::broker::live_broker_logs;

/// What a finished command showed its user.
#[derive(Debug)]
pub struct Output {
    /// The command line, for reports.
    pub cmdline: String,
    /// The exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    /// The raw exit status.
    pub status: ExitStatus,
    /// Everything written to stdout, byte-exact.
    pub stdout: Vec<u8>,
    /// Everything written to stderr (lossily decoded).
    pub stderr: String,
    /// How long the command ran.
    pub elapsed: Duration,
}

impl Output {
    /// Stdout, lossily decoded.
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stdout split into lines (without their newlines).
    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout_str().lines().map(str::to_string).collect()
    }

    /// The non-empty lines of stderr.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }

    /// Panics with `msg`, the command, its output and the logs of the brokers of this test.
    #[track_caller]
    pub fn fail(&self, msg: &str) -> ! {
        panic!(
            "{msg}\n{}",
            report(&self.cmdline, self.code_text(), &self.stdout, &self.stderr)
        )
    }

    fn code_text(&self) -> String {
        match self.code {
            Some(code) => format!("exit code {code} after {:?}", self.elapsed),
            None => format!("{} after {:?}", self.status, self.elapsed),
        }
    }

    /// Checks the exit code (and that nothing panicked).
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        self.no_panic();
        if self.code != Some(expected) {
            self.fail(&format!("expected exit code {expected}"));
        }
        self
    }

    /// Checks that the process died of SIGINT (a shell reports 130), without a panic.
    #[track_caller]
    pub fn interrupted(&self) -> &Self {
        self.died_of(libc::SIGINT)
    }

    /// Checks that the process died of SIGTERM (a shell reports 143), without a panic.
    #[track_caller]
    pub fn terminated(&self) -> &Self {
        self.died_of(libc::SIGTERM)
    }

    #[track_caller]
    fn died_of(&self, signal: i32) -> &Self {
        use std::os::unix::process::ExitStatusExt;
        self.no_panic();
        if self.status.signal() != Some(signal) {
            self.fail(&format!("expected death by signal {signal}"));
        }
        self
    }

    /// Checks stdout byte for byte.
    #[track_caller]
    pub fn stdout(&self, expected: impl AsRef<[u8]>) -> &Self {
        let expected = expected.as_ref();
        if self.stdout != expected {
            self.fail(&format!(
                "stdout differs\n--- expected ({} bytes) ---\n{}",
                expected.len(),
                show_bytes(expected)
            ));
        }
        self
    }

    /// Checks that stderr is empty.
    #[track_caller]
    pub fn stderr_empty(&self) -> &Self {
        if !self.stderr.is_empty() {
            self.fail("expected nothing on stderr");
        }
        self
    }

    /// Checks that the tool failed the way the contract says its own errors look: exactly one
    /// non-empty line on stderr, starting with `<tool>: `.
    #[track_caller]
    pub fn one_error_line(&self, tool: &str) -> &Self {
        self.no_panic();
        let lines = self.stderr_lines();
        if lines.len() != 1 || !lines[0].starts_with(&format!("{tool}: ")) {
            self.fail(&format!(
                "expected exactly one stderr line starting with `{tool}: `"
            ));
        }
        self
    }

    /// Checks that the tool refused its input the way the contract says (and `cli.rs` prints
    /// it): exit 2, nothing on stdout, and stderr exactly one line `<tool>: <message>`, in the
    /// tool's own words: not clap's `error:` screen with its `Usage:` and hints, not Rust's
    /// debug notation.
    #[track_caller]
    pub fn usage_error(&self, tool: &str) -> &Self {
        self.code(2).stdout("");
        let prefix = format!("{tool}: ");
        let Some(message) = self
            .stderr
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix('\n'))
        else {
            self.fail(&format!(
                "expected stderr to be one line starting with `{prefix}`"
            ));
        };
        if message.contains('\n') {
            self.fail("expected exactly one line on stderr");
        }
        if message.starts_with("error:") {
            self.fail("the message should be the tool's own, not clap's `error:` line");
        }
        for foreign in ["Usage:", "For more information", "Os {", "kind: "] {
            if message.contains(foreign) {
                self.fail(&format!(
                    "the message should be the tool's own, not {foreign:?}"
                ));
            }
        }
        self
    }

    /// Checks that stderr contains `needle`, ignoring case.
    #[track_caller]
    pub fn stderr_mentions(&self, needle: &str) -> &Self {
        if !self.stderr.to_lowercase().contains(&needle.to_lowercase()) {
            self.fail(&format!("expected stderr to mention {needle:?}"));
        }
        self
    }

    /// Checks that neither stdout nor stderr contains `secret`.
    #[track_caller]
    pub fn never_shows(&self, secret: &str) -> &Self {
        let in_stdout = self
            .stdout
            .windows(secret.len())
            .any(|w| w == secret.as_bytes());
        if in_stdout || self.stderr.contains(secret) {
            self.fail(&format!("the output shows the secret {secret:?}"));
        }
        self
    }

    /// Checks that the tool did not panic.
    #[track_caller]
    pub fn no_panic(&self) -> &Self {
        if self.stderr.contains("panicked") || self.stderr.contains("RUST_BACKTRACE") {
            self.fail("the tool panicked");
        }
        self
    }
}

/// The full failure report for a command.
fn report(cmdline: &str, code: String, stdout: &[u8], stderr: &str) -> String {
    format!(
        "--- command ---\n{cmdline}\n--- {code} ---\n--- stdout ({} bytes) ---\n{}\n--- stderr ---\n{stderr}\n{}",
        stdout.len(),
        show_bytes(stdout),
        live_broker_logs()
    )
}

/// Bytes for a human: text as is (lossily), long output cut in the middle.
pub fn show_bytes(bytes: &[u8]) -> String {
    const KEEP: usize = 2000;
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= 2 * KEEP {
        return text.into_owned();
    }
    let head: String = text.chars().take(KEEP).collect();
    let tail: String = text
        .chars()
        .rev()
        .take(KEEP)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!(
        "{head}\n[... {} bytes left out ...]\n{tail}",
        bytes.len() - 2 * KEEP
    )
}

/// A command line as a shell user would type it (roughly), for reports.
pub fn cmdline(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    for arg in cmd.get_args() {
        let arg = arg.to_string_lossy();
        if arg.len() > 200 {
            parts.push(format!("'{}...' ({} bytes)", &arg[..40], arg.len()));
        } else if arg.is_empty()
            || arg.contains(|c: char| !c.is_ascii_alphanumeric() && !"-_./:=@".contains(c))
        {
            parts.push(format!("'{}'", arg.replace('\'', r"'\''")));
        } else {
            parts.push(arg.into_owned());
        }
    }
    let envs: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| v.map(|v| format!("{}={}", k.to_string_lossy(), v.to_string_lossy())))
        .collect();
    if envs.is_empty() {
        parts.join(" ")
    } else {
        format!("{} {}", envs.join(" "), parts.join(" "))
    }
}

/// Runs `cmd` with `stdin` fed to it, then closed, and waits for it, killing it (and failing
/// the test) after `timeout`.
#[track_caller]
pub fn run_stdin(cmd: &mut Command, stdin: impl Into<Vec<u8>>, timeout: Duration) -> Output {
    run_inner(cmd, Some(stdin.into()), timeout)
}

#[track_caller]
fn run_inner(cmd: &mut Command, stdin: Option<Vec<u8>>, timeout: Duration) -> Output {
    let cmdline = cmdline(cmd);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut proc = Proc::spawn(cmd, cmdline, true);
    let feeder = stdin.map(|bytes| {
        let mut pipe = proc.child.stdin.take().expect("stdin pipe");
        // A tool that exits without reading all of stdin closes the pipe: that is its business,
        // the exit code and output tell whether it was right.
        thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let out = proc.finish(timeout);
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    out
}

/// Running a command as a test step: `rpub(&b).args([...]).run().code(0)` reads like the
/// command line it stands for, followed by what the user must see.
pub trait Run {
    /// Runs with no stdin and waits for the end, killing it (and failing the test) after
    /// [`SHORT`](super::SHORT).
    fn run(&mut self) -> Output;
    /// As [`Run::run`], with a longer limit for bulk transfers.
    fn run_within(&mut self, timeout: Duration) -> Output;
    /// Runs with `stdin` fed to it, then closed (at most [`SHORT`](super::SHORT)).
    fn run_stdin(&mut self, stdin: impl Into<Vec<u8>>) -> Output;
    /// Starts rsub in the background, subscribed ([`Sub::subscribed`]).
    fn subscribed(&mut self) -> Sub;
}

impl Run for Command {
    #[track_caller]
    fn run(&mut self) -> Output {
        run_inner(self, None, super::SHORT)
    }

    #[track_caller]
    fn run_within(&mut self, timeout: Duration) -> Output {
        run_inner(self, None, timeout)
    }

    #[track_caller]
    fn run_stdin(&mut self, stdin: impl Into<Vec<u8>>) -> Output {
        run_inner(self, Some(stdin.into()), super::SHORT)
    }

    #[track_caller]
    fn subscribed(&mut self) -> Sub {
        Sub::subscribed(self)
    }
}

/// What the reader threads collected so far.
#[derive(Default)]
struct Captured {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    stdout_open: bool,
    stderr_open: bool,
}

struct Shared {
    captured: Mutex<Captured>,
    changed: Condvar,
}

/// A spawned process whose stdout and stderr are being collected by threads.
struct Proc {
    child: Child,
    cmdline: String,
    shared: Arc<Shared>,
    readers: Vec<JoinHandle<()>>,
    started: Instant,
    status: Option<ExitStatus>,
}

impl Proc {
    fn spawn(cmd: &mut Command, cmdline: String, capture_stdout: bool) -> Proc {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        // Before spawning: a busy machine may stall this thread right after the spawn, and
        // a command's elapsed time must never come out shorter than what it really took.
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `{cmdline}`: {e}"));
        let shared = Arc::new(Shared {
            captured: Mutex::new(Captured {
                stdout_open: capture_stdout,
                stderr_open: true,
                ..Default::default()
            }),
            changed: Condvar::new(),
        });
        let mut readers = Vec::new();
        if capture_stdout {
            let stdout = child.stdout.take().expect("stdout pipe");
            readers.push(collect(stdout, shared.clone(), true));
        }
        let stderr = child.stderr.take().expect("stderr pipe");
        readers.push(collect(stderr, shared.clone(), false));
        Proc {
            child,
            cmdline,
            shared,
            readers,
            started,
            status: None,
        }
    }

    fn snapshot(&self) -> (Vec<u8>, String) {
        let captured = self.shared.captured.lock().unwrap();
        (
            captured.stdout.clone(),
            String::from_utf8_lossy(&captured.stderr).into_owned(),
        )
    }

    fn fail(&mut self, msg: &str) -> ! {
        let code = match self.child.try_wait() {
            Ok(Some(status)) => format!("exited: {status} after {:?}", self.started.elapsed()),
            _ => format!("still running after {:?}", self.started.elapsed()),
        };
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (stdout, stderr) = self.snapshot();
        panic!("{msg}\n{}", report(&self.cmdline, code, &stdout, &stderr))
    }

    /// Waits until `done(captured)` holds, failing the test on timeout or when the streams close
    /// (the process ended) before it holds.
    fn wait_until(&mut self, what: &str, timeout: Duration, done: impl Fn(&Captured) -> bool) {
        let deadline = Instant::now() + timeout;
        let shared = self.shared.clone();
        let mut captured = shared.captured.lock().unwrap();
        loop {
            if done(&captured) {
                return;
            }
            let now = Instant::now();
            if now >= deadline || (!captured.stdout_open && !captured.stderr_open) {
                drop(captured);
                let why = if now >= deadline {
                    format!("timed out after {timeout:?}")
                } else {
                    "the process ended".into()
                };
                self.fail(&format!("waiting for {what}: {why}"));
            }
            captured = shared
                .changed
                .wait_timeout(captured, deadline - now)
                .unwrap()
                .0;
        }
    }

    /// Waits for the process to exit, then for its output.
    fn finish(&mut self, timeout: Duration) -> Output {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() >= deadline {
                self.fail(&format!("the process did not exit within {timeout:?}"));
            }
            thread::sleep(Duration::from_millis(5));
        };
        let elapsed = self.started.elapsed();
        self.status = Some(status);
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let (stdout, stderr) = self.snapshot();
        Output {
            cmdline: self.cmdline.clone(),
            code: status.code(),
            status,
            stdout,
            stderr,
            elapsed,
        }
    }

    fn signal(&mut self, signal: &str) {
        if self.status.is_some() || matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let ok = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "could not send SIG{signal} to `{}`", self.cmdline);
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A thread that appends everything `pipe` yields to the captured output.
fn collect(
    mut pipe: impl Read + Send + 'static,
    shared: Arc<Shared>,
    is_stdout: bool,
) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = match pipe.read(&mut buf) {
                Ok(0) => 0,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => 0,
            };
            let mut captured = shared.captured.lock().unwrap();
            if n == 0 {
                if is_stdout {
                    captured.stdout_open = false;
                } else {
                    captured.stderr_open = false;
                }
                shared.changed.notify_all();
                return;
            }
            if is_stdout {
                captured.stdout.extend_from_slice(&buf[..n]);
            } else {
                captured.stderr.extend_from_slice(&buf[..n]);
            }
            shared.changed.notify_all();
        }
    })
}

/// A process running in the background (typically a subscriber) whose output can be awaited
/// while the test does other things. Killed when dropped.
pub struct Sub {
    proc: Proc,
}

impl Sub {
    /// Starts `cmd` in the background (stdin closed).
    pub fn spawn(cmd: &mut Command) -> Sub {
        let cmdline = cmdline(cmd);
        cmd.stdin(Stdio::null());
        Sub {
            proc: Proc::spawn(cmd, cmdline, true),
        }
    }

    /// Starts `cmd` in the background with its stdin as a pipe the test writes to.
    pub fn spawn_with_stdin(cmd: &mut Command) -> (Sub, std::process::ChildStdin) {
        let cmdline = cmdline(cmd);
        cmd.stdin(Stdio::piped());
        let mut proc = Proc::spawn(cmd, cmdline, true);
        let stdin = proc.child.stdin.take().expect("stdin pipe");
        (Sub { proc }, stdin)
    }

    /// Starts `cmd` in the background and hands its stdout pipe to the test (as `| head` would
    /// hold it); only stderr is collected.
    pub fn spawn_stdout_piped(cmd: &mut Command) -> (Sub, ChildStdout) {
        let cmdline = cmdline(cmd);
        cmd.stdin(Stdio::null());
        let mut proc = Proc::spawn_keep_stdout(cmd, cmdline);
        let stdout = proc.child.stdout.take().expect("stdout pipe");
        (Sub { proc }, stdout)
    }

    /// Starts rsub with `-d` added and waits until its trace shows a SUBACK for every SUBSCRIBE
    /// it sent: from then on, whatever is published on its filters reaches it.
    #[track_caller]
    pub fn subscribed(cmd: &mut Command) -> Sub {
        let mut sub = Sub::spawn(cmd.arg("-d"));
        sub.proc.wait_until(
            "a SUBACK for every SUBSCRIBE in the trace",
            Duration::from_secs(10),
            |c| {
                let trace = String::from_utf8_lossy(&c.stderr);
                let acks = trace.matches("received SUBACK").count();
                acks > 0 && acks >= trace.matches("sending SUBSCRIBE").count()
            },
        );
        sub
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.proc.child.id()
    }

    /// Waits until stderr contains `needle`.
    #[track_caller]
    pub fn wait_for_stderr(&mut self, needle: &str, timeout: Duration) {
        self.proc
            .wait_until(&format!("{needle:?} on stderr"), timeout, |c| {
                String::from_utf8_lossy(&c.stderr).contains(needle)
            });
    }

    /// Waits until stdout holds at least `n` complete lines, and returns the lines so far.
    #[track_caller]
    pub fn wait_stdout_lines(&mut self, n: usize, timeout: Duration) -> Vec<String> {
        self.proc
            .wait_until(&format!("{n} lines on stdout"), timeout, |c| {
                c.stdout.iter().filter(|&&b| b == b'\n').count() >= n
            });
        self.stdout_lines()
    }

    /// Waits until stdout contains `needle`.
    #[track_caller]
    pub fn wait_for_stdout(&mut self, needle: &[u8], timeout: Duration) {
        let what = format!("{:?} on stdout", String::from_utf8_lossy(needle));
        self.proc.wait_until(&what, timeout, |c| {
            c.stdout.windows(needle.len()).any(|w| w == needle)
        });
    }

    /// The complete lines on stdout so far.
    pub fn stdout_lines(&self) -> Vec<String> {
        let (stdout, _) = self.proc.snapshot();
        let text = String::from_utf8_lossy(&stdout).into_owned();
        let complete = match text.rfind('\n') {
            Some(end) => &text[..end],
            None => return Vec::new(),
        };
        complete.split('\n').map(str::to_string).collect()
    }

    /// Stdout and stderr so far.
    pub fn output_so_far(&self) -> (Vec<u8>, String) {
        self.proc.snapshot()
    }

    /// Whether the process has exited.
    pub fn has_exited(&mut self) -> bool {
        matches!(self.proc.child.try_wait(), Ok(Some(_)))
    }

    /// Waits for the process to exit on its own and returns what it showed.
    #[track_caller]
    pub fn finish(mut self, timeout: Duration) -> Output {
        self.proc.finish(timeout)
    }

    /// Sends SIGINT, as Ctrl+C in a terminal would.
    pub fn interrupt(&mut self) {
        self.proc.signal("INT");
    }

    /// Sends SIGTERM.
    pub fn terminate(&mut self) {
        self.proc.signal("TERM");
    }

    /// Kills the process with SIGKILL: no chance to say goodbye.
    pub fn kill(&mut self) {
        self.proc.signal("KILL");
    }

    /// Fails the test, reporting this process's output and the broker logs.
    #[track_caller]
    pub fn fail(&mut self, msg: &str) -> ! {
        self.proc.fail(msg)
    }
}

impl Proc {
    fn spawn_keep_stdout(cmd: &mut Command, cmdline: String) -> Proc {
        Proc::spawn(cmd, cmdline, false)
    }
}

/// `cmd` run by `sh -c script`, where the script runs it as `"$@"` (`exec "$@" > /dev/full`):
/// its program, arguments and environment as the harness built them.
pub fn in_shell(cmd: &Command, script: &str) -> Command {
    let mut sh = Command::new("sh");
    sh.args(["-c", script, "sh"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => sh.env(key, value),
            None => sh.env_remove(key),
        };
    }
    sh
}

/// `cmd` with its stdout on /dev/full (as `cmd > /dev/full` in a shell): every write to it
/// fails with "No space left on device".
pub fn to_dev_full(cmd: &Command) -> Command {
    in_shell(cmd, r#"exec "$@" > /dev/full"#)
}
