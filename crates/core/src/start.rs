//! How both tools get going: the Ctrl+C and SIGTERM handlers first, then the connection.
//!
//! The handlers go in before connecting because a Ctrl+C right after CONNACK must not find
//! the default action (instant death) still in place; one that comes while connecting ends
//! the attempt, and the process dies of it without having sent anything (see [`Stop`]).

use crate::exit::Fail;
use crate::options::ConnectOptions;
use crate::session::Session;
use crate::stop::Stop;

/// Connect unless a stop is asked for first: the session and the stop request to watch from
/// then on, or `None` when Ctrl+C (or SIGTERM) came before CONNACK.
pub async fn connect(opts: &ConnectOptions) -> Result<Option<(Session, Stop)>, Fail> {
    let mut stop = Stop::install();
    tokio::select! {
        session = Session::connect(opts) => {
            stop.connected();
            Ok(Some((session?, stop)))
        }
        _ = stop.wait() => Ok(None),
    }
}
