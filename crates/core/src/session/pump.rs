//! The pump: the task that polls the event loop for the whole session, written once for both
//! protocols. Each event is translated once into a neutral [`Polled`]; the trace prints it and
//! the pump hands it on: received messages to the inbox, the rest as [`Event`]s.
//!
//! When the connection fails, rumqttc may still hold events it read or wrote before the
//! failure: they happened all the same, so they are handled first (the outbox must know
//! exactly what was written and acknowledged before recovery decides what to send again),
//! then the failure.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::failure::{self, Peer, Phase};
use super::inbox;
use super::outbox::{Ack, Answered};
use super::packet::{Outgoing, Packet, Polled};
use super::protocol::Wire;
use super::{reconnect, recovery, Event, Message, Shared};
use crate::exit::Fail;
use crate::options::{ConnectOptions, Protocol, Reconnect};
use crate::reason::Reason;
use crate::tool::Tool;

/// The pump's state and its ends of the channels.
pub struct Pump {
    pub shared: Arc<Shared>,
    /// The broker, as failures and lines on stderr name it.
    pub peer: Peer,
    tool: Tool,
    /// MQTT 5: an UNSUBACK carries a reason code per filter.
    mqtt5: bool,
    pub reconnect: Reconnect,
    pub connect_timeout: Duration,
    /// Publishes finished since the last reconnect, and connections in a row that the broker
    /// dropped at once, with publishes waiting and none finished: a broker that closes the
    /// connection on a message (one over its maximum packet size, say) would otherwise get
    /// it again forever.
    finished_since_connect: AtomicU64,
    fruitless: AtomicU32,
    connected_at: Mutex<Instant>,
    /// QoS 0 publishes written and not yet handed on: one [`Event::SentQos0`] for a run of
    /// them instead of an event each, which was a sixth of a bulk QoS 0 publish's CPU time.
    unreported: Unreported,
    events: mpsc::UnboundedSender<Event>,
    messages: inbox::Sender,
}

/// The run of consecutively numbered QoS 0 publishes written since the last event, as
/// `start..end` (empty when equal). Only the pump's task touches it; atomics, because the
/// pump is borrowed across its awaits and so must be `Sync`.
#[derive(Default)]
struct Unreported {
    start: AtomicU64,
    end: AtomicU64,
}

impl Unreported {
    /// Publish `seq` was written: it joins the run if it follows it; otherwise the run so
    /// far is returned, to be handed on before this one starts a new run.
    fn add(&self, seq: u64) -> Option<Range<u64>> {
        let (start, end) = (self.start.load(Relaxed), self.end.load(Relaxed));
        self.end.store(seq + 1, Relaxed);
        if end == seq && start < end {
            return None;
        }
        self.start.store(seq, Relaxed);
        (start < end).then_some(start..end)
    }

    /// The run, emptied.
    fn take(&self) -> Option<Range<u64>> {
        let (start, end) = (self.start.load(Relaxed), self.end.load(Relaxed));
        self.start.store(end, Relaxed);
        (start < end).then_some(start..end)
    }
}

/// What is left to do after handing on one event.
enum Handled {
    Next,
    /// The inbox is full: the pump waits for room before polling again, and TCP
    /// pushes back on the broker meanwhile.
    Full(Message),
    /// Our DISCONNECT went out: the pump is done.
    Done,
}

/// Poll the event loop until our DISCONNECT went out, or the connection failed and could
/// not be restored.
pub async fn run<W: Wire>(mut eventloop: W::EventLoop, pump: Pump) {
    let mut stale = VecDeque::new();
    let mut failed = None;
    loop {
        // Events left from before a failure first, then the failure, then the connection.
        let polled = if let Some(event) = stale.pop_front() {
            Ok(event)
        } else if let Some(e) = failed.take() {
            Err(e)
        } else if let Some(event) = W::stale(&mut eventloop).pop_front() {
            // What the last read brought beyond its first packet: the poll would hand out
            // the same first thing, after building its whole future for it.
            Ok(event)
        } else {
            // Before any wait, the tool hears of what was written.
            pump.report_written();
            W::poll(&mut eventloop).await
        };
        match polled {
            Ok(event) => match pump.handle(W::translate(event)) {
                Ok(Handled::Next) => {}
                // The one await on the way of a message, taken only when the tool is behind.
                Ok(Handled::Full(message)) => {
                    pump.report_written();
                    pump.messages.send(message).await
                }
                Ok(Handled::Done) => return,
                Err(what) => {
                    // Nothing the broker says from here on can be trusted: the session ends,
                    // and the broker is told why.
                    W::protocol_error(&mut eventloop).await;
                    let told = Reason::new(failure::PROTOCOL_ERROR);
                    pump.shared.trace.told::<W>(Some(told));
                    let cause = failure::Cause::Protocol(format!("the broker sent {what}"));
                    pump.lost(failure::read(&cause, &pump.peer, Phase::Connected));
                    return;
                }
            },
            Err(e) if !W::stale(&mut eventloop).is_empty() => {
                stale.extend(W::stale(&mut eventloop).drain(..));
                failed = Some(e);
            }
            Err(e) => {
                let (fail, ends) = {
                    let (cause, fail) = pump.failure::<W>(&e, Phase::Connected);
                    (fail, cause.ends_session())
                };
                if ends {
                    // rumqttc has told the broker (MQTT 5: DISCONNECT 0x81 or 0x95) and closed.
                    pump.lost(fail);
                    return;
                }
                pump.report_written();
                if !recovery::recover::<W>(&mut eventloop, &pump, fail).await {
                    return;
                }
            }
        }
    }
}

impl Pump {
    /// The pump of a session with these settings.
    pub fn new(
        opts: &ConnectOptions,
        shared: Arc<Shared>,
        events: mpsc::UnboundedSender<Event>,
        messages: inbox::Sender,
    ) -> Pump {
        Pump {
            shared,
            peer: Peer::of(&opts.transport),
            tool: opts.tool,
            mqtt5: opts.protocol == Protocol::V5,
            reconnect: opts.reconnect,
            connect_timeout: opts.connect_timeout,
            finished_since_connect: AtomicU64::default(),
            fruitless: AtomicU32::default(),
            connected_at: Mutex::new(Instant::now()),
            unreported: Unreported::default(),
            events,
            messages,
        }
    }

    /// A failure of the event loop in the project's terms, and in words with its exit status,
    /// once `-d` has shown the DISCONNECT rumqttc sent the broker for it, if it sent one
    /// (MQTT 5: see [`Wire::told`]). Every place that reads a failure goes through
    /// here, so none can leave that line out.
    pub fn failure<'e, W: Wire>(
        &self,
        e: &'e W::Error,
        phase: Phase,
    ) -> (failure::Cause<'e>, Fail) {
        let cause = W::cause(e);
        self.shared.trace.told::<W>(W::told(e));
        let fail = failure::read(&cause, &self.peer, phase);
        (cause, fail)
    }

    /// Trace and hand on one event. Not async: a future per message, built and moved into
    /// the pump's, cost more than handing the message on. `Err` says, in words following
    /// "the broker sent", how the broker broke the protocol.
    fn handle(&self, polled: Polled) -> Result<Handled, String> {
        match polled {
            Polled::Received(packet) => {
                self.shared.trace.received(&packet);
                self.received(packet)
            }
            Polled::Sent(out) => {
                self.shared.trace.sent(&out);
                Ok(if self.sent(out) {
                    Handled::Done
                } else {
                    Handled::Next
                })
            }
        }
    }

    /// A packet from the broker: a message for the tool, or what it finishes. `Err` says, in
    /// words following "the broker sent", how it broke the protocol.
    fn received(&self, packet: Packet) -> Result<Handled, String> {
        match packet {
            // A closed receiver means the tool wants no more messages (it is exiting).
            Packet::Publish(message) => {
                if let Err(message) = self.messages.try_send(message) {
                    return Ok(Handled::Full(message));
                }
            }
            Packet::PubAck { pkid, reason } => self.acked(pkid, Ack::PubAck, reason)?,
            // A failing PUBREC ends the QoS 2 exchange: no PUBCOMP will follow.
            Packet::PubRec { pkid, reason } => self.acked(pkid, Ack::PubRec, reason)?,
            Packet::PubComp { pkid, reason } => self.acked(pkid, Ack::PubComp, reason)?,
            Packet::SubAck { pkid, results } => {
                let answered = self.shared.subscribes.answered(pkid, Some(results.len()));
                answered.map_err(|why| format!("a SUBACK {why}"))?;
                let results = results
                    .into_iter()
                    .map(|r| r.map_err(|code| code.into_reason()))
                    .collect();
                self.event(Event::SubAck { pkid, results })
            }
            Packet::UnsubAck { pkid, reasons } => {
                // MQTT 3.1.1 has no reason codes; MQTT 5 one per filter.
                let count = (!reasons.is_empty() || self.mqtt5).then_some(reasons.len());
                let answered = self.shared.unsubscribes.answered(pkid, count);
                answered.map_err(|why| format!("an UNSUBACK {why}"))?;
                let failure = reasons.into_iter().find(|r| !r.is_success());
                self.event(Event::UnsubAck { pkid, failure })
            }
            Packet::Broken { name, why } => return Err(format!("a {name} {why}")),
            _ => {}
        }
        Ok(Handled::Next)
    }

    /// A packet went out; `true` when it was our DISCONNECT.
    fn sent(&self, out: Outgoing) -> bool {
        match out {
            Outgoing::Publish(pkid) => self.written(pkid),
            Outgoing::Subscribe(pkid) => self.shared.subscribes.written(pkid),
            Outgoing::Unsubscribe(pkid) => self.shared.unsubscribes.written(pkid),
            Outgoing::Disconnect => {
                self.event(Event::Closed);
                return true;
            }
            _ => {}
        }
        false
    }

    /// The PUBLISH with this packet id was written.
    fn written(&self, pkid: u16) {
        let entry = self.shared.outbox.written(pkid);
        self.shared.trace.sent_publish(pkid, entry.as_ref());
        if pkid == 0 {
            self.progress();
        }
        match entry {
            Some(entry) if pkid == 0 => {
                if let Some(seqs) = self.unreported.add(entry.seq) {
                    self.send(Event::SentQos0 { seqs });
                }
            }
            Some(entry) => self.event(Event::Sent {
                pkid,
                seq: entry.seq,
            }),
            None => {}
        }
    }

    /// Hand on the QoS 0 publishes written since the last event, if any.
    pub fn report_written(&self) {
        if let Some(seqs) = self.unreported.take() {
            self.send(Event::SentQos0 { seqs });
        }
    }

    /// An acknowledgement of kind `ack` for `pkid`: a QoS 1/2 publish is finished, if one is
    /// in flight under `pkid` and the kind answers its QoS (see the outbox). An
    /// acknowledgement of any other packet id finishes nothing: rumqttc fails the connection
    /// on it right after (an unsolicited acknowledgement), and the message goes out again.
    fn acked(&self, pkid: u16, ack: Ack, reason: Option<Reason>) -> Result<(), String> {
        let failure = reason.filter(|r| !r.is_success());
        let answered = self.shared.outbox.answer(pkid, ack, failure.is_some())?;
        if let Answered::Finished(seq) = answered {
            self.progress();
            self.event(Event::Acked { pkid, seq, failure });
        }
        Ok(())
    }

    /// A publish got through: the connection is doing its work.
    fn progress(&self) {
        self.finished_since_connect.fetch_add(1, Relaxed);
    }

    /// Hand the tool an event, after the QoS 0 publishes written before it.
    pub fn event(&self, event: Event) {
        self.report_written();
        self.send(event);
    }

    fn send(&self, event: Event) {
        // The tool may have stopped listening while shutting down; nothing to do then.
        let _ = self.events.send(event);
    }

    /// One line on stderr about the connection (loss, retry, recovery).
    pub fn say(&self, text: std::fmt::Arguments<'_>) {
        crate::cli::warn(self.tool.name(), text);
    }

    /// The connection is back: the clock for [`Pump::dropped`] starts again.
    pub fn connected(&self) {
        if let Ok(mut at) = self.connected_at.lock() {
            *at = Instant::now();
        }
    }

    /// The connection dropped: how many times in a row now, counting this one, it dropped
    /// quickly with publishes waiting and none through (0 when this drop was not such a one).
    pub fn dropped(&self) -> u32 {
        let quick = self
            .connected_at
            .lock()
            .map(|at| reconnect::quick(at.elapsed()))
            .unwrap_or(false);
        // The count of finished publishes restarts only when some were waiting.
        let stalled = self.shared.outbox.unfinished() > 0
            && self.finished_since_connect.swap(0, Relaxed) == 0
            && quick;
        if stalled {
            self.fruitless.fetch_add(1, Relaxed) + 1
        } else {
            self.fruitless.store(0, Relaxed);
            0
        }
    }

    /// The connection failed for good.
    pub fn lost(&self, fail: Fail) {
        *self.shared.lost.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((fail.exit, fail.message.clone()));
        self.event(Event::Lost(fail));
    }
}

#[cfg(test)]
mod tests {
    use super::Unreported;

    #[test]
    fn consecutive_writes_make_one_run_and_a_gap_ends_it() {
        let run = Unreported::default();
        assert_eq!(run.take(), None);
        for seq in 1..=5 {
            assert_eq!(run.add(seq), None);
        }
        // A publish sent again after a reconnect comes out of order: the run so far first.
        assert_eq!(run.add(3), Some(1..6));
        assert_eq!(run.add(4), None);
        assert_eq!(run.take(), Some(3..5));
        assert_eq!(run.take(), None);
        // After a report, the next write starts a new run, even when it follows the last.
        assert_eq!(run.add(5), None);
        assert_eq!(run.take(), Some(5..6));
    }
}
