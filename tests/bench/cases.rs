//! The everyday cases: a one-shot publish, N messages from one process at each QoS, `-l` with
//! a file of lines, and a subscriber printing N messages; and the runs they are made of,
//! which the scaling cases reuse with other payloads, filters and counts.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use crate::bare;
use crate::counter::{wait_subscribed, Counter};
use crate::harness::{publisher, subscriber, thousands, Bench, Case, Sample, Spec};
use crate::measure::{measure, spawn, time_alone};
use crate::util::mosquitto_pub;

const GROUP: &str = "everyday";

/// The payload of every counted message: short, like most telemetry.
pub const PAYLOAD: &str = "benchmark payload 0123456789abcdef";

/// What a publisher sends: `-m TEXT` or `-f FILE`.
#[derive(Clone, Copy)]
pub enum Payload<'a> {
    Text(&'a str),
    File(&'a Path),
}

impl Payload<'_> {
    pub fn args(&self) -> [&std::ffi::OsStr; 2] {
        match self {
            Payload::Text(text) => ["-m".as_ref(), text.as_ref()],
            Payload::File(path) => ["-f".as_ref(), path.as_os_str()],
        }
    }
}

/// The everyday cases, in the order the report shows them.
pub fn run(bench: &mut Bench, cases: &mut Vec<Case>) {
    let count = bench.settings.count;
    for qos in [0, 1] {
        let mut spec =
            Spec::new(GROUP, format!("one-shot publish -q {qos}"), None).goal(Some(0.7), None);
        spec.per_round = bench.settings.oneshots;
        cases.extend(bench.case(spec, |b, ours| one_shot(b, ours, qos)));
    }
    for (qos, goal) in [(0, Some(0.45)), (1, Some(0.4)), (2, None)] {
        let name = format!("{} messages -q {qos}", thousands(count));
        let spec = Spec::new(GROUP, name, Some(count)).goal(goal, None);
        let payload = Payload::Text(PAYLOAD);
        let run = |b: &mut Bench, ours| counted(b, ours, qos, count, payload);
        // The bare client speaks QoS 0 and 1, where the goals are.
        cases.extend(if qos < 2 {
            bench.case_with_bare(spec, run, |b| bare::publisher(b, qos, count, payload))
        } else {
            bench.case(spec, run)
        });
    }
    let name = format!("-l, {} lines, -q 1", thousands(count));
    if bench.wants(GROUP, &name) {
        let lines = bench.broker.dir().join("lines.txt");
        write_lines(&lines, count);
        let spec = Spec::new(GROUP, name, Some(count)).goal(Some(1.0), None);
        cases.extend(bench.case(spec, |b, ours| from_lines(b, ours, &lines)));
    }
    let name = format!("sub -v, {} messages", thousands(count));
    let spec = Spec::new(GROUP, name, Some(count))
        .subscriber()
        .goal(Some(0.8), Some(0.5));
    let payload = Payload::Text(PAYLOAD);
    cases.extend(bench.case_with_bare(
        spec,
        |b, ours| subscribed(b, ours, &Filters::one(), count, payload),
        |b| bare::subscriber(b, count, payload),
    ));
}

/// `-t T -m hello -q Q`: process start to exit, timed with nothing of ours running beside
/// it; every tenth launch is followed by a second one whose peak RSS is taken.
fn one_shot(b: &mut Bench, ours: bool, qos: u8) -> Sample {
    let run = b.next_run();
    let topic = format!("bench/{run}");
    let mut cmd = publisher(&b.broker, ours);
    cmd.args(["-t", &topic, "-m", "hello", "-q", &qos.to_string()]);
    let (dir, limit) = (b.broker.dir(), b.settings.limit());
    let mut sample = time_alone(&mut cmd, Stdio::null(), dir, limit).sample(None);
    if run % 10 == 0 && sample.failure.is_none() {
        let followed = measure(&mut cmd, Stdio::null(), dir, limit).sample(None);
        sample.rss_kib = followed.rss_kib;
        sample.failure = followed.failure;
    }
    sample
}

/// `--count N` / `--repeat N` at a QoS, counted by a separate subscriber.
pub fn counted(b: &mut Bench, ours: bool, qos: u8, count: u64, payload: Payload) -> Sample {
    let run = b.next_run();
    let topic = format!("bench/{run}");
    let limit = b.settings.limit();
    let counter = Counter::start(&b.broker, &format!("bench-count-{run}"), qos, &topic);
    let mut cmd = publisher(&b.broker, ours);
    let repeat = if ours { "--count" } else { "--repeat" };
    cmd.args(["-t", &topic, "-q", &qos.to_string()])
        .args(payload.args())
        .args([repeat, &count.to_string()]);
    let usage = measure(&mut cmd, Stdio::null(), b.broker.dir(), limit);
    let delivered = counter.finish(count, limit);
    usage.sample(Some(delivered))
}

/// `-q 1 -l` with stdin from a file of lines, counted by a separate subscriber.
fn from_lines(b: &mut Bench, ours: bool, file: &Path) -> Sample {
    let run = b.next_run();
    let topic = format!("bench/{run}");
    let limit = b.settings.limit();
    let count = b.settings.count;
    let counter = Counter::start(&b.broker, &format!("bench-count-{run}"), 1, &topic);
    let mut cmd = publisher(&b.broker, ours);
    cmd.args(["-t", &topic, "-q", "1", "-l"]);
    let input = File::open(file).expect("open the input lines");
    let usage = measure(&mut cmd, Stdio::from(input), b.broker.dir(), limit);
    let delivered = counter.finish(count, limit);
    usage.sample(Some(delivered))
}

/// The `-t` filters of a subscriber: `extra` that match nothing, then the one the messages
/// come on (last, so that every filter is in place once the broker logged it).
pub struct Filters {
    pub extra: usize,
}

impl Filters {
    pub fn one() -> Filters {
        Filters { extra: 0 }
    }
}

/// `-v -C N -t ...` into /dev/null while mosquitto_pub sends N messages at QoS 0: wall time
/// from the sender's start to the subscriber's exit, CPU and memory of the subscriber.
pub fn subscribed(
    b: &mut Bench,
    ours: bool,
    filters: &Filters,
    count: u64,
    payload: Payload,
) -> Sample {
    let run = b.next_run();
    let topic = format!("bench/{run}/messages");
    let id = format!("bench-sub-{run}");
    let limit = b.settings.limit();
    let broker = &b.broker;
    let mut cmd = subscriber(broker, ours);
    cmd.args(["-i", &id, "-v", "-C", &count.to_string()]);
    for n in 0..filters.extra {
        cmd.args(["-t", &format!("bench/{run}/other/{n}")]);
    }
    cmd.args(["-t", &topic]);
    // Into /dev/null: what is measured is the subscriber, not a reader of its output.
    cmd.stdout(Stdio::null());
    let log_start = broker.log().len();
    let sub = spawn(&mut cmd, Stdio::null(), broker.dir());
    wait_subscribed(broker, log_start, &id, 0, &topic);
    // The same reference publisher feeds both subscribers.
    let fed = Instant::now();
    let mut feed = mosquitto_pub(broker);
    feed.args(["-t", &topic, "-q", "0"])
        .args(payload.args())
        .args(["--repeat", &count.to_string()]);
    let feeder = measure(&mut feed, Stdio::null(), broker.dir(), limit);
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

/// The `-l` input: `count` distinct non-empty lines.
fn write_lines(path: &PathBuf, count: u64) {
    let mut text = String::with_capacity(count as usize * 36);
    for i in 1..=count {
        let _ = writeln!(text, "line {i:06} of the benchmark input");
    }
    fs::write(path, text).expect("write the input lines");
}
