//! The classroom's third step: ACLs. In MQTT 5 the broker says no to a publish outside the
//! allowed topics with a reason code in PUBACK (QoS 1) or PUBREC (QoS 2): rpub reports it and
//! exits 7. In MQTT 3.1.1 mosquitto acknowledges and silently drops such a publish, so there
//! is nothing to report and rpub exits 0. Either way the message reaches no one, not even a
//! subscriber allowed to read the topic, and mosquitto's log says it denied it. A
//! subscription outside the ACL file's topics is granted but delivers nothing. A refused
//! SUBSCRIBE (here from mosquitto's dynamic-security plugin) is named per filter; rsub exits
//! 7 when every filter is refused.

use crate::util::{rpub, rpub_v5, rsub, Broker, Output, Run, Sub, SHORT};

/// Kai, who may use `allowed/#` only.
const KAI: [&str; 4] = ["-u", "Kai", "-P", "1234"];
/// Ada, the operator, who may read and write every topic.
const ADA: [&str; 4] = ["-u", "Ada", "-P", "s3cr3t"];

/// A broker that knows Kai and Ada and enforces their ACL, logging every packet (mosquitto
/// names a denied publish only at debug level).
fn broker_with_acl() -> Broker {
    Broker::with_acl(
        &[("Kai", "1234"), ("Ada", "s3cr3t")],
        "user Kai\ntopic readwrite allowed/#\n\nuser Ada\ntopic readwrite #\n",
    )
}

/// Ada watching `denied/#` and `allowed/#`, subscribed, for one message.
fn ada_watching(b: &Broker) -> Sub {
    rsub(b)
        .args(ADA)
        .args(["-v", "-t", "denied/#", "-t", "allowed/#", "-C", "1"])
        .subscribed()
}

/// Ada publishes a marker; the first message `watcher` got must be that marker, so nothing
/// published before it (the denied publish) reached the watcher.
#[track_caller]
fn assert_only_the_marker_arrives(b: &Broker, watcher: Sub) {
    rpub(b)
        .args(ADA)
        .args(["-q", "1", "-t", "allowed/marker", "-m", "marker"])
        .run()
        .code(0);
    watcher
        .finish(SHORT)
        .code(0)
        .stdout("allowed/marker marker\n");
}

/// mosquitto's log shows `count` publishes to `topic` denied.
#[track_caller]
fn assert_denied_in_the_log(b: &Broker, out: &Output, topic: &str, count: usize) {
    let denied = b
        .log()
        .lines()
        .filter(|l| l.contains("Denied PUBLISH from ") && l.contains(&format!("'{topic}'")))
        .count();
    if denied != count {
        out.fail(&format!(
            "the broker log should show {count} denied PUBLISH to '{topic}', not {denied}"
        ));
    }
}

/// Kai publishes to `denied/x` at `qos` with MQTT 5: rpub names the refusal and exits 7, the
/// broker logs it, and Ada, watching, never gets the message.
#[track_caller]
fn v5_publish_denied_at(qos: &str) {
    let b = broker_with_acl();
    let watcher = ada_watching(&b);
    let out = rpub_v5(&b)
        .args(KAI)
        .args(["-q", qos, "-t", "denied/x", "-m", "no"])
        .run();
    out.code(7)
        .one_error_line("rpub")
        .stderr_mentions("rpub: the broker rejected 1 of 1 messages: not authorized (0x87)");
    assert_denied_in_the_log(&b, &out, "denied/x", 1);
    assert_only_the_marker_arrives(&b, watcher);
}

#[test]
fn v5_publish_denied_at_qos1_exits_7() {
    v5_publish_denied_at("1");
}

#[test]
fn v5_publish_denied_at_qos2_exits_7() {
    v5_publish_denied_at("2");
}

#[test]
fn v5_publish_allowed_exits_0() {
    let b = broker_with_acl();
    let sub = rsub(&b)
        .args(KAI)
        .args(["-t", "allowed/x", "-C", "1"])
        .subscribed();
    rpub(&b)
        .args(KAI)
        .args(["-V", "5", "-q", "1", "-t", "allowed/x", "-m", "yes"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("yes\n");
}

/// Acknowledged, so rpub has nothing to report; but the message went nowhere.
#[test]
fn v311_publish_denied_is_silently_dropped() {
    let b = broker_with_acl();
    let watcher = ada_watching(&b);
    let out = rpub(&b)
        .args(KAI)
        .args(["-q", "1", "-t", "denied/x", "-m", "no"])
        .run();
    out.code(0).stderr_empty();
    assert_denied_in_the_log(&b, &out, "denied/x", 1);
    assert_only_the_marker_arrives(&b, watcher);
}

/// The ACL file grants a SUBSCRIBE outside Kai's topics (SUBACK says so) but delivers him
/// nothing that is published there.
#[test]
fn v311_subscription_outside_the_acl_receives_nothing() {
    let b = broker_with_acl();
    let kai = rsub(&b)
        .args(KAI)
        .args(["-v", "-t", "denied/#", "-t", "allowed/#", "-C", "1"])
        .subscribed();
    rpub(&b)
        .args(ADA)
        .args(["-q", "1", "-t", "denied/x", "-m", "not for Kai"])
        .run()
        .code(0);
    assert_only_the_marker_arrives(&b, kai);
}

/// `-v` names the refusal per message; the other messages of the run are still delivered
/// and the exit status still says 7.
#[test]
fn v5_some_publishes_denied_are_counted() {
    let b = broker_with_acl();
    let out = rpub(&b)
        .args(KAI)
        .args(["-V", "5", "-q", "1", "-v", "-t", "{i}/x", "-m", "m"])
        .args(["--count", "2"])
        .run();
    // Topics "0/x" and "1/x": both outside allowed/#.
    out.code(7)
        .stdout("1 0/x rejected: not authorized (0x87)\n2 1/x rejected: not authorized (0x87)\n")
        .one_error_line("rpub")
        .stderr_mentions("rejected 2 of 2 messages: not authorized (0x87)");
    assert_denied_in_the_log(&b, &out, "0/x", 1);
    assert_denied_in_the_log(&b, &out, "1/x", 1);
}

/// A broker whose dynamic-security plugin (shipped with Debian's mosquitto) lets anonymous
/// clients subscribe to `allowed/#` only: unlike the ACL file, it refuses SUBSCRIBE in SUBACK.
/// The returned directory holds its configuration and must outlive the broker.
fn broker_refusing_subscriptions() -> (tempfile::TempDir, Broker) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("dynsec.json");
    std::fs::write(
        &config,
        r#"{"defaultACLAccess": {"publishClientSend": true, "publishClientReceive": true,
                                 "subscribe": false, "unsubscribe": true},
            "clients": [],
            "groups": [{"groupname": "anon", "roles": [{"rolename": "sub-allowed"}]}],
            "roles": [{"rolename": "sub-allowed", "acls": [
                {"acltype": "subscribePattern", "topic": "allowed/#", "priority": 0, "allow": true}]}],
            "anonymousGroup": "anon"}"#,
    )
    .expect("write dynsec.json");
    let plugin = crate::util::require_executable(
        "mosquitto_dynamic_security.so",
        &[
            "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
            "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
        ],
    );
    let broker = Broker::with_config(&format!(
        "allow_anonymous true\nplugin {}\nplugin_opt_config_file {}",
        plugin.display(),
        config.display()
    ));
    (dir, broker)
}

#[test]
fn v5_refused_subscription_is_named_and_exits_7() {
    let (_dir, b) = broker_refusing_subscriptions();
    rsub(&b)
        .args(["-V", "5", "-t", "denied/x", "-E"])
        .run()
        .code(7)
        .one_error_line("rsub")
        .stderr_mentions(
            "rsub: the broker rejected the subscription to 'denied/x': not authorized (0x87)",
        );
    rsub(&b)
        .args(["-V", "5", "-t", "denied/x", "-t", "denied/y", "-E"])
        .run()
        .code(7)
        .one_error_line("rsub")
        .stderr_mentions(
            "rsub: the broker rejected every subscription: 'denied/x': not authorized (0x87); \
         'denied/y': not authorized (0x87)",
        );
}

/// One filter refused among several: named on stderr, and the others still deliver.
#[test]
fn v5_partly_refused_subscription_carries_on() {
    let (_dir, b) = broker_refusing_subscriptions();
    let mut sub =
        Sub::spawn(rsub(&b).args(["-V", "5", "-t", "denied/x", "-t", "allowed/x", "-C", "1"]));
    sub.wait_for_stderr(
        "rsub: subscription to 'denied/x' rejected: not authorized (0x87)",
        SHORT,
    );
    // Published first, on the refused filter: it must not be the message rsub prints.
    rpub(&b)
        .args(["-V", "5", "-q", "1", "-t", "denied/x", "-m", "no"])
        .run()
        .code(0);
    rpub(&b)
        .args(["-V", "5", "-t", "allowed/x", "-m", "yes"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("yes\n");
}

#[test]
fn v311_refused_subscription_exits_7() {
    let (_dir, b) = broker_refusing_subscriptions();
    rsub(&b)
        .args(["-t", "denied/x", "-E"])
        .run()
        .code(7)
        .one_error_line("rsub")
        .stderr_mentions("rejected the subscription to 'denied/x': unspecified error (0x80)");
}

/// rpub --wait-response subscribes to its response topic first: refused, it says so and
/// exits 7 without publishing the request.
#[test]
fn v5_refused_response_subscription_exits_7() {
    let (_dir, b) = broker_refusing_subscriptions();
    let out = rpub(&b)
        .args(["-V", "5", "-t", "allowed/request", "-m", "ping"])
        .args(["--response-topic", "denied/answers"])
        .args(["--wait-response", "5"])
        .args(["-i", "requester"])
        .run();
    out.code(7).one_error_line("rpub").stderr_mentions(
        "rpub: subscription to the response topic 'denied/answers' rejected: not authorized (0x87)",
    );
    if b.log().contains("Received PUBLISH") {
        out.fail("the request must not be published");
    }
}
