//! `--stamp`: the stamp (`rpubsub_core::stamp`, the format) put before each payload rpub
//! hands to the session: this run's publisher id, the next number on the message's topic, and
//! the time it is handed over.
//!
//! A message is numbered once, when the session takes it: the session sends the very same
//! bytes again after a reconnect, so a re-sent message keeps its number, and a subscriber
//! tells a duplicate from a new message. A payload that carries a stamp already (a replayed
//! capture of stamped messages) has it replaced, so that the numbers are this run's.

use std::collections::HashMap;
use std::time::SystemTime;

use bytes::Bytes;

use rpubsub_core::exit::Fail;
use rpubsub_core::stamp::{self, Decoded, Stamp};

use crate::payload;

/// The stamps of one run.
pub struct Stamper {
    /// Client id and run, as the stamp writes them.
    publisher: String,
    /// The last number given on each topic.
    last: HashMap<String, u64>,
}

impl Stamper {
    /// Stamps for a run of client `client_id` (rpub's own name when the broker assigns one).
    pub fn new(client_id: &str) -> Stamper {
        let id = if client_id.is_empty() {
            "rpub"
        } else {
            client_id
        };
        Stamper {
            publisher: stamp::publisher(id, fastrand::u32(..)),
            last: HashMap::new(),
        }
    }

    /// `payload` with the next stamp of `topic` in front; refused (nothing numbered) when the
    /// stamp makes it too long for one message.
    pub fn stamp(&mut self, topic: &str, payload: &[u8]) -> Result<Bytes, Fail> {
        let body = match stamp::decode(payload) {
            Decoded::Stamped(_, body) => body,
            Decoded::Unstamped | Decoded::Malformed(_) => payload,
        };
        payload::fits(body.len() + stamp::MAX_HEADER).map_err(|why| {
            Fail::usage(format!(
                "--stamp: {why} (counting {} bytes for the stamp)",
                stamp::MAX_HEADER
            ))
        })?;
        let seq = match self.last.get_mut(topic) {
            Some(last) => {
                *last += 1;
                *last
            }
            None => {
                self.last.insert(topic.to_string(), 1);
                1
            }
        };
        let stamp = Stamp {
            publisher: &self.publisher,
            seq,
            sent_us: stamp::micros(SystemTime::now()),
        };
        Ok(Bytes::from(stamp::encode(&stamp, body)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(payload: &[u8]) -> (String, u64, Vec<u8>) {
        match stamp::decode(payload) {
            Decoded::Stamped(s, body) => (s.publisher.to_string(), s.seq, body.to_vec()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_topic_counts_from_one() {
        let mut stamper = Stamper::new("sensor 1");
        let (id, seq, body) = read(&stamper.stamp("a", b"x").unwrap());
        assert!(id.starts_with("sensor%201/"), "{id}");
        assert_eq!((seq, body), (1, b"x".to_vec()));
        assert_eq!(read(&stamper.stamp("a", b"y").unwrap()).1, 2);
        assert_eq!(read(&stamper.stamp("b", b"z").unwrap()).1, 1);
        assert_eq!(read(&stamper.stamp("a", b"").unwrap()).1, 3);
    }

    #[test]
    fn a_stamp_already_there_is_replaced_and_runs_differ() {
        let mut first = Stamper::new("");
        let stamped = first.stamp("a", b"payload").unwrap();
        let mut second = Stamper::new("");
        let (id, seq, body) = read(&second.stamp("a", &stamped).unwrap());
        assert!(id.starts_with("rpub/") && id != read(&stamped).0);
        assert_eq!((seq, body), (1, b"payload".to_vec()));
    }

    #[test]
    fn a_payload_too_long_with_its_stamp_is_refused() {
        let mut stamper = Stamper::new("c");
        let big = vec![b'x'; payload::MAX_PAYLOAD];
        let fail = stamper.stamp("a", &big).unwrap_err();
        assert!(
            fail.message.starts_with("--stamp: the payload is "),
            "{}",
            fail.message
        );
        assert_eq!(read(&stamper.stamp("a", b"x").unwrap()).1, 1);
    }
}
