//! Resolving command lines (and config files) into `ConnectOptions`.

use super::*;
use crate::options::{ProxyKind, DEFAULT_KEEPALIVE};
use crate::settings::testing;

/// As with --print-config, so that the report is there to look at.
fn resolve(args: &[&str]) -> Result<ConnectOptions, Fail> {
    let mut args = testing::args(args);
    args.config.print_config = true;
    ConnectOptions::from_args(&args, Tool::Rpub, Qos::ExactlyOnce)
}

#[test]
fn defaults() {
    let o = resolve(&[]).unwrap();
    assert_eq!(o.transport.address(), "localhost:1883");
    assert_eq!(o.protocol, Protocol::V311);
    assert!(o.client_id.starts_with("rpub-"));
    assert!(o.clean_session);
    assert_eq!(o.keepalive, DEFAULT_KEEPALIVE);
}

#[test]
fn url_parts_win() {
    let o = resolve(&["-h", "a", "-L", "mqtt://kai:pw@b:1884/t/x"]).unwrap();
    assert_eq!(o.transport.address(), "b:1884");
    let c = o.credentials.unwrap();
    assert_eq!(
        (c.username.as_str(), c.password.unwrap().expose()),
        ("kai", "pw")
    );
    assert_eq!(o.url_topic.as_deref(), Some("t/x"));
}

#[test]
fn mqtt5_flags_are_refused_with_mqtt311_naming_the_flag() {
    for (args, flag) in [
        (&["-x", "60"][..], "-x/--session-expiry"),
        (&["--receive-maximum", "5"][..], "--receive-maximum"),
        (
            &["--maximum-packet-size", "500"][..],
            "--maximum-packet-size",
        ),
        (
            &["--connect-user-property", "a=b"][..],
            "--connect-user-property",
        ),
        (
            &["--will-topic", "w", "--will-delay", "5"][..],
            "--will-delay",
        ),
        (
            &["-D", "connect", "receive-maximum", "5"][..],
            "-D connect receive-maximum",
        ),
    ] {
        let message = resolve(args).unwrap_err().message;
        assert_eq!(message, format!("{flag} is MQTT 5 only: add -V mqttv5"));
        let mut v5 = vec!["-V", "5"];
        v5.extend_from_slice(args);
        assert!(resolve(&v5).is_ok(), "{args:?} with -V 5");
    }
}

#[test]
fn a_session_that_never_expires_needs_a_client_id() {
    let message = resolve(&["-V", "5", "-x", "-1"]).unwrap_err().message;
    assert!(message.contains("needs a client id (-i ID)"), "{message}");
    assert!(resolve(&["-V", "5", "-x", "-1", "-i", "kept"]).is_ok());
    assert!(resolve(&["-V", "5", "-x", "60"]).is_ok());
}

#[test]
fn mqtt5_flags_and_d_merge() {
    let o = resolve(&[
        "-V",
        "5",
        "-i",
        "kept",
        "-x",
        "inf",
        "--will-topic",
        "w",
        "--will-user-property",
        "a=1",
        "-D",
        "will",
        "user-property",
        "b",
        "2",
        "-D",
        "publish",
        "content-type",
        "text/plain",
    ])
    .unwrap();
    assert_eq!(o.mqtt5.connect.session_expiry, Some(u32::MAX));
    assert_eq!(o.mqtt5.will.user_properties.len(), 2);
    assert_eq!(o.mqtt5.publish.content_type.as_deref(), Some("text/plain"));
    let e = resolve(&[
        "-V",
        "5",
        "-x",
        "5",
        "-D",
        "connect",
        "session-expiry-interval",
        "6",
    ])
    .unwrap_err();
    assert!(e.message.contains("given twice"), "{}", e.message);
    let e = resolve(&["-V", "5", "-D", "will", "content-type", "x"]).unwrap_err();
    assert!(e.message.contains("--will-topic"), "{}", e.message);
    let e = resolve(&["-V", "5", "-D", "subscribe", "user-property", "a", "b"]).unwrap_err();
    assert!(e
        .message
        .contains("use one of connect, publish, will, disconnect"));
}

#[test]
fn rejects_what_rumqttc_would_panic_on() {
    assert!(resolve(&["-k", "2"])
        .unwrap_err()
        .message
        .contains("keepalive"));
    assert!(resolve(&["-k", "1500ms"]).is_err());
    assert!(resolve(&["-k", "0"]).is_ok());
    assert!(resolve(&["-c"]).unwrap_err().message.contains("client id"));
    assert!(resolve(&["-c", "-i", ""]).is_err());
    assert!(resolve(&["-c", "-i", "me"]).is_ok());
    assert!(resolve(&["-u", "kai", "-P", ""])
        .unwrap_err()
        .message
        .contains("empty"));
    assert!(resolve(&["-P", "x"])
        .unwrap_err()
        .message
        .contains("username"));
}

#[test]
fn transports_and_their_default_ports() {
    let address = |args: &[&str]| resolve(args).unwrap().transport.address();
    assert_eq!(address(&["--cafile", "ca.crt"]), "localhost:8883");
    assert_eq!(
        address(&["--cafile", "ca.crt", "-p", "1234"]),
        "localhost:1234"
    );
    assert_eq!(address(&["-L", "mqtts://h"]), "h:8883");
    assert_eq!(address(&["-L", "ws://h"]), "ws://h:80/");
    assert_eq!(address(&["-L", "wss://h/mqtt"]), "wss://h:443/mqtt");
    assert_eq!(
        address(&["-L", "ws://[::1]:9001/mqtt"]),
        "ws://[::1]:9001/mqtt"
    );
    assert_eq!(address(&["--unix", "/run/mqtt.sock"]), "/run/mqtt.sock");
    // A ws path is not a topic.
    assert_eq!(resolve(&["-L", "ws://h/mqtt"]).unwrap().url_topic, None);
    let o = resolve(&["-L", "mqtts://h", "--insecure", "--tls-version", "tlsv1.3"]).unwrap();
    let tls = o.transport.tls().unwrap();
    assert!(tls.insecure && tls.tls13_only && tls.os_certs);
    let o = resolve(&["--cafile", "ca.crt", "--cert", "c", "--key", "k"]).unwrap();
    let tls = o.transport.tls().unwrap();
    assert!(!tls.os_certs && tls.client.is_some());
}

#[test]
fn transport_conflicts() {
    let message = |args: &[&str]| resolve(args).unwrap_err().message;
    assert!(message(&["-L", "mqtt://h", "--cafile", "ca"]).contains("mqtts://"));
    assert!(message(&["-L", "ws://h", "--insecure"]).contains("wss://"));
    assert!(message(&["--cert", "c"]).contains("--key"));
    assert!(message(&["--unix", "/s", "-p", "1"]).contains("-h/-p"));
    assert!(message(&["--unix", "/s", "--cafile", "ca"]).contains("Unix"));
    assert!(message(&["--unix", "/s", "--proxy", "http://p:1"]).contains("--proxy"));
    assert!(message(&["--tls-alpn", ""]).contains("--tls-alpn"));
}

#[test]
fn proxy_urls() {
    let p = resolve(&["--proxy", "http://kai:p%40ss@proxy.lan:3128"])
        .unwrap()
        .proxy
        .unwrap();
    assert_eq!((p.host.as_str(), p.port), ("proxy.lan", 3128));
    let c = p.credentials.unwrap();
    assert_eq!(c.password.unwrap().expose(), "p@ss");
    let message = |args: &[&str]| resolve(args).unwrap_err().message;
    assert!(message(&["--proxy", "socks4://h:1080"]).contains("not supported"));
    let socks = |url: &str| resolve(&["--proxy", url]).unwrap().proxy.unwrap();
    let p = socks("socks5h://kai:pw@h:1080");
    assert_eq!(
        (p.kind, p.host.as_str(), p.port),
        (ProxyKind::Socks5h, "h", 1080)
    );
    assert_eq!(socks("SOCKS5://h:1").kind, ProxyKind::Socks5);
    assert!(message(&["--proxy", "socks5h://kai@h:1080"]).contains("1 to 255 bytes"));
    let o = resolve(&["--proxy", "socks5h://kai:pw@h:1080"]).unwrap();
    assert_eq!(shown(&o, "proxy").0, "socks5h://kai:***@h:1080");
    assert_eq!(
        message(&["--proxy", "socks5h://h"]),
        "--proxy: the proxy URL needs a port: socks5h://host:port"
    );
    assert!(message(&["--proxy", "http://h"]).contains("port"));
    assert!(message(&["--proxy", "http://h:1/x"]).contains("no path"));
    assert!(!message(&["--proxy", "http://u:secret@h:0"]).contains("secret"));
}

/// Resolving `argv` over config file `toml`.
fn resolve_with(argv: &[&str], toml: &str) -> Result<ConnectOptions, Fail> {
    let mut args = testing::parse(argv, Some(toml), None).map_err(Fail::usage)?;
    args.config.print_config = true;
    ConnectOptions::from_args(&args, Tool::Rsub, Qos::AtMostOnce)
}

#[test]
fn the_inflight_window_follows_the_highest_qos_published() {
    let args = testing::args(&[]);
    for (qos, window) in [
        (Qos::AtMostOnce, INFLIGHT_QOS1),
        (Qos::AtLeastOnce, INFLIGHT_QOS1),
        (Qos::ExactlyOnce, INFLIGHT_QOS2),
    ] {
        let o = ConnectOptions::from_args(&args, Tool::Rsub, qos).unwrap();
        assert_eq!(o.inflight, window, "{qos}");
    }
}

#[test]
fn will_qos_is_a_qos() {
    let o = resolve(&["--will-topic", "w", "--will-qos", "2"]).unwrap();
    assert_eq!(o.will.unwrap().qos, Qos::ExactlyOnce);
    let e = testing::parse(&["--will-topic", "w", "--will-qos", "3"], None, None).unwrap_err();
    assert!(e.contains("3 is not in 0..=2"), "{e}");
}

#[test]
fn mistakes_in_file_values_name_the_file_line_and_key() {
    let message = |toml: &str| resolve_with(&[], toml).unwrap_err().message;
    assert_eq!(
        message("[default]\nkeepalive = 2\n"),
        "/etc/c.toml:2: keepalive: 2s is out of range: use 0 (off) or whole seconds from 5 to 65535"
    );
    assert_eq!(
        message("[default]\nprotocol-version = \"mqttv4\"\n"),
        "/etc/c.toml:2: protocol-version: 'mqttv4' is not a protocol version these tools speak: use \"mqttv311\" (or 311), \"mqttv5\" (or 5) or \"mqttv31\" (or 31)"
    );
    assert_eq!(
        message("[default]\nconnect-timeout = 0\n"),
        "/etc/c.toml:2: connect-timeout: must be longer than 0"
    );
    assert_eq!(
        message("[default]\nproxy = \"socks4://h:1\"\n"),
        "/etc/c.toml:2: proxy: socks4:// proxies are not supported (only http://, socks5h:// or socks5://[user[:password]@]host:port)"
    );
    assert_eq!(
        message("[default]\n\ncafile = \"/nonexistent/ca.crt\"\n"),
        "/etc/c.toml:3: cafile: /nonexistent/ca.crt: No such file or directory"
    );
    assert_eq!(
        message("[default]\nusername = \"u\"\npassword-file = \"/nonexistent/p\"\n"),
        "/etc/c.toml:3: password-file: /nonexistent/p: No such file or directory"
    );
    assert!(message("[default]\npassword = \"pw\"\n")
        .ends_with("without a username (-u) (the password is from [default] /etc/c.toml:2)"));
    // The same values given as flags are named by their flags.
    assert_eq!(
        resolve(&["--connect-timeout", "0"]).unwrap_err().message,
        "--connect-timeout must be longer than 0"
    );
    assert!(resolve(&["--proxy", "socks4://h:1"])
        .unwrap_err()
        .message
        .starts_with("--proxy: socks4://"));
}

/// The value and source `--print-config` shows for `key`.
fn shown(o: &ConnectOptions, key: &str) -> (String, String) {
    let line = o.report.lines.iter().find(|(k, _, _)| *k == key);
    let (_, value, source) = line.unwrap_or_else(|| panic!("no {key} line"));
    (value.clone(), source.clone())
}

#[test]
fn print_config_says_where_each_value_came_from() {
    let toml = "[default]\nhost = \"h\"\nkeepalive = 30\nusername = \"kai\"\npassword = \"pw\"\n";
    let o = resolve_with(&["-p", "1884", "-I", "lab-"], toml).unwrap();
    for (key, value, source) in [
        ("host", "h", "[default] /etc/c.toml:2"),
        ("port", "1884", "command line"),
        ("username", "kai", "[default] /etc/c.toml:4"),
        ("password", "***", "[default] /etc/c.toml:5"),
        ("id", "lab-<pid>", "command line"),
        ("protocol-version", "mqttv311", "default"),
        ("keepalive", "30s", "[default] /etc/c.toml:3"),
        ("connect-timeout", "10s", "default"),
        ("cafile", "-", "not set"),
        ("tls-version", "-", "not set"),
        ("proxy", "-", "not set"),
    ] {
        assert_eq!(
            shown(&o, key),
            (value.to_string(), source.to_string()),
            "{key}"
        );
    }
    let o = resolve(&["-L", "mqtt://kai:pw@b/t"]).unwrap();
    assert_eq!(shown(&o, "host"), ("b".into(), "command line (-L)".into()));
    assert_eq!(shown(&o, "port"), ("1883".into(), "default".into()));
    assert_eq!(
        shown(&o, "password"),
        ("***".into(), "command line (-L)".into())
    );
    let o = resolve(&["--unix", "/run/mqtt.sock"]).unwrap();
    assert_eq!(
        shown(&o, "unix"),
        ("/run/mqtt.sock".into(), "command line".into())
    );
    assert!(o
        .report
        .lines
        .iter()
        .all(|(k, _, _)| *k != "host" && *k != "port"));
}
