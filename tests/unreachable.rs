//! A broker that cannot be reached: nothing listening, a name that does not resolve, a peer
//! that never answers CONNECT. Exit 3, one line naming what was tried, never a hang.

use std::net::TcpListener;
use std::time::Duration;

use crate::util::{bin, unused_port, Output, Run};

/// Checks exit 3 and one `<tool>: ` line mentioning `what`.
#[track_caller]
fn assert_unreachable(out: &Output, tool: &str, what: &str) {
    out.code(3)
        .one_error_line(tool)
        .stdout("")
        .stderr_mentions(what);
}

#[test]
fn nothing_listening() {
    let port = unused_port();
    let addr = format!("127.0.0.1:{port}");
    for (tool, args) in [
        ("rpub", &["-t", "x", "-m", "y"][..]),
        ("rsub", &["-t", "x"][..]),
    ] {
        let out = bin(tool)
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .args(args)
            .run();
        assert_unreachable(&out, tool, &addr);
        let err = out.stderr.to_lowercase();
        if !(err.contains("refused") || err.contains("listening")) {
            out.fail("the error should say the connection was refused / nothing is listening");
        }
    }
}

#[test]
fn nothing_listening_quiet() {
    let port = unused_port().to_string();
    let out = bin("rpub")
        .args(["--quiet"])
        .args(["-h", "127.0.0.1", "-p", &port, "-t", "x", "-m", "y"])
        .run();
    out.code(3).stdout("").stderr_empty();
    let out = bin("rsub")
        .args(["--quiet", "-h", "127.0.0.1", "-p", &port, "-t", "x"])
        .run();
    out.code(3).stdout("").stderr_empty();
}

#[test]
fn unresolvable_host() {
    for (tool, args) in [
        ("rpub", &["-t", "x", "-m", "y"][..]),
        ("rsub", &["-t", "x"][..]),
    ] {
        let out = bin(tool)
            .args(["-h", "no-such-host.invalid"])
            .args(args)
            .run();
        assert_unreachable(&out, tool, "no-such-host.invalid");
    }
}

#[test]
fn unresolvable_host_in_url() {
    let out = bin("rpub")
        .args(["-L", "mqtt://no-such-host.invalid:1883/x", "-m", "y"])
        .run();
    assert_unreachable(&out, "rpub", "no-such-host.invalid");
}

#[test]
fn silent_peer_hits_the_connect_timeout() {
    // A socket that accepts TCP but never answers CONNECT (not a broker: it never reads).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    for (tool, args) in [
        ("rpub", &["-t", "x", "-m", "y"][..]),
        ("rsub", &["-t", "x"][..]),
    ] {
        let out = bin(tool)
            .args(["--connect-timeout", "1", "-h", "127.0.0.1", "-p", &port])
            .args(args)
            .run();
        out.code(3).one_error_line(tool).stdout("");
        if out.elapsed < Duration::from_millis(900) || out.elapsed > Duration::from_secs(5) {
            out.fail("--connect-timeout 1 should give up after about one second");
        }
    }
    drop(listener);
}
