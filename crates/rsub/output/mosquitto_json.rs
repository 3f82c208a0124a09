//! mosquitto_sub's `%j` and `%J` objects, printed the way its cJSON library prints them
//! (key order, number formatting, tab-indented `--pretty`), so `-F %j` output matches
//! mosquitto_sub's byte for byte, except where mosquitto would lose data:
//!
//! - `%j` with a payload that is not valid UTF-8 writes it as base64 and adds
//!   `"encoding":"base64"` (mosquitto 2.0.11 cuts it at the first NUL byte);
//! - `%J` with a payload that is not JSON falls back to the `%j` form (mosquitto prints an
//!   error and no object).
//!
//! MQTT 5 properties appear in a fixed order (rumqttc does not keep the order of the
//! packet): subscription-identifier, payload-format-indicator, content-type, response-topic,
//! correlation-data, user-properties, topic-alias, message-expiry-interval. Duplicate keys
//! in a `%J` payload keep only the last one.
//!
//! `rsub --json` uses the lossless schema in `rpubsub_core::message_json` instead.

use std::io::{self, Write};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Local};
use serde_json::Value;

use rpubsub_core::session::Message;

/// A cJSON-like tree: object keys keep their order.
enum Node<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(&'a [u8]),
    Owned(String),
    Obj(Vec<(&'a str, Node<'a>)>),
    Json(Value),
}

/// Write `%j` (`embed_json` false) or `%J` (true) for one message.
pub fn write(
    out: &mut impl Write,
    message: &Message,
    now: &DateTime<Local>,
    embed_json: bool,
    pretty: bool,
) -> io::Result<()> {
    // As mosquitto: local time, micro-seconds, then a literal Z followed by the offset.
    let tst = format!(
        "{}.{:06}Z{}",
        now.format("%Y-%m-%dT%H:%M:%S"),
        now.timestamp_subsec_micros().min(999_999),
        now.format("%z")
    );
    let topic = String::from_utf8_lossy(&message.topic);
    let mut root: Vec<(&str, Node)> = vec![
        ("tst", Node::Owned(tst)),
        ("topic", Node::Owned(topic.into_owned())),
        ("qos", Node::Num(f64::from(message.qos.as_u8()))),
        ("retain", Node::Num(if message.retain { 1.0 } else { 0.0 })),
        ("payloadlen", Node::Num(message.payload.len() as f64)),
    ];
    if message.qos.as_u8() > 0 {
        root.push(("mid", Node::Num(message.pkid as f64)));
    }
    if let Some(p) = &message.properties {
        let mut props: Vec<(&str, Node)> = Vec::new();
        for id in &p.subscription_ids {
            props.push(("subscription-identifier", Node::Num(*id as f64)));
        }
        if let Some(v) = p.payload_format {
            props.push(("payload-format-indicator", Node::Num(v as f64)));
        }
        if let Some(v) = &p.content_type {
            props.push(("content-type", Node::Str(v.as_bytes())));
        }
        if let Some(v) = &p.response_topic {
            props.push(("response-topic", Node::Str(v.as_bytes())));
        }
        if let Some(v) = &p.correlation_data {
            props.push(("correlation-data", text_or_base64(v)));
        }
        if !p.user_properties.is_empty() {
            let users = p
                .user_properties
                .iter()
                .map(|(k, v)| (k.as_str(), Node::Str(v.as_bytes())))
                .collect();
            props.push(("user-properties", Node::Obj(users)));
        }
        if let Some(v) = p.topic_alias {
            props.push(("topic-alias", Node::Num(v as f64)));
        }
        if let Some(v) = p.message_expiry {
            props.push(("message-expiry-interval", Node::Num(v as f64)));
        }
        root.push(("properties", Node::Obj(props)));
    }
    let payload = &message.payload[..];
    let embedded = if embed_json && !payload.is_empty() {
        serde_json::from_slice::<Value>(payload).ok()
    } else {
        None
    };
    if payload.is_empty() {
        root.push(("payload", Node::Null));
    } else if let Some(value) = embedded {
        root.push(("payload", Node::Json(value)));
    } else if std::str::from_utf8(payload).is_ok() {
        root.push(("payload", Node::Str(payload)));
    } else {
        root.push(("encoding", Node::Str(b"base64")));
        root.push(("payload", Node::Owned(BASE64.encode(payload))));
    }
    let mut buf = Vec::with_capacity(256 + payload.len());
    print(&mut buf, &Node::Obj(root), 0, pretty);
    out.write_all(&buf)
}

fn text_or_base64(bytes: &[u8]) -> Node<'_> {
    if std::str::from_utf8(bytes).is_ok() {
        Node::Str(bytes)
    } else {
        Node::Owned(BASE64.encode(bytes))
    }
}

fn print(out: &mut Vec<u8>, node: &Node, depth: usize, pretty: bool) {
    match node {
        Node::Null => out.extend_from_slice(b"null"),
        Node::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Node::Num(d) => out.extend_from_slice(number(*d).as_bytes()),
        Node::Str(s) => string(out, s),
        Node::Owned(s) => string(out, s.as_bytes()),
        Node::Obj(fields) => object(out, fields.iter().map(|(k, v)| (*k, v)), depth, pretty),
        Node::Json(value) => json(out, value, depth, pretty),
    }
}

fn json(out: &mut Vec<u8>, value: &Value, depth: usize, pretty: bool) {
    match value {
        Value::Null => print(out, &Node::Null, depth, pretty),
        Value::Bool(b) => print(out, &Node::Bool(*b), depth, pretty),
        Value::Number(n) => print(
            out,
            &Node::Num(n.as_f64().unwrap_or(f64::NAN)),
            depth,
            pretty,
        ),
        Value::String(s) => string(out, s.as_bytes()),
        Value::Array(items) => {
            let nodes: Vec<Node> = items.iter().map(|v| Node::Json(v.clone())).collect();
            array(out, nodes.iter(), depth, pretty)
        }
        Value::Object(map) => {
            let nodes: Vec<(&str, Node)> = map
                .iter()
                .map(|(k, v)| (k.as_str(), Node::Json(v.clone())))
                .collect();
            object(out, nodes.iter().map(|(k, v)| (*k, v)), depth, pretty)
        }
    }
}

/// cJSON's print_array: `[a, b]` on one line even when pretty.
fn array<'n, 'a: 'n>(
    out: &mut Vec<u8>,
    items: impl ExactSizeIterator<Item = &'n Node<'a>>,
    depth: usize,
    pretty: bool,
) {
    out.push(b'[');
    let n = items.len();
    for (i, item) in items.enumerate() {
        print(out, item, depth + 1, pretty);
        if i + 1 < n {
            out.push(b',');
            if pretty {
                out.push(b' ');
            }
        }
    }
    out.push(b']');
}

/// cJSON's print_object: with `pretty`, one tab-indented `"key":<TAB>value` per line.
fn object<'n, 'a: 'n>(
    out: &mut Vec<u8>,
    fields: impl ExactSizeIterator<Item = (&'n str, &'n Node<'a>)>,
    depth: usize,
    pretty: bool,
) {
    let depth = depth + 1;
    out.push(b'{');
    if pretty {
        out.push(b'\n');
    }
    let n = fields.len();
    for (i, (key, value)) in fields.enumerate() {
        if pretty {
            out.resize(out.len() + depth, b'\t');
        }
        string(out, key.as_bytes());
        out.push(b':');
        if pretty {
            out.push(b'\t');
        }
        print(out, value, depth, pretty);
        if i + 1 < n {
            out.push(b',');
        }
        if pretty {
            out.push(b'\n');
        }
    }
    if pretty {
        out.resize(out.len() + depth - 1, b'\t');
    }
    out.push(b'}');
}

/// cJSON's string escaping (the same as serde_json's): `\" \\ \b \f \n \r \t`, other
/// control characters as `\u00xx`, everything else as is.
fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => {
                let _ = write!(out, "\\u{:04x}", b);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// cJSON's print_number: `%1.15g`, or `%1.17g` when 15 digits do not read back the same.
fn number(d: f64) -> String {
    if !d.is_finite() {
        return "null".into();
    }
    let short = c_g(d, 15);
    if short.parse::<f64>() == Ok(d) {
        short
    } else {
        c_g(d, 17)
    }
}

/// C's `%.{precision}g` for a finite number.
fn c_g(d: f64, precision: usize) -> String {
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{:.*e}", precision - 1, d);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= precision as i32 {
        let mantissa = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (precision as i32 - 1 - exp).max(0) as usize;
        trim_fraction(&format!("{d:.decimals$}")).to_string()
    }
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_cjson_prints_them() {
        for (d, want) in [
            (1e300, "1e+300"),
            (3000000000.0, "3000000000"),
            (-0.0, "-0"),
            (1.0, "1"),
            (0.1, "0.1"),
            (123456789012.0, "123456789012"),
            (1e-7, "1e-07"),
            (2.5, "2.5"),
            (1e15, "1e+15"),
            (123456789012345.0, "123456789012345"),
            (0.0001, "0.0001"),
            (1.0 / 3.0, "0.33333333333333331"),
            (f64::NAN, "null"),
        ] {
            assert_eq!(number(d), want, "{d}");
        }
    }

    #[test]
    fn pretty_nesting_as_cjson() {
        let v: Value = serde_json::from_str(r#"[{}, [], {"a":{}, "b":[{"c":1}]}]"#).unwrap();
        let mut out = Vec::new();
        object(&mut out, [("payload", &Node::Json(v))].into_iter(), 0, true);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n\t\"payload\":\t[{\n\t\t}, [], {\n\t\t\t\"a\":\t{\n\t\t\t},\n\t\t\t\"b\":\t[{\n\t\t\t\t\t\"c\":\t1\n\t\t\t\t}]\n\t\t}]\n}"
        );
    }

    #[test]
    fn strings_escaped_as_cjson() {
        let mut out = Vec::new();
        string(&mut out, "a\"\\\u{1}\u{7f}é\n".as_bytes());
        assert_eq!(out, "\"a\\\"\\\\\\u0001\u{7f}é\\n\"".as_bytes());
    }
}
