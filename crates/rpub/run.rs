//! Carrying out a plan: connect (unless Ctrl+C comes first), hand everything over with the
//! plan's own loop, wait until the broker has it all, leave cleanly, and sum up.

use tokio::io::{AsyncBufRead, BufReader};

use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::options::ConnectOptions;
use rpubsub_core::progress::{self, Stats};
use rpubsub_core::start;
use rpubsub_core::tool::Tool;

use crate::cli::Show;
use crate::lines::{self, EachLine};
use crate::plan::Plan;
use crate::publisher::Publisher;
use crate::replay::Replayer;
use crate::stamp::Stamper;
use crate::tracker::Tracker;
use crate::{repeat, request};

/// Connect with `opts` and carry out `plan`.
/// `stamp`: `--stamp`.
pub async fn carry_out(
    plan: &Plan,
    opts: &ConnectOptions,
    show: Show,
    stamp: bool,
) -> Result<Exit, Fail> {
    if let Plan::Load(load) = plan {
        return crate::load::carry_out(load, opts, show, stamp).await;
    }
    let mut stamper = stamp.then(|| Stamper::new(&opts.client_id));
    let connected = match plan {
        Plan::Once(message) => repeat::connect_once(message, opts, stamper.as_mut())
            .await?
            .map(|(s, stop, once)| (s, stop, Some(once))),
        _ => start::connect(opts).await?.map(|(s, stop)| (s, stop, None)),
    };
    let Some((session, stop, once)) = connected else {
        return Ok(Exit::Interrupted);
    };
    let bar = plan
        .progress()
        .filter(|_| show.bar)
        .map(|(total, unit)| progress::bar(total, unit));
    let tracker = Tracker::new(show.verbose, bar);
    let mut publisher = Publisher {
        session,
        tracker,
        stop,
        stamper,
    };
    if let Some(once) = once {
        once.count(&mut publisher.tracker);
    }
    let stats = show.stats.is_some().then(|| Stats::start(Tool::Rpub));
    let outcome = publish(plan, &mut publisher).await;
    progress::clear();
    if let Some(stats) = stats {
        publisher.tracker.print_stats(&stats);
    }
    outcome
}

/// Hand everything over, wait for the acknowledgements, disconnect. On an error the
/// connection is gone or the input failed; the error says what was left undone.
async fn publish(plan: &Plan, publisher: &mut Publisher) -> Result<Exit, Fail> {
    let mut replayed = None;
    match plan {
        // Handed over as the connection opened (`repeat::connect_once`).
        Plan::Once(_) => publisher.take_events()?,
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
        // Carried out by `load::carry_out`, over sessions of its own.
        Plan::Load(_) => {}
    }
    publisher.finish().await?;
    if let Some((replayer, lines)) = replayed {
        replayer.verdict(lines)?;
    }
    Ok(publisher.exit())
}

fn stdin() -> impl AsyncBufRead + Unpin {
    BufReader::with_capacity(lines::BUFFER, tokio::io::stdin())
}
