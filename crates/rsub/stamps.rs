//! What rsub learns from stamped messages (`rpub --stamp`): each payload's stamp is read once
//! (`rpubsub_core::stamp`) and handed to `--check-seq` (`check_seq.rs`) and `--latency`
//! (`latency.rs`); messages without a stamp are counted as such, broken stamps reported and
//! counted. On exit: the summary on stderr (one JSON object with `--json`), so that stdout
//! carries the messages exactly as without these flags, and the exit status 8 when a number
//! was missing.

use std::time::SystemTime;

use serde_json::json;

use rpubsub_core::cli;
use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::stamp::{self, Decoded};

use crate::check_seq::CheckSeq;
use crate::latency::Latency;
use crate::TOOL;

/// Broken stamps reported one by one, before they are only counted.
const MALFORMED_LINES: u64 = 10;

#[derive(Debug)]
pub struct Stamps {
    check: Option<CheckSeq>,
    latency: Option<Latency>,
    stamped: u64,
    unstamped: u64,
    malformed: u64,
    /// `--json`: the summary as one JSON object.
    json: bool,
}

impl Stamps {
    /// What `--check-seq` and `--latency` ask for; `None` without either. `live`: stderr is a
    /// terminal for a person, who gets the latency so far every few seconds.
    pub fn new(
        check_seq: bool,
        latency: bool,
        json: bool,
        live: bool,
    ) -> Result<Option<Stamps>, Fail> {
        if !check_seq && !latency {
            return Ok(None);
        }
        Ok(Some(Stamps {
            check: check_seq.then(CheckSeq::default),
            latency: latency.then(|| Latency::new(live)).transpose()?,
            stamped: 0,
            unstamped: 0,
            malformed: 0,
            json,
        }))
    }

    /// A message on `topic` arrived with `payload`.
    pub fn note(&mut self, topic: &str, payload: &[u8]) {
        let stamp = match stamp::decode(payload) {
            Decoded::Stamped(stamp, _) => stamp,
            Decoded::Unstamped => {
                self.unstamped += 1;
                return;
            }
            Decoded::Malformed(why) => {
                self.malformed += 1;
                if self.malformed <= MALFORMED_LINES {
                    // Network text: cli::warn escapes it.
                    cli::warn(TOOL, format_args!("{topic}: {why}"));
                }
                return;
            }
        };
        self.stamped += 1;
        if let Some(check) = &mut self.check {
            check.note(stamp.publisher, topic, stamp.seq);
        }
        if let Some(latency) = &mut self.latency {
            latency.record(stamp.sent_us, stamp::micros(SystemTime::now()));
        }
    }

    /// The summary on stderr: lines of text, or one JSON object with `--json`.
    pub fn print_summary(&self) {
        if self.json {
            let mut summary = json!({
                "stamped": self.stamped,
                "unstamped": self.unstamped,
                "malformed": self.malformed,
            });
            if let Some(check) = &self.check {
                summary["check_seq"] = check.json();
            }
            if let Some(latency) = &self.latency {
                summary["latency"] = latency.json();
            }
            eprintln!("{summary}");
            return;
        }
        let mut lines = self
            .check
            .as_ref()
            .map(CheckSeq::summary)
            .unwrap_or_default();
        if let Some(latency) = &self.latency {
            lines.push(
                latency
                    .line()
                    .unwrap_or_else(|| "latency: no stamped message came".into()),
            );
        }
        if self.unstamped > 0 || self.malformed > 0 {
            lines.push(format!(
                "{} messages without a stamp, {} with a broken one (not checked)",
                self.unstamped, self.malformed
            ));
        }
        for line in lines {
            // Topics and publishers are network text.
            eprintln!("{TOOL}: {}", rpubsub_core::escape::line(&line));
        }
    }

    /// How the run ends, given how it would without these flags: a missing number makes an
    /// end that was no failure (done, `-W`, a closed pipe) exit 8. A signal's status stays, so
    /// that the shell still sees the signal.
    pub fn verdict(&self, outcome: Result<Exit, Fail>) -> Result<Exit, Fail> {
        let missing = self.check.as_ref().is_some_and(|c| c.totals().missing > 0);
        match outcome {
            Ok(Exit::Ok | Exit::Timeout) if missing => Ok(Exit::Missing),
            Err(fail) if missing && fail.is_output_closed() => Ok(Exit::Missing),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_to_do_without_the_flags() {
        assert!(Stamps::new(false, false, false, false).unwrap().is_none());
    }

    #[test]
    fn a_missing_number_turns_a_clean_end_into_exit_8() {
        let mut stamps = Stamps::new(true, true, false, false).unwrap().unwrap();
        let stamped = |seq| {
            let s = stamp::Stamp {
                publisher: "p/1",
                seq,
                sent_us: 1,
            };
            stamp::encode(&s, b"x")
        };
        stamps.note("t", &stamped(1));
        assert_eq!(stamps.verdict(Ok(Exit::Ok)), Ok(Exit::Ok));
        stamps.note("t", b"plain");
        stamps.note("t", b"stamp/9 p/1 2 1 x");
        stamps.note("t", &stamped(3));
        assert_eq!(
            (stamps.stamped, stamps.unstamped, stamps.malformed),
            (2, 1, 1)
        );
        assert_eq!(stamps.verdict(Ok(Exit::Ok)), Ok(Exit::Missing));
        assert_eq!(stamps.verdict(Ok(Exit::Timeout)), Ok(Exit::Missing));
        assert_eq!(
            stamps.verdict(Err(Fail::output_closed())),
            Ok(Exit::Missing)
        );
        assert_eq!(stamps.verdict(Ok(Exit::Interrupted)), Ok(Exit::Interrupted));
        let lost = Fail::new(Exit::ConnectionLost, "lost");
        assert_eq!(stamps.verdict(Err(lost.clone())), Err(lost));
    }
}
