//! When a value of the config file does not apply to a command line, as data in one place.
//!
//! A file value always yields to the same flag (or its environment variable), and to any flag
//! it conflicts with (`--password-file` in the file yields to `-P`), as clap declares them.
//! The tables below add what clap cannot say: keys that are one setting ([`TOGETHER`]), and
//! keys the command line makes meaningless without naming them ([`YIELDS`]).

use crate::settings::flags::ConnectArgs;
use crate::settings::url::{self, Scheme};

/// Keys that are one setting: a section gives all of them or none, and they yield together.
pub struct Together {
    pub keys: &'static [&'static str],
    /// What they are, for the message about a section that gives only some.
    pub what: &'static str,
}

pub const TOGETHER: &[Together] = &[Together {
    keys: &["cert", "key"],
    what: "the client certificate and its private key",
}];

/// What the command line may have said that makes a file value meaningless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unless {
    /// `-L` or `--unix` named another broker than the file's.
    OtherBroker,
    /// `--unix`, or a plain `-L mqtt://` or `ws://`: the file's TLS files are for its broker.
    PlainBroker,
    /// `--unix`: no proxy in between.
    UnixSocket,
    /// The `-L` URL carries a password.
    UrlPassword,
}

/// Which keys yield when.
pub const YIELDS: &[(&str, Unless)] = &[
    ("host", Unless::OtherBroker),
    ("port", Unless::OtherBroker),
    ("cafile", Unless::PlainBroker),
    ("capath", Unless::PlainBroker),
    ("cert", Unless::PlainBroker),
    ("key", Unless::PlainBroker),
    ("tls-version", Unless::PlainBroker),
    ("proxy", Unless::UnixSocket),
    ("password", Unless::UrlPassword),
    ("password-file", Unless::UrlPassword),
];

impl Unless {
    /// Whether the command line `args` said it. A URL that does not parse says nothing here;
    /// resolving reports it.
    fn holds(self, args: &ConnectArgs) -> bool {
        let unix = args.tls.unix.is_some();
        let url = args.broker.url.as_deref().map(url::parse);
        match self {
            Unless::OtherBroker => unix || url.is_some(),
            Unless::PlainBroker => {
                unix || matches!(url, Some(Ok(u)) if matches!(u.scheme, Scheme::Mqtt | Scheme::Ws))
            }
            Unless::UnixSocket => unix,
            Unless::UrlPassword => {
                matches!(url, Some(Ok(u)) if u.username.is_some() && u.password.is_some())
            }
        }
    }
}

/// Whether a rule of [`YIELDS`] takes file key `key` away from command line `args`.
pub fn yields(key: &str, args: &ConnectArgs) -> bool {
    YIELDS
        .iter()
        .any(|(k, unless)| *k == key && unless.holds(args))
}

/// The keys that are one setting with `key` (`key` itself included).
pub fn linked(key: &str) -> Vec<&str> {
    TOGETHER
        .iter()
        .find(|t| t.keys.contains(&key))
        .map_or_else(|| vec![key], |t| t.keys.to_vec())
}
