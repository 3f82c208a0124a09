//! Topic filters as MQTT specifies them: `+` matches exactly one level, `#` the parent and every
//! level below it; several `-t` filters; `-T` filters out what a filter let in.
//!
//! Each test publishes the messages that must *not* arrive before or between those that must,
//! and counts with `-C`: a wrongly delivered message shows up in the output in place of a right
//! one.

use crate::util::{rpub, rsub, Broker, Run, SHORT};

/// Publishes `payload` on `topic` with rpub and checks that it succeeded.
fn publish(b: &Broker, topic: &str, payload: &str) {
    rpub(b).args(["-t", topic, "-m", payload]).run().code(0);
}

#[test]
fn plus_matches_exactly_one_level() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-v", "-t", &format!("{t}/test/+"), "-C", "10"])
        .subscribed();
    publish(&b, &format!("{t}/test/a/b"), "too deep");
    publish(&b, &format!("{t}/test"), "too shallow");
    let mut expected = String::new();
    for i in 0..10 {
        publish(&b, &format!("{t}/test/{i}"), &format!("message {i}"));
        expected.push_str(&format!("{t}/test/{i} message {i}\n"));
    }
    sub.finish(SHORT).code(0).stdout(expected);
}

#[test]
fn hash_matches_parent_and_every_level_below() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-v", "-t", &format!("{t}/#"), "-C", "3"])
        .subscribed();
    publish(&b, &format!("{t}x/sibling"), "not below");
    publish(&b, &t, "parent");
    publish(&b, &format!("{t}/a"), "one");
    publish(&b, &format!("{t}/a/b/c"), "three");
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t} parent\n{t}/a one\n{t}/a/b/c three\n"));
}

#[test]
fn hash_alone_receives_everything() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-v", "-t", "#", "-C", "3"]).subscribed();
    publish(&b, "a", "1");
    publish(&b, &format!("{t}/deep/er/topic"), "2");
    publish(&b, "/leading/slash", "3");
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("a 1\n{t}/deep/er/topic 2\n/leading/slash 3\n"));
}

#[test]
fn plus_in_the_middle() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-v", "-t", &format!("{t}/home/+/light"), "-C", "2"])
        .subscribed();
    publish(&b, &format!("{t}/home/kitchen/light"), "on");
    publish(&b, &format!("{t}/home/kitchen/heater"), "hot");
    publish(&b, &format!("{t}/home/living_room/light/bulb"), "bright");
    publish(&b, &format!("{t}/home/light"), "none");
    publish(&b, &format!("{t}/home/living_room/light"), "off");
    sub.finish(SHORT).code(0).stdout(format!(
        "{t}/home/kitchen/light on\n{t}/home/living_room/light off\n"
    ));
}

#[test]
fn several_filters() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args([
            "-v",
            "-t",
            &format!("{t}/a"),
            "-t",
            &format!("{t}/b/#"),
            "-C",
            "2",
        ])
        .subscribed();
    publish(&b, &format!("{t}/c"), "no");
    publish(&b, &format!("{t}/a"), "yes a");
    publish(&b, &format!("{t}/b/x"), "yes b");
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t}/a yes a\n{t}/b/x yes b\n"));
}

#[test]
fn filter_out_drops_matching_topics() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args([
            "-v",
            "-t",
            &format!("{t}/#"),
            "-T",
            &format!("{t}/noisy/#"),
            "-T",
            &format!("{t}/+/debug"),
            "-C",
            "2",
        ])
        .subscribed();
    publish(&b, &format!("{t}/noisy/x"), "drop");
    publish(&b, &format!("{t}/quiet/1"), "keep 1");
    publish(&b, &format!("{t}/quiet/debug"), "drop");
    publish(&b, &format!("{t}/noisy"), "drop");
    publish(&b, &format!("{t}/quiet/2"), "keep 2");
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t}/quiet/1 keep 1\n{t}/quiet/2 keep 2\n"));
}
