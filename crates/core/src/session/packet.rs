//! The packets of a connection in the project's own terms: what the protocol files make of
//! each rumqttc event, once, in the pump, before both the `-d` trace and the tool see it.
//!
//! MQTT 3.1.1 and MQTT 5 differ here only in what a packet carries: MQTT 5 adds reason codes
//! (with the broker's own words) to acknowledgements and properties to PUBLISH. Where MQTT
//! 3.1.1 has none, the field is `None` or empty; where it has result codes of its own (CONNACK,
//! a failing SUBACK), [`Code`] keeps the name that specification gives them.

use crate::message::Message;
use crate::qos::Qos;
use crate::reason::Reason;

/// What one poll of the event loop brought: a packet from the broker, or one written to it.
#[derive(Debug)]
pub enum Polled {
    Received(Packet),
    Sent(Outgoing),
}

/// A packet the broker sent.
#[derive(Debug)]
pub enum Packet {
    ConnAck(ConnAck),
    Publish(Message),
    /// Acknowledgements of our publishes; `reason` is MQTT 5's reason code (with the
    /// broker's reason string, when it sent one), `None` over MQTT 3.1.1.
    PubAck {
        pkid: u16,
        reason: Option<Reason>,
    },
    PubRec {
        pkid: u16,
        reason: Option<Reason>,
    },
    PubRel {
        pkid: u16,
    },
    PubComp {
        pkid: u16,
        reason: Option<Reason>,
    },
    /// Per filter, the granted QoS or why it was refused.
    SubAck {
        pkid: u16,
        results: Vec<Result<Qos, Code>>,
    },
    /// Per filter, MQTT 5's reason code; empty over MQTT 3.1.1.
    UnsubAck {
        pkid: u16,
        reasons: Vec<Reason>,
    },
    PingReq,
    PingResp,
    /// The broker closed the session; MQTT 5 says why.
    Disconnect(Option<Reason>),
    /// A packet that breaks the protocol: its name, and what is wrong with it in words that
    /// follow the name ("with topic alias 5, which the broker never set"), never its payload.
    Broken {
        name: &'static str,
        why: String,
    },
    /// A packet only a client sends (CONNECT, SUBSCRIBE, ...), or MQTT 5's AUTH: named, and
    /// otherwise ignored.
    Other(&'static str),
}

/// What the broker answered CONNECT with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnAck {
    pub session_present: bool,
    pub code: Code,
}

/// A result code as its protocol names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// An MQTT 3.1.1 return code, with that specification's name for it ("identifier
    /// rejected", or "failure" for 0x80 in a SUBACK).
    Return { code: u8, name: &'static str },
    /// An MQTT 5 reason code.
    Reason(Reason),
}

impl Code {
    /// As a [`Reason`], for what tools report (both protocols' failures read alike there).
    pub fn into_reason(self) -> Reason {
        match self {
            Code::Return { code, .. } => Reason::new(code),
            Code::Reason(reason) => reason,
        }
    }
}

/// A packet the event loop wrote, as it reports it: by kind and packet id only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outgoing {
    /// A PUBLISH (packet id 0 for QoS 0).
    Publish(u16),
    Subscribe(u16),
    Unsubscribe(u16),
    PubAck(u16),
    PubRec(u16),
    PubRel(u16),
    PubComp(u16),
    PingReq,
    PingResp,
    Disconnect,
    /// Not a packet: the event loop waits for an acknowledgement before sending more.
    AwaitAck(u16),
}

impl Packet {
    /// The packet's name, for a line saying it came where it should not have.
    pub fn name(&self) -> &'static str {
        match self {
            Packet::ConnAck(_) => "CONNACK",
            Packet::Publish(_) => "PUBLISH",
            Packet::PubAck { .. } => "PUBACK",
            Packet::PubRec { .. } => "PUBREC",
            Packet::PubRel { .. } => "PUBREL",
            Packet::PubComp { .. } => "PUBCOMP",
            Packet::SubAck { .. } => "SUBACK",
            Packet::UnsubAck { .. } => "UNSUBACK",
            Packet::PingReq => "PINGREQ",
            Packet::PingResp => "PINGRESP",
            Packet::Disconnect(_) => "DISCONNECT",
            Packet::Broken { name, .. } | Packet::Other(name) => name,
        }
    }
}
