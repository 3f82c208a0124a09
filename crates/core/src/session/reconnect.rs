//! Reconnecting after the connection failed, for either protocol: when to try again, how
//! long to wait, when to give up, and the attempts themselves.
//!
//! The policy is plain functions of what happened (unit-tested below); [`reconnect`] only
//! follows it.

use std::time::Duration;

use super::connect;
use super::failure::{self, Phase};
use super::packet::{Packet, Polled};
use super::protocol::Wire;
use super::pump::Pump;
use super::Event;
use crate::exit::{Exit, Fail};
use crate::options::Reconnect;

/// A connection that drops within this long of connecting had no time to do its work.
const QUICK_DROP: Duration = Duration::from_secs(1);

/// Quick drops in a row, publishes waiting and none through, before giving up: a broker
/// restarted by hand drops a connection that had time to work; one refusing a packet (over
/// its maximum packet size, say) drops it at once, every time.
const STUCK_AFTER: u32 = 3;

/// What to do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Try again after the backoff for this attempt number (0 for the first).
    Retry(u32),
    GiveUp,
    /// The broker dropped the connection this many times in a row on the same publishes.
    Stuck(u32),
}

/// The step after a failure with exit status `exit`, `attempt` attempts into reconnecting.
/// `drops` counts the quick, fruitless drops in a row; it is asked only on a fresh loss
/// (attempt 0) that may be retried, since asking updates the count.
pub fn next_step(
    policy: &Reconnect,
    exit: Exit,
    attempt: u32,
    drops: impl FnOnce() -> u32,
) -> Step {
    let retryable = matches!(exit, Exit::ConnectionLost | Exit::Unreachable);
    if !retryable || !policy.enabled {
        return Step::GiveUp;
    }
    if attempt == 0 {
        let times = drops();
        if times >= STUCK_AFTER {
            return Step::Stuck(times);
        }
    }
    if policy.max.is_some_and(|max| attempt >= max) {
        return Step::GiveUp;
    }
    Step::Retry(attempt)
}

/// Did a connection that lived `lived` drop quickly?
pub fn quick(lived: Duration) -> bool {
    lived < QUICK_DROP
}

/// Reconnect delays: 1 s doubling to 30 s, plus `jitter` thousandths of it (0 to 199), so
/// that a room full of clients does not hit a restarted broker in the same instant.
pub fn backoff(attempt: u32, jitter: u32) -> Duration {
    let base = Duration::from_secs(1u64 << attempt.min(5)).min(Duration::from_secs(30));
    base + base.mul_f64(f64::from(jitter % 200) / 1000.0)
}

/// Up to 20% of jitter, from the clock: nothing here needs more randomness than that.
fn jitter() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() % 200)
        .unwrap_or(0)
}

/// The final word after reconnecting failed `attempts` times.
pub fn gave_up(last: Fail, attempts: u32) -> Fail {
    if attempts == 0 {
        return last;
    }
    // Whatever the last attempt said, the connection is what was lost.
    Fail::new(
        Exit::ConnectionLost,
        format!(
            "gave up reconnecting after {attempts} attempts: {}",
            last.message
        ),
    )
}

/// How the line "reconnected to ..." ends.
pub fn resumed(session_present: bool) -> &'static str {
    if session_present {
        " (session resumed)"
    } else {
        " (new session)"
    }
}

/// Delays shown to people in tenths of a second.
fn round(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64 / 100 * 100)
}

/// Connect again after `fail`, with backoff; `Some(session_present)` once connected, `None`
/// after giving up (the loss was reported).
pub async fn reconnect<W: Wire>(
    eventloop: &mut W::EventLoop,
    pump: &Pump,
    fail: Fail,
) -> Option<bool> {
    let mut last = fail;
    let mut attempt = 0;
    loop {
        let delay = match next_step(&pump.reconnect, last.exit, attempt, || pump.dropped()) {
            Step::Retry(attempt) => backoff(attempt, jitter()),
            Step::GiveUp => {
                pump.lost(gave_up(last, attempt));
                return None;
            }
            Step::Stuck(times) => {
                pump.say(format_args!(
                    "the broker closed the connection {times} times in a row while the same messages were sent; \
                     is one over its maximum packet size?"
                ));
                pump.lost(last);
                return None;
            }
        };
        if attempt == 0 {
            pump.event(Event::Disconnected);
        }
        pump.say(format_args!(
            "{}; reconnecting in {}",
            last.message,
            crate::duration::show(round(delay))
        ));
        tokio::time::sleep(delay).await;
        attempt += 1;
        pump.shared
            .trace
            .line(format_args!("sending CONNECT (reconnect {attempt})"));
        let once = tokio::time::timeout(pump.connect_timeout, connect_once::<W>(eventloop, pump));
        match once.await {
            Ok(Attempt::Connected(session_present)) => {
                pump.say(format_args!(
                    "reconnected to {}{}",
                    pump.peer.address,
                    resumed(session_present)
                ));
                pump.connected();
                return Some(session_present);
            }
            Ok(Attempt::Failed(fail)) => last = fail,
            Ok(Attempt::Broken(fail)) => {
                // A CONNACK the specification forbids: as on the first connection, the end.
                W::protocol_error(eventloop).await;
                pump.lost(fail);
                return None;
            }
            Err(_) => last = failure::connect_timeout(&pump.peer.address, pump.connect_timeout),
        }
    }
}

/// What one attempt to connect again came to.
enum Attempt {
    /// CONNACK: whether the broker resumed the session.
    Connected(bool),
    Failed(Fail),
    /// The broker answered CONNECT breaking the protocol (a CONNACK with Receive Maximum 0,
    /// bytes that are no packet): no point trying again.
    Broken(Fail),
}

/// One attempt: poll the event loop once (it connects when it has no connection) and say
/// what came back.
async fn connect_once<W: Wire>(eventloop: &mut W::EventLoop, pump: &Pump) -> Attempt {
    match W::poll(eventloop).await {
        Ok(event) => {
            let polled = W::translate(event);
            let broken = matches!(polled, Polled::Received(Packet::Broken { .. }));
            match connect::connack(polled, &pump.shared.trace) {
                Ok(ack) => Attempt::Connected(ack.session_present),
                Err(what) => {
                    let fail = Fail::new(
                        Exit::ConnectionLost,
                        format!("{} {what}", pump.peer.address),
                    );
                    if broken {
                        Attempt::Broken(fail)
                    } else {
                        Attempt::Failed(fail)
                    }
                }
            }
        }
        Err(e) => {
            let (cause, fail) = pump.failure::<W>(&e, Phase::Connecting);
            if cause.ends_session() {
                // Bytes that are no packet in answer to CONNECT: the session ends, as on them
                // after CONNACK; it did connect, so the status is that of a lost connection.
                Attempt::Broken(Fail::new(Exit::ConnectionLost, fail.message))
            } else {
                Attempt::Failed(fail)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: Reconnect = Reconnect {
        enabled: true,
        max: None,
    };

    #[test]
    fn backoff_doubles_to_thirty_seconds_with_up_to_a_fifth_more() {
        let secs = |attempt| backoff(attempt, 0).as_secs();
        assert_eq!(
            (0..7).map(secs).collect::<Vec<_>>(),
            [1, 2, 4, 8, 16, 30, 30]
        );
        assert_eq!(backoff(40, 0), Duration::from_secs(30));
        assert_eq!(backoff(0, 199), Duration::from_millis(1199));
        assert_eq!(backoff(5, 100), Duration::from_secs(33));
        // Jitter beyond its range wraps instead of growing the delay.
        assert_eq!(backoff(0, 200), Duration::from_secs(1));
        assert!(jitter() < 200);
    }

    #[test]
    fn only_losses_and_unreachable_brokers_are_retried() {
        for exit in [Exit::ConnectionLost, Exit::Unreachable] {
            assert_eq!(next_step(&ON, exit, 0, || 0), Step::Retry(0));
        }
        for exit in [Exit::Refused, Exit::Tls, Exit::Rejected, Exit::Usage] {
            assert_eq!(next_step(&ON, exit, 0, || 0), Step::GiveUp);
        }
        let off = Reconnect {
            enabled: false,
            max: None,
        };
        assert_eq!(next_step(&off, Exit::ConnectionLost, 0, || 0), Step::GiveUp);
    }

    #[test]
    fn gives_up_after_the_most_attempts_asked_for() {
        let three = Reconnect {
            enabled: true,
            max: Some(3),
        };
        assert_eq!(
            next_step(&three, Exit::Unreachable, 2, || 0),
            Step::Retry(2)
        );
        assert_eq!(next_step(&three, Exit::Unreachable, 3, || 0), Step::GiveUp);
        assert_eq!(
            next_step(&ON, Exit::Unreachable, 1000, || 0),
            Step::Retry(1000)
        );
        let never = Reconnect {
            enabled: true,
            max: Some(0),
        };
        assert_eq!(
            next_step(&never, Exit::ConnectionLost, 0, || 0),
            Step::GiveUp
        );
    }

    #[test]
    fn the_third_fruitless_drop_in_a_row_stops_retrying() {
        assert_eq!(
            next_step(&ON, Exit::ConnectionLost, 0, || 2),
            Step::Retry(0)
        );
        assert_eq!(
            next_step(&ON, Exit::ConnectionLost, 0, || 3),
            Step::Stuck(3)
        );
        // Drops are counted once per loss, not per attempt, and not for what is not retried.
        let asked = std::cell::Cell::new(0);
        let count = || {
            asked.set(asked.get() + 1);
            9
        };
        assert_eq!(next_step(&ON, Exit::Unreachable, 1, count), Step::Retry(1));
        assert_eq!(next_step(&ON, Exit::Refused, 0, count), Step::GiveUp);
        assert_eq!(asked.get(), 0);
        assert!(quick(Duration::from_millis(999)) && !quick(Duration::from_secs(1)));
    }

    #[test]
    fn the_final_word_names_the_attempts() {
        let last = || Fail::new(Exit::Unreachable, "cannot connect to b:1: refused");
        let fail = gave_up(last(), 0);
        assert_eq!(
            (fail.exit, fail.message.as_str()),
            (Exit::Unreachable, "cannot connect to b:1: refused")
        );
        let fail = gave_up(last(), 4);
        assert_eq!(fail.exit, Exit::ConnectionLost);
        assert_eq!(
            fail.message,
            "gave up reconnecting after 4 attempts: cannot connect to b:1: refused"
        );
        assert_eq!(
            round(Duration::from_millis(1199)),
            Duration::from_millis(1100)
        );
    }
}
