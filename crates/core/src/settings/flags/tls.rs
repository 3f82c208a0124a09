//! How the bytes travel: TLS (any TLS flag turns it on), a Unix socket, an HTTP or SOCKS5 proxy.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::choice::Choice;
use super::IN_FILE;

/// The help heading of these flags.
const HEADING: &str = "TLS and transport";

/// `--tls-version`: the lowest version accepted. rustls speaks TLS 1.2 and 1.3 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsVersionArg {
    #[value(name = "tlsv1.2")]
    Tls12,
    #[value(name = "tlsv1.3")]
    Tls13,
}

/// `--tls-version`'s value parser.
pub const TLS_VERSION: Choice<TlsVersionArg> = Choice::new("TLS version");

#[derive(Debug, Clone, Default, Args)]
#[group(skip)]
pub struct TlsArgs {
    /// Trust the CA certificates in FILE (PEM); turns TLS on
    #[arg(long, value_name = "FILE", help_heading = HEADING, group = IN_FILE)]
    pub cafile: Option<PathBuf>,

    /// Trust the CA certificates in the PEM files of DIR; turns TLS on
    #[arg(long, value_name = "DIR", help_heading = HEADING, group = IN_FILE)]
    pub capath: Option<PathBuf>,

    /// Client certificate (PEM) for mutual TLS; needs --key
    #[arg(long, value_name = "FILE", help_heading = HEADING, group = IN_FILE)]
    pub cert: Option<PathBuf>,

    /// Private key of --cert (PEM: PKCS#8, PKCS#1 or SEC1; if encrypted, the passphrase is asked on the terminal, or taken from RPUBSUB_KEY_PASSPHRASE or --key-passphrase-file)
    #[arg(long, value_name = "FILE", help_heading = HEADING, group = IN_FILE)]
    pub key: Option<PathBuf>,

    /// Read the passphrase of an encrypted --key from the first line of FILE
    #[arg(long, value_name = "FILE", requires = "key", help_heading = HEADING, group = IN_FILE)]
    pub key_passphrase_file: Option<PathBuf>,

    /// Trust the system's CA certificates (also the default when TLS is on without --cafile/--capath)
    #[arg(long, help_heading = HEADING)]
    pub tls_use_os_certs: bool,

    /// Offer this ALPN protocol in the TLS handshake; repeatable
    #[arg(long, value_name = "PROTO", help_heading = HEADING)]
    pub tls_alpn: Vec<String>,

    /// Lowest TLS version to accept: tlsv1.2 (the default) or tlsv1.3
    #[arg(
        long,
        value_name = "VERSION",
        value_parser = TLS_VERSION,
        ignore_case = true,
        hide_possible_values = true,
        help_heading = HEADING,
        group = IN_FILE
    )]
    pub tls_version: Option<TlsVersionArg>,

    /// Offer only these cipher suites: OpenSSL's or IANA's names (ECDHE-RSA-AES256-GCM-SHA384, TLS_AES_128_GCM_SHA256) and words (HIGH, !aNULL), separated by ':'; turns TLS on
    #[arg(long, value_name = "LIST", help_heading = HEADING, group = IN_FILE)]
    pub ciphers: Option<String>,

    /// Do not check that the broker's certificate names the host (the chain is still verified)
    #[arg(long, help_heading = HEADING)]
    pub insecure: bool,

    /// Connect to the broker's Unix domain socket PATH instead of host and port
    #[arg(long, value_name = "PATH", conflicts_with = "url", help_heading = HEADING)]
    pub unix: Option<PathBuf>,

    /// Reach the broker through a proxy: http://, socks5h:// or socks5://[user[:pass]@]host:port
    #[arg(long, value_name = "URL", help_heading = HEADING, group = IN_FILE)]
    pub proxy: Option<String>,
}
