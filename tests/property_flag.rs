//! mosquitto's generic `-D COMMAND IDENTIFIER VALUE`: lines copied from mosquitto scripts
//! work, and every mistake is one line, exit 2, naming what is allowed, before connecting.

use crate::util::{rpub, rpub_v5, rsub, rsub_v5, Broker, Run, SHORT};

#[test]
fn d_publish_properties_reach_the_subscriber() {
    let (b, t) = broker_and_topic!();
    let sub = rsub_v5(&b).args(["-v", "-t", &t, "-C", "1"]).subscribed();
    rpub(&b)
        .args(["-V", "mqttv5", "-t", &t, "-m", "x"])
        .args(["-D", "publish", "user-property", "a", "b"])
        .args(["-D", "PUBLISH", "content-type", "text/plain"])
        .args(["-D", "publish", "message-expiry-interval", "600"])
        .args(["-D", "publish", "payload-format-indicator", "1"])
        .args(["-D", "connect", "user-property", "client", "test"])
        .args(["-D", "connect", "receive-maximum", "5"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout(format!(
        "{t} x [payload-format=utf8, message-expiry=600s, content-type=text/plain, user-property=a=b]\n"
    ));
}

#[test]
fn d_on_rsub_for_connect_subscribe_and_unsubscribe() {
    let (b, t) = broker_and_topic!(Broker::with_config("log_type all"));
    let sub = rsub_v5(&b)
        .args(["-v", "-t", &t, "-C", "1"])
        .args(["-D", "subscribe", "subscription-identifier", "9"])
        .args(["-D", "subscribe", "user-property", "k", "v"])
        .args(["-D", "connect", "session-expiry-interval", "0"])
        .subscribed();
    rpub_v5(&b).args(["-t", &t, "-m", "x"]).run().code(0);
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t} x [subscription-id=9]\n"));
    rsub_v5(&b)
        .args(["-U", &t])
        .args(["-D", "unsubscribe", "user-property", "k", "v"])
        .run()
        .code(0)
        .stderr_empty();
    // The UNSUBSCRIBE that carries the property reached the broker.
    if !b.log().contains("Received UNSUBSCRIBE from rsub-") {
        panic!("the broker saw no UNSUBSCRIBE:\n{}", b.log());
    }
}

/// Each mistake: exit 2, one line, the broker never contacted.
#[track_caller]
fn refused(tool: &str, args: &[&str], expected_line: &str) {
    let b = Broker::start();
    let mut cmd = if tool == "rpub" { rpub(&b) } else { rsub(&b) };
    cmd.args(["-V", "5", "-t", "x"]);
    if tool == "rpub" {
        cmd.args(["-m", "x"]);
    }
    let out = cmd.args(args).run();
    out.usage_error(tool).stderr_mentions(expected_line);
    if b.log().contains("New client connected") {
        out.fail("a bad -D must be refused before connecting");
    }
}

#[test]
fn identifier_not_allowed_names_the_allowed_ones() {
    refused(
        "rpub",
        &["-D", "publish", "session-expiry-interval", "60"],
        "rpub: -D publish session-expiry-interval: not a publish property; publish takes \
         content-type, correlation-data, message-expiry-interval, payload-format-indicator, \
         response-topic, topic-alias, user-property",
    );
    refused(
        "rsub",
        &["-D", "subscribe", "content-type", "x"],
        "rsub: -D subscribe content-type: not a subscribe property; subscribe takes \
         subscription-identifier, user-property",
    );
    refused(
        "rpub",
        &["-D", "will", "topic-alias", "1", "--will-topic", "w"],
        "will takes content-type, correlation-data, message-expiry-interval, \
         payload-format-indicator, response-topic, user-property, will-delay-interval",
    );
    refused(
        "rsub",
        &["-D", "connect", "bogus", "1"],
        "connect takes authentication-data, authentication-method, maximum-packet-size, \
         receive-maximum, request-problem-information, request-response-information, \
         session-expiry-interval, topic-alias-maximum, user-property",
    );
}

#[test]
fn command_not_sent_by_the_tool_names_the_allowed_ones() {
    refused(
        "rpub",
        &["-D", "subscribe", "user-property", "a", "b"],
        "rpub: -D subscribe: not a command here; use one of connect, publish, will, disconnect",
    );
    refused(
        "rsub",
        &["-D", "publish", "content-type", "x"],
        "rsub: -D publish: not a command here; use one of connect, subscribe, unsubscribe, will, disconnect",
    );
    refused(
        "rpub",
        &["-D", "pubrel", "user-property", "a", "b"],
        "rpub: -D pubrel: not a command here",
    );
}

#[test]
fn wrong_values_are_named() {
    refused(
        "rpub",
        &["-D", "publish", "topic-alias", "0"],
        "rpub: -D publish topic-alias: '0' is not a whole number from 1 to 65535",
    );
    refused(
        "rpub",
        &["-D", "publish", "message-expiry-interval", "soon"],
        "'soon' is not a whole number from 0 to 4294967295",
    );
    refused(
        "rpub",
        &["-D", "publish", "user-property", "lonely"],
        "rpub: -D publish user-property needs a NAME and a VALUE",
    );
    refused(
        "rpub",
        &["-D", "publish", "content-type", "a", "b"],
        "rpub: -D publish content-type takes one value, not 2",
    );
    refused("rpub", &["-D", "publish", "content-type"], "rpub: ");
}

#[test]
fn a_property_given_twice_is_refused() {
    refused(
        "rpub",
        &[
            "-D",
            "publish",
            "content-type",
            "a",
            "-D",
            "publish",
            "content-type",
            "b",
        ],
        "rpub: -D publish content-type is given twice",
    );
    refused(
        "rpub",
        &["--content-type", "a", "-D", "publish", "content-type", "b"],
        "rpub: the content type is given twice (by its flag and by -D)",
    );
}

#[test]
fn disconnect_takes_only_what_mosquitto_documents() {
    refused(
        "rsub",
        &["-D", "disconnect", "reason-string", "bye"],
        "rsub: -D disconnect reason-string: not a disconnect property; disconnect takes session-expiry-interval, user-property",
    );
}

#[test]
fn will_properties_need_a_will() {
    refused(
        "rpub",
        &["-D", "will", "content-type", "x"],
        "rpub: -D will: there is no will message to carry the property; add --will-topic",
    );
}

#[test]
fn d_with_mqtt311_is_refused() {
    let b = Broker::start();
    rpub(&b)
        .args(["-t", "x", "-m", "x"])
        .args(["-D", "publish", "user-property", "a", "b"])
        .run()
        .usage_error("rpub")
        .stderr_mentions("rpub: -D publish user-property is MQTT 5 only: add -V mqttv5");
}
