//! When a run is done, besides Ctrl+C and a lost connection: `-C N` messages printed, `-W`
//! run out (exit 27, as mosquitto_sub), `-E` the subscriptions answered, `--expect`/
//! `--expect-json` a matching message (which payloads match is `expect.rs`).

use std::time::Duration;

use tokio::time::Instant;

use rpubsub_core::duration::show;
use rpubsub_core::exit::Exit;

use crate::counters::Counters;
use crate::expect::Expect;

#[derive(Debug, Default)]
pub struct ExitConditions {
    /// Exit after this many printed messages: `-C`, or 1 with `--expect`.
    pub count: Option<u64>,
    /// `-W`.
    pub timeout: Option<Duration>,
    /// `-E`, or `-U` without `-t`: exit once the broker has answered every request.
    pub after_subscribe: bool,
    /// `--expect`, `--expect-json`: print only the messages that match.
    pub expect: Option<Expect>,
    /// `--tree`: `-W` is how long to watch, and running out of it is a normal end (exit 0).
    pub watch: bool,
}

impl ExitConditions {
    /// When `-W` runs out, counted from now (as mosquitto_sub: from the connection).
    pub fn deadline(&self) -> Option<Instant> {
        self.timeout.map(|t| Instant::now() + t)
    }

    /// Is this payload one to print?
    pub fn wanted(&self, payload: &[u8]) -> bool {
        self.expect.as_ref().is_none_or(|e| e.matches(payload))
    }

    /// Have enough messages been printed?
    pub fn count_reached(&self, printed: u64) -> bool {
        self.count.is_some_and(|c| printed >= c)
    }

    /// The run ends here once every SUBSCRIBE and UNSUBSCRIBE is `answered`, if asked to.
    pub fn after_answers(&self, answered: bool) -> Option<Exit> {
        (answered && self.after_subscribe).then_some(Exit::Ok)
    }

    /// The warning that `-W` ran out: what was waited for and what came.
    pub fn timed_out(&self, counters: &Counters) -> String {
        let waited = self.timeout.map(show).unwrap_or_default();
        match &self.expect {
            Some(_) => format!(
                "timed out after {waited}: none of {} messages matched",
                counters.seen
            ),
            None => format!(
                "timed out after {waited} ({} messages printed)",
                counters.printed
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_and_answers() {
        let conditions = ExitConditions {
            count: Some(2),
            ..Default::default()
        };
        assert!(!conditions.count_reached(1));
        assert!(conditions.count_reached(2));
        assert!(!ExitConditions::default().count_reached(u64::MAX));
        assert_eq!(conditions.after_answers(true), None);
        let after = ExitConditions {
            after_subscribe: true,
            ..Default::default()
        };
        assert_eq!(after.after_answers(false), None);
        assert_eq!(after.after_answers(true), Some(Exit::Ok));
    }

    #[test]
    fn expect_decides_what_is_wanted() {
        assert!(ExitConditions::default().wanted(b"anything"));
        let expect = ExitConditions {
            expect: Expect::new(&["^on$".into()], &[]).unwrap(),
            ..Default::default()
        };
        assert!(expect.wanted(b"on"));
        assert!(!expect.wanted(b"off"));
    }

    #[test]
    fn the_timeout_line_says_what_came() {
        let mut counters = Counters::new(false);
        counters.printed(1);
        counters.seen = 4;
        let plain = ExitConditions {
            timeout: Some(Duration::from_secs(5)),
            ..Default::default()
        };
        assert_eq!(
            plain.timed_out(&counters),
            "timed out after 5s (1 messages printed)"
        );
        let expect = ExitConditions {
            timeout: Some(Duration::from_millis(500)),
            expect: Expect::new(&["x".into()], &[]).unwrap(),
            ..Default::default()
        };
        assert_eq!(
            expect.timed_out(&counters),
            "timed out after 500ms: none of 4 messages matched"
        );
    }
}
