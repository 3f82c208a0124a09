//! `rpub --clients N --rate R`: N connections from one process, each with its own client id
//! as the broker logs it, every message the summary calls sent arriving at a subscriber,
//! `--rate` pacing, the `--stats json` summary, refused clients counted and reported, and one
//! Ctrl+C ending all of them with the summary.

use std::time::{Duration, Instant};

use crate::util::{rpub, rsub, Broker, Output, Run, Sub, LONG, SHORT};

/// The `--stats json` object rpub printed on stdout.
#[track_caller]
fn summary(out: &Output) -> serde_json::Value {
    match serde_json::from_str(out.stdout_str().trim()) {
        Ok(value) => value,
        Err(e) => out.fail(&format!("stdout is not one JSON object: {e}")),
    }
}

/// A subscriber that exits after `n` messages (or fails the test after a while).
fn counting(b: &Broker, t: &str, n: u64, qos: &str) -> Sub {
    counting_as(b, t, n, qos, &[])
}

fn counting_as(b: &Broker, t: &str, n: u64, qos: &str, extra: &[&str]) -> Sub {
    rsub(b)
        .args(["-q", qos, "-t", t, "-C", &n.to_string(), "-W", "60"])
        .args(extra)
        .subscribed()
}

#[test]
fn ten_clients_each_appear_in_the_broker_log_with_their_ids() {
    let (b, t) = broker_and_topic!();
    let sub = counting(&b, &t, 50, "1");
    let out = rpub(&b)
        .args(["-i", "swarm", "--clients", "10", "--count", "5", "-q", "1"])
        .args(["-t", &t, "-m", "load {n}"])
        .run_within(LONG);
    out.code(0)
        .stdout("")
        .stderr_mentions("10 clients, 10 connected; 50 messages, 50 sent, 50 acknowledged in ");
    let left: Vec<String> = (1..=10)
        .map(|k| format!("Client swarm-{k} disconnected."))
        .collect();
    let log = b.log_holding(&left, SHORT);
    for k in 1..=10 {
        let connected = format!(" as swarm-{k} (");
        let left = format!("Client swarm-{k} disconnected.");
        if !log.contains(&connected) || !log.contains(&left) {
            out.fail(&format!(
                "the broker did not log swarm-{k} connecting and disconnecting"
            ));
        }
    }
    if log.contains(" as swarm-11 (") || log.contains(" as swarm (") {
        out.fail("a client id outside swarm-1 ... swarm-10");
    }
    let got = sub.finish(LONG).code(0).stdout_lines();
    assert_eq!(got.len(), 50);
    // --count is per client: each client sent its own "load 1" ... "load 5".
    for n in 1..=5 {
        let each = got.iter().filter(|l| **l == format!("load {n}")).count();
        assert_eq!(each, 10, "load {n}: {got:?}");
    }
}

#[test]
fn the_json_summary_counts_what_the_subscriber_received() {
    let (b, t) = broker_and_topic!();
    let sub = counting(&b, &t, 120, "1");
    let out = rpub(&b)
        .args([
            "--clients",
            "4",
            "--count",
            "30",
            "-q",
            "1",
            "--stats",
            "json",
        ])
        .args(["-t", &t, "-m", "x"])
        .run_within(LONG);
    out.code(0).stderr_empty();
    let json = summary(&out);
    for (key, value) in [
        ("clients", 4),
        ("connected", 4),
        ("refused", 0),
        ("messages", 120),
        ("sent", 120),
        ("acknowledged", 120),
        ("failed", 0),
    ] {
        assert_eq!(json[key], value, "{key} in {json}");
    }
    assert_eq!(json["qos"]["1"]["sent"], 120, "{json}");
    assert!(json["duration"].as_f64().is_some_and(|d| d > 0.0), "{json}");
    assert!(json["rate"].as_f64().is_some_and(|r| r > 0.0), "{json}");
    let received = sub.finish(LONG).code(0).stdout_lines().len() as u64;
    assert_eq!(Some(received), json["sent"].as_u64());
}

#[test]
fn qos_0_clients_without_an_id_get_random_ones() {
    let (b, t) = broker_and_topic!();
    let sub = counting(&b, &t, 30, "0");
    let out = rpub(&b)
        .args(["--clients", "3", "--count", "10", "--stats", "json"])
        .args(["-t", &t, "-m", "x"])
        .run_within(LONG);
    out.code(0);
    assert_eq!(summary(&out)["sent"], 30);
    let log = b.log();
    let ids: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split(" as rpub-").nth(1))
        .filter_map(|rest| rest.split(' ').next())
        .collect();
    assert_eq!(ids.len(), 3, "{log}");
    for k in 1..=3 {
        assert_eq!(
            ids.iter()
                .filter(|id| id.ends_with(&format!("-{k}")))
                .count(),
            1,
            "{ids:?}"
        );
    }
    sub.finish(LONG).code(0);
}

#[test]
fn a_rate_paces_the_messages() {
    let (b, t) = broker_and_topic!();
    let sub = counting(&b, &t, 100, "1");
    let started = Instant::now();
    rpub(&b)
        .args([
            "--rate", "50", "--count", "100", "-q", "1", "-t", &t, "-m", "x",
        ])
        .run_within(LONG)
        .code(0);
    // 100 messages at 50 per second: 99 gaps of 20 ms. Only a lower bound: a slow machine
    // may take longer, never less.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1500), "took {took:?}");
    assert_eq!(sub.finish(LONG).code(0).stdout_lines().len(), 100);
}

#[test]
fn a_total_rate_is_shared_by_the_clients_and_a_per_client_rate_is_not() {
    let (b, t) = broker_and_topic!();
    let started = Instant::now();
    // 4 clients at 40 per second in all: 10 each per second, 20 each take about 1.9 s.
    rpub(&b)
        .args([
            "--clients",
            "4",
            "--rate",
            "40",
            "--count",
            "20",
            "-t",
            &t,
            "-m",
            "x",
        ])
        .run_within(LONG)
        .code(0);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1500), "took {took:?}");
    let started = Instant::now();
    rpub(&b)
        .args(["--clients", "4", "--rate", "20/client", "--count", "40"])
        .args(["-t", &t, "-m", "x"])
        .run_within(LONG)
        .code(0);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1500), "took {took:?}");
}

#[test]
fn clients_with_a_wrong_password_are_reported_refused() {
    let b = Broker::with_users(&[("Kai", "1234")], "");
    let out = rpub(&b)
        .args(["-u", "Kai", "-P", "wrong", "--clients", "3", "--count", "5"])
        .args(["-t", "t", "-m", "x", "--stats", "json"])
        .run();
    out.code(4).never_shows("wrong");
    let json = summary(&out);
    assert_eq!(
        (json["refused"].as_u64(), json["connected"].as_u64()),
        (Some(3), Some(0))
    );
    assert_eq!(json["sent"], 0);
    let error = out.stderr_lines();
    assert_eq!(error.len(), 1, "{error:?}");
    assert!(
        error[0].starts_with("rpub: 3 of 3 clients could not connect: ")
            && error[0].to_lowercase().contains("not authori"),
        "{error:?}"
    );
}

#[test]
fn a_client_the_broker_refuses_does_not_stop_the_others() {
    // Only client ids that start with "lab-1" are let in: of lab-1, lab-2 and lab-3 the
    // broker refuses two in its CONNACK, and lab-1 carries on.
    let (b, t) = broker_and_topic!(Broker::with_config("clientid_prefixes lab-1"));
    let sub = counting_as(&b, &t, 10, "1", &["-i", "lab-1-sub"]);
    let out = rpub(&b)
        .args(["-i", "lab", "--clients", "3", "--count", "10", "-q", "1"])
        .args(["-t", &t, "-m", "x", "--stats", "json"])
        .run_within(LONG);
    let json = summary(&out);
    assert_eq!(
        (json["connected"].as_u64(), json["refused"].as_u64()),
        (Some(1), Some(2)),
        "{json}"
    );
    assert_eq!(
        (json["sent"].as_u64(), json["failed"].as_u64()),
        (Some(10), Some(0))
    );
    out.code(4)
        .stderr_mentions("2 of 3 clients could not connect: ");
    assert_eq!(sub.finish(LONG).code(0).stdout_lines().len(), 10);
}

#[test]
fn one_ctrl_c_ends_every_client_with_the_summary() {
    let (b, t) = broker_and_topic!();
    let mut run = Sub::spawn(
        rpub(&b)
            .args([
                "--clients",
                "5",
                "--rate",
                "50",
                "-q",
                "1",
                "--stats",
                "json",
            ])
            .args(["-i", "endless", "-t", &t, "-m", "x"]),
    );
    std::thread::sleep(Duration::from_millis(1500));
    run.interrupt();
    let out = run.finish(SHORT);
    out.interrupted();
    let json = summary(&out);
    assert_eq!(json["connected"], 5);
    assert!(json["sent"].as_u64().is_some_and(|n| n > 0), "{json}");
    let left: Vec<String> = (1..=5)
        .map(|k| format!("Client endless-{k} disconnected."))
        .collect();
    let log = b.log_holding(&left, SHORT);
    for k in 1..=5 {
        if !log.contains(&format!("Client endless-{k} disconnected.")) {
            out.fail(&format!("endless-{k} did not send DISCONNECT"));
        }
    }
}

#[test]
fn load_flags_that_do_not_fit_are_refused() {
    let b = Broker::start();
    for args in [
        &["--clients", "0", "-t", "t", "-m", "x"][..],
        &["--clients", "2", "-t", "t", "-l"],
        &["--rate", "0", "-t", "t", "-m", "x"],
        &["--rate", "5/host", "-t", "t", "-m", "x"],
        &[
            "--rate",
            "5",
            "--interval",
            "1s",
            "--count",
            "2",
            "-t",
            "t",
            "-m",
            "x",
        ],
        &["--connect-rate", "5", "-t", "t", "-m", "x"],
        &["--stats", "json", "-t", "t", "-m", "x"],
    ] {
        rpub(&b).args(args).run().usage_error("rpub");
    }
}

#[test]
fn a_hundred_clients_at_once_from_one_process() {
    let (b, t) = broker_and_topic!();
    let sub = counting(&b, &t, 1000, "1");
    let out = rpub(&b)
        .args([
            "--clients",
            "100",
            "--connect-rate",
            "0",
            "--count",
            "10",
            "-q",
            "1",
        ])
        .args(["-t", &t, "-m", "x", "--stats", "json"])
        .run_within(LONG);
    out.code(0);
    let json = summary(&out);
    assert_eq!(
        (json["connected"].as_u64(), json["sent"].as_u64()),
        (Some(100), Some(1000))
    );
    assert_eq!(sub.finish(LONG).code(0).stdout_lines().len(), 1000);
}
