//! What the clients of a load run count together while it runs ([`Totals`], added to by each
//! client's tracker), and the line on a terminal that shows it ([`Live`]): connected, sent,
//! acknowledged, and the rate of messages done.
//!
//! The totals are atomics shared by every client, so a client adds to them as its events
//! come without waiting on the others; the line reads them a few times a second.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use indicatif::ProgressBar;

use rpubsub_core::progress;

/// The counts of all clients of a load run so far.
#[derive(Debug, Default)]
pub struct Totals {
    /// Clients that got their CONNACK.
    pub connected: AtomicU32,
    /// Clients that could not connect.
    pub refused: AtomicU32,
    /// PUBLISH packets written to a connection.
    pub written: AtomicU64,
    /// Messages done: QoS 0 written, QoS 1/2 acknowledged.
    pub done: AtomicU64,
}

impl Totals {
    /// A client's tracker counted `written` more PUBLISH packets written and `done` more
    /// messages done.
    pub fn add(&self, written: u64, done: u64) {
        if written > 0 {
            self.written.fetch_add(written, Ordering::Relaxed);
        }
        if done > 0 {
            self.done.fetch_add(done, Ordering::Relaxed);
        }
    }

    fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// The line on stderr while a load run goes on.
pub struct Live {
    bar: ProgressBar,
    clients: u32,
    /// QoS 1/2: "acknowledged" is worth a column (at QoS 0 it would always be 0).
    acknowledged: bool,
}

impl Live {
    pub fn start(clients: u32, acknowledged: bool) -> Live {
        Live {
            bar: progress::load_line(),
            clients,
            acknowledged,
        }
    }

    /// Redraw from the totals.
    pub fn update(&self, totals: &Totals) {
        self.bar.set_position(Totals::get(&totals.done));
        self.bar.set_message(self.text(totals));
    }

    /// `10/10 connected, 5000 sent, 4980 acknowledged` (`, 1 refused` when any was).
    fn text(&self, totals: &Totals) -> String {
        let mut text = format!(
            "{}/{} connected",
            totals.connected.load(Ordering::Relaxed),
            self.clients
        );
        let refused = totals.refused.load(Ordering::Relaxed);
        if refused > 0 {
            text.push_str(&format!(", {refused} refused"));
        }
        text.push_str(&format!(", {} sent", Totals::get(&totals.written)));
        if self.acknowledged {
            text.push_str(&format!(", {} acknowledged", Totals::get(&totals.done)));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_what_was_connected_sent_and_acknowledged() {
        let totals = Totals::default();
        totals.connected.store(9, Ordering::Relaxed);
        totals.add(50, 40);
        totals.add(0, 2);
        let line = |acknowledged| Live {
            bar: ProgressBar::hidden(),
            clients: 10,
            acknowledged,
        };
        assert_eq!(
            line(true).text(&totals),
            "9/10 connected, 50 sent, 42 acknowledged"
        );
        totals.refused.store(1, Ordering::Relaxed);
        assert_eq!(
            line(false).text(&totals),
            "9/10 connected, 1 refused, 50 sent"
        );
    }
}
