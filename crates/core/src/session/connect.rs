//! The first connection of a session, for either protocol: open the client, poll until
//! CONNACK (a refused or unreachable broker is an error right here, with its exit status),
//! then start the pump.

use tokio::task::JoinHandle;

use super::failure::{self, Cause, Phase};
use super::packet::{ConnAck, Packet, Polled};
use super::protocol::Wire;
use super::pump::{self, Pump};
use super::trace::Trace;
use super::Connected;
use crate::exit::{Exit, Fail};
use crate::options::{ConnectOptions, Transport};

/// Connect, wait for CONNACK, and hand the event loop to the pump.
pub async fn start<W: Wire>(
    opts: &ConnectOptions,
    pump: Pump,
) -> Result<(W::Client, Connected, JoinHandle<()>), Fail> {
    let (client, mut eventloop) = W::open(opts)?;
    let first = tokio::time::timeout(opts.connect_timeout, W::poll(&mut eventloop)).await;
    let address = &pump.peer.address;
    let ack = match first {
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
    Ok((client, connected, tokio::spawn(task)))
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
