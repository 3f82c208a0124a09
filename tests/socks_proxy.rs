//! `--proxy socks5h://...` and `socks5://...` through a real microsocks: its own connections
//! come from 127.0.0.3 (`-b`), so the broker's log shows that the traffic went through it, and
//! its log shows whether it was given the broker's name (socks5h) or an address (socks5).
//! Plain MQTT, TLS and WebSockets; the proxy's login right and wrong; a proxy that cannot
//! reach the broker: one line each, exit 3, as for an HTTP proxy.

use crate::proxy::tls_and_websockets_through;
use crate::util::{bin, rpub, rsub, unused_port, Broker, Microsocks, Run, SHORT};

/// The address microsocks connects from, as the broker sees it.
const PROXY_SIDE: &str = "127.0.0.3";

/// Every client in `log` connected from [`PROXY_SIDE`], and `ids` are among them.
#[track_caller]
fn came_through_the_proxy(log: &str, ids: &[&str]) {
    let clients: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("New client connected from "))
        .collect();
    for id in ids {
        let wanted = format!("New client connected from {PROXY_SIDE}:");
        let as_id = format!(" as {id} (");
        if !clients
            .iter()
            .any(|l| l.contains(&wanted) && l.contains(&as_id))
        {
            panic!("the broker should see {id} come from {PROXY_SIDE} (the proxy):\n{log}");
        }
    }
    if let Some(direct) = clients.iter().find(|l| !l.contains(PROXY_SIDE)) {
        panic!("a client reached the broker without the proxy: {direct}\n{log}");
    }
}

#[test]
fn both_tools_through_a_socks5_proxy() {
    let b = Broker::start();
    let proxy = Microsocks::start(&["-b", PROXY_SIDE]);
    let t = topic!();
    let port = b.port().to_string();
    let socks5h = proxy.url("socks5h", "");
    let sub = bin("rsub")
        .args(["-h", "localhost", "-p", &port, "--proxy", &socks5h])
        .args(["-i", "socks-sub", "-t", &t, "-C", "2"])
        .subscribed();
    bin("rpub")
        .args(["-h", "localhost", "-p", &port, "--proxy", &socks5h])
        .args(["-i", "socks-pub", "-t", &t, "-m", "by name", "-q", "1"])
        .run()
        .code(0)
        .stderr_empty();
    // socks5://: the name is resolved here (localhost is 127.0.0.1 on the test machines).
    bin("rpub")
        .args([
            "-h",
            "localhost",
            "-p",
            &port,
            "--proxy",
            &proxy.url("socks5", ""),
        ])
        .args(["-i", "socks-pub-2", "-t", &t, "-m", "by address", "-q", "1"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("by name\nby address\n");
    came_through_the_proxy(&b.log(), &["socks-sub", "socks-pub", "socks-pub-2"]);
    let by_name = format!("localhost:{port}");
    let by_address = format!("127.0.0.1:{port}");
    let connects = proxy.connects();
    if connects != [by_name.clone(), by_name, by_address] {
        panic!(
            "unexpected tunnels in the proxy log: {connects:?}\n{}",
            proxy.log()
        );
    }
}

#[test]
fn tls_and_websockets_through_a_socks5_proxy() {
    let proxy = Microsocks::start(&["-b", PROXY_SIDE]);
    let (targets, tls_log) = tls_and_websockets_through(&proxy.url("socks5h", ""));
    came_through_the_proxy(&tls_log, &["sealed-sub", "sealed-pub"]);
    let connects = proxy.connects();
    if connects != targets {
        panic!(
            "unexpected tunnels in the proxy log: {connects:?}, expected {targets:?}\n{}",
            proxy.log()
        );
    }
}

#[test]
fn the_socks5_proxys_login() {
    let b = Broker::start();
    let proxy = Microsocks::start(&["-b", PROXY_SIDE, "-u", "kai", "-P", "s0cks-pa55"]);
    let t = topic!();
    let sub = rsub(&b)
        .args(["--proxy", &proxy.url("socks5h", "kai:s0cks-pa55@")])
        .args(["-i", "logged-in", "-t", &t, "-C", "1"])
        .subscribed();
    rpub(&b)
        .args(["-t", &t, "-m", "let in", "-d"])
        .args(["--proxy", &proxy.url("socks5", "kai:s0cks-pa55@")])
        .run()
        .code(0)
        .never_shows("s0cks-pa55");
    sub.finish(SHORT).code(0).stdout("let in\n");
    if !b.log().contains(&format!("from {PROXY_SIDE}:")) {
        panic!(
            "the broker should see the clients come from the proxy:\n{}",
            b.log()
        );
    }

    let wrong = proxy.url("socks5h", "kai:wr0ng-pa55@");
    let out = rpub(&b)
        .args(["--proxy", &wrong, "-t", &t, "-m", "y"])
        .run();
    out.code(3)
        .one_error_line("rpub")
        .stdout("")
        .stderr_mentions(&b.addr())
        .stderr_mentions("the proxy refused the user and password")
        .never_shows("wr0ng-pa55");
    let out = rsub(&b)
        .args(["--proxy", &proxy.url("socks5h", ""), "-t", &t])
        .run();
    out.code(3)
        .one_error_line("rsub")
        .stderr_mentions("the proxy wants a valid user and password");
}

#[test]
fn a_socks5_proxy_cut_off_from_the_broker() {
    // Nothing at the proxy's address is `proxy::nothing_at_the_proxy`, for both kinds.
    let proxy = Microsocks::start(&[]);
    let closed = unused_port().to_string();
    for (tool, rest) in [("rpub", &["-m", "y"][..]), ("rsub", &[][..])] {
        let out = bin(tool)
            .args(["-h", "127.0.0.1", "-p", &closed])
            .args(["--proxy", &proxy.url("socks5h", ""), "-t", "x"])
            .args(rest)
            .run();
        out.code(3)
            .one_error_line(tool)
            .stdout("")
            .stderr_mentions(&format!("cannot connect to 127.0.0.1:{closed}"))
            .stderr_mentions("the proxy could not reach the broker (SOCKS5: connection refused)");
    }
}

/// `socks5://` asks the proxy for each address the broker's name resolves to, in turn, until
/// it reaches one: `localhost` is 127.0.0.1, then ::1, and a broker listening on ::1 alone is
/// reached through the second.
#[test]
fn socks5_tries_each_address_of_the_brokers_name() {
    let Some((b, port)) = Broker::on_ipv6_loopback() else {
        return;
    };
    let proxy = Microsocks::start(&[]);
    let t = topic!();
    let sub = bin("rsub")
        .args(["-h", "::1", "-p", &port, "-t", &t, "-C", "1"])
        .subscribed();
    bin("rpub")
        .args(["-h", "localhost", "-p", &port])
        .args([
            "--proxy",
            &proxy.url("socks5", ""),
            "-t",
            &t,
            "-m",
            "second address",
        ])
        .args(["-q", "1"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("second address\n");
    let connects = proxy.connects();
    if connects.len() != 1 || !connects[0].contains("::1") || !connects[0].ends_with(&port) {
        panic!(
            "the proxy should have reached ::1 port {port} once: {connects:?}\n{}\n{}",
            proxy.log(),
            b.log()
        );
    }
}
