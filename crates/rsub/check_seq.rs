//! `--check-seq`: the numbers of stamped messages (`rpub --stamp`), per publisher and topic:
//! how many came, which numbers never did (gaps, as ranges), which came twice, which came
//! after a higher one. A line on stderr the moment a gap, a duplicate or a reordering shows,
//! and the summary on exit.
//!
//! Memory is bounded whatever arrives: a stream (publisher and topic) keeps the numbers seen
//! as ranges (`1-40, 58-500`: two ranges, not 483 numbers), at most [`MAX_RANGES`] of them,
//! and at most [`MAX_STREAMS`] streams are followed. Past the first bound the oldest gap is
//! closed: still counted missing, no longer listed, and a number of it that comes late counts
//! as a duplicate. Past the second, messages of new streams are counted as not followed.
//!
//! Numbers start at 1, so a subscriber that starts after the publisher sees the first
//! messages as missing: start it first. Messages lost after the last one that came cannot be
//! told from the end of the sequence: compare `highest` with the number sent.

use std::collections::HashMap;
use std::fmt;

use rangemap::RangeInclusiveSet;
use serde_json::{json, Value};

use rpubsub_core::cli;

use crate::TOOL;

/// The most publisher and topic pairs followed.
pub const MAX_STREAMS: usize = 10_000;

/// The most ranges of seen numbers one stream keeps.
pub const MAX_RANGES: usize = 10_000;

/// Live lines before they give way to counting only.
const LIVE_LINES: u64 = 100;

/// Streams and ranges the text summary lists (`--json` lists them all).
const LISTED: usize = 20;

/// One publisher's messages on one topic.
#[derive(Debug, Default)]
struct Stream {
    seen: RangeInclusiveSet<u64>,
    /// The highest number seen.
    highest: u64,
    /// Different numbers seen.
    distinct: u64,
    /// Messages, duplicates included.
    received: u64,
    duplicated: u64,
    out_of_order: u64,
    /// Missing numbers no longer listed, to keep memory bounded.
    closed: u64,
}

/// What one message showed.
#[derive(Debug, PartialEq, Eq)]
enum Finding {
    /// The next number, or the first.
    InOrder,
    /// It skipped these numbers.
    Gap(Range),
    Duplicate,
    /// It came after a higher number.
    OutOfOrder {
        after: u64,
    },
}

/// Numbers from `.0` to `.1`, shown `41-57` (or `41`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range(u64, u64);

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == self.1 {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{}-{}", self.0, self.1)
        }
    }
}

impl Stream {
    fn note(&mut self, seq: u64) -> Finding {
        self.received += 1;
        if self.seen.contains(&seq) {
            self.duplicated += 1;
            return Finding::Duplicate;
        }
        self.distinct += 1;
        self.seen.insert(seq..=seq);
        if seq < self.highest {
            self.out_of_order += 1;
            return Finding::OutOfOrder {
                after: self.highest,
            };
        }
        let skipped = Range(self.highest + 1, seq - 1);
        self.highest = seq;
        self.bound();
        if skipped.0 <= skipped.1 {
            Finding::Gap(skipped)
        } else {
            Finding::InOrder
        }
    }

    /// Close the oldest gap while there are too many ranges.
    fn bound(&mut self) {
        while self.seen.len() > MAX_RANGES {
            let Some(first) = self.seen.iter().next().cloned() else {
                return;
            };
            let gap = match self.seen.iter().nth(1) {
                Some(_) if *first.start() > 1 => 1..=*first.start() - 1,
                Some(second) => *first.end() + 1..=*second.start() - 1,
                None => return,
            };
            self.closed += gap.end() - gap.start() + 1;
            self.seen.insert(gap);
        }
    }

    fn missing(&self) -> u64 {
        self.highest - self.distinct
    }

    /// The gaps still listed.
    fn missing_ranges(&self) -> Vec<Range> {
        let all = 1..=self.highest.max(1);
        self.seen
            .gaps(&all)
            .filter(|_| self.highest > 0)
            .map(|gap| Range(*gap.start(), *gap.end()))
            .collect()
    }
}

/// Every stream of a run.
#[derive(Debug, Default)]
pub struct CheckSeq {
    /// By publisher, then topic.
    streams: HashMap<String, HashMap<String, Stream>>,
    count: usize,
    /// Messages of streams beyond [`MAX_STREAMS`].
    untracked: u64,
    /// Live lines printed so far.
    lines: u64,
}

/// The sums over every stream.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub received: u64,
    pub missing: u64,
    pub duplicated: u64,
    pub out_of_order: u64,
}

impl CheckSeq {
    /// Message number `seq` of `publisher` on `topic`.
    pub fn note(&mut self, publisher: &str, topic: &str, seq: u64) {
        let Some(stream) = self.stream(publisher, topic) else {
            if self.untracked == 0 {
                cli::warn(TOOL, format_args!("--check-seq follows at most {MAX_STREAMS} publishers and topics; messages of others are only counted"));
            }
            self.untracked += 1;
            return;
        };
        let finding = stream.note(seq);
        let said = match finding {
            Finding::InOrder => return,
            Finding::Gap(range) => format!("{range} missing"),
            Finding::Duplicate => format!("{seq} duplicated"),
            Finding::OutOfOrder { after } => format!("{seq} out of order (after {after})"),
        };
        self.lines += 1;
        if self.lines <= LIVE_LINES {
            cli::warn(TOOL, format_args!("{topic} from {publisher}: {said}"));
        }
        if self.lines == LIVE_LINES {
            cli::warn(
                TOOL,
                "more gaps, duplicates and reorderings are only counted: see the summary",
            );
        }
    }

    /// The stream of `publisher` on `topic`, new if need be; `None` when too many are followed.
    fn stream(&mut self, publisher: &str, topic: &str) -> Option<&mut Stream> {
        let full = self.count >= MAX_STREAMS;
        if !self.streams.contains_key(publisher) {
            if full {
                return None;
            }
            self.streams.insert(publisher.to_string(), HashMap::new());
        }
        let topics = self.streams.get_mut(publisher)?;
        if !topics.contains_key(topic) {
            if full {
                return None;
            }
            topics.insert(topic.to_string(), Stream::default());
            self.count += 1;
        }
        topics.get_mut(topic)
    }

    /// The streams in a stable order: by publisher, then topic.
    fn sorted(&self) -> Vec<(&str, &str, &Stream)> {
        let mut all: Vec<(&str, &str, &Stream)> = self
            .streams
            .iter()
            .flat_map(|(p, topics)| topics.iter().map(move |(t, s)| (p.as_str(), t.as_str(), s)))
            .collect();
        all.sort_unstable_by_key(|&(p, t, _)| (p, t));
        all
    }

    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for (_, _, s) in self.sorted() {
            totals.received += s.received;
            totals.missing += s.missing();
            totals.duplicated += s.duplicated;
            totals.out_of_order += s.out_of_order;
        }
        totals
    }

    /// The summary as lines of text: the totals, then each stream.
    pub fn summary(&self) -> Vec<String> {
        let t = self.totals();
        let verdict = if t.missing == 0 {
            "nothing missing".to_string()
        } else {
            format!("{} missing", t.missing)
        };
        let mut lines = vec![format!(
            "sequence check: {} stamped messages, {} publisher/topic pairs: {verdict}, {} duplicated, {} out of order",
            t.received, self.count, t.duplicated, t.out_of_order
        )];
        let sorted = self.sorted();
        for (publisher, topic, s) in sorted.iter().take(LISTED) {
            lines.push(stream_line(publisher, topic, s));
        }
        if sorted.len() > LISTED {
            lines.push(format!(
                "... and {} more publishers and topics (--json lists them all)",
                sorted.len() - LISTED
            ));
        }
        if self.untracked > 0 {
            lines.push(format!(
                "{} messages of publishers and topics beyond the first {MAX_STREAMS} not checked",
                self.untracked
            ));
        }
        lines
    }

    /// The summary for `--json`.
    pub fn json(&self) -> Value {
        let t = self.totals();
        let streams: Vec<Value> = self
            .sorted()
            .into_iter()
            .map(|(publisher, topic, s)| {
                let ranges: Vec<[u64; 2]> = s.missing_ranges().iter().map(|r| [r.0, r.1]).collect();
                json!({
                    "publisher": publisher,
                    "topic": topic,
                    "received": s.received,
                    "highest": s.highest,
                    "missing": s.missing(),
                    "missing_ranges": ranges,
                    "duplicated": s.duplicated,
                    "out_of_order": s.out_of_order,
                })
            })
            .collect();
        json!({
            "received": t.received,
            "missing": t.missing,
            "duplicated": t.duplicated,
            "out_of_order": t.out_of_order,
            "not_checked": self.untracked,
            "streams": streams,
        })
    }
}

/// `TOPIC from PUBLISHER: 483 received of 1-500, 17 missing (41-57), 0 duplicated, ...`.
fn stream_line(publisher: &str, topic: &str, s: &Stream) -> String {
    let mut missing = format!("{} missing", s.missing());
    let ranges = s.missing_ranges();
    if !ranges.is_empty() {
        let listed: Vec<String> = ranges.iter().take(LISTED).map(Range::to_string).collect();
        let more = if ranges.len() > LISTED { ", ..." } else { "" };
        missing = format!("{missing} ({}{more})", listed.join(", "));
    }
    if s.closed > 0 {
        missing = format!("{missing}, {} of them no longer listed", s.closed);
    }
    format!(
        "{topic} from {publisher}: {} received of 1-{}, {missing}, {} duplicated, {} out of order",
        s.received, s.highest, s.duplicated, s.out_of_order
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(numbers: &[u64]) -> (Stream, Vec<Finding>) {
        let mut s = Stream::default();
        let findings = numbers.iter().map(|&n| s.note(n)).collect();
        (s, findings)
    }

    #[test]
    fn in_order_nothing_missing() {
        let (s, findings) = stream(&[1, 2, 3]);
        assert!(findings.iter().all(|f| *f == Finding::InOrder));
        assert_eq!((s.received, s.missing(), s.seen.len()), (3, 0, 1));
        assert!(s.missing_ranges().is_empty());
        assert!(Stream::default().missing_ranges().is_empty());
    }

    #[test]
    fn gaps_duplicates_and_reordering() {
        let (s, findings) = stream(&[1, 2, 5, 5, 3, 9, 10]);
        assert_eq!(
            findings,
            [
                Finding::InOrder,
                Finding::InOrder,
                Finding::Gap(Range(3, 4)),
                Finding::Duplicate,
                Finding::OutOfOrder { after: 5 },
                Finding::Gap(Range(6, 8)),
                Finding::InOrder,
            ]
        );
        assert_eq!(s.missing_ranges(), [Range(4, 4), Range(6, 8)]);
        assert_eq!((s.missing(), s.duplicated, s.out_of_order), (4, 1, 1));
        assert_eq!(
            stream_line("p/1", "t", &s),
            "t from p/1: 7 received of 1-10, 4 missing (4, 6-8), 1 duplicated, 1 out of order"
        );
        let (late, _) = stream(&[3]);
        assert_eq!(late.missing_ranges(), [Range(1, 2)]);
    }

    #[test]
    fn memory_stays_bounded_and_the_closed_gaps_still_count() {
        let mut s = Stream::default();
        for n in (1..=(MAX_RANGES as u64 + 10) * 2).step_by(2) {
            s.note(n + 1);
        }
        assert!(s.seen.len() <= MAX_RANGES);
        assert_eq!(s.missing(), MAX_RANGES as u64 + 10);
        assert_eq!(s.closed + s.missing_ranges().len() as u64, s.missing());
        assert_eq!(s.note(1), Finding::Duplicate);
    }

    #[test]
    fn streams_are_told_apart_and_summed() {
        let mut check = CheckSeq::default();
        for (p, t, n) in [("a", "x", 1), ("a", "x", 3), ("a", "y", 1), ("b", "x", 1)] {
            check.note(p, t, n);
        }
        assert_eq!(
            check.totals(),
            Totals {
                received: 4,
                missing: 1,
                ..Totals::default()
            }
        );
        let summary = check.summary();
        assert_eq!(
            summary[0],
            "sequence check: 4 stamped messages, 3 publisher/topic pairs: 1 missing, 0 duplicated, 0 out of order"
        );
        assert!(summary[1].starts_with("x from a: 2 received of 1-3, 1 missing (2), 0 duplicated"));
        let json = check.json();
        assert_eq!(json["missing"], 1);
        assert_eq!(json["streams"][0]["missing_ranges"], json!([[2, 2]]));
        assert_eq!(json["streams"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn streams_beyond_the_bound_are_only_counted() {
        let mut check = CheckSeq::default();
        for i in 0..MAX_STREAMS + 5 {
            check.note("p", &i.to_string(), 1);
        }
        assert_eq!((check.count, check.untracked), (MAX_STREAMS, 5));
        check.note("p", "0", 2);
        assert_eq!(check.totals().received, MAX_STREAMS as u64 + 1);
    }
}
