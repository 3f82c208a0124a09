//! One message (`Plan::Once`), or the same message `--repeat` times or until Ctrl+C,
//! `--interval` apart, with its placeholders expanded for each (`Plan::Repeat`). This is the
//! hot loop of a bulk publish: per message, at most two renders, a publish and a look at the
//! events already waiting.

use std::borrow::Cow;

use bytes::Bytes;
use tokio::time::Instant;

use rpubsub_core::exit::Fail;
use rpubsub_core::topic::check_topic_name;

use crate::placeholders::Template;
use crate::plan::{Message, Repeat};
use crate::publisher::Publisher;

/// `Plan::Once`, unless Ctrl+C came already.
pub async fn once(message: &Message, publisher: &mut Publisher) -> Result<(), Fail> {
    if publisher.stop.requested() {
        return Ok(());
    }
    send(message, 0, None, None, publisher).await?;
    publisher.take_events()
}

/// `Plan::Repeat`; returns early (Ok) on Ctrl+C or when the session ends.
pub async fn run(repeat: &Repeat, publisher: &mut Publisher) -> Result<(), Fail> {
    let mut next = Instant::now();
    let mut index: u64 = 0;
    while repeat.times.is_none_or(|times| index < times) {
        if index > 0 && !repeat.interval.is_zero() {
            next += repeat.interval;
            if publisher.pause_until(next).await?.is_break() {
                return Ok(());
            }
        }
        if publisher.stop.requested() {
            return Ok(());
        }
        let (topic, text) = (repeat.topic.as_ref(), repeat.text.as_ref());
        send(&repeat.message, index, topic, text, publisher).await?;
        publisher.take_events()?;
        index += 1;
    }
    Ok(())
}

/// Message number `index` (from 0), its topic and text rendered when they have placeholders.
async fn send(
    message: &Message,
    index: u64,
    topic: Option<&Template>,
    text: Option<&Template>,
    publisher: &mut Publisher,
) -> Result<(), Fail> {
    let publish = &message.publish;
    let topic = match topic {
        Some(t) => {
            let rendered = t.render(index);
            check_topic_name(&rendered).map_err(Fail::usage)?;
            Cow::Owned(rendered)
        }
        None => Cow::Borrowed(publish.topic.as_str()),
    };
    let payload = match text {
        Some(t) => Bytes::from(t.render(index)),
        None => message.payload.clone(),
    };
    let properties = Some(&publish.properties);
    publisher
        .publish(&topic, payload, publish.qos, publish.retain, properties)
        .await
}
