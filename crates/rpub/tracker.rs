//! Which publishes are done: written for QoS 0, acknowledged for QoS 1 and 2. Messages of
//! one run may mix QoS levels (a JSON replay): a written QoS 0 PUBLISH is known by its
//! packet id 0.
//!
//! rpub exits 0 only when every message it took is done, so this is where "nothing lost"
//! is counted. The session numbers every publish and reports progress by that number, so
//! counts stay exact across reconnects (when unfinished publishes are sent again).

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use indicatif::ProgressBar;

use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::progress::{self, Stats};
use rpubsub_core::qos::Qos;
use rpubsub_core::reason::Reason;
use rpubsub_core::session::Event;

use crate::load::live::Totals;

/// Counts of one run.
pub struct Tracker {
    verbose: bool,
    /// Handed to the session.
    pub queued: u64,
    /// Of those, QoS 1 or 2 (they are done when acknowledged, the others when written).
    pub queued_acked: u64,
    /// Payload bytes handed to the session (`--stats`).
    pub bytes: u64,
    /// Written to the connection.
    pub written: u64,
    /// Of those, QoS 0.
    pub written_qos0: u64,
    /// Acknowledged (QoS 1/2), refusals included.
    pub acked: u64,
    /// Refused by the broker in an MQTT 5 PUBACK/PUBREC/PUBCOMP.
    pub rejected: u64,
    first_rejection: Option<Reason>,
    /// `-v`: topics and QoS of unfinished messages by sequence number.
    topics: HashMap<u64, (String, Qos)>,
    /// The progress bar on a terminal: its position is the number of messages done.
    progress: Option<ProgressBar>,
    /// A load run: the counts of all its clients, and how much of this one's they hold.
    totals: Option<(Arc<Totals>, Shown)>,
}

/// What a client of a load run has added to the [`Totals`] so far.
#[derive(Default)]
struct Shown {
    written: u64,
    done: u64,
}

impl Tracker {
    pub fn new(verbose: bool, progress: Option<ProgressBar>) -> Tracker {
        Tracker {
            verbose,
            queued: 0,
            queued_acked: 0,
            bytes: 0,
            written: 0,
            written_qos0: 0,
            acked: 0,
            rejected: 0,
            first_rejection: None,
            topics: HashMap::new(),
            progress,
            totals: None,
        }
    }

    /// The tracker of one client of a load run, adding its counts to `totals`.
    pub fn adding_to(totals: Arc<Totals>) -> Tracker {
        Tracker {
            totals: Some((totals, Shown::default())),
            ..Tracker::new(false, None)
        }
    }

    /// A message of `len` payload bytes was handed to the session, which numbered it `seq`.
    pub fn queued(&mut self, seq: u64, topic: &str, qos: Qos, len: usize) {
        self.queued += 1;
        self.bytes += len as u64;
        if qos != Qos::AtMostOnce {
            self.queued_acked += 1;
        }
        if self.verbose {
            self.topics.insert(seq, (topic.to_string(), qos));
        }
    }

    /// Messages done: QoS 0 written, QoS 1/2 acknowledged.
    pub fn done(&self) -> u64 {
        self.written_qos0 + self.acked
    }

    /// Messages not done yet.
    pub fn outstanding(&self) -> u64 {
        self.queued.saturating_sub(self.done())
    }

    /// QoS 1/2 messages not acknowledged yet.
    pub fn unacknowledged(&self) -> u64 {
        self.queued_acked.saturating_sub(self.acked)
    }

    /// After the DISCONNECT went out: every QoS 0 message before it was written, including
    /// those whose write the session reported only while disconnecting; `-v` reports them now.
    pub fn all_written(&mut self) -> Result<(), Fail> {
        self.written = self.queued.max(self.written);
        self.written_qos0 = self.queued - self.queued_acked;
        self.show_progress();
        let mut sent: Vec<(u64, String)> = self
            .topics
            .iter()
            .filter(|(_, (_, qos))| *qos == Qos::AtMostOnce)
            .map(|(seq, (topic, _))| (*seq, topic.clone()))
            .collect();
        sent.sort_unstable();
        for (seq, topic) in sent {
            self.topics.remove(&seq);
            self.report(seq, &topic, "sent")?;
        }
        Ok(())
    }

    fn show_progress(&mut self) {
        if let Some(bar) = &self.progress {
            bar.set_position(self.done());
        }
        let (written, done) = (self.written, self.done());
        if let Some((totals, shown)) = &mut self.totals {
            // A publish sent again after a reconnect is reported written again: the totals
            // only ever grow.
            totals.add(
                written.saturating_sub(shown.written),
                done.saturating_sub(shown.done),
            );
            shown.written = shown.written.max(written);
            shown.done = shown.done.max(done);
        }
    }

    /// Account for one session event. A lost connection is an error that says how many
    /// messages were not done.
    pub fn handle(&mut self, event: Event) -> Result<(), Fail> {
        match event {
            Event::Sent { .. } => {
                self.written += 1;
                if self.totals.is_some() {
                    self.show_progress();
                }
            }
            Event::SentQos0 { seqs } => {
                let count = seqs.end - seqs.start;
                self.written += count;
                self.written_qos0 += count;
                self.show_progress();
                // The map is filled only with -v; skip the lookups on the hot path otherwise.
                if self.verbose {
                    for seq in seqs {
                        if let Some((topic, _)) = self.topics.remove(&seq) {
                            self.report(seq, &topic, "sent")?;
                        }
                    }
                }
            }
            Event::Acked { seq, failure, .. } => {
                self.acked += 1;
                self.show_progress();
                let topic = self
                    .verbose
                    .then(|| Some((seq, self.topics.remove(&seq)?.0)))
                    .flatten();
                match failure {
                    None => {
                        if let Some((n, topic)) = topic {
                            self.report(n, &topic, "acknowledged")?;
                        }
                    }
                    Some(reason) => {
                        self.rejected += 1;
                        if let Some((n, topic)) = topic {
                            self.report(n, &topic, &format!("rejected: {reason}"))?;
                        }
                        self.first_rejection.get_or_insert(reason);
                    }
                }
            }
            Event::Lost(fail) => return Err(self.lost(fail)),
            // The session reconnects and sends unfinished publishes again by itself.
            Event::Disconnected
            | Event::Reconnected { .. }
            | Event::Closed
            | Event::SubAck { .. }
            | Event::UnsubAck { .. } => {}
        }
        Ok(())
    }

    /// The connection went away: its cause plus what was left undone.
    pub fn lost(&self, fail: Fail) -> Fail {
        let left = self.outstanding();
        if left == 0 {
            return fail;
        }
        let what = if self.queued_acked == 0 {
            "not sent"
        } else {
            "not acknowledged"
        };
        Fail::new(
            fail.exit,
            format!(
                "{}; {left} of {} messages {what}",
                fail.message, self.queued
            ),
        )
    }

    /// The final word when everything was done: refusals make it exit 7.
    pub fn verdict(&self) -> Result<(), Fail> {
        match &self.first_rejection {
            None => Ok(()),
            Some(reason) => Err(Fail::new(
                Exit::Rejected,
                format!(
                    "the broker rejected {} of {} messages: {reason}",
                    self.rejected, self.queued
                ),
            )),
        }
    }

    /// `-v`: one line per finished message on stdout. Output that cannot be written ends the
    /// run (exit 1, as rsub's), except a closed pipe (`rpub -v ... | head -1`): that only
    /// ends the report, never the publishing.
    fn report(&mut self, n: u64, topic: &str, status: &str) -> Result<(), Fail> {
        let written = progress::suspend(|| {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{n} {topic} {status}")
        });
        match written.map_err(|e| Fail::writing_output(&e)) {
            Err(fail) if fail.is_output_closed() => {
                self.verbose = false;
                self.topics.clear();
                Ok(())
            }
            other => other,
        }
    }

    /// `--stats`: `10 messages, 10 sent, 10 acknowledged, 50 B in ...`.
    pub fn print_stats(&self, stats: &Stats) {
        let acked = if self.queued_acked > 0 {
            format!(", {} acknowledged", self.acked)
        } else {
            String::new()
        };
        let detail = format_args!(
            "{} sent{acked}, {}",
            self.written.max(self.written_qos0),
            progress::bytes(self.bytes)
        );
        stats.print(self.queued, detail, self.done());
    }
}
