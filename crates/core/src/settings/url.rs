//! `-L/--url`: `scheme://[user[:password]@]host[:port][/topic]`, as mosquitto's `-L` takes it.
//!
//! User and password may be percent-encoded (`%40` for `@`), so any password fits in a URL.
//! The password is kept as a [`Secret`] and the URL itself is never echoed in errors.

use crate::secret::Secret;

/// How the URL says to reach the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Mqtt,
    Mqtts,
    Ws,
    Wss,
}

impl Scheme {
    pub const KNOWN: &'static str = "mqtt://, mqtts://, ws://, wss://";

    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Mqtt => 1883,
            Scheme::Mqtts => 8883,
            Scheme::Ws => 80,
            Scheme::Wss => 443,
        }
    }
}

/// The parts of a broker URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    pub scheme: Scheme,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub host: String,
    pub port: Option<u16>,
    /// What follows the first `/` after the authority: a topic for mqtt(s), a path for ws(s).
    pub path: Option<String>,
}

/// Parse a broker URL; the error names what is wrong without repeating the URL.
pub fn parse(url: &str) -> Result<BrokerUrl, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("URL must start with a scheme ({})", Scheme::KNOWN))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "mqtt" | "tcp" => Scheme::Mqtt,
        "mqtts" | "ssl" | "tls" => Scheme::Mqtts,
        "ws" => Scheme::Ws,
        "wss" => Scheme::Wss,
        other => {
            return Err(format!(
                "unknown URL scheme '{other}://'; known: {}",
                Scheme::KNOWN
            ));
        }
    };
    let (authority, path) = match rest.split_once('/') {
        Some((a, p)) => (a, (!p.is_empty()).then(|| p.to_string())),
        None => (rest, None),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (username, password) = match userinfo {
        None => (None, None),
        Some(info) => {
            let (user, pass) = match info.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (info, None),
            };
            let user = percent_decode(user).map_err(|e| format!("URL username: {e}"))?;
            let pass = pass
                .map(|p| percent_decode(p).map(Secret::new))
                .transpose()
                .map_err(|e| format!("URL password: {e}"))?;
            ((!user.is_empty()).then_some(user), pass)
        }
    };
    let (host, port) = split_host_port(hostport)?;
    if host.is_empty() {
        return Err("URL has no host".into());
    }
    Ok(BrokerUrl {
        scheme,
        username,
        password,
        host,
        port,
        path,
    })
}

fn split_host_port(hostport: &str) -> Result<(String, Option<u16>), String> {
    // IPv6 literal: [::1]:1883
    if let Some(rest) = hostport.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("URL host: unclosed '[' in an IPv6 address")?;
        let port = match after {
            "" => None,
            p => Some(parse_port(
                p.strip_prefix(':').ok_or("URL: junk after ']'")?,
            )?),
        };
        return Ok((host.to_string(), port));
    }
    match hostport.rsplit_once(':') {
        Some((host, port)) => Ok((host.to_string(), Some(parse_port(port)?))),
        None => Ok((hostport.to_string(), None)),
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.parse::<u32>() {
        Ok(p) if (1..=65_535).contains(&p) => Ok(p as u16),
        _ => Err(format!("URL port '{text}' is not a port number (1-65535)")),
    }
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("'%' must be followed by two hex digits (write %25 for a literal %)")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent-encoding gives invalid UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url() {
        let u = parse("mqtt://kai:p%40ss@broker.lan:1884/test/topic").unwrap();
        assert_eq!(u.scheme, Scheme::Mqtt);
        assert_eq!(u.username.as_deref(), Some("kai"));
        assert_eq!(u.password.as_ref().map(|p| p.expose()), Some("p@ss"));
        assert_eq!(u.host, "broker.lan");
        assert_eq!(u.port, Some(1884));
        assert_eq!(u.path.as_deref(), Some("test/topic"));
    }

    #[test]
    fn minimal_and_ipv6() {
        let u = parse("mqtts://h").unwrap();
        assert_eq!(
            (u.scheme, u.host.as_str(), u.port, u.path),
            (Scheme::Mqtts, "h", None, None)
        );
        let u = parse("mqtt://[::1]:1883/t").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", Some(1883)));
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(parse("http://x")
            .unwrap_err()
            .contains("unknown URL scheme 'http://'"));
        assert!(parse("broker:1883").unwrap_err().contains("scheme"));
        assert!(parse("mqtt://:99999").unwrap_err().contains("port"));
        assert!(parse("mqtt://").unwrap_err().contains("no host"));
        assert!(parse("mqtt://u:%zz@h").unwrap_err().contains("password"));
        assert!(!parse("mqtt://u:secret@h:0").unwrap_err().contains("secret"));
    }
}
