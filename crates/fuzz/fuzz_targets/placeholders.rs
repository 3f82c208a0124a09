//! rpub's `{n}` `{i}` `{time}` `{ts}` placeholders: any template renders without panicking,
//! and a template with no placeholder renders as itself (byte-exact payloads).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../rpub/placeholders.rs"]
#[allow(dead_code)]
mod placeholders;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let index = data.first().copied().unwrap_or(0) as u64 * 1_000_003;
    let template = placeholders::Template::parse(text);
    let rendered = template.render(index);
    if template.is_constant() {
        assert_eq!(rendered, text);
    }
});
