//! Against a scripted server that breaks the protocol ([`Lie`]): nothing counts as
//! acknowledged unless the broker acknowledged it, and each lie is named in words, in one
//! line, with a nonzero exit status.

use crate::util::*;

/// `rpub` or `rsub` at the scripted server, with `args`.
fn at(liar: &Liar, tool: &str, args: &[&str]) -> std::process::Command {
    let mut cmd = bin(tool);
    cmd.args(liar.args()).args(args);
    cmd
}

/// An acknowledgement for packet id 1001, never used, is no acknowledgement of message 1: rpub
/// says it is a protocol error, sends the message again (DUP), and, with no real answer,
/// exits 6 saying the message was not acknowledged.
fn unsolicited_ack(qos: &str, version: &str) {
    let liar = Liar::start(Lie::UnsolicitedAck);
    let out = at(
        &liar,
        "rpub",
        &[
            "-V", version, "-q", qos, "-t", "a/b", "-m", "hi", "-v", "--stats",
        ],
    )
    .run();
    out.code(6)
        .stderr_mentions("packet id 1001")
        .stderr_mentions("protocol error")
        .stderr_mentions("1 of 1 messages not acknowledged")
        .no_panic();
    if out.stdout_str().contains("acknowledged") || out.stderr.contains("1 acknowledged") {
        out.fail("a message was reported acknowledged that the broker never acknowledged");
    }
    if !out.stderr.contains("0 acknowledged") {
        out.fail("--stats must say 0 acknowledged");
    }
    let seen = liar.seen();
    if !seen
        .iter()
        .any(|l| l.starts_with(&format!("PUBLISH qos={qos} dup=1")))
    {
        out.fail(&format!(
            "the message was not sent again with DUP: {seen:?}"
        ));
    }
}

#[test]
fn an_ack_for_a_packet_id_never_used_acknowledges_nothing_qos1() {
    unsolicited_ack("1", "311");
}

#[test]
fn an_ack_for_a_packet_id_never_used_acknowledges_nothing_qos1_mqtt5() {
    unsolicited_ack("1", "5");
}

#[test]
fn a_pubrec_for_a_packet_id_never_used_acknowledges_nothing_qos2() {
    unsolicited_ack("2", "311");
}

#[test]
fn a_pubrec_for_a_packet_id_never_used_acknowledges_nothing_qos2_mqtt5() {
    unsolicited_ack("2", "5");
}
