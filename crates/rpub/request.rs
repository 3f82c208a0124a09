//! `--wait-response`: MQTT 5 request/response, as mosquitto_rr does it. rpub subscribes to
//! the response topic first (so a quick answer cannot be missed), publishes the request with
//! that response topic and correlation data, prints the payload of the first message on the
//! response topic that carries the same correlation data, and exits 0. No answer in time
//! exits 27, like `rsub -W`.
//!
//! The response subscription is "no local": with the request and response on one topic rpub
//! must not take its own request for the answer.

use std::io::Write;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use rpubsub_core::duration::show;
use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::options::random_suffix;
use rpubsub_core::properties::{PublishProperties, SubscribeOptions};
use rpubsub_core::qos::Qos;
use rpubsub_core::session::{Event, Incoming, Session};
use rpubsub_core::stop::Stop;

use crate::tracker::Tracker;

/// Fill in what a request needs and the user left out: a response topic of its own and
/// correlation data that no other request of this or another rpub carries.
pub fn prepare(properties: &mut PublishProperties, client_id: &str) {
    if properties.response_topic.is_none() {
        properties.response_topic = Some(format!("rpub/response/{client_id}/{}", random_suffix()));
    }
    if properties.correlation_data.is_none() {
        properties.correlation_data = Some(Bytes::from(random_suffix()));
    }
}

/// What the request is.
pub struct Request<'a> {
    pub topic: &'a str,
    pub payload: Bytes,
    pub qos: u8,
    pub retain: bool,
    pub properties: &'a PublishProperties,
    pub wait: Duration,
}

/// Subscribe, publish, wait for the answer and print it. `Ok(Exit::Ok)` once answered and
/// the request is acknowledged, or refused (the tracker holds the refusal);
/// `Ok(Exit::Interrupted)` on Ctrl+C; an [`Exit::Timeout`] error when no answer came.
pub async fn run(
    req: Request<'_>,
    session: &mut Session,
    tracker: &mut Tracker,
    stop: &mut Stop,
) -> anyhow::Result<Exit> {
    let (Some(response_topic), Some(correlation)) = (
        req.properties.response_topic.as_deref(),
        req.properties.correlation_data.as_ref(),
    ) else {
        return Err(Fail::usage("a request needs a response topic and correlation data").into());
    };
    let options = SubscribeOptions {
        no_local: true,
        ..SubscribeOptions::default()
    };
    let subscription = [(
        response_topic.to_string(),
        Qos::from_u8(req.qos).unwrap_or_default(),
    )];
    session.subscribe(&subscription, &options).await?;
    loop {
        match session.next_event().await {
            Some(Event::SubAck { results, .. }) => {
                if let Some(Err(reason)) = results.first() {
                    return Err(Fail::new(
                        Exit::Rejected,
                        format!("subscription to the response topic '{response_topic}' rejected: {reason}"),
                    )
                    .into());
                }
                break;
            }
            Some(event) => tracker.handle(event)?,
            None => return Err(Fail::new(Exit::ConnectionLost, "connection lost").into()),
        }
    }

    let len = req.payload.len();
    let seq = session
        .publish_with(
            req.topic,
            req.payload,
            Qos::from_u8(req.qos).unwrap_or_default(),
            req.retain,
            Some(req.properties),
        )
        .await?;
    tracker.queued(seq, req.topic, req.qos, len);

    let deadline = Instant::now() + req.wait;
    let mut answered = false;
    while !answered || tracker.outstanding() > 0 {
        // A refused request gets no answer: stop waiting, the verdict says why.
        if tracker.rejected > 0 {
            return Ok(Exit::Ok);
        }
        tokio::select! {
            biased;
            _ = stop.wait() => return Ok(Exit::Interrupted),
            _ = tokio::time::sleep_until(deadline), if !answered => {
                return Err(Fail::new(
                    Exit::Timeout,
                    format!("no response on '{response_topic}' within {}", show(req.wait)),
                )
                .into());
            }
            next = session.next() => match next {
                // A new session after a reconnect has forgotten the response subscription.
                Some(Incoming::Event(Event::Reconnected { session_present: false })) => {
                    session.subscribe(&subscription, &options).await?;
                }
                Some(Incoming::Event(event)) => tracker.handle(event)?,
                Some(Incoming::Message(message)) => {
                    let matches = message.topic == response_topic.as_bytes()
                        && message
                            .properties
                            .as_ref()
                            .and_then(|p| p.correlation_data.as_ref())
                            == Some(correlation);
                    if matches && !answered {
                        answered = true;
                        print(&message.payload)?;
                    }
                }
                None => return Err(Fail::new(Exit::ConnectionLost, "connection lost").into()),
            },
        }
    }
    Ok(Exit::Ok)
}

/// The answer's payload, byte for byte, and a newline.
fn print(payload: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(payload)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                anyhow::Error::from(e)
            } else {
                Fail::new(
                    Exit::Failure,
                    format!("writing output: {}", rpubsub_core::io_error_text(&e)),
                )
                .into()
            }
        })
}
