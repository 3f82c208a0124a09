//! MQTT 5 on both sides (`-V mqttv5`, `-V 5`): the same behaviour as MQTT 3.1.1, and the broker
//! really sees a version 5 client (mosquitto logs `p5` for it, `p2` for 3.1.1).

use crate::util::{assert_counting, rpub, rsub, Broker, Output, Run, SHORT};

/// Checks that mosquitto logged the client `id` as connecting with protocol `p` (2 or 5).
#[track_caller]
fn assert_protocol(b: &Broker, out: &Output, id: &str, p: u8) {
    let needle = format!(" as {id} (p{p},");
    if !b.log().contains(&needle) {
        out.fail(&format!("the broker log should show {needle:?}"));
    }
}

#[test]
fn hello_world_mqttv5() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-V", "mqttv5", "-i", "sub5", "-v", "-t", &t, "-C", "1"])
        .subscribed();
    let out = rpub(&b)
        .args(["-V", "mqttv5", "-i", "pub5", "-t", &t, "-m", "world"])
        .run();
    out.code(0).stderr_empty();
    assert_protocol(&b, &out, "pub5", 5);
    let out = sub.finish(SHORT);
    out.code(0).stdout(format!("{t} world\n"));
    assert_protocol(&b, &out, "sub5", 5);
}

#[test]
fn default_is_mqttv311() {
    let (b, t) = broker_and_topic!();
    let out = rpub(&b).args(["-i", "pub311", "-t", &t, "-m", "x"]).run();
    out.code(0);
    assert_protocol(&b, &out, "pub311", 2);
    let out = rpub(&b)
        .args(["-V", "311", "-i", "pub311b", "-t", &t, "-m", "x"])
        .run();
    out.code(0);
    assert_protocol(&b, &out, "pub311b", 2);
}

#[test]
fn counted_qos1_with_v5_short_name() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-V", "5", "-q", "1", "-t", &t, "-C", "30"])
        .subscribed();
    let out = rpub(&b)
        .args(["-V", "5", "-i", "pub5q1", "-q", "1", "-t", &t, "-m", "{n}"])
        .args(["--count", "30"])
        .args(["--interval", "0"])
        .run();
    out.code(0);
    assert_protocol(&b, &out, "pub5q1", 5);
    let out = sub.finish(SHORT);
    out.code(0);
    assert_counting(&out.stdout_lines(), "MQTT 5 QoS 1");
    if out.stdout_lines().len() != 30 {
        out.fail("expected 30 messages");
    }
}

#[test]
fn counted_qos2_mqttv5() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-V", "mqttv5", "-q", "2", "-t", &t, "-C", "20"])
        .subscribed();
    rpub(&b)
        .args(["-V", "mqttv5", "-q", "2", "-t", &t, "-m", "{n}"])
        .args(["--count", "20"])
        .args(["--interval", "0"])
        .run()
        .code(0);
    let out = sub.finish(SHORT);
    out.code(0);
    assert_counting(&out.stdout_lines(), "MQTT 5 QoS 2");
    if out.stdout_lines().len() != 20 {
        out.fail("expected 20 messages");
    }
}

#[test]
fn retained_mqttv5() {
    let (b, t) = broker_and_topic!();
    rpub(&b)
        .args(["-V", "5", "-r", "-t", &t, "-m", "kept"])
        .run()
        .code(0);
    rsub(&b)
        .args(["-V", "5", "-t", &t, "-C", "1"])
        .run()
        .code(0)
        .stdout("kept\n");
    rsub(&b)
        .args(["-V", "5", "-R", "-t", &t, "-W", "1"])
        .run()
        .code(27)
        .stdout("");
}

#[test]
fn wrong_password_mqttv5_is_refused() {
    let b = Broker::with_users(&[("Kai", "1234")], "");
    let out = rpub(&b)
        .args([
            "-V", "5", "-u", "Kai", "-P", "wrongpw", "-t", "x", "-m", "y",
        ])
        .run();
    // mosquitto 2.0 answers a wrong password with "not authorized" in MQTT 5 as well.
    out.code(4)
        .one_error_line("rpub")
        .stderr_mentions(&format!(
            "rpub: the broker at {} refused the connection: not authorized (0x87)",
            b.addr()
        ))
        .never_shows("wrongpw");
    let out = rsub(&b)
        .args(["-V", "5", "-u", "Kai", "-P", "wrongpw", "-t", "x"])
        .run();
    out.code(4)
        .one_error_line("rsub")
        .stderr_mentions("refused the connection: not authorized (0x87)")
        .never_shows("wrongpw");
}

#[test]
fn connack_reason_name_in_v5_trace() {
    let (b, t) = broker_and_topic!();
    let out = rpub(&b).args(["-V", "5", "-d", "-t", &t, "-m", "x"]).run();
    out.code(0).stderr_mentions("received CONNACK (");
    // MQTT 5 names the reason: 0 is "Success".
    let connack = out.stderr.lines().find(|l| l.contains("received CONNACK"));
    if !connack.is_some_and(|l| l.to_lowercase().contains("success")) {
        out.fail("the MQTT 5 CONNACK line should name its reason (Success)");
    }
}

/// Success codes above 0 are not errors: "no matching subscribers" (0x10) in PUBACK shows in
/// the trace, and rpub exits 0. (mosquitto answers QoS 2 with a plain success PUBREC.)
#[test]
fn success_reason_codes_show_in_the_trace() {
    let (b, t) = broker_and_topic!();
    let out = rpub(&b)
        .args(["-V", "5", "-d", "-q", "1", "-t", &t, "-m", "x"])
        .run();
    out.code(0)
        .stderr_mentions("received PUBACK (m1, no matching subscribers (0x10))");
    let out = rpub(&b)
        .args(["-V", "5", "-d", "-q", "2", "-t", &t, "-m", "x"])
        .run();
    out.code(0)
        .stderr_mentions("received PUBREC (m1, success (0x00))")
        .stderr_mentions("received PUBCOMP (m1, success (0x00))");
}
