//! Retained messages: a message published with `-r` reaches every later subscriber until it is
//! replaced or cleared (`rpub -n -r`, `rsub --remove-retained`); `rsub -R` ignores retained
//! messages and `rsub --retained-only` stops at the first live one.

use std::time::Duration;

use crate::util::{rpub, rsub, Broker, Run, SHORT};

/// `-W 1`: long enough for a broker on loopback to deliver what it retains.
const ONE_SECOND: &str = "1";

/// Publishes a retained message and checks that rpub succeeded.
fn retain(b: &Broker, topic: &str, payload: &str) {
    rpub(b)
        .args(["-r", "-q", "1", "-t", topic, "-m", payload])
        .run()
        .code(0)
        .stdout("");
}

/// Checks that nothing is retained on `filter` any more: a fresh subscriber times out empty.
#[track_caller]
fn assert_nothing_retained(b: &Broker, filter: &str) {
    rsub(b)
        .args(["-t", filter, "-W", ONE_SECOND])
        .run()
        .code(27)
        .stdout("");
}

#[test]
fn later_subscriber_gets_the_retained_message() {
    let (b, t) = broker_and_topic!();
    retain(&b, &t, "kept");
    rsub(&b)
        .args(["-t", &t, "-C", "1"])
        .run()
        .code(0)
        .stdout("kept\n")
        .stderr_empty();
    // And the next one too: retained means for every later subscriber.
    rsub(&b)
        .args(["-v", "-t", &t, "-C", "1"])
        .run()
        .code(0)
        .stdout(format!("{t} kept\n"));
}

#[test]
fn a_new_retained_message_replaces_the_old_one() {
    let (b, t) = broker_and_topic!();
    retain(&b, &t, "old");
    retain(&b, &t, "new");
    rsub(&b)
        .args(["-t", &t, "-C", "1"])
        .run()
        .code(0)
        .stdout("new\n");
}

#[test]
fn a_message_without_r_is_not_retained() {
    let (b, t) = broker_and_topic!();
    rpub(&b)
        .args(["-q", "1", "-t", &t, "-m", "fleeting"])
        .run()
        .code(0);
    assert_nothing_retained(&b, &t);
}

#[test]
fn no_retained_skips_retained_messages() {
    let (b, t) = broker_and_topic!();
    retain(&b, &t, "old news");
    rsub(&b)
        .args(["-R", "-t", &t, "-W", ONE_SECOND])
        .run()
        .code(27)
        .stdout("");
}

#[test]
fn no_retained_still_prints_live_messages() {
    let (b, t) = broker_and_topic!();
    retain(&b, &t, "old news");
    let sub = rsub(&b).args(["-R", "-t", &t, "-C", "1"]).subscribed();
    rpub(&b).args(["-t", &t, "-m", "fresh"]).run().code(0);
    sub.finish(SHORT).code(0).stdout("fresh\n");
}

#[test]
fn retained_only_exits_at_the_first_live_message() {
    let (b, t) = broker_and_topic!();
    retain(&b, &format!("{t}/a"), "retained a");
    retain(&b, &format!("{t}/b"), "retained b");
    let mut sub = rsub(&b)
        .args(["--retained-only", "-t", &format!("{t}/#")])
        .subscribed();
    let mut lines = sub.wait_stdout_lines(2, SHORT);
    lines.sort();
    if lines != ["retained a", "retained b"] {
        sub.fail(&format!("expected both retained messages, got {lines:?}"));
    }
    rpub(&b)
        .args(["-t", &format!("{t}/a"), "-m", "live"])
        .run()
        .code(0);
    let out = sub.finish(SHORT);
    out.code(0);
    if out.stdout_str().contains("live") {
        out.fail("--retained-only printed a live message");
    }
}

#[test]
fn remove_retained_clears_what_it_receives() {
    let (b, t) = broker_and_topic!();
    retain(&b, &format!("{t}/a"), "one");
    retain(&b, &format!("{t}/b/c"), "two");
    let out = rsub(&b)
        .args(["--remove-retained"])
        .args(["-t", &format!("{t}/#"), "-W", ONE_SECOND])
        .run();
    out.code(27);
    assert_nothing_retained(&b, &format!("{t}/#"));
}

#[test]
fn empty_retained_message_clears() {
    let (b, t) = broker_and_topic!();
    retain(&b, &t, "kept");
    rpub(&b).args(["-n", "-r", "-t", &t]).run().code(0);
    assert_nothing_retained(&b, &t);
}

#[test]
fn retained_message_arrives_promptly() {
    // A subscriber with -C 1 must not wait for anything else once the retained message is in.
    let (b, t) = broker_and_topic!();
    retain(&b, &t, "kept");
    let out = rsub(&b).args(["-t", &t, "-C", "1"]).run();
    out.code(0).stdout("kept\n");
    if out.elapsed > Duration::from_secs(3) {
        out.fail("took more than 3 s to print a retained message");
    }
}
