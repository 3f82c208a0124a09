//! `--latency`: how long stamped messages (`rpub --stamp`) took from the publisher's hand-over
//! to rsub, as percentiles (p50, p90, p99, p99.9, max) from an HDR histogram: a few hundred
//! kilobytes whatever the number of messages, 0.1% precision.
//!
//! The send time is the publisher's clock, the receive time rsub's. On one host they are the
//! same clock and the figures are exact; across hosts they are latency plus the offset
//! between the clocks (keep both on NTP or chrony and read them so). A message that seems to
//! arrive before it was sent (the publisher's clock ahead) counts as 0 and is counted apart.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::{json, Value};

use rpubsub_core::cli;
use rpubsub_core::exit::{Exit, Fail};

use crate::TOOL;

/// The longest latency told apart: an hour, in microseconds; longer ones count as an hour.
const LONGEST_US: u64 = 3_600_000_000;

/// How often the live line is printed, while messages come.
const LIVE_EVERY: Duration = Duration::from_secs(5);

/// The percentiles shown, and their names.
const PERCENTILES: [(&str, f64); 4] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)];

#[derive(Debug)]
pub struct Latency {
    histogram: Histogram<u64>,
    /// Messages that arrived "before" they were sent.
    negative: u64,
    /// When the last live line was printed; `None` when there is none to print.
    live: Option<Instant>,
}

impl Latency {
    /// A histogram from 1 µs to an hour; a live line every few seconds when `live`.
    pub fn new(live: bool) -> Result<Latency, Fail> {
        let histogram = Histogram::new_with_bounds(1, LONGEST_US, 3)
            .map_err(|e| Fail::new(Exit::Failure, format!("--latency: {e}")))?;
        Ok(Latency {
            histogram,
            negative: 0,
            live: live.then(Instant::now),
        })
    }

    /// A message sent at `sent_us` came at `now_us` (microseconds since the epoch).
    pub fn record(&mut self, sent_us: u64, now_us: u64) {
        let took = match now_us.checked_sub(sent_us) {
            Some(took) => took,
            None => {
                self.negative += 1;
                0
            }
        };
        self.histogram.saturating_record(took);
        if let Some(last) = self.live {
            if last.elapsed() >= LIVE_EVERY {
                self.live = Some(Instant::now());
                if let Some(line) = self.line() {
                    cli::warn(TOOL, line);
                }
            }
        }
    }

    /// `latency of 500 messages: p50 0.412 ms, ..., max 1.930 ms`; `None` before any came.
    pub fn line(&self) -> Option<String> {
        let h = &self.histogram;
        if h.is_empty() {
            return None;
        }
        let mut line = format!("latency of {} messages:", h.len());
        for (name, q) in PERCENTILES {
            line.push_str(&format!(" {name} {},", ms(h.value_at_quantile(q))));
        }
        line.push_str(&format!(" max {}", ms(h.max())));
        if self.negative > 0 {
            line.push_str(&format!(
                " ({} before they were sent, counted as 0: the clocks differ)",
                self.negative
            ));
        }
        Some(line)
    }

    /// The summary for `--json`, in microseconds.
    pub fn json(&self) -> Value {
        let h = &self.histogram;
        let mut out = json!({ "messages": h.len(), "negative": self.negative });
        if !h.is_empty() {
            for (name, q) in PERCENTILES {
                out[format!("{}_us", name.replace('.', "_"))] = h.value_at_quantile(q).into();
            }
            out["max_us"] = h.max().into();
        }
        out
    }
}

/// Microseconds as milliseconds, `0.412 ms`.
fn ms(us: u64) -> String {
    format!("{:.3} ms", us as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_in_order_and_negative_ones_counted_apart() {
        let mut latency = Latency::new(false).unwrap();
        assert_eq!(latency.line(), None);
        assert_eq!(latency.json(), json!({"messages": 0, "negative": 0}));
        for us in 1..=1000 {
            latency.record(1_000_000, 1_000_000 + us);
        }
        latency.record(2_000_000, 1_000_000);
        let line = latency.line().unwrap();
        assert!(
            line.starts_with("latency of 1001 messages: p50 0.500 ms, p90 0.900 ms, p99 0.990 ms, p99.9 0.999 ms, max 1.000 ms"),
            "{line}"
        );
        assert!(line.ends_with("(1 before they were sent, counted as 0: the clocks differ)"));
        let json = latency.json();
        assert_eq!(
            (json["p50_us"].as_u64(), json["max_us"].as_u64()),
            (Some(500), Some(1000))
        );
        assert_eq!(
            (json["p99_9_us"].as_u64(), json["negative"].as_u64()),
            (Some(999), Some(1))
        );
    }

    #[test]
    fn a_latency_beyond_an_hour_counts_as_an_hour() {
        let mut latency = Latency::new(false).unwrap();
        latency.record(0, u64::MAX);
        assert!(latency.json()["max_us"].as_u64() >= Some(LONGEST_US));
    }
}
