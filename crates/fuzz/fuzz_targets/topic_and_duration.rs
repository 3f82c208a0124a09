//! Topic names, topic filters, filter matching and duration flags: never a panic, and the
//! checks agree with each other (a valid name is also a valid filter and matches itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rpubsub_core::{duration, topic};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = duration::parse_duration(text);
    if topic::check_topic_name(text).is_ok() {
        assert!(topic::check_topic_filter(text).is_ok());
        if !text.starts_with('$') {
            assert!(topic::matches(text, text));
        }
    }
    let (filter, name) = text.split_once(' ').unwrap_or((text, text));
    let _ = topic::matches(filter, name);
});
