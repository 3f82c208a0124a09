//! The SUBSCRIBEs waiting for their SUBACK (and the UNSUBSCRIBEs for their UNSUBACK), so
//! that an answer is taken as one only when it answers a request: for a packet id a request
//! of this connection went out under, with one result per filter. Anything else is the
//! broker's protocol error, and the pump ends the session on it rather than report filters
//! as granted (or left) that no one granted.
//!
//! Requests are FIFO, so the event loop's next "SUBSCRIBE written" is the oldest one queued.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

#[derive(Default)]
struct State {
    /// Filter counts of SUBSCRIBEs handed to rumqttc, not yet written, oldest first.
    queued: VecDeque<usize>,
    /// Written SUBSCRIBEs by packet id: their filter counts.
    written: HashMap<u16, usize>,
}

pub struct Subscribes {
    /// The request's name, for what is wrong with an answer: `SUBSCRIBE`, `UNSUBSCRIBE`.
    request: &'static str,
    state: Mutex<State>,
}

impl Subscribes {
    /// The requests named `request` (`SUBSCRIBE` or `UNSUBSCRIBE`) waiting for an answer.
    pub fn new(request: &'static str) -> Subscribes {
        Subscribes {
            request,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock means a panic elsewhere; the counts are still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A SUBSCRIBE of `filters` filters is about to be handed to rumqttc.
    pub fn queue(&self, filters: usize) {
        self.state().queued.push_back(filters);
    }

    /// The request of the last [`Subscribes::queue`] could not be handed over after all.
    pub fn refused(&self) {
        self.state().queued.pop_back();
    }

    /// The event loop wrote a SUBSCRIBE under this packet id.
    pub fn written(&self, pkid: u16) {
        let mut s = self.state();
        if let Some(filters) = s.queued.pop_front() {
            s.written.insert(pkid, filters);
        }
    }

    /// An answer with `results` results for `pkid` (`None`: the answer carries no count, as
    /// an MQTT 3.1.1 UNSUBACK): `Err` says, in words following "the broker sent a SUBACK",
    /// what is wrong with it.
    pub fn answered(&self, pkid: u16, results: Option<usize>) -> Result<(), String> {
        let request = self.request;
        match (self.state().written.remove(&pkid), results) {
            (None, _) => Err(format!(
                "for packet id {pkid}, which no {request} of ours was waiting under"
            )),
            (Some(filters), Some(results)) if filters != results => Err(format!(
                "with {results} {} for {filters} {}",
                plural(results, "result", "results"),
                plural(filters, "filter", "filters"),
            )),
            (Some(_), _) => Ok(()),
        }
    }

    /// The connection dropped: SUBSCRIBEs written on it will never be answered.
    pub fn connection_lost(&self) {
        self.state().written.clear();
    }
}

fn plural(n: usize, one: &'static str, more: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        more
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suback_answers_only_a_written_subscribe_with_one_result_per_filter() {
        let s = Subscribes::new("SUBSCRIBE");
        s.queue(2);
        // Not written yet: nothing to answer.
        assert!(s.answered(1, Some(2)).is_err());
        s.written(1);
        assert_eq!(
            s.answered(1, Some(1)),
            Err("with 1 result for 2 filters".to_string())
        );
        s.queue(1);
        s.written(2);
        assert_eq!(
            s.answered(3, Some(1)),
            Err("for packet id 3, which no SUBSCRIBE of ours was waiting under".to_string())
        );
        s.queue(1);
        s.written(4);
        assert_eq!(s.answered(4, Some(1)), Ok(()));
        // Answered once only.
        assert!(s.answered(4, Some(1)).is_err());
    }

    #[test]
    fn an_unsuback_answers_only_a_written_unsubscribe() {
        let s = Subscribes::new("UNSUBSCRIBE");
        s.queue(1);
        s.written(5);
        assert_eq!(
            s.answered(6, None),
            Err("for packet id 6, which no UNSUBSCRIBE of ours was waiting under".to_string())
        );
        assert_eq!(
            s.answered(5, Some(0)),
            Err("with 0 results for 1 filter".to_string())
        );
        s.queue(1);
        s.written(7);
        // MQTT 3.1.1 gives no count: the packet id is all there is to check.
        assert_eq!(s.answered(7, None), Ok(()));
    }

    #[test]
    fn a_lost_connection_forgets_written_subscribes_and_keeps_queued_ones() {
        let s = Subscribes::new("SUBSCRIBE");
        s.queue(1);
        s.written(1);
        s.queue(3);
        s.connection_lost();
        assert!(s.answered(1, Some(1)).is_err());
        s.written(1);
        assert_eq!(s.answered(1, Some(3)), Ok(()));
        s.queue(1);
        s.refused();
        s.written(2);
        assert!(s.answered(2, Some(1)).is_err());
    }
}
