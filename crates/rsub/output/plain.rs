//! The plain style, rsub's default: the payload bytes unchanged (binary-safe); with `-v` the
//! topic first (an empty payload as `(null)`, as mosquitto_sub -v prints it) and the MQTT 5
//! properties after the payload; with `--timestamp` the receive time before it all; the topic
//! and time coloured when `--color` says so.
//!
//! The newline after each message is not written here: `-N` applies to `-F` too (mod.rs).

use std::io::{self, Write};
use std::time::SystemTime;

use chrono::{DateTime, Local};

use rpubsub_core::session::Message;

/// Default `--timestamp` format: RFC 3339 in local time, with microseconds.
pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f%:z";

/// `-v`'s payload for an empty message, as mosquitto_sub -v prints it (`topic (null)`).
const EMPTY_VERBOSE: &[u8] = b"(null)";

const TOPIC_COLOR: &[u8] = b"\x1b[1;36m";
const TIME_COLOR: &[u8] = b"\x1b[2m";
const RESET: &[u8] = b"\x1b[0m";

/// How the plain style shows a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Plain {
    /// `-v`: the topic before the payload, the properties after it.
    pub verbose: bool,
    /// `--timestamp`: a chrono strftime format for the receive time before each line.
    pub timestamp: Option<String>,
    /// Colour the topic (and timestamp): decided once, for a terminal only (plan.rs).
    pub color: bool,
}

impl Plain {
    /// Write one message, without the newline.
    pub fn write(
        &self,
        out: &mut impl Write,
        message: &Message,
        received: SystemTime,
    ) -> io::Result<()> {
        if let Some(format) = &self.timestamp {
            let at = DateTime::<Local>::from(received);
            self.colored(out, TIME_COLOR, |out| write!(out, "{} ", at.format(format)))?;
        }
        if self.verbose {
            self.colored(out, TOPIC_COLOR, |out| out.write_all(&message.topic))?;
            out.write_all(b" ")?;
        }
        if self.verbose && message.payload.is_empty() {
            // mosquitto_sub -v prints an empty payload as C's printf prints a null string.
            out.write_all(EMPTY_VERBOSE)?;
        } else {
            out.write_all(&message.payload)?;
        }
        if self.verbose {
            write_properties(out, message)?;
        }
        Ok(())
    }

    /// What `write` writes, between `color` and a reset when colour is on.
    fn colored<W: Write>(
        &self,
        out: &mut W,
        color: &[u8],
        write: impl FnOnce(&mut W) -> io::Result<()>,
    ) -> io::Result<()> {
        if !self.color {
            return write(out);
        }
        out.write_all(color)?;
        write(out)?;
        out.write_all(RESET)
    }
}

/// Check a `--timestamp-format` before any message arrives.
pub fn check_time_format(format: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
        return Err(format!(
            "--timestamp-format '{format}': not a strftime format (e.g. '%H:%M:%S%.3f')"
        ));
    }
    Ok(())
}

/// `-v`: the MQTT 5 properties a message carried, after the payload on the same line:
/// ` [content-type=text/plain, user-property=unit=C]`. Nothing when it carried none.
fn write_properties(out: &mut impl Write, message: &Message) -> io::Result<()> {
    match &message.properties {
        Some(properties) => write!(out, " [{properties}]"),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::message;
    use std::time::{Duration, UNIX_EPOCH};

    fn written(plain: &Plain, message: &Message) -> String {
        let mut out = Vec::new();
        let at = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_000);
        plain.write(&mut out, message, at).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn plain(verbose: bool, timestamp: Option<&str>, color: bool) -> Plain {
        Plain {
            verbose,
            timestamp: timestamp.map(String::from),
            color,
        }
    }

    #[test]
    fn payload_alone_or_after_the_topic() {
        let m = message(b"21.5", false);
        assert_eq!(written(&plain(false, None, false), &m), "21.5");
        assert_eq!(written(&plain(true, None, false), &m), "sensors/t 21.5");
    }

    #[test]
    fn empty_payload_is_null_after_the_topic_only() {
        let m = message(b"", false);
        assert_eq!(written(&plain(true, None, false), &m), "sensors/t (null)");
        assert_eq!(written(&plain(false, None, false), &m), "");
    }

    #[test]
    fn binary_payload_untouched() {
        let bytes: Vec<u8> = (0..=255).collect();
        let mut out = Vec::new();
        plain(false, None, false)
            .write(&mut out, &message(&bytes, false), UNIX_EPOCH)
            .unwrap();
        assert_eq!(out, bytes);
    }

    #[test]
    fn verbose_shows_the_properties_after_the_payload() {
        let m = message(b"on", true);
        assert_eq!(
            written(&plain(true, None, false), &m),
            "sensors/t on [content-type=text/plain]"
        );
        assert_eq!(written(&plain(false, None, false), &m), "on");
    }

    #[test]
    fn timestamp_and_colour() {
        std::env::set_var("TZ", "UTC");
        let m = message(b"x", false);
        assert_eq!(
            written(&plain(true, Some(TIMESTAMP_FORMAT), false), &m),
            "2023-11-14T22:13:20.123456+00:00 sensors/t x"
        );
        assert_eq!(
            written(&plain(true, Some("%H:%M"), true), &m),
            "\x1b[2m22:13 \x1b[0m\x1b[1;36msensors/t\x1b[0m x"
        );
    }

    #[test]
    fn time_formats_are_checked() {
        assert!(check_time_format("%H:%M:%S%.3f").is_ok());
        let err = check_time_format("%Q").unwrap_err();
        assert!(err.contains("not a strftime format"), "{err}");
    }
}
