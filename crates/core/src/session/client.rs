//! The session's handle on the event loop, for either protocol: the one place that picks the
//! protocol of a request. Everything it queues is protocol-neutral ([`Request`]); each
//! protocol file turns it into its client's call.

use super::protocol::{v4::V4, v5::V5, Publish, Refused, Request, Wire};
use crate::exit::Fail;

pub enum Client {
    V4(<V4 as Wire>::Client),
    V5(<V5 as Wire>::Client),
}

impl Client {
    /// Queue a request, waiting for room; `false` when the event loop is gone.
    pub async fn send(&self, request: Request<'_>) -> bool {
        match self {
            Client::V4(client) => V4::send(client, request).await,
            Client::V5(client) => V5::send(client, request).await,
        }
    }

    /// Queue a PUBLISH if there is room.
    pub fn try_publish(&self, publish: Publish<'_>) -> Result<(), Refused> {
        match self {
            Client::V4(client) => V4::try_publish(client, publish),
            Client::V5(client) => V5::try_publish(client, publish),
        }
    }

    /// Refuse `what` (when `asked`) on a protocol that cannot carry it: MQTT 5's properties
    /// and subscription options have no place in an MQTT 3.1.1 packet, and dropping them
    /// silently would send something else than was asked.
    pub fn needs_mqtt5(&self, asked: bool, what: &str) -> Result<(), Fail> {
        let carried = match self {
            Client::V4(_) => V4::MQTT5_EXTRAS,
            Client::V5(_) => V5::MQTT5_EXTRAS,
        };
        if asked && !carried {
            return Err(Fail::usage(format!("{what} need -V mqttv5")));
        }
        Ok(())
    }
}
