//! Connection options as the broker sees them (mosquitto logs each client as
//! `... as ID (p2, c1, k60)`): client id, id prefix, keepalive, clean session; and what a
//! persistent session is for: `-c -i` subscriptions that outlive the connection, `-U` to drop one.

use crate::util::{rpub, rsub, Broker, Output, Run, SHORT};

/// Checks that the broker log contains `needle`.
#[track_caller]
fn assert_logged(b: &Broker, out: &Output, needle: &str) {
    if !b.log().contains(needle) {
        out.fail(&format!("the broker log should contain {needle:?}"));
    }
}

#[test]
fn client_id() {
    let (b, t) = broker_and_topic!();
    let out = rpub(&b)
        .args(["-i", "my-client-id", "-t", &t, "-m", "x"])
        .run();
    out.code(0);
    assert_logged(&b, &out, " as my-client-id (p2, c1, k60)");
}

#[test]
fn client_id_prefix() {
    let (b, t) = broker_and_topic!();
    let out = rpub(&b).args(["-I", "sensor-", "-t", &t, "-m", "x"]).run();
    out.code(0);
    assert_logged(&b, &out, " as sensor-");
}

#[test]
fn default_client_ids_differ() {
    // Two subscribers started without -i must not throw each other off the broker.
    let (b, t) = broker_and_topic!();
    let first = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    let second = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    rpub(&b).args(["-t", &t, "-m", "both"]).run().code(0);
    first.finish(SHORT).code(0).stdout("both\n");
    second.finish(SHORT).code(0).stdout("both\n");
}

#[test]
fn keepalive_seconds_and_durations() {
    let (b, t) = broker_and_topic!();
    for (value, id, logged) in [
        ("30", "ka-30", "k30)"),
        ("2m", "ka-2m", "k120)"),
        ("0", "ka-0", "k0)"),
    ] {
        let out = rpub(&b)
            .args(["-k", value, "-i", id, "-t", &t, "-m", "x"])
            .run();
        out.code(0);
        assert_logged(&b, &out, &format!(" as {id} (p2, c1, {logged}"));
    }
}

#[test]
fn disable_clean_session() {
    let (b, t) = broker_and_topic!();
    let out = rsub(&b)
        .args(["-E", "-c", "-i", "persistent", "-t", &t])
        .run();
    out.code(0);
    assert_logged(&b, &out, " as persistent (p2, c0, k60)");
}

#[test]
fn unsubscribe_drops_a_persistent_subscription() {
    let (b, t) = broker_and_topic!();
    let (a, bb) = (format!("{t}/a"), format!("{t}/b"));
    let id = "unsubscriber";
    // A persistent session subscribed to T/a.
    rsub(&b)
        .args(["-E", "-c", "-i", id, "-q", "1", "-t", &a])
        .run()
        .code(0);
    // The same session drops T/a and takes T/b.
    rsub(&b)
        .args(["-E", "-c", "-i", id, "-q", "1", "-U", &a, "-t", &bb])
        .run()
        .code(0);
    rpub(&b)
        .args(["-q", "1", "-t", &a, "-m", "to a"])
        .run()
        .code(0);
    rpub(&b)
        .args(["-q", "1", "-t", &bb, "-m", "to b"])
        .run()
        .code(0);
    // Only what was queued for T/b is handed over.
    let back = ["-c", "-i", id, "-q", "1", "-t", &bb, "-C", "1", "-W", "5"];
    rsub(&b).args(back).run().code(0).stdout("to b\n");
}
