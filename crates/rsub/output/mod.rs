//! Writing received messages to stdout, in one of four styles: plain (`plain.rs`: the
//! payload, `-v`, `--timestamp`, colour), a `-F` format (`format.rs`, with mosquitto's
//! `%j`/`%J` objects in `mosquitto_json.rs`), `--json` lines (the lossless schema in
//! `rpubsub_core::message_json`), or `--tree` (`tree.rs`: nothing per message, the topic
//! tree once at the end). A newline follows each message unless `-N`; a JSON line ends in
//! its own.
//!
//! Output is buffered and flushed when no more messages are waiting (subscriber.rs), so a
//! burst costs one write instead of one per message, while a lone message still shows at once.
//! The buffer writes to descriptor 1 itself (`stdout.rs`), not through std's line buffering.

pub mod format;
pub mod mosquitto_json;
pub mod plain;
pub mod stdout;
pub mod tree;

use std::io::{self, BufWriter, Write};
use std::time::SystemTime;

use rpubsub_core::message_json;
use rpubsub_core::session::Message;

use self::format::Format;
use self::plain::Plain;
use self::stdout::Stdout;
use self::tree::{Tree, TreeStyle};

/// How each message is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Style {
    /// The payload; with `-v` the topic first.
    Plain(Plain),
    /// `-F`; `pretty` (`--pretty`) indents its `%j`/`%J`.
    Format { format: Format, pretty: bool },
    /// `--json`, `--pretty`.
    Json { pretty: bool },
    /// `--tree`: the topics seen, printed at the end.
    Tree(TreeStyle),
}

/// The buffered writer of received messages.
pub struct Output<W: Write = Stdout> {
    out: BufWriter<W>,
    style: Style,
    /// Not `-N`.
    newline: bool,
    /// The style shows the receive time (decided once: asked for every message).
    needs_time: bool,
    /// `--tree`: what it has seen so far.
    tree: Tree,
}

impl Output {
    /// Messages to stdout.
    pub fn stdout(style: Style, newline: bool) -> Output {
        Output::new(Stdout::new(), style, newline)
    }
}

impl<W: Write> Output<W> {
    pub fn new(writer: W, style: Style, newline: bool) -> Output<W> {
        let needs_time = match &style {
            Style::Plain(plain) => plain.timestamp.is_some(),
            Style::Format { format, .. } => format.uses_time(),
            Style::Json { .. } => true,
            Style::Tree(_) => false,
        };
        Output {
            out: BufWriter::with_capacity(64 * 1024, writer),
            style,
            newline,
            needs_time,
            tree: Tree::default(),
        }
    }

    /// Does writing a message need its receive time? (A clock read per message otherwise
    /// saved.)
    pub fn needs_time(&self) -> bool {
        self.needs_time
    }

    /// Write one message.
    pub fn message(&mut self, message: &Message, received: SystemTime) -> io::Result<()> {
        match &self.style {
            Style::Plain(plain) => plain.write(&mut self.out, message, received)?,
            Style::Format { format, pretty } => {
                format.render(&mut self.out, message, received, *pretty)?
            }
            // The JSON line ends in its own newline, -N or not.
            Style::Json { pretty } => {
                return message_json::write(&mut self.out, message, received, *pretty)
            }
            Style::Tree(_) => {
                self.tree.record(message);
                return Ok(());
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

    /// The run is over: write what is only written at the end (the tree), and flush.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Style::Tree(style) = self.style {
            self.tree.write(&mut self.out, style)?;
        }
        self.flush()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bytes::Bytes;
    use rpubsub_core::properties::PublishProperties;
    use std::time::{Duration, UNIX_EPOCH};

    /// A QoS 1 message on `sensors/t`; with `properties`, an MQTT 5 content type.
    pub fn message(payload: &[u8], properties: bool) -> Message {
        Message {
            topic: Bytes::from_static(b"sensors/t"),
            payload: Bytes::copy_from_slice(payload),
            qos: rpubsub_core::qos::Qos::AtLeastOnce,
            retain: false,
            dup: false,
            pkid: 7,
            properties: properties.then(|| {
                Box::new(PublishProperties {
                    content_type: Some("text/plain".into()),
                    ..Default::default()
                })
            }),
        }
    }

    fn written(style: Style, newline: bool, messages: &[Message]) -> String {
        let mut output = Output::new(Vec::new(), style, newline);
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for m in messages {
            output.message(m, at).unwrap();
        }
        output.flush().unwrap();
        String::from_utf8(output.out.into_inner().unwrap()).unwrap()
    }

    fn plain() -> Style {
        Style::Plain(Plain {
            verbose: false,
            timestamp: None,
            color: false,
        })
    }

    #[test]
    fn a_newline_after_each_message_unless_no_newline() {
        let two = [message(b"a", false), message(b"b", false)];
        assert_eq!(written(plain(), true, &two), "a\nb\n");
        assert_eq!(written(plain(), false, &two), "ab");
        let format = Style::Format {
            format: Format::parse("%t=%p").unwrap(),
            pretty: false,
        };
        assert_eq!(written(format, true, &two), "sensors/t=a\nsensors/t=b\n");
    }

    #[test]
    fn json_lines_end_in_their_own_newline() {
        let one = [message(b"hi", false)];
        let json = Style::Json { pretty: false };
        let line = written(json.clone(), false, &one);
        assert_eq!(line, written(json, true, &one));
        assert!(
            line.ends_with("}\n") && line.matches('\n').count() == 1,
            "{line}"
        );
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["topic"], "sensors/t");
        assert_eq!(value["payload"], "hi");
        let pretty = written(Style::Json { pretty: true }, false, &one);
        assert!(pretty.matches('\n').count() > 1, "{pretty}");
    }

    #[test]
    fn pretty_indents_the_mosquitto_objects_of_a_format() {
        let one = [message(b"hi", false)];
        let style = |pretty| Style::Format {
            format: Format::parse("%j").unwrap(),
            pretty,
        };
        assert!(!written(style(false), false, &one).contains('\t'));
        assert!(written(style(true), false, &one).contains("\n\t\"topic\":\t\"sensors/t\""));
    }

    #[test]
    fn only_styles_that_show_the_time_read_the_clock() {
        let needs = |style| Output::new(Vec::new(), style, true).needs_time();
        assert!(!needs(plain()));
        assert!(needs(Style::Plain(Plain {
            verbose: false,
            timestamp: Some("%H".into()),
            color: false,
        })));
        assert!(needs(Style::Json { pretty: false }));
        let format = |f| Style::Format {
            format: Format::parse(f).unwrap(),
            pretty: false,
        };
        assert!(!needs(format("%t %p")));
        assert!(needs(format("@H %p")));
    }
}
