//! What a TLS failure means, in words: every rustls error, certificate error and alert that
//! can reach a user, and the webpki errors rustls passes on as they are. No message shows a
//! library's debug notation; each says what is wrong and, where there is one, what to do.

use std::fmt;

use rustls::pki_types::ServerName;
use rustls::{AlertDescription, CertificateError, Error, OtherError};

/// The broker's certificate was signed by a CA not among those trusted.
#[derive(Debug)]
pub struct UnknownCa {
    /// The issuer's name as people read it (`CN=..., O=...`); empty if it could not be read.
    pub issuer: String,
    /// Where the trusted CAs came from: `--cafile ca.crt`, `the system's CA certificates`.
    pub trust: String,
}

impl fmt::Display for UnknownCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the broker's certificate is not signed by a trusted CA: {} does not hold its issuer",
            self.trust
        )?;
        if !self.issuer.is_empty() {
            write!(f, " ({})", self.issuer)?;
        }
        f.write_str("; give that CA with --cafile")
    }
}

impl std::error::Error for UnknownCa {}

/// A rustls error inside an I/O error, as tokio-rustls reports handshake failures and as
/// reads report alerts the broker sends after the handshake.
pub fn rustls_error(err: &std::io::Error) -> Option<&Error> {
    err.get_ref()?.downcast_ref::<Error>()
}

/// What a TLS failure means for the user, without the "TLS with ... failed" frame.
pub fn explain(err: &Error) -> String {
    match err {
        Error::InvalidCertificate(cert) => certificate(cert),
        Error::AlertReceived(alert) => alert_received(*alert),
        Error::InvalidMessage(_) => {
            "the answer is not TLS (is this a port without TLS? MQTT over TLS usually is 8883)".into()
        }
        Error::NoApplicationProtocol => {
            "the broker accepts none of the ALPN protocols offered (--tls-alpn)".into()
        }
        Error::InappropriateMessage { .. } | Error::InappropriateHandshakeMessage { .. } => {
            "the broker sent a TLS message out of turn (is this a TLS port?)".into()
        }
        Error::InvalidEncryptedClientHello(_) => {
            "the broker refused the encrypted ClientHello".into()
        }
        Error::NoCertificatesPresented => "the broker presented no certificate".into(),
        Error::UnsupportedNameType => "the host is not a name a certificate can carry".into(),
        Error::DecryptError | Error::EncryptError => {
            "a TLS record could not be decrypted or encrypted: the connection is broken or was tampered with".into()
        }
        Error::PeerIncompatible(_) => {
            "the broker offers nothing this tool can agree to (TLS 1.2 or 1.3, their cipher suites and key exchanges; see --tls-version)".into()
        }
        Error::PeerMisbehaved(_) => "the broker broke the rules of the TLS protocol".into(),
        Error::InvalidCertRevocationList(_) => "a certificate revocation list is not usable".into(),
        Error::General(text) => text.clone(),
        Error::FailedToGetCurrentTime => {
            "the system clock could not be read to check certificate dates".into()
        }
        Error::FailedToGetRandomBytes => "the system gave no random numbers for TLS".into(),
        Error::HandshakeNotComplete => "the TLS handshake did not complete".into(),
        Error::PeerSentOversizedRecord => "the broker sent a TLS record larger than allowed".into(),
        Error::BadMaxFragmentSize => "the TLS record size asked for is not allowed".into(),
        Error::InconsistentKeys(_) => {
            "the private key (--key) does not belong to the certificate (--cert)".into()
        }
        Error::Other(OtherError(inner)) => other_error(inner.as_ref(), "the TLS handshake failed"),
        _ => "the TLS handshake failed".into(),
    }
}

/// A certificate error; all of them are about the broker's certificate, the only one this
/// tool checks.
// The deprecated variants are still made by the libraries' older paths.
#[allow(deprecated)]
fn certificate(err: &CertificateError) -> String {
    use CertificateError as C;
    match err {
        C::UnknownIssuer => "the broker's certificate is not signed by a trusted CA (unknown issuer; give its CA with --cafile)".into(),
        C::Expired => "the broker's certificate has expired".into(),
        C::ExpiredContext { not_after, .. } => format!(
            "the broker's certificate expired on {}",
            utc(not_after.as_secs())
        ),
        C::NotValidYet => "the broker's certificate is not valid yet (is the clock right?)".into(),
        C::NotValidYetContext { not_before, .. } => format!(
            "the broker's certificate is not valid before {} (is the clock right?)",
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
        C::BadSignature => "the broker's certificate has a bad signature (it is not signed by the CA it names)".into(),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            "the broker's certificate is not meant for a TLS server".into()
        }
        C::BadEncoding => "the broker's certificate is not a valid X.509 certificate".into(),
        C::UnhandledCriticalExtension => "the broker's certificate has a critical extension this tool does not know".into(),
        C::UnknownRevocationStatus
        | C::ExpiredRevocationList
        | C::ExpiredRevocationListContext { .. } => {
            "the revocation status of the broker's certificate is unknown".into()
        }
        C::UnsupportedSignatureAlgorithm
        | C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "the broker's certificate is signed with an algorithm this tool does not support (RSA, ECDSA P-256/P-384 and Ed25519 are)".into()
        }
        C::InvalidOcspResponse => "the broker's stapled OCSP response is not valid".into(),
        C::ApplicationVerificationFailure => "the broker's certificate was not accepted".into(),
        C::Other(OtherError(inner)) => {
            other_error(inner.as_ref(), "the broker's certificate was not accepted")
        }
        _ => "the broker's certificate was not accepted".into(),
    }
}

/// An error rustls carries without knowing it: ours ([`UnknownCa`]) or webpki's.
fn other_error(err: &(dyn std::error::Error + Send + Sync + 'static), fallback: &str) -> String {
    if let Some(unknown) = err.downcast_ref::<UnknownCa>() {
        return unknown.to_string();
    }
    match err.downcast_ref::<webpki::Error>() {
        Some(e) => webpki_error(e),
        None => fallback.into(),
    }
}

/// The webpki errors rustls does not turn into its own certificate errors.
#[allow(deprecated)]
fn webpki_error(err: &webpki::Error) -> String {
    use webpki::Error as W;
    let what = match err {
        W::UnsupportedCertVersion => "is of an X.509 version this tool cannot check (only version 1 leaves and version 3 certificates are)",
        W::CaUsedAsEndEntity => "is a CA certificate, not a server's",
        W::EndEntityUsedAsCa => "chain uses a server certificate as a CA",
        W::CertDistrusted => "or its CA is distrusted",
        W::BadDer | W::BadDerTime | W::TrailingData(_) | W::MalformedExtensions
        | W::ExtensionValueInvalid | W::InvalidSerialNumber | W::InvalidCertValidity => {
            "is not a valid X.509 certificate"
        }
        W::EmptyEkuExtension | W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) => {
            "is not meant for a TLS server"
        }
        W::MalformedDnsIdentifier | W::UnsupportedNameType => "carries a name this tool cannot read",
        W::NameConstraintViolation | W::MalformedNameConstraint | W::InvalidNetworkMaskConstraint
        | W::MaximumNameConstraintComparisonsExceeded => {
            "names a host its CA may not vouch for (name constraints)"
        }
        W::PathLenConstraintViolated | W::MaximumPathDepthExceeded => {
            "chain is longer than its CAs allow"
        }
        W::MaximumPathBuildCallsExceeded | W::MaximumSignatureChecksExceeded => {
            "chain is too complex to check"
        }
        W::UnsupportedCriticalExtension => "has a critical extension this tool does not know",
        W::SignatureAlgorithmMismatch
        | W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmContext(_)
        | W::InvalidSignatureForPublicKey => "is signed with an algorithm this tool does not support",
        W::CertRevoked => "has been revoked",
        W::UnknownIssuer => "is not signed by a trusted CA (give its CA with --cafile)",
        _ => "was not accepted",
    };
    format!("the broker's certificate {what}")
}

/// An alert the broker sent: why it ended the handshake.
fn alert_received(alert: AlertDescription) -> String {
    use AlertDescription as A;
    let text = match alert {
        A::CertificateRequired => "the broker requires a client certificate (give --cert and --key)",
        A::HandshakeFailure => "the broker ended the handshake (does it require a client certificate, --cert and --key? or a TLS version or cipher suite not offered, see --tls-version and --ciphers?)",
        A::UnknownCA => "the broker does not trust the client certificate (--cert): unknown CA",
        A::BadCertificate | A::UnsupportedCertificate | A::CertificateUnknown => {
            "the broker rejected the client certificate (--cert)"
        }
        A::CertificateExpired => "the broker rejected the client certificate (--cert): it has expired",
        A::CertificateRevoked => "the broker rejected the client certificate (--cert): it has been revoked",
        A::ProtocolVersion => "the broker does not speak the TLS version asked for (--tls-version)",
        A::NoApplicationProtocol => "the broker accepts none of the ALPN protocols offered (--tls-alpn)",
        A::InsufficientSecurity => "the broker wants stronger cipher suites than this tool offered",
        A::UnrecognisedName => "the broker does not serve this host name (SNI); connect by the name it expects",
        A::AccessDenied => "the broker denied access at the TLS level",
        A::DecryptError | A::BadRecordMac | A::DecryptionFailed => {
            "the broker could not verify the handshake (the client key, --key, may not match --cert)"
        }
        A::InternalError => "the broker had an internal TLS error",
        A::CloseNotify | A::UserCanceled => "the broker closed the TLS connection",
        A::UnknownPSKIdentity => "the broker does not know the pre-shared key identity",
        A::CertificateUnobtainable | A::BadCertificateStatusResponse | A::BadCertificateHashValue => {
            "the broker could not check the client certificate (--cert)"
        }
        A::EncryptedClientHelloRequired => "the broker requires an encrypted ClientHello",
        A::MissingExtension | A::UnsupportedExtension => {
            "the broker and this tool disagree on TLS extensions"
        }
        _ => "",
    };
    if text.is_empty() {
        // The rest say the two sides did not understand each other; name the alert by its
        // number in the TLS registry.
        format!(
            "the broker ended the handshake with TLS alert {} (a protocol disagreement)",
            u8::from(alert)
        )
    } else {
        text.into()
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
        _ => "this host".into(),
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

    /// No debug notation, no type names: words only.
    #[track_caller]
    fn in_words(text: &str) {
        for jargon in ["(Other", "Error", "{", "::", "Context"] {
            assert!(!text.contains(jargon), "{text:?} shows {jargon:?}");
        }
        assert!(!text.is_empty());
    }

    #[test]
    fn every_certificate_error_in_words() {
        use std::sync::Arc;
        use CertificateError as C;
        let other = |e: webpki::Error| C::Other(OtherError(Arc::new(e)));
        #[allow(deprecated)]
        let all = [
            C::BadEncoding,
            C::Expired,
            C::NotValidYet,
            C::Revoked,
            C::UnhandledCriticalExtension,
            C::UnknownIssuer,
            C::UnknownRevocationStatus,
            C::ExpiredRevocationList,
            C::BadSignature,
            C::UnsupportedSignatureAlgorithm,
            C::NotValidForName,
            C::InvalidPurpose,
            C::InvalidOcspResponse,
            C::ApplicationVerificationFailure,
            other(webpki::Error::UnsupportedCertVersion),
            other(webpki::Error::CaUsedAsEndEntity),
            other(webpki::Error::MaximumPathDepthExceeded),
            other(webpki::Error::BadDer),
        ];
        for err in all {
            in_words(&explain(&Error::InvalidCertificate(err)));
        }
        let text = explain(&Error::InvalidCertificate(other(
            webpki::Error::UnsupportedCertVersion,
        )));
        assert!(text.contains("X.509 version"), "{text}");
    }

    #[test]
    fn an_unknown_ca_names_the_issuer_and_the_trust() {
        let err = Error::InvalidCertificate(CertificateError::Other(OtherError(
            std::sync::Arc::new(UnknownCa {
                issuer: "CN=recipe CA".into(),
                trust: "--cafile ca.crt".into(),
            }),
        )));
        assert_eq!(
            explain(&err),
            "the broker's certificate is not signed by a trusted CA: --cafile ca.crt does not hold its issuer (CN=recipe CA); give that CA with --cafile"
        );
    }

    #[test]
    fn every_alert_in_words() {
        for code in 0..=255u8 {
            let text = explain(&Error::AlertReceived(AlertDescription::from(code)));
            in_words(&text);
        }
        assert_eq!(
            explain(&Error::AlertReceived(AlertDescription::IllegalParameter)),
            "the broker ended the handshake with TLS alert 47 (a protocol disagreement)"
        );
    }

    #[test]
    fn every_other_error_in_words() {
        let all = [
            Error::NoCertificatesPresented,
            Error::UnsupportedNameType,
            Error::DecryptError,
            Error::EncryptError,
            Error::PeerIncompatible(rustls::PeerIncompatible::NoCipherSuitesInCommon),
            Error::PeerMisbehaved(rustls::PeerMisbehaved::IllegalMiddleboxChangeCipherSpec),
            Error::FailedToGetCurrentTime,
            Error::FailedToGetRandomBytes,
            Error::HandshakeNotComplete,
            Error::PeerSentOversizedRecord,
            Error::NoApplicationProtocol,
            Error::BadMaxFragmentSize,
            Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
        ];
        for err in all {
            in_words(&explain(&err));
        }
    }

    #[test]
    fn certificate_names() {
        assert_eq!(presented_name("DnsName(\"localhost\")"), "localhost");
        assert_eq!(presented_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(presented_name("other"), "other");
    }
}
