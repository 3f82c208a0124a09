//! Arguments and input the tools must refuse before connecting: exit 2, no panic, nothing on
//! stdout, and on stderr either clap's own `error:` message (argument syntax) or exactly one
//! line starting with `rpub: `/`rsub: `. Where the mistake has a name (a file, a flag, a topic),
//! the message must mention it.
//!
//! The broker address comes from MQTT_HOST/MQTT_PORT and points at a port where nothing
//! listens, so a tool that wrongly went ahead would exit 3, not 2.

use crate::util::{bin, run, unused_port, SHORT};

/// A file that exists.
const EXISTING_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");

/// Runs `tool args` and checks the usage-error contract.
#[track_caller]
fn refused(tool: &str, args: &[&str], mentions: Option<&str>) {
    let out = run(
        bin(tool)
            .env("MQTT_HOST", "127.0.0.1")
            .env("MQTT_PORT", unused_port().to_string())
            .args(args),
        SHORT,
    );
    out.code(2).stdout("");
    let lines = out.stderr_lines();
    let from_clap = lines.first().is_some_and(|l| l.starts_with("error:"));
    if !from_clap {
        out.one_error_line(tool);
    }
    if let Some(needle) = mentions {
        out.stderr_mentions(needle);
    }
}

/// One test per bad input: `name: tool [args...] (mentions "text")?;`
macro_rules! bad_input {
    ($($name:ident: $tool:literal [$($arg:expr),* $(,)?] $(mentions $needle:literal)?;)*) => {
        $(
            #[test]
            fn $name() {
                #[allow(unused_mut, unused_assignments)]
                let mut mentions: Option<&str> = None;
                $(mentions = Some($needle);)?
                refused($tool, &[$(AsRef::<str>::as_ref(&$arg)),*], mentions);
            }
        )*
    };
}

/// A topic one byte over MQTT's limit of 65,535 bytes.
fn topic_too_long() -> String {
    "a".repeat(65_536)
}

bad_input! {
    rpub_unknown_flag: "rpub" ["--no-such-flag", "-t", "x", "-m", "y"] mentions "--no-such-flag";
    rpub_without_topic: "rpub" ["-m", "y"] mentions "topic";
    rpub_topic_with_plus: "rpub" ["-t", "a/+/b", "-m", "y"] mentions "topic";
    rpub_topic_plus_alone: "rpub" ["-t", "+", "-m", "y"] mentions "topic";
    rpub_topic_with_hash: "rpub" ["-t", "a/#", "-m", "y"] mentions "topic";
    rpub_topic_hash_alone: "rpub" ["-t", "#", "-m", "y"] mentions "topic";
    rpub_empty_topic: "rpub" ["-t", "", "-m", "y"] mentions "topic";
    rpub_topic_too_long: "rpub" ["-t", topic_too_long(), "-m", "y"] mentions "topic";
    rpub_qos_3: "rpub" ["-q", "3", "-t", "x", "-m", "y"] mentions "qos";
    rpub_port_0: "rpub" ["-p", "0", "-t", "x", "-m", "y"] mentions "port";
    rpub_port_70000: "rpub" ["-p", "70000", "-t", "x", "-m", "y"] mentions "port";
    rpub_keepalive_70000: "rpub" ["-k", "70000", "-t", "x", "-m", "y"] mentions "keepalive";
    rpub_keepalive_3: "rpub" ["-k", "3", "-t", "x", "-m", "y"] mentions "keepalive";
    rpub_keepalive_not_a_duration: "rpub" ["-k", "soon", "-t", "x", "-m", "y"] mentions "soon";
    rpub_clean_session_off_without_id: "rpub" ["-c", "-t", "x", "-m", "y"];
    rpub_message_and_file: "rpub" ["-m", "x", "-f", EXISTING_FILE, "-t", "x"];
    rpub_message_and_null: "rpub" ["-m", "x", "-n", "-t", "x"];
    rpub_stdin_line_and_stdin_file: "rpub" ["-l", "-s", "-t", "x"];
    rpub_missing_file: "rpub" ["-f", "/nonexistent", "-t", "x"] mentions "/nonexistent";
    rpub_missing_password_file: "rpub" ["-u", "Kai", "--password-file", "/nonexistent", "-t", "x", "-m", "y"]
        mentions "/nonexistent";
    rpub_url_with_http_scheme: "rpub" ["-L", "http://x", "-m", "y"] mentions "http";
    rpub_url_with_bad_port: "rpub" ["-L", "mqtt://:99999", "-t", "x", "-m", "y"];
    rpub_url_garbage: "rpub" ["-L", "not a url", "-m", "y"];
    rpub_mqttv31: "rpub" ["-V", "mqttv31", "-t", "x", "-m", "y"] mentions "not supported";
    rpub_v31: "rpub" ["-V", "31", "-t", "x", "-m", "y"] mentions "not supported";
    rpub_unknown_version: "rpub" ["-V", "6", "-t", "x", "-m", "y"];
    rpub_will_qos_3: "rpub" ["--will-topic", "w", "--will-qos", "3", "-t", "x", "-m", "y"];
    rpub_will_topic_with_wildcard: "rpub" ["--will-topic", "w/#", "-t", "x", "-m", "y"] mentions "w/#";
    rpub_count_not_a_number: "rpub" ["--count", "many", "-t", "x", "-m", "y"] mentions "many";
    rpub_interval_not_a_duration: "rpub" ["--count", "2", "--interval", "often", "-t", "x", "-m", "y"]
        mentions "often";
    rpub_connect_timeout_not_a_duration: "rpub" ["--connect-timeout", "later", "-t", "x", "-m", "y"]
        mentions "later";

    rsub_unknown_flag: "rsub" ["--no-such-flag", "-t", "x"] mentions "--no-such-flag";
    rsub_without_topic: "rsub" [] mentions "topic";
    rsub_hash_not_last: "rsub" ["-t", "a/#/b"];
    rsub_hash_inside_level: "rsub" ["-t", "a/b#"];
    rsub_plus_inside_level: "rsub" ["-t", "a+/b"];
    rsub_empty_filter: "rsub" ["-t", ""];
    rsub_second_filter_bad: "rsub" ["-t", "ok/#", "-t", "bad/#/x"];
    rsub_filter_too_long: "rsub" ["-t", topic_too_long()];
    rsub_qos_3: "rsub" ["-q", "3", "-t", "x"] mentions "qos";
    rsub_port_0: "rsub" ["-p", "0", "-t", "x"] mentions "port";
    rsub_port_70000: "rsub" ["-p", "70000", "-t", "x"] mentions "port";
    rsub_keepalive_70000: "rsub" ["-k", "70000", "-t", "x"] mentions "keepalive";
    rsub_clean_session_off_without_id: "rsub" ["-c", "-t", "x"];
    rsub_missing_password_file: "rsub" ["-u", "Kai", "--password-file", "/nonexistent", "-t", "x"]
        mentions "/nonexistent";
    rsub_url_with_http_scheme: "rsub" ["-L", "http://x"] mentions "http";
    rsub_url_with_bad_port: "rsub" ["-L", "mqtt://:99999", "-t", "x"];
    rsub_mqttv31: "rsub" ["-V", "mqttv31", "-t", "x"] mentions "not supported";
    rsub_count_not_a_number: "rsub" ["-C", "many", "-t", "x"] mentions "many";
    rsub_timeout_not_a_duration: "rsub" ["-W", "eventually", "-t", "x"] mentions "eventually";
    rsub_filter_out_bad: "rsub" ["-t", "x/#", "-T", "a/#/b"];
}
