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

/// `rpub -v --stats` of one message at `qos` to the scripted server.
fn publish_one(liar: &Liar, qos: &str, version: &str) -> Output {
    at(
        liar,
        "rpub",
        &[
            "-V", version, "-q", qos, "-t", "a/b", "-m", "hi", "-v", "--stats",
        ],
    )
    .run()
}

/// An acknowledgement for packet id 1001, never used, is no acknowledgement of message 1: rpub
/// says it is a protocol error, sends the message again (DUP), and, with no real answer,
/// exits 6 saying the message was not acknowledged.
fn unsolicited_ack(qos: &str, version: &str) {
    let liar = Liar::start(Lie::UnsolicitedAck);
    let out = publish_one(&liar, qos, version);
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

/// An MQTT 5 CONNACK with Receive Maximum 0 leaves no room for a single publish: refused at
/// once, in one line, instead of waiting for ever with pings flowing.
#[test]
fn receive_maximum_0_is_refused_at_connack() {
    let liar = Liar::start(Lie::ReceiveMaximumZero);
    let expected = format!(
        "127.0.0.1:{} answered CONNECT with a CONNACK with Receive Maximum 0, which MQTT 5 forbids (3.2.2.3.3): a protocol error",
        liar.port()
    );
    at(
        &liar,
        "rpub",
        &["-V", "5", "-q", "1", "-t", "a/b", "-m", "hi"],
    )
    .run()
    .code(3)
    .one_error_line("rpub")
    .stderr_mentions(&expected);
    at(&liar, "rsub", &["-V", "5", "-t", "a/b", "-E"])
        .run()
        .code(3)
        .one_error_line("rsub")
        .stderr_mentions(&expected);
}

/// Receive Maximum 0 in the CONNACK of a reconnect is refused as at the first: rpub ends
/// (exit 6, the message not acknowledged) instead of freezing on the new connection, and
/// tells the broker with DISCONNECT 0x82.
#[test]
fn receive_maximum_0_is_refused_on_a_reconnect_too() {
    let liar = Liar::start(Lie::ReceiveMaximumZeroLater);
    at(
        &liar,
        "rpub",
        &["-V", "5", "-q", "1", "-t", "a/b", "-m", "hi"],
    )
    .run()
    .code(6)
    .stderr_mentions(&format!(
        "rpub: 127.0.0.1:{} answered CONNECT with a CONNACK with Receive Maximum 0, which MQTT 5 forbids (3.2.2.3.3): a protocol error; 1 of 1 messages not acknowledged",
        liar.port()
    ));
    if !liar.saw("DISCONNECT 82") {
        panic!("no DISCONNECT 0x82 after the CONNACK: {:?}", liar.seen());
    }
}

/// A SUBACK that does not answer the SUBSCRIBE is no answer: `rsub -E` must not exit 0.
fn mismatched_suback(lie: Lie, version: &str, filters: &[&str], expected: &str) {
    let liar = Liar::start(lie);
    let mut args = vec!["-V", version, "-E"];
    for f in filters {
        args.extend(["-t", f]);
    }
    at(&liar, "rsub", &args)
        .run()
        .code(6)
        .one_error_line("rsub")
        .stderr_mentions(&format!(
            "connection to 127.0.0.1:{} lost: the broker sent a SUBACK {expected} (a protocol error)",
            liar.port()
        ));
}

#[test]
fn a_suback_with_one_code_for_two_filters_is_a_protocol_error() {
    for version in ["311", "5"] {
        mismatched_suback(
            Lie::ShortSubAck,
            version,
            &["a/b", "c/d"],
            "with 1 result for 2 filters",
        );
    }
}

#[test]
fn a_suback_for_another_packet_id_is_a_protocol_error() {
    for version in ["311", "5"] {
        mismatched_suback(
            Lie::OtherSubAck,
            version,
            &["a/b"],
            "for packet id 2, which no SUBSCRIBE of ours was waiting under",
        );
    }
}

/// A PUBLISH with a topic alias the broker never set is no message with an empty topic.
#[test]
fn a_publish_with_an_unknown_topic_alias_is_a_protocol_error() {
    let liar = Liar::start(Lie::UnknownAlias);
    let out = at(&liar, "rsub", &["-V", "5", "-t", "a/b"]).run();
    out.code(6).one_error_line("rsub").stdout("").stderr_mentions(&format!(
        "connection to 127.0.0.1:{} lost: the broker sent a PUBLISH with topic alias 5, which it never set (a protocol error)",
        liar.port()
    ));
}

const HOSTILE: &str = "\x1b]0;pwned\x07\x1b[2J";

/// What reaches stderr carries no control character of the broker's: its reason string
/// shows escaped, in our line and in the `-d` trace.
fn shows_escaped(out: &Output) {
    if out.stderr.contains('\x1b') || out.stderr.contains('\x07') {
        out.fail("a control character from the broker reached stderr");
    }
    out.stderr_mentions("\\x1b]0;pwned\\x07\\x1b[2J");
}

#[test]
fn a_reason_string_with_escape_sequences_reaches_stderr_escaped() {
    let liar = Liar::start(Lie::Disconnect(HOSTILE));
    let out = at(
        &liar,
        "rpub",
        &[
            "-V",
            "5",
            "-q",
            "1",
            "-t",
            "a/b",
            "-m",
            "hi",
            "--no-reconnect",
        ],
    )
    .run();
    out.code(6).one_error_line("rpub");
    shows_escaped(&out);
    let out = at(
        &liar,
        "rsub",
        &["-V", "5", "-t", "a/b", "-d", "--no-reconnect"],
    )
    .run();
    out.code(6);
    shows_escaped(&out);
    if !out.stderr.contains("received DISCONNECT") {
        out.fail("the trace must show the DISCONNECT");
    }
}

/// A PUBLISH instead of CONNACK is named, in one short line, its payload never shown.
#[test]
fn a_publish_instead_of_connack_is_named_not_dumped() {
    let liar = Liar::start(Lie::PublishFirst);
    for version in ["311", "5"] {
        let out = at(&liar, "rpub", &["-V", version, "-t", "a/b", "-m", "hi"]).run();
        out.code(3).one_error_line("rpub").stderr_mentions(&format!(
            "127.0.0.1:{} answered CONNECT with PUBLISH instead of CONNACK",
            liar.port()
        ));
        if out.stderr.len() > 200 || out.stderr.contains("xxxx") {
            out.fail("the error line shows the packet");
        }
    }
}

/// The wrong kind of acknowledgement for a publish in flight is no acknowledgement: rpub says
/// it is a protocol error (exit 6, as for a lost connection), counts nothing acknowledged,
/// and over MQTT 5 tells the broker with DISCONNECT 0x82 before closing.
fn wrong_acknowledgement(lie: Lie, qos: &str, expected: &str) {
    for version in ["311", "5"] {
        let liar = Liar::start(lie);
        let out = publish_one(&liar, qos, version);
        out.code(6)
            .stderr_mentions(&format!(
                "connection to 127.0.0.1:{} lost: the broker sent {expected} (a protocol error); 1 of 1 messages not acknowledged",
                liar.port()
            ))
            .stderr_mentions("0 acknowledged")
            .no_panic();
        if out.stdout_str().contains("acknowledged") {
            out.fail("a message was reported acknowledged that the broker never acknowledged");
        }
        let told = liar.saw("DISCONNECT 82");
        if told != (version == "5") {
            out.fail(&format!(
                "MQTT 5 must end with DISCONNECT 0x82, MQTT 3.1.1 with none: {:?}",
                liar.seen()
            ));
        }
    }
}

#[test]
fn a_pubrec_answering_a_qos1_publish_is_a_protocol_error() {
    wrong_acknowledgement(
        Lie::WrongAck,
        "1",
        "a PUBREC for packet id 1, a QoS 1 publish (which takes PUBACK)",
    );
}

#[test]
fn a_puback_answering_a_qos2_publish_is_a_protocol_error() {
    wrong_acknowledgement(
        Lie::WrongAck,
        "2",
        "a PUBACK for packet id 1, a QoS 2 publish (which takes PUBREC)",
    );
}

#[test]
fn a_pubcomp_before_its_pubrec_is_a_protocol_error() {
    wrong_acknowledgement(
        Lie::PubCompFirst,
        "2",
        "a PUBCOMP for packet id 1 before its PUBREC",
    );
}

/// An acknowledgement of a packet id never used is the broker's protocol error too: over
/// MQTT 5 the broker is told so (DISCONNECT 0x82) before rpub connects again.
#[test]
fn an_ack_for_a_packet_id_never_used_is_told_with_disconnect_0x82() {
    let liar = Liar::start(Lie::UnsolicitedAck);
    at(
        &liar,
        "rpub",
        &["-V", "5", "-q", "1", "-t", "a/b", "-m", "hi"],
    )
    .run()
    .code(6);
    if !liar.saw("DISCONNECT 82") {
        panic!(
            "no DISCONNECT 0x82 after the unsolicited PUBACK: {:?}",
            liar.seen()
        );
    }
}

/// A protocol error the pump finds (a SUBACK for another packet id) is told too.
#[test]
fn a_mismatched_suback_is_told_with_disconnect_0x82() {
    let liar = Liar::start(Lie::OtherSubAck);
    at(&liar, "rsub", &["-V", "5", "-t", "a/b", "-E"])
        .run()
        .code(6);
    if !liar.saw("DISCONNECT 82") {
        panic!(
            "no DISCONNECT 0x82 after the mismatched SUBACK: {:?}",
            liar.seen()
        );
    }
}

/// An UNSUBACK that does not answer the UNSUBSCRIBE is no answer: `rsub -U ... -E` must not
/// exit 0 on it. The server, for what it received.
fn mismatched_unsuback(lie: Lie, version: &str, expected: &str) -> Liar {
    let liar = Liar::start(lie);
    at(&liar, "rsub", &["-V", version, "-U", "a/b", "-E"])
        .run()
        .code(6)
        .one_error_line("rsub")
        .stderr_mentions(&format!(
            "connection to 127.0.0.1:{} lost: the broker sent an UNSUBACK {expected} (a protocol error)",
            liar.port()
        ));
    liar
}

#[test]
fn an_unsuback_for_another_packet_id_is_a_protocol_error() {
    for version in ["311", "5"] {
        mismatched_unsuback(
            Lie::OtherUnsubAck,
            version,
            "for packet id 2, which no UNSUBSCRIBE of ours was waiting under",
        );
    }
}

/// An MQTT 5 UNSUBACK carries one reason code per filter of its UNSUBSCRIBE (3.11.3): one
/// without any is the broker's protocol error, said as such (exit 6, no reconnect), and told
/// with DISCONNECT 0x82, as for any other count that does not match.
#[test]
fn an_mqtt5_unsuback_without_reason_codes_is_a_protocol_error() {
    let liar = mismatched_unsuback(Lie::BareUnsubAck, "5", "with 0 results for 1 filter");
    if !liar.saw("DISCONNECT 82") {
        panic!(
            "no DISCONNECT 0x82 after the bare UNSUBACK: {:?}",
            liar.seen()
        );
    }
    let connects = liar
        .seen()
        .iter()
        .filter(|l| l.starts_with("CONNECT"))
        .count();
    assert_eq!(connects, 1, "reconnected: {:?}", liar.seen());
}

/// An MQTT 5 UNSUBACK that refuses is named in words; the run carries on as asked.
#[test]
fn an_unsuback_refusing_is_named() {
    let liar = Liar::start(Lie::RefusedUnsubAck);
    at(&liar, "rsub", &["-V", "5", "-U", "a/b", "-E"])
        .run()
        .code(0)
        .one_error_line("rsub")
        .stderr_mentions("rsub: unsubscribing from 'a/b' refused: not authorized (0x87)");
}

/// The connection drops with the UNSUBSCRIBE unanswered. A new session has nothing to
/// unsubscribe from: `rsub -U ... -E` is done once connected again. A kept session is asked
/// again, and the answer to that ends the run.
#[test]
fn an_unsubscribe_lost_with_the_connection_is_done_or_sent_again() {
    for (lie, sent) in [(Lie::LostUnsubscribe, 1), (Lie::LostUnsubscribeKept, 2)] {
        for version in ["311", "5"] {
            let liar = Liar::start(lie);
            at(
                &liar,
                "rsub",
                &["-V", version, "-c", "-i", "keep", "-U", "a/b", "-E"],
            )
            .run()
            .code(0);
            let asked = liar
                .seen()
                .iter()
                .filter(|l| l.starts_with("UNSUBSCRIBE "))
                .count();
            assert_eq!(asked, sent, "{lie:?} over {version}: {:?}", liar.seen());
        }
    }
}

/// With `-d`, the DISCONNECT 0x82 that told the broker its error is a trace line before the
/// `tool` line saying what the broker did (`what`): rumqttc writes it without an event, so
/// the session traces it from the failure. The server must have received it.
fn traced_protocol_error(liar: &Liar, out: &Output, tool: &str, what: &str) {
    let lines = out.stderr_lines();
    let at = |what: &dyn Fn(&str) -> bool| lines.iter().position(|l| what(l));
    let told = at(&|l| {
        l.starts_with("Client ") && l.ends_with(" sending DISCONNECT (protocol error (0x82))")
    });
    let lost = at(&|l| l.starts_with(&format!("{tool}: ")) && l.contains(what));
    if !matches!((told, lost), (Some(told), Some(lost)) if told < lost) {
        out.fail(&format!(
            "expected the DISCONNECT 0x82 traced before the line saying {what:?}"
        ));
    }
    if !liar.saw("DISCONNECT 82") {
        out.fail(&format!(
            "the server got no DISCONNECT 0x82: {:?}",
            liar.seen()
        ));
    }
}

#[test]
fn the_trace_shows_the_disconnect_0x82_that_answers_an_ack_for_a_packet_id_never_used() {
    let liar = Liar::start(Lie::UnsolicitedAck);
    let args = ["-V", "5", "-d", "-q", "1", "-t", "a/b", "-m", "hi"];
    let out = at(&liar, "rpub", &args).run();
    out.code(6);
    traced_protocol_error(
        &liar,
        &out,
        "rpub",
        "the broker acknowledged packet id 1001",
    );
}

/// A PINGREQ, which only a client sends, instead of the SUBACK: the connection is made
/// again, and the SUBACK then received.
#[test]
fn the_trace_shows_the_disconnect_0x82_that_answers_a_packet_only_a_client_sends() {
    let liar = Liar::start(Lie::Malformed(&[0xc0, 0x00]));
    let out = at(&liar, "rsub", &["-V", "5", "-d", "-t", "a/b", "-E"]).run();
    out.code(0);
    let what = "the broker sent a packet only a client sends (a protocol error)";
    traced_protocol_error(&liar, &out, "rsub", what);
}
