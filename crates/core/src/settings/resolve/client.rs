//! The client's side of the connection: its id (given, a prefix and the process id, or the
//! tool's name and a random suffix), the session, the keepalive and the connect timeout.
//! rumqttc panics on a keepalive under a second and on a persistent session without a client
//! id, so both are refused here first.

use std::time::Duration;

use crate::exit::Fail;
use crate::options::{random_suffix, Protocol, DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEEPALIVE};
use crate::settings::flags::ConnectArgs;
use crate::settings::origin::{setting, Setting};
use crate::tool::Tool;

/// The client as resolved, with the settings `--print-config` shows.
pub(super) struct Client {
    pub id: String,
    /// The id as `--print-config` shows it (`rpub-<random>`, `lab-<pid>`).
    pub shown_id: Setting<String>,
    pub clean_session: bool,
    pub keepalive: Setting<Duration>,
    pub connect_timeout: Setting<Duration>,
}

pub(super) fn resolve(args: &ConnectArgs, tool: Tool, protocol: Protocol) -> Result<Client, Fail> {
    let keepalive = keepalive(args, protocol)?;
    let (id, shown_id) = client_id(args, tool);
    if id.len() > 65_535 {
        return Err(Fail::usage("the client id is longer than 65,535 bytes"));
    }
    let c = &args.connection;
    if c.persistent && (c.id.is_none() || id.is_empty()) {
        return Err(Fail::usage(
            "-c/--disable-clean-session needs a client id (-i ID): the broker keeps the session under that id",
        ));
    }
    if args.mqtt5.session_expiry == Some(u32::MAX) && c.id.is_none() {
        // A random id would leave one more session that never expires on the broker per run.
        return Err(Fail::usage(
            "-x/--session-expiry inf needs a client id (-i ID), as mosquitto says: \
             \"You must provide a client id if you are using an infinite session expiry interval\"",
        ));
    }
    let connect_timeout = setting!(args.connection.connect_timeout)
        .unwrap_or_else(|| Setting::default_value(DEFAULT_CONNECT_TIMEOUT));
    if connect_timeout.value.is_zero() {
        return Err(connect_timeout.refuse("--connect-timeout", "must be longer than 0"));
    }
    Ok(Client {
        id,
        shown_id,
        clean_session: !c.persistent,
        keepalive,
        connect_timeout,
    })
}

/// MQTT carries the keepalive as whole seconds in two bytes; mosquitto refuses under 5 s.
fn keepalive(args: &ConnectArgs, protocol: Protocol) -> Result<Setting<Duration>, Fail> {
    let keepalive = setting!(args.connection.keepalive)
        .unwrap_or_else(|| Setting::default_value(DEFAULT_KEEPALIVE));
    let k = keepalive.value;
    let in_range = k.is_zero() || (k.subsec_nanos() == 0 && (5..=65_535).contains(&k.as_secs()));
    if !in_range {
        return Err(keepalive.refuse(
            "keepalive",
            format_args!(
                "{} is out of range: use 0 (off) or whole seconds from 5 to 65535",
                crate::duration::show(k)
            ),
        ));
    }
    if k.is_zero() && protocol == Protocol::V5 {
        // rumqttc's MQTT 5 client cannot turn the keepalive off.
        return Err(Fail::usage(
            "keepalive 0 (off) is not available with MQTT 5: use 5 s or more",
        ));
    }
    Ok(keepalive)
}

/// The client id, and how `--print-config` shows it.
fn client_id(args: &ConnectArgs, tool: Tool) -> (String, Setting<String>) {
    if let Some(id) = setting!(args.connection.id) {
        return (id.value.clone(), id);
    }
    match setting!(args.connection.id_prefix) {
        Some(prefix) => (
            format!("{}{}", prefix.value, std::process::id()),
            prefix.map(|p| format!("{p}<pid>")),
        ),
        None => (
            format!("{tool}-{}", random_suffix()),
            Setting::default_value(format!("{tool}-<random>")),
        ),
    }
}
