//! Where the broker is: `-h` and `-p`, or all of it (and credentials and a topic) as one
//! `-L` URL (`url.rs`), which wins over both.

use clap::Args;

use super::IN_FILE;

#[derive(Debug, Clone, Args)]
#[group(skip)]
pub struct BrokerArgs {
    /// Broker host name or address [default: localhost, which is 127.0.0.1, then ::1]
    #[arg(short = 'h', long, env = "MQTT_HOST", value_name = "HOST", group = IN_FILE)]
    pub host: Option<String>,

    /// Broker port [default: 1883, with TLS 8883]
    #[arg(short = 'p', long, env = "MQTT_PORT", value_name = "PORT",
          value_parser = parse_port, allow_negative_numbers = true, group = IN_FILE)]
    pub port: Option<u16>,

    /// Broker URL: mqtt://, mqtts://, ws:// or wss://[user[:pass]@]host[:port][/topic or /path]
    #[arg(short = 'L', long = "url", value_name = "URL")]
    pub url: Option<String>,
}

/// `-p`: a TCP port, 1 to 65535.
pub fn parse_port(text: &str) -> Result<u16, String> {
    text.parse::<u16>()
        .ok()
        .filter(|&port| port != 0)
        .ok_or_else(|| format!("{text} is not a port (1-65535)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(parse_port("1883"), Ok(1883));
        assert_eq!(parse_port("65535"), Ok(65535));
        for bad in ["0", "70000", "-1", "x", ""] {
            assert_eq!(
                parse_port(bad),
                Err(format!("{bad} is not a port (1-65535)"))
            );
        }
    }
}
