//! The MQTT connection itself: client id, protocol version, keepalive, session and how long
//! connecting may take.

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::choice::Choice;
use super::IN_FILE;
use crate::duration::parse_duration;

/// MQTT protocol versions as `-V` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArg {
    /// MQTT 3.1.1 (the default)
    #[value(name = "mqttv311", alias = "311")]
    V311,
    /// MQTT 5
    #[value(name = "mqttv5", alias = "5")]
    V5,
    /// MQTT 3.1, for brokers and devices that predate 3.1.1
    #[value(name = "mqttv31", alias = "31")]
    V31,
}

/// `-V`'s value parser, whose refusal also reports a wrong `protocol-version` in the config
/// file.
pub const PROTOCOL: Choice<ProtocolArg> = Choice::new("protocol version these tools speak");

#[derive(Debug, Clone, Args)]
#[group(skip)]
pub struct ConnectionArgs {
    /// Client id [default: rpub-/rsub- followed by a random suffix]
    #[arg(short = 'i', long = "id", value_name = "ID")]
    pub id: Option<String>,

    /// Client id prefix; the process id is appended
    #[arg(
        short = 'I',
        long = "id-prefix",
        value_name = "PREFIX",
        conflicts_with = "id",
        group = IN_FILE
    )]
    pub id_prefix: Option<String>,

    /// MQTT protocol version: mqttv311 (or 311), mqttv5 (or 5), mqttv31 (or 31) [default: mqttv311]
    #[arg(
        short = 'V',
        long = "protocol-version",
        value_name = "VERSION",
        value_parser = PROTOCOL,
        ignore_case = true,
        hide_possible_values = true,
        group = IN_FILE
    )]
    pub protocol: Option<ProtocolArg>,

    /// Keepalive interval: seconds or a duration such as 30s; 0 disables [default: 60]
    #[arg(short = 'k', long, value_name = "DURATION", value_parser = parse_duration,
          allow_negative_numbers = true, group = IN_FILE)]
    pub keepalive: Option<Duration>,

    /// Ask for a persistent session (clean session off); needs -i
    #[arg(short = 'c', long = "disable-clean-session")]
    pub persistent: bool,

    /// Give up connecting after this long (seconds or a duration) [default: 10s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, group = IN_FILE)]
    pub connect_timeout: Option<Duration>,
}
