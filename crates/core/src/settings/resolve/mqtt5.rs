//! The MQTT 5 settings of the session: every `-D`, with the MQTT 5 connection flags merged in
//! (`merge.rs`). Any of it with MQTT 3.1.1 is refused, naming the flag, and so is a session
//! expiry at DISCONNECT that MQTT 5 forbids.

use bytes::Bytes;

use crate::exit::Fail;
use crate::options::{Mqtt5Options, Protocol};
use crate::properties::{
    check_user_properties, ConnectProperties, DisconnectProperties, WillProperties,
};
use crate::settings::flags::{ConnectArgs, Mqtt5Args};
use crate::settings::merge::Mqtt5Merge;
use crate::tool::Tool;
use crate::topic::check_topic_name;

pub(super) fn resolve(
    args: &ConnectArgs,
    tool: Tool,
    protocol: Protocol,
    has_will: bool,
) -> Result<Mqtt5Options, Fail> {
    let a = &args.mqtt5;
    let merge = Mqtt5Merge::new(protocol);
    if let Some(words) = a.property.occurrences.first() {
        let named: Vec<&str> = words.iter().take(2).map(String::as_str).collect();
        merge.flag(true, &format!("-D {}", named.join(" ")))?;
    }
    let defined = Mqtt5Options::parse_all(&a.property.occurrences, tool.property_commands())
        .map_err(Fail::usage)?;
    if !has_will && !defined.will.is_empty() {
        return Err(Fail::usage(
            "-D will: there is no will message to carry the property; add --will-topic",
        ));
    }
    let connect = connect(&merge, a, defined.connect)?;
    let persistent = args.connection.persistent;
    check_disconnect(&defined.disconnect, &connect, persistent)?;
    let options = Mqtt5Options {
        connect,
        will: will(&merge, a, defined.will)?,
        ..defined
    };
    check_lengths(&options).map_err(Fail::usage)?;
    Ok(options)
}

/// Every text and user property of every packet checked against its 2-byte length before
/// anything is encoded (the publish's own, rpub checks with its flags merged in).
fn check_lengths(o: &Mqtt5Options) -> Result<(), String> {
    o.connect.check_lengths()?;
    o.will.check_lengths()?;
    check_user_properties("SUBSCRIBE ", &o.subscribe.user_properties)?;
    check_user_properties("UNSUBSCRIBE ", &o.unsubscribe_user_properties)?;
    check_user_properties("DISCONNECT ", &o.disconnect.user_properties)
}

/// MQTT 5, 3.14.2.2.2: a session that CONNECT said ends with the connection (expiry 0: no
/// `-x` and no `-c`, or `-x 0`) cannot be given a lifetime at DISCONNECT. The broker would
/// take it as a protocol error and end the session all the same.
fn check_disconnect(
    disconnect: &DisconnectProperties,
    connect: &ConnectProperties,
    persistent: bool,
) -> Result<(), Fail> {
    let at_connect = connect
        .session_expiry
        .unwrap_or(if persistent { u32::MAX } else { 0 });
    match disconnect.session_expiry {
        Some(later) if later > 0 && at_connect == 0 => Err(Fail::usage(format!(
            "-D disconnect session-expiry-interval {later}: the session ends with the connection \
             (session expiry 0 at CONNECT), and MQTT 5 forbids giving it a lifetime at DISCONNECT: \
             add -x (or -c) to keep it"
        ))),
        _ => Ok(()),
    }
}

/// The CONNECT properties: `-D connect ...` and their flags.
fn connect(
    merge: &Mqtt5Merge,
    a: &Mqtt5Args,
    mut p: ConnectProperties,
) -> Result<ConnectProperties, Fail> {
    merge.once(
        &mut p.session_expiry,
        a.session_expiry,
        "-x/--session-expiry",
        "the session expiry",
    )?;
    merge.once(
        &mut p.receive_maximum,
        a.receive_maximum,
        "--receive-maximum",
        "the receive maximum",
    )?;
    merge.once(
        &mut p.maximum_packet_size,
        a.maximum_packet_size,
        "--maximum-packet-size",
        "the maximum packet size",
    )?;
    merge.add(
        &mut p.user_properties,
        &a.connect_user_property,
        "--connect-user-property",
    )?;
    Ok(p)
}

/// The will's properties: `-D will ...` and their flags.
fn will(merge: &Mqtt5Merge, a: &Mqtt5Args, mut p: WillProperties) -> Result<WillProperties, Fail> {
    merge.once(
        &mut p.delay_interval,
        a.will_delay,
        "--will-delay",
        "the will delay",
    )?;
    merge.once(
        &mut p.message_expiry,
        a.will_message_expiry,
        "--will-message-expiry",
        "the will message expiry",
    )?;
    merge.once(
        &mut p.content_type,
        a.will_content_type.clone(),
        "--will-content-type",
        "the will content type",
    )?;
    merge.once(
        &mut p.payload_format,
        a.will_payload_format,
        "--will-payload-format",
        "the will payload format",
    )?;
    merge.once(
        &mut p.response_topic,
        a.will_response_topic.clone(),
        "--will-response-topic",
        "the will response topic",
    )?;
    let data = a
        .will_correlation_data
        .clone()
        .map(|d| Bytes::from(d.into_bytes()));
    merge.once(
        &mut p.correlation_data,
        data,
        "--will-correlation-data",
        "the will correlation data",
    )?;
    merge.add(
        &mut p.user_properties,
        &a.will_user_property,
        "--will-user-property",
    )?;
    if let Some(topic) = &p.response_topic {
        check_topic_name(topic).map_err(|e| Fail::usage(format!("will response topic: {e}")))?;
    }
    Ok(p)
}
