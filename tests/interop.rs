//! rpub and rsub are drop-in replacements: they talk to the reference clients mosquitto_pub and
//! mosquitto_sub in both directions, for text, binary, retained and MQTT 5 messages.

use std::fs;

use crate::util::{
    assert_counting, mosquitto_pub, mosquitto_sub, random_bytes, rpub, rsub, Broker, Run, Sub,
    LONG, SHORT,
};

/// Starts `mosquitto_sub ARGS -t T/ready` and waits until it is subscribed. mosquitto_sub
/// prints its `-d` trace on stdout, so it cannot be synced on the trace like rsub: instead a
/// retained marker `ready` on `T/ready` is the first thing it prints once subscribed. `-C` in
/// `args` must count that marker too.
fn mosquitto_sub_ready(b: &Broker, t: &str, args: &[&str]) -> Sub {
    let marker_topic = format!("{t}/ready");
    mosquitto_pub(b)
        .args(["-r", "-t", &marker_topic, "-m", "ready"])
        .run()
        .code(0);
    let mut sub = Sub::spawn(mosquitto_sub(b).args(args).args(["-t", &marker_topic]));
    sub.wait_for_stdout(b"ready", SHORT);
    sub
}

#[test]
fn mosquitto_pub_to_rsub() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-v", "-t", &t, "-C", "1"]).subscribed();
    mosquitto_pub(&b)
        .args(["-t", &t, "-m", "from mosquitto_pub"])
        .run()
        .code(0);
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t} from mosquitto_pub\n"));
}

#[test]
fn empty_payload_with_v_printed_as_mosquitto_sub_prints_it() {
    // mosquitto_sub -v shows an empty payload as `topic (null)`.
    let (b, t) = broker_and_topic!();
    let theirs = mosquitto_sub_ready(&b, &t, &["-v", "-t", &t, "-C", "2"]);
    let ours = rsub(&b).args(["-v", "-t", &t, "-C", "1"]).subscribed();
    rpub(&b).args(["-t", &t, "-n"]).run().code(0);
    let expected = format!("{t} (null)\n");
    theirs
        .finish(SHORT)
        .code(0)
        .stdout(format!("{t}/ready ready\n{expected}"));
    ours.finish(SHORT).code(0).stdout(expected);
}

#[test]
fn rpub_to_mosquitto_sub() {
    let (b, t) = broker_and_topic!();
    let sub = mosquitto_sub_ready(&b, &t, &["-v", "-t", &t, "-C", "2"]);
    rpub(&b).args(["-t", &t, "-m", "from rpub"]).run().code(0);
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t}/ready ready\n{t} from rpub\n"));
}

#[test]
fn rpub_qos2_counted_to_mosquitto_sub() {
    let (b, t) = broker_and_topic!();
    let sub = mosquitto_sub_ready(&b, &t, &["-q", "2", "-t", &t, "-C", "21"]);
    let publish = [
        "-q",
        "2",
        "-t",
        &t,
        "-m",
        "{n}",
        "--count",
        "20",
        "--interval",
        "0",
    ];
    rpub(&b).args(publish).run().code(0);
    let out = sub.finish(SHORT);
    out.code(0);
    let lines = out.stdout_lines();
    if lines.len() != 21 || lines[0] != "ready" {
        out.fail("expected the marker, then 20 messages");
    }
    assert_counting(&lines[1..], "mosquitto_sub");
}

#[test]
fn mosquitto_pub_counted_qos1_to_rsub() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-q", "1", "-t", &t, "-C", "30"])
        .subscribed();
    let publish = ["-q", "1", "-t", &t, "-m", "x", "--repeat", "30"];
    mosquitto_pub(&b).args(publish).run().code(0);
    sub.finish(SHORT).code(0).stdout("x\n".repeat(30));
}

#[test]
fn binary_file_from_rpub_to_mosquitto_sub() {
    let (b, t) = broker_and_topic!();
    let payload = random_bytes(256 * 1024, 7);
    let file = b.dir().join("payload.bin");
    fs::write(&file, &payload).unwrap();
    let sub = mosquitto_sub_ready(&b, &t, &["-N", "-t", &t, "-C", "2"]);
    rpub(&b)
        .args(["-t", &t, "-f", file.to_str().unwrap()])
        .run_within(LONG)
        .code(0);
    sub.finish(LONG)
        .code(0)
        .stdout([&b"ready"[..], &payload].concat());
}

#[test]
fn binary_file_from_mosquitto_pub_to_rsub() {
    let (b, t) = broker_and_topic!();
    let payload = random_bytes(256 * 1024, 8);
    let file = b.dir().join("payload.bin");
    fs::write(&file, &payload).unwrap();
    let sub = rsub(&b).args(["-N", "-t", &t, "-C", "1"]).subscribed();
    mosquitto_pub(&b)
        .args(["-t", &t, "-f", file.to_str().unwrap()])
        .run_within(LONG)
        .code(0);
    sub.finish(LONG).code(0).stdout(&payload);
}

#[test]
fn retained_from_rpub_is_retained_for_mosquitto_sub() {
    let (b, t) = broker_and_topic!();
    rpub(&b).args(["-r", "-t", &t, "-m", "kept"]).run().code(0);
    // %r is the retain flag of the delivered message, %p its payload.
    let out = mosquitto_sub(&b)
        .args(["-t", &t, "-C", "1", "-F", "%r %p"])
        .run();
    out.code(0).stdout("1 kept\n");
}

#[test]
fn retained_from_mosquitto_pub_is_seen_by_rsub() {
    let (b, t) = broker_and_topic!();
    mosquitto_pub(&b)
        .args(["-r", "-t", &t, "-m", "kept"])
        .run()
        .code(0);
    rsub(&b)
        .args(["-t", &t, "-C", "1"])
        .run()
        .code(0)
        .stdout("kept\n");
    rsub(&b)
        .args(["-R", "-t", &t, "-W", "1"])
        .run()
        .code(27)
        .stdout("");
}

#[test]
fn mqtt5_both_directions() {
    let (b, t) = broker_and_topic!();
    let sub = mosquitto_sub_ready(&b, &t, &["-V", "mqttv5", "-t", &t, "-C", "2"]);
    let publish = ["-V", "mqttv5", "-q", "1", "-t", &t, "-m", "v5 from rpub"];
    rpub(&b).args(publish).run().code(0);
    sub.finish(SHORT).code(0).stdout("ready\nv5 from rpub\n");

    let sub = rsub(&b)
        .args(["-V", "mqttv5", "-t", &t, "-C", "1"])
        .subscribed();
    let publish = [
        "-V",
        "mqttv5",
        "-q",
        "1",
        "-t",
        &t,
        "-m",
        "v5 from mosquitto_pub",
    ];
    mosquitto_pub(&b).args(publish).run().code(0);
    sub.finish(SHORT).code(0).stdout("v5 from mosquitto_pub\n");
}
