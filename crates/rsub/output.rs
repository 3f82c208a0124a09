//! Writing received messages to stdout: the payload bytes unchanged (binary-safe), with the
//! topic first under `-v` (and MQTT 5 properties after the payload), and a newline unless `-N`.
//!
//! Output is buffered and flushed when no more messages are waiting, so a burst costs one
//! write instead of one per message, while a lone message still shows at once.

use std::io::{self, BufWriter, Stdout, Write};

use rpubsub_core::session::Message;

pub struct Output {
    out: BufWriter<Stdout>,
    verbose: bool,
    newline: bool,
}

impl Output {
    pub fn new(verbose: bool, newline: bool) -> Output {
        Output {
            out: BufWriter::with_capacity(64 * 1024, io::stdout()),
            verbose,
            newline,
        }
    }

    /// Write one message (`topic payload` with -v).
    pub fn message(&mut self, message: &Message) -> io::Result<()> {
        if self.verbose {
            self.out.write_all(&message.topic)?;
            self.out.write_all(b" ")?;
        }
        self.out.write_all(&message.payload)?;
        if self.verbose {
            write_properties(&mut self.out, message)?;
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

/// `-v`: the MQTT 5 properties a message carried, after the payload on the same line:
/// ` [content-type=text/plain, user-property=unit=C]`. Nothing when it carried none.
fn write_properties(out: &mut impl Write, message: &Message) -> io::Result<()> {
    match &message.properties {
        Some(properties) => write!(out, " [{properties}]"),
        None => Ok(()),
    }
}
