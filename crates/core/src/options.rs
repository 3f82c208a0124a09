//! Connection settings resolved from flags, environment and `-L`, checked before connecting.
//!
//! Everything a user can get wrong about connecting is caught here with one clear line and
//! exit status 2, before a socket is opened: rumqttc panics on some of these (a keepalive
//! under a second, a persistent session without a client id) and silently drops others
//! (an empty password).

use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;

use crate::args::{ConnectArgs, ProtocolArg};
use crate::exit::Fail;
use crate::properties::{
    set_once, ConnectProperties, PublishProperties, SubscribeOptions, WillProperties,
};
use crate::property_flag::{Command, Defined};
use crate::secret::Secret;
use crate::topic::check_topic_name;
use crate::url::{self, Scheme};

pub const DEFAULT_PORT: u16 = 1883;
pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(60);

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
    Tcp { host: String, port: u16 },
}

impl Transport {
    /// `host:port` as errors show it (IPv6 in brackets).
    pub fn address(&self) -> String {
        match self {
            Transport::Tcp { host, port } if host.contains(':') => format!("[{host}]:{port}"),
            Transport::Tcp { host, port } => format!("{host}:{port}"),
        }
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
    /// The topic part of `-L mqtt://host/topic`: a publish topic for rpub, a filter for rsub.
    pub url_topic: Option<String>,
    /// MQTT 5 only (any of it with MQTT 3.1.1 is refused here): CONNECT and will
    /// properties, and what `-D` gave for the tool's own packets.
    pub mqtt5: Mqtt5Options,
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
    /// Resolve and check the shared flags. `tool` names the default client id.
    pub fn from_args(args: &ConnectArgs, tool: &str) -> Result<ConnectOptions, Fail> {
        let protocol = match args.protocol {
            ProtocolArg::V311 => Protocol::V311,
            ProtocolArg::V5 => Protocol::V5,
            ProtocolArg::V31 => return Err(Fail::usage(
                "MQTT 3.1 (mqttv31) is not supported: use -V mqttv311 (the default) or -V mqttv5",
            )),
        };

        let mut host = args.host.clone();
        let mut port = args.port;
        let mut username = args.username.clone();
        let mut password = args.password.clone();
        let mut url_topic = None;
        if let Some(text) = &args.url {
            let url = url::parse(text).map_err(|e| Fail::usage(format!("-L/--url: {e}")))?;
            match url.scheme {
                Scheme::Mqtt => {}
                other => {
                    return Err(Fail::usage(format!(
                        "-L/--url: the {} scheme is not supported by this build; use mqtt://",
                        match other {
                            Scheme::Mqtts => "mqtts:// (TLS)",
                            Scheme::Ws => "ws:// (WebSocket)",
                            _ => "wss:// (WebSocket over TLS)",
                        }
                    )))
                }
            }
            // The URL names the broker: its parts win over -h/-p/-u/-P and the environment.
            host = Some(url.host);
            port = url.port.or(port);
            if url.username.is_some() {
                username = url.username;
                password = url.password.or(password);
            }
            url_topic = url.path;
        }

        if let Some(file) = &args.password_file {
            password = Some(read_password_file(file)?);
        }
        let credentials = match (username, password) {
            (Some(username), password) => {
                if password.as_ref().is_some_and(Secret::is_empty) {
                    return Err(Fail::usage(
                        "the password is empty; MQTT cannot send an empty password (leave it out instead)",
                    ));
                }
                Some(Credentials { username, password })
            }
            (None, Some(_)) => {
                return Err(Fail::usage("a password was given without a username (-u)"));
            }
            (None, None) => None,
        };

        let keepalive = args.keepalive.unwrap_or(DEFAULT_KEEPALIVE);
        check_keepalive(keepalive)?;
        if keepalive.is_zero() && protocol == Protocol::V5 {
            // rumqttc's MQTT 5 client cannot turn the keepalive off.
            return Err(Fail::usage(
                "keepalive 0 (off) is not available with MQTT 5: use 5 s or more",
            ));
        }

        let client_id = match (&args.id, &args.id_prefix) {
            (Some(id), _) => id.clone(),
            (None, Some(prefix)) => format!("{prefix}{}", std::process::id()),
            (None, None) => format!("{tool}-{}", random_suffix()),
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

        if args.connect_timeout.is_zero() {
            return Err(Fail::usage("--connect-timeout must be longer than 0"));
        }

        let host = host.unwrap_or_else(|| "localhost".to_string());
        if host.is_empty() {
            return Err(Fail::usage("empty host name (-h)"));
        }
        Ok(ConnectOptions {
            tool: tool.to_string(),
            protocol,
            transport: Transport::Tcp {
                host,
                port: port.unwrap_or(DEFAULT_PORT),
            },
            client_id,
            keepalive,
            clean_session: !args.persistent,
            credentials,
            will,
            connect_timeout: args.connect_timeout,
            reconnect: Reconnect {
                enabled: !args.no_reconnect,
                max: args.reconnect_max,
            },
            debug: args.debug,
            quiet: args.quiet,
            url_topic,
            mqtt5,
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
fn read_password_file(path: &Path) -> Result<Secret, Fail> {
    let text = std::fs::read(path).map_err(|e| {
        Fail::usage(format!(
            "--password-file {}: {}",
            path.display(),
            crate::io_error_text(&e)
        ))
    })?;
    let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return Err(Fail::usage(format!(
            "--password-file {}: the file is empty (the password is its first line)",
            path.display()
        )));
    }
    let line = String::from_utf8(line.to_vec()).map_err(|_| {
        Fail::usage(format!(
            "--password-file {}: the password is not valid UTF-8",
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
        ConnectOptions::from_args(&cli.connect, "rpub")
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
}
