//! The seam between the session and rumqttc's two clients: [`Wire`] is everything that
//! differs between MQTT 3.1.1 ([`v4`]) and MQTT 5 ([`v5`]), and nothing else. The pump,
//! recovery, reconnect and the first connect are written once, over it.
//!
//! Only `v4.rs` and `v5.rs` name rumqttc's version-specific types; `network.rs` holds what
//! both clients share (transport, TLS, proxy, network options), and this file turns their
//! shared report of written packets into [`Outgoing`].

use std::collections::VecDeque;
use std::future::Future;

use bytes::Bytes;

use super::failure::Cause;
use super::outbox::Entry;
use super::packet::{Outgoing, Polled};
use crate::exit::Fail;
use crate::options::ConnectOptions;
use crate::properties::{DisconnectProperties, PublishProperties, SubscribeOptions};
use crate::qos::Qos;
use crate::reason::Reason;

pub mod network;
pub mod v4;
pub mod v5;

/// One protocol version, as rumqttc speaks it.
pub trait Wire: Send + Sync + 'static {
    /// Does the protocol carry MQTT 5's properties and subscription options? Where it does
    /// not, the session refuses them rather than send something else than was asked.
    const MQTT5_EXTRAS: bool;
    /// Does the client tell the broker its error with a DISCONNECT before closing (MQTT 5,
    /// 4.13: [`Wire::told`] for the failures rumqttc finds, [`Wire::protocol_error`] for
    /// those the session finds)? MQTT 3.1.1 has no reason codes and only closes.
    const TELLS_WHY: bool;
    /// The handle that queues requests towards the event loop.
    type Client: Send + Sync;
    type EventLoop: Send;
    /// What one poll of the event loop yields.
    type Event: Send;
    type Error: Send + Sync;
    /// A request as rumqttc queues it (in its pending list after a failure, for recovery).
    type Queued: Send;

    /// The client and its event loop for `opts`, nothing connected yet.
    fn open(opts: &ConnectOptions) -> Result<(Self::Client, Self::EventLoop), Fail>;

    /// Should requests queued before CONNACK go out in the same write as CONNECT (`on`), or
    /// after CONNACK as usual (`!on`)? Returns whether they will: only where the protocol
    /// allows it (MQTT 3.1.1, 3.1.4). MQTT 5's CONNACK sets limits (Maximum QoS, Retain
    /// Available, Maximum Packet Size) a PUBLISH must keep to, so there it always waits.
    fn write_with_connect(eventloop: &mut Self::EventLoop, on: bool) -> bool;

    /// Poll the event loop once: it connects when it has no connection.
    fn poll(
        eventloop: &mut Self::EventLoop,
    ) -> impl Future<Output = Result<Self::Event, Self::Error>> + Send;

    /// The event in the project's own terms.
    fn translate(event: Self::Event) -> Polled;

    /// What a failure was, for [`super::failure`] to put into words.
    fn cause(err: &Self::Error) -> Cause<'_>;

    /// The reason of the DISCONNECT the event loop sent the broker on this failure before
    /// closing, as rumqttc chose it (`None`: it sent none). Asked of rumqttc, so that `-d`
    /// shows what was sent, not a guess at it.
    fn told(err: &Self::Error) -> Option<Reason>;

    /// Events rumqttc read or wrote before a failure and still holds.
    fn stale(eventloop: &mut Self::EventLoop) -> &mut VecDeque<Self::Event>;

    /// What rumqttc left unfinished when the connection failed.
    fn pending(eventloop: &mut Self::EventLoop) -> &mut VecDeque<Self::Queued>;
    /// What one of those requests is to recovery; a written publish is marked DUP.
    fn sort(request: Self::Queued) -> Left<Self::Queued>;
    /// The publish rumqttc held back for a packet id still in use, under a fresh id.
    fn take_collision(eventloop: &mut Self::EventLoop) -> Option<Self::Queued>;
    /// A PUBREL for a QoS 2 publish the broker has (it sent PUBREC).
    fn pubrel(pkid: u16) -> Self::Queued;
    /// The whole PUBLISH again, from the outbox's copy, as a duplicate.
    fn republish(pkid: u16, entry: Entry) -> Self::Queued;

    /// The broker broke the protocol and the session ends: say so before closing, where the
    /// protocol has a way (MQTT 5: DISCONNECT with reason code 0x82; MQTT 3.1.1 only closes).
    fn protocol_error(eventloop: &mut Self::EventLoop) -> impl Future<Output = ()> + Send;

    /// Queue a request, waiting for room; `false` when the event loop is gone.
    fn send(client: &Self::Client, request: Request<'_>) -> impl Future<Output = bool> + Send;
    /// Queue a PUBLISH if there is room.
    fn try_publish(client: &Self::Client, publish: Publish<'_>) -> Result<(), Refused>;
}

/// What the tool asks of the connection, for either protocol.
pub enum Request<'a> {
    Publish(Publish<'a>),
    /// One SUBSCRIBE for all the filters, with the same options for each.
    Subscribe {
        filters: &'a [(String, Qos)],
        options: &'a SubscribeOptions,
    },
    Unsubscribe {
        filter: &'a str,
        user_properties: &'a [(String, String)],
    },
    /// The DISCONNECT at the end, with its MQTT 5 properties (empty: none).
    Disconnect(&'a DisconnectProperties),
}

#[derive(Clone)]
pub struct Publish<'a> {
    pub topic: &'a str,
    pub payload: Bytes,
    pub qos: Qos,
    pub retain: bool,
    /// Never empty: a publish without properties has `None`.
    pub properties: Option<&'a PublishProperties>,
}

/// Why [`Wire::try_publish`] queued nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The queue is full (or, as rumqttc says it too, the event loop is gone: the session
    /// asks the pump which). The payload comes back, to be queued by waiting for room: a
    /// copy kept just in case cost two atomic operations per message.
    Full(Bytes),
    Gone,
}

/// A request rumqttc left in its pending list after a failure, as recovery sees it.
pub enum Left<R> {
    /// A publish it had written (it carries its packet id), marked DUP to go out again.
    Written(u16, R),
    /// A QoS 2 publish that had its PUBREC: only its PUBREL is left.
    Released(u16),
    /// An acknowledgement: it belongs to the broker's old session.
    Ack,
    /// Anything else, drained from the request channel.
    Other(R),
}

/// The parts of [`Wire`] that read rumqttc's event loop: polling it, its events, and its
/// requests for recovery. Both clients name these alike, so one reading serves both; the
/// protocol file has a `packet_of` for its packets and a `from_outbox` for the PUBLISH of an
/// outbox entry.
macro_rules! same_in_both_clients {
    () => {
        async fn poll(eventloop: &mut Self::EventLoop) -> Result<Self::Event, Self::Error> {
            eventloop.poll().await
        }

        fn translate(event: Self::Event) -> Polled {
            match event {
                Self::Event::Incoming(packet) => Polled::Received(packet_of(packet)),
                Self::Event::Outgoing(out) => Polled::Sent(outgoing(out)),
            }
        }

        fn stale(eventloop: &mut Self::EventLoop) -> &mut VecDeque<Self::Event> {
            &mut eventloop.state.events
        }

        fn pending(eventloop: &mut Self::EventLoop) -> &mut VecDeque<Self::Queued> {
            &mut eventloop.pending
        }

        fn sort(request: Self::Queued) -> Left<Self::Queued> {
            match request {
                Self::Queued::Publish(mut p) if p.pkid != 0 => {
                    // Sent before: it goes out again with DUP set (MQTT 3.1.1, 3.3.1.1).
                    p.dup = true;
                    Left::Written(p.pkid, Self::Queued::Publish(p))
                }
                Self::Queued::PubRel(r) => Left::Released(r.pkid),
                Self::Queued::PubAck(_) | Self::Queued::PubRec(_) | Self::Queued::PubComp(_) => {
                    Left::Ack
                }
                other => Left::Other(other),
            }
        }

        fn republish(pkid: u16, entry: Entry) -> Self::Queued {
            let retain = entry.retain;
            let mut p = from_outbox(entry);
            p.retain = retain;
            p.pkid = pkid;
            p.dup = true;
            Self::Queued::Publish(p)
        }

        fn take_collision(eventloop: &mut Self::EventLoop) -> Option<Self::Queued> {
            let mut p = eventloop.state.collision.take()?;
            p.pkid = 0;
            Some(Self::Queued::Publish(p))
        }
    };
}
pub(crate) use same_in_both_clients;

/// Sort one of rumqttc's connection errors, for the causes both protocols share: `$E`, `$S`
/// and `$B` are the protocol's `ConnectionError`, `StateError` and packet `Error` types.
macro_rules! common_cause {
    ($err:expr, $E:ident, $S:ident, $B:ident) => {
        match $err {
            $E::Io(e)
            | $E::MqttState($S::Io(e))
            | $E::MqttState($S::Deserialization($B::Io(e))) => Cause::Io(e),
            $E::Tls(e) => Cause::Tls(e),
            $E::Websocket(e) => Cause::Websocket(e),
            $E::ResponseValidation(e) => Cause::NotMqtt(e),
            $E::Proxy(e) => Cause::Proxy(e),
            $E::InvalidUrl(e) => Cause::BadUrl(e),
            $E::WsConnect(e) => Cause::BadUrl(e),
            $E::MqttState($S::AwaitPingResp) => Cause::NoPingResp,
            $E::MqttState($S::ConnectionAborted) => Cause::Aborted,
            $E::MqttState($S::Unsolicited(pkid)) => Cause::Unsolicited(*pkid),
            $E::MqttState($S::Deserialization(e)) => Cause::Malformed {
                what: format!("the broker sent {}", decoding(e)),
            },
            $E::MqttState($S::WrongPacket) => Cause::ClientPacket,
            $E::MqttState($S::InvalidState) => {
                Cause::Protocol("the broker sent a packet out of turn".into())
            }
            $E::MqttState($S::CollisionTimeout) => Cause::Protocol(
                "the broker did not acknowledge a message whose packet id was needed again".into(),
            ),
            other => Cause::Other(other),
        }
    };
}
pub(crate) use common_cause;

/// `decoding`: what the broker sent that the protocol's packet decoder (`$B`, its `Error`)
/// refused, in words following "the broker sent". `$extra` are the arms of the variants only
/// that protocol has.
macro_rules! decoding_words {
    ($B:ident, $($extra:tt)*) => {
        fn decoding(e: &$B) -> String {
            match e {
                $($extra)*
                $B::InvalidPacketType(t) => {
                    format!("a packet of type {t}, which MQTT does not define")
                }
                $B::InvalidProtocol | $B::InvalidProtocolLevel(_) => {
                    "a packet of another protocol version".into()
                }
                $B::InvalidPropertyType(p) => {
                    format!("a packet with property 0x{p:02x}, which MQTT 5 does not define")
                }
                $B::InvalidQoS(q) => format!("a PUBLISH with QoS {q}, which MQTT does not define"),
                $B::InvalidSubscribeReasonCode(c) => {
                    format!("a SUBACK with result 0x{c:02x}, which MQTT does not define")
                }
                $B::PacketIdZero => "a packet with packet id 0, which MQTT forbids".into(),
                $B::TopicNotUtf8 => "a PUBLISH whose topic is not UTF-8".into(),
                $B::PayloadRequired => "a packet without the payload it must have".into(),
                $B::PayloadSizeIncorrect
                | $B::PayloadTooLong
                | $B::BoundaryCrossed(_)
                | $B::InsufficientBytes(_)
                | $B::MalformedRemainingLength => "a packet whose lengths do not add up".into(),
                _ => "a malformed packet".into(),
            }
        }
    };
}
pub(crate) use decoding_words;

/// `qos` and `qos_of`: [`Qos`] to the protocol's own `QoS` enum (`$QoS`) and back. Both
/// clients have one, with the same three names.
macro_rules! qos_mapping {
    ($QoS:ident) => {
        fn qos(qos: Qos) -> $QoS {
            match qos {
                Qos::AtMostOnce => $QoS::AtMostOnce,
                Qos::AtLeastOnce => $QoS::AtLeastOnce,
                Qos::ExactlyOnce => $QoS::ExactlyOnce,
            }
        }

        fn qos_of(qos: $QoS) -> Qos {
            match qos {
                $QoS::AtMostOnce => Qos::AtMostOnce,
                $QoS::AtLeastOnce => Qos::AtLeastOnce,
                $QoS::ExactlyOnce => Qos::ExactlyOnce,
            }
        }
    };
}
pub(crate) use qos_mapping;

/// A packet written, as both clients report it.
fn outgoing(out: rumqttc::Outgoing) -> Outgoing {
    use rumqttc::Outgoing as O;
    match out {
        O::Publish(pkid) => Outgoing::Publish(pkid),
        O::Subscribe(pkid) => Outgoing::Subscribe(pkid),
        O::Unsubscribe(pkid) => Outgoing::Unsubscribe(pkid),
        O::PubAck(pkid) => Outgoing::PubAck(pkid),
        O::PubRec(pkid) => Outgoing::PubRec(pkid),
        O::PubRel(pkid) => Outgoing::PubRel(pkid),
        O::PubComp(pkid) => Outgoing::PubComp(pkid),
        O::PingReq => Outgoing::PingReq,
        O::PingResp => Outgoing::PingResp,
        O::Disconnect => Outgoing::Disconnect,
        O::AwaitAck(pkid) => Outgoing::AwaitAck(pkid),
    }
}

/// What the protocol files' tests share.
#[cfg(test)]
pub mod testing {
    use super::Wire;
    use crate::options::ConnectOptions;
    use crate::qos::Qos;
    use crate::session::packet::{Packet, Polled};
    use crate::tool::Tool;

    /// Connection settings resolved from a command line as a tool resolves its own, with an
    /// empty config file (never the one of whoever runs the tests).
    pub fn resolved(args: &[&str]) -> ConnectOptions {
        let args = crate::settings::testing::args(args);
        ConnectOptions::from_args(&args, Tool::Rsub, Qos::AtMostOnce).expect("valid settings")
    }

    /// The neutral packet of an event that must be an incoming packet.
    pub fn incoming<W: Wire>(event: W::Event) -> Packet {
        match W::translate(event) {
            Polled::Received(packet) => packet,
            Polled::Sent(out) => panic!("an incoming packet became {out:?}"),
        }
    }
}
