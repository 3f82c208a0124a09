//! Ctrl+C (SIGINT) and SIGTERM end either tool cleanly: a DISCONNECT to the broker, then
//! death by that signal (the shell's 130 and 143), nothing on stderr, and nothing that rpub
//! reported as sent is lost. One signal is enough even when the broker is silent or gone, or
//! a start-up file never finishes reading.

use std::time::Duration;

use std::io::Write;

use crate::util::{assert_counting, numbered_forever, rpub, rsub, Broker, Output, Run, Sub, SHORT};

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
fn rsub_interrupted_dies_of_sigint_quietly() {
    let (b, t) = broker_and_topic!();
    let mut sub = subscribed_quietly(&b, &t, &[]);
    sub.interrupt();
    sub.finish(SHORT)
        .interrupted()
        .stdout("ready\n")
        .stderr_empty();
}

#[test]
fn rsub_terminated_dies_of_sigterm_quietly() {
    let (b, t) = broker_and_topic!();
    let mut sub = subscribed_quietly(&b, &t, &[]);
    sub.terminate();
    sub.finish(SHORT)
        .terminated()
        .stdout("ready\n")
        .stderr_empty();
}

#[test]
fn rsub_interrupted_disconnects_cleanly() {
    let (b, t) = broker_and_topic!();
    let mut sub = rsub(&b)
        .args(["-i", "interrupted-sub", "-t", &t])
        .subscribed();
    sub.interrupt();
    let out = sub.finish(SHORT);
    out.interrupted()
        .stderr_mentions("Client interrupted-sub sending DISCONNECT");
    // mosquitto logs "disconnected." for a DISCONNECT and "closed its connection." for a socket
    // that just went away.
    let log = b.log_holding(&["Client interrupted-sub disconnected."], SHORT);
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
    out.interrupted().stderr_empty();
    // Everything rpub reported as acknowledged must reach the subscriber.
    let reported = out.stdout_lines().len();
    sub.wait_stdout_lines(reported, SHORT);
    // Give a message that was in flight at the interrupt a moment to arrive, then stop.
    std::thread::sleep(Duration::from_millis(300));
    sub.interrupt();
    let sub_out = sub.finish(SHORT);
    sub_out.interrupted();
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
fn rpub_terminated_dies_of_sigterm() {
    let (b, t) = broker_and_topic!();
    let mut publisher = Sub::spawn(rpub(&b).arg("-d").args(numbered_forever(&t, "100ms")));
    publisher.wait_for_stderr("sending PUBLISH", SHORT);
    publisher.terminate();
    publisher
        .finish(SHORT)
        .terminated()
        .stderr_mentions("sending DISCONNECT");
}

#[test]
fn rpub_waiting_on_stdin_interrupted_dies_of_sigint() {
    let (b, t) = broker_and_topic!();
    let (mut publisher, _stdin) =
        Sub::spawn_with_stdin(rpub(&b).args(["-d", "-i", "waiting-pub", "-l", "-t", &t]));
    publisher.wait_for_stderr("received CONNACK", SHORT);
    publisher.interrupt();
    publisher
        .finish(SHORT)
        .interrupted()
        .stderr_mentions("sending DISCONNECT");
}

/// Starts `rpub -d -l` with `extra`, waits for its CONNACK, lets `cut` silence or end the
/// broker, hands it one line, waits until the PUBLISH went out (or was queued), and sends it
/// `signal`: what it showed, which must come within about a second.
fn stopped_with_one_unacknowledged(
    b: &mut Broker,
    extra: &[&str],
    cut: impl FnOnce(&mut Broker),
    signal: fn(&mut Sub),
) -> Output {
    let (mut publisher, mut stdin) = Sub::spawn_with_stdin(
        rpub(b)
            .args(["-d", "--stats", "-l", "-t", "stop/at/once"])
            .args(extra),
    );
    publisher.wait_for_stderr("received CONNACK", SHORT);
    cut(b);
    stdin.write_all(b"m1\n").unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let started = std::time::Instant::now();
    signal(&mut publisher);
    let out = publisher.finish(SHORT);
    if started.elapsed() > Duration::from_millis(2000) {
        out.fail("one signal must end rpub within about a second");
    }
    out.stderr_mentions("1 of 1 messages not acknowledged")
        .stderr_mentions("rpub: 1 messages, ");
    out
}

#[test]
fn rpub_with_the_broker_silent_ends_on_one_sigterm() {
    let mut b = Broker::start();
    let out =
        stopped_with_one_unacknowledged(&mut b, &["-q", "1"], |b| b.signal("STOP"), Sub::terminate);
    b.signal("CONT");
    out.terminated()
        .stderr_mentions("sending DISCONNECT")
        .stderr_mentions("rpub: stopped by SIGTERM; 1 of 1 messages not acknowledged");
}

#[test]
fn rpub_reconnecting_to_a_broker_gone_ends_on_one_sigint() {
    let mut b = Broker::start();
    let out = stopped_with_one_unacknowledged(
        &mut b,
        &["-q", "2", "-V", "5"],
        |b| b.kill(),
        Sub::interrupt,
    );
    out.interrupted()
        .stderr_mentions("rpub: stopped by SIGINT; 1 of 1 messages not acknowledged");
}

/// The first signal's clean stop gives the acknowledgement due 400 ms before it says what is
/// missing and sends DISCONNECT; a second signal does not wait for any of it, and the process
/// dies of the first.
#[test]
fn a_second_signal_ends_rpub_at_once() {
    let b = Broker::start();
    let (mut publisher, mut stdin) =
        Sub::spawn_with_stdin(rpub(&b).args(["-d", "--stats", "-q", "1", "-l", "-t", "now"]));
    publisher.wait_for_stderr("received CONNACK", SHORT);
    b.signal("STOP");
    stdin.write_all(b"m1\n").unwrap();
    stdin.flush().unwrap();
    publisher.wait_for_stderr("sending PUBLISH", SHORT);
    publisher.terminate();
    std::thread::sleep(Duration::from_millis(100));
    publisher.interrupt();
    let out = publisher.finish(SHORT);
    b.signal("CONT");
    out.terminated();
    let clean = ["not acknowledged", "sending DISCONNECT", "rpub: 1 messages"];
    if out
        .stderr_lines()
        .iter()
        .any(|l| clean.iter().any(|c| l.contains(c)))
    {
        out.fail("the second signal must end rpub before its clean stop does");
    }
}

/// A signal while rpub waits for CONNACK ends the attempt there and then: the process dies of
/// it having sent nothing but CONNECT, by its own clean stop, whose last trace line says so,
/// not by the backstop (half a second while not connected), which ends it without a word.
#[test]
fn a_signal_while_connecting_ends_rpub_at_once() {
    let b = Broker::start();
    b.signal("STOP");
    let mut publisher = Sub::spawn(rpub(&b).args(["-d", "-i", "early", "-t", "t", "-m", "x"]));
    publisher.wait_for_stderr("sending CONNECT", SHORT);
    publisher.interrupt();
    let out = publisher.finish(SHORT);
    b.signal("CONT");
    let last = out.stderr_lines().last().cloned().unwrap_or_default();
    if last != "Client early stopped by SIGINT while connecting" {
        out.fail("a signal while connecting must end rpub at once, by its clean stop");
    }
    out.interrupted();
    if out.stderr_lines().iter().any(|l| l.contains("PUBLISH")) {
        out.fail("nothing may be published after the signal");
    }
}

#[test]
fn rsub_with_the_broker_silent_ends_on_one_sigterm() {
    let (b, t) = broker_and_topic!();
    let mut sub = subscribed_quietly(&b, &t, &[]);
    b.signal("STOP");
    let started = std::time::Instant::now();
    sub.terminate();
    let out = sub.finish(SHORT);
    b.signal("CONT");
    if started.elapsed() > Duration::from_millis(2000) {
        out.fail("one signal must end rsub within about a second");
    }
    out.terminated().stdout("ready\n");
}

#[test]
fn a_start_up_read_that_never_ends_does_not_keep_sigterm_out() {
    let b = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("ca.pem");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let fifo = fifo.to_str().unwrap();
    for flag in ["--cafile", "--key"] {
        let mut args = vec![flag, fifo, "-t", "t", "-m", "x"];
        if flag == "--key" {
            args.extend(["--cert", fifo]);
        }
        let mut publisher = Sub::spawn(rpub(&b).args(&args));
        std::thread::sleep(Duration::from_millis(500));
        publisher.terminate();
        publisher.finish(SHORT).terminated();
    }
}

#[test]
fn rpub_with_its_window_full_and_the_broker_silent_ends_on_one_sigterm() {
    let b = Broker::start();
    let mut publisher = Sub::spawn(rpub(&b).args([
        "-d", "--stats", "-q", "1", "-t", "full", "-m", "x", "--count", "0",
    ]));
    publisher.wait_for_stderr("received CONNACK", SHORT);
    b.signal("STOP");
    std::thread::sleep(Duration::from_millis(500));
    let started = std::time::Instant::now();
    publisher.terminate();
    let out = publisher.finish(SHORT);
    b.signal("CONT");
    if started.elapsed() > Duration::from_millis(2000) {
        out.fail("one signal must end rpub within about a second");
    }
    out.terminated()
        .stderr_mentions("rpub: stopped by SIGTERM; ")
        .stderr_mentions(" messages not acknowledged")
        .stderr_mentions(" acknowledged, ");
}
