//! The outbox: every PUBLISH handed to rumqttc until it is finished, so that nothing
//! accepted is lost when the connection drops and comes back.
//!
//! rumqttc keeps unacknowledged publishes across a reconnect only when the broker resumes the
//! session; with a new session it drops them, together with the requests it had not yet
//! written. And once a QoS 2 PUBLISH has its PUBREC, rumqttc keeps only the packet id, so the
//! message cannot be sent again at all if the broker forgot it. The outbox fills those gaps:
//!
//! - each publish gets a sequence number and an entry, queued in the order the requests
//!   leave (requests are FIFO, so the event loop's next "PUBLISH written" is the next entry);
//! - a written QoS 1/2 entry moves to `inflight` under its packet id until acknowledged
//!   (its payload kept only for QoS 2, the case rumqttc cannot recover);
//! - after a reconnect the pump asks [`Outbox::recover`] what to send again.
//!
//! The same entries carry what the `-d` trace prints for an outgoing PUBLISH.
//!
//! The invariant, which "acknowledged" in `--stats`, `-v` and the exit status rests on: every
//! publish the outbox holds is either queued (handed over, not written on this connection),
//! or written and unacknowledged (in flight under the packet id it was last written under),
//! and leaves the outbox, acknowledged, exactly once. A publish counts as acknowledged only
//! when an acknowledgement for that packet id arrives while the id is in flight on this
//! connection ([`Outbox::finished`] returns its number). An acknowledgement for any other
//! id (never used, already acknowledged, or in use on a connection that dropped) finishes
//! nothing: it is the broker's protocol error, and the pump reports it as one.
//!
//! Nor does the wrong kind of acknowledgement ([`Outbox::answer`]): a QoS 1 publish is
//! finished by PUBACK only, a QoS 2 one by PUBCOMP after its PUBREC (or by a failing PUBREC).
//! A PUBACK for a QoS 2 publish, a PUBREC for a QoS 1 one, or a PUBCOMP before the PUBREC is
//! the broker's protocol error, which ends the session with nothing counted.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

use bytes::Bytes;

use super::protocol::Publish;
use crate::properties::PublishProperties;
use crate::qos::Qos;

/// One publish on its way.
#[derive(Debug, Clone)]
pub struct Entry {
    pub seq: u64,
    pub qos: Qos,
    pub retain: bool,
    pub len: usize,
    /// Kept for the trace and for QoS 2 recovery.
    pub topic: Option<String>,
    /// Kept only for QoS 2.
    pub payload: Option<Bytes>,
    /// Kept only for QoS 2. Boxed: every publish's entry is moved into the queue and out
    /// again, and the properties inline would be most of what each move copies.
    pub properties: Option<Box<PublishProperties>>,
    /// Sent before, on a connection that dropped: it goes out again with DUP set.
    pub resent: bool,
}

#[derive(Default)]
struct State {
    next_seq: u64,
    /// Handed to rumqttc, not yet written, oldest first.
    queued: VecDeque<Entry>,
    /// Written QoS 1/2 publishes by packet id, until acknowledged.
    inflight: HashMap<u16, Entry>,
    /// Of the QoS 2 ones, those that had their PUBREC: PUBCOMP finishes them.
    released: HashSet<u16>,
}

/// An acknowledgement of one of our publishes, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // The packets' names, as the specification spells them.
pub enum Ack {
    PubAck,
    PubRec,
    PubComp,
}

/// What an acknowledgement did to the publish in flight under its packet id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// It is finished: its sequence number.
    Finished(u64),
    /// A QoS 2 publish had its PUBREC; PUBCOMP is due.
    Released,
    /// No publish is in flight under that id: nothing changes (rumqttc fails the
    /// connection on such an acknowledgement, and the publishes go out again).
    Nothing,
}

/// What must go out again after a reconnect.
pub struct Recovery {
    /// QoS 2 publishes whose PUBREL rumqttc would send into a session the broker no longer
    /// has: send the whole PUBLISH again instead, by packet id.
    pub republish: Vec<(u16, Entry)>,
}

pub struct Outbox {
    keep_topics: bool,
    state: Mutex<State>,
}

impl Outbox {
    /// `keep_topics`: remember topics of every publish (for the trace).
    pub fn new(keep_topics: bool) -> Outbox {
        Outbox {
            keep_topics,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock means a panic elsewhere; the data is still consistent enough to
        // finish, and the outbox must not add a second panic.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A publish is about to be handed to rumqttc; returns its sequence number.
    pub fn queue(&self, publish: &Publish<'_>) -> u64 {
        let mut s = self.state();
        s.next_seq += 1;
        let keep = publish.qos == Qos::ExactlyOnce;
        let entry = Entry {
            seq: s.next_seq,
            qos: publish.qos,
            retain: publish.retain,
            len: publish.payload.len(),
            topic: (keep || self.keep_topics).then(|| publish.topic.to_string()),
            payload: keep.then(|| publish.payload.clone()),
            properties: if keep {
                publish.properties.cloned().map(Box::new)
            } else {
                None
            },
            resent: false,
        };
        s.queued.push_back(entry);
        s.next_seq
    }

    /// The request of the last [`Outbox::queue`] could not be handed over after all: its
    /// entry goes, and its number is free again (the next publish takes it, so that the
    /// numbers of what was handed over have no gaps).
    pub fn refused(&self) {
        let mut s = self.state();
        if let Some(entry) = s.queued.pop_back() {
            if entry.seq == s.next_seq {
                s.next_seq -= 1;
            }
        }
    }

    /// The event loop wrote a PUBLISH with this packet id (0 for QoS 0).
    pub fn written(&self, pkid: u16) -> Option<Entry> {
        let mut s = self.state();
        let entry = s.queued.pop_front()?;
        if pkid != 0 {
            s.inflight.insert(pkid, entry.clone());
        }
        Some(entry)
    }

    /// A QoS 1/2 publish is finished (acknowledged, or refused with a reason code): its
    /// number, or `None` when no publish is in flight under `pkid` (then nothing changes).
    /// The tests' shortcut; the pump goes through [`Outbox::answer`].
    #[cfg(test)]
    fn finished(&self, pkid: u16) -> Option<u64> {
        let mut s = self.state();
        s.released.remove(&pkid);
        s.inflight.remove(&pkid).map(|e| e.seq)
    }

    /// An acknowledgement of kind `ack` for `pkid` (`failed`: with a failing MQTT 5 reason
    /// code). `Err` says, in words following "the broker sent", why it is no answer to the
    /// publish in flight under that id: then nothing changes, nothing is finished.
    pub fn answer(&self, pkid: u16, ack: Ack, failed: bool) -> Result<Answered, String> {
        let mut s = self.state();
        let Some(qos) = s.inflight.get(&pkid).map(|e| e.qos) else {
            return Ok(Answered::Nothing);
        };
        let released = s.released.contains(&pkid);
        let finishes = match (ack, qos, released) {
            (Ack::PubAck, Qos::AtLeastOnce, _) | (Ack::PubComp, Qos::ExactlyOnce, true) => true,
            (Ack::PubRec, Qos::ExactlyOnce, false) => failed,
            (Ack::PubRec, Qos::ExactlyOnce, true) => return Ok(Answered::Nothing),
            (ack, qos, _) => return Err(wrong_answer(pkid, ack, qos)),
        };
        if finishes {
            s.released.remove(&pkid);
            Ok(s.inflight
                .remove(&pkid)
                .map_or(Answered::Nothing, |e| Answered::Finished(e.seq)))
        } else {
            s.released.insert(pkid);
            Ok(Answered::Released)
        }
    }

    /// The connection dropped; rumqttc has moved what it had into its pending list: the
    /// publishes it had written (these `pkids`), then PUBRELs, then the requests it drained
    /// from the channel. The written ones will be written again: their entries go back to
    /// the front of the queue, in the order they will be sent.
    pub fn requeue_written(&self, pkids: &[u16]) {
        let mut s = self.state();
        for pkid in pkids.iter().rev() {
            s.released.remove(pkid);
            if let Some(mut entry) = s.inflight.remove(pkid) {
                entry.resent = true;
                s.queued.push_front(entry);
            }
        }
    }

    /// After a reconnect into a new session: the QoS 2 publishes that had their PUBREC
    /// (rumqttc would only send PUBREL for them) must be published again; their entries go
    /// to the front of the queue, before anything else waiting.
    pub fn recover(&self, released: &[u16]) -> Recovery {
        let mut s = self.state();
        let mut republish = Vec::new();
        for pkid in released {
            s.released.remove(pkid);
            if let Some(mut entry) = s.inflight.remove(pkid) {
                entry.resent = true;
                republish.push((*pkid, entry));
            }
        }
        for (_, entry) in republish.iter().rev() {
            s.queued.push_front(entry.clone());
        }
        Recovery { republish }
    }

    /// Publishes not finished: queued or in flight.
    pub fn unfinished(&self) -> usize {
        let s = self.state();
        s.queued.len() + s.inflight.len()
    }
}

/// Why `ack` answers no QoS `qos` publish, after "the broker sent".
fn wrong_answer(pkid: u16, ack: Ack, qos: Qos) -> String {
    let name = |ack| match ack {
        Ack::PubAck => "PUBACK",
        Ack::PubRec => "PUBREC",
        Ack::PubComp => "PUBCOMP",
    };
    match (ack, qos) {
        (Ack::PubComp, Qos::ExactlyOnce) => {
            format!("a PUBCOMP for packet id {pkid} before its PUBREC")
        }
        _ => {
            let takes = if qos == Qos::ExactlyOnce {
                Ack::PubRec
            } else {
                Ack::PubAck
            };
            format!(
                "a {} for packet id {pkid}, a QoS {} publish (which takes {})",
                name(ack),
                qos.as_u8(),
                name(takes)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(topic: &str, qos: Qos) -> Publish<'_> {
        Publish {
            topic,
            payload: Bytes::from_static(b"x"),
            qos,
            retain: false,
            properties: None,
        }
    }

    #[test]
    fn follows_requests_in_order() {
        let o = Outbox::new(false);
        assert_eq!(o.queue(&publish("a", Qos::AtLeastOnce)), 1);
        assert_eq!(o.queue(&publish("b", Qos::ExactlyOnce)), 2);
        assert_eq!(o.written(7).map(|e| e.seq), Some(1));
        assert_eq!(o.written(8).map(|e| e.topic), Some(Some("b".to_string())));
        assert_eq!(o.finished(7), Some(1));
        assert_eq!(o.unfinished(), 1);
        let r = o.recover(&[8]);
        assert_eq!(r.republish.len(), 1);
        assert_eq!(r.republish[0].1.payload.as_deref(), Some(&b"x"[..]));
        // The republished entry is queued again for its second "written", marked as a resend.
        assert!(r.republish[0].1.resent);
        let again = o.written(8).expect("queued again");
        assert_eq!((again.seq, again.resent), (2, true));
    }

    #[test]
    fn only_qos_2_keeps_its_payload_and_only_the_trace_keeps_every_topic() {
        let o = Outbox::new(false);
        o.queue(&publish("a", Qos::AtLeastOnce));
        let e = o.written(1).expect("queued");
        assert_eq!((e.topic, e.payload), (None, None));
        let traced = Outbox::new(true);
        traced.queue(&publish("a", Qos::AtMostOnce));
        assert_eq!(
            traced.written(0).and_then(|e| e.topic).as_deref(),
            Some("a")
        );
        // QoS 0 is never in flight.
        assert_eq!(traced.unfinished(), 0);
    }

    #[test]
    fn written_publishes_are_requeued_as_resends_in_their_order() {
        let o = Outbox::new(false);
        for topic in ["a", "b", "c"] {
            o.queue(&publish(topic, Qos::AtLeastOnce));
        }
        o.written(1);
        o.written(2);
        o.requeue_written(&[1, 2]);
        let seqs: Vec<_> = (0..3)
            .filter_map(|_| o.written(9))
            .map(|e| (e.seq, e.resent))
            .collect();
        assert_eq!(seqs, [(1, true), (2, true), (3, false)]);
    }

    #[test]
    fn only_an_ack_for_an_id_in_flight_finishes_a_publish_and_only_once() {
        let o = Outbox::new(false);
        o.queue(&publish("a", Qos::AtLeastOnce));
        // Before it is written, and for an id never used: nothing is finished.
        assert_eq!(o.finished(1), None);
        o.written(1);
        assert_eq!(o.finished(1001), None);
        assert_eq!(o.unfinished(), 1);
        // The connection drops: the publish is queued again, its old id acknowledges nothing.
        o.requeue_written(&[1]);
        assert_eq!(o.finished(1), None);
        assert_eq!(o.unfinished(), 1);
        // Written again (under another id): that id finishes it, once.
        o.written(2);
        assert_eq!(o.finished(1), None);
        assert_eq!(o.finished(2), Some(1));
        assert_eq!(o.finished(2), None);
        assert_eq!(o.unfinished(), 0);
    }

    #[test]
    fn only_the_right_kind_of_acknowledgement_finishes_a_publish() {
        let o = Outbox::new(false);
        o.queue(&publish("a", Qos::AtLeastOnce));
        o.queue(&publish("b", Qos::ExactlyOnce));
        o.written(1);
        o.written(2);
        assert_eq!(
            o.answer(1, Ack::PubRec, false),
            Err("a PUBREC for packet id 1, a QoS 1 publish (which takes PUBACK)".to_string())
        );
        assert_eq!(
            o.answer(2, Ack::PubAck, false),
            Err("a PUBACK for packet id 2, a QoS 2 publish (which takes PUBREC)".to_string())
        );
        assert_eq!(
            o.answer(2, Ack::PubComp, false),
            Err("a PUBCOMP for packet id 2 before its PUBREC".to_string())
        );
        assert_eq!(o.unfinished(), 2);
        assert_eq!(o.answer(9, Ack::PubAck, false), Ok(Answered::Nothing));
        assert_eq!(o.answer(1, Ack::PubAck, false), Ok(Answered::Finished(1)));
        assert_eq!(o.answer(2, Ack::PubRec, false), Ok(Answered::Released));
        assert_eq!(o.answer(2, Ack::PubRec, false), Ok(Answered::Nothing));
        assert_eq!(o.answer(2, Ack::PubComp, false), Ok(Answered::Finished(2)));
        assert_eq!(o.unfinished(), 0);
        // A failing PUBREC ends the exchange.
        o.queue(&publish("c", Qos::ExactlyOnce));
        o.written(3);
        assert_eq!(o.answer(3, Ack::PubRec, true), Ok(Answered::Finished(3)));
    }

    #[test]
    fn refused_requests_leave_no_entry_and_no_gap_in_the_numbers() {
        let o = Outbox::new(true);
        assert_eq!(o.queue(&publish("a", Qos::AtMostOnce)), 1);
        o.refused();
        assert!(o.written(0).is_none());
        // Full, then queued by waiting: the publish keeps the number it would have had.
        assert_eq!(o.queue(&publish("b", Qos::AtLeastOnce)), 1);
        assert_eq!(o.queue(&publish("c", Qos::AtLeastOnce)), 2);
        o.refused();
        assert_eq!(o.queue(&publish("c", Qos::AtLeastOnce)), 2);
        assert_eq!(o.written(1).map(|e| e.seq), Some(1));
        assert_eq!(o.written(2).map(|e| e.seq), Some(2));
    }
}
