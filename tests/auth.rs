//! A broker with `allow_anonymous false` and a password file (the classroom's second step):
//! `-u Kai -P 1234` works; a wrong password or no user is refused with exit 4 and one clear
//! line, never a hang; the password can come from MQTT_PASSWORD or --password-file instead of
//! the command line, and it never appears in any output, not even in the `-d` trace.

use std::fs;

use crate::util::{bin, rpub, rsub, Broker, Run, SHORT};

const USERS: &[(&str, &str)] = &[("Kai", "1234"), ("Ada", "s3cr3t-pa55")];

/// Checks the contract for a refused connection: exit 4, one `<tool>: ` line that says why.
#[track_caller]
fn assert_refused(out: &crate::util::Output, tool: &str) {
    out.code(4).one_error_line(tool).stdout("");
    let err = out.stderr.to_lowercase();
    if !(err.contains("password") || err.contains("authori")) {
        out.fail("the error should say the credentials were refused (\"password\" or \"not authorized\")");
    }
}

#[test]
fn user_and_password_flags() {
    let (b, t) = broker_and_topic!(Broker::with_users(USERS, ""));
    let sub = rsub(&b)
        .args(["-u", "Kai", "-P", "1234", "-t", &t, "-C", "1"])
        .subscribed();
    rpub(&b)
        .args([
            "-u",
            "Kai",
            "-P",
            "1234",
            "-t",
            &t,
            "-m",
            "Nachricht Nummer 1",
        ])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("Nachricht Nummer 1\n");
}

#[test]
fn wrong_password_is_refused_rpub() {
    let b = Broker::with_users(USERS, "");
    let out = rpub(&b)
        .args(["-u", "Kai", "-P", "wrongpw", "-t", "x", "-m", "y"])
        .run();
    assert_refused(&out, "rpub");
    out.never_shows("wrongpw");
}

#[test]
fn wrong_password_is_refused_rsub() {
    let b = Broker::with_users(USERS, "");
    let out = rsub(&b)
        .args(["-u", "Kai", "-P", "wrongpw", "-t", "x"])
        .run();
    assert_refused(&out, "rsub");
    out.never_shows("wrongpw");
}

#[test]
fn anonymous_is_refused() {
    let b = Broker::with_users(USERS, "");
    assert_refused(&rpub(&b).args(["-t", "x", "-m", "y"]).run(), "rpub");
    assert_refused(&rsub(&b).args(["-t", "x"]).run(), "rsub");
}

#[test]
fn unknown_user_is_refused() {
    let b = Broker::with_users(USERS, "");
    let out = rpub(&b)
        .args(["-u", "Mallory", "-P", "1234", "-t", "x", "-m", "y"])
        .run();
    assert_refused(&out, "rpub");
}

#[test]
fn password_from_environment() {
    let (b, t) = broker_and_topic!(Broker::with_users(USERS, ""));
    let sub = rsub(&b)
        .env("MQTT_PASSWORD", "1234")
        .args(["-u", "Kai", "-t", &t, "-C", "1"])
        .subscribed();
    rpub(&b)
        .env("MQTT_PASSWORD", "1234")
        .args(["-u", "Kai", "-t", &t, "-m", "env"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("env\n");
}

#[test]
fn user_and_password_from_environment() {
    let (b, t) = broker_and_topic!(Broker::with_users(USERS, ""));
    let sub = rsub(&b)
        .args(["-u", "Kai", "-P", "1234", "-t", &t, "-C", "1"])
        .subscribed();
    rpub(&b)
        .env("MQTT_USERNAME", "Kai")
        .env("MQTT_PASSWORD", "1234")
        .args(["-t", &t, "-m", "env"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("env\n");
}

#[test]
fn wrong_password_from_environment_is_not_shown() {
    let b = Broker::with_users(USERS, "");
    let out = rpub(&b)
        .env("MQTT_PASSWORD", "wrongpw")
        .args(["-u", "Kai", "-t", "x", "-m", "y"])
        .run();
    assert_refused(&out, "rpub");
    out.never_shows("wrongpw");
}

#[test]
fn password_from_file() {
    let (b, t) = broker_and_topic!(Broker::with_users(USERS, ""));
    let file = b.dir().join("kai.pw");
    // The first line, its newline stripped, is the password.
    fs::write(&file, "1234\nnot part of it\n").unwrap();
    let file = file.to_str().unwrap();
    let sub = rsub(&b)
        .args(["-u", "Kai", "--password-file", file, "-t", &t, "-C", "1"])
        .subscribed();
    rpub(&b)
        .args(["-u", "Kai", "--password-file", file, "-t", &t, "-m", "file"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("file\n");
}

#[test]
fn password_file_without_trailing_newline() {
    let (b, t) = broker_and_topic!(Broker::with_users(USERS, ""));
    let file = b.dir().join("ada.pw");
    fs::write(&file, "s3cr3t-pa55").unwrap();
    let sub = rsub(&b)
        .args(["-u", "Kai", "-P", "1234", "-t", &t, "-C", "1"])
        .subscribed();
    rpub(&b)
        .args(["-u", "Ada"])
        .args(["--password-file", file.to_str().unwrap()])
        .args(["-t", &t, "-m", "file"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("file\n");
}

#[test]
fn debug_trace_never_shows_the_password() {
    let (b, t) = broker_and_topic!(Broker::with_users(USERS, ""));
    let sub = rsub(&b)
        .args(["-u", "Ada", "-P", "s3cr3t-pa55", "-t", &t, "-C", "1"])
        .subscribed();
    let out = rpub(&b)
        .args([
            "-d",
            "-u",
            "Ada",
            "-P",
            "s3cr3t-pa55",
            "-t",
            &t,
            "-m",
            "traced",
        ])
        .run();
    out.code(0)
        .stderr_mentions("sending CONNECT")
        .never_shows("s3cr3t-pa55");
    let out = sub.finish(SHORT);
    out.code(0)
        .stdout("traced\n")
        .stderr_mentions("sending CONNECT")
        .never_shows("s3cr3t-pa55");
}

#[test]
fn debug_trace_of_a_refused_connection_never_shows_the_password() {
    let b = Broker::with_users(USERS, "");
    let out = rpub(&b)
        .args(["-d", "-u", "Kai", "-P", "wrongpw", "-t", "x", "-m", "y"])
        .run();
    out.code(4)
        .stderr_mentions("sending CONNECT")
        .never_shows("wrongpw");
    let out = rsub(&b)
        .args(["-d", "-u", "Kai", "-P", "wrongpw", "-t", "x"])
        .run();
    out.code(4)
        .stderr_mentions("sending CONNECT")
        .never_shows("wrongpw");
}

#[test]
fn credentials_in_the_url() {
    let (b, t) = broker_and_topic!(Broker::with_users(USERS, ""));
    let sub = rsub(&b)
        .args(["-u", "Kai", "-P", "1234", "-t", &t, "-C", "1"])
        .subscribed();
    let url = format!("mqtt://Kai:1234@127.0.0.1:{}/{t}", b.port());
    bin("rpub").args(["-L", &url, "-m", "url"]).run().code(0);
    sub.finish(SHORT).code(0).stdout("url\n");
}

#[test]
fn wrong_password_in_the_url_is_refused_and_not_shown() {
    let b = Broker::with_users(USERS, "");
    let url = format!("mqtt://Kai:wrongpw@127.0.0.1:{}/x", b.port());
    let out = bin("rpub").args(["-d", "-L", &url, "-m", "y"]).run();
    out.code(4).never_shows("wrongpw");
}

/// `--help` names the variable, never its value.
#[test]
fn help_never_shows_the_password_from_the_environment() {
    for tool in ["rpub", "rsub"] {
        let out = crate::util::bin(tool)
            .env("MQTT_PASSWORD", "s3cr3t-from-env")
            .arg("--help")
            .run();
        out.code(0).never_shows("s3cr3t-from-env");
        if !out.stdout_str().contains("MQTT_PASSWORD") {
            out.fail("--help should point at MQTT_PASSWORD");
        }
    }
}

#[test]
fn a_password_of_the_wrong_type_in_the_config_file_is_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    for value in ["73194628", "7319.4628", "[73194628]", "{ p = 73194628 }"] {
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            format!("[default]\nusername = \"u\"\npassword = {value}\n"),
        )
        .unwrap();
        let out = bin("rpub")
            .args(["--config", path.to_str().unwrap(), "-t", "t", "-m", "x"])
            .run();
        out.usage_error("rpub")
            .stderr_mentions("c.toml:3: password: ")
            .never_shows("73194628")
            .never_shows("4628");
    }
}
