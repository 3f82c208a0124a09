//! Writing received messages to stdout, in one of three styles: plain (the payload bytes
//! unchanged, binary-safe, with the topic first under `-v` and MQTT 5 properties after the
//! payload, an optional receive timestamp and a newline unless `-N`), a `-F` format
//! (format.rs), or `--json` lines (the schema in `rpubsub_core::message_json`).
//!
//! Output is buffered and flushed when no more messages are waiting, so a burst costs one
//! write instead of one per message, while a lone message still shows at once.

use std::io::{self, BufWriter, Stdout, Write};
use std::time::SystemTime;

use chrono::{DateTime, Local};

use rpubsub_core::message_json;
use rpubsub_core::session::Message;

use crate::format::Format;

/// How each message is written.
pub enum Style {
    /// The payload, with `-v` the topic first.
    Plain {
        verbose: bool,
        /// `--timestamp`: a chrono strftime format for the receive time before each line.
        timestamp: Option<String>,
        /// Colour the topic (and timestamp): only for a terminal, see main.rs.
        color: bool,
    },
    /// `-F`.
    Format(Format),
    /// `--json`, `--pretty`.
    Json { pretty: bool },
}

const TOPIC_COLOR: &[u8] = b"\x1b[1;36m";
const TIME_COLOR: &[u8] = b"\x1b[2m";
const RESET: &[u8] = b"\x1b[0m";

pub struct Output {
    out: BufWriter<Stdout>,
    style: Style,
    newline: bool,
    /// `--pretty` also applies to `%j`/`%J` in `-F`.
    pretty: bool,
    scratch: Vec<u8>,
}

impl Output {
    pub fn new(style: Style, newline: bool, pretty: bool) -> Output {
        Output {
            out: BufWriter::with_capacity(64 * 1024, io::stdout()),
            style,
            newline,
            pretty,
            scratch: Vec::new(),
        }
    }

    /// Does writing a message need its receive time? (A clock read per message otherwise
    /// saved.)
    pub fn needs_time(&self) -> bool {
        match &self.style {
            Style::Plain { timestamp, .. } => timestamp.is_some(),
            Style::Format(f) => f.uses_time(),
            Style::Json { .. } => true,
        }
    }

    /// Write one message.
    pub fn message(&mut self, message: &Message, received: SystemTime) -> io::Result<()> {
        match &self.style {
            Style::Plain {
                verbose,
                timestamp,
                color,
            } => {
                if let Some(format) = timestamp {
                    let at = DateTime::<Local>::from(received);
                    if *color {
                        self.out.write_all(TIME_COLOR)?;
                    }
                    write!(self.out, "{} ", at.format(format))?;
                    if *color {
                        self.out.write_all(RESET)?;
                    }
                }
                if *verbose {
                    if *color {
                        self.out.write_all(TOPIC_COLOR)?;
                        self.out.write_all(&message.topic)?;
                        self.out.write_all(RESET)?;
                    } else {
                        self.out.write_all(&message.topic)?;
                    }
                    self.out.write_all(b" ")?;
                }
                self.out.write_all(&message.payload)?;
                if *verbose {
                    write_properties(&mut self.out, message)?;
                }
            }
            Style::Format(format) => {
                format.render(&mut self.out, message, received, self.pretty)?;
            }
            Style::Json { pretty } => {
                self.scratch.clear();
                message_json::write(&mut self.scratch, message, received, *pretty);
                // The JSON line ends in its own newline, -N or not.
                return self.out.write_all(&self.scratch);
            }
        }
        if self.newline {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
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
