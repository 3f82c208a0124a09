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

/// A duration as people read it in messages (`1s`, `500ms`).
pub fn show(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rejects_nonsense() {
        for bad in ["", "-1", "abc", "5 parsecs", "NaN", "inf", "1e300"] {
            assert!(parse_duration(bad).is_err(), "{bad} accepted");
        }
    }
}
