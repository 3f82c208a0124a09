//! TLS with rustls: the client configuration built from `--cafile`, `--capath`,
//! `--cert`/`--key`, `--tls-use-os-certs`, `--tls-alpn`, `--tls-version` and `--insecure`, and
//! what a failed handshake means, in words.
//!
//! The crypto provider is *ring*, handed to rustls explicitly: the build carries one provider
//! (no aws-lc, no C toolchain needed for it) and no process-wide default has to be installed.
//! Files that cannot be read or hold no PEM objects are bad input (exit 2), found before any
//! socket is opened; a key that does not belong to its certificate is a TLS failure (exit 5).

use std::fs;
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, Error, RootCertStore,
    SignatureScheme,
};

use crate::exit::{Exit, Fail};
use crate::options::TlsOptions;
use crate::read_limited::{self, PEM_LIMIT};

/// The rustls configuration for `tls`. Warnings (skipped system certificates, `--insecure`)
/// go to stderr.
pub fn client_config(tls: &TlsOptions) -> Result<Arc<ClientConfig>, Fail> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = Arc::new(root_store(tls)?);
    let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| Fail::new(Exit::Tls, format!("cannot set up certificate checks: {e}")))?;

    let versions: &[&rustls::SupportedProtocolVersion] = if tls.tls13_only {
        &[&rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS12, &rustls::version::TLS13]
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| Fail::new(Exit::Tls, format!("cannot set up TLS: {e}")))?;
    let builder = if tls.insecure {
        crate::cli::warning(
            "--insecure: the broker's certificate is not checked against its host name (the CA chain still is)",
        );
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyName { inner: webpki }))
    } else {
        builder.with_webpki_verifier(webpki)
    };

    let mut config = match &tls.client {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = read_certs(cert, "--cert")?;
            let private = read_key(key)?;
            builder
                .with_client_auth_cert(chain, private)
                .map_err(|e| match e {
                    Error::InconsistentKeys(_) => Fail::new(
                        Exit::Tls,
                        format!(
                            "--key {} does not belong to the certificate in --cert {}",
                            key.display(),
                            cert.display()
                        ),
                    ),
                    other => Fail::new(
                        Exit::Tls,
                        format!(
                            "--cert {} / --key {}: {other}",
                            cert.display(),
                            key.display()
                        ),
                    ),
                })?
        }
    };
    config.alpn_protocols = tls.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Ok(Arc::new(config))
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
            let Ok(certs) = CertificateDer::pem_file_iter(&path) else {
                continue;
            };
            for cert in certs.flatten() {
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

/// The private key of `--key`: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted.
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, Fail> {
    let bad = |why: String| Fail::usage(format!("--key {}: {why}", path.display()));
    let text = read_limited::read(path, PEM_LIMIT).map_err(|e| bad(crate::io_error_text(&e)))?;
    match PrivateKeyDer::from_pem_slice(&text) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => {
            let encrypted = text.windows(9).any(|w| w == b"ENCRYPTED");
            Err(bad(if encrypted {
                "the key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN_KEY)"
                    .into()
            } else {
                "no PEM private key (PKCS#8, PKCS#1 or SEC1) in it".into()
            }))
        }
        Err(e) => Err(bad(pem_error(&e))),
    }
}

fn pem_error(err: &pem::Error) -> String {
    match err {
        pem::Error::Io(e) => crate::io_error_text(e),
        pem::Error::NoItemsFound => "nothing in PEM format in it".into(),
        other => format!("not a valid PEM file ({other})"),
    }
}

/// `--insecure`: the full webpki chain check, but a certificate for another name passes, as
/// with mosquitto's `--insecure`.
#[derive(Debug)]
struct AnyName {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        // webpki checks the chain, validity and usage first and the name last, so a name
        // error means everything else passed.
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

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
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Err(Error::InvalidCertificate(CertificateError::BadSignature))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A rustls error inside an I/O error, as tokio-rustls reports handshake failures and as
/// reads report alerts the broker sends after the handshake.
pub fn rustls_error(err: &std::io::Error) -> Option<&Error> {
    err.get_ref()?.downcast_ref::<Error>()
}

/// What a TLS failure means for the user, without the "TLS with ... failed" frame.
pub fn explain(err: &Error) -> String {
    use CertificateError as C;
    match err {
        Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer => "the broker's certificate is not signed by a trusted CA (unknown issuer; give its CA with --cafile)".into(),
            C::Expired => "the broker's certificate has expired".into(),
            C::ExpiredContext { not_after, .. } => format!(
                "the broker's certificate expired on {}",
                utc(not_after.as_secs())
            ),
            C::NotValidYet => "the broker's certificate is not valid yet".into(),
            C::NotValidYetContext { not_before, .. } => format!(
                "the broker's certificate is not valid before {}",
                utc(not_before.as_secs())
            ),
            C::NotValidForName => "the broker's certificate is not valid for this host name (--insecure skips this check)".into(),
            C::NotValidForNameContext { expected, presented } => format!(
                "the broker's certificate is not valid for '{}': it names {} (connect by one of those, or --insecure skips this check)",
                server_name(expected),
                if presented.is_empty() {
                    "no host at all".to_string()
                } else {
                    presented.iter().map(|n| presented_name(n)).collect::<Vec<_>>().join(", ")
                }
            ),
            C::Revoked => "the broker's certificate has been revoked".into(),
            C::BadSignature => "the broker's certificate has a bad signature".into(),
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
                "the broker's certificate is not meant for a TLS server".into()
            }
            other => format!("the broker's certificate was not accepted: {other:?}"),
        },
        Error::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRequired => {
                "the broker requires a client certificate (give --cert and --key)".into()
            }
            AlertDescription::HandshakeFailure => {
                "the broker ended the handshake (does it require a client certificate, --cert and --key? or a TLS version or cipher this tool does not offer?)".into()
            }
            AlertDescription::UnknownCA => {
                "the broker does not trust the client certificate (--cert): unknown CA".into()
            }
            AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateUnknown => {
                "the broker rejected the client certificate (--cert)".into()
            }
            AlertDescription::CertificateExpired => {
                "the broker rejected the client certificate (--cert): it has expired".into()
            }
            AlertDescription::ProtocolVersion => {
                "the broker does not speak the TLS version asked for (--tls-version)".into()
            }
            AlertDescription::NoApplicationProtocol => {
                "the broker accepts none of the ALPN protocols offered (--tls-alpn)".into()
            }
            other => format!("the broker sent the TLS alert '{other:?}'"),
        },
        Error::InvalidMessage(_) => {
            "the answer is not TLS (is this a port without TLS? MQTT over TLS usually is 8883)".into()
        }
        Error::NoApplicationProtocol => {
            "the broker accepts none of the ALPN protocols offered (--tls-alpn)".into()
        }
        other => other.to_string(),
    }
}

/// rustls shows a certificate's names as `DnsName("host")` or `IpAddress(1.2.3.4)`: keep
/// the name.
fn presented_name(name: &str) -> &str {
    for (open, close) in [("DnsName(\"", "\")"), ("IpAddress(", ")")] {
        if let Some(inner) = name.strip_prefix(open).and_then(|n| n.strip_suffix(close)) {
            return inner;
        }
    }
    name
}

fn server_name(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(dns) => dns.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// Seconds since 1970 as `YYYY-MM-DD HH:MM:SS UTC` (Howard Hinnant's civil-from-days).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_577_836_799), "2019-12-31 23:59:59 UTC");
    }

    #[test]
    fn certificate_names() {
        assert_eq!(presented_name("DnsName(\"localhost\")"), "localhost");
        assert_eq!(presented_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(presented_name("other"), "other");
    }
}
