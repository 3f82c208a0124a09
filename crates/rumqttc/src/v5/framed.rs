// Changed for rpub/rsub from rumqttc 0.25.1: each change is marked `rpubsub:`, and
// crates/rumqttc/README.md lists them all.

use futures_util::FutureExt;
use tokio_stream::StreamExt;
// rpubsub: packets are read through `FramedRead` and written through an `OutgoingBuffer`,
// which sends a large payload from its own memory instead of a copy in `Framed`'s buffer.
use tokio_util::codec::FramedRead;

use crate::framed::AsyncReadWrite;
use crate::outgoing_buffer::OutgoingBuffer;

use super::mqttbytes::v5::Packet;
use super::{mqttbytes, Codec, Incoming, MqttState, StateError};

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
    pub fn new(socket: impl AsyncReadWrite + 'static, max_incoming_size: Option<u32>) -> Network {
        let socket = Box::new(socket) as Box<dyn AsyncReadWrite>;
        let codec = Codec {
            max_incoming_size,
            max_outgoing_size: None,
        };
        // rpubsub: read only (see `framed`).
        let framed = FramedRead::new(socket, codec);

        Network {
            framed,
            outgoing: OutgoingBuffer::default(),
            max_readb_count: 10,
        }
    }

    pub fn set_max_outgoing_size(&mut self, max_outgoing_size: Option<u32>) {
        // rpubsub: the codec is `FramedRead`'s decoder.
        self.framed.decoder_mut().max_outgoing_size = max_outgoing_size;
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
                    if count >= self.max_readb_count || payload >= crate::framed::READB_PAYLOAD {
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

    pub async fn flush(&mut self) -> Result<(), StateError> {
        // rpubsub: from the outgoing buffer, its failures told as `Framed`'s were.
        self.outgoing
            .flush(self.framed.get_mut())
            .await
            .map_err(|e| StateError::Deserialization(e.into()))
    }
}

// rpubsub: the tests of the changes marked in this file.
#[cfg(test)]
mod rpubsub_tests {
    use bytes::{Bytes, BytesMut};

    use super::super::mqttbytes::{v5::Publish, QoS};
    use super::*;
    use crate::framed::rpubsub_tests::{Recorder, Replay};

    /// One `readb` stops queueing once the payloads add up to `READB_PAYLOAD`: of ten 100 KiB
    /// messages already read it queues one, and nine of ten small ones, as before. Upstream
    /// queues nine of either.
    #[tokio::test]
    async fn one_readb_queues_a_bounded_number_of_payload_bytes() {
        async fn queued_by_one_readb(len: usize) -> usize {
            let mut stream = BytesMut::new();
            for _ in 0..10 {
                let publish = Publish::new("t", QoS::AtMostOnce, vec![b'p'; len], None);
                Packet::Publish(publish).write(&mut stream, None).unwrap();
            }
            let mut network = Network::new(Replay(stream.to_vec()), Some(1 << 20));
            let mut state = MqttState::new(10, false);
            network.readb(&mut state).await.unwrap();
            state.events.len()
        }
        assert_eq!(queued_by_one_readb(100 * 1024).await, 1);
        let small = crate::framed::READB_PAYLOAD / 16;
        assert_eq!(queued_by_one_readb(small).await, 9);
    }

    /// A 1 MiB payload between two small PUBLISHes (one with properties) reaches the
    /// transport from the payload's own memory, and the bytes are the three packets, in
    /// order. Upstream copies it into `Framed`'s write buffer.
    #[tokio::test]
    async fn a_large_payload_goes_out_from_its_own_memory() {
        let payload = Bytes::from(vec![b'p'; 1 << 20]);
        let properties = super::super::mqttbytes::v5::PublishProperties {
            content_type: Some("text/plain".into()),
            ..Default::default()
        };
        let mut large =
            Publish::new("large", QoS::AtLeastOnce, payload.clone(), Some(properties));
        large.pkid = 1;
        let packets = [
            Packet::Publish(Publish::new("a", QoS::AtMostOnce, "before", None)),
            Packet::Publish(large),
            Packet::Publish(Publish::new("a", QoS::AtMostOnce, "after", None)),
        ];
        let recorder = Recorder::default();
        let mut network = Network::new(recorder.clone(), Some(1 << 10));
        network.set_max_outgoing_size(Some(2 << 20));
        let mut expected = BytesMut::new();
        for packet in packets {
            packet.write(&mut expected, None).unwrap();
            network.write(packet).await.unwrap();
        }
        network.flush().await.unwrap();
        assert!(*recorder.bytes.lock().unwrap() == expected[..]);
        let pieces = recorder.pieces.lock().unwrap();
        assert!(pieces.contains(&(payload.as_ptr() as usize, payload.len())));
    }
}
