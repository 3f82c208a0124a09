//! One MQTT session over rumqttc, the same for MQTT 3.1.1 and MQTT 5, so that nothing in rpub
//! or rsub branches on the protocol version.
//!
//! Shape: [`Session::connect`] polls the event loop itself until CONNACK (`connect.rs`: a
//! refused or unreachable broker is an error right there), then hands the event loop to a
//! pump task (`pump.rs`) that polls it for the rest of the session. The pump is the only code
//! that polls: rumqttc sends nothing unless polled, and a poll future cancelled half-way can
//! lose a packet, so nothing else ever races with it. When the connection fails, the pump
//! reconnects (`reconnect.rs`) and puts back what must go out again (`recovery.rs`, with the
//! `outbox.rs` that follows every publish).
//!
//! What differs between MQTT 3.1.1 and MQTT 5 is behind one trait (`protocol/`): each packet
//! becomes a protocol-neutral one (`packet.rs`) once, in the pump, and both the `-d` trace
//! (`trace.rs`) and the tool see that one. Errors become one line and an exit status in
//! `failure.rs`.
//!
//! The pump hands protocol-neutral [`Event`]s over an unbounded channel (the pump never waits
//! on the tool, which would deadlock against a tool waiting for room in the request channel)
//! and received [`Message`]s over a bounded channel: when the tool cannot write its output
//! fast enough the pump waits, stops reading the socket, and TCP pushes back on the broker.
//! Memory stays bounded whatever the message rate.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::exit::{Exit, Fail};
use crate::options::{ConnectOptions, Protocol};
use crate::properties::{DisconnectProperties, PublishProperties, SubscribeOptions};
use crate::qos::Qos;
use crate::reason::Reason;
use client::Client;
use connect::First;
use early::{Early, Subscribe};
use outbox::Outbox;
use protocol::{v4::V4, v5::V5, Refused, Request};
use pump::Pump;
use subscribes::Subscribes;
use trace::Trace;

pub use crate::message::Message;
pub use protocol::Publish;

mod client;
mod connect;
mod early;
mod failure;
mod inbox;
mod outbox;
mod packet;
mod protocol;
mod pump;
mod reconnect;
mod recovery;
mod subscribes;
pub(crate) mod trace;

/// MQTT's own limit (a four-byte remaining length), instead of rumqttc's 10 KiB default.
pub const MAX_PACKET_SIZE: usize = 268_435_455;

/// Requests queued towards the event loop before `publish` waits. rumqttc writes as many
/// before one flush (`MAX_REQUEST_BATCH`, its README's item 1): a full queue is one write.
const REQUEST_CAPACITY: usize = 512;

/// What happened on the connection, apart from received messages.
#[derive(Debug)]
pub enum Event {
    /// A QoS 1 or 2 PUBLISH was written to the connection under packet id `pkid`. `seq` is
    /// the number [`Session::publish`] returned; a publish sent again after a reconnect is
    /// reported again.
    Sent { pkid: u16, seq: u64 },
    /// QoS 0 PUBLISHes were written: those numbered `seqs`. A run of them is reported at
    /// once, before any other event and before the pump waits, so the order of events is
    /// the order of the writes.
    SentQos0 { seqs: std::ops::Range<u64> },
    /// A QoS 1 or 2 PUBLISH is finished: PUBACK, PUBCOMP, or a failing PUBREC (MQTT 5),
    /// for the packet id it is in flight under (an acknowledgement of anything else finishes
    /// nothing: see the outbox). `failure` holds the reason when the broker refused it.
    Acked {
        pkid: u16,
        seq: u64,
        failure: Option<Reason>,
    },
    /// SUBACK: per filter, the granted QoS or the failure reason.
    SubAck {
        pkid: u16,
        results: Vec<Result<Qos, Reason>>,
    },
    /// UNSUBACK; MQTT 5 may say the broker refused (the first failing reason code).
    UnsubAck { pkid: u16, failure: Option<Reason> },
    /// The connection dropped; the pump is reconnecting (a line on stderr says so).
    Disconnected,
    /// Connected again. Without a resumed session the broker has forgotten subscriptions;
    /// unfinished publishes are sent again either way.
    Reconnected { session_present: bool },
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

/// What the pump shares with the session handle.
struct Shared {
    trace: Trace,
    outbox: Outbox,
    subscribes: Subscribes,
    unsubscribes: Subscribes,
    /// Set when the pump stops on an error, so a failed request can say why.
    lost: Mutex<Option<(Exit, String)>>,
}

/// A connected MQTT session.
pub struct Session {
    client: Client,
    shared: Arc<Shared>,
    address: String,
    /// `-D disconnect ...`: what the DISCONNECT at the end carries.
    farewell: DisconnectProperties,
    pub connected: Connected,
    events: mpsc::UnboundedReceiver<Event>,
    messages: inbox::Receiver,
    pump: JoinHandle<()>,
}

impl Session {
    /// Connect and wait for CONNACK. Every failure is a [`Fail`] with its exit status.
    pub async fn connect(opts: &ConnectOptions) -> Result<Session, Fail> {
        Ok(Self::open(opts, ()).await?.0)
    }

    /// As [`Session::connect`], with `first` handed over too; its sequence number (as
    /// [`Session::publish`] returns it) comes back with the session. Over MQTT 3.1.1 it goes
    /// out in the same write as CONNECT, a round trip sooner: the spec allows it (3.1.4), and
    /// a broker that refuses the connection drops it unread. Over MQTT 5 it waits for
    /// CONNACK, whose limits it must keep to.
    pub async fn connect_publishing(
        opts: &ConnectOptions,
        mut first: Publish<'_>,
    ) -> Result<(Session, u64), Fail> {
        first.properties = first.properties.filter(|p| !p.is_empty());
        let (session, first) = Self::open(opts, first).await?;
        let seq = match first {
            First::WithConnect(seq) => seq,
            First::AfterConnack(publish) => session.hand_over(publish).await?,
        };
        Ok((session, seq))
    }

    /// As [`Session::connect`], subscribed to `filters` too, as [`Session::subscribe`] does
    /// (no filters: none). Over MQTT 3.1.1 the SUBSCRIBE goes out in the same write as
    /// CONNECT, so the first message comes a round trip sooner; with MQTT 5 (or subscription
    /// options) it waits for CONNACK.
    pub async fn connect_subscribing(
        opts: &ConnectOptions,
        filters: &[(String, Qos)],
        options: &SubscribeOptions,
    ) -> Result<Session, Fail> {
        if filters.is_empty() {
            return Self::connect(opts).await;
        }
        let (session, first) = Self::open(opts, Subscribe { filters, options }).await?;
        if let First::AfterConnack(Subscribe { filters, options }) = first {
            session.subscribe(filters, options).await?;
        }
        Ok(session)
    }

    /// Connect, with a first request (`()`: none).
    async fn open<'a, E: Early<'a>>(
        opts: &ConnectOptions,
        first: E,
    ) -> Result<(Session, First<'a, E>), Fail> {
        let shared = Arc::new(Shared {
            trace: Trace::new(&opts.client_id, opts.debug),
            outbox: Outbox::new(opts.debug),
            subscribes: Subscribes::new("SUBSCRIBE"),
            unsubscribes: Subscribes::new("UNSUBSCRIBE"),
            lost: Mutex::default(),
        });
        let (event_tx, events) = mpsc::unbounded_channel();
        let (message_tx, messages) = inbox::inbox();
        let pump = Pump::new(opts, shared.clone(), event_tx, message_tx);
        shared.trace.connect(opts);
        let (client, connected, pump, first) = match opts.protocol {
            // MQTT 3.1 differs from 3.1.1 only in its CONNECT, which the v4 client writes.
            Protocol::V31 | Protocol::V311 => {
                let s = connect::start::<V4, E>(opts, pump, first).await?;
                (Client::V4(s.client), s.connected, s.pump, s.first)
            }
            Protocol::V5 => {
                let s = connect::start::<V5, E>(opts, pump, first).await?;
                (Client::V5(s.client), s.connected, s.pump, s.first)
            }
        };
        let session = Session {
            client,
            shared,
            address: opts.transport.address(),
            farewell: opts.mqtt5.disconnect.clone(),
            connected,
            events,
            messages,
            pump,
        };
        Ok((session, first))
    }

    /// `host:port` of the broker, for messages.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Queue a PUBLISH; waits while the request queue is full. Returns the publish's sequence
    /// number: [`Event::Sent`] (or [`Event::SentQos0`]) and [`Event::Acked`] carry it when it went out and when it
    /// was acknowledged.
    pub async fn publish(
        &self,
        topic: &str,
        payload: Bytes,
        qos: Qos,
        retain: bool,
    ) -> Result<u64, Fail> {
        self.publish_with(topic, payload, qos, retain, None).await
    }

    /// As [`Session::publish`], with MQTT 5 properties. The tools refuse property flags on an
    /// MQTT 3.1.1 session before connecting; this refuses them again rather than drop them.
    pub async fn publish_with(
        &self,
        topic: &str,
        payload: Bytes,
        qos: Qos,
        retain: bool,
        properties: Option<&PublishProperties>,
    ) -> Result<u64, Fail> {
        let publish = Publish {
            topic,
            payload,
            qos,
            retain,
            properties: properties.filter(|p| !p.is_empty()),
        };
        match self.try_hand_over(publish)? {
            Ok(seq) => Ok(seq),
            // Boxed: the wait's future (either protocol's, for every kind of request) is
            // large, and a bulk publish builds and moves one future of this function per
            // message. Most find room at once and never build the wait.
            Err(publish) => Box::pin(self.hand_over(publish)).await,
        }
    }

    /// Queue `publish`, waiting while the request queue is full; its sequence number.
    async fn hand_over(&self, publish: Publish<'_>) -> Result<u64, Fail> {
        self.client
            .needs_mqtt5(publish.properties.is_some(), "MQTT 5 properties")?;
        // The entry goes first: the pump may write the request before `send` returns.
        let seq = self.shared.outbox.queue(&publish);
        let sent = self.client.send(Request::Publish(publish)).await;
        if !sent {
            self.shared.outbox.refused();
        }
        self.check(sent).map(|()| seq)
    }

    /// Queue a PUBLISH if the request queue has room: its sequence number, or `None` when
    /// the queue is full (then nothing was queued). For tools that read messages too:
    /// waiting for room there could wait on themselves.
    pub fn try_publish(
        &self,
        topic: &str,
        payload: Bytes,
        qos: Qos,
        retain: bool,
    ) -> Result<Option<u64>, Fail> {
        let publish = Publish {
            topic,
            payload,
            qos,
            retain,
            properties: None,
        };
        Ok(self.try_hand_over(publish)?.ok())
    }

    /// Queue `publish` if the request queue has room: `Ok` with its sequence number, or, when
    /// the queue is full, `Err` with the publish given back (nothing was queued).
    fn try_hand_over<'a>(&self, publish: Publish<'a>) -> Result<Result<u64, Publish<'a>>, Fail> {
        self.client
            .needs_mqtt5(publish.properties.is_some(), "MQTT 5 properties")?;
        // The entry goes first: the pump may write the request before this returns.
        let seq = self.shared.outbox.queue(&publish);
        let Publish {
            topic,
            qos,
            retain,
            properties,
            ..
        } = publish;
        match self.client.try_publish(publish) {
            Ok(()) => Ok(Ok(seq)),
            Err(refused) => {
                self.shared.outbox.refused();
                match refused {
                    // rumqttc says "full" also when the event loop is gone: the pump knows
                    // which.
                    Refused::Full(payload) if !self.pump.is_finished() => Ok(Err(Publish {
                        topic,
                        payload,
                        qos,
                        retain,
                        properties,
                    })),
                    _ => Err(self.lost_error()),
                }
            }
        }
    }

    /// Subscribe to filters with their QoS, in one SUBSCRIBE, with the same MQTT 5
    /// subscription options for each (refused on MQTT 3.1.1 unless they are the defaults).
    pub async fn subscribe(
        &self,
        filters: &[(String, Qos)],
        options: &SubscribeOptions,
    ) -> Result<(), Fail> {
        self.client
            .needs_mqtt5(!options.is_default(), "subscription options")?;
        self.shared
            .trace
            .note_subscribe(filters, &options.trace_text());
        self.shared.subscribes.queue(filters.len());
        let sent = self
            .client
            .send(Request::Subscribe { filters, options })
            .await;
        if !sent {
            self.shared.subscribes.refused();
        }
        self.check(sent)
    }

    /// Unsubscribe from one filter; MQTT 5 user properties go with it when given.
    pub async fn unsubscribe(
        &self,
        filter: &str,
        user_properties: &[(String, String)],
    ) -> Result<(), Fail> {
        self.client
            .needs_mqtt5(!user_properties.is_empty(), "UNSUBSCRIBE user properties")?;
        self.shared.trace.note_unsubscribe(filter);
        let request = Request::Unsubscribe {
            filter,
            user_properties,
        };
        self.shared.unsubscribes.queue(1);
        let sent = self.client.send(request).await;
        if !sent {
            self.shared.unsubscribes.refused();
        }
        self.check(sent)
    }

    /// A request could not be queued only when the pump has stopped: say why.
    fn check(&self, sent: bool) -> Result<(), Fail> {
        if sent {
            Ok(())
        } else {
            Err(self.lost_error())
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
        let (exit, message) = lost.unwrap_or_else(|| {
            (
                Exit::ConnectionLost,
                format!("connection to {} lost", self.address),
            )
        });
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

    /// A received message if one is waiting, without waiting; rsub flushes its output when
    /// none is.
    pub fn try_message(&mut self) -> Option<Message> {
        self.messages.try_recv()
    }

    /// Stop taking messages: the pump discards what arrives from now on instead of waiting
    /// for the tool to read it. Call before a final [`Session::disconnect`].
    pub fn stop_messages(&mut self) {
        self.messages.close();
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
        let outcome = if self.client.send(Request::Disconnect(&self.farewell)).await {
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
