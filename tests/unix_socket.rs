//! MQTT over a Unix domain socket (`--unix PATH`) to Mosquitto's `listener 0 PATH`, from both
//! tools and both protocol versions; a missing socket is exit 3; flags that make no sense with
//! a socket are refused.

use crate::util::{bin, rpub, rsub, Broker, Run, SHORT};

fn socket_broker() -> (Broker, String) {
    let broker = Broker::with_config("listener 0 $DIR/mqtt.sock");
    let path = broker.dir().join("mqtt.sock").to_str().unwrap().to_string();
    (broker, path)
}

#[test]
fn both_tools_over_the_socket() {
    let (b, sock) = socket_broker();
    for version in ["311", "5"] {
        let t = topic!();
        let sub = bin("rsub")
            .args(["--unix", &sock, "-V", version, "-t", &t, "-C", "1"])
            .subscribed();
        bin("rpub")
            .args(["--unix", &sock])
            .args(["-V", version, "-t", &t, "-m", "local", "-q", "2"])
            .run()
            .code(0)
            .stderr_empty();
        sub.finish(SHORT).code(0).stdout("local\n");
    }
    // And across: socket in, TCP out.
    let t = topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    bin("rpub")
        .args(["--unix", &sock, "-t", &t, "-m", "crossed"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("crossed\n");
    // Nothing went over TCP for the socket clients: mosquitto names the socket as the address
    // of each of the five, and 127.0.0.1 for the TCP subscriber and for a TCP-only rpub.
    rpub(&b).args(["-t", &t, "-m", "tcp"]).run().code(0);
    let log = b.log();
    let from = |address: &str| {
        log.lines()
            .filter(|l| l.contains(&format!("New client connected from {address}")))
            .count()
    };
    if from(&format!("{sock}:")) != 5 || from("127.0.0.1:") != 2 {
        panic!("expected 5 clients over the socket and 2 over TCP:\n{log}");
    }
}

#[test]
fn missing_socket_is_unreachable() {
    let (b, _) = socket_broker();
    let missing = b.dir().join("nope.sock").to_str().unwrap().to_string();
    for (tool, rest) in [("rpub", &["-m", "y"][..]), ("rsub", &[][..])] {
        let out = bin(tool)
            .args(["--unix", &missing, "-t", "x"])
            .args(rest)
            .run();
        out.code(3)
            .one_error_line(tool)
            .stdout("")
            .stderr_mentions(&missing)
            .stderr_mentions("no such socket");
    }
}

#[test]
fn flags_that_do_not_fit_a_socket_are_refused() {
    let cases: [(&[&str], &str); 4] = [
        (&["-h", "localhost"], "-h/-p"),
        (&["--cafile", "ca.crt"], "TLS"),
        (&["-L", "mqtt://localhost/x"], "--url"),
        (&["--proxy", "http://127.0.0.1:3128"], "--proxy"),
    ];
    for (args, says) in cases {
        let out = bin("rpub")
            .args(["--unix", "/tmp/x.sock", "-t", "x", "-m", "y"])
            .args(args)
            .run();
        out.usage_error("rpub").stderr_mentions(says);
    }
    // MQTT_HOST from the environment would be ignored just as silently: it is refused too.
    let out = bin("rsub")
        .env("MQTT_HOST", "broker")
        .args(["--unix", "/tmp/x.sock", "-t", "x"])
        .run();
    out.usage_error("rsub").stderr_mentions("MQTT_HOST");
}
