//! The benchmark: rpub and rsub against mosquitto_pub and mosquitto_sub, on one fresh Mosquitto,
//! in the same run, alternating, several rounds. It prints per case the medians of both tools,
//! their ratio (ours / theirs, lower is better) and how many messages arrived, so that a run
//! that lost messages is reported as such and never as fast; then CPU time and peak RSS of every
//! measured process, the size of the release binaries and a clean release build time.
//!
//! Not part of the test suite (ignored, so CI stays fast). Run it with
//! `cargo test --release --locked --test bench -- --ignored --nocapture`. `crates/README.md`,
//! section "Benchmark", says what it needs, which environment variables shorten it, how each
//! case is measured, and holds the table of the last run (README quotes from it).
//!
//! The machines this runs on are shared and noisy: absolute times do not hold from one run to
//! the next, ratios of medians taken side by side do. So every case runs both tools in turn,
//! the order swapped every round, and each process is measured by the kernel (`wait4`: wall
//! time from spawn to exit, user and system CPU, peak RSS).

// The harness of the end-to-end tests: brokers and command builders. This target uses a part.
#[allow(unused_macros, unused_imports)]
#[path = "util/mod.rs"]
mod util;
// The load figures (rpub --clients against mosquitto_pub processes), a test of their own.
#[path = "bench/load.rs"]
mod load;

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use util::{mosquitto_pub, mosquitto_sub, require_executable, rpub, rsub, Broker};

/// The payload of every counted message: short, like most telemetry.
const PAYLOAD: &str = "benchmark payload 0123456789abcdef";

/// How long a counting subscriber may see no new message after the publisher exited before
/// the run counts as having lost the rest.
const SETTLE: Duration = Duration::from_secs(3);

/// The broker: unlimited queues, so that it never drops a message on a queue limit (a loss
/// must be the client's), and the `subscribe` log lines that tell when a subscription is in
/// place (subscribers are synchronised on them, whatever they print, even into /dev/null).
const BROKER_CONFIG: &str = "max_queued_messages 0
log_type error
log_type warning
log_type notice
log_type information
log_type subscribe";

#[test]
#[ignore = "benchmark, minutes long: cargo test --release --locked --test bench -- --ignored --nocapture"]
fn bench() {
    if cfg!(debug_assertions) {
        panic!(
            "the benchmark measures release binaries: \
             cargo test --release --locked --test bench -- --ignored --nocapture"
        );
    }
    let settings = Settings::from_env();
    for name in ["rpub", "rsub"] {
        let path = our_binary(name);
        assert!(path.is_file(), "{} is not there", path.display());
    }
    let load_before = load_average();
    let broker = Broker::with_config(BROKER_CONFIG);
    let mut bench = Bench {
        broker,
        settings,
        runs: 0,
    };
    println!(
        "benchmark: {} messages, {} rounds, {} one-shot launches per round and tool, broker on port {}",
        settings.count,
        settings.rounds,
        settings.oneshots,
        bench.broker.port()
    );

    let mut cases = Vec::new();
    for qos in [0, 1] {
        cases.push(bench.case(format!("one-shot publish -q {qos}"), Kind::OneShot { qos }));
    }
    for qos in [0, 1, 2] {
        cases.push(bench.case(
            format!("{} messages -q {qos}", thousands(settings.count)),
            Kind::Counted { qos },
        ));
    }
    let lines = bench.broker.dir().join("lines.txt");
    write_lines(&lines, settings.count);
    cases.push(bench.case(
        format!("-l, {} lines, -q 1", thousands(settings.count)),
        Kind::Lines { file: lines },
    ));
    cases.push(bench.case(
        format!("sub -v, {} messages", thousands(settings.count)),
        Kind::Subscribe,
    ));
    let load_after = load_average();
    drop(bench.broker);

    let sizes = binary_sizes();
    let build = settings.build.then(clean_build);

    let report = report(
        &settings,
        &cases,
        &sizes,
        build.as_ref(),
        (&load_before, &load_after),
    );
    println!("\n{report}");
    let saved = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-report.txt");
    if fs::write(&saved, &report).is_ok() {
        println!("(also written to {})", saved.display());
    }
}

/// What the environment asks for; the defaults are the full benchmark.
#[derive(Clone, Copy)]
struct Settings {
    /// Messages per counted case (`BENCH_COUNT`, default 100000).
    count: u64,
    /// Rounds of every case (`BENCH_ROUNDS`, default 3).
    rounds: usize,
    /// One-shot launches per round and tool (`BENCH_ONESHOTS`, default 10).
    oneshots: usize,
    /// Time a clean release build (`BENCH_BUILD=0` skips it).
    build: bool,
}

impl Settings {
    fn from_env() -> Settings {
        fn number(name: &str, default: u64) -> u64 {
            match std::env::var(name) {
                Ok(text) => match text.trim().parse::<u64>() {
                    Ok(n) if n > 0 => n,
                    _ => panic!("{name}={text:?}: expected a positive whole number"),
                },
                Err(_) => default,
            }
        }
        Settings {
            count: number("BENCH_COUNT", 100_000),
            rounds: number("BENCH_ROUNDS", 3) as usize,
            oneshots: number("BENCH_ONESHOTS", 10) as usize,
            build: std::env::var("BENCH_BUILD").map_or(true, |v| v.trim() != "0"),
        }
    }

    /// The longest any single process may take before the run is counted as failed.
    fn limit(&self) -> Duration {
        Duration::from_secs((self.count / 200).max(60))
    }
}

/// The kinds of cases, each run for both tools.
enum Kind {
    /// `-t T -m M -q Q`: process start to exit.
    OneShot { qos: u8 },
    /// `--repeat N` / `--count N` at a QoS, counted by a separate subscriber.
    Counted { qos: u8 },
    /// `-q 1 -l` with stdin from a file of N lines, counted by a separate subscriber.
    Lines { file: PathBuf },
    /// `-v -C N` into /dev/null, while mosquitto_pub sends N messages at QoS 0.
    Subscribe,
}

/// One measured run of one tool.
#[derive(Clone, Debug)]
struct Sample {
    /// Publisher: spawn to exit. Subscriber: the feeding publisher's start to the
    /// subscriber's exit.
    wall: Duration,
    /// User + system CPU of the measured process.
    cpu: Duration,
    /// The system part of `cpu`.
    sys: Duration,
    /// Peak resident set of the measured process, KiB.
    rss_kib: u64,
    /// Messages that arrived, where counted (`None`: not counted, or unknown).
    delivered: Option<u64>,
    /// Why the run failed (exit status, first stderr line), if it did.
    failure: Option<String>,
}

/// A case's samples for both tools.
struct Case {
    name: String,
    /// Messages each run should deliver, when counted.
    expected: Option<u64>,
    subscriber: bool,
    theirs: Vec<Sample>,
    ours: Vec<Sample>,
}

/// The state of one benchmark run.
struct Bench {
    broker: Broker,
    settings: Settings,
    /// Runs so far, for unique topics and client ids.
    runs: u64,
}

impl Bench {
    /// Runs one case: every round both tools, the order swapped each round so that a drift in
    /// machine load favours neither.
    fn case(&mut self, name: String, kind: Kind) -> Case {
        let (expected, subscriber) = match &kind {
            Kind::OneShot { .. } => (None, false),
            Kind::Counted { .. } | Kind::Lines { .. } => (Some(self.settings.count), false),
            Kind::Subscribe => (Some(self.settings.count), true),
        };
        let mut case = Case {
            name,
            expected,
            subscriber,
            theirs: Vec::new(),
            ours: Vec::new(),
        };
        let per_round = match kind {
            Kind::OneShot { .. } => self.settings.oneshots,
            _ => 1,
        };
        for round in 0..self.settings.rounds {
            let mut sums = [Duration::ZERO; 2];
            for i in 0..per_round {
                let order = if (round + i) % 2 == 0 {
                    [false, true]
                } else {
                    [true, false]
                };
                for ours in order {
                    let sample = self.run(&kind, ours);
                    if per_round == 1 {
                        progress(&case.name, round, ours, &sample);
                    }
                    sums[ours as usize] += sample.wall;
                    if ours {
                        case.ours.push(sample);
                    } else {
                        case.theirs.push(sample);
                    }
                }
            }
            if per_round > 1 {
                println!(
                    "  {} round {}: mosquitto mean {}, ours mean {}",
                    case.name,
                    round + 1,
                    show_time(sums[0] / per_round as u32),
                    show_time(sums[1] / per_round as u32)
                );
            }
        }
        case
    }

    fn run(&mut self, kind: &Kind, ours: bool) -> Sample {
        self.runs += 1;
        let who = if ours { "ours" } else { "mosquitto" };
        let topic = format!("bench/{}/{who}", self.runs);
        let limit = self.settings.limit();
        let count = self.settings.count;
        let b = &self.broker;
        match kind {
            Kind::OneShot { qos } => {
                let q = qos.to_string();
                let mut cmd = publisher(b, ours);
                cmd.args(["-t", &topic, "-m", "hello", "-q", &q]);
                measure(&mut cmd, Stdio::null(), b.dir(), limit).sample(None)
            }
            Kind::Counted { qos } => {
                let q = qos.to_string();
                let counter =
                    Counter::start(b, &format!("bench-count-{}", self.runs), *qos, &topic);
                let mut cmd = publisher(b, ours);
                let repeat = if ours { "--count" } else { "--repeat" };
                cmd.args([
                    "-t",
                    &topic,
                    "-m",
                    PAYLOAD,
                    "-q",
                    &q,
                    repeat,
                    &count.to_string(),
                ]);
                let usage = measure(&mut cmd, Stdio::null(), b.dir(), limit);
                let delivered = counter.finish(count, limit);
                usage.sample(Some(delivered))
            }
            Kind::Lines { file } => {
                let counter = Counter::start(b, &format!("bench-count-{}", self.runs), 1, &topic);
                let mut cmd = publisher(b, ours);
                cmd.args(["-t", &topic, "-q", "1", "-l"]);
                let input = File::open(file).expect("open the input lines");
                let usage = measure(&mut cmd, Stdio::from(input), b.dir(), limit);
                let delivered = counter.finish(count, limit);
                usage.sample(Some(delivered))
            }
            Kind::Subscribe => {
                let id = format!("bench-sub-{}", self.runs);
                let mut cmd = if ours {
                    our_tool(rsub(b), "rsub")
                } else {
                    mosquitto_sub(b)
                };
                cmd.args(["-i", &id, "-v", "-t", &topic, "-C", &count.to_string()]);
                // Into /dev/null: what is measured is the subscriber, not a reader of its output.
                cmd.stdout(Stdio::null());
                let log_start = b.log().len();
                let sub = spawn(&mut cmd, Stdio::null(), b.dir());
                wait_subscribed(b, log_start, &id, 0, &topic);
                // The same reference publisher feeds both subscribers.
                let fed = Instant::now();
                let mut feed = mosquitto_pub(b);
                feed.args([
                    "-t",
                    &topic,
                    "-m",
                    PAYLOAD,
                    "-q",
                    "0",
                    "--repeat",
                    &count.to_string(),
                ]);
                let feeder = measure(&mut feed, Stdio::null(), b.dir(), limit);
                let mut usage = sub.wait(limit);
                usage.wall = usage.ended.saturating_duration_since(fed);
                let mut sample = usage.sample(None);
                // With -C N an exit 0 means exactly N arrived; anything else, fewer.
                sample.delivered = (sample.failure.is_none()).then_some(count);
                if let Some(failure) = feeder.failure() {
                    sample.failure = Some(format!("feeding mosquitto_pub: {failure}"));
                }
                sample
            }
        }
    }
}

/// `rpub` or `mosquitto_pub`, pointed at the broker.
fn publisher(b: &Broker, ours: bool) -> Command {
    if ours {
        our_tool(rpub(b), "rpub")
    } else {
        mosquitto_pub(b)
    }
}

/// Our binary: the one cargo built for this test, or `BENCH_BIN_DIR/NAME` to measure another
/// build (a change being tried, another branch) against the same reference.
fn our_binary(name: &str) -> PathBuf {
    match std::env::var_os("BENCH_BIN_DIR") {
        Some(dir) => Path::new(&dir).join(name),
        None => PathBuf::from(util::exe(name)),
    }
}

/// `cmd` (the harness's command for our `name`, with its arguments and environment) run from
/// [`our_binary`].
fn our_tool(cmd: Command, name: &str) -> Command {
    let mut ours = Command::new(our_binary(name));
    ours.args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => ours.env(key, value),
            None => ours.env_remove(key),
        };
    }
    ours
}

/// One line per counted run, so that a long benchmark shows it is alive.
fn progress(case: &str, round: usize, ours: bool, s: &Sample) {
    let who = if ours { "ours" } else { "mosquitto" };
    let delivered = s
        .delivered
        .map(|d| format!(", delivered {d}"))
        .unwrap_or_default();
    let failure = s
        .failure
        .as_ref()
        .map(|f| format!(", FAILED: {f}"))
        .unwrap_or_default();
    println!(
        "  {case} round {} {who:<9}: {}, cpu {}, rss {}{delivered}{failure}",
        round + 1,
        show_time(s.wall),
        show_time(s.cpu),
        show_mib(s.rss_kib)
    );
}

/// What the kernel says one process cost.
#[derive(Debug)]
struct Usage {
    ended: Instant,
    wall: Duration,
    user: Duration,
    sys: Duration,
    max_rss_kib: u64,
    /// Exit status; `None` when a signal ended it.
    code: Option<i32>,
    timed_out: bool,
    /// Where its stderr went.
    stderr: PathBuf,
}

impl Usage {
    fn failure(&self) -> Option<String> {
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

    fn sample(&self, delivered: Option<u64>) -> Sample {
        Sample {
            wall: self.wall,
            cpu: self.user + self.sys,
            sys: self.sys,
            rss_kib: self.max_rss_kib,
            delivered,
            failure: self.failure(),
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
struct Running {
    pid: libc::pid_t,
    started: Instant,
    stderr: PathBuf,
    done: mpsc::Receiver<(Instant, libc::c_int, libc::rusage)>,
    peak: thread::JoinHandle<u64>,
    exited: Arc<AtomicBool>,
    // Kept so that its pipes stay open; never waited for through std (wait4 reaps it).
    _child: Child,
}

/// Starts `cmd` with `stdin`, its stderr into a file in `dir` (read when it fails). Stdout is
/// whatever `cmd` says.
fn spawn(cmd: &mut Command, stdin: Stdio, dir: &Path) -> Running {
    static N: AtomicU64 = AtomicU64::new(0);
    let stderr = dir.join(format!("stderr-{}", N.fetch_add(1, Ordering::Relaxed)));
    let err_file = File::create(&stderr).expect("create a stderr file");
    cmd.stdin(stdin).stderr(err_file);
    let started = Instant::now();
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    let pid = child.id() as libc::pid_t;
    let (tx, done) = mpsc::channel();
    thread::spawn(move || {
        let mut status: libc::c_int = 0;
        // SAFETY: rusage is plain old data; all zeroes is a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: valid pointers to locals; `pid` is our own unreaped child.
            let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            if r == pid {
                break;
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                panic!("wait4({pid}): {err}");
            }
        }
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
    fn wait(self, limit: Duration) -> Usage {
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
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `cmd` to its end with stdout into /dev/null, and measures it.
fn measure(cmd: &mut Command, stdin: Stdio, dir: &Path, limit: Duration) -> Usage {
    spawn(cmd.stdout(Stdio::null()), stdin, dir).wait(limit)
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
}

/// The reference subscriber (mosquitto_sub) counting what arrives on a topic: the same
/// counter for both publishers.
struct Counter {
    child: Child,
    lines: Arc<AtomicU64>,
}

impl Counter {
    /// Starts `mosquitto_sub -q QOS -t TOPIC` and waits until the broker has the subscription.
    fn start(b: &Broker, id: &str, qos: u8, topic: &str) -> Counter {
        let log_start = b.log().len();
        let mut cmd = mosquitto_sub(b);
        cmd.args(["-i", id, "-q", &qos.to_string(), "-t", topic])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("start mosquitto_sub");
        let mut stdout = child.stdout.take().expect("stdout pipe");
        let lines = Arc::new(AtomicU64::new(0));
        let counted = lines.clone();
        thread::spawn(move || {
            let mut buf = vec![0u8; 256 * 1024];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let newlines = buf[..n].iter().filter(|&&c| c == b'\n').count();
                counted.fetch_add(newlines as u64, Ordering::Relaxed);
            }
        });
        wait_subscribed(b, log_start, id, qos, topic);
        Counter { child, lines }
    }

    /// After the publisher exited: waits until `expected` messages arrived, or none arrived
    /// for [`SETTLE`], or `limit` passed; returns how many arrived.
    fn finish(mut self, expected: u64, limit: Duration) -> u64 {
        let deadline = Instant::now() + limit;
        let mut last = self.lines.load(Ordering::Relaxed);
        let mut last_change = Instant::now();
        loop {
            let now = self.lines.load(Ordering::Relaxed);
            if now >= expected || Instant::now() > deadline {
                break;
            }
            if now != last {
                last = now;
                last_change = Instant::now();
            } else if last_change.elapsed() > SETTLE {
                break;
            }
            thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.lines.load(Ordering::Relaxed)
    }
}

/// Waits until the broker logged the subscription `ID QOS TOPIC` (after `log_start`): from
/// then on, whatever is published on TOPIC reaches that client.
fn wait_subscribed(b: &Broker, log_start: usize, id: &str, qos: u8, topic: &str) {
    let needle = format!(": {id} {qos} {topic}\n");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if b.log()
            .get(log_start..)
            .unwrap_or_default()
            .contains(&needle)
        {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "the broker never logged the subscription {needle:?}; its log:\n{}",
                b.log()
            );
        }
        thread::sleep(Duration::from_millis(2));
    }
}

/// The `-l` input: `count` distinct non-empty lines.
fn write_lines(path: &Path, count: u64) {
    let mut text = String::with_capacity(count as usize * 36);
    for i in 1..=count {
        let _ = writeln!(text, "line {i:06} of the benchmark input");
    }
    fs::write(path, text).expect("write the input lines");
}

/// Release binary sizes, stripped.
struct Sizes {
    ours: Vec<(&'static str, u64)>,
    theirs: Vec<(String, u64)>,
}

fn binary_sizes() -> Sizes {
    let strip = on_path("strip");
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut ours = Vec::new();
    for name in ["rpub", "rsub"] {
        let built = our_binary(name);
        // The release profile strips already; strip a copy anyway so the number holds
        // whatever the profile says.
        let copy = tmp.path().join(name);
        fs::copy(built, &copy).expect("copy the binary");
        if let Some(strip) = &strip {
            let _ = Command::new(strip).arg(&copy).status();
        }
        ours.push((name, fs::metadata(&copy).expect("binary size").len()));
    }
    let mut theirs = Vec::new();
    for name in ["mosquitto_pub", "mosquitto_sub"] {
        let path = require_executable(name, &[&format!("/usr/bin/{name}")]);
        theirs.push((name.to_string(), fs::metadata(&path).map_or(0, |m| m.len())));
    }
    Sizes { ours, theirs }
}

/// `name` in a directory of PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A clean release build: wall and CPU time (cargo and every compiler it ran).
struct Build {
    wall: Duration,
    cpu: Duration,
    failure: Option<String>,
}

fn clean_build() -> Build {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("clean-release-build");
    let _ = fs::remove_dir_all(&dir);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("timing a clean release build into {} ...", dir.display());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--release", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", &dir);
    let log_dir = tempfile::tempdir().expect("temp dir");
    let usage = measure(
        &mut cmd,
        Stdio::null(),
        log_dir.path(),
        Duration::from_secs(3600),
    );
    let _ = fs::remove_dir_all(&dir);
    Build {
        wall: usage.wall,
        cpu: usage.user + usage.sys,
        failure: usage.failure(),
    }
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// `mosquitto_pub version 2.0.11 running on libmosquitto 2.0.11.` -> `2.0.11`.
fn mosquitto_version() -> String {
    let exe = require_executable("mosquitto_pub", &["/usr/bin/mosquitto_pub"]);
    let out = Command::new(exe).arg("--help").output();
    let text = out
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    text.split_whitespace()
        .skip_while(|w| *w != "version")
        .nth(1)
        .unwrap_or("?")
        .to_string()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn median_of(samples: &[Sample], f: impl Fn(&Sample) -> Duration) -> Duration {
    Duration::from_secs_f64(median(samples.iter().map(|s| f(s).as_secs_f64()).collect()))
}

/// Did every run of these samples exit 0 and deliver everything?
fn complete(samples: &[Sample], expected: Option<u64>) -> bool {
    samples
        .iter()
        .all(|s| s.failure.is_none() && (expected.is_none() || s.delivered == expected))
}

/// `all 100000 (3/3)`, or what was lost.
fn delivered_text(samples: &[Sample], expected: Option<u64>) -> String {
    let Some(expected) = expected else {
        let failed = samples.iter().filter(|s| s.failure.is_some()).count();
        return if failed == 0 {
            "-".into()
        } else {
            format!("FAILED {failed}/{}", samples.len())
        };
    };
    let whole = samples
        .iter()
        .filter(|s| s.delivered == Some(expected))
        .count();
    if whole == samples.len() {
        return format!("all {expected} ({whole}/{whole})");
    }
    let counted: Vec<u64> = samples.iter().filter_map(|s| s.delivered).collect();
    match counted.iter().min() {
        Some(min) if counted.len() == samples.len() => {
            format!(
                "LOST: min {min}/{expected}, {whole}/{} whole",
                samples.len()
            )
        }
        _ => format!(
            "INCOMPLETE in {}/{} runs",
            samples.len() - whole,
            samples.len()
        ),
    }
}

/// Median wall time divided by the median delivered count: throughput that a lossy run
/// cannot inflate.
fn per_message(samples: &[Sample]) -> String {
    let delivered = median(
        samples
            .iter()
            .map(|s| s.delivered.unwrap_or(0) as f64)
            .collect(),
    );
    if delivered < 1.0 {
        return "n/a (nothing delivered)".into();
    }
    let wall = median_of(samples, |s| s.wall).as_secs_f64();
    format!("{:.1} µs", wall / delivered * 1e6)
}

fn show_time(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn show_mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The goal for a case's ratio, ours / theirs.
fn goal(case: &Case, cpu: bool) -> Option<f64> {
    let name = case.name.as_str();
    if case.subscriber {
        return Some(if cpu { 0.5 } else { 1.05 });
    }
    if name.starts_with("one-shot") {
        Some(0.8)
    } else if name.ends_with("-q 0") {
        Some(0.45)
    } else if name.starts_with("-l") {
        Some(1.0)
    } else if name.ends_with("-q 1") {
        Some(0.4)
    } else {
        None
    }
}

/// The ratio cell: a lossy or failed run of ours is never a speed; a lossy run of theirs
/// is marked, since its time covers less work.
fn ratio_cell(case: &Case, ours: Duration, theirs: Duration) -> String {
    if !complete(&case.ours, case.expected) {
        return "LOSSY/FAILED".into();
    }
    let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
    let mark = if complete(&case.theirs, case.expected) {
        ""
    } else {
        "*"
    };
    format!("{ratio:.2}{mark}")
}

fn goal_cell(case: &Case, cpu: bool, ours: Duration, theirs: Duration) -> String {
    let Some(goal) = goal(case, cpu) else {
        return "-".into();
    };
    let met =
        complete(&case.ours, case.expected) && ours.as_secs_f64() <= goal * theirs.as_secs_f64();
    format!("<= {goal:.2} {}", if met { "met" } else { "MISSED" })
}

fn report(
    settings: &Settings,
    cases: &[Case],
    sizes: &Sizes,
    build: Option<&Build>,
    load: (&str, &str),
) -> String {
    let mut r = String::new();
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    let version = mosquitto_version();
    let _ = writeln!(
        r,
        "rpub/rsub vs mosquitto_pub/mosquitto_sub {version}, one Mosquitto on loopback; measured {}",
        chrono::Local::now().format("%Y-%m-%d %H:%M %Z")
    );
    let _ = writeln!(
        r,
        "{cores} cores (nproc), {}; load average {} at the start, {} at the end",
        cpu_model(),
        load.0,
        load.1
    );
    if let Some(dir) = std::env::var_os("BENCH_BIN_DIR") {
        let _ = writeln!(r, "ours: rpub and rsub from {}", Path::new(&dir).display());
    }
    let _ = writeln!(
        r,
        "{} rounds, tools alternating; one-shot: {} launches per round and tool; medians; ratio = ours / mosquitto (lower is better)\n",
        settings.rounds, settings.oneshots
    );
    let _ = writeln!(
        r,
        "{:<32} {:>10} {:>10} {:>13} {:>14}  {:<38} delivered, ours",
        "case", "mosquitto", "ours", "ratio", "goal", "delivered, mosquitto"
    );
    for case in cases {
        let rows: &[bool] = if case.subscriber {
            &[false, true]
        } else {
            &[false]
        };
        for &cpu in rows {
            let metric = |s: &Sample| if cpu { s.cpu } else { s.wall };
            let theirs = median_of(&case.theirs, metric);
            let ours = median_of(&case.ours, metric);
            let name = match (case.subscriber, cpu) {
                (true, false) => format!("{}, wall", case.name),
                (true, true) => format!("{}, CPU", case.name),
                _ => case.name.clone(),
            };
            let _ = writeln!(
                r,
                "{name:<32} {:>10} {:>10} {:>13} {:>14}  {:<38} {}",
                show_time(theirs),
                show_time(ours),
                ratio_cell(case, ours, theirs),
                goal_cell(case, cpu, ours, theirs),
                delivered_text(&case.theirs, case.expected),
                delivered_text(&case.ours, case.expected),
            );
        }
    }
    for case in cases.iter().filter(|c| !complete(&c.theirs, c.expected)) {
        let _ = writeln!(
            r,
            "* {}: mosquitto's runs lost messages or failed, so its time covers less work; \
             per delivered message: mosquitto {}, ours {}",
            case.name,
            per_message(&case.theirs),
            per_message(&case.ours)
        );
    }

    let _ = writeln!(
        r,
        "\nper process (the publisher; for sub, the subscriber): CPU = user + system, and system alone, medians; peak RSS, max over runs"
    );
    let _ = writeln!(
        r,
        "{:<32} {:>13} {:>10} {:>7} {:>13} {:>10} {:>14} {:>10}",
        "case",
        "CPU mosquitto",
        "CPU ours",
        "ratio",
        "sys mosquitto",
        "sys ours",
        "RSS mosquitto",
        "RSS ours"
    );
    let mut rss_max = 0;
    for case in cases {
        let theirs = median_of(&case.theirs, |s| s.cpu);
        let ours = median_of(&case.ours, |s| s.cpu);
        let rss = |v: &[Sample]| v.iter().map(|s| s.rss_kib).max().unwrap_or(0);
        rss_max = rss_max.max(rss(&case.ours));
        let _ = writeln!(
            r,
            "{:<32} {:>13} {:>10} {:>7.2} {:>13} {:>10} {:>14} {:>10}",
            case.name,
            show_time(theirs),
            show_time(ours),
            ours.as_secs_f64() / theirs.as_secs_f64(),
            show_time(median_of(&case.theirs, |s| s.sys)),
            show_time(median_of(&case.ours, |s| s.sys)),
            show_mib(rss(&case.theirs)),
            show_mib(rss(&case.ours)),
        );
    }
    let _ = writeln!(
        r,
        "peak RSS of ours, any case: {} (goal <= 8 MiB: {})",
        show_mib(rss_max),
        if rss_max <= 8 * 1024 { "met" } else { "MISSED" }
    );

    let _ = writeln!(r);
    for (name, bytes) in &sizes.ours {
        let _ = writeln!(
            r,
            "release binary, stripped: {name} {bytes} bytes ({:.2} MB; goal <= 6 MB: {})",
            *bytes as f64 / 1e6,
            if *bytes <= 6_000_000 { "met" } else { "MISSED" }
        );
    }
    let theirs: Vec<String> = sizes
        .theirs
        .iter()
        .map(|(name, bytes)| format!("{name} {bytes} bytes"))
        .collect();
    let _ = writeln!(
        r,
        "(for comparison, dynamically linked to libmosquitto and OpenSSL: {})",
        theirs.join(", ")
    );
    match build {
        Some(b) => {
            let _ = writeln!(
                r,
                "clean release build (cargo build --release --locked, empty target dir): {} wall, {} CPU{}",
                show_time(b.wall),
                show_time(b.cpu),
                b.failure
                    .as_ref()
                    .map(|f| format!(", FAILED: {f}"))
                    .unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(r, "clean release build: not timed (BENCH_BUILD=0)");
        }
    }

    let failures: Vec<String> = cases
        .iter()
        .flat_map(|c| {
            let theirs = c.theirs.iter().map(move |s| ("mosquitto", c, s));
            let ours = c.ours.iter().map(move |s| ("ours", c, s));
            theirs.chain(ours)
        })
        .filter_map(|(who, c, s)| {
            s.failure
                .as_ref()
                .map(|f| format!("  {} ({who}): {f}", c.name))
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(r, "\nfailed runs:\n{}", failures.join("\n"));
    }
    r
}
