//! A bare client: MQTT 3.1.1 of the benchmark's own, on a blocking socket, doing nothing a
//! tool must do (no options, no output, no parsing beyond packet boundaries, no runtime),
//! run in the same rounds and in the same way as the two tools. It shows how much of a case's
//! time is the exchange itself, the broker's and the kernel's, rather than a tool's work:
//! where a tool takes as long as the bare client, or less, what is left is not the tool's.
//! It is not a floor: how a client paces its reads and TCP acknowledgements can change what
//! the broker's writes cost (Mosquitto leaves Nagle's algorithm on; see `ack_after_pause.rs`
//! in rumqttc). crates/README.md (Benchmark) says how the tools compared with it.
//!
//! It speaks just enough MQTT: CONNECT and CONNACK, SUBSCRIBE and SUBACK, PUBLISH at QoS 0
//! or 1 with a window of [`WINDOW`] unacknowledged messages (rpub's, `INFLIGHT_QOS1`), and
//! DISCONNECT. The broker is ours and trusted; a packet it sends is skipped by its length.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use crate::cases::Payload;
use crate::counter::Counter;
use crate::harness::{Bench, Sample};
use crate::measure::measure;
use crate::util::{mosquitto_pub, Broker};

/// QoS 1 messages in flight at once: rpub's window, so that it is the same exchange.
const WINDOW: usize = 100;

const PUBLISH: u8 = 0x30;
const PUBACK: u8 = 0x40;

/// MQTT's variable-length "remaining length".
fn put_length(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n % 128) as u8;
        n /= 128;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A packet: its first byte, then the length of `body`, then `body`.
fn put_packet(out: &mut Vec<u8>, first: u8, body: &[u8]) {
    out.push(first);
    put_length(out, body.len());
    out.extend_from_slice(body);
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

/// CONNECT, MQTT 3.1.1, clean session, keep-alive 60 s.
fn connect_packet(id: &str) -> Vec<u8> {
    let mut body = Vec::new();
    put_str(&mut body, b"MQTT");
    body.extend_from_slice(&[4, 0x02, 0, 60]);
    put_str(&mut body, id.as_bytes());
    let mut out = Vec::new();
    put_packet(&mut out, 0x10, &body);
    out
}

/// A PUBLISH of `payload` on `topic`, with `pkid` at QoS 1.
fn put_publish(out: &mut Vec<u8>, topic: &[u8], payload: &[u8], pkid: Option<u16>) {
    let id_len = if pkid.is_some() { 2 } else { 0 };
    out.push(PUBLISH | if pkid.is_some() { 0x02 } else { 0 });
    put_length(out, 2 + topic.len() + id_len + payload.len());
    put_str(out, topic);
    if let Some(id) = pkid {
        out.extend_from_slice(&id.to_be_bytes());
    }
    out.extend_from_slice(payload);
}

/// The packets coming from the broker, as their first bytes, read in large pieces.
struct Packets {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Where the next packet starts in `buf`.
    at: usize,
    /// The end of what was read into `buf`.
    end: usize,
}

impl Packets {
    fn new(stream: TcpStream) -> Packets {
        Packets {
            stream,
            buf: vec![0; 256 * 1024],
            at: 0,
            end: 0,
        }
    }

    /// The type of the next whole packet in the buffer (its first byte), if one is there.
    fn next_buffered(&mut self) -> Option<u8> {
        match whole_packet(&self.buf[self.at..self.end]) {
            Ok((first, size)) => {
                self.at += size;
                Some(first)
            }
            Err(needed) => {
                if needed > self.buf.len() {
                    // A packet larger than the buffer: room for it whole.
                    self.buf.resize(needed, 0);
                }
                None
            }
        }
    }

    /// The first byte of the next packet, reading as much as the socket has when the buffer
    /// holds no whole packet.
    fn next(&mut self) -> io::Result<u8> {
        loop {
            if let Some(first) = self.next_buffered() {
                return Ok(first);
            }
            if self.at > 0 {
                self.buf.copy_within(self.at..self.end, 0);
                self.end -= self.at;
                self.at = 0;
            }
            let n = self.stream.read(&mut self.buf[self.end..])?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the broker closed",
                ));
            }
            self.end += n;
        }
    }

    /// Whether a whole packet is waiting in the buffer, without reading.
    fn buffered(&self) -> bool {
        whole_packet(&self.buf[self.at..self.end]).is_ok()
    }
}

/// The first byte and size of the packet `data` starts with, when it holds all of it;
/// otherwise how many bytes it needs at least.
fn whole_packet(data: &[u8]) -> Result<(u8, usize), usize> {
    let mut length = 0usize;
    for (i, &byte) in data.iter().enumerate().skip(1).take(4) {
        length |= usize::from(byte & 0x7f) << (7 * (i - 1));
        if byte & 0x80 == 0 {
            let size = i + 1 + length;
            return if data.len() >= size {
                Ok((data[0], size))
            } else {
                Err(size)
            };
        }
    }
    Err(0)
}

/// A connected bare client: CONNECT written, CONNACK read.
fn connected(b: &Broker, id: &str, limit: Duration) -> io::Result<(TcpStream, Packets)> {
    let mut stream = TcpStream::connect(("127.0.0.1", b.port()))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(limit))?;
    stream.write_all(&connect_packet(id))?;
    let mut packets = Packets::new(stream.try_clone()?);
    match packets.next()? {
        0x20 => Ok((stream, packets)),
        other => Err(io::Error::other(format!(
            "expected CONNACK, got 0x{other:02x}"
        ))),
    }
}

/// A sample of the bare client: its wall time and what arrived; no process of its own, so no CPU
/// or memory.
fn sample(wall: Duration, delivered: Option<u64>, result: io::Result<()>) -> Sample {
    Sample {
        wall,
        cpu: Duration::ZERO,
        sys: Duration::ZERO,
        rss_kib: 0,
        delivered,
        failure: result.err().map(|e| format!("the bare client: {e}")),
        round: 0,
    }
}

/// The bare publisher: `count` messages at QoS 0 or 1, counted by the same reference
/// subscriber as the tools' runs; timed from before its connection to its DISCONNECT.
pub fn publisher(b: &mut Bench, qos: u8, count: u64, payload: Payload) -> Sample {
    let run = b.next_run();
    let topic = format!("bench/{run}");
    let limit = b.settings.limit();
    let counter = Counter::start(&b.broker, &format!("bench-count-{run}"), qos, &topic);
    let body = match payload {
        Payload::Text(text) => text.as_bytes().to_vec(),
        Payload::File(path) => std::fs::read(path).expect("read the payload file"),
    };
    let started = Instant::now();
    let result = publish(
        &b.broker,
        &format!("bench-bare-{run}"),
        qos,
        &topic,
        &body,
        count,
        limit,
    );
    let wall = started.elapsed();
    let delivered = counter.finish(count, limit);
    sample(wall, Some(delivered), result)
}

fn publish(
    b: &Broker,
    id: &str,
    qos: u8,
    topic: &str,
    payload: &[u8],
    count: u64,
    limit: Duration,
) -> io::Result<()> {
    let (mut stream, mut packets) = connected(b, id, limit)?;
    let mut out = Vec::with_capacity(64 * 1024);
    let (mut sent, mut acked) = (0u64, 0u64);
    let mut pkid = 0u16;
    while acked < count {
        // Fill the window (QoS 0: no window, a writeful at a time), then write it at once.
        let room = if qos == 0 {
            1024
        } else {
            WINDOW as u64 - (sent - acked)
        };
        for _ in 0..room.min(count - sent) {
            let id = (qos > 0).then(|| {
                pkid = pkid % u16::MAX + 1;
                pkid
            });
            put_publish(&mut out, topic.as_bytes(), payload, id);
            sent += 1;
        }
        stream.write_all(&out)?;
        out.clear();
        if qos == 0 {
            acked = sent;
            continue;
        }
        // Every acknowledgement already read, at least one.
        loop {
            if packets.next()? == PUBACK {
                acked += 1;
            }
            if !packets.buffered() {
                break;
            }
        }
    }
    stream.write_all(&[0xe0, 0])?;
    Ok(())
}

/// The bare subscriber: subscribed (SUBACK read) before the same feeder as the tools'
/// runs starts; timed from the feeder's start to the last of `count` messages read.
pub fn subscriber(b: &mut Bench, count: u64, payload: Payload) -> Sample {
    let run = b.next_run();
    let topic = format!("bench/{run}/messages");
    let limit = b.settings.limit();
    let reader = match subscribed(&b.broker, &format!("bench-bare-{run}"), &topic, limit) {
        Ok(packets) => packets,
        Err(e) => return sample(Duration::ZERO, None, Err(e)),
    };
    let reading = thread::spawn(move || read_messages(reader, count));
    let fed = Instant::now();
    let mut feed = mosquitto_pub(&b.broker);
    feed.args(["-t", &topic, "-q", "0"])
        .args(payload.args())
        .args(["--repeat", &count.to_string()]);
    let feeder = measure(
        &mut feed,
        std::process::Stdio::null(),
        b.broker.dir(),
        limit,
    );
    let (ended, delivered, result) = reading.join().expect("the bare subscriber's thread");
    let mut sample = sample(
        ended.saturating_duration_since(fed),
        Some(delivered),
        result,
    );
    if let Some(failure) = feeder.failure() {
        sample.failure = Some(format!("feeding mosquitto_pub: {failure}"));
    }
    sample
}

/// Connected and subscribed to `topic` at QoS 0.
fn subscribed(b: &Broker, id: &str, topic: &str, limit: Duration) -> io::Result<Packets> {
    let (mut stream, mut packets) = connected(b, id, limit)?;
    let mut body = vec![0, 1];
    put_str(&mut body, topic.as_bytes());
    body.push(0);
    let mut out = Vec::new();
    put_packet(&mut out, 0x82, &body);
    stream.write_all(&out)?;
    match packets.next()? {
        0x90 => Ok(packets),
        other => Err(io::Error::other(format!(
            "expected SUBACK, got 0x{other:02x}"
        ))),
    }
}

/// Reads until `count` PUBLISH packets came: when the last one did, how many, and how it
/// ended.
fn read_messages(mut packets: Packets, count: u64) -> (Instant, u64, io::Result<()>) {
    let mut seen = 0;
    while seen < count {
        match packets.next() {
            Ok(first) if first & 0xf0 == PUBLISH => seen += 1,
            Ok(_) => {}
            Err(e) => return (Instant::now(), seen, Err(e)),
        }
    }
    let ended = Instant::now();
    let _ = packets.stream.write_all(&[0xe0, 0]);
    (ended, seen, Ok(()))
}
