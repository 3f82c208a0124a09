//! A received PUBLISH in the project's own terms, the same for MQTT 3.1.1 and MQTT 5: what
//! rsub prints, `--json` encodes and rpub's `--wait-response` reads.
//!
//! A module of its own, below the session, so that the output formats and the JSON codec
//! depend on nothing above a message.

use bytes::Bytes;

use crate::properties::PublishProperties;
use crate::qos::Qos;

/// A received PUBLISH.
#[derive(Debug, Clone)]
pub struct Message {
    /// Topic bytes as they came (MQTT 5 topics are bytes in rumqttc).
    pub topic: Bytes,
    pub payload: Bytes,
    pub qos: Qos,
    pub retain: bool,
    pub dup: bool,
    /// The packet id the broker gave it (0 for QoS 0); rsub's `-F %m`.
    pub pkid: u16,
    /// MQTT 5 properties, when the message carried any.
    pub properties: Option<Box<PublishProperties>>,
}
