//! TLS against Mosquitto's TLS listeners, with certificates made for each test: server-only and
//! mutual TLS from both tools, the key formats, a CA directory, `-L mqtts://`, `--insecure`;
//! and every failure as one line with exit 5 (TLS), distinct from 3 (unreachable) and 2 (bad
//! input): unknown CA, expired certificate, wrong host name, a missing or untrusted client
//! certificate, a key that is not the certificate's, TLS to a plain port and plain MQTT to a
//! TLS port, none of them hanging.

use std::time::Duration;

use crate::payloads::large_payload_arrives_whole;
use crate::util::{
    bin, OpensslServer, Output, Pki, Run, TlsBroker, EXPIRED, OTHER_NAME, SERVER, SHORT, WRONG_NAME,
};

/// One attempt of `tool` to reach the TLS listener at `host` with `tls` and `extra` flags,
/// with nothing to deliver: `-t x`, and for rpub `-m y`.
pub(crate) fn attempt(
    tool: &str,
    tb: &TlsBroker,
    host: &str,
    tls: &[String],
    extra: &[&str],
) -> Output {
    let mut cmd = bin(tool);
    cmd.args(tb.at(host))
        .args(tls)
        .args(extra)
        .args(["-t", "x"]);
    if tool == "rpub" {
        cmd.args(["-m", "y"]);
    }
    cmd.run()
}

/// Exit 5, one `<tool>: ` line mentioning each of `words`, and no hang.
#[track_caller]
pub(crate) fn assert_tls_failure(out: &Output, tool: &str, words: &[&str]) {
    out.code(5).one_error_line(tool).stdout("");
    for word in words {
        out.stderr_mentions(word);
    }
    if out.elapsed > Duration::from_secs(5) {
        out.fail("a TLS failure should be reported at once, not after a timeout");
    }
}

/// rsub over TLS receives what rpub sends over TLS, both with `tls` flags.
#[track_caller]
pub(crate) fn round_trip(tb: &TlsBroker, host: &str, tls: &[String], extra: &[&str]) {
    let t = topic!();
    let sub = bin("rsub")
        .args(tb.at(host))
        .args(tls)
        .args(extra)
        .args(["-t", &t, "-C", "1"])
        .subscribed();
    bin("rpub")
        .args(tb.at(host))
        .args(tls)
        .args(extra)
        .args(["-t", &t, "-m", "über TLS"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("über TLS\n");
}

#[test]
fn server_tls_by_name_and_by_address() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, false);
    round_trip(&tb, "localhost", &pki.ca_args(), &[]);
    round_trip(&tb, "127.0.0.1", &pki.ca_args(), &["-V", "5"]);
}

#[test]
fn mutual_tls_from_both_tools() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, true);
    round_trip(&tb, "localhost", &pki.client_args(), &[]);
    round_trip(&tb, "localhost", &pki.client_args(), &["-V", "mqttv5"]);
    // The broker saw the certificate: mosquitto logs nothing per client, but it refused none.
    if tb.broker.log().contains("OpenSSL Error") {
        panic!("the broker logged a TLS error:\n{}", tb.broker.log());
    }
}

/// A payload of a few MB arrives byte for byte over TLS (rustls takes vectored writes: the
/// header and the payload's own memory in one call), in MQTT 3.1.1 and 5.
#[test]
fn a_large_payload_arrives_whole_over_tls() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, false);
    for version in ["mqttv311", "mqttv5"] {
        let mut args = tb.at("localhost");
        args.extend(pki.ca_args());
        args.extend(["-V".to_string(), version.to_string()]);
        large_payload_arrives_whole(&args, &args, &topic!());
    }
}

#[test]
fn client_keys_in_sec1_and_pkcs1() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, true);
    // The EC key as SEC1 ("EC PRIVATE KEY") and an RSA key as PKCS#1 ("RSA PRIVATE KEY").
    round_trip(
        &tb,
        "localhost",
        &pki.client_args_with("client.crt", "client-sec1.key"),
        &[],
    );
    round_trip(
        &tb,
        "localhost",
        &pki.client_args_with("client-rsa.crt", "client-rsa.key"),
        &[],
    );
}

#[test]
fn url_with_mqtts_and_a_ca_directory() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, false);
    // --capath: a directory with the CA among other files.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(pki.path("ca.crt"), dir.path().join("ca.pem")).unwrap();
    std::fs::write(dir.path().join("README"), "not a certificate\n").unwrap();
    let capath = [
        "--capath".to_string(),
        dir.path().to_str().unwrap().to_string(),
    ];

    let t = topic!();
    let sub = bin("rsub")
        .args(["-L", &format!("mqtts://localhost:{}/{t}", tb.port)])
        .args(&capath)
        .args(["-C", "1"])
        .subscribed();
    bin("rpub")
        .args(["-L", &format!("mqtts://localhost:{}/{t}", tb.port)])
        .args(&capath)
        .args(["--tls-version", "tlsv1.3"])
        .args(["--tls-alpn", "mqtt"])
        .args(["-m", "via URL"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("via URL\n");
}

#[test]
fn alpn_protocols_are_offered_and_checked() {
    let pki = Pki::new();
    let (cert, key) = (pki.path("server.crt"), pki.path("server.key"));
    // A server that wants "mqtt" sees both protocols offered, picks it, and then, being no
    // MQTT broker, never answers CONNECT: the connect timeout ends it.
    let server = OpensslServer::start(&cert, &key, "mqtt", &[]);
    let port = server.port.to_string();
    let out = bin("rpub")
        .args(["-h", "localhost", "-p", &port, "--connect-timeout", "1"])
        .args(pki.ca_args())
        .args(["--tls-alpn", "x-test"])
        .args(["--tls-alpn", "mqtt"])
        .args(["-t", "x", "-m", "y"])
        .run();
    out.code(3).one_error_line("rpub");
    if !server
        .log()
        .contains("ALPN protocols advertised by the client: x-test, mqtt")
    {
        out.fail(&format!(
            "the server did not see both ALPN protocols:\n{}",
            server.log()
        ));
    }
    // Offering only what it does not speak: it refuses the handshake.
    let server = OpensslServer::start(&cert, &key, "mqtt", &[]);
    let port = server.port.to_string();
    let out = bin("rsub")
        .args(["-h", "localhost", "-p", &port])
        .args(pki.ca_args())
        .args(["--tls-alpn", "x-other", "-t", "x"])
        .run();
    assert_tls_failure(&out, "rsub", &["none of the ALPN protocols offered"]);
}

#[test]
fn tls_version_is_enforced() {
    let pki = Pki::new();
    let (cert, key) = (pki.path("server.crt"), pki.path("server.key"));
    // A server that speaks TLS 1.2 only: --tls-version tlsv1.3 refuses it...
    let server = OpensslServer::start(&cert, &key, "mqtt", &["-tls1_2"]);
    let out = bin("rpub")
        .args(["-h", "localhost", "-p", &server.port.to_string()])
        .args(pki.ca_args())
        .args(["--tls-version", "tlsv1.3", "-t", "x", "-m", "y"])
        .run();
    assert_tls_failure(&out, "rpub", &["TLS version", "--tls-version"]);
    // ...while the default (TLS 1.2 or 1.3) gets through the handshake; s_server is no MQTT
    // broker, so the connect timeout ends it.
    let server = OpensslServer::start(&cert, &key, "mqtt", &["-tls1_2"]);
    let out = bin("rpub")
        .args(["-h", "localhost", "-p", &server.port.to_string()])
        .args(pki.ca_args())
        .args(["--connect-timeout", "1", "-t", "x", "-m", "y"])
        .run();
    out.code(3)
        .one_error_line("rpub")
        .stderr_mentions("no answer");
    if !server.log().contains("CIPHER is ECDHE") {
        out.fail(&format!(
            "no TLS 1.2 handshake in the server's log:\n{}",
            server.log()
        ));
    }
}

#[test]
fn unknown_ca() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, false);
    let other = ["--cafile".to_string(), pki.path("other-ca.crt")];
    let out = attempt("rpub", &tb, "localhost", &other, &[]);
    assert_tls_failure(&out, "rpub", &["not signed by a trusted CA", "--cafile"]);
    let out = attempt("rsub", &tb, "localhost", &other, &["-V", "5"]);
    assert_tls_failure(&out, "rsub", &["not signed by a trusted CA"]);
}

#[test]
fn system_roots_do_not_know_a_private_ca() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, false);
    let os = ["--tls-use-os-certs".to_string()];
    let out = attempt("rpub", &tb, "localhost", &os, &[]);
    // With ca-certificates installed: unknown issuer; without: no roots at all. Both exit 5.
    out.code(5).one_error_line("rpub").stdout("");
}

#[test]
fn system_roots_skip_a_broken_certificate_with_a_warning() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, false);
    // The system store (rustls-native-certs reads SSL_CERT_FILE and SSL_CERT_DIR instead of
    // the platform's when either is set): one certificate that is PEM but not a certificate,
    // then our CA.
    let bundle = pki.dir().join("system-bundle.pem");
    let broken = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGUgYXQgYWxs\n-----END CERTIFICATE-----\n";
    let ca = std::fs::read_to_string(pki.path("ca.crt")).unwrap();
    std::fs::write(&bundle, format!("{broken}{ca}")).unwrap();

    let t = topic!();
    let sub = bin("rsub")
        .env("SSL_CERT_FILE", &bundle)
        .env_remove("SSL_CERT_DIR")
        .args(tb.at("localhost"))
        .args(["--tls-use-os-certs", "-t", &t, "-C", "1"])
        .subscribed();
    let out = bin("rpub")
        .env("SSL_CERT_FILE", &bundle)
        .env_remove("SSL_CERT_DIR")
        .args(tb.at("localhost"))
        .args(["--tls-use-os-certs"])
        .args(["-t", &t, "-m", "trusted by the system"])
        .run();
    out.code(0)
        .one_error_line("rpub")
        .stderr_mentions("warning: skipped 1 system CA certificate");
    sub.finish(SHORT).code(0).stdout("trusted by the system\n");
}

#[test]
fn expired_certificate() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, EXPIRED, false);
    let out = attempt("rpub", &tb, "localhost", &pki.ca_args(), &[]);
    assert_tls_failure(&out, "rpub", &["expired on 2021-01-01"]);
    // --insecure skips the name check only: an expired certificate still fails.
    let out = attempt("rsub", &tb, "localhost", &pki.ca_args(), &["--insecure"]);
    out.code(5).stdout("").stderr_mentions("expired");
}

#[test]
fn hostname_mismatch_names_what_the_certificate_carries() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, WRONG_NAME, false);
    let out = attempt("rpub", &tb, "127.0.0.1", &pki.ca_args(), &[]);
    assert_tls_failure(
        &out,
        "rpub",
        &[
            &format!("not valid for '127.0.0.1': it names {OTHER_NAME} ("),
            "--insecure",
        ],
    );
    let out = attempt("rsub", &tb, "localhost", &pki.ca_args(), &[]);
    assert_tls_failure(&out, "rsub", &["not valid for 'localhost'", OTHER_NAME]);
}

#[test]
fn insecure_skips_only_the_name_check_and_says_so() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, WRONG_NAME, false);
    let mut args = pki.ca_args();
    args.push("--insecure".into());
    let t = topic!();
    let sub = bin("rsub")
        .args(tb.at("localhost"))
        .args(&args)
        .args(["-t", &t, "-C", "1"])
        .subscribed();
    let out = bin("rpub")
        .args(tb.at("127.0.0.1"))
        .args(&args)
        .args(["-t", &t, "-m", "anyway"])
        .run();
    out.code(0)
        .one_error_line("rpub")
        .stderr_mentions("warning: --insecure");
    sub.finish(SHORT).code(0).stdout("anyway\n");

    // The chain is still checked: a CA we do not trust fails even with --insecure.
    let other = [
        "--cafile".to_string(),
        pki.path("other-ca.crt"),
        "--insecure".into(),
    ];
    let out = attempt("rpub", &tb, "localhost", &other, &[]);
    out.code(5)
        .stdout("")
        .stderr_mentions("not signed by a trusted CA");
    // --quiet silences the warning too.
    let out = attempt("rpub", &tb, "localhost", &args, &["--quiet"]);
    out.code(0).stderr_empty();
}

#[test]
fn broker_requires_a_client_certificate() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, true);
    let out = attempt("rpub", &tb, "localhost", &pki.ca_args(), &[]);
    assert_tls_failure(&out, "rpub", &["requires a client certificate", "--cert"]);
    let out = attempt("rsub", &tb, "localhost", &pki.ca_args(), &["-V", "5"]);
    assert_tls_failure(&out, "rsub", &["requires a client certificate"]);
}

#[test]
fn client_certificate_from_an_unknown_ca() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, true);
    let args = pki.client_args_with("stranger.crt", "stranger.key");
    let out = attempt("rpub", &tb, "localhost", &args, &[]);
    assert_tls_failure(
        &out,
        "rpub",
        &["does not trust the client certificate", "unknown CA"],
    );
}

#[test]
fn key_that_is_not_the_certificates() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, true);
    let args = pki.client_args_with("client.crt", "stranger.key");
    let out = attempt("rpub", &tb, "localhost", &args, &[]);
    assert_tls_failure(
        &out,
        "rpub",
        &["does not belong to the certificate", "stranger.key"],
    );
    let out = attempt("rsub", &tb, "localhost", &args, &[]);
    assert_tls_failure(&out, "rsub", &["does not belong to the certificate"]);
}

#[test]
fn tls_to_a_plain_port() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, false);
    let plain = tb.broker.port().to_string();
    for name in ["rpub", "rsub"] {
        let rest: &[&str] = if name == "rpub" { &["-m", "y"] } else { &[] };
        let out = bin(name)
            .args(["-h", "localhost", "-p", &plain, "-t", "x"])
            .args(pki.ca_args())
            .args(rest)
            .run();
        assert_tls_failure(&out, name, &["plain MQTT port"]);
    }
}

#[test]
fn plain_mqtt_to_a_tls_port() {
    let pki = Pki::new();
    let tb = TlsBroker::start(&pki, SERVER, false);
    let port = tb.port.to_string();
    for (name, version) in [("rpub", "311"), ("rsub", "5")] {
        let rest: &[&str] = if name == "rpub" { &["-m", "y"] } else { &[] };
        let out = bin(name)
            .args(["-h", "127.0.0.1", "-p", &port, "-V", version, "-t", "x"])
            .args(rest)
            .run();
        assert_tls_failure(&out, name, &["speaks TLS", "--cafile"]);
    }
}

#[test]
fn unreadable_tls_files_are_bad_input() {
    let pki = Pki::new();
    let missing_dir = pki.path("nope");
    let cases: [(&[&str], &str); 6] = [
        (&["--cafile", "/nonexistent/ca.crt"], "no such file"),
        (&["--cafile", &pki.path("client.key")], "no PEM certificate"),
        (
            &[
                "--cafile",
                &pki.path("ca.crt"),
                "--cert",
                &pki.path("client.crt"),
            ],
            "--cert and --key go together",
        ),
        (
            &[
                "--cafile",
                &pki.path("ca.crt"),
                "--cert",
                &pki.path("client.crt"),
                "--key",
                &pki.path("client.crt"),
            ],
            "no PEM private key",
        ),
        (&["--capath", &missing_dir], "--capath"),
        (
            &[
                "--cafile",
                &pki.path("ca.crt"),
                "--cert",
                &pki.path("client.crt"),
                "--key",
                &pki.path("client-encrypted.key"),
            ],
            "the key is encrypted",
        ),
    ];
    for (args, says) in cases {
        let out = bin("rpub")
            .args(["-p", "1", "-t", "x", "-m", "y"])
            .args(args)
            .run();
        out.usage_error("rpub").stderr_mentions(says);
    }
}
