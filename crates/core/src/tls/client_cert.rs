//! The client certificate of mutual TLS, sent as it is: the broker decides whether it accepts
//! it. rustls's `with_client_auth_cert` would read our own certificate with webpki, which
//! refuses the X.509 version 1 certificates mosquitto-tls(7)'s recipe makes; here the key is
//! loaded by the crypto provider and matched to the certificate by comparing public keys, so a
//! key that is not the certificate's is still caught before connecting.

use std::path::Path;
use std::sync::Arc;

use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::exit::{Exit, Fail};

/// `--cert`'s chain with `--key`, ready to be offered whenever the broker asks.
pub fn certified_key(
    provider: &CryptoProvider,
    chain: Vec<CertificateDer<'static>>,
    private: PrivateKeyDer<'static>,
    cert: &Path,
    key: &Path,
) -> Result<Arc<dyn ResolvesClientCert>, Fail> {
    let pair = || format!("--cert {} / --key {}", cert.display(), key.display());
    let signing = provider
        .key_provider
        .load_private_key(private)
        .map_err(|e| Fail::new(Exit::Tls, format!("{}: {}", pair(), super::explain(&e))))?;
    let leaf = chain.first().map(|c| c.as_ref()).unwrap_or_default();
    let (_, parsed) = X509Certificate::from_der(leaf).map_err(|_| {
        Fail::usage(format!(
            "--cert {}: not a valid X.509 certificate",
            cert.display()
        ))
    })?;
    if let Some(public) = signing.public_key() {
        if public.as_ref() != parsed.tbs_certificate.subject_pki.raw {
            return Err(Fail::new(
                Exit::Tls,
                format!(
                    "--key {} does not belong to the certificate in --cert {}",
                    key.display(),
                    cert.display()
                ),
            ));
        }
    }
    Ok(Arc::new(Always(Arc::new(CertifiedKey::new(
        chain, signing,
    )))))
}

/// The one certificate this tool has, offered to every request for one.
#[derive(Debug)]
struct Always(Arc<CertifiedKey>);

impl ResolvesClientCert for Always {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}
