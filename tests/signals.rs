//! Ctrl+C (SIGINT) and SIGTERM end either tool cleanly: a DISCONNECT to the broker, exit 130,
//! nothing on stderr, and nothing that rpub reported as sent is lost.

use std::time::Duration;

use crate::util::{assert_counting, numbered_forever, rpub, rsub, Broker, Run, Sub, SHORT};

/// Starts `rsub -t topic` without `-d` (so stderr stays the user's) and waits until it is
/// subscribed: a retained message on the topic is the first thing it prints.
fn subscribed_quietly(b: &Broker, t: &str, extra: &[&str]) -> Sub {
    rpub(b).args(["-r", "-t", t, "-m", "ready"]).run().code(0);
    let mut sub = Sub::spawn(rsub(b).args(["-t", t]).args(extra));
    let lines = sub.wait_stdout_lines(1, SHORT);
    if lines != ["ready"] {
        sub.fail("expected the retained marker");
    }
    sub
}

#[test]
fn rsub_interrupted_exits_130_quietly() {
    let (b, t) = broker_and_topic!();
    let mut sub = subscribed_quietly(&b, &t, &[]);
    sub.interrupt();
    sub.finish(SHORT).code(130).stdout("ready\n").stderr_empty();
}

#[test]
fn rsub_terminated_exits_130_quietly() {
    let (b, t) = broker_and_topic!();
    let mut sub = subscribed_quietly(&b, &t, &[]);
    sub.terminate();
    sub.finish(SHORT).code(130).stdout("ready\n").stderr_empty();
}

#[test]
fn rsub_interrupted_disconnects_cleanly() {
    let (b, t) = broker_and_topic!();
    let mut sub = rsub(&b)
        .args(["-i", "interrupted-sub", "-t", &t])
        .subscribed();
    sub.interrupt();
    let out = sub.finish(SHORT);
    out.code(130)
        .stderr_mentions("Client interrupted-sub sending DISCONNECT");
    // mosquitto logs "disconnected." for a DISCONNECT and "closed its connection." for a socket
    // that just went away.
    let log = b.log();
    if !log.contains("Client interrupted-sub disconnected.") {
        out.fail("the broker did not see a DISCONNECT");
    }
}

#[test]
fn rpub_interrupted_loses_nothing_it_reported() {
    let (b, t) = broker_and_topic!();
    let mut sub = rsub(&b).args(["-q", "1", "-t", &t]).subscribed();
    let mut publisher = Sub::spawn(
        rpub(&b)
            .args(["-v", "-q", "1"])
            .args(numbered_forever(&t, "100ms")),
    );
    publisher.wait_stdout_lines(3, SHORT);
    publisher.interrupt();
    let out = publisher.finish(SHORT);
    out.code(130).stderr_empty();
    // Everything rpub reported as acknowledged must reach the subscriber.
    let reported = out.stdout_lines().len();
    sub.wait_stdout_lines(reported, SHORT);
    // Give a message that was in flight at the interrupt a moment to arrive, then stop.
    std::thread::sleep(Duration::from_millis(300));
    sub.interrupt();
    let sub_out = sub.finish(SHORT);
    sub_out.code(130);
    let received = sub_out.stdout_lines();
    assert_counting(&received, "messages before Ctrl+C");
    if received.len() > reported + 1 {
        sub_out.fail(&format!(
            "rpub reported {reported} messages but {} arrived",
            received.len()
        ));
    }
}

#[test]
fn rpub_terminated_exits_130() {
    let (b, t) = broker_and_topic!();
    let mut publisher = Sub::spawn(rpub(&b).arg("-d").args(numbered_forever(&t, "100ms")));
    publisher.wait_for_stderr("sending PUBLISH", SHORT);
    publisher.terminate();
    publisher
        .finish(SHORT)
        .code(130)
        .stderr_mentions("sending DISCONNECT");
}

#[test]
fn rpub_waiting_on_stdin_interrupted_exits_130() {
    let (b, t) = broker_and_topic!();
    let (mut publisher, _stdin) =
        Sub::spawn_with_stdin(rpub(&b).args(["-d", "-i", "waiting-pub", "-l", "-t", &t]));
    publisher.wait_for_stderr("received CONNACK", SHORT);
    publisher.interrupt();
    publisher
        .finish(SHORT)
        .code(130)
        .stderr_mentions("sending DISCONNECT");
}
