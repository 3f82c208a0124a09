//! rsub's command line as clap declares it: the flags, their help and value parsers, in the
//! order `--help`, the man page and the completions show them. Nothing here decides anything:
//! plan.rs resolves these values once into what a run needs.

use std::time::Duration;

use clap::{Args, Parser, ValueEnum};

use rpubsub_core::cli;
use rpubsub_core::duration::parse_timeout;
use rpubsub_core::generate::HelpArgs;
use rpubsub_core::properties::MAX_SUBSCRIPTION_ID;
use rpubsub_core::qos::{parse_qos, Qos};
use rpubsub_core::settings::flags::Rare;
use rpubsub_core::settings::ConnectArgs;

use crate::random_filter::{parse_percent, RandomFilter};
use crate::TOOL;

/// Subscribe to MQTT topics and print the messages.
#[derive(Debug, Parser)]
#[group(skip)]
#[command(
    name = TOOL.name(),
    version,
    about = "Subscribe to MQTT topic filters and print the messages that arrive.",
    disable_help_flag = true,
    disable_version_flag = true,
)]
pub struct Cli {
    #[command(flatten)]
    pub help: HelpArgs,

    /// Topic filter to subscribe to (+ and # wildcards); repeatable
    #[arg(short = 't', long = "topic", value_name = "FILTER")]
    pub topics: Vec<String>,

    /// Quality of service for the subscriptions: 0, 1 or 2
    #[arg(short = 'q', long, value_name = "QOS", default_value_t = Qos::AtMostOnce,
          value_parser = parse_qos, allow_negative_numbers = true)]
    pub qos: Qos,

    /// Print the topic before the payload, and MQTT 5 properties after it: "topic payload [name=value, ...]"
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// Exit after printing N messages
    #[arg(short = 'C', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..),
          allow_negative_numbers = true)]
    pub count: Option<u64>,

    /// Exit with status 27 if not done after this long (seconds or a duration such as 10s)
    #[arg(short = 'W', long, value_name = "DURATION", value_parser = parse_timeout,
          allow_negative_numbers = true)]
    pub timeout: Option<Duration>,

    /// Exit once the broker has acknowledged the subscriptions
    #[arg(short = 'E', long = "exit-after-subscribe")]
    pub exit_after_subscribe: bool,

    /// Do not print retained (stale) messages
    #[arg(short = 'R', long = "no-retained")]
    pub no_retained: bool,

    /// Print only retained messages; exit at the first message that is not retained
    #[arg(long, conflicts_with = "no_retained")]
    pub retained_only: bool,

    /// Clear every retained message received (publish an empty retained message to its topic)
    #[arg(long)]
    pub remove_retained: bool,

    /// Do not print (or clear) messages on topics matching FILTER; repeatable
    #[arg(short = 'T', long = "filter-out", value_name = "FILTER")]
    pub filter_out: Vec<String>,

    /// Unsubscribe from FILTER (for persistent sessions, with -c); repeatable
    #[arg(short = 'U', long = "unsubscribe", value_name = "FILTER")]
    pub unsubscribe: Vec<String>,

    /// Print only this share of the messages, picked at random: 100 prints all, 50.0 half
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent,
          allow_negative_numbers = true)]
    pub random_filter: Option<RandomFilter>,

    /// Do not add a newline after each payload
    #[arg(short = 'N', long = "no-newline")]
    pub no_newline: bool,

    /// Print each message as FORMAT, as mosquitto_sub -F does (%t topic, %p payload, @H hour, ...; see README)
    #[arg(
        short = 'F',
        long = "format",
        value_name = "FORMAT",
        help_heading = "Output"
    )]
    pub format: Option<String>,

    /// Print one JSON object per message and line: topic, payload (base64 when binary), qos, retain, dup, properties, receive time (and the --check-seq/--latency summary as JSON on stderr)
    #[arg(long, conflicts_with = "format", help_heading = "Output")]
    pub json: bool,

    /// Print the topic tree seen when the run ends (-W, -C, Ctrl+C): message counts, the last payload shortened, retained topics; -W is then how long to watch (exit 0); with --json as data
    #[arg(long, conflicts_with_all = ["format", "timestamp", "timestamp_format", "verbose", "no_newline"], help_heading = "Output")]
    pub tree: bool,

    /// With --tree: draw the tree in plain ASCII even on a terminal (as it is drawn into a pipe or file)
    #[arg(long, requires = "tree", help_heading = "Output")]
    pub ascii: bool,

    /// Indent JSON (--json, and %j/%J in -F); alone, implies --json
    #[arg(long, help_heading = "Output")]
    pub pretty: bool,

    /// Print the receive time before each message (plain and -v output)
    #[arg(long, conflicts_with_all = ["format", "json"], help_heading = "Output")]
    pub timestamp: bool,

    /// strftime format of --timestamp, e.g. '%H:%M:%S%.3f' [default: RFC 3339 with microseconds]
    #[arg(long, value_name = "FORMAT", conflicts_with_all = ["format", "json"], help_heading = "Output")]
    pub timestamp_format: Option<String>,

    /// Colour the topic in -v output: auto (only on a terminal, and not when NO_COLOR is set), always, never
    #[arg(
        long,
        value_name = "WHEN",
        default_value = "auto",
        help_heading = "Output"
    )]
    pub color: ColorWhen,

    /// Wait for a message whose payload matches REGEX: print it, exit 0 (with -W: 27 if none came in time); repeatable
    #[arg(long, value_name = "REGEX", help_heading = "Health checks")]
    pub expect: Vec<String>,

    /// As --expect, for a JSON payload: 'POINTER [OP VALUE]', e.g. '/temp > 30', '/state == on'; repeatable
    #[arg(long, value_name = "CONDITION", help_heading = "Health checks")]
    pub expect_json: Vec<String>,

    /// On exit, print on stderr how many messages and bytes arrived, in how long
    #[arg(long, help_heading = "Output")]
    pub stats: bool,

    #[command(flatten)]
    pub stamped: Rare<StampedArgs>,

    #[command(flatten)]
    pub mqtt5: Rare<SubscribeMqtt5Args>,

    #[command(flatten, next_help_heading = "Connection")]
    pub connect: ConnectArgs,
}

/// What rsub checks of stamped messages (rpub --stamp).
#[derive(Debug, Default, Args)]
#[group(skip)]
pub struct StampedArgs {
    /// Check the numbers of stamped messages (rpub --stamp) per publisher and topic: a line on stderr for each gap, duplicate or reordering, a summary on exit (--json: as JSON); exit 8 if any were missing
    #[arg(long, help_heading = "Stamped messages (rpub --stamp)")]
    pub check_seq: bool,

    /// Latency of stamped messages (rpub --stamp): p50, p90, p99, p99.9 and max on stderr. One host: exact; across hosts: clock offset + latency (keep the clocks on NTP)
    #[arg(long, help_heading = "Stamped messages (rpub --stamp)")]
    pub latency: bool,
}

/// The MQTT 5 options of the subscriptions.
#[derive(Debug, Default, Args)]
#[group(skip)]
pub struct SubscribeMqtt5Args {
    /// Do not receive the messages this client publishes itself (the clears of --remove-retained)
    #[arg(long, help_heading = "MQTT 5 (with -V mqttv5)")]
    pub no_local: bool,

    /// Keep the retain flag of forwarded messages as it was published
    #[arg(long, help_heading = "MQTT 5 (with -V mqttv5)")]
    pub retain_as_published: bool,

    /// Retained messages at subscribe: 0 always, 1 only for a new subscription, 2 never
    #[arg(long, value_name = "0|1|2", value_parser = clap::value_parser!(u8).range(0..=2),
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub retain_handling: Option<u8>,

    /// Tag the subscriptions with ID (1 to 268435455); -v shows it on each message
    #[arg(long, value_name = "ID",
          value_parser = clap::value_parser!(u32).range(1..=MAX_SUBSCRIPTION_ID as i64),
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub subscription_id: Option<u32>,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl cli::Tool for Cli {
    fn connect_args(&mut self) -> &mut ConnectArgs {
        &mut self.connect
    }
    fn manual() -> rpubsub_core::generate::Manual {
        crate::manual::MANUAL
    }
    /// Below the flags in `--help`: the advice on passwords, then the exit status table.
    fn after_help() -> String {
        cli::after_help("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use rpubsub_core::settings::flags::rare::check;
    use rpubsub_core::settings::flags::without_rare;

    #[test]
    fn verify() {
        Cli::command().debug_assert();
        without_rare(|| Cli::command().debug_assert());
    }

    #[test]
    fn the_rare_groups_keep_the_rules() {
        let line = ["rsub", "-t", "x"];
        check::<Cli, StampedArgs>(&line, |c| &c.stamped).unwrap();
        check::<Cli, SubscribeMqtt5Args>(&line, |c| &c.mqtt5).unwrap();
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
            &["rsub", "-t", "#", "-v"][..],
            &[
                "rsub", "-h", "broker", "-t", "a/+", "-t", "b", "-C", "3", "-W", "5", "-q", "1",
            ],
            &[
                "rsub", "-t", "x", "-F", "%t %p", "-R", "-N", "-u", "me", "-i", "id", "-c",
            ],
            &[
                "rsub", "-t", "x", "--json", "--expect", "ok", "--stats", "-V", "5", "-d",
            ],
        ] {
            let (whole, everyday) = both_ways(line);
            assert_eq!(everyday.as_ref(), Some(&whole), "{line:?}");
        }
    }

    #[test]
    fn a_rare_flag_needs_the_whole_command() {
        for line in [
            &["rsub", "-t", "x", "--check-seq"][..],
            &["rsub", "-t", "x", "-V", "5", "--no-local"],
            &["rsub", "-t", "x", "--cafile", "ca.pem"],
        ] {
            let (whole, everyday) = both_ways(line);
            assert_eq!(everyday, None, "{line:?} parsed as {whole}");
        }
    }
}
