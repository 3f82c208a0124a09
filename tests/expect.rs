//! Health checks: `rsub --expect REGEX` and `--expect-json 'POINTER OP VALUE'` wait for the
//! first matching message, print it and exit 0; with `-W` they exit 27 when none came.

use crate::util::{rpub, rsub, Broker, Run, SHORT};

/// Publishes each payload to `t`, in order, with QoS 1.
fn publish(b: &Broker, t: &str, payloads: &[&str]) {
    for p in payloads {
        rpub(b).args(["-q", "1", "-t", t, "-m", p]).run().code(0);
    }
}

#[test]
fn regex_match_prints_it_and_exits_0() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-v", "-t", &t, "--expect", "^online$", "-W", "10"])
        .subscribed();
    publish(&b, &t, &["booting", "offline", "online", "after"]);
    sub.finish(SHORT).code(0).stdout(format!("{t} online\n"));
}

#[test]
fn json_comparison_on_a_pointer() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-t", &t])
        .args(["--expect-json", "/sensor/temp > 30"])
        .args(["--expect-json", "/sensor/state == on"])
        .subscribed();
    publish(
        &b,
        &t,
        &[
            "not json",
            r#"{"sensor": {"temp": 20, "state": "on"}}"#,
            r#"{"sensor": {"temp": 35, "state": "off"}}"#,
            r#"{"sensor": {"temp": 35.5, "state": "on"}}"#,
            r#"{"sensor": {"temp": 40, "state": "on"}}"#,
        ],
    );
    sub.finish(SHORT)
        .code(0)
        .stdout("{\"sensor\": {\"temp\": 35.5, \"state\": \"on\"}}\n");
}

#[test]
fn count_with_expect_waits_for_that_many_matches() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-t", &t, "--expect", "ok", "-C", "2"])
        .subscribed();
    publish(&b, &t, &["ok 1", "bad", "ok 2", "ok 3"]);
    sub.finish(SHORT).code(0).stdout("ok 1\nok 2\n");
}

#[test]
fn nothing_matched_in_time_exits_27() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-t", &t, "--expect", "^ready$", "-W", "1"])
        .subscribed();
    publish(&b, &t, &["not ready", "ready?"]);
    let out = sub.finish(SHORT);
    out.code(27).stdout("");
    let errors = out.stderr_lines();
    if !errors.contains(&"rsub: timed out after 1s: none of 2 messages matched") {
        out.fail("expected the timeout line");
    }
}

#[test]
fn a_retained_status_is_enough() {
    let (b, t) = broker_and_topic!();
    rpub(&b)
        .args(["-r", "-t", &t, "-m", r#"{"status": "up"}"#])
        .run()
        .code(0);
    rsub(&b)
        .args(["-t", &t, "--expect-json", "/status == up", "-W", "5"])
        .run()
        .code(0)
        .stdout("{\"status\": \"up\"}\n");
    rsub(&b)
        .args(["-t", &t, "--expect-json", "/status == down", "-W", "1"])
        .run()
        .code(27)
        .stdout("");
}

#[test]
fn bad_conditions_are_usage_errors() {
    let b = Broker::start();
    for (args, says) in [
        (["--expect", "(unclosed"], "not a regular expression"),
        (["--expect-json", "temp > 3"], "not a JSON pointer"),
        (["--expect-json", "/temp >"], "no value after the operator"),
        (["--expect-json", "/temp = 3"], "expected an operator"),
    ] {
        rsub(&b)
            .args(["-t", "x"])
            .args(args)
            .run()
            .usage_error("rsub")
            .stderr_mentions(&format!("{} '{}'", args[0], args[1]))
            .stderr_mentions(says);
    }
}

#[test]
fn a_comparison_that_can_never_match_is_refused_at_start() {
    for (condition, named) in [
        ("/temp >> 3", "'> 3' is neither JSON"),
        ("/temp == {bad", "'{bad' is neither JSON"),
    ] {
        let out = crate::util::bin("rsub")
            .env("MQTT_HOST", "127.0.0.1")
            .env("MQTT_PORT", crate::util::unused_port().to_string())
            .args(["-t", "t", "--expect-json", condition])
            .run();
        out.usage_error("rsub").stderr_mentions(named);
    }
}
