//! Flags mosquitto_pub and mosquitto_sub take, taken with their meaning: `-M` (in-flight
//! window), `--random-filter`, `--nodelay`; each checked for what a user sees.

use crate::util::{assert_counting, bin, rpub, rsub, Broker, Output, Run, LONG, SHORT};

/// The most QoS 1 PUBLISHes the `-d` trace shows sent and not yet acknowledged at once.
fn most_in_flight(out: &Output) -> usize {
    let (mut now, mut most) = (0usize, 0usize);
    for line in out.stderr_lines() {
        if line.contains(" sending PUBLISH (d0, q1") {
            now += 1;
            most = most.max(now);
        } else if line.contains(" received PUBACK ") {
            now = now.saturating_sub(1);
        }
    }
    most
}

/// `rpub -d -q 1 --count 200 ARGS` into `rsub -q 1 -C 200`: every message, in order, and
/// the trace of what rpub had in flight.
fn publish_200(args: &[&str]) -> Output {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-q", "1", "-t", &t, "-C", "200"])
        .subscribed();
    let out = rpub(&b)
        .args(["-d", "-q", "1", "-t", &t, "-m", "{n}", "--count", "200"])
        .args(["--interval", "0"])
        .args(args)
        .run();
    out.code(0);
    let got = sub.finish(SHORT);
    got.code(0);
    assert_counting(&got.stdout_lines(), "QoS 1 with -M");
    if got.stdout_lines().len() != 200 {
        got.fail("expected 200 messages");
    }
    out
}

#[test]
fn max_inflight_bounds_what_is_unacknowledged_and_delivers_in_order() {
    let out = publish_200(&["-M", "2"]);
    let most = most_in_flight(&out);
    if most != 2 {
        out.fail(&format!("-M 2: {most} PUBLISHes were in flight at once"));
    }
    // Without -M the window is wider: the trace above shows -M's effect, not the broker's pace.
    let out = publish_200(&[]);
    if most_in_flight(&out) <= 2 {
        out.fail("without -M, more than 2 PUBLISHes should be in flight at some point");
    }
}

/// `rsub --random-filter PERCENT` while 1,000 messages arrive: how many it printed.
fn printed_of_1000(percent: &str) -> usize {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-q", "1", "-t", &t, "--random-filter", percent, "-W", "3"])
        .subscribed();
    rpub(&b)
        .args([
            "-q",
            "1",
            "-t",
            &t,
            "-m",
            "{n}",
            "--count",
            "1000",
            "--interval",
            "0",
        ])
        .run_within(LONG)
        .code(0);
    let out = sub.finish(LONG);
    // Timed out after the burst: exit 27 with the count of what it printed.
    out.code(27);
    out.stdout_lines().len()
}

#[test]
fn random_filter_prints_the_share_its_help_says() {
    let half = printed_of_1000("50");
    assert!(
        (350..=650).contains(&half),
        "--random-filter 50 printed {half} of 1000"
    );
    assert_eq!(
        printed_of_1000("100"),
        1000,
        "--random-filter 100 prints all"
    );
}

#[test]
fn random_filter_zero_prints_nothing_and_bad_values_are_named() {
    assert_eq!(printed_of_1000("0"), 0);
    let out = rsub_refused(&["--random-filter", "150"]);
    out.stderr_mentions("--random-filter")
        .stderr_mentions("'150'");
}

fn rsub_refused(args: &[&str]) -> Output {
    let out = crate::util::bin("rsub").args(["-t", "x"]).args(args).run();
    out.usage_error("rsub");
    out
}

#[test]
fn nodelay_accepted_by_both() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["--nodelay", "-t", &t, "-C", "1"])
        .subscribed();
    rpub(&b)
        .args(["--nodelay", "-t", &t, "-m", "quick"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("quick\n");
}

#[test]
fn bind_address_is_the_source_the_broker_sees() {
    // The broker listens on 127.0.0.1; both tools connect from 127.0.0.2, as its log shows.
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-A", "127.0.0.2", "-i", "bound-sub", "-t", &t, "-C", "1"])
        .subscribed();
    rpub(&b)
        .args([
            "-A",
            "127.0.0.2",
            "-i",
            "bound-pub",
            "-t",
            &t,
            "-m",
            "bound",
        ])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("bound\n");
    let log = b.log();
    for id in ["bound-sub", "bound-pub"] {
        let line = log.lines().find(|l| l.contains(&format!(" as {id} ")));
        match line {
            Some(line) if line.contains(" from 127.0.0.2:") => {}
            _ => panic!("the broker should see {id} come from 127.0.0.2:\n{log}"),
        }
    }
}

/// `-A` of one family tries only the broker's addresses of that family: `localhost` is
/// 127.0.0.1, then ::1, and `-A ::1` skips the first to reach a broker on ::1. The line
/// tells the refusal of an address tried, or, when none was of its family, that.
#[test]
fn bind_address_skips_the_brokers_addresses_of_the_other_family() {
    let Some((b, port)) = Broker::on_ipv6_loopback() else {
        return;
    };
    let publish = |host: &str, extra: &[&str]| {
        bin("rpub")
            .args(["-h", host, "-p", &port, "-t", "a/b", "-m", "x", "-q", "1"])
            .args(extra)
            .run()
    };
    publish("localhost", &["-A", "::1", "-i", "bound-v6"])
        .code(0)
        .stderr_empty();
    let log = b.log_holding(&[" as bound-v6 "], SHORT);
    let line = log.lines().find(|l| l.contains(" as bound-v6 "));
    assert!(
        line.is_some_and(|l| l.contains(" from ::1:")),
        "the broker should see bound-v6 come from ::1:\n{log}"
    );
    // From 127.0.0.1: nothing listens on 127.0.0.1 there, and that refusal is what is told,
    // not that ::1 was out of reach.
    publish("localhost", &["-A", "127.0.0.1"])
        .code(3)
        .one_error_line("rpub")
        .stderr_mentions("connection refused");
    // With no address of its family at all, that is the reason.
    publish("::1", &["-A", "127.0.0.1"])
        .code(3)
        .one_error_line("rpub")
        .stderr_mentions("the local address 127.0.0.1 cannot reach [::1]");
}

#[test]
fn bind_address_refused_for_a_unix_socket_and_when_not_an_address() {
    rsub_refused(&["--unix", "/tmp/none.sock", "-A", "127.0.0.2"])
        .stderr_mentions("-A/--bind-address");
    rsub_refused(&["-A", "eth0"]).stderr_mentions("'eth0'");
}
