//! The end of a load run: the counts of every client summed ([`Summary`]), printed as one
//! line on stderr or, with `--stats json`, as one JSON object on stdout, and the exit status
//! the run earned.
//!
//! "Sent" counts what the broker has, as for one client: a QoS 0 message written before a
//! DISCONNECT that went out, a QoS 1/2 message acknowledged and not refused. The JSON keeps
//! to counts and seconds so that the summaries of several hosts add up with a line of jq
//! (README: "Load a broker").

use std::time::Duration;

use serde_json::{json, Value};

use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::progress;
use rpubsub_core::qos::Qos;

use super::client::{End, Outcome};

/// The counts of a load run.
#[derive(Debug, Default, PartialEq)]
pub struct Summary {
    pub clients: u32,
    pub connected: u32,
    /// Could not connect.
    pub refused: u32,
    /// Connected, then failed.
    pub failed_clients: u32,
    /// Handed to the sessions.
    pub messages: u64,
    /// The broker has them (see the top of this file).
    pub sent: u64,
    /// QoS 1/2 acknowledgements that accepted the message.
    pub acknowledged: u64,
    /// Refused by the broker (MQTT 5 reason codes).
    pub rejected: u64,
    pub qos: u8,
    pub duration: Duration,
    /// The first failure of a client that could not connect, and of one that failed after.
    first_refusal: Option<Fail>,
    first_failure: Option<Fail>,
}

impl Summary {
    /// Sum up `ends` of a run of `clients` at `qos` that took `duration`.
    pub fn of(ends: Vec<End>, clients: u32, qos: Qos, duration: Duration) -> Summary {
        let mut summary = Summary {
            clients,
            qos: qos as u8,
            duration,
            ..Summary::default()
        };
        for End { tracker, outcome } in ends {
            let done = tracker.written_qos0 + tracker.acked;
            summary.messages += tracker.queued;
            summary.sent += done.saturating_sub(tracker.rejected);
            summary.acknowledged += tracker.acked.saturating_sub(tracker.rejected);
            summary.rejected += tracker.rejected;
            match outcome {
                Outcome::Done => summary.connected += 1,
                Outcome::NotStarted => {}
                Outcome::Refused(fail) => {
                    summary.refused += 1;
                    summary.first_refusal.get_or_insert(fail);
                }
                Outcome::Failed(fail) => {
                    summary.connected += 1;
                    summary.failed_clients += 1;
                    summary.first_failure.get_or_insert(fail);
                }
            }
        }
        summary
    }

    /// Messages not sent: never written, not acknowledged, or refused.
    pub fn failed(&self) -> u64 {
        self.messages.saturating_sub(self.sent)
    }

    /// Messages sent per second.
    fn rate(&self) -> f64 {
        let secs = self.duration.as_secs_f64();
        if secs > 0.0 {
            self.sent as f64 / secs
        } else {
            0.0
        }
    }

    /// `10 clients, 10 connected; 1000 messages, 1000 sent, 1000 acknowledged in 2.01s (497 msg/s)`.
    pub fn line(&self) -> String {
        let mut clients = format!("{} clients, {} connected", self.clients, self.connected);
        if self.refused > 0 {
            clients.push_str(&format!(", {} could not connect", self.refused));
        }
        let mut messages = format!("{} messages, {} sent", self.messages, self.sent);
        if self.qos > 0 {
            messages.push_str(&format!(", {} acknowledged", self.acknowledged));
        }
        if self.rejected > 0 {
            messages.push_str(&format!(", {} rejected", self.rejected));
        }
        if self.failed() > 0 {
            messages.push_str(&format!(", {} failed", self.failed()));
        }
        format!(
            "{clients}; {messages} in {} ({})",
            progress::elapsed(self.duration),
            progress::rate(self.sent, self.duration)
        )
    }

    /// The summary as one JSON object (README documents each key).
    pub fn to_json(&self) -> Value {
        let round = |v: f64| (v * 1000.0).round() / 1000.0;
        json!({
            "clients": self.clients,
            "connected": self.connected,
            "refused": self.refused,
            "messages": self.messages,
            "sent": self.sent,
            "acknowledged": self.acknowledged,
            "rejected": self.rejected,
            "failed": self.failed(),
            "duration": round(self.duration.as_secs_f64()),
            "rate": round(self.rate()),
            "qos": {
                self.qos.to_string(): {
                    "messages": self.messages,
                    "sent": self.sent,
                    "failed": self.failed(),
                }
            },
        })
    }

    /// The exit status, as for one client: 0 only when every client connected and every
    /// message was sent; after Ctrl+C, 130 (an error if messages were left unsent); a client
    /// that could not connect gives its own status (4 refused, 3 unreachable, 5 TLS), one
    /// that failed later its own (6, 7).
    pub fn verdict(&self, stopped: Option<&str>) -> Result<Exit, Fail> {
        let unsent = || format!("{} of {} messages not sent", self.failed(), self.messages);
        if let Some(signal) = stopped {
            if self.failed() == 0 {
                return Ok(Exit::Interrupted);
            }
            let message = format!("stopped by {signal}; {}", unsent());
            return Err(Fail::new(Exit::Interrupted, message));
        }
        if let Some(fail) = &self.first_refusal {
            let message = format!(
                "{} of {} clients could not connect: {}",
                self.refused, self.clients, fail.message
            );
            return Err(Fail::new(fail.exit, message));
        }
        if let Some(fail) = &self.first_failure {
            let message = format!(
                "{} of {} clients failed ({}); first: {}",
                self.failed_clients,
                self.clients,
                unsent(),
                fail.message
            );
            return Err(Fail::new(fail.exit, message));
        }
        Ok(Exit::Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Summary {
        Summary {
            clients: 10,
            connected: 9,
            refused: 1,
            messages: 900,
            sent: 890,
            acknowledged: 890,
            qos: 1,
            duration: Duration::from_secs(2),
            first_refusal: Some(Fail::new(Exit::Refused, "not authorized")),
            ..Summary::default()
        }
    }

    #[test]
    fn the_line_and_the_json_say_the_same() {
        let s = summary();
        assert_eq!(
            s.line(),
            "10 clients, 9 connected, 1 could not connect; \
             900 messages, 890 sent, 890 acknowledged, 10 failed in 2.00s (445 msg/s)"
        );
        let json = s.to_json();
        assert_eq!(json["sent"], 890);
        assert_eq!(json["failed"], 10);
        assert_eq!(json["rate"], 445.0);
        assert_eq!(json["qos"]["1"]["messages"], 900);
    }

    #[test]
    fn the_verdict_is_that_of_the_worst_client() {
        let fail = summary().verdict(None).unwrap_err();
        assert_eq!(fail.exit, Exit::Refused);
        assert_eq!(
            fail.message,
            "1 of 10 clients could not connect: not authorized"
        );
        let stopped = summary().verdict(Some("SIGINT")).unwrap_err();
        assert_eq!(stopped.exit, Exit::Interrupted);
        assert_eq!(
            stopped.message,
            "stopped by SIGINT; 10 of 900 messages not sent"
        );
        let all = Summary {
            clients: 1,
            connected: 1,
            messages: 5,
            sent: 5,
            ..Summary::default()
        };
        assert_eq!(all.verdict(None), Ok(Exit::Ok));
    }
}
