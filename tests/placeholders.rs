//! Placeholders in rpub's topic and message: `{n}` (1-based count), `{i}` (0-based index),
//! `{time}` (local time, `2024/09/17 06:00:00`), `{ts}` (unix seconds), expanded only when
//! `--count`/`--repeat` is given; without it, topic and message go out byte-exact.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::util::{rpub, rsub, Broker, Run, SHORT};

#[test]
fn index_in_topic_and_count_in_message() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b)
        .args(["-v", "-t", &format!("{t}/t/+"), "-C", "3"])
        .subscribed();
    rpub(&b)
        .args(["-t", &format!("{t}/t/{{i}}"), "-m", "msg {n}"])
        .args(["--count", "3"])
        .args(["--interval", "0"])
        .run()
        .code(0);
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t}/t/0 msg 1\n{t}/t/1 msg 2\n{t}/t/2 msg 3\n"));
}

#[test]
fn repeat_is_the_same_as_count() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "2"]).subscribed();
    rpub(&b)
        .args(["-t", &t, "-m", "{i}/{n}"])
        .args(["--repeat", "2"])
        .args(["--repeat-delay", "0"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("0/1\n1/2\n");
}

#[test]
fn json_braces_without_count_are_sent_byte_exact() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "2"]).subscribed();
    rpub(&b).args(["-t", &t, "-m", r#"{"n": 1}"#]).run().code(0);
    rpub(&b).args(["-t", &t, "-m", "{n}"]).run().code(0);
    sub.finish(SHORT).code(0).stdout("{\"n\": 1}\n{n}\n");
}

#[test]
fn braces_in_topic_without_count_are_sent_byte_exact() {
    let b = Broker::start();
    let t = format!("{}/{{i}}", topic!());
    let sub = rsub(&b).args(["-v", "-t", &t, "-C", "1"]).subscribed();
    rpub(&b).args(["-t", &t, "-m", "literal"]).run().code(0);
    sub.finish(SHORT).code(0).stdout(format!("{t} literal\n"));
}

#[test]
fn unknown_placeholders_are_left_alone() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    rpub(&b)
        .args(["-t", &t, "-m", r#"{"n": {n}, "x": {nope}}"#, "--count", "1"])
        .run()
        .code(0);
    sub.finish(SHORT)
        .code(0)
        .stdout("{\"n\": 1, \"x\": {nope}}\n");
}

#[test]
fn time_is_local_time_in_mosquitto_style() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    rpub(&b)
        .args(["-t", &t, "-m", "{time}", "--count", "1"])
        .run()
        .code(0);
    let out = sub.finish(SHORT);
    out.code(0);
    let line = out.stdout_str();
    // 2024/09/17 06:00:00
    let shape_ok = line.len() == 20
        && line.bytes().enumerate().all(|(i, c)| match i {
            4 | 7 => c == b'/',
            10 => c == b' ',
            13 | 16 => c == b':',
            19 => c == b'\n',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        out.fail("{time} should look like 2024/09/17 06:00:00");
    }
}

/// `unix` seconds as `YYYY/MM/DD HH:MM:SS` (proleptic Gregorian, no time zone applied).
fn civil(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    format!("{year:04}/{month:02}/{day:02} {h:02}:{m:02}:{s:02}")
}

#[test]
fn time_is_in_the_local_time_zone() {
    // A zone 5:30 east of UTC in POSIX TZ syntax (no tzdata needed): {time} must be shifted by
    // exactly that from UTC.
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    let now = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    let shift = 5 * 3600 + 30 * 60;
    let before = now() + shift;
    let publish = ["-t", &t, "-m", "{time}", "--count", "1"];
    rpub(&b).env("TZ", "XYZ-05:30").args(publish).run().code(0);
    let after = now() + shift;
    let out = sub.finish(SHORT);
    out.code(0);
    let got = out.stdout_str();
    if !(before..=after).any(|unix| got == format!("{}\n", civil(unix))) {
        out.fail(&format!(
            "with TZ=XYZ-05:30, {{time}} should be between {} and {}",
            civil(before),
            civil(after)
        ));
    }
}

#[test]
fn ts_is_unix_seconds() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "1"]).subscribed();
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    rpub(&b)
        .args(["-t", &t, "-m", "{ts}", "--count", "1"])
        .run()
        .code(0);
    let after = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let out = sub.finish(SHORT);
    out.code(0);
    match out.stdout_str().trim_end_matches('\n').parse::<u64>() {
        Ok(ts) if (before..=after).contains(&ts) => {}
        _ => out.fail(&format!(
            "{{ts}} should be the unix time, between {before} and {after}"
        )),
    }
}
