//! `-L/--url`: any text must parse or be refused with a message, never panic, and a refused
//! URL's message never repeats a password.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rpubsub_core::settings::url;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match url::parse(text) {
            Ok(parsed) => {
                // A parsed URL always names a host and a valid port.
                assert!(!parsed.host.is_empty());
                assert!(parsed.port != Some(0));
            }
            Err(message) => assert!(!message.is_empty()),
        }
    }
});
