//! `--stdin-json`: publish the messages described by JSON lines on stdin (the format
//! `rsub --json` writes, see `rpubsub_core::message_json`), each with its own topic, payload,
//! QoS, retain flag and MQTT 5 properties, over one connection. It is the line driver's
//! hook (`lines.rs`); with `--replay-timing` each line first waits for its time ([`Pace`]):
//! the gaps between the lines' `received` times, divided by `--speed`.
//!
//! A line that is not a message is reported with its line number and skipped; everything
//! else is still sent, and rpub exits 1 at the end to say that input was left out.

use std::ops::ControlFlow;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use rpubsub_core::cli;
use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::message_json::{self, Record};
use rpubsub_core::properties::PublishProperties;
use rpubsub_core::session::MAX_PACKET_SIZE;
use rpubsub_core::tool::Tool;
use rpubsub_core::topic::check_topic_name;

use crate::lines::{Hook, Text};
use crate::payload;
use crate::plan::Replay;
use crate::publisher::Publisher;

/// The longest wait a line's time can ask for (a gap of years in a capture, at low speed).
const LONGEST_WAIT: Duration = Duration::from_secs(365 * 86_400);

/// The replay of one run: the plan, the clock, and what was left out.
pub struct Replayer<'a> {
    replay: &'a Replay,
    pace: Option<Pace>,
    warned_properties: bool,
    skipped: u64,
}

impl<'a> Replayer<'a> {
    pub fn new(replay: &'a Replay) -> Self {
        Replayer {
            replay,
            pace: replay.speed.map(Pace::new),
            warned_properties: false,
            skipped: 0,
        }
    }

    /// After the run: an error when input lines were skipped (of `lines` read).
    pub fn verdict(&self, lines: u64) -> Result<(), Fail> {
        if self.skipped == 0 {
            return Ok(());
        }
        Err(Fail::new(
            Exit::Failure,
            format!(
                "{} of {lines} input lines skipped (see above); everything else was sent",
                self.skipped
            ),
        ))
    }

    /// The properties to send as captured: a topic alias needs the broker's consent and
    /// subscription ids are the broker's to set, so neither is sent back; over MQTT 3.1.1
    /// none (said once).
    fn properties(
        &mut self,
        number: u64,
        captured: Option<PublishProperties>,
    ) -> Option<PublishProperties> {
        let properties = captured
            .map(|mut p| {
                p.topic_alias = None;
                p.subscription_ids.clear();
                p
            })
            .filter(|p| !p.is_empty())?;
        if self.replay.mqtt5 {
            return Some(properties);
        }
        if !self.warned_properties {
            self.warned_properties = true;
            cli::warn(
                Tool::Rpub,
                format_args!(
                    "stdin line {number}: MQTT 5 properties left out: MQTT 3.1.1 cannot carry them (use -V 5)"
                ),
            );
        }
        None
    }
}

impl Hook for Replayer<'_> {
    /// A line can describe at most what fits in one packet (base64 makes a payload longer).
    fn limit(&self) -> usize {
        MAX_PACKET_SIZE
    }

    async fn line(
        &mut self,
        publisher: &mut Publisher,
        number: u64,
        line: Text<'_>,
    ) -> Result<ControlFlow<()>, Fail> {
        let text = line.bytes().trim_ascii();
        if text.is_empty() {
            return Ok(ControlFlow::Continue(()));
        }
        let record = match record(text) {
            Ok(r) => r,
            Err(e) => {
                self.skipped += 1;
                cli::warn(
                    Tool::Rpub,
                    format_args!("stdin line {number}: {e}; skipped"),
                );
                return Ok(ControlFlow::Continue(()));
            }
        };
        if let Some(due) = self.pace.as_mut().and_then(|p| p.due(record.received)) {
            if publisher.pause_until(due).await?.is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
        let qos = record.qos.unwrap_or(self.replay.qos);
        let retain = record.retain.unwrap_or(self.replay.retain);
        let properties = self.properties(number, record.properties);
        publisher
            .publish(
                &record.topic,
                record.payload,
                qos,
                retain,
                properties.as_ref(),
            )
            .await?;
        publisher.take_events()?;
        Ok(ControlFlow::Continue(()))
    }
}

/// A line as a message that can be sent, or why not.
fn record(text: &[u8]) -> Result<Record, String> {
    let record = message_json::parse(text)?;
    check_topic_name(&record.topic)?;
    payload::fits(record.payload.len())?;
    if let Some(properties) = &record.properties {
        properties.check_lengths()?;
    }
    Ok(record)
}

/// `--replay-timing`: when each line is due. The first timed line goes at once; each later
/// one after the gap between its `received` time and the first's, divided by the speed.
#[derive(Debug)]
pub struct Pace {
    speed: f64,
    /// The first timed line's capture time, and when it was sent.
    first: Option<(DateTime<Utc>, Instant)>,
}

impl Pace {
    pub fn new(speed: f64) -> Self {
        Pace { speed, first: None }
    }

    /// When a line captured at `received` is due; `None` for a line without a time.
    pub fn due(&mut self, received: Option<DateTime<Utc>>) -> Option<Instant> {
        let at = received?;
        let (first, started) = *self.first.get_or_insert((at, Instant::now()));
        // A line from before the first goes at once.
        let gap = (at - first).to_std().unwrap_or(Duration::ZERO);
        let gap =
            Duration::try_from_secs_f64(gap.as_secs_f64() / self.speed).unwrap_or(LONGEST_WAIT);
        Some(started.checked_add(gap).unwrap_or(started + LONGEST_WAIT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<DateTime<Utc>> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn gaps_are_kept_divided_by_the_speed() {
        let mut pace = Pace::new(2.0);
        let first = pace.due(at("2026-01-02T03:04:05Z")).unwrap();
        assert_eq!(pace.due(None), None);
        let later = pace.due(at("2026-01-02T03:04:09Z")).unwrap();
        assert_eq!(later - first, Duration::from_secs(2));
        let earlier = pace.due(at("2026-01-02T03:04:00Z")).unwrap();
        assert_eq!(earlier, first);
    }

    #[test]
    fn a_gap_too_long_to_wait_is_capped() {
        let mut pace = Pace::new(1e-300);
        let first = pace.due(at("2026-01-02T03:04:05Z")).unwrap();
        let later = pace.due(at("2026-01-02T03:04:06Z")).unwrap();
        assert_eq!(later - first, LONGEST_WAIT);
    }

    #[test]
    fn a_line_must_be_a_message_rpub_can_send() {
        assert!(record(br#"{"topic":"a/b","payload":"x"}"#).is_ok());
        assert!(record(br#"{"topic":"a/#","payload":"x"}"#).is_err());
        assert!(record(b"not json").is_err());
    }

    #[test]
    fn skipped_lines_make_it_exit_1() {
        let replay = Replay {
            qos: rpubsub_core::qos::Qos::AtMostOnce,
            retain: false,
            speed: None,
            mqtt5: false,
        };
        let mut replayer = Replayer::new(&replay);
        assert!(replayer.verdict(3).is_ok());
        replayer.skipped = 1;
        let fail = replayer.verdict(3).unwrap_err();
        assert_eq!(fail.exit, Exit::Failure);
        assert_eq!(
            fail.message,
            "1 of 3 input lines skipped (see above); everything else was sent"
        );
    }
}
