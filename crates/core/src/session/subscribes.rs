//! The SUBSCRIBEs waiting for their SUBACK, so that a SUBACK is taken as the answer only
//! when it answers one: for a packet id a SUBSCRIBE of this connection went out under, with
//! one result per filter. Anything else is the broker's protocol error, and the pump ends
//! the session on it rather than report filters as granted that no one granted.
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

#[derive(Default)]
pub struct Subscribes {
    state: Mutex<State>,
}

impl Subscribes {
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

    /// A SUBACK with `results` results for `pkid`: `Err` says, in words following "the
    /// broker sent a SUBACK", what is wrong with it.
    pub fn answered(&self, pkid: u16, results: usize) -> Result<(), String> {
        match self.state().written.remove(&pkid) {
            None => Err(format!(
                "for packet id {pkid}, which no SUBSCRIBE of ours was waiting under"
            )),
            Some(filters) if filters != results => Err(format!(
                "with {results} {} for {filters} {}",
                plural(results, "result", "results"),
                plural(filters, "filter", "filters"),
            )),
            Some(_) => Ok(()),
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
        let s = Subscribes::default();
        s.queue(2);
        // Not written yet: nothing to answer.
        assert!(s.answered(1, 2).is_err());
        s.written(1);
        assert_eq!(
            s.answered(1, 1),
            Err("with 1 result for 2 filters".to_string())
        );
        s.queue(1);
        s.written(2);
        assert_eq!(
            s.answered(3, 1),
            Err("for packet id 3, which no SUBSCRIBE of ours was waiting under".to_string())
        );
        s.queue(1);
        s.written(4);
        assert_eq!(s.answered(4, 1), Ok(()));
        // Answered once only.
        assert!(s.answered(4, 1).is_err());
    }

    #[test]
    fn a_lost_connection_forgets_written_subscribes_and_keeps_queued_ones() {
        let s = Subscribes::default();
        s.queue(1);
        s.written(1);
        s.queue(3);
        s.connection_lost();
        assert!(s.answered(1, 1).is_err());
        s.written(1);
        assert_eq!(s.answered(1, 3), Ok(()));
        s.queue(1);
        s.refused();
        s.written(2);
        assert!(s.answered(2, 1).is_err());
    }
}
