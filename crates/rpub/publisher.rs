//! A connected run: the session, the count of what it was given ([`Tracker`]) and the stop
//! request, with what every plan does with them: hand over a message, deal with events
//! while waiting, and at the end wait for the acknowledgements and leave cleanly.

use std::future::Future;
use std::ops::ControlFlow;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::properties::PublishProperties;
use rpubsub_core::qos::Qos;
use rpubsub_core::session::Session;
use rpubsub_core::stop::Stop;

use crate::stamp::Stamper;
use crate::tracker::Tracker;

/// How long the final DISCONNECT may take before rpub gives up on it.
const DISCONNECT_LIMIT: Duration = Duration::from_secs(10);

/// After a stop signal: how long the acknowledgements still due, and then the DISCONNECT,
/// may each take.
const STOP_GRACE: Duration = Duration::from_millis(400);

pub struct Publisher {
    pub session: Session,
    pub tracker: Tracker,
    pub stop: Stop,
    /// `--stamp`.
    pub stamper: Option<Stamper>,
}

impl Publisher {
    /// Hand one message to the session and count it. A refused publish means the connection
    /// is gone: the error adds what was left undone.
    pub async fn publish(
        &mut self,
        topic: &str,
        payload: Bytes,
        qos: Qos,
        retain: bool,
        properties: Option<&PublishProperties>,
    ) -> Result<(), Fail> {
        let payload = self.outgoing(topic, payload)?;
        let len = payload.len();
        let publish = self
            .session
            .publish_with(topic, payload, qos, retain, properties);
        match unless_stopped(&mut self.stop, publish).await {
            Some(taken) => self.took(taken, topic, qos, len),
            None => Ok(()),
        }
    }

    /// `payload` as it goes out to `topic`: stamped with `--stamp`, else as given.
    pub fn outgoing(&mut self, topic: &str, payload: Bytes) -> Result<Bytes, Fail> {
        match &mut self.stamper {
            Some(stamper) => stamper.stamp(topic, &payload),
            None => Ok(payload),
        }
    }

    /// The second half of [`Publisher::publish`], for the hot loops that call the session
    /// themselves: count the message of `len` payload bytes the session `taken` (numbered),
    /// or, if it refused, say what was left undone.
    pub fn took(
        &mut self,
        taken: Result<u64, impl Into<Fail>>,
        topic: &str,
        qos: Qos,
        len: usize,
    ) -> Result<(), Fail> {
        let seq = taken.map_err(|e| self.tracker.lost(e.into()))?;
        self.tracker.queued(seq, topic, qos, len);
        Ok(())
    }

    /// Account for the events that are already waiting, without waiting for more.
    pub fn take_events(&mut self) -> Result<(), Fail> {
        while let Some(event) = self.session.try_event() {
            self.tracker.handle(event)?;
        }
        Ok(())
    }

    /// Wait until `due`, dealing with events meanwhile; `Break` when Ctrl+C or the end of
    /// the connection cut the wait short.
    pub async fn pause_until(&mut self, due: Instant) -> Result<ControlFlow<()>, Fail> {
        let wait = tokio::time::sleep_until(due);
        tokio::pin!(wait);
        loop {
            tokio::select! {
                _ = &mut wait => return Ok(ControlFlow::Continue(())),
                _ = self.stop.wait() => return Ok(ControlFlow::Break(())),
                event = self.session.next_event() => match event {
                    Some(event) => self.tracker.handle(event)?,
                    None => return Ok(ControlFlow::Break(())),
                },
            }
        }
    }

    /// Everything is handed over: wait until it is acknowledged, then leave cleanly, and say
    /// whether the broker took it all. After a stop signal the acknowledgements get
    /// [`STOP_GRACE`] more, and what is still missing then is said: one signal ends rpub
    /// within about a second even with the broker silent or gone.
    pub async fn finish(&mut self) -> Result<(), Fail> {
        let mut stop = self.stop.clone();
        let given_up = async move {
            stop.wait().await;
            tokio::time::sleep(STOP_GRACE).await;
        };
        tokio::pin!(given_up);
        while self.tracker.unacknowledged() > 0 {
            tokio::select! {
                event = self.session.next_event() => match event {
                    Some(event) => self.tracker.handle(event)?,
                    None => {
                        return Err(self
                            .tracker
                            .lost(Fail::new(Exit::ConnectionLost, "connection lost")))
                    }
                },
                () = &mut given_up => {
                    let _ = self.disconnect().await;
                    return Err(self.tracker.lost(stopped()));
                }
            }
        }
        // QoS 0 messages are done only if the DISCONNECT itself went out, since requests
        // leave in order.
        match self.disconnect().await {
            Ok(()) => self.tracker.all_written()?,
            Err(fail) => return Err(self.tracker.lost(fail)),
        }
        self.tracker.verdict()
    }

    /// Send DISCONNECT and wait (a while, less after a stop signal) until it is out.
    pub async fn disconnect(&mut self) -> Result<(), Fail> {
        let limit = if self.stop.requested() {
            STOP_GRACE
        } else {
            DISCONNECT_LIMIT
        };
        // Bounded as a whole: queueing the DISCONNECT itself waits while the queue is full.
        tokio::time::timeout(limit, self.session.disconnect(limit, |_| {}))
            .await
            .unwrap_or_else(|_| Err(Fail::new(Exit::ConnectionLost, "DISCONNECT not sent")))
    }

    /// How a run that did all it could ends: 130 if Ctrl+C cut it short, else 0.
    pub fn exit(&self) -> Exit {
        if self.stop.requested() {
            Exit::Interrupted
        } else {
            Exit::Ok
        }
    }
}

/// `publish`, unless a stop signal comes first (`None`): with the broker silent the queue
/// stays full, and a publish waiting for room would wait for ever.
pub async fn unless_stopped<T>(stop: &mut Stop, publish: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        biased;
        taken = publish => Some(taken),
        () = stop.wait() => None,
    }
}

/// A stop signal cut the wait for acknowledgements short.
fn stopped() -> Fail {
    let signal = rpubsub_core::stop::received().unwrap_or("a signal");
    Fail::new(Exit::Interrupted, format!("stopped by {signal}"))
}
