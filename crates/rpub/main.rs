//! rpub: publish one message, a counted or endless loop of them, or one per line of stdin,
//! and exit 0 only when the broker has every one of them (written for QoS 0, acknowledged
//! for QoS 1 and 2).
//!
//! Flags and their meanings follow mosquitto_pub; the connection flags are shared with rsub
//! through `rpubsub_core`.

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
use rpubsub_core::options::ConnectOptions;
use rpubsub_core::session::Session;
use rpubsub_core::stop::Stop;
use rpubsub_core::topic::check_topic_name;

use crate::source::Source;
use crate::template::Template;
use crate::tracker::Tracker;

const TOOL: &str = "rpub";

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
    group(ArgGroup::new("source").required(true).args(["message", "file", "stdin_file", "stdin_line", "null_message"])),
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

fn main() -> ExitCode {
    let cli: Cli = match cli::parse(TOOL) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    cli::set_quiet(cli.connect.quiet);
    cli::run(TOOL, run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<Exit> {
    let opts = ConnectOptions::from_args(&cli.connect, TOOL)?;
    let topic = cli
        .topic
        .clone()
        .or_else(|| opts.url_topic.clone())
        .ok_or_else(|| {
            Fail::usage("no topic: give one with -t TOPIC (or as in -L mqtt://host/TOPIC)")
        })?;
    check_topic_name(&topic).map_err(Fail::usage)?;
    let source = Source::from_flags(
        cli.message.as_deref(),
        cli.file.as_deref(),
        cli.stdin_file,
        cli.stdin_line,
    )
    .await?;

    let mut session = Session::connect(&opts).await?;
    let mut stop = Stop::install()?;
    let mut tracker = Tracker::new(cli.qos, cli.verbose);

    let outcome = match source {
        Source::Lines => publish_lines(&cli, &topic, &mut session, &mut tracker, &mut stop).await,
        Source::Payload(payload) => {
            publish_repeated(&cli, &topic, payload, &mut session, &mut tracker, &mut stop).await
        }
    };
    // On error the connection is gone or the input failed; the error says what was undone.
    outcome?;

    // Everything is queued: wait until it is acknowledged, then leave cleanly. A second
    // Ctrl+C exits at once (see Stop); the first one lets the acknowledgements arrive.
    while cli.qos > 0 && tracker.outstanding() > 0 {
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
    drain_tail(&mut tracker, closed)?;
    tracker.verdict()?;
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
            tracker.written = tracker.queued.max(tracker.written);
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
        let seq = session
            .publish(&this_topic, this_payload, cli.qos, cli.retain)
            .await
            .map_err(|e| lost(tracker, e))?;
        tracker.queued(seq, &this_topic);
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
                    tracker.queued(seq, topic);
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
fn lost(tracker: &Tracker, err: anyhow::Error) -> anyhow::Error {
    match err.downcast::<Fail>() {
        Ok(fail) => tracker.lost(fail).into(),
        Err(other) => other,
    }
}
