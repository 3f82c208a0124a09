//! The first scenario of every MQTT tutorial: `rsub -v -t hello` in one shell, `rpub -t hello
//! -m world` in another; with `-d` both print a mosquitto-style trace of the packets.
//! Also: where the tools take the broker from (flags, environment, `-L` URL).

use crate::util::{bin, rpub, rsub, unused_port, Broker, Run, SHORT};

#[test]
fn hello_world_verbose() {
    let b = Broker::start();
    let t = format!("{}/hello", topic!());
    let sub = rsub(&b).args(["-v", "-t", &t, "-C", "1"]).subscribed();
    rpub(&b)
        .args(["-t", &t, "-m", "world"])
        .run()
        .code(0)
        .stdout("")
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout(format!("{t} world\n"));
}

#[test]
fn hello_world_payload_only() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    rpub(&b).args(["-t", &t, "-m", "world"]).run().code(0);
    sub.finish(SHORT).code(0).stdout("world\n");
}

#[test]
fn rpub_debug_trace_shows_the_packets() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    let out = rpub(&b)
        .args(["-d", "-i", "hello-pub", "-q", "1", "-t", &t, "-m", "world"])
        .run();
    out.code(0);
    for expected in [
        "Client hello-pub sending CONNECT".to_string(),
        "Client hello-pub received CONNACK (0)".to_string(),
        format!("Client hello-pub sending PUBLISH (d0, q1, r0, m1, '{t}', ... (5 bytes))"),
        "Client hello-pub received PUBACK (m1)".to_string(),
        "Client hello-pub sending DISCONNECT".to_string(),
    ] {
        if !out.stderr.lines().any(|line| line.starts_with(&expected)) {
            out.fail(&format!("no trace line starting with {expected:?}"));
        }
    }
    // The order of a publish at QoS 1: CONNECT, CONNACK, PUBLISH, PUBACK, DISCONNECT.
    let position = |needle: &str| out.stderr.find(needle).unwrap_or_else(|| out.fail(needle));
    let order = [
        "sending CONNECT",
        "received CONNACK",
        "sending PUBLISH",
        "received PUBACK",
        "sending DISCONNECT",
    ]
    .map(position);
    if !order.windows(2).all(|w| w[0] < w[1]) {
        out.fail("trace lines out of order");
    }
    sub.finish(SHORT).code(0).stdout("world\n");
}

#[test]
fn rsub_debug_trace_shows_the_packets() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-i", "hello-sub", "-t", &t, "-C", "1"])
        .subscribed();
    rpub(&b).args(["-t", &t, "-m", "world"]).run().code(0);
    let out = sub.finish(SHORT);
    out.code(0).stdout("world\n");
    for expected in [
        "Client hello-sub sending CONNECT".to_string(),
        "Client hello-sub received CONNACK (0)".to_string(),
        format!("Client hello-sub sending SUBSCRIBE (m1, '{t}', q0)"),
        "Client hello-sub received SUBACK (m1, q0)".to_string(),
        format!("Client hello-sub received PUBLISH (d0, q0, r0, m0, '{t}', ... (5 bytes))"),
        "Client hello-sub sending DISCONNECT".to_string(),
    ] {
        if !out.stderr.lines().any(|line| line.starts_with(&expected)) {
            out.fail(&format!("no trace line starting with {expected:?}"));
        }
    }
    // The trace is the only thing on stderr: one packet per line.
    if let Some(line) = out
        .stderr_lines()
        .into_iter()
        .find(|l| !l.starts_with("Client hello-sub "))
    {
        out.fail(&format!("stderr line that is not a trace line: {line:?}"));
    }
}

#[test]
fn broker_from_environment() {
    let (b, t) = broker_and_topic!();
    let sub = bin("rsub")
        .env("MQTT_HOST", "127.0.0.1")
        .env("MQTT_PORT", b.port().to_string())
        .args(["-t", &t, "-C", "1"])
        .subscribed();
    let out = bin("rpub")
        .env("MQTT_HOST", "127.0.0.1")
        .env("MQTT_PORT", b.port().to_string())
        .args(["-t", &t, "-m", "from env"])
        .run();
    out.code(0);
    sub.finish(SHORT).code(0).stdout("from env\n");
}

#[test]
fn port_flag_wins_over_environment() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    let out = bin("rpub")
        .env("MQTT_PORT", unused_port().to_string())
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &b.port().to_string(),
            "-t",
            &t,
            "-m",
            "flag wins",
        ])
        .run();
    out.code(0);
    sub.finish(SHORT).code(0).stdout("flag wins\n");
}

#[test]
fn broker_and_topic_from_url() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-v", "-t", &t, "-C", "1"]).subscribed();
    let url = format!("mqtt://127.0.0.1:{}/{t}", b.port());
    bin("rpub")
        .args(["-L", &url, "-m", "via url"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout(format!("{t} via url\n"));
}

#[test]
fn rsub_takes_its_topic_from_url() {
    let (b, t) = broker_and_topic!();
    let url = format!("mqtt://127.0.0.1:{}/{t}", b.port());
    let sub = bin("rsub").args(["-L", &url, "-C", "1"]).subscribed();
    rpub(&b).args(["-t", &t, "-m", "via url"]).run().code(0);
    sub.finish(SHORT).code(0).stdout("via url\n");
}

/// `localhost` is the loopback address, as RFC 6761 asks (not looked up): IPv4's first, then
/// IPv6's, so a broker listening on `::1` alone is reached too, in any case of the name.
#[test]
fn localhost_reaches_a_broker_on_either_loopback() {
    let v6 = unused_port();
    let ipv6 = std::net::TcpListener::bind(("::1", 0)).is_ok();
    let extra = if ipv6 {
        format!("listener {v6} ::1")
    } else {
        String::new()
    };
    let b = Broker::with_config(&extra);
    let mut ports = vec![b.port()];
    if ipv6 {
        ports.push(v6);
    } else {
        eprintln!("this machine has no IPv6 loopback: only 127.0.0.1 is tried");
    }
    for port in ports {
        let t = format!("{}/{port}", topic!());
        let port = port.to_string();
        let sub = bin("rsub")
            .args(["-h", "localhost", "-p", &port, "-t", &t, "-C", "1"])
            .subscribed();
        bin("rpub")
            .args(["-h", "LocalHost", "-p", &port, "-q", "1"])
            .args(["-t", &t, "-m", "here"])
            .run()
            .code(0)
            .stderr_empty();
        sub.finish(SHORT).code(0).stdout("here\n");
    }
}
