//! `--expect` and `--expect-json`: which payloads a health check waits for.
//!
//! - `--expect REGEX`: the payload matches REGEX (the `regex` crate's syntax, searched
//!   anywhere in the payload bytes; anchor with `^...$` for a whole-payload match).
//! - `--expect-json 'POINTER [OP VALUE]'`: the payload is JSON and the value at the JSON
//!   pointer POINTER (RFC 6901: `/temp`, `/sensors/0/state`; empty for the whole document)
//!   compares with VALUE. OP is one of `== != > >= < <=` (numbers compare as numbers, strings
//!   as strings) or `~` (a regex on the value, strings without their quotes). VALUE is JSON
//!   (`30`, `"on"`, `true`, `null`) or else a bare word taken as a string (`== on`).
//!   POINTER alone asks only that the value exists.
//!
//! Several conditions must all hold for the same message.

use regex::bytes::Regex;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Match,
}

#[derive(Debug)]
enum Test {
    Exists,
    Compare(Op, Value),
    Regex(regex::Regex),
}

#[derive(Debug)]
struct JsonCondition {
    pointer: String,
    test: Test,
}

/// Every condition a message must meet.
#[derive(Debug, Default)]
pub struct Expect {
    regexes: Vec<Regex>,
    json: Vec<JsonCondition>,
}

impl Expect {
    /// `None` when no condition was given.
    pub fn new(regexes: &[String], json: &[String]) -> Result<Option<Expect>, String> {
        if regexes.is_empty() && json.is_empty() {
            return Ok(None);
        }
        let mut expect = Expect::default();
        for r in regexes {
            let re = Regex::new(r).map_err(|e| {
                format!(
                    "--expect '{r}': not a regular expression: {}",
                    one_line(&e.to_string())
                )
            })?;
            expect.regexes.push(re);
        }
        for j in json {
            expect
                .json
                .push(parse_condition(j).map_err(|e| format!("--expect-json '{j}': {e}"))?);
        }
        Ok(Some(expect))
    }

    /// Does this payload meet every condition?
    pub fn matches(&self, payload: &[u8]) -> bool {
        if !self.regexes.iter().all(|r| r.is_match(payload)) {
            return false;
        }
        if self.json.is_empty() {
            return true;
        }
        let Ok(doc) = serde_json::from_slice::<Value>(payload) else {
            return false;
        };
        self.json.iter().all(|c| c.holds(&doc))
    }
}

/// The regex crate's errors span several lines (a caret under the pattern).
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or(text)
        .to_string()
}

fn parse_condition(text: &str) -> Result<JsonCondition, String> {
    let text = text.trim();
    let end = text
        .find(|c: char| c.is_whitespace() || "=!<>~".contains(c))
        .unwrap_or(text.len());
    let pointer = &text[..end];
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(format!(
            "'{pointer}' is not a JSON pointer: it starts with / (e.g. /temp or /sensors/0/state)"
        ));
    }
    let rest = text[end..].trim_start();
    if rest.is_empty() {
        return Ok(JsonCondition {
            pointer: pointer.to_string(),
            test: Test::Exists,
        });
    }
    let (op, len) = [
        ("==", Op::Eq),
        ("!=", Op::Ne),
        (">=", Op::Ge),
        ("<=", Op::Le),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("~", Op::Match),
    ]
    .iter()
    .find(|(s, _)| rest.starts_with(s))
    .map(|(s, op)| (*op, s.len()))
    .ok_or_else(|| {
        format!("expected an operator (== != > >= < <= ~) after the pointer, found '{rest}'")
    })?;
    let value = rest[len..].trim();
    if value.is_empty() {
        return Err("no value after the operator".into());
    }
    let test = if op == Op::Match {
        let re = regex::Regex::new(value)
            .map_err(|e| format!("not a regular expression: {}", one_line(&e.to_string())))?;
        Test::Regex(re)
    } else {
        Test::Compare(op, compared_value(value)?)
    };
    Ok(JsonCondition {
        pointer: pointer.to_string(),
        test,
    })
}

/// The VALUE of a comparison: JSON, or else a bare word taken as a string. What looks like
/// broken JSON (`{bad`, `"open`) or a second operator (`>> 3`) is a mistake, not a word: taken
/// as a string it would never match, and the health check would wait for ever.
fn compared_value(text: &str) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    if text.starts_with(|c: char| "=!<>~{[\"".contains(c)) {
        return Err(format!(
            "'{text}' is neither JSON (30, \"on\", true, null) nor a bare word"
        ));
    }
    Ok(Value::String(text.into()))
}

impl JsonCondition {
    fn holds(&self, doc: &Value) -> bool {
        let Some(found) = doc.pointer(&self.pointer) else {
            return false;
        };
        match &self.test {
            Test::Exists => true,
            Test::Regex(re) => match found {
                Value::String(s) => re.is_match(s),
                other => re.is_match(&other.to_string()),
            },
            Test::Compare(op, want) => compare(found, *op, want),
        }
    }
}

fn compare(found: &Value, op: Op, want: &Value) -> bool {
    use std::cmp::Ordering;
    let ordering = match (found, want) {
        (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => None,
        },
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match op {
        Op::Eq => ordering == Some(Ordering::Equal) || (ordering.is_none() && found == want),
        Op::Ne => !(ordering == Some(Ordering::Equal) || (ordering.is_none() && found == want)),
        Op::Gt => ordering == Some(Ordering::Greater),
        Op::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
        Op::Lt => ordering == Some(Ordering::Less),
        Op::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
        Op::Match => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(cond: &str, payload: &str) -> bool {
        Expect::new(&[], &[cond.to_string()])
            .unwrap()
            .unwrap()
            .matches(payload.as_bytes())
    }

    #[test]
    fn comparisons() {
        let doc = r#"{"temp": 31.5, "state": "on", "ok": true, "list": [1, {"x": null}]}"#;
        for (cond, want) in [
            ("/temp > 30", true),
            ("/temp>30", true),
            ("/temp > 31.5", false),
            ("/temp >= 31.5", true),
            ("/temp < 40", true),
            ("/temp <= 3", false),
            ("/temp == 31.5", true),
            ("/temp != 31.5", false),
            ("/state == on", true),
            ("/state == \"on\"", true),
            ("/state != off", true),
            ("/state ~ ^o", true),
            ("/temp ~ ^31", true),
            ("/ok == true", true),
            ("/ok == false", false),
            ("/list/1/x == null", true),
            ("/list/1/x", true),
            ("/missing", false),
            ("/missing != 1", false),
            ("/state > 3", false),
            ("", true),
        ] {
            assert_eq!(json(cond, doc), want, "{cond}");
        }
        assert!(!json("/temp > 1", "not json"));
        assert!(json("== 5", "5"));
    }

    #[test]
    fn regex_on_bytes() {
        let e = Expect::new(&["^on(line)?$".into()], &[]).unwrap().unwrap();
        assert!(e.matches(b"online"));
        assert!(!e.matches(b"offline"));
        let e = Expect::new(&["ready".into()], &[]).unwrap().unwrap();
        assert!(e.matches(b"\xff\x00 ready \xfe"));
    }

    #[test]
    fn all_must_hold() {
        let e = Expect::new(&["temp".into()], &["/temp > 30".into()])
            .unwrap()
            .unwrap();
        assert!(e.matches(br#"{"temp": 35}"#));
        assert!(!e.matches(br#"{"temp": 25}"#));
    }

    #[test]
    fn bad_conditions_are_explained() {
        for (regex, cond, needle) in [
            (Some("("), None, "not a regular expression"),
            (None, Some("temp > 3"), "JSON pointer"),
            (None, Some("/temp >"), "no value"),
            (None, Some("/temp = 3"), "operator"),
            (None, Some("/t ~ ("), "not a regular expression"),
        ] {
            let regexes: Vec<String> = regex.into_iter().map(String::from).collect();
            let conds: Vec<String> = cond.into_iter().map(String::from).collect();
            let err = Expect::new(&regexes, &conds).unwrap_err();
            assert!(err.contains(needle), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
