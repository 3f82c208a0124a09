//! Request/response (`rpub --wait-response`), what mosquitto_rr does: the requester
//! subscribes to a response topic, publishes the request with that response topic and
//! correlation data, and prints the answer that carries the same correlation data, or none
//! (MQTT 3.1.1 too). The
//! responders here are shell pipelines of rsub and rpub, as a user would build one.

use std::process::Command;

use crate::util::{exe, isolate, mosquitto_pub, rpub, rpub_v5, rsub_v5, Broker, Run, Sub, SHORT};

/// A responder: `rsub -v` for one request, `sed` to pick the response topic and correlation
/// data out of the properties it shows, `rpub` to answer "pong <request>" there. Extra
/// arguments (`-d` from `Sub::subscribed`) go to rsub.
fn responder(b: &Broker, request_topic: &str) -> Command {
    let script = r#"
set -eu
"$RSUB" -V 5 -h 127.0.0.1 -p "$PORT" -t "$REQ" -C 1 -v "$@" |
while IFS= read -r line; do
  payload=${line#"$REQ "}
  payload=${payload%% \[*}
  rt=$(printf '%s\n' "$line" | sed -n 's/.*response-topic=\([^],]*\).*/\1/p')
  cd=$(printf '%s\n' "$line" | sed -n 's/.*correlation-data=\([^],]*\).*/\1/p')
  "$RPUB" -V 5 -h 127.0.0.1 -p "$PORT" -t "$rt" --correlation-data "$cd" -m "pong $payload"
done
"#;
    // The tools inside the script inherit the environment the harness gives every command.
    let mut cmd = Command::new("bash");
    isolate(&mut cmd)
        .args(["-c", script, "responder"])
        .env("RSUB", exe("rsub"))
        .env("RPUB", exe("rpub"))
        .env("PORT", b.port().to_string())
        .env("REQ", request_topic);
    cmd
}

#[test]
fn round_trip_with_a_shell_responder() {
    let (b, t) = broker_and_topic!();
    let server = responder(&b, &t).subscribed();
    let out = rpub_v5(&b)
        .args(["--wait-response", "5", "-t", &t, "-m", "ping"])
        .run();
    out.code(0).stdout("pong ping\n").stderr_empty();
    server.finish(SHORT).code(0);
}

/// Response topic and correlation data given by the user; QoS 1 both ways; the default wait.
#[test]
fn round_trip_with_own_response_topic_and_correlation_data() {
    let (b, t) = broker_and_topic!();
    let replies = format!("{t}/replies");
    let server = responder(&b, &t).subscribed();
    let out = rpub_v5(&b)
        .args(["-q", "1", "-t", &t, "-m", "what time is it"])
        .args(["--response-topic", &replies])
        .args(["--correlation-data", "req-42"])
        .args(["--wait-response"])
        .run();
    out.code(0).stdout("pong what time is it\n");
    server.finish(SHORT).code(0);
}

/// An answer with other correlation data belongs to another request: it is not printed, and
/// without the right answer the wait ends with exit 27.
#[test]
fn answer_with_other_correlation_data_is_ignored() {
    let (b, t) = broker_and_topic!();
    let replies = format!("{t}/replies");
    let requester = rpub_v5(&b)
        .args(["-t", &t, "-m", "ping"])
        .args(["--response-topic", &replies])
        .args(["--correlation-data", "mine"])
        .args(["--wait-response", "1500ms"])
        .subscribed();
    rpub_v5(&b)
        .args(["-t", &replies])
        .args(["--correlation-data", "someone-else"])
        .args(["-m", "not yours"])
        .run()
        .code(0);
    let out = requester.finish(SHORT);
    out.code(27).stdout("");
    if !out
        .stderr
        .contains(&format!("rpub: no response on '{replies}' within 1s 500ms"))
    {
        out.fail("expected the timeout line naming the response topic");
    }
}

/// As mosquitto_rr: an answer without correlation data (a responder of a few lines sends
/// none) is the answer, over MQTT 5 and over MQTT 3.1.1, where rpub subscribes to the
/// response topic it was given and the request carries no properties.
#[test]
fn answer_without_correlation_data_over_mqtt5_and_mqtt311() {
    let (b, t) = broker_and_topic!();
    let replies = format!("{t}/replies");
    for v5 in [true, false] {
        let requester = if v5 { rpub_v5(&b) } else { rpub(&b) }
            .args(["-t", &t, "-m", "ping"])
            .args(["--response-topic", &replies])
            .args(["--wait-response", "5"])
            .subscribed();
        // The responder: mosquitto_pub, which sends no correlation data.
        mosquitto_pub(&b)
            .args(["-t", &replies, "-m", "plain answer"])
            .run()
            .code(0);
        requester.finish(SHORT).code(0).stdout("plain answer\n");
    }
}

#[test]
fn wait_response_over_mqtt311_needs_the_response_topic() {
    let (b, t) = broker_and_topic!();
    let out = rpub(&b)
        .args(["-t", &t, "-m", "ping", "--wait-response", "1"])
        .run();
    out.usage_error("rpub").stderr_mentions("--response-topic");
}

#[test]
fn no_responder_times_out_with_27() {
    let (b, t) = broker_and_topic!();
    let out = rpub_v5(&b)
        .args(["--wait-response", "0.5"])
        .args(["-t", &t, "-m", "ping", "-i", "requester"])
        .run();
    out.code(27)
        .stdout("")
        .one_error_line("rpub")
        .stderr_mentions("no response on 'rpub/response/");
    let log = b.log_holding(&["Client requester disconnected."], SHORT);
    if !log.contains("Client requester disconnected.") {
        out.fail("rpub should still disconnect cleanly after the timeout");
    }
}

/// Request and response on the same topic: the response subscription is "no local", so rpub
/// does not take its own request for the answer.
#[test]
fn own_request_is_not_the_answer() {
    let (b, t) = broker_and_topic!();
    rpub_v5(&b)
        .args(["-t", &t, "-m", "ping"])
        .args(["--response-topic", &t])
        .args(["--wait-response", "0.5"])
        .run()
        .code(27)
        .stdout("");
}

/// A request the broker refuses (ACL) can get no answer: exit 7 at once, not a timeout.
#[test]
fn refused_request_exits_7() {
    let b = Broker::with_acl(
        &[("Kai", "1234")],
        "user Kai\ntopic readwrite allowed/#\ntopic readwrite rpub/response/#\n",
    );
    let out = rpub_v5(&b)
        .args([
            "-u", "Kai", "-P", "1234", "-q", "1", "-t", "denied/x", "-m", "ping",
        ])
        .args(["--wait-response", "5"])
        .run();
    out.code(7)
        .one_error_line("rpub")
        .stderr_mentions("not authorized (0x87)");
    if out.elapsed.as_secs() >= 5 {
        out.fail("a refused request should not wait for the timeout");
    }
}

#[test]
fn wait_response_takes_one_message_only() {
    let b = Broker::start();
    for (extra, other) in [
        (&["--count", "2"][..], "--repeat"),
        (&["-l"][..], "--stdin-line"),
    ] {
        let mut cmd = rpub(&b);
        cmd.args(["-V", "5", "-t", "x", "--wait-response", "1"])
            .args(extra);
        if extra != ["-l"] {
            cmd.args(["-m", "x"]);
        }
        cmd.run()
            .usage_error("rpub")
            .stderr_mentions("--wait-response")
            .stderr_mentions(other);
    }
}

/// The responder side of rsub alone: `-v` shows response topic and correlation data, which
/// is what a responder needs.
#[test]
fn rsub_shows_what_a_responder_needs() {
    let (b, t) = broker_and_topic!();
    let sub = rsub_v5(&b).args(["-v", "-t", &t, "-C", "1"]).subscribed();
    let _requester = Sub::spawn(
        rpub_v5(&b)
            .args(["-t", &t, "-m", "q"])
            .args(["--response-topic", "answers/here"])
            .args(["--correlation-data", "id-9"])
            .args(["--wait-response", "2"]),
    );
    sub.finish(SHORT).code(0).stdout(format!(
        "{t} q [response-topic=answers/here, correlation-data=id-9]\n"
    ));
}

/// A persistent session that comes back to three 1 MiB messages queued on its response topic
/// (more than the tools hold waiting at once) still gets its SUBACK, sends the request and
/// prints the answer: what arrives before the SUBACK is taken and dropped (it cannot answer a
/// request not yet sent) instead of filling the queue the SUBACK waits behind.
#[test]
fn a_full_session_queue_does_not_hold_back_the_response_subscription() {
    let (b, t) = broker_and_topic!();
    let replies = format!("{t}/replies");
    let id = format!("rr-{}", std::process::id());
    let visit = |message: &str, correlation: &str, wait: &str| {
        let mut cmd = rpub_v5(&b);
        cmd.args([
            "-c", "-i", &id, "-x", "300", "-q", "1", "-t", &t, "-m", message,
        ])
        .args([
            "--response-topic",
            &replies,
            "--correlation-data",
            correlation,
        ])
        .args(["--wait-response", wait]);
        cmd
    };
    // The first visit leaves the session subscribed to the response topic at QoS 1.
    visit("first", "one", "300ms").run().code(27);
    let dir = tempfile::tempdir().unwrap();
    let large = dir.path().join("large");
    std::fs::write(&large, vec![b'x'; 1 << 20]).unwrap();
    rpub_v5(&b)
        .args(["-q", "1", "-t", &replies, "--count", "3", "-f"])
        .arg(&large)
        .run()
        .code(0);
    let server = responder(&b, &t).subscribed();
    visit("second", "two", "5")
        .run()
        .code(0)
        .stdout("pong second\n");
    server.finish(SHORT).code(0);
}
