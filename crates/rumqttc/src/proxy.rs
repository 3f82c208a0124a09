// Changed for rpub/rsub from rumqttc 0.25.1: each change is marked `rpubsub:`, and
// crates/rumqttc/README.md lists them all.

use crate::eventloop::socket_connect;
use crate::framed::AsyncReadWrite;
use crate::NetworkOptions;

use std::io;

#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
use crate::{tls, TlsConfiguration};

#[derive(Clone, Debug)]
pub struct Proxy {
    pub ty: ProxyType,
    pub auth: ProxyAuth,
    pub addr: String,
    pub port: u16,
}

#[derive(Clone, Debug)]
pub enum ProxyType {
    Http,
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    Https(TlsConfiguration),
    // rpubsub: a SOCKS5 proxy (RFC 1928) given the broker's address as resolved here, as
    // curl's `socks5://`; `ProxyAuth::Basic` is its username/password method (RFC 1929).
    Socks5,
    // rpubsub: a SOCKS5 proxy given the broker's name to resolve itself (`socks5h://`), for
    // names only the proxy's side knows.
    Socks5h,
}

#[derive(Clone, Debug)]
pub enum ProxyAuth {
    None,
    Basic { username: String, password: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("Socket connect: {0}.")]
    Io(#[from] io::Error),
    #[error("Proxy connect: {0}.")]
    Proxy(#[from] async_http_proxy::HttpError),
    // rpubsub: the SOCKS5 proxy's refusal, or a handshake that went wrong.
    #[error("SOCKS5 proxy: {0}.")]
    Socks(#[from] tokio_socks::Error),

    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    #[error("Tls connect: {0}.")]
    Tls(#[from] tls::Error),
}

impl Proxy {
    pub(crate) async fn connect(
        self,
        broker_addr: &str,
        broker_port: u16,
        network_options: NetworkOptions,
    ) -> Result<Box<dyn AsyncReadWrite>, ProxyError> {
        let proxy_addr = format!("{}:{}", self.addr, self.port);

        // rpubsub: what came is acknowledged once the data pauses (`ack_after_pause.rs`).
        let tcp: Box<dyn AsyncReadWrite> = Box::new(crate::ack_after_pause::AckAfterPause::new(
            socket_connect(proxy_addr, network_options).await?,
        ));
        let mut tcp = match self.ty {
            // rpubsub: SOCKS5 has its own handshake in place of CONNECT.
            ProxyType::Socks5 | ProxyType::Socks5h => {
                let remote_dns = matches!(self.ty, ProxyType::Socks5h);
                return socks5(tcp, &self.auth, broker_addr, broker_port, remote_dns).await;
            }
            ProxyType::Http => tcp,
            #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
            ProxyType::Https(tls_config) => {
                tls::tls_connect(&self.addr, self.port, &tls_config, tcp).await?
            }
        };
        self.auth.auth(broker_addr, broker_port, &mut tcp).await?;
        Ok(tcp)
    }
}

// rpubsub: the SOCKS5 handshake on `tcp`, for the broker at `host:port`: the name as given
// when the proxy resolves it, otherwise the address it resolves to here (a name that does not
// resolve is an invalid target, told apart from a failure to reach the proxy).
async fn socks5(
    tcp: Box<dyn AsyncReadWrite>,
    auth: &ProxyAuth,
    host: &str,
    port: u16,
    remote_dns: bool,
) -> Result<Box<dyn AsyncReadWrite>, ProxyError> {
    use tokio_socks::tcp::Socks5Stream;
    let target = if remote_dns {
        tokio_socks::TargetAddr::Domain(host.into(), port)
    } else {
        let unresolved = tokio_socks::Error::InvalidTargetAddress("the name does not resolve");
        let mut addresses = tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| unresolved)?;
        let unresolved = tokio_socks::Error::InvalidTargetAddress("the name does not resolve");
        tokio_socks::TargetAddr::Ip(addresses.next().ok_or(unresolved)?)
    };
    let stream = match auth {
        ProxyAuth::None => Socks5Stream::connect_with_socket(tcp, target).await?,
        ProxyAuth::Basic { username, password } => {
            Socks5Stream::connect_with_password_and_socket(tcp, target, username, password).await?
        }
    };
    Ok(Box::new(stream))
}

impl ProxyAuth {
    async fn auth(
        self,
        host: &str,
        port: u16,
        tcp_stream: &mut Box<dyn AsyncReadWrite>,
    ) -> Result<(), ProxyError> {
        match self {
            Self::None => async_http_proxy::http_connect_tokio(tcp_stream, host, port).await?,
            Self::Basic { username, password } => {
                async_http_proxy::http_connect_tokio_with_basic_auth(
                    tcp_stream, host, port, &username, &password,
                )
                .await?
            }
        }
        Ok(())
    }
}

// rpubsub: the tests of the changes marked `rpubsub:` above (crates/rumqttc/README.md).
#[cfg(test)]
mod rpubsub_tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A SOCKS5 proxy for one connection that wants `user`/`pass`: it returns the CONNECT
    /// request's address part (type, address, port) and answers "hello" through the tunnel.
    async fn one_socks5_connection(listener: TcpListener) -> Vec<u8> {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut greeting = [0u8; 2];
        s.read_exact(&mut greeting).await.unwrap();
        let mut methods = vec![0u8; greeting[1] as usize];
        s.read_exact(&mut methods).await.unwrap();
        assert!(methods.contains(&2), "username/password offered");
        s.write_all(&[5, 2]).await.unwrap();
        let mut auth = vec![0u8; 2 + 4 + 1 + 4];
        s.read_exact(&mut auth).await.unwrap();
        assert_eq!(&auth[..], b"\x01\x04user\x04pass");
        s.write_all(&[1, 0]).await.unwrap();
        let mut head = [0u8; 4];
        s.read_exact(&mut head).await.unwrap();
        assert_eq!(&head[..3], &[5, 1, 0], "CONNECT");
        let len = match head[3] {
            1 => 4,
            3 => s.read_u8().await.unwrap() as usize,
            other => panic!("address type {other}"),
        };
        let mut address = vec![0u8; len + 2];
        s.read_exact(&mut address).await.unwrap();
        s.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 1]).await.unwrap();
        s.write_all(b"hello").await.unwrap();
        [&[head[3]][..], &address].concat()
    }

    async fn through(ty: ProxyType) -> Vec<u8> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = tokio::spawn(one_socks5_connection(listener));
        let auth = ProxyAuth::Basic {
            username: "user".into(),
            password: "pass".into(),
        };
        let proxy_options = Proxy {
            ty,
            auth,
            addr: "127.0.0.1".into(),
            port,
        };
        let mut tunnel = proxy_options
            .connect("localhost", 1883, NetworkOptions::new())
            .await
            .unwrap();
        let mut hello = [0u8; 5];
        tunnel.read_exact(&mut hello).await.unwrap();
        assert_eq!(&hello, b"hello");
        proxy.await.unwrap()
    }

    #[tokio::test]
    async fn socks5h_gives_the_proxy_the_name_and_socks5_the_address() {
        assert_eq!(through(ProxyType::Socks5h).await, b"\x03localhost\x07\x5b");
        let local = through(ProxyType::Socks5).await;
        assert!(
            local == [1, 127, 0, 0, 1, 0x07, 0x5b] || local.first() == Some(&4),
            "an address resolved here, got {local:?}"
        );
    }
}
