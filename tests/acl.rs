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
        .stderr_mentions("authori");
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
        .stderr_mentions("authori");
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
