//! A broker that goes away under a connected client (killed, as a crash or a restart would):
//! exit 6 (connection lost), exactly one line naming the broker, never a hang and never 0 for
//! `rpub -q 1`, which exits 0 only when every message was acknowledged.
//!
//! With `--no-reconnect`: report the loss and stop (reconnecting is in `reconnect.rs`).

use crate::util::{numbered_forever, rpub, rsub, Output, Run, Sub, SHORT};

/// Checks exit 6 and exactly one `<tool>: ` line (besides the `-d` trace) naming `addr`.
#[track_caller]
fn assert_lost(out: &Output, tool: &str, addr: &str) {
    out.code(6).no_panic();
    let errors: Vec<_> = out
        .stderr_lines()
        .into_iter()
        .filter(|l| !l.starts_with("Client "))
        .collect();
    if errors.len() != 1 || !errors[0].starts_with(&format!("{tool}: ")) {
        out.fail(&format!(
            "expected exactly one `{tool}: ` error line besides the trace"
        ));
    }
    if !errors[0].contains(addr) {
        out.fail(&format!("the error should name the broker {addr}"));
    }
}

#[test]
fn rpub_loses_its_broker_mid_stream() {
    let (mut b, t) = broker_and_topic!();
    let addr = b.addr();
    let mut publisher = Sub::spawn(
        rpub(&b)
            .args(["-d", "--no-reconnect", "-q", "1"])
            .args(numbered_forever(&t, "50ms")),
    );
    publisher.wait_for_stderr("received PUBACK (m3)", SHORT);
    b.kill();
    assert_lost(&publisher.finish(SHORT), "rpub", &addr);
}

#[test]
fn rsub_loses_its_broker() {
    let (mut b, t) = broker_and_topic!();
    let addr = b.addr();
    let mut sub = rsub(&b).args(["--no-reconnect", "-t", &t]).subscribed();
    rpub(&b).args(["-t", &t, "-m", "before"]).run().code(0);
    sub.wait_stdout_lines(1, SHORT);
    b.kill();
    let out = sub.finish(SHORT);
    out.stdout("before\n");
    assert_lost(&out, "rsub", &addr);
}
