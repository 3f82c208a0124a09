// Added for rpub/rsub to rumqttc 0.25.1, which has no such file: crates/rumqttc/README.md
// lists it with the other changes. rpubsub: the whole file is ours.

//! The bytes waiting to go out on a connection, shared by both protocol versions' `Network`
//! (`framed.rs`, `v5/framed.rs`). Packets are encoded into one buffer, as tokio_util's
//! `Framed` kept them, so many small packets still go out in one write(2); but the payload of
//! a large PUBLISH is queued as the `Bytes` it already is, after its header, instead of being
//! copied into the buffer. A 100 MB payload is then in memory once while it goes out, not
//! twice, and the buffer does not stay 100 MB large afterwards. Everything goes out in the
//! order it was written, with vectored writes where the transport takes them and piece by
//! piece (64 KiB at most at a time) where it does not (the WebSocket adapter).

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::AsyncWrite;

/// A PUBLISH payload of this many bytes or more goes out from its own memory. Smaller ones are
/// copied after their header as before: copying 16 KiB costs less than the bookkeeping of a
/// piece of its own, and a packet this large already ended its batch (it is twice `Framed`'s
/// backpressure boundary, so the next packet waited for it to be written), so no batching
/// is lost. It is also the largest TLS record, so a TLS transport cuts the bytes there
/// anyway.
pub(crate) const LARGE_PAYLOAD: usize = 16 * 1024;

/// Once this much is encoded, it is written out before the next packet is encoded:
/// `Framed`'s backpressure boundary, so small packets batch exactly as they did.
const BACKPRESSURE_BOUNDARY: usize = 8 * 1024;

/// At most this many pieces per vectored write, as tokio_util's `poll_write_buf` does.
const MAX_SLICES: usize = 64;

/// A transport without vectored writes is given at most this much at a time. The WebSocket
/// adapter copies each write into a message of its own: this bounds that copy of a large
/// payload, and keeps the messages within what WebSocket servers take (Python's
/// `websockets`, amqtt's, refuses messages over 1 MiB). Batches of small packets are
/// smaller than this, so they still go out whole.
const UNVECTORED_WRITE: usize = 64 * 1024;

/// What waits to be written, in order: the pieces of `queue`, then `encoded`.
#[derive(Debug, Default)]
pub(crate) struct OutgoingBuffer {
    /// Pieces sealed when a large payload was queued: the packets encoded before it, ending
    /// with its header, then the payload itself; oldest first, the first perhaps part-written.
    queue: VecDeque<Bytes>,
    /// Packets encoded since the last large payload; the next packet is encoded here.
    encoded: BytesMut,
}

impl OutgoingBuffer {
    /// Adds a packet after everything written before it: `encode` writes it into the buffer
    /// it is given, all but a payload of the size given or more, which it returns to be
    /// queued as it is. What waits is sent to `io` first once there is enough of it, as
    /// `Framed::feed` did.
    pub(crate) async fn write<W, E>(
        &mut self,
        io: &mut W,
        encode: impl FnOnce(&mut BytesMut, usize) -> Result<Option<Bytes>, E>,
    ) -> Result<(), E>
    where
        W: AsyncWrite + Unpin + ?Sized,
        E: From<io::Error>,
    {
        if self.is_full() {
            self.flush(io).await?;
        }
        if let Some(payload) = encode(&mut self.encoded, LARGE_PAYLOAD)? {
            self.push_payload(payload);
        }
        Ok(())
    }

    /// Queues `payload` to go out right after the bytes encoded so far (its header last).
    fn push_payload(&mut self, payload: Bytes) {
        if !self.encoded.is_empty() {
            self.queue.push_back(self.encoded.split().freeze());
        }
        self.queue.push_back(payload);
    }

    /// Whether to write out what waits before encoding another packet. A queued payload is
    /// larger than the boundary, so a non-empty queue is enough to say so.
    fn is_full(&self) -> bool {
        !self.queue.is_empty() || self.encoded.len() >= BACKPRESSURE_BOUNDARY
    }

    /// Writes everything out to `io` and flushes it. What is not yet written when this is
    /// cancelled stays here, to go out first next time.
    pub(crate) async fn flush<W>(&mut self, io: &mut W) -> io::Result<()>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        poll_fn(|cx| {
            ready!(self.poll_write(cx, Pin::new(&mut *io)))?;
            Pin::new(&mut *io).poll_flush(cx)
        })
        .await
    }

    /// Writes until nothing waits, or `io` is not ready.
    fn poll_write<W>(&mut self, cx: &mut Context<'_>, mut io: Pin<&mut W>) -> Poll<io::Result<()>>
    where
        W: AsyncWrite + ?Sized,
    {
        while !self.queue.is_empty() || !self.encoded.is_empty() {
            let vectored = io.is_write_vectored();
            let written = if vectored && !self.queue.is_empty() {
                let mut slices = [IoSlice::new(&[]); MAX_SLICES];
                let count = self.slices(&mut slices);
                ready!(io.as_mut().poll_write_vectored(cx, &slices[..count]))?
            } else {
                let piece = self.queue.front().map_or(&self.encoded[..], |p| &p[..]);
                let piece = if vectored {
                    piece
                } else {
                    &piece[..piece.len().min(UNVECTORED_WRITE)]
                };
                ready!(io.as_mut().poll_write(cx, piece))?
            };
            if written == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "failed to write frame to transport",
                )));
            }
            self.advance(written);
        }
        Poll::Ready(Ok(()))
    }

    /// Fills `slices` with the pieces waiting, in order, as many as fit; returns how many.
    fn slices<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let pieces = self.queue.iter().map(|piece| &piece[..]);
        let pieces = pieces.chain(std::iter::once(&self.encoded[..]));
        let mut count = 0;
        for (slot, piece) in slices.iter_mut().zip(pieces.filter(|p| !p.is_empty())) {
            *slot = IoSlice::new(piece);
            count += 1;
        }
        count
    }

    /// Drops the first `written` bytes: whole pieces, then part of the next.
    fn advance(&mut self, mut written: usize) {
        while let Some(piece) = self.queue.front_mut() {
            if written < piece.len() {
                piece.advance(written);
                return;
            }
            written -= piece.len();
            self.queue.pop_front();
        }
        self.encoded.advance(written);
    }
}

// rpubsub: the tests of the changes marked in this file.
#[cfg(test)]
mod rpubsub_tests {
    use super::*;

    /// A transport that takes at most `limit` bytes per call and records each call's pieces.
    struct Recorder {
        vectored: bool,
        limit: usize,
        calls: Vec<Vec<(*const u8, usize)>>,
        bytes: Vec<u8>,
    }

    impl Recorder {
        fn new(vectored: bool, limit: usize) -> Self {
            Recorder {
                vectored,
                limit,
                calls: Vec::new(),
                bytes: Vec::new(),
            }
        }

        fn take(&mut self, slices: &[IoSlice<'_>]) -> usize {
            self.calls
                .push(slices.iter().map(|s| (s.as_ptr(), s.len())).collect());
            let mut room = self.limit;
            for slice in slices {
                let n = slice.len().min(room);
                self.bytes.extend_from_slice(&slice[..n]);
                room -= n;
            }
            self.limit - room
        }
    }

    impl AsyncWrite for Recorder {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(self.get_mut().take(&[IoSlice::new(buf)])))
        }

        fn poll_write_vectored(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            assert!(self.vectored, "a vectored write to a transport that has none");
            Poll::Ready(Ok(self.get_mut().take(bufs)))
        }

        fn is_write_vectored(&self) -> bool {
            self.vectored
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// small, a header and its payload, small again: what `Network::write` makes of three
    /// packets the middle one of which has a large payload.
    fn three_packets(buffer: &mut OutgoingBuffer, payload: &Bytes) -> Vec<u8> {
        buffer.encoded.extend_from_slice(b"one");
        buffer.encoded.extend_from_slice(b"head");
        buffer.push_payload(payload.clone());
        buffer.encoded.extend_from_slice(b"three");
        [&b"onehead"[..], payload, b"three"].concat()
    }

    #[tokio::test]
    async fn the_payload_goes_out_from_its_own_memory_in_order_in_one_vectored_write() {
        let payload = Bytes::from(vec![7; LARGE_PAYLOAD]);
        let mut buffer = OutgoingBuffer::default();
        let expected = three_packets(&mut buffer, &payload);
        assert!(buffer.is_full());
        let mut io = Recorder::new(true, usize::MAX);
        buffer.flush(&mut io).await.unwrap();
        assert_eq!(io.bytes, expected);
        assert_eq!(io.calls.len(), 1);
        assert_eq!(io.calls[0][1], (payload.as_ptr(), payload.len()));
        assert!(!buffer.is_full());
    }

    #[tokio::test]
    async fn short_writes_resume_where_they_stopped() {
        let payload = Bytes::from((0..=255).cycle().take(40_000).collect::<Vec<u8>>());
        for vectored in [true, false] {
            let mut buffer = OutgoingBuffer::default();
            let expected = three_packets(&mut buffer, &payload);
            let mut io = Recorder::new(vectored, 1000);
            buffer.flush(&mut io).await.unwrap();
            assert_eq!(io.bytes, expected, "vectored: {vectored}");
        }
    }

    #[tokio::test]
    async fn a_transport_without_vectored_writes_gets_piece_by_piece_64_kib_at_most() {
        let payload = Bytes::from(vec![1; 2 * UNVECTORED_WRITE + 1]);
        let mut buffer = OutgoingBuffer::default();
        let expected = three_packets(&mut buffer, &payload);
        let mut io = Recorder::new(false, usize::MAX);
        buffer.flush(&mut io).await.unwrap();
        assert_eq!(io.bytes, expected);
        let lengths: Vec<usize> = io.calls.iter().map(|c| c[0].1).collect();
        assert_eq!(lengths, [7, UNVECTORED_WRITE, UNVECTORED_WRITE, 1, 5]);
        assert_eq!(io.calls[1][0].0, payload.as_ptr());
    }

    #[tokio::test]
    async fn small_packets_wait_until_the_boundary() {
        let mut buffer = OutgoingBuffer::default();
        buffer.encoded.extend_from_slice(&[0; BACKPRESSURE_BOUNDARY - 1]);
        assert!(!buffer.is_full());
        buffer.encoded.extend_from_slice(&[0]);
        assert!(buffer.is_full());
        let mut io = Recorder::new(true, usize::MAX);
        buffer.flush(&mut io).await.unwrap();
        assert_eq!(io.calls.len(), 1);
        assert_eq!(io.bytes.len(), BACKPRESSURE_BOUNDARY);
    }
}
