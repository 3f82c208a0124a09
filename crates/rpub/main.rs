//! rpub: publish one message, a counted or endless loop of them, or one per line of stdin,
//! and exit 0 only when the broker has every one of them (written for QoS 0, acknowledged
//! for QoS 1 and 2).
//!
//! Flags and their meanings follow mosquitto_pub; the connection flags are shared with rsub
//! through `rpubsub_core`.

mod replay;
mod source;
mod template;
mod tracker;

use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use clap::{ArgGroup, Parser};
use tokio::io::AsyncBufReadExt;

use rpubsub_core::args::{ConnectArgs, HelpArgs};
use rpubsub_core::cli;
use rpubsub_core::duration::parse_duration;
use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::options::{ConnectOptions, Protocol};
use rpubsub_core::progress;
use rpubsub_core::session::Session;
use rpubsub_core::stop::Stop;
use rpubsub_core::topic::check_topic_name;

use crate::replay::ReplayOptions;
use crate::source::Source;
use crate::template::Template;
use crate::tracker::Tracker;

pub(crate) const TOOL: &str = "rpub";

/// How long the final DISCONNECT may take before rpub gives up on it.
const DISCONNECT_LIMIT: Duration = Duration::from_secs(10);

/// Publish MQTT messages.
#[derive(Debug, Parser)]
#[command(
    name = TOOL,
    version,
    about = "Publish MQTT messages: one, a counted loop, or one per line of stdin.",
    disable_help_flag = true,
    disable_version_flag = true,
    after_help = after_help(),
    group(ArgGroup::new("source").required(true).args(["message", "file", "stdin_file", "stdin_line", "stdin_json", "null_message"])),
)]
struct Cli {
    #[command(flatten)]
    help: HelpArgs,

    /// Topic to publish to
    #[arg(short = 't', long, value_name = "TOPIC")]
    topic: Option<String>,

    /// Send MESSAGE as the payload
    #[arg(
        short = 'm',
        long,
        value_name = "MESSAGE",
        help_heading = "Payload (one of)"
    )]
    message: Option<String>,

    /// Send the contents of FILE as the payload
    #[arg(
        short = 'f',
        long,
        value_name = "FILE",
        help_heading = "Payload (one of)"
    )]
    file: Option<std::path::PathBuf>,

    /// Read all of stdin and send it as one message
    #[arg(short = 's', long = "stdin-file", help_heading = "Payload (one of)")]
    stdin_file: bool,

    /// Send each line of stdin as a message, as it arrives (empty lines are skipped)
    #[arg(short = 'l', long = "stdin-line", help_heading = "Payload (one of)", conflicts_with_all = ["repeat", "interval"])]
    stdin_line: bool,

    /// Send an empty message
    #[arg(short = 'n', long = "null-message", help_heading = "Payload (one of)")]
    null_message: bool,

    /// Publish the messages of JSON lines on stdin (as rsub --json writes them), each with its own topic, payload, qos, retain and properties
    #[arg(long = "stdin-json", visible_alias = "json", help_heading = "Payload (one of)",
          conflicts_with_all = ["repeat", "interval", "topic"])]
    stdin_json: bool,

    /// With --stdin-json: keep the time gaps between the lines' "received" times
    #[arg(long, requires = "stdin_json", help_heading = "Replay")]
    replay_timing: bool,

    /// With --replay-timing: play N times faster (0.5 = half speed) [default: 1]
    #[arg(long, value_name = "N", requires = "replay_timing", value_parser = parse_speed, help_heading = "Replay")]
    speed: Option<f64>,

    /// Quality of service: 0, 1 or 2
    #[arg(short = 'q', long, value_name = "QOS", default_value_t = 0,
          value_parser = clap::value_parser!(u8).range(0..=2))]
    qos: u8,

    /// Ask the broker to retain the message
    #[arg(short = 'r', long)]
    retain: bool,

    #[arg(long, visible_alias = "count", value_name = "N",
          help = cli::literal_braces("Send N times (0 = until Ctrl+C), expanding {n} {i} {time} {ts}"))]
    repeat: Option<u64>,

    /// Wait this long between repeated messages (seconds or a duration such as 500ms)
    #[arg(long = "repeat-delay", visible_alias = "interval", value_name = "DURATION",
          value_parser = parse_duration, requires = "repeat")]
    interval: Option<Duration>,

    #[arg(long, help = cli::literal_braces("Send {n} {i} {time} {ts} literally even with --repeat"))]
    no_placeholders: bool,

    /// Print a line per message once it is done (sent for QoS 0, acknowledged for QoS 1/2)
    #[arg(short = 'v', long)]
    verbose: bool,

    /// On exit, print on stderr how many messages were sent and acknowledged, bytes, time and rate
    #[arg(long)]
    stats: bool,

    #[command(flatten, next_help_heading = "Connection")]
    connect: ConnectArgs,
}

fn after_help() -> String {
    cli::literal_braces(&format!(
        "Placeholders (with --repeat/--count): {{n}} count from 1, {{i}} index from 0, \
         {{time}} local time, {{ts}} unix seconds.\n\
         Passwords: prefer MQTT_PASSWORD or --password-file to -P, which shows in the process list.\n\n{}",
        rpubsub_core::exit::table_text()
    ))
}

/// `--speed`: a positive factor.
fn parse_speed(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "'{text}' is not a speed: give a number above 0, e.g. 10 or 0.5"
        )),
    }
}

fn main() -> ExitCode {
    let cli: Cli = match cli::parse(TOOL) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    cli::set_quiet(cli.connect.quiet);
    cli::run(TOOL, run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<Exit> {
    // clap's `requires` does not see through the payload group, so check here.
    if cli.replay_timing && !cli.stdin_json {
        return Err(
            Fail::usage("--replay-timing replays JSON lines: it needs --stdin-json").into(),
        );
    }
    let opts = ConnectOptions::from_args(&cli.connect, TOOL)?;
    let topic = if cli.stdin_json {
        // Each line names its own topic.
        String::new()
    } else {
        let topic = cli
            .topic
            .clone()
            .or_else(|| opts.url_topic.clone())
            .ok_or_else(|| {
                Fail::usage("no topic: give one with -t TOPIC (or as in -L mqtt://host/TOPIC)")
            })?;
        check_topic_name(&topic).map_err(Fail::usage)?;
        topic
    };
    let source = if cli.stdin_json {
        None
    } else {
        Some(
            Source::from_flags(
                cli.message.as_deref(),
                cli.file.as_deref(),
                cli.stdin_file,
                cli.stdin_line,
            )
            .await?,
        )
    };

    // The handler goes first: a Ctrl+C that comes just after CONNACK must still end the run
    // cleanly; one during connecting ends it at once, with nothing sent.
    let mut stop = Stop::install()?;
    let mut session = tokio::select! {
        session = Session::connect(&opts) => session?,
        _ = stop.wait() => return Ok(Exit::Interrupted),
    };
    let bar = (progress::wanted(cli.connect.quiet)
        && (cli.repeat.is_some() || cli.stdin_line || cli.stdin_json))
        .then(|| {
            let total = cli.repeat.filter(|&n| n > 0);
            let unit = match (cli.stdin_json, cli.qos) {
                (true, _) => "done",
                (false, 0) => "sent",
                (false, _) => "acknowledged",
            };
            progress::bar(total, unit)
        });
    let mut tracker = Tracker::new(cli.verbose, bar);
    let started = std::time::Instant::now();
    let outcome = publish_all(
        &cli,
        &topic,
        source,
        &opts,
        &mut session,
        &mut tracker,
        &mut stop,
    )
    .await;
    progress::clear();
    if cli.stats {
        let elapsed = started.elapsed();
        let acked = if tracker.queued_acked > 0 {
            format!(", {} acknowledged", tracker.acked)
        } else {
            String::new()
        };
        eprintln!(
            "{TOOL}: {} messages, {} sent{acked}, {} in {} ({})",
            tracker.queued,
            tracker.written.max(tracker.written_qos0),
            progress::bytes(tracker.bytes),
            progress::elapsed(elapsed),
            progress::rate(tracker.done(), elapsed)
        );
    }
    outcome
}

/// Publish everything, wait for the acknowledgements, disconnect.
async fn publish_all(
    cli: &Cli,
    topic: &str,
    source: Option<Source>,
    opts: &ConnectOptions,
    session: &mut Session,
    tracker: &mut Tracker,
    stop: &mut Stop,
) -> anyhow::Result<Exit> {
    let mut skipped = None;
    let outcome = match source {
        None => {
            let replay = ReplayOptions {
                qos: cli.qos,
                retain: cli.retain,
                speed: cli.replay_timing.then(|| cli.speed.unwrap_or(1.0)),
                properties: opts.protocol == Protocol::V5,
            };
            replay::publish_json(&replay, session, tracker, stop)
                .await
                .map(|s| skipped = Some(s))
        }
        Some(Source::Lines) => publish_lines(cli, topic, session, tracker, stop).await,
        Some(Source::Payload(payload)) => {
            publish_repeated(cli, topic, payload, session, tracker, stop).await
        }
    };
    // On error the connection is gone or the input failed; the error says what was undone.
    outcome?;

    // Everything is queued: wait until it is acknowledged, then leave cleanly. A second
    // Ctrl+C exits at once (see Stop); the first one lets the acknowledgements arrive.
    while tracker.unacknowledged() > 0 {
        match session.next_event().await {
            Some(event) => tracker.handle(event)?,
            None => {
                return Err(tracker
                    .lost(Fail::new(Exit::ConnectionLost, "connection lost"))
                    .into())
            }
        }
    }
    let closed = session.disconnect(DISCONNECT_LIMIT, |_| {}).await;
    drain_tail(tracker, closed)?;
    tracker.verdict()?;
    if let Some(s) = skipped.filter(|s| s.skipped > 0) {
        return Err(Fail::new(
            Exit::Failure,
            format!(
                "{} of {} input lines skipped (see above); everything else was sent",
                s.skipped, s.lines
            ),
        )
        .into());
    }
    Ok(if stop.requested() {
        Exit::Interrupted
    } else {
        Exit::Ok
    })
}

/// After DISCONNECT: QoS 0 messages are done only if the DISCONNECT itself went out, since
/// requests leave in order.
fn drain_tail(tracker: &mut Tracker, closed: Result<(), Fail>) -> anyhow::Result<()> {
    match closed {
        Ok(()) => {
            tracker.all_written();
            Ok(())
        }
        Err(fail) => Err(tracker.lost(fail).into()),
    }
}

/// `-m`, `-f`, `-s`, `-n`, once or `--repeat` times.
async fn publish_repeated(
    cli: &Cli,
    topic: &str,
    payload: Bytes,
    session: &mut Session,
    tracker: &mut Tracker,
    stop: &mut Stop,
) -> anyhow::Result<()> {
    let count = cli.repeat.unwrap_or(1);
    let placeholders = cli.repeat.is_some() && !cli.no_placeholders;
    let topic_template = Template::parse(topic);
    let message_template = match (&cli.message, placeholders) {
        (Some(message), true) => Some(Template::parse(message)).filter(|t| !t.is_constant()),
        _ => None,
    };
    let topic_template = Some(topic_template).filter(|t| placeholders && !t.is_constant());
    let interval = cli.interval.unwrap_or(Duration::ZERO);
    let mut next = tokio::time::Instant::now();
    let mut index: u64 = 0;
    while count == 0 || index < count {
        if index > 0 && !interval.is_zero() {
            next += interval;
            let wait = tokio::time::sleep_until(next);
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    _ = &mut wait => break,
                    _ = stop.wait() => return Ok(()),
                    event = session.next_event() => match event {
                        Some(event) => tracker.handle(event)?,
                        None => return Ok(()),
                    },
                }
            }
        }
        if stop.requested() {
            return Ok(());
        }
        let this_topic = match &topic_template {
            Some(t) => {
                let rendered = t.render(index);
                check_topic_name(&rendered).map_err(Fail::usage)?;
                std::borrow::Cow::Owned(rendered)
            }
            None => std::borrow::Cow::Borrowed(topic),
        };
        let this_payload = match &message_template {
            Some(t) => Bytes::from(t.render(index)),
            None => payload.clone(),
        };
        let len = this_payload.len();
        let seq = session
            .publish(&this_topic, this_payload, cli.qos, cli.retain)
            .await
            .map_err(|e| lost(tracker, e))?;
        tracker.queued(seq, &this_topic, cli.qos, len);
        index += 1;
        while let Some(event) = session.try_event() {
            tracker.handle(event)?;
        }
    }
    Ok(())
}

/// `-l`: one message per line of stdin, each sent as soon as its line is complete.
async fn publish_lines(
    cli: &Cli,
    topic: &str,
    session: &mut Session,
    tracker: &mut Tracker,
    stop: &mut Stop,
) -> anyhow::Result<()> {
    let mut input = tokio::io::BufReader::with_capacity(64 * 1024, tokio::io::stdin());
    let mut line = Vec::new();
    loop {
        tokio::select! {
            biased;
            _ = stop.wait() => return Ok(()),
            event = session.next_event() => match event {
                Some(event) => tracker.handle(event)?,
                None => return Ok(()),
            },
            // read_until keeps a partial line in `line` if another branch wins, so no input
            // is lost when an event arrives mid-line.
            read = input.read_until(b'\n', &mut line) => {
                let n = read.map_err(|e| Fail::new(Exit::Failure, format!("reading stdin: {}", rpubsub_core::io_error_text(&e))))?;
                if n == 0 && line.is_empty() {
                    return Ok(());
                }
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                if !line.is_empty() {
                    let payload = Bytes::copy_from_slice(&line);
                    let seq = session
                        .publish(topic, payload, cli.qos, cli.retain)
                        .await
                        .map_err(|e| lost(tracker, e))?;
                    tracker.queued(seq, topic, cli.qos, line.len());
                }
                line.clear();
                if n == 0 {
                    return Ok(());
                }
            }
        }
    }
}

/// A failed publish means the connection is gone: add what was left undone.
pub(crate) fn lost(tracker: &Tracker, err: anyhow::Error) -> anyhow::Error {
    match err.downcast::<Fail>() {
        Ok(fail) => tracker.lost(fail).into(),
        Err(other) => other,
    }
}
