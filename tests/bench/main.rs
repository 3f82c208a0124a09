//! The benchmark: rpub and rsub against mosquitto_pub and mosquitto_sub, on one fresh Mosquitto,
//! in the same run, alternating, several rounds. It prints per case the medians of both tools,
//! their ratio (ours / theirs, lower is better) with its spread over the rounds, and how many
//! messages arrived, so that a run that lost messages is reported as such and never as fast;
//! then CPU time and peak RSS of every measured process, the size of the release binaries and
//! a clean release build time.
//!
//! Not part of the test suite (ignored, so CI stays fast). Run it with
//! `cargo test --release --locked --test bench -- --ignored --nocapture`. `crates/README.md`,
//! section "Benchmark", says what it needs, which environment variables shorten it or pick
//! cases, how each case is measured, and holds the table of the last run (README quotes
//! from it).
//!
//! The machines this runs on are shared and noisy: absolute times do not hold from one run to
//! the next, ratios of medians taken side by side do. So every case runs both tools in turn,
//! the order swapped every round, and each process is measured by the kernel (`wait4`: wall
//! time from spawn to exit, user and system CPU, peak RSS).
//!
//! A file per group of cases (`cases.rs` the everyday ones, `scaling.rs` how cost grows), each
//! with one `run(&mut Bench, &mut Vec<Case>)` called below; `load.rs`, the load figures of
//! `rpub --clients`, runs last on a broker of its own; `harness.rs` runs a case for both
//! tools, `measure.rs` and `counter.rs` measure and count, `bare.rs` is a bare client
//! measured beside them, `report.rs` prints.

// The harness of the end-to-end tests: brokers and command builders. This target uses a part.
#[allow(unused_macros, unused_imports)]
#[path = "../util/mod.rs"]
mod util;

mod bare;
mod binaries;
mod cases;
mod counter;
mod harness;
mod load;
mod machine;
mod measure;
mod report;
mod scaling;

use std::fs;
use std::path::Path;

use harness::{our_binary, Bench, Settings};

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
    let load_at_start = machine::load_average();
    let mut bench = Bench::new(util::Broker::with_config(BROKER_CONFIG), settings.clone());
    println!(
        "benchmark: {} messages, {} rounds, {} one-shot launches per round and tool, broker on port {}",
        settings.count,
        settings.rounds,
        settings.oneshots,
        bench.broker.port()
    );

    let mut cases = Vec::new();
    cases::run(&mut bench, &mut cases);
    scaling::run(&mut bench, &mut cases);
    // Read before the load cases: their hundred publishers would otherwise be all it shows.
    let load_before_load_cases = machine::load_average();
    if bench.wants("load", "clients") {
        load::run();
    }
    let notes = std::mem::take(&mut bench.notes);
    drop(bench);

    let sizes = binaries::binary_sizes();
    let build = settings.build.then(binaries::clean_build);

    let report = report::report(
        &settings,
        &cases,
        &notes,
        &sizes,
        build.as_ref(),
        (&load_at_start, &load_before_load_cases),
    );
    println!("\n{report}");
    let saved = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-report.txt");
    if fs::write(&saved, &report).is_ok() {
        println!("(also written to {})", saved.display());
    }
}
