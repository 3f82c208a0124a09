//! rsub: subscribe to topic filters and print what arrives, until a count (`-C`), a timeout
//! (`-W`), a subscription (`-E`), a closed pipe or Ctrl+C ends it, each with its own exit
//! status for scripts.
//!
//! Flags and their meanings follow mosquitto_sub; the connection flags are shared with rpub
//! through `rpubsub_core`. A run is three steps: parse the command line (`cli.rs`), resolve
//! it into a plan before connecting (`plan.rs`), run the plan (`subscriber.rs`), which
//! prints through `output/` and ends by `exit_conditions.rs`, `retained.rs` and `expect.rs`;
//! `stamps.rs` reads the stamps of `rpub --stamp` for `--check-seq` and `--latency`.

// Started from C's `main`, not Rust's runtime (rpubsub_core::process::entry says why).
#![cfg_attr(not(test), no_main)]

mod check_seq;
mod cli;
mod counters;
mod exit_conditions;
mod expect;
mod latency;
mod manual;
mod output;
mod plan;
mod random_filter;
mod retained;
mod stamps;
mod subscriber;

use std::time::Duration;

use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::options::ConnectOptions;
use rpubsub_core::progress::{self, Stats};
use rpubsub_core::qos::Qos;
use rpubsub_core::start;
use rpubsub_core::tool::Tool;

use crate::cli::Cli;
use crate::plan::Plan;
use crate::subscriber::Subscriber;

const TOOL: Tool = Tool::Rsub;

/// The highest QoS rsub publishes at: only `--remove-retained`'s clears, at QoS 0.
const PUBLISHES: Qos = Qos::AtMostOnce;

/// How long the final DISCONNECT may take before rsub gives up on it.
const DISCONNECT_LIMIT: Duration = Duration::from_secs(2);

/// The same after a stop signal.
const STOPPING_LIMIT: Duration = Duration::from_millis(500);

rpubsub_core::main!(start);

/// Parse the command line and run the tool: the process's exit status.
fn start() -> Exit {
    let cli: Cli = match rpubsub_core::cli::parse(TOOL) {
        Ok(cli) => cli,
        Err(exit) => return exit,
    };
    rpubsub_core::cli::set_quiet(cli.connect.diagnostics.quiet);
    rpubsub_core::cli::run(TOOL, Box::pin(run(cli)))
}

async fn run(cli: Cli) -> Result<Exit, Fail> {
    let opts = ConnectOptions::from_args(&cli.connect, TOOL, PUBLISHES)?;
    if cli.connect.config.print_config {
        return Ok(rpubsub_core::cli::print_config(&opts)?);
    }
    let plan = Plan::resolve(&cli, &opts)?;
    let want_stats = plan.stats;
    // The SUBSCRIBE goes with CONNECT where the protocol allows it: a round trip sooner.
    let asked = &plan.subscriptions;
    let connecting = start::connect_subscribing(&opts, &asked.filters, &asked.options);
    let Some((mut session, mut stop)) = connecting.await? else {
        return Ok(Exit::Interrupted);
    };
    let stats = want_stats.then(|| Stats::start(TOOL));
    let mut subscriber = Subscriber::new(plan);
    let outcome = subscriber.run(&mut session, &mut stop).await;
    let flushed = subscriber.finish();
    // After a stop signal the broker may be silent or gone: leave within about a second. The
    // whole call is bounded, since queueing the DISCONNECT can wait too.
    let limit = if stop.requested() {
        STOPPING_LIMIT
    } else {
        DISCONNECT_LIMIT
    };
    let _ = tokio::time::timeout(limit, session.disconnect(limit, |_| {})).await;
    progress::clear();
    if let Some(stats) = stats {
        subscriber.counters().print_stats(&stats);
    }
    let outcome = match subscriber.stamps() {
        Some(stamps) => {
            stamps.print_summary();
            stamps.verdict(outcome)
        }
        None => outcome,
    };
    let exit = outcome?;
    match flushed.map_err(|e| Fail::writing_output(&e)) {
        // A reader gone at the last flush does not change how the run ended.
        Err(fail) if !fail.is_output_closed() => Err(fail),
        _ => Ok(exit),
    }
}
