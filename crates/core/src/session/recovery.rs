//! Recovery after the connection failed, for either protocol: what rumqttc left unfinished is
//! sorted, the connection comes back, and what must go out again is put back in order.
//!
//! - Publishes rumqttc had written go out again with DUP set, under their packet ids.
//! - QoS 2 publishes that had their PUBREC: into a resumed session, only their PUBREL; into
//!   a new one, the whole PUBLISH again (from the outbox's copy), since the broker forgot it.
//! - Acknowledgements owed to the broker's old session are dropped.
//! - A publish rumqttc held back for a packet id still in use goes first among the requests
//!   never written, under a fresh id (it would block every later request otherwise).

use super::outbox::Entry;
use super::protocol::{Left, Wire};
use super::pump::Pump;
use super::{reconnect, Event};
use crate::exit::Fail;

/// What rumqttc left unfinished, sorted.
pub struct Sorted<R> {
    /// Written publishes (marked DUP), and their packet ids, in the order they went out.
    pub written: Vec<R>,
    pub written_pkids: Vec<u16>,
    /// Packet ids of QoS 2 publishes waiting for their PUBREL.
    pub released: Vec<u16>,
    /// Everything never written, in order.
    pub rest: Vec<R>,
}

/// Sort the requests of the pending list; `held` is the publish rumqttc held back.
pub fn sort<R>(left: impl IntoIterator<Item = Left<R>>, held: Option<R>) -> Sorted<R> {
    let mut sorted = Sorted {
        written: Vec::new(),
        written_pkids: Vec::new(),
        released: Vec::new(),
        rest: Vec::new(),
    };
    for request in left {
        match request {
            Left::Written(pkid, request) => {
                sorted.written_pkids.push(pkid);
                sorted.written.push(request);
            }
            Left::Released(pkid) => sorted.released.push(pkid),
            Left::Ack => {}
            Left::Other(request) => sorted.rest.push(request),
        }
    }
    if let Some(held) = held {
        sorted.rest.insert(0, held);
    }
    sorted
}

/// What goes out after reconnecting, in order. Into a resumed session: the written publishes,
/// then the PUBRELs (`pubrel`). Into a new one, where a PUBREL would release nothing:
/// `republished` (the QoS 2 publishes that had their PUBREC, sent whole again), then the
/// written ones. The requests never written follow either way.
pub fn restore<R>(
    sorted: Sorted<R>,
    session_present: bool,
    pubrel: impl Fn(u16) -> R,
    republished: impl IntoIterator<Item = R>,
) -> Vec<R> {
    let mut restored = Vec::new();
    if session_present {
        restored.extend(sorted.written);
        restored.extend(sorted.released.iter().map(|&pkid| pubrel(pkid)));
    } else {
        restored.extend(republished);
        restored.extend(sorted.written);
    }
    restored.extend(sorted.rest);
    restored
}

/// After the connection failed with `fail`: reconnect, and put back in order what must go
/// out again. `false` when reconnecting gave up (the loss was reported).
pub async fn recover<W: Wire>(eventloop: &mut W::EventLoop, pump: &Pump, fail: Fail) -> bool {
    // rumqttc has moved its unfinished work into `pending`; take it before a reconnect into
    // a new session clears it.
    let left: Vec<_> = W::pending(eventloop).drain(..).map(W::sort).collect();
    let sorted = sort(left, W::take_collision(eventloop));
    pump.shared.outbox.requeue_written(&sorted.written_pkids);
    pump.shared.subscribes.connection_lost();
    pump.shared.unsubscribes.connection_lost();
    let Some(session_present) = reconnect::reconnect::<W>(eventloop, pump, fail).await else {
        return false;
    };
    let republished = if session_present {
        Vec::new()
    } else {
        let recovery = pump.shared.outbox.recover(&sorted.released);
        republish::<W>(recovery.republish)
    };
    let restored = restore(sorted, session_present, W::pubrel, republished);
    let pending = W::pending(eventloop);
    for request in restored.into_iter().rev() {
        pending.push_front(request);
    }
    pump.event(Event::Reconnected { session_present });
    true
}

/// The QoS 2 publishes a new session forgot, as requests to send them whole again.
fn republish<W: Wire>(entries: Vec<(u16, Entry)>) -> Vec<W::Queued> {
    entries
        .into_iter()
        .map(|(pkid, entry)| W::republish(pkid, entry))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What rumqttc leaves after a failure, in its order: written publishes, PUBRELs owed,
    /// acknowledgements owed to the broker, then requests drained from the channel.
    fn left() -> Vec<Left<&'static str>> {
        vec![
            Left::Written(1, "publish 1 (dup)"),
            Left::Written(2, "publish 2 (dup)"),
            Left::Released(3),
            Left::Ack,
            Left::Other("subscribe"),
            Left::Other("publish (new)"),
        ]
    }

    fn pubrel(pkid: u16) -> &'static str {
        match pkid {
            3 => "pubrel 3",
            _ => "pubrel ?",
        }
    }

    #[test]
    fn sorting_keeps_written_publishes_and_releases_and_drops_acks() {
        let sorted = sort(left(), Some("held publish"));
        assert_eq!(sorted.written, ["publish 1 (dup)", "publish 2 (dup)"]);
        assert_eq!(sorted.written_pkids, [1, 2]);
        assert_eq!(sorted.released, [3]);
        // The held-back publish goes first among those never written.
        assert_eq!(sorted.rest, ["held publish", "subscribe", "publish (new)"]);
    }

    #[test]
    fn a_resumed_session_gets_the_written_publishes_then_their_pubrels() {
        let restored = restore(sort(left(), None), true, pubrel, ["unused"]);
        assert_eq!(
            restored,
            [
                "publish 1 (dup)",
                "publish 2 (dup)",
                "pubrel 3",
                "subscribe",
                "publish (new)"
            ]
        );
    }

    #[test]
    fn a_new_session_gets_released_publishes_whole_again_and_no_pubrel() {
        let restored = restore(sort(left(), None), false, pubrel, ["publish 3 (dup)"]);
        assert_eq!(
            restored,
            [
                "publish 3 (dup)",
                "publish 1 (dup)",
                "publish 2 (dup)",
                "subscribe",
                "publish (new)"
            ]
        );
    }
}
