//! A one-shot publish and a subscriber's SUBSCRIBE over MQTT 3.1.1 go out in the same write
//! as CONNECT, a round trip sooner (MQTT 3.1.1, 3.1.4, allows it); over MQTT 5, whose
//! CONNACK sets limits a PUBLISH and subscription options must keep to, and over MQTT 3.1,
//! they wait for CONNACK. A broker that refuses the connection takes none of it.

use crate::util::{bin, rpub, rsub, Broker, Liar, Lie, Run, SHORT};

/// What the scripted server saw of `tool` with `args`, which must succeed. The server
/// answers CONNECT only after 300 ms, noting `DATA BEFORE CONNACK` when more had come by then.
fn seen_of(tool: &str, args: &[&str]) -> Vec<String> {
    let liar = Liar::start(Lie::LateConnAck);
    bin(tool)
        .args(liar.args())
        .args(args)
        .run()
        .code(0)
        .stderr_empty();
    assert!(liar.saw("DISCONNECT"), "no DISCONNECT: {:?}", liar.seen());
    liar.seen()
}

/// `rpub -q QOS -t a/b -m hi` with `extra` flags.
fn seen_of_one_shot(qos: &str, extra: &[&str]) -> Vec<String> {
    seen_of(
        "rpub",
        &[&["-q", qos, "-t", "a/b", "-m", "hi"], extra].concat(),
    )
}

#[test]
fn a_one_shot_publish_goes_out_with_connect_over_mqtt311() {
    for qos in ["0", "1", "2"] {
        let pkid = if qos == "0" { 0 } else { 1 };
        let seen = seen_of_one_shot(qos, &[]);
        let expected = [
            "CONNECT v4".to_string(),
            "DATA BEFORE CONNACK".to_string(),
            format!("PUBLISH qos={qos} dup=0 pkid={pkid}"),
        ];
        assert_eq!(seen[..3], expected, "at QoS {qos}: {seen:?}");
    }
}

/// Over `-V 5` and `-V 31` nothing came before CONNACK, and `packet` came after it;
/// `seen_with(flags)` is what the scripted server saw of a run with those flags.
fn assert_waits_for_connack(packet: &str, seen_with: impl Fn(&[&str]) -> Vec<String>) {
    for version in ["5", "31"] {
        let seen = seen_with(&["-V", version]);
        assert!(
            !seen.iter().any(|l| l == "DATA BEFORE CONNACK"),
            "-V {version} sent more before CONNACK: {seen:?}"
        );
        assert!(
            seen.iter().any(|l| l == packet),
            "-V {version}: no {packet}: {seen:?}"
        );
    }
}

#[test]
fn over_mqtt5_and_mqtt31_the_publish_waits_for_connack() {
    assert_waits_for_connack("PUBLISH qos=1 dup=0 pkid=1", |flags| {
        seen_of_one_shot("1", flags)
    });
}

#[test]
fn a_broker_refusing_the_connection_takes_nothing_of_the_message() {
    let (b, t) = broker_and_topic!(Broker::with_users(&[("Kai", "1234")], ""));
    let sub = rsub(&b)
        .args(["-u", "Kai", "-P", "1234", "-t", &t, "-C", "1"])
        .subscribed();
    for qos in ["0", "1"] {
        let refused = rpub(&b)
            .args([
                "-u", "Kai", "-P", "wrong", "-q", qos, "-t", &t, "-m", "refused",
            ])
            .run();
        refused.code(4).one_error_line("rpub").stdout("");
    }
    rpub(&b)
        .args([
            "-u", "Kai", "-P", "1234", "-q", "1", "-t", &t, "-m", "taken",
        ])
        .run()
        .code(0);
    // The first message the subscriber gets is the one sent after the refused ones.
    sub.finish(SHORT).code(0).stdout("taken\n");
}

/// `rsub -E` (exit once subscribed) with `args`.
fn seen_of_subscriber(args: &[&str]) -> Vec<String> {
    seen_of("rsub", &[&["-E"], args].concat())
}

#[test]
fn the_subscribe_goes_out_with_connect_over_mqtt311() {
    let seen = seen_of_subscriber(&["-t", "a/b", "-t", "c/#"]);
    assert_eq!(
        seen[..3],
        [
            "CONNECT v4",
            "DATA BEFORE CONNACK",
            "SUBSCRIBE pkid=1 filters=2"
        ],
        "{seen:?}"
    );
    // -U's UNSUBSCRIBE waits for CONNACK, after the SUBSCRIBE, as mosquitto_sub sends them.
    let seen = seen_of_subscriber(&["-t", "a/b", "-U", "c/#"]);
    assert_eq!(
        seen[..4],
        [
            "CONNECT v4",
            "DATA BEFORE CONNACK",
            "SUBSCRIBE pkid=1 filters=1",
            "UNSUBSCRIBE pkid=2"
        ],
        "{seen:?}"
    );
}

#[test]
fn over_mqtt5_and_mqtt31_the_subscribe_waits_for_connack() {
    assert_waits_for_connack("SUBSCRIBE pkid=1 filters=1", |flags| {
        seen_of_subscriber(&[&["-t", "a/b"], flags].concat())
    });
}

#[test]
fn a_broker_refusing_the_connection_takes_nothing_of_the_subscribe() {
    let (b, t) = broker_and_topic!(Broker::with_users(&[("Kai", "1234")], "log_type all"));
    bin("rsub")
        .args(["-p", &b.port().to_string(), "-i", "refused-sub"])
        .args(["-u", "Kai", "-P", "wrong", "-t", &t, "-E"])
        .run()
        .code(4)
        .one_error_line("rsub")
        .stdout("");
    bin("rsub")
        .args(["-p", &b.port().to_string(), "-i", "taken-sub"])
        .args(["-u", "Kai", "-P", "1234", "-t", &t, "-E"])
        .run()
        .code(0);
    let log = b.log_holding(&["Received SUBSCRIBE from taken-sub"], SHORT);
    assert!(log.contains("Received SUBSCRIBE from taken-sub"), "{log}");
    assert!(
        !log.contains("Received SUBSCRIBE from refused-sub"),
        "{log}"
    );
}
