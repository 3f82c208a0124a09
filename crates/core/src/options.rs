//! The connection settings as resolved and checked: what the session, the transport and the
//! trace work from. `settings/` makes them from flags, environment, `-L` and the config file
//! ([`ConnectOptions::from_args`]); nothing downstream sees a raw flag.

use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;

use crate::exit::Fail;
use crate::properties::{
    ConnectProperties, DisconnectProperties, PublishProperties, SubscribeOptions, WillProperties,
};
use crate::qos::Qos;
use crate::secret::Secret;
use crate::settings::report::Report;
use crate::tool::Tool;

pub const DEFAULT_PORT: u16 = 1883;
pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(60);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The MQTT protocol version actually spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// MQTT 3.1 (`-V mqttv31`): 3.1.1's packets after a CONNECT of its own.
    V31,
    V311,
    V5,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::V31 => "MQTT 3.1",
            Protocol::V311 => "MQTT 3.1.1",
            Protocol::V5 => "MQTT 5",
        }
    }

    /// Refuse an MQTT 5 feature on an MQTT 3.1 or 3.1.1 session, naming the flag that asked for it.
    pub fn require_mqtt5(self, flag: &str) -> Result<(), Fail> {
        match self {
            Protocol::V5 => Ok(()),
            Protocol::V31 | Protocol::V311 => {
                Err(Fail::usage(format!("{flag} is MQTT 5 only: add -V mqttv5")))
            }
        }
    }
}

/// How the bytes reach the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Plain MQTT over TCP.
    Tcp { host: String, port: u16 },
    /// MQTT over TLS over TCP (`mqtts://`, or any TLS flag).
    Tls {
        host: String,
        port: u16,
        tls: TlsOptions,
    },
    /// MQTT over a WebSocket (`ws://host:port/path`).
    Ws {
        host: String,
        port: u16,
        path: String,
    },
    /// MQTT over a WebSocket over TLS (`wss://host:port/path`).
    Wss {
        host: String,
        port: u16,
        path: String,
        tls: TlsOptions,
    },
    /// MQTT over a Unix domain socket (`--unix PATH`).
    Unix { path: PathBuf },
}

impl Transport {
    /// How errors name the broker: `host:port` (IPv6 in brackets), the WebSocket URL, or the
    /// socket path.
    pub fn address(&self) -> String {
        match self {
            Transport::Tcp { host, port } | Transport::Tls { host, port, .. } => {
                host_port(host, *port)
            }
            Transport::Ws { host, port, path } => format!("ws://{}{path}", host_port(host, *port)),
            Transport::Wss {
                host, port, path, ..
            } => format!("wss://{}{path}", host_port(host, *port)),
            Transport::Unix { path } => path.display().to_string(),
        }
    }

    /// The host name to resolve (the socket path for a Unix socket), for error messages.
    pub fn host(&self) -> String {
        match self {
            Transport::Tcp { host, .. }
            | Transport::Tls { host, .. }
            | Transport::Ws { host, .. }
            | Transport::Wss { host, .. } => host.clone(),
            Transport::Unix { path } => path.display().to_string(),
        }
    }

    /// The TCP port, when there is one.
    pub fn port(&self) -> Option<u16> {
        match self {
            Transport::Tcp { port, .. }
            | Transport::Tls { port, .. }
            | Transport::Ws { port, .. }
            | Transport::Wss { port, .. } => Some(*port),
            Transport::Unix { .. } => None,
        }
    }

    /// The TLS settings, when the transport uses TLS.
    pub fn tls(&self) -> Option<&TlsOptions> {
        match self {
            Transport::Tls { tls, .. } | Transport::Wss { tls, .. } => Some(tls),
            _ => None,
        }
    }
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// TLS settings as given; `tls.rs` turns them into a rustls configuration when connecting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    pub cafile: Option<PathBuf>,
    pub capath: Option<PathBuf>,
    /// Client certificate and key for mutual TLS.
    pub client: Option<(PathBuf, PathBuf)>,
    /// `--key-passphrase-file`: the first line is an encrypted key's passphrase.
    pub key_passphrase_file: Option<PathBuf>,
    /// Trust the system's roots: asked for, or no --cafile/--capath given.
    pub os_certs: bool,
    pub alpn: Vec<String>,
    /// Only TLS 1.3 (`--tls-version tlsv1.3`); otherwise 1.2 and 1.3.
    pub tls13_only: bool,
    /// `--ciphers`: the suites offered, when not all of rustls'.
    pub ciphers: Option<crate::tls::ciphers::CipherList>,
    /// Skip the host name check, still verifying the chain.
    pub insecure: bool,
}

/// A proxy that tunnels the connection to the broker.
#[derive(Debug, Clone)]
pub struct Proxy {
    pub kind: ProxyKind,
    pub host: String,
    pub port: u16,
    pub credentials: Option<Credentials>,
}

/// How a proxy is asked for the tunnel: its URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// `http://`: HTTP CONNECT.
    Http,
    /// `socks5://`: SOCKS5, given the broker's address as resolved here.
    Socks5,
    /// `socks5h://`: SOCKS5, given the broker's name to resolve on its side.
    Socks5h,
}

impl ProxyKind {
    pub fn scheme(self) -> &'static str {
        match self {
            ProxyKind::Http => "http",
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks5h => "socks5h",
        }
    }
}

impl Proxy {
    pub fn address(&self) -> String {
        host_port(&self.host, self.port)
    }
}

/// Username and optional password.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub username: String,
    pub password: Option<Secret>,
}

/// The will message the broker publishes when the client vanishes without DISCONNECT.
#[derive(Debug, Clone)]
pub struct Will {
    pub topic: String,
    pub payload: Bytes,
    pub qos: Qos,
    pub retain: bool,
}

/// What to do when an established connection drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconnect {
    pub enabled: bool,
    /// Failed attempts in a row before giving up; `None`: keep trying.
    pub max: Option<u32>,
}

/// In-flight limit when QoS 2 publishes may be sent. Mosquitto takes 20 by default
/// (`max_inflight_messages`) and over MQTT 3.1.1 answers the 21st QoS 2 PUBLISH with a PUBREC
/// that looks like success but drops the message, since 3.1.1 has no reason codes to say
/// otherwise. MQTT 5 brokers announce their receive maximum, which caps this further.
pub const INFLIGHT_QOS2: u16 = 20;

/// In-flight limit for QoS 0/1 publishing. Mosquitto gives a QoS 1 PUBLISH's quota back as soon
/// as it sends the PUBACK, so a larger window is safe there, and it is what keeps the
/// connection busy: with 20 the publisher waits for a round trip every 20 messages.
pub const INFLIGHT_QOS1: u16 = 100;

/// Validated connection settings.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// rpub or rsub: names default client ids and prefixes messages.
    pub tool: Tool,
    pub protocol: Protocol,
    pub transport: Transport,
    pub client_id: String,
    pub keepalive: Duration,
    pub clean_session: bool,
    pub credentials: Option<Credentials>,
    pub will: Option<Will>,
    pub connect_timeout: Duration,
    pub reconnect: Reconnect,
    pub debug: bool,
    pub quiet: bool,
    /// Unacknowledged QoS 1/2 publishes allowed in flight: [`INFLIGHT_QOS2`] when the tool may
    /// publish at QoS 2, [`INFLIGHT_QOS1`] otherwise.
    pub inflight: u16,
    /// The topic part of `-L mqtt://host/topic`: a publish topic for rpub, a filter for rsub.
    pub url_topic: Option<String>,
    /// `--proxy`: an HTTP or SOCKS5 proxy to tunnel through.
    pub proxy: Option<Proxy>,
    /// `-A`: the local address the socket binds to.
    pub bind_address: Option<std::net::IpAddr>,
    /// MQTT 5 only (any of it with MQTT 3.1.1 is refused here): CONNECT and will
    /// properties, and what `-D` gave for the tool's own packets.
    pub mqtt5: Mqtt5Options,
    /// The settings in effect and where each came from, for `--print-config`.
    pub report: Report,
}

/// The MQTT 5 settings of a session, sorted by packet: what `-D` said
/// (`settings/property_flag.rs` parses it), then with the dedicated flags merged in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mqtt5Options {
    pub connect: ConnectProperties,
    pub will: WillProperties,
    /// `-D publish ...`: rpub starts from these and adds its own flags.
    pub publish: PublishProperties,
    /// `-D subscribe ...`: subscription id and user properties (the option bits have their
    /// own flags).
    pub subscribe: SubscribeOptions,
    /// `-D unsubscribe user-property ...`.
    pub unsubscribe_user_properties: Vec<(String, String)>,
    /// `-D disconnect ...`: what the DISCONNECT at the end carries.
    pub disconnect: DisconnectProperties,
}

impl ConnectOptions {
    /// Refuse an MQTT 5 feature on an MQTT 3.1.1 session, naming the flag that asked for it
    /// (rather than dropping it without a word).
    pub fn require_mqtt5(&self, flag: &str) -> Result<(), Fail> {
        self.protocol.require_mqtt5(flag)
    }

    /// rpub's `-M`: the in-flight window asked for, in place of the one chosen for the QoS.
    pub fn with_max_inflight(mut self, max: Option<u16>) -> ConnectOptions {
        if let Some(max) = max {
            self.inflight = max;
        }
        self
    }
}

/// Twelve hex digits that differ between processes and runs, for default client ids:
/// two tools started on two lab machines must not take over each other's session.
pub fn random_suffix() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
}
