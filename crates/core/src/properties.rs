//! MQTT 5 properties and subscription options in protocol-neutral structs: what rsub shows,
//! what rpub sends, what CONNECT and the will carry (`session/protocol/v5.rs` puts them into
//! rumqttc's packets). MQTT 3.1.1 has none of them; asking for
//! any with `-V mqttv311` is refused before connecting (see `settings/resolve/`).
//!
//! The flags that fill these (`--user-property`, `-x`, `--no-local`, ...) and mosquitto's
//! `-D COMMAND IDENTIFIER VALUE` (`property_flag.rs`) land in the same fields; a property
//! given twice is an error rather than a silent choice between the two.

use std::fmt::{self, Write as _};

use bytes::Bytes;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishProperties {
    /// 0: unspecified bytes, 1: UTF-8 text.
    pub payload_format: Option<u8>,
    /// Seconds the broker keeps the message for subscribers.
    pub message_expiry: Option<u32>,
    pub topic_alias: Option<u16>,
    pub response_topic: Option<String>,
    pub correlation_data: Option<Bytes>,
    pub user_properties: Vec<(String, String)>,
    pub subscription_ids: Vec<usize>,
    pub content_type: Option<String>,
}

impl PublishProperties {
    /// Field by field: every publish asks, and comparing with a default built for the
    /// purpose cost a bulk publish more than any other check on a message.
    pub fn is_empty(&self) -> bool {
        let PublishProperties {
            payload_format,
            message_expiry,
            topic_alias,
            response_topic,
            correlation_data,
            user_properties,
            subscription_ids,
            content_type,
        } = self;
        payload_format.is_none()
            && message_expiry.is_none()
            && topic_alias.is_none()
            && response_topic.is_none()
            && correlation_data.is_none()
            && user_properties.is_empty()
            && subscription_ids.is_empty()
            && content_type.is_none()
    }

    /// Refuse a property its 2-byte length cannot carry, naming it.
    pub fn check_lengths(&self) -> Result<(), String> {
        use crate::field_length::check;
        if let Some(topic) = &self.response_topic {
            check("the response topic", topic.len())?;
        }
        if let Some(data) = &self.correlation_data {
            check("the correlation data", data.len())?;
        }
        if let Some(kind) = &self.content_type {
            check("the content type", kind.len())?;
        }
        check_user_properties("", &self.user_properties)
    }
}

/// Refuse a user property its 2-byte lengths cannot carry, naming it (`packet` says whose
/// it is, `CONNECT ` say, followed by a space; empty for a publish's own).
pub fn check_user_properties(packet: &str, list: &[(String, String)]) -> Result<(), String> {
    use crate::field_length::check;
    for (key, value) in list {
        check(&format!("a {packet}user property's name"), key.len())?;
        check(
            &format!("{packet}user property '{}'", shorten(key)),
            value.len(),
        )?;
    }
    Ok(())
}

/// Refuse a text property its 2-byte length cannot carry, naming it.
fn check_text(field: &str, text: Option<impl AsRef<[u8]>>) -> Result<(), String> {
    text.map_or(Ok(()), |t| {
        crate::field_length::check(field, t.as_ref().len())
    })
}

impl ConnectProperties {
    /// Refuse a CONNECT property (`-D connect ...`) its 2-byte length cannot carry.
    pub fn check_lengths(&self) -> Result<(), String> {
        check_text(
            "the authentication method",
            self.authentication_method.as_ref(),
        )?;
        check_text("the authentication data", self.authentication_data.as_ref())?;
        check_user_properties("CONNECT ", &self.user_properties)
    }
}

impl WillProperties {
    /// Refuse a will property (`-D will ...`, `--will-...`) its 2-byte length cannot carry.
    pub fn check_lengths(&self) -> Result<(), String> {
        check_text("the will content type", self.content_type.as_ref())?;
        check_text("the will response topic", self.response_topic.as_ref())?;
        check_text("the will correlation data", self.correlation_data.as_ref())?;
        check_user_properties("will ", &self.user_properties)
    }
}

/// A name as much of it as an error line needs.
fn shorten(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Readable, on one line, named as rpub's flags name them:
/// `payload-format=utf8, message-expiry=59s, response-topic=r/1, user-property=unit=C`.
/// Control characters in texts are escaped; correlation data that is not printable text is
/// shown as `0x` and hex.
impl fmt::Display for PublishProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(format) = self.payload_format {
            parts.push(match format {
                0 => "payload-format=bytes".to_string(),
                1 => "payload-format=utf8".to_string(),
                other => format!("payload-format={other}"),
            });
        }
        if let Some(secs) = self.message_expiry {
            parts.push(format!("message-expiry={secs}s"));
        }
        if let Some(alias) = self.topic_alias {
            parts.push(format!("topic-alias={alias}"));
        }
        if let Some(topic) = &self.response_topic {
            parts.push(format!("response-topic={}", printable(topic)));
        }
        if let Some(data) = &self.correlation_data {
            parts.push(format!("correlation-data={}", printable_bytes(data)));
        }
        if let Some(content_type) = &self.content_type {
            parts.push(format!("content-type={}", printable(content_type)));
        }
        for id in &self.subscription_ids {
            parts.push(format!("subscription-id={id}"));
        }
        for (key, value) in &self.user_properties {
            parts.push(format!(
                "user-property={}={}",
                printable(key),
                printable(value)
            ));
        }
        f.write_str(&parts.join(", "))
    }
}

/// Text with control characters escaped (`\n`, `\x1b`), so a property never breaks a line.
fn printable(text: &str) -> String {
    crate::escape::escape(text).into_owned()
}

/// Bytes as text when they are printable UTF-8, else as `0x` and lowercase hex.
fn printable_bytes(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(text) if !text.is_empty() && !text.chars().any(char::is_control) => text.to_string(),
        _ => {
            let mut out = String::from("0x");
            for b in data {
                let _ = write!(out, "{b:02x}");
            }
            out
        }
    }
}

/// MQTT 5 CONNECT properties beyond what MQTT 3.1.1 has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectProperties {
    /// Seconds the broker keeps the session after the connection ends; `u32::MAX`: never
    /// expires. `None` leaves the default (0, or "never" with `-c`).
    pub session_expiry: Option<u32>,
    /// QoS 1/2 messages the broker may have in flight towards this client.
    pub receive_maximum: Option<u16>,
    /// The largest packet this client accepts; the broker drops bigger messages for it.
    pub maximum_packet_size: Option<u32>,
    pub topic_alias_maximum: Option<u16>,
    pub request_response_information: Option<u8>,
    pub request_problem_information: Option<u8>,
    pub user_properties: Vec<(String, String)>,
    pub authentication_method: Option<String>,
    pub authentication_data: Option<Bytes>,
}

impl ConnectProperties {
    pub fn is_empty(&self) -> bool {
        *self == ConnectProperties::default()
    }
}

/// MQTT 5 properties of the DISCONNECT the tool sends at the end (`-D disconnect ...`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisconnectProperties {
    /// Replaces CONNECT's session expiry: how long the broker keeps the session from now.
    pub session_expiry: Option<u32>,
    pub user_properties: Vec<(String, String)>,
}

impl DisconnectProperties {
    pub fn is_empty(&self) -> bool {
        *self == DisconnectProperties::default()
    }
}

/// MQTT 5 properties of the will message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WillProperties {
    /// Seconds the broker waits after the connection is lost before publishing the will.
    pub delay_interval: Option<u32>,
    pub payload_format: Option<u8>,
    pub message_expiry: Option<u32>,
    pub content_type: Option<String>,
    pub response_topic: Option<String>,
    pub correlation_data: Option<Bytes>,
    pub user_properties: Vec<(String, String)>,
}

impl WillProperties {
    pub fn is_empty(&self) -> bool {
        *self == WillProperties::default()
    }
}

/// MQTT 5 subscription options and SUBSCRIBE properties, the same for every filter of one
/// SUBSCRIBE. The default is what MQTT 3.1.1 does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscribeOptions {
    /// Do not send this client the messages it publishes itself.
    pub no_local: bool,
    /// Keep the retain flag of forwarded messages as published (else only retained messages
    /// sent at subscription time have it).
    pub retain_as_published: bool,
    /// 0: send retained messages at every subscribe, 1: only when the subscription is new,
    /// 2: never.
    pub retain_handling: u8,
    /// Tagged on every message this subscription delivers (1 to 268,435,455).
    pub subscription_id: Option<u32>,
    pub user_properties: Vec<(String, String)>,
}

impl SubscribeOptions {
    pub fn is_default(&self) -> bool {
        *self == SubscribeOptions::default()
    }

    /// The options as the `-d` trace shows them after a filter (empty for the defaults).
    pub fn trace_text(&self) -> String {
        let mut text = String::new();
        if self.no_local {
            text.push_str(", no-local");
        }
        if self.retain_as_published {
            text.push_str(", retain-as-published");
        }
        if self.retain_handling != 0 {
            let _ = write!(text, ", retain-handling {}", self.retain_handling);
        }
        if let Some(id) = self.subscription_id {
            let _ = write!(text, ", subscription-id {id}");
        }
        text
    }
}

/// The largest subscription identifier (a variable byte integer).
pub const MAX_SUBSCRIPTION_ID: u32 = 268_435_455;

/// Parse `KEY=VALUE` for the user property flags (split at the first `=`).
pub fn parse_user_property(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!(
            "'{text}' is not KEY=VALUE (for example --user-property unit=celsius)"
        )),
    }
}

/// Parse `--payload-format`: `utf8` (1) or `bytes` (0), or the numbers themselves.
pub fn parse_payload_format(text: &str) -> Result<u8, String> {
    match text.to_ascii_lowercase().as_str() {
        "utf8" | "utf-8" | "1" => Ok(1),
        "bytes" | "binary" | "0" => Ok(0),
        _ => Err(format!(
            "'{text}' is not a payload format: use utf8 or bytes"
        )),
    }
}

/// Put `value` into `slot`, refusing a second value for the same property (from a flag and
/// from `-D`, say): which one should win is anybody's guess.
pub fn set_once<T>(slot: &mut Option<T>, value: Option<T>, what: &str) -> Result<(), String> {
    match (slot.is_some(), value) {
        (_, None) => Ok(()),
        (true, Some(_)) => Err(format!("{what} is given twice")),
        (false, Some(value)) => {
            *slot = Some(value);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_properties_are_empty_only_without_any_property() {
        assert!(PublishProperties::default().is_empty());
        let one_each = [
            PublishProperties {
                payload_format: Some(0),
                ..Default::default()
            },
            PublishProperties {
                message_expiry: Some(0),
                ..Default::default()
            },
            PublishProperties {
                topic_alias: Some(1),
                ..Default::default()
            },
            PublishProperties {
                response_topic: Some(String::new()),
                ..Default::default()
            },
            PublishProperties {
                correlation_data: Some(Bytes::new()),
                ..Default::default()
            },
            PublishProperties {
                user_properties: vec![(String::new(), String::new())],
                ..Default::default()
            },
            PublishProperties {
                subscription_ids: vec![1],
                ..Default::default()
            },
            PublishProperties {
                content_type: Some(String::new()),
                ..Default::default()
            },
        ];
        for p in one_each {
            assert!(!p.is_empty(), "{p:?}");
        }
    }

    #[test]
    fn display_is_one_readable_line() {
        let p = PublishProperties {
            payload_format: Some(1),
            message_expiry: Some(59),
            response_topic: Some("r/1".into()),
            correlation_data: Some(Bytes::from_static(b"\x00\xff")),
            content_type: Some("text/plain\n".into()),
            user_properties: vec![("unit".into(), "C".into()), ("a".into(), "b=c".into())],
            subscription_ids: vec![7],
            ..Default::default()
        };
        assert_eq!(
            p.to_string(),
            "payload-format=utf8, message-expiry=59s, response-topic=r/1, \
             correlation-data=0x00ff, content-type=text/plain\\n, subscription-id=7, \
             user-property=unit=C, user-property=a=b=c"
        );
        let p = PublishProperties {
            correlation_data: Some(Bytes::from_static(b"req-42")),
            ..Default::default()
        };
        assert_eq!(p.to_string(), "correlation-data=req-42");
    }

    #[test]
    fn user_property_flag() {
        assert_eq!(
            parse_user_property("a=b=c"),
            Ok(("a".to_string(), "b=c".to_string()))
        );
        assert_eq!(
            parse_user_property("a="),
            Ok(("a".to_string(), String::new()))
        );
        assert!(parse_user_property("ab").is_err());
        assert!(parse_user_property("=b").is_err());
    }

    #[test]
    fn set_once_refuses_twice() {
        let mut slot = None;
        assert!(set_once(&mut slot, None, "x").is_ok());
        assert!(set_once(&mut slot, Some(1), "x").is_ok());
        assert_eq!(
            set_once(&mut slot, Some(2), "x"),
            Err("x is given twice".into())
        );
        assert_eq!(slot, Some(1));
    }

    #[test]
    fn subscribe_options_in_the_trace() {
        let o = SubscribeOptions {
            no_local: true,
            retain_as_published: true,
            retain_handling: 2,
            subscription_id: Some(9),
            user_properties: vec![],
        };
        assert_eq!(
            o.trace_text(),
            ", no-local, retain-as-published, retain-handling 2, subscription-id 9"
        );
        assert_eq!(SubscribeOptions::default().trace_text(), "");
    }
}
