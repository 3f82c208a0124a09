//! The reference subscriber that counts what a publisher got through, and the wait for a
//! subscription to be in place (the broker's log line for it), so that no case starts
//! publishing before its subscriber listens.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{mosquitto_sub, Broker};

/// How long a counting subscriber may see no new message after the publisher exited before
/// the run counts as having lost the rest.
const SETTLE: Duration = Duration::from_secs(3);

/// A subscriber whose lines are counted as they arrive: mosquitto_sub, the same counter for
/// both publishers, or either tool when its memory is followed through a long run.
pub struct Counter {
    child: Child,
    lines: Arc<AtomicU64>,
}

impl Counter {
    /// Starts `mosquitto_sub -q QOS -t TOPIC` and waits until the broker has the subscription.
    pub fn start(b: &Broker, id: &str, qos: u8, topic: &str) -> Counter {
        let mut cmd = mosquitto_sub(b);
        cmd.args(["-i", id, "-q", &qos.to_string(), "-t", topic]);
        Counter::watch(b, &mut cmd, id, qos, topic)
    }

    /// Starts `cmd`, a subscriber with the id `id` to `topic` at `qos` printing a line per
    /// message, counts its lines, and waits until the broker has the subscription.
    pub fn watch(b: &Broker, cmd: &mut Command, id: &str, qos: u8, topic: &str) -> Counter {
        let log_start = b.log().len();
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("start the counting subscriber");
        let mut stdout = child.stdout.take().expect("stdout pipe");
        let lines = Arc::new(AtomicU64::new(0));
        let counted = lines.clone();
        thread::spawn(move || {
            let mut buf = vec![0u8; 256 * 1024];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let newlines = buf[..n].iter().filter(|&&c| c == b'\n').count();
                counted.fetch_add(newlines as u64, Ordering::Relaxed);
            }
        });
        wait_subscribed(b, log_start, id, qos, topic);
        Counter { child, lines }
    }

    /// The subscriber's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until `expected` lines arrived; false if `limit` passed first.
    pub fn wait_for(&self, expected: u64, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while self.lines.load(Ordering::Relaxed) < expected {
            if Instant::now() > deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(5));
        }
        true
    }

    /// Ends the subscriber.
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// After the publisher exited: waits until `expected` messages arrived, or none arrived
    /// for [`SETTLE`], or `limit` passed; returns how many arrived.
    pub fn finish(mut self, expected: u64, limit: Duration) -> u64 {
        let deadline = Instant::now() + limit;
        let mut last = self.lines.load(Ordering::Relaxed);
        let mut last_change = Instant::now();
        loop {
            let now = self.lines.load(Ordering::Relaxed);
            if now >= expected || Instant::now() > deadline {
                break;
            }
            if now != last {
                last = now;
                last_change = Instant::now();
            } else if last_change.elapsed() > SETTLE {
                break;
            }
            thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.lines.load(Ordering::Relaxed)
    }
}

/// Waits until the broker logged the subscription `ID QOS TOPIC` (after `log_start`): from
/// then on, whatever is published on TOPIC reaches that client.
pub fn wait_subscribed(b: &Broker, log_start: usize, id: &str, qos: u8, topic: &str) {
    let needle = format!(": {id} {qos} {topic}\n");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if b.log()
            .get(log_start..)
            .unwrap_or_default()
            .contains(&needle)
        {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "the broker never logged the subscription {needle:?}; its log:\n{}",
                b.log()
            );
        }
        thread::sleep(Duration::from_millis(2));
    }
}
