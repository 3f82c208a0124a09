//! `--ciphers LIST` (`tls/ciphers.rs`): any text selects some of rustls' suites or is one
//! message, never a panic; a list for TLS 1.3 only always keeps a TLS 1.3 suite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rpubsub_core::tls::ciphers;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for tls13_only in [false, true] {
        match ciphers::parse(text, tls13_only) {
            Ok(list) => assert!(list.has(true) || (!tls13_only && list.has(false))),
            Err(message) => assert!(!message.is_empty() && !message.contains('\n')),
        }
    }
});
