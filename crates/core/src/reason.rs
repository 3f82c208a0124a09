//! Reason codes: what the broker answered, as a number and a name people can read.
//!
//! rumqttc gives each acknowledgement its own enum (and MQTT 3.1.1 its own CONNACK codes);
//! everything here turns them into one [`Reason`] so errors and the `-d` trace print
//! "not authorized (0x87)" whatever packet it came from.

use std::fmt;

use rumqttc::v5::mqttbytes::v5 as v5b;

/// A reason code with its MQTT name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: u8,
    /// The broker's own words (MQTT 5 reason string), when it sent some.
    pub text: Option<String>,
}

impl Reason {
    pub fn new(code: u8) -> Self {
        Reason { code, text: None }
    }

    pub fn with_text(code: u8, text: Option<String>) -> Self {
        Reason { code, text }
    }

    /// MQTT 5 codes below 0x80 report success (0x10 "no matching subscribers" included).
    pub fn is_success(&self) -> bool {
        self.code < 0x80
    }

    pub fn name(&self) -> &'static str {
        name_of(self.code)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:02x})", self.name(), self.code)?;
        if let Some(text) = &self.text {
            write!(f, ": {text}")?;
        }
        Ok(())
    }
}

/// The MQTT 5 name of a reason code (section 2.4 of the specification).
pub fn name_of(code: u8) -> &'static str {
    match code {
        0x00 => "success",
        0x01 => "granted QoS 1",
        0x02 => "granted QoS 2",
        0x04 => "disconnect with will message",
        0x10 => "no matching subscribers",
        0x11 => "no subscription existed",
        0x18 => "continue authentication",
        0x19 => "re-authenticate",
        0x80 => "unspecified error",
        0x81 => "malformed packet",
        0x82 => "protocol error",
        0x83 => "implementation specific error",
        0x84 => "unsupported protocol version",
        0x85 => "client identifier not valid",
        0x86 => "bad user name or password",
        0x87 => "not authorized",
        0x88 => "server unavailable",
        0x89 => "server busy",
        0x8A => "banned",
        0x8B => "server shutting down",
        0x8C => "bad authentication method",
        0x8D => "keep alive timeout",
        0x8E => "session taken over",
        0x8F => "topic filter invalid",
        0x90 => "topic name invalid",
        0x91 => "packet identifier in use",
        0x92 => "packet identifier not found",
        0x93 => "receive maximum exceeded",
        0x94 => "topic alias invalid",
        0x95 => "packet too large",
        0x96 => "message rate too high",
        0x97 => "quota exceeded",
        0x98 => "administrative action",
        0x99 => "payload format invalid",
        0x9A => "retain not supported",
        0x9B => "QoS not supported",
        0x9C => "use another server",
        0x9D => "server moved",
        0x9E => "shared subscriptions not supported",
        0x9F => "connection rate exceeded",
        0xA0 => "maximum connect time",
        0xA1 => "subscription identifiers not supported",
        0xA2 => "wildcard subscriptions not supported",
        _ => "unknown reason code",
    }
}

/// MQTT 3.1.1 CONNACK return codes (1-5), with their names from that specification.
pub fn v4_connack(code: &rumqttc::ConnectReturnCode) -> (u8, &'static str) {
    use rumqttc::ConnectReturnCode as C;
    match code {
        C::Success => (0, "accepted"),
        C::RefusedProtocolVersion => (1, "unacceptable protocol version"),
        C::BadClientId => (2, "identifier rejected"),
        C::ServiceUnavailable => (3, "server unavailable"),
        C::BadUserNamePassword => (4, "bad user name or password"),
        C::NotAuthorized => (5, "not authorized"),
    }
}

pub fn v5_connack(code: &v5b::ConnectReturnCode) -> u8 {
    use v5b::ConnectReturnCode as C;
    match code {
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
    }
}

pub fn v5_puback(reason: &v5b::PubAckReason) -> u8 {
    use v5b::PubAckReason as R;
    match reason {
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
}

pub fn v5_pubrec(reason: &v5b::PubRecReason) -> u8 {
    use v5b::PubRecReason as R;
    match reason {
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
}

pub fn v5_pubcomp(reason: &v5b::PubCompReason) -> u8 {
    match reason {
        v5b::PubCompReason::Success => 0x00,
        v5b::PubCompReason::PacketIdentifierNotFound => 0x92,
    }
}

/// A SUBACK entry: the granted QoS, or the failure reason.
pub fn v5_suback(code: &v5b::SubscribeReasonCode) -> Result<u8, u8> {
    use v5b::SubscribeReasonCode as S;
    match code {
        S::Success(qos) => Ok(*qos as u8),
        S::Failure | S::Unspecified => Err(0x80),
        S::ImplementationSpecific => Err(0x83),
        S::NotAuthorized => Err(0x87),
        S::TopicFilterInvalid => Err(0x8F),
        S::PkidInUse => Err(0x91),
        S::QuotaExceeded => Err(0x97),
        S::SharedSubscriptionsNotSupported => Err(0x9E),
        S::SubscriptionIdNotSupported => Err(0xA1),
        S::WildcardSubscriptionsNotSupported => Err(0xA2),
    }
}

pub fn v5_unsuback(reason: &v5b::UnsubAckReason) -> u8 {
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
