//! The `-d` packet trace: one line on stderr for every MQTT packet sent or received, in the
//! shape mosquitto_pub/mosquitto_sub print, so the lines people already grep for still match.
//!
//! rumqttc reports an outgoing PUBLISH or SUBSCRIBE only by packet id, after it wrote it. The
//! details of a PUBLISH come from the session's outbox (which follows every publish anyway);
//! SUBSCRIBE and UNSUBSCRIBE details are noted here when queued: requests leave in queue
//! order, so the next note belongs to the next packet of that kind. Nothing is noted when
//! the trace is off, keeping the hot path free.
//!
//! A password is never part of a line: CONNECT shows only whether one is set.

use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::sync::Mutex;

use rumqttc::v5::mqttbytes::v5 as v5b;
use rumqttc::Outgoing;

use crate::options::ConnectOptions;
use crate::outbox::Entry;
use crate::reason::{self, Reason};

/// The packet trace of one session; a no-op unless `-d` was given.
pub struct Trace {
    enabled: bool,
    client: String,
    subscribes: Mutex<VecDeque<String>>,
    unsubscribes: Mutex<VecDeque<String>>,
}

impl Trace {
    pub fn new(client_id: &str, enabled: bool) -> Self {
        Trace {
            enabled,
            client: client_id.to_string(),
            subscribes: Mutex::default(),
            unsubscribes: Mutex::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Print one trace line: `Client <id> <text>`.
    pub fn line(&self, text: fmt::Arguments<'_>) {
        if self.enabled {
            // A closed stderr must not take the tool down; the trace is best effort.
            let _ = writeln!(std::io::stderr().lock(), "Client {} {}", self.client, text);
        }
    }

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
    pub fn note_subscribe(&self, filters: &[(String, u8)], options: &str) {
        if self.enabled {
            let list: Vec<String> = filters
                .iter()
                .map(|(f, q)| format!("'{f}', q{q}"))
                .collect();
            lock(&self.subscribes).push_back(format!("{}{options}", list.join(", ")));
        }
    }

    pub fn note_unsubscribe(&self, filter: &str) {
        if self.enabled {
            lock(&self.unsubscribes).push_back(format!("'{filter}'"));
        }
    }

    /// An outgoing packet, as the event loop reports it after writing.
    pub fn outgoing(&self, out: &Outgoing) {
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

    /// An incoming MQTT 3.1.1 packet.
    pub fn incoming_v4(&self, packet: &rumqttc::Packet) {
        use rumqttc::Packet as P;
        if !self.enabled {
            return;
        }
        match packet {
            P::ConnAck(a) => {
                // As mosquitto prints it: "received CONNACK (0)".
                let (code, name) = reason::v4_connack(&a.code);
                match (code, a.session_present) {
                    (0, false) => self.line(format_args!("received CONNACK (0)")),
                    (0, true) => self.line(format_args!("received CONNACK (0, session present)")),
                    _ => self.line(format_args!("received CONNACK ({code}: {name})")),
                }
            }
            P::Publish(p) => self.received_publish(
                p.dup,
                p.qos as u8,
                p.retain,
                p.pkid,
                &p.topic,
                p.payload.len(),
            ),
            P::PubAck(a) => self.line(format_args!("received PUBACK (m{})", a.pkid)),
            P::PubRec(a) => self.line(format_args!("received PUBREC (m{})", a.pkid)),
            P::PubRel(a) => self.line(format_args!("received PUBREL (m{})", a.pkid)),
            P::PubComp(a) => self.line(format_args!("received PUBCOMP (m{})", a.pkid)),
            P::SubAck(a) => {
                let codes: Vec<String> = a
                    .return_codes
                    .iter()
                    .map(|c| match c {
                        rumqttc::SubscribeReasonCode::Success(q) => format!("q{}", *q as u8),
                        rumqttc::SubscribeReasonCode::Failure => "failure (0x80)".to_string(),
                    })
                    .collect();
                self.line(format_args!(
                    "received SUBACK (m{}, {})",
                    a.pkid,
                    codes.join(", ")
                ))
            }
            P::UnsubAck(a) => self.line(format_args!("received UNSUBACK (m{})", a.pkid)),
            P::PingResp => self.line(format_args!("received PINGRESP")),
            P::PingReq => self.line(format_args!("received PINGREQ")),
            P::Disconnect => self.line(format_args!("received DISCONNECT")),
            other => self.line(format_args!("received {other:?}")),
        }
    }

    /// An incoming MQTT 5 packet; reason codes are shown by name, success codes included.
    pub fn incoming_v5(&self, packet: &v5b::Packet) {
        use v5b::Packet as P;
        if !self.enabled {
            return;
        }
        match packet {
            P::ConnAck(a) => {
                // MQTT 5 names its reason codes, success included.
                let reason = Reason::new(reason::v5_connack(&a.code));
                let present = if a.session_present {
                    ", session present"
                } else {
                    ""
                };
                self.line(format_args!("received CONNACK ({reason}{present})"))
            }
            P::Publish(p) => self.received_publish(
                p.dup,
                p.qos as u8,
                p.retain,
                p.pkid,
                &String::from_utf8_lossy(&p.topic),
                p.payload.len(),
            ),
            P::PubAck(a) => self.line(format_args!(
                "received PUBACK (m{}, {})",
                a.pkid,
                Reason::new(reason::v5_puback(&a.reason))
            )),
            P::PubRec(a) => self.line(format_args!(
                "received PUBREC (m{}, {})",
                a.pkid,
                Reason::new(reason::v5_pubrec(&a.reason))
            )),
            P::PubRel(a) => self.line(format_args!("received PUBREL (m{})", a.pkid)),
            P::PubComp(a) => self.line(format_args!(
                "received PUBCOMP (m{}, {})",
                a.pkid,
                Reason::new(reason::v5_pubcomp(&a.reason))
            )),
            P::SubAck(a) => {
                let codes: Vec<String> = a
                    .return_codes
                    .iter()
                    .map(|c| match reason::v5_suback(c) {
                        Ok(q) => format!("q{q}"),
                        Err(code) => Reason::new(code).to_string(),
                    })
                    .collect();
                self.line(format_args!(
                    "received SUBACK (m{}, {})",
                    a.pkid,
                    codes.join(", ")
                ))
            }
            P::UnsubAck(a) => {
                let codes: Vec<String> = a
                    .reasons
                    .iter()
                    .map(|r| Reason::new(reason::v5_unsuback(r)).to_string())
                    .collect();
                self.line(format_args!(
                    "received UNSUBACK (m{}, {})",
                    a.pkid,
                    codes.join(", ")
                ))
            }
            P::PingResp(_) => self.line(format_args!("received PINGRESP")),
            P::PingReq(_) => self.line(format_args!("received PINGREQ")),
            P::Disconnect(d) => {
                let text = d.properties.as_ref().and_then(|p| p.reason_string.clone());
                self.line(format_args!(
                    "received DISCONNECT ({})",
                    Reason::with_text(d.reason_code as u8, text)
                ))
            }
            other => self.line(format_args!("received {other:?}")),
        }
    }

    fn received_publish(
        &self,
        dup: bool,
        qos: u8,
        retain: bool,
        pkid: u16,
        topic: &str,
        len: usize,
    ) {
        self.line(format_args!(
            "received PUBLISH (d{}, q{qos}, r{}, m{pkid}, '{topic}', ... ({len} bytes))",
            u8::from(dup),
            u8::from(retain)
        ))
    }
}

/// A poisoned lock only means another thread panicked while tracing; the notes are still
/// usable, and the trace must never take the tool down.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
