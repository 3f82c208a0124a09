//! The config file: its sections, its mistakes, and what of it applies to a command line.

use std::path::PathBuf;
use std::time::Duration;

use clap::CommandFactory;

use crate::duration::parse_duration;
use crate::settings::file::keys::file_keys;
use crate::settings::flags::broker::parse_port;
use crate::settings::flags::{ConnectArgs, ProtocolArg, TlsVersionArg};
use crate::settings::origin::Origin;
use crate::settings::testing::{self, file, Cli};

/// `argv` over config file `toml` with `profile` picked.
fn with_file(argv: &[&str], toml: &str, profile: Option<&str>) -> ConnectArgs {
    match testing::parse(argv, Some(toml), profile) {
        Ok(args) => args,
        Err(e) => panic!("{argv:?}: {e}"),
    }
}

fn err(text: &str) -> String {
    match file(text, None) {
        Ok(_) => panic!("{text:?} was accepted"),
        Err(e) => e,
    }
}

#[test]
fn profile_over_default() {
    let text = "[default]\nhost = \"a\"\nport = 1884\n\n[profile.lab]\nhost = \"b\"\n";
    let args = with_file(&[], text, Some("lab"));
    assert_eq!(args.broker.host.as_deref(), Some("b"));
    assert_eq!(
        args.provenance.origin("host").to_string(),
        "[profile.lab] /etc/c.toml:6"
    );
    assert_eq!(args.broker.port, Some(1884));
    let args = with_file(&[], text, None);
    assert_eq!(args.broker.host.as_deref(), Some("a"));
}

/// The keys the file takes, as the unknown-key message lists them.
fn keys() -> String {
    let mut cmd = Cli::command();
    cmd.build();
    let names: Vec<&str> = file_keys(&cmd)
        .iter()
        .filter_map(|a| a.get_long())
        .collect();
    names.join(", ")
}

#[test]
fn the_keys_are_long_flag_names_and_the_old_ones_stay() {
    let keys = keys();
    for key in [
        "host",
        "port",
        "username",
        "password",
        "password-file",
        "id-prefix",
        "protocol-version",
        "keepalive",
        "connect-timeout",
        "cafile",
        "capath",
        "cert",
        "key",
        "tls-version",
        "proxy",
    ] {
        assert!(
            keys.split(", ").any(|k| k == key),
            "{key} is not a key: {keys}"
        );
    }
    // Per-run flags are not.
    for flag in ["url", "print-config", "config", "profile", "debug"] {
        assert!(!keys.split(", ").any(|k| k == flag), "{flag} is a key");
    }
}

#[test]
fn mistakes_name_file_line_and_key() {
    assert_eq!(
        err("[default]\nhots = \"a\"\n"),
        format!(
            "/etc/c.toml:2: unknown key 'hots' in [default] (keys: {})",
            keys()
        )
    );
    assert_eq!(
        err("[default]\n\n[profile.x]\nport = 70000\n"),
        "/etc/c.toml:4: port: 70000 is not a port (1-65535)"
    );
    assert!(err("[default]\nport = \"x\"\n").starts_with("/etc/c.toml:2: port: invalid type"));
    assert!(err("host = \"a\"\n").contains("outside a section"));
    assert!(
        err("[defaults]\nhost = \"a\"\n").starts_with("/etc/c.toml:1: unknown section 'defaults'")
    );
    assert!(err("[default]\nkeepalive = \"soon\"\n")
        .starts_with("/etc/c.toml:2: keepalive: 'soon' is not a duration"));
    assert!(err("[default]\ncert = \"c\"\n").contains("only one of cert and key"));
    assert!(err("[default]\nhost = \n").starts_with("/etc/c.toml:2"));
    assert!(err("[profile]\nhost = \"h\"\n").contains("[profile.NAME], not [profile]"));
    assert_eq!(
        err("[default]\nhost = \"\"\n"),
        "/etc/c.toml:2: host: empty value (leave the key out instead)"
    );
    assert_eq!(
        file("[profile.a]\n", Some("b")).unwrap_err(),
        "--profile b: /etc/c.toml has no [profile.b] section (its profiles: a)"
    );
}

#[test]
fn values_are_checked_by_their_flags_own_parsers() {
    // The message after `key: ` is the parser's, word for word.
    let keepalive = parse_duration("soon").unwrap_err();
    assert_eq!(
        err("[default]\nkeepalive = \"soon\"\n"),
        format!("/etc/c.toml:2: keepalive: {keepalive}")
    );
    let port = parse_port("0").unwrap_err();
    assert_eq!(
        err("[default]\nport = 0\n"),
        format!("/etc/c.toml:2: port: {port}")
    );
    assert_eq!(
        err("[default]\ntls-version = \"tlsv1.1\"\n"),
        "/etc/c.toml:2: tls-version: 'tlsv1.1' is not a TLS version: use \"tlsv1.2\" or \"tlsv1.3\""
    );
    // The TOML type follows the flag's: a port is a number, a host a string.
    assert_eq!(
        err("[default]\nport = \"1883\"\n"),
        "/etc/c.toml:2: port: invalid type: string \"1883\", expected a whole number"
    );
    assert_eq!(
        err("[default]\nhost = 5\n"),
        "/etc/c.toml:2: host: invalid type: integer `5`, expected a string"
    );
}

#[test]
fn a_password_never_shows_in_a_message() {
    let e = err("[default]\npassword = 12345678\n");
    assert_eq!(
        e,
        "/etc/c.toml:2: password: invalid type: integer, expected a string"
    );
    let e = err("[default]\npassword = [\"s3cret\"]\n");
    assert!(!e.contains("s3cret"), "{e}");
    let e = err("[default]\npassword = \"s3cret\"\npassword-file = \"p\"\n");
    assert_eq!(
        e,
        "/etc/c.toml:3: password-file: [default] has both password and password-file: keep one"
    );
}

#[test]
fn paths_are_relative_to_the_file() {
    let args = with_file(
        &[],
        "[default]\ncafile = \"ca.crt\"\npassword-file = \"/p\"\n",
        None,
    );
    assert_eq!(args.tls.cafile, Some(PathBuf::from("/etc/ca.crt")));
    assert_eq!(args.auth.password_file, Some(PathBuf::from("/p")));
}

#[test]
fn values_in_their_forms() {
    let args = with_file(
        &[],
        "[default]\nprotocol-version = 5\nkeepalive = 30\nconnect-timeout = \"2s\"\ntls-version = \"tlsv1.3\"\n",
        None,
    );
    let c = &args.connection;
    assert_eq!(c.protocol, Some(ProtocolArg::V5));
    assert_eq!(c.keepalive, Some(Duration::from_secs(30)));
    assert_eq!(c.connect_timeout, Some(Duration::from_secs(2)));
    assert_eq!(args.tls.tls_version, Some(TlsVersionArg::Tls13));
    // Names as the file has always taken them, in any case.
    let args = with_file(&[], "[default]\nprotocol-version = \"MQTTv5\"\n", None);
    assert_eq!(args.connection.protocol, Some(ProtocolArg::V5));
}

#[test]
fn flags_win_and_record_where_each_value_came_from() {
    let text =
        "[default]\nhost = \"a\"\nport = 1884\nusername = \"d\"\n\n[profile.p]\nusername = \"p\"\n";
    let args = with_file(&["-u", "flag"], text, Some("p"));
    assert_eq!(args.auth.username.as_deref(), Some("flag"));
    let p = &args.provenance;
    assert_eq!(p.origin("username"), Origin::Flag);
    assert_eq!(
        p.origin("port"),
        Origin::File {
            path: "/etc/c.toml".into(),
            line: 3,
            section: "[default]".into(),
            key: "port".into(),
        }
    );
    assert!(!p.given("port"));
    let args = with_file(&[], text, Some("p"));
    assert_eq!(args.auth.username.as_deref(), Some("p"));
    assert_eq!(
        args.provenance.origin("username").to_string(),
        "[profile.p] /etc/c.toml:7"
    );
}

#[test]
fn a_file_value_yields_to_the_flags_it_conflicts_with() {
    let args = with_file(&["-i", "me"], "[default]\nid-prefix = \"lab-\"\n", None);
    assert_eq!(args.connection.id_prefix, None);
    let text = "[default]\npassword-file = \"/p\"\n";
    let args = with_file(&["-P", "pw"], text, None);
    assert_eq!(args.auth.password_file, None);
    // A profile's password replaces [default]'s password file: they are one setting.
    let text = "[default]\npassword-file = \"/p\"\n[profile.x]\npassword = \"pw\"\n";
    let args = with_file(&[], text, Some("x"));
    assert_eq!(
        (args.auth.password_file, args.auth.password.is_some()),
        (None, true)
    );
}

#[test]
fn another_broker_on_the_command_line_keeps_the_files_broker_out() {
    let text = "[default]\nhost = \"h\"\nport = 1884\nproxy = \"http://p:1\"\ncafile = \"/ca\"\ncert = \"/c\"\nkey = \"/k\"\n";
    let args = with_file(&["--unix", "/s"], text, None);
    assert_eq!((args.broker.host, args.broker.port), (None, None));
    assert_eq!((&args.tls.proxy, &args.tls.cafile), (&None, &None));
    let args = with_file(&["-L", "mqtt://b"], text, None);
    assert_eq!((&args.broker.host, &args.tls.cafile), (&None, &None));
    assert!(args.tls.proxy.is_some());
    // mqtts:// asks for TLS: the file's TLS files still serve.
    let args = with_file(&["-L", "mqtts://b"], text, None);
    assert_eq!(args.tls.cafile, Some(PathBuf::from("/ca")));
    // A certificate and its key yield together.
    let args = with_file(&["--cert", "/mine"], text, None);
    assert_eq!(args.tls.key, None);
}

#[test]
fn a_password_in_the_url_keeps_the_files_password_out() {
    let text = "[default]\nusername = \"u\"\npassword = \"file\"\n";
    let args = with_file(&["-L", "mqtt://kai:pw@b"], text, None);
    assert_eq!(args.auth.password, None);
    let args = with_file(&["-L", "mqtt://kai@b"], text, None);
    assert!(args.auth.password.is_some());
}
