//! Where the broker is and how the bytes reach it: `-L`, host and port, the TLS files and
//! flags, `--unix`. The port defaults by transport: 1883 plain, 8883 with TLS, 80 for ws://,
//! 443 for wss://.

use std::path::PathBuf;

use crate::exit::Fail;
use crate::options::{TlsOptions, Transport, DEFAULT_PORT};
use crate::settings::flags::{ConnectArgs, TlsVersionArg};
use crate::settings::origin::{setting, Origin, Setting};
use crate::settings::url::{self, BrokerUrl, Scheme};
use crate::tls::ciphers;

/// The broker as resolved, with the settings `--print-config` shows.
pub(super) struct Broker {
    pub transport: Transport,
    /// The host and port as given (the transport holds what is used).
    pub host: Option<Setting<String>>,
    pub port: Option<Setting<u16>>,
    pub tls: TlsFiles,
    /// The topic part of `-L mqtt://host/topic`.
    pub url_topic: Option<String>,
}

/// The TLS files and version from flags or the config file.
pub(super) struct TlsFiles {
    pub cafile: Option<Setting<PathBuf>>,
    pub capath: Option<Setting<PathBuf>>,
    pub cert: Option<Setting<PathBuf>>,
    pub key: Option<Setting<PathBuf>>,
    pub version: Option<Setting<TlsVersionArg>>,
}

/// `-L`, parsed.
pub(super) fn url(args: &ConnectArgs) -> Result<Option<BrokerUrl>, Fail> {
    let url = args.broker.url.as_deref().map(url::parse).transpose();
    url.map_err(|e| Fail::usage(format!("-L/--url: {e}")))
}

impl Broker {
    /// The URL's parts win over -h/-p, the environment and the config file.
    pub fn resolve(args: &ConnectArgs, url: Option<&BrokerUrl>) -> Result<Broker, Fail> {
        let mut host = setting!(args.broker.host);
        let mut port = setting!(args.broker.port);
        let (mut scheme, mut ws_path, mut url_topic) = (Scheme::Mqtt, None, None);
        if let Some(url) = url {
            scheme = url.scheme;
            host = Some(Setting::new(url.host.clone(), Origin::Url));
            port = url.port.map(|p| Setting::new(p, Origin::Url)).or(port);
            match scheme {
                Scheme::Mqtt | Scheme::Mqtts => url_topic = url.path.clone(),
                // For WebSockets the path is the HTTP path of the upgrade request.
                Scheme::Ws | Scheme::Wss => ws_path = url.path.clone(),
            }
        }
        let tls = TlsFiles::resolve(args)?;
        let endpoint = Endpoint {
            scheme,
            host: host.as_ref().map(|h| h.value.clone()),
            port: port.as_ref().map(|p| p.value),
            ws_path,
        };
        let transport = endpoint.transport(args)?;
        Ok(Broker {
            transport,
            host,
            port,
            tls,
            url_topic,
        })
    }
}

impl TlsFiles {
    fn resolve(args: &ConnectArgs) -> Result<TlsFiles, Fail> {
        let files = TlsFiles {
            cafile: setting!(args.tls.cafile),
            capath: setting!(args.tls.capath),
            cert: setting!(args.tls.cert),
            key: setting!(args.tls.key),
            version: setting!(args.tls.tls_version),
        };
        for file in [&files.cafile, &files.capath, &files.cert, &files.key] {
            file.as_ref().map(check_exists).transpose()?;
        }
        Ok(files)
    }
}

/// A path from the config file (or the options file) must exist: say so at the file's line, not later as a TLS
/// failure about a flag nobody gave.
fn check_exists(path: &Setting<PathBuf>) -> Result<(), Fail> {
    if !matches!(path.origin, Origin::File { .. } | Origin::Options { .. }) {
        return Ok(());
    }
    match std::fs::metadata(&path.value) {
        Ok(_) => Ok(()),
        Err(e) => Err(path.refuse(
            "",
            format_args!("{}: {}", path.value.display(), crate::io_error_text(&e)),
        )),
    }
}

/// What names the broker's address before the transport is known.
struct Endpoint {
    scheme: Scheme,
    host: Option<String>,
    port: Option<u16>,
    ws_path: Option<String>,
}

impl Endpoint {
    /// Pick the transport from -L's scheme, the TLS flags and --unix.
    fn transport(self, args: &ConnectArgs) -> Result<Transport, Fail> {
        let t = &args.tls;
        if t.cert.is_some() != t.key.is_some() {
            return Err(Fail::usage(
                "--cert and --key go together: the client certificate and its private key",
            ));
        }
        let tls_flag = tls_flag(args);
        if let Some(path) = &t.unix {
            return unix_socket(args, path, tls_flag);
        }
        let host = self.host.clone().unwrap_or_else(|| "localhost".to_string());
        if host.is_empty() {
            return Err(Fail::usage("empty host name (-h)"));
        }
        let tls = self.tls(args, tls_flag)?;
        let path = format!("/{}", self.ws_path.unwrap_or_default());
        let port = |scheme: Scheme| self.port.unwrap_or(scheme.default_port());
        Ok(match (self.scheme, tls) {
            (Scheme::Ws, _) => Transport::Ws {
                host,
                port: port(Scheme::Ws),
                path,
            },
            (Scheme::Wss, Some(tls)) => Transport::Wss {
                host,
                port: port(Scheme::Wss),
                path,
                tls,
            },
            (_, Some(tls)) => Transport::Tls {
                host,
                port: port(Scheme::Mqtts),
                tls,
            },
            (_, None) => Transport::Tcp {
                host,
                port: self.port.unwrap_or(DEFAULT_PORT),
            },
        })
    }

    /// TLS when the scheme or a TLS flag asks for it; a plain `-L` and a TLS flag disagree.
    fn tls(&self, args: &ConnectArgs, tls_flag: Option<&str>) -> Result<Option<TlsOptions>, Fail> {
        let t = &args.tls;
        match (self.scheme, tls_flag) {
            (Scheme::Mqtt, Some(flag)) if args.broker.url.is_some() => Err(Fail::usage(format!(
                "{flag} asks for TLS but -L says mqtt:// (plain): use mqtts://"
            ))),
            (Scheme::Ws, Some(flag)) => Err(Fail::usage(format!(
                "{flag} asks for TLS but -L says ws:// (plain): use wss://"
            ))),
            (Scheme::Mqtts | Scheme::Wss, _) | (Scheme::Mqtt, Some(_)) => {
                if t.tls_alpn.iter().any(|p| p.is_empty() || p.len() > 255) {
                    return Err(Fail::usage(
                        "--tls-alpn: a protocol name is 1 to 255 bytes long",
                    ));
                }
                let tls13_only = t.tls_version == Some(TlsVersionArg::Tls13);
                let ciphers = t
                    .ciphers
                    .as_deref()
                    .map(|list| ciphers::parse(list, tls13_only));
                Ok(Some(TlsOptions {
                    cafile: t.cafile.clone(),
                    capath: t.capath.clone(),
                    client: t.cert.clone().zip(t.key.clone()),
                    key_passphrase_file: t.key_passphrase_file.clone(),
                    os_certs: t.tls_use_os_certs || (t.cafile.is_none() && t.capath.is_none()),
                    alpn: t.tls_alpn.clone(),
                    tls13_only,
                    ciphers: ciphers.transpose().map_err(Fail::usage)?,
                    insecure: t.insecure,
                }))
            }
            _ => Ok(None),
        }
    }
}

/// The first TLS flag given (by flag or config file), as messages name it.
fn tls_flag(args: &ConnectArgs) -> Option<&'static str> {
    let t = &args.tls;
    [
        (t.cafile.is_some(), "--cafile"),
        (t.capath.is_some(), "--capath"),
        (t.cert.is_some(), "--cert"),
        (t.tls_use_os_certs, "--tls-use-os-certs"),
        (!t.tls_alpn.is_empty(), "--tls-alpn"),
        (t.tls_version.is_some(), "--tls-version"),
        (t.ciphers.is_some(), "--ciphers"),
        (t.insecure, "--insecure"),
    ]
    .into_iter()
    .find_map(|(given, name)| given.then_some(name))
}

/// `--unix PATH`: no host, port or TLS.
fn unix_socket(
    args: &ConnectArgs,
    path: &PathBuf,
    tls_flag: Option<&str>,
) -> Result<Transport, Fail> {
    if args.broker.host.is_some() || args.broker.port.is_some() {
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
    Ok(Transport::Unix { path })
}
