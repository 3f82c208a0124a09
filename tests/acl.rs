//! The classroom's third step: ACLs. In MQTT 5 the broker says no to a publish outside the
//! allowed topics with a reason code in PUBACK (QoS 1) or PUBREC (QoS 2): rpub reports it and
//! exits 7. In MQTT 3.1.1 mosquitto acknowledges and silently drops such a publish, so there
//! is nothing to report and rpub exits 0. A refused SUBSCRIBE (here from mosquitto's
//! dynamic-security plugin) is named per filter; rsub exits 7 when every filter is refused.

use crate::util::{rpub, rsub, Broker, Run, Sub, SHORT};

/// Kai may use `allowed/#` only.
fn broker_with_acl() -> Broker {
    Broker::with_acl(&[("Kai", "1234")], "user Kai\ntopic readwrite allowed/#\n")
}

#[test]
fn v5_publish_denied_at_qos1_exits_7() {
    let b = broker_with_acl();
    let out = rpub(&b)
        .args([
            "-V", "5", "-u", "Kai", "-P", "1234", "-q", "1", "-t", "denied/x", "-m", "no",
        ])
        .run();
    out.code(7)
        .one_error_line("rpub")
        .stderr_mentions("rpub: the broker rejected 1 of 1 messages: not authorized (0x87)");
}

#[test]
fn v5_publish_denied_at_qos2_exits_7() {
    let b = broker_with_acl();
    let out = rpub(&b)
        .args([
            "-V", "5", "-u", "Kai", "-P", "1234", "-q", "2", "-t", "denied/x", "-m", "no",
        ])
        .run();
    out.code(7)
        .one_error_line("rpub")
        .stderr_mentions("rpub: the broker rejected 1 of 1 messages: not authorized (0x87)");
}

#[test]
fn v5_publish_allowed_exits_0() {
    let b = broker_with_acl();
    let sub = rsub(&b)
        .args(["-u", "Kai", "-P", "1234", "-t", "allowed/x", "-C", "1"])
        .subscribed();
    rpub(&b)
        .args([
            "-V",
            "5",
            "-u",
            "Kai",
            "-P",
            "1234",
            "-q",
            "1",
            "-t",
            "allowed/x",
            "-m",
            "yes",
        ])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("yes\n");
}

#[test]
fn v311_publish_denied_is_silently_dropped() {
    let b = broker_with_acl();
    rpub(&b)
        .args([
            "-u", "Kai", "-P", "1234", "-q", "1", "-t", "denied/x", "-m", "no",
        ])
        .run()
        .code(0);
}

/// `-v` names the refusal per message; the other messages of the run are still delivered
/// and the exit status still says 7.
#[test]
fn v5_some_publishes_denied_are_counted() {
    let b = broker_with_acl();
    let out = rpub(&b)
        .args([
            "-V", "5", "-u", "Kai", "-P", "1234", "-q", "1", "-v", "-t", "{i}/x", "-m", "m",
            "--count", "2",
        ])
        .run();
    // Topics "0/x" and "1/x": both outside allowed/#.
    out.code(7)
        .stdout("1 0/x rejected: not authorized (0x87)\n2 1/x rejected: not authorized (0x87)\n")
        .one_error_line("rpub")
        .stderr_mentions("rejected 2 of 2 messages: not authorized (0x87)");
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
        .args([
            "-V",
            "5",
            "-t",
            "allowed/request",
            "-m",
            "ping",
            "--response-topic",
            "denied/answers",
            "--wait-response",
            "5",
            "-i",
            "requester",
        ])
        .run();
    out.code(7).one_error_line("rpub").stderr_mentions(
        "rpub: subscription to the response topic 'denied/answers' rejected: not authorized (0x87)",
    );
    if b.log().contains("Received PUBLISH") {
        out.fail("the request must not be published");
    }
}
