//! The TCP socket under the connection, as mosquitto's clients let a user shape it: the
//! local address it binds to (`-A`, for machines with several interfaces) and `--nodelay`.

use std::net::IpAddr;

use clap::Args;

use super::IN_FILE;

#[derive(Debug, Clone, Default, Args)]
#[group(skip)]
pub struct SocketArgs {
    /// Bind the outgoing socket (to the broker, or to the proxy) to this local IP address
    #[arg(short = 'A', long = "bind-address", value_name = "ADDRESS",
          value_parser = parse_bind_address, group = IN_FILE)]
    pub bind_address: Option<IpAddr>,

    /// Disable Nagle's algorithm, as mosquitto's --nodelay: always so here (writes are batched)
    #[arg(long)]
    pub nodelay: bool,
}

/// `-A`: an IP address of this machine (mosquitto would also take a name; an address says
/// which interface without a lookup).
fn parse_bind_address(text: &str) -> Result<IpAddr, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("'{text}' is not an IP address (e.g. 192.168.1.10 or ::1)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_addresses_are_ip_addresses() {
        assert_eq!(parse_bind_address("127.0.0.2"), Ok([127, 0, 0, 2].into()));
        assert!(parse_bind_address("::1").is_ok());
        assert!(parse_bind_address("eth0")
            .unwrap_err()
            .contains("not an IP address"));
    }
}
