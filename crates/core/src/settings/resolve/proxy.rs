//! `--proxy SCHEME://[user[:password]@]host:port`: the proxy that tunnels the connection to the
//! broker. `http://` asks for the tunnel with CONNECT; `socks5h://` (mosquitto's form) is
//! SOCKS5 with the broker's name resolved by the proxy, `socks5://` SOCKS5 with the name
//! resolved here, so the proxy sees only an address. Other kinds are refused rather than
//! ignored.

use crate::exit::Fail;
use crate::options::{Credentials, Proxy, ProxyKind, Transport};
use crate::settings::flags::ConnectArgs;
use crate::settings::origin::{setting, Setting};
use crate::settings::url;

/// The forms `--proxy` takes, for refusals.
const FORMS: &str = "http://, socks5h:// or socks5://[user[:password]@]host:port";

/// The proxy from its flag or the config file.
pub(super) fn resolve(
    args: &ConnectArgs,
    transport: &Transport,
) -> Result<Option<Setting<Proxy>>, Fail> {
    let Some(given) = setting!(args.tls.proxy) else {
        return Ok(None);
    };
    let proxy = parse(&given.value).map_err(|e| given.refuse("--proxy:", e))?;
    if matches!(transport, Transport::Unix { .. }) {
        return Err(Fail::usage("--proxy cannot be used with --unix"));
    }
    Ok(Some(Setting::new(proxy, given.origin)))
}

/// How `--print-config` shows a proxy: its URL without the password.
pub(super) fn shown(proxy: &Proxy) -> String {
    let scheme = proxy.kind.scheme();
    match &proxy.credentials {
        Some(c) => format!("{scheme}://{}:***@{}", c.username, proxy.address()),
        None => format!("{scheme}://{}", proxy.address()),
    }
}

/// The proxy URL; the error says what is wrong without repeating the URL.
fn parse(text: &str) -> Result<Proxy, String> {
    let (scheme, _) = text.split_once("://").unwrap_or(("", text));
    let kind = match scheme.to_ascii_lowercase().as_str() {
        "http" => ProxyKind::Http,
        "socks5h" => ProxyKind::Socks5h,
        "socks5" => ProxyKind::Socks5,
        "socks4" | "socks4a" | "socks" => {
            return Err(format!(
                "{scheme}:// proxies are not supported (only {FORMS})"
            ))
        }
        "https" => {
            return Err(format!("https:// proxies are not supported (only {FORMS}; the MQTT connection itself can still use TLS)"))
        }
        _ => return Err(format!("give the proxy as {FORMS}")),
    };
    let form = format!("{scheme}://[user[:password]@]host:port");
    // The proxy URL has the broker URL's shape (user, password, host, port) under its scheme.
    let url = url::parse(&format!("mqtt://{}", &text[scheme.len() + 3..]))
        .map_err(|e| e.replace("URL", "proxy URL"))?;
    if url.path.is_some() {
        return Err(format!("a proxy URL has no path: {form}"));
    }
    let port = url
        .port
        .ok_or_else(|| format!("the proxy URL needs a port: {scheme}://host:port"))?;
    let credentials = url.username.map(|username| Credentials {
        username,
        password: url.password,
    });
    if kind != ProxyKind::Http {
        socks5_credentials(credentials.as_ref(), &form)?;
    }
    Ok(Proxy {
        kind,
        host: url.host,
        port,
        credentials,
    })
}

/// SOCKS5's username/password method (RFC 1929) carries each in 1 to 255 bytes.
fn socks5_credentials(credentials: Option<&Credentials>, form: &str) -> Result<(), String> {
    let Some(c) = credentials else {
        return Ok(());
    };
    let password = c.password.as_ref().map_or(0, |p| p.expose().len());
    if !(1..=255).contains(&c.username.len()) || !(1..=255).contains(&password) {
        return Err(format!(
            "a SOCKS5 proxy takes a user and a password of 1 to 255 bytes each: {form}"
        ));
    }
    Ok(())
}
