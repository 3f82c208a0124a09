//! Counted delivery: a publisher that sends N messages and exits must not lose any at exit (the
//! classic bug of hand-written clients that quit before their network loop flushed), at QoS 0,
//! 1 and 2, and a bulk transfer of 100,000 lines at QoS 1.

use std::collections::HashSet;
use std::time::Duration;

use crate::util::{assert_counting, rpub, rsub, run_stdin, Broker, Run, Sub, LONG, SHORT};

/// `rpub --count N -q Q -m '{n}'` into `rsub -q Q -C N`: every number arrives, in order.
fn counted(qos: &str, n: usize) {
    let (b, t) = broker_and_topic!();
    let count = n.to_string();
    let sub = rsub(&b)
        .args(["-q", qos, "-t", &t, "-C", &count])
        .subscribed();
    rpub(&b)
        .args(["-q", qos, "-t", &t, "-m", "{n}"])
        .args(["--count", &count])
        .args(["--interval", "0"])
        .run()
        .code(0)
        .stderr_empty();
    let out = sub.finish(SHORT);
    out.code(0);
    assert_counting(&out.stdout_lines(), &format!("QoS {qos}"));
    if out.stdout_lines().len() != n {
        out.fail(&format!("expected {n} messages"));
    }
}

#[test]
fn counted_qos0() {
    counted("0", 50);
}

#[test]
fn counted_qos1() {
    counted("1", 50);
}

#[test]
fn counted_qos2() {
    counted("2", 50);
}

#[test]
fn five_messages_one_per_interval_then_exit() {
    // Scenario 3: `messages: 1` ... `messages: 5`, then exit; nothing lost at exit.
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "5"]).subscribed();
    let out = rpub(&b)
        .args(["-t", &t, "-m", "messages: {n}"])
        .args(["--count", "5"])
        .args(["--interval", "100ms"])
        .run();
    out.code(0);
    if out.elapsed < Duration::from_millis(400) {
        out.fail("5 messages 100ms apart took less than 400ms");
    }
    sub.finish(SHORT)
        .code(0)
        .stdout("messages: 1\nmessages: 2\nmessages: 3\nmessages: 4\nmessages: 5\n");
}

#[test]
fn interval_in_fractional_seconds() {
    let (b, t) = broker_and_topic!();
    let publish = ["-t", &t, "-m", "{n}", "--count", "3", "--interval", "0.25"];
    let out = rpub(&b).args(publish).run();
    out.code(0);
    if out.elapsed < Duration::from_millis(500) || out.elapsed > Duration::from_secs(5) {
        out.fail("3 messages 0.25 s apart should take about half a second");
    }
}

#[test]
fn verbose_reports_each_acknowledged_message() {
    let (b, t) = broker_and_topic!();
    let out = rpub(&b)
        .args(["-v", "-q", "1", "-t", &t, "-m", "{n}"])
        .args(["--count", "3"])
        .args(["--interval", "0"])
        .run();
    out.code(0).stderr_empty().stdout(format!(
        "1 {t} acknowledged\n2 {t} acknowledged\n3 {t} acknowledged\n"
    ));
}

#[test]
fn verbose_reports_every_message_sent_at_qos_0() {
    // Scenario 2: "the publisher reports per message whether the send succeeded", the last
    // one included (its write is confirmed only by the DISCONNECT after it).
    let (b, t) = broker_and_topic!();
    let topic = format!("{t}/{{i}}");
    let out = rpub(&b)
        .args(["-v", "-t", &topic, "-m", "{n}"])
        .args(["--count", "3"])
        .args(["--interval", "0"])
        .run();
    out.code(0)
        .stderr_empty()
        .stdout(format!("1 {t}/0 sent\n2 {t}/1 sent\n3 {t}/2 sent\n"));
    let out = rpub(&b).args(["-v", "-t", &t, "-m", "once"]).run();
    out.code(0).stdout(format!("1 {t} sent\n"));
}

#[test]
fn verbose_reports_every_message_of_a_long_run_once_and_in_order() {
    // QoS 0 writes are reported to -v in runs, not one by one: 2,000 messages cross several
    // of the event loop's batches, and each is still reported once, in order.
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "2000"]).subscribed();
    let out = rpub(&b)
        .args(["-v", "-t", &t, "-m", "{n}", "--count", "2000"])
        .run();
    let expected: String = (1..=2000).map(|n| format!("{n} {t} sent\n")).collect();
    out.code(0).stderr_empty().stdout(expected);
    let arrived: String = (1..=2000).map(|n| format!("{n}\n")).collect();
    sub.finish(SHORT).code(0).stdout(arrived);
}

#[test]
fn verbose_reports_each_message_of_a_mixed_replay_as_its_qos_finishes_it() {
    // A replay mixes QoS 0 and 1: a QoS 0 message is reported sent, a QoS 1 one
    // acknowledged, each exactly once, whatever runs the writes came in.
    let (b, t) = broker_and_topic!();
    let input: String = (1..=1200)
        .map(|n| {
            format!(
                "{{\"topic\":\"{t}\",\"payload\":\"m{n}\",\"qos\":{}}}\n",
                n % 3 % 2
            )
        })
        .collect();
    let sub = rsub(&b)
        .args(["-q", "1", "-t", &t, "-C", "1200"])
        .subscribed();
    let out = rpub(&b).args(["-v", "--stdin-json"]).run_stdin(input);
    out.code(0).stderr_empty();
    let mut lines = out.stdout_lines();
    lines.sort_by_key(|l| l.split(' ').next().and_then(|n| n.parse::<u32>().ok()));
    let expected: Vec<String> = (1..=1200)
        .map(|n| {
            let status = if n % 3 % 2 == 1 {
                "acknowledged"
            } else {
                "sent"
            };
            format!("{n} {t} {status}")
        })
        .collect();
    if lines != expected {
        out.fail("expected one line per message: sent at QoS 0, acknowledged at QoS 1");
    }
    // The broker may pass a QoS 0 message ahead of QoS 1 ones waiting for the subscriber's
    // window: every one arrives, in whatever order.
    let got = sub.finish(SHORT);
    let mut arrived = got.code(0).stdout_lines();
    arrived.sort();
    let mut sent: Vec<String> = (1..=1200).map(|n| format!("m{n}")).collect();
    sent.sort();
    if arrived != sent {
        got.fail("expected every message of the replay");
    }
}

#[test]
fn granted_qos_is_traced() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-q", "2", "-t", &t, "-C", "1"]).subscribed();
    let out = rpub(&b)
        .args(["-d", "-q", "2", "-t", &t, "-m", "exactly once"])
        .run();
    out.code(0)
        .stderr_mentions("sending PUBLISH (d0, q2, r0, m1,")
        .stderr_mentions("received PUBREC")
        .stderr_mentions("sending PUBREL")
        .stderr_mentions("received PUBCOMP");
    let out = sub.finish(SHORT);
    out.code(0)
        .stdout("exactly once\n")
        .stderr_mentions("received SUBACK (m1, q2)");
}

#[test]
fn hundred_thousand_lines_at_qos1() {
    // mosquitto drops QoS 1 messages for a subscriber whose queue holds more than
    // max_queued_messages (default 1000): lift that limit so the test measures the tools, not
    // the broker's policy for slow consumers.
    let (b, t) = broker_and_topic!(Broker::with_config("max_queued_messages 0"));
    const N: usize = 100_000;
    // Sync without -d (which would trace 200,000 packets): a retained marker on the same
    // topic is the first thing the subscriber prints once it is subscribed.
    rpub(&b)
        .args(["-r", "-q", "1", "-t", &t, "-m", "ready"])
        .run()
        .code(0);
    let mut sub = Sub::spawn(rsub(&b).args(["-q", "1", "-t", &t, "-C", &(N + 1).to_string()]));
    let first = sub.wait_stdout_lines(1, SHORT);
    if first[0] != "ready" {
        sub.fail("the retained marker should come first");
    }
    let input: String = (1..=N).map(|n| format!("{n}\n")).collect();
    run_stdin(rpub(&b).args(["-q", "1", "-l", "-t", &t]), input, LONG)
        .code(0)
        .stdout("")
        .stderr_empty();
    let out = sub.finish(LONG);
    out.code(0);
    let lines = out.stdout_lines();
    if lines.len() != N + 1 {
        out.fail(&format!("expected {} lines, got {}", N + 1, lines.len()));
    }
    let mut seen = HashSet::with_capacity(N);
    for line in &lines[1..] {
        match line.parse::<usize>() {
            Ok(n) if (1..=N).contains(&n) && seen.insert(n) => {}
            _ => out.fail(&format!("unexpected or repeated line {line:?}")),
        }
    }
}
