//! mosquitto's TLS flags that only make sense with OpenSSL: taken by the parser, so that a
//! script written for mosquitto_pub gets a reason rather than "unexpected argument", and each
//! refused with one line saying why (exit 2). TLS here is rustls.

use clap::Args;

use crate::exit::Fail;

/// The help heading of these flags.
const HEADING: &str = "TLS and transport";

#[derive(Debug, Clone, Default, Args)]
#[group(skip)]
pub struct TlsOpensslArgs {
    /// Not supported: keys are read as PEM files only
    #[arg(long, value_name = "FORM", help_heading = HEADING)]
    pub keyform: Option<String>,

    /// Not supported: OpenSSL engines
    #[arg(long, value_name = "ENGINE", help_heading = HEADING)]
    pub tls_engine: Option<String>,

    /// Not supported: OpenSSL engine key passwords
    #[arg(long, value_name = "HASH", help_heading = HEADING)]
    pub tls_engine_kpass_sha1: Option<String>,

    /// Not supported: TLS with a pre-shared key
    #[arg(long, value_name = "KEY", help_heading = HEADING)]
    pub psk: Option<String>,

    /// Not supported: TLS with a pre-shared key
    #[arg(long, value_name = "IDENTITY", help_heading = HEADING)]
    pub psk_identity: Option<String>,
}

impl TlsOpensslArgs {
    /// The refusal of the first of these flags given, if any.
    pub fn refusal(&self) -> Option<Fail> {
        let given = [
            (self.keyform.is_some(), "--keyform", "keys are read from PEM files only (--key); engine keys need OpenSSL"),
            (self.tls_engine.is_some(), "--tls-engine", "TLS here is rustls, which has no OpenSSL engines"),
            (self.tls_engine_kpass_sha1.is_some(), "--tls-engine-kpass-sha1", "TLS here is rustls, which has no OpenSSL engines"),
            (self.psk.is_some(), "--psk", "rustls, the TLS library here, has no TLS-PSK; use certificates (--cafile, --cert, --key)"),
            (self.psk_identity.is_some(), "--psk-identity", "rustls, the TLS library here, has no TLS-PSK; use certificates (--cafile, --cert, --key)"),
        ];
        let (_, flag, why) = given.into_iter().find(|(set, _, _)| *set)?;
        Some(Fail::usage(format!(
            "{flag} is not supported, because {why}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flag_refused_with_its_reason() {
        let none = TlsOpensslArgs {
            keyform: None,
            tls_engine: None,
            tls_engine_kpass_sha1: None,
            psk: None,
            psk_identity: None,
        };
        assert!(none.refusal().is_none());
        let psk = TlsOpensslArgs {
            psk: Some("beef".into()),
            ..none
        };
        let fail = psk.refusal().unwrap();
        assert_eq!(fail.exit, crate::exit::Exit::Usage);
        assert!(fail.message.starts_with("--psk is not supported, because "));
    }
}
