//! MQTT 5 PUBLISH properties in one protocol-neutral struct: what rsub shows and what rpub
//! sends. MQTT 3.1.1 messages simply have none.

use bytes::Bytes;
use rumqttc::v5::mqttbytes::v5 as v5b;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishProperties {
    /// 0: unspecified bytes, 1: UTF-8 text.
    pub payload_format: Option<u8>,
    /// Seconds the broker keeps the message for subscribers.
    pub message_expiry: Option<u32>,
    pub topic_alias: Option<u16>,
    pub response_topic: Option<String>,
    pub correlation_data: Option<Bytes>,
    pub user_properties: Vec<(String, String)>,
    pub subscription_ids: Vec<usize>,
    pub content_type: Option<String>,
}

impl PublishProperties {
    pub fn is_empty(&self) -> bool {
        *self == PublishProperties::default()
    }

    /// From a received MQTT 5 PUBLISH; `None` when it carried no properties.
    pub fn from_v5(props: Option<v5b::PublishProperties>) -> Option<Box<PublishProperties>> {
        let p = props?;
        let out = PublishProperties {
            payload_format: p.payload_format_indicator,
            message_expiry: p.message_expiry_interval,
            topic_alias: p.topic_alias,
            response_topic: p.response_topic,
            correlation_data: p.correlation_data,
            user_properties: p.user_properties,
            subscription_ids: p.subscription_identifiers,
            content_type: p.content_type,
        };
        (!out.is_empty()).then(|| Box::new(out))
    }

    /// For an outgoing MQTT 5 PUBLISH.
    pub fn to_v5(&self) -> v5b::PublishProperties {
        v5b::PublishProperties {
            payload_format_indicator: self.payload_format,
            message_expiry_interval: self.message_expiry,
            topic_alias: self.topic_alias,
            response_topic: self.response_topic.clone(),
            correlation_data: self.correlation_data.clone(),
            user_properties: self.user_properties.clone(),
            subscription_identifiers: self.subscription_ids.clone(),
            content_type: self.content_type.clone(),
        }
    }
}
