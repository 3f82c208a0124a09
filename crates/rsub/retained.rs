//! Retained messages: which are printed (`-R` none, `--retained-only` only those, ending at
//! the first live one), and `--remove-retained`, which clears each one received by
//! publishing an empty retained message to its topic.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;

use rpubsub_core::exit::Fail;
use rpubsub_core::qos::Qos;
use rpubsub_core::session::{Message, Session};

/// How often clears that found the request queue full are tried again.
const CLEAR_RETRY: Duration = Duration::from_millis(20);

/// Which messages print, by their retain flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retained {
    /// Retained and live messages alike.
    Print,
    /// `-R`: only live messages.
    Skip,
    /// `--retained-only`: retained messages, until the first live one ends the run.
    Only,
}

/// What becomes of one message, by its retain flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Print,
    Skip,
    /// `--retained-only` met a live message: the run is over.
    End,
}

impl Retained {
    pub fn verdict(self, retain: bool) -> Verdict {
        match (self, retain) {
            (Retained::Only, false) => Verdict::End,
            (Retained::Skip, true) => Verdict::Skip,
            _ => Verdict::Print,
        }
    }
}

/// `--remove-retained`: the clears still to be queued. The request queue is shared with the
/// acknowledgements of received messages, so a clear never waits for room there (that could
/// wait on rsub itself); what does not fit now is tried again after [`CLEAR_RETRY`].
#[derive(Debug)]
pub struct Clears {
    enabled: bool,
    waiting: VecDeque<String>,
}

impl Clears {
    pub fn new(enabled: bool) -> Clears {
        Clears {
            enabled,
            waiting: VecDeque::new(),
        }
    }

    /// Clear the topic of this message if it is retained (and not itself a clear).
    pub fn note(&mut self, session: &Session, message: &Message) -> Result<(), Fail> {
        if self.enabled && message.retain && !message.payload.is_empty() {
            let topic = String::from_utf8_lossy(&message.topic).into_owned();
            self.waiting.push_back(topic);
            self.send(session)?;
        }
        Ok(())
    }

    /// The wait before clears are tried again. A future that reads the clock only once it
    /// is polled: the receive loop makes one per message, and polls it only while clears
    /// are waiting.
    pub async fn pause() {
        tokio::time::sleep(CLEAR_RETRY).await
    }

    /// Are clears waiting for room in the request queue?
    pub fn waiting(&self) -> bool {
        !self.waiting.is_empty()
    }

    /// Queue as many clears as the request queue takes now.
    pub fn send(&mut self, session: &Session) -> Result<(), Fail> {
        while let Some(topic) = self.waiting.front() {
            if session
                .try_publish(topic, Bytes::new(), Qos::AtMostOnce, true)?
                .is_none()
            {
                break;
            }
            self.waiting.pop_front();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_by_retain_flag() {
        for (retained, retain, want) in [
            (Retained::Print, true, Verdict::Print),
            (Retained::Print, false, Verdict::Print),
            (Retained::Skip, true, Verdict::Skip),
            (Retained::Skip, false, Verdict::Print),
            (Retained::Only, true, Verdict::Print),
            (Retained::Only, false, Verdict::End),
        ] {
            assert_eq!(retained.verdict(retain), want, "{retained:?} {retain}");
        }
    }
}
