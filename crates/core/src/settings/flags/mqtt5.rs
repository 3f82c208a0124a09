//! The MQTT 5 connection settings, kept together: CONNECT properties, will properties and
//! mosquitto's generic `-D COMMAND IDENTIFIER VALUE`. Refused with MQTT 3.1.1, naming the
//! flag; a property given by its flag and by `-D` is refused as given twice (`merge.rs`).

use clap::Args;

use crate::duration::{parse_interval, parse_session_expiry};
use crate::properties::{parse_payload_format, parse_user_property};

/// The help heading of the MQTT 5 flags, the tools' own included.
pub const HEADING: &str = "MQTT 5 (with -V mqttv5)";

#[derive(Debug, Clone, Default, Args)]
#[group(skip)]
pub struct Mqtt5Args {
    /// Keep the session this long after disconnecting: seconds, a duration, or inf [default: 0; inf with -c]
    #[arg(short = 'x', long = "session-expiry", value_name = "EXPIRY",
          value_parser = parse_session_expiry, allow_negative_numbers = true,
          help_heading = HEADING)]
    pub session_expiry: Option<u32>,

    /// QoS 1/2 messages the broker may send before this client acknowledges them
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..),
          help_heading = HEADING)]
    pub receive_maximum: Option<u16>,

    /// The largest packet to accept (bytes); the broker drops bigger messages for this client
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(1..),
          help_heading = HEADING)]
    pub maximum_packet_size: Option<u32>,

    /// A user property sent with CONNECT; repeatable
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_user_property,
          help_heading = HEADING)]
    pub connect_user_property: Vec<(String, String)>,

    /// Publish the will this long after the connection is lost (seconds or a duration; sooner if the session expires first, see -x)
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, requires = "will_topic",
          help_heading = HEADING)]
    pub will_delay: Option<u32>,

    /// The will message expires after this long (seconds or a duration)
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, requires = "will_topic",
          help_heading = HEADING)]
    pub will_message_expiry: Option<u32>,

    /// Content type of the will message (a MIME type, say)
    #[arg(long, value_name = "TYPE", requires = "will_topic", help_heading = HEADING)]
    pub will_content_type: Option<String>,

    /// The will payload is utf8 text or bytes
    #[arg(long, value_name = "utf8|bytes", value_parser = parse_payload_format,
          requires = "will_topic", help_heading = HEADING)]
    pub will_payload_format: Option<u8>,

    /// Response topic of the will message
    #[arg(long, value_name = "TOPIC", requires = "will_topic", help_heading = HEADING)]
    pub will_response_topic: Option<String>,

    /// Correlation data of the will message
    #[arg(long, value_name = "DATA", requires = "will_topic", help_heading = HEADING)]
    pub will_correlation_data: Option<String>,

    /// A user property of the will message; repeatable
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_user_property,
          requires = "will_topic", help_heading = HEADING)]
    pub will_user_property: Vec<(String, String)>,

    /// `-D COMMAND IDENTIFIER VALUE`, repeatable (parsed by `property_flag.rs`).
    #[command(flatten)]
    pub property: PropertyArgs,
}

/// The `-D` flag itself, as clap takes it: each occurrence keeps its own 3 or 4 words (the
/// derive macro cannot group values by occurrence, so this one arg is written by hand).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropertyArgs {
    pub occurrences: Vec<Vec<String>>,
}

impl PropertyArgs {
    pub fn is_empty(&self) -> bool {
        self.occurrences.is_empty()
    }
}

const ARG_ID: &str = "property";

impl clap::FromArgMatches for PropertyArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let occurrences = matches
            .get_occurrences::<String>(ARG_ID)
            .map(|o| o.map(|words| words.cloned().collect()).collect())
            .unwrap_or_default();
        Ok(PropertyArgs { occurrences })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = PropertyArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for PropertyArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.arg(
            clap::Arg::new(ARG_ID)
                .short('D')
                .long(ARG_ID)
                .value_names(["COMMAND", "IDENTIFIER", "VALUE"])
                .num_args(3..=4)
                // `-D publish message-expiry-interval -1` reaches the check that names the range.
                .allow_negative_numbers(true)
                .action(clap::ArgAction::Append)
                .help_heading(HEADING)
                .help(
                    "An MQTT 5 property as mosquitto takes it, e.g. -D publish content-type text/plain, \
                     -D connect user-property NAME VALUE; repeatable",
                ),
        )
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        PropertyArgs::augment_args(cmd)
    }
}
