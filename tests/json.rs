//! Output for machines: `rsub --json` lines that keep every byte, `--pretty`, `--timestamp`,
//! and capture with `rsub --json` then replay with `rpub --stdin-json` on a second broker,
//! byte for byte and with the original timing.

use std::thread;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::Value;

use crate::util::{
    mosquitto_pub, random_bytes, rpub, rsub, run_stdin, Broker, Output, Run, LONG, SHORT,
};

/// The JSON lines of a run's stdout.
fn lines(out: &Output) -> Vec<Value> {
    out.stdout_lines()
        .iter()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| out.fail(&format!("not JSON ({e}): {l}")))
        })
        .collect()
}

/// The payload bytes a line carries.
fn payload(line: &Value) -> Vec<u8> {
    let text = line["payload"].as_str().expect("payload is a string");
    match line.get("encoding").and_then(Value::as_str) {
        Some("base64") => BASE64.decode(text).expect("valid base64"),
        None => text.as_bytes().to_vec(),
        Some(other) => panic!("unexpected encoding {other}"),
    }
}

/// Nanoseconds since the epoch of a line's `received`.
fn received_ns(line: &Value) -> i64 {
    let text = line["received"].as_str().expect("received is a string");
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .timestamp_nanos_opt()
        .unwrap()
}

/// Payloads of every kind: empty, text, invalid UTF-8, NUL bytes, all 256 byte values.
fn payloads() -> Vec<Vec<u8>> {
    let mut all = vec![
        Vec::new(),
        b"plain text".to_vec(),
        "h\u{e9}llo \"quoted\" \\ \n\t".as_bytes().to_vec(),
        vec![0],
        vec![0xff, 0xfe, 0x00, b'a'],
        (0..=255u8).collect(),
    ];
    for seed in 1..=6 {
        all.push(random_bytes(seed as usize * 97, seed));
    }
    all
}

#[test]
fn json_lines_keep_every_payload_byte() {
    let (b, t) = broker_and_topic!();
    let all = payloads();
    let sub = rsub(&b)
        .args(["--json"])
        .args([
            "-q",
            "1",
            "-t",
            &format!("{t}/#"),
            "-C",
            &all.len().to_string(),
        ])
        .subscribed();
    for (i, p) in all.iter().enumerate() {
        let file = b.dir().join(format!("p{i}"));
        std::fs::write(&file, p).unwrap();
        let topic = format!("{t}/{i}");
        let mut cmd = mosquitto_pub(&b);
        cmd.args(["-q", "1", "-t", &topic, "-f", file.to_str().unwrap()]);
        if p.is_empty() {
            cmd = mosquitto_pub(&b);
            cmd.args(["-q", "1", "-t", &topic, "-n"]);
        }
        cmd.run().code(0);
    }
    let out = sub.finish(SHORT);
    out.code(0);
    let got = lines(&out);
    assert_eq!(got.len(), all.len());
    let stamp = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$").unwrap();
    for (i, (line, want)) in got.iter().zip(&all).enumerate() {
        if payload(line) != *want {
            out.fail(&format!("line {i}: payload differs from what was sent"));
        }
        assert_eq!(line["topic"], format!("{t}/{i}"));
        assert_eq!(line["qos"], 1);
        assert_eq!(line["retain"], false);
        assert_eq!(line["dup"], false);
        assert!(line.get("properties").is_none(), "{line}");
        let is_text = std::str::from_utf8(want).is_ok();
        assert_eq!(line.get("encoding").is_none(), is_text, "{line}");
        assert!(stamp.is_match(line["received"].as_str().unwrap()), "{line}");
    }
}

#[test]
fn json_shows_mqtt5_properties() {
    let (b, t) = broker_and_topic!();
    mosquitto_pub(&b)
        .args(["-V", "5", "-r", "-t", &t, "-m", "v5"])
        .args(["-D", "publish", "user-property", "k", "v"])
        .args(["-D", "publish", "user-property", "k", "v2"])
        .args(["-D", "publish", "content-type", "text/plain"])
        .args(["-D", "publish", "correlation-data", "c1"])
        .args(["-D", "publish", "response-topic", "re/ply"])
        .args(["-D", "publish", "payload-format-indicator", "1"])
        .run()
        .code(0);
    let out = rsub(&b)
        .args(["-V", "5", "--json", "-t", &t, "-C", "1"])
        .run();
    out.code(0);
    let line = &lines(&out)[0];
    assert_eq!(line["retain"], true);
    assert_eq!(
        line["properties"],
        serde_json::json!({
            "payload_format": 1,
            "content_type": "text/plain",
            "response_topic": "re/ply",
            "correlation_data": "c1",
            "user_properties": [["k", "v"], ["k", "v2"]],
        })
    );
}

#[test]
fn pretty_json_is_indented_and_parses() {
    let (b, t) = broker_and_topic!();
    rpub(&b).args(["-r", "-t", &t, "-m", "kept"]).run().code(0);
    let out = rsub(&b).args(["--pretty", "-t", &t, "-C", "1"]).run();
    out.code(0);
    let text = out.stdout_str();
    if !text.starts_with("{\n  \"received\": ") || !text.contains("\n  \"payload\": \"kept\"\n}\n")
    {
        out.fail("expected indented JSON");
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["payload"], "kept");
}

#[test]
fn timestamp_before_each_line() {
    let (b, t) = broker_and_topic!();
    rpub(&b).args(["-r", "-t", &t, "-m", "kept"]).run().code(0);
    let out = rsub(&b)
        .args(["--timestamp", "-v", "-t", &t, "-C", "1"])
        .run();
    out.code(0);
    let line = regex::Regex::new(&format!(
        r"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{6}}[+-]\d\d:\d\d {} kept\n$",
        regex::escape(&t)
    ))
    .unwrap();
    if !line.is_match(&out.stdout_str()) {
        out.fail("expected 'RFC3339-TIME topic payload'");
    }
    let out = rsub(&b)
        .args(["--timestamp-format", "[%H:%M]", "-t", &t, "-C", "1"])
        .run();
    out.code(0);
    if !regex::Regex::new(r"^\[\d\d:\d\d\] kept\n$")
        .unwrap()
        .is_match(&out.stdout_str())
    {
        out.fail("expected '[HH:MM] kept'");
    }
    let out = rsub(&b)
        .args(["--timestamp-format", "%Q", "-t", &t, "-C", "1"])
        .run();
    out.usage_error("rsub")
        .stderr_mentions("--timestamp-format");
}

/// One message of a capture, as published on the first broker: topic suffix, payload, QoS,
/// extra mosquitto_pub flags, and the pause before it.
struct Sent {
    topic: &'static str,
    payload: Vec<u8>,
    qos: &'static str,
    extra: &'static [&'static str],
    pause_ms: u64,
}

#[test]
fn capture_then_replay_on_another_broker_is_byte_exact_with_timing() {
    let first = Broker::start();
    let second = Broker::start();
    let t = topic!();
    let v5_props: &[&str] = &[
        "-V",
        "5",
        "-D",
        "publish",
        "user-property",
        "origin",
        "sensor-7",
        "-D",
        "publish",
        "content-type",
        "application/octet-stream",
        "-D",
        "publish",
        "correlation-data",
        "abc",
        "-D",
        "publish",
        "response-topic",
        "replies/7",
    ];
    let sent = vec![
        Sent {
            topic: "a",
            payload: random_bytes(1000, 1),
            qos: "0",
            extra: &[],
            pause_ms: 0,
        },
        Sent {
            topic: "b/c",
            payload: b"text".to_vec(),
            qos: "1",
            extra: &[],
            pause_ms: 400,
        },
        Sent {
            topic: "d",
            payload: random_bytes(77, 2),
            qos: "2",
            extra: v5_props,
            pause_ms: 250,
        },
        Sent {
            topic: "a",
            payload: (0..=255u8).collect(),
            qos: "1",
            extra: &[],
            pause_ms: 700,
        },
        Sent {
            topic: "e",
            payload: Vec::new(),
            qos: "0",
            extra: &[],
            pause_ms: 0,
        },
        Sent {
            topic: "f",
            payload: random_bytes(5000, 3),
            qos: "2",
            extra: &[],
            pause_ms: 200,
        },
    ];
    let filter = format!("{t}/#");
    let count = sent.len().to_string();
    let capture_cmd = ["-V", "5", "-q", "2", "--json", "-t", &filter, "-C", &count];
    let capture = rsub(&first).args(capture_cmd).subscribed();
    for (i, m) in sent.iter().enumerate() {
        thread::sleep(Duration::from_millis(m.pause_ms));
        let file = first.dir().join(format!("m{i}"));
        std::fs::write(&file, &m.payload).unwrap();
        let topic = format!("{t}/{}", m.topic);
        let mut cmd = mosquitto_pub(&first);
        cmd.args(["-q", m.qos, "-t", &topic]).args(m.extra);
        if m.payload.is_empty() {
            cmd.arg("-n");
        } else {
            cmd.args(["-f", file.to_str().unwrap()]);
        }
        cmd.run().code(0);
    }
    let captured = capture.finish(SHORT);
    captured.code(0);

    // Replay on the second broker, into a subscriber that captures again.
    let again = rsub(&second).args(capture_cmd).subscribed();
    let replay = run_stdin(
        rpub(&second).args(["-V", "5", "--stdin-json", "--replay-timing"]),
        captured.stdout.clone(),
        LONG,
    );
    replay.code(0).stderr_empty();
    let replayed = again.finish(SHORT);
    replayed.code(0);

    let (a, b) = (lines(&captured), lines(&replayed));
    assert_eq!(a.len(), sent.len());
    assert_eq!(b.len(), sent.len());
    for (i, ((x, y), m)) in a.iter().zip(&b).zip(&sent).enumerate() {
        assert_eq!(payload(x), m.payload, "capture of message {i}");
        if payload(y) != m.payload {
            replayed.fail(&format!("message {i}: replayed payload differs"));
        }
        for field in ["topic", "qos", "retain", "properties"] {
            if x.get(field) != y.get(field) {
                replayed.fail(&format!("message {i}: {field} differs: {x} vs {y}"));
            }
        }
    }
    // The gaps between messages are kept within a tolerance: 300 ms or a third of the gap,
    // for a loaded 2-core CI machine starting processes in parallel (with 200 ms, a run
    // among the whole suite's brokers was seen to miss by a little). Replaying without the
    // timing would still be caught: the 400 and 700 ms gaps would shrink to nothing.
    for i in 1..a.len() {
        let gap_a = received_ns(&a[i]) - received_ns(&a[i - 1]);
        let gap_b = received_ns(&b[i]) - received_ns(&b[i - 1]);
        let off_ms = (gap_a - gap_b).abs() / 1_000_000;
        if off_ms > (gap_a / 1_000_000 / 3).max(300) {
            replayed.fail(&format!(
                "gap before message {i}: captured {} ms, replayed {} ms",
                gap_a / 1_000_000,
                gap_b / 1_000_000
            ));
        }
    }
}

#[test]
fn speed_scales_the_replay() {
    let (b, t) = broker_and_topic!();
    // Three messages captured 10 s apart, replayed at --speed 50: gaps of 0.2 s. The gaps
    // are read from the subscriber's own receive stamps, and only told apart from the two
    // wrong answers (no waiting at all, or the unscaled 10 s), so a loaded machine that
    // sleeps a little long cannot fail it.
    let input = |seconds: u32| -> String {
        (0..3)
            .map(|i| {
                format!(
                    "{{\"received\":\"2024-01-01T{:02}:{:02}:{:02}.000000000Z\",\"topic\":\"{t}\",\"payload\":\"m{i}\"}}\n",
                    i * seconds / 3600,
                    i * seconds / 60 % 60,
                    i * seconds % 60
                )
            })
            .collect()
    };
    let sub = rsub(&b).args(["--json", "-t", &t, "-C", "3"]).subscribed();
    rpub(&b)
        .args(["--stdin-json", "--replay-timing", "--speed", "50"])
        .run_stdin(input(10))
        .code(0);
    let got = sub.finish(LONG);
    got.code(0);
    let stamps: Vec<i64> = lines(&got).iter().map(received_ns).collect();
    for pair in stamps.windows(2) {
        let gap_ms = (pair[1] - pair[0]) / 1_000_000;
        if !(150..5_000).contains(&gap_ms) {
            got.fail(&format!(
                "a gap of {gap_ms} ms, expected about 200 at --speed 50"
            ));
        }
    }
    // Without --replay-timing there is no waiting at all: messages captured an hour apart
    // all go out, and rpub ends (an hour of waiting would run into the harness's limit).
    let sub = rsub(&b).args(["-t", &t, "-C", "3"]).subscribed();
    rpub(&b)
        .args(["--stdin-json"])
        .run_stdin(input(1800))
        .code(0);
    sub.finish(SHORT).code(0).stdout("m0\nm1\nm2\n");
}

#[test]
fn replay_uses_each_lines_topic_qos_and_retain() {
    let (b, t) = broker_and_topic!();
    let input = format!(
        "{{\"topic\":\"{t}/x\",\"payload\":\"one\",\"qos\":2}}\n\
         {{\"topic\":\"{t}/y\",\"payload\":\"AAEC/w==\",\"encoding\":\"base64\",\"retain\":true}}\n\
         {{\"topic\":\"{t}/z\",\"payload\":\"three\"}}\n"
    );
    let sub = rsub(&b)
        .args(["--json", "-q", "2", "-t", &format!("{t}/#"), "-C", "3"])
        .subscribed();
    rpub(&b)
        .args(["-q", "1", "--json"])
        .run_stdin(input)
        .code(0)
        .stderr_empty();
    let out = sub.finish(SHORT);
    out.code(0);
    // Order across QoS levels is the broker's business: look each one up by topic.
    let got = lines(&out);
    let find = |suffix: &str| -> &Value {
        let topic = format!("{t}/{suffix}");
        got.iter()
            .find(|l| l["topic"] == topic.as_str())
            .unwrap_or_else(|| out.fail(&format!("nothing on {topic}")))
    };
    assert_eq!(find("x")["qos"], 2);
    assert_eq!(payload(find("y")), vec![0, 1, 2, 0xff]);
    // -q 1 is the default for lines that do not say.
    assert_eq!(find("z")["qos"], 1);
    // The retained one stays on the broker.
    rsub(&b)
        .args(["-t", &format!("{t}/y"), "-C", "1", "-F", "%r %x"])
        .run()
        .code(0)
        .stdout("1 000102ff\n");
}

#[test]
fn malformed_lines_are_named_and_skipped() {
    let (b, t) = broker_and_topic!();
    let input = format!(
        "{{\"topic\":\"{t}\",\"payload\":\"first\"}}\n\
         not json\n\
         {{\"payload\":\"no topic\"}}\n\
         \n\
         {{\"topic\":\"{t}\",\"payload\":\"!!\",\"encoding\":\"base64\"}}\n\
         {{\"topic\":\"{t}\",\"payload\":\"last\"}}\n"
    );
    let sub = rsub(&b).args(["-t", &t, "-C", "2"]).subscribed();
    let out = rpub(&b).args(["--stdin-json"]).run_stdin(input);
    out.code(1).no_panic();
    let errors = out.stderr_lines();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(
        errors[0].starts_with("rpub: stdin line 2: not JSON"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("rpub: stdin line 3: no \"topic\""),
        "{errors:?}"
    );
    assert!(
        errors[2].starts_with("rpub: stdin line 5: \"payload\" is not valid base64"),
        "{errors:?}"
    );
    assert!(
        errors[3].contains("3 of 6 input lines skipped"),
        "{errors:?}"
    );
    sub.finish(SHORT).code(0).stdout("first\nlast\n");
}

#[test]
fn properties_over_mqtt311_are_left_out_with_a_warning() {
    let (b, t) = broker_and_topic!();
    let input = format!(
        "{{\"topic\":\"{t}\",\"payload\":\"p\",\"properties\":{{\"content_type\":\"x\"}}}}\n"
    );
    let sub = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    let out = rpub(&b).args(["--stdin-json"]).run_stdin(input);
    out.code(0)
        .one_error_line("rpub")
        .stderr_mentions("MQTT 3.1.1 cannot carry them");
    sub.finish(SHORT).code(0).stdout("p\n");
}

#[test]
fn conflicting_output_and_replay_flags_are_refused() {
    let b = Broker::start();
    // Each with what the one line must name. (--speed without --replay-timing gets clap's
    // "required arguments" line, which names no argument.)
    let cases: [(&str, &[&str], &[&str]); 10] = [
        ("rpub", &["--stdin-json", "--speed", "10"], &["required"]),
        (
            "rpub",
            &["--stdin-json", "--replay-timing", "--speed", "0"],
            &["--speed", "'0'"],
        ),
        (
            "rpub",
            &["--stdin-json", "--replay-timing", "--speed", "fast"],
            &["--speed", "'fast'"],
        ),
        (
            "rpub",
            &["--stdin-json", "-t", "x"],
            &["--stdin-json", "--topic"],
        ),
        (
            "rpub",
            &["--replay-timing", "-t", "x", "-m", "y"],
            &["--replay-timing", "--stdin-json"],
        ),
        (
            "rpub",
            &["--stdin-json", "-V", "5", "--content-type", "text/plain"],
            &["--stdin-json", "flags"],
        ),
        (
            "rsub",
            &["-t", "x", "--json", "-F", "%t"],
            &["--json", "--format"],
        ),
        (
            "rsub",
            &["-t", "x", "--timestamp", "-F", "%t"],
            &["--timestamp", "--format"],
        ),
        (
            "rsub",
            &["-t", "x", "--timestamp", "--json"],
            &["--timestamp", "--json"],
        ),
        (
            "rsub",
            &["-t", "x", "--color", "sometimes"],
            &["--color", "'sometimes'"],
        ),
    ];
    for (tool, args, names) in cases {
        let mut cmd = if tool == "rpub" { rpub(&b) } else { rsub(&b) };
        let out = cmd.args(args).run();
        out.usage_error(tool);
        for name in names {
            out.stderr_mentions(name);
        }
    }
}
