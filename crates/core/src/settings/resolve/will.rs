//! The will message, from its flags; its MQTT 5 properties are merged with the others
//! (`mqtt5.rs`).

use bytes::Bytes;

use crate::exit::Fail;
use crate::options::Will;
use crate::settings::flags::ConnectArgs;
use crate::topic::check_topic_name;

pub(super) fn resolve(args: &ConnectArgs) -> Result<Option<Will>, Fail> {
    let w = &args.will;
    let Some(topic) = &w.will_topic else {
        return Ok(None);
    };
    check_topic_name(topic).map_err(|e| Fail::usage(format!("--will-topic: {e}")))?;
    let payload = w.will_payload.as_deref().unwrap_or_default();
    crate::field_length::check("the will payload (--will-payload)", payload.len())
        .map_err(Fail::usage)?;
    Ok(Some(Will {
        topic: topic.clone(),
        payload: Bytes::from(w.will_payload.clone().unwrap_or_default()),
        qos: w.will_qos,
        retain: w.will_retain,
    }))
}
