//! When rsub stops on its own: after `-C N` messages (0), when `-W` expires first (27), right
//! after subscribing with `-E` (0), and quietly when whoever reads its stdout goes away
//! (`rsub ... | head -1`: 0, nothing on stderr).

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use crate::util::{rpub, rsub, Run, Sub, SHORT};

#[test]
fn count_exits_after_exactly_n_messages() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "3"]).subscribed();
    for n in 1..=5 {
        rpub(&b)
            .args(["-t", &t, "-m", &n.to_string()])
            .run()
            .code(0);
    }
    sub.finish(SHORT).code(0).stdout("1\n2\n3\n");
}

#[test]
fn timeout_without_messages_exits_27() {
    let (b, t) = broker_and_topic!();
    let out = rsub(&b).args(["-t", &t, "-W", "1"]).run();
    out.code(27).stdout("");
    if out.elapsed < Duration::from_millis(900) || out.elapsed > Duration::from_secs(5) {
        out.fail("-W 1 should end the subscriber after about one second");
    }
}

#[test]
fn timeout_takes_a_humantime_duration() {
    let (b, t) = broker_and_topic!();
    let out = rsub(&b).args(["-t", &t, "-W", "300ms"]).run();
    out.code(27).stdout("");
    if out.elapsed > Duration::from_secs(3) {
        out.fail("-W 300ms should end the subscriber well within 3 s");
    }
}

#[test]
fn timeout_takes_fractional_seconds() {
    let (b, t) = broker_and_topic!();
    let out = rsub(&b).args(["-t", &t, "-W", "0.5"]).run();
    out.code(27).stdout("");
    if out.elapsed < Duration::from_millis(400) || out.elapsed > Duration::from_secs(3) {
        out.fail("-W 0.5 should end the subscriber after about half a second");
    }
}

#[test]
fn count_reached_before_timeout_exits_0() {
    let (b, t) = broker_and_topic!();
    let started = Instant::now();
    let sub = rsub(&b)
        .args(["-t", &t, "-C", "1", "-W", "30"])
        .subscribed();
    rpub(&b).args(["-t", &t, "-m", "in time"]).run().code(0);
    let out = sub.finish(SHORT);
    out.code(0).stdout("in time\n");
    if started.elapsed() > Duration::from_secs(8) {
        out.fail("-C 1 was reached but rsub waited on for -W");
    }
}

#[test]
fn timeout_before_count_exits_27_with_what_arrived() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "2", "-W", "2"]).subscribed();
    rpub(&b).args(["-t", &t, "-m", "only one"]).run().code(0);
    sub.finish(SHORT).code(27).stdout("only one\n");
}

#[test]
fn exit_after_subscribe() {
    let (b, t) = broker_and_topic!();
    let out = rsub(&b).args(["-E", "-t", &t]).run();
    out.code(0).stdout("").stderr_empty();
}

#[test]
fn exit_after_subscribe_really_subscribed() {
    // With a persistent session, what rsub -E subscribed to is queued by the broker while no
    // one is connected, and handed to the next connection with the same client id.
    let (b, t) = broker_and_topic!();
    let id = "exits-persistent";
    rsub(&b)
        .args(["-E", "-c", "-i", id, "-q", "1", "-t", &t])
        .run()
        .code(0)
        .stdout("");
    rpub(&b)
        .args(["-q", "1", "-t", &t, "-m", "queued"])
        .run()
        .code(0);
    rsub(&b)
        .args(["-c", "-i", id, "-q", "1", "-t", &t, "-C", "1", "-W", "5"])
        .run()
        .code(0)
        .stdout("queued\n");
}

#[test]
fn closed_stdout_pipe_exits_quietly() {
    // `rsub -t T | head -1`: once head has its line and exits, rsub must go too, with 0 and
    // without complaining about the broken pipe.
    let (b, t) = broker_and_topic!();
    let (mut sub, stdout) = Sub::spawn_stdout_piped(rsub(&b).args(["-t", &t]));
    let mut reader = BufReader::new(stdout);
    // Publish until the first line comes through: then rsub is subscribed.
    let (tx, rx) = std::sync::mpsc::channel();
    let head = std::thread::spawn(move || {
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        tx.send(line).unwrap();
        // Dropping the reader closes the pipe, as `head -1` exiting does.
    });
    let deadline = Instant::now() + SHORT;
    let first = loop {
        rpub(&b).args(["-t", &t, "-m", "first"]).run().code(0);
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            break line;
        }
        if Instant::now() > deadline {
            sub.fail("no line reached the pipe");
        }
    };
    head.join().unwrap();
    assert_eq!(first, "first\n");
    // rsub notices the closed pipe at its next write.
    let deadline = Instant::now() + SHORT;
    while !sub.has_exited() {
        if Instant::now() > deadline {
            sub.fail("rsub kept running after its stdout was closed");
        }
        rpub(&b).args(["-t", &t, "-m", "more"]).run().code(0);
        std::thread::sleep(Duration::from_millis(100));
    }
    sub.finish(SHORT).code(0).stderr_empty();
}
