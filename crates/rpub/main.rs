//! rpub: publish one message, a counted or endless loop of them, or one per line of stdin,
//! and exit 0 only when the broker has every one of them (written for QoS 0, acknowledged
//! for QoS 1 and 2).
//!
//! Parse, plan, run: the command line (`cli.rs`) is resolved once into a checked plan
//! (`plan.rs`, with `payload.rs`, `properties.rs` and `placeholders.rs`) before connecting;
//! `run.rs` carries it out over a `Publisher` (`publisher.rs`) with the plan's own loop
//! (`repeat.rs`; `lines.rs`, with `replay.rs` for JSON lines; `request.rs`), and
//! `tracker.rs` counts what the broker has; `stamp.rs` stamps the payloads (`--stamp`). A load
//! run (`--clients`, `--rate`) is `load/`.

// Started from C's `main`, not Rust's runtime (rpubsub_core::process::entry says why).
#![cfg_attr(not(test), no_main)]

mod cli;
mod lines;
mod load;
mod manual;
mod payload;
mod placeholders;
mod plan;
mod properties;
mod publisher;
mod repeat;
mod replay;
mod request;
mod run;
mod stamp;
mod tracker;

use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::options::ConnectOptions;
use rpubsub_core::tool::Tool;

use crate::cli::Cli;
use crate::plan::Plan;

rpubsub_core::main!(start);

/// Parse the command line and run the tool: the process's exit status.
fn start() -> Exit {
    let cli: Cli = match rpubsub_core::cli::parse(Tool::Rpub) {
        Ok(cli) => cli,
        Err(exit) => return exit,
    };
    rpubsub_core::cli::set_quiet(cli.connect.diagnostics.quiet);
    rpubsub_core::cli::run(Tool::Rpub, Box::pin(rpub(cli)))
}

/// The connection settings, the plan, and its run (`--print-config` stops at the settings).
async fn rpub(cli: Cli) -> Result<Exit, Fail> {
    cli.check()?;
    // The in-flight window follows from the highest QoS the plan may publish at, unless -M.
    let opts = ConnectOptions::from_args(&cli.connect, Tool::Rpub, plan::publishes(&cli))?
        .with_max_inflight(cli.max_inflight);
    if cli.connect.config.print_config {
        return Ok(rpubsub_core::cli::print_config(&opts)?);
    }
    let plan = Plan::resolve(&cli, &opts)?;
    run::carry_out(&plan, &opts, cli.show(), cli.stamp).await
}
