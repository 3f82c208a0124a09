//! `--stdin-json`: publish the messages described by JSON lines on stdin (the format
//! `rsub --json` writes, see `rpubsub_core::message_json`), each with its own topic, payload,
//! QoS, retain flag and MQTT 5 properties, over one connection. With `--replay-timing` the
//! gaps between the lines' `received` times are kept, divided by `--speed`.
//!
//! A line that is not a message is reported with its line number and skipped; everything
//! else is still sent, and rpub exits 1 at the end to say that input was left out.

use std::time::Duration;

use tokio::io::AsyncBufReadExt;
use tokio::time::Instant;

use chrono::{DateTime, Utc};
use rpubsub_core::cli;
use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::message_json;
use rpubsub_core::qos::Qos;
use rpubsub_core::session::Session;
use rpubsub_core::stop::Stop;
use rpubsub_core::topic::check_topic_name;

use crate::source::MAX_PAYLOAD;
use crate::tracker::Tracker;
use crate::TOOL;

/// What the flags say about a replay.
pub struct ReplayOptions {
    /// For lines without `qos` / `retain`.
    pub qos: u8,
    pub retain: bool,
    /// `--replay-timing`: the speed factor (1 = as captured).
    pub speed: Option<f64>,
    /// MQTT 5: properties can be sent.
    pub properties: bool,
}

/// What a replay left out.
pub struct Skipped {
    pub lines: u64,
    pub skipped: u64,
}

/// Publish every message line of stdin. Returns early (Ok) on Ctrl+C.
pub async fn publish_json(
    opts: &ReplayOptions,
    session: &mut Session,
    tracker: &mut Tracker,
    stop: &mut Stop,
) -> anyhow::Result<Skipped> {
    let mut input = tokio::io::BufReader::with_capacity(64 * 1024, tokio::io::stdin());
    let mut line = Vec::new();
    let mut counts = Skipped {
        lines: 0,
        skipped: 0,
    };
    // The first timed line's capture time, and when it was sent.
    let mut clock: Option<(DateTime<Utc>, Instant)> = None;
    let mut warned_properties = false;
    loop {
        let n = tokio::select! {
            biased;
            _ = stop.wait() => return Ok(counts),
            event = session.next_event() => {
                match event {
                    Some(event) => tracker.handle(event)?,
                    None => return Ok(counts),
                }
                continue;
            }
            // read_until keeps a partial line in `line` if another branch wins.
            read = input.read_until(b'\n', &mut line) => read.map_err(|e| {
                Fail::new(Exit::Failure, format!("reading stdin: {}", rpubsub_core::io_error_text(&e)))
            })?,
        };
        if n == 0 && line.is_empty() {
            return Ok(counts);
        }
        counts.lines += 1;
        let number = counts.lines;
        let text = line.trim_ascii();
        if text.is_empty() {
            line.clear();
            continue;
        }
        let record = message_json::parse(text).and_then(|r| {
            check_topic_name(&r.topic)?;
            if r.payload.len() > MAX_PAYLOAD {
                return Err(format!(
                    "the payload is {} bytes; one MQTT message carries at most {MAX_PAYLOAD}",
                    r.payload.len()
                ));
            }
            Ok(r)
        });
        line.clear();
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                counts.skipped += 1;
                cli::warn(TOOL, format_args!("stdin line {number}: {e}; skipped"));
                continue;
            }
        };
        if let (Some(speed), Some(at)) = (opts.speed, record.received) {
            let (first, started) = *clock.get_or_insert((at, Instant::now()));
            let gap = (at - first).to_std().unwrap_or(Duration::ZERO);
            let gap = Duration::try_from_secs_f64(gap.as_secs_f64() / speed)
                .unwrap_or(Duration::from_secs(365 * 86_400));
            let due = started
                .checked_add(gap)
                .unwrap_or(started + Duration::from_secs(365 * 86_400));
            if !wait_until(due, session, tracker, stop).await? {
                return Ok(counts);
            }
        }
        let qos = record
            .qos
            .unwrap_or(Qos::from_u8(opts.qos).unwrap_or_default());
        let retain = record.retain.unwrap_or(opts.retain);
        // A topic alias needs the broker's consent and subscription ids are the broker's to
        // set: neither can be sent back as captured.
        let properties = record
            .properties
            .map(|mut p| {
                p.topic_alias = None;
                p.subscription_ids.clear();
                p
            })
            .filter(|p| !p.is_empty());
        let properties = match properties {
            Some(_) if !opts.properties => {
                if !warned_properties {
                    warned_properties = true;
                    cli::warn(
                        TOOL,
                        format_args!(
                            "stdin line {number}: MQTT 5 properties left out: MQTT 3.1.1 cannot carry them (use -V 5)"
                        ),
                    );
                }
                None
            }
            other => other,
        };
        let len = record.payload.len();
        let seq = session
            .publish_with(
                &record.topic,
                record.payload,
                qos,
                retain,
                properties.as_ref(),
            )
            .await
            .map_err(|e| crate::lost(tracker, e.into()))?;
        tracker.queued(seq, &record.topic, qos.as_u8(), len);
        while let Some(event) = session.try_event() {
            tracker.handle(event)?;
        }
        if n == 0 {
            return Ok(counts);
        }
    }
}

/// Wait until `due`, handling events meanwhile; `false` when Ctrl+C or the end of the
/// connection cut the wait short.
async fn wait_until(
    due: Instant,
    session: &mut Session,
    tracker: &mut Tracker,
    stop: &mut Stop,
) -> anyhow::Result<bool> {
    let wait = tokio::time::sleep_until(due);
    tokio::pin!(wait);
    loop {
        tokio::select! {
            _ = &mut wait => return Ok(true),
            _ = stop.wait() => return Ok(false),
            event = session.next_event() => match event {
                Some(event) => tracker.handle(event)?,
                None => return Ok(false),
            },
        }
    }
}
