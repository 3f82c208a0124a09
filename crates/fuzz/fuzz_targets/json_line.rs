//! rpub's JSON-lines input (`--stdin-json`): any line is a message or one error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rpubsub_core::message_json;

fuzz_target!(|data: &[u8]| {
    if let Err(message) = message_json::parse(data) {
        assert!(!message.is_empty());
    }
});
