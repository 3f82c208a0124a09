//! The report: per case the medians of both tools, their ratio with its spread over the
//! rounds, the goal, and how many messages arrived (a run that lost messages is reported as
//! such, never as fast); then CPU time and peak RSS of every measured process, the notes the
//! groups add, the release binaries' sizes and a clean build's time.

use std::fmt::Write as _;
use std::path::Path;
use std::thread;
use std::time::Duration;

use crate::binaries::{Build, Sizes};
use crate::harness::{show_mib, show_time, Case, Sample, Settings};
use crate::machine::{cpu_model, mosquitto_version};

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

/// The ratio of each round's medians, lowest and highest: `0.78-0.85`, how far one round's
/// ratio may be from another's. Blank with a single round.
fn spread_cell(case: &Case, metric: impl Fn(&Sample) -> Duration) -> String {
    let rounds = case.ours.iter().chain(&case.theirs).map(|s| s.round).max();
    let Some(last) = rounds.filter(|&r| r > 0) else {
        return String::new();
    };
    let of_round = |samples: &[Sample], round: usize| {
        let these: Vec<Sample> = samples
            .iter()
            .filter(|s| s.round == round)
            .cloned()
            .collect();
        median_of(&these, &metric).as_secs_f64()
    };
    let ratios: Vec<f64> = (0..=last)
        .map(|round| of_round(&case.ours, round) / of_round(&case.theirs, round))
        .filter(|r| r.is_finite())
        .collect();
    let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let max = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if min > max {
        return String::new();
    }
    format!("{min:.2}-{max:.2}")
}

/// The bare client's ratio to mosquitto's: its median wall time over theirs. `-` where it
/// did not run.
fn bare_cell(case: &Case, cpu: bool, theirs: Duration) -> String {
    if cpu || case.bare.is_empty() {
        return "-".into();
    }
    if !complete(&case.bare, case.expected) {
        return "FAILED".into();
    }
    let bare = median_of(&case.bare, |s| s.wall);
    format!("{:.2}", bare.as_secs_f64() / theirs.as_secs_f64())
}

fn goal_cell(case: &Case, cpu: bool, ours: Duration, theirs: Duration) -> String {
    let goal = if cpu { case.goal.cpu } else { case.goal.wall };
    let Some(goal) = goal else {
        return "-".into();
    };
    let met =
        complete(&case.ours, case.expected) && ours.as_secs_f64() <= goal * theirs.as_secs_f64();
    format!("<= {goal:.2} {}", if met { "met" } else { "MISSED" })
}

pub fn report(
    settings: &Settings,
    cases: &[Case],
    notes: &[String],
    sizes: &Sizes,
    build: Option<&Build>,
    load: (&str, &str),
) -> String {
    let mut r = header(settings, load);
    ratios(&mut r, cases);
    processes(&mut r, cases, notes);
    binaries(&mut r, cases, sizes, build);
    r
}

/// What was measured against what, where and when.
fn header(settings: &Settings, load: (&str, &str)) -> String {
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
        "{cores} cores (nproc), {}; load average {} at the start, {} before the load cases",
        cpu_model(),
        load.0,
        load.1
    );
    // So that a part of the benchmark is never taken for the whole of it.
    if !settings.only.is_empty() {
        let _ = writeln!(
            r,
            "not a full run: only the cases BENCH_CASES={} names",
            settings.only.join(",")
        );
    }
    if let Some(dir) = std::env::var_os("BENCH_BIN_DIR") {
        let _ = writeln!(r, "ours: rpub and rsub from {}", Path::new(&dir).display());
    }
    let _ = writeln!(
        r,
        "{} rounds, tools alternating; one-shot: {} launches per round and tool; medians; ratio = ours / mosquitto (lower is better), per round = lowest-highest ratio of one round's medians\n",
        settings.rounds, settings.oneshots
    );
    r
}

/// The first table: per case both medians, the ratio with its spread, the goal, what arrived.
fn ratios(r: &mut String, cases: &[Case]) {
    let _ = writeln!(
        r,
        "{:<40} {:>10} {:>10} {:>7} {:>11} {:>6} {:>14}  {:<38} delivered, ours",
        "case", "mosquitto", "ours", "ratio", "per round", "bare", "goal", "delivered, mosquitto"
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
                "{name:<40} {:>10} {:>10} {:>7} {:>11} {:>6} {:>14}  {:<38} {}",
                show_time(theirs),
                show_time(ours),
                ratio_cell(case, ours, theirs),
                spread_cell(case, metric),
                bare_cell(case, cpu, theirs),
                goal_cell(case, cpu, ours, theirs),
                delivered_text(&case.theirs, case.expected),
                delivered_text(&case.ours, case.expected),
            );
        }
    }
    if cases.iter().any(|c| !c.bare.is_empty()) {
        let _ = writeln!(
            r,
            "bare = a bare client of the benchmark's own (a blocking socket, no output, nothing parsed but \
             packet boundaries) in the same rounds, over mosquitto's median: the exchange without a tool's work"
        );
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
}

/// The second table: CPU, system time and peak RSS per process; then the groups' notes.
fn processes(r: &mut String, cases: &[Case], notes: &[String]) {
    let _ = writeln!(
        r,
        "\nper process (the publisher; for sub, the subscriber): CPU = user + system, and system alone, medians; peak RSS, max over runs"
    );
    let _ = writeln!(
        r,
        "{:<40} {:>13} {:>10} {:>7} {:>11} {:>13} {:>10} {:>14} {:>10}",
        "case",
        "CPU mosquitto",
        "CPU ours",
        "ratio",
        "per round",
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
            "{:<40} {:>13} {:>10} {:>7.2} {:>11} {:>13} {:>10} {:>14} {:>10}",
            case.name,
            show_time(theirs),
            show_time(ours),
            ours.as_secs_f64() / theirs.as_secs_f64(),
            spread_cell(case, |s| s.cpu),
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
    for note in notes {
        let _ = writeln!(r, "{note}");
    }
}

/// The binaries' sizes, the clean build, and every run that failed.
fn binaries(r: &mut String, cases: &[Case], sizes: &Sizes, build: Option<&Build>) {
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
            let bare = c.bare.iter().map(move |s| ("bare", c, s));
            theirs.chain(ours).chain(bare)
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
}
