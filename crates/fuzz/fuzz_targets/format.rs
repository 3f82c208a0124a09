//! rsub's `-F` format language: any format parses or is refused with a message, and any
//! accepted format renders any message (binary payloads, MQTT 5 properties) without panic.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use rpubsub_core::properties::PublishProperties;
use rpubsub_core::message::Message;
use rpubsub_core::qos::Qos;

// format.rs finds mosquitto's `%j`/`%J` as its sibling `super::mosquitto_json`.
#[path = "../../rsub/output/mosquitto_json.rs"]
#[allow(dead_code)]
mod mosquitto_json;

#[path = "../../rsub/output/format.rs"]
#[allow(dead_code)]
mod format;

fuzz_target!(|data: &[u8]| {
    // The first line is the format; the rest is the payload.
    let (spec, payload) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(spec) = std::str::from_utf8(spec) else { return };
    let Ok(parsed) = format::Format::parse(spec) else { return };
    let with_properties = payload.first().is_some_and(|b| b & 1 == 1);
    let message = Message {
        topic: Bytes::from_static(b"fuzz/topic"),
        payload: Bytes::copy_from_slice(payload),
        qos: Qos::from_u8(payload.len() as u8 % 3).unwrap_or_default(),
        retain: payload.len() % 2 == 0,
        dup: false,
        pkid: u16::from(payload.first().copied().unwrap_or(0)),
        properties: with_properties.then(|| {
            Box::new(PublishProperties {
                content_type: Some("text/plain".into()),
                correlation_data: Some(Bytes::copy_from_slice(payload)),
                user_properties: vec![("k".into(), String::from_utf8_lossy(payload).into_owned())],
                message_expiry: Some(5),
                ..Default::default()
            })
        }),
    };
    let mut out = Vec::new();
    for pretty in [false, true] {
        let _ = parsed.render(&mut out, &message, UNIX_EPOCH + Duration::from_secs(1_700_000_000), pretty);
    }
});
