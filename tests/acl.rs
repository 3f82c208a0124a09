//! The classroom's third step: ACLs. In MQTT 5 the broker says no to a publish outside the
//! allowed topics with a reason code in PUBACK (QoS 1) or PUBREC (QoS 2): rpub reports it and
//! exits 7. In MQTT 3.1.1 mosquitto acknowledges and silently drops such a publish, so there
//! is nothing to report and rpub exits 0.

use crate::util::{rpub, rsub, run, Broker, Sub, SHORT};

/// Kai may use `allowed/#` only.
fn broker_with_acl() -> Broker {
    Broker::with_acl(&[("Kai", "1234")], "user Kai\ntopic readwrite allowed/#\n")
}

#[test]
fn v5_publish_denied_at_qos1_exits_7() {
    let b = broker_with_acl();
    let out = run(
        rpub(&b).args([
            "-V", "5", "-u", "Kai", "-P", "1234", "-q", "1", "-t", "denied/x", "-m", "no",
        ]),
        SHORT,
    );
    out.code(7)
        .one_error_line("rpub")
        .stderr_mentions("rpub: the broker rejected 1 of 1 messages: not authorized (0x87)");
}

#[test]
fn v5_publish_denied_at_qos2_exits_7() {
    let b = broker_with_acl();
    let out = run(
        rpub(&b).args([
            "-V", "5", "-u", "Kai", "-P", "1234", "-q", "2", "-t", "denied/x", "-m", "no",
        ]),
        SHORT,
    );
    out.code(7)
        .one_error_line("rpub")
        .stderr_mentions("rpub: the broker rejected 1 of 1 messages: not authorized (0x87)");
}

#[test]
fn v5_publish_allowed_exits_0() {
    let b = broker_with_acl();
    let sub =
        Sub::subscribed(rsub(&b).args(["-u", "Kai", "-P", "1234", "-t", "allowed/x", "-C", "1"]));
    run(
        rpub(&b).args([
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
        ]),
        SHORT,
    )
    .code(0)
    .stderr_empty();
    sub.finish(SHORT).code(0).stdout("yes\n");
}

#[test]
fn v311_publish_denied_is_silently_dropped() {
    let b = broker_with_acl();
    run(
        rpub(&b).args([
            "-u", "Kai", "-P", "1234", "-q", "1", "-t", "denied/x", "-m", "no",
        ]),
        SHORT,
    )
    .code(0);
}

/// `-v` names the refusal per message; the other messages of the run are still delivered
/// and the exit status still says 7.
#[test]
fn v5_some_publishes_denied_are_counted() {
    let b = broker_with_acl();
    let out = run(
        rpub(&b).args([
            "-V", "5", "-u", "Kai", "-P", "1234", "-q", "1", "-v", "-t", "{i}/x", "-m", "m",
            "--count", "2",
        ]),
        SHORT,
    );
    // Topics "0/x" and "1/x": both outside allowed/#.
    out.code(7)
        .stdout("1 0/x rejected: not authorized (0x87)\n2 1/x rejected: not authorized (0x87)\n")
        .one_error_line("rpub")
        .stderr_mentions("rejected 2 of 2 messages: not authorized (0x87)");
}
