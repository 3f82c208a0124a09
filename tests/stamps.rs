//! Stamped messages: `rpub --stamp` puts "stamp/1 PUBLISHER SEQ MICROS " before each payload,
//! and `rsub --check-seq` and `--latency` read it back. Losses are made real (a subscriber
//! frozen with SIGSTOP behind a broker with a small queue), duplicates and reordering by
//! replaying a capture, and each summary is checked as a user reads it: stderr, exit status,
//! the JSON object.

use std::io::Write;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::util::{rpub, rsub, Broker, Output, Run, Sub, LONG, SHORT};

/// Microseconds since the epoch, now.
fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

/// The fields of a stamped payload as text: publisher, number, send time, and the payload.
fn fields(payload: &str) -> (String, u64, u64, String) {
    let mut parts = payload.splitn(5, ' ');
    let magic = parts.next().unwrap_or_default();
    assert_eq!(magic, "stamp/1", "{payload:?}");
    let publisher = parts.next().unwrap_or_default().to_string();
    let seq = parts.next().and_then(|s| s.parse().ok());
    let sent = parts.next().and_then(|s| s.parse().ok());
    let body = parts.next().unwrap_or_default().to_string();
    match (seq, sent) {
        (Some(seq), Some(sent)) => (publisher, seq, sent, body),
        _ => panic!("not a stamp: {payload:?}"),
    }
}

/// The summary object: the last line of stderr with `--json`.
fn summary(out: &Output) -> Value {
    let last = out.stderr_lines().last().copied().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| out.fail(&format!("not JSON ({e}): {last}")))
}

fn signal(sub: &Sub, signal: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(sub.id().to_string())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill -{signal}");
}

#[test]
fn stamped_payloads_read_as_documented_and_plain_ones_stay_byte_exact() {
    let (b, t) = broker_and_topic!();
    let mut sub = rsub(&b).args(["-t", &format!("{t}/#"), "-v"]).subscribed();
    let before = now_us();
    rpub(&b)
        .args(["-t", &format!("{t}/m"), "-m", "msg {n}", "--count", "3"])
        .args(["-q", "1", "--stamp", "-i", "lab pc/1"])
        .run()
        .code(0);
    let after = now_us();
    rpub(&b)
        .args(["-t", &format!("{t}/l"), "-l", "--stamp"])
        .run_stdin("first\n\nsecond\n")
        .code(0);
    rpub(&b)
        .args(["-t", &format!("{t}/plain"), "-m", "stamp-free {n}"])
        .run()
        .code(0);
    let lines = sub.wait_stdout_lines(6, SHORT);
    let mut publishers = Vec::new();
    for (i, line) in lines[..3].iter().enumerate() {
        let payload = line
            .strip_prefix(&format!("{t}/m "))
            .unwrap_or_else(|| sub.fail(&format!("line {line:?}")));
        let (publisher, seq, sent, body) = fields(payload);
        // The client id, escaped, then 8 hex digits of the run.
        let run = publisher.strip_prefix("lab%20pc%2F1/").unwrap_or_default();
        assert!(
            run.len() == 8 && run.bytes().all(|c| c.is_ascii_hexdigit()),
            "{publisher}"
        );
        assert_eq!((seq, body), (i as u64 + 1, format!("msg {}", i + 1)));
        assert!(
            (before..=after).contains(&sent),
            "{sent} not in {before}..={after}"
        );
        publishers.push(publisher);
    }
    assert!(publishers.iter().all(|p| *p == publishers[0]));
    let lined: Vec<(u64, String)> = lines[3..5]
        .iter()
        .map(|line| {
            let (publisher, seq, _, body) = fields(&line[t.len() + 3..]);
            assert!(publisher.starts_with("rpub-") && publisher != publishers[0]);
            (seq, body)
        })
        .collect();
    assert_eq!(lined, [(1, "first".into()), (2, "second".into())]);
    // Without --stamp, not a byte changes.
    assert_eq!(lines[5], format!("{t}/plain stamp-free {{n}}"));
}

#[test]
fn a_frozen_subscriber_loses_messages_and_check_seq_names_the_gap() {
    // The broker keeps at most 10 messages for a subscriber that does not take them, besides
    // the 2 sent and not yet acknowledged; the rest of the 500 are dropped for it.
    let (b, t) = broker_and_topic!(Broker::with_config(
        "max_queued_messages 10\nmax_inflight_messages 2"
    ));
    let mut sub = rsub(&b)
        .args(["-t", &t, "-q", "1", "--check-seq", "--json"])
        .args(["--expect", "the end$"])
        .subscribed();
    signal(&sub, "STOP");
    let (mut publisher, mut stdin) =
        Sub::spawn_with_stdin(rpub(&b).args(["-t", &t, "-q", "1", "-l", "-v", "--stamp"]));
    let lines: String = (1..=500).map(|n| format!("message {n}\n")).collect();
    stdin.write_all(lines.as_bytes()).unwrap();
    // Every one acknowledged by the broker, before the subscriber takes any.
    publisher.wait_stdout_lines(500, LONG);
    signal(&sub, "CONT");
    // The 12 the broker kept taken, there is room for one more; should the broker still drop
    // it (it may not have read the acknowledgements yet), another follows.
    sub.wait_for_stderr("sending PUBACK (m12)", SHORT);
    let mut sent = 500;
    while !sub.has_exited() && sent < 510 {
        stdin.write_all(b"the end\n").unwrap();
        sent += 1;
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    drop(stdin);
    publisher.finish(SHORT).code(0);
    let out = sub.finish(SHORT);
    out.code(8);
    let check = &summary(&out)["check_seq"];
    let stream = &check["streams"][0];
    let missing = stream["missing"].as_u64().unwrap_or_default();
    let received = stream["received"].as_u64().unwrap_or_default();
    // The highest is an end line: the first that the broker did not drop.
    let highest = stream["highest"].as_u64().unwrap_or_default();
    assert!(500 < highest && highest <= sent, "{check}");
    assert!(missing >= 400 && received + missing == highest, "{check}");
    assert_eq!(
        (check["missing"].as_u64(), check["duplicated"].as_u64()),
        (Some(missing), Some(0))
    );
    // The missing numbers as ranges, adding up, none of them the first or the last.
    let ranges: Vec<(u64, u64)> = stream["missing_ranges"]
        .as_array()
        .unwrap_or_else(|| out.fail("no missing_ranges"))
        .iter()
        .map(|r| (r[0].as_u64().unwrap_or(0), r[1].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(ranges.iter().map(|(a, z)| z - a + 1).sum::<u64>(), missing);
    assert!(
        ranges.iter().all(|&(a, z)| 1 < a && a <= z && z < highest),
        "{ranges:?}"
    );
    // Said live too, the moment the gap showed.
    let (a, z) = ranges[0];
    out.stderr_mentions(&format!("{t} from "));
    out.stderr_mentions(&format!(": {a}-{z} missing"));
}

#[test]
fn all_delivered_is_exit_0_and_the_summary_says_nothing_missing() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-t", &t, "-q", "1", "-C", "50", "--check-seq", "--latency"])
        .subscribed();
    let out = rpub(&b)
        .args([
            "-t",
            &t,
            "-q",
            "1",
            "-m",
            "reading {n}",
            "--count",
            "50",
            "--stamp",
        ])
        .run();
    out.code(0);
    let got = sub.finish(SHORT);
    got.code(0);
    got.stderr_mentions(
        "rsub: sequence check: 50 stamped messages, 1 publisher/topic pairs: nothing missing, 0 duplicated, 0 out of order",
    );
    got.stderr_mentions(": 50 received of 1-50, 0 missing, 0 duplicated, 0 out of order");
    // p50 <= p90 <= p99 <= p99.9 <= max, each below the time the run took.
    let line = got
        .stderr_lines()
        .into_iter()
        .find(|l| l.starts_with("rsub: latency of 50 messages: p50 "))
        .unwrap_or_else(|| got.fail("no latency line"));
    let figures: Vec<f64> = line
        .split(' ')
        .filter_map(|w| w.trim_end_matches(',').parse::<f64>().ok())
        .skip(1)
        .collect();
    assert_eq!(figures.len(), 5, "{line}");
    assert!(figures.windows(2).all(|w| w[0] <= w[1]), "{line}");
    let wall_ms = got.elapsed.as_secs_f64() * 1000.0;
    assert!(figures[4] < wall_ms, "{line}: the run took {wall_ms} ms");
}

#[test]
fn latency_as_json_parses_and_is_ordered() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-t", &t, "-C", "20", "--latency", "--json"])
        .subscribed();
    rpub(&b)
        .args(["-t", &t, "-m", "x", "--count", "20", "--stamp"])
        .args(["--interval", "10ms"])
        .run()
        .code(0);
    let out = sub.finish(SHORT);
    out.code(0);
    // stdout stays the messages, as JSON lines.
    assert_eq!(out.stdout_lines().len(), 20);
    let latency = &summary(&out)["latency"];
    assert_eq!(latency["messages"], 20, "{latency}");
    assert_eq!(latency["negative"], 0, "{latency}");
    let figures: Vec<u64> = ["p50_us", "p90_us", "p99_us", "p99_9_us", "max_us"]
        .iter()
        .map(|k| latency[k].as_u64().unwrap_or_else(|| out.fail(k)))
        .collect();
    assert!(figures.windows(2).all(|w| w[0] <= w[1]), "{latency}");
    assert!(figures[4] < out.elapsed.as_micros() as u64, "{latency}");
}

/// Three stamped messages as `rsub --json` captured them.
fn capture(b: &Broker, t: &str) -> Vec<String> {
    let sub = rsub(b).args(["-t", t, "-C", "3", "--json"]).subscribed();
    rpub(b)
        .args(["-t", t, "-m", "m{n}", "--count", "3", "--stamp"])
        .run()
        .code(0);
    let out = sub.finish(SHORT);
    out.code(0);
    out.stdout_lines()
}

/// rsub --check-seq's run while the lines of a capture of three stamped messages are replayed
/// in the order `order` (indices into the capture).
fn replayed(order: &[usize]) -> Output {
    let (b, t) = broker_and_topic!();
    let captured = capture(&b, &t);
    let sub = rsub(&b)
        .args(["-t", &t, "-C", &order.len().to_string(), "--check-seq"])
        .subscribed();
    let input: String = order
        .iter()
        .map(|&i| format!("{}\n", captured[i]))
        .collect();
    rpub(&b).arg("--stdin-json").run_stdin(input).code(0);
    sub.finish(SHORT)
}

#[test]
fn a_capture_replayed_twice_is_reported_as_duplicated() {
    let out = replayed(&[0, 1, 2, 0, 1, 2]);
    // Duplicates are no loss.
    out.code(0);
    out.stderr_mentions(": 1 duplicated");
    out.stderr_mentions(": 3 duplicated");
    out.stderr_mentions("nothing missing, 3 duplicated, 0 out of order");
}

#[test]
fn a_capture_replayed_out_of_order_is_reported_so() {
    let out = replayed(&[2, 0, 1]);
    out.code(0);
    out.stderr_mentions(": 1-2 missing");
    out.stderr_mentions(": 1 out of order (after 3)");
    out.stderr_mentions(": 2 out of order (after 3)");
    out.stderr_mentions("nothing missing, 0 duplicated, 2 out of order");
}

#[test]
fn a_replay_with_stamp_numbers_anew() {
    let (b, t) = broker_and_topic!();
    let captured = capture(&b, &t);
    let mut sub = rsub(&b).args(["-t", &t, "-C", "3"]).subscribed();
    let input = format!("{}\n", captured.join("\n"));
    rpub(&b)
        .args(["--stdin-json", "--stamp"])
        .run_stdin(input)
        .code(0);
    let lines = sub.wait_stdout_lines(3, SHORT);
    let first: Value = serde_json::from_str(&captured[0]).unwrap();
    let (old, ..) = fields(first["payload"].as_str().unwrap_or_default());
    for (i, line) in lines.iter().enumerate() {
        let (publisher, seq, _, body) = fields(line);
        assert_ne!(publisher, old, "{line}");
        assert_eq!((seq, body), (i as u64 + 1, format!("m{}", i + 1)), "{line}");
    }
}

#[test]
fn unstamped_and_broken_stamps_are_counted_not_errors() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-t", &t, "-C", "2", "--check-seq"])
        .subscribed();
    rpub(&b).args(["-t", &t, "-m", "plain"]).run().code(0);
    rpub(&b)
        .args(["-t", &t, "-m", "stamp/7 someone 1 1 from the future"])
        .run()
        .code(0);
    let out = sub.finish(SHORT);
    out.code(0);
    out.stderr_mentions(&format!(
        "rsub: {t}: stamp version 7 is not known (this rsub reads version 1)"
    ));
    out.stderr_mentions("rsub: 1 messages without a stamp, 1 with a broken one (not checked)");
    out.stdout("plain\nstamp/7 someone 1 1 from the future\n");
}

#[test]
fn the_summary_comes_after_ctrl_c_too() {
    let (b, t) = broker_and_topic!();
    let mut sub = rsub(&b).args(["-t", &t, "--check-seq"]).subscribed();
    rpub(&b)
        .args(["-t", &t, "-m", "x", "--count", "2", "--stamp"])
        .run()
        .code(0);
    sub.wait_stdout_lines(2, SHORT);
    sub.interrupt();
    let out = sub.finish(SHORT);
    out.interrupted();
    out.stderr_mentions("2 stamped messages, 1 publisher/topic pairs: nothing missing");
}

#[test]
fn a_file_and_all_of_stdin_are_stamped_whole() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "2", "--json"]).subscribed();
    let file = b.dir().join("payload.bin");
    std::fs::write(&file, b"line 1\nline 2\n").unwrap();
    let path = file.to_str().unwrap_or_default();
    rpub(&b)
        .args(["-t", &t, "-f", path, "--stamp"])
        .run()
        .code(0);
    rpub(&b)
        .args(["-t", &t, "-s", "--stamp"])
        .run_stdin("all\nof stdin")
        .code(0);
    let out = sub.finish(SHORT);
    out.code(0);
    let bodies: Vec<(u64, String)> = out
        .stdout_lines()
        .iter()
        .map(|l| {
            let line: Value = serde_json::from_str(l).unwrap();
            let (_, seq, _, body) = fields(line["payload"].as_str().unwrap_or_default());
            (seq, body)
        })
        .collect();
    assert_eq!(
        bodies,
        [(1, "line 1\nline 2\n".into()), (1, "all\nof stdin".into())]
    );
}

#[test]
fn each_client_of_a_load_run_stamps_as_a_publisher_of_its_own() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-t", &t, "-q", "1", "-C", "30", "--check-seq"])
        .subscribed();
    let out = rpub(&b)
        .args(["-t", &t, "-q", "1", "-m", "m", "-i", "lab"])
        .args(["--clients", "3", "--count", "10", "--stamp"])
        .run();
    out.code(0);
    let got = sub.finish(SHORT);
    got.code(0);
    got.stderr_mentions(
        "rsub: sequence check: 30 stamped messages, 3 publisher/topic pairs: nothing missing, 0 duplicated, 0 out of order",
    );
    // Each client numbers its own messages from 1, under its own id.
    let ids: std::collections::BTreeSet<String> = got
        .stdout_str()
        .lines()
        .map(|l| fields(l).0)
        .map(|id| id.split('/').next().unwrap_or_default().to_string())
        .collect();
    let expected: std::collections::BTreeSet<String> =
        ["lab-1", "lab-2", "lab-3"].map(String::from).into();
    assert_eq!(ids, expected, "{}", got.stdout_str());
}
