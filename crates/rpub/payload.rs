//! The one payload of `-m`, `-f`, `-s` and `-n` (`-l` and `--stdin-json` read theirs line by
//! line, `lines.rs`).
//!
//! It is read while planning, before connecting, so an unreadable file is a usage error with
//! nothing sent, and a payload over MQTT's packet limit is refused up front instead of
//! killing the connection half-way. Nothing is read past that limit: a file over it is
//! refused from its size, and `-s` stops one byte past it (`-s < /dev/zero` ends, exit 2).

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use bytes::Bytes;

use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::io_error_text;
use rpubsub_core::read_limited;
use rpubsub_core::session::MAX_PACKET_SIZE;

/// The largest payload that fits in one packet with a maximal topic and header.
pub const MAX_PAYLOAD: usize = MAX_PACKET_SIZE - 65_535 - 2 - 2 - 5;

/// Where the one payload comes from.
pub enum Payload<'a> {
    /// `-m`: bytes, as mosquitto_pub sends them, UTF-8 or not.
    Message(&'a OsStr),
    /// `-f`
    File(&'a Path),
    /// `-s`: all of stdin.
    Stdin,
    /// `-n`
    Empty,
}

impl Payload<'_> {
    /// The bytes, checked to fit in one message.
    pub fn read(self) -> Result<Bytes, Fail> {
        let payload = match self {
            Payload::Message(text) => Bytes::copy_from_slice(text.as_bytes()),
            Payload::File(path) => read_file(path)?,
            Payload::Stdin => {
                // One byte past the limit is enough to refuse it: `-s < /dev/zero` ends.
                let mut all = Vec::new();
                std::io::stdin()
                    .lock()
                    .take(MAX_PAYLOAD as u64 + 1)
                    .read_to_end(&mut all)
                    .map_err(|e| reading_stdin(&e))?;
                fits(all.len()).map_err(|why| Fail::usage(format!("-s: {why}")))?;
                Bytes::from(all)
            }
            Payload::Empty => Bytes::new(),
        };
        fits(payload.len()).map_err(Fail::usage)?;
        Ok(payload)
    }
}

/// Refuse a payload of `len` bytes that no MQTT message can carry.
pub fn fits(len: usize) -> Result<(), String> {
    if len > MAX_PAYLOAD {
        return Err(format!(
            "the payload is {len} bytes; one MQTT message carries at most {MAX_PAYLOAD}"
        ));
    }
    Ok(())
}

/// Reading stdin failed (`-s`, `-l`, `--stdin-json`).
pub fn reading_stdin(err: &std::io::Error) -> Fail {
    Fail::new(
        Exit::Failure,
        format!("reading stdin: {}", io_error_text(err)),
    )
}

fn read_file(path: &Path) -> Result<Bytes, Fail> {
    if path.is_dir() {
        return Err(Fail::usage(format!(
            "-f {}: is a directory, not a file",
            path.display()
        )));
    }
    // A file too large is refused from its size, before reading (see `read_limited`).
    read_limited::read(path, MAX_PAYLOAD as u64)
        .map(Bytes::from)
        .map_err(|e| Fail::usage(format!("-f {}: {}", path.display(), io_error_text(&e))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_goes_out_as_typed_and_a_too_large_one_is_refused() {
        assert_eq!(Payload::Message(OsStr::new("{n}")).read().unwrap(), "{n}");
        assert!(Payload::Empty.read().unwrap().is_empty());
        assert!(fits(MAX_PAYLOAD).is_ok());
        assert!(fits(MAX_PAYLOAD + 1).is_err());
    }

    #[test]
    fn file_mistakes_are_usage_errors_naming_the_file() {
        let dir = Payload::File(Path::new("/")).read().unwrap_err();
        assert_eq!(dir.exit, Exit::Usage);
        assert_eq!(dir.message, "-f /: is a directory, not a file");
        let missing = Payload::File(Path::new("/nonexistent")).read().unwrap_err();
        assert_eq!(
            missing.message,
            "-f /nonexistent: No such file or directory"
        );
    }
}
