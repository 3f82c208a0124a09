//! Connection settings resolved from flags, environment, `-L` and the config file, checked
//! before connecting. This is the one place where precedence is applied.
//!
//! Everything a user can get wrong about connecting is caught here with one clear line and
//! exit status 2, before a socket is opened: rumqttc panics on some of these (a keepalive
//! under a second, a persistent session without a client id) and silently drops others
//! (an empty password).

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;

use crate::args::{ConnectArgs, ProtocolArg, TlsVersionArg};
use crate::exit::Fail;
use crate::profile::{self, show_duration, Config, Origin, Password, Report, Setting};
use crate::properties::{
    set_once, ConnectProperties, PublishProperties, SubscribeOptions, WillProperties,
};
use crate::property_flag::{Command, Defined};
use crate::secret::Secret;
use crate::topic::check_topic_name;
use crate::url::{self, Scheme};

pub const DEFAULT_PORT: u16 = 1883;
pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(60);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The MQTT protocol version actually spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    V311,
    V5,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::V311 => "MQTT 3.1.1",
            Protocol::V5 => "MQTT 5",
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
    /// Trust the system's roots: asked for, or no --cafile/--capath given.
    pub os_certs: bool,
    pub alpn: Vec<String>,
    /// Only TLS 1.3 (`--tls-version tlsv1.3`); otherwise 1.2 and 1.3.
    pub tls13_only: bool,
    /// Skip the host name check, still verifying the chain.
    pub insecure: bool,
}

/// An HTTP proxy that tunnels the connection with CONNECT.
#[derive(Debug, Clone)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    pub credentials: Option<Credentials>,
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
    pub qos: u8,
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
    /// `rpub` or `rsub`: names default client ids and prefixes messages.
    pub tool: String,
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
    /// Unacknowledged QoS 1/2 publishes allowed in flight: [`INFLIGHT_QOS2`] unless the tool
    /// knows it publishes nothing at QoS 2 (then [`INFLIGHT_QOS1`]).
    pub inflight: u16,
    /// The topic part of `-L mqtt://host/topic`: a publish topic for rpub, a filter for rsub.
    pub url_topic: Option<String>,
    /// `--proxy`: an HTTP proxy to tunnel through.
    pub proxy: Option<Proxy>,
    /// MQTT 5 only (any of it with MQTT 3.1.1 is refused here): CONNECT and will
    /// properties, and what `-D` gave for the tool's own packets.
    pub mqtt5: Mqtt5Options,
    /// The settings in effect and where each came from, for `--print-config`.
    pub report: Report,
}

/// The MQTT 5 settings of a session, from their flags and `-D`.
#[derive(Debug, Clone, Default)]
pub struct Mqtt5Options {
    pub connect: ConnectProperties,
    pub will: WillProperties,
    /// `-D publish ...`: rpub starts from these and adds its own flags.
    pub publish: PublishProperties,
    /// `-D subscribe ...`: subscription id and user properties.
    pub subscribe: SubscribeOptions,
    /// `-D unsubscribe user-property ...`.
    pub unsubscribe_user_properties: Vec<(String, String)>,
}

impl ConnectOptions {
    /// Resolve and check the shared flags, with the config file they point at (or the
    /// default one). `tool` names the default client id.
    pub fn from_args(args: &ConnectArgs, tool: &str) -> Result<ConnectOptions, Fail> {
        let config = profile::load(args)?;
        ConnectOptions::resolve(args, &config, tool)
    }

    /// Resolve and check the shared flags over what `config` says: flags, then environment
    /// variables (clap merges both into `args`), then the profile, then the `[default]`
    /// section, then built-in defaults.
    pub fn resolve(
        args: &ConnectArgs,
        config: &Config,
        tool: &str,
    ) -> Result<ConnectOptions, Fail> {
        let file = &config.settings;
        let mut report = Report {
            config: config.describe(),
            ..Report::default()
        };
        // -L or --unix on the command line names another broker than the file's: its host,
        // port and proxy (and TLS files, unless -L asks for TLS) do not apply then.
        let url = args.url.as_deref().map(url::parse).transpose();
        let url = url.map_err(|e| Fail::usage(format!("-L/--url: {e}")))?;
        let other_broker = url.is_some() || args.unix.is_some();
        let plain_named = args.unix.is_some()
            || url
                .as_ref()
                .is_some_and(|u| matches!(u.scheme, Scheme::Mqtt | Scheme::Ws));

        let protocol_arg = pick(
            args.protocol.as_ref(),
            "protocol",
            args,
            file.protocol.as_ref(),
        );
        let protocol = match protocol_arg.as_ref().map(|s| s.value) {
            None | Some(ProtocolArg::V311) => Protocol::V311,
            Some(ProtocolArg::V5) => Protocol::V5,
            Some(ProtocolArg::V31) => return Err(Fail::usage(
                "MQTT 3.1 (mqttv31) is not supported: use -V mqttv311 (the default) or -V mqttv5",
            )),
        };

        let mut host = pick(
            args.host.as_ref(),
            "host",
            args,
            file.host.as_ref().filter(|_| !other_broker),
        );
        let mut port = pick(
            args.port.as_ref(),
            "port",
            args,
            file.port.as_ref().filter(|_| !other_broker),
        );
        let mut username = pick(args.username.as_ref(), "username", args, None);
        let mut password = pick(args.password.as_ref(), "password", args, None);
        let mut url_topic = None;
        let mut scheme = Scheme::Mqtt;
        let mut ws_path = None;
        if let Some(url) = url {
            scheme = url.scheme;
            // The URL names the broker: its parts win over -h/-p/-u/-P and the environment.
            host = Some(at(url.host, Origin::Url));
            port = url.port.map(|p| at(p, Origin::Url)).or(port);
            if let Some(user) = url.username {
                username = Some(at(user, Origin::Url));
                password = url.password.map(|p| at(p, Origin::Url)).or(password);
            }
            match scheme {
                Scheme::Mqtt | Scheme::Mqtts => url_topic = url.path,
                // For WebSockets the path is the HTTP path of the upgrade request.
                Scheme::Ws | Scheme::Wss => ws_path = url.path,
            }
        }

        let tls_files = TlsFiles {
            cafile: pick(
                args.cafile.as_ref(),
                "cafile",
                args,
                file.cafile.as_ref().filter(|_| !plain_named),
            ),
            capath: pick(
                args.capath.as_ref(),
                "capath",
                args,
                file.capath.as_ref().filter(|_| !plain_named),
            ),
            client: match (&args.cert, &args.key) {
                (None, None) => file.client_cert.clone().filter(|_| !plain_named),
                (cert, key) => cert
                    .clone()
                    .zip(key.clone())
                    .map(|pair| at(pair, args.origins.get("cert"))),
            },
            version: pick(
                args.tls_version.as_ref(),
                "tls_version",
                args,
                file.tls_version.as_ref().filter(|_| !plain_named),
            ),
        };
        for (key, setting) in [("cafile", &tls_files.cafile), ("capath", &tls_files.capath)] {
            if let Some(s) = setting {
                check_exists(&s.value, &s.origin, key)?;
            }
        }
        if let Some(s) = &tls_files.client {
            check_exists(&s.value.0, &s.origin, "cert")?;
            check_exists(&s.value.1, &s.origin, "key")?;
        }
        let transport = resolve_transport(
            args,
            scheme,
            host.as_ref().map(|h| h.value.clone()),
            port.as_ref().map(|p| p.value),
            ws_path,
            &tls_files,
        )?;
        let proxy_setting = pick(
            args.proxy.as_ref(),
            "proxy",
            args,
            file.proxy.as_ref().filter(|_| args.unix.is_none()),
        );
        let proxy = proxy_setting
            .as_ref()
            .map(|p| parse_proxy(&p.value, &p.origin.label("--proxy", "proxy")))
            .transpose()?;
        if proxy.is_some() && matches!(transport, Transport::Unix { .. }) {
            return Err(Fail::usage("--proxy cannot be used with --unix"));
        }

        // A password file given as a flag wins over -P; the file's password (or password
        // file) counts only when neither the command line nor the environment gave one.
        let mut password_note = String::new();
        if let Some(path) = &args.password_file {
            password = Some(at(
                read_password_file(path, "--password-file")?,
                args.origins.get("password_file"),
            ));
            password_note = format!(" (from {})", path.display());
        } else if password.is_none() {
            if let Some(setting) = &file.password {
                let value = match &setting.value {
                    Password::Text(secret) => secret.clone(),
                    Password::File(path) => {
                        password_note = format!(" (from {})", path.display());
                        read_password_file(path, &setting.origin.label("", "password-file"))?
                    }
                };
                password = Some(at(value, setting.origin.clone()));
            }
        }
        if username.is_none() {
            username = file.username.clone();
        }
        let credentials = match (&username, &password) {
            (Some(username), password) => {
                if password.as_ref().is_some_and(|p| p.value.is_empty()) {
                    return Err(Fail::usage(
                        "the password is empty; MQTT cannot send an empty password (leave it out instead)",
                    ));
                }
                Some(Credentials {
                    username: username.value.clone(),
                    password: password.as_ref().map(|p| p.value.clone()),
                })
            }
            (None, Some(p)) => {
                let hint = match &p.origin {
                    Origin::File { .. } => format!(" (the password is from {})", p.origin),
                    _ => String::new(),
                };
                return Err(Fail::usage(format!(
                    "a password was given without a username (-u){hint}"
                )));
            }
            (None, None) => None,
        };

        let keepalive = pick(
            args.keepalive.as_ref(),
            "keepalive",
            args,
            file.keepalive.as_ref(),
        );
        let keepalive_value = keepalive.as_ref().map_or(DEFAULT_KEEPALIVE, |k| k.value);
        check_keepalive(keepalive_value)
            .map_err(|e| blame(e, keepalive.as_ref(), "keepalive", "keepalive "))?;
        if keepalive_value.is_zero() && protocol == Protocol::V5 {
            // rumqttc's MQTT 5 client cannot turn the keepalive off.
            return Err(Fail::usage(
                "keepalive 0 (off) is not available with MQTT 5: use 5 s or more",
            ));
        }

        let id_prefix = pick(
            args.id_prefix.as_ref(),
            "id_prefix",
            args,
            file.id_prefix.as_ref(),
        );
        let (client_id, shown_id, id_origin) = match (&args.id, &id_prefix) {
            (Some(id), _) => (id.clone(), id.clone(), args.origins.get("id")),
            (None, Some(prefix)) => (
                format!("{}{}", prefix.value, std::process::id()),
                format!("{}<pid>", prefix.value),
                prefix.origin.clone(),
            ),
            (None, None) => (
                format!("{tool}-{}", random_suffix()),
                format!("{tool}-<random>"),
                Origin::Default,
            ),
        };
        if client_id.len() > 65_535 {
            return Err(Fail::usage("the client id is longer than 65,535 bytes"));
        }
        if args.persistent && (args.id.is_none() || client_id.is_empty()) {
            return Err(Fail::usage(
                "-c/--disable-clean-session needs a client id (-i ID): the broker keeps the session under that id",
            ));
        }

        let will = match &args.will_topic {
            None => None,
            Some(topic) => {
                check_topic_name(topic).map_err(|e| Fail::usage(format!("--will-topic: {e}")))?;
                Some(Will {
                    topic: topic.clone(),
                    payload: Bytes::from(args.will_payload.clone().unwrap_or_default()),
                    qos: args.will_qos,
                    retain: args.will_retain,
                })
            }
        };

        let mqtt5 = mqtt5_options(args, tool, protocol, will.is_some())?;

        let connect_timeout = pick(
            args.connect_timeout.as_ref(),
            "connect_timeout",
            args,
            file.connect_timeout.as_ref(),
        );
        let connect_timeout_value = connect_timeout
            .as_ref()
            .map_or(DEFAULT_CONNECT_TIMEOUT, |t| t.value);
        if connect_timeout_value.is_zero() {
            return Err(blame(
                Fail::usage("--connect-timeout must be longer than 0"),
                connect_timeout.as_ref(),
                "connect-timeout",
                "--connect-timeout ",
            ));
        }

        // What --print-config shows, in the config file's terms.
        let default = Origin::Default;
        match &transport {
            Transport::Unix { path } => {
                report.set("unix", path.display(), &args.origins.get("unix"))
            }
            _ => {
                report.set(
                    "host",
                    transport.host(),
                    host.as_ref().map_or(&default, |h| &h.origin),
                );
                report.set(
                    "port",
                    transport_port(&transport),
                    port.as_ref().map_or(&default, |p| &p.origin),
                );
            }
        }
        report.maybe("username", username.as_ref());
        match &password {
            Some(p) => report.set("password", format!("***{password_note}"), &p.origin),
            None => report.maybe::<String>("password", None),
        }
        report.set("id", shown_id, &id_origin);
        report.set(
            "protocol-version",
            match protocol {
                Protocol::V311 => "mqttv311",
                Protocol::V5 => "mqttv5",
            },
            protocol_arg.as_ref().map_or(&default, |p| &p.origin),
        );
        report.set(
            "keepalive",
            show_duration(keepalive_value),
            keepalive.as_ref().map_or(&default, |k| &k.origin),
        );
        report.set(
            "connect-timeout",
            show_duration(connect_timeout_value),
            connect_timeout.as_ref().map_or(&default, |t| &t.origin),
        );
        let shown_path = |s: &Setting<PathBuf>| Setting {
            value: s.value.display().to_string(),
            origin: s.origin.clone(),
        };
        report.maybe("cafile", tls_files.cafile.as_ref().map(shown_path).as_ref());
        report.maybe("capath", tls_files.capath.as_ref().map(shown_path).as_ref());
        let (cert, key) = match &tls_files.client {
            Some(s) => (
                Some(Setting {
                    value: s.value.0.display().to_string(),
                    origin: s.origin.clone(),
                }),
                Some(Setting {
                    value: s.value.1.display().to_string(),
                    origin: s.origin.clone(),
                }),
            ),
            None => (None, None),
        };
        report.maybe("cert", cert.as_ref());
        report.maybe("key", key.as_ref());
        let version = tls_files.version.as_ref().map(|v| Setting {
            value: match v.value {
                TlsVersionArg::Tls12 => "tlsv1.2",
                TlsVersionArg::Tls13 => "tlsv1.3",
            },
            origin: v.origin.clone(),
        });
        report.maybe("tls-version", version.as_ref());
        // The proxy URL may carry a password: show it without.
        let proxy_shown = proxy
            .as_ref()
            .zip(proxy_setting.as_ref())
            .map(|(p, s)| Setting {
                value: match &p.credentials {
                    Some(c) => format!("http://{}:***@{}", c.username, p.address()),
                    None => format!("http://{}", p.address()),
                },
                origin: s.origin.clone(),
            });
        report.maybe("proxy", proxy_shown.as_ref());

        Ok(ConnectOptions {
            tool: tool.to_string(),
            protocol,
            transport,
            client_id,
            keepalive: keepalive_value,
            clean_session: !args.persistent,
            credentials,
            will,
            connect_timeout: connect_timeout_value,
            reconnect: Reconnect {
                enabled: !args.no_reconnect,
                max: args.reconnect_max,
            },
            debug: args.debug,
            quiet: args.quiet,
            inflight: INFLIGHT_QOS2,
            url_topic,
            mqtt5,
            proxy,
            report,
        })
    }

    /// Refuse an MQTT 5 feature on an MQTT 3.1.1 session, naming the flag that asked for it
    /// (rather than dropping it without a word).
    pub fn require_mqtt5(&self, flag: &str) -> Result<(), Fail> {
        require_mqtt5(self.protocol, flag)
    }
}

fn require_mqtt5(protocol: Protocol, flag: &str) -> Result<(), Fail> {
    match protocol {
        Protocol::V5 => Ok(()),
        Protocol::V311 => Err(Fail::usage(format!("{flag} is MQTT 5 only: add -V mqttv5"))),
    }
}

/// The value given by flag or environment (`given`, clap's argument `id`), else what the
/// config file says, with where it came from.
fn pick<T: Clone>(
    given: Option<&T>,
    id: &str,
    args: &ConnectArgs,
    file: Option<&Setting<T>>,
) -> Option<Setting<T>> {
    match given {
        Some(value) => Some(at(value.clone(), args.origins.get(id))),
        None => file.cloned(),
    }
}

fn at<T>(value: T, origin: Origin) -> Setting<T> {
    Setting { value, origin }
}

/// An error about a value from the config file names the file, line and key first, in
/// place of the flag (`flag` and a space) the message starts with.
fn blame<T>(err: Fail, setting: Option<&Setting<T>>, key: &str, flag: &str) -> Fail {
    match setting.map(|s| &s.origin) {
        Some(origin @ Origin::File { .. }) => {
            let rest = err.message.strip_prefix(flag).unwrap_or(&err.message);
            Fail::usage(format!("{}: {rest}", origin.label("", key)))
        }
        _ => err,
    }
}

/// A path from the config file must exist: say so at the file's line, not later as a TLS
/// failure about a flag nobody gave.
fn check_exists(path: &Path, origin: &Origin, key: &str) -> Result<(), Fail> {
    if !matches!(origin, Origin::File { .. }) {
        return Ok(());
    }
    match std::fs::metadata(path) {
        Ok(_) => Ok(()),
        Err(e) => Err(Fail::usage(format!(
            "{}: {}: {}",
            origin.label("", key),
            path.display(),
            crate::io_error_text(&e)
        ))),
    }
}

/// The port a transport connects to, for the report.
fn transport_port(transport: &Transport) -> String {
    match transport {
        Transport::Tcp { port, .. }
        | Transport::Tls { port, .. }
        | Transport::Ws { port, .. }
        | Transport::Wss { port, .. } => port.to_string(),
        Transport::Unix { .. } => "-".to_string(),
    }
}

/// The TLS files and version from flags or the config file.
struct TlsFiles {
    cafile: Option<Setting<PathBuf>>,
    capath: Option<Setting<PathBuf>>,
    client: Option<Setting<(PathBuf, PathBuf)>>,
    version: Option<Setting<TlsVersionArg>>,
}

/// The MQTT 5 connection flags and every `-D`, merged; a property given by its flag and by
/// `-D` is refused as given twice.
fn mqtt5_options(
    args: &ConnectArgs,
    tool: &str,
    protocol: Protocol,
    has_will: bool,
) -> Result<Mqtt5Options, Fail> {
    let first_d = args.property.occurrences.first().map(|words| {
        let named: Vec<&str> = words.iter().take(2).map(String::as_str).collect();
        format!("-D {}", named.join(" "))
    });
    let flags: [(&str, bool); 12] = [
        (first_d.as_deref().unwrap_or("-D"), first_d.is_some()),
        ("-x/--session-expiry", args.session_expiry.is_some()),
        ("--receive-maximum", args.receive_maximum.is_some()),
        ("--maximum-packet-size", args.maximum_packet_size.is_some()),
        (
            "--connect-user-property",
            !args.connect_user_property.is_empty(),
        ),
        ("--will-delay", args.will_delay.is_some()),
        ("--will-message-expiry", args.will_message_expiry.is_some()),
        ("--will-content-type", args.will_content_type.is_some()),
        ("--will-payload-format", args.will_payload_format.is_some()),
        ("--will-response-topic", args.will_response_topic.is_some()),
        (
            "--will-correlation-data",
            args.will_correlation_data.is_some(),
        ),
        ("--will-user-property", !args.will_user_property.is_empty()),
    ];
    for (flag, given) in flags {
        if given {
            require_mqtt5(protocol, flag)?;
        }
    }

    let defined = Defined::parse_all(&args.property.occurrences, Command::for_tool(tool))
        .map_err(Fail::usage)?;
    if !has_will && !defined.will.is_empty() {
        return Err(Fail::usage(
            "-D will: there is no will message to carry the property; add --will-topic",
        ));
    }
    let mut connect = defined.connect;
    let mut will = defined.will;
    let twice = |e: String| Fail::usage(format!("{e} (by its flag and by -D)"));
    set_once(
        &mut connect.session_expiry,
        args.session_expiry,
        "the session expiry",
    )
    .map_err(twice)?;
    set_once(
        &mut connect.receive_maximum,
        args.receive_maximum,
        "the receive maximum",
    )
    .map_err(twice)?;
    set_once(
        &mut connect.maximum_packet_size,
        args.maximum_packet_size,
        "the maximum packet size",
    )
    .map_err(twice)?;
    connect
        .user_properties
        .extend(args.connect_user_property.iter().cloned());
    set_once(&mut will.delay_interval, args.will_delay, "the will delay").map_err(twice)?;
    set_once(
        &mut will.message_expiry,
        args.will_message_expiry,
        "the will message expiry",
    )
    .map_err(twice)?;
    set_once(
        &mut will.content_type,
        args.will_content_type.clone(),
        "the will content type",
    )
    .map_err(twice)?;
    set_once(
        &mut will.payload_format,
        args.will_payload_format,
        "the will payload format",
    )
    .map_err(twice)?;
    set_once(
        &mut will.response_topic,
        args.will_response_topic.clone(),
        "the will response topic",
    )
    .map_err(twice)?;
    set_once(
        &mut will.correlation_data,
        args.will_correlation_data
            .clone()
            .map(|d| Bytes::from(d.into_bytes())),
        "the will correlation data",
    )
    .map_err(twice)?;
    will.user_properties
        .extend(args.will_user_property.iter().cloned());
    if let Some(topic) = &will.response_topic {
        check_topic_name(topic).map_err(|e| Fail::usage(format!("will response topic: {e}")))?;
    }
    Ok(Mqtt5Options {
        connect,
        will,
        publish: defined.publish,
        subscribe: defined.subscribe,
        unsubscribe_user_properties: defined.unsubscribe_user_properties,
    })
}

/// Pick the transport from -L's scheme, the TLS flags and --unix, with the port each
/// defaults to: 1883 plain, 8883 with TLS, 80 for ws://, 443 for wss://.
fn resolve_transport(
    args: &ConnectArgs,
    scheme: Scheme,
    host: Option<String>,
    port: Option<u16>,
    ws_path: Option<String>,
    files: &TlsFiles,
) -> Result<Transport, Fail> {
    let tls_flag = [
        (files.cafile.is_some(), "--cafile"),
        (files.capath.is_some(), "--capath"),
        (files.client.is_some() || args.cert.is_some(), "--cert"),
        (args.tls_use_os_certs, "--tls-use-os-certs"),
        (!args.tls_alpn.is_empty(), "--tls-alpn"),
        (files.version.is_some(), "--tls-version"),
        (args.insecure, "--insecure"),
    ]
    .into_iter()
    .find_map(|(given, name)| given.then_some(name));

    if args.cert.is_some() != args.key.is_some() {
        return Err(Fail::usage(
            "--cert and --key go together: the client certificate and its private key",
        ));
    }
    if let Some(path) = &args.unix {
        if args.host.is_some() || args.port.is_some() {
            return Err(Fail::usage(
                "--unix replaces the host and port: leave out -h/-p (and MQTT_HOST/MQTT_PORT)",
            ));
        }
        if let Some(flag) = tls_flag {
            return Err(Fail::usage(format!(
                "{flag}: TLS is not available over a Unix socket (--unix)"
            )));
        }
        if path.as_os_str().is_empty() {
            return Err(Fail::usage("--unix: empty socket path"));
        }
        // Absolute, so that messages name the socket unambiguously.
        let path = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        return Ok(Transport::Unix { path });
    }

    let host = host.unwrap_or_else(|| "localhost".to_string());
    if host.is_empty() {
        return Err(Fail::usage("empty host name (-h)"));
    }
    let tls = match (scheme, tls_flag) {
        (Scheme::Mqtt, Some(flag)) if args.url.is_some() => {
            return Err(Fail::usage(format!(
                "{flag} asks for TLS but -L says mqtt:// (plain): use mqtts://"
            )))
        }
        (Scheme::Ws, Some(flag)) => {
            return Err(Fail::usage(format!(
                "{flag} asks for TLS but -L says ws:// (plain): use wss://"
            )))
        }
        (Scheme::Mqtts | Scheme::Wss, _) | (Scheme::Mqtt, Some(_)) => Some(TlsOptions {
            cafile: files.cafile.as_ref().map(|s| s.value.clone()),
            capath: files.capath.as_ref().map(|s| s.value.clone()),
            client: files.client.as_ref().map(|s| s.value.clone()),
            os_certs: args.tls_use_os_certs || (files.cafile.is_none() && files.capath.is_none()),
            alpn: args.tls_alpn.clone(),
            tls13_only: files.version.as_ref().map(|s| s.value) == Some(TlsVersionArg::Tls13),
            insecure: args.insecure,
        }),
        _ => None,
    };
    if tls
        .as_ref()
        .is_some_and(|t| t.alpn.iter().any(|p| p.is_empty() || p.len() > 255))
    {
        return Err(Fail::usage(
            "--tls-alpn: a protocol name is 1 to 255 bytes long",
        ));
    }
    let path = || {
        let path = ws_path.clone().unwrap_or_default();
        format!("/{path}")
    };
    Ok(match (scheme, tls) {
        (Scheme::Ws, _) => Transport::Ws {
            host,
            port: port.unwrap_or(Scheme::Ws.default_port()),
            path: path(),
        },
        (Scheme::Wss, Some(tls)) => Transport::Wss {
            host,
            port: port.unwrap_or(Scheme::Wss.default_port()),
            path: path(),
            tls,
        },
        (_, Some(tls)) => Transport::Tls {
            host,
            port: port.unwrap_or(Scheme::Mqtts.default_port()),
            tls,
        },
        (_, None) => Transport::Tcp {
            host,
            port: port.unwrap_or(DEFAULT_PORT),
        },
    })
}

/// `--proxy http://[user[:password]@]host:port`. rumqttc tunnels through HTTP proxies only;
/// a SOCKS proxy is refused rather than ignored.
/// `name` is how messages call it: `--proxy`, or the config file's line and key.
fn parse_proxy(text: &str, name: &str) -> Result<Proxy, Fail> {
    let (scheme, _) = text.split_once("://").unwrap_or(("", text));
    match scheme.to_ascii_lowercase().as_str() {
        "http" => {}
        "socks5h" | "socks5" | "socks4" | "socks4a" | "socks" => {
            return Err(Fail::usage(format!(
                "{name}: {scheme}:// proxies are not supported (only HTTP proxies that allow CONNECT: http://host:port)"
            )))
        }
        "https" => {
            return Err(Fail::usage(format!(
                "{name}: https:// proxies are not supported (only http://host:port; the MQTT connection itself can still use TLS)",
            )))
        }
        _ => {
            return Err(Fail::usage(format!(
                "{name}: give the proxy as http://[user[:password]@]host:port",
            )))
        }
    }
    // The proxy URL has the broker URL's shape (user, password, host, port) under http://.
    let url = url::parse(&format!("mqtt://{}", &text[scheme.len() + 3..]))
        .map_err(|e| Fail::usage(format!("{name}: {}", e.replace("URL", "proxy URL"))))?;
    if url.path.is_some() {
        return Err(Fail::usage(format!(
            "{name}: a proxy URL has no path: http://[user[:password]@]host:port",
        )));
    }
    let port = url.port.ok_or_else(|| {
        Fail::usage(format!(
            "{name}: the proxy URL needs a port: http://host:port"
        ))
    })?;
    let credentials = url.username.map(|username| Credentials {
        username,
        password: url.password,
    });
    Ok(Proxy {
        host: url.host,
        port,
        credentials,
    })
}

/// MQTT carries the keepalive as whole seconds in two bytes; mosquitto refuses under 5 s.
fn check_keepalive(keepalive: Duration) -> Result<(), Fail> {
    let ok = keepalive.is_zero()
        || (keepalive.subsec_nanos() == 0 && (5..=65_535).contains(&keepalive.as_secs()));
    if ok {
        Ok(())
    } else {
        Err(Fail::usage(format!(
            "keepalive {} is out of range: use 0 (off) or whole seconds from 5 to 65535",
            crate::duration::show(keepalive)
        )))
    }
}

/// The first line of a password file, without its line ending.
/// `name` is how messages call it: `--password-file`, or the config file's line and key.
fn read_password_file(path: &Path, name: &str) -> Result<Secret, Fail> {
    let text = std::fs::read(path).map_err(|e| {
        Fail::usage(format!(
            "{name} {}: {}",
            path.display(),
            crate::io_error_text(&e)
        ))
    })?;
    let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return Err(Fail::usage(format!(
            "{name} {}: the file is empty (the password is its first line)",
            path.display()
        )));
    }
    let line = String::from_utf8(line.to_vec()).map_err(|_| {
        Fail::usage(format!(
            "{name} {}: the password is not valid UTF-8",
            path.display()
        ))
    })?;
    Ok(Secret::new(line))
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    #[command(disable_help_flag = true)]
    struct Cli {
        #[command(flatten)]
        connect: ConnectArgs,
    }

    fn resolve(args: &[&str]) -> Result<ConnectOptions, Fail> {
        let cli = Cli::try_parse_from(std::iter::once("t").chain(args.iter().copied())).unwrap();
        // Never the user's own config file.
        ConnectOptions::resolve(&cli.connect, &Config::default(), "rpub")
    }

    #[test]
    fn defaults() {
        let o = resolve(&[]).unwrap();
        assert_eq!(o.transport.address(), "localhost:1883");
        assert_eq!(o.protocol, Protocol::V311);
        assert!(o.client_id.starts_with("rpub-"));
        assert!(o.clean_session);
        assert_eq!(o.keepalive, DEFAULT_KEEPALIVE);
    }

    #[test]
    fn url_parts_win() {
        let o = resolve(&["-h", "a", "-L", "mqtt://kai:pw@b:1884/t/x"]).unwrap();
        assert_eq!(o.transport.address(), "b:1884");
        let c = o.credentials.unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.unwrap().expose()),
            ("kai", "pw")
        );
        assert_eq!(o.url_topic.as_deref(), Some("t/x"));
    }

    #[test]
    fn mqtt5_flags_are_refused_with_mqtt311_naming_the_flag() {
        for (args, flag) in [
            (&["-x", "60"][..], "-x/--session-expiry"),
            (&["--receive-maximum", "5"][..], "--receive-maximum"),
            (
                &["--maximum-packet-size", "500"][..],
                "--maximum-packet-size",
            ),
            (
                &["--connect-user-property", "a=b"][..],
                "--connect-user-property",
            ),
            (
                &["--will-topic", "w", "--will-delay", "5"][..],
                "--will-delay",
            ),
            (
                &["-D", "connect", "receive-maximum", "5"][..],
                "-D connect receive-maximum",
            ),
        ] {
            let message = resolve(args).unwrap_err().message;
            assert_eq!(message, format!("{flag} is MQTT 5 only: add -V mqttv5"));
            let mut v5 = vec!["-V", "5"];
            v5.extend_from_slice(args);
            assert!(resolve(&v5).is_ok(), "{args:?} with -V 5");
        }
    }

    #[test]
    fn mqtt5_flags_and_d_merge() {
        let o = resolve(&[
            "-V",
            "5",
            "-x",
            "inf",
            "--will-topic",
            "w",
            "--will-user-property",
            "a=1",
            "-D",
            "will",
            "user-property",
            "b",
            "2",
            "-D",
            "publish",
            "content-type",
            "text/plain",
        ])
        .unwrap();
        assert_eq!(o.mqtt5.connect.session_expiry, Some(u32::MAX));
        assert_eq!(o.mqtt5.will.user_properties.len(), 2);
        assert_eq!(o.mqtt5.publish.content_type.as_deref(), Some("text/plain"));
        let e = resolve(&[
            "-V",
            "5",
            "-x",
            "5",
            "-D",
            "connect",
            "session-expiry-interval",
            "6",
        ])
        .unwrap_err();
        assert!(e.message.contains("given twice"), "{}", e.message);
        let e = resolve(&["-V", "5", "-D", "will", "content-type", "x"]).unwrap_err();
        assert!(e.message.contains("--will-topic"), "{}", e.message);
        let e = resolve(&["-V", "5", "-D", "subscribe", "user-property", "a", "b"]).unwrap_err();
        assert!(e
            .message
            .contains("use one of connect, publish, will, disconnect"));
    }

    #[test]
    fn rejects_what_rumqttc_would_panic_on() {
        assert!(resolve(&["-k", "2"])
            .unwrap_err()
            .message
            .contains("keepalive"));
        assert!(resolve(&["-k", "1500ms"]).is_err());
        assert!(resolve(&["-k", "0"]).is_ok());
        assert!(resolve(&["-c"]).unwrap_err().message.contains("client id"));
        assert!(resolve(&["-c", "-i", ""]).is_err());
        assert!(resolve(&["-c", "-i", "me"]).is_ok());
        assert!(resolve(&["-u", "kai", "-P", ""])
            .unwrap_err()
            .message
            .contains("empty"));
        assert!(resolve(&["-P", "x"])
            .unwrap_err()
            .message
            .contains("username"));
        assert!(resolve(&["-V", "mqttv31"])
            .unwrap_err()
            .message
            .contains("not supported"));
    }

    #[test]
    fn transports_and_their_default_ports() {
        let address = |args: &[&str]| resolve(args).unwrap().transport.address();
        assert_eq!(address(&["--cafile", "ca.crt"]), "localhost:8883");
        assert_eq!(
            address(&["--cafile", "ca.crt", "-p", "1234"]),
            "localhost:1234"
        );
        assert_eq!(address(&["-L", "mqtts://h"]), "h:8883");
        assert_eq!(address(&["-L", "ws://h"]), "ws://h:80/");
        assert_eq!(address(&["-L", "wss://h/mqtt"]), "wss://h:443/mqtt");
        assert_eq!(
            address(&["-L", "ws://[::1]:9001/mqtt"]),
            "ws://[::1]:9001/mqtt"
        );
        assert_eq!(address(&["--unix", "/run/mqtt.sock"]), "/run/mqtt.sock");
        // A ws path is not a topic.
        assert_eq!(resolve(&["-L", "ws://h/mqtt"]).unwrap().url_topic, None);
        let o = resolve(&["-L", "mqtts://h", "--insecure", "--tls-version", "tlsv1.3"]).unwrap();
        let tls = o.transport.tls().unwrap();
        assert!(tls.insecure && tls.tls13_only && tls.os_certs);
        let o = resolve(&["--cafile", "ca.crt", "--cert", "c", "--key", "k"]).unwrap();
        let tls = o.transport.tls().unwrap();
        assert!(!tls.os_certs && tls.client.is_some());
    }

    #[test]
    fn transport_conflicts() {
        let message = |args: &[&str]| resolve(args).unwrap_err().message;
        assert!(message(&["-L", "mqtt://h", "--cafile", "ca"]).contains("mqtts://"));
        assert!(message(&["-L", "ws://h", "--insecure"]).contains("wss://"));
        assert!(message(&["--cert", "c"]).contains("--key"));
        assert!(message(&["--unix", "/s", "-p", "1"]).contains("-h/-p"));
        assert!(message(&["--unix", "/s", "--cafile", "ca"]).contains("Unix"));
        assert!(message(&["--unix", "/s", "--proxy", "http://p:1"]).contains("--proxy"));
        assert!(message(&["--tls-alpn", ""]).contains("--tls-alpn"));
    }

    #[test]
    fn proxy_urls() {
        let p = resolve(&["--proxy", "http://kai:p%40ss@proxy.lan:3128"])
            .unwrap()
            .proxy
            .unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.lan", 3128));
        let c = p.credentials.unwrap();
        assert_eq!(c.password.unwrap().expose(), "p@ss");
        let message = |args: &[&str]| resolve(args).unwrap_err().message;
        assert!(message(&["--proxy", "socks5h://h:1080"]).contains("not supported"));
        assert!(message(&["--proxy", "http://h"]).contains("port"));
        assert!(message(&["--proxy", "http://h:1/x"]).contains("no path"));
        assert!(!message(&["--proxy", "http://u:secret@h:0"]).contains("secret"));
    }
}
