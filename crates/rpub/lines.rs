//! The stdin line driver, for `-l` and `--stdin-json`: read lines as they arrive, hand each
//! to a [`Hook`] the moment it is complete, and meanwhile [`Watch`] for whatever else may
//! happen (acknowledgements, a lost connection, Ctrl+C). `-l`'s hook ([`EachLine`]) is
//! here; the replay's, with its timing, is in `replay.rs`.
//!
//! stdin may be a terminal or a pipe that stays quiet for hours, so reading never blocks
//! the rest: a line that is only half there when an event arrives is kept and completed by
//! the next read.

use std::ops::ControlFlow;

use bytes::Bytes;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use rpubsub_core::exit::Fail;

use crate::payload::reading_stdin;
use crate::plan::Publish;
use crate::publisher::Publisher;

/// The size of the stdin buffer: a burst of lines is read in a few system calls.
pub const BUFFER: usize = 64 * 1024;

/// What may happen while no line is complete.
pub trait Watch {
    /// Wait for it and deal with it; `Break` ends the reading (Ctrl+C, the session's end).
    async fn between(&mut self) -> Result<ControlFlow<()>, Fail>;
}

/// What to do with each line.
pub trait Hook<W> {
    /// Line `number` (from 1, empty lines counted) without its newline; `Break` ends the
    /// reading.
    async fn line(
        &mut self,
        watch: &mut W,
        number: u64,
        line: &[u8],
    ) -> Result<ControlFlow<()>, Fail>;
}

/// Read `input` to its end, or until the watch or the hook says to stop; returns how many
/// lines were read.
pub async fn drive<W: Watch>(
    mut input: impl AsyncBufRead + Unpin,
    watch: &mut W,
    hook: &mut impl Hook<W>,
) -> Result<u64, Fail> {
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        let n = tokio::select! {
            biased;
            flow = watch.between() => {
                if flow?.is_break() {
                    return Ok(number);
                }
                continue;
            }
            // read_until keeps a partial line in `line` if the other branch wins.
            read = input.read_until(b'\n', &mut line) => read.map_err(|e| reading_stdin(&e))?,
        };
        if n == 0 && line.is_empty() {
            return Ok(number);
        }
        number += 1;
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        let flow = hook.line(watch, number, &line).await?;
        line.clear();
        if n == 0 || flow.is_break() {
            return Ok(number);
        }
    }
}

impl Watch for Publisher {
    async fn between(&mut self) -> Result<ControlFlow<()>, Fail> {
        Publisher::between(self).await
    }
}

/// `-l`: each line that is not empty is a message, sent as soon as it is complete.
pub struct EachLine<'a>(pub &'a Publish);

impl Hook<Publisher> for EachLine<'_> {
    async fn line(
        &mut self,
        publisher: &mut Publisher,
        _number: u64,
        line: &[u8],
    ) -> Result<ControlFlow<()>, Fail> {
        if !line.is_empty() {
            let Publish {
                topic,
                qos,
                retain,
                properties,
            } = self.0;
            let payload = Bytes::copy_from_slice(line);
            publisher
                .publish(topic, payload, *qos, *retain, Some(properties))
                .await?;
        }
        Ok(ControlFlow::Continue(()))
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::io::{AsyncRead, ReadBuf};

    use super::*;

    /// A watch with `events` to deliver, one each time the reader has had a turn, then
    /// none; or one that stops the reading at its `stop_at`th call.
    #[derive(Default)]
    struct Quiet {
        calls: u32,
        events: u32,
        handled: u32,
        stop_at: Option<u32>,
    }

    impl Watch for Quiet {
        async fn between(&mut self) -> Result<ControlFlow<()>, Fail> {
            self.calls += 1;
            if self.stop_at.is_some_and(|n| self.calls >= n) {
                return Ok(ControlFlow::Break(()));
            }
            if self.events == 0 {
                std::future::pending::<()>().await;
            }
            tokio::task::yield_now().await;
            self.events -= 1;
            self.handled += 1;
            Ok(ControlFlow::Continue(()))
        }
    }

    /// Keeps what it is given; stops after `until` lines if asked to.
    #[derive(Default)]
    struct Keep {
        lines: Vec<(u64, Vec<u8>)>,
        until: Option<usize>,
    }

    impl Hook<Quiet> for Keep {
        async fn line(
            &mut self,
            _: &mut Quiet,
            number: u64,
            line: &[u8],
        ) -> Result<ControlFlow<()>, Fail> {
            self.lines.push((number, line.to_vec()));
            Ok(match self.until {
                Some(n) if self.lines.len() >= n => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            })
        }
    }

    fn run(
        input: impl AsyncBufRead + Unpin,
        watch: &mut Quiet,
        hook: &mut Keep,
    ) -> Result<u64, Fail> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(drive(input, watch, hook))
    }

    fn quiet() -> Quiet {
        Quiet::default()
    }

    #[test]
    fn every_line_in_order_without_its_newline_empty_ones_counted() {
        let mut hook = Keep::default();
        let read = run(&b"one\n\nthree\r\nlast"[..], &mut quiet(), &mut hook).unwrap();
        assert_eq!(read, 4);
        let expected: Vec<(u64, Vec<u8>)> = vec![
            (1, b"one".to_vec()),
            (2, b"".to_vec()),
            (3, b"three\r".to_vec()),
            (4, b"last".to_vec()),
        ];
        assert_eq!(hook.lines, expected);
    }

    #[test]
    fn nothing_in_nothing_out() {
        let mut hook = Keep::default();
        assert_eq!(run(&b""[..], &mut quiet(), &mut hook).unwrap(), 0);
        assert!(hook.lines.is_empty());
        assert_eq!(run(&b"\n"[..], &mut quiet(), &mut hook).unwrap(), 1);
        assert_eq!(hook.lines, [(1, Vec::new())]);
    }

    #[test]
    fn the_hook_can_end_the_reading() {
        let mut hook = Keep {
            until: Some(2),
            ..Keep::default()
        };
        assert_eq!(run(&b"a\nb\nc\n"[..], &mut quiet(), &mut hook).unwrap(), 2);
        assert_eq!(hook.lines.len(), 2);
    }

    #[test]
    fn the_watch_comes_first_and_can_end_the_reading() {
        let mut watch = Quiet {
            stop_at: Some(1),
            ..Quiet::default()
        };
        let mut hook = Keep::default();
        assert_eq!(run(&b"a\nb\n"[..], &mut watch, &mut hook).unwrap(), 0);
        assert!(hook.lines.is_empty());
    }

    /// Input that arrives in pieces, with the reader waiting in between.
    struct Trickle(Vec<&'static [u8]>);

    impl AsyncRead for Trickle {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            if self.0.is_empty() {
                return Poll::Ready(Ok(()));
            }
            let piece = self.0.remove(0);
            if piece.is_empty() {
                // Nothing yet: come back later.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            buf.put_slice(piece);
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn a_line_split_across_reads_is_one_line_events_or_not() {
        let mut hook = Keep::default();
        let pieces = vec![&b"hel"[..], b"", b"", b"lo\nwor", b"", b"ld\n"];
        let input = tokio::io::BufReader::new(Trickle(pieces));
        let mut watch = Quiet {
            events: 3,
            ..Quiet::default()
        };
        let read = run(input, &mut watch, &mut hook).unwrap();
        assert_eq!(watch.handled, 3);
        assert_eq!(read, 2);
        assert_eq!(hook.lines, [(1, b"hello".to_vec()), (2, b"world".to_vec())]);
    }

    #[test]
    fn a_read_error_is_one_line_exit_1() {
        struct Broken;
        impl AsyncRead for Broken {
            fn poll_read(
                self: Pin<&mut Self>,
                _: &mut Context<'_>,
                _: &mut ReadBuf<'_>,
            ) -> Poll<std::io::Result<()>> {
                Poll::Ready(Err(std::io::Error::from_raw_os_error(5)))
            }
        }
        let input = tokio::io::BufReader::new(Broken);
        let fail = run(input, &mut quiet(), &mut Keep::default()).unwrap_err();
        assert_eq!(fail.exit, rpubsub_core::exit::Exit::Failure);
        assert_eq!(fail.message, "reading stdin: Input/output error");
    }
}
