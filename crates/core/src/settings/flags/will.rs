//! The will message the broker publishes if the client vanishes without a DISCONNECT. Its
//! MQTT 5 properties are with the other MQTT 5 flags (`mqtt5.rs`).

use clap::builder::TypedValueParser;
use clap::Args;

use crate::qos::Qos;

#[derive(Debug, Clone, Default, Args)]
#[group(skip)]
pub struct WillArgs {
    /// Topic of the will message the broker publishes if this client vanishes
    #[arg(long, value_name = "TOPIC")]
    pub will_topic: Option<String>,

    /// Payload of the will message [default: empty]
    #[arg(long, value_name = "PAYLOAD", requires = "will_topic")]
    pub will_payload: Option<String>,

    /// QoS of the will message
    #[arg(long, value_name = "QOS", default_value_t = Qos::AtMostOnce, requires = "will_topic",
          allow_negative_numbers = true,
          value_parser = clap::value_parser!(u8).range(0..=2).try_map(qos))]
    pub will_qos: Qos,

    /// Retain the will message
    #[arg(long, requires = "will_topic")]
    pub will_retain: bool,
}

/// The range is checked by clap first (its message names the range), so every number that
/// gets here is a QoS.
fn qos(n: u8) -> Result<Qos, String> {
    Qos::from_u8(n).ok_or_else(|| format!("{n} is not in 0..=2"))
}
