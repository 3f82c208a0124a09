//! Nothing lost, nothing hung: the tools reconnect with backoff when the broker restarts,
//! resubscribe when the session is new, send unacknowledged publishes again, and detect a
//! broker that stops answering.

use std::collections::HashSet;
use std::io::Write;
use std::time::{Duration, Instant};

use crate::util::{numbered_forever, rpub, rsub, Broker, Run, Sub, LONG, SHORT};

/// A broker that saves sessions and queued messages when stopped, so a persistent subscriber
/// loses nothing across a restart; no queue limit, so the tools, not the broker, are tested.
const PERSISTENT: &str = "persistence true\npersistence_location $DIR/\nmax_queued_messages 0";

#[test]
fn rsub_reconnects_and_resubscribes_after_a_restart() {
    let (mut b, t) = broker_and_topic!();
    let mut sub = rsub(&b).args(["-v", "-t", &format!("{t}/#")]).subscribed();
    rpub(&b)
        .args(["-t", &format!("{t}/a"), "-m", "before"])
        .run()
        .code(0);
    sub.wait_stdout_lines(1, SHORT);
    b.restart();
    // The broker forgot everything: rsub must subscribe again on its own.
    sub.wait_for_stderr("reconnected to", SHORT);
    sub.wait_for_stderr("received SUBACK (m2", SHORT);
    rpub(&b)
        .args(["-t", &format!("{t}/b"), "-m", "after"])
        .run()
        .code(0);
    sub.wait_stdout_lines(2, SHORT);
    sub.interrupt();
    let out = sub.finish(SHORT);
    out.interrupted()
        .stdout(format!("{t}/a before\n{t}/b after\n"));
    let said: Vec<_> = out
        .stderr_lines()
        .into_iter()
        .filter(|l| l.starts_with("rsub: "))
        .collect();
    if !said
        .iter()
        .any(|l| l.contains("lost") && l.contains("reconnecting in"))
    {
        out.fail("one line should say the connection was lost and when rsub retries");
    }
    if !said
        .iter()
        .any(|l| l.contains("reconnected to 127.0.0.1:") && l.contains("new session"))
    {
        out.fail("one line should say rsub reconnected, into a new session");
    }
}

#[test]
fn persistent_rsub_gets_what_was_published_while_it_was_away() {
    let (mut b, t) = broker_and_topic!(Broker::with_config(PERSISTENT));
    let mut sub = rsub(&b)
        .args(["-c", "-i", "away-sub", "-q", "1", "-t", &t, "-k", "5"])
        .subscribed();
    rpub(&b)
        .args(["-q", "1", "-t", &t, "-m", "one"])
        .run()
        .code(0);
    sub.wait_stdout_lines(1, SHORT);
    b.stop();
    b.relaunch();
    // Published before rsub is back: the broker queues it in rsub's saved session.
    rpub(&b)
        .args(["-q", "1", "-t", &t, "-m", "two"])
        .run()
        .code(0);
    sub.wait_for_stderr("session resumed", SHORT);
    sub.wait_stdout_lines(2, SHORT);
    sub.interrupt();
    sub.finish(SHORT).interrupted().stdout("one\ntwo\n");
}

/// Publishes `n` numbered messages at `qos` while the broker restarts three times; a
/// persistent subscriber must see every number at least once, resuming its session once per
/// restart, and rpub must exit 0. `sub_qos` is the subscriber's QoS, `protocol` flags go to
/// both tools.
fn every_message_across_three_restarts(qos: &str, sub_qos: &str, n: usize, protocol: &[&str]) {
    let (mut b, t) = broker_and_topic!(Broker::with_config(PERSISTENT));
    let mut sub = rsub(&b)
        .args(protocol)
        .args(["-c", "-i", "counter", "-q", sub_qos, "-t", &t])
        .subscribed();
    let count = n.to_string();
    let mut publisher = Sub::spawn(
        rpub(&b)
            .args(protocol)
            .args(["-q", qos, "-t", &t, "-m", "{n}", "--count", &count]),
    );
    for restart in 0..3 {
        // Let some messages through after rpub is back, then take the broker down under it.
        while publisher
            .output_so_far()
            .1
            .matches("reconnected to")
            .count()
            < restart
        {
            if publisher.has_exited() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let seen = sub.stdout_lines().len();
        let until = Instant::now() + SHORT;
        while sub.stdout_lines().len() < seen + n / 50 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        b.stop();
        b.relaunch();
    }
    let out = publisher.finish(LONG);
    out.code(0);
    if !out.stderr.contains("reconnected to") {
        out.fail("rpub should have reconnected");
    }
    // Every number arrives at least once (duplicates are allowed: at least once).
    let until = Instant::now() + LONG;
    let distinct = loop {
        let distinct: HashSet<String> = sub.stdout_lines().into_iter().collect();
        if distinct.len() >= n || Instant::now() > until {
            break distinct;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let missing: Vec<usize> = (1..=n)
        .filter(|i| !distinct.contains(&i.to_string()))
        .take(10)
        .collect();
    if !missing.is_empty() {
        sub.fail(&format!(
            "{} distinct messages arrived; missing e.g. {missing:?}",
            distinct.len()
        ));
    }
    // One recovery per restart: a subscriber that reconnects again and again (on a PUBREL
    // from before the restart, say) would get the messages in the end all the same.
    let recoveries = sub.output_so_far().1.matches("reconnected to").count();
    if recoveries != 3 {
        sub.fail(&format!(
            "rsub should have reconnected 3 times, once per restart, not {recoveries}"
        ));
    }
}

#[test]
fn rpub_qos1_delivers_every_message_across_three_broker_restarts() {
    every_message_across_three_restarts("1", "1", 100_000, &[]);
}

/// QoS 2 end to end. rpub sends again what the broker had not completed (PUBREL when the
/// session resumed, the whole PUBLISH when it did not) and never reuses a packet id awaiting
/// PUBCOMP; rsub completes the PUBRELs the restarted broker sends for messages it already
/// has, instead of dropping the connection over an "unsolicited" PUBREL again and again.
#[test]
fn qos2_end_to_end_loses_nothing_across_three_broker_restarts() {
    every_message_across_three_restarts("2", "2", 20_000, &[]);
}

#[test]
fn mqtt5_qos2_end_to_end_loses_nothing_across_three_broker_restarts() {
    every_message_across_three_restarts("2", "2", 10_000, &["-V", "mqttv5"]);
}

#[test]
fn rpub_without_reconnect_says_how_many_were_not_acknowledged() {
    let (b, t) = broker_and_topic!();
    let mut publisher = Sub::spawn(
        rpub(&b)
            .args(["--no-reconnect", "-q", "1", "-d"])
            .args(numbered_forever(&t, "20ms")),
    );
    publisher.wait_for_stderr("received PUBACK (m3)", SHORT);
    // A frozen broker takes messages without acknowledging them; then it dies frozen
    // (SIGKILL, no SIGCONT first: woken, it would acknowledge what it had read).
    b.signal("STOP");
    std::thread::sleep(Duration::from_millis(300));
    b.signal("KILL");
    let out = publisher.finish(SHORT);
    out.code(6).no_panic();
    let line = out
        .stderr_lines()
        .into_iter()
        .find(|l| l.starts_with("rpub: "));
    let counted = line.is_some_and(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        // "...; N of M messages not acknowledged" with 0 < N <= M
        words.windows(5).any(|w| {
            let (n, m) = (w[0].parse::<u64>(), w[2].parse::<u64>());
            w[1] == "of"
                && w[3] == "messages"
                && w[4] == "not"
                && matches!((n, m), (Ok(n), Ok(m)) if n > 0 && n <= m)
        })
    });
    if !counted || !line.is_some_and(|l| l.contains("lost") && l.ends_with("not acknowledged")) {
        out.fail("rpub should say the connection was lost and how many of how many were not acknowledged");
    }
}

#[test]
fn rsub_gives_up_after_reconnect_max_attempts() {
    let (mut b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["--reconnect-max", "2", "-t", &t])
        .subscribed();
    b.kill();
    let out = sub.finish(SHORT);
    out.code(6).no_panic();
    let said: Vec<_> = out
        .stderr_lines()
        .into_iter()
        .filter(|l| l.starts_with("rsub: "))
        .collect();
    // Two retries announced, then one final line.
    if said
        .iter()
        .filter(|l| l.contains("reconnecting in"))
        .count()
        != 2
    {
        out.fail("expected two 'reconnecting in' lines");
    }
    if !said.last().is_some_and(|l| {
        l.contains("gave up reconnecting after 2 attempts") && l.contains(&b.addr())
    }) {
        out.fail("the last line should say rsub gave up after 2 attempts, naming the broker");
    }
}

#[test]
fn a_broker_that_stops_answering_is_detected_by_the_keepalive() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["--no-reconnect", "-k", "5", "-t", &t])
        .subscribed();
    b.signal("STOP");
    let started = Instant::now();
    let out = sub.finish(Duration::from_secs(20));
    out.code(6).no_panic();
    out.stderr_mentions("stopped answering");
    assert!(
        started.elapsed() < Duration::from_secs(16),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn rpub_lines_waiting_on_stdin_notices_the_broker_going_away() {
    let (mut b, t) = broker_and_topic!();
    let (mut publisher, mut stdin) =
        Sub::spawn_with_stdin(rpub(&b).args(["--no-reconnect", "-q", "1", "-l", "-t", &t, "-d"]));
    stdin.write_all(b"first\n").unwrap();
    publisher.wait_for_stderr("received PUBACK (m1)", SHORT);
    // stdin stays open and silent: rpub must still see the broker vanish, not sit there.
    b.kill();
    let out = publisher.finish(SHORT);
    out.code(6).no_panic().stderr_mentions("lost");
    drop(stdin);
}

#[test]
fn rpub_lines_carry_on_after_a_restart() {
    let (mut b, t) = broker_and_topic!();
    let mut sub = rsub(&b).args(["-q", "1", "-t", &t]).subscribed();
    let (mut publisher, mut stdin) =
        Sub::spawn_with_stdin(rpub(&b).args(["-q", "1", "-l", "-t", &t]));
    stdin.write_all(b"first\n").unwrap();
    sub.wait_stdout_lines(1, SHORT);
    b.restart();
    publisher.wait_for_stderr("reconnected to", SHORT);
    sub.wait_for_stderr("received SUBACK (m2", SHORT);
    stdin.write_all(b"second\n").unwrap();
    drop(stdin);
    publisher.finish(SHORT).code(0);
    sub.wait_stdout_lines(2, SHORT);
    sub.interrupt();
    sub.finish(SHORT).interrupted().stdout("first\nsecond\n");
}

/// Publishes that were sent but not acknowledged when the connection dropped go out again
/// with DUP set, and the `-d` trace says so, as mosquitto_pub's does.
#[test]
fn resent_publishes_carry_dup_and_the_trace_shows_it() {
    // The broker logs every packet, so what went over the wire can be checked too.
    let (mut b, t) = broker_and_topic!(Broker::with_config("log_type all"));
    let mut publisher =
        Sub::spawn(rpub(&b).args(["-d", "-q", "1", "-t", &t, "-m", "{n}", "--count", "20000"]));
    publisher.wait_for_stderr("received PUBACK", SHORT);
    // Killed mid-stream, the broker leaves publishes in flight, unacknowledged.
    b.restart();
    let out = publisher.finish(LONG);
    out.code(0);
    if !out.stderr.contains("reconnected to") {
        out.fail("rpub should have reconnected");
    }
    if !out.stderr.contains("sending PUBLISH (d1, q1") {
        out.fail("a publish sent again after the reconnect should show d1");
    }
    if !out.stderr.contains("sending PUBLISH (d0, q1") {
        out.fail("first sends should show d0");
    }
    let dup_on_the_wire = b
        .log()
        .lines()
        .any(|l| l.contains("Received PUBLISH from rpub-") && l.contains("(d1, q1"));
    if !dup_on_the_wire {
        out.fail("the restarted broker should have received a PUBLISH with DUP set");
    }
}
