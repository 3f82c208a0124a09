//! rpub: publish one message, a counted or endless loop of them, or one per line of stdin,
//! and exit 0 only when the broker has every one of them (written for QoS 0, acknowledged
//! for QoS 1 and 2).
//!
//! Flags and their meanings follow mosquitto_pub; the connection flags are shared with rsub
//! through `rpubsub_core`.

mod manual;
mod replay;
mod request;
mod source;
mod template;
mod tracker;

use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use clap::{ArgGroup, Parser};
use tokio::io::AsyncBufReadExt;

use rpubsub_core::cli;
use rpubsub_core::duration::{parse_duration, parse_interval};
use rpubsub_core::exit::{exit_of, Exit, Fail};
use rpubsub_core::generate::HelpArgs;
use rpubsub_core::options::{ConnectOptions, Protocol};
use rpubsub_core::progress;
use rpubsub_core::properties::{
    parse_payload_format, parse_user_property, set_once, PublishProperties,
};
use rpubsub_core::qos::Qos;
use rpubsub_core::session::Session;
use rpubsub_core::settings::ConnectArgs;
use rpubsub_core::stop::Stop;
use rpubsub_core::tool::Tool;
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
    override_usage = "rpub [OPTIONS] -t TOPIC <-m MESSAGE | -f FILE | -s | -l | -n>\n       rpub [OPTIONS] --stdin-json",
    // One payload source; that there is one is checked in `run`, so that --print-config and
    // --generate need none.
    group(ArgGroup::new("source").args(["message", "file", "stdin_file", "stdin_line", "stdin_json", "null_message"])),
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
    /// A user property of each message; repeatable
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_user_property,
          help_heading = "MQTT 5 (with -V mqttv5)")]
    user_property: Vec<(String, String)>,

    /// Content type of the payload (a MIME type, say)
    #[arg(long, value_name = "TYPE", help_heading = "MQTT 5 (with -V mqttv5)")]
    content_type: Option<String>,

    /// The payload is utf8 text (the broker may check) or bytes
    #[arg(long, value_name = "utf8|bytes", value_parser = parse_payload_format,
          help_heading = "MQTT 5 (with -V mqttv5)")]
    payload_format: Option<u8>,

    /// The broker drops the message if not delivered within this long (seconds or a duration)
    #[arg(long, value_name = "DURATION", value_parser = parse_interval,
          help_heading = "MQTT 5 (with -V mqttv5)")]
    message_expiry: Option<u32>,

    /// Topic a receiver should answer on
    #[arg(long, value_name = "TOPIC", help_heading = "MQTT 5 (with -V mqttv5)")]
    response_topic: Option<String>,

    /// Correlation data: lets the requester match an answer to its request
    #[arg(long, value_name = "DATA", help_heading = "MQTT 5 (with -V mqttv5)")]
    correlation_data: Option<String>,

    /// Topic alias N (1 up to the broker's maximum), sent with the topic on each message
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..),
          help_heading = "MQTT 5 (with -V mqttv5)")]
    topic_alias: Option<u16>,

    /// Request/response: publish with a response topic and correlation data, print the answer and exit; exit 27 if none comes within DURATION [default: 10s]
    #[arg(long, value_name = "DURATION", num_args = 0..=1, default_missing_value = "10s",
          value_parser = parse_duration, conflicts_with_all = ["repeat", "stdin_line"],
          help_heading = "MQTT 5 (with -V mqttv5)")]
    wait_response: Option<Duration>,

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

impl cli::Tool for Cli {
    fn connect_args(&mut self) -> &mut ConnectArgs {
        &mut self.connect
    }
    fn manual() -> rpubsub_core::generate::Manual {
        manual::MANUAL
    }
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
    cli::set_quiet(cli.connect.diagnostics.quiet);
    cli::run(TOOL, run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<Exit> {
    // clap's `requires` does not see through the payload group, so check here.
    if cli.replay_timing && !cli.stdin_json {
        return Err(
            Fail::usage("--replay-timing replays JSON lines: it needs --stdin-json").into(),
        );
    }
    // JSON lines name their own QoS.
    let publishes = match cli.stdin_json {
        true => Qos::ExactlyOnce,
        false => Qos::from_u8(cli.qos).unwrap_or(Qos::ExactlyOnce),
    };
    let opts = ConnectOptions::from_args(&cli.connect, Tool::Rpub, publishes)?;
    if cli.connect.config.print_config {
        return cli::print_config(&opts);
    }
    let sources = [
        cli.message.is_some(),
        cli.file.is_some(),
        cli.stdin_file,
        cli.stdin_line,
        cli.stdin_json,
        cli.null_message,
    ];
    if !sources.contains(&true) {
        return Err(Fail::usage(
            "no payload: give one of -m MESSAGE, -f FILE, -s (stdin as one message), -l (one per line), --stdin-json (JSON lines), -n (empty)",
        )
        .into());
    }
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

    let mut properties = publish_properties(&cli, &opts)?;
    if cli.stdin_json && !properties.is_empty() {
        return Err(Fail::usage(
            "--stdin-json takes the properties of each message from its line, not from flags or -D",
        )
        .into());
    }
    if let (Some(1), Some(Source::Payload(payload))) = (properties.payload_format, &source) {
        if std::str::from_utf8(payload).is_err() {
            return Err(Fail::usage(
                "the payload format is utf8 but the payload is not valid UTF-8 (use --payload-format bytes)",
            )
            .into());
        }
    }
    if cli.wait_response.is_some() {
        request::prepare(&mut properties, &opts.client_id);
    }

    // The handlers go in before connecting: a Ctrl+C right after CONNACK must not find the
    // default action (instant death) still in place. One while connecting ends the attempt.
    let mut stop = Stop::install()?;
    let mut session = tokio::select! {
        session = Session::connect(&opts) => session?,
        _ = stop.wait() => return Ok(Exit::Interrupted),
    };
    let bar = (progress::wanted(cli.connect.diagnostics.quiet, cli.connect.diagnostics.debug)
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
        Work {
            topic: &topic,
            source,
            properties: &properties,
            mqtt5: opts.protocol == Protocol::V5,
        },
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

/// What to publish: the topic and payload source from the flags (none for `--stdin-json`,
/// whose lines say), the properties of every message, and whether the session is MQTT 5.
struct Work<'a> {
    topic: &'a str,
    source: Option<Source>,
    properties: &'a PublishProperties,
    mqtt5: bool,
}

/// Publish everything, wait for the acknowledgements, disconnect.
async fn publish_all(
    cli: &Cli,
    work: Work<'_>,
    session: &mut Session,
    tracker: &mut Tracker,
    stop: &mut Stop,
) -> anyhow::Result<Exit> {
    let Work {
        topic,
        source,
        properties,
        mqtt5,
    } = work;
    let mut skipped = None;
    let outcome = match source {
        None => {
            let replay = ReplayOptions {
                qos: cli.qos,
                retain: cli.retain,
                speed: cli.replay_timing.then(|| cli.speed.unwrap_or(1.0)),
                properties: mqtt5,
            };
            replay::publish_json(&replay, session, tracker, stop)
                .await
                .map(|s| skipped = Some(s))
        }
        Some(Source::Payload(payload)) if cli.wait_response.is_some() => {
            let req = request::Request {
                topic,
                payload,
                qos: cli.qos,
                retain: cli.retain,
                properties,
                wait: cli.wait_response.unwrap_or(Duration::from_secs(10)),
            };
            let answered = request::run(req, session, tracker, stop).await;
            // No answer, or a refused response subscription, leaves the connection fine:
            // still leave cleanly.
            if answered
                .as_ref()
                .is_err_and(|e| matches!(exit_of(e), Exit::Timeout | Exit::Rejected))
            {
                let _ = session.disconnect(DISCONNECT_LIMIT, |_| {}).await;
            }
            answered.map(|_| ())
        }
        Some(Source::Lines) => publish_lines(cli, topic, properties, session, tracker, stop).await,
        Some(Source::Payload(payload)) => {
            publish_repeated(cli, topic, payload, properties, session, tracker, stop).await
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

/// The MQTT 5 properties of every message: `-D publish ...` plus their own flags (a property
/// given both ways is refused). Refused, naming the flag, with MQTT 3.1.1.
fn publish_properties(cli: &Cli, opts: &ConnectOptions) -> Result<PublishProperties, Fail> {
    let flags = [
        ("--user-property", !cli.user_property.is_empty()),
        ("--content-type", cli.content_type.is_some()),
        ("--payload-format", cli.payload_format.is_some()),
        ("--message-expiry", cli.message_expiry.is_some()),
        ("--response-topic", cli.response_topic.is_some()),
        ("--correlation-data", cli.correlation_data.is_some()),
        ("--topic-alias", cli.topic_alias.is_some()),
        ("--wait-response", cli.wait_response.is_some()),
    ];
    for (flag, given) in flags {
        if given {
            opts.require_mqtt5(flag)?;
        }
    }
    let mut p = opts.mqtt5.publish.clone();
    let twice = |e: String| Fail::usage(format!("{e} (by its flag and by -D)"));
    p.user_properties.extend(cli.user_property.iter().cloned());
    set_once(
        &mut p.content_type,
        cli.content_type.clone(),
        "the content type",
    )
    .map_err(twice)?;
    set_once(
        &mut p.payload_format,
        cli.payload_format,
        "the payload format",
    )
    .map_err(twice)?;
    set_once(
        &mut p.message_expiry,
        cli.message_expiry,
        "the message expiry",
    )
    .map_err(twice)?;
    set_once(
        &mut p.response_topic,
        cli.response_topic.clone(),
        "the response topic",
    )
    .map_err(twice)?;
    set_once(
        &mut p.correlation_data,
        cli.correlation_data
            .clone()
            .map(|d| Bytes::from(d.into_bytes())),
        "the correlation data",
    )
    .map_err(twice)?;
    set_once(&mut p.topic_alias, cli.topic_alias, "the topic alias").map_err(twice)?;
    if let Some(topic) = &p.response_topic {
        check_topic_name(topic).map_err(|e| Fail::usage(format!("response topic: {e}")))?;
    }
    Ok(p)
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
    properties: &PublishProperties,
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
            .publish_with(
                &this_topic,
                this_payload,
                Qos::from_u8(cli.qos).unwrap_or_default(),
                cli.retain,
                Some(properties),
            )
            .await
            .map_err(|e| lost(tracker, e.into()))?;
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
    properties: &PublishProperties,
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
                        .publish_with(topic, payload, Qos::from_u8(cli.qos).unwrap_or_default(), cli.retain, Some(properties))
                        .await
                        .map_err(|e| lost(tracker, e.into()))?;
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
