//! rsub: subscribe to topic filters and print what arrives, until a count (`-C`), a timeout
//! (`-W`), a subscription (`-E`), a closed pipe or Ctrl+C ends it, each with its own exit
//! status for scripts.
//!
//! Flags and their meanings follow mosquitto_sub; the connection flags are shared with rpub
//! through `rpubsub_core`.

mod expect;
mod format;
mod json;
mod manual;
mod output;

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use indicatif::ProgressBar;
use tokio::time::Instant;

use rpubsub_core::args::{ConnectArgs, HelpArgs};
use rpubsub_core::cli;
use rpubsub_core::duration::{parse_duration, show};
use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::options::ConnectOptions;
use rpubsub_core::progress;
use rpubsub_core::properties::{set_once, SubscribeOptions, MAX_SUBSCRIPTION_ID};
use rpubsub_core::reason::Reason;
use rpubsub_core::session::{Event, Incoming, Message, Session};
use rpubsub_core::stop::Stop;
use rpubsub_core::tool::Tool;
use rpubsub_core::topic::{check_topic_filter, matches};

use crate::expect::Expect;
use crate::format::Format;
use crate::output::{Output, Style};

const TOOL: &str = "rsub";

/// How long the final DISCONNECT may take before rsub gives up on it.
const DISCONNECT_LIMIT: Duration = Duration::from_secs(2);

/// Subscribe to MQTT topics and print the messages.
#[derive(Debug, Parser)]
#[command(
    name = TOOL,
    version,
    about = "Subscribe to MQTT topic filters and print the messages that arrive.",
    disable_help_flag = true,
    disable_version_flag = true,
    after_help = after_help(),
)]
struct Cli {
    #[command(flatten)]
    help: HelpArgs,

    /// Topic filter to subscribe to (+ and # wildcards); repeatable
    #[arg(short = 't', long = "topic", value_name = "FILTER")]
    topics: Vec<String>,

    /// Quality of service for the subscriptions: 0, 1 or 2
    #[arg(short = 'q', long, value_name = "QOS", default_value_t = 0,
          value_parser = clap::value_parser!(u8).range(0..=2))]
    qos: u8,

    /// Print the topic before the payload, and MQTT 5 properties after it: "topic payload [name=value, ...]"
    #[arg(short = 'v', long)]
    verbose: bool,

    /// Exit after printing N messages
    #[arg(short = 'C', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,

    /// Exit with status 27 if not done after this long (seconds or a duration such as 10s)
    #[arg(short = 'W', long, value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<Duration>,

    /// Exit once the broker has acknowledged the subscriptions
    #[arg(short = 'E', long = "exit-after-subscribe")]
    exit_after_subscribe: bool,

    /// Do not print retained (stale) messages
    #[arg(short = 'R', long = "no-retained")]
    no_retained: bool,

    /// Print only retained messages; exit at the first message that is not retained
    #[arg(long, conflicts_with = "no_retained")]
    retained_only: bool,

    /// Clear every retained message received (publish an empty retained message to its topic)
    #[arg(long)]
    remove_retained: bool,

    /// Do not print (or clear) messages on topics matching FILTER; repeatable
    #[arg(short = 'T', long = "filter-out", value_name = "FILTER")]
    filter_out: Vec<String>,

    /// Unsubscribe from FILTER (for persistent sessions, with -c); repeatable
    #[arg(short = 'U', long = "unsubscribe", value_name = "FILTER")]
    unsubscribe: Vec<String>,

    /// Do not add a newline after each payload
    #[arg(short = 'N', long = "no-newline")]
    no_newline: bool,

    /// Print each message as FORMAT, as mosquitto_sub -F does (%t topic, %p payload, @H hour, ...; see README)
    #[arg(
        short = 'F',
        long = "format",
        value_name = "FORMAT",
        help_heading = "Output"
    )]
    format: Option<String>,

    /// Print one JSON object per message and line: topic, payload (base64 when binary), qos, retain, dup, properties, receive time
    #[arg(long, conflicts_with = "format", help_heading = "Output")]
    json: bool,

    /// Indent JSON (--json, and %j/%J in -F); alone, implies --json
    #[arg(long, help_heading = "Output")]
    pretty: bool,

    /// Print the receive time before each message (plain and -v output)
    #[arg(long, conflicts_with_all = ["format", "json"], help_heading = "Output")]
    timestamp: bool,

    /// strftime format of --timestamp, e.g. '%H:%M:%S%.3f' [default: RFC 3339 with microseconds]
    #[arg(long, value_name = "FORMAT", conflicts_with_all = ["format", "json"], help_heading = "Output")]
    timestamp_format: Option<String>,

    /// Colour the topic in -v output: auto (only on a terminal, and not when NO_COLOR is set), always, never
    #[arg(
        long,
        value_name = "WHEN",
        default_value = "auto",
        help_heading = "Output"
    )]
    color: ColorWhen,

    /// Wait for a message whose payload matches REGEX: print it, exit 0 (with -W: 27 if none came in time); repeatable
    #[arg(long, value_name = "REGEX", help_heading = "Health checks")]
    expect: Vec<String>,

    /// As --expect, for a JSON payload: 'POINTER [OP VALUE]', e.g. '/temp > 30', '/state == on'; repeatable
    #[arg(long, value_name = "CONDITION", help_heading = "Health checks")]
    expect_json: Vec<String>,

    /// On exit, print on stderr how many messages and bytes arrived, in how long
    #[arg(long, help_heading = "Output")]
    stats: bool,
    /// Do not receive the messages this client publishes itself (the clears of --remove-retained)
    #[arg(long, help_heading = "MQTT 5 (with -V mqttv5)")]
    no_local: bool,

    /// Keep the retain flag of forwarded messages as it was published
    #[arg(long, help_heading = "MQTT 5 (with -V mqttv5)")]
    retain_as_published: bool,

    /// Retained messages at subscribe: 0 always, 1 only for a new subscription, 2 never
    #[arg(long, value_name = "0|1|2", value_parser = clap::value_parser!(u8).range(0..=2),
          help_heading = "MQTT 5 (with -V mqttv5)")]
    retain_handling: Option<u8>,

    /// Tag the subscriptions with ID (1 to 268435455); -v shows it on each message
    #[arg(long, value_name = "ID",
          value_parser = clap::value_parser!(u32).range(1..=MAX_SUBSCRIPTION_ID as i64),
          help_heading = "MQTT 5 (with -V mqttv5)")]
    subscription_id: Option<u32>,

    #[command(flatten, next_help_heading = "Connection")]
    connect: ConnectArgs,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// Colour for `-v`: `always` asks for it, `auto` gives it only to a terminal without
/// `NO_COLOR` (https://no-color.org: set to anything non-empty), so pipes never see escapes.
fn use_color(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Default `--timestamp` format: RFC 3339 in local time, with microseconds.
const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f%:z";

fn after_help() -> String {
    format!(
        "Passwords: prefer MQTT_PASSWORD or --password-file to -P, which shows in the process list.\n\n{}",
        rpubsub_core::exit::table_text()
    )
}

impl cli::Tool for Cli {
    fn connect_args(&mut self) -> &mut ConnectArgs {
        &mut self.connect
    }
    fn manual() -> rpubsub_core::generate::Manual {
        manual::MANUAL
    }
}

fn main() -> ExitCode {
    let cli: Cli = match cli::parse(TOOL) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    cli::set_quiet(cli.connect.quiet);
    cli::run(Tool::Rsub, run(cli))
}

async fn run(cli: Cli) -> Result<Exit, Fail> {
    let opts = ConnectOptions::from_args(&cli.connect, TOOL)?;
    if cli.connect.print_config {
        return Ok(cli::print_config(&opts)?);
    }
    let mut filters: Vec<String> = cli.topics.clone();
    filters.extend(opts.url_topic.clone());
    if filters.is_empty() && cli.unsubscribe.is_empty() {
        return Err(Fail::usage(
            "no topic filter: give one with -t FILTER (e.g. -t 'sensors/#')",
        ));
    }
    for (flag, list) in [
        ("-t", &filters),
        ("-T", &cli.filter_out),
        ("-U", &cli.unsubscribe),
    ] {
        for filter in list {
            check_topic_filter(filter).map_err(|e| Fail::usage(format!("{flag}: {e}")))?;
        }
    }

    let style = output_style(&cli)?;
    let expect = Expect::new(&cli.expect, &cli.expect_json).map_err(Fail::usage)?;
    let options = subscribe_options(&cli, &opts)?;

    // The handlers go in before connecting: a Ctrl+C right after CONNACK must not find the
    // default action (instant death) still in place. One while connecting ends the attempt.
    let mut stop = Stop::install()?;
    let mut session = tokio::select! {
        session = Session::connect(&opts) => session?,
        _ = stop.wait() => return Ok(Exit::Interrupted),
    };
    // As mosquitto_sub: the -W clock starts once connected.
    let deadline = cli.timeout.map(|t| Instant::now() + t);
    let started = std::time::Instant::now();
    let mut sub = Subscriber::new(&cli, filters, options, &opts, style, expect);
    let outcome = sub.run(&mut session, &mut stop, deadline).await;
    let flushed = sub.output.flush();
    let _ = session.disconnect(DISCONNECT_LIMIT, |_| {}).await;
    progress::clear();
    if cli.stats {
        let elapsed = started.elapsed();
        eprintln!(
            "{TOOL}: {} messages, {} received in {} ({})",
            sub.printed,
            progress::bytes(sub.bytes),
            progress::elapsed(elapsed),
            progress::rate(sub.printed, elapsed)
        );
    }
    let exit = outcome?;
    match flushed {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit),
        Err(e) => Err(Fail::new(
            Exit::Failure,
            format!("writing output: {}", rpubsub_core::io_error_text(&e)),
        )),
        Ok(()) => Ok(exit),
    }
}

/// The output style the flags ask for; a bad `-F` or time format is a usage error.
fn output_style(cli: &Cli) -> Result<Style, Fail> {
    if let Some(text) = &cli.format {
        let format = Format::parse(text).map_err(|e| Fail::usage(format!("-F: {e}")))?;
        return Ok(Style::Format(format));
    }
    if cli.json || cli.pretty {
        return Ok(Style::Json { pretty: cli.pretty });
    }
    let timestamp = match &cli.timestamp_format {
        Some(f) => {
            output::check_time_format(f).map_err(Fail::usage)?;
            Some(f.clone())
        }
        None => cli.timestamp.then(|| TIMESTAMP_FORMAT.to_string()),
    };
    Ok(Style::Plain {
        verbose: cli.verbose,
        timestamp,
        color: use_color(cli.color),
    })
}

/// The MQTT 5 subscription options from their flags and `-D subscribe`; refused, naming the
/// flag, on an MQTT 3.1.1 session.
fn subscribe_options(cli: &Cli, opts: &ConnectOptions) -> Result<SubscribeOptions, Fail> {
    let mut options = opts.mqtt5.subscribe.clone();
    for (flag, given) in [
        ("--no-local", cli.no_local),
        ("--retain-as-published", cli.retain_as_published),
        ("--retain-handling", cli.retain_handling.is_some()),
        ("--subscription-id", cli.subscription_id.is_some()),
    ] {
        if given {
            opts.require_mqtt5(flag)?;
        }
    }
    options.no_local = cli.no_local;
    options.retain_as_published = cli.retain_as_published;
    options.retain_handling = cli.retain_handling.unwrap_or(0);
    set_once(
        &mut options.subscription_id,
        cli.subscription_id,
        "the subscription id",
    )
    .map_err(|e| Fail::usage(format!("{e} (by --subscription-id and by -D)")))?;
    Ok(options)
}

/// The state of one subscribing run.
struct Subscriber<'a> {
    cli: &'a Cli,
    filters: Vec<String>,
    options: SubscribeOptions,
    unsubscribe_user_properties: &'a [(String, String)],
    output: Output,
    printed: u64,
    /// Messages that passed the filters, matched or not (for the --expect timeout line).
    seen: u64,
    /// Payload bytes of the printed messages (`--stats`, live counter).
    bytes: u64,
    /// Exit after this many printed messages: `-C`, or 1 with `--expect`.
    count: Option<u64>,
    expect: Option<Expect>,
    /// The live counter on stderr, when stdout is not a terminal but stderr is.
    counter: Option<ProgressBar>,
    /// UNSUBACKs still expected.
    unsubscribing: usize,
    subscribed: bool,
    /// `--remove-retained` clears waiting for room in the request queue.
    clears: VecDeque<String>,
}

impl<'a> Subscriber<'a> {
    fn new(
        cli: &'a Cli,
        filters: Vec<String>,
        options: SubscribeOptions,
        opts: &'a ConnectOptions,
        style: Style,
        expect: Option<Expect>,
    ) -> Self {
        let counter = (progress::wanted(cli.connect.quiet, cli.connect.debug)
            && !std::io::stdout().is_terminal())
        .then(progress::counter);
        Subscriber {
            cli,
            filters,
            options,
            unsubscribe_user_properties: &opts.mqtt5.unsubscribe_user_properties,
            output: Output::new(style, !cli.no_newline, cli.pretty),
            printed: 0,
            seen: 0,
            bytes: 0,
            count: cli.count.or(expect.as_ref().map(|_| 1)),
            expect,
            counter,
            unsubscribing: 0,
            subscribed: false,
            clears: VecDeque::new(),
        }
    }

    async fn run(
        &mut self,
        session: &mut Session,
        stop: &mut Stop,
        deadline: Option<Instant>,
    ) -> anyhow::Result<Exit> {
        self.subscribe(session).await?;
        for filter in &self.cli.unsubscribe {
            session
                .unsubscribe(filter, self.unsubscribe_user_properties)
                .await?;
            self.unsubscribing += 1;
        }
        let timeout = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(timeout);
        loop {
            tokio::select! {
                biased;
                _ = stop.wait() => return Ok(Exit::Interrupted),
                _ = &mut timeout => {
                    let waited = self.cli.timeout.map(show).unwrap_or_default();
                    match &self.expect {
                        Some(_) => cli::warn(TOOL, format_args!("timed out after {waited}: none of {} messages matched", self.seen)),
                        None => cli::warn(TOOL, format_args!("timed out after {waited} ({} messages printed)", self.printed)),
                    }
                    return Ok(Exit::Timeout);
                }
                next = session.next() => match next {
                    // A new session after a reconnect has forgotten the subscriptions.
                    Some(Incoming::Event(Event::Reconnected { session_present: false })) => {
                        self.subscribe(session).await?;
                    }
                    Some(Incoming::Event(event)) => if let Some(exit) = self.event(event)? { return Ok(exit) },
                    Some(Incoming::Message(message)) => {
                        if let Some(exit) = self.message(session, message)? {
                            return Ok(exit);
                        }
                        if !session.messages_waiting() {
                            if let Err(e) = self.output.flush() {
                                return self.write_failed(e);
                            }
                            self.show_progress();
                        } else if self.printed % 1024 == 0 {
                            self.show_progress();
                        }
                    }
                    None => return Err(Fail::new(Exit::ConnectionLost, format!("connection to {} lost", session.address())).into()),
                },
                _ = tokio::time::sleep(Duration::from_millis(20)), if !self.clears.is_empty() => {
                    self.send_clears(session)?;
                }
            }
        }
    }

    /// Subscribe to every filter, in one SUBSCRIBE.
    async fn subscribe(&self, session: &Session) -> anyhow::Result<()> {
        if self.filters.is_empty() {
            return Ok(());
        }
        let list: Vec<(String, u8)> = self
            .filters
            .iter()
            .map(|f| (f.clone(), self.cli.qos))
            .collect();
        session.subscribe(&list, &self.options).await
    }

    /// Acknowledgements and connection events; `Some` ends the run.
    fn event(&mut self, event: Event) -> anyhow::Result<Option<Exit>> {
        match event {
            Event::SubAck { results, .. } => {
                let rejected: Vec<(&String, &Reason)> = self
                    .filters
                    .iter()
                    .zip(&results)
                    .filter_map(|(filter, result)| result.as_ref().err().map(|r| (filter, r)))
                    .collect();
                // All refused: the run is over, and one line says why. Some refused: each is
                // named and the rest carries on.
                if !rejected.is_empty() && rejected.len() == results.len() {
                    let message = match rejected.as_slice() {
                        [(filter, reason)] => {
                            format!("the broker rejected the subscription to '{filter}': {reason}")
                        }
                        all => {
                            let each: Vec<String> =
                                all.iter().map(|(f, r)| format!("'{f}': {r}")).collect();
                            format!(
                                "the broker rejected every subscription: {}",
                                each.join("; ")
                            )
                        }
                    };
                    return Err(Fail::new(Exit::Rejected, message).into());
                }
                for (filter, reason) in &rejected {
                    cli::warn(
                        TOOL,
                        format_args!("subscription to '{filter}' rejected: {reason}"),
                    );
                }
                self.subscribed = true;
                Ok(self.done_subscribing())
            }
            Event::UnsubAck { .. } => {
                self.unsubscribing = self.unsubscribing.saturating_sub(1);
                Ok(self.done_subscribing())
            }
            Event::Lost(fail) => Err(fail.into()),
            Event::Closed | Event::Sent { .. } | Event::Acked { .. } | Event::Disconnected => {
                Ok(None)
            }
            Event::Reconnected { .. } => Ok(None),
        }
    }

    /// `-E`, or `-U` alone: done once the broker has answered every request.
    fn done_subscribing(&self) -> Option<Exit> {
        let answered = self.unsubscribing == 0 && (self.subscribed || self.filters.is_empty());
        let wanted = self.cli.exit_after_subscribe || self.filters.is_empty();
        (answered && wanted).then_some(Exit::Ok)
    }

    /// One received message; `Some` ends the run.
    fn message(&mut self, session: &Session, message: Message) -> anyhow::Result<Option<Exit>> {
        let topic = String::from_utf8_lossy(&message.topic);
        if self.cli.filter_out.iter().any(|f| matches(f, &topic)) {
            return Ok(None);
        }
        if self.cli.retained_only && !message.retain {
            return Ok(Some(Exit::Ok));
        }
        if self.cli.remove_retained && message.retain && !message.payload.is_empty() {
            self.clears.push_back(topic.into_owned());
            self.send_clears(session)?;
        }
        if self.cli.no_retained && message.retain {
            return Ok(None);
        }
        self.seen += 1;
        if self
            .expect
            .as_ref()
            .is_some_and(|e| !e.matches(&message.payload))
        {
            return Ok(None);
        }
        let received = if self.output.needs_time() {
            SystemTime::now()
        } else {
            SystemTime::UNIX_EPOCH
        };
        if let Err(e) = self.output.message(&message, received) {
            return self.write_failed(e).map(Some);
        }
        self.printed += 1;
        self.bytes += message.payload.len() as u64;
        if self.count.is_some_and(|c| self.printed >= c) {
            return Ok(Some(Exit::Ok));
        }
        Ok(None)
    }

    /// Update the live counter, if shown.
    fn show_progress(&self) {
        if let Some(counter) = &self.counter {
            counter.set_position(self.printed);
            counter.set_message(progress::bytes(self.bytes));
        }
    }

    /// Queue as many retained-message clears as the request queue takes now.
    fn send_clears(&mut self, session: &Session) -> anyhow::Result<()> {
        while let Some(topic) = self.clears.front() {
            if !session.try_publish(topic, Bytes::new(), 0, true)? {
                break;
            }
            self.clears.pop_front();
        }
        Ok(())
    }

    /// A closed pipe (`| head -1`) is a reader saying "enough": exit 0 quietly.
    fn write_failed(&self, err: std::io::Error) -> anyhow::Result<Exit> {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Ok(Exit::Ok)
        } else {
            Err(Fail::new(
                Exit::Failure,
                format!("writing output: {}", rpubsub_core::io_error_text(&err)),
            )
            .into())
        }
    }
}
