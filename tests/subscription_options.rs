//! MQTT 5 subscription options of rsub, as the broker applies them: `--no-local`,
//! `--retain-handling 0|1|2`, `--retain-as-published` and `--subscription-id`.

use crate::util::{rpub_v5, rsub, rsub_v5, Broker, Run, SHORT};

fn retained(b: &Broker, topic: &str, payload: &str) {
    rpub_v5(b)
        .args(["-r", "-t", topic, "-m", payload])
        .run()
        .code(0);
}

/// `--remove-retained` publishes an empty retained message to clear what it received; the
/// broker sends that clear back to rsub itself (an empty line) unless `--no-local` asks it not
/// to send a client its own messages.
#[test]
fn no_local_keeps_own_messages_away() {
    let (b, t) = broker_and_topic!();
    retained(&b, &t, "old");
    rsub_v5(&b)
        .args(["--remove-retained", "-t", &t, "-W", "1"])
        .run()
        .code(27)
        .stdout("old\n\n");
    retained(&b, &t, "old");
    rsub_v5(&b)
        .args(["--no-local", "--remove-retained", "-t", &t, "-W", "1"])
        .run()
        .code(27)
        .stdout("old\n");
}

#[test]
fn retain_handling_0_sends_retained_at_every_subscribe() {
    let (b, t) = broker_and_topic!();
    retained(&b, &t, "kept");
    for _ in 0..2 {
        rsub_v5(&b)
            .args(["-i", "rh0", "-c"])
            .args(["--retain-handling", "0"])
            .args(["-t", &t, "-C", "1", "-W", "1"])
            .run()
            .code(0)
            .stdout("kept\n");
    }
}

/// 1: only when the subscription is new. The second run resumes the session (-c), where the
/// subscription already exists, so the retained message is not sent again.
#[test]
fn retain_handling_1_sends_retained_only_for_a_new_subscription() {
    let (b, t) = broker_and_topic!();
    retained(&b, &t, "kept");
    let args = [
        "-V",
        "5",
        "-i",
        "rh1",
        "-c",
        "--retain-handling",
        "1",
        "-t",
        &t,
        "-C",
        "1",
        "-W",
        "1",
    ];
    rsub(&b).args(args).run().code(0).stdout("kept\n");
    rsub(&b).args(args).run().code(27).stdout("");
}

#[test]
fn retain_handling_2_never_sends_retained() {
    let (b, t) = broker_and_topic!();
    retained(&b, &t, "kept");
    rsub_v5(&b)
        .args(["--retain-handling", "2"])
        .args(["-t", &t, "-C", "1", "-W", "1"])
        .run()
        .code(27)
        .stdout("");
    // Live messages still arrive.
    let sub = rsub_v5(&b)
        .args(["--retain-handling", "2", "-t", &t, "-C", "1"])
        .subscribed();
    rpub_v5(&b).args(["-t", &t, "-m", "live"]).run().code(0);
    sub.finish(SHORT).code(0).stdout("live\n");
}

/// A retained message published while subscribed normally arrives with the retain flag off;
/// with --retain-as-published it keeps it (the trace shows r1), so -R hides it.
#[test]
fn retain_as_published_keeps_the_flag() {
    let (b, t) = broker_and_topic!();
    let plain = rsub_v5(&b).args(["-R", "-t", &t, "-C", "1"]).subscribed();
    let kept = rsub_v5(&b)
        .args(["--retain-as-published", "-t", &t, "-C", "1"])
        .subscribed();
    retained(&b, &t, "live");
    let out = plain.finish(SHORT);
    out.code(0).stdout("live\n");
    if !out.stderr.contains("received PUBLISH (d0, q0, r0,") {
        out.fail("without --retain-as-published the live message arrives with r0");
    }
    let out = kept.finish(SHORT);
    out.code(0).stdout("live\n");
    if !out.stderr.contains("received PUBLISH (d0, q0, r1,") {
        out.fail("with --retain-as-published the live message keeps r1");
    }
    if !out.stderr.contains("retain-as-published)") {
        out.fail("the SUBSCRIBE trace line should show the option");
    }
}

#[test]
fn subscription_id_tags_messages() {
    let (b, t) = broker_and_topic!();
    let sub = rsub_v5(&b)
        .args(["-v"])
        .args(["--subscription-id", "42"])
        .args(["-t", &t, "-C", "1"])
        .subscribed();
    rpub_v5(&b).args(["-t", &t, "-m", "x"]).run().code(0);
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t} x [subscription-id=42]\n"));
}

#[test]
fn subscription_id_out_of_range_is_refused() {
    let b = Broker::start();
    for bad in ["0", "268435456", "x"] {
        rsub_v5(&b)
            .args(["--subscription-id", bad, "-t", "x"])
            .run()
            .usage_error("rsub")
            .stderr_mentions(&format!("'{bad}' for '--subscription-id"));
    }
}
