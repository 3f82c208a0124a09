//! `--ciphers`: the cipher suites offered, in OpenSSL's or IANA's names, against a Mosquitto
//! listener that takes one suite only (`ciphers`, `tls_version tlsv1.2`) and against
//! `openssl s_server`, which says which suites it shared and which one was negotiated.

use crate::util::{bin, Broker, OpensslServer, Pki, Run, SERVER, SHORT};

/// The suite the broker's listener takes (its certificate's key is ECDSA P-256).
const TAKEN: &str = "ECDHE-ECDSA-AES256-GCM-SHA384";

/// A Mosquitto broker whose TLS listener speaks TLS 1.2 with [`TAKEN`] only; its port.
fn one_suite_broker(pki: &Pki) -> (Broker, u16) {
    let port = crate::util::unused_port();
    let broker = Broker::with_config(&format!(
        "listener {port} 127.0.0.1\ncafile {}\ncertfile {}\nkeyfile {}\ntls_version tlsv1.2\nciphers {TAKEN}\n",
        pki.path("ca.crt"),
        pki.path(&format!("{SERVER}.crt")),
        pki.path(&format!("{SERVER}.key")),
    ));
    (broker, port)
}

#[test]
fn the_suite_the_broker_takes_connects_and_another_does_not() {
    let pki = Pki::new();
    let (broker, port) = one_suite_broker(&pki);
    let port = port.to_string();
    let t = topic!();
    let sub = bin("rsub")
        .args(["-h", "localhost", "-p", &port])
        .args(pki.ca_args())
        .args(["--ciphers", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"])
        .args(["-t", &t, "-C", "1"])
        .subscribed();
    bin("rpub")
        .args(["-h", "localhost", "-p", &port])
        .args(pki.ca_args())
        .args(["--ciphers", TAKEN, "-t", &t, "-m", "over one suite"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("over one suite\n");

    // A suite the broker does not take: the handshake fails, in words, exit 5.
    let out = bin("rpub")
        .args(["-h", "localhost", "-p", &port])
        .args(pki.ca_args())
        .args([
            "--ciphers",
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305",
        ])
        .args(["-t", &t, "-m", "x"])
        .run();
    out.code(5)
        .one_error_line("rpub")
        .stderr_mentions("failed: the broker ended the handshake")
        .stderr_mentions("cipher suite not offered, see --tls-version and --ciphers");
    drop(broker);
}

#[test]
fn the_suite_named_is_the_one_negotiated() {
    let pki = Pki::new();
    let (cert, key) = (pki.path("server.crt"), pki.path("server.key"));
    // The server speaks TLS 1.3 too: a list of one TLS 1.2 suite offers that suite alone.
    for (list, shown) in [
        (
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
        ),
        (
            "TLS13_CHACHA20_POLY1305_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
        ),
    ] {
        let server = OpensslServer::start(&cert, &key, "mqtt", &[]);
        let port = server.port.to_string();
        // Being no MQTT broker, the server never answers CONNECT: the timeout ends it.
        let out = bin("rpub")
            .args(["-h", "localhost", "-p", &port, "--connect-timeout", "1"])
            .args(pki.ca_args())
            .args(["--ciphers", list, "-t", "x", "-m", "y"])
            .run();
        out.code(3).one_error_line("rpub");
        let log = server.log();
        let shared = format!("Shared ciphers:{shown}\n");
        let negotiated = format!("CIPHER is {shown}\n");
        if !log.contains(&shared) || !log.contains(&negotiated) {
            out.fail(&format!("the server did not see {shown} alone:\n{log}"));
        }
    }
}

#[test]
fn what_rustls_does_not_offer_is_refused_by_name() {
    for (list, named) in [
        ("AES128-SHA", "AES128-SHA"),
        ("HIGH:ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256"),
    ] {
        bin("rsub")
            .args(["-p", "1", "--ciphers", list, "-t", "x"])
            .run()
            .usage_error("rsub")
            .stderr_mentions(&format!(
                "--ciphers: '{named}' is not a cipher suite rustls offers"
            ))
            .stderr_mentions("ECDHE-RSA-AES256-GCM-SHA384, ECDHE-RSA-AES128-GCM-SHA256");
    }
    // Words for what rustls lacks select nothing: alone, they leave no suite.
    bin("rpub")
        .args(["-p", "1", "--ciphers", "MD5:RC4", "-t", "x", "-m", "y"])
        .run()
        .usage_error("rpub")
        .stderr_mentions("--ciphers MD5:RC4: selects none of the suites rustls offers");
    // TLS 1.3 only, and a list of TLS 1.2 suites: nothing left to offer.
    bin("rpub")
        .args(["-p", "1", "--tls-version", "tlsv1.3", "--ciphers", TAKEN])
        .args(["-t", "x", "-m", "y"])
        .run()
        .usage_error("rpub")
        .stderr_mentions("no TLS 1.3 suite, and --tls-version tlsv1.3 allows only TLS 1.3");
}

/// A list written for OpenSSL, as mosquitto users keep it, in the config file: taking out
/// what rustls does not have (`!AES128-SHA`, `-DHE-RSA-AES256-SHA`) changes nothing, and the
/// file's `ciphers` turns TLS on and picks the suites as the flag does: the one the broker
/// takes connects, another does not.
#[test]
fn an_openssl_list_in_the_config_file() {
    let pki = Pki::new();
    let (broker, port) = one_suite_broker(&pki);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let write = |list: &str| {
        let text = format!(
            "[default]\nhost = \"localhost\"\nport = {port}\ncafile = \"{}\"\nciphers = \"{list}\"\n",
            pki.path("ca.crt")
        );
        std::fs::write(&config, text).unwrap();
    };
    let config_arg = config.display().to_string();
    let t = topic!();
    write(&format!(
        "{TAKEN}:!aNULL:!MD5:!AES128-SHA:-DHE-RSA-AES256-SHA"
    ));
    let sub = bin("rsub")
        .args(["--config", &config_arg, "-t", &t, "-C", "1"])
        .subscribed();
    bin("rpub")
        .args(["--config", &config_arg, "-t", &t, "-m", "pasted list"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("pasted list\n");

    write("ECDHE-ECDSA-CHACHA20-POLY1305:!AES128-SHA");
    bin("rpub")
        .args(["--config", &config_arg, "-t", &t, "-m", "x"])
        .run()
        .code(5)
        .one_error_line("rpub")
        .stderr_mentions("cipher suite not offered, see --tls-version and --ciphers");
    drop(broker);
}
