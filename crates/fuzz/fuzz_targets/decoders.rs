//! The vendored rumqttc's packet decoders, MQTT 3.1.1 and MQTT 5: every byte a broker sends
//! goes through them. The first input byte picks the version and the maximum packet size;
//! the rest is a stream of packets, decoded whole, then fed again split at every byte. No
//! input may panic, and the split stream must decode to the same packets (a decoder that
//! takes a partial packet for a whole one would differ).

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

/// Decode packets from `stream` until it needs more bytes or fails: the packets and the
/// bytes left.
macro_rules! decode_all {
    ($read:expr, $stream:expr) => {{
        let mut packets = Vec::new();
        while !$stream.is_empty() {
            match $read(&mut $stream) {
                Ok(packet) => packets.push(packet),
                Err(_) => break,
            }
        }
        packets
    }};
}

/// The packets of `data` read whole, and read with the stream split at `split`.
macro_rules! whole_and_split {
    ($read:expr, $data:expr) => {{
        let mut whole = BytesMut::from($data);
        let expected = decode_all!($read, whole);
        // Only a clean stream (every byte a packet) has one right answer when split.
        if whole.is_empty() {
            for split in 1..$data.len() {
                let mut stream = BytesMut::from(&$data[..split]);
                let mut got = decode_all!($read, stream);
                stream.extend_from_slice(&$data[split..]);
                got.extend(decode_all!($read, stream));
                assert_eq!(got, expected, "split at {split}");
            }
        }
    }};
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, stream)) = data.split_first() else {
        return;
    };
    // Small inputs: the split check is quadratic.
    if stream.len() > 4096 {
        return;
    }
    let max = if mode & 2 == 0 { 1 << 20 } else { 64 };
    if mode & 1 == 0 {
        whole_and_split!(|s: &mut BytesMut| rumqttc::Packet::read(s, max), stream);
    } else {
        whole_and_split!(
            |s: &mut BytesMut| rumqttc::v5::mqttbytes::v5::Packet::read(s, Some(max as u32)),
            stream
        );
    }
});
