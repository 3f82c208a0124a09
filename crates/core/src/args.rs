//! The connection flags both tools share, as one clap struct flattened into each.
//!
//! Short flags follow mosquitto_pub/mosquitto_sub so muscle memory works: `-h` is the host and
//! `-V` the protocol version, which is why help and version are long-only (`--help`,
//! `--version`). Each connection flag can also come from an `MQTT_*` environment variable,
//! and many from the config file (`profile.rs`); a flag on the command line wins.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, ValueEnum};

use crate::duration::{parse_duration, parse_interval, parse_session_expiry};
use crate::generate::GenerateKind;
use crate::profile::{Origins, CONFIG_ENV, PROFILE_ENV};
use crate::properties::{parse_payload_format, parse_user_property};
use crate::property_flag::PropertyArgs;
use crate::secret::Secret;

/// MQTT protocol versions as `-V` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArg {
    /// MQTT 3.1.1 (the default)
    #[value(name = "mqttv311", alias = "311")]
    V311,
    /// MQTT 5
    #[value(name = "mqttv5", alias = "5")]
    V5,
    /// MQTT 3.1: accepted by name only to explain that it is not supported
    #[value(name = "mqttv31", alias = "31", hide = true)]
    V31,
}

/// `--tls-version`: the lowest version accepted. rustls speaks TLS 1.2 and 1.3 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsVersionArg {
    #[value(name = "tlsv1.2")]
    Tls12,
    #[value(name = "tlsv1.3")]
    Tls13,
}

/// `--help` and `--version`, long only, since `-h` and `-V` belong to mosquitto's meanings;
/// and the hidden `--generate KIND` that writes the committed completions and man pages.
#[derive(Debug, Args)]
pub struct HelpArgs {
    /// Print help
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
    /// Print version
    #[arg(long, action = ArgAction::Version)]
    version: Option<bool>,
    /// Print a shell completion script or the man page (roff) on stdout
    #[arg(long, value_name = "KIND", hide = true)]
    pub generate: Option<GenerateKind>,
}

/// Everything about reaching and talking to the broker, identical in rpub and rsub.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Broker host name or address
    #[arg(short = 'h', long, env = "MQTT_HOST", value_name = "HOST")]
    pub host: Option<String>,

    /// Broker port [default: 1883, with TLS 8883]
    #[arg(short = 'p', long, env = "MQTT_PORT", value_name = "PORT",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,

    /// Username
    #[arg(short = 'u', long, env = "MQTT_USERNAME", value_name = "USER")]
    pub username: Option<String>,

    /// Password (visible in the process list: prefer MQTT_PASSWORD or --password-file)
    #[arg(
        short = 'P',
        long,
        env = "MQTT_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub password: Option<Secret>,

    /// Read the password from the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "password")]
    pub password_file: Option<PathBuf>,

    /// Client id [default: rpub-/rsub- followed by a random suffix]
    #[arg(short = 'i', long = "id", value_name = "ID")]
    pub id: Option<String>,

    /// Client id prefix; the process id is appended
    #[arg(
        short = 'I',
        long = "id-prefix",
        value_name = "PREFIX",
        conflicts_with = "id"
    )]
    pub id_prefix: Option<String>,

    /// Keepalive interval: seconds or a duration such as 30s; 0 disables [default: 60]
    #[arg(short = 'k', long, value_name = "DURATION", value_parser = parse_duration)]
    pub keepalive: Option<Duration>,

    /// MQTT protocol version: mqttv311 (or 311), mqttv5 (or 5) [default: mqttv311]
    #[arg(
        short = 'V',
        long = "protocol-version",
        value_name = "VERSION",
        hide_possible_values = true
    )]
    pub protocol: Option<ProtocolArg>,

    /// Ask for a persistent session (clean session off); needs -i
    #[arg(short = 'c', long = "disable-clean-session")]
    pub persistent: bool,

    /// Broker URL: mqtt://, mqtts://, ws:// or wss://[user[:pass]@]host[:port][/topic or /path]
    #[arg(short = 'L', long = "url", value_name = "URL")]
    pub url: Option<String>,

    // How the bytes travel: TLS, a Unix socket, a proxy. Any TLS flag turns TLS on.
    /// Trust the CA certificates in FILE (PEM); turns TLS on
    #[arg(long, value_name = "FILE", help_heading = "TLS and transport")]
    pub cafile: Option<PathBuf>,

    /// Trust the CA certificates in the PEM files of DIR; turns TLS on
    #[arg(long, value_name = "DIR", help_heading = "TLS and transport")]
    pub capath: Option<PathBuf>,

    /// Client certificate (PEM) for mutual TLS; needs --key
    #[arg(long, value_name = "FILE", help_heading = "TLS and transport")]
    pub cert: Option<PathBuf>,

    /// Private key of --cert (PEM: PKCS#8, PKCS#1 or SEC1; not encrypted)
    #[arg(long, value_name = "FILE", help_heading = "TLS and transport")]
    pub key: Option<PathBuf>,

    /// Trust the system's CA certificates (also the default when TLS is on without --cafile/--capath)
    #[arg(long, help_heading = "TLS and transport")]
    pub tls_use_os_certs: bool,

    /// Offer this ALPN protocol in the TLS handshake; repeatable
    #[arg(long, value_name = "PROTO", help_heading = "TLS and transport")]
    pub tls_alpn: Vec<String>,

    /// Lowest TLS version to accept: tlsv1.2 (the default) or tlsv1.3
    #[arg(
        long,
        value_name = "VERSION",
        hide_possible_values = true,
        help_heading = "TLS and transport"
    )]
    pub tls_version: Option<TlsVersionArg>,

    /// Do not check that the broker's certificate names the host (the chain is still verified)
    #[arg(long, help_heading = "TLS and transport")]
    pub insecure: bool,

    /// Connect to the broker's Unix domain socket PATH instead of host and port
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "url",
        help_heading = "TLS and transport"
    )]
    pub unix: Option<PathBuf>,

    /// Reach the broker through an HTTP proxy: http://[user[:pass]@]host:port
    #[arg(long, value_name = "URL", help_heading = "TLS and transport")]
    pub proxy: Option<String>,

    /// Topic of the will message the broker publishes if this client vanishes
    #[arg(long, value_name = "TOPIC")]
    pub will_topic: Option<String>,

    /// Payload of the will message [default: empty]
    #[arg(long, value_name = "PAYLOAD", requires = "will_topic")]
    pub will_payload: Option<String>,

    /// QoS of the will message
    #[arg(long, value_name = "QOS", default_value_t = 0, requires = "will_topic",
          value_parser = clap::value_parser!(u8).range(0..=2))]
    pub will_qos: u8,

    /// Retain the will message
    #[arg(long, requires = "will_topic")]
    pub will_retain: bool,

    /// Give up connecting after this long (seconds or a duration) [default: 10s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,

    // MQTT 5 connection settings, kept together; refused with MQTT 3.1.1.
    /// Keep the session this long after disconnecting: seconds, a duration, or inf [default: 0; inf with -c]
    #[arg(short = 'x', long = "session-expiry", value_name = "EXPIRY",
          value_parser = parse_session_expiry, allow_negative_numbers = true,
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub session_expiry: Option<u32>,

    /// QoS 1/2 messages the broker may send before this client acknowledges them
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..),
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub receive_maximum: Option<u16>,

    /// The largest packet to accept (bytes); the broker drops bigger messages for this client
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(1..),
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub maximum_packet_size: Option<u32>,

    /// A user property sent with CONNECT; repeatable
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_user_property,
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub connect_user_property: Vec<(String, String)>,

    /// Publish the will this long after the connection is lost (seconds or a duration; sooner if the session expires first, see -x)
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, requires = "will_topic",
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub will_delay: Option<u32>,

    /// The will message expires after this long (seconds or a duration)
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, requires = "will_topic",
          help_heading = "MQTT 5 (with -V mqttv5)")]
    pub will_message_expiry: Option<u32>,

    /// Content type of the will message (a MIME type, say)
    #[arg(
        long,
        value_name = "TYPE",
        requires = "will_topic",
        help_heading = "MQTT 5 (with -V mqttv5)"
    )]
    pub will_content_type: Option<String>,

    /// The will payload is utf8 text or bytes
    #[arg(long, value_name = "utf8|bytes", value_parser = parse_payload_format,
          requires = "will_topic", help_heading = "MQTT 5 (with -V mqttv5)")]
    pub will_payload_format: Option<u8>,

    /// Response topic of the will message
    #[arg(
        long,
        value_name = "TOPIC",
        requires = "will_topic",
        help_heading = "MQTT 5 (with -V mqttv5)"
    )]
    pub will_response_topic: Option<String>,

    /// Correlation data of the will message
    #[arg(
        long,
        value_name = "DATA",
        requires = "will_topic",
        help_heading = "MQTT 5 (with -V mqttv5)"
    )]
    pub will_correlation_data: Option<String>,

    /// A user property of the will message; repeatable
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_user_property,
          requires = "will_topic", help_heading = "MQTT 5 (with -V mqttv5)")]
    pub will_user_property: Vec<(String, String)>,

    /// `-D COMMAND IDENTIFIER VALUE`, repeatable (see `property_flag.rs`).
    #[command(flatten)]
    pub property: PropertyArgs,
    // End of the MQTT 5 connection settings.
    /// Exit when the connection drops instead of reconnecting
    #[arg(long)]
    pub no_reconnect: bool,

    /// Give up after N failed reconnect attempts in a row [default: never]
    #[arg(long, value_name = "N", conflicts_with = "no_reconnect")]
    pub reconnect_max: Option<u32>,

    /// Print every MQTT packet sent and received on stderr
    #[arg(short = 'd', long)]
    pub debug: bool,

    /// Print no error messages (the exit status still tells)
    #[arg(long, conflicts_with = "debug")]
    pub quiet: bool,

    // The config file (`profile.rs`): settings below flags and environment variables.
    /// Use the settings of profile NAME from the config file (over its [default] section)
    #[arg(long, value_name = "NAME", env = PROFILE_ENV, help_heading = "Config file")]
    pub profile: Option<String>,

    /// Read settings from FILE instead of $XDG_CONFIG_HOME/rpubsub/config.toml
    #[arg(long, value_name = "FILE", env = CONFIG_ENV, help_heading = "Config file")]
    pub config: Option<PathBuf>,

    /// Print the connection settings in effect and where each came from, then exit
    #[arg(long, help_heading = "Config file")]
    pub print_config: bool,

    /// Where each value above came from (command line or environment), for `--print-config`;
    /// filled in by `cli::parse`.
    #[arg(skip)]
    pub origins: Origins,
}
