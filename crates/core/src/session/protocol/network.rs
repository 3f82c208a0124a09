//! How the bytes reach the broker, in the terms rumqttc's two clients share: from
//! [`Transport`] and `--proxy` to rumqttc's broker address, transport (TLS configuration,
//! WebSocket URL, Unix socket), HTTP or SOCKS5 proxy and network options.
//!
//! rumqttc reads the broker address differently per transport: a host for TCP and TLS (also
//! the name the certificate must carry), the whole URL for WebSockets, the socket path for a
//! Unix socket.

use crate::exit::Fail;
use crate::options::{ConnectOptions, ProxyKind, Transport};

/// Where and how to connect, for either client's options.
pub struct Endpoint {
    /// What rumqttc takes as the broker's address, and its port.
    pub addr: String,
    pub port: u16,
    pub transport: rumqttc::Transport,
    pub proxy: Option<rumqttc::Proxy>,
}

/// The endpoint of `opts` (TLS files are read here: a bad one fails before any socket opens).
pub fn endpoint(opts: &ConnectOptions) -> Result<Endpoint, Fail> {
    let (addr, port) = broker_addr(&opts.transport);
    Ok(Endpoint {
        addr,
        port,
        transport: transport(&opts.transport)?,
        proxy: proxy(opts),
    })
}

/// The socket settings of a session.
pub fn network_options(opts: &ConnectOptions) -> rumqttc::NetworkOptions {
    let mut network = rumqttc::NetworkOptions::new();
    // rumqttc's own timeout (whole seconds) also bounds every flush; ours must fire first.
    network.set_connection_timeout(opts.connect_timeout.as_secs().max(5) + 5);
    // Writes are already batched (one flush per batch of packets); Nagle's algorithm would
    // only hold the next batch back until the broker acknowledged the last one.
    network.set_tcp_nodelay(true);
    if let Some(address) = opts.bind_address {
        network.set_bind_address(address);
    }
    network
}

/// The password of a user, or none: rumqttc takes a string either way.
pub fn password(credentials: &crate::options::Credentials) -> &str {
    credentials
        .password
        .as_ref()
        .map(|p| p.expose())
        .unwrap_or_default()
}

/// What rumqttc takes as broker address and port.
fn broker_addr(transport: &Transport) -> (String, u16) {
    match transport {
        Transport::Tcp { host, port } | Transport::Tls { host, port, .. } => (host.clone(), *port),
        // The whole URL; rumqttc takes host and port from it (the port argument is unused).
        Transport::Ws { port, .. } | Transport::Wss { port, .. } => (transport.address(), *port),
        Transport::Unix { path } => (path.to_string_lossy().into_owned(), 0),
    }
}

fn transport(transport: &Transport) -> Result<rumqttc::Transport, Fail> {
    let tls = |options| crate::tls::client_config(options).map(rumqttc::TlsConfiguration::Rustls);
    Ok(match transport {
        Transport::Tcp { .. } => rumqttc::Transport::Tcp,
        Transport::Tls { tls: options, .. } => rumqttc::Transport::Tls(tls(options)?),
        Transport::Ws { .. } => rumqttc::Transport::Ws,
        Transport::Wss { tls: options, .. } => rumqttc::Transport::Wss(tls(options)?),
        Transport::Unix { .. } => rumqttc::Transport::Unix,
    })
}

fn proxy(opts: &ConnectOptions) -> Option<rumqttc::Proxy> {
    let proxy = opts.proxy.as_ref()?;
    let auth = match &proxy.credentials {
        None => rumqttc::ProxyAuth::None,
        Some(c) => rumqttc::ProxyAuth::Basic {
            username: c.username.clone(),
            password: password(c).to_string(),
        },
    };
    Some(rumqttc::Proxy {
        ty: match proxy.kind {
            ProxyKind::Http => rumqttc::ProxyType::Http,
            ProxyKind::Socks5 => rumqttc::ProxyType::Socks5,
            ProxyKind::Socks5h => rumqttc::ProxyType::Socks5h,
        },
        auth,
        addr: proxy.host.clone(),
        port: proxy.port,
    })
}
