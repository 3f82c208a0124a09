//! MQTT 5 properties end to end: what rpub attaches to a message reaches the subscriber (rsub
//! `-v` shows it after the payload; mosquitto_sub's `-F` agrees), the broker honours message
//! expiry, session expiry, maximum packet size, topic aliases and will properties, and every
//! one of these flags is refused with MQTT 3.1.1 instead of being dropped.

use std::time::{Duration, Instant};

use crate::util::{
    mosquitto_pub, mosquitto_sub, rpub, rpub_v5, rsub, rsub_v5, Broker, Run, Sub, SHORT,
};

#[test]
fn user_properties_round_trip_to_rsub() {
    let (b, t) = broker_and_topic!();
    let sub = rsub_v5(&b).args(["-v", "-t", &t, "-C", "1"]).subscribed();
    rpub_v5(&b)
        .args(["-t", &t, "-m", "21.5"])
        .args(["--user-property", "unit=celsius"])
        .args(["--user-property", "room=kitchen"])
        .args(["-D", "publish", "user-property", "sensor", "s-1"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout(format!(
        "{t} 21.5 [user-property=sensor=s-1, user-property=unit=celsius, user-property=room=kitchen]\n"
    ));
}

#[test]
fn every_publish_property_reaches_rsub() {
    let (b, t) = broker_and_topic!();
    let sub = rsub_v5(&b).args(["-v", "-t", &t, "-C", "1"]).subscribed();
    rpub_v5(&b)
        .args(["-q", "1", "-t", &t, "-m", "{}"])
        .args(["--content-type", "application/json"])
        .args(["--payload-format", "utf8"])
        .args(["--message-expiry", "1h"])
        .args(["--response-topic", "replies/1"])
        .args(["--correlation-data", "req-7"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout(format!(
        "{t} {{}} [payload-format=utf8, message-expiry=3600s, response-topic=replies/1, \
         correlation-data=req-7, content-type=application/json]\n"
    ));
}

#[test]
fn without_verbose_only_the_payload_is_printed() {
    let (b, t) = broker_and_topic!();
    let sub = rsub_v5(&b).args(["-t", &t, "-C", "1"]).subscribed();
    rpub_v5(&b)
        .args(["-t", &t, "-m", "x", "--user-property", "a=b"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("x\n");
}

/// mosquitto_sub prints user properties with `-F %P` as `key:value`, space-separated.
#[test]
fn user_properties_from_rpub_reach_mosquitto_sub() {
    let (b, t) = broker_and_topic!();
    // A retained marker is the first line mosquitto_sub prints once it is subscribed.
    let marker = format!("{t}/ready");
    rpub_v5(&b)
        .args(["-r", "-t", &marker, "-m", "ready"])
        .run()
        .code(0);
    let mut sub = Sub::spawn(mosquitto_sub(&b).args([
        "-V", "5", "-F", "%t %p %P", "-t", &marker, "-t", &t, "-C", "2",
    ]));
    sub.wait_for_stdout(b"ready", SHORT);
    rpub_v5(&b)
        .args(["-t", &t, "-m", "hi"])
        .args(["--user-property", "a=1"])
        .args(["--user-property", "b=2"])
        .run()
        .code(0);
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{marker} ready \n{t} hi a:1 b:2\n"));
}

#[test]
fn properties_from_mosquitto_pub_reach_rsub() {
    let (b, t) = broker_and_topic!();
    let sub = rsub_v5(&b).args(["-v", "-t", &t, "-C", "1"]).subscribed();
    mosquitto_pub(&b)
        .args(["-V", "5", "-t", &t, "-m", "m"])
        .args(["-D", "publish", "user-property", "k", "v"])
        .args(["-D", "publish", "content-type", "text/plain"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout(format!(
        "{t} m [content-type=text/plain, user-property=k=v]\n"
    ));
}

/// A retained message with a 2 s expiry is there at once and gone a little later. Mosquitto
/// counts expiry in whole seconds of its clock, so "2 s" ends between 1 and 2 s after it came.
#[test]
fn message_expiry_is_honoured_by_the_broker() {
    let (b, t) = broker_and_topic!();
    let published = Instant::now();
    rpub_v5(&b)
        .args(["-r", "-t", &t, "-m", "fresh"])
        .args(["--message-expiry", "2"])
        .run()
        .code(0);
    rsub_v5(&b)
        .args(["-t", &t, "-C", "1"])
        .run()
        .code(0)
        .stdout("fresh\n");
    // Poll until the broker stops handing it out, instead of sleeping a fixed time. Each
    // poll waits a second: on a loaded machine connecting and subscribing alone can take
    // longer than a shorter wait, which would read as the message being gone.
    loop {
        let out = rsub_v5(&b).args(["-t", &t, "-C", "1", "-W", "1"]).run();
        if out.code == Some(27) {
            out.stdout("");
            break;
        }
        out.code(0).stdout("fresh\n");
        if published.elapsed() > Duration::from_secs(6) {
            out.fail("the retained message is still handed out 6 s after a 2 s expiry");
        }
    }
    if published.elapsed() < Duration::from_secs(1) {
        panic!("the message vanished before its expiry");
    }
}

/// `-x 60`: the session outlives the connection, so a QoS 1 message published while the
/// client is away is waiting when it comes back with -c. Without -x (or with -c -x 0) the
/// session ends at disconnect and the message is gone.
#[test]
fn session_expiry_keeps_the_session() {
    let (b, t) = broker_and_topic!();
    for (id, expiry, kept) in [("sx-kept", "60", true), ("sx-gone", "0", false)] {
        rsub_v5(&b)
            .args(["-i", id, "-c", "-x", expiry, "-q", "1", "-t", &t, "-E"])
            .run()
            .code(0);
        rpub_v5(&b)
            .args(["-q", "1", "-t", &t, "-m", "while away"])
            .run()
            .code(0);
        let back = rsub_v5(&b)
            .args(["-i", id, "-c", "-q", "1", "-t", &t, "-C", "1", "-W", "1"])
            .run();
        if kept {
            back.code(0).stdout("while away\n");
        } else {
            back.code(27).stdout("");
        }
    }
}

#[test]
fn session_expiry_takes_inf_and_durations() {
    let (b, t) = broker_and_topic!();
    // Each spelling keeps the session past the connection, as `-x 60` does above.
    for (i, expiry) in ["inf", "2m", "-1"].into_iter().enumerate() {
        let id = format!("sx-{i}");
        let payload = format!("kept by -x {expiry}");
        rsub_v5(&b)
            .args(["-i", &id, "-x", expiry, "-q", "1", "-t", &t, "-E"])
            .run()
            .code(0)
            .stderr_empty();
        rpub_v5(&b)
            .args(["-q", "1", "-t", &t, "-m", &payload])
            .run()
            .code(0);
        rsub_v5(&b)
            .args(["-i", &id, "-c", "-q", "1", "-t", &t, "-C", "1", "-W", "1"])
            .run()
            .code(0)
            .stdout(format!("{payload}\n"));
    }
    rsub_v5(&b)
        .args(["-x", "1.5", "-t", &t, "-E"])
        .run()
        .usage_error("rsub")
        .stderr_mentions("whole seconds");
}

/// The broker does not send a client messages bigger than the maximum packet size it asked for.
#[test]
fn maximum_packet_size_is_honoured_by_the_broker() {
    let (b, t) = broker_and_topic!();
    let sub = rsub_v5(&b)
        .args(["--maximum-packet-size", "100", "-t", &t, "-C", "1"])
        .subscribed();
    let big = "x".repeat(200);
    rpub_v5(&b).args(["-t", &t, "-m", &big]).run().code(0);
    rpub_v5(&b).args(["-t", &t, "-m", "small"]).run().code(0);
    sub.finish(SHORT).code(0).stdout("small\n");
}

/// --topic-alias goes out with each message (the topic too: the mapping must survive a
/// reconnect); the broker accepts it and subscribers get the messages on their topic.
#[test]
fn topic_alias_repeated_messages() {
    let (b, t) = broker_and_topic!();
    let sub = rsub_v5(&b).args(["-v", "-t", &t, "-C", "3"]).subscribed();
    rpub_v5(&b)
        .args(["-q", "1", "-t", &t, "-m", "m{n}"])
        .args(["--count", "3"])
        .args(["--topic-alias", "1"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t} m1\n{t} m2\n{t} m3\n"));
}

#[test]
fn topic_alias_above_the_broker_maximum_is_named() {
    // mosquitto's default max_topic_alias is 10.
    let (b, t) = broker_and_topic!();
    rpub_v5(&b)
        .args(["-q", "1", "-t", &t, "-m", "x"])
        .args(["--topic-alias", "11"])
        .run()
        .code(7)
        .one_error_line("rpub")
        .stderr_mentions("topic alias 11 is above the maximum of 10");
}

#[test]
fn will_properties_reach_the_subscriber() {
    let (b, t) = broker_and_topic!();
    let will = format!("{t}/will");
    let watcher = rsub_v5(&b)
        .args(["-v", "-t", &will, "-C", "1"])
        .subscribed();
    let mut victim = rsub_v5(&b)
        .args(["-t", &format!("{t}/data")])
        .args(["--will-topic", &will])
        .args(["--will-payload", "gone"])
        .args(["--will-content-type", "text/plain"])
        .args(["--will-user-property", "reason=crash"])
        .args(["-D", "will", "correlation-data", "c-1"])
        .subscribed();
    victim.kill();
    watcher.finish(SHORT).code(0).stdout(format!(
        "{will} gone [correlation-data=c-1, content-type=text/plain, user-property=reason=crash]\n"
    ));
}

/// --will-delay: the broker holds the will back (the session must outlive the delay, -x).
#[test]
fn will_delay_holds_the_will_back() {
    let (b, t) = broker_and_topic!();
    let will = format!("{t}/will");
    let mut watcher = rsub_v5(&b).args(["-t", &will, "-C", "1"]).subscribed();
    let mut victim = rsub_v5(&b)
        .args(["-x", "10", "-t", &format!("{t}/data")])
        .args(["--will-topic", &will])
        .args(["--will-payload", "late"])
        .args(["--will-delay", "2"])
        .subscribed();
    let killed = Instant::now();
    victim.kill();
    watcher.wait_for_stdout(b"late", SHORT);
    let waited = killed.elapsed();
    // Whole seconds of the broker's clock: "2 s" is at least 1 s; without the delay the will
    // comes within milliseconds.
    if waited < Duration::from_millis(900) {
        watcher.fail(&format!(
            "the will came after {waited:?}, before its 2 s delay"
        ));
    }
    watcher.finish(SHORT).code(0).stdout("late\n");
}

#[test]
fn payload_format_utf8_refuses_binary_payload() {
    let b = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bin");
    std::fs::write(&file, [0xff, 0xfe]).unwrap();
    rpub_v5(&b)
        .args(["-t", "x", "-f", file.to_str().unwrap()])
        .args(["--payload-format", "utf8"])
        .run()
        .usage_error("rpub")
        .stderr_mentions("not valid UTF-8");
}

/// Every MQTT 5 flag with MQTT 3.1.1 (the default) is a usage error naming the flag; nothing
/// is silently dropped.
#[test]
fn mqtt5_flags_with_mqtt311_are_refused_naming_the_flag() {
    let (b, t) = broker_and_topic!();
    // --wait-response works over MQTT 3.1.1 too, as mosquitto_rr (request_response.rs).
    let rpub_cases: [(&[&str], &str); 8] = [
        (&["--user-property", "a=b"], "--user-property"),
        (&["--content-type", "text/plain"], "--content-type"),
        (&["--payload-format", "utf8"], "--payload-format"),
        (&["--message-expiry", "5"], "--message-expiry"),
        (&["--response-topic", "r"], "--response-topic"),
        (&["--correlation-data", "c"], "--correlation-data"),
        (&["--topic-alias", "1"], "--topic-alias"),
        (&["-x", "60"], "-x/--session-expiry"),
    ];
    for (args, flag) in rpub_cases {
        rpub(&b)
            .args(["-V", "mqttv311", "-t", &t, "-m", "x"])
            .args(args)
            .run()
            .usage_error("rpub")
            .stderr_mentions(&format!("{flag} is MQTT 5 only: add -V mqttv5"));
    }
    let rsub_cases: [(&[&str], &str); 6] = [
        (&["--no-local"], "--no-local"),
        (&["--retain-as-published"], "--retain-as-published"),
        (&["--retain-handling", "2"], "--retain-handling"),
        (&["--subscription-id", "3"], "--subscription-id"),
        (&["--receive-maximum", "3"], "--receive-maximum"),
        (
            &["-D", "subscribe", "user-property", "a", "b"],
            "-D subscribe user-property",
        ),
    ];
    for (args, flag) in rsub_cases {
        rsub(&b)
            .args(["-t", &t])
            .args(args)
            .run()
            .usage_error("rsub")
            .stderr_mentions(&format!("{flag} is MQTT 5 only: add -V mqttv5"));
    }
    if b.log().contains("New client connected") {
        panic!("a refused flag still connected:\n{}", b.log());
    }
}
