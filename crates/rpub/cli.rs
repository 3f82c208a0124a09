//! rpub's command line as clap parses it: what was typed, checked only as far as each flag's
//! own parser goes. `plan.rs` turns it into what rpub will do; nothing past that reads it.
//!
//! Flags and their meanings follow mosquitto_pub; the connection flags are shared with rsub
//! (`rpubsub_core::args`).

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser};

use rpubsub_core::cli::{after_help, literal_braces};
use rpubsub_core::duration::{parse_duration, parse_interval};
use rpubsub_core::exit::Fail;
use rpubsub_core::generate::HelpArgs;
use rpubsub_core::generate::Manual;
use rpubsub_core::progress;
use rpubsub_core::properties::{parse_payload_format, parse_user_property};
use rpubsub_core::qos::{parse_qos, Qos};
use rpubsub_core::settings::flags::Rare;
use rpubsub_core::settings::ConnectArgs;
use rpubsub_core::tool::Tool;

/// Publish MQTT messages.
#[derive(Debug, Parser)]
#[group(skip)]
#[command(
    name = Tool::Rpub.name(),
    version,
    about = "Publish MQTT messages: one, a counted loop, or one per line of stdin.",
    disable_help_flag = true,
    disable_version_flag = true,
    override_usage = "rpub [OPTIONS] -t TOPIC <-m MESSAGE | -f FILE | -s | -l | -n>\n       rpub [OPTIONS] --stdin-json",
    // One payload source; that there is one is checked by the plan, so that --print-config
    // and --generate need none.
    group(ArgGroup::new("source").args(["message", "file", "stdin_file", "stdin_line", "stdin_json", "null_message"])),
)]
pub struct Cli {
    #[command(flatten)]
    pub help: HelpArgs,

    /// Topic to publish to
    #[arg(short = 't', long, value_name = "TOPIC")]
    pub topic: Option<String>,

    /// Send MESSAGE as the payload (its bytes as given, UTF-8 or not)
    #[arg(
        short = 'm',
        long,
        value_name = "MESSAGE",
        help_heading = "Payload (one of)"
    )]
    pub message: Option<OsString>,

    /// Send the contents of FILE as the payload
    #[arg(
        short = 'f',
        long,
        value_name = "FILE",
        help_heading = "Payload (one of)"
    )]
    pub file: Option<PathBuf>,

    /// Read all of stdin and send it as one message
    #[arg(short = 's', long = "stdin-file", help_heading = "Payload (one of)")]
    pub stdin_file: bool,

    /// Send each line of stdin as a message, as it arrives (empty lines are skipped)
    #[arg(short = 'l', long = "stdin-line", help_heading = "Payload (one of)", conflicts_with_all = ["repeat", "interval"])]
    pub stdin_line: bool,

    /// Send an empty message
    #[arg(short = 'n', long = "null-message", help_heading = "Payload (one of)")]
    pub null_message: bool,

    /// Publish the messages of JSON lines on stdin (as rsub --json writes them), each with its own topic, payload, qos, retain and properties
    #[arg(long = "stdin-json", visible_alias = "json", help_heading = "Payload (one of)",
          conflicts_with_all = ["repeat", "interval", "topic"])]
    pub stdin_json: bool,

    #[command(flatten)]
    pub replay: Rare<ReplayArgs>,

    /// Quality of service: 0, 1 or 2
    #[arg(short = 'q', long, value_name = "QOS", default_value_t = Qos::AtMostOnce,
          value_parser = parse_qos, allow_negative_numbers = true)]
    pub qos: Qos,

    /// Ask the broker to retain the message
    #[arg(short = 'r', long)]
    pub retain: bool,

    #[arg(long, visible_alias = "count", value_name = "N", allow_negative_numbers = true,
          help = literal_braces("Send N times (0 = until Ctrl+C), expanding {n} {i} {time} {ts}"))]
    pub repeat: Option<u64>,

    /// QoS 1/2 messages in flight (sent, not yet acknowledged) at once [default: 100; 20 with
    /// QoS 2, mosquitto's own limit: over MQTT 3.1.1 it drops what goes beyond it]
    #[arg(short = 'M', long = "max-inflight", value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..), allow_negative_numbers = true)]
    pub max_inflight: Option<u16>,

    /// Wait this long between repeated messages (seconds or a duration such as 500ms)
    #[arg(long = "repeat-delay", visible_alias = "interval", value_name = "DURATION",
          value_parser = parse_duration, requires = "repeat", allow_negative_numbers = true)]
    pub interval: Option<Duration>,

    #[arg(long, help = literal_braces("Send {n} {i} {time} {ts} literally even with --repeat"))]
    pub no_placeholders: bool,

    /// Put a stamp before each payload: "stamp/1 PUBLISHER SEQ MICROS " (publisher id, number on its topic from 1, send time), for rsub --check-seq and --latency
    #[arg(long)]
    pub stamp: bool,

    /// Print a line per message once it is done (sent for QoS 0, acknowledged for QoS 1/2)
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// On exit, print on stderr how many messages were sent and acknowledged, bytes, time and rate; --stats json: a load run's summary (--clients, --rate) as one JSON object on stdout
    #[arg(long, value_name = "json", num_args = 0..=1, default_missing_value = "text",
          value_parser = parse_stats)]
    pub stats: Option<StatsFormat>,

    #[command(flatten)]
    pub load: Rare<LoadArgs>,

    #[command(flatten)]
    pub mqtt5: Rare<PublishMqtt5Args>,

    #[command(flatten, next_help_heading = "Connection")]
    pub connect: ConnectArgs,
}

/// `--stdin-json`'s replay of the lines' timing.
#[derive(Debug, Default, Args)]
#[group(skip)]
pub struct ReplayArgs {
    /// With --stdin-json: keep the time gaps between the lines' "received" times
    #[arg(long, requires = "stdin_json", help_heading = "Replay")]
    pub replay_timing: bool,

    /// With --replay-timing: play N times faster (0.5 = half speed) [default: 1]
    #[arg(long, value_name = "N", requires = "replay_timing", value_parser = parse_speed, help_heading = "Replay")]
    pub speed: Option<f64>,
}

/// A load run: many clients, a rate.
#[derive(Debug, Default, Args)]
#[group(skip)]
pub struct LoadArgs {
    /// Open N connections, each its own client (ids: the -i ID, or rpub's random one, followed by -1 ... -N), each sending the messages; --count is per client [default without --count: until Ctrl+C]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=MAX_CLIENTS as i64),
          help_heading = "Load", conflicts_with_all = LOAD_CONFLICTS)]
    pub clients: Option<u32>,

    /// Send R messages per second in all, spread over the clients; R/client: R per second each
    #[arg(long, value_name = "R[/client]", value_parser = parse_rate, help_heading = "Load",
          conflicts_with_all = LOAD_CONFLICTS)]
    pub rate: Option<Rate>,

    /// With --clients: open at most N connections per second, so that many clients do not all hit the broker at once (0 = all at once) [default: 100]
    #[arg(long, value_name = "N", requires = "clients", help_heading = "Load")]
    pub connect_rate: Option<u32>,
}

/// The MQTT 5 properties of each message, and request/response.
#[derive(Debug, Default, Args)]
#[group(skip)]
pub struct PublishMqtt5Args {
    /// A user property of each message; repeatable
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_user_property,
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub user_property: Vec<(String, String)>,

    /// Content type of the payload (a MIME type, say)
    #[arg(long, value_name = "TYPE", help_heading = "MQTT 5 (with -V mqttv5)")]
    pub content_type: Option<String>,

    /// The payload is utf8 text (the broker may check) or bytes
    #[arg(long, value_name = "utf8|bytes", value_parser = parse_payload_format,
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub payload_format: Option<u8>,

    /// The broker drops the message if not delivered within this long (seconds or a duration)
    #[arg(long, value_name = "DURATION", value_parser = parse_interval,
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub message_expiry: Option<u32>,

    /// Topic a receiver should answer on (MQTT 3.1.1 with --wait-response: where to listen, as mosquitto_rr -e)
    #[arg(long, value_name = "TOPIC", help_heading = "MQTT 5 (with -V mqttv5)")]
    pub response_topic: Option<String>,

    /// Correlation data: lets the requester match an answer to its request
    #[arg(long, value_name = "DATA", help_heading = "MQTT 5 (with -V mqttv5)")]
    pub correlation_data: Option<String>,

    /// Topic alias N (1 up to the broker's maximum), sent with the topic on each message
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..),
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub topic_alias: Option<u16>,

    /// Request/response: publish with a response topic and correlation data, print the answer and exit; exit 27 if none comes within DURATION [default: 10s]; MQTT 3.1.1: needs --response-topic
    #[arg(long, value_name = "DURATION", num_args = 0..=1, default_missing_value = "10s",
          value_parser = parse_duration, conflicts_with_all = ["repeat", "stdin_line"],
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub wait_response: Option<Duration>,
}

/// The most `--clients` one process opens: each is a socket and a task.
pub const MAX_CLIENTS: u32 = 10_000;

/// What a load run (`--clients`, `--rate`) cannot be combined with: stdin as a stream of
/// messages, a request, a fixed interval (the rate sets it), and `-v`'s line per message
/// (numbered per client, the lines of many clients could not be told apart).
const LOAD_CONFLICTS: [&str; 5] = [
    "stdin_line",
    "stdin_json",
    "wait_response",
    "interval",
    "verbose",
];

/// `--stats` or `--stats json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsFormat {
    Text,
    Json,
}

/// `--rate`: messages per second in all, or per client.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub per_client: bool,
}

/// What `--help` says after the flags, before the password advice and the exit statuses.
const PLACEHOLDERS: &str =
    "Placeholders (with --repeat/--count): {n} count from 1, {i} index from 0, \
                            {time} local time, {ts} unix seconds.\n";

impl rpubsub_core::cli::Tool for Cli {
    fn connect_args(&mut self) -> &mut ConnectArgs {
        &mut self.connect
    }
    fn manual() -> Manual {
        crate::manual::MANUAL
    }
    fn after_help() -> String {
        literal_braces(&after_help(PLACEHOLDERS))
    }
}

/// What the person running rpub sees besides errors.
pub struct Show {
    /// `-v`: a line per message done.
    pub verbose: bool,
    /// `--stats`: a summary on exit (`--stats json`: as JSON, on stdout).
    pub stats: Option<StatsFormat>,
    /// A progress bar, if the plan has one: only for a person at a terminal.
    pub bar: bool,
}

impl Cli {
    /// What clap cannot check: its `requires` does not see through the payload group.
    pub fn check(&self) -> Result<(), Fail> {
        if self.replay.replay_timing && !self.stdin_json {
            return Err(Fail::usage(
                "--replay-timing replays JSON lines: it needs --stdin-json",
            ));
        }
        Ok(())
    }

    /// What to show besides errors: `-v`, `--stats`, and a bar unless `-d`, `--quiet` or
    /// stderr is not a terminal.
    pub fn show(&self) -> Show {
        Show {
            verbose: self.verbose,
            stats: self.stats,
            bar: progress::wanted(
                self.connect.diagnostics.quiet,
                self.connect.diagnostics.debug,
            ),
        }
    }
}

/// `--stats`'s optional value.
fn parse_stats(text: &str) -> Result<StatsFormat, String> {
    match text {
        "text" => Ok(StatsFormat::Text),
        "json" => Ok(StatsFormat::Json),
        _ => Err(format!(
            "'{text}' is not a summary format: give json, or nothing"
        )),
    }
}

/// `--rate R` or `--rate R/client`: a positive number of messages per second.
fn parse_rate(text: &str) -> Result<Rate, String> {
    let text = text.trim();
    let (number, per_client) = match text.strip_suffix("/client") {
        Some(number) => (number, true),
        None => (text, false),
    };
    match number.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 10_000_000.0 => Ok(Rate {
            per_second: v,
            per_client,
        }),
        _ => Err(format!(
            "'{text}' is not a rate: give messages per second above 0, e.g. 100 (in all) or 10/client"
        )),
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use rpubsub_core::settings::flags::rare::check;
    use rpubsub_core::settings::flags::without_rare;

    use super::*;

    #[test]
    fn clap_accepts_the_definition() {
        Cli::command().debug_assert();
        without_rare(|| Cli::command().debug_assert());
    }

    #[test]
    fn the_rare_groups_keep_the_rules() {
        let line = ["rpub"];
        check::<Cli, ReplayArgs>(&line, |c| &c.replay).unwrap();
        check::<Cli, LoadArgs>(&line, |c| &c.load).unwrap();
        check::<Cli, PublishMqtt5Args>(&line, |c| &c.mqtt5).unwrap();
    }

    /// What each line parses into, with every flag and without the rare ones (`None`: it
    /// does not parse without them).
    fn both_ways(line: &[&str]) -> (String, Option<String>) {
        let whole = Cli::try_parse_from(line).unwrap();
        let everyday = without_rare(|| Cli::try_parse_from(line)).ok();
        (format!("{whole:?}"), everyday.map(|cli| format!("{cli:?}")))
    }

    #[test]
    fn everyday_lines_parse_the_same_without_the_rare_flags() {
        for line in [
            &["rpub", "-t", "a/b", "-m", "hello"][..],
            &[
                "rpub", "-h", "10.0.0.5", "-p", "1884", "-t", "x", "-m", "1", "-q", "1", "-r",
            ],
            &[
                "rpub",
                "-t",
                "t",
                "-f",
                "Cargo.toml",
                "-u",
                "me",
                "-P",
                "pw",
                "-i",
                "id",
            ],
            &[
                "rpub", "-t", "t", "-l", "-q", "2", "-d", "-V", "mqttv5", "-k", "5",
            ],
            &[
                "rpub",
                "-t",
                "t",
                "-m",
                "{n}",
                "--repeat",
                "5",
                "--repeat-delay",
                "10ms",
                "-v",
            ],
            &[
                "rpub", "-t", "t", "-n", "--stats", "-c", "-i", "me", "--quiet", "--stamp",
            ],
            &[
                "rpub",
                "--stdin-json",
                "-L",
                "mqtt://broker/x",
                "--no-mosquitto-options",
            ],
        ] {
            let (whole, everyday) = both_ways(line);
            assert_eq!(everyday.as_ref(), Some(&whole), "{line:?}");
        }
    }

    #[test]
    fn a_rare_flag_needs_the_whole_command() {
        for line in [
            &["rpub", "-t", "t", "-m", "x", "--cafile", "ca.pem"][..],
            &["rpub", "-t", "t", "-m", "x", "--will-topic", "w"],
            &[
                "rpub",
                "-t",
                "t",
                "-m",
                "x",
                "-V",
                "5",
                "-D",
                "publish",
                "content-type",
                "a",
            ],
            &["rpub", "-t", "t", "-m", "x", "--clients", "3"],
            &["rpub", "--stdin-json", "--replay-timing"],
            &["rpub", "-t", "t", "-m", "x", "--content-type", "text/plain"],
        ] {
            let (whole, everyday) = both_ways(line);
            assert_eq!(everyday, None, "{line:?} parsed as {whole}");
        }
    }

    #[test]
    fn a_rate_is_in_all_or_per_client() {
        assert_eq!(
            parse_rate("50"),
            Ok(Rate {
                per_second: 50.0,
                per_client: false
            })
        );
        assert_eq!(
            parse_rate("2.5/client"),
            Ok(Rate {
                per_second: 2.5,
                per_client: true
            })
        );
        for bad in ["0", "-5", "fast", "/client", "10/host", "inf"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_stats("json"), Ok(StatsFormat::Json));
        assert!(parse_stats("yaml").is_err());
    }

    #[test]
    fn the_speed_is_a_positive_number() {
        assert_eq!(parse_speed(" 0.5"), Ok(0.5));
        for bad in ["0", "-1", "fast", "inf", "NaN"] {
            assert!(parse_speed(bad).is_err(), "{bad}");
        }
    }
}
