//! rpub: publish one message, a counted or endless loop of them, or one per line of stdin,
//! and exit 0 only when the broker has every one of them (written for QoS 0, acknowledged
//! for QoS 1 and 2).
//!
//! Parse, plan, run: the command line (`cli.rs`) is resolved once into a checked [`Plan`]
//! (`plan.rs`) before connecting; then one loop carries it out over a [`Publisher`]
//! (`repeat.rs`, `lines.rs` with `replay.rs`, `request.rs`), and `tracker.rs` counts what the
//! broker has. The payload comes from `payload.rs`, `{n}` and friends from `placeholders.rs`,
//! the MQTT 5 properties from `properties.rs`.

mod cli;
mod lines;
mod manual;
mod payload;
mod placeholders;
mod plan;
mod properties;
mod publisher;
mod repeat;
mod replay;
mod request;
mod tracker;

use std::process::ExitCode;

use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::progress::{self, Stats};
use rpubsub_core::start;
use rpubsub_core::tool::Tool;

use crate::cli::Cli;
use crate::lines::EachLine;
use crate::plan::Plan;
use crate::publisher::Publisher;
use crate::replay::Replayer;
use crate::tracker::Tracker;

fn main() -> ExitCode {
    let cli: Cli = match rpubsub_core::cli::parse(Tool::Rpub.name()) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    rpubsub_core::cli::set_quiet(cli.connect.quiet);
    rpubsub_core::cli::run(Tool::Rpub, run(cli))
}

async fn run(cli: Cli) -> Result<Exit, Fail> {
    cli.check()?;
    let opts = plan::connect_options(&cli.connect, plan::publishes(&cli))?;
    if cli.connect.print_config {
        return Ok(rpubsub_core::cli::print_config(&opts)?);
    }
    let plan = Plan::resolve(&cli, &opts)?;
    let Some((session, stop)) = start::connect(&opts).await? else {
        return Ok(Exit::Interrupted);
    };
    let bar = plan
        .progress()
        .filter(|_| progress::wanted(cli.connect.quiet, cli.connect.debug))
        .map(|(total, unit)| progress::bar(total, unit));
    let tracker = Tracker::new(cli.verbose, bar);
    let mut publisher = Publisher {
        session,
        tracker,
        stop,
    };
    let stats = cli.stats.then(|| Stats::start(Tool::Rpub));
    let outcome = publish(&plan, &mut publisher).await;
    progress::clear();
    if let Some(stats) = stats {
        publisher.tracker.print_stats(&stats);
    }
    outcome
}

/// Carry out the plan: hand everything over, wait for the acknowledgements, disconnect. On
/// an error the connection is gone or the input failed; the error says what was undone.
async fn publish(plan: &Plan, publisher: &mut Publisher) -> Result<Exit, Fail> {
    let mut replayed = None;
    match plan {
        Plan::Once(message) => repeat::once(message, publisher).await?,
        Plan::Repeat(repeat) => repeat::run(repeat, publisher).await?,
        Plan::Lines(each) => {
            lines::drive(stdin(), publisher, &mut EachLine(each)).await?;
        }
        Plan::Replay(replay) => {
            let mut replayer = Replayer::new(replay);
            let lines = lines::drive(stdin(), publisher, &mut replayer).await?;
            replayed = Some((replayer, lines));
        }
        Plan::Request(request) => request::run(request, publisher).await?,
    }
    publisher.finish().await?;
    if let Some((replayer, lines)) = replayed {
        replayer.verdict(lines)?;
    }
    Ok(publisher.exit())
}

fn stdin() -> impl tokio::io::AsyncBufRead + Unpin {
    tokio::io::BufReader::with_capacity(lines::BUFFER, tokio::io::stdin())
}
