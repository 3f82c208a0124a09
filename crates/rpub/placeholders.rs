//! Placeholders for looping publishers: `{n}` (1-based count), `{i}` (0-based index),
//! `{time}` (local time, `2024/09/17 06:00:00`), `{ts}` (unix seconds).
//!
//! They are expanded only when the user asked for a loop (`--repeat`/`--count`), so a single
//! `-m '{"n": 1}'` or `-m '{n}'` goes out byte-exact. Anything else in braces stays as it is,
//! which keeps JSON payloads such as `{"count": {n}}` working.

use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Count,
    Index,
    Time,
    Unix,
}

/// A topic or message with its placeholders found once, rendered per message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

impl Template {
    pub fn parse(text: &str) -> Template {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            literal.push_str(&rest[..start]);
            let after = &rest[start..];
            let found = [
                ("{n}", Part::Count),
                ("{i}", Part::Index),
                ("{time}", Part::Time),
                ("{ts}", Part::Unix),
            ]
            .into_iter()
            .find(|(token, _)| after.starts_with(token));
            match found {
                Some((token, part)) => {
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(part);
                    rest = &after[token.len()..];
                }
                None => {
                    literal.push('{');
                    rest = &after[1..];
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Template { parts }
    }

    /// True when rendering gives the same text every time.
    pub fn is_constant(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// The text for the message with 0-based index `index`.
    pub fn render(&self, index: u64) -> String {
        let mut out = String::new();
        for part in &self.parts {
            // Writing to a String cannot fail.
            let _ = match part {
                Part::Text(t) => {
                    out.push_str(t);
                    Ok(())
                }
                Part::Count => write!(out, "{}", index + 1),
                Part::Index => write!(out, "{index}"),
                Part::Time => write!(out, "{}", chrono::Local::now().format("%Y/%m/%d %H:%M:%S")),
                Part::Unix => write!(out, "{}", chrono::Utc::now().timestamp()),
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters() {
        let t = Template::parse("test/{i} msg {n}");
        assert_eq!(t.render(0), "test/0 msg 1");
        assert_eq!(t.render(9), "test/9 msg 10");
        assert!(!t.is_constant());
    }

    #[test]
    fn json_and_unknown_braces_stay() {
        for text in [r#"{"n": 1}"#, "{x}", "{", "}", "{{", "a{b", "{N}", "{ n}"] {
            assert_eq!(Template::parse(text).render(5), text);
        }
        assert_eq!(Template::parse("{{n}}").render(5), "{6}");
        assert_eq!(
            Template::parse(r#"{"count": {n}}"#).render(2),
            r#"{"count": 3}"#
        );
        assert!(Template::parse(r#"{"n": 1}"#).is_constant());
    }

    #[test]
    fn time_and_unix() {
        let time = Template::parse("{time}").render(0);
        assert_eq!(time.len(), "2024/09/17 06:00:00".len());
        assert_eq!(&time[4..5], "/");
        let ts: i64 = Template::parse("{ts}").render(0).parse().unwrap();
        assert!(ts > 1_700_000_000);
    }
}
