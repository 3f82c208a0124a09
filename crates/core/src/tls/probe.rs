//! Does a port speak TLS? Asked only on the way out after a failed connect, to tell "TLS to
//! a plain port" and "plain MQTT to a TLS port" from other failures.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, Error, SignatureScheme};

/// Does `host:port` answer a TLS ClientHello with a TLS record? A plain MQTT broker closes
/// the connection instead. Blocking, bounded by short timeouts: it runs only on the way out
/// after a failed connect.
pub fn port_speaks_tls(host: &str, port: u16) -> bool {
    use std::io::{Read, Write};
    use std::net::{TcpStream, ToSocketAddrs};
    use std::time::Duration;

    const LIMIT: Duration = Duration::from_secs(2);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(TrustNothing(provider.clone()));
    let Ok(builder) =
        ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions()
    else {
        return false;
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_string())
        .unwrap_or_else(|_| ServerName::try_from("localhost").expect("a valid name"));
    let Ok(mut conn) = rustls::ClientConnection::new(Arc::new(config), name) else {
        return false;
    };
    let mut hello = Vec::new();
    if conn.write_tls(&mut hello).is_err() {
        return false;
    }
    let Ok(addrs) = (host, port).to_socket_addrs() else {
        return false;
    };
    for addr in addrs {
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, LIMIT) else {
            continue;
        };
        let _ = stream.set_read_timeout(Some(LIMIT));
        let _ = stream.set_write_timeout(Some(LIMIT));
        let mut first = [0u8; 1];
        // 0x16: a handshake record (ServerHello); 0x15: an alert. Both are TLS talking.
        return stream.write_all(&hello).is_ok()
            && matches!(stream.read(&mut first), Ok(1) if first[0] == 0x16 || first[0] == 0x15);
    }
    false
}

/// The probe's verifier: the probe stops after the first answer, long before any certificate
/// would be looked at; should one be, it is refused.
#[derive(Debug)]
struct TrustNothing(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for TrustNothing {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Err(Error::InvalidCertificate(CertificateError::BadSignature))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.verify_tls12_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
