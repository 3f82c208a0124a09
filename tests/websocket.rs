//! MQTT over WebSockets (`-L ws://`, `-L wss://`) against the amqtt broker, which serves the
//! same topics over TCP and WebSocket listeners: what goes in over one comes out of the other.
//! Mosquitto 2.0.11 from Debian has no WebSocket listener; a WebSocket URL pointed at its
//! plain MQTT port fails with one line, no hang.

use std::time::Duration;

use crate::payloads::large_payload_arrives_whole;
use crate::util::{bin, Amqtt, Broker, Pki, Run, SERVER, SHORT};

fn tcp(amqtt: &Amqtt) -> [String; 4] {
    [
        "-h".into(),
        "127.0.0.1".into(),
        "-p".into(),
        amqtt.tcp_port.to_string(),
    ]
}

#[test]
fn publish_over_ws_receive_over_tcp() {
    let amqtt = Amqtt::start();
    let t = topic!();
    let sub = bin("rsub")
        .args(tcp(&amqtt))
        .args(["-t", &t, "-C", "2", "-v"])
        .subscribed();
    let url = format!("ws://127.0.0.1:{}/mqtt", amqtt.ws_port);
    bin("rpub")
        .args(["-L", &url, "-t", &t, "-m", "over ws", "-q", "1"])
        .run()
        .code(0)
        .stderr_empty();
    // The URL's default path is "/": any path reaches amqtt.
    let url = format!("ws://localhost:{}", amqtt.ws_port);
    bin("rpub")
        .args(["-L", &url, "-t", &t, "-m", "again"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t} over ws\n{t} again\n"));
}

/// A payload of a few MB goes out over ws:// and wss:// (a transport without vectored
/// writes: the header, then the payload, a piece at a time) and arrives byte for byte over
/// TCP. (amqtt speaks MQTT 3.1.1 only; MQTT 5 shares the same writer.)
#[test]
fn a_large_payload_arrives_whole_over_websockets() {
    let pki = Pki::new();
    let amqtt = Amqtt::with_wss(
        &pki.path(&format!("{SERVER}.crt")),
        &pki.path(&format!("{SERVER}.key")),
    );
    let ws = vec![
        "-L".to_string(),
        format!("ws://127.0.0.1:{}/mqtt", amqtt.ws_port),
    ];
    let mut wss = vec![
        "-L".to_string(),
        format!("wss://localhost:{}/mqtt", amqtt.wss_port.unwrap()),
    ];
    wss.extend(pki.ca_args());
    for url in [ws, wss] {
        large_payload_arrives_whole(&url, &tcp(&amqtt), &topic!());
    }
}

#[test]
fn publish_over_tcp_receive_over_ws() {
    let amqtt = Amqtt::start();
    let t = topic!();
    let url = format!("ws://127.0.0.1:{}/mqtt", amqtt.ws_port);
    let sub = bin("rsub")
        .args(["-L", &url, "-t", &t, "-C", "1", "-q", "1"])
        .subscribed();
    bin("rpub")
        .args(tcp(&amqtt))
        .args(["-t", &t, "-m", "to ws", "-q", "1"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("to ws\n");
}

#[test]
fn wss_with_our_ca_both_ways() {
    let pki = Pki::new();
    let amqtt = Amqtt::with_wss(
        &pki.path(&format!("{SERVER}.crt")),
        &pki.path(&format!("{SERVER}.key")),
    );
    let wss_port = amqtt.wss_port.unwrap();
    let url = format!("wss://localhost:{wss_port}/mqtt");
    let t = topic!();

    let sub = bin("rsub")
        .args(["-L", &url])
        .args(pki.ca_args())
        .args(["-t", &t, "-C", "1"])
        .subscribed();
    bin("rpub")
        .args(tcp(&amqtt))
        .args(["-t", &t, "-m", "to wss"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("to wss\n");

    let sub = bin("rsub")
        .args(tcp(&amqtt))
        .args(["-t", &t, "-C", "1"])
        .subscribed();
    bin("rpub")
        .args(["-L", &url])
        .args(pki.ca_args())
        .args(["-t", &t, "-m", "from wss"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("from wss\n");

    // TLS to the plain ws:// listener: a TLS failure, at once.
    let plain = format!("wss://localhost:{}/mqtt", amqtt.ws_port);
    let out = bin("rpub")
        .args(["-L", &plain])
        .args(pki.ca_args())
        .args(["-t", &t, "-m", "x"])
        .run();
    out.code(5)
        .one_error_line("rpub")
        .stderr_mentions("TLS with wss://localhost");
    if out.elapsed > Duration::from_secs(5) {
        out.fail("should fail at once, not at the connect timeout");
    }

    // The certificate is checked over wss as over mqtts.
    let out = bin("rpub")
        .args(["-L", &url, "--cafile", &pki.path("other-ca.crt")])
        .args(["-t", &t, "-m", "x"])
        .run();
    out.code(5)
        .one_error_line("rpub")
        .stderr_mentions("not signed by a trusted CA");
}

#[test]
fn ws_to_a_plain_mqtt_port_fails_at_once() {
    let broker = Broker::start();
    let url = format!("ws://127.0.0.1:{}/mqtt", broker.port());
    for (tool, rest) in [("rpub", &["-m", "y"][..]), ("rsub", &[][..])] {
        let out = bin(tool).args(["-L", &url, "-t", "x"]).args(rest).run();
        out.code(3)
            .one_error_line(tool)
            .stdout("")
            .stderr_mentions(&url);
        if out.elapsed > Duration::from_secs(5) {
            out.fail("should fail at once, not at the connect timeout");
        }
    }
}

#[test]
fn tls_flags_with_a_plain_ws_url_are_refused() {
    let out = bin("rpub")
        .args(["-L", "ws://localhost/mqtt"])
        .args(["--cafile", "ca.crt"])
        .args(["-t", "x", "-m", "y"])
        .run();
    out.usage_error("rpub").stderr_mentions("wss://");
}
