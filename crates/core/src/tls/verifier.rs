//! The check of the broker's certificate: webpki for every certificate it reads, the bounded
//! check of [`super::v1`] for an X.509 version 1 leaf, and `--insecure`, which lets a
//! certificate for another name pass (the chain and dates are still checked), as with
//! mosquitto's `--insecure`. An unknown issuer is reported with the issuer's name and the
//! trust it was looked for in.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, DigitallySignedStruct, Error, OtherError, RootCertStore, SignatureScheme,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::explain::UnknownCa;
use super::v1::{self, V1Leaf};

#[derive(Debug)]
pub struct BrokerVerifier {
    pub webpki: Arc<WebPkiServerVerifier>,
    pub roots: Arc<RootCertStore>,
    pub algorithms: WebPkiSupportedAlgorithms,
    /// False with `--insecure`.
    pub check_name: bool,
    /// Where the CAs came from, in words: `--cafile ca.crt`, `the system's CA certificates`.
    pub trust: String,
}

impl BrokerVerifier {
    fn unknown_issuer(&self, leaf: &CertificateDer<'_>) -> Error {
        let issuer = X509Certificate::from_der(leaf.as_ref())
            .map(|(_, cert)| cert.issuer().to_string())
            .unwrap_or_default();
        Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(UnknownCa {
            issuer,
            trust: self.trust.clone(),
        }))))
    }
}

impl BrokerVerifier {
    /// The handshake's signature: a v1 leaf's by its raw public key, any other by webpki.
    fn handshake(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
        tls13: bool,
    ) -> Result<HandshakeSignatureValid, Error> {
        match V1Leaf::parse(cert) {
            Some(leaf) => v1::verify_handshake(message, &leaf.spki(), dss, &self.algorithms, tls13),
            None if tls13 => self.webpki.verify_tls13_signature(message, cert, dss),
            None => self.webpki.verify_tls12_signature(message, cert, dss),
        }
    }
}

impl ServerCertVerifier for BrokerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let outcome = match V1Leaf::parse(end_entity) {
            Some(leaf) => leaf
                .verify(
                    &self.roots,
                    &self.algorithms,
                    Some(server_name).filter(|_| self.check_name),
                    now,
                )
                .map(|()| ServerCertVerified::assertion()),
            None => self.webpki.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
        };
        // webpki checks the chain, validity and usage first and the name last, so a name
        // error means everything else passed.
        match outcome {
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            Err(Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
                Err(self.unknown_issuer(end_entity))
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.handshake(message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.handshake(message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}
