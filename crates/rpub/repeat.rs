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
use crate::publisher::{unless_stopped, Publisher};

/// `Plan::Once`, unless Ctrl+C came already.
pub async fn once(message: &Message, publisher: &mut Publisher) -> Result<(), Fail> {
    if publisher.stop.requested() {
        return Ok(());
    }
    let publish = &message.publish;
    let payload = message.payload.clone();
    let properties = Some(&publish.properties);
    publisher
        .publish(
            &publish.topic,
            payload,
            publish.qos,
            publish.retain,
            properties,
        )
        .await?;
    publisher.take_events()
}

/// `Plan::Repeat`; returns early (Ok) on Ctrl+C or when the session ends.
pub async fn run(repeat: &Repeat, publisher: &mut Publisher) -> Result<(), Fail> {
    let publish = &repeat.message.publish;
    let properties = Some(&publish.properties);
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
        // Without placeholders a message costs a reference count: this is the hot loop.
        let topic = match &repeat.topic {
            Some(t) => Cow::Owned(render_topic(t, index)?),
            None => Cow::Borrowed(publish.topic.as_str()),
        };
        let payload = match &repeat.text {
            Some(t) => Bytes::from(t.render(index)),
            None => repeat.message.payload.clone(),
        };
        let payload = publisher.outgoing(&topic, payload)?;
        // Not `Publisher::publish`: one layer of futures less per message.
        let len = payload.len();
        let taken = publisher.session.publish_with(
            &topic,
            payload,
            publish.qos,
            publish.retain,
            properties,
        );
        let Some(taken) = unless_stopped(&mut publisher.stop, taken).await else {
            return Ok(());
        };
        publisher.took(taken, &topic, publish.qos, len)?;
        publisher.take_events()?;
        index += 1;
    }
    Ok(())
}

/// Topic number `index` (from 0), checked: placeholders can make it too long.
fn render_topic(topic: &Template, index: u64) -> Result<String, Fail> {
    let rendered = topic.render(index);
    check_topic_name(&rendered).map_err(Fail::usage)?;
    Ok(rendered)
}
