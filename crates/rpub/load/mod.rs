//! `rpub --clients N --rate R`: load from one process, as emqtt-bench, MQTTX's `bench pub`
//! and HiveMQ's swarm do it. N clients, each its own connection and client id (`ID-1` ...
//! `ID-N`), each a task that runs the plan's loop over a session of its own (`client.rs`);
//! the connections are opened a fixed pace apart (`--connect-rate`), so that a hundred
//! clients do not all hit the broker at the same instant.
//!
//! Pacing: each client sends at its share of the rate, on a schedule of its own that never
//! drifts (the loop of `repeat.rs` waits until the next due time, not for an interval), and
//! sleeps between messages rather than spinning. The counts of all clients meet in
//! `live.rs`; at the end `summary.rs` sums them up and decides the exit status.
//!
//! A client that cannot connect does not stop the others: the run goes on, the summary says
//! how many could not connect, and the exit status is the first refusal's (README: "Load a
//! broker"). One Ctrl+C ends every client, each as one client's run ends: what is in flight
//! gets a moment, then DISCONNECT, then the summary.

pub mod client;
pub mod live;
pub mod summary;

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use rpubsub_core::cli;
use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::options::ConnectOptions;
use rpubsub_core::progress;
use rpubsub_core::qos::Qos;
use rpubsub_core::stop::Stop;
use rpubsub_core::tool::Tool;

use crate::cli::Show;
use crate::plan::Load;
use client::End;
use live::{Live, Totals};
use summary::Summary;

/// How often the live line is redrawn from the totals.
const REDRAW: Duration = Duration::from_millis(200);

/// Carry out a load run: connect the clients one after the other, let each publish, and sum
/// up once all are done.
/// `stamp`: `--stamp`, each client stamping with its own id and numbers.
pub async fn carry_out(
    load: &Load,
    opts: &ConnectOptions,
    show: Show,
    stamp: bool,
) -> Result<Exit, Fail> {
    let stop = Stop::install();
    let clients = load.clients.unwrap_or(1);
    let qos = load.repeat.message.publish.qos;
    let totals = Arc::new(Totals::default());
    let mut run = Run {
        live: show
            .bar
            .then(|| Live::start(clients, qos != Qos::AtMostOnce)),
        totals: totals.clone(),
        stop: stop.clone(),
        tasks: JoinSet::new(),
        ends: Vec::new(),
    };
    let started = Instant::now();
    let repeat = Arc::new(load.repeat.clone());
    for k in 1..=clients {
        let due = started + load.connect_every * (k - 1);
        if !run.wait_until(due).await {
            break;
        }
        let opts = client_options(opts, load.clients.map(|_| k));
        let task = client::run(opts, repeat.clone(), stop.clone(), totals.clone(), stamp);
        run.tasks.spawn(task);
    }
    run.wait_for_all().await;
    progress::clear();
    let summary = Summary::of(run.ends, clients, qos, started.elapsed());
    if load.json {
        println!("{}", summary.to_json());
    } else {
        cli::warn(Tool::Rpub, summary.line());
    }
    let stopped = stop
        .requested()
        .then(|| rpubsub_core::stop::received().unwrap_or("a signal"));
    summary.verdict(stopped)
}

/// The settings of client number `k` (from 1): its id is the one given (or rpub's random
/// default) followed by `-k`. `None`: the one client of `--rate` without `--clients`.
fn client_options(opts: &ConnectOptions, k: Option<u32>) -> ConnectOptions {
    let mut opts = opts.clone();
    if let Some(k) = k {
        opts.client_id = format!("{}-{k}", opts.client_id);
    }
    opts
}

/// A load run under way.
struct Run {
    live: Option<Live>,
    totals: Arc<Totals>,
    stop: Stop,
    tasks: JoinSet<End>,
    ends: Vec<End>,
}

impl Run {
    /// Wait until `due`, redrawing the live line and collecting clients that are done;
    /// `false` when a stop signal came first.
    async fn wait_until(&mut self, due: Instant) -> bool {
        let wait = tokio::time::sleep_until(due);
        tokio::pin!(wait);
        let mut redraw = tokio::time::interval(REDRAW);
        loop {
            tokio::select! {
                () = &mut wait => return !self.stop.requested(),
                () = self.stop.wait() => return false,
                _ = redraw.tick() => self.redraw(),
                Some(end) = self.tasks.join_next(), if !self.tasks.is_empty() => self.collect(end),
            }
        }
    }

    /// Wait until every client is done, redrawing the live line.
    async fn wait_for_all(&mut self) {
        let mut redraw = tokio::time::interval(REDRAW);
        loop {
            tokio::select! {
                end = self.tasks.join_next() => match end {
                    Some(end) => self.collect(end),
                    None => break,
                },
                _ = redraw.tick() => self.redraw(),
            }
        }
        self.redraw();
    }

    fn redraw(&self) {
        if let Some(live) = &self.live {
            live.update(&self.totals);
        }
    }

    /// A client task ended. A task cannot panic here (release builds abort), but should one
    /// be cancelled its counts are simply missing, never invented.
    fn collect(&mut self, end: Result<End, tokio::task::JoinError>) {
        if let Ok(end) = end {
            self.ends.push(end);
        }
    }
}
