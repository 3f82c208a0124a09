//! TLS with the certificates mosquitto-tls(7)'s recipe makes, by its own openssl commands:
//! X.509 version 1 server and client certificates (the host only in the CN), accepted as
//! mosquitto_pub accepts them and refused for the same reasons, each refusal one line with
//! exit 5; the encrypted key `genrsa -aes256` writes, and the traditional one, with the
//! passphrase typed, from the environment or from a file.

use std::os::unix::process::CommandExt;
use std::process::Command;

use rpubsub_core::tls::PASSPHRASE_ENV;

use crate::tls::{assert_tls_failure, attempt, round_trip};
use crate::util::{bin, OpensslServer, Recipe, Run, TlsBroker, OTHER_NAME};

#[test]
fn one_way_tls_with_a_v1_server_certificate() {
    let recipe = Recipe::new();
    let tb = recipe.broker("server", false);
    round_trip(&tb, "localhost", &recipe.ca_args(), &[]);
    round_trip(
        &tb,
        "LOCALHOST",
        &recipe.ca_args(),
        &["-V", "5", "--tls-version", "tlsv1.3"],
    );
    // A server held to TLS 1.2, where the handshake signature is checked another way: the
    // handshake passes, and with no MQTT behind it the connect times out (exit 3, not 5).
    let (cert, key) = (recipe.path("server.crt"), recipe.path("server.key"));
    let server = OpensslServer::start(&cert, &key, "mqtt", &["-tls1_2"]);
    let out = bin("rpub")
        .args(["-h", "localhost", "-p", &server.port.to_string()])
        .args(recipe.ca_args())
        .args(["--connect-timeout", "1", "-t", "x", "-m", "y"])
        .run();
    out.code(3).one_error_line("rpub");
    assert!(!out.stderr.contains("TLS"), "{}", out.stderr);
}

#[test]
fn a_v1_certificate_for_another_name() {
    let recipe = Recipe::new();
    let tb = recipe.broker("wrong-name", false);
    let out = attempt("rpub", &tb, "localhost", &recipe.ca_args(), &[]);
    assert_tls_failure(
        &out,
        "rpub",
        &["not valid for 'localhost'", OTHER_NAME, "--insecure"],
    );
    // --insecure lets the name pass, as with mosquitto_pub; the CA is still checked.
    attempt("rpub", &tb, "localhost", &recipe.ca_args(), &["--insecure"])
        .code(0)
        .stderr_mentions("--insecure");
}

#[test]
fn a_v1_certificate_from_another_ca() {
    let recipe = Recipe::new();
    let tb = recipe.broker("stranger", false);
    let cafile = recipe.path("ca.crt");
    for tool in ["rpub", "rsub"] {
        let out = attempt(tool, &tb, "localhost", &recipe.ca_args(), &[]);
        assert_tls_failure(
            &out,
            tool,
            &[
                "not signed by a trusted CA",
                &cafile,
                "CN=recipe other-ca",
                "--cafile",
            ],
        );
    }
    attempt("rpub", &tb, "localhost", &recipe.ca_args(), &["--insecure"])
        .code(5)
        .stderr_mentions("not signed by a trusted CA");
}

#[test]
fn an_expired_v1_certificate() {
    let recipe = Recipe::new();
    let tb = recipe.broker("expired", false);
    let out = attempt("rpub", &tb, "localhost", &recipe.ca_args(), &[]);
    assert_tls_failure(
        &out,
        "rpub",
        &["the broker's certificate expired on 20", " UTC"],
    );
}

#[test]
fn mutual_tls_with_a_v1_client_certificate() {
    let recipe = Recipe::new();
    let tb = recipe.broker("server", true);
    let tls = recipe.client_args("client-plain.key");
    round_trip(&tb, "localhost", &tls, &[]);
    round_trip(&tb, "localhost", &tls, &["-V", "mqttv5"]);
    assert!(
        !tb.broker.log().contains("OpenSSL Error"),
        "the broker logged a TLS error:\n{}",
        tb.broker.log()
    );
    // Without it, the broker refuses: what mosquitto_pub would see too.
    let out = attempt("rpub", &tb, "localhost", &recipe.ca_args(), &[]);
    assert_tls_failure(&out, "rpub", &["client certificate", "--cert"]);
}

#[test]
fn a_key_that_is_not_the_v1_certificates() {
    let recipe = Recipe::new();
    let tb = recipe.broker("server", true);
    let tls = recipe.client_args("server.key");
    for tool in ["rpub", "rsub"] {
        let out = attempt(tool, &tb, "localhost", &tls, &[]);
        assert_tls_failure(&out, tool, &["does not belong to the certificate"]);
    }
}

/// rpub with the recipe's client certificate and `key`, `env` added, to a broker that
/// requires a certificate: exit 0 means the broker took the certificate and its key.
fn publish_with_key(tb: &TlsBroker, recipe: &Recipe, key: &str, extra: &[&str]) -> Command {
    let mut cmd = bin("rpub");
    cmd.args(tb.at("localhost"))
        .args(recipe.client_args(key))
        .args(extra)
        .args(["-t", "x", "-m", "y"])
        .env_remove(PASSPHRASE_ENV);
    cmd
}

#[test]
fn an_encrypted_key_with_the_passphrase_from_the_environment_or_a_file() {
    let recipe = Recipe::new();
    let tb = recipe.broker("server", true);
    // genrsa -aes256 (PKCS#8), and the traditional PEM with AES-256 and with DES-EDE3.
    for key in ["client.key", "client-traditional.key", "client-des3.key"] {
        publish_with_key(&tb, &recipe, key, &[])
            .env(PASSPHRASE_ENV, Recipe::PASSPHRASE)
            .run()
            .code(0)
            .stderr_empty();
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passphrase");
    std::fs::write(&file, format!("{}\n", Recipe::PASSPHRASE)).unwrap();
    let file = file.to_str().unwrap();
    publish_with_key(&tb, &recipe, "client.key", &["--key-passphrase-file", file])
        .env(PASSPHRASE_ENV, "not this one: the file comes first")
        .run()
        .code(0)
        .stderr_empty();
}

#[test]
fn a_wrong_passphrase() {
    let recipe = Recipe::new();
    let tb = recipe.broker("server", true);
    for key in ["client.key", "client-traditional.key"] {
        let out = publish_with_key(&tb, &recipe, key, &[])
            .env(PASSPHRASE_ENV, "guess")
            .run();
        out.code(5)
            .one_error_line("rpub")
            .stderr_mentions("wrong passphrase")
            .stderr_mentions(key);
        assert!(!out.stderr.contains("guess"), "the passphrase was shown");
    }
}

#[test]
fn an_encrypted_key_without_a_terminal_or_a_passphrase() {
    let recipe = Recipe::new();
    let tb = recipe.broker("server", true);
    let mut cmd = publish_with_key(&tb, &recipe, "client.key", &[]);
    // A session of its own: no controlling terminal to ask on, as under cron or CI.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    cmd.run()
        .code(2)
        .one_error_line("rpub")
        .stderr_mentions("encrypted")
        .stderr_mentions("--key-passphrase-file")
        .stderr_mentions(PASSPHRASE_ENV);
}

#[test]
fn the_passphrase_typed_on_a_terminal() {
    let recipe = Recipe::new();
    let tb = recipe.broker("server", true);
    let cmd = publish_with_key(&tb, &recipe, "client.key", &[]);
    let line = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| format!("'{}'", a.to_string_lossy().replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    // Typed a second after the start, once the prompt has turned echo off, as a person would.
    let mut shell = Command::new("/bin/sh");
    shell
        .args([
            "-c",
            "(sleep 1; printf '%s\\r' \"$TYPED\") | script -qfec \"$LINE; echo exit=\\$?\" /dev/null",
        ])
        .env("TYPED", Recipe::PASSPHRASE)
        .env("LINE", &line)
        .env("SHELL", "/bin/sh")
        .env_remove(PASSPHRASE_ENV);
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => shell.env(key, value),
            None => shell.env_remove(key),
        };
    }
    let out = shell.run();
    let shown = out.stdout_str();
    assert!(
        shown.contains("Enter PEM pass phrase:"),
        "no prompt:\n{shown}"
    );
    assert!(shown.contains("exit=0"), "rpub failed:\n{shown}");
    assert!(
        !shown.contains(Recipe::PASSPHRASE),
        "the passphrase was echoed:\n{shown}"
    );
}
