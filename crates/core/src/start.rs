//! How both tools get going: the Ctrl+C and SIGTERM handlers first, then the connection.
//!
//! The handlers go in before connecting because a Ctrl+C right after CONNACK must not find
//! the default action (instant death) still in place; one that comes while connecting ends
//! the attempt, and the process dies of it (see [`Stop`]). It has sent nothing then, except
//! CONNECT and, over MQTT 3.1.1, what goes with it: the first message of
//! [`connect_publishing`], which may reach the broker and is not counted as sent, or the
//! SUBSCRIBE of [`connect_subscribing`].

use std::future::Future;

use crate::exit::Fail;
use crate::options::ConnectOptions;
use crate::properties::SubscribeOptions;
use crate::qos::Qos;
use crate::session::trace::Trace;
use crate::session::{Publish, Session};
use crate::stop::Stop;

/// Connect unless a stop is asked for first: the session and the stop request to watch from
/// then on, or `None` when Ctrl+C (or SIGTERM) came before CONNACK.
pub async fn connect(opts: &ConnectOptions) -> Result<Option<(Session, Stop)>, Fail> {
    unless_stopped(opts, Session::connect(opts)).await
}

/// As [`connect`], with `first` handed over too ([`Session::connect_publishing`]): the
/// session comes with the sequence number of that publish.
pub async fn connect_publishing(
    opts: &ConnectOptions,
    first: Publish<'_>,
) -> Result<Option<((Session, u64), Stop)>, Fail> {
    unless_stopped(opts, Session::connect_publishing(opts, first)).await
}

/// As [`connect`], subscribed to `filters` too ([`Session::connect_subscribing`]).
pub async fn connect_subscribing(
    opts: &ConnectOptions,
    filters: &[(String, Qos)],
    options: &SubscribeOptions,
) -> Result<Option<(Session, Stop)>, Fail> {
    unless_stopped(opts, Session::connect_subscribing(opts, filters, options)).await
}

/// The handlers in, then `connecting` unless a stop comes first.
async fn unless_stopped<T>(
    opts: &ConnectOptions,
    connecting: impl Future<Output = Result<T, Fail>>,
) -> Result<Option<(T, Stop)>, Fail> {
    let mut stop = Stop::install();
    tokio::select! {
        connected = connecting => {
            stop.connected();
            Ok(Some((connected?, stop)))
        }
        _ = stop.wait() => {
            // With -d, the trace's last line says why it ends there: the signal, not the
            // broker (which may just be slow to answer CONNECT).
            let signal = crate::stop::received().unwrap_or("a signal");
            Trace::new(&opts.client_id, opts.debug)
                .line(format_args!("stopped by {signal} while connecting"));
            Ok(None)
        }
    }
}
