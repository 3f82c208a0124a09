//! `--wait-response`: request/response, as mosquitto_rr does it. rpub subscribes to the
//! response topic first (so a quick answer cannot be missed), publishes the request (over
//! MQTT 5 with that response topic and correlation data), prints the payload of the first
//! message on the response topic, and exits 0. No answer in time exits 27, like `rsub -W`.
//! An answer that carries correlation data must carry the request's; one without any is
//! taken, as mosquitto_rr takes it (a responder of a few lines often sends none, and MQTT
//! 3.1.1 has none to send).
//!
//! Over MQTT 5 the response subscription is "no local": with the request and response on
//! one topic rpub must not take its own request for the answer.

use std::io::Write;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use rpubsub_core::duration::show;
use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::properties::SubscribeOptions;
use rpubsub_core::qos::Qos;
use rpubsub_core::session::{Event, Incoming, Message};

use crate::plan::Request;
use crate::publisher::Publisher;

/// Subscribe, publish, wait for the answer and print it. `Ok` once answered and the request
/// is acknowledged, or refused (the tracker holds the refusal), or on Ctrl+C; an
/// [`Exit::Timeout`] error when no answer came. No answer, or a refused response
/// subscription, leaves the connection fine: rpub still leaves cleanly then.
pub async fn run(request: &Request, publisher: &mut Publisher) -> Result<(), Fail> {
    let asked = ask(request, publisher).await;
    if asked
        .as_ref()
        .is_err_and(|fail| matches!(fail.exit, Exit::Timeout | Exit::Rejected))
    {
        let _ = publisher.disconnect().await;
    }
    asked
}

async fn ask(request: &Request, publisher: &mut Publisher) -> Result<(), Fail> {
    let message = &request.message;
    let publish = &message.publish;
    let answer = Answer::of(request)?;
    answer.subscribe(publisher).await?;
    publisher
        .publish(
            &publish.topic,
            message.payload.clone(),
            publish.qos,
            publish.retain,
            Some(&publish.properties),
        )
        .await?;
    answer.wait(publisher, request.wait).await
}

/// What the answer to a request looks like, and the subscription that gets it.
struct Answer<'a> {
    topic: &'a str,
    correlation: Option<&'a Bytes>,
    subscription: [(String, Qos); 1],
    options: SubscribeOptions,
}

impl<'a> Answer<'a> {
    fn of(request: &'a Request) -> Result<Self, Fail> {
        let topic = request.response_topic.as_str();
        Ok(Answer {
            topic,
            correlation: request.correlation.as_ref(),
            subscription: [(topic.to_string(), request.message.publish.qos)],
            options: SubscribeOptions {
                no_local: request.no_local,
                ..SubscribeOptions::default()
            },
        })
    }

    /// Subscribe to the response topic and wait until the broker has said yes.
    async fn subscribe(&self, publisher: &mut Publisher) -> Result<(), Fail> {
        let session = &mut publisher.session;
        session.subscribe(&self.subscription, &self.options).await?;
        loop {
            // Messages are taken too: one that arrives before the SUBACK (a persistent
            // session's queue) cannot be the answer to a request not yet sent, and left
            // waiting it could fill the inbox and hold back the SUBACK behind it.
            let event = match session.next().await {
                Some(Incoming::Message(_)) => continue,
                Some(Incoming::Event(event)) => Some(event),
                None => None,
            };
            match event {
                Some(Event::SubAck { results, .. }) => {
                    if let Some(Err(reason)) = results.first() {
                        return Err(Fail::new(
                            Exit::Rejected,
                            format!(
                                "subscription to the response topic '{}' rejected: {reason}",
                                self.topic
                            ),
                        ));
                    }
                    return Ok(());
                }
                Some(event) => publisher.tracker.handle(event)?,
                None => return Err(Fail::new(Exit::ConnectionLost, "connection lost")),
            }
        }
    }

    /// Print the first answer, and wait until the request is acknowledged too.
    async fn wait(&self, publisher: &mut Publisher, wait: Duration) -> Result<(), Fail> {
        let Publisher {
            session,
            tracker,
            stop,
            ..
        } = publisher;
        let deadline = Instant::now() + wait;
        let mut answered = false;
        while !answered || tracker.outstanding() > 0 {
            // A refused request gets no answer: stop waiting, the verdict says why.
            if tracker.rejected > 0 {
                return Ok(());
            }
            tokio::select! {
                biased;
                _ = stop.wait() => return Ok(()),
                _ = tokio::time::sleep_until(deadline), if !answered => {
                    return Err(Fail::new(
                        Exit::Timeout,
                        format!("no response on '{}' within {}", self.topic, show(wait)),
                    ));
                }
                next = session.next() => match next {
                    // A new session after a reconnect has forgotten the response subscription.
                    Some(Incoming::Event(Event::Reconnected { session_present: false })) => {
                        session.subscribe(&self.subscription, &self.options).await?;
                    }
                    Some(Incoming::Event(event)) => tracker.handle(event)?,
                    Some(Incoming::Message(message)) => {
                        if !answered && self.is(&message) {
                            answered = true;
                            print(&message.payload)?;
                        }
                    }
                    None => return Err(Fail::new(Exit::ConnectionLost, "connection lost")),
                },
            }
        }
        Ok(())
    }

    /// Is `message` the answer: on the response topic, and with the request's correlation
    /// data if it carries any?
    fn is(&self, message: &Message) -> bool {
        let carried = message
            .properties
            .as_ref()
            .and_then(|p| p.correlation_data.as_ref());
        message.topic == self.topic.as_bytes() && (carried.is_none() || carried == self.correlation)
    }
}

/// The answer's payload, byte for byte, and a newline.
fn print(payload: &[u8]) -> Result<(), Fail> {
    let mut out = std::io::stdout().lock();
    out.write_all(payload)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| Fail::writing_output(&e))
}
