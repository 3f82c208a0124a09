//! The stdin line driver, for `-l` and `--stdin-json`: read lines as they arrive, hand each
//! to a [`Hook`] the moment it is complete, and meanwhile deal with whatever else happens
//! (acknowledgements, a lost connection, Ctrl+C). `-l`'s hook ([`EachLine`]) is here; the
//! replay's, with its timing, is in `replay.rs`.
//!
//! stdin may be a terminal or a pipe that stays quiet for hours, so reading never blocks
//! the rest: a line that is only half there when an event arrives is kept and completed by
//! the next read ([`Lines`], on its own so that it can be tested without a broker).
//!
//! A line is read only up to what one message can take (`-l`: a payload; `--stdin-json`: a
//! packet): a longer one is bad input, and the reading stops there with exit 2, what came
//! before it sent (`rpub -l < /dev/zero` ends instead of filling memory).
//!
//! This is a hot loop (`-l` over a large file): a line costs one read, one publish and no
//! layer of futures more than these need.

use std::io;
use std::ops::ControlFlow;

use bytes::Bytes;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

use rpubsub_core::exit::Fail;

use crate::payload::{reading_stdin, MAX_PAYLOAD};
use crate::plan::Publish;
use crate::publisher::{unless_stopped, Publisher};

/// The size of the stdin buffer: a burst of lines is read in a few system calls.
pub const BUFFER: usize = 64 * 1024;

/// What to do with each line.
pub trait Hook {
    /// The longest line it can take, without its newline.
    fn limit(&self) -> usize;

    /// Line `number` (from 1, empty lines counted) without its newline; `Break` ends the
    /// reading.
    async fn line(
        &mut self,
        publisher: &mut Publisher,
        number: u64,
        line: Text<'_>,
    ) -> Result<ControlFlow<()>, Fail>;
}

/// From this size on, a line given away as a payload takes the read buffer with it rather
/// than a copy: a line of hundreds of megabytes is then in memory once, not twice (then
/// once more, briefly, as rumqttc encodes the PUBLISH). Shorter lines are copied, so that
/// the buffer's room serves the next line (the hot loop).
const TAKE_WHOLE: usize = 64 * 1024;

/// The text of a complete line, without its newline: to read, or to take as a payload.
pub struct Text<'a> {
    buffer: &'a mut Vec<u8>,
    len: usize,
}

impl Text<'_> {
    pub fn bytes(&self) -> &[u8] {
        &self.buffer[..self.len]
    }

    /// The line as a payload, the buffer itself for a long one.
    pub fn into_payload(self) -> Bytes {
        if self.len < TAKE_WHOLE {
            return Bytes::copy_from_slice(self.bytes());
        }
        let mut whole = std::mem::take(self.buffer);
        whole.truncate(self.len);
        // Without the room grown for reading: given back to the allocator, not copied.
        whole.shrink_to_fit();
        Bytes::from(whole)
    }
}

/// Read `input` to its end, or until Ctrl+C, the end of the session or the hook says to
/// stop; returns how many lines were read.
pub async fn drive(
    input: impl AsyncBufRead + Unpin,
    publisher: &mut Publisher,
    hook: &mut impl Hook,
) -> Result<u64, Fail> {
    let mut lines = Lines::new(input, hook.limit());
    loop {
        let Publisher {
            session,
            tracker,
            stop,
            ..
        } = &mut *publisher;
        let read = tokio::select! {
            biased;
            _ = stop.wait() => return Ok(lines.count()),
            event = session.next_event() => match event {
                Some(event) => {
                    tracker.handle(event)?;
                    continue;
                }
                None => return Ok(lines.count()),
            },
            read = lines.read() => read.map_err(|e| reading_stdin(&e))?,
        };
        if lines.too_long() {
            return Err(Fail::usage(format!(
                "stdin line {}: longer than {} bytes, the most one message can take; nothing after it was read",
                lines.count() + 1,
                lines.limit
            )));
        }
        let Some(line) = lines.line(read) else {
            return Ok(lines.count());
        };
        let last = line.last;
        if hook
            .line(publisher, line.number, line.text)
            .await?
            .is_break()
            || last
        {
            return Ok(lines.count());
        }
    }
}

/// `-l`: each line that is not empty is a message, sent as soon as it is complete.
pub struct EachLine<'a>(pub &'a Publish);

impl Hook for EachLine<'_> {
    fn limit(&self) -> usize {
        MAX_PAYLOAD
    }

    async fn line(
        &mut self,
        publisher: &mut Publisher,
        _number: u64,
        line: Text<'_>,
    ) -> Result<ControlFlow<()>, Fail> {
        if line.len > 0 {
            let Publish {
                topic,
                qos,
                retain,
                properties,
            } = self.0;
            let payload = publisher.outgoing(topic, line.into_payload())?;
            let len = payload.len();
            // Not `Publisher::publish`: one layer of futures less per line.
            let publish =
                publisher
                    .session
                    .publish_with(topic, payload, *qos, *retain, Some(properties));
            let Some(taken) = unless_stopped(&mut publisher.stop, publish).await else {
                return Ok(ControlFlow::Break(()));
            };
            publisher.took(taken, topic, *qos, len)?;
        }
        Ok(ControlFlow::Continue(()))
    }
}

/// Input read as lines, a read at a time, none longer than `limit`.
pub struct Lines<R> {
    input: R,
    /// The longest line, without its newline: reading stops one byte past it.
    pub limit: usize,
    /// The line being read; what a cut-short read got of it stays here.
    buffer: Vec<u8>,
    /// Lines handed out so far.
    count: u64,
    /// The buffer holds a line handed out: clear it before reading on.
    handed_out: bool,
}

/// A complete line.
pub struct Line<'a> {
    /// From 1.
    pub number: u64,
    /// Without its newline.
    pub text: Text<'a>,
    /// Known to be the last: the input ended while it was read (a line without a newline
    /// at the end is usually known only by the next read finding nothing).
    pub last: bool,
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    pub fn new(input: R, limit: usize) -> Self {
        Lines {
            input,
            limit,
            buffer: Vec::new(),
            count: 0,
            handed_out: false,
        }
    }

    /// Read on, up to and including the next newline; the number of bytes read. It may be
    /// cut short (dropped) at any time: what it read of a line is kept for the next one.
    pub async fn read(&mut self) -> io::Result<usize> {
        if self.handed_out {
            self.buffer.clear();
            self.handed_out = false;
        }
        // Room for the line, its newline and one byte more, which tells a line too long.
        let room = (self.limit + 2).saturating_sub(self.buffer.len());
        let mut input = (&mut self.input).take(room as u64);
        input.read_until(b'\n', &mut self.buffer).await
    }

    /// The line being read is over the limit: it cannot be taken.
    pub fn too_long(&self) -> bool {
        let text = self.buffer.strip_suffix(b"\n").unwrap_or(&self.buffer);
        text.len() > self.limit
    }

    /// The line a read of `read` bytes completed; `None` at the end of input.
    pub fn line(&mut self, read: usize) -> Option<Line<'_>> {
        if read == 0 && self.buffer.is_empty() {
            return None;
        }
        self.count += 1;
        self.handed_out = true;
        let len = self.buffer.len() - usize::from(self.buffer.ends_with(b"\n"));
        Some(Line {
            number: self.count,
            text: Text {
                buffer: &mut self.buffer,
                len,
            },
            last: read == 0,
        })
    }

    /// How many lines were handed out.
    pub fn count(&self) -> u64 {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::io::{AsyncRead, ReadBuf};

    use super::*;

    /// Every line of `input` as the driver sees it, each read raced against `events` other
    /// happenings that cut it short, the way an acknowledgement does.
    fn all(
        input: impl AsyncBufRead + Unpin,
        mut events: u32,
    ) -> io::Result<Vec<(u64, Vec<u8>, bool)>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut lines = Lines::new(input, 100);
            let mut seen = Vec::new();
            loop {
                let read = tokio::select! {
                    biased;
                    _ = tokio::task::yield_now(), if events > 0 => {
                        events -= 1;
                        continue;
                    }
                    read = lines.read() => read?,
                };
                match lines.line(read) {
                    Some(line) => seen.push((line.number, line.text.bytes().to_vec(), line.last)),
                    None => break,
                }
                if seen.last().is_some_and(|(_, _, last)| *last) {
                    break;
                }
            }
            assert_eq!(lines.count(), seen.len() as u64);
            Ok(seen)
        })
    }

    fn line(number: u64, text: &[u8], last: bool) -> (u64, Vec<u8>, bool) {
        (number, text.to_vec(), last)
    }

    #[test]
    fn every_line_in_order_without_its_newline_empty_ones_counted() {
        let lines = all(&b"one\n\nthree\r\nlast"[..], 0).unwrap();
        let expected = [
            line(1, b"one", false),
            line(2, b"", false),
            line(3, b"three\r", false),
            line(4, b"last", false),
        ];
        assert_eq!(lines, expected);
    }

    #[test]
    fn nothing_in_nothing_out() {
        assert_eq!(all(&b""[..], 0).unwrap(), []);
        assert_eq!(all(&b"\n"[..], 0).unwrap(), [line(1, b"", false)]);
        assert_eq!(all(&b"a\n"[..], 0).unwrap(), [line(1, b"a", false)]);
    }

    /// Input that arrives in pieces: an empty piece is a wait for more.
    struct Trickle(Vec<&'static [u8]>);

    impl AsyncRead for Trickle {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            if self.0.is_empty() {
                return Poll::Ready(Ok(()));
            }
            let piece = self.0.remove(0);
            if piece.is_empty() {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            buf.put_slice(piece);
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn a_line_cut_short_by_events_is_completed_by_the_next_read() {
        for events in [0, 1, 3, 10] {
            let pieces = vec![&b"hel"[..], b"", b"", b"lo\nwor", b"", b"ld\n", b"!"];
            let input = tokio::io::BufReader::new(Trickle(pieces));
            let expected = [
                line(1, b"hello", false),
                line(2, b"world", false),
                line(3, b"!", false),
            ];
            assert_eq!(all(input, events).unwrap(), expected, "{events} events");
        }
    }

    #[test]
    fn the_end_found_by_a_read_cut_short_ends_the_reading_at_once() {
        let input = tokio::io::BufReader::new(Trickle(vec![&b"tail"[..], b""]));
        assert_eq!(all(input, 1).unwrap(), [line(1, b"tail", true)]);
    }

    #[test]
    fn a_read_error_is_said_as_reading_stdin() {
        struct Broken;
        impl AsyncRead for Broken {
            fn poll_read(
                self: Pin<&mut Self>,
                _: &mut Context<'_>,
                _: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                Poll::Ready(Err(io::Error::from_raw_os_error(5)))
            }
        }
        let err = all(tokio::io::BufReader::new(Broken), 0).unwrap_err();
        let fail = reading_stdin(&err);
        assert_eq!(fail.exit, rpubsub_core::exit::Exit::Failure);
        assert_eq!(fail.message, "reading stdin: Input/output error");
    }
}
