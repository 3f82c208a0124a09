//! The running subscriber: unsubscribe (`-U`), then take what the session delivers
//! until an exit condition, Ctrl+C or a lost connection ends the run. Each received message
//! goes through `-T`, the retained rules and `--expect` before it is printed; the
//! acknowledgements decide `-E` and the fate of refused subscriptions.
//!
//! rsub's part of the receive path allocates nothing per message (unless a flag that reads
//! the topic as text meets one that is not UTF-8): a burst of messages is taken in one go,
//! written into one buffer, and flushed when no more are waiting.

use std::time::SystemTime;

use rpubsub_core::cli;
use rpubsub_core::exit::{Exit, Fail};
use rpubsub_core::qos::Qos;
use rpubsub_core::reason::Reason;
use rpubsub_core::session::{Event, Incoming, Message, Session};
use rpubsub_core::stop::Stop;
use rpubsub_core::topic::matches;

use crate::counters::Counters;
use crate::exit_conditions::ExitConditions;
use crate::output::Output;
use crate::plan::{Plan, Subscriptions};
use crate::random_filter::RandomFilter;
use crate::retained::{Clears, Retained, Verdict};
use crate::stamps::Stamps;
use crate::TOOL;

/// The state of one subscribing run.
pub struct Subscriber {
    requests: Requests,
    filter_out: Vec<String>,
    retained: Retained,
    random_filter: RandomFilter,
    clears: Clears,
    until: ExitConditions,
    output: Output,
    counters: Counters,
    stamps: Option<Stamps>,
}

/// What was asked of the broker, and what it has answered.
struct Requests {
    asked: Subscriptions,
    /// A SUBACK came.
    subscribed: bool,
    /// UNSUBACKs still expected.
    unsubscribing: usize,
}

impl Subscriber {
    pub fn new(plan: Plan) -> Subscriber {
        let Plan {
            subscriptions,
            filter_out,
            retained,
            random_filter,
            remove_retained,
            until,
            style,
            newline,
            stats: _,
            live_counter,
            stamps,
        } = plan;
        Subscriber {
            requests: Requests {
                asked: subscriptions,
                subscribed: false,
                unsubscribing: 0,
            },
            filter_out,
            retained,
            random_filter,
            clears: Clears::new(remove_retained),
            until,
            output: Output::stdout(style, newline),
            counters: Counters::new(live_counter),
            stamps,
        }
    }

    /// What arrived so far.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// `--check-seq`, `--latency`: what the stamps said.
    pub fn stamps(&self) -> Option<&Stamps> {
        self.stamps.as_ref()
    }

    /// The run is over: write out what is still buffered, and the tree of `--tree`.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.output.finish()
    }

    /// Print what arrives on `session`, subscribed as the plan asks
    /// (`Session::connect_subscribing`), until the run is over; `-U`'s unsubscribes first.
    pub async fn run(&mut self, session: &mut Session, stop: &mut Stop) -> Result<Exit, Fail> {
        let deadline = self.until.deadline();
        self.requests.unsubscribe(session).await?;
        let timeout = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        // Made once, not once per message: waiting for a stop costs more than a message.
        let stopped = stop.wait();
        tokio::pin!(timeout, stopped);
        loop {
            let ended = tokio::select! {
                biased;
                _ = &mut stopped => Some(Exit::Interrupted),
                _ = &mut timeout => Some(self.timed_out()),
                next = session.next() => match next {
                    Some(Incoming::Message(message)) => self.messages(session, message)?,
                    Some(Incoming::Event(Event::Reconnected { session_present })) => {
                        let answered = self.requests.reconnected(session, session_present).await?;
                        self.until.after_answers(answered)
                    }
                    Some(Incoming::Event(event)) => self.event(event)?,
                    None => return Err(lost(session)),
                },
                _ = Clears::pause(), if self.clears.waiting() => {
                    self.clears.send(session)?;
                    None
                }
            };
            if let Some(exit) = ended {
                return Ok(exit);
            }
        }
    }

    /// `-W` ran out: a time out, unless it was how long to watch (`--tree`).
    fn timed_out(&self) -> Exit {
        if self.until.watch {
            return Exit::Ok;
        }
        cli::warn(TOOL.name(), self.until.timed_out(&self.counters));
        Exit::Timeout
    }

    /// Acknowledgements and connection events; `Some` ends the run.
    fn event(&mut self, event: Event) -> Result<Option<Exit>, Fail> {
        let answered = match event {
            Event::SubAck { results, .. } => self.requests.suback(&results)?,
            Event::UnsubAck { failure, .. } => self.requests.unsuback(failure.as_ref()),
            Event::Lost(fail) => return Err(fail),
            Event::Closed
            | Event::Sent { .. }
            | Event::SentQos0 { .. }
            | Event::Acked { .. }
            | Event::Disconnected
            | Event::Reconnected { .. } => return Ok(None),
        };
        Ok(self.until.after_answers(answered))
    }

    /// One received message and those already waiting behind it, then the flush: a burst is
    /// taken in one go instead of one pass through the receive loop per message, and ends with
    /// one write, so a lone message still shows at once. `Some` ends the run.
    fn messages(&mut self, session: &mut Session, first: Message) -> Result<Option<Exit>, Fail> {
        let mut next = Some(first);
        while let Some(message) = next {
            if let Some(exit) = self.print(session, &message)? {
                return Ok(Some(exit));
            }
            next = session.try_message();
            let idle = next.is_none();
            if idle {
                self.output.flush().map_err(|e| Fail::writing_output(&e))?;
            }
            self.counters.show(idle);
        }
        Ok(None)
    }

    /// Print one message unless a filter, the retained rules or `--expect` leave it out;
    /// `Some` ends the run.
    fn print(&mut self, session: &Session, message: &Message) -> Result<Option<Exit>, Fail> {
        // The topic as text only where a flag asks for it: checking it is UTF-8 costs more
        // than the rest of a message's way here.
        if !self.filter_out.is_empty() {
            let topic = String::from_utf8_lossy(&message.topic);
            if self.filter_out.iter().any(|f| matches(f, &topic)) {
                return Ok(None);
            }
        }
        let verdict = self.retained.verdict(message.retain);
        if verdict == Verdict::End {
            return Ok(Some(Exit::Ok));
        }
        self.clears.note(session, message)?;
        if verdict == Verdict::Skip {
            return Ok(None);
        }
        // Before --random-filter, whose leaving out is no loss.
        if let Some(stamps) = &mut self.stamps {
            stamps.note(&String::from_utf8_lossy(&message.topic), &message.payload);
        }
        if !self.random_filter.keeps() {
            return Ok(None);
        }
        self.counters.seen += 1;
        if !self.until.wanted(&message.payload) {
            return Ok(None);
        }
        let received = if self.output.needs_time() {
            SystemTime::now()
        } else {
            SystemTime::UNIX_EPOCH
        };
        self.output
            .message(message, received)
            .map_err(|e| Fail::writing_output(&e))?;
        self.counters.printed(message.payload.len());
        Ok(self
            .until
            .count_reached(self.counters.printed)
            .then_some(Exit::Ok))
    }
}

impl Requests {
    /// Subscribe to every filter, in one SUBSCRIBE.
    async fn subscribe(&self, session: &Session) -> Result<(), Fail> {
        if self.asked.filters.is_empty() {
            return Ok(());
        }
        session
            .subscribe(&self.asked.filters, &self.asked.options)
            .await
    }

    /// `-U`: one UNSUBSCRIBE per filter.
    async fn unsubscribe(&mut self, session: &Session) -> Result<(), Fail> {
        for filter in &self.asked.unsubscribe {
            session
                .unsubscribe(filter, &self.asked.unsubscribe_user_properties)
                .await?;
            self.unsubscribing += 1;
        }
        Ok(())
    }

    /// Connected again. A new session (`session_present` false) has forgotten the
    /// subscriptions, so the filters are subscribed again, and has none left to unsubscribe
    /// from, so the UNSUBSCRIBEs still waiting are done. A kept session may never have seen
    /// a request that went unanswered, and nothing sends it again (rumqttc does not): those
    /// go out once more (both are idempotent). Whether every request is now answered.
    async fn reconnected(
        &mut self,
        session: &Session,
        session_present: bool,
    ) -> Result<bool, Fail> {
        if !session_present {
            self.subscribed = false;
            self.unsubscribing = 0;
        }
        if !self.subscribed {
            self.subscribe(session).await?;
        }
        let answered = self.asked.unsubscribe.len() - self.unsubscribing;
        for filter in &self.asked.unsubscribe[answered..] {
            session
                .unsubscribe(filter, &self.asked.unsubscribe_user_properties)
                .await?;
        }
        Ok(self.answered())
    }

    /// The SUBACK: all refused ends the run, and one line says why; some refused are each
    /// named and the rest carries on. Whether every request is now answered.
    fn suback(&mut self, results: &[Result<Qos, Reason>]) -> Result<bool, Fail> {
        let rejected: Vec<(&str, &Reason)> = self
            .asked
            .filters
            .iter()
            .zip(results)
            .filter_map(|((filter, _), result)| result.as_ref().err().map(|r| (filter.as_str(), r)))
            .collect();
        if !rejected.is_empty() && rejected.len() == results.len() {
            return Err(Fail::new(Exit::Rejected, all_rejected(&rejected)));
        }
        for (filter, reason) in &rejected {
            cli::warn(
                TOOL.name(),
                format_args!("subscription to '{filter}' rejected: {reason}"),
            );
        }
        self.subscribed = true;
        Ok(self.answered())
    }

    /// An UNSUBACK, refusing with `failure` (MQTT 5) or not: a refusal is named and the run
    /// carries on, as for a filter a SUBACK refused. Whether every request is now answered.
    fn unsuback(&mut self, failure: Option<&Reason>) -> bool {
        // UNSUBSCRIBEs go out and are answered in order, one per filter.
        let answered = self
            .asked
            .unsubscribe
            .len()
            .saturating_sub(self.unsubscribing);
        if let Some(reason) = failure {
            let filter = self
                .asked
                .unsubscribe
                .get(answered)
                .map_or("", String::as_str);
            cli::warn(
                TOOL.name(),
                format_args!("unsubscribing from '{filter}' refused: {reason}"),
            );
        }
        self.unsubscribing = self.unsubscribing.saturating_sub(1);
        self.answered()
    }

    fn answered(&self) -> bool {
        self.unsubscribing == 0 && (self.subscribed || self.asked.filters.is_empty())
    }
}

/// The line for a SUBACK that refused every filter.
fn all_rejected(rejected: &[(&str, &Reason)]) -> String {
    match rejected {
        [(filter, reason)] => {
            format!("the broker rejected the subscription to '{filter}': {reason}")
        }
        all => {
            let each: Vec<String> = all.iter().map(|(f, r)| format!("'{f}': {r}")).collect();
            format!(
                "the broker rejected every subscription: {}",
                each.join("; ")
            )
        }
    }
}

/// The session ended without saying why.
fn lost(session: &Session) -> Fail {
    Fail::new(
        Exit::ConnectionLost,
        format!("connection to {} lost", session.address()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rpubsub_core::properties::SubscribeOptions;

    fn requests(filters: &[&str], unsubscribe: usize) -> Requests {
        Requests {
            asked: Subscriptions {
                filters: filters
                    .iter()
                    .map(|f| (f.to_string(), Qos::AtLeastOnce))
                    .collect(),
                options: SubscribeOptions::default(),
                unsubscribe: vec!["old".into(); unsubscribe],
                unsubscribe_user_properties: vec![],
            },
            subscribed: false,
            unsubscribing: unsubscribe,
        }
    }

    const NOT_AUTHORIZED: u8 = 0x87;

    #[test]
    fn every_filter_refused_ends_the_run_with_one_line() {
        let refused = Err(Reason::new(NOT_AUTHORIZED));
        let fail = requests(&["a"], 0)
            .suback(std::slice::from_ref(&refused))
            .unwrap_err();
        assert_eq!(fail.exit, Exit::Rejected);
        assert_eq!(
            fail.message,
            format!(
                "the broker rejected the subscription to 'a': {}",
                Reason::new(NOT_AUTHORIZED)
            )
        );
        let fail = requests(&["a", "b"], 0)
            .suback(&[refused.clone(), refused])
            .unwrap_err();
        assert!(
            fail.message
                .starts_with("the broker rejected every subscription: 'a': ")
                && fail.message.contains("; 'b': "),
            "{}",
            fail.message
        );
    }

    #[test]
    fn answered_once_the_suback_and_every_unsuback_came() {
        let mut some_refused = requests(&["a", "b"], 0);
        let results = [Ok(Qos::AtLeastOnce), Err(Reason::new(NOT_AUTHORIZED))];
        assert_eq!(some_refused.suback(&results).ok(), Some(true));

        let mut both = requests(&["a"], 2);
        assert!(!both.unsuback(None));
        assert_eq!(both.suback(&[Ok(Qos::AtLeastOnce)]).ok(), Some(false));
        assert!(both.unsuback(None));

        let mut unsubscribe_only = requests(&[], 1);
        assert!(!unsubscribe_only.answered());
        assert!(unsubscribe_only.unsuback(None));
    }
}
