//! Connection options as the broker sees them (mosquitto logs each client as
//! `... as ID (p2, c1, k60)`): client id, id prefix, keepalive, clean session; and what a
//! persistent session is for: `-c -i` subscriptions that outlive the connection, `-U` to drop one.

use crate::util::{rpub, rsub, run, Broker, Output, Sub, SHORT};

/// Checks that the broker log contains `needle`.
#[track_caller]
fn assert_logged(b: &Broker, out: &Output, needle: &str) {
    if !b.log().contains(needle) {
        out.fail(&format!("the broker log should contain {needle:?}"));
    }
}

#[test]
fn client_id() {
    let b = Broker::start();
    let t = topic!();
    let out = run(
        rpub(&b).args(["-i", "my-client-id", "-t", &t, "-m", "x"]),
        SHORT,
    );
    out.code(0);
    assert_logged(&b, &out, " as my-client-id (p2, c1, k60)");
}

#[test]
fn client_id_prefix() {
    let b = Broker::start();
    let t = topic!();
    let out = run(rpub(&b).args(["-I", "sensor-", "-t", &t, "-m", "x"]), SHORT);
    out.code(0);
    assert_logged(&b, &out, " as sensor-");
}

#[test]
fn default_client_ids_differ() {
    // Two subscribers started without -i must not throw each other off the broker.
    let b = Broker::start();
    let t = topic!();
    let first = Sub::subscribed(rsub(&b).args(["-t", &t, "-C", "1"]));
    let second = Sub::subscribed(rsub(&b).args(["-t", &t, "-C", "1"]));
    run(rpub(&b).args(["-t", &t, "-m", "both"]), SHORT).code(0);
    first.finish(SHORT).code(0).stdout("both\n");
    second.finish(SHORT).code(0).stdout("both\n");
}

#[test]
fn keepalive_seconds_and_durations() {
    let b = Broker::start();
    let t = topic!();
    for (value, id, logged) in [
        ("30", "ka-30", "k30)"),
        ("2m", "ka-2m", "k120)"),
        ("0", "ka-0", "k0)"),
    ] {
        let out = run(
            rpub(&b).args(["-k", value, "-i", id, "-t", &t, "-m", "x"]),
            SHORT,
        );
        out.code(0);
        assert_logged(&b, &out, &format!(" as {id} (p2, c1, {logged}"));
    }
}

#[test]
fn disable_clean_session() {
    let b = Broker::start();
    let t = topic!();
    let out = run(
        rsub(&b).args(["-E", "-c", "-i", "persistent", "-t", &t]),
        SHORT,
    );
    out.code(0);
    assert_logged(&b, &out, " as persistent (p2, c0, k60)");
}

#[test]
fn unsubscribe_drops_a_persistent_subscription() {
    let b = Broker::start();
    let t = topic!();
    let (a, bb) = (format!("{t}/a"), format!("{t}/b"));
    let id = "unsubscriber";
    // A persistent session subscribed to T/a.
    run(
        rsub(&b).args(["-E", "-c", "-i", id, "-q", "1", "-t", &a]),
        SHORT,
    )
    .code(0);
    // The same session drops T/a and takes T/b.
    run(
        rsub(&b).args(["-E", "-c", "-i", id, "-q", "1", "-U", &a, "-t", &bb]),
        SHORT,
    )
    .code(0);
    run(rpub(&b).args(["-q", "1", "-t", &a, "-m", "to a"]), SHORT).code(0);
    run(rpub(&b).args(["-q", "1", "-t", &bb, "-m", "to b"]), SHORT).code(0);
    // Only what was queued for T/b is handed over.
    let back = ["-c", "-i", id, "-q", "1", "-t", &bb, "-C", "1", "-W", "5"];
    run(rsub(&b).args(back), SHORT).code(0).stdout("to b\n");
}
