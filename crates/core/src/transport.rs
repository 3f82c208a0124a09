//! From [`Transport`] and `--proxy` to rumqttc's options, the same way for its MQTT 3.1.1 and
//! MQTT 5 clients: broker address, TLS configuration, WebSocket URL, Unix socket, HTTP proxy.
//!
//! rumqttc reads the broker address differently per transport: a host for TCP and TLS (also
//! the name the certificate must carry), the whole URL for WebSockets, the socket path for a
//! Unix socket.

use crate::exit::{Exit, Fail};
use crate::options::{ConnectOptions, Transport};

/// The MQTT 3.1.1 options for `opts`, with the transport and proxy set.
pub fn mqtt_options_v4(opts: &ConnectOptions) -> Result<rumqttc::MqttOptions, Fail> {
    let (addr, port) = broker_addr(&opts.transport);
    let mut mo = rumqttc::MqttOptions::new(&opts.client_id, addr, port);
    mo.set_transport(transport(&opts.transport)?);
    if let Some(proxy) = proxy(opts) {
        mo.set_proxy(proxy);
    }
    Ok(mo)
}

/// The MQTT 5 options for `opts`, with the transport and proxy set.
pub fn mqtt_options_v5(opts: &ConnectOptions) -> Result<rumqttc::v5::MqttOptions, Fail> {
    let (addr, port) = broker_addr(&opts.transport);
    let mut mo = rumqttc::v5::MqttOptions::new(&opts.client_id, addr, port);
    mo.set_transport(transport(&opts.transport)?);
    if let Some(proxy) = proxy(opts) {
        mo.set_proxy(proxy);
    }
    Ok(mo)
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
            password: c
                .password
                .as_ref()
                .map(|p| p.expose().to_string())
                .unwrap_or_default(),
        },
    };
    Some(rumqttc::Proxy {
        ty: rumqttc::ProxyType::Http,
        auth,
        addr: proxy.host.clone(),
        port: proxy.port,
    })
}

/// A second look at a plain connection the broker closed before CONNACK: if the port speaks
/// TLS, say so (exit 5) instead of leaving the user to guess.
pub fn diagnose(opts: &ConnectOptions, fail: Fail) -> Fail {
    let Transport::Tcp { host, port } = &opts.transport else {
        return fail;
    };
    let closed = fail.exit == Exit::Unreachable && fail.message.contains("closed the connection");
    if closed && opts.proxy.is_none() && crate::tls::port_speaks_tls(host, *port) {
        return Fail::new(
            Exit::Tls,
            format!(
                "{} speaks TLS, not plain MQTT: give its CA with --cafile FILE (or use -L mqtts://)",
                opts.transport.address()
            ),
        );
    }
    fail
}
