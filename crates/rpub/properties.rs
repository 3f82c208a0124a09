//! The MQTT 5 properties every message of a run carries: `-D publish ...` (resolved with the
//! connection settings) with rpub's own property flags over it. A property given both ways
//! is refused (which should win is anybody's guess), and so is any of these flags over
//! MQTT 3.1.1, naming the flag. A request (`--wait-response`) gets what it needs on top
//! over MQTT 5.

use bytes::Bytes;

use rpubsub_core::exit::Fail;
use rpubsub_core::options::{random_suffix, ConnectOptions, Protocol};
use rpubsub_core::properties::PublishProperties;
use rpubsub_core::settings::Mqtt5Merge;
use rpubsub_core::topic::check_topic_name;

use crate::cli::Cli;

/// `-D publish ...` and the property flags, merged.
pub fn resolve(cli: &Cli, opts: &ConnectOptions) -> Result<PublishProperties, Fail> {
    let merge = Mqtt5Merge::new(opts.protocol);
    let mut p = opts.mqtt5.publish.clone();
    let users = &cli.mqtt5.user_property;
    merge.add(&mut p.user_properties, users, "--user-property")?;
    let (slot, value) = (&mut p.content_type, cli.mqtt5.content_type.clone());
    merge.once(slot, value, "--content-type", "the content type")?;
    let (slot, value) = (&mut p.payload_format, cli.mqtt5.payload_format);
    merge.once(slot, value, "--payload-format", "the payload format")?;
    let (slot, value) = (&mut p.message_expiry, cli.mqtt5.message_expiry);
    merge.once(slot, value, "--message-expiry", "the message expiry")?;
    // Over MQTT 3.1.1 a request's --response-topic is only where to listen (plan.rs).
    let listens_only = cli.mqtt5.wait_response.is_some() && opts.protocol != Protocol::V5;
    let value = cli.mqtt5.response_topic.clone().filter(|_| !listens_only);
    let slot = &mut p.response_topic;
    merge.once(slot, value, "--response-topic", "the response topic")?;
    let data = cli
        .mqtt5
        .correlation_data
        .as_ref()
        .map(|d| Bytes::from(d.clone()));
    let slot = &mut p.correlation_data;
    merge.once(slot, data, "--correlation-data", "the correlation data")?;
    let (slot, value) = (&mut p.topic_alias, cli.mqtt5.topic_alias);
    merge.once(slot, value, "--topic-alias", "the topic alias")?;
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
