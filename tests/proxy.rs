//! `--proxy http://...` through a real tinyproxy: the MQTT connection is tunnelled with
//! CONNECT (the proxy's log shows it did), for plain MQTT, TLS and WebSockets; proxy
//! credentials work and never show; a proxy that refuses, or nothing at the proxy (HTTP or
//! SOCKS5), is one line and exit 3; SOCKS4 is refused as unsupported rather than ignored
//! (SOCKS5 through a real proxy is `socks_proxy.rs`).

use crate::util::{
    bin, rpub, rsub, unused_port, Amqtt, Broker, Pki, Run, Tinyproxy, TlsBroker, SERVER, SHORT,
};

#[test]
fn both_tools_through_the_proxy() {
    let b = Broker::start();
    let proxy = Tinyproxy::start("");
    let t = topic!();
    let sub = rsub(&b)
        .args(["--proxy", &proxy.url(), "-t", &t, "-C", "1"])
        .subscribed();
    rpub(&b)
        .args(["--proxy", &proxy.url()])
        .args(["-t", &t, "-m", "tunnelled", "-q", "1"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("tunnelled\n");
    let target = b.addr();
    let connects = proxy.connects();
    if connects != [target.clone(), target] {
        panic!(
            "expected two CONNECTs to {} in the proxy log, got {connects:?}\n{}",
            b.addr(),
            proxy.log()
        );
    }
}

#[test]
fn tls_and_websockets_through_the_proxy() {
    let proxy = Tinyproxy::start("");
    let (targets, _) = tls_and_websockets_through(&proxy.url());
    let connects = proxy.connects();
    if connects != targets {
        panic!(
            "unexpected CONNECTs in the proxy log: {connects:?}, expected {targets:?}\n{}",
            proxy.log()
        );
    }
}

/// rsub and rpub over TLS to `localhost` (clients `sealed-sub` and `sealed-pub`), then rsub
/// over a WebSocket, each through the proxy at `url`, each message delivered. Returns the
/// tunnels they asked the proxy for (TLS twice, then the WebSocket) and the TLS broker's log.
pub fn tls_and_websockets_through(url: &str) -> (Vec<String>, String) {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, true);
    let t = topic!();
    let sub = bin("rsub")
        .args(tb.at("localhost"))
        .args(pki.client_args())
        .args(["--proxy", url, "-i", "sealed-sub", "-t", &t, "-C", "1"])
        .subscribed();
    bin("rpub")
        .args(tb.at("localhost"))
        .args(pki.client_args())
        .args(["--proxy", url, "-i", "sealed-pub", "-t", &t, "-m", "sealed"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("sealed\n");

    let amqtt = Amqtt::start();
    let ws = format!("ws://127.0.0.1:{}/mqtt", amqtt.ws_port);
    let sub = bin("rsub")
        .args(["-L", &ws, "--proxy", url, "-t", &t, "-C", "1"])
        .subscribed();
    bin("rpub")
        .args(["-h", "127.0.0.1", "-p", &amqtt.tcp_port.to_string()])
        .args(["-t", &t, "-m", "ws"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("ws\n");

    let tls_target = format!("localhost:{}", tb.port);
    let ws_target = format!("127.0.0.1:{}", amqtt.ws_port);
    (
        vec![tls_target.clone(), tls_target, ws_target],
        tb.broker.log(),
    )
}

#[test]
fn proxy_credentials() {
    let b = Broker::start();
    let proxy = Tinyproxy::start("BasicAuth kai pr0xy-pa55");
    let port = proxy.port;
    let t = topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    let good = format!("http://kai:pr0xy-pa55@127.0.0.1:{port}");
    rpub(&b)
        .args(["--proxy", &good, "-t", &t, "-m", "let in", "-d"])
        .run()
        .code(0)
        .never_shows("pr0xy-pa55");
    sub.finish(SHORT).code(0).stdout("let in\n");

    let bad = format!("http://kai:wr0ng-pa55@127.0.0.1:{port}");
    let out = rpub(&b).args(["--proxy", &bad, "-t", &t, "-m", "y"]).run();
    out.code(3)
        .one_error_line("rpub")
        .stdout("")
        .stderr_mentions("the proxy refused to open a tunnel: HTTP 40")
        .stderr_mentions("wants a valid user and password")
        .never_shows("wr0ng-pa55");
    let none = format!("http://127.0.0.1:{port}");
    let out = rsub(&b).args(["--proxy", &none, "-t", &t]).run();
    out.code(3)
        .one_error_line("rsub")
        .stderr_mentions("wants a valid user and password");
}

#[test]
fn proxy_that_refuses_the_port() {
    let b = Broker::start();
    // Only CONNECT to port 443 is allowed: the broker's port is refused.
    let proxy = Tinyproxy::start("ConnectPort 443");
    let out = rpub(&b)
        .args(["--proxy", &proxy.url(), "-t", "x", "-m", "y"])
        .run();
    out.code(3)
        .one_error_line("rpub")
        .stdout("")
        .stderr_mentions(&b.addr())
        .stderr_mentions("the proxy refused to open a tunnel: HTTP 403");
}

#[test]
fn nothing_at_the_proxy() {
    let b = Broker::start();
    let port = unused_port();
    let tools = [("rpub", &["-m", "y"][..]), ("rsub", &[][..])];
    for ((tool, rest), scheme) in tools
        .into_iter()
        .flat_map(|t| [(t, "http"), (t, "socks5h")])
    {
        let url = format!("{scheme}://127.0.0.1:{port}");
        let out = bin(tool)
            .args(["-h", "127.0.0.1", "-p", &b.port().to_string()])
            .args(["--proxy", &url])
            .args(["-t", "x"])
            .args(rest)
            .run();
        out.code(3)
            .one_error_line(tool)
            .stdout("")
            .stderr_mentions("nothing is listening at the proxy");
    }
}

#[test]
fn socks4_and_bad_proxy_urls_are_refused() {
    let cases = [
        (
            "socks4a://127.0.0.1:1080",
            "socks4a:// proxies are not supported",
        ),
        ("socks4://127.0.0.1:1080", "not supported"),
        ("socks5h://kai@127.0.0.1:1080", "1 to 255 bytes"),
        (
            "https://127.0.0.1:3128",
            "https:// proxies are not supported",
        ),
        ("127.0.0.1:3128", "http://"),
        ("http://127.0.0.1", "needs a port"),
        ("http://u:s3cret@127.0.0.1:99999", "port"),
    ];
    for (url, says) in cases {
        let out = bin("rpub")
            .args(["--proxy", url, "-t", "x", "-m", "y"])
            .run();
        out.usage_error("rpub")
            .stderr_mentions(says)
            .never_shows("s3cret");
    }
}
