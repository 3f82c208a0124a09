//! A scripted MQTT server that breaks the protocol in one way per test ([`Lie`]), for what no
//! real broker does: acknowledging a packet id never used, a SUBACK that does not match its
//! SUBSCRIBE, a CONNACK the specification forbids, hostile reason strings, bytes no decoder
//! may take for a packet; or, honest
//! ([`Lie::Nothing`]), what a tool sent that no broker logs.
//!
//! It speaks just enough MQTT 3.1.1 and 5 (the version each client asks for in CONNECT):
//! CONNACK, the acknowledgements, PINGRESP. It listens on a free loopback port, serves each
//! connection on a thread of its own, and records what it received ([`Liar::seen`]) so a test
//! can check what a tool sent, not only what it said.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The one way the server misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lie {
    /// None: the server keeps to the protocol, for what a tool sent that no broker logs (the
    /// properties of a DISCONNECT).
    Nothing,
    /// On the first connection, answers the first PUBLISH with a PUBACK (QoS 1) or PUBREC
    /// (QoS 2) for packet id 1001, which the client never used. Later connections take the
    /// PUBLISH and close without acknowledging it.
    UnsolicitedAck,
    /// An MQTT 5 CONNACK with Receive Maximum 0 (forbidden by MQTT 5, 3.2.2.3.3).
    ReceiveMaximumZero,
    /// A normal CONNACK first, closing on the first PUBLISH unacknowledged; on later
    /// connections a CONNACK with Receive Maximum 0.
    ReceiveMaximumZeroLater,
    /// A SUBACK with one return code, whatever the number of filters.
    ShortSubAck,
    /// A SUBACK for the packet id after the SUBSCRIBE's.
    OtherSubAck,
    /// After the SUBACK, a PUBLISH with an empty topic and topic alias 5, never set.
    UnknownAlias,
    /// An MQTT 5 DISCONNECT with this reason string, in answer to a PUBLISH or SUBSCRIBE.
    Disconnect(&'static str),
    /// A PUBLISH of 200,000 bytes instead of CONNACK.
    PublishFirst,
    /// An UNSUBACK for the packet id after the UNSUBSCRIBE's.
    OtherUnsubAck,
    /// An MQTT 5 UNSUBACK refusing the filter: 0x87, not authorized.
    RefusedUnsubAck,
    /// Answers a QoS 1 PUBLISH with PUBREC and a QoS 2 one with PUBACK, under its packet id.
    WrongAck,
    /// Answers a QoS 2 PUBLISH with PUBCOMP, skipping PUBREC.
    PubCompFirst,
    /// Closes the first connection on its UNSUBSCRIBE, unanswered; later connections get a
    /// new session (session present 0) and answer as they should.
    LostUnsubscribe,
    /// As [`Lie::LostUnsubscribe`], but later connections are told the session was kept
    /// (session present 1).
    LostUnsubscribeKept,
    /// On the first connection, answers the first PUBLISH, SUBSCRIBE or UNSUBSCRIBE with these
    /// bytes instead of its acknowledgement: a packet MQTT's rules refuse (an undefined packet
    /// type, lengths that do not add up, a property MQTT 5 does not define...). Later
    /// connections answer as they should, so a client that reconnects gets through.
    Malformed(&'static [u8]),
    /// These bytes instead of CONNACK, from connection `from` (counting from 0) on; the
    /// connections before get a normal CONNACK and are closed on their first PUBLISH,
    /// unacknowledged.
    MalformedConnAck { bytes: &'static [u8], from: usize },
    /// An MQTT 5 UNSUBACK without the reason code its UNSUBSCRIBE's filter takes (3.11.3).
    BareUnsubAck,
    /// Honest, but CONNACK comes 300 ms after CONNECT, and `DATA BEFORE CONNACK` is noted
    /// when the client sent more meanwhile (MQTT 3.1.1 allows it, 3.1.4).
    LateConnAck,
}

/// A running scripted server; it stops taking connections when dropped.
pub struct Liar {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Liar {
    pub fn start(lie: Lie) -> Liar {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        listener.set_nonblocking(true).expect("non-blocking");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, halt) = (seen.clone(), stop.clone());
        thread::spawn(move || {
            let connections = AtomicUsize::new(0);
            while !halt.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let n = connections.fetch_add(1, Ordering::Relaxed);
                        let log = log.clone();
                        thread::spawn(move || {
                            let _ = serve(stream, lie, n, &log);
                        });
                    }
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Liar { port, seen, stop }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `-h 127.0.0.1 -p PORT` for a tool's command line.
    pub fn args(&self) -> [String; 4] {
        [
            "-h".into(),
            "127.0.0.1".into(),
            "-p".into(),
            self.port.to_string(),
        ]
    }

    /// What the server received, one line per packet: `CONNECT v5`, `PUBLISH qos=1 dup=1
    /// pkid=1`, `SUBSCRIBE pkid=1 filters=2`, `DISCONNECT` (its body in hex after it, when it
    /// has one: `DISCONNECT 00 05 11 00 00 00 3c`).
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Did the server receive a packet seen as `line`? A packet a tool wrote just before it
    /// exited may still be on its way to the server's thread: it gets two seconds.
    pub fn saw(&self, line: &str) -> bool {
        let until = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            if self.seen().iter().any(|l| l == line) {
                return true;
            }
            if std::time::Instant::now() > until {
                return false;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Liar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// One packet: the first byte of its fixed header and its body.
fn read_packet(s: &mut TcpStream) -> io::Result<(u8, Vec<u8>)> {
    let mut byte = [0u8; 1];
    s.read_exact(&mut byte)?;
    let header = byte[0];
    let (mut len, mut shift) = (0usize, 0);
    loop {
        s.read_exact(&mut byte)?;
        len |= usize::from(byte[0] & 0x7f) << shift;
        shift += 7;
        if byte[0] & 0x80 == 0 || shift > 21 {
            break;
        }
    }
    let mut body = vec![0; len];
    s.read_exact(&mut body)?;
    Ok((header, body))
}

fn packet(header: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![header];
    let mut len = body.len();
    loop {
        let mut b = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            b |= 0x80;
        }
        out.push(b);
        if len == 0 {
            break;
        }
    }
    out.extend_from_slice(body);
    out
}

/// MQTT 5 properties: their length, then the bytes (all short here).
fn properties(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![bytes.len() as u8];
    out.extend_from_slice(bytes);
    out
}

fn reason_string(text: &str) -> Vec<u8> {
    let mut out = vec![0x1f];
    out.extend_from_slice(&(text.len() as u16).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    out
}

fn u16_at(body: &[u8], at: usize) -> u16 {
    match body.get(at..at + 2) {
        Some(b) => u16::from_be_bytes([b[0], b[1]]),
        None => 0,
    }
}

/// The number of filters in a SUBSCRIBE body.
fn filters(body: &[u8], v5: bool) -> usize {
    let mut at = 2;
    if v5 {
        at += 1 + usize::from(body.get(2).copied().unwrap_or(0));
    }
    let mut n = 0;
    while at + 2 <= body.len() {
        at += 2 + usize::from(u16_at(body, at)) + 1;
        n += 1;
    }
    n
}

fn serve(
    mut s: TcpStream,
    lie: Lie,
    connection: usize,
    seen: &Mutex<Vec<String>>,
) -> io::Result<()> {
    let note = |line: String| {
        if let Ok(mut seen) = seen.lock() {
            seen.push(line);
        }
    };
    let (_, connect) = read_packet(&mut s)?;
    let v5 = connect.get(6) == Some(&5);
    note(format!("CONNECT v{}", if v5 { 5 } else { 4 }));
    if lie == Lie::PublishFirst {
        let mut body = vec![0, 3, b'a', b'/', b'b'];
        if v5 {
            body.push(0);
        }
        body.extend(std::iter::repeat_n(b'x', 200_000));
        s.write_all(&packet(0x30, &body))?;
        thread::sleep(Duration::from_secs(2));
        return Ok(());
    }
    if lie == Lie::LateConnAck {
        thread::sleep(Duration::from_millis(300));
        if waiting(&s)? {
            note("DATA BEFORE CONNACK".into());
        }
    }
    match lie {
        // What the client sends after them (a DISCONNECT) is noted below.
        Lie::MalformedConnAck { bytes, from } if connection >= from => s.write_all(bytes)?,
        _ => s.write_all(&connack(lie, connection, v5))?,
    }
    loop {
        let (header, body) = read_packet(&mut s)?;
        match header >> 4 {
            3 => {
                let qos = (header >> 1) & 3;
                let dup = (header >> 3) & 1;
                let pkid = if qos > 0 {
                    u16_at(&body, 2 + usize::from(u16_at(&body, 0)))
                } else {
                    0
                };
                note(format!("PUBLISH qos={qos} dup={dup} pkid={pkid}"));
                if let Some(bytes) = malformed(lie, connection) {
                    s.write_all(bytes)?;
                    continue;
                }
                match lie {
                    Lie::UnsolicitedAck if connection == 0 => {
                        let kind = if qos == 2 { 0x50 } else { 0x40 };
                        s.write_all(&packet(kind, &1001u16.to_be_bytes()))?;
                    }
                    Lie::UnsolicitedAck
                    | Lie::ReceiveMaximumZeroLater
                    | Lie::MalformedConnAck { .. } => return Ok(()),
                    Lie::Disconnect(text) => return disconnect(&mut s, text),
                    Lie::WrongAck if qos > 0 => {
                        let kind = if qos == 2 { 0x40 } else { 0x50 };
                        s.write_all(&packet(kind, &pkid.to_be_bytes()))?;
                    }
                    Lie::PubCompFirst if qos == 2 => {
                        s.write_all(&packet(0x70, &pkid.to_be_bytes()))?;
                    }
                    _ if qos > 0 => {
                        let kind = if qos == 2 { 0x50 } else { 0x40 };
                        s.write_all(&packet(kind, &pkid.to_be_bytes()))?;
                    }
                    _ => {}
                }
            }
            6 => {
                let pkid = u16_at(&body, 0);
                note(format!("PUBREL pkid={pkid}"));
                s.write_all(&packet(0x70, &pkid.to_be_bytes()))?;
            }
            8 => match malformed(lie, connection) {
                Some(bytes) => {
                    note(format!("SUBSCRIBE pkid={}", u16_at(&body, 0)));
                    s.write_all(bytes)?;
                }
                None => subscribe(&mut s, lie, &body, v5, &note)?,
            },
            10 => {
                let pkid = u16_at(&body, 0);
                note(format!("UNSUBSCRIBE pkid={pkid}"));
                let lost = matches!(lie, Lie::LostUnsubscribe | Lie::LostUnsubscribeKept);
                if lost && connection == 0 {
                    return Ok(());
                }
                match malformed(lie, connection) {
                    Some(bytes) => s.write_all(bytes)?,
                    None => s.write_all(&unsuback(lie, pkid, v5))?,
                }
            }
            12 => s.write_all(&[0xd0, 0])?,
            14 => {
                // The body in hex after the name when there is one (reason code, properties).
                let hex: Vec<String> = body.iter().map(|b| format!("{b:02x}")).collect();
                note(
                    format!("DISCONNECT {}", hex.join(" "))
                        .trim_end()
                        .to_string(),
                );
                return Ok(());
            }
            other => note(format!("packet type {other}")),
        }
    }
}

/// Are bytes waiting to be read?
fn waiting(s: &TcpStream) -> io::Result<bool> {
    s.set_nonblocking(true)?;
    let peeked = s.peek(&mut [0u8; 1]);
    s.set_nonblocking(false)?;
    match peeked {
        Ok(n) => Ok(n > 0),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(e) => Err(e),
    }
}

/// The bytes of [`Lie::Malformed`], on the connection that gets them.
fn malformed(lie: Lie, connection: usize) -> Option<&'static [u8]> {
    match lie {
        Lie::Malformed(bytes) if connection == 0 => Some(bytes),
        _ => None,
    }
}

/// The CONNACK, as `lie` has it on this connection.
fn connack(lie: Lie, connection: usize, v5: bool) -> Vec<u8> {
    let kept = lie == Lie::LostUnsubscribeKept && connection > 0;
    let mut connack = vec![u8::from(kept), 0];
    if v5 {
        let zero = lie == Lie::ReceiveMaximumZero
            || (lie == Lie::ReceiveMaximumZeroLater && connection > 0);
        let props: &[u8] = if zero { &[0x21, 0, 0] } else { &[] };
        connack.extend(properties(props));
    }
    packet(0x20, &connack)
}

fn subscribe(
    s: &mut TcpStream,
    lie: Lie,
    body: &[u8],
    v5: bool,
    note: &dyn Fn(String),
) -> io::Result<()> {
    let pkid = u16_at(body, 0);
    let n = filters(body, v5);
    note(format!("SUBSCRIBE pkid={pkid} filters={n}"));
    if let Lie::Disconnect(text) = lie {
        return disconnect(s, text);
    }
    let (pkid, codes) = match lie {
        Lie::ShortSubAck => (pkid, 1),
        Lie::OtherSubAck => (pkid.wrapping_add(1), n),
        _ => (pkid, n),
    };
    let mut suback = pkid.to_be_bytes().to_vec();
    if v5 {
        suback.push(0);
    }
    suback.extend(std::iter::repeat_n(0u8, codes));
    s.write_all(&packet(0x90, &suback))?;
    if lie == Lie::UnknownAlias {
        let mut publish = vec![0, 0];
        publish.extend(properties(&[0x23, 0, 5]));
        publish.extend_from_slice(b"aliased");
        s.write_all(&packet(0x30, &publish))?;
    }
    Ok(())
}

/// The UNSUBACK for an UNSUBSCRIBE of one filter (all the tools send) under `pkid`, as
/// `lie` has it.
fn unsuback(lie: Lie, pkid: u16, v5: bool) -> Vec<u8> {
    let pkid = if lie == Lie::OtherUnsubAck {
        pkid.wrapping_add(1)
    } else {
        pkid
    };
    let mut unsuback = pkid.to_be_bytes().to_vec();
    if v5 {
        unsuback.push(0);
        match lie {
            Lie::BareUnsubAck => {}
            Lie::RefusedUnsubAck => unsuback.push(0x87),
            _ => unsuback.push(0),
        }
    }
    packet(0xb0, &unsuback)
}

/// An MQTT 5 DISCONNECT, "unspecified error" with a reason string, then close.
fn disconnect(s: &mut TcpStream, text: &str) -> io::Result<()> {
    let mut body = vec![0x80];
    body.extend(properties(&reason_string(text)));
    s.write_all(&packet(0xe0, &body))?;
    thread::sleep(Duration::from_millis(200));
    Ok(())
}
