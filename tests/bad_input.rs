//! Arguments and input the tools must refuse before connecting, in their own words: exit 2,
//! nothing on stdout, and on stderr exactly one line `rpub: ...`/`rsub: ...` that names the
//! mistake (the flag, the value, the file or the topic), whether clap or the tool found it.
//!
//! The broker address comes from MQTT_HOST/MQTT_PORT and points at a port where nothing
//! listens, so a tool that wrongly went ahead would exit 3, not 2.

use crate::util::{bin, unused_port, Run};

/// A file that exists.
const EXISTING_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");

/// Runs `tool args` and checks the usage-error contract: one line of the tool's own, naming
/// each of `mentions`.
#[track_caller]
fn refused(tool: &str, args: &[&str], mentions: &[&str]) {
    let out = bin(tool)
        .env("MQTT_HOST", "127.0.0.1")
        .env("MQTT_PORT", unused_port().to_string())
        .args(args)
        .run();
    out.usage_error(tool);
    for needle in mentions {
        out.stderr_mentions(needle);
    }
}

/// One test per bad input: `name: tool [args...] mentions "text", ...;`
macro_rules! bad_input {
    ($($name:ident: $tool:literal [$($arg:expr),* $(,)?] mentions $($needle:literal),+;)*) => {
        $(
            #[test]
            fn $name() {
                refused($tool, &[$(AsRef::<str>::as_ref(&$arg)),*], &[$($needle),+]);
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
    rpub_topic_too_long: "rpub" ["-t", topic_too_long(), "-m", "y"] mentions "topic", "65536 bytes", "65535";
    rpub_qos_3: "rpub" ["-q", "3", "-t", "x", "-m", "y"] mentions "--qos", "'3'";
    rpub_port_0: "rpub" ["-p", "0", "-t", "x", "-m", "y"] mentions "--port", "'0'";
    rpub_port_70000: "rpub" ["-p", "70000", "-t", "x", "-m", "y"] mentions "port";
    rpub_keepalive_70000: "rpub" ["-k", "70000", "-t", "x", "-m", "y"] mentions "keepalive";
    rpub_keepalive_3: "rpub" ["-k", "3", "-t", "x", "-m", "y"] mentions "keepalive";
    rpub_keepalive_not_a_duration: "rpub" ["-k", "soon", "-t", "x", "-m", "y"] mentions "soon";
    rpub_clean_session_off_without_id: "rpub" ["-c", "-t", "x", "-m", "y"]
        mentions "--disable-clean-session", "client id";
    rpub_message_and_file: "rpub" ["-m", "x", "-f", EXISTING_FILE, "-t", "x"] mentions "--message", "--file";
    rpub_message_and_null: "rpub" ["-m", "x", "-n", "-t", "x"] mentions "--message", "--null-message";
    rpub_stdin_line_and_stdin_file: "rpub" ["-l", "-s", "-t", "x"] mentions "--stdin-line", "--stdin-file";
    rpub_missing_file: "rpub" ["-f", "/nonexistent", "-t", "x"] mentions "/nonexistent";
    rpub_missing_password_file: "rpub" ["-u", "Kai", "--password-file", "/nonexistent", "-t", "x", "-m", "y"]
        mentions "/nonexistent";
    rpub_url_with_http_scheme: "rpub" ["-L", "http://x", "-m", "y"] mentions "http";
    rpub_url_with_bad_port: "rpub" ["-L", "mqtt://:99999", "-t", "x", "-m", "y"] mentions "--url", "99999";
    rpub_url_garbage: "rpub" ["-L", "not a url", "-m", "y"] mentions "--url", "scheme";
    rpub_unknown_version: "rpub" ["-V", "6", "-t", "x", "-m", "y"] mentions "'6'", "--protocol-version";
    rpub_will_qos_3: "rpub" ["--will-topic", "w", "--will-qos", "3", "-t", "x", "-m", "y"]
        mentions "--will-qos", "3";
    rpub_will_topic_with_wildcard: "rpub" ["--will-topic", "w/#", "-t", "x", "-m", "y"] mentions "w/#";
    rpub_count_not_a_number: "rpub" ["--count", "many", "-t", "x", "-m", "y"] mentions "many";
    rpub_interval_not_a_duration: "rpub" ["--count", "2", "--interval", "often", "-t", "x", "-m", "y"]
        mentions "often";
    rpub_connect_timeout_not_a_duration: "rpub" ["--connect-timeout", "later", "-t", "x", "-m", "y"]
        mentions "later";

    rsub_unknown_flag: "rsub" ["--no-such-flag", "-t", "x"] mentions "--no-such-flag";
    rsub_without_topic: "rsub" [] mentions "topic";
    rsub_hash_not_last: "rsub" ["-t", "a/#/b"] mentions "'a/#/b'", "'#'";
    rsub_hash_inside_level: "rsub" ["-t", "a/b#"] mentions "'a/b#'", "'#'";
    rsub_plus_inside_level: "rsub" ["-t", "a+/b"] mentions "'a+/b'", "'+'";
    rsub_empty_filter: "rsub" ["-t", ""] mentions "-t", "empty topic";
    rsub_second_filter_bad: "rsub" ["-t", "ok/#", "-t", "bad/#/x"] mentions "'bad/#/x'";
    rsub_filter_too_long: "rsub" ["-t", topic_too_long()] mentions "65536 bytes", "65535";
    rsub_qos_3: "rsub" ["-q", "3", "-t", "x"] mentions "--qos", "'3'";
    rsub_port_0: "rsub" ["-p", "0", "-t", "x"] mentions "--port", "'0'";
    rsub_port_70000: "rsub" ["-p", "70000", "-t", "x"] mentions "port";
    rsub_keepalive_70000: "rsub" ["-k", "70000", "-t", "x"] mentions "keepalive";
    rsub_clean_session_off_without_id: "rsub" ["-c", "-t", "x"] mentions "--disable-clean-session", "client id";
    rsub_missing_password_file: "rsub" ["-u", "Kai", "--password-file", "/nonexistent", "-t", "x"]
        mentions "/nonexistent";
    rsub_url_with_http_scheme: "rsub" ["-L", "http://x"] mentions "http";
    rsub_url_with_bad_port: "rsub" ["-L", "mqtt://:99999", "-t", "x"] mentions "--url", "99999";
    rsub_count_not_a_number: "rsub" ["-C", "many", "-t", "x"] mentions "many";
    rsub_timeout_not_a_duration: "rsub" ["-W", "eventually", "-t", "x"] mentions "eventually";
    rsub_filter_out_bad: "rsub" ["-t", "x/#", "-T", "a/#/b"] mentions "-T", "'a/#/b'";
    rsub_unsubscribe_bad: "rsub" ["-U", "a/#/b"] mentions "-U", "'a/#/b'";
    rsub_count_zero: "rsub" ["-C", "0", "-t", "x"] mentions "'0'", "--count";
    rsub_negative_timeout: "rsub" ["-W", "-1", "-t", "x"] mentions "'-1'";
    rsub_retained_only_and_no_retained: "rsub" ["--retained-only", "-R", "-t", "x"]
        mentions "--retained-only", "--no-retained";

    rpub_file_is_a_directory: "rpub" ["-f", env!("CARGO_MANIFEST_DIR"), "-t", "x"] mentions "directory";
    rpub_password_file_is_a_directory: "rpub" ["-u", "Kai", "--password-file", env!("CARGO_MANIFEST_DIR"), "-t", "x", "-m", "y"]
        mentions "directory";
    rpub_empty_password_file: "rpub" ["-u", "Kai", "--password-file", "/dev/null", "-t", "x", "-m", "y"]
        mentions "empty";
    rpub_empty_password: "rpub" ["-u", "Kai", "-P", "", "-t", "x", "-m", "y"] mentions "empty";
    rpub_password_without_username: "rpub" ["-P", "secret", "-t", "x", "-m", "y"] mentions "username";
    rpub_id_and_id_prefix: "rpub" ["-i", "a", "-I", "b", "-t", "x", "-m", "y"] mentions "--id", "--id-prefix";
    rpub_keepalive_0_with_mqtt5: "rpub" ["-V", "5", "-k", "0", "-t", "x", "-m", "y"] mentions "keepalive";
    rpub_reconnect_max_and_no_reconnect: "rpub" ["--no-reconnect", "--reconnect-max", "3", "-t", "x", "-m", "y"]
        mentions "--no-reconnect", "--reconnect-max";
    rpub_zero_connect_timeout: "rpub" ["--connect-timeout", "0", "-t", "x", "-m", "y"] mentions "connect-timeout";
    rpub_interval_without_count: "rpub" ["--interval", "1s", "-t", "x", "-m", "y"]
        mentions "required arguments";
    rpub_lines_with_count: "rpub" ["-l", "--count", "3", "-t", "x"] mentions "--stdin-line", "--repeat";
    rpub_url_percent_garbage: "rpub" ["-L", "mqtt://kai:%zz@h/t", "-m", "y"] mentions "password";
    rpub_url_without_host: "rpub" ["-L", "mqtt:///t", "-m", "y"] mentions "host";

    // As mosquitto: a session that never expires needs an id it can be found under again.
    rpub_infinite_session_without_id: "rpub" ["-V", "5", "-x", "-1", "-t", "x", "-m", "y"]
        mentions "You must provide a client id if you are using an infinite session expiry interval";
    rsub_inf_session_without_id: "rsub" ["-V", "5", "-x", "inf", "-t", "x"]
        mentions "-x/--session-expiry", "client id";
    rsub_timeout_zero: "rsub" ["-W", "0", "-t", "x"] mentions "--timeout", "'0'";
    // A negative number is a value out of range for its flag, not an unknown argument.
    rpub_negative_keepalive: "rpub" ["-k", "-1", "-t", "x", "-m", "y"] mentions "--keepalive", "'-1'";
    rpub_negative_port: "rpub" ["-p", "-1", "-t", "x", "-m", "y"] mentions "--port", "'-1'";
    rpub_negative_qos: "rpub" ["-q", "-1", "-t", "x", "-m", "y"] mentions "--qos", "'-1'";
    rsub_negative_qos: "rsub" ["-q", "-1", "-t", "x"] mentions "--qos", "'-1'";
    rsub_negative_count: "rsub" ["-C", "-1", "-t", "x"] mentions "--count", "'-1'";
    rpub_negative_will_qos: "rpub" ["--will-topic", "w", "--will-qos", "-1", "-t", "x", "-m", "y"]
        mentions "--will-qos", "'-1'";
    rpub_negative_repeat_delay: "rpub" ["--repeat", "2", "--repeat-delay", "-1", "-t", "x", "-m", "y"]
        mentions "--repeat-delay", "'-1'";
    rpub_negative_repeat: "rpub" ["--repeat", "-1", "-t", "x", "-m", "y"] mentions "--repeat", "'-1'";
    rpub_negative_property_number: "rpub" ["-V", "5", "-D", "publish", "message-expiry-interval", "-1", "-t", "x", "-m", "y"]
        mentions "-D publish message-expiry-interval", "'-1'";
    // --ciphers works (tls_ciphers.rs); a suite rustls does not have is refused by name.
    rpub_ciphers: "rpub" ["--ciphers", "AES128-SHA", "-t", "x", "-m", "y"]
        mentions "--ciphers: 'AES128-SHA' is not a cipher suite rustls offers";
    // mosquitto's OpenSSL-only flags: taken, and refused with the reason.
    rsub_keyform: "rsub" ["--keyform", "engine", "-t", "x"] mentions "--keyform is not supported, because";
    rpub_tls_engine: "rpub" ["--tls-engine", "pkcs11", "-t", "x", "-m", "y"]
        mentions "--tls-engine is not supported, because";
    rsub_tls_engine_kpass: "rsub" ["--tls-engine-kpass-sha1", "ab", "-t", "x"]
        mentions "--tls-engine-kpass-sha1 is not supported, because";
    rpub_psk: "rpub" ["--psk", "beef", "--psk-identity", "me", "-t", "x", "-m", "y"]
        mentions "--psk is not supported, because", "TLS-PSK";
    rsub_psk_identity: "rsub" ["--psk-identity", "me", "-t", "x"]
        mentions "--psk-identity is not supported, because";
    // The missing argument is named.
    rpub_connect_user_property_too_long: "rpub" ["-V", "5", "-D", "connect", "user-property", "k", topic_too_long(), "-t", "x", "-m", "y"]
        mentions "CONNECT user property 'k' is 65536 bytes; MQTT carries at most 65535 in it";
    rsub_connect_user_property_name_too_long: "rsub" ["-V", "5", "-D", "connect", "user-property", topic_too_long(), "v", "-t", "x"]
        mentions "a CONNECT user property's name is 65536 bytes";
    rpub_authentication_method_too_long: "rpub" ["-V", "5", "-D", "connect", "authentication-method", topic_too_long(), "-t", "x", "-m", "y"]
        mentions "the authentication method is 65536 bytes";
    rpub_will_user_property_too_long: "rpub" ["-V", "5", "--will-topic", "w", "-D", "will", "user-property", "k", topic_too_long(), "-t", "x", "-m", "y"]
        mentions "will user property 'k' is 65536 bytes";
    rpub_will_content_type_too_long: "rpub" ["-V", "5", "--will-topic", "w", "-D", "will", "content-type", topic_too_long(), "-t", "x", "-m", "y"]
        mentions "the will content type is 65536 bytes";
    rsub_subscribe_user_property_too_long: "rsub" ["-V", "5", "-D", "subscribe", "user-property", "k", topic_too_long(), "-t", "x"]
        mentions "SUBSCRIBE user property 'k' is 65536 bytes";
    rsub_unsubscribe_user_property_too_long: "rsub" ["-V", "5", "-D", "unsubscribe", "user-property", "k", topic_too_long(), "-U", "x"]
        mentions "UNSUBSCRIBE user property 'k' is 65536 bytes";
    rpub_will_payload_without_will_topic: "rpub" ["--will-payload", "x", "-t", "x", "-m", "y"]
        mentions "not provided: --will-topic";
    rpub_will_retain_without_will_topic: "rpub" ["--will-retain", "-t", "x", "-m", "y"]
        mentions "not provided: --will-topic";
}

/// Arguments that are not UTF-8 cannot name a topic (MQTT topics are UTF-8).
#[test]
fn rpub_topic_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let out = bin("rpub")
        .env("MQTT_PORT", unused_port().to_string())
        .arg("-t")
        .arg(std::ffi::OsStr::from_bytes(b"a\xffb"))
        .args(["-m", "y"])
        .run();
    out.usage_error("rpub").stderr_mentions("UTF-8");
}

/// A payload over the broker's `max_packet_size`: MQTT 5 brokers announce the limit, so rpub
/// refuses the message without sending it (exit 7, naming both sizes).
#[test]
fn payload_over_the_mqtt5_brokers_maximum_packet_size() {
    let b = crate::util::Broker::with_config("max_packet_size 1000");
    let big = "a".repeat(2_000);
    let out = crate::util::rpub(&b)
        .args(["-V", "5", "-q", "1", "-t", "big", "-m", &big])
        .run();
    out.code(7).no_panic().one_error_line("rpub");
    out.stderr_mentions("maximum packet size")
        .stderr_mentions("(1000 bytes)");
}

/// MQTT 3.1.1 has no way to announce the limit: the broker drops the connection. rpub must
/// not send the same message into the same wall forever: three strikes, then exit 6.
#[test]
fn payload_over_the_mqtt311_brokers_maximum_packet_size_does_not_loop() {
    let b = crate::util::Broker::with_config("max_packet_size 1000");
    let big = "a".repeat(2_000);
    let out = crate::util::rpub(&b)
        .args(["-q", "1", "-t", "big", "-m", &big])
        .run();
    out.code(6).no_panic();
    out.stderr_mentions("maximum packet size?");
    out.stderr_mentions("1 of 1 messages not acknowledged");
}

/// A value from the environment that its flag refuses is named by its variable, not by a
/// flag no one gave; the same for every variable, a password's value never repeated.
#[test]
fn a_bad_environment_variable_is_named() {
    use std::os::unix::ffi::OsStrExt;
    let cases: [(&str, &std::ffi::OsStr, &str); 5] = [
        (
            "MQTT_PORT",
            "abc".as_ref(),
            "MQTT_PORT: invalid value 'abc': abc is not a port (1-65535)",
        ),
        (
            "MQTT_HOST",
            std::ffi::OsStr::from_bytes(b"a\xffb"),
            "MQTT_HOST: invalid value 'a",
        ),
        (
            "MQTT_PASSWORD",
            std::ffi::OsStr::from_bytes(b"s3cr\xff"),
            "MQTT_PASSWORD: ",
        ),
        (
            "RPUBSUB_CONFIG",
            "".as_ref(),
            "RPUBSUB_CONFIG is set but empty (unset it instead)",
        ),
        (
            "RPUBSUB_PROFILE",
            "".as_ref(),
            "RPUBSUB_PROFILE is set but empty (unset it instead)",
        ),
    ];
    for tool in ["rpub", "rsub"] {
        for (var, value, expected) in cases {
            let mut cmd = bin(tool);
            cmd.env("MQTT_PORT", unused_port().to_string())
                .env(var, value)
                .args(["-t", "x"]);
            if tool == "rpub" {
                cmd.args(["-m", "y"]);
            }
            let out = cmd.run();
            out.usage_error(tool)
                .stderr_mentions(expected)
                .never_shows("s3cr");
            if out.stderr.contains("--") {
                out.fail("the message names a flag no one gave");
            }
        }
    }
}

/// The flag wins over its variable: a bad variable behind a given flag is never read.
#[test]
fn a_bad_variable_behind_a_given_flag_is_not_read() {
    let out = bin("rpub")
        .env("MQTT_PORT", "abc")
        .args(["-p", &unused_port().to_string(), "-t", "x", "-m", "y"])
        .run();
    out.code(3);
}
