//! `-V mqttv31` (and `-V 31`): MQTT 3.1 from both tools, as the broker sees it (Mosquitto logs
//! such a client as `... as ID (p1, c1, k60)`), with messages through end to end; the random
//! client id fits 3.1's 23 bytes, and a longer id of the user's goes to the broker as given.

use crate::util::{rpub, rsub, Broker, Output, Run, SHORT};

/// The broker's log line for the client `id`, which must be an MQTT 3.1 client (`p1`).
#[track_caller]
fn logged_as_mqtt31(b: &Broker, out: &Output, id: &str) {
    let log = b.log();
    let wanted = format!(" as {id} (p1, ");
    if !log
        .lines()
        .any(|l| l.contains("New client connected") && l.contains(&wanted))
    {
        out.fail(&format!(
            "the broker log should show {id} connect with MQTT 3.1 (p1):\n{log}"
        ));
    }
}

#[test]
fn both_tools_speak_mqtt_3_1() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args([
            "-V", "mqttv31", "-i", "old-sub", "-q", "1", "-t", &t, "-C", "2", "-v",
        ])
        .subscribed();
    rpub(&b)
        .args([
            "-V", "31", "-i", "old-pub", "-q", "1", "-t", &t, "-m", "one",
        ])
        .run()
        .code(0)
        .stderr_empty();
    let out = rpub(&b)
        .args([
            "-V",
            "mqttv31",
            "-i",
            "old-pub-2",
            "-q",
            "2",
            "-t",
            &t,
            "-m",
            "two",
        ])
        .run();
    out.code(0).stderr_empty();
    let got = sub.finish(SHORT);
    got.code(0).stdout(format!("{t} one\n{t} two\n"));
    logged_as_mqtt31(&b, &got, "old-sub");
    logged_as_mqtt31(&b, &out, "old-pub");
    logged_as_mqtt31(&b, &out, "old-pub-2");
}

#[test]
fn the_trace_and_print_config_say_mqtt_3_1() {
    let (b, t) = broker_and_topic!();
    let out = rpub(&b)
        .args(["-V", "31", "-d", "-i", "traced", "-t", &t, "-m", "x"])
        .run();
    out.code(0)
        .stderr_mentions("Client traced sending CONNECT (MQTT 3.1, c1, k60)");
    let out = rsub(&b)
        .args(["-V", "31", "-t", &t, "--print-config"])
        .run();
    out.code(0);
    if !out
        .stdout_lines()
        .iter()
        .any(|l| l.starts_with("protocol-version") && l.contains("mqttv31"))
    {
        out.fail("--print-config should show protocol-version mqttv31");
    }
}

#[test]
fn the_random_client_id_fits_mqtt_3_1() {
    let (b, t) = broker_and_topic!();
    let out = rpub(&b).args(["-V", "mqttv31", "-t", &t, "-m", "x"]).run();
    out.code(0).stderr_empty();
    let log = b.log();
    let id = log
        .lines()
        .filter(|l| l.contains("New client connected") && l.contains(" (p1, "))
        .find_map(|l| l.split(" as ").nth(1)?.split(' ').next())
        .unwrap_or_else(|| out.fail(&format!("no MQTT 3.1 client in the log:\n{log}")));
    if !id.starts_with("rpub-") || id.len() > 23 {
        out.fail(&format!(
            "the random id {id:?} should be rpub-... of at most 23 bytes"
        ));
    }
}

#[test]
fn a_longer_client_id_is_the_brokers_to_judge() {
    // MQTT 3.1 limits client ids to 23 bytes; Mosquitto (as its own clients) takes longer ones,
    // so the tools send the id as given and a stricter broker says "identifier rejected".
    let (b, t) = broker_and_topic!();
    let id = "a-client-id-of-thirty-two-bytes!";
    let sub = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    let out = rpub(&b)
        .args(["-V", "31", "-i", id, "-t", &t, "-m", "long id"])
        .run();
    out.code(0).stderr_empty();
    logged_as_mqtt31(&b, &out, id);
    sub.finish(SHORT).code(0).stdout("long id\n");
}

#[test]
fn the_brokers_refusal_of_a_client_id_is_reported() {
    // MQTT 3.1 has no empty client id: Mosquitto answers "identifier rejected".
    let (b, t) = broker_and_topic!();
    let out = rpub(&b)
        .args(["-V", "31", "-i", "", "-t", &t, "-m", "x"])
        .run();
    out.code(4)
        .one_error_line("rpub")
        .stderr_mentions("identifier rejected");
}
