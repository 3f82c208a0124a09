//! Durations as users type them: a bare number is seconds (as mosquitto takes them), anything
//! else is a humantime duration such as `500ms`, `5s` or `2m`.

use std::time::Duration;

/// Parse a duration flag value. Used as a clap `value_parser`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(secs) = text.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return Err(format!(
                "'{text}' is not a duration (seconds must be 0 or more)"
            ));
        }
        if secs > 1e9 {
            return Err(format!("'{text}' is too long a duration"));
        }
        return Ok(Duration::from_secs_f64(secs));
    }
    humantime::parse_duration(text).map_err(|e| {
        format!("'{text}' is not a duration ({e}); use seconds or a unit, e.g. 5, 500ms, 2m")
    })
}

/// `-W`: a time to wait, which must be more than none (mosquitto_sub refuses `-W 0` too).
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err(format!(
            "'{}' is no time to wait: give more than 0",
            text.trim()
        ));
    }
    Ok(duration)
}

/// An MQTT 5 interval (message expiry, will delay): whole seconds in four bytes, given as a
/// number of seconds or a duration (`90`, `90s`, `2h`).
pub fn parse_interval(text: &str) -> Result<u32, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return u32::try_from(secs).map_err(|_| {
            format!("'{text}' is too long: MQTT intervals end at 4294967295 seconds")
        });
    }
    let duration = parse_duration(text)?;
    if duration.subsec_nanos() != 0 {
        return Err(format!(
            "'{text}' is not whole seconds: MQTT counts these intervals in seconds"
        ));
    }
    u32::try_from(duration.as_secs())
        .map_err(|_| format!("'{text}' is too long: MQTT intervals end at 4294967295 seconds"))
}

/// `-x`: the session expiry interval, as [`parse_interval`], or `inf` (also `never`, `-1` and
/// `∞`, as mosquitto takes them) for a session that never expires (`u32::MAX`).
pub fn parse_session_expiry(text: &str) -> Result<u32, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "inf" | "infinity" | "never" | "-1" | "\u{221e}" => Ok(u32::MAX),
        _ => parse_interval(text).map_err(|e| format!("{e} (or inf for never)")),
    }
}

/// A duration as people read it in messages (`1s`, `500ms`).
pub fn show(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_more_than_none() {
        assert_eq!(parse_timeout("1.5"), Ok(Duration::from_millis(1500)));
        for zero in ["0", "0s", " 0.0 "] {
            assert!(parse_timeout(zero).unwrap_err().contains("no time to wait"));
        }
    }

    #[test]
    fn bare_numbers_are_seconds() {
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn humantime_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h 2s"), Ok(Duration::from_secs(3602)));
    }

    #[test]
    fn intervals_are_whole_seconds() {
        assert_eq!(parse_interval("90"), Ok(90));
        assert_eq!(parse_interval("2m"), Ok(120));
        assert_eq!(parse_interval("0"), Ok(0));
        assert_eq!(parse_interval("4294967295"), Ok(u32::MAX));
        assert!(parse_interval("4294967296").is_err());
        assert!(parse_interval("1.5").is_err());
        assert!(parse_interval("1500ms").is_err());
        assert!(parse_interval("200 years").is_err());
    }

    #[test]
    fn session_expiry_never() {
        for never in ["inf", "INF", "never", "-1", "\u{221e}", "4294967295"] {
            assert_eq!(parse_session_expiry(never), Ok(u32::MAX), "{never}");
        }
        assert_eq!(parse_session_expiry("1h"), Ok(3600));
        assert!(parse_session_expiry("-2").is_err());
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "-1", "abc", "5 parsecs", "NaN", "inf", "1e300"] {
            assert!(parse_duration(bad).is_err(), "{bad} accepted");
        }
    }
}
