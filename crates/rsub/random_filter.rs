//! `--random-filter PERCENT`: print only that share of the messages, chosen at random, as
//! mosquitto_sub's help describes it ("100 to have all messages printed, 50.0 to have half").
//! mosquitto_sub 2.0.11 prints far fewer than it says (about 5% with 50); this follows the help.
//!
//! A message left out is as if it never came: it neither counts towards `-C` nor matches
//! `--expect`.

/// The share of messages to print, from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomFilter {
    share: f64,
}

impl RandomFilter {
    /// Every message printed: no `--random-filter`, or 100.
    pub const ALL: RandomFilter = RandomFilter { share: 1.0 };

    /// Whether to print the next message.
    pub fn keeps(&self) -> bool {
        self.share >= 1.0 || fastrand::f64() < self.share
    }
}

/// `--random-filter`'s value parser: a percentage from 0 to 100, fractions allowed.
pub fn parse_percent(text: &str) -> Result<RandomFilter, String> {
    let percent: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a percentage (0 to 100, e.g. 50 or 12.5)"))?;
    if !(0.0..=100.0).contains(&percent) {
        return Err(format!("'{text}' is not a percentage from 0 to 100"));
    }
    Ok(RandomFilter {
        share: percent / 100.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(filter: RandomFilter, of: usize) -> usize {
        (0..of).filter(|_| filter.keeps()).count()
    }

    #[test]
    fn the_share_printed_is_the_percentage() {
        assert_eq!(kept(parse_percent("100").unwrap(), 1000), 1000);
        assert_eq!(kept(parse_percent("0").unwrap(), 1000), 0);
        let half = kept(parse_percent("50.0").unwrap(), 10_000);
        assert!((4_500..=5_500).contains(&half), "{half}");
        assert_eq!(RandomFilter::ALL, parse_percent("100").unwrap());
    }

    #[test]
    fn percentages_from_0_to_100_only() {
        for bad in ["-1", "100.5", "half", "", "NaN"] {
            assert!(parse_percent(bad).is_err(), "{bad}");
        }
    }
}
