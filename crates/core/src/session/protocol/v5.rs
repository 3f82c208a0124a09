//! MQTT 5 over rumqttc's v5 client: its options (CONNECT and will properties included), its
//! packets, reason codes and errors in the project's own terms, and its requests with their
//! properties and subscription options.

use std::collections::VecDeque;

use rumqttc::v5::mqttbytes::v5 as v5b;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, ClientError, Event, EventLoop, MqttOptions};

use super::network;
use super::{outgoing, Left, Publish, Refused, Request, Wire};
use crate::exit::Fail;
use crate::options::ConnectOptions;
use crate::properties::{PublishProperties, SubscribeOptions, WillProperties};
use crate::qos::Qos;
use crate::reason::Reason;
use crate::session::failure::Cause;
use crate::session::outbox::Entry;
use crate::session::packet::{Code, ConnAck, Packet, Polled};
use crate::session::{Message, MAX_PACKET_SIZE, REQUEST_CAPACITY};

/// MQTT 5.
pub struct V5;

/// How long telling the broker of its protocol error may take before the connection closes.
const PROTOCOL_ERROR_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

impl Wire for V5 {
    const MQTT5_EXTRAS: bool = true;
    const TELLS_WHY: bool = true;
    type Client = AsyncClient;
    type EventLoop = EventLoop;
    type Event = Event;
    type Error = rumqttc::v5::ConnectionError;
    type Queued = rumqttc::v5::Request;

    fn open(opts: &ConnectOptions) -> Result<(AsyncClient, EventLoop), Fail> {
        Ok(AsyncClient::new(options(opts)?, REQUEST_CAPACITY))
    }

    fn write_with_connect(_: &mut EventLoop, _: bool) -> bool {
        false
    }

    fn told(err: &Self::Error) -> Option<Reason> {
        rumqttc::v5::broker_error(err).map(|code| Reason::new(code as u8))
    }

    fn cause(err: &Self::Error) -> Cause<'_> {
        use rumqttc::v5::mqttbytes::Error as B;
        use rumqttc::v5::{ConnectionError as E, StateError as S};
        match err {
            E::ConnectionRefused(code) => Cause::Refused(Code::Reason(connack_reason(code))),
            E::MqttState(S::Deserialization(B::OutgoingPacketTooLarge { pkt_size, max })) => {
                Cause::TooLarge {
                    size: *pkt_size as usize,
                    max: *max as usize,
                }
            }
            E::Timeout(_) => Cause::TimedOut,
            E::MqttState(S::ServerDisconnect {
                reason_code,
                reason_string,
            }) => Cause::Disconnected(Reason::with_text(*reason_code as u8, reason_string.clone())),
            E::MqttState(S::InvalidAlias { alias, max }) => Cause::InvalidAlias {
                alias: *alias,
                max: *max,
            },
            E::MqttState(S::IncomingPacketTooLarge { pkt_size, max }) => Cause::Protocol(format!(
                "the broker sent a packet of {pkt_size} bytes, over the maximum of {max} bytes"
            )),
            E::NotConnAck(packet) => Cause::NotConnAck(packet_of((**packet).clone()).name()),
            other => super::common_cause!(other, E, S, B),
        }
    }

    super::same_in_both_clients!();

    fn pubrel(pkid: u16) -> Self::Queued {
        rumqttc::v5::Request::PubRel(v5b::PubRel::new(pkid, None))
    }

    async fn protocol_error(eventloop: &mut EventLoop) {
        // Bounded: a broker that breaks the protocol may not read either. Closing is what
        // is left if it fails.
        let told = eventloop.disconnect_protocol_error();
        let _ = tokio::time::timeout(PROTOCOL_ERROR_LIMIT, told).await;
    }

    async fn send(client: &AsyncClient, request: Request<'_>) -> bool {
        match request {
            Request::Publish(p) => match p.properties {
                Some(props) => client
                    .publish_bytes_with_properties(
                        p.topic,
                        qos(p.qos),
                        p.retain,
                        p.payload,
                        publish_properties(props),
                    )
                    .await
                    .is_ok(),
                None => client
                    .publish_bytes(p.topic, qos(p.qos), p.retain, p.payload)
                    .await
                    .is_ok(),
            },
            Request::Subscribe { filters, options } => {
                let list = filters.iter().map(|(f, q)| filter(options, f, *q));
                match subscribe_properties(options) {
                    Some(props) => client.subscribe_many_with_properties(list, props).await,
                    None => client.subscribe_many(list).await,
                }
                .is_ok()
            }
            Request::Unsubscribe {
                filter,
                user_properties,
            } if !user_properties.is_empty() => {
                let props = v5b::UnsubscribeProperties {
                    user_properties: user_properties.to_vec(),
                };
                client
                    .unsubscribe_with_properties(filter, props)
                    .await
                    .is_ok()
            }
            Request::Unsubscribe { filter, .. } => client.unsubscribe(filter).await.is_ok(),
            Request::Disconnect(p) if !p.is_empty() => {
                let props = v5b::DisconnectProperties {
                    session_expiry_interval: p.session_expiry,
                    reason_string: None,
                    user_properties: p.user_properties.clone(),
                    server_reference: None,
                };
                client.disconnect_with_properties(props).await.is_ok()
            }
            Request::Disconnect(_) => client.disconnect().await.is_ok(),
        }
    }

    fn try_publish(client: &AsyncClient, p: Publish<'_>) -> Result<(), Refused> {
        let sent = match p.properties {
            Some(props) => client.try_publish_with_properties(
                p.topic,
                qos(p.qos),
                p.retain,
                p.payload,
                publish_properties(props),
            ),
            None => client.try_publish(p.topic, qos(p.qos), p.retain, p.payload),
        };
        sent.map_err(refused)
    }
}

/// Why rumqttc queued no PUBLISH: full (the payload handed back), or gone.
fn refused(e: ClientError) -> Refused {
    match e {
        ClientError::TryRequest(rumqttc::v5::Request::Publish(publish)) => {
            Refused::Full(publish.payload)
        }
        _ => Refused::Gone,
    }
}

/// rumqttc's MQTT 5 options for `opts`: what MQTT 3.1.1 has too, then what only MQTT 5 has.
fn options(opts: &ConnectOptions) -> Result<MqttOptions, Fail> {
    let endpoint = network::endpoint(opts)?;
    let network = network::network_options(opts);
    let mut mo = MqttOptions::new(&opts.client_id, endpoint.addr, endpoint.port);
    mo.set_transport(endpoint.transport)
        .set_clean_start(opts.clean_session)
        .set_max_packet_size(Some(MAX_PACKET_SIZE as u32))
        .set_outgoing_inflight_upper_limit(opts.inflight)
        .set_connection_timeout(network.connection_timeout())
        .set_network_options(network);
    if !opts.keepalive.is_zero() {
        mo.set_keep_alive(opts.keepalive);
    }
    if let Some(proxy) = endpoint.proxy {
        mo.set_proxy(proxy);
    }
    if !opts.clean_session {
        // MQTT 5 ends a session at disconnect unless told otherwise; -c means "keep it", as
        // mosquitto_sub's -c does (expiry "never"). `-x` replaces it below.
        mo.set_session_expiry_interval(Some(u32::MAX));
    }
    if let Some(c) = &opts.credentials {
        mo.set_credentials(c.username.as_str(), network::password(c));
    }
    if let Some(w) = &opts.will {
        let will = &opts.mqtt5.will;
        let properties = (!will.is_empty()).then(|| will_properties(will));
        let payload = w.payload.to_vec();
        let last_will =
            v5b::LastWill::new(w.topic.as_str(), payload, qos(w.qos), w.retain, properties);
        mo.set_last_will(last_will);
    }
    connect_properties(&mut mo, opts);
    Ok(mo)
}

/// The CONNECT properties `opts` asks for; a maximum packet size replaces MQTT's own limit.
fn connect_properties(mo: &mut MqttOptions, opts: &ConnectOptions) {
    let c = &opts.mqtt5.connect;
    if let Some(expiry) = c.session_expiry {
        mo.set_session_expiry_interval(Some(expiry));
    }
    if let Some(max) = c.receive_maximum {
        mo.set_receive_maximum(Some(max));
    }
    if let Some(size) = c.maximum_packet_size {
        mo.set_max_packet_size(Some(size));
    }
    if let Some(max) = c.topic_alias_maximum {
        mo.set_topic_alias_max(Some(max));
    }
    if let Some(flag) = c.request_response_information {
        mo.set_request_response_info(Some(flag));
    }
    if let Some(flag) = c.request_problem_information {
        mo.set_request_problem_info(Some(flag));
    }
    if !c.user_properties.is_empty() {
        mo.set_user_properties(c.user_properties.clone());
    }
    if let Some(method) = &c.authentication_method {
        mo.set_authentication_method(Some(method.clone()));
    }
    if let Some(data) = &c.authentication_data {
        mo.set_authentication_data(Some(data.clone()));
    }
}

/// PUBACK and PUBREC share their reason codes (MQTT 5, 3.4.2.1 and 3.5.2.1); rumqttc gives
/// each its own enum of the same names.
macro_rules! ack_code {
    ($reason:expr, $R:ident) => {{
        use v5b::$R as R;
        match $reason {
            R::Success => 0x00,
            R::NoMatchingSubscribers => 0x10,
            R::UnspecifiedError => 0x80,
            R::ImplementationSpecificError => 0x83,
            R::NotAuthorized => 0x87,
            R::TopicNameInvalid => 0x90,
            R::PacketIdentifierInUse => 0x91,
            R::QuotaExceeded => 0x97,
            R::PayloadFormatInvalid => 0x99,
        }
    }};
}

/// A packet from the broker in the project's own terms, reason codes and reason strings
/// included.
fn packet_of(packet: v5b::Packet) -> Packet {
    use v5b::Packet as P;
    match packet {
        // With no room for a single publish, the client would wait for ever.
        P::ConnAck(a) if a.properties.as_ref().and_then(|p| p.receive_max) == Some(0) => {
            Packet::Broken {
                name: "CONNACK",
                why: "with Receive Maximum 0, which MQTT 5 forbids (3.2.2.3.3)".into(),
            }
        }
        P::ConnAck(a) => Packet::ConnAck(ConnAck {
            session_present: a.session_present,
            code: Code::Reason(connack_reason(&a.code)),
        }),
        // rumqttc puts in the topic of an alias it knows; an empty topic left means none.
        P::Publish(p) if p.topic.is_empty() => Packet::Broken {
            name: "PUBLISH",
            why: match p.properties.and_then(|p| p.topic_alias) {
                Some(alias) => format!("with topic alias {alias}, which it never set"),
                None => "with an empty topic".into(),
            },
        },
        P::Publish(p) => Packet::Publish(message_of(p)),
        P::PubAck(a) => Packet::PubAck {
            pkid: a.pkid,
            reason: Some(Reason::with_text(
                ack_code!(a.reason, PubAckReason),
                a.properties.and_then(|p| p.reason_string),
            )),
        },
        P::PubRec(a) => Packet::PubRec {
            pkid: a.pkid,
            reason: Some(Reason::with_text(
                ack_code!(a.reason, PubRecReason),
                a.properties.and_then(|p| p.reason_string),
            )),
        },
        P::PubRel(a) => Packet::PubRel { pkid: a.pkid },
        P::PubComp(a) => Packet::PubComp {
            pkid: a.pkid,
            reason: Some(Reason::with_text(
                pubcomp_code(a.reason),
                a.properties.and_then(|p| p.reason_string),
            )),
        },
        P::SubAck(a) => {
            let text = a.properties.and_then(|p| p.reason_string);
            let results = a
                .return_codes
                .iter()
                .map(|c| suback_result(c, &text))
                .collect();
            Packet::SubAck {
                pkid: a.pkid,
                results,
            }
        }
        P::UnsubAck(a) => Packet::UnsubAck {
            pkid: a.pkid,
            reasons: a
                .reasons
                .iter()
                .map(|r| Reason::new(unsuback_code(*r)))
                .collect(),
        },
        P::PingReq(_) => Packet::PingReq,
        P::PingResp(_) => Packet::PingResp,
        P::Disconnect(d) => {
            let text = d.properties.and_then(|p| p.reason_string);
            Packet::Disconnect(Some(Reason::with_text(d.reason_code as u8, text)))
        }
        P::Connect(..) => Packet::Other("CONNECT"),
        P::Subscribe(_) => Packet::Other("SUBSCRIBE"),
        P::Unsubscribe(_) => Packet::Other("UNSUBSCRIBE"),
        P::Auth(_) => Packet::Other("AUTH"),
    }
}

/// A received PUBLISH: its parts move into the message, nothing is copied.
fn message_of(p: v5b::Publish) -> Message {
    Message {
        topic: p.topic,
        payload: p.payload,
        qos: qos_of(p.qos),
        retain: p.retain,
        dup: p.dup,
        pkid: p.pkid,
        properties: received_properties(p.properties),
    }
}

/// The PUBLISH of an outbox entry (topic, payload and properties are kept for QoS 2).
fn from_outbox(entry: Entry) -> v5b::Publish {
    let topic = entry.topic.unwrap_or_default();
    let payload = entry.payload.unwrap_or_default();
    let properties = entry.properties.as_deref().map(publish_properties);
    v5b::Publish::new(topic, qos(entry.qos), payload, properties)
}

/// A SUBACK entry: the granted QoS, or why not, in the broker's words when it gave some.
fn suback_result(code: &v5b::SubscribeReasonCode, text: &Option<String>) -> Result<Qos, Code> {
    use v5b::SubscribeReasonCode as S;
    let failure = match code {
        S::Success(q) => return Ok(qos_of(*q)),
        S::Failure | S::Unspecified => 0x80,
        S::ImplementationSpecific => 0x83,
        S::NotAuthorized => 0x87,
        S::TopicFilterInvalid => 0x8F,
        S::PkidInUse => 0x91,
        S::QuotaExceeded => 0x97,
        S::SharedSubscriptionsNotSupported => 0x9E,
        S::SubscriptionIdNotSupported => 0xA1,
        S::WildcardSubscriptionsNotSupported => 0xA2,
    };
    Err(Code::Reason(Reason::with_text(failure, text.clone())))
}

/// CONNACK's reason code (rumqttc's enum keeps MQTT 3.1.1's names beside MQTT 5's).
fn connack_reason(code: &v5b::ConnectReturnCode) -> Reason {
    use v5b::ConnectReturnCode as C;
    Reason::new(match code {
        C::Success => 0x00,
        C::RefusedProtocolVersion => 0x84,
        C::BadClientId => 0x85,
        C::ServiceUnavailable => 0x88,
        C::UnspecifiedError => 0x80,
        C::MalformedPacket => 0x81,
        C::ProtocolError => 0x82,
        C::ImplementationSpecificError => 0x83,
        C::UnsupportedProtocolVersion => 0x84,
        C::ClientIdentifierNotValid => 0x85,
        C::BadUserNamePassword => 0x86,
        C::NotAuthorized => 0x87,
        C::ServerUnavailable => 0x88,
        C::ServerBusy => 0x89,
        C::Banned => 0x8A,
        C::BadAuthenticationMethod => 0x8C,
        C::TopicNameInvalid => 0x90,
        C::PacketTooLarge => 0x95,
        C::QuotaExceeded => 0x97,
        C::PayloadFormatInvalid => 0x99,
        C::RetainNotSupported => 0x9A,
        C::QoSNotSupported => 0x9B,
        C::UseAnotherServer => 0x9C,
        C::ServerMoved => 0x9D,
        C::ConnectionRateExceeded => 0x9F,
    })
}

/// PUBCOMP's reason code.
fn pubcomp_code(reason: v5b::PubCompReason) -> u8 {
    match reason {
        v5b::PubCompReason::Success => 0x00,
        v5b::PubCompReason::PacketIdentifierNotFound => 0x92,
    }
}

/// An UNSUBACK entry's reason code.
fn unsuback_code(reason: v5b::UnsubAckReason) -> u8 {
    use v5b::UnsubAckReason as U;
    match reason {
        U::Success => 0x00,
        U::NoSubscriptionExisted => 0x11,
        U::UnspecifiedError => 0x80,
        U::ImplementationSpecificError => 0x83,
        U::NotAuthorized => 0x87,
        U::TopicFilterInvalid => 0x8F,
        U::PacketIdentifierInUse => 0x91,
    }
}

/// The properties of a received PUBLISH; `None` when it carried none.
fn received_properties(
    props: Option<Box<v5b::PublishProperties>>,
) -> Option<Box<PublishProperties>> {
    let p = *props?;
    let out = PublishProperties {
        payload_format: p.payload_format_indicator,
        message_expiry: p.message_expiry_interval,
        topic_alias: p.topic_alias,
        response_topic: p.response_topic,
        correlation_data: p.correlation_data,
        user_properties: p.user_properties,
        subscription_ids: p.subscription_identifiers,
        content_type: p.content_type,
    };
    (!out.is_empty()).then(|| Box::new(out))
}

/// The properties of an outgoing PUBLISH.
fn publish_properties(p: &PublishProperties) -> v5b::PublishProperties {
    v5b::PublishProperties {
        payload_format_indicator: p.payload_format,
        message_expiry_interval: p.message_expiry,
        topic_alias: p.topic_alias,
        response_topic: p.response_topic.clone(),
        correlation_data: p.correlation_data.clone(),
        user_properties: p.user_properties.clone(),
        subscription_identifiers: p.subscription_ids.clone(),
        content_type: p.content_type.clone(),
    }
}

/// The will's properties, for CONNECT.
fn will_properties(w: &WillProperties) -> v5b::LastWillProperties {
    v5b::LastWillProperties {
        delay_interval: w.delay_interval,
        payload_format_indicator: w.payload_format,
        message_expiry_interval: w.message_expiry,
        content_type: w.content_type.clone(),
        response_topic: w.response_topic.clone(),
        correlation_data: w.correlation_data.clone(),
        user_properties: w.user_properties.clone(),
    }
}

/// A filter with the subscription options.
fn filter(options: &SubscribeOptions, path: &str, q: Qos) -> v5b::Filter {
    let mut f = v5b::Filter::new(path, qos(q));
    f.nolocal = options.no_local;
    f.preserve_retain = options.retain_as_published;
    f.retain_forward_rule = match options.retain_handling {
        0 => v5b::RetainForwardRule::OnEverySubscribe,
        1 => v5b::RetainForwardRule::OnNewSubscribe,
        _ => v5b::RetainForwardRule::Never,
    };
    f
}

/// SUBSCRIBE properties, when there are any.
fn subscribe_properties(options: &SubscribeOptions) -> Option<v5b::SubscribeProperties> {
    (options.subscription_id.is_some() || !options.user_properties.is_empty()).then(|| {
        v5b::SubscribeProperties {
            id: options.subscription_id.map(|id| id as usize),
            user_properties: options.user_properties.clone(),
        }
    })
}

super::qos_mapping!(QoS);

use rumqttc::v5::mqttbytes::Error as Decoding;
super::decoding_words!(Decoding,
    Decoding::InvalidConnectReturnCode(c) => {
        format!("a CONNACK with reason code 0x{c:02x}, which MQTT 5 does not define")
    }
    Decoding::InvalidReason(c) => {
        format!("a packet with reason code 0x{c:02x}, which MQTT 5 does not define")
    }
    Decoding::PayloadSizeLimitExceeded { pkt_size, max } => {
        format!("a packet of {pkt_size} bytes, over the maximum of {max} bytes")
    }
    Decoding::SubscriptionIdZero => {
        "a packet with subscription identifier 0, which MQTT 5 forbids".into()
    }
    Decoding::PayloadNotUtf8(_) => "a packet with text that is not UTF-8".into(),
);

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::exit::Exit;
    use crate::session::failure::tests::broker;
    use crate::session::failure::{self, Phase};
    use crate::session::protocol::testing::{incoming, resolved};

    fn received(packet: v5b::Packet) -> Packet {
        incoming::<V5>(Event::Incoming(packet))
    }

    fn reason_string(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    /// The DISCONNECT `-d` shows for a failure is the one rumqttc chose to send: each kind of
    /// the broker's error with its reason code, and nothing for a failure of the connection
    /// itself or for a packet of ours too long to write.
    #[test]
    fn the_disconnect_told_is_the_one_rumqttc_sends() {
        use rumqttc::v5::{ConnectionError as E, StateError as S};
        let told = |e: S| V5::told(&E::MqttState(e)).map(|r| r.code);
        assert_eq!(
            told(S::Deserialization(Decoding::MalformedPacket)),
            Some(0x81)
        );
        let oversize = Decoding::PayloadSizeLimitExceeded {
            pkt_size: 9,
            max: 8,
        };
        assert_eq!(told(S::Deserialization(oversize)), Some(0x95));
        assert_eq!(told(S::Unsolicited(1001)), Some(0x82));
        assert_eq!(told(S::WrongPacket), Some(0x82));
        assert_eq!(told(S::Deserialization(Decoding::PayloadTooLong)), None);
        assert_eq!(told(S::AwaitPingResp), None);
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(V5::told(&E::Io(io)), None);
    }

    #[test]
    fn a_publish_keeps_its_properties() {
        let props = v5b::PublishProperties {
            content_type: Some("text/plain".into()),
            user_properties: vec![("k".into(), "v".into())],
            ..Default::default()
        };
        let mut p = v5b::Publish::new("a/b", QoS::AtLeastOnce, "hi", Some(props));
        p.pkid = 3;
        let Packet::Publish(m) = received(v5b::Packet::Publish(p)) else {
            panic!("not a message");
        };
        assert_eq!(
            (&m.topic[..], m.qos, m.pkid),
            (&b"a/b"[..], Qos::AtLeastOnce, 3)
        );
        let props = m.properties.expect("properties");
        assert_eq!(props.content_type.as_deref(), Some("text/plain"));
        assert_eq!(props.user_properties, [("k".to_string(), "v".to_string())]);
        // Properties that say nothing are none at all.
        let empty = v5b::Publish::new("a", QoS::AtMostOnce, "", Some(Default::default()));
        let Packet::Publish(m) = received(v5b::Packet::Publish(empty)) else {
            panic!("not a message");
        };
        assert!(m.properties.is_none());
    }

    #[test]
    fn acknowledgements_carry_their_reason_codes_and_the_brokers_words() {
        let mut ack = v5b::PubAck::new(1, None);
        ack.reason = v5b::PubAckReason::NoMatchingSubscribers;
        let Packet::PubAck {
            pkid: 1,
            reason: Some(reason),
        } = received(v5b::Packet::PubAck(ack))
        else {
            panic!("not a PUBACK with a reason");
        };
        assert_eq!(reason, Reason::new(0x10));
        assert!(reason.is_success());
        let mut rec = v5b::PubRec::new(2, None);
        rec.reason = v5b::PubRecReason::NotAuthorized;
        rec.properties = Some(v5b::PubRecProperties {
            reason_string: reason_string("no"),
            user_properties: vec![],
        });
        let Packet::PubRec {
            pkid: 2,
            reason: Some(reason),
        } = received(v5b::Packet::PubRec(rec))
        else {
            panic!("not a PUBREC with a reason");
        };
        assert_eq!(reason, Reason::with_text(0x87, reason_string("no")));
        let mut comp = v5b::PubComp::new(3, None);
        comp.reason = v5b::PubCompReason::PacketIdentifierNotFound;
        let comp = received(v5b::Packet::PubComp(comp));
        assert!(matches!(comp, Packet::PubComp { pkid: 3, reason: Some(r) } if r.code == 0x92));
    }

    #[test]
    fn a_refused_filter_says_why() {
        use v5b::SubscribeReasonCode as S;
        let suback = v5b::SubAck {
            pkid: 4,
            return_codes: vec![
                S::Success(QoS::ExactlyOnce),
                S::NotAuthorized,
                S::Unspecified,
            ],
            properties: Some(v5b::SubAckProperties {
                reason_string: reason_string("acl"),
                user_properties: vec![],
            }),
        };
        let Packet::SubAck { pkid, results } = received(v5b::Packet::SubAck(suback)) else {
            panic!("not a SUBACK");
        };
        let refused = |code| Err(Code::Reason(Reason::with_text(code, reason_string("acl"))));
        assert_eq!(pkid, 4);
        assert_eq!(
            results,
            [Ok(Qos::ExactlyOnce), refused(0x87), refused(0x80)]
        );
        let unsuback = v5b::UnsubAck {
            pkid: 5,
            reasons: vec![v5b::UnsubAckReason::NoSubscriptionExisted],
            properties: None,
        };
        let unsub = received(v5b::Packet::UnsubAck(unsuback));
        assert!(
            matches!(unsub, Packet::UnsubAck { pkid: 5, reasons } if reasons == [Reason::new(0x11)])
        );
    }

    #[test]
    fn connack_and_disconnect_name_their_reason_codes() {
        let ack = v5b::ConnAck {
            session_present: false,
            code: v5b::ConnectReturnCode::Success,
            properties: None,
        };
        let Packet::ConnAck(ack) = received(v5b::Packet::ConnAck(Box::new(ack))) else {
            panic!("not a CONNACK");
        };
        assert_eq!(ack.code, Code::Reason(Reason::new(0)));
        let mut bytes = bytes::BytesMut::from(&[0xE0, 0x01, 0x8B][..]);
        let packet = v5b::Packet::read(&mut bytes, None).expect("a DISCONNECT");
        let Packet::Disconnect(Some(reason)) = received(packet) else {
            panic!("not a DISCONNECT with a reason");
        };
        assert_eq!(reason.to_string(), "server shutting down (0x8b)");
    }

    /// Brokers send DISCONNECT with a reason code and nothing after it (MQTT 5 allows leaving
    /// out the property length); it must still parse, or the reason is lost.
    #[test]
    fn a_disconnect_of_just_a_reason_code_parses() {
        let mut bytes = bytes::BytesMut::from(&[0xE0, 0x01, 0x8B][..]);
        match v5b::Packet::read(&mut bytes, None) {
            Ok(v5b::Packet::Disconnect(d)) => {
                assert_eq!(d.reason_code, v5b::DisconnectReasonCode::ServerShuttingDown);
                assert!(d.properties.is_none());
            }
            other => panic!("expected DISCONNECT, got {other:?}"),
        }
    }

    fn read(err: &rumqttc::v5::ConnectionError, phase: Phase) -> (Exit, String) {
        let fail = failure::read(&V5::cause(err), &broker(), phase);
        (fail.exit, fail.message)
    }

    #[test]
    fn server_disconnect_is_named_with_code_and_reason_string() {
        let err =
            rumqttc::v5::ConnectionError::MqttState(rumqttc::v5::StateError::ServerDisconnect {
                reason_code: v5b::DisconnectReasonCode::SessionTakenOver,
                reason_string: reason_string("another client took the id"),
            });
        assert_eq!(
            read(&err, Phase::Connected),
            (
                Exit::ConnectionLost,
                "the broker at b:1883 disconnected: session taken over (0x8e): another client took the id".into()
            )
        );
    }

    #[test]
    fn refused_connack_is_named_with_code() {
        let err = rumqttc::v5::ConnectionError::ConnectionRefused(
            v5b::ConnectReturnCode::BadUserNamePassword,
        );
        assert_eq!(
            read(&err, Phase::Connecting),
            (
                Exit::Refused,
                "the broker at b:1883 refused the connection: bad user name or password (0x86)"
                    .into()
            )
        );
    }

    #[test]
    fn topic_alias_over_the_broker_maximum() {
        let err = rumqttc::v5::ConnectionError::MqttState(rumqttc::v5::StateError::InvalidAlias {
            alias: 20,
            max: 10,
        });
        let (exit, message) = read(&err, Phase::Connected);
        assert_eq!(exit, Exit::Rejected);
        assert!(message.starts_with("topic alias 20 is above the maximum of 10"));
    }

    #[test]
    fn recovery_resends_written_publishes_with_dup_and_drops_acks() {
        use rumqttc::v5::Request as R;
        let mut written = v5b::Publish::new("t", QoS::ExactlyOnce, "x", None);
        written.pkid = 4;
        let sorted: Vec<_> = [
            R::Publish(written),
            R::PubRel(v5b::PubRel::new(5, None)),
            R::PubRec(v5b::PubRec::new(6, None)),
            R::Disconnect,
        ]
        .into_iter()
        .map(V5::sort)
        .collect();
        let [Left::Written(4, R::Publish(again)), Left::Released(5), Left::Ack, Left::Other(R::Disconnect)] =
            &sorted[..]
        else {
            panic!("sorted otherwise");
        };
        assert!(again.dup);
    }

    #[test]
    fn a_lost_qos_2_publish_is_published_again_with_its_properties() {
        let entry = Entry {
            seq: 1,
            qos: Qos::ExactlyOnce,
            retain: false,
            len: 1,
            topic: Some("t".into()),
            payload: Some(Bytes::from_static(b"x")),
            properties: Some(Box::new(PublishProperties {
                message_expiry: Some(9),
                ..Default::default()
            })),
            resent: true,
        };
        let rumqttc::v5::Request::Publish(p) = V5::republish(8, entry) else {
            panic!("not a PUBLISH");
        };
        assert_eq!((p.pkid, p.dup, p.qos), (8, true, QoS::ExactlyOnce));
        assert_eq!(
            p.properties.and_then(|p| p.message_expiry_interval),
            Some(9)
        );
    }

    #[test]
    fn subscription_options_on_the_wire() {
        let o = SubscribeOptions {
            no_local: true,
            retain_handling: 1,
            subscription_id: Some(9),
            ..Default::default()
        };
        let f = filter(&o, "a/#", Qos::AtLeastOnce);
        assert!(f.nolocal && !f.preserve_retain);
        assert_eq!(
            (f.qos, f.retain_forward_rule),
            (QoS::AtLeastOnce, v5b::RetainForwardRule::OnNewSubscribe)
        );
        assert_eq!(subscribe_properties(&o).and_then(|p| p.id), Some(9));
        assert!(subscribe_properties(&SubscribeOptions::default()).is_none());
    }

    /// rumqttc's options for these flags, as a session builds them.
    fn built(args: &[&str]) -> MqttOptions {
        options(&resolved(args)).expect("options")
    }

    #[test]
    fn nothing_asked_changes_nothing() {
        let mo = built(&["-V", "5"]);
        assert_eq!(mo.session_expiry_interval(), None);
        assert_eq!(mo.max_packet_size(), Some(MAX_PACKET_SIZE as u32));
        assert_eq!(mo.receive_maximum(), None);
        assert!(mo.user_properties().is_empty());
        assert!(mo.clean_start() && mo.last_will().is_none());
    }

    #[test]
    fn session_expiry_flag_overrides_persistent_default() {
        assert_eq!(
            built(&["-V", "5", "-c", "-i", "x"]).session_expiry_interval(),
            Some(u32::MAX)
        );
        assert_eq!(
            built(&["-V", "5", "-c", "-i", "x", "-x", "60"]).session_expiry_interval(),
            Some(60)
        );
        assert_eq!(
            built(&["-V", "5", "-i", "x", "-x", "inf"]).session_expiry_interval(),
            Some(u32::MAX)
        );
    }

    #[test]
    fn connect_properties_from_flags_and_d() {
        let mo = built(&[
            "-V",
            "5",
            "--receive-maximum",
            "5",
            "--maximum-packet-size",
            "300",
            "--connect-user-property",
            "a=1",
            "-D",
            "connect",
            "user-property",
            "b",
            "2",
            "-D",
            "connect",
            "topic-alias-maximum",
            "4",
        ]);
        assert_eq!(mo.receive_maximum(), Some(5));
        assert_eq!(mo.max_packet_size(), Some(300));
        assert_eq!(mo.topic_alias_max(), Some(4));
        assert_eq!(
            mo.user_properties(),
            vec![("b".into(), "2".into()), ("a".into(), "1".into())]
        );
    }

    #[test]
    fn will_properties() {
        let mo = built(&[
            "-V",
            "5",
            "--will-topic",
            "w",
            "--will-payload",
            "gone",
            "--will-qos",
            "2",
            "--will-delay",
            "5",
            "--will-user-property",
            "k=v",
            "-D",
            "will",
            "content-type",
            "text/plain",
        ]);
        let will = mo.last_will().expect("a will");
        assert_eq!(
            (&will.message[..], will.qos),
            (&b"gone"[..], QoS::ExactlyOnce)
        );
        let p = will.properties.expect("will properties");
        assert_eq!(p.delay_interval, Some(5));
        assert_eq!(p.content_type.as_deref(), Some("text/plain"));
        assert_eq!(p.user_properties, vec![("k".into(), "v".into())]);
        // A will without MQTT 5 properties has none.
        let plain = built(&["-V", "5", "--will-topic", "w", "--will-payload", "x"]);
        assert!(plain.last_will().is_some_and(|w| w.properties.is_none()));
    }
}
