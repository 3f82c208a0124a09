// Changed for rpub/rsub from rumqttc 0.25.1: each change is marked `rpubsub:`, and
// crates/rumqttc/README.md lists them all.

use futures_util::{FutureExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
// rpubsub: packets are read through `FramedRead` and written through an `OutgoingBuffer`,
// which sends a large payload from its own memory instead of a copy in `Framed`'s buffer.
use tokio_util::codec::FramedRead;

use crate::mqttbytes::{self, v4::*};
use crate::outgoing_buffer::OutgoingBuffer;
use crate::{Incoming, MqttState, StateError};

// rpubsub: a bound in bytes on what one `readb` queues.
/// One `readb` stops taking packets already read once their payloads add up to this: it took
/// ten whatever their size, and ten 1 MiB messages queued at once held 10 MiB (the byte bound
/// of the tool's own queue, behind this one, could not help).
pub(crate) const READB_PAYLOAD: usize = 64 * 1024;

/// Network transforms packets <-> frames efficiently. It takes
/// advantage of pre-allocation, buffering and vectorization when
/// appropriate to achieve performance
pub struct Network {
    /// Frame MQTT packets from network connection
    /// rpubsub: read only; writes go to the socket inside from `outgoing`.
    framed: FramedRead<Box<dyn AsyncReadWrite>, Codec>,
    /// rpubsub: the packets written and not yet sent.
    outgoing: OutgoingBuffer,
    /// Maximum readv count
    max_readb_count: usize,
}

impl Network {
    pub fn new(
        socket: impl AsyncReadWrite + 'static,
        max_incoming_size: usize,
        max_outgoing_size: usize,
    ) -> Network {
        let socket = Box::new(socket) as Box<dyn AsyncReadWrite>;
        let codec = Codec {
            max_incoming_size,
            max_outgoing_size,
        };
        // rpubsub: read only (see `framed`).
        let framed = FramedRead::new(socket, codec);

        Network {
            framed,
            outgoing: OutgoingBuffer::default(),
            max_readb_count: 10,
        }
    }

    /// Reads and returns a single packet from network
    pub async fn read(&mut self) -> Result<Incoming, StateError> {
        match self.framed.next().await {
            Some(Ok(packet)) => Ok(packet),
            Some(Err(mqttbytes::Error::InsufficientBytes(_))) => unreachable!(),
            Some(Err(e)) => Err(StateError::Deserialization(e)),
            None => Err(StateError::ConnectionAborted),
        }
    }

    /// Read packets in bulk. This allow replies to be in bulk. This method is used
    /// after the connection is established to read a bunch of incoming packets
    pub async fn readb(&mut self, state: &mut MqttState) -> Result<(), StateError> {
        // wait for the first read
        let mut res = self.framed.next().await;
        let mut count = 1;
        // rpubsub: the payload bytes this call queued (see `READB_PAYLOAD`).
        let mut payload = 0;
        loop {
            match res {
                Some(Ok(packet)) => {
                    // rpubsub: counted before the packet moves into the state.
                    if let Packet::Publish(publish) = &packet {
                        payload += publish.payload.len();
                    }
                    if let Some(outgoing) = state.handle_incoming_packet(packet)? {
                        self.write(outgoing).await?;
                    }

                    count += 1;
                    // rpubsub: or once the packets queued carry READB_PAYLOAD bytes.
                    if count >= self.max_readb_count || payload >= READB_PAYLOAD {
                        break;
                    }
                }
                Some(Err(mqttbytes::Error::InsufficientBytes(_))) => unreachable!(),
                Some(Err(e)) => return Err(StateError::Deserialization(e)),
                None => return Err(StateError::ConnectionAborted),
            }
            // do not wait for subsequent reads
            match self.framed.next().now_or_never() {
                Some(r) => res = r,
                _ => break,
            };
        }

        Ok(())
    }

    /// Serializes packet into write buffer
    /// rpubsub: all of it but a large PUBLISH payload, which is queued after its header as
    /// it is; what waits is sent first once there is enough of it, as `Framed::feed` did.
    pub async fn write(&mut self, packet: Packet) -> Result<(), StateError> {
        let max = self.framed.decoder().max_outgoing_size;
        let encode = |buffer: &mut _, large| packet.write_head(buffer, max, large);
        self.outgoing
            .write(self.framed.get_mut(), encode)
            .await
            .map_err(StateError::Deserialization)
    }

    pub async fn flush(&mut self) -> Result<(), crate::state::StateError> {
        // rpubsub: from the outgoing buffer, its failures told as `Framed`'s were.
        self.outgoing
            .flush(self.framed.get_mut())
            .await
            .map_err(|e| StateError::Deserialization(e.into()))
    }
}

pub trait AsyncReadWrite: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T> AsyncReadWrite for T where T: AsyncRead + AsyncWrite + Send + Unpin {}

// rpubsub: the tests of the changes marked in this file.
#[cfg(test)]
pub(crate) mod rpubsub_tests {
    use std::io::{self, IoSlice};
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};

    use bytes::{Bytes, BytesMut};
    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    use super::*;
    use crate::QoS;

    /// A transport that never has anything to read and keeps what is written to it, with
    /// where in memory each piece written came from (address and length).
    #[derive(Clone, Default)]
    pub(crate) struct Recorder {
        pub(crate) bytes: Arc<Mutex<Vec<u8>>>,
        pub(crate) pieces: Arc<Mutex<Vec<(usize, usize)>>>,
    }

    impl AsyncRead for Recorder {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Pending
        }
    }

    impl AsyncWrite for Recorder {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.poll_write_vectored(cx, &[IoSlice::new(buf)])
        }

        fn poll_write_vectored(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            let mut bytes = self.bytes.lock().unwrap();
            let mut pieces = self.pieces.lock().unwrap();
            for buf in bufs {
                bytes.extend_from_slice(buf);
                pieces.push((buf.as_ptr() as usize, buf.len()));
            }
            Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
        }

        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// A transport with `bytes` to read, all at once; what is written to it is dropped.
    pub(crate) struct Replay(pub(crate) Vec<u8>);

    impl AsyncRead for Replay {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            if self.0.is_empty() {
                return Poll::Pending;
            }
            let n = buf.remaining().min(self.0.len());
            buf.put_slice(&self.0[..n]);
            self.0.drain(..n);
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Replay {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// How many events one `readb` queues from ten QoS 0 PUBLISHes of `len` bytes each,
    /// all already read.
    async fn queued_by_one_readb(len: usize) -> usize {
        let mut stream = BytesMut::new();
        for _ in 0..10 {
            let publish = Publish::new("t", QoS::AtMostOnce, vec![b'p'; len]);
            Packet::Publish(publish)
                .write(&mut stream, usize::MAX)
                .unwrap();
        }
        let mut network = Network::new(Replay(stream.to_vec()), 1 << 20, 1 << 20);
        let mut state = MqttState::new(10, false);
        network.readb(&mut state).await.unwrap();
        state.events.len()
    }

    /// One `readb` stops queueing once the payloads add up to `READB_PAYLOAD`: of ten 100 KiB
    /// messages already read it queues one, and nine of ten small ones, as before. Upstream
    /// queues nine of either.
    #[tokio::test]
    async fn one_readb_queues_a_bounded_number_of_payload_bytes() {
        assert_eq!(queued_by_one_readb(100 * 1024).await, 1);
        assert_eq!(queued_by_one_readb(READB_PAYLOAD / 16).await, 9);
    }

    /// A 1 MiB payload between two small PUBLISHes reaches the transport in place, from the
    /// payload's own memory, and the bytes are the three packets, in order. Upstream copies
    /// it into `Framed`'s write buffer: no piece written starts at the payload.
    #[tokio::test]
    async fn a_large_payload_goes_out_from_its_own_memory() {
        let payload = Bytes::from(vec![b'p'; 1 << 20]);
        let mut large = Publish::from_bytes("large", QoS::AtLeastOnce, payload.clone());
        large.pkid = 1;
        let packets = [
            Packet::Publish(Publish::new("a", QoS::AtMostOnce, "before")),
            Packet::Publish(large),
            Packet::Publish(Publish::new("a", QoS::AtMostOnce, "after")),
        ];
        let recorder = Recorder::default();
        let mut network = Network::new(recorder.clone(), 1 << 10, 2 << 20);
        let mut expected = BytesMut::new();
        for packet in packets {
            packet.write(&mut expected, usize::MAX).unwrap();
            network.write(packet).await.unwrap();
        }
        network.flush().await.unwrap();
        assert!(*recorder.bytes.lock().unwrap() == expected[..]);
        let pieces = recorder.pieces.lock().unwrap();
        assert!(pieces.contains(&(payload.as_ptr() as usize, payload.len())));
    }
}
