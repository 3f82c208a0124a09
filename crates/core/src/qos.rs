//! The quality of service of a publish, a subscription or a will: a type of its own, so that
//! nothing downstream of the command line ever sees a 3 or a 255.
//!
//! Both protocol versions map it onto rumqttc's own `QoS` in their own file
//! (`session/protocol`); everything else speaks [`Qos`].

use std::fmt;

/// MQTT's three delivery guarantees. The discriminant is the number on the wire and on the
/// command line (`-q 0|1|2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(u8)]
pub enum Qos {
    /// 0: at most once; nothing is acknowledged.
    #[default]
    AtMostOnce = 0,
    /// 1: at least once; PUBACK.
    AtLeastOnce = 1,
    /// 2: exactly once; PUBREC, PUBREL, PUBCOMP.
    ExactlyOnce = 2,
}

impl Qos {
    /// The QoS of a number on the wire or in a JSON line; `None` for anything but 0, 1, 2.
    pub fn from_u8(n: u8) -> Option<Qos> {
        match n {
            0 => Some(Qos::AtMostOnce),
            1 => Some(Qos::AtLeastOnce),
            2 => Some(Qos::ExactlyOnce),
            _ => None,
        }
    }

    /// The number on the wire.
    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Qos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_u8())
    }
}

/// clap's value parser for `-q`, `--will-qos` and the like: `0`, `1` or `2`, and one clear
/// message for anything else (a negative number included, which clap would otherwise take
/// for a flag).
pub fn parse_qos(text: &str) -> Result<Qos, String> {
    text.trim()
        .parse::<u8>()
        .ok()
        .and_then(Qos::from_u8)
        .ok_or_else(|| "QoS is 0, 1 or 2".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_nothing_else_is_a_qos() {
        for n in 0..=2 {
            assert_eq!(Qos::from_u8(n).map(Qos::as_u8), Some(n));
        }
        assert_eq!(Qos::from_u8(3), None);
        assert_eq!(parse_qos("1"), Ok(Qos::AtLeastOnce));
        assert!(parse_qos("3").is_err());
        assert!(parse_qos("-1").is_err());
        assert_eq!(Qos::ExactlyOnce.to_string(), "2");
    }
}
