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

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rumqttc::v5::mqttbytes::v5 as v5b;
use rumqttc::Outgoing;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::connect_error::{self, Phase};
use crate::exit::{Exit, Fail};
use crate::options::{ConnectOptions, Protocol, Reconnect};
use crate::outbox::Outbox;
use crate::properties::{PublishProperties, SubscribeOptions};
use crate::reason::{self, Reason};
use crate::trace::Trace;
use crate::transport;

/// MQTT's own limit (a four-byte remaining length), instead of rumqttc's 10 KiB default.
pub const MAX_PACKET_SIZE: usize = 268_435_455;

/// Requests queued towards the event loop before `publish` waits.
const REQUEST_CAPACITY: usize = 512;

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
    /// The packet id the broker gave it (0 for QoS 0); rsub's `-F %m`.
    pub pkid: u16,
    /// MQTT 5 properties, when the message carried any.
    pub properties: Option<Box<PublishProperties>>,
}

/// What happened on the connection, apart from received messages.
#[derive(Debug)]
pub enum Event {
    /// A PUBLISH was written to the connection (packet id 0 for QoS 0). `seq` is the number
    /// [`Session::publish`] returned; a publish sent again after a reconnect is reported again.
    Sent {
        pkid: u16,
        seq: u64,
    },
    /// A QoS 1 or 2 PUBLISH is finished: PUBACK, PUBCOMP, or a failing PUBREC (MQTT 5).
    /// `failure` holds the reason when the broker refused it.
    Acked {
        pkid: u16,
        seq: Option<u64>,
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
    /// The connection dropped; the pump is reconnecting (a line on stderr says so).
    Disconnected,
    /// Connected again. Without a resumed session the broker has forgotten subscriptions;
    /// unfinished publishes are sent again either way.
    Reconnected {
        session_present: bool,
    },
    /// The connection failed for good; the pump has stopped.
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
    outbox: Outbox,
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
    tool: String,
    reconnect: Reconnect,
    connect_timeout: Duration,
    /// Publishes finished since the last reconnect, and connections in a row that the broker
    /// dropped at once, with publishes waiting and none finished: a broker that closes the
    /// connection on a message (one over its maximum packet size, say) would otherwise get
    /// it again forever.
    finished_since_connect: AtomicU64,
    fruitless: AtomicU32,
    connected_at: Mutex<std::time::Instant>,
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

    /// The PUBLISH with this packet id was written.
    fn written(&self, pkid: u16) {
        let entry = self.shared.outbox.written(pkid);
        self.shared.trace.sent_publish(pkid, entry.as_ref());
        if pkid == 0 {
            self.progress();
        }
        if let Some(entry) = entry {
            self.event(Event::Sent {
                pkid,
                seq: entry.seq,
            });
        }
    }

    /// A packet went out; `true` when it was our DISCONNECT (the pump is done).
    fn outgoing(&self, out: Outgoing) -> bool {
        self.shared.trace.outgoing(&out);
        match out {
            Outgoing::Publish(pkid) => self.written(pkid),
            Outgoing::Disconnect => {
                self.event(Event::Closed);
                return true;
            }
            _ => {}
        }
        false
    }

    /// A QoS 1/2 publish is finished.
    fn acked(&self, pkid: u16, failure: Option<Reason>) {
        let seq = self.shared.outbox.finished(pkid);
        self.progress();
        self.event(Event::Acked { pkid, seq, failure });
    }

    fn progress(&self) {
        self.finished_since_connect.fetch_add(1, Relaxed);
    }

    /// The connection dropped: was it the third time in a row that it dropped within a
    /// second of connecting, publishes waiting and none through? (A broker restarted by
    /// hand drops a connection that had time to work; one refusing a packet drops it at once.)
    fn stuck(&self) -> bool {
        let quick = self
            .connected_at
            .lock()
            .map(|at| at.elapsed() < Duration::from_secs(1))
            .unwrap_or(false);
        let stalled = self.shared.outbox.unfinished() > 0
            && self.finished_since_connect.swap(0, Relaxed) == 0
            && quick;
        let times = if stalled {
            self.fruitless.fetch_add(1, Relaxed) + 1
        } else {
            0
        };
        if !stalled {
            self.fruitless.store(0, Relaxed);
        }
        times >= 3
    }

    /// One line on stderr about the connection (loss, retry, recovery).
    fn say(&self, text: std::fmt::Arguments<'_>) {
        crate::cli::warn(&self.tool, text);
    }

    /// After a failure: may we try again, and how long to wait first? `None`: give up.
    fn retry_after(&self, fail: &Fail, attempt: u32) -> Option<Duration> {
        let retryable = matches!(fail.exit, Exit::ConnectionLost | Exit::Unreachable);
        if !retryable || !self.reconnect.enabled {
            return None;
        }
        if attempt == 0 && self.stuck() {
            self.say(format_args!(
                "the broker closed the connection {} times in a row while the same messages were sent; \
                 is one over its maximum packet size?",
                self.fruitless.load(Relaxed)
            ));
            return None;
        }
        if self.reconnect.max.is_some_and(|max| attempt >= max) {
            return None;
        }
        Some(backoff(attempt))
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
            outbox: Outbox::new(opts.debug),
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
            tool: opts.tool.name().to_string(),
            reconnect: opts.reconnect,
            connect_timeout: opts.connect_timeout,
            finished_since_connect: Default::default(),
            fruitless: Default::default(),
            connected_at: Mutex::new(std::time::Instant::now()),
            events: event_tx,
            messages: message_tx,
        };
        // rumqttc's own timeout (whole seconds) also bounds every flush; ours must fire first.
        let mut network = rumqttc::NetworkOptions::new();
        network.set_connection_timeout(opts.connect_timeout.as_secs().max(5) + 5);
        // Writes are already batched (one flush per batch of packets); Nagle's algorithm
        // would only hold the next batch back until the broker acknowledged the last one.
        network.set_tcp_nodelay(true);
        shared.trace.connect(opts);

        let (client, connected, pump) = match opts.protocol {
            Protocol::V311 => {
                let mut mo = transport::mqtt_options_v4(opts)?;
                mo.set_keep_alive(opts.keepalive)
                    .set_clean_session(opts.clean_session)
                    .set_max_packet_size(MAX_PACKET_SIZE, MAX_PACKET_SIZE)
                    .set_inflight(opts.inflight);
                if let Some(c) = &opts.credentials {
                    let password = c.password.as_ref().map(|p| p.expose()).unwrap_or_default();
                    mo.set_credentials(c.username.as_str(), password);
                }
                if let Some(w) = &opts.will {
                    mo.set_last_will(rumqttc::LastWill::new(
                        w.topic.as_str(),
                        w.payload.clone(),
                        qos_v4(w.qos.as_u8()),
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
                    .set_outgoing_inflight_upper_limit(opts.inflight)
                    .set_connection_timeout(network.connection_timeout())
                    .set_network_options(network.clone());
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
                        qos_v5(w.qos.as_u8()),
                        w.retain,
                        None,
                    ));
                }
                crate::connect_v5::apply(&mut mo, opts);
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

    /// Queue a PUBLISH; waits while the request queue is full. Returns the publish's sequence
    /// number: [`Event::Sent`] and [`Event::Acked`] carry it when it went out and when it
    /// was acknowledged.
    pub async fn publish(
        &self,
        topic: &str,
        payload: Bytes,
        qos: u8,
        retain: bool,
    ) -> anyhow::Result<u64> {
        // The entry goes first: the pump may write the request before `send` returns.
        let seq = self.shared.outbox.queue(topic, &payload, qos, retain, None);
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
        if !sent {
            self.shared.outbox.refused();
        }
        self.check(sent).map(|()| seq)
    }

    /// As [`Session::publish`], with MQTT 5 properties. The tools refuse property flags on an
    /// MQTT 3.1.1 session before connecting; this refuses them again rather than drop them.
    pub async fn publish_with(
        &self,
        topic: &str,
        payload: Bytes,
        qos: u8,
        retain: bool,
        properties: Option<&PublishProperties>,
    ) -> anyhow::Result<u64> {
        let Some(properties) = properties.filter(|p| !p.is_empty()) else {
            return self.publish(topic, payload, qos, retain).await;
        };
        let Client::V5(c) = &self.client else {
            return Err(Fail::usage("MQTT 5 properties need -V mqttv5").into());
        };
        // The entry goes first: the pump may write the request before `send` returns.
        let seq = self
            .shared
            .outbox
            .queue(topic, &payload, qos, retain, Some(properties));
        let sent = c
            .publish_bytes_with_properties(topic, qos_v5(qos), retain, payload, properties.to_v5())
            .await
            .is_ok();
        if !sent {
            self.shared.outbox.refused();
        }
        self.check(sent).map(|()| seq)
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
        // The entry goes first: the pump may write the request before this returns.
        self.shared.outbox.queue(topic, &payload, qos, retain, None);
        let result = match &self.client {
            Client::V4(c) => c
                .try_publish(topic, qos_v4(qos), retain, payload)
                .map_err(|e| matches!(e, rumqttc::ClientError::TryRequest(_))),
            Client::V5(c) => c
                .try_publish(topic, qos_v5(qos), retain, payload)
                .map_err(|e| matches!(e, rumqttc::v5::ClientError::TryRequest(_))),
        };
        if result.is_err() {
            self.shared.outbox.refused();
        }
        match result {
            Ok(()) => Ok(true),
            // TryRequest means "full"; anything else means the event loop is gone.
            Err(true) if !self.pump.is_finished() => Ok(false),
            Err(_) => Err(self.lost_error().into()),
        }
    }

    /// Subscribe to filters with their QoS, in one SUBSCRIBE, with the same MQTT 5
    /// subscription options for each (refused on MQTT 3.1.1 unless they are the defaults).
    pub async fn subscribe(
        &self,
        filters: &[(String, u8)],
        options: &SubscribeOptions,
    ) -> anyhow::Result<()> {
        if matches!(self.client, Client::V4(_)) && !options.is_default() {
            return Err(Fail::usage("subscription options need -V mqttv5").into());
        }
        self.shared
            .trace
            .note_subscribe(filters, &options.trace_text());
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
                    .map(|(f, q)| options.filter_v5(f, qos_v5(*q)));
                match options.properties_v5() {
                    Some(props) => c.subscribe_many_with_properties(list, props).await.is_ok(),
                    None => c.subscribe_many(list).await.is_ok(),
                }
            }
        };
        self.check(sent)
    }

    /// Unsubscribe from one filter; MQTT 5 user properties go with it when given.
    pub async fn unsubscribe(
        &self,
        filter: &str,
        user_properties: &[(String, String)],
    ) -> anyhow::Result<()> {
        if matches!(self.client, Client::V4(_)) && !user_properties.is_empty() {
            return Err(Fail::usage("UNSUBSCRIBE user properties need -V mqttv5").into());
        }
        self.shared.trace.note_unsubscribe(filter);
        let sent = match &self.client {
            Client::V4(c) => c.unsubscribe(filter).await.is_ok(),
            Client::V5(c) if user_properties.is_empty() => c.unsubscribe(filter).await.is_ok(),
            Client::V5(c) => {
                let props = v5b::UnsubscribeProperties {
                    user_properties: user_properties.to_vec(),
                };
                c.unsubscribe_with_properties(filter, props).await.is_ok()
            }
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

/// Reconnect delays: 1 s doubling to 30 s, with up to 20% jitter so that a room full of
/// clients does not hit a restarted broker in the same instant.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_secs(1u64 << attempt.min(5)).min(Duration::from_secs(30));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    base + base.mul_f64(f64::from(nanos % 200) / 1000.0)
}

/// A request rumqttc left in its pending list after a failure, as recovery sees it.
enum Left<R> {
    /// A publish it had written (it carries its packet id).
    Written(u16, R),
    /// A QoS 2 publish that had its PUBREC: only its PUBREL is left.
    Released(u16),
    /// An acknowledgement: it belongs to the broker's old session.
    Ack,
    /// Anything else, drained from the request channel.
    Other(R),
}

/// What recovery needs of either protocol's event loop and requests.
trait Recoverable: Reconnecting {
    type Request;
    fn pending(&mut self) -> &mut std::collections::VecDeque<Self::Request>;
    fn sort(request: Self::Request) -> Left<Self::Request>;
    /// The publish rumqttc held back for a packet id still in use, under a fresh id.
    fn take_collision(&mut self) -> Option<Self::Request>;
    fn pubrel(pkid: u16) -> Self::Request;
    /// The whole PUBLISH again, from the outbox's copy, as a duplicate.
    fn republish(pkid: u16, entry: crate::outbox::Entry) -> Self::Request;
}

impl Recoverable for rumqttc::EventLoop {
    type Request = rumqttc::Request;
    fn pending(&mut self) -> &mut std::collections::VecDeque<Self::Request> {
        &mut self.pending
    }
    fn sort(request: Self::Request) -> Left<Self::Request> {
        use rumqttc::Request as R;
        match request {
            R::Publish(mut p) if p.pkid != 0 => {
                // Sent before: it goes out again with DUP set (MQTT 3.1.1, 3.3.1.1).
                p.dup = true;
                Left::Written(p.pkid, R::Publish(p))
            }
            R::PubRel(r) => Left::Released(r.pkid),
            R::PubAck(_) | R::PubRec(_) | R::PubComp(_) => Left::Ack,
            other => Left::Other(other),
        }
    }
    fn take_collision(&mut self) -> Option<Self::Request> {
        let mut p = self.state.collision.take()?;
        p.pkid = 0;
        Some(rumqttc::Request::Publish(p))
    }
    fn pubrel(pkid: u16) -> Self::Request {
        rumqttc::Request::PubRel(rumqttc::PubRel::new(pkid))
    }
    fn republish(pkid: u16, entry: crate::outbox::Entry) -> Self::Request {
        let mut p = rumqttc::Publish::from_bytes(
            entry.topic.unwrap_or_default(),
            qos_v4(entry.qos),
            entry.payload.unwrap_or_default(),
        );
        p.retain = entry.retain;
        p.pkid = pkid;
        p.dup = true;
        rumqttc::Request::Publish(p)
    }
}

impl Recoverable for rumqttc::v5::EventLoop {
    type Request = rumqttc::v5::Request;
    fn pending(&mut self) -> &mut std::collections::VecDeque<Self::Request> {
        &mut self.pending
    }
    fn sort(request: Self::Request) -> Left<Self::Request> {
        use rumqttc::v5::Request as R;
        match request {
            R::Publish(mut p) if p.pkid != 0 => {
                // Sent before: it goes out again with DUP set (MQTT 3.1.1, 3.3.1.1).
                p.dup = true;
                Left::Written(p.pkid, R::Publish(p))
            }
            R::PubRel(r) => Left::Released(r.pkid),
            R::PubAck(_) | R::PubRec(_) | R::PubComp(_) => Left::Ack,
            other => Left::Other(other),
        }
    }
    fn take_collision(&mut self) -> Option<Self::Request> {
        let mut p = self.state.collision.take()?;
        p.pkid = 0;
        Some(rumqttc::v5::Request::Publish(p))
    }
    fn pubrel(pkid: u16) -> Self::Request {
        rumqttc::v5::Request::PubRel(v5b::PubRel::new(pkid, None))
    }
    fn republish(pkid: u16, entry: crate::outbox::Entry) -> Self::Request {
        let mut p = v5b::Publish::new(
            entry.topic.unwrap_or_default(),
            qos_v5(entry.qos),
            entry.payload.unwrap_or_default(),
            entry.properties.map(|p| p.to_v5()),
        );
        p.retain = entry.retain;
        p.pkid = pkid;
        p.dup = true;
        rumqttc::v5::Request::Publish(p)
    }
}

/// After the connection failed with `fail`: reconnect, and put back in order what must go
/// out again. `false` when reconnecting gave up (the loss was reported).
async fn recover<L: Recoverable>(eventloop: &mut L, pump: &Pump, fail: Fail) -> bool {
    // rumqttc has moved its unfinished work into `pending`; take it before a reconnect into
    // a new session clears it.
    let mut written = Vec::new();
    let mut written_pkids = Vec::new();
    let mut released = Vec::new();
    let mut rest = Vec::new();
    for request in eventloop.pending().drain(..).map(L::sort) {
        match request {
            Left::Written(pkid, request) => {
                written_pkids.push(pkid);
                written.push(request);
            }
            Left::Released(pkid) => released.push(pkid),
            Left::Ack => {}
            Left::Other(request) => rest.push(request),
        }
    }
    // A publish rumqttc held back for a packet id still in use was never written and would
    // block every later request in the new connection: it goes out first among the unwritten
    // ones, under a fresh id.
    if let Some(held) = eventloop.take_collision() {
        rest.insert(0, held);
    }
    pump.shared.outbox.requeue_written(&written_pkids);
    let Some(session_present) = reconnect(eventloop, pump, fail).await else {
        return false;
    };
    let mut restored = Vec::new();
    if session_present {
        restored.extend(written);
        restored.extend(released.iter().map(|&pkid| L::pubrel(pkid)));
    } else {
        // A new session: PUBREL would release nothing; send those publishes again.
        for (pkid, entry) in pump.shared.outbox.recover(&released).republish {
            restored.push(L::republish(pkid, entry));
        }
        restored.extend(written);
    }
    restored.extend(rest);
    let pending = eventloop.pending();
    for request in restored.into_iter().rev() {
        pending.push_front(request);
    }
    pump.event(Event::Reconnected { session_present });
    true
}

/// Poll an MQTT 3.1.1 event loop until DISCONNECT went out, or the connection failed and
/// could not be restored.
async fn pump_v4(mut eventloop: rumqttc::EventLoop, pump: Pump) {
    use rumqttc::{Event as E, Packet as P};
    let mut stale = std::collections::VecDeque::new();
    let mut failed = None;
    loop {
        // Events left from before a failure first, then the failure, then the connection.
        let polled = if let Some(event) = stale.pop_front() {
            Ok(event)
        } else if let Some(e) = failed.take() {
            Err(e)
        } else {
            eventloop.poll().await
        };
        match polled {
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
                            pkid: p.pkid,
                            properties: None,
                        })
                        .await
                    }
                    P::PubAck(a) => pump.acked(a.pkid, None),
                    P::PubComp(a) => pump.acked(a.pkid, None),
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
                if pump.outgoing(out) {
                    return;
                }
            }
            Err(e) if !eventloop.state.events.is_empty() => {
                // What rumqttc read or wrote before the failure, still queued as events, happened
                // all the same: handle it first, so that the outbox knows exactly what was
                // written and acknowledged before recovery decides what to send again.
                stale.extend(eventloop.state.events.drain(..));
                failed = Some(e);
            }
            Err(e) => {
                let fail = connect_error::from_v4(&e, &pump.address, &pump.host, Phase::Connected);
                if !recover(&mut eventloop, &pump, fail).await {
                    return;
                }
            }
        }
    }
}

/// One reconnect attempt of either protocol's event loop: poll it once (it connects when it
/// has no connection) and say what came back.
trait Reconnecting {
    /// `Ok(session_present)` on CONNACK; otherwise why this attempt failed.
    async fn connect_once(&mut self, pump: &Pump) -> Result<bool, Fail>;
}

impl Reconnecting for rumqttc::EventLoop {
    async fn connect_once(&mut self, pump: &Pump) -> Result<bool, Fail> {
        match self.poll().await {
            Ok(rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(ack))) => {
                pump.shared
                    .trace
                    .incoming_v4(&rumqttc::Packet::ConnAck(ack.clone()));
                Ok(ack.session_present)
            }
            Ok(other) => Err(Fail::new(
                Exit::ConnectionLost,
                format!("{} answered CONNECT with {other:?}", pump.address),
            )),
            Err(e) => Err(connect_error::from_v4(
                &e,
                &pump.address,
                &pump.host,
                Phase::Connecting,
            )),
        }
    }
}

impl Reconnecting for rumqttc::v5::EventLoop {
    async fn connect_once(&mut self, pump: &Pump) -> Result<bool, Fail> {
        match self.poll().await {
            Ok(rumqttc::v5::Event::Incoming(v5b::Packet::ConnAck(ack))) => {
                pump.shared
                    .trace
                    .incoming_v5(&v5b::Packet::ConnAck(ack.clone()));
                Ok(ack.session_present)
            }
            Ok(other) => Err(Fail::new(
                Exit::ConnectionLost,
                format!("{} answered CONNECT with {other:?}", pump.address),
            )),
            Err(e) => Err(connect_error::from_v5(
                &e,
                &pump.address,
                &pump.host,
                Phase::Connecting,
            )),
        }
    }
}

/// Connect again after `fail`, with backoff; `Some(session_present)` once connected, `None`
/// after giving up (the loss was reported).
async fn reconnect(eventloop: &mut impl Reconnecting, pump: &Pump, fail: Fail) -> Option<bool> {
    let mut last = fail;
    let mut attempt = 0;
    loop {
        let Some(delay) = pump.retry_after(&last, attempt) else {
            pump.lost(gave_up(last, attempt));
            return None;
        };
        if attempt == 0 {
            pump.event(Event::Disconnected);
        }
        pump.say(format_args!(
            "{}; reconnecting in {}",
            last.message,
            crate::duration::show(round(delay))
        ));
        tokio::time::sleep(delay).await;
        attempt += 1;
        pump.shared
            .trace
            .line(format_args!("sending CONNECT (reconnect {attempt})"));
        match tokio::time::timeout(pump.connect_timeout, eventloop.connect_once(pump)).await {
            Ok(Ok(session_present)) => {
                pump.say(format_args!(
                    "reconnected to {}{}",
                    pump.address,
                    resumed(session_present)
                ));
                if let Ok(mut at) = pump.connected_at.lock() {
                    *at = std::time::Instant::now();
                }
                return Some(session_present);
            }
            Ok(Err(fail)) => last = fail,
            Err(_) => last = connect_error::connect_timeout(&pump.address, pump.connect_timeout),
        }
    }
}

/// Poll an MQTT 5 event loop; as [`pump_v4`], with reason codes and properties.
async fn pump_v5(mut eventloop: rumqttc::v5::EventLoop, pump: Pump) {
    use rumqttc::v5::Event as E;
    use v5b::Packet as P;
    let mut stale = std::collections::VecDeque::new();
    let mut failed = None;
    loop {
        // Events left from before a failure first, then the failure, then the connection.
        let polled = if let Some(event) = stale.pop_front() {
            Ok(event)
        } else if let Some(e) = failed.take() {
            Err(e)
        } else {
            eventloop.poll().await
        };
        match polled {
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
                            pkid: p.pkid,
                            properties: PublishProperties::from_v5(p.properties),
                        })
                        .await
                    }
                    P::PubAck(a) => {
                        let code = reason::v5_puback(&a.reason);
                        let text = a.properties.and_then(|p| p.reason_string);
                        pump.acked(a.pkid, failure(code, text))
                    }
                    P::PubRec(a) => {
                        // A failing PUBREC ends the QoS 2 exchange: no PUBCOMP will follow.
                        let code = reason::v5_pubrec(&a.reason);
                        if code >= 0x80 {
                            let text = a.properties.and_then(|p| p.reason_string);
                            pump.acked(a.pkid, failure(code, text))
                        }
                    }
                    P::PubComp(a) => {
                        let code = reason::v5_pubcomp(&a.reason);
                        let text = a.properties.and_then(|p| p.reason_string);
                        pump.acked(a.pkid, failure(code, text))
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
                if pump.outgoing(out) {
                    return;
                }
            }
            Err(e) if !eventloop.state.events.is_empty() => {
                // What rumqttc read or wrote before the failure, still queued as events, happened
                // all the same: handle it first, so that the outbox knows exactly what was
                // written and acknowledged before recovery decides what to send again.
                stale.extend(eventloop.state.events.drain(..));
                failed = Some(e);
            }
            Err(e) => {
                let fail = connect_error::from_v5(&e, &pump.address, &pump.host, Phase::Connected);
                if !recover(&mut eventloop, &pump, fail).await {
                    return;
                }
            }
        }
    }
}

/// The final word after reconnecting failed `attempts` times.
fn gave_up(last: Fail, attempts: u32) -> Fail {
    if attempts == 0 {
        return last;
    }
    // Whatever the last attempt said, the connection is what was lost.
    Fail::new(
        Exit::ConnectionLost,
        format!(
            "gave up reconnecting after {attempts} attempts: {}",
            last.message
        ),
    )
}

fn resumed(session_present: bool) -> &'static str {
    if session_present {
        " (session resumed)"
    } else {
        " (new session)"
    }
}

/// Delays shown to people in tenths of a second.
fn round(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64 / 100 * 100)
}

fn failure(code: u8, text: Option<String>) -> Option<Reason> {
    (code >= 0x80).then(|| Reason::with_text(code, text))
}
