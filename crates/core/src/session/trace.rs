//! The `-d` packet trace: one line on stderr for every MQTT packet sent or received, in the
//! shape mosquitto_pub/mosquitto_sub print, so the lines people already grep for still match.
//! It prints the protocol-neutral packets of `packet.rs`: MQTT 5 adds reason codes to a line
//! where its packet has them.
//!
//! rumqttc reports an outgoing PUBLISH or SUBSCRIBE only by packet id, after it wrote it. The
//! details of a PUBLISH come from the session's outbox (which follows every publish anyway);
//! SUBSCRIBE and UNSUBSCRIBE details are noted here when queued: requests leave in queue
//! order, so the next note belongs to the next packet of that kind. Nothing is noted when
//! the trace is off, keeping the hot path free.
//!
//! Over MQTT 5 the client tells the broker its error with a DISCONNECT before closing (a
//! packet it cannot read, one that breaks the protocol); rumqttc writes that DISCONNECT
//! itself and reports no event, so the session traces it from the failure.
//!
//! A password is never part of a line: CONNECT shows only whether one is set.

use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::sync::Mutex;

use super::outbox::Entry;
use super::packet::{Code, ConnAck, Outgoing, Packet};
use super::protocol::Wire;
use crate::options::ConnectOptions;
use crate::qos::Qos;
use crate::reason::Reason;

/// The packet trace of one session; a no-op unless `-d` was given.
pub struct Trace {
    enabled: bool,
    client: String,
    subscribes: Mutex<VecDeque<String>>,
    unsubscribes: Mutex<VecDeque<String>>,
    /// Lines kept instead of printed, for the unit tests to read.
    #[cfg(test)]
    kept: Mutex<Vec<String>>,
}

impl Trace {
    /// The trace of the client `client_id`; `enabled` by `-d`.
    pub fn new(client_id: &str, enabled: bool) -> Self {
        Trace {
            enabled,
            client: client_id.to_string(),
            subscribes: Mutex::default(),
            unsubscribes: Mutex::default(),
            #[cfg(test)]
            kept: Mutex::default(),
        }
    }

    /// Print one trace line: `Client <id> <text>`.
    pub fn line(&self, text: fmt::Arguments<'_>) {
        if !self.enabled {
            return;
        }
        // Topics, reason strings and properties from the broker are part of the line.
        let text = text.to_string();
        let text = crate::escape::line(&text);
        #[cfg(test)]
        lock(&self.kept).push(format!("Client {} {}", self.client, text));
        #[cfg(not(test))]
        {
            use std::io::Write as _;
            // A closed stderr must not take the tool down; the trace is best effort.
            let _ = writeln!(std::io::stderr().lock(), "Client {} {}", self.client, text);
        }
    }

    /// CONNECT as it will go out (the password only as set or not).
    pub fn connect(&self, opts: &ConnectOptions) {
        if !self.enabled {
            return;
        }
        let mut text = format!(
            "sending CONNECT ({}, c{}, k{}",
            opts.protocol.name(),
            u8::from(opts.clean_session),
            opts.keepalive.as_secs()
        );
        if let Some(c) = &opts.credentials {
            let _ = write!(
                text,
                ", u'{}', p{}",
                c.username,
                u8::from(c.password.is_some())
            );
        }
        if let Some(w) = &opts.will {
            let _ = write!(
                text,
                ", will '{}' q{} r{}",
                w.topic,
                w.qos,
                u8::from(w.retain)
            );
        }
        text.push(')');
        self.line(format_args!("{text}"));
    }

    /// A PUBLISH went out; `entry` is what the outbox knew of it.
    pub fn sent_publish(&self, pkid: u16, entry: Option<&Entry>) {
        if !self.enabled {
            return;
        }
        match entry {
            Some(e) => self.line(format_args!(
                "sending PUBLISH (d{}, q{}, r{}, m{pkid}, '{}', ... ({} bytes))",
                u8::from(e.resent),
                e.qos,
                u8::from(e.retain),
                e.topic.as_deref().unwrap_or_default(),
                e.len
            )),
            None => self.line(format_args!("sending PUBLISH (m{pkid})")),
        }
    }

    /// `options` is how MQTT 5 subscription options read (`, no-local`), empty for none.
    pub fn note_subscribe(&self, filters: &[(String, Qos)], options: &str) {
        if self.enabled {
            let list: Vec<String> = filters
                .iter()
                .map(|(f, q)| format!("'{f}', q{q}"))
                .collect();
            lock(&self.subscribes).push_back(format!("{}{options}", list.join(", ")));
        }
    }

    /// The filter of the next UNSUBSCRIBE to go out.
    pub fn note_unsubscribe(&self, filter: &str) {
        if self.enabled {
            lock(&self.unsubscribes).push_back(format!("'{filter}'"));
        }
    }

    /// A packet went out, as the event loop reports it after writing.
    pub fn sent(&self, out: &Outgoing) {
        if !self.enabled {
            return;
        }
        match out {
            // Printed by `sent_publish`, which knows the topic.
            Outgoing::Publish(_) => {}
            Outgoing::Subscribe(pkid) => {
                let what = lock(&self.subscribes).pop_front().unwrap_or_default();
                self.line(format_args!("sending SUBSCRIBE (m{pkid}, {what})"))
            }
            Outgoing::Unsubscribe(pkid) => {
                let what = lock(&self.unsubscribes).pop_front().unwrap_or_default();
                self.line(format_args!("sending UNSUBSCRIBE (m{pkid}, {what})"))
            }
            Outgoing::PubAck(pkid) => self.line(format_args!("sending PUBACK (m{pkid})")),
            Outgoing::PubRec(pkid) => self.line(format_args!("sending PUBREC (m{pkid})")),
            Outgoing::PubRel(pkid) => self.line(format_args!("sending PUBREL (m{pkid})")),
            Outgoing::PubComp(pkid) => self.line(format_args!("sending PUBCOMP (m{pkid})")),
            Outgoing::PingReq => self.line(format_args!("sending PINGREQ")),
            Outgoing::PingResp => self.line(format_args!("sending PINGRESP")),
            Outgoing::Disconnect => self.line(format_args!("sending DISCONNECT")),
            // Not a packet: the event loop waits for an acknowledgement before sending more.
            Outgoing::AwaitAck(_) => {}
        }
    }

    /// The DISCONNECT that told the broker its error, with this reason code, where protocol
    /// `W` sends one (none: nothing was sent).
    pub fn told<W: Wire>(&self, reason: Option<Reason>) {
        if let Some(reason) = reason.filter(|_| W::TELLS_WHY) {
            self.line(format_args!("sending DISCONNECT ({})", Bare(&reason)));
        }
    }

    /// A packet from the broker.
    pub fn received(&self, packet: &Packet) {
        if !self.enabled {
            return;
        }
        match packet {
            Packet::ConnAck(ack) => self.connack(ack),
            Packet::Publish(p) => self.line(format_args!(
                "received PUBLISH (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))",
                u8::from(p.dup),
                p.qos,
                u8::from(p.retain),
                p.pkid,
                String::from_utf8_lossy(&p.topic),
                p.payload.len()
            )),
            Packet::PubAck { pkid, reason } => self.ack("PUBACK", *pkid, reason.as_ref()),
            Packet::PubRec { pkid, reason } => self.ack("PUBREC", *pkid, reason.as_ref()),
            Packet::PubRel { pkid } => self.ack("PUBREL", *pkid, None),
            Packet::PubComp { pkid, reason } => self.ack("PUBCOMP", *pkid, reason.as_ref()),
            // Only a broker that breaks the protocol sends one without results.
            Packet::SubAck { pkid, results } if results.is_empty() => {
                self.line(format_args!("received SUBACK (m{pkid})"))
            }
            Packet::SubAck { pkid, results } => {
                let codes: Vec<String> = results
                    .iter()
                    .map(|r| match r {
                        Ok(qos) => format!("q{qos}"),
                        Err(Code::Return { code, name }) => format!("{name} (0x{code:02x})"),
                        Err(Code::Reason(reason)) => Bare(reason).to_string(),
                    })
                    .collect();
                self.line(format_args!(
                    "received SUBACK (m{pkid}, {})",
                    codes.join(", ")
                ))
            }
            Packet::UnsubAck { pkid, reasons } if reasons.is_empty() => {
                self.line(format_args!("received UNSUBACK (m{pkid})"))
            }
            Packet::UnsubAck { pkid, reasons } => {
                let codes: Vec<String> = reasons.iter().map(|r| Bare(r).to_string()).collect();
                self.line(format_args!(
                    "received UNSUBACK (m{pkid}, {})",
                    codes.join(", ")
                ))
            }
            Packet::PingResp => self.line(format_args!("received PINGRESP")),
            Packet::PingReq => self.line(format_args!("received PINGREQ")),
            // The broker's own words are part of this line: nothing else reports them.
            Packet::Disconnect(Some(reason)) => {
                self.line(format_args!("received DISCONNECT ({reason})"))
            }
            Packet::Disconnect(None) => self.line(format_args!("received DISCONNECT")),
            Packet::Other(name) => self.line(format_args!("received {name}")),
            Packet::Broken { name, why } => self.line(format_args!("received {name} {why}")),
        }
    }

    /// CONNACK as mosquitto prints it: "received CONNACK (0)" for MQTT 3.1.1, the reason code
    /// by name for MQTT 5 (success included).
    pub fn connack(&self, ack: &ConnAck) {
        let present = if ack.session_present {
            ", session present"
        } else {
            ""
        };
        match &ack.code {
            Code::Return { code: 0, .. } => {
                self.line(format_args!("received CONNACK (0{present})"))
            }
            Code::Return { code, name } => {
                self.line(format_args!("received CONNACK ({code}: {name})"))
            }
            Code::Reason(reason) => {
                self.line(format_args!("received CONNACK ({}{present})", Bare(reason)))
            }
        }
    }

    /// An acknowledgement: its packet id, and its reason code when the protocol has one.
    fn ack(&self, kind: &str, pkid: u16, reason: Option<&Reason>) {
        match reason {
            Some(reason) => self.line(format_args!("received {kind} (m{pkid}, {})", Bare(reason))),
            None => self.line(format_args!("received {kind} (m{pkid})")),
        }
    }
}

/// A reason code by name and number, without the broker's reason string.
struct Bare<'a>(&'a Reason);

impl fmt::Display for Bare<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:02x})", self.0.name(), self.0.code)
    }
}

/// A poisoned lock only means another thread panicked while tracing; the notes are still
/// usable, and the trace must never take the tool down.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::message::Message;

    fn lines(packets: Vec<Packet>) -> Vec<String> {
        let trace = Trace::new("c", true);
        for packet in &packets {
            trace.received(packet);
        }
        let kept = lock(&trace.kept).drain(..).collect();
        kept
    }

    fn ack_reason(code: u8) -> Option<Reason> {
        Some(Reason::with_text(code, Some("the broker's words".into())))
    }

    #[test]
    fn mqtt_3_1_1_packets_read_as_mosquitto_prints_them() {
        let refused = Code::Return {
            code: 2,
            name: "identifier rejected",
        };
        let failure = Code::Return {
            code: 0x80,
            name: "failure",
        };
        let accepted = |session_present| {
            Packet::ConnAck(ConnAck {
                session_present,
                code: Code::Return {
                    code: 0,
                    name: "accepted",
                },
            })
        };
        let packets = vec![
            accepted(false),
            accepted(true),
            Packet::ConnAck(ConnAck {
                session_present: false,
                code: refused,
            }),
            Packet::PubAck {
                pkid: 1,
                reason: None,
            },
            Packet::SubAck {
                pkid: 2,
                results: vec![Ok(Qos::AtLeastOnce), Err(failure)],
            },
            Packet::UnsubAck {
                pkid: 3,
                reasons: vec![],
            },
            Packet::Disconnect(None),
            Packet::Other("SUBSCRIBE"),
        ];
        assert_eq!(
            lines(packets),
            [
                "Client c received CONNACK (0)",
                "Client c received CONNACK (0, session present)",
                "Client c received CONNACK (2: identifier rejected)",
                "Client c received PUBACK (m1)",
                "Client c received SUBACK (m2, q1, failure (0x80))",
                "Client c received UNSUBACK (m3)",
                "Client c received DISCONNECT",
                "Client c received SUBSCRIBE",
            ]
        );
    }

    #[test]
    fn mqtt_5_packets_name_their_reason_codes_without_the_brokers_words() {
        let packets = vec![
            Packet::ConnAck(ConnAck {
                session_present: true,
                code: Code::Reason(Reason::new(0)),
            }),
            Packet::PubAck {
                pkid: 1,
                reason: ack_reason(0x10),
            },
            Packet::PubRec {
                pkid: 2,
                reason: ack_reason(0x87),
            },
            Packet::PubRel { pkid: 2 },
            Packet::SubAck {
                pkid: 3,
                results: vec![
                    Ok(Qos::ExactlyOnce),
                    Err(Code::Reason(
                        ack_reason(0x87).unwrap_or_else(|| Reason::new(0)),
                    )),
                ],
            },
            Packet::UnsubAck {
                pkid: 4,
                reasons: vec![Reason::new(0x11)],
            },
            Packet::SubAck {
                pkid: 5,
                results: vec![],
            },
            // A DISCONNECT is the one place the broker's words are shown.
            Packet::Disconnect(Some(Reason::with_text(0x8b, Some("bye".into())))),
        ];
        assert_eq!(
            lines(packets),
            [
                "Client c received CONNACK (success (0x00), session present)",
                "Client c received PUBACK (m1, no matching subscribers (0x10))",
                "Client c received PUBREC (m2, not authorized (0x87))",
                "Client c received PUBREL (m2)",
                "Client c received SUBACK (m3, q2, not authorized (0x87))",
                "Client c received UNSUBACK (m4, no subscription existed (0x11))",
                "Client c received SUBACK (m5)",
                "Client c received DISCONNECT (server shutting down (0x8b): bye)",
            ]
        );
    }

    #[test]
    fn a_received_publish_and_what_went_out() {
        let message = Message {
            topic: Bytes::from_static(b"a/b"),
            payload: Bytes::from_static(b"hello"),
            qos: Qos::AtLeastOnce,
            retain: true,
            dup: false,
            pkid: 7,
            properties: None,
        };
        assert_eq!(
            lines(vec![Packet::Publish(message)]),
            ["Client c received PUBLISH (d0, q1, r1, m7, 'a/b', ... (5 bytes))"]
        );
        let trace = Trace::new("c", true);
        trace.note_subscribe(&[("a/#".into(), Qos::ExactlyOnce)], ", no-local");
        trace.sent(&Outgoing::Subscribe(1));
        trace.sent(&Outgoing::Publish(2));
        trace.sent(&Outgoing::AwaitAck(2));
        trace.sent(&Outgoing::PingReq);
        assert_eq!(
            *lock(&trace.kept),
            [
                "Client c sending SUBSCRIBE (m1, 'a/#', q2, no-local)",
                "Client c sending PINGREQ",
            ]
        );
    }

    #[test]
    fn the_disconnect_that_tells_the_broker_its_error_is_named_as_a_received_one() {
        use crate::session::protocol::{v4::V4, v5::V5};
        let trace = Trace::new("c", true);
        trace.told::<V5>(Some(Reason::new(0x81)));
        trace.told::<V5>(Some(Reason::new(0x95)));
        trace.told::<V5>(Some(Reason::new(0x82)));
        // A failure the client tells the broker nothing about, and MQTT 3.1.1, which only closes.
        trace.told::<V5>(None);
        trace.told::<V4>(Some(Reason::new(0x81)));
        trace.told::<V4>(Some(Reason::new(0x82)));
        assert_eq!(
            *lock(&trace.kept),
            [
                "Client c sending DISCONNECT (malformed packet (0x81))",
                "Client c sending DISCONNECT (packet too large (0x95))",
                "Client c sending DISCONNECT (protocol error (0x82))",
            ]
        );
    }

    #[test]
    fn nothing_is_kept_when_the_trace_is_off() {
        let trace = Trace::new("c", false);
        trace.received(&Packet::PingResp);
        trace.note_unsubscribe("a");
        trace.told::<crate::session::protocol::v5::V5>(Some(Reason::new(0x81)));
        assert!(lock(&trace.kept).is_empty() && lock(&trace.unsubscribes).is_empty());
    }
}
