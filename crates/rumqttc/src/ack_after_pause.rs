// Added for rpub/rsub to rumqttc 0.25.1, which has no such file: crates/rumqttc/README.md
// lists it with the other changes. rpubsub: the whole file is ours.

//! A TCP connection that acknowledges what it received as soon as the data pauses.
//!
//! Mosquitto leaves Nagle's algorithm on: while a packet it sent is unacknowledged, it holds
//! the next small ones back. Linux delays the acknowledgement of data received on a
//! connection that sends little, up to 40 ms, hoping to put it on an answer. Together, when
//! the broker sends a burst (the retained messages at a SUBSCRIBE), its last packets waited
//! about 40 ms for an acknowledgement that a subscriber reading everything at once had no
//! reason to send. Once the reads have been pending for [`PAUSE`] after data came, this asks
//! the kernel to acknowledge at once (`TCP_QUICKACK`). While data keeps coming the delay
//! stays as it is: acknowledging every read makes the broker send each message in a segment
//! of its own, and a streaming subscriber then wakes up for each.
//!
//! The kernel delays acknowledgements only on a connection that answers what it receives:
//! one that sent its SUBSCRIBE with CONNECT and since only receives would acknowledge each
//! segment at once. So the first data read (CONNACK, or TLS's first answer) turns the delay
//! on, as sending the SUBSCRIBE after CONNACK did.

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

/// How long the data may pause before what came is acknowledged at once: far below the
/// kernel's 40 ms, far above the gaps between the reads of a stream of messages.
pub(crate) const PAUSE: Duration = Duration::from_millis(2);

/// A stream that can be asked to acknowledge at once what it received.
pub(crate) trait AcknowledgeNow {
    fn acknowledge_now(&self);
    /// Have the kernel delay acknowledgements from now on, as it does on a connection that
    /// answers what it receives.
    fn delay_acknowledgements(&self);
}

pub(crate) struct AckAfterPause<S = TcpStream> {
    stream: S,
    /// Data was read since the last acknowledgement asked for.
    unacknowledged: bool,
    /// Data was read at all: the first read (CONNACK, or TLS's first answer) came.
    answered: bool,
    /// Runs out [`PAUSE`] after the first pending read that followed data.
    timer: Pin<Box<Sleep>>,
    armed: bool,
}

#[cfg(test)]
thread_local! {
    /// How many connections this thread wrapped: the event loops' tests count them.
    pub(crate) static WRAPPED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// For the event loops' tests: `connect(port)`, to a listener on 127.0.0.1, wraps the one
/// connection it makes.
#[cfg(test)]
pub(crate) async fn assert_wraps<F, T, E>(connect: impl FnOnce(u16) -> F)
where
    F: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Debug,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let before = WRAPPED.with(|n| n.get());
    let _connection = connect(listener.local_addr().unwrap().port())
        .await
        .unwrap();
    assert_eq!(WRAPPED.with(|n| n.get()), before + 1);
}

impl<S> AckAfterPause<S> {
    pub(crate) fn new(stream: S) -> Self {
        #[cfg(test)]
        WRAPPED.with(|n| n.set(n.get() + 1));
        Self {
            stream,
            unacknowledged: false,
            answered: false,
            // Not in the timer wheel until it is first polled.
            timer: Box::pin(tokio::time::sleep(PAUSE)),
            armed: false,
        }
    }
}

impl<S: AsyncRead + AcknowledgeNow + Unpin> AsyncRead for AckAfterPause<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        match &read {
            Poll::Ready(Ok(())) if buf.filled().len() > before => {
                this.unacknowledged = true;
                this.armed = false;
                if !this.answered {
                    this.answered = true;
                    this.stream.delay_acknowledgements();
                }
            }
            Poll::Pending if this.unacknowledged => {
                if !this.armed {
                    this.timer.as_mut().reset(Instant::now() + PAUSE);
                    this.armed = true;
                }
                if this.timer.as_mut().poll(cx).is_ready() {
                    this.stream.acknowledge_now();
                    this.unacknowledged = false;
                    this.armed = false;
                }
            }
            _ => {}
        }
        read
    }
}

/// Send the acknowledgement the kernel is holding back, and leave its mode as it was.
/// Turning quick acknowledgements on sends the one pending. Where the kernel was delaying
/// them (it does once we have sent something lately), they are turned off again: left on,
/// every segment after this pause would be acknowledged at once, with the cost above. Where
/// it was not (a bulk transfer), turning them off would start delaying them and slow it.
/// At worst (an error) the kernel's own delayed acknowledgement still comes.
impl AcknowledgeNow for TcpStream {
    fn acknowledge_now(&self) {
        let delaying = self.quickack().map(|quick| !quick).unwrap_or(false);
        let _ = self.set_quickack(true);
        if delaying {
            let _ = self.set_quickack(false);
        }
    }

    fn delay_acknowledgements(&self) {
        let _ = self.set_quickack(false);
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for AckAfterPause<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

// rpubsub: the tests of the file.
#[cfg(test)]
mod rpubsub_tests {
    use std::cell::Cell;
    use std::collections::VecDeque;
    use std::future::poll_fn;
    use std::rc::Rc;

    use super::*;

    /// A stream that hands out the reads it was given (`Some` data, `None` nothing yet), and
    /// counts how often it was asked to acknowledge.
    #[derive(Default)]
    struct Script {
        reads: VecDeque<Option<&'static [u8]>>,
        acknowledged: Rc<Cell<u32>>,
    }

    impl AsyncRead for Script {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            match self.reads.pop_front() {
                Some(Some(data)) => {
                    buf.put_slice(data);
                    Poll::Ready(Ok(()))
                }
                _ => Poll::Pending,
            }
        }
    }

    impl AcknowledgeNow for Script {
        fn acknowledge_now(&self) {
            self.acknowledged.set(self.acknowledged.get() + 1);
        }

        fn delay_acknowledgements(&self) {}
    }

    /// Poll one read of `stream`: whether it returned data.
    async fn read_once(stream: &mut AckAfterPause<Script>) -> bool {
        poll_fn(|cx| {
            let mut space = [0; 16];
            let mut buf = ReadBuf::new(&mut space);
            let got = Pin::new(&mut *stream).poll_read(cx, &mut buf);
            Poll::Ready(matches!(got, Poll::Ready(Ok(()))) && !buf.filled().is_empty())
        })
        .await
    }

    fn stream(reads: &[Option<&'static [u8]>]) -> (AckAfterPause<Script>, Rc<Cell<u32>>) {
        let script = Script {
            reads: reads.iter().copied().collect(),
            ..Script::default()
        };
        let acknowledged = script.acknowledged.clone();
        (AckAfterPause::new(script), acknowledged)
    }

    /// Data, then reads pending for longer than the pause: one acknowledgement, and no more
    /// while nothing new comes.
    #[tokio::test(start_paused = true)]
    async fn a_pause_after_data_is_acknowledged_once() {
        let (mut s, acknowledged) = stream(&[Some(b"abc"), None, None, None]);
        assert!(read_once(&mut s).await);
        assert!(!read_once(&mut s).await);
        assert_eq!(acknowledged.get(), 0);
        tokio::time::advance(PAUSE).await;
        assert!(!read_once(&mut s).await);
        assert_eq!(acknowledged.get(), 1);
        tokio::time::advance(PAUSE * 10).await;
        assert!(!read_once(&mut s).await);
        assert_eq!(acknowledged.get(), 1);
    }

    /// Data that keeps coming within the pause is left to the kernel's own timing.
    #[tokio::test(start_paused = true)]
    async fn data_that_keeps_coming_is_not_acknowledged_early() {
        let reads = [
            Some(&b"a"[..]),
            None,
            Some(b"b"),
            None,
            Some(b"c"),
            None,
            None,
        ];
        let (mut s, acknowledged) = stream(&reads);
        for _ in 0..3 {
            assert!(read_once(&mut s).await);
            assert!(!read_once(&mut s).await);
            tokio::time::advance(PAUSE / 2).await;
        }
        assert_eq!(acknowledged.get(), 0);
    }

    /// Before any data there is nothing to acknowledge.
    #[tokio::test(start_paused = true)]
    async fn no_data_no_acknowledgement() {
        let (mut s, acknowledged) = stream(&[None, None]);
        assert!(!read_once(&mut s).await);
        tokio::time::advance(PAUSE * 2).await;
        assert!(!read_once(&mut s).await);
        assert_eq!(acknowledged.get(), 0);
    }

    /// On a real connection, acknowledging leaves the kernel's mode as it found it: delaying
    /// stays delaying, quick stays quick.
    #[tokio::test]
    async fn acknowledging_keeps_the_kernels_mode() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let client = TcpStream::connect(address).await.unwrap();
        let _server = listener.accept().await.unwrap();
        for quick in [false, true] {
            client.set_quickack(quick).unwrap();
            client.acknowledge_now();
            assert_eq!(client.quickack().unwrap(), quick);
        }
    }

    /// On a real connection that has only received (its requests went with CONNECT), the
    /// first data read puts the kernel in the delaying mode an answering connection is in;
    /// without it every segment was acknowledged at once, and a streaming subscriber woke up
    /// for each of the broker's messages.
    #[tokio::test]
    async fn the_first_data_read_turns_delayed_acknowledgements_on() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let client = TcpStream::connect(address).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.set_quickack(true).unwrap();
        let mut client = AckAfterPause::new(client);
        server.write_all(b"connack").await.unwrap();
        let mut buf = [0; 16];
        assert!(client.read(&mut buf).await.unwrap() > 0);
        assert!(!client.stream.quickack().unwrap(), "still acknowledging at once");
    }
}
