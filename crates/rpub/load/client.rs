//! One client of a load run: its own connection (the shared session, as any rpub run has),
//! the plan's loop over it at its share of the rate, then the wait for the acknowledgements
//! and a clean DISCONNECT, exactly as a run of one client does (`repeat.rs`,
//! `publisher.rs`). What became of it is handed back for the summary.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use rpubsub_core::exit::Fail;
use rpubsub_core::options::ConnectOptions;
use rpubsub_core::session::Session;
use rpubsub_core::stop::Stop;

use super::live::Totals;
use crate::plan::Repeat;
use crate::publisher::Publisher;
use crate::repeat;
use crate::stamp::Stamper;
use crate::tracker::Tracker;

/// What became of one client.
pub struct End {
    pub tracker: Tracker,
    pub outcome: Outcome,
}

/// How one client's run ended.
pub enum Outcome {
    /// Everything it took is done (or Ctrl+C came and what it had taken is done).
    Done,
    /// A stop signal came before it connected.
    NotStarted,
    /// It could not connect (refused, unreachable, TLS...).
    Refused(Fail),
    /// Connected, then failed: connection lost, messages not acknowledged, or rejected.
    Failed(Fail),
}

/// Connect with `opts` and publish `repeat` over the connection (stamped with `stamp`).
pub async fn run(
    opts: ConnectOptions,
    repeat: Arc<Repeat>,
    stop: Stop,
    totals: Arc<Totals>,
    stamp: bool,
) -> End {
    let tracker = Tracker::adding_to(totals.clone());
    let mut waiting = stop.clone();
    let session = tokio::select! {
        session = Session::connect(&opts) => session,
        () = waiting.wait() => return End { tracker, outcome: Outcome::NotStarted },
    };
    let session = match session {
        Ok(session) => session,
        Err(fail) => {
            totals.refused.fetch_add(1, Ordering::Relaxed);
            let outcome = Outcome::Refused(fail);
            return End { tracker, outcome };
        }
    };
    totals.connected.fetch_add(1, Ordering::Relaxed);
    stop.connected();
    let mut publisher = Publisher {
        session,
        tracker,
        stop,
        stamper: stamp.then(|| Stamper::new(&opts.client_id)),
    };
    let outcome = match publish(&repeat, &mut publisher).await {
        Ok(()) => Outcome::Done,
        Err(fail) => Outcome::Failed(fail),
    };
    End {
        tracker: publisher.tracker,
        outcome,
    }
}

async fn publish(repeat: &Repeat, publisher: &mut Publisher) -> Result<(), Fail> {
    repeat::run(repeat, publisher).await?;
    publisher.finish().await
}
