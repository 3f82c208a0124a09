//! `-D disconnect session-expiry-interval N` and `-D disconnect user-property K V` (MQTT 5):
//! the DISCONNECT each tool sends at the end carries them. Mosquitto honours the session
//! expiry given there: a QoS 1 message queued while the client is away is waiting when it
//! comes back, or not. Mosquitto logs no DISCONNECT property, so the bytes a scripted server
//! received show the user properties. A lifetime at DISCONNECT for a session that CONNECT
//! said ends with the connection is a protocol error (MQTT 5, 3.14.2.2.2): refused before.

use std::thread;
use std::time::Duration;

use crate::util::{bin, rpub_v5, rsub_v5, Broker, Liar, Lie, Run};

/// `rsub -V 5 -i ID -c -x EXPIRY -q 1 -t TOPIC -E` and `farewell` (more flags): subscribe,
/// then disconnect at once.
fn subscribe_and_leave(b: &Broker, id: &str, expiry: &str, topic: &str, farewell: &[&str]) {
    rsub_v5(b)
        .args(["-i", id, "-c", "-x", expiry, "-q", "1", "-t", topic, "-E"])
        .args(farewell)
        .run()
        .code(0)
        .stderr_empty();
}

/// Whether the session of `id` kept the QoS 1 message published on `topic` while it was away.
fn kept_the_message(b: &Broker, id: &str, topic: &str) -> bool {
    let back = rsub_v5(b)
        .args(["-i", id, "-c", "-x", "300", "-q", "1", "-t", topic])
        .args(["-C", "1", "-W", "1"])
        .run();
    match back.code {
        Some(0) => {
            back.stdout("while away\n");
            true
        }
        _ => {
            back.code(27).stdout("");
            false
        }
    }
}

#[test]
fn an_expiry_of_0_at_disconnect_ends_a_session_connect_kept() {
    let (b, t) = broker_and_topic!();
    let farewell = ["-D", "disconnect", "session-expiry-interval", "0"];
    subscribe_and_leave(&b, "dx-kept", "300", &t, &[]);
    subscribe_and_leave(&b, "dx-ended", "300", &t, &farewell);
    rpub_v5(&b)
        .args(["-q", "1", "-t", &t, "-m", "while away"])
        .run()
        .code(0);
    assert!(
        kept_the_message(&b, "dx-kept", &t),
        "-x 300 keeps the session"
    );
    assert!(
        !kept_the_message(&b, "dx-ended", &t),
        "-D disconnect session-expiry-interval 0 should end the session"
    );
}

#[test]
fn an_expiry_at_disconnect_outlives_the_one_at_connect() {
    let (b, t) = broker_and_topic!();
    let farewell = ["-D", "disconnect", "session-expiry-interval", "60"];
    subscribe_and_leave(&b, "dx-short", "1", &t, &[]);
    subscribe_and_leave(&b, "dx-longer", "1", &t, &farewell);
    // Past CONNECT's 1 s: only the session DISCONNECT gave 60 s is left.
    thread::sleep(Duration::from_secs(3));
    rpub_v5(&b)
        .args(["-q", "1", "-t", &t, "-m", "while away"])
        .run()
        .code(0);
    assert!(
        kept_the_message(&b, "dx-longer", &t),
        "-D disconnect session-expiry-interval 60 should keep the session"
    );
    assert!(
        !kept_the_message(&b, "dx-short", &t),
        "-x 1 ends the session"
    );
}

#[test]
fn both_tools_send_the_properties_in_their_disconnect() {
    let farewell = [
        "-D",
        "disconnect",
        "session-expiry-interval",
        "0",
        "-D",
        "disconnect",
        "user-property",
        "origin",
        "lab",
    ];
    // Reason 0 (normal), 19 bytes of properties: expiry 0, then the user property.
    let expected = "DISCONNECT 00 13 11 00 00 00 00 26 00 06 6f 72 69 67 69 6e 00 03 6c 61 62";
    for (tool, rest) in [("rpub", &["-m", "x"][..]), ("rsub", &["-E"][..])] {
        let liar = Liar::start(Lie::Nothing);
        bin(tool)
            .args(liar.args())
            .args(["-V", "5", "-t", "x"])
            .args(rest)
            .args(farewell)
            .run()
            .code(0)
            .stderr_empty();
        let seen = liar.seen();
        if seen.last().map(String::as_str) != Some(expected) {
            panic!("{tool}: expected the DISCONNECT to end with {expected:?}, got {seen:?}");
        }
        // Without -D the DISCONNECT is the bare packet, as before.
        let liar = Liar::start(Lie::Nothing);
        bin(tool)
            .args(liar.args())
            .args(["-V", "5", "-t", "x"])
            .args(rest)
            .run()
            .code(0);
        assert_eq!(liar.seen().last().map(String::as_str), Some("DISCONNECT"));
    }
}

#[test]
fn a_lifetime_at_disconnect_for_a_session_connect_ended_is_refused() {
    for connect in [&[][..], &["-x", "0"][..]] {
        let out = bin("rsub")
            .args(["-V", "5", "-i", "me", "-t", "x"])
            .args(connect)
            .args(["-D", "disconnect", "session-expiry-interval", "60"])
            .run();
        out.usage_error("rsub")
            .stderr_mentions("-D disconnect session-expiry-interval 60")
            .stderr_mentions("MQTT 5 forbids");
    }
}
