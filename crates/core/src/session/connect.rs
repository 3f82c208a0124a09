//! The first connection of a session, for either protocol: open the client, poll until
//! CONNACK (a refused or unreachable broker is an error right here, with its exit status),
//! then start the pump. A first request given along (`early.rs`) goes out with CONNECT where
//! the protocol allows it: a one-shot publish or a subscriber's SUBSCRIBE saves a round trip.

use tokio::task::JoinHandle;

use super::early::Early;
use super::failure::{self, Cause, Phase};
use super::packet::{ConnAck, Packet, Polled};
use super::protocol::Wire;
use super::pump::{self, Pump};
use super::trace::Trace;
use super::{Connected, Shared};
use crate::exit::{Exit, Fail};
use crate::options::{ConnectOptions, Transport};

/// A session connected: its client, what CONNACK said, the pump's task, and what became of
/// the first request.
pub struct Started<'a, W: Wire, E: Early<'a>> {
    pub client: W::Client,
    pub connected: Connected,
    pub pump: JoinHandle<()>,
    pub first: First<'a, E>,
}

/// What became of the first request given to [`start`].
pub enum First<'a, E: Early<'a>> {
    /// It went out with CONNECT; what its bookkeeping gave (a publish: its number).
    WithConnect(E::Queued),
    /// It is for the session to send now, after CONNACK.
    AfterConnack(E),
}

/// Connect, wait for CONNACK, and hand the event loop to the pump. `first` (`()`: none) goes
/// out in the same write as CONNECT where it and the protocol allow it
/// ([`Early::may_go_with_connect`], [`Wire::write_with_connect`]).
pub async fn start<'a, W: Wire, E: Early<'a>>(
    opts: &ConnectOptions,
    pump: Pump,
    first: E,
) -> Result<Started<'a, W, E>, Fail> {
    let (client, mut eventloop) = W::open(opts)?;
    let first = if first.may_go_with_connect() && W::write_with_connect(&mut eventloop, true) {
        First::WithConnect(queue::<W, E>(&client, &pump.shared, first).await?)
    } else {
        First::AfterConnack(first)
    };
    let polled = tokio::time::timeout(opts.connect_timeout, W::poll(&mut eventloop)).await;
    // Later connections wait for CONNACK: recovery decides what goes out first on them.
    W::write_with_connect(&mut eventloop, false);
    let address = &pump.peer.address;
    let ack = match polled {
        Err(_) => return Err(failure::connect_timeout(address, opts.connect_timeout)),
        Ok(Err(e)) => {
            let (cause, fail) = pump.failure::<W>(&e, Phase::Connecting);
            return Err(diagnose(opts, &cause, fail));
        }
        Ok(Ok(event)) => connack(W::translate(event), &pump.shared.trace)
            .map_err(|what| Fail::new(Exit::Unreachable, format!("{address} {what}")))?,
    };
    let connected = Connected {
        session_present: ack.session_present,
    };
    // On the heap: the task's cell holds a pointer instead of the whole event loop, which
    // tokio would otherwise copy as the task starts and again as it ends.
    let task = Box::pin(pump::run::<W>(eventloop, pump));
    Ok(Started {
        client,
        connected,
        pump: tokio::spawn(task),
        first,
    })
}

/// Queue the first request before connecting, its bookkeeping first as for every request.
/// The queue is new and empty: this waits for nothing.
async fn queue<'a, W: Wire, E: Early<'a>>(
    client: &W::Client,
    shared: &Shared,
    first: E,
) -> Result<E::Queued, Fail> {
    let queued = first.expect(shared);
    let Some(request) = first.request() else {
        return Ok(queued);
    };
    if W::send(client, request).await {
        return Ok(queued);
    }
    // Cannot happen: the event loop is right here.
    E::withdraw(shared);
    Err(Fail::new(
        Exit::ConnectionLost,
        "the first request could not be queued",
    ))
}

/// The CONNACK that must answer CONNECT (traced), or what the broker did instead, in words
/// that follow its address ("answered CONNECT with PUBLISH instead of CONNACK").
pub fn connack(polled: Polled, trace: &Trace) -> Result<ConnAck, String> {
    match polled {
        Polled::Received(Packet::ConnAck(ack)) => {
            trace.connack(&ack);
            Ok(ack)
        }
        Polled::Received(packet) => {
            trace.received(&packet);
            Err(match packet {
                Packet::Broken { name, why } => {
                    format!("answered CONNECT with a {name} {why}: a protocol error")
                }
                other => not_connack(other.name()),
            })
        }
        Polled::Sent(_) => Err(not_connack("nothing")),
    }
}

/// The words for a broker that answered CONNECT with something else than CONNACK.
pub fn not_connack(name: &str) -> String {
    format!("answered CONNECT with {name} instead of CONNACK")
}

/// A second look at a plain connection the broker closed before CONNACK: if the port speaks
/// TLS, say so (exit 5) instead of leaving the user to guess.
fn diagnose(opts: &ConnectOptions, cause: &Cause<'_>, fail: Fail) -> Fail {
    let Transport::Tcp { host, port } = &opts.transport else {
        return fail;
    };
    if cause.hung_up() && opts.proxy.is_none() && crate::tls::port_speaks_tls(host, *port) {
        return Fail::new(
            Exit::Tls,
            format!(
                "{} speaks TLS, not plain MQTT: give its CA with --cafile FILE (or use -L mqtts://)",
                opts.transport.address()
            ),
        );
    }
    fail
}
