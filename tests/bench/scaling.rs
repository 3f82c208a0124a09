//! How the cost grows, ours beside mosquitto's: payload size (16 B to 1 MiB) through rpub and
//! through rsub, the number of `-t` filters, retained messages delivered at subscribe, and a
//! long run whose memory must be that of a short one.
//!
//! Counts follow `BENCH_COUNT` (default 100000): the payload cases send about 2 KiB per unit
//! of it (200 x 1 MiB by default, at most a tenth of it in messages), the filter cases a tenth
//! of it, the retained case 10,000 (or `BENCH_COUNT`, if less), the long run a tenth and ten
//! times it, one round each, and then one subscriber of each tool fed a tenth and then ten
//! times it, its memory read after each (memory, not time, is what the long run shows).

use std::fs;
use std::process::Stdio;
use std::time::Instant;

use crate::cases::{counted, subscribed, Filters, Payload, PAYLOAD};
use crate::counter::{wait_subscribed, Counter};
use crate::harness::{publisher, show_mib, subscriber, thousands, Bench, Case, Sample, Spec};
use crate::measure::{measure, spawn, status_kib};
use crate::util::mosquitto_pub;

const SIZES: [(usize, &str); 4] = [
    (16, "16 B"),
    (1024, "1 KiB"),
    (64 * 1024, "64 KiB"),
    (1024 * 1024, "1 MiB"),
];

const FILTERS: [usize; 3] = [1, 100, 1000];

const RETAINED: u64 = 10_000;

/// Every scaling case, in the order the report shows them.
pub fn run(bench: &mut Bench, cases: &mut Vec<Case>) {
    payloads(bench, cases);
    filters(bench, cases);
    retained(bench, cases);
    long_run(bench, cases);
}

/// Messages of `size` bytes for a payload case: about 2 KiB per unit of `BENCH_COUNT`, at
/// most a tenth of it.
fn payload_count(count: u64, size: usize) -> u64 {
    (count / 10).min(count * 2048 / size as u64).max(1)
}

fn payloads(bench: &mut Bench, cases: &mut Vec<Case>) {
    const GROUP: &str = "payload";
    for (size, label) in SIZES {
        let n = payload_count(bench.settings.count, size);
        let pub_name = format!("payload {label}, {} pub -q 1", thousands(n));
        let sub_name = format!("payload {label}, {} sub -v", thousands(n));
        if !bench.wants(GROUP, &pub_name) && !bench.wants(GROUP, &sub_name) {
            continue;
        }
        // No newline in it: the counting subscriber counts lines.
        let file = bench.broker.dir().join(format!("payload-{size}"));
        fs::write(&file, vec![b'x'; size]).expect("write the payload file");
        let payload = Payload::File(&file);
        let spec = Spec::new(GROUP, pub_name, Some(n));
        cases.extend(bench.case(spec, |b, ours| counted(b, ours, 1, n, payload)));
        let spec = Spec::new(GROUP, sub_name, Some(n)).subscriber();
        cases.extend(bench.case(spec, |b, ours| {
            subscribed(b, ours, &Filters::one(), n, payload)
        }));
    }
}

fn filters(bench: &mut Bench, cases: &mut Vec<Case>) {
    let n = (bench.settings.count / 10).max(1);
    for count in FILTERS {
        let name = format!("sub -v, {count} -t, {} messages", thousands(n));
        let spec = Spec::new("filters", name, Some(n)).subscriber();
        let filters = Filters { extra: count - 1 };
        let payload = Payload::Text(PAYLOAD);
        cases.extend(bench.case(spec, |b, ours| subscribed(b, ours, &filters, n, payload)));
    }
}

/// Retained messages on as many topics, published once; each run subscribes to all of them
/// and is timed from its start to its exit after the last one.
fn retained(bench: &mut Bench, cases: &mut Vec<Case>) {
    const GROUP: &str = "retained";
    let n = RETAINED.min(bench.settings.count);
    let name = format!("sub -v, {} retained", thousands(n));
    if !bench.wants(GROUP, &name) {
        return;
    }
    let run = bench.next_run();
    let base = format!("bench/{run}/retained");
    let mut fill = publisher(&bench.broker, true);
    fill.args([
        "-t",
        &format!("{base}/{{n}}"),
        "-m",
        PAYLOAD,
        "-r",
        "-q",
        "1",
    ])
    .args(["--count", &n.to_string()]);
    let filled = measure(
        &mut fill,
        Stdio::null(),
        bench.broker.dir(),
        bench.settings.limit(),
    );
    if let Some(failure) = filled.failure() {
        panic!("publishing the retained messages failed: {failure}");
    }
    let filter = format!("{base}/#");
    let spec = Spec::new(GROUP, name, Some(n)).subscriber();
    cases.extend(bench.case(spec, |b, ours| retained_run(b, ours, &filter, n)));
}

fn retained_run(b: &mut Bench, ours: bool, filter: &str, n: u64) -> Sample {
    let id = format!("bench-retained-{}", b.next_run());
    let mut cmd = subscriber(&b.broker, ours);
    cmd.args(["-i", &id, "-v", "-C", &n.to_string(), "-t", filter]);
    cmd.stdout(Stdio::null());
    let started = Instant::now();
    let log_start = b.broker.log().len();
    let sub = spawn(&mut cmd, Stdio::null(), b.broker.dir());
    wait_subscribed(&b.broker, log_start, &id, 0, filter);
    let mut usage = sub.wait(b.settings.limit());
    usage.wall = usage.ended.saturating_duration_since(started);
    let mut sample = usage.sample(None);
    sample.delivered = sample.failure.is_none().then_some(n);
    sample
}

/// The subscriber for a tenth and ten times `BENCH_COUNT` messages, timed; then its memory,
/// which must not grow with the count, read in one process of each tool ([`memory`]).
fn long_run(bench: &mut Bench, cases: &mut Vec<Case>) {
    const GROUP: &str = "long run";
    let count = bench.settings.count;
    let (short, long) = ((count / 10).max(1), count * 10);
    for n in [short, long] {
        let name = format!("long run: sub -v, {} messages", thousands(n));
        let mut spec = Spec::new(GROUP, name, Some(n)).subscriber();
        spec.rounds = Some(1);
        let payload = Payload::Text(PAYLOAD);
        cases.extend(bench.case(spec, |b, ours| {
            subscribed(b, ours, &Filters::one(), n, payload)
        }));
    }
    if !bench.wants(GROUP, "long run: memory") {
        return;
    }
    let [theirs, ours] = [false, true].map(|ours| memory(bench, ours, short, long));
    bench.notes.push(format!(
        "long run, one subscriber's memory, resident/peak, after {} and after {} messages: \
         ours {} ({}), mosquitto {}",
        thousands(short),
        thousands(long),
        ours.show(),
        ours.verdict(),
        theirs.show(),
    ));
}

/// What a subscriber held after the short part of a long run and after all of it.
struct Memory {
    /// (VmRSS, VmHWM) in KiB, after `short` and after `long` messages; `None` if the run
    /// failed (the reason instead).
    readings: Result<[(u64, u64); 2], String>,
}

impl Memory {
    fn show(&self) -> String {
        match &self.readings {
            Ok([(rss1, hwm1), (rss2, hwm2)]) => format!(
                "{:.1}/{} and {:.1}/{}",
                *rss1 as f64 / 1024.0,
                show_mib(*hwm1),
                *rss2 as f64 / 1024.0,
                show_mib(*hwm2)
            ),
            Err(failure) => format!("FAILED: {failure}"),
        }
    }

    /// Whether the resident memory after the whole run is that after its short part, to
    /// within 5% (a page or two of the allocator's either way is not growth).
    fn verdict(&self) -> &'static str {
        match self.readings {
            Ok([(short, _), (long, _)]) if long <= short + short / 20 => "the same within 5%",
            Ok(_) => "GREW",
            Err(_) => "not measured",
        }
    }
}

/// One subscriber (`-v`, stdout counted) fed `short` messages, its memory read, then fed up
/// to `long`, read again: the same process, so what grows with the count shows, and not one
/// run's luck against another's.
fn memory(b: &mut Bench, ours: bool, short: u64, long: u64) -> Memory {
    let run = b.next_run();
    let topic = format!("bench/{run}/long");
    let id = format!("bench-long-{run}");
    let mut cmd = subscriber(&b.broker, ours);
    cmd.args(["-i", &id, "-v", "-t", &topic]);
    let watched = Counter::watch(&b.broker, &mut cmd, &id, 0, &topic);
    let readings = follow(b, &watched, &topic, [short, long]);
    watched.stop();
    Memory { readings }
}

/// Feeds `watched` on `topic` up to each of `counts` in turn, reading its memory at each.
fn follow(
    b: &Bench,
    watched: &Counter,
    topic: &str,
    counts: [u64; 2],
) -> Result<[(u64, u64); 2], String> {
    let pid = watched.pid() as libc::pid_t;
    let mut readings = [(0, 0); 2];
    let mut fed = 0;
    for (reading, until) in readings.iter_mut().zip(counts) {
        let mut feed = mosquitto_pub(&b.broker);
        feed.args(["-t", topic, "-q", "0", "-m", PAYLOAD])
            .args(["--repeat", &(until - fed).to_string()]);
        let usage = measure(&mut feed, Stdio::null(), b.broker.dir(), b.settings.limit());
        if let Some(failure) = usage.failure() {
            return Err(format!("feeding mosquitto_pub: {failure}"));
        }
        fed = until;
        if !watched.wait_for(until, b.settings.limit()) {
            return Err(format!("fewer than {until} messages arrived"));
        }
        *reading = match (status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM")) {
            (Some(rss), Some(hwm)) => (rss, hwm),
            _ => return Err("its memory could not be read".into()),
        };
    }
    Ok(readings)
}
