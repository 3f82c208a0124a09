//! `--proxy http://[user[:password]@]host:port`: an HTTP proxy that tunnels the connection
//! with CONNECT. rumqttc tunnels through HTTP proxies only; a SOCKS proxy is refused rather
//! than ignored.

use crate::exit::Fail;
use crate::options::{Credentials, Proxy, Transport};
use crate::settings::flags::ConnectArgs;
use crate::settings::origin::{setting, Setting};
use crate::settings::url;

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
    match &proxy.credentials {
        Some(c) => format!("http://{}:***@{}", c.username, proxy.address()),
        None => format!("http://{}", proxy.address()),
    }
}

/// The proxy URL; the error says what is wrong without repeating the URL.
fn parse(text: &str) -> Result<Proxy, String> {
    let (scheme, _) = text.split_once("://").unwrap_or(("", text));
    match scheme.to_ascii_lowercase().as_str() {
        "http" => {}
        "socks5h" | "socks5" | "socks4" | "socks4a" | "socks" => {
            return Err(format!(
                "{scheme}:// proxies are not supported (only HTTP proxies that allow CONNECT: http://host:port)"
            ))
        }
        "https" => {
            return Err("https:// proxies are not supported (only http://host:port; the MQTT connection itself can still use TLS)".to_string())
        }
        _ => return Err("give the proxy as http://[user[:password]@]host:port".to_string()),
    }
    // The proxy URL has the broker URL's shape (user, password, host, port) under http://.
    let url = url::parse(&format!("mqtt://{}", &text[scheme.len() + 3..]))
        .map_err(|e| e.replace("URL", "proxy URL"))?;
    if url.path.is_some() {
        return Err("a proxy URL has no path: http://[user[:password]@]host:port".to_string());
    }
    let port = url
        .port
        .ok_or("the proxy URL needs a port: http://host:port")?;
    let credentials = url.username.map(|username| Credentials {
        username,
        password: url.password,
    });
    Ok(Proxy {
        host: url.host,
        port,
        credentials,
    })
}
