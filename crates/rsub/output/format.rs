//! `-F FORMAT`: mosquitto_sub's output format language, parsed once into a list of parts
//! and rendered per message straight into the output buffer.
//!
//! The language, as mosquitto_sub 2.0 has it (and rejects what it rejects):
//! - `%` fields: `%%` `%A` topic alias, `%C` content type, `%D` correlation data, `%E` message
//!   expiry, `%F` payload format indicator, `%I` ISO 8601 local time, `%j` `%J` JSON, `%l`
//!   payload length, `%m` packet id, `%P` user properties, `%p` payload, `%q` qos, `%R`
//!   response topic, `%r` retain, `%S` subscription id, `%t` topic, `%U` unix time with
//!   nanoseconds, `%x` `%X` hex payload; with an optional `-` (left align) or `0` (zero pad)
//!   flag, a field width and a `.precision`, e.g. `%-10.5t`;
//! - `@` time fields: `@X` is strftime's `%X` of the receive time in local time, `@N` the
//!   nanoseconds, `@@` a literal `@`;
//! - escapes `\\ \0 \a \e \n \r \t \v`.
//!
//! Quirks of mosquitto_sub's printing are kept on purpose so outputs match byte for byte:
//! a width on `%p`/`%x` truncates the payload (and `%x` then shows width/2 bytes); `-` on
//! `%p`/`%x` without a width pads with as many spaces as the payload has bytes; `%q %r %%
//! %P %D %U` ignore width and precision; a missing `%R` or `%D` prints nothing while other
//! missing properties print `width` pad characters.
//!
//! Parsing never panics on any input (this module is fuzzed): every malformed format is an
//! error that names the problem.

use std::io::{self, Write};
use std::time::SystemTime;

use chrono::{DateTime, Local};

use rpubsub_core::session::Message;

/// The largest field width or precision accepted. mosquitto takes any (and overflows a C
/// int); beyond this a format is surely a typo, and would print megabytes per message.
pub const MAX_WIDTH: usize = 65_535;

/// A parsed `-F` format.
#[derive(Debug, Clone, PartialEq)]
pub struct Format {
    parts: Vec<Part>,
    uses_time: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(Vec<u8>),
    /// A `%` field: its conversion letter and flags.
    Field(u8, Spec),
    /// `@X`: strftime's `%X`.
    Strftime(u8),
    /// `@N`: nanoseconds of the receive time.
    Nanos,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Spec {
    left: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

/// The `%` conversions mosquitto_sub knows.
const CONVERSIONS: &[u8] = b"%ACDEFIlmPpqRSrtjJUxX";

/// strftime conversions rendered by chrono exactly as glibc renders them in the C locale.
const STRFTIME: &[u8] = b"aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYz%";

impl Format {
    /// Parse a format, or say what is wrong with it.
    pub fn parse(text: &str) -> Result<Format, String> {
        let b = text.as_bytes();
        let mut parts = Vec::new();
        let mut literal = Vec::new();
        let mut uses_time = false;
        let mut i = 0;
        let incomplete = |what: &str| format!("incomplete format specifier at the end: {what}");
        while i < b.len() {
            match b[i] {
                b'%' => {
                    let start = i;
                    i += 1;
                    let mut spec = Spec::default();
                    match b.get(i) {
                        Some(b'-') => {
                            spec.left = true;
                            i += 1;
                            // mosquitto also takes a 0 after -, and ignores it.
                            if b.get(i) == Some(&b'0') && b.get(i + 1).is_some() {
                                spec.zero = true;
                                i += 1;
                            }
                        }
                        Some(b'0') => {
                            spec.zero = true;
                            i += 1;
                        }
                        _ => {}
                    }
                    spec.width = number(b, &mut i, "field width")?;
                    if b.get(i) == Some(&b'.') {
                        i += 1;
                        spec.precision = Some(number(b, &mut i, "precision")?);
                    }
                    let Some(&conv) = b.get(i) else {
                        let shown = &text[start..];
                        return Err(incomplete(&format!(
                            "'{shown}' needs a letter such as %p (%% prints %)"
                        )));
                    };
                    if !CONVERSIONS.contains(&conv) {
                        let c = text[i..].chars().next().unwrap_or('?');
                        return Err(format!(
                            "invalid format specifier '%{c}' (valid: %% %A %C %D %E %F %I %j %J %l %m %P %p %q %R %r %S %t %U %x %X)"
                        ));
                    }
                    i += 1;
                    uses_time |= matches!(conv, b'I' | b'j' | b'J' | b'U');
                    flush(&mut literal, &mut parts);
                    parts.push(Part::Field(conv, spec));
                }
                b'@' => {
                    i += 1;
                    let Some(&c) = b.get(i) else {
                        return Err(incomplete(
                            "'@' needs a time field such as @H (@@ prints @)",
                        ));
                    };
                    i += 1;
                    if c == b'@' {
                        literal.push(b'@');
                    } else {
                        uses_time = true;
                        flush(&mut literal, &mut parts);
                        parts.push(if c == b'N' {
                            Part::Nanos
                        } else {
                            Part::Strftime(c)
                        });
                    }
                }
                b'\\' => {
                    i += 1;
                    let Some(&c) = b.get(i) else {
                        return Err(
                            "incomplete escape at the end: '\\' needs a letter (\\\\ prints \\)"
                                .into(),
                        );
                    };
                    let byte = match c {
                        b'\\' => b'\\',
                        b'0' => 0,
                        b'a' => 0x07,
                        b'e' => 0x1b,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'v' => 0x0b,
                        _ => {
                            let c = text[i..].chars().next().unwrap_or('?');
                            return Err(format!(
                                "invalid escape '\\{c}' (valid: \\\\ \\0 \\a \\e \\n \\r \\t \\v)"
                            ));
                        }
                    };
                    i += 1;
                    literal.push(byte);
                }
                other => {
                    literal.push(other);
                    i += 1;
                }
            }
        }
        flush(&mut literal, &mut parts);
        Ok(Format { parts, uses_time })
    }

    /// Does rendering need the receive time? (Saves a clock read per message when not.)
    pub fn uses_time(&self) -> bool {
        self.uses_time
    }

    /// Write one message as the format says (without the trailing newline).
    pub fn render(
        &self,
        out: &mut impl Write,
        message: &Message,
        received: SystemTime,
        pretty: bool,
    ) -> io::Result<()> {
        let mut local: Option<DateTime<Local>> = None;
        let mut time = || *local.get_or_insert_with(|| DateTime::<Local>::from(received));
        for part in &self.parts {
            match part {
                Part::Literal(bytes) => out.write_all(bytes)?,
                Part::Field(conv, spec) => field(out, *conv, spec, message, &mut time, pretty)?,
                Part::Strftime(c) => strftime(out, *c, &time())?,
                Part::Nanos => write!(out, "{:09}", time().timestamp_subsec_nanos())?,
            }
        }
        Ok(())
    }
}

fn flush(literal: &mut Vec<u8>, parts: &mut Vec<Part>) {
    if !literal.is_empty() {
        parts.push(Part::Literal(std::mem::take(literal)));
    }
}

/// Digits at `*i`, as a width or precision.
fn number(b: &[u8], i: &mut usize, what: &str) -> Result<usize, String> {
    let mut n: usize = 0;
    while let Some(d) = b.get(*i).filter(|d| d.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add((d - b'0') as usize);
        *i += 1;
    }
    if n > MAX_WIDTH {
        return Err(format!("{what} {n} is too large (at most {MAX_WIDTH})"));
    }
    Ok(n)
}

fn field(
    out: &mut impl Write,
    conv: u8,
    spec: &Spec,
    m: &Message,
    time: &mut impl FnMut() -> DateTime<Local>,
    pretty: bool,
) -> io::Result<()> {
    let props = m.properties.as_deref();
    let pad = if spec.zero { b'0' } else { b' ' };
    match conv {
        b'%' => out.write_all(b"%"),
        b'A' => match props.and_then(|p| p.topic_alias) {
            Some(v) => int(out, v as i64, spec),
            None => repeat(out, pad, spec.width),
        },
        b'C' => match props.and_then(|p| p.content_type.as_deref()) {
            Some(v) => text(out, v.as_bytes(), spec),
            None => repeat(out, b' ', spec.width),
        },
        b'D' => match props.and_then(|p| p.correlation_data.as_deref()) {
            Some(v) => out.write_all(v),
            None => Ok(()),
        },
        // mosquitto prints the u32 through a C int.
        b'E' => match props.and_then(|p| p.message_expiry) {
            Some(v) => int(out, v as i32 as i64, spec),
            None => repeat(out, pad, spec.width),
        },
        b'F' => match props.and_then(|p| p.payload_format) {
            Some(v) => int(out, v as i64, spec),
            None => repeat(out, pad, spec.width),
        },
        b'I' => {
            let t = time().format("%Y-%m-%dT%H:%M:%S%z").to_string();
            text(out, t.as_bytes(), spec)
        }
        b'j' | b'J' => super::mosquitto_json::write(out, m, &time(), conv == b'J', pretty),
        b'l' => int(out, m.payload.len() as i64, spec),
        b'm' => int(out, m.pkid as i64, spec),
        b'P' => {
            if let Some(p) = props {
                for (i, (k, v)) in p.user_properties.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b" ")?;
                    }
                    out.write_all(k.as_bytes())?;
                    out.write_all(b":")?;
                    out.write_all(v.as_bytes())?;
                }
            }
            Ok(())
        }
        b'p' => payload(out, &m.payload, Hex::No, spec),
        b'q' => out.write_all(&[b'0' + m.qos.as_u8()]),
        b'R' => match props.and_then(|p| p.response_topic.as_deref()) {
            Some(v) => text(out, v.as_bytes(), spec),
            None => Ok(()),
        },
        b'r' => out.write_all(if m.retain { b"1" } else { b"0" }),
        b'S' => match props.and_then(|p| p.subscription_ids.first()) {
            Some(v) => int(out, *v as i32 as i64, spec),
            None => repeat(out, pad, spec.width),
        },
        b't' => text(out, &m.topic, spec),
        b'U' => {
            let t = time();
            write!(out, "{}.{:09}", t.timestamp(), t.timestamp_subsec_nanos())
        }
        b'x' => payload(out, &m.payload, Hex::Lower, spec),
        b'X' => payload(out, &m.payload, Hex::Upper, spec),
        // The parser admits nothing else.
        _ => Ok(()),
    }
}

/// `n` copies of `byte`, without allocating.
fn repeat(out: &mut impl Write, byte: u8, mut n: usize) -> io::Result<()> {
    let chunk = [byte; 64];
    while n > 0 {
        let k = n.min(chunk.len());
        out.write_all(&chunk[..k])?;
        n -= k;
    }
    Ok(())
}

/// C's `%d`, `%-*d`, `%0*d`, `%*d`.
fn int(out: &mut impl Write, v: i64, spec: &Spec) -> io::Result<()> {
    let w = spec.width;
    if w == 0 {
        write!(out, "{v}")
    } else if spec.left {
        write!(out, "{v:<w$}")
    } else if spec.zero {
        write!(out, "{v:0w$}")
    } else {
        write!(out, "{v:>w$}")
    }
}

/// C's `%*.*s`: precision cuts and width pads, counted in bytes.
fn text(out: &mut impl Write, s: &[u8], spec: &Spec) -> io::Result<()> {
    let s = &s[..spec.precision.map_or(s.len(), |p| p.min(s.len()))];
    let pad = spec.width.saturating_sub(s.len());
    if spec.left {
        out.write_all(s)?;
        repeat(out, b' ', pad)
    } else {
        repeat(out, b' ', pad)?;
        out.write_all(s)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Hex {
    No,
    Lower,
    Upper,
}

/// mosquitto's write_payload, quirks included (see the module comment).
fn payload(out: &mut impl Write, payload: &[u8], hex: Hex, spec: &Spec) -> io::Result<()> {
    let mut len = payload.len();
    // Negative means "left-justify in that many" to C's printf("%*s").
    let padlen: i64 = if spec.width > 0 {
        len = len.min(spec.width);
        if hex != Hex::No {
            len /= 2;
            spec.width as i64 - 2 * len as i64
        } else {
            (spec.width - len) as i64
        }
    } else {
        -(len as i64)
    };
    if !spec.left && padlen > 0 {
        repeat(out, if spec.zero { b'0' } else { b' ' }, padlen as usize)?;
    }
    let bytes = &payload[..len];
    match hex {
        Hex::No => out.write_all(bytes)?,
        Hex::Lower | Hex::Upper => {
            let digits = if hex == Hex::Lower {
                b"0123456789abcdef"
            } else {
                b"0123456789ABCDEF"
            };
            let mut buf = [0u8; 128];
            for chunk in bytes.chunks(buf.len() / 2) {
                for (j, &byte) in chunk.iter().enumerate() {
                    buf[2 * j] = digits[(byte >> 4) as usize];
                    buf[2 * j + 1] = digits[(byte & 15) as usize];
                }
                out.write_all(&buf[..2 * chunk.len()])?;
            }
        }
    }
    if spec.left {
        repeat(out, b' ', padlen.unsigned_abs() as usize)?;
    }
    Ok(())
}

/// `@c`: what glibc's strftime gives for `%c` in the C locale (mosquitto_sub never sets a
/// locale), including its echo of unknown conversions.
fn strftime(out: &mut impl Write, c: u8, t: &DateTime<Local>) -> io::Result<()> {
    if c == b'Z' {
        return out.write_all(zone_name(t).as_bytes());
    }
    if STRFTIME.contains(&c) {
        let spec = [b'%', c];
        // Both bytes are ASCII.
        let spec = std::str::from_utf8(&spec).unwrap_or("%%");
        let mut s = String::new();
        use std::fmt::Write as _;
        return match write!(s, "{}", t.format(spec)) {
            Ok(()) => out.write_all(s.as_bytes()),
            Err(_) => Ok(()),
        };
    }
    // glibc reads a digit as a field width and pads the echoed "%d" to it.
    if c.is_ascii_digit() {
        repeat(out, b' ', (c - b'0').saturating_sub(2) as usize)?;
    }
    out.write_all(&[b'%', c])
}

/// The time zone abbreviation (`UTC`, `CET`) for `@Z`. chrono's Local knows only offsets, so
/// use the name from TZ when it is a plain POSIX one, else UTC for a zero offset, else the
/// numeric offset.
fn zone_name(t: &DateTime<Local>) -> String {
    use chrono::Offset;
    let offset = t.offset().fix().local_minus_utc();
    if let Ok(tz) = std::env::var("TZ") {
        let name: String = tz
            .trim_start_matches(':')
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        if name.len() >= 3 && name.len() == tz.trim_start_matches(':').len() {
            return name;
        }
    }
    if offset == 0 {
        "UTC".into()
    } else {
        t.format("%z").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use rpubsub_core::properties::PublishProperties;
    use std::time::{Duration, UNIX_EPOCH};

    fn msg(payload: &[u8]) -> Message {
        Message {
            topic: Bytes::from_static(b"a/b"),
            payload: Bytes::copy_from_slice(payload),
            qos: rpubsub_core::qos::Qos::AtLeastOnce,
            retain: true,
            dup: false,
            pkid: 42,
            properties: None,
        }
    }

    fn render(format: &str, m: &Message) -> Vec<u8> {
        let f = Format::parse(format).unwrap_or_else(|e| panic!("{format}: {e}"));
        let mut out = Vec::new();
        f.render(
            &mut out,
            m,
            UNIX_EPOCH + Duration::new(1_700_000_000, 123),
            false,
        )
        .unwrap();
        out
    }

    fn s(format: &str, m: &Message) -> String {
        String::from_utf8(render(format, m)).unwrap()
    }

    #[test]
    fn fields_as_mosquitto_prints_them() {
        let m = msg(b"hello");
        for (format, want) in [
            ("%t %p", "a/b hello"),
            ("%-5t|", "a/b  |"),
            ("%05l|", "00005|"),
            ("%-05l|", "5    |"),
            ("%10.2t|", "        a/|"),
            ("%.2t|", "a/|"),
            ("%5.0t|", "     |"),
            ("%10p|", "     hello|"),
            ("%2p|", "he|"),
            ("%10x|", "      6865|"),
            ("%3x|", " 68|"),
            ("%10X|", "      6865|"),
            ("%-p|", "hello     |"),
            ("%-x|", "68656c6c6f     |"),
            ("%-5x|", "6865 |"),
            ("%-3p|", "hel|"),
            ("%.1p|", "hello|"),
            ("%08p|", "000hello|"),
            ("%05x|", "06865|"),
            ("%x", "68656c6c6f"),
            ("%X", "68656C6C6F"),
            ("%5q|%5r|%5m|%5%|%5P|", "1|1|   42|%||"),
            (
                "%A|%5A|%05E|%5C|%R|%D|%P|%S|%F|%03S",
                "|     |00000|     ||||||000",
            ),
            ("%l %m %q %r %%", "5 42 1 1 %"),
            ("\\\\\\t\\n\\r\\a\\e\\v\\0", "\\\t\n\r\x07\x1b\x0b\0"),
            ("@@ 100%% @@@@", "@ 100% @@"),
            ("%00l", "5"),
        ] {
            assert_eq!(s(format, &m), want, "format {format:?}");
        }
    }

    #[test]
    fn properties() {
        let mut m = msg(b"v5");
        m.properties = Some(Box::new(PublishProperties {
            payload_format: Some(1),
            message_expiry: Some(300),
            topic_alias: Some(3),
            content_type: Some("text/x".into()),
            response_topic: Some("r/t".into()),
            correlation_data: Some(Bytes::from_static(b"cd\x001")),
            user_properties: vec![("k".into(), "v".into()), ("k2".into(), "v2".into())],
            subscription_ids: vec![7],
        }));
        assert_eq!(
            render("%A|%C|%D|%E|%F|%P|%R|%S|%10C|%-10R|%.2C|%010E|%-5F|", &m),
            b"3|text/x|cd\x001|300|1|k:v k2:v2|r/t|7|    text/x|r/t       |te|0000000300|1    |"
        );
    }

    #[test]
    fn binary_payload_untouched() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(render("%p", &msg(&bytes)), bytes);
    }

    #[test]
    fn time_fields_share_one_instant() {
        std::env::set_var("TZ", "UTC");
        let m = msg(b"x");
        assert_eq!(s("%U", &m), "1700000000.000000123");
        assert_eq!(s("@s.@N", &m), "1700000000.000000123");
        assert_eq!(
            s("@Y-@m-@d @H:@M:@S @Z @z", &m),
            "2023-11-14 22:13:20 UTC +0000"
        );
        assert_eq!(s("%I", &m), "2023-11-14T22:13:20+0000");
        assert_eq!(s("%30I|", &m), "      2023-11-14T22:13:20+0000|");
        assert_eq!(s("@c", &m), "Tue Nov 14 22:13:20 2023");
        assert_eq!(s("@3|@9|@E|@%|@-|@+|@1", &m), " %3|       %9|%E|%|%-|%+|%1");
        assert_eq!(s("@e@k@l@P@p@j", &m), "142210pmPM318");
    }

    #[test]
    fn json_field() {
        std::env::set_var("TZ", "UTC");
        let m = msg(b"hi");
        assert_eq!(
            s("%j", &m),
            "{\"tst\":\"2023-11-14T22:13:20.000000Z+0000\",\"topic\":\"a/b\",\"qos\":1,\"retain\":1,\"payloadlen\":2,\"mid\":42,\"payload\":\"hi\"}"
        );
        let j = s("%J", &msg(b"{\"a\": [1, 2.50]}"));
        assert!(j.ends_with("\"payload\":{\"a\":[1,2.5]}}"), "{j}");
        let bin = s("%j", &msg(&[0xff, 0]));
        assert!(
            bin.ends_with("\"encoding\":\"base64\",\"payload\":\"/wA=\"}"),
            "{bin}"
        );
    }

    #[test]
    fn errors() {
        for (format, needle) in [
            ("%", "incomplete"),
            ("x%", "incomplete"),
            ("%5", "incomplete"),
            ("%-", "incomplete"),
            ("%5.", "incomplete"),
            ("%z", "'%z'"),
            ("%0-5t", "'%-'"),
            ("%é", "'%é'"),
            ("@", "incomplete"),
            ("\\", "incomplete"),
            ("\\q", "'\\q'"),
            ("%99999999999999999999999p", "too large"),
            ("%.70000t", "too large"),
        ] {
            let err = Format::parse(format).unwrap_err();
            assert!(
                err.contains(needle),
                "{format:?}: {err:?} should mention {needle}"
            );
        }
    }

    /// Every short input over an alphabet of the special characters parses or is refused,
    /// and renders without panicking.
    #[test]
    fn never_panics() {
        let alphabet: Vec<char> = "%@\\-0.5xpjJtéNZ9 ".chars().collect();
        let m = msg(&[0xff, b'a', 0]);
        let mut stack = vec![String::new()];
        while let Some(f) = stack.pop() {
            if let Ok(parsed) = Format::parse(&f) {
                let mut out = Vec::new();
                parsed
                    .render(&mut out, &m, SystemTime::now(), true)
                    .unwrap();
            }
            if f.chars().count() < 4 {
                for c in &alphabet {
                    stack.push(format!("{f}{c}"));
                }
            }
        }
    }
}
