//! The received messages waiting for the tool: a channel from the pump, bounded by count and,
//! for large payloads, by bytes. Counting alone let a burst of 1 MiB messages fill its 256
//! places (a quarter of a GiB); with the byte bound a burst waits in the broker's TCP stream
//! instead of in our memory, as mosquitto_sub's one message at a time does.

use std::sync::Arc;

use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Message;

/// Messages waiting at most, whatever their size: enough that the pump rarely waits for rsub.
const COUNT: usize = 256;
/// A payload from this size on counts against [`BYTES`]; smaller ones only against [`COUNT`]
/// (so at most 1 MiB of them wait), and pay nothing more on their way.
const LARGE: usize = 4 * 1024;
/// Bytes of large payloads waiting at most; a payload larger than this waits alone.
const BYTES: usize = 1024 * 1024;

/// A new inbox: the pump's end and the session's.
pub fn inbox() -> (Sender, Receiver) {
    let (tx, rx) = mpsc::channel(COUNT);
    let budget = Arc::new(Semaphore::new(BYTES));
    (Sender { tx, budget }, Receiver { rx })
}

/// A message and the share of the byte budget it holds until the tool takes it.
struct Queued {
    message: Message,
    _held: Option<OwnedSemaphorePermit>,
}

/// The pump's end.
pub struct Sender {
    tx: mpsc::Sender<Queued>,
    budget: Arc<Semaphore>,
}

/// The session's end.
pub struct Receiver {
    rx: mpsc::Receiver<Queued>,
}

impl Sender {
    /// Hand a message on without waiting; it comes back when the inbox is full. Once the
    /// session stopped taking messages it is dropped: the tool is exiting.
    pub fn try_send(&self, message: Message) -> Result<(), Message> {
        let held = match share(&message) {
            None => None,
            Some(bytes) => match self.budget.clone().try_acquire_many_owned(bytes) {
                Ok(permit) => Some(permit),
                Err(_) => return Err(message),
            },
        };
        let queued = Queued {
            message,
            _held: held,
        };
        match self.tx.try_send(queued) {
            Ok(()) | Err(TrySendError::Closed(_)) => Ok(()),
            Err(TrySendError::Full(queued)) => Err(queued.message),
        }
    }

    /// Hand a message on, waiting for room first.
    pub async fn send(&self, message: Message) {
        let held = match share(&message) {
            None => None,
            // The semaphore is never closed.
            Some(bytes) => self.budget.clone().acquire_many_owned(bytes).await.ok(),
        };
        let queued = Queued {
            message,
            _held: held,
        };
        // A closed inbox drops it, as in `try_send`.
        let _ = self.tx.send(queued).await;
    }
}

/// The bytes of the budget a message holds while it waits: none for a small one.
fn share(message: &Message) -> Option<u32> {
    let len = message.payload.len();
    // BYTES fits in a u32.
    (len >= LARGE).then(|| len.min(BYTES) as u32)
}

impl Receiver {
    /// The next message; `None` once the pump has stopped.
    pub async fn recv(&mut self) -> Option<Message> {
        self.rx.recv().await.map(|queued| queued.message)
    }

    /// A message if one is waiting.
    pub fn try_recv(&mut self) -> Option<Message> {
        self.rx.try_recv().ok().map(|queued| queued.message)
    }

    /// Take no more messages, and let go of those waiting.
    pub fn close(&mut self) {
        self.rx.close();
        while self.rx.try_recv().is_ok() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn message(len: usize) -> Message {
        Message {
            topic: Bytes::from_static(b"t"),
            payload: Bytes::from(vec![b'x'; len]),
            qos: crate::qos::Qos::AtMostOnce,
            retain: false,
            dup: false,
            pkid: 0,
            properties: None,
        }
    }

    #[test]
    fn large_payloads_wait_within_the_byte_budget() {
        let (tx, mut rx) = inbox();
        let size = BYTES / 4;
        for _ in 0..4 {
            assert!(tx.try_send(message(size)).is_ok());
        }
        // The budget is spent: the fifth waits, though the channel has room.
        assert!(tx.try_send(message(size)).is_err());
        // Small ones do not count against it.
        assert!(tx.try_send(message(LARGE - 1)).is_ok());
        // Taking one frees its share.
        assert_eq!(rx.try_recv().map(|m| m.payload.len()), Some(size));
        assert!(tx.try_send(message(size)).is_ok());
    }

    #[test]
    fn a_payload_over_the_budget_waits_alone() {
        let (tx, mut rx) = inbox();
        assert!(tx.try_send(message(LARGE)).is_ok());
        assert!(tx.try_send(message(BYTES * 3)).is_err());
        rx.try_recv();
        assert!(tx.try_send(message(BYTES * 3)).is_ok());
        assert!(tx.try_send(message(LARGE)).is_err());
    }

    #[test]
    fn small_payloads_are_bounded_by_count() {
        let (tx, _rx) = inbox();
        for _ in 0..COUNT {
            assert!(tx.try_send(message(10)).is_ok());
        }
        assert!(tx.try_send(message(10)).is_err());
    }

    #[test]
    fn a_closed_inbox_drops_what_comes_and_frees_its_budget() {
        let (tx, mut rx) = inbox();
        assert!(tx.try_send(message(BYTES)).is_ok());
        rx.close();
        assert!(tx.try_send(message(BYTES)).is_ok());
        assert_eq!(tx.budget.available_permits(), BYTES);
    }
}
