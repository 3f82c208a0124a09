//! Where the payload comes from: `-m`, `-f`, `-s`, `-n`, or `-l` (lines, read as they come).
//!
//! Everything but `-l` is read before connecting, so an unreadable file is a usage error
//! with nothing sent, and a payload over MQTT's packet limit is refused up front instead of
//! killing the connection half-way.

use std::path::Path;

use bytes::Bytes;
use tokio::io::AsyncReadExt;

use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::io_error_text;
use rpubsub_core::session::MAX_PACKET_SIZE;

/// The largest payload that fits in one packet with a maximal topic and header.
pub const MAX_PAYLOAD: usize = MAX_PACKET_SIZE - 65_535 - 2 - 2 - 5;

pub enum Source {
    /// The same payload for every message.
    Payload(Bytes),
    /// One message per line of stdin.
    Lines,
}

impl Source {
    pub async fn from_flags(
        message: Option<&str>,
        file: Option<&Path>,
        stdin_file: bool,
        stdin_line: bool,
    ) -> Result<Source, Fail> {
        let payload = if let Some(message) = message {
            Bytes::copy_from_slice(message.as_bytes())
        } else if let Some(path) = file {
            read_file(path)?
        } else if stdin_file {
            let mut all = Vec::new();
            tokio::io::stdin()
                .read_to_end(&mut all)
                .await
                .map_err(|e| {
                    Fail::new(
                        Exit::Failure,
                        format!("reading stdin: {}", io_error_text(&e)),
                    )
                })?;
            Bytes::from(all)
        } else if stdin_line {
            return Ok(Source::Lines);
        } else {
            Bytes::new()
        };
        if payload.len() > MAX_PAYLOAD {
            return Err(Fail::usage(format!(
                "the payload is {} bytes; one MQTT message carries at most {MAX_PAYLOAD}",
                payload.len()
            )));
        }
        Ok(Source::Payload(payload))
    }
}

fn read_file(path: &Path) -> Result<Bytes, Fail> {
    if path.is_dir() {
        return Err(Fail::usage(format!(
            "-f {}: is a directory, not a file",
            path.display()
        )));
    }
    std::fs::read(path)
        .map(Bytes::from)
        .map_err(|e| Fail::usage(format!("-f {}: {}", path.display(), io_error_text(&e))))
}
