//! One JSON object per message, the format `rsub --json` writes and `rpub --stdin-json`
//! reads back, so that a capture replays byte for byte on another broker.
//!
//! The schema (README "JSON messages"), every field in this order:
//!
//! ```json
//! {"received":"2026-01-02T03:04:05.123456789Z","topic":"a/b","qos":1,"retain":false,
//!  "dup":false,"properties":{...},"encoding":"base64","payload":"AAEC"}
//! ```
//!
//! `payload` is the payload as text when it is valid UTF-8; otherwise it is base64 and
//! `encoding` is `"base64"` (absent for text), so binary payloads are never lost.
//! `properties` is present only for MQTT 5 messages that carried some; binary correlation
//! data follows the payload's rule with `correlation_data_encoding`.
//!
//! Reading is lenient where that is harmless (unknown top-level fields are ignored, `retain`
//! may be `0`/`1` as mosquitto_sub's `%j` writes it) and strict where a typo would silently
//! change what is sent (a misspelled property name is an error).

use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use crate::message::Message;
use crate::properties::PublishProperties;
use crate::qos::Qos;

/// A message as one JSON line describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub topic: String,
    pub payload: Bytes,
    /// `None` when the line does not say (the tool's `-q` applies).
    pub qos: Option<Qos>,
    /// `None` when the line does not say (the tool's `-r` applies).
    pub retain: Option<bool>,
    /// When the message was received, for replaying with the original timing.
    pub received: Option<DateTime<Utc>>,
    pub properties: Option<PublishProperties>,
}

/// A receive time as RFC 3339 in UTC with nanoseconds.
pub fn timestamp(at: SystemTime) -> String {
    DateTime::<Utc>::from(at).to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Text when `bytes` are UTF-8, else base64: `(value, is_base64)`.
pub fn text_or_base64(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), false),
        Err(_) => (BASE64.encode(bytes), true),
    }
}

/// The JSON object for a received message.
pub fn to_value(message: &Message, received: SystemTime) -> Value {
    let mut obj = head(message, received);
    let (payload, base64) = text_or_base64(&message.payload);
    if base64 {
        obj.insert("encoding".into(), "base64".into());
    }
    obj.insert("payload".into(), Value::String(payload));
    Value::Object(obj)
}

/// Every field of a message's JSON object but `encoding` and `payload`.
fn head(message: &Message, received: SystemTime) -> Map<String, Value> {
    let mut obj = Map::new();
    obj.insert("received".into(), Value::String(timestamp(received)));
    obj.insert(
        "topic".into(),
        Value::String(String::from_utf8_lossy(&message.topic).into_owned()),
    );
    obj.insert("qos".into(), message.qos.as_u8().into());
    obj.insert("retain".into(), message.retain.into());
    obj.insert("dup".into(), message.dup.into());
    if let Some(props) = &message.properties {
        obj.insert("properties".into(), properties_to_value(props));
    }
    obj
}

/// How much of a payload is encoded at a time: a multiple of 3, so that the base64 of the
/// pieces is the base64 of the whole.
const PIECE: usize = 48 * 1024;

/// Write the message as one line of JSON (or indented JSON with `pretty`), and a newline:
/// the object of [`to_value`], byte for byte. The payload, last, is escaped or base64-encoded
/// a piece at a time straight into `out`, so a payload of 100 MB is never held a second time
/// as text (give `out` a buffer of its own: the pieces are small).
pub fn write(
    out: &mut impl std::io::Write,
    message: &Message,
    received: SystemTime,
    pretty: bool,
) -> std::io::Result<()> {
    let text = std::str::from_utf8(&message.payload).ok();
    let mut obj = head(message, received);
    if text.is_none() {
        obj.insert("encoding".into(), "base64".into());
    }
    let head = if pretty {
        serde_json::to_vec_pretty(&obj)
    } else {
        serde_json::to_vec(&obj)
    }
    .map_err(std::io::Error::other)?;
    // The object without its closing brace (and, pretty, the line break before it).
    let (open, close) = if pretty {
        (head.len().saturating_sub(2), &b"\"\n}\n"[..])
    } else {
        (head.len().saturating_sub(1), &b"\"}\n"[..])
    };
    out.write_all(&head[..open])?;
    out.write_all(if pretty {
        b",\n  \"payload\": \""
    } else {
        b",\"payload\":\""
    })?;
    match text {
        Some(text) => escaped(out, text)?,
        None => {
            let mut encoded = vec![0; PIECE / 3 * 4];
            for piece in message.payload.chunks(PIECE) {
                let n = BASE64
                    .encode_slice(piece, &mut encoded)
                    .map_err(std::io::Error::other)?;
                out.write_all(&encoded[..n])?;
            }
        }
    }
    out.write_all(close)
}

/// `text` as the inside of a JSON string, escaped as serde_json escapes it, a piece at a time.
fn escaped(out: &mut impl std::io::Write, mut text: &str) -> std::io::Result<()> {
    let mut quoted = Vec::with_capacity(PIECE + 64);
    while !text.is_empty() {
        let mut end = text.len().min(PIECE);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let (piece, rest) = text.split_at(end);
        quoted.clear();
        serde_json::to_writer(&mut quoted, piece).map_err(std::io::Error::other)?;
        // Without the quotes serde_json puts around a string.
        out.write_all(&quoted[1..quoted.len() - 1])?;
        text = rest;
    }
    Ok(())
}

fn properties_to_value(p: &PublishProperties) -> Value {
    let mut obj = Map::new();
    if let Some(v) = p.payload_format {
        obj.insert("payload_format".into(), v.into());
    }
    if let Some(v) = p.message_expiry {
        obj.insert("message_expiry".into(), v.into());
    }
    if let Some(v) = p.topic_alias {
        obj.insert("topic_alias".into(), v.into());
    }
    if let Some(v) = &p.content_type {
        obj.insert("content_type".into(), v.clone().into());
    }
    if let Some(v) = &p.response_topic {
        obj.insert("response_topic".into(), v.clone().into());
    }
    if let Some(v) = &p.correlation_data {
        let (text, base64) = text_or_base64(v);
        if base64 {
            obj.insert("correlation_data_encoding".into(), "base64".into());
        }
        obj.insert("correlation_data".into(), text.into());
    }
    if !p.user_properties.is_empty() {
        let pairs = p
            .user_properties
            .iter()
            .map(|(k, v)| Value::Array(vec![k.clone().into(), v.clone().into()]))
            .collect();
        obj.insert("user_properties".into(), Value::Array(pairs));
    }
    if !p.subscription_ids.is_empty() {
        let ids = p.subscription_ids.iter().map(|&id| id.into()).collect();
        obj.insert("subscription_ids".into(), Value::Array(ids));
    }
    Value::Object(obj)
}

/// Parse one line. The error says what is wrong in words, without the line number (the
/// caller knows it).
pub fn parse(line: &[u8]) -> Result<Record, String> {
    let value: Value = serde_json::from_slice(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("expected a JSON object".into());
    };
    let topic = match obj.get("topic") {
        Some(Value::String(t)) if !t.is_empty() => t.clone(),
        Some(Value::String(_)) => return Err("\"topic\" is empty".into()),
        Some(_) => return Err("\"topic\" must be a string".into()),
        None => return Err("no \"topic\"".into()),
    };
    let encoding = match obj.get("encoding") {
        None | Some(Value::Null) => "text",
        Some(Value::String(e)) => e.as_str(),
        Some(_) => return Err("\"encoding\" must be \"text\" or \"base64\"".into()),
    };
    let payload = binary(obj.get("payload"), encoding, "payload")?;
    let qos = match obj.get("qos") {
        None | Some(Value::Null) => None,
        Some(v) => match v
            .as_u64()
            .and_then(|q| u8::try_from(q).ok())
            .and_then(Qos::from_u8)
        {
            Some(qos) => Some(qos),
            None => return Err("\"qos\" must be 0, 1 or 2".into()),
        },
    };
    let retain = match obj.get("retain") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(v) if v.as_u64() == Some(0) => Some(false),
        Some(v) if v.as_u64() == Some(1) => Some(true),
        Some(_) => return Err("\"retain\" must be true or false".into()),
    };
    let received = match obj.get("received") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|e| format!("\"received\" is not an RFC 3339 time ({e})"))?
                .with_timezone(&Utc),
        ),
        Some(_) => return Err("\"received\" must be an RFC 3339 time string".into()),
    };
    let properties = match obj.get("properties") {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => Some(parse_properties(p)?).filter(|p| !p.is_empty()),
        Some(_) => return Err("\"properties\" must be an object".into()),
    };
    Ok(Record {
        topic,
        payload,
        qos,
        retain,
        received,
        properties,
    })
}

/// A payload-like field: text, or base64 when `encoding` says so. Absent means empty.
fn binary(value: Option<&Value>, encoding: &str, name: &str) -> Result<Bytes, String> {
    let text = match value {
        None | Some(Value::Null) => return Ok(Bytes::new()),
        Some(Value::String(s)) => s,
        Some(_) => return Err(format!("\"{name}\" must be a string")),
    };
    match encoding {
        "text" | "utf8" | "utf-8" => Ok(Bytes::copy_from_slice(text.as_bytes())),
        "base64" => BASE64
            .decode(text)
            .map(Bytes::from)
            .map_err(|e| format!("\"{name}\" is not valid base64 ({e})")),
        other => Err(format!(
            "unknown encoding \"{other}\" (expected \"text\" or \"base64\")"
        )),
    }
}

fn parse_properties(obj: &Map<String, Value>) -> Result<PublishProperties, String> {
    let mut p = PublishProperties::default();
    let int = |key: &str, v: &Value, max: u64| -> Result<u64, String> {
        v.as_u64()
            .filter(|n| *n <= max)
            .ok_or_else(|| format!("property \"{key}\" must be a whole number up to {max}"))
    };
    let string = |key: &str, v: &Value| -> Result<String, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("property \"{key}\" must be a string"))
    };
    let corr_encoding = match obj.get("correlation_data_encoding") {
        None | Some(Value::Null) => "text",
        Some(Value::String(e)) => e.as_str(),
        Some(_) => return Err("\"correlation_data_encoding\" must be a string".into()),
    };
    for (key, v) in obj {
        match key.as_str() {
            "payload_format" => p.payload_format = Some(int(key, v, 1)? as u8),
            "message_expiry" => p.message_expiry = Some(int(key, v, u32::MAX as u64)? as u32),
            "topic_alias" => p.topic_alias = Some(int(key, v, u16::MAX as u64)? as u16),
            "content_type" => p.content_type = Some(string(key, v)?),
            "response_topic" => p.response_topic = Some(string(key, v)?),
            "correlation_data" => {
                p.correlation_data = Some(binary(Some(v), corr_encoding, key)?);
            }
            "correlation_data_encoding" => {}
            "user_properties" => {
                let bad = || "property \"user_properties\" must be a list of [name, value] pairs";
                for pair in v.as_array().ok_or_else(bad)? {
                    match pair.as_array().map(Vec::as_slice) {
                        Some([Value::String(k), Value::String(v)]) => {
                            p.user_properties.push((k.clone(), v.clone()))
                        }
                        _ => return Err(bad().into()),
                    }
                }
            }
            "subscription_ids" => {
                let bad = || "property \"subscription_ids\" must be a list of numbers";
                for id in v.as_array().ok_or_else(bad)? {
                    let id = id.as_u64().filter(|n| *n <= 268_435_455).ok_or_else(bad)?;
                    p.subscription_ids.push(id as usize);
                }
            }
            other => return Err(format!("unknown property \"{other}\"")),
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn message(payload: &[u8], properties: Option<PublishProperties>) -> Message {
        Message {
            topic: Bytes::from_static(b"a/b"),
            payload: Bytes::copy_from_slice(payload),
            qos: Qos::AtLeastOnce,
            retain: true,
            dup: false,
            pkid: 7,
            properties: properties.map(Box::new),
        }
    }

    fn line(m: &Message) -> String {
        let mut out = Vec::new();
        write(&mut out, m, UNIX_EPOCH + Duration::new(1, 5), false).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn written_a_piece_at_a_time_as_the_whole_object_would_be() {
        let at = UNIX_EPOCH + Duration::new(1, 5);
        // Several pieces, a multibyte character across each boundary, escapes, binary.
        let mut text = "é\"\u{1}".repeat(PIECE / 2);
        text.push('x');
        let binary: Vec<u8> = (0..PIECE * 2 + 7).map(|i| (i % 251) as u8 | 0x80).collect();
        for payload in [text.as_bytes(), &binary, b"", b"plain"] {
            let m = message(payload, Some(PublishProperties::default()));
            for pretty in [false, true] {
                let value = to_value(&m, at);
                let mut expected = if pretty {
                    serde_json::to_vec_pretty(&value).unwrap()
                } else {
                    serde_json::to_vec(&value).unwrap()
                };
                expected.push(b'\n');
                let mut out = Vec::new();
                write(&mut out, &m, at, pretty).unwrap();
                assert!(out == expected, "pretty={pretty}, {} bytes", payload.len());
            }
        }
    }

    #[test]
    fn text_payload_line() {
        assert_eq!(
            line(&message(b"hi \"x\"\n", None)),
            "{\"received\":\"1970-01-01T00:00:01.000000005Z\",\"topic\":\"a/b\",\"qos\":1,\
             \"retain\":true,\"dup\":false,\"payload\":\"hi \\\"x\\\"\\n\"}\n"
        );
    }

    #[test]
    fn binary_payload_is_base64() {
        let l = line(&message(&[0, 0xff, 1], None));
        assert!(
            l.contains("\"encoding\":\"base64\",\"payload\":\"AP8B\""),
            "{l}"
        );
    }

    #[test]
    fn round_trip_every_byte_value_and_properties() {
        let props = PublishProperties {
            payload_format: Some(0),
            message_expiry: Some(300),
            content_type: Some("application/x".into()),
            response_topic: Some("r/t".into()),
            correlation_data: Some(Bytes::from_static(&[0xde, 0xad])),
            user_properties: vec![("k".into(), "v".into()), ("k".into(), "v2".into())],
            ..Default::default()
        };
        for payload in [
            (0..=255u8).collect::<Vec<_>>(),
            b"plain".to_vec(),
            Vec::new(),
        ] {
            let m = message(&payload, Some(props.clone()));
            let rec = parse(line(&m).trim_end().as_bytes()).unwrap();
            assert_eq!(rec.payload, payload);
            assert_eq!(rec.topic, "a/b");
            assert_eq!(rec.qos, Some(Qos::AtLeastOnce));
            assert_eq!(rec.retain, Some(true));
            assert_eq!(rec.properties.as_ref(), Some(&props));
            assert_eq!(
                rec.received.unwrap().timestamp_nanos_opt(),
                Some(1_000_000_005)
            );
        }
    }

    #[test]
    fn pretty_is_indented_and_parses() {
        let mut out = Vec::new();
        write(&mut out, &message(b"x", None), UNIX_EPOCH, true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\n  \"topic\": \"a/b\""), "{text}");
        assert_eq!(parse(text.as_bytes()).unwrap().payload, &b"x"[..]);
    }

    #[test]
    fn lenient_input() {
        let r = parse(br#"{"topic":"t","payload":"p","retain":1,"tst":"whatever"}"#).unwrap();
        assert_eq!(r.retain, Some(true));
        assert_eq!(r.qos, None);
        let r = parse(br#"{"topic":"t"}"#).unwrap();
        assert!(r.payload.is_empty());
    }

    #[test]
    fn errors_name_the_problem() {
        for (input, needle) in [
            (&b"nope"[..], "not JSON"),
            (b"[1]", "object"),
            (b"{}", "no \"topic\""),
            (br#"{"topic":""}"#, "empty"),
            (br#"{"topic":"t","qos":3}"#, "qos"),
            (
                br#"{"topic":"t","encoding":"base64","payload":"!!"}"#,
                "base64",
            ),
            (br#"{"topic":"t","encoding":"hex","payload":"00"}"#, "hex"),
            (
                br#"{"topic":"t","properties":{"contnet_type":"x"}}"#,
                "contnet_type",
            ),
            (br#"{"topic":"t","received":"yesterday"}"#, "RFC 3339"),
            (br#"{"topic":"t","retain":"yes"}"#, "retain"),
        ] {
            let err = parse(input).unwrap_err();
            assert!(err.contains(needle), "{err:?} should mention {needle}");
        }
    }
}
