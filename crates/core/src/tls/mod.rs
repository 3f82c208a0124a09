//! TLS with rustls: the client configuration built from `--cafile`, `--capath`,
//! `--cert`/`--key`, `--tls-use-os-certs`, `--tls-alpn`, `--tls-version`, `--ciphers` and
//! `--insecure`, and what a failed handshake means, in words.
//!
//! The broker's certificate is checked by webpki, or, for an X.509 version 1 leaf (what
//! mosquitto-tls(7)'s recipe makes), by the bounded check of `v1`; see `verifier`.
//!
//! The crypto provider is *ring*, handed to rustls explicitly: the build carries one provider
//! (no aws-lc, no C toolchain needed for it) and no process-wide default has to be installed.
//! Files that cannot be read or hold no PEM objects are bad input (exit 2), found before any
//! socket is opened; a key that does not belong to its certificate is a TLS failure (exit 5).

pub mod ciphers;
mod client_cert;
mod explain;
mod keys;
mod probe;
mod v1;
mod verifier;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

pub use explain::{explain, rustls_error};
pub use keys::PASSPHRASE_ENV;
pub use probe::port_speaks_tls;

use crate::exit::{Exit, Fail};
use crate::options::TlsOptions;
use crate::read_limited::{self, PEM_LIMIT};

/// The rustls configuration for `tls`. Warnings (skipped system certificates, `--insecure`)
/// go to stderr.
pub fn client_config(tls: &TlsOptions) -> Result<Arc<ClientConfig>, Fail> {
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(list) = &tls.ciphers {
        provider.cipher_suites.retain(|s| list.allows(s.suite()));
    }
    let provider = Arc::new(provider);
    let roots = Arc::new(root_store(tls)?);
    let webpki = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
        .build()
        .map_err(|_| Fail::new(Exit::Tls, "cannot set up certificate checks with these CAs"))?;
    if tls.insecure {
        crate::cli::warning(
            "--insecure: the broker's certificate is not checked against its host name (the CA chain still is)",
        );
    }
    let verifier = verifier::BrokerVerifier {
        webpki,
        roots,
        algorithms: provider.signature_verification_algorithms,
        check_name: !tls.insecure,
        trust: trust_words(tls),
    };

    // `--ciphers` may leave suites of one version only: offer that version alone.
    let offers = |tls13| tls.ciphers.as_ref().is_none_or(|list| list.has(tls13));
    let versions: &[&rustls::SupportedProtocolVersion] = match (tls.tls13_only, offers(false)) {
        (false, true) if offers(true) => &[&rustls::version::TLS12, &rustls::version::TLS13],
        (false, true) => &[&rustls::version::TLS12],
        _ => &[&rustls::version::TLS13],
    };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| Fail::new(Exit::Tls, format!("cannot set up TLS: {}", explain(&e))))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));

    let mut config = match &tls.client {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = read_certs(cert, "--cert")?;
            let private = keys::read_key(key, tls.key_passphrase_file.as_deref())?;
            let certified = client_cert::certified_key(&provider, chain, private, cert, key)?;
            builder.with_client_cert_resolver(certified)
        }
    };
    config.alpn_protocols = tls.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Ok(Arc::new(config))
}

/// Where the trusted CAs come from, for "signed by a CA that ... does not hold".
fn trust_words(tls: &TlsOptions) -> String {
    let mut parts = Vec::new();
    if let Some(file) = &tls.cafile {
        parts.push(format!("--cafile {}", file.display()));
    }
    if let Some(dir) = &tls.capath {
        parts.push(format!("--capath {}", dir.display()));
    }
    if tls.os_certs {
        parts.push("the system's CA certificates".to_string());
    }
    parts.join(" or ")
}

/// The CAs to trust: --cafile, every PEM file in --capath, and the system's roots.
fn root_store(tls: &TlsOptions) -> Result<RootCertStore, Fail> {
    let mut roots = RootCertStore::empty();
    if let Some(file) = &tls.cafile {
        for cert in read_certs(file, "--cafile")? {
            roots.add(cert).map_err(|e| {
                Fail::usage(format!(
                    "--cafile {}: unusable CA certificate: {e}",
                    file.display()
                ))
            })?;
        }
    }
    if let Some(dir) = &tls.capath {
        let entries = fs::read_dir(dir).map_err(|e| {
            Fail::usage(format!(
                "--capath {}: {}",
                dir.display(),
                crate::io_error_text(&e)
            ))
        })?;
        let mut found = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            // A CA directory also holds other files (README, CRLs, keys): take the
            // certificates and pass over the rest.
            let Ok(bytes) = read_limited::read(&path, PEM_LIMIT) else {
                continue;
            };
            for cert in CertificateDer::pem_slice_iter(&bytes).flatten() {
                if roots.add(cert).is_ok() {
                    found += 1;
                }
            }
        }
        if found == 0 {
            return Err(Fail::usage(format!(
                "--capath {}: no PEM CA certificates in this directory",
                dir.display()
            )));
        }
    }
    if tls.os_certs {
        let native = rustls_native_certs::load_native_certs();
        for err in &native.errors {
            crate::cli::warning(format_args!("skipping a system CA certificate: {err}"));
        }
        let (_, invalid) = roots.add_parsable_certificates(native.certs);
        if invalid > 0 {
            crate::cli::warning(format_args!(
                "skipped {invalid} system CA certificate(s) that could not be parsed"
            ));
        }
    }
    if roots.is_empty() {
        return Err(Fail::new(
            Exit::Tls,
            "no trusted CA certificates: the system has none (install ca-certificates) and no --cafile/--capath was given",
        ));
    }
    Ok(roots)
}

/// Every certificate in a PEM file; none at all is an error.
fn read_certs(path: &Path, flag: &str) -> Result<Vec<CertificateDer<'static>>, Fail> {
    let bad = |why: String| Fail::usage(format!("{flag} {}: {why}", path.display()));
    let bytes = read_limited::read(path, PEM_LIMIT).map_err(|e| bad(crate::io_error_text(&e)))?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(pem_error(&e)))?;
    if certs.is_empty() {
        return Err(bad(
            "no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into(),
        ));
    }
    Ok(certs)
}

fn pem_error(err: &pem::Error) -> String {
    match err {
        pem::Error::Io(e) => crate::io_error_text(e),
        pem::Error::NoItemsFound => "nothing in PEM format in it".into(),
        _ => "not a valid PEM file (damaged base64 or BEGIN/END lines)".into(),
    }
}
