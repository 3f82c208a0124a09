//! Text that came from the network (MQTT 5 reason strings, user properties, topics, anything
//! a broker or a proxy put into an error) made safe for a terminal and a log, before it
//! reaches stderr in one of our own lines.
//!
//! A control character from a broker would otherwise act on the terminal (`ESC ] 0 ;` retitles
//! it, `ESC [ 2 J` clears it) or forge log lines (a newline); each one is shown as an escape
//! instead (`\x1b`, `\n`, `\u{9b}`). A line is bounded too: a broker must not be able to write
//! megabytes to stderr through one error. Payloads and topics printed as output (rsub's
//! stdout) never pass here: those stay byte-exact.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The most bytes of one line on stderr; what is over is cut and counted.
pub const MAX_LINE: usize = 2000;

/// `text` with every control character shown as an escape; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `line` escaped and cut to [`MAX_LINE`] bytes (at a character boundary), saying how much
/// was left out.
pub fn line(line: &str) -> Cow<'_, str> {
    let escaped = escape(line);
    if escaped.len() <= MAX_LINE {
        return escaped;
    }
    let mut end = MAX_LINE;
    while !escaped.is_char_boundary(end) {
        end -= 1;
    }
    let left = escaped.len() - end;
    Cow::Owned(format!("{}... ({left} more bytes)", &escaped[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_as_escapes_and_the_rest_is_kept() {
        assert!(matches!(escape("plain ünïcode"), Cow::Borrowed(_)));
        assert_eq!(
            escape("\x1b]0;pwned\x07\x1b[2J"),
            "\\x1b]0;pwned\\x07\\x1b[2J"
        );
        assert_eq!(escape("a\nb\r\tc\x7f\u{9b}d"), "a\\nb\\r\\tc\\x7f\\u{9b}d");
    }

    #[test]
    fn a_line_is_bounded_and_says_how_much_was_cut() {
        let long = "é".repeat(MAX_LINE);
        let cut = line(&long);
        assert!(cut.len() <= MAX_LINE + 30);
        assert!(cut.ends_with(&format!("... ({} more bytes)", 2 * MAX_LINE - MAX_LINE)));
        assert_eq!(line("short"), "short");
    }
}
