//! Reason codes: what the broker answered, as a number and a name people can read.
//!
//! The protocol files turn each of rumqttc's acknowledgement enums into one [`Reason`], so
//! errors and the `-d` trace print "not authorized (0x87)" whatever packet it came from.

use std::fmt;

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
            write!(f, ": {}", crate::escape::escape(text))?;
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
