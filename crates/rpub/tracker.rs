//! Which publishes are done: written for QoS 0, acknowledged for QoS 1 and 2.
//!
//! rpub exits 0 only when every message it took is done, so this is where "nothing lost"
//! is counted. The session numbers every publish and reports progress by that number, so
//! counts stay exact across reconnects (when unfinished publishes are sent again).

use std::collections::HashMap;
use std::io::Write;

use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::reason::Reason;
use rpubsub_core::session::Event;

/// Counts of one run.
pub struct Tracker {
    qos: u8,
    verbose: bool,
    /// Handed to the session.
    pub queued: u64,
    /// Written to the connection.
    pub written: u64,
    /// Acknowledged (QoS 1/2), refusals included.
    pub acked: u64,
    /// Refused by the broker in an MQTT 5 PUBACK/PUBREC/PUBCOMP.
    pub rejected: u64,
    first_rejection: Option<Reason>,
    /// `-v`: topics of unfinished messages by sequence number.
    topics: HashMap<u64, String>,
}

impl Tracker {
    pub fn new(qos: u8, verbose: bool) -> Tracker {
        Tracker {
            qos,
            verbose,
            queued: 0,
            written: 0,
            acked: 0,
            rejected: 0,
            first_rejection: None,
            topics: HashMap::new(),
        }
    }

    /// A message was handed to the session, which numbered it `seq`.
    pub fn queued(&mut self, seq: u64, topic: &str) {
        self.queued += 1;
        if self.verbose {
            self.topics.insert(seq, topic.to_string());
        }
    }

    /// Messages not done yet.
    pub fn outstanding(&self) -> u64 {
        let done = if self.qos == 0 {
            self.written
        } else {
            self.acked
        };
        self.queued.saturating_sub(done)
    }

    /// Account for one session event. A lost connection is an error that says how many
    /// messages were not done.
    pub fn handle(&mut self, event: Event) -> anyhow::Result<()> {
        match event {
            Event::Sent { seq, .. } => {
                self.written += 1;
                if self.qos == 0 {
                    if let Some(topic) = self.topics.remove(&seq) {
                        report(seq, &topic, "sent");
                    }
                }
            }
            Event::Acked { seq, failure, .. } => {
                self.acked += 1;
                let topic = seq.and_then(|seq| Some((seq, self.topics.remove(&seq)?)));
                match failure {
                    None => {
                        if let Some((n, topic)) = topic {
                            report(n, &topic, "acknowledged");
                        }
                    }
                    Some(reason) => {
                        self.rejected += 1;
                        if let Some((n, topic)) = topic {
                            report(n, &topic, &format!("rejected: {reason}"));
                        }
                        self.first_rejection.get_or_insert(reason);
                    }
                }
            }
            Event::Lost(fail) => return Err(self.lost(fail).into()),
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
        let what = if self.qos == 0 {
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
    pub fn verdict(&self) -> anyhow::Result<()> {
        match &self.first_rejection {
            None => Ok(()),
            Some(reason) => Err(Fail::new(
                Exit::Rejected,
                format!(
                    "the broker rejected {} of {} messages: {reason}",
                    self.rejected, self.queued
                ),
            )
            .into()),
        }
    }
}

/// `-v`: one line per finished message on stdout.
fn report(n: u64, topic: &str, status: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout only ends the report, never the publishing.
    let _ = writeln!(out, "{n} {topic} {status}");
}
