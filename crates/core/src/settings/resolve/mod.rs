//! From the connection flags (the config file already merged in by `cli::parse`) to checked
//! [`ConnectOptions`], in stages: the protocol, the broker and its transport, the proxy, the
//! credentials, the client id and session, the will, MQTT 5, and the report for
//! `--print-config`.
//!
//! Everything a user can get wrong about connecting is caught here with one clear line and
//! exit status 2, before a socket is opened: rumqttc panics on some of these (a keepalive
//! under a second, a persistent session without a client id) and silently drops others
//! (an empty password). A mistake in a value from the config file names its file, line and
//! key ([`Setting::refuse`]).

mod broker;
mod client;
mod credentials;
mod mqtt5;
mod proxy;
mod will;

use clap::ValueEnum;

use self::broker::Broker;
use self::client::Client;
use self::credentials::Login;
use crate::exit::Fail;
use crate::options::{
    ConnectOptions, Protocol, Proxy, Reconnect, Transport, INFLIGHT_QOS1, INFLIGHT_QOS2,
};
use crate::qos::Qos;
use crate::settings::flags::{ConnectArgs, ProtocolArg};
use crate::settings::origin::{setting, Origin, Setting};
use crate::settings::report::Report;
use crate::tool::Tool;

impl ConnectOptions {
    /// Resolve and check the shared flags. `tool` names the default client id and picks the
    /// `-D` commands; `publishes` is the highest QoS the tool may publish at, which sets the
    /// in-flight window.
    pub fn from_args(
        args: &ConnectArgs,
        tool: Tool,
        publishes: Qos,
    ) -> Result<ConnectOptions, Fail> {
        if let Some(refused) = args.tls_openssl.refusal() {
            return Err(refused);
        }
        let url = broker::url(args)?;
        let protocol = protocol(args)?;
        let broker = Broker::resolve(args, url.as_ref())?;
        let proxy = proxy::resolve(args, &broker.transport)?;
        let login = credentials::resolve(args, url.as_ref())?;
        let client = client::resolve(args, tool, protocol.value)?;
        let will = will::resolve(args)?;
        let mqtt5 = mqtt5::resolve(args, tool, protocol.value, will.is_some())?;
        let shown = Shown {
            protocol: &protocol,
            broker: &broker,
            proxy: proxy.as_ref(),
            login: &login,
            client: &client,
        };
        // Only --print-config shows it: a run that connects does not build it.
        let report = if args.config.print_config {
            shown.report(args)
        } else {
            Report::default()
        };
        let bind_address = bind_address(args, &broker.transport)?;
        Ok(ConnectOptions {
            tool,
            protocol: protocol.value,
            transport: broker.transport,
            client_id: client.id,
            keepalive: client.keepalive.value,
            clean_session: client.clean_session,
            credentials: login.credentials,
            will,
            connect_timeout: client.connect_timeout.value,
            reconnect: Reconnect {
                enabled: !args.reconnect.no_reconnect,
                max: args.reconnect.reconnect_max,
            },
            debug: args.diagnostics.debug,
            quiet: args.diagnostics.quiet,
            inflight: match publishes {
                Qos::ExactlyOnce => INFLIGHT_QOS2,
                Qos::AtMostOnce | Qos::AtLeastOnce => INFLIGHT_QOS1,
            },
            url_topic: broker.url_topic,
            proxy: proxy.map(|p| p.value),
            bind_address,
            mqtt5,
            report,
        })
    }
}

/// `-V`, MQTT 3.1.1 by default.
fn protocol(args: &ConnectArgs) -> Result<Setting<Protocol>, Fail> {
    let Some(given) = setting!(args.connection.protocol) else {
        return Ok(Setting::default_value(Protocol::V311));
    };
    Ok(given.map(|p| match p {
        ProtocolArg::V31 => Protocol::V31,
        ProtocolArg::V311 => Protocol::V311,
        ProtocolArg::V5 => Protocol::V5,
    }))
}

/// `-A`: a TCP socket's local address; a Unix socket has none to bind.
fn bind_address(
    args: &ConnectArgs,
    transport: &Transport,
) -> Result<Option<std::net::IpAddr>, Fail> {
    let address = args.socket.bind_address;
    if address.is_some() && matches!(transport, Transport::Unix { .. }) {
        return Err(Fail::usage(
            "-A/--bind-address binds a TCP socket: a Unix socket (--unix) has no address to bind",
        ));
    }
    Ok(address)
}

/// A value's name as its flag takes it (`mqttv5`, `tlsv1.3`).
fn name(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// What the stages resolved that `--print-config` shows.
struct Shown<'a> {
    protocol: &'a Setting<Protocol>,
    broker: &'a Broker,
    proxy: Option<&'a Setting<Proxy>>,
    login: &'a Login,
    client: &'a Client,
}

impl Shown<'_> {
    /// The settings in effect, in the config file's terms, each with where it came from.
    fn report(&self, args: &ConnectArgs) -> Report {
        let mut report = Report {
            config: args.provenance.config.clone(),
            options: args.provenance.options.clone(),
            ..Report::default()
        };
        let default = Origin::Default;
        let origin = |s: Option<&Origin>| s.unwrap_or(&default).clone();
        let transport = &self.broker.transport;
        match transport {
            Transport::Unix { path } => {
                let unix = setting!(args.tls.unix).map(|s| s.origin);
                report.set("unix", path.display(), &origin(unix.as_ref()));
            }
            _ => {
                let host = self.broker.host.as_ref().map(|h| &h.origin);
                report.set("host", transport.host(), &origin(host));
                let port = self.broker.port.as_ref().map(|p| &p.origin);
                let number = transport.port().map_or("-".to_string(), |p| p.to_string());
                report.set("port", number, &origin(port));
            }
        }
        report.maybe("username", self.login.username.as_ref());
        let password = self.login.password.as_ref().map(|p| {
            let file = self.login.password_file.as_ref();
            let note = file.map_or(String::new(), |f| format!(" (from {})", f.display()));
            Setting::new(format!("***{note}"), p.origin.clone())
        });
        report.maybe("password", password.as_ref());
        let client = self.client;
        report.setting("id", &client.shown_id);
        let protocol = match self.protocol.value {
            Protocol::V31 => ProtocolArg::V31,
            Protocol::V311 => ProtocolArg::V311,
            Protocol::V5 => ProtocolArg::V5,
        };
        report.setting(
            "protocol-version",
            &self.protocol.clone().map(|_| name(protocol)),
        );
        let duration = |s: &Setting<std::time::Duration>| s.clone().map(crate::duration::show);
        report.setting("keepalive", &duration(&client.keepalive));
        report.setting("connect-timeout", &duration(&client.connect_timeout));
        self.report_tls(&mut report);
        let proxy = self
            .proxy
            .map(|p| Setting::new(proxy::shown(&p.value), p.origin.clone()));
        report.maybe("proxy", proxy.as_ref());
        report
    }

    fn report_tls(&self, report: &mut Report) {
        let tls = &self.broker.tls;
        for (key, file) in [
            ("cafile", &tls.cafile),
            ("capath", &tls.capath),
            ("cert", &tls.cert),
            ("key", &tls.key),
        ] {
            let shown = file.clone().map(|f| f.map(|p| p.display().to_string()));
            report.maybe(key, shown.as_ref());
        }
        let version = tls.version.clone().map(|v| v.map(name));
        report.maybe("tls-version", version.as_ref());
    }
}

#[cfg(test)]
mod tests;
