//! What a run has received so far: the numbers behind `-C`, the `-W` timeout line, the live
//! counter on stderr (when stdout is not a terminal but stderr is) and what `--stats` says.

use indicatif::ProgressBar;

use rpubsub_core::progress::{self, Stats};

/// The live counter is redrawn at least every this many messages during a burst.
const LIVE_EVERY: u64 = 1024;

#[derive(Debug, Default)]
pub struct Counters {
    /// Messages printed.
    pub printed: u64,
    /// Messages that passed the filters, matched `--expect` or not (for its timeout line).
    pub seen: u64,
    /// Payload bytes of the printed messages.
    pub bytes: u64,
    /// The live counter, when shown.
    live: Option<ProgressBar>,
}

impl Counters {
    /// Counters, drawing the live one when `live`.
    pub fn new(live: bool) -> Counters {
        Counters {
            live: live.then(progress::counter),
            ..Counters::default()
        }
    }

    /// One message printed.
    pub fn printed(&mut self, payload_len: usize) {
        self.printed += 1;
        self.bytes += payload_len as u64;
    }

    /// Redraw the live counter: always when the burst is over (`idle`), else now and then.
    pub fn show(&self, idle: bool) {
        let Some(live) = &self.live else { return };
        if idle || self.printed % LIVE_EVERY == 0 {
            live.set_position(self.printed);
            live.set_message(progress::bytes(self.bytes));
        }
    }

    /// `--stats`: `rsub: N messages, SIZE received in TIME (RATE)`, on stderr.
    pub fn print_stats(&self, stats: &Stats) {
        let received = format!("{} received", progress::bytes(self.bytes));
        stats.print(self.printed, received, self.printed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_messages_and_their_bytes_add_up() {
        let mut counters = Counters::new(false);
        counters.printed(3);
        counters.printed(5);
        assert_eq!((counters.printed, counters.bytes), (2, 8));
    }
}
