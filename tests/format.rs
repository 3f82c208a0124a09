//! `rsub -F` side by side with `mosquitto_sub -F`: the same messages (text, binary, JSON,
//! empty, MQTT 5 properties, QoS 0/1/2) received by both, printed through the same format,
//! must give the same bytes. Time fields differ in value, so their digits are compared
//! as shapes.

use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{mosquitto_pub, mosquitto_sub, random_bytes, rsub, Broker, Run, Sub, SHORT};

/// Waits until the broker logged the SUBACK for client `id` (needs `log_type all`): from
/// then on every message published reaches that client. mosquitto_sub prints its `-d`
/// trace on stdout, so the broker's log is the neutral way to know both are subscribed.
fn wait_subscribed(b: &Broker, id: &str) {
    let deadline = Instant::now() + SHORT;
    let needle = format!("Sending SUBACK to {id}\n");
    while !b.log().contains(&needle) {
        assert!(
            Instant::now() < deadline,
            "{id} never subscribed:\n{}",
            b.log()
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// The messages both subscribers get, published in this order. `(subtree, args)`: JSON
/// payloads under `j/`, other text under `t/`, binary under `b/`.
fn publish_all(b: &Broker, t: &str) -> usize {
    let binary = random_bytes(300, 11);
    let bin_file = b.dir().join("binary.bin");
    std::fs::write(&bin_file, &binary).unwrap();
    let small_file = b.dir().join("small.bin");
    std::fs::write(&small_file, b"\xff\0a").unwrap();
    let long_text = "0123456789".repeat(12);
    let messages: Vec<Vec<String>> = vec![
        vec!["-t".into(), format!("{t}/t/hello"), "-m".into(), "hello world".into()],
        vec![
            "-q".into(),
            "1".into(),
            "-t".into(),
            format!("{t}/j/temp"),
            "-m".into(),
            r#"{"temp": 21.5, "ok": true, "list": [1, 2.50, "x", 1e21, -0], "nested": {"a": null, "b": {}}, "s": "tab\there \"q\" \u00e9"}"#.into(),
        ],
        vec!["-q".into(), "2".into(), "-t".into(), format!("{t}/t/empty"), "-n".into()],
        vec![
            "-t".into(),
            format!("{t}/t/escapes"),
            "-m".into(),
            "tab\there \"q\" back\\slash é ü \u{1}\u{7f}".into(),
        ],
        vec!["-q".into(), "1".into(), "-t".into(), format!("{t}/t/long"), "-m".into(), long_text],
        vec![
            "-V".into(),
            "5".into(),
            "-q".into(),
            "2".into(),
            "-t".into(),
            format!("{t}/j/v5"),
            "-m".into(),
            "[1, 2, 3]".into(),
            // In the order rsub's %j lists them (rumqttc does not keep the packet's order).
            "-D".into(),
            "publish".into(),
            "payload-format-indicator".into(),
            "1".into(),
            "-D".into(),
            "publish".into(),
            "content-type".into(),
            "application/json".into(),
            "-D".into(),
            "publish".into(),
            "response-topic".into(),
            "reply/here".into(),
            "-D".into(),
            "publish".into(),
            "correlation-data".into(),
            "corr-1".into(),
            "-D".into(),
            "publish".into(),
            "user-property".into(),
            "k".into(),
            "v".into(),
            "-D".into(),
            "publish".into(),
            "user-property".into(),
            "k2".into(),
            "v 2".into(),
            "-D".into(),
            "publish".into(),
            "message-expiry-interval".into(),
            "3600".into(),
        ],
        vec![
            "-q".into(),
            "2".into(),
            "-t".into(),
            format!("{t}/b/binary"),
            "-f".into(),
            bin_file.to_str().unwrap().into(),
        ],
        vec![
            "-t".into(),
            format!("{t}/b/small"),
            "-f".into(),
            small_file.to_str().unwrap().into(),
        ],
    ];
    for args in &messages {
        mosquitto_pub(b).args(args).run().code(0);
    }
    messages.len()
}

/// How many of the published messages fall under `filter` (`T/#`, `T/j/#`, ...).
fn count_under(filters: &[&str]) -> usize {
    let mut n = 1; // the retained marker under j/
    for (sub, count) in [("t", 4), ("j", 2), ("b", 2)] {
        if filters.iter().any(|f| *f == "#" || f.starts_with(sub)) {
            n += count;
        }
    }
    n
}

/// Digits replaced by 9: time fields compare by shape.
fn shape(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|b| if b.is_ascii_digit() { b'9' } else { *b })
        .collect()
}

struct Case {
    format: &'static str,
    /// Subtrees (`#`, `t/#`, `j/#`, `b/#`) to subscribe to below the test topic.
    filters: &'static [&'static str],
    extra: &'static [&'static str],
    /// Compare digits by shape (time fields).
    timed: bool,
}

const ALL: &[&str] = &["#"];
const TEXT_AND_JSON: &[&str] = &["t/#", "j/#"];
const JSON: &[&str] = &["j/#"];

/// Runs every case at once: one mosquitto_sub and one rsub per case, all subscribed before
/// the messages go out, then compares each pair.
fn compare(cases: &[Case]) {
    let (b, t) = broker_and_topic!(Broker::with_config("log_type all"));
    // The marker: a retained JSON message every subscriber gets first, as retained.
    mosquitto_pub(&b)
        .args([
            "-r",
            "-t",
            &format!("{t}/j/0ready"),
            "-m",
            "{\"ready\": true}",
        ])
        .run()
        .code(0);
    let mut running = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let count = count_under(case.filters).to_string();
        let mut pair = Vec::new();
        for (who, mut cmd) in [("m", mosquitto_sub(&b)), ("r", rsub(&b))] {
            let id = format!("{who}{i}");
            cmd.args([
                "-V",
                "5",
                "-q",
                "1",
                "-i",
                &id,
                "-C",
                &count,
                "-F",
                case.format,
            ]);
            cmd.args(case.extra);
            for f in case.filters {
                cmd.args(["-t", &format!("{t}/{f}")]);
            }
            pair.push((id, Sub::spawn(&mut cmd), command_line(&cmd)));
        }
        running.push(pair);
    }
    for pair in &running {
        for (id, _, _) in pair {
            wait_subscribed(&b, id);
        }
    }
    publish_all(&b, &t);
    for (case, pair) in cases.iter().zip(running) {
        let mut outs = Vec::new();
        for (_, sub, cmdline) in pair {
            let out = sub.finish(SHORT);
            out.code(0);
            outs.push((out, cmdline));
        }
        let (m, r) = (&outs[0].0, &outs[1].0);
        let (ms, rs) = if case.timed {
            (shape(&m.stdout), shape(&r.stdout))
        } else {
            (m.stdout.clone(), r.stdout.clone())
        };
        if ms != rs || m.stdout.is_empty() {
            r.fail(&format!(
                "-F {:?}: rsub differs from mosquitto_sub\n--- mosquitto_sub ({}) ---\n{}\n--- rsub ---\n{}",
                case.format,
                outs[0].1,
                String::from_utf8_lossy(&m.stdout).escape_debug(),
                String::from_utf8_lossy(&r.stdout).escape_debug(),
            ));
        }
    }
}

fn command_line(cmd: &Command) -> String {
    cmd.get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

macro_rules! case {
    ($format:expr, $filters:expr) => {
        Case {
            format: $format,
            filters: $filters,
            extra: &[],
            timed: false,
        }
    };
    ($format:expr, $filters:expr, timed) => {
        Case {
            format: $format,
            filters: $filters,
            extra: &[],
            timed: true,
        }
    };
    ($format:expr, $filters:expr, $extra:expr, timed) => {
        Case {
            format: $format,
            filters: $filters,
            extra: $extra,
            timed: true,
        }
    };
}

#[test]
fn message_fields_match_mosquitto_sub() {
    compare(&[
        case!("%t %p", ALL),
        case!("%t|%l|%q|%r|%m|%%|", ALL),
        case!("%x|%X", ALL),
        case!("%10p|%-10p|%3p|%.2p|%5.1p|", ALL),
        case!("%-p|%08p|%0p|", ALL),
        case!("%5x|%-5x|%05X|%-x|%1x|", ALL),
        case!("%10t|%-10t|%.3t|%10.3t|%-10.3t|%.0t|", ALL),
        case!("%5l|%-5l|%05l|%-05l|%0l|%00l|", ALL),
        case!("%5m|%05m|%-5m|%5q|%5r|%5%|", ALL),
        case!("\\\\|\\0|\\a|\\e|\\n|\\r|\\t|\\v|@@|100%% literal", ALL),
    ]);
}

#[test]
fn mqtt5_properties_match_mosquitto_sub() {
    compare(&[
        case!("%A|%5A|%05A|%-5A|", ALL),
        case!("%C|%10C|%-10C|%.4C|%10.4C|%20.4C|", ALL),
        case!("%D|%E|%5E|%05E|%-5E|", ALL),
        case!("%F|%3F|%03F|%P|%5P|", ALL),
        case!("%R|%20R|%-20R|%.1R|%S|%5S|%05S|", ALL),
        case!("%t: %p (%C, %D, %P, %R, %E, %F)", ALL),
    ]);
}

#[test]
fn time_fields_match_mosquitto_sub_in_shape() {
    compare(&[
        case!("%I|%30I|%-30I|%.10I|%U|", ALL, timed),
        case!("@Y-@m-@d @H:@M:@S.@N @z @Z @s|%p", ALL, timed),
        case!(
            "@a|@A|@b|@B|@c|@C|@d|@D|@e|@F|@g|@G|@h|@I|@j|@k|@l|@M|@n|@p|@P|@r|@R|@t|@T|@u|@U|@V|@w|@W|@x|@X|@y|@%",
            ALL,
            timed
        ),
        case!("@3|@9|@0|@E|@O|@+|@-|@_|@#|@q|@f", ALL, timed),
    ]);
}

#[test]
fn json_fields_match_mosquitto_sub_in_shape() {
    compare(&[
        case!("%j", TEXT_AND_JSON, timed),
        case!("%J", JSON, timed),
        case!("%j", TEXT_AND_JSON, &["--pretty"], timed),
        case!("%J", JSON, &["--pretty"], timed),
        case!("%t %J|%l", JSON, timed),
    ]);
}

/// Where mosquitto_sub would lose data, rsub keeps it: `%j` of a binary payload is base64.
#[test]
fn json_field_keeps_binary_payloads() {
    let (b, t) = broker_and_topic!();
    let payload = random_bytes(64, 3);
    let file = b.dir().join("p.bin");
    std::fs::write(&file, &payload).unwrap();
    mosquitto_pub(&b)
        .args(["-r", "-t", &t, "-f", file.to_str().unwrap()])
        .run()
        .code(0);
    let out = rsub(&b).args(["-t", &t, "-C", "1", "-F", "%j"]).run();
    out.code(0);
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(line["payload"].as_str().unwrap())
        .unwrap();
    assert_eq!(line["encoding"], "base64", "{line}");
    assert_eq!(decoded, payload);
    assert_eq!(line["payloadlen"], 64);
}

#[test]
fn bad_formats_are_refused_like_mosquitto_sub() {
    let b = Broker::start();
    for (format, needle) in [
        ("%", "incomplete format specifier"),
        ("%z", "invalid format specifier '%z'"),
        ("%5", "incomplete"),
        ("@", "incomplete"),
        ("\\q", "invalid escape '\\q'"),
        ("%999999p", "too large"),
    ] {
        let out = rsub(&b).args(["-t", "x", "-F", format]).run();
        out.usage_error("rsub").stderr_mentions(needle);
        // mosquitto_sub refuses the same formats (but also allows huge widths).
        if !needle.contains("large") {
            let theirs = mosquitto_sub(&b).args(["-t", "x", "-F", format]).run();
            if theirs.code == Some(0) {
                theirs.fail("mosquitto_sub accepted a format rsub refuses");
            }
        }
    }
}
