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
        let mut tcp = match self.ty {
            // rpubsub: SOCKS5 has its own handshake in place of CONNECT.
            ProxyType::Socks5h => {
                let tcp = proxy_tcp(&proxy_addr, network_options).await?;
                let target = tokio_socks::TargetAddr::Domain(broker_addr.into(), broker_port);
                return socks5(tcp, &self.auth, target).await;
            }
            ProxyType::Socks5 => {
                return socks5_each(&proxy_addr, network_options, &self.auth, broker_addr, broker_port)
                    .await;
            }
            ProxyType::Http => proxy_tcp(&proxy_addr, network_options).await?,
            #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
            ProxyType::Https(tls_config) => {
                let tcp = proxy_tcp(&proxy_addr, network_options).await?;
                tls::tls_connect(&self.addr, self.port, &tls_config, tcp).await?
            }
        };
        self.auth.auth(broker_addr, broker_port, &mut tcp).await?;
        Ok(tcp)
    }
}

// rpubsub: a TCP connection to the proxy at `proxy_addr`, which acknowledges what came once
// the data pauses (`ack_after_pause.rs`).
async fn proxy_tcp(
    proxy_addr: &str,
    network_options: NetworkOptions,
) -> Result<Box<dyn AsyncReadWrite>, ProxyError> {
    let tcp = socket_connect(proxy_addr.to_string(), network_options).await?;
    Ok(Box::new(crate::ack_after_pause::AckAfterPause::new(tcp)))
}

// rpubsub: `socks5://`: the broker's name resolved here (`localhost` as `socket_connect` takes
// it), and each of its addresses asked of the proxy in turn, each over a connection of its own
// (a proxy closes the one it could not reach the target on), as `socket_connect` tries each
// address itself. The last refusal is the one told. An error that is not about the target
// (the proxy's login, its protocol) ends the attempts at once. A name that does not resolve is
// an invalid target, told apart from a failure to reach the proxy.
async fn socks5_each(
    proxy_addr: &str,
    network_options: NetworkOptions,
    auth: &ProxyAuth,
    host: &str,
    port: u16,
) -> Result<Box<dyn AsyncReadWrite>, ProxyError> {
    let unresolved =
        || ProxyError::Socks(tokio_socks::Error::InvalidTargetAddress("the name does not resolve"));
    let addresses: Vec<std::net::SocketAddr> =
        match crate::eventloop::localhost(&format!("{host}:{port}")) {
            Some(addresses) => addresses.to_vec(),
            None => match tokio::net::lookup_host((host, port)).await {
                Ok(addresses) => addresses.collect(),
                Err(_) => return Err(unresolved()),
            },
        };
    let mut last = unresolved();
    for address in addresses {
        let tcp = proxy_tcp(proxy_addr, network_options.clone()).await?;
        match socks5(tcp, auth, tokio_socks::TargetAddr::Ip(address)).await {
            Err(ProxyError::Socks(e)) if target_unreachable(&e) => last = ProxyError::Socks(e),
            done => return done,
        }
    }
    Err(last)
}

// rpubsub: the SOCKS5 replies (RFC 1928, 6) that are about the one address asked for, so that
// another may still work.
fn target_unreachable(e: &tokio_socks::Error) -> bool {
    use tokio_socks::Error as E;
    matches!(
        e,
        E::GeneralSocksServerFailure
            | E::NetworkUnreachable
            | E::HostUnreachable
            | E::ConnectionRefused
            | E::TtlExpired
            | E::AddressTypeNotSupported
    )
}

// rpubsub: the SOCKS5 handshake on `tcp`, for `target`.
async fn socks5(
    tcp: Box<dyn AsyncReadWrite>,
    auth: &ProxyAuth,
    target: tokio_socks::TargetAddr<'_>,
) -> Result<Box<dyn AsyncReadWrite>, ProxyError> {
    use tokio_socks::tcp::Socks5Stream;
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
        // `localhost` is 127.0.0.1 first, without the resolver (`eventloop::localhost`).
        assert_eq!(through(ProxyType::Socks5).await, V4);
    }

    /// A SOCKS5 proxy without a login for up to `answers.len()` connections: to each CONNECT
    /// it gives the reply code of its turn (0: success, then "hello" through the tunnel; else
    /// the refusal, and it closes). It returns the address part of each CONNECT request; a
    /// connection that does not come within 5 s ends the list, so that a client trying too
    /// few addresses fails the test's assertion instead of hanging it.
    async fn socks5_answering(listener: TcpListener, answers: &[u8]) -> Vec<Vec<u8>> {
        let mut asked = Vec::new();
        for &reply in answers {
            let wait = std::time::Duration::from_secs(5);
            let Ok(accepted) = tokio::time::timeout(wait, listener.accept()).await else {
                break;
            };
            let (mut s, _) = accepted.unwrap();
            let mut greeting = [0u8; 2];
            s.read_exact(&mut greeting).await.unwrap();
            let mut methods = vec![0u8; greeting[1] as usize];
            s.read_exact(&mut methods).await.unwrap();
            s.write_all(&[5, 0]).await.unwrap();
            let mut head = [0u8; 4];
            s.read_exact(&mut head).await.unwrap();
            let len = if head[3] == 4 { 16 } else { 4 };
            let mut address = vec![0u8; len + 2];
            s.read_exact(&mut address).await.unwrap();
            asked.push([&[head[3]][..], &address].concat());
            s.write_all(&[5, reply, 0, 1, 127, 0, 0, 1, 0, 1]).await.unwrap();
            if reply == 0 {
                s.write_all(b"hello").await.unwrap();
            }
        }
        asked
    }

    /// `socks5://` to `localhost:1883` through a proxy giving `answers` in turn.
    async fn socks5_to_localhost(
        answers: &'static [u8],
    ) -> (Result<Box<dyn AsyncReadWrite>, ProxyError>, Vec<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = tokio::spawn(socks5_answering(listener, answers));
        let proxy_options = Proxy {
            ty: ProxyType::Socks5,
            auth: ProxyAuth::None,
            addr: "127.0.0.1".into(),
            port,
        };
        let tunnel = proxy_options
            .connect("localhost", 1883, NetworkOptions::new())
            .await;
        (tunnel, proxy.await.unwrap())
    }

    const V4: [u8; 7] = [1, 127, 0, 0, 1, 0x07, 0x5b];
    const V6: [u8; 19] = [4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x07, 0x5b];

    /// `socks5://`: an address the proxy cannot reach (5: connection refused) is followed by
    /// the next one the name resolves to, over a new connection to the proxy.
    #[tokio::test]
    async fn socks5_asks_for_each_address_until_the_proxy_reaches_one() {
        let (tunnel, asked) = socks5_to_localhost(&[5, 0]).await;
        assert_eq!(asked, [V4.to_vec(), V6.to_vec()]);
        let mut hello = [0u8; 5];
        tunnel.unwrap().read_exact(&mut hello).await.unwrap();
        assert_eq!(&hello, b"hello");
    }

    /// When the proxy reaches none, the last refusal is told (4: host unreachable).
    #[tokio::test]
    async fn socks5_tells_the_last_refusal_when_no_address_is_reached() {
        let (tunnel, asked) = socks5_to_localhost(&[5, 4]).await;
        assert_eq!(asked.len(), 2);
        assert!(
            matches!(
                tunnel,
                Err(ProxyError::Socks(tokio_socks::Error::HostUnreachable))
            ),
            "{:?}",
            tunnel.err()
        );
    }

    /// A refusal that is not about the address (2: not allowed by the ruleset) ends the
    /// attempts at once.
    #[tokio::test]
    async fn socks5_stops_at_a_refusal_of_the_proxys_own() {
        let (tunnel, asked) = socks5_to_localhost(&[2]).await;
        assert_eq!(asked, [V4.to_vec()]);
        assert!(
            matches!(
                tunnel,
                Err(ProxyError::Socks(
                    tokio_socks::Error::ConnectionNotAllowedByRuleset
                ))
            ),
            "{:?}",
            tunnel.err()
        );
    }
}
