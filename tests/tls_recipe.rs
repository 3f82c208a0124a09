//! TLS with the certificates mosquitto-tls(7)'s recipe makes, by its own openssl commands:
//! X.509 version 1 server and client certificates (the host only in the CN), accepted as
//! mosquitto_pub accepts them and refused for the same reasons, each refusal one line with
//! exit 5.

use crate::tls::{assert_tls_failure, attempt, round_trip};
use crate::util::{Recipe, OTHER_NAME};

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
    round_trip(
        &tb,
        "localhost",
        &recipe.ca_args(),
        &["--tls-version", "tlsv1.2"],
    );
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
