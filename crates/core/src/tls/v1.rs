//! An X.509 version 1 leaf certificate, checked the way OpenSSL and Mosquitto check it: what
//! `openssl x509 -req` makes by default (mosquitto-tls(7)'s recipe) and what
//! test.mosquitto.org serves. webpki reads only version 3, so this one case is handled here,
//! narrowly: the leaf must be signed directly by a trusted CA (its signature verified by the
//! crypto provider's own algorithms), be within its validity dates, and carry the host in its
//! CN (a v1 certificate has no extensions, so no subjectAltName). Every other certificate goes
//! through webpki untouched.

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, SubjectPublicKeyInfoDer, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, PeerMisbehaved, RootCertStore};
use x509_parser::asn1_rs::{Any, FromDer};
use x509_parser::certificate::X509Certificate;
use x509_parser::x509::X509Version;

/// A leaf certificate webpki would refuse for its version, with what its checks need.
pub struct V1Leaf<'a> {
    cert: X509Certificate<'a>,
}

impl<'a> V1Leaf<'a> {
    /// The certificate, if it parses and is version 1; anything else is webpki's.
    pub fn parse(der: &'a CertificateDer<'_>) -> Option<V1Leaf<'a>> {
        let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
        (cert.version() == X509Version::V1).then_some(V1Leaf { cert })
    }

    /// Its SubjectPublicKeyInfo, which signs the handshake.
    pub fn spki(&self) -> SubjectPublicKeyInfoDer<'a> {
        SubjectPublicKeyInfoDer::from(self.cert.tbs_certificate.subject_pki.raw)
    }

    /// Signed by a trust anchor, valid now, and (when `name` is given) for that host. The
    /// order is webpki's, so a name error means everything else passed.
    pub fn verify(
        &self,
        roots: &RootCertStore,
        algorithms: &WebPkiSupportedAlgorithms,
        name: Option<&ServerName<'_>>,
        now: UnixTime,
    ) -> Result<(), Error> {
        self.verify_signature(roots, algorithms)?;
        self.verify_dates(now)?;
        match name {
            Some(name) => self.verify_name(name),
            None => Ok(()),
        }
    }

    fn verify_signature(
        &self,
        roots: &RootCertStore,
        algorithms: &WebPkiSupportedAlgorithms,
    ) -> Result<(), Error> {
        let bad = || Error::InvalidCertificate(CertificateError::BadEncoding);
        let parts = SignedParts::of(self.cert.as_raw()).ok_or_else(bad)?;
        let issuer = contents(self.cert.issuer().as_raw()).ok_or_else(bad)?;
        let mut outcome = Err(Error::InvalidCertificate(CertificateError::UnknownIssuer));
        for anchor in roots.roots.iter().filter(|a| a.subject.as_ref() == issuer) {
            let Some((key_alg, key)) = public_key(anchor.subject_public_key_info.as_ref()) else {
                continue;
            };
            let Some(alg) = algorithms.all.iter().find(|alg| {
                alg.public_key_alg_id().as_ref() == key_alg
                    && alg.signature_alg_id().as_ref() == parts.algorithm
            }) else {
                outcome = Err(unsupported_algorithm());
                continue;
            };
            match alg.verify_signature(key, parts.signed, parts.signature) {
                Ok(()) => return Ok(()),
                Err(_) => outcome = Err(Error::InvalidCertificate(CertificateError::BadSignature)),
            }
        }
        outcome
    }

    fn verify_dates(&self, now: UnixTime) -> Result<(), Error> {
        let validity = self.cert.validity();
        let at =
            |t: i64| UnixTime::since_unix_epoch(std::time::Duration::from_secs(t.max(0) as u64));
        let not_before = at(validity.not_before.timestamp());
        let not_after = at(validity.not_after.timestamp());
        if now < not_before {
            return Err(Error::InvalidCertificate(
                CertificateError::NotValidYetContext {
                    time: now,
                    not_before,
                },
            ));
        }
        if now > not_after {
            return Err(Error::InvalidCertificate(
                CertificateError::ExpiredContext {
                    time: now,
                    not_after,
                },
            ));
        }
        Ok(())
    }

    fn verify_name(&self, name: &ServerName<'_>) -> Result<(), Error> {
        let wanted = match name {
            ServerName::DnsName(dns) => dns.as_ref().to_string(),
            ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
            _ => String::new(),
        };
        let names = self.common_names();
        if names.iter().any(|cn| host_matches(cn, &wanted)) {
            return Ok(());
        }
        Err(Error::InvalidCertificate(
            CertificateError::NotValidForNameContext {
                expected: name.to_owned(),
                presented: names,
            },
        ))
    }

    fn common_names(&self) -> Vec<String> {
        self.cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .map(str::to_string)
            .collect()
    }
}

/// The handshake signature of a v1 leaf, checked with its public key as a raw key: the
/// provider's algorithms for the scheme, as rustls does for a certificate webpki can read.
pub fn verify_handshake(
    message: &[u8],
    spki: &SubjectPublicKeyInfoDer<'_>,
    dss: &DigitallySignedStruct,
    algorithms: &WebPkiSupportedAlgorithms,
    tls13: bool,
) -> Result<HandshakeSignatureValid, Error> {
    if tls13 {
        return rustls::crypto::verify_tls13_signature_with_raw_key(message, spki, dss, algorithms);
    }
    let key = webpki::RawPublicKeyEntity::try_from(spki)
        .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let candidates = algorithms
        .mapping
        .iter()
        .find(|(scheme, _)| *scheme == dss.scheme)
        .map(|(_, algs)| *algs)
        .ok_or(Error::PeerMisbehaved(
            PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
        ))?;
    for alg in candidates {
        if key.verify_signature(*alg, message, dss.signature()).is_ok() {
            return Ok(HandshakeSignatureValid::assertion());
        }
    }
    Err(Error::InvalidCertificate(CertificateError::BadSignature))
}

/// The CA's key cannot check this signature algorithm. The variant with context wants
/// webpki's own algorithm list, which this check does not have.
#[allow(deprecated)]
fn unsupported_algorithm() -> Error {
    Error::InvalidCertificate(CertificateError::UnsupportedSignatureAlgorithm)
}

/// A host name against a CN as OpenSSL compares them: without regard to case, and a `*.`
/// wildcard standing for exactly one leftmost label.
fn host_matches(cn: &str, host: &str) -> bool {
    if cn.eq_ignore_ascii_case(host) {
        return true;
    }
    match (cn.strip_prefix("*."), host.split_once('.')) {
        (Some(rest), Some((first, tail))) => {
            !first.is_empty() && rest.contains('.') && rest.eq_ignore_ascii_case(tail)
        }
        _ => false,
    }
}

/// The three parts of a signed certificate: the bytes signed, the algorithm (the contents of
/// its AlgorithmIdentifier, as webpki names algorithms) and the signature.
struct SignedParts<'a> {
    signed: &'a [u8],
    algorithm: &'a [u8],
    signature: &'a [u8],
}

impl<'a> SignedParts<'a> {
    fn of(der: &'a [u8]) -> Option<SignedParts<'a>> {
        let body = contents(der)?;
        let (rest, _) = Any::from_der(body).ok()?;
        let signed = &body[..body.len() - rest.len()];
        let (rest, algorithm) = Any::from_der(rest).ok()?;
        let (_, signature) = Any::from_der(rest).ok()?;
        Some(SignedParts {
            signed,
            algorithm: algorithm.data,
            signature: bit_string(signature.data)?,
        })
    }
}

/// A trust anchor's key: the contents of its SubjectPublicKeyInfo (as rustls stores it) split
/// into the algorithm's contents and the key's bits.
fn public_key(spki_contents: &[u8]) -> Option<(&[u8], &[u8])> {
    let (rest, algorithm) = Any::from_der(spki_contents).ok()?;
    let (_, key) = Any::from_der(rest).ok()?;
    Some((algorithm.data, bit_string(key.data)?))
}

/// The contents of one DER element.
fn contents(der: &[u8]) -> Option<&[u8]> {
    Any::from_der(der).ok().map(|(_, any)| any.data)
}

/// A BIT STRING's bytes, which for keys and signatures are whole octets.
fn bit_string(data: &[u8]) -> Option<&[u8]> {
    match data.split_first() {
        Some((0, bits)) => Some(bits),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::host_matches;

    #[test]
    fn names_against_the_cn() {
        assert!(host_matches("localhost", "LocalHost"));
        assert!(host_matches("127.0.0.1", "127.0.0.1"));
        assert!(host_matches("*.example.net", "broker.example.net"));
        assert!(!host_matches("*.example.net", "example.net"));
        assert!(!host_matches("*.example.net", "a.b.example.net"));
        assert!(!host_matches("*.net", "example.net"));
        assert!(!host_matches("broker.example.net", "localhost"));
    }
}
