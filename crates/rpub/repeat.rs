//! One message (`Plan::Once`, handed over as the connection opens), or the same message
//! `--repeat` times or until Ctrl+C, `--interval` apart, with its placeholders expanded for
//! each (`Plan::Repeat`). This is the hot loop of a bulk publish: per message, at most two
//! renders, a publish and a look at the events already waiting.

use std::borrow::Cow;

use bytes::Bytes;
use tokio::time::Instant;

use rpubsub_core::exit::Fail;
use rpubsub_core::options::ConnectOptions;
use rpubsub_core::session::{Publish, Session};
use rpubsub_core::start;
use rpubsub_core::stop::Stop;
use rpubsub_core::topic::check_topic_name;

use crate::placeholders::Template;
use crate::plan::{Message, Repeat};
use crate::publisher::{unless_stopped, Publisher};
use crate::stamp::Stamper;
use crate::tracker::Tracker;

/// `Plan::Once`: connect with the message handed over at once, so that over MQTT 3.1.1 it
/// goes out with CONNECT, a round trip sooner (`Session::connect_publishing`); `None` when
/// Ctrl+C came first. With the session and the stop request comes what the tracker must
/// count: the message's sequence number and its payload's length.
pub async fn connect_once<'a>(
    message: &'a Message,
    opts: &ConnectOptions,
    stamper: Option<&mut Stamper>,
) -> Result<Option<(Session, Stop, Once<'a>)>, Fail> {
    let publish = &message.publish;
    let payload = match stamper {
        Some(stamper) => stamper.stamp(&publish.topic, &message.payload)?,
        None => message.payload.clone(),
    };
    let len = payload.len();
    let first = Publish {
        topic: &publish.topic,
        payload,
        qos: publish.qos,
        retain: publish.retain,
        properties: Some(&publish.properties),
    };
    let connected = start::connect_publishing(opts, first).await?;
    Ok(connected.map(|((session, seq), stop)| (session, stop, Once { message, seq, len })))
}

/// The message of `Plan::Once`, handed over with the connection: its sequence number and
/// payload length (stamped, it is longer than the plan's).
pub struct Once<'a> {
    message: &'a Message,
    seq: u64,
    len: usize,
}

impl Once<'_> {
    /// Count it, as every publish handed over is counted.
    pub fn count(&self, tracker: &mut Tracker) {
        let publish = &self.message.publish;
        tracker.queued(self.seq, &publish.topic, publish.qos, self.len);
    }
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
