//! The stamp `rpub --stamp` puts before each payload, and that `rsub --check-seq` and
//! `rsub --latency` read back: who sent the message, its number on its topic, and when it was
//! sent. Both tools need the one definition, so it lives here, with its encoder and decoder.
//!
//! The stamp is a line of text a person can read in `rsub -v`, five fields each followed by
//! one space, then the payload as it was:
//!
//! ```text
//! stamp/1 rpub-4049805adc94/3fa2c1d0 17 1764590000123456 Nachricht Nummer 17
//! ```
//!
//! - `stamp/1`: the format and its version; a later change gets another number, and a reader
//!   that sees a version it does not know says so instead of misreading it;
//! - the publisher: its client id (bytes outside printable ASCII, `%`, `/` and spaces written
//!   as `%XX`; at most [`MAX_CLIENT_ID`] bytes of it), `/`, and 8 hex digits drawn anew by
//!   every run, so that two runs with the same client id are two publishers;
//! - the sequence number on this topic, from 1;
//! - the send time, microseconds since 1970-01-01 UTC, as the publisher's clock has it.
//!
//! A payload that does not start with `stamp/` is not stamped; one that does but breaks
//! these rules is malformed.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// What every stamp starts with, before its version.
pub const MAGIC: &[u8] = b"stamp/";

/// The version this code writes and reads.
pub const VERSION: u32 = 1;

/// The most bytes of the client id a stamp carries (written as `%XX`, a byte takes three).
pub const MAX_CLIENT_ID: usize = 64;

/// The longest stamp, payload not included: magic and version, the publisher, two numbers of
/// at most 20 digits, and their spaces. A reader looks no further for the end of one.
pub const MAX_HEADER: usize = MAGIC.len() + 10 + 1 + MAX_CLIENT_ID + 1 + 8 + 1 + 20 + 1 + 20 + 1;

/// What a stamp says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp<'a> {
    /// Client id and run, as written (the key a reader tells publishers apart by).
    pub publisher: &'a str,
    /// On this topic, from 1.
    pub seq: u64,
    /// Microseconds since the epoch, by the publisher's clock.
    pub sent_us: u64,
}

/// A payload as a reader of stamps sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// No stamp: the payload does not start with [`MAGIC`].
    Unstamped,
    /// A stamp, and the payload that follows it.
    Stamped(Stamp<'a>, &'a [u8]),
    /// It starts as a stamp but is not one: why, in words.
    Malformed(String),
}

/// The publisher field for `client_id` in the run `run`: the id escaped and bounded, then the
/// run in hex.
pub fn publisher(client_id: &str, run: u32) -> String {
    let mut out = String::with_capacity(MAX_CLIENT_ID + 9);
    for &byte in client_id.as_bytes() {
        let escaped = !byte.is_ascii_graphic() || byte == b'%' || byte == b'/';
        let width = if escaped { 3 } else { 1 };
        if out.len() + width > MAX_CLIENT_ID {
            break;
        }
        if escaped {
            let _ = write!(out, "%{byte:02X}");
        } else {
            out.push(byte as char);
        }
    }
    let _ = write!(out, "/{run:08x}");
    out
}

/// `body` with its stamp in front.
pub fn encode(stamp: &Stamp<'_>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAX_HEADER + body.len());
    out.extend_from_slice(MAGIC);
    // Writing to a Vec cannot fail.
    let _ = std::io::Write::write_fmt(
        &mut out,
        format_args!(
            "{VERSION} {} {} {} ",
            stamp.publisher, stamp.seq, stamp.sent_us
        ),
    );
    out.extend_from_slice(body);
    out
}

/// Read the stamp of `payload`, if it has one.
pub fn decode(payload: &[u8]) -> Decoded<'_> {
    let Some(rest) = payload.strip_prefix(MAGIC) else {
        return Decoded::Unstamped;
    };
    let head = &rest[..rest.len().min(MAX_HEADER)];
    match fields(head) {
        Ok((stamp, used)) => Decoded::Stamped(stamp, &rest[used..]),
        Err(why) => Decoded::Malformed(why),
    }
}

/// The fields after the magic, and how many bytes they took with their spaces.
fn fields(head: &[u8]) -> Result<(Stamp<'_>, usize), String> {
    let mut used = 0;
    let mut next = |what: &str| -> Result<&[u8], String> {
        let field = &head[used..];
        let end = field
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| format!("stamp cut short before its {what}"))?;
        used += end + 1;
        Ok(&field[..end])
    };
    let version = number(next("version")?, "version")?;
    if version != u64::from(VERSION) {
        return Err(format!(
            "stamp version {version} is not known (this rsub reads version {VERSION})"
        ));
    }
    let publisher = next("publisher")?;
    if publisher.is_empty() || !publisher.iter().all(u8::is_ascii_graphic) {
        return Err("stamp with a bad publisher field".into());
    }
    let seq = number(next("sequence number")?, "sequence number")?;
    if seq == 0 {
        return Err("stamp with sequence number 0 (they start at 1)".into());
    }
    let sent_us = number(next("send time")?, "send time")?;
    let publisher = std::str::from_utf8(publisher).map_err(|_| "stamp with a bad publisher")?;
    Ok((
        Stamp {
            publisher,
            seq,
            sent_us,
        },
        used,
    ))
}

/// A field of decimal digits.
fn number(field: &[u8], what: &str) -> Result<u64, String> {
    let text = std::str::from_utf8(field).unwrap_or_default();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("stamp with a bad {what}"));
    }
    text.parse()
        .map_err(|_| format!("stamp with a {what} out of range"))
}

/// `time` in microseconds since the epoch (0 before it, as a clock set to 1969 would give).
pub fn micros(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(publisher: &str, seq: u64) -> Stamp<'_> {
        Stamp {
            publisher,
            seq,
            sent_us: 1_764_590_000_123_456,
        }
    }

    #[test]
    fn a_stamp_reads_back_as_written_and_the_payload_is_kept() {
        let id = publisher("rpub-4049805adc94", 0x3fa2_c1d0);
        assert_eq!(id, "rpub-4049805adc94/3fa2c1d0");
        let bytes = encode(&stamp(&id, 17), b"Nachricht Nummer 17");
        assert_eq!(
            bytes,
            b"stamp/1 rpub-4049805adc94/3fa2c1d0 17 1764590000123456 Nachricht Nummer 17"
        );
        assert_eq!(
            decode(&bytes),
            Decoded::Stamped(stamp(&id, 17), b"Nachricht Nummer 17")
        );
        let binary = encode(&stamp(&id, 1), b"\0\xff\n");
        assert_eq!(
            decode(&binary),
            Decoded::Stamped(stamp(&id, 1), b"\0\xff\n")
        );
        assert_eq!(
            decode(&encode(&stamp(&id, 2), b"")),
            Decoded::Stamped(stamp(&id, 2), b"")
        );
    }

    #[test]
    fn the_client_id_is_escaped_and_bounded() {
        assert_eq!(
            publisher("a b/c%d\u{e9}", 1),
            "a%20b%2Fc%25d%C3%A9/00000001"
        );
        let long = publisher(&"x".repeat(1000), 2);
        assert_eq!(long.len(), MAX_CLIENT_ID + 9);
        let escaped = publisher(&" ".repeat(100), 3);
        assert!(escaped.len() <= MAX_CLIENT_ID + 9 && escaped.ends_with("%20/00000003"));
        let longest = encode(
            &Stamp {
                publisher: &long,
                seq: u64::MAX,
                sent_us: u64::MAX,
            },
            b"",
        );
        assert!(longest.len() <= MAX_HEADER, "{}", longest.len());
        assert!(matches!(decode(&longest), Decoded::Stamped(..)));
    }

    #[test]
    fn payloads_without_the_magic_are_not_stamped() {
        for payload in [
            &b""[..],
            b"hello",
            b"stamp",
            b"stamped letter",
            b"STAMP/1 a 1 1 ",
        ] {
            assert_eq!(decode(payload), Decoded::Unstamped, "{payload:?}");
        }
    }

    #[test]
    fn a_broken_stamp_says_what_is_wrong() {
        let why = |payload: &[u8]| match decode(payload) {
            Decoded::Malformed(why) => why,
            other => panic!("{payload:?}: {other:?}"),
        };
        assert_eq!(
            why(b"stamp/2 p/1 1 1 x"),
            "stamp version 2 is not known (this rsub reads version 1)"
        );
        assert_eq!(
            why(b"stamp/1 p/1 1 1"),
            "stamp cut short before its send time"
        );
        assert_eq!(why(b"stamp/1 p/1 x 1 "), "stamp with a bad sequence number");
        assert_eq!(
            why(b"stamp/1 p/1 0 1 "),
            "stamp with sequence number 0 (they start at 1)"
        );
        assert_eq!(
            why(b"stamp/1 p/1 99999999999999999999 1 "),
            "stamp with a sequence number out of range"
        );
        assert_eq!(why(b"stamp/1  1 1 "), "stamp with a bad publisher field");
        assert_eq!(why(b"stamp/x"), "stamp cut short before its version");
        // The end of a stamp is looked for only as far as the longest stamp goes.
        let mut long = b"stamp/1 ".to_vec();
        long.extend(std::iter::repeat_n(b'p', MAX_HEADER * 2));
        long.extend_from_slice(b" 1 1 ");
        assert_eq!(why(&long), "stamp cut short before its publisher");
    }

    #[test]
    fn time_since_the_epoch_in_microseconds() {
        assert_eq!(micros(UNIX_EPOCH), 0);
        assert_eq!(micros(UNIX_EPOCH - std::time::Duration::from_secs(1)), 0);
        assert_eq!(
            micros(UNIX_EPOCH + std::time::Duration::from_millis(1500)),
            1_500_000
        );
    }
}
