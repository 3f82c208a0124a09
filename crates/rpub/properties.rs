//! The MQTT 5 properties every message of a run carries: `-D publish ...` (resolved with the
//! connection settings) with rpub's own property flags over it. A property given both ways
//! is refused (which should win is anybody's guess), and so is any of these flags over
//! MQTT 3.1.1, naming the flag. A request (`--wait-response`) gets what it needs on top.

use bytes::Bytes;

use rpubsub_core::exit::Fail;
use rpubsub_core::options::{random_suffix, ConnectOptions};
use rpubsub_core::properties::{set_once, PublishProperties};
use rpubsub_core::topic::check_topic_name;

use crate::cli::Cli;

/// `-D publish ...` and the property flags, merged.
pub fn resolve(cli: &Cli, opts: &ConnectOptions) -> Result<PublishProperties, Fail> {
    let given = [
        ("--user-property", !cli.user_property.is_empty()),
        ("--content-type", cli.content_type.is_some()),
        ("--payload-format", cli.payload_format.is_some()),
        ("--message-expiry", cli.message_expiry.is_some()),
        ("--response-topic", cli.response_topic.is_some()),
        ("--correlation-data", cli.correlation_data.is_some()),
        ("--topic-alias", cli.topic_alias.is_some()),
        ("--wait-response", cli.wait_response.is_some()),
    ];
    for (flag, _) in given.iter().filter(|(_, given)| *given) {
        opts.require_mqtt5(flag)?;
    }
    let mut p = opts.mqtt5.publish.clone();
    p.user_properties.extend(cli.user_property.iter().cloned());
    once(
        &mut p.content_type,
        cli.content_type.clone(),
        "the content type",
    )?;
    once(
        &mut p.payload_format,
        cli.payload_format,
        "the payload format",
    )?;
    once(
        &mut p.message_expiry,
        cli.message_expiry,
        "the message expiry",
    )?;
    once(
        &mut p.response_topic,
        cli.response_topic.clone(),
        "the response topic",
    )?;
    let correlation = cli
        .correlation_data
        .as_ref()
        .map(|d| Bytes::from(d.clone()));
    once(&mut p.correlation_data, correlation, "the correlation data")?;
    once(&mut p.topic_alias, cli.topic_alias, "the topic alias")?;
    if let Some(topic) = &p.response_topic {
        check_topic_name(topic).map_err(|e| Fail::usage(format!("response topic: {e}")))?;
    }
    Ok(p)
}

/// Fill in what a request needs and the user left out: a response topic of its own and
/// correlation data that no other request of this or another rpub carries.
pub fn for_request(properties: &mut PublishProperties, client_id: &str) {
    if properties.response_topic.is_none() {
        properties.response_topic = Some(format!("rpub/response/{client_id}/{}", random_suffix()));
    }
    if properties.correlation_data.is_none() {
        properties.correlation_data = Some(Bytes::from(random_suffix()));
    }
}

/// A property's flag over what `-D` put in `slot`: both is an error.
fn once<T>(slot: &mut Option<T>, flag: Option<T>, what: &str) -> Result<(), Fail> {
    set_once(slot, flag, what).map_err(|e| Fail::usage(format!("{e} (by its flag and by -D)")))
}
