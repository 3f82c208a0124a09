//! `rsub --tree`: the topic tree seen during a run, printed when it ends (-W, -C, Ctrl+C):
//! levels nested, a message count per topic, the last payload, which topics hold a retained
//! message, and the same as JSON.

use crate::util::{rpub, rsub, Broker, Run, SHORT};

/// The tree as rsub draws it into a pipe (ASCII): the levels of the test's own topic prefix
/// `t`, each the only child of the one before, then `below` (drawn as if from a root)
/// under the prefix's last level.
fn under_prefix(t: &str, topics: u64, messages: u64, below: &[&str]) -> String {
    let counts = format!("({topics} topics, {messages} messages)");
    let mut lines = Vec::new();
    let mut indent = String::new();
    for (depth, level) in t.split('/').enumerate() {
        if depth == 0 {
            lines.push(format!("{level}  {counts}"));
        } else {
            lines.push(format!("{indent}`-- {level}  {counts}"));
            indent.push_str("    ");
        }
    }
    for line in below {
        lines.push(format!("{indent}{line}"));
    }
    lines.join("\n") + "\n"
}

/// Two retained messages at different depths, on the test's own broker.
fn retained_house(b: &Broker, t: &str) {
    for (topic, payload) in [("home/kitchen/temp", "21.5"), ("home/hall/light", "on")] {
        rpub(b)
            .args([
                "-r",
                "-q",
                "1",
                "-t",
                &format!("{t}/{topic}"),
                "-m",
                payload,
            ])
            .run()
            .code(0);
    }
}

#[test]
fn the_tree_of_retained_and_live_messages_after_w() {
    let (b, t) = broker_and_topic!();
    retained_house(&b, &t);
    let sub = rsub(&b)
        .args(["-t", &format!("{t}/#"), "--tree", "-W", "3"])
        .subscribed();
    for (topic, payload) in [
        ("home/kitchen/temp", &b"21.7"[..]),
        ("home/kitchen/temp", b"21.9"),
        ("home/garden", b"dry"),
        ("raw", b"\xff\xfe"),
    ] {
        let topic = format!("{t}/{topic}");
        if payload.is_ascii() {
            let text = std::str::from_utf8(payload).unwrap_or_default();
            rpub(&b).args(["-t", &topic, "-m", text]).run().code(0);
        } else {
            rpub(&b)
                .args(["-t", &topic, "-s"])
                .run_stdin(payload)
                .code(0);
        }
    }
    let out = sub.finish(SHORT);
    // -W is how long to watch: the end of it is a normal end.
    out.code(0).stdout(under_prefix(
        &t,
        4,
        6,
        &[
            "|-- home  (3 topics, 5 messages)",
            "|   |-- garden = dry  (1 message)",
            "|   |-- hall  (1 topic, 1 message)",
            "|   |   `-- light = on  (1 message, retained)",
            "|   `-- kitchen  (1 topic, 3 messages)",
            "|       `-- temp = 21.9  (3 messages, retained)",
            "`-- raw = <binary, 2 bytes>  (1 message)",
        ],
    ));
    if out.stderr.contains("timed out") {
        out.fail("-W with --tree is not a time out");
    }
}

#[test]
fn the_tree_as_json_holds_full_topics() {
    let (b, t) = broker_and_topic!();
    retained_house(&b, &t);
    rpub(&b)
        .args(["-t", &format!("{t}/home/kitchen/temp"), "-m", "21.7"])
        .run()
        .code(0);
    let out = rsub(&b)
        .args(["-t", &format!("{t}/#"), "--tree", "--json", "-W", "1"])
        .run();
    out.code(0).stderr_empty();
    let json: serde_json::Value = match serde_json::from_slice(&out.stdout) {
        Ok(json) => json,
        Err(e) => out.fail(&format!("not one JSON object: {e}")),
    };
    // Only what the broker retained arrives: the live 21.7 went to no one.
    assert_eq!(
        json,
        serde_json::json!({
            "messages": 2,
            "topics": [
                {"topic": format!("{t}/home/hall/light"), "messages": 1, "retained": true,
                 "payload": "on", "bytes": 2},
                {"topic": format!("{t}/home/kitchen/temp"), "messages": 1, "retained": true,
                 "payload": "21.5", "bytes": 4},
            ],
            "left_out": 0,
        })
    );
}

#[test]
fn the_tree_after_c_and_after_ctrl_c() {
    let (b, t) = broker_and_topic!();
    retained_house(&b, &t);
    // -C 2: the two retained messages, then the tree.
    let out = rsub(&b)
        .args(["-t", &format!("{t}/#"), "--tree", "-C", "2"])
        .run();
    out.code(0).stderr_empty();
    let shown = out.stdout_str();
    for line in [
        "`-- light = on  (1 message, retained)",
        "`-- temp = 21.5  (1 message, retained)",
    ] {
        if !shown.contains(line) {
            out.fail(&format!("expected {line:?}"));
        }
    }

    // Ctrl+C: the tree of what came, then death by SIGINT as always.
    let mut sub = rsub(&b)
        .args(["-t", &format!("{t}/home/kitchen/#"), "--tree"])
        .subscribed();
    sub.wait_for_stderr("received PUBLISH", SHORT);
    // The trace line is the pump's; give the run a moment to take the message in.
    std::thread::sleep(std::time::Duration::from_millis(300));
    sub.interrupt();
    let out = sub.finish(SHORT);
    out.interrupted();
    if !out
        .stdout_str()
        .ends_with("`-- temp = 21.5  (1 message, retained)\n")
    {
        out.fail("expected the tree after Ctrl+C");
    }
}

#[test]
fn tree_flags_that_do_not_fit_are_refused() {
    let b = Broker::start();
    for args in [
        &["-t", "#", "--tree", "-F", "%t"][..],
        &["-t", "#", "--tree", "-v"],
        &["-t", "#", "--ascii"],
    ] {
        rsub(&b).args(args).run().usage_error("rsub");
    }
}
