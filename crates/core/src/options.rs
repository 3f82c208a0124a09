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
        })
    }
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
fn random_suffix() -> String {
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
