//! `-D COMMAND IDENTIFIER VALUE`, the MQTT 5 interval flags and the user property flags:
//! never a panic, and whatever `-D` accepts is what the tool said it takes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rpubsub_core::options::Mqtt5Options;
use rpubsub_core::settings::property_flag::{self, Command};
use rpubsub_core::{duration, properties};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = duration::parse_interval(text);
    let _ = duration::parse_session_expiry(text);
    let _ = properties::parse_user_property(text);
    let _ = properties::parse_payload_format(text);
    // Lines are occurrences of -D, NUL-separated words within a line (words may hold spaces).
    let occurrences: Vec<Vec<String>> = text
        .lines()
        .map(|line| line.split('\0').map(str::to_string).collect())
        .collect();
    for allowed in [Command::RPUB, Command::RSUB] {
        for words in &occurrences {
            if let Ok(p) = property_flag::parse(words, allowed) {
                assert!(allowed.contains(&p.command));
                assert!(p.command.identifiers().contains(&p.identifier));
            }
        }
        let _ = Mqtt5Options::parse_all(&occurrences, allowed);
    }
});
