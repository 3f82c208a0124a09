//! MQTT 3.1.1 and MQTT 3.1 over rumqttc's v4 client: its options, its packets and errors in
//! the project's own terms, and its requests. Neither has properties or reason codes: the
//! session refuses properties before they get here, and acknowledgements carry none. MQTT 3.1
//! is 3.1.1 with a CONNECT of its own ("MQIsdp", level 3), which the client writes when told.

use std::collections::VecDeque;

use rumqttc::{AsyncClient, ClientError, ConnectReturnCode, Event, EventLoop, MqttOptions, QoS};

use super::network;
use super::{outgoing, Left, Publish, Refused, Request, Wire};
use crate::exit::Fail;
use crate::options::{ConnectOptions, Protocol};
use crate::qos::Qos;
use crate::reason::Reason;
use crate::session::failure::Cause;
use crate::session::outbox::Entry;
use crate::session::packet::{Code, ConnAck, Packet, Polled};
use crate::session::{Message, MAX_PACKET_SIZE, REQUEST_CAPACITY};

/// MQTT 3.1.1, or MQTT 3.1 when the options say so.
pub struct V4;

impl Wire for V4 {
    const MQTT5_EXTRAS: bool = false;
    const TELLS_WHY: bool = false;
    type Client = AsyncClient;
    type EventLoop = EventLoop;
    type Event = Event;
    type Error = rumqttc::ConnectionError;
    type Queued = rumqttc::Request;

    fn open(opts: &ConnectOptions) -> Result<(AsyncClient, EventLoop), Fail> {
        let (client, mut eventloop) = AsyncClient::new(options(opts)?, REQUEST_CAPACITY);
        eventloop.set_network_options(network::network_options(opts));
        Ok((client, eventloop))
    }

    fn write_with_connect(eventloop: &mut EventLoop, on: bool) -> bool {
        // MQTT 3.1 says nothing of it: only 3.1.1 (3.1.4) allows it.
        let allowed = on && eventloop.mqtt_options.protocol() == rumqttc::Protocol::V4;
        eventloop.mqtt_options.set_requests_with_connect(allowed);
        allowed
    }

    fn told(_: &Self::Error) -> Option<Reason> {
        None
    }

    fn cause(err: &Self::Error) -> Cause<'_> {
        use rumqttc::{ConnectionError as E, Error as B, StateError as S};
        match err {
            E::ConnectionRefused(code) => Cause::Refused(connack_code(*code)),
            E::MqttState(S::Deserialization(B::OutgoingPacketTooLarge { pkt_size, max })) => {
                Cause::TooLarge {
                    size: *pkt_size,
                    max: *max,
                }
            }
            E::NetworkTimeout | E::FlushTimeout => Cause::TimedOut,
            E::NotConnAck(packet) => Cause::NotConnAck(packet_of(packet.clone()).name()),
            other => super::common_cause!(other, E, S, B),
        }
    }

    super::same_in_both_clients!();

    fn pubrel(pkid: u16) -> Self::Queued {
        rumqttc::Request::PubRel(rumqttc::PubRel::new(pkid))
    }

    async fn protocol_error(_: &mut EventLoop) {
        // MQTT 3.1.1 has no reason codes: closing the connection is all it asks (4.8).
    }

    async fn send(client: &AsyncClient, request: Request<'_>) -> bool {
        match request {
            Request::Publish(p) => client
                .publish_bytes(p.topic, qos(p.qos), p.retain, p.payload)
                .await
                .is_ok(),
            Request::Subscribe { filters, .. } => {
                let list = filters
                    .iter()
                    .map(|(f, q)| rumqttc::SubscribeFilter::new(f.clone(), qos(*q)));
                client.subscribe_many(list).await.is_ok()
            }
            Request::Unsubscribe { filter, .. } => client.unsubscribe(filter).await.is_ok(),
            // MQTT 3.1.1 has no DISCONNECT properties: -D is refused before connecting.
            Request::Disconnect(_) => client.disconnect().await.is_ok(),
        }
    }

    fn try_publish(client: &AsyncClient, p: Publish<'_>) -> Result<(), Refused> {
        client
            .try_publish_bytes(p.topic, qos(p.qos), p.retain, p.payload)
            .map_err(refused)
    }
}

/// Why rumqttc queued no PUBLISH: full (the payload handed back), or gone.
fn refused(e: ClientError) -> Refused {
    match e {
        ClientError::TryRequest(rumqttc::Request::Publish(publish)) => {
            Refused::Full(publish.payload)
        }
        _ => Refused::Gone,
    }
}

/// rumqttc's MQTT 3.1.1 options for `opts`.
fn options(opts: &ConnectOptions) -> Result<MqttOptions, Fail> {
    let endpoint = network::endpoint(opts)?;
    let mut mo = MqttOptions::new(&opts.client_id, endpoint.addr, endpoint.port);
    mo.set_transport(endpoint.transport)
        .set_keep_alive(opts.keepalive)
        .set_clean_session(opts.clean_session)
        .set_max_packet_size(MAX_PACKET_SIZE, MAX_PACKET_SIZE)
        .set_inflight(opts.inflight)
        .set_protocol(match opts.protocol {
            Protocol::V31 => rumqttc::Protocol::V3,
            Protocol::V311 | Protocol::V5 => rumqttc::Protocol::V4,
        });
    if let Some(proxy) = endpoint.proxy {
        mo.set_proxy(proxy);
    }
    if let Some(c) = &opts.credentials {
        mo.set_credentials(c.username.as_str(), network::password(c));
    }
    if let Some(w) = &opts.will {
        let will_qos = qos(w.qos);
        let will = rumqttc::LastWill::new(w.topic.as_str(), w.payload.clone(), will_qos, w.retain);
        mo.set_last_will(will);
    }
    Ok(mo)
}

/// The PUBLISH of an outbox entry (topic and payload are kept for QoS 2).
fn from_outbox(entry: Entry) -> rumqttc::Publish {
    let topic = entry.topic.unwrap_or_default();
    let payload = entry.payload.unwrap_or_default();
    rumqttc::Publish::from_bytes(topic, qos(entry.qos), payload)
}

/// A packet from the broker in the project's own terms.
fn packet_of(packet: rumqttc::Packet) -> Packet {
    use rumqttc::Packet as P;
    match packet {
        P::ConnAck(a) => Packet::ConnAck(ConnAck {
            session_present: a.session_present,
            code: connack_code(a.code),
        }),
        P::Publish(p) if p.topic.is_empty() => Packet::Broken {
            name: "PUBLISH",
            why: "with an empty topic".into(),
        },
        P::Publish(p) => Packet::Publish(message_of(p)),
        P::PubAck(a) => Packet::PubAck {
            pkid: a.pkid,
            reason: None,
        },
        P::PubRec(a) => Packet::PubRec {
            pkid: a.pkid,
            reason: None,
        },
        P::PubRel(a) => Packet::PubRel { pkid: a.pkid },
        P::PubComp(a) => Packet::PubComp {
            pkid: a.pkid,
            reason: None,
        },
        P::SubAck(a) => Packet::SubAck {
            pkid: a.pkid,
            results: a.return_codes.iter().map(subscribe_result).collect(),
        },
        P::UnsubAck(a) => Packet::UnsubAck {
            pkid: a.pkid,
            reasons: Vec::new(),
        },
        P::PingReq => Packet::PingReq,
        P::PingResp => Packet::PingResp,
        P::Disconnect => Packet::Disconnect(None),
        P::Connect(_) => Packet::Other("CONNECT"),
        P::Subscribe(_) => Packet::Other("SUBSCRIBE"),
        P::Unsubscribe(_) => Packet::Other("UNSUBSCRIBE"),
    }
}

/// A received PUBLISH: its parts move into the message, nothing is copied.
fn message_of(p: rumqttc::Publish) -> Message {
    Message {
        // A String's buffer becomes the Bytes: no copy.
        topic: p.topic.into(),
        payload: p.payload,
        qos: qos_of(p.qos),
        retain: p.retain,
        dup: p.dup,
        pkid: p.pkid,
        properties: None,
    }
}

/// A SUBACK entry: the granted QoS, or MQTT 3.1.1's one failure code.
fn subscribe_result(code: &rumqttc::SubscribeReasonCode) -> Result<Qos, Code> {
    match code {
        rumqttc::SubscribeReasonCode::Success(q) => Ok(qos_of(*q)),
        rumqttc::SubscribeReasonCode::Failure => Err(Code::Return {
            code: 0x80,
            name: "failure",
        }),
    }
}

/// MQTT 3.1.1 CONNACK return codes (0-5), with their names from that specification.
fn connack_code(code: ConnectReturnCode) -> Code {
    use ConnectReturnCode as C;
    let (code, name) = match code {
        C::Success => (0, "accepted"),
        C::RefusedProtocolVersion => (1, "unacceptable protocol version"),
        C::BadClientId => (2, "identifier rejected"),
        C::ServiceUnavailable => (3, "server unavailable"),
        C::BadUserNamePassword => (4, "bad user name or password"),
        C::NotAuthorized => (5, "not authorized"),
    };
    Code::Return { code, name }
}

super::qos_mapping!(QoS);

use rumqttc::Error as Decoding;
super::decoding_words!(Decoding,
    Decoding::InvalidConnectReturnCode(c) => {
        format!("a CONNACK with return code {c}, which MQTT 3.1.1 does not define")
    }
    Decoding::PayloadSizeLimitExceeded(size) => {
        format!("a packet of {size} bytes, over the protocol's maximum")
    }
    Decoding::NotConnect(_) | Decoding::UnexpectedConnect => {
        "a packet only a client sends".into()
    }
);

#[cfg(test)]
mod tests {
    use std::io;

    use bytes::Bytes;

    use super::*;
    use crate::exit::Exit;
    use crate::session::failure::tests::broker;
    use crate::session::failure::{self, Phase};
    use crate::session::packet::Outgoing;
    use crate::session::protocol::testing::{incoming, resolved};

    fn received(packet: rumqttc::Packet) -> Packet {
        incoming::<V4>(Event::Incoming(packet))
    }

    #[test]
    fn a_publish_becomes_a_message_without_properties() {
        let mut p = rumqttc::Publish::new("a/b", QoS::ExactlyOnce, "hi");
        (p.pkid, p.dup, p.retain) = (7, true, true);
        let Packet::Publish(m) = received(rumqttc::Packet::Publish(p)) else {
            panic!("not a message");
        };
        assert_eq!((&m.topic[..], &m.payload[..]), (&b"a/b"[..], &b"hi"[..]));
        assert_eq!(
            (m.qos, m.pkid, m.dup, m.retain),
            (Qos::ExactlyOnce, 7, true, true)
        );
        assert!(m.properties.is_none());
    }

    #[test]
    fn acknowledgements_carry_no_reason_code() {
        let ack = received(rumqttc::Packet::PubAck(rumqttc::PubAck::new(3)));
        assert!(matches!(
            ack,
            Packet::PubAck {
                pkid: 3,
                reason: None
            }
        ));
        let rec = received(rumqttc::Packet::PubRec(rumqttc::PubRec::new(4)));
        assert!(matches!(
            rec,
            Packet::PubRec {
                pkid: 4,
                reason: None
            }
        ));
        let unsub = received(rumqttc::Packet::UnsubAck(rumqttc::UnsubAck::new(5)));
        assert!(matches!(unsub, Packet::UnsubAck { pkid: 5, reasons } if reasons.is_empty()));
        assert!(matches!(
            received(rumqttc::Packet::Disconnect),
            Packet::Disconnect(None)
        ));
    }

    #[test]
    fn a_refused_filter_is_mqtt_3_1_1_failure() {
        use rumqttc::SubscribeReasonCode as S;
        let suback = rumqttc::SubAck::new(2, vec![S::Success(QoS::AtLeastOnce), S::Failure]);
        let Packet::SubAck { pkid, results } = received(rumqttc::Packet::SubAck(suback)) else {
            panic!("not a SUBACK");
        };
        let failure = Code::Return {
            code: 0x80,
            name: "failure",
        };
        assert_eq!(pkid, 2);
        assert_eq!(results, [Ok(Qos::AtLeastOnce), Err(failure.clone())]);
        // Tools report it as MQTT 5 names the code.
        assert_eq!(
            failure.into_reason().to_string(),
            "unspecified error (0x80)"
        );
    }

    #[test]
    fn connack_keeps_its_return_code_and_name() {
        let ack = rumqttc::ConnAck::new(ConnectReturnCode::BadClientId, true);
        let Packet::ConnAck(ack) = received(rumqttc::Packet::ConnAck(ack)) else {
            panic!("not a CONNACK");
        };
        assert!(ack.session_present);
        let rejected = Code::Return {
            code: 2,
            name: "identifier rejected",
        };
        assert_eq!(ack.code, rejected);
        let written = V4::translate(Event::Outgoing(rumqttc::Outgoing::PubRel(9)));
        assert!(matches!(written, Polled::Sent(Outgoing::PubRel(9))));
    }

    #[test]
    fn errors_read_in_their_phase() {
        let read = |err: &rumqttc::ConnectionError, phase| {
            let fail = failure::read(&V4::cause(err), &broker(), phase);
            (fail.exit, fail.message)
        };
        let refused = rumqttc::ConnectionError::ConnectionRefused(ConnectReturnCode::NotAuthorized);
        assert_eq!(
            read(&refused, Phase::Connecting),
            (
                Exit::Refused,
                "the broker at b:1883 refused the connection: not authorized (return code 5)"
                    .into()
            )
        );
        let reset =
            || rumqttc::ConnectionError::Io(io::Error::from(io::ErrorKind::ConnectionReset));
        assert_eq!(
            read(&reset(), Phase::Connected),
            (
                Exit::ConnectionLost,
                "connection to b:1883 lost: the broker closed it".into()
            )
        );
        let (exit, message) = read(&reset(), Phase::Connecting);
        assert_eq!(exit, Exit::Unreachable);
        assert!(message.starts_with("b:1883 closed the connection before answering CONNECT"));
        assert!(V4::cause(&reset()).hung_up());
        let timeout = rumqttc::ConnectionError::NetworkTimeout;
        assert_eq!(
            read(&timeout, Phase::Connecting).1,
            "cannot connect to b:1883: timed out"
        );
        assert!(!V4::cause(&timeout).hung_up());
    }

    #[test]
    fn what_the_decoder_refused_reads_as_what_the_broker_did() {
        use rumqttc::{ConnectionError as E, Error as B, StateError as S};
        let read = |e: B, phase| {
            let err = E::MqttState(S::Deserialization(e));
            failure::read(&V4::cause(&err), &broker(), phase).message
        };
        assert_eq!(
            read(B::InvalidPacketType(0), Phase::Connected),
            "connection to b:1883 lost: the broker sent a packet of type 0, which MQTT does not define (a protocol error)"
        );
        assert_eq!(
            read(B::InvalidConnectReturnCode(153), Phase::Connecting),
            "cannot connect to b:1883: the broker sent a CONNACK with return code 153, which MQTT 3.1.1 does not define (a protocol error)"
        );
        assert!(read(B::BoundaryCrossed(7), Phase::Connected)
            .contains("the broker sent a packet whose lengths do not add up (a protocol error)"));
        assert!(read(B::InvalidQoS(3), Phase::Connected).contains("a PUBLISH with QoS 3"));
        let wrong = failure::read(
            &V4::cause(&E::MqttState(S::WrongPacket)),
            &broker(),
            Phase::Connected,
        );
        assert_eq!(
            wrong.message,
            "connection to b:1883 lost: the broker sent a packet only a client sends (a protocol error)"
        );
        // Bytes that are no packet end the session; a packet out of place, the connection.
        let refused = E::MqttState(S::Deserialization(B::InvalidPacketType(0)));
        assert!(V4::cause(&refused).ends_session());
        assert!(!V4::cause(&E::MqttState(S::WrongPacket)).ends_session());
        let closed = E::Io(io::Error::from(io::ErrorKind::UnexpectedEof));
        assert!(!V4::cause(&closed).ends_session());
        for e in [
            B::MalformedPacket,
            B::PacketIdZero,
            B::TopicNotUtf8,
            B::PayloadRequired,
        ] {
            let words = read(e, Phase::Connected);
            assert!(
                !words.contains("Mqtt") && words.ends_with("(a protocol error)"),
                "{words}"
            );
        }
        let publish =
            rumqttc::Packet::Publish(rumqttc::Publish::new("t", QoS::AtMostOnce, "x".repeat(99)));
        let fail = failure::read(
            &V4::cause(&E::NotConnAck(publish)),
            &broker(),
            Phase::Connecting,
        );
        assert_eq!(
            (fail.exit, fail.message.as_str()),
            (
                Exit::Unreachable,
                "b:1883 answered CONNECT with PUBLISH instead of CONNACK"
            )
        );
    }

    #[test]
    fn recovery_resends_written_publishes_with_dup_and_drops_acks() {
        use rumqttc::Request as R;
        let mut written = rumqttc::Publish::new("t", QoS::AtLeastOnce, "x");
        written.pkid = 4;
        let unwritten = rumqttc::Publish::new("t", QoS::AtMostOnce, "x");
        let sorted: Vec<_> = [
            R::Publish(written),
            R::PubRel(rumqttc::PubRel::new(5)),
            R::PubAck(rumqttc::PubAck::new(6)),
            R::PubComp(rumqttc::PubComp::new(7)),
            R::Publish(unwritten.clone()),
            R::Disconnect(rumqttc::Disconnect),
        ]
        .into_iter()
        .map(V4::sort)
        .collect();
        let [Left::Written(4, R::Publish(again)), Left::Released(5), Left::Ack, Left::Ack, Left::Other(R::Publish(other)), Left::Other(R::Disconnect(_))] =
            &sorted[..]
        else {
            panic!("sorted otherwise");
        };
        assert!(again.dup && !other.dup);
        assert_eq!(other, &unwritten);
        let R::PubRel(rel) = V4::pubrel(5) else {
            panic!("not a PUBREL");
        };
        assert_eq!(rel.pkid, 5);
    }

    #[test]
    fn a_lost_qos_2_publish_is_published_again_as_a_duplicate() {
        let entry = Entry {
            seq: 1,
            qos: Qos::ExactlyOnce,
            retain: true,
            len: 2,
            topic: Some("t".into()),
            payload: Some(Bytes::from_static(b"hi")),
            properties: None,
            resent: true,
        };
        let rumqttc::Request::Publish(p) = V4::republish(9, entry) else {
            panic!("not a PUBLISH");
        };
        assert_eq!(
            (p.pkid, p.dup, p.retain, p.qos),
            (9, true, true, QoS::ExactlyOnce)
        );
        assert_eq!((p.topic.as_str(), &p.payload[..]), ("t", &b"hi"[..]));
    }

    #[test]
    fn options_from_the_command_line() {
        let opts = resolved(&[
            "-i",
            "me",
            "-k",
            "30",
            "-c",
            "-u",
            "user",
            "-P",
            "pw",
            "--will-topic",
            "w",
            "--will-payload",
            "gone",
            "--will-qos",
            "1",
            "--will-retain",
        ]);
        let mo = options(&opts).expect("options");
        assert_eq!(mo.client_id(), "me");
        assert_eq!(mo.keep_alive(), std::time::Duration::from_secs(30));
        assert!(!mo.clean_session());
        let login = mo.credentials().expect("credentials");
        assert_eq!(
            (login.username.as_str(), login.password.as_str()),
            ("user", "pw")
        );
        assert_eq!(mo.max_packet_size(), MAX_PACKET_SIZE);
        assert_eq!(mo.inflight(), opts.inflight);
        let will = mo.last_will().expect("a will");
        assert_eq!(
            (will.topic.as_str(), &will.message[..]),
            ("w", &b"gone"[..])
        );
        assert_eq!((will.qos, will.retain), (QoS::AtLeastOnce, true));
        assert_eq!(mo.protocol(), rumqttc::Protocol::V4);
    }

    #[test]
    fn mqtt_3_1_is_the_v4_client_with_its_own_connect_and_a_short_enough_id() {
        for flag in ["mqttv31", "31"] {
            let opts = resolved(&["-V", flag]);
            let mo = options(&opts).expect("options");
            assert_eq!(mo.protocol(), rumqttc::Protocol::V3);
            // MQTT 3.1 allows client ids of at most 23 bytes.
            assert!(mo.client_id().len() <= 23, "{}", mo.client_id());
        }
    }

    #[test]
    fn qos_maps_both_ways() {
        for q in [Qos::AtMostOnce, Qos::AtLeastOnce, Qos::ExactlyOnce] {
            assert_eq!(qos_of(qos(q)), q);
            assert_eq!(qos(q) as u8, q.as_u8());
        }
    }
}
