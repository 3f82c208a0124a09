//! One MQTT session over rumqttc, the same for MQTT 3.1.1 and MQTT 5, so that nothing in rpub
//! or rsub branches on the protocol version.
//!
//! Shape: [`Session::connect`] polls the event loop itself until CONNACK (so a refused or
//! unreachable broker is an error right there), then hands the event loop to a pump task that
//! polls it for the rest of the session. The pump is the only code that polls: rumqttc sends
//! nothing unless polled, and a poll future cancelled half-way can lose a packet, so nothing
//! else ever races with it.
//!
//! The pump translates what happens into protocol-neutral [`Event`]s on an unbounded channel
//! (the pump never waits on the tool, which would deadlock against a tool waiting for room in
//! the request channel) and received messages into [`Message`]s on a bounded channel: when the
//! tool cannot write its output fast enough the pump waits, stops reading the socket, and
//! TCP pushes back on the broker. Memory stays bounded whatever the message rate.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rumqttc::v5::mqttbytes::v5 as v5b;
use rumqttc::Outgoing;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::connect_error::{self, Phase};
use crate::exit::{Exit, Fail};
use crate::options::{ConnectOptions, Protocol};
use crate::properties::PublishProperties;
use crate::reason::{self, Reason};
use crate::trace::Trace;
use crate::transport;

/// MQTT's own limit (a four-byte remaining length), instead of rumqttc's 10 KiB default.
pub const MAX_PACKET_SIZE: usize = 268_435_455;

/// Requests queued towards the event loop before `publish` waits.
const REQUEST_CAPACITY: usize = 512;

/// Unacknowledged QoS 1/2 publishes in flight. Mosquitto takes 20 by default
/// (`max_inflight_messages`) and over MQTT 3.1.1 answers the 21st QoS 2 PUBLISH with a PUBREC
/// that looks like success but drops the message, since 3.1.1 has no reason codes to say
/// otherwise. MQTT 5 brokers announce their receive maximum, which caps this further.
const INFLIGHT: u16 = 20;

/// Received messages buffered between the pump and the tool's output.
const MESSAGE_BUFFER: usize = 256;

/// A received PUBLISH.
#[derive(Debug, Clone)]
pub struct Message {
    /// Topic bytes as they came (MQTT 5 topics are bytes in rumqttc).
    pub topic: Bytes,
    pub payload: Bytes,
    pub qos: u8,
    pub retain: bool,
    pub dup: bool,
    /// MQTT 5 properties, when the message carried any.
    pub properties: Option<Box<PublishProperties>>,
}

/// What happened on the connection, apart from received messages.
#[derive(Debug)]
pub enum Event {
    /// A PUBLISH was written to the connection (packet id 0 for QoS 0).
    Sent {
        pkid: u16,
    },
    /// A QoS 1 or 2 PUBLISH is finished: PUBACK, PUBCOMP, or a failing PUBREC (MQTT 5).
    /// `failure` holds the reason when the broker refused it.
    Acked {
        pkid: u16,
        failure: Option<Reason>,
    },
    /// SUBACK: per filter, the granted QoS or the failure reason.
    SubAck {
        pkid: u16,
        results: Vec<Result<u8, Reason>>,
    },
    UnsubAck {
        pkid: u16,
    },
    /// The connection failed; the pump has stopped.
    Lost(Fail),
    /// Our DISCONNECT went out; the pump has stopped.
    Closed,
}

/// A received message or an event, from [`Session::next`].
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    Event(Event),
}

/// What the broker said in CONNACK.
#[derive(Debug, Clone)]
pub struct Connected {
    pub session_present: bool,
}

enum Client {
    V4(rumqttc::AsyncClient),
    V5(rumqttc::v5::AsyncClient),
}

/// What the pump shares with the session handle.
struct Shared {
    trace: Trace,
    /// Set when the pump stops on an error, so a failed request can say why.
    lost: Mutex<Option<(Exit, String)>>,
}

/// A connected MQTT session.
pub struct Session {
    client: Client,
    shared: Arc<Shared>,
    address: String,
    pub connected: Connected,
    events: mpsc::UnboundedReceiver<Event>,
    messages: mpsc::Receiver<Message>,
    pump: JoinHandle<()>,
}

/// The pump's ends of the channels.
struct Pump {
    shared: Arc<Shared>,
    address: String,
    host: String,
    events: mpsc::UnboundedSender<Event>,
    messages: mpsc::Sender<Message>,
}

impl Pump {
    fn event(&self, event: Event) {
        // The tool may have stopped listening while shutting down; nothing to do then.
        let _ = self.events.send(event);
    }

    async fn message(&self, message: Message) {
        // A closed receiver means the tool wants no more messages (it is exiting).
        let _ = self.messages.send(message).await;
    }

    fn lost(&self, fail: Fail) {
        *self.shared.lost.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((fail.exit, fail.message.clone()));
        self.event(Event::Lost(fail));
    }
}

impl Session {
    /// Connect and wait for CONNACK. Every failure is a [`Fail`] with its exit status.
    pub async fn connect(opts: &ConnectOptions) -> anyhow::Result<Session> {
        let shared = Arc::new(Shared {
            trace: Trace::new(&opts.client_id, opts.debug),
            lost: Mutex::default(),
        });
        let host = &opts.transport.host();
        let address = opts.transport.address();
        let (event_tx, events) = mpsc::unbounded_channel();
        let (message_tx, messages) = mpsc::channel(MESSAGE_BUFFER);
        let pump = Pump {
            shared: shared.clone(),
            address: address.clone(),
            host: host.clone(),
            events: event_tx,
            messages: message_tx,
        };
        // rumqttc's own timeout (whole seconds) also bounds every flush; ours must fire first.
        let mut network = rumqttc::NetworkOptions::new();
        network.set_connection_timeout(opts.connect_timeout.as_secs().max(5) + 5);
        shared.trace.connect(opts);

        let (client, connected, pump) = match opts.protocol {
            Protocol::V311 => {
                let mut mo = transport::mqtt_options_v4(opts)?;
                mo.set_keep_alive(opts.keepalive)
                    .set_clean_session(opts.clean_session)
                    .set_max_packet_size(MAX_PACKET_SIZE, MAX_PACKET_SIZE)
                    .set_inflight(INFLIGHT);
                if let Some(c) = &opts.credentials {
                    let password = c.password.as_ref().map(|p| p.expose()).unwrap_or_default();
                    mo.set_credentials(c.username.as_str(), password);
                }
                if let Some(w) = &opts.will {
                    mo.set_last_will(rumqttc::LastWill::new(
                        w.topic.as_str(),
                        w.payload.clone(),
                        qos_v4(w.qos),
                        w.retain,
                    ));
                }
                let (client, mut eventloop) = rumqttc::AsyncClient::new(mo, REQUEST_CAPACITY);
                eventloop.set_network_options(network);
                let first = tokio::time::timeout(opts.connect_timeout, eventloop.poll()).await;
                let connected = match first {
                    Err(_) => {
                        return Err(
                            connect_error::connect_timeout(&address, opts.connect_timeout).into(),
                        )
                    }
                    Ok(Err(e)) => {
                        return Err(transport::diagnose(
                            opts,
                            connect_error::from_v4(&e, &address, host, Phase::Connecting),
                        )
                        .into())
                    }
                    Ok(Ok(rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(ack)))) => {
                        shared
                            .trace
                            .incoming_v4(&rumqttc::Packet::ConnAck(ack.clone()));
                        Connected {
                            session_present: ack.session_present,
                        }
                    }
                    Ok(Ok(other)) => {
                        return Err(Fail::new(
                            Exit::Unreachable,
                            format!("{address} answered CONNECT with {other:?} instead of CONNACK"),
                        )
                        .into())
                    }
                };
                (
                    Client::V4(client),
                    connected,
                    tokio::spawn(pump_v4(eventloop, pump)),
                )
            }
            Protocol::V5 => {
                let mut mo = transport::mqtt_options_v5(opts)?;
                if !opts.keepalive.is_zero() {
                    mo.set_keep_alive(opts.keepalive);
                }
                mo.set_clean_start(opts.clean_session)
                    .set_max_packet_size(Some(MAX_PACKET_SIZE as u32))
                    .set_outgoing_inflight_upper_limit(INFLIGHT)
                    .set_connection_timeout(network.connection_timeout());
                if !opts.clean_session {
                    // MQTT 5 ends a session at disconnect unless told otherwise; -c means
                    // "keep it", as mosquitto_sub's -c does (expiry "never").
                    mo.set_session_expiry_interval(Some(u32::MAX));
                }
                if let Some(c) = &opts.credentials {
                    let password = c.password.as_ref().map(|p| p.expose()).unwrap_or_default();
                    mo.set_credentials(c.username.as_str(), password);
                }
                if let Some(w) = &opts.will {
                    mo.set_last_will(v5b::LastWill::new(
                        w.topic.as_str(),
                        w.payload.to_vec(),
                        qos_v5(w.qos),
                        w.retain,
                        None,
                    ));
                }
                let (client, mut eventloop) = rumqttc::v5::AsyncClient::new(mo, REQUEST_CAPACITY);
                let first = tokio::time::timeout(opts.connect_timeout, eventloop.poll()).await;
                let connected = match first {
                    Err(_) => {
                        return Err(
                            connect_error::connect_timeout(&address, opts.connect_timeout).into(),
                        )
                    }
                    Ok(Err(e)) => {
                        return Err(transport::diagnose(
                            opts,
                            connect_error::from_v5(&e, &address, host, Phase::Connecting),
                        )
                        .into())
                    }
                    Ok(Ok(rumqttc::v5::Event::Incoming(v5b::Packet::ConnAck(ack)))) => {
                        shared.trace.incoming_v5(&v5b::Packet::ConnAck(ack.clone()));
                        Connected {
                            session_present: ack.session_present,
                        }
                    }
                    Ok(Ok(other)) => {
                        return Err(Fail::new(
                            Exit::Unreachable,
                            format!("{address} answered CONNECT with {other:?} instead of CONNACK"),
                        )
                        .into())
                    }
                };
                (
                    Client::V5(client),
                    connected,
                    tokio::spawn(pump_v5(eventloop, pump)),
                )
            }
        };
        Ok(Session {
            client,
            shared,
            address,
            connected,
            events,
            messages,
            pump,
        })
    }

    /// `host:port` of the broker, for messages.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Queue a PUBLISH; waits while the request queue is full. The packet goes out when the
    /// pump gets to it: [`Event::Sent`] and [`Event::Acked`] tell when it did.
    pub async fn publish(
        &self,
        topic: &str,
        payload: Bytes,
        qos: u8,
        retain: bool,
    ) -> anyhow::Result<()> {
        self.shared
            .trace
            .note_publish(topic, qos, retain, payload.len());
        let sent = match &self.client {
            Client::V4(c) => c
                .publish_bytes(topic, qos_v4(qos), retain, payload)
                .await
                .is_ok(),
            Client::V5(c) => c
                .publish_bytes(topic, qos_v5(qos), retain, payload)
                .await
                .is_ok(),
        };
        self.check(sent)
    }

    /// Queue a PUBLISH if the request queue has room; `Ok(false)` when it is full. For tools
    /// that read messages too: waiting for room there could wait on themselves.
    pub fn try_publish(
        &self,
        topic: &str,
        payload: Bytes,
        qos: u8,
        retain: bool,
    ) -> anyhow::Result<bool> {
        let len = payload.len();
        let result = match &self.client {
            Client::V4(c) => c
                .try_publish(topic, qos_v4(qos), retain, payload)
                .map_err(|e| matches!(e, rumqttc::ClientError::TryRequest(_))),
            Client::V5(c) => c
                .try_publish(topic, qos_v5(qos), retain, payload)
                .map_err(|e| matches!(e, rumqttc::v5::ClientError::TryRequest(_))),
        };
        match result {
            Ok(()) => {
                self.shared.trace.note_publish(topic, qos, retain, len);
                Ok(true)
            }
            // TryRequest means "full"; anything else means the event loop is gone.
            Err(true) if !self.pump.is_finished() => Ok(false),
            Err(_) => Err(self.lost_error().into()),
        }
    }

    /// Subscribe to filters with their QoS, in one SUBSCRIBE.
    pub async fn subscribe(&self, filters: &[(String, u8)]) -> anyhow::Result<()> {
        self.shared.trace.note_subscribe(filters);
        let sent = match &self.client {
            Client::V4(c) => {
                let list = filters
                    .iter()
                    .map(|(f, q)| rumqttc::SubscribeFilter::new(f.clone(), qos_v4(*q)));
                c.subscribe_many(list).await.is_ok()
            }
            Client::V5(c) => {
                let list = filters
                    .iter()
                    .map(|(f, q)| v5b::Filter::new(f.clone(), qos_v5(*q)));
                c.subscribe_many(list).await.is_ok()
            }
        };
        self.check(sent)
    }

    pub async fn unsubscribe(&self, filter: &str) -> anyhow::Result<()> {
        self.shared.trace.note_unsubscribe(filter);
        let sent = match &self.client {
            Client::V4(c) => c.unsubscribe(filter).await.is_ok(),
            Client::V5(c) => c.unsubscribe(filter).await.is_ok(),
        };
        self.check(sent)
    }

    /// A request could not be queued only when the pump has stopped: say why.
    fn check(&self, sent: bool) -> anyhow::Result<()> {
        if sent {
            Ok(())
        } else {
            Err(self.lost_error().into())
        }
    }

    /// Why the pump stopped, as far as it said.
    fn lost_error(&self) -> Fail {
        let lost = self
            .shared
            .lost
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let (exit, message) = lost.unwrap_or((
            Exit::ConnectionLost,
            format!("connection to {} lost", self.address),
        ));
        Fail::new(exit, message)
    }

    /// The next event; `None` once the pump has stopped and every event was read.
    pub async fn next_event(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// The next received message or event, messages first: when the connection drops, what
    /// arrived before it is still handed out before the loss. `None` once the pump stopped.
    pub async fn next(&mut self) -> Option<Incoming> {
        tokio::select! {
            biased;
            Some(message) = self.messages.recv() => Some(Incoming::Message(message)),
            Some(event) = self.events.recv() => Some(Incoming::Event(event)),
            else => None,
        }
    }

    /// An event if one is waiting, without waiting.
    pub fn try_event(&mut self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// The next received message; `None` once the pump has stopped.
    pub async fn next_message(&mut self) -> Option<Message> {
        self.messages.recv().await
    }

    /// Are received messages waiting to be read? rsub flushes its output when none are.
    pub fn messages_waiting(&self) -> bool {
        !self.messages.is_empty()
    }

    /// A received message if one is waiting, without waiting.
    pub fn try_message(&mut self) -> Option<Message> {
        self.messages.try_recv().ok()
    }

    /// Stop taking messages: the pump discards what arrives from now on instead of waiting
    /// for the tool to read it. Call before a final [`Session::disconnect`].
    pub fn stop_messages(&mut self) {
        self.messages.close();
        while self.messages.try_recv().is_ok() {}
    }

    /// Send DISCONNECT after everything queued before it, and wait (at most `limit`) until it
    /// went out: only then is every earlier QoS 0 publish written. Events seen on the way are
    /// handed to `on_event`.
    pub async fn disconnect(
        &mut self,
        limit: Duration,
        mut on_event: impl FnMut(&Event),
    ) -> Result<(), Fail> {
        self.stop_messages();
        let queued = match &self.client {
            Client::V4(c) => c.disconnect().await.is_ok(),
            Client::V5(c) => c.disconnect().await.is_ok(),
        };
        let outcome = if queued {
            let wait = async {
                while let Some(event) = self.events.recv().await {
                    on_event(&event);
                    match event {
                        Event::Closed => return Ok(()),
                        Event::Lost(fail) => return Err(fail),
                        _ => {}
                    }
                }
                Err(self.lost_error())
            };
            tokio::time::timeout(limit, wait).await.unwrap_or_else(|_| {
                Err(Fail::new(
                    Exit::ConnectionLost,
                    format!(
                        "DISCONNECT to {} not sent within {}",
                        self.address,
                        crate::duration::show(limit)
                    ),
                ))
            })
        } else {
            Err(self.lost_error())
        };
        self.pump.abort();
        outcome
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

fn qos_v4(qos: u8) -> rumqttc::QoS {
    match qos {
        0 => rumqttc::QoS::AtMostOnce,
        1 => rumqttc::QoS::AtLeastOnce,
        _ => rumqttc::QoS::ExactlyOnce,
    }
}

fn qos_v5(qos: u8) -> rumqttc::v5::mqttbytes::QoS {
    use rumqttc::v5::mqttbytes::QoS;
    match qos {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

/// Poll an MQTT 3.1.1 event loop until DISCONNECT went out or the connection failed.
async fn pump_v4(mut eventloop: rumqttc::EventLoop, pump: Pump) {
    use rumqttc::{Event as E, Packet as P};
    loop {
        match eventloop.poll().await {
            Ok(E::Incoming(packet)) => {
                pump.shared.trace.incoming_v4(&packet);
                match packet {
                    P::Publish(p) => {
                        pump.message(Message {
                            topic: Bytes::from(p.topic),
                            payload: p.payload,
                            qos: p.qos as u8,
                            retain: p.retain,
                            dup: p.dup,
                            properties: None,
                        })
                        .await
                    }
                    P::PubAck(a) => pump.event(Event::Acked {
                        pkid: a.pkid,
                        failure: None,
                    }),
                    P::PubComp(a) => pump.event(Event::Acked {
                        pkid: a.pkid,
                        failure: None,
                    }),
                    P::SubAck(a) => {
                        let results = a
                            .return_codes
                            .iter()
                            .map(|c| match c {
                                rumqttc::SubscribeReasonCode::Success(q) => Ok(*q as u8),
                                rumqttc::SubscribeReasonCode::Failure => Err(Reason::new(0x80)),
                            })
                            .collect();
                        pump.event(Event::SubAck {
                            pkid: a.pkid,
                            results,
                        })
                    }
                    P::UnsubAck(a) => pump.event(Event::UnsubAck { pkid: a.pkid }),
                    _ => {}
                }
            }
            Ok(E::Outgoing(out)) => {
                pump.shared.trace.outgoing(&out);
                match out {
                    Outgoing::Publish(pkid) => pump.event(Event::Sent { pkid }),
                    Outgoing::Disconnect => {
                        pump.event(Event::Closed);
                        return;
                    }
                    _ => {}
                }
            }
            Err(e) => {
                // Polling again would reconnect at once, with no backoff: stop here.
                pump.lost(connect_error::from_v4(
                    &e,
                    &pump.address,
                    &pump.host,
                    Phase::Connected,
                ));
                return;
            }
        }
    }
}

/// Poll an MQTT 5 event loop; as [`pump_v4`], with reason codes.
async fn pump_v5(mut eventloop: rumqttc::v5::EventLoop, pump: Pump) {
    use rumqttc::v5::Event as E;
    use v5b::Packet as P;
    loop {
        match eventloop.poll().await {
            Ok(E::Incoming(packet)) => {
                pump.shared.trace.incoming_v5(&packet);
                match packet {
                    P::Publish(p) => {
                        pump.message(Message {
                            topic: p.topic,
                            payload: p.payload,
                            qos: p.qos as u8,
                            retain: p.retain,
                            dup: p.dup,
                            properties: PublishProperties::from_v5(p.properties),
                        })
                        .await
                    }
                    P::PubAck(a) => {
                        let code = reason::v5_puback(&a.reason);
                        let text = a.properties.and_then(|p| p.reason_string);
                        pump.event(Event::Acked {
                            pkid: a.pkid,
                            failure: failure(code, text),
                        })
                    }
                    P::PubRec(a) => {
                        // A failing PUBREC ends the QoS 2 exchange: no PUBCOMP will follow.
                        let code = reason::v5_pubrec(&a.reason);
                        if code >= 0x80 {
                            let text = a.properties.and_then(|p| p.reason_string);
                            pump.event(Event::Acked {
                                pkid: a.pkid,
                                failure: failure(code, text),
                            })
                        }
                    }
                    P::PubComp(a) => {
                        let code = reason::v5_pubcomp(&a.reason);
                        let text = a.properties.and_then(|p| p.reason_string);
                        pump.event(Event::Acked {
                            pkid: a.pkid,
                            failure: failure(code, text),
                        })
                    }
                    P::SubAck(a) => {
                        let text = a.properties.and_then(|p| p.reason_string);
                        let results = a
                            .return_codes
                            .iter()
                            .map(|c| {
                                reason::v5_suback(c)
                                    .map_err(|code| Reason::with_text(code, text.clone()))
                            })
                            .collect();
                        pump.event(Event::SubAck {
                            pkid: a.pkid,
                            results,
                        })
                    }
                    P::UnsubAck(a) => pump.event(Event::UnsubAck { pkid: a.pkid }),
                    _ => {}
                }
            }
            Ok(E::Outgoing(out)) => {
                pump.shared.trace.outgoing(&out);
                match out {
                    Outgoing::Publish(pkid) => pump.event(Event::Sent { pkid }),
                    Outgoing::Disconnect => {
                        pump.event(Event::Closed);
                        return;
                    }
                    _ => {}
                }
            }
            Err(e) => {
                pump.lost(connect_error::from_v5(
                    &e,
                    &pump.address,
                    &pump.host,
                    Phase::Connected,
                ));
                return;
            }
        }
    }
}

fn failure(code: u8, text: Option<String>) -> Option<Reason> {
    (code >= 0x80).then(|| Reason::with_text(code, text))
}
