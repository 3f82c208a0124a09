//! Topic names and topic filters, checked before anything is sent.
//!
//! The broker would drop the connection on a malformed topic (and rumqttc would quietly
//! refuse some); checking here turns that into one clear line and exit status 2.

/// MQTT strings carry a two-byte length.
pub const MAX_TOPIC_LEN: usize = 65_535;

/// Check a topic name for PUBLISH: non-empty, no wildcards, no NUL, at most 65,535 bytes.
pub fn check_topic_name(topic: &str) -> Result<(), String> {
    check_common(topic)?;
    if topic.contains(['+', '#']) {
        return Err(format!(
            "topic '{}' contains a wildcard (+ or #), which only subscriptions may use",
            shorten(topic)
        ));
    }
    Ok(())
}

/// Check a topic filter for SUBSCRIBE: as a name, but `+` may fill a whole level and `#` may
/// stand alone as the last level.
pub fn check_topic_filter(filter: &str) -> Result<(), String> {
    check_common(filter)?;
    let levels: Vec<&str> = filter.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i != levels.len() - 1) {
            return Err(format!(
                "topic filter '{}': '#' must be a whole level and the last one (like a/#)",
                shorten(filter)
            ));
        }
        if level.contains('+') && *level != "+" {
            return Err(format!(
                "topic filter '{}': '+' must be a whole level (like a/+/c)",
                shorten(filter)
            ));
        }
    }
    Ok(())
}

fn check_common(topic: &str) -> Result<(), String> {
    if topic.is_empty() {
        return Err("empty topic: give a topic with -t".into());
    }
    if topic.len() > MAX_TOPIC_LEN {
        return Err(format!(
            "topic is {} bytes long; MQTT allows at most {MAX_TOPIC_LEN}",
            topic.len()
        ));
    }
    if topic.contains('\0') {
        return Err(format!(
            "topic '{}' contains a NUL character",
            shorten(topic).escape_default()
        ));
    }
    Ok(())
}

/// A topic cut to a length that fits on one line of an error message.
fn shorten(topic: &str) -> String {
    const MAX: usize = 80;
    if topic.chars().count() <= MAX {
        topic.to_string()
    } else {
        let head: String = topic.chars().take(MAX).collect();
        format!("{head}...")
    }
}

/// Does `topic` match `filter` (MQTT 3.1.1 section 4.7)? Used for `-T` and `--remove-retained`.
pub fn matches(filter: &str, topic: &str) -> bool {
    // Topics beginning with '$' are not matched by filters starting with a wildcard.
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(fl), Some(tl)) if fl == tl => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_topic_name("a/b").is_ok());
        assert!(check_topic_name("/").is_ok());
        assert!(check_topic_name("").is_err());
        assert!(check_topic_name("a/+").is_err());
        assert!(check_topic_name("a/#").is_err());
        assert!(check_topic_name("a\0b").is_err());
        assert!(check_topic_name(&"x".repeat(65_535)).is_ok());
        assert!(check_topic_name(&"x".repeat(65_536)).is_err());
    }

    #[test]
    fn filters() {
        for ok in ["#", "+", "a/+/c", "a/#", "+/+", "/#", "$SYS/#"] {
            assert!(check_topic_filter(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a/#/b", "a#", "a/b+", "#/a", "a\0"] {
            assert!(check_topic_filter(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn matching() {
        assert!(matches("test/+", "test/0"));
        assert!(!matches("test/+", "test/a/b"));
        assert!(matches("test/#", "test"));
        assert!(matches("test/#", "test/a/b"));
        assert!(matches("#", "a/b"));
        assert!(!matches("#", "$SYS/x"));
        assert!(matches("home/+/light", "home/kitchen/light"));
        assert!(!matches("a/b", "a/b/c"));
    }
}
