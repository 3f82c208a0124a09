//! Against a scripted server that sends what no MQTT decoder may take for a packet
//! ([`Lie::Malformed`]) instead of an acknowledgement: the broker's protocol error. Each tool
//! ends at once (no reconnect, exit 6) with one line saying what the broker sent, counts
//! nothing acknowledged that was not, and over MQTT 5 first tells the broker with DISCONNECT
//! 0x81 (malformed packet, MQTT 5 4.13); over MQTT 3.1.1 it just closes.

use crate::util::*;

/// `rpub` or `rsub` at the scripted server, with `args`.
fn at(liar: &Liar, tool: &str, args: &[&str]) -> std::process::Command {
    let mut cmd = bin(tool);
    cmd.args(liar.args()).args(args);
    cmd
}

/// What the server must have seen after the tool found what it sent malformed: one
/// connection (no reconnect) and, over MQTT 5 only, DISCONNECT 0x81 at its end.
fn told_malformed(liar: &Liar, out: &Output, version: &str) {
    told(liar, out, version, 0x81, 1);
}

/// As [`told_malformed`], with DISCONNECT reason code `code` after `connections`
/// connections.
fn told(liar: &Liar, out: &Output, version: &str, code: u8, connections: usize) {
    let seen = liar.seen();
    let told = liar.saw(&format!("DISCONNECT {code:02x}"));
    if told != (version == "5") {
        out.fail(&format!(
            "MQTT 5 must end with DISCONNECT 0x{code:02x}, MQTT 3.1.1 with none: {seen:?}"
        ));
    }
    let connects = seen.iter().filter(|l| l.starts_with("CONNECT")).count();
    if connects != connections {
        out.fail(&format!(
            "a malformed packet must end the session after {connections} connections, not reconnect: {seen:?}"
        ));
    }
}

/// `rpub -q 1 -v --stats` at a server that answers the PUBLISH with `bytes`: exit 6, the
/// broker's packet named in `expected`, the message not acknowledged.
fn publish_answered_with(bytes: &'static [u8], version: &str, expected: &str) {
    let liar = Liar::start(Lie::Malformed(bytes));
    let out = at(
        &liar,
        "rpub",
        &[
            "-V", version, "-q", "1", "-t", "a/b", "-m", "hi", "-v", "--stats",
        ],
    )
    .run();
    out.code(6)
        .stderr_mentions(&format!(
            "rpub: connection to 127.0.0.1:{} lost: the broker sent {expected} (a protocol error); 1 of 1 messages not acknowledged",
            liar.port()
        ))
        .stderr_mentions("1 messages, 1 sent, 0 acknowledged");
    if out.stdout_str().contains("acknowledged") || out.stderr.contains("1 acknowledged") {
        out.fail("a message was reported acknowledged that the broker never acknowledged");
    }
    told_malformed(&liar, &out, version);
}

/// `rsub -E` at a server that answers the SUBSCRIBE with `bytes`: exit 6, one line naming
/// the broker's packet as `expected`.
fn subscribe_answered_with(bytes: &'static [u8], version: &str, expected: &str) {
    let liar = Liar::start(Lie::Malformed(bytes));
    let out = at(&liar, "rsub", &["-V", version, "-t", "a/b", "-E"]).run();
    out.code(6)
        .one_error_line("rsub")
        .stdout("")
        .stderr_mentions(&format!(
            "rsub: connection to 127.0.0.1:{} lost: the broker sent {expected} (a protocol error)",
            liar.port()
        ));
    told_malformed(&liar, &out, version);
}

const TYPE_0: &[u8] = &[0x00, 0x00];

#[test]
fn a_packet_of_an_undefined_type_ends_rpub() {
    for version in ["311", "5"] {
        publish_answered_with(
            TYPE_0,
            version,
            "a packet of type 0, which MQTT does not define",
        );
    }
}

#[test]
fn a_packet_of_an_undefined_type_ends_rsub() {
    for version in ["311", "5"] {
        subscribe_answered_with(
            TYPE_0,
            version,
            "a packet of type 0, which MQTT does not define",
        );
    }
}

/// A remaining length of five bytes: MQTT allows four at most (2.1.4 in 3.1.1 and 5).
const FIVE_BYTE_LENGTH: &[u8] = &[0x40, 0xff, 0xff, 0xff, 0xff, 0x01];

#[test]
fn a_remaining_length_over_four_bytes_ends_the_session() {
    for version in ["311", "5"] {
        let words = "a packet whose lengths do not add up";
        publish_answered_with(FIVE_BYTE_LENGTH, version, words);
        subscribe_answered_with(FIVE_BYTE_LENGTH, version, words);
    }
}

/// A PUBLISH of 3 bytes whose topic says it is 16 bytes long.
const TOPIC_PAST_THE_END: &[u8] = &[0x30, 0x03, 0x00, 0x10, b'a'];

#[test]
fn a_publish_whose_topic_runs_past_its_end_ends_rsub() {
    for version in ["311", "5"] {
        subscribe_answered_with(
            TOPIC_PAST_THE_END,
            version,
            "a packet whose lengths do not add up",
        );
    }
}

/// An MQTT 5 PUBACK for packet id 1 with property 0x7f, which MQTT 5 does not define.
const PUBACK_PROPERTY_7F: &[u8] = &[0x40, 0x05, 0x00, 0x01, 0x00, 0x01, 0x7f];

#[test]
fn an_mqtt5_puback_with_an_undefined_property_ends_rpub() {
    publish_answered_with(
        PUBACK_PROPERTY_7F,
        "5",
        "a packet with property 0x7f, which MQTT 5 does not define",
    );
}

/// An MQTT 5 SUBACK for packet id 1 with property 0x7f.
const SUBACK_PROPERTY_7F: &[u8] = &[0x90, 0x05, 0x00, 0x01, 0x01, 0x7f, 0x00];

#[test]
fn an_mqtt5_suback_with_an_undefined_property_ends_rsub() {
    subscribe_answered_with(
        SUBACK_PROPERTY_7F,
        "5",
        "a packet with property 0x7f, which MQTT 5 does not define",
    );
}

#[test]
fn a_suback_with_a_result_mqtt_does_not_define_ends_rsub() {
    for (version, bytes) in [
        ("311", &[0x90, 0x03, 0x00, 0x01, 0x42][..]),
        ("5", &[0x90, 0x04, 0x00, 0x01, 0x00, 0x42][..]),
    ] {
        subscribe_answered_with(
            bytes,
            version,
            "a SUBACK with result 0x42, which MQTT does not define",
        );
    }
}

/// An MQTT 5 acknowledgement with a reason code MQTT 5 does not define is named as such, not
/// as a CONNACK's or a SUBACK's.
#[test]
fn an_mqtt5_reason_code_mqtt5_does_not_define_ends_the_session() {
    let words = "a packet with reason code 0x42, which MQTT 5 does not define";
    publish_answered_with(&[0x40, 0x03, 0x00, 0x01, 0x42], "5", words);
    let liar = Liar::start(Lie::Malformed(&[0xb0, 0x04, 0x00, 0x01, 0x00, 0x42]));
    let out = at(&liar, "rsub", &["-V", "5", "-U", "a/b", "-E"]).run();
    out.code(6).one_error_line("rsub").stderr_mentions(&format!(
        "rsub: connection to 127.0.0.1:{} lost: the broker sent {words} (a protocol error)",
        liar.port()
    ));
    told_malformed(&liar, &out, "5");
}

/// MQTT 3.1.1 topics are UTF-8 (1.5.3); MQTT 5's are too, but rumqttc's MQTT 5 decoder keeps
/// topics as bytes.
#[test]
fn a_publish_whose_topic_is_not_utf8_ends_rsub() {
    subscribe_answered_with(
        &[0x30, 0x04, 0x00, 0x02, 0xff, 0xfe],
        "311",
        "a PUBLISH whose topic is not UTF-8",
    );
}

/// The bytes of a malformed packet end an unsubscribe as they end the rest.
#[test]
fn a_malformed_answer_to_unsubscribe_ends_rsub() {
    for version in ["311", "5"] {
        let liar = Liar::start(Lie::Malformed(TYPE_0));
        let out = at(&liar, "rsub", &["-V", version, "-U", "a/b", "-E"]).run();
        out.code(6).one_error_line("rsub").stderr_mentions(&format!(
            "rsub: connection to 127.0.0.1:{} lost: the broker sent a packet of type 0, which MQTT does not define (a protocol error)",
            liar.port()
        ));
        told_malformed(&liar, &out, version);
    }
}

/// A packet over the maximum packet size rsub announced in CONNECT (MQTT 5, 3.1.2.11.4) is
/// refused from its header, and the broker told so with DISCONNECT 0x95 (packet too large).
#[test]
fn an_mqtt5_packet_over_the_maximum_size_asked_for_ends_rsub() {
    // The header of a PUBLISH of 200 bytes.
    let liar = Liar::start(Lie::Malformed(&[0x30, 0xc8, 0x01]));
    let out = at(
        &liar,
        "rsub",
        &["-V", "5", "--maximum-packet-size", "100", "-t", "a/b", "-E"],
    )
    .run();
    out.code(6).one_error_line("rsub").stderr_mentions(&format!(
        "rsub: connection to 127.0.0.1:{} lost: the broker sent a packet of 200 bytes, over the maximum of 100 bytes (a protocol error)",
        liar.port()
    ));
    told(&liar, &out, "5", 0x95, 1);
}

/// Bytes that are no packet in answer to CONNECT: the first connection fails as any other
/// that cannot be made (exit 3); over MQTT 5 the broker is told with DISCONNECT 0x81.
#[test]
fn a_malformed_answer_to_connect_is_named() {
    for version in ["311", "5"] {
        let liar = Liar::start(Lie::MalformedConnAck {
            bytes: TYPE_0,
            from: 0,
        });
        let out = at(&liar, "rpub", &["-V", version, "-t", "a/b", "-m", "hi"]).run();
        out.code(3).one_error_line("rpub").stderr_mentions(&format!(
            "rpub: cannot connect to 127.0.0.1:{}: the broker sent a packet of type 0, which MQTT does not define (a protocol error)",
            liar.port()
        ));
        told_malformed(&liar, &out, version);
    }
}

/// Bytes that are no packet in answer to the CONNECT of a reconnect end the session too
/// (exit 6, the message not acknowledged), instead of a reconnect after each; over MQTT 5
/// the broker is told with DISCONNECT 0x81.
#[test]
fn a_malformed_answer_to_a_reconnect_ends_rpub() {
    for version in ["311", "5"] {
        let liar = Liar::start(Lie::MalformedConnAck {
            bytes: TYPE_0,
            from: 1,
        });
        let out = at(
            &liar,
            "rpub",
            &["-V", version, "-q", "1", "-t", "a/b", "-m", "hi"],
        )
        .run();
        out.code(6).stderr_mentions(&format!(
            "rpub: cannot connect to 127.0.0.1:{}: the broker sent a packet of type 0, which MQTT does not define (a protocol error); 1 of 1 messages not acknowledged",
            liar.port()
        ));
        told(&liar, &out, version, 0x81, 2);
    }
}

/// With `-d`, the DISCONNECT that told the broker its error is one trace line, in the words
/// of a received one (`told`: "malformed packet (0x81)"), and comes before the tool's error
/// line: rumqttc writes it without an event, so the session traces it from the failure.
fn traced_told(out: &Output, tool: &str, told: &str) {
    let lines = out.stderr_lines();
    let at = |what: &dyn Fn(&str) -> bool| lines.iter().position(|l| what(l));
    let want = format!(" sending DISCONNECT ({told})");
    let sent = at(&|l| l.starts_with("Client ") && l.ends_with(&want));
    let error = at(&|l| l.starts_with(&format!("{tool}: ")));
    let disconnects = lines.iter().filter(|l| l.contains("DISCONNECT")).count();
    match (sent, error) {
        (Some(sent), Some(error)) if sent < error && disconnects == 1 => {}
        _ => out.fail(&format!(
            "expected one line ending {want:?} before the `{tool}: ` error line"
        )),
    }
}

/// `rsub -V 5 -d` at a server that lies with `lie`, with `args`: exit 6.
fn traced_rsub(lie: Lie, args: &[&str], version: &str) -> (Liar, Output) {
    let liar = Liar::start(lie);
    let out = at(
        &liar,
        "rsub",
        &[&["-V", version, "-d", "-E"], args].concat(),
    )
    .run();
    out.code(6).stdout("");
    (liar, out)
}

#[test]
fn the_trace_shows_the_disconnect_0x81_that_answers_a_malformed_packet() {
    let (liar, out) = traced_rsub(Lie::Malformed(TYPE_0), &["-t", "a/b"], "5");
    traced_told(&out, "rsub", "malformed packet (0x81)");
    told_malformed(&liar, &out, "5");
}

#[test]
fn the_trace_shows_the_disconnect_0x95_that_answers_a_packet_over_the_maximum_size() {
    let (liar, out) = traced_rsub(
        Lie::Malformed(&[0x30, 0xc8, 0x01]),
        &["--maximum-packet-size", "100", "-t", "a/b"],
        "5",
    );
    traced_told(&out, "rsub", "packet too large (0x95)");
    told(&liar, &out, "5", 0x95, 1);
}

/// An UNSUBACK that parses but breaks the protocol: the session finds it, not the decoder.
#[test]
fn the_trace_shows_the_disconnect_0x82_that_answers_a_protocol_error() {
    let (liar, out) = traced_rsub(Lie::BareUnsubAck, &["-U", "a/b"], "5");
    out.stderr_mentions("the broker sent an UNSUBACK with 0 results for 1 filter");
    traced_told(&out, "rsub", "protocol error (0x82)");
    told(&liar, &out, "5", 0x82, 1);
}

/// Bytes that are no packet in answer to CONNECT are told as they are after CONNACK.
#[test]
fn the_trace_shows_the_disconnect_0x81_that_answers_a_malformed_connack() {
    let liar = Liar::start(Lie::MalformedConnAck {
        bytes: TYPE_0,
        from: 0,
    });
    let out = at(&liar, "rpub", &["-V", "5", "-d", "-t", "a/b", "-m", "hi"]).run();
    out.code(3);
    traced_told(&out, "rpub", "malformed packet (0x81)");
    told_malformed(&liar, &out, "5");
}

/// MQTT 3.1.1 has no reason codes: the client only closes, and the trace shows no DISCONNECT.
#[test]
fn the_trace_shows_no_disconnect_over_mqtt_3_1_1() {
    let (liar, out) = traced_rsub(Lie::Malformed(TYPE_0), &["-t", "a/b"], "311");
    out.stderr_mentions(" sending SUBSCRIBE (m1, 'a/b', q0)");
    if out.stderr.contains("DISCONNECT") {
        out.fail("MQTT 3.1.1 sends no DISCONNECT on the broker's error; the trace shows none");
    }
    told_malformed(&liar, &out, "311");
}

/// A SUBACK without the return code (MQTT 5: reason code) its SUBSCRIBE's filter takes
/// (3.9.3 in both) reads as a SUBACK: it is the broker's protocol error, said as such (not
/// "a malformed packet"), and over MQTT 5 told with DISCONNECT 0x82, as for any other count
/// that does not match.
#[test]
fn a_suback_without_return_codes_is_a_protocol_error() {
    let bare: [(&str, &'static [u8]); 2] = [
        ("311", &[0x90, 0x02, 0x00, 0x01]),
        ("5", &[0x90, 0x03, 0x00, 0x01, 0x00]),
    ];
    for (version, bytes) in bare {
        let liar = Liar::start(Lie::Malformed(bytes));
        let out = at(&liar, "rsub", &["-V", version, "-t", "a/b", "-E"]).run();
        out.code(6).one_error_line("rsub").stderr_mentions(&format!(
            "rsub: connection to 127.0.0.1:{} lost: the broker sent a SUBACK with 0 results for 1 filter (a protocol error)",
            liar.port()
        ));
        told(&liar, &out, version, 0x82, 1);
    }
}
