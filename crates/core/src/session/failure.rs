//! Turning a failed connection into one line a person understands and the exit status a
//! script can branch on.
//!
//! The protocol files sort rumqttc's errors into a [`Cause`] (each protocol has its own error
//! types, with the same causes inside); everything from there on is written once. The same
//! cause reads differently depending on when it happens: "connection refused" while
//! connecting means nothing listens there (exit 3); a reset after CONNACK means the
//! connection was lost (exit 6).

use std::error::Error;
use std::fmt::Display;
use std::io;
use std::time::Duration;

use super::packet::Code;
use crate::exit::{Exit, Fail};
use crate::options::Transport;
use crate::reason::Reason;

/// The broker as failures speak of it.
#[derive(Debug, Clone)]
pub struct Peer {
    /// How messages name it: `host:port`, the WebSocket URL, or the socket path.
    pub address: String,
    /// The name resolved (the path of a Unix socket).
    pub host: String,
    /// Over a Unix socket: nothing to resolve, and a missing file is what usually went wrong.
    unix: bool,
    /// Over a WebSocket in TLS: a hang-up in the handshake may be a plain `ws://` port.
    wss: bool,
}

impl Peer {
    /// The broker `transport` reaches.
    pub fn of(transport: &Transport) -> Peer {
        Peer {
            address: transport.address(),
            host: transport.host(),
            unix: matches!(transport, Transport::Unix { .. }),
            wss: matches!(transport, Transport::Wss { .. }),
        }
    }
}

/// MQTT 5 reason code of the DISCONNECT that tells the broker of a protocol error the session
/// found itself (2.4); rumqttc tells the errors it finds (`Wire::told`).
pub const PROTOCOL_ERROR: u8 = 0x82;

/// Where in the connection's life an error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Connecting,
    Connected,
}

/// Why a connection failed, whichever protocol it spoke.
pub enum Cause<'a> {
    /// CONNACK refused the connection.
    Refused(Code),
    Io(&'a io::Error),
    /// A packet over the broker's maximum packet size (MQTT 5 brokers announce it).
    TooLarge {
        size: usize,
        max: usize,
    },
    Tls(&'a rumqttc::TlsError),
    Websocket(&'a tungstenite::Error),
    /// A WebSocket server that did not agree to speak MQTT.
    NotMqtt(&'a dyn Display),
    Proxy(&'a (dyn Error + 'static)),
    BadUrl(&'a dyn Display),
    TimedOut,
    /// No PINGRESP within the keepalive.
    NoPingResp,
    Aborted,
    /// CONNECT was answered with this packet (by name) instead of CONNACK.
    NotConnAck(&'static str),
    /// The broker broke the protocol otherwise, as these words say ("the broker sent ...").
    Protocol(String),
    /// The broker sent what the decoder refused to take for a packet, as `what` says ("the
    /// broker sent ..."): see [`Cause::ends_session`].
    Malformed {
        what: String,
    },
    /// An acknowledgement for a packet id nothing was in flight under: a protocol error.
    Unsolicited(u16),
    /// A packet only a client sends (SUBSCRIBE, PINGREQ, ...): a protocol error.
    ClientPacket,
    /// The broker sent DISCONNECT, saying why (MQTT 5).
    Disconnected(Reason),
    /// A topic alias above the maximum the broker announced (MQTT 5).
    InvalidAlias {
        alias: u16,
        max: u16,
    },
    Other(&'a (dyn Error + 'static)),
}

impl Cause<'_> {
    /// The I/O error this failure is read from, if any (also deep in another error's causes).
    pub fn io(&self) -> Option<&io::Error> {
        match self {
            Cause::Io(e) => Some(e),
            Cause::Other(e) => io_cause(*e),
            _ => None,
        }
    }

    /// Does this failure end the session rather than the connection? After bytes that are
    /// no packet, whatever the broker sent with them or would send again is guesswork: the
    /// broker is broken (or something between corrupts the stream), and a session that
    /// reconnected would hand it the same messages again. The pump ends it as it ends one on
    /// the protocol errors it finds itself.
    pub fn ends_session(&self) -> bool {
        matches!(self, Cause::Malformed { .. })
    }

    /// Did the peer hang up on us (at the TCP level, not in a TLS alert)?
    pub fn hung_up(&self) -> bool {
        self.io()
            .is_some_and(|e| crate::tls::rustls_error(e).is_none() && is_hang_up(e.kind()))
    }
}

fn is_hang_up(kind: io::ErrorKind) -> bool {
    use io::ErrorKind as K;
    matches!(
        kind,
        K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted
    )
}

/// The failure in words, read in its phase.
pub fn read(cause: &Cause<'_>, peer: &Peer, phase: Phase) -> Fail {
    let address = peer.address.as_str();
    match cause {
        Cause::Refused(code) => refused(address, code),
        Cause::Io(e) => io_failure(peer, e, phase),
        Cause::TooLarge { size, max } => too_large(address, *size, *max),
        Cause::Tls(e) => tls_failure(peer, e),
        Cause::Websocket(e) => websocket_failure(peer, e, phase),
        Cause::NotMqtt(e) => not_mqtt_over_ws(address, *e),
        Cause::Proxy(e) => proxy_failure(address, *e),
        Cause::BadUrl(e) => Fail::usage(format!("bad WebSocket URL {address}: {e}")),
        Cause::TimedOut => lost_or_unreachable(address, phase, "timed out"),
        Cause::NoPingResp => lost_or_unreachable(
            address,
            phase,
            "the broker stopped answering (no PINGRESP within the keepalive)",
        ),
        Cause::Aborted => lost_or_unreachable(address, phase, "the broker closed it"),
        Cause::NotConnAck(name) => Fail::new(
            match phase {
                Phase::Connecting => Exit::Unreachable,
                Phase::Connected => Exit::ConnectionLost,
            },
            format!("{address} {}", super::connect::not_connack(name)),
        ),
        Cause::Protocol(what) | Cause::Malformed { what } => {
            protocol_error(address, phase, what)
        }
        Cause::ClientPacket => protocol_error(
            address,
            phase,
            "the broker sent a packet only a client sends",
        ),
        Cause::Unsolicited(pkid) => protocol_error(
            address,
            phase,
            &format!("the broker acknowledged packet id {pkid}, which no message of ours was waiting under"),
        ),
        Cause::Disconnected(reason) => Fail::new(
            Exit::ConnectionLost,
            format!("the broker at {address} disconnected: {reason}"),
        ),
        // The client refuses to send an alias above the broker's CONNACK maximum; the broker
        // would close the connection for it.
        Cause::InvalidAlias { alias, max } => Fail::new(
            Exit::Rejected,
            format!(
                "topic alias {alias} is above the maximum of {max} the broker at {address} accepts; nothing more was sent"
            ),
        ),
        Cause::Other(e) => other_failure(peer, *e, phase),
    }
}

/// No CONNACK within the connect timeout.
pub fn connect_timeout(address: &str, timeout: Duration) -> Fail {
    Fail::new(
        Exit::Unreachable,
        format!(
            "no answer from {address} within {} (connect timeout; is it an MQTT broker?)",
            crate::duration::show(timeout)
        ),
    )
}

/// A refused CONNACK: MQTT 3.1.1 return codes 1-5 by number, MQTT 5 reason codes by name.
fn refused(address: &str, code: &Code) -> Fail {
    let why = match code {
        Code::Return { code, name } => format!("{name} (return code {code})"),
        Code::Reason(reason) => reason.to_string(),
    };
    Fail::new(
        Exit::Refused,
        format!("the broker at {address} refused the connection: {why}"),
    )
}

/// An I/O error, read in its phase.
fn io_failure(peer: &Peer, err: &io::Error, phase: Phase) -> Fail {
    use io::ErrorKind as K;
    let (address, host) = (&peer.address, &peer.host);
    // Over TLS a read can fail on an alert the broker sent (a client certificate it wants).
    if let Some(tls) = crate::tls::rustls_error(err) {
        return tls_failed(address, &crate::tls::explain(tls));
    }
    let text = crate::io_error_text(err);
    if phase == Phase::Connecting && peer.unix {
        return Fail::new(
            Exit::Unreachable,
            match err.kind() {
                K::NotFound => format!("cannot connect to {address}: no such socket file"),
                K::ConnectionRefused => {
                    format!("cannot connect to {address}: nothing is listening on this socket")
                }
                _ => format!("cannot connect to {address}: {text}"),
            },
        );
    }
    if phase == Phase::Connected {
        return match err.kind() {
            K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => {
                Fail::new(
                    Exit::ConnectionLost,
                    format!("connection to {address} lost: the broker closed it"),
                )
            }
            _ => Fail::new(
                Exit::ConnectionLost,
                format!("connection to {address} lost: {text}"),
            ),
        };
    }
    let message = match err.kind() {
        K::ConnectionRefused => format!("cannot connect to {address}: nothing is listening there (connection refused)"),
        K::TimedOut => format!("cannot connect to {address}: timed out"),
        kind if is_hang_up(kind) => format!(
            "{address} closed the connection before answering CONNECT (is it an MQTT broker? does it want TLS?)"
        ),
        _ if text.contains("lookup address") || text.contains("resolve") => {
            format!("cannot resolve host name '{host}': {}", text.rsplit(": ").next().unwrap_or(&text))
        }
        _ => format!("cannot connect to {address}: {text}"),
    };
    Fail::new(Exit::Unreachable, message)
}

/// A publish over the broker's maximum packet size (MQTT 5 brokers announce it).
fn too_large(address: &str, size: usize, max: usize) -> Fail {
    Fail::new(
        Exit::Rejected,
        format!("a packet of {size} bytes is over the maximum packet size of the broker at {address} ({max} bytes)"),
    )
}

fn lost_or_unreachable(address: &str, phase: Phase, why: &str) -> Fail {
    match phase {
        Phase::Connecting => Fail::new(
            Exit::Unreachable,
            format!("cannot connect to {address}: {why}"),
        ),
        Phase::Connected => Fail::new(
            Exit::ConnectionLost,
            format!("connection to {address} lost: {why}"),
        ),
    }
}

/// The broker broke the protocol: the connection is given up (and, once connected, made
/// again), saying what the broker did.
fn protocol_error(address: &str, phase: Phase, what: &str) -> Fail {
    lost_or_unreachable(address, phase, &format!("{what} (a protocol error)"))
}

fn tls_failed(address: &str, why: &str) -> Fail {
    Fail::new(Exit::Tls, format!("TLS with {address} failed: {why}"))
}

/// The TLS handshake failed (rumqttc's TLS error: the handshake, or setting it up).
fn tls_failure(peer: &Peer, err: &rumqttc::TlsError) -> Fail {
    use rumqttc::TlsError as T;
    let address = &peer.address;
    match err {
        T::Io(e) => tls_io_failure(peer, e),
        T::TLS(e) => tls_failed(address, &crate::tls::explain(e)),
        T::DNSName(_) => tls_failed(address, "the host is not a name a certificate can carry"),
        other => tls_failed(address, &other.to_string()),
    }
}

/// An I/O error during the TLS handshake: the rustls error inside it, or the peer hanging up.
fn tls_io_failure(peer: &Peer, err: &io::Error) -> Fail {
    use io::ErrorKind as K;
    let address = &peer.address;
    match crate::tls::rustls_error(err) {
        Some(e) => tls_failed(address, &crate::tls::explain(e)),
        None => match err.kind() {
            K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted => tls_failed(
                address,
                if peer.wss {
                    "the server closed the connection during the handshake (is this a plain ws:// port?)"
                } else {
                    "the broker closed the connection during the handshake (is this a plain MQTT port? TLS usually is 8883, plain MQTT 1883)"
                },
            ),
            _ => tls_failed(address, &crate::io_error_text(err)),
        },
    }
}

/// The first I/O error in an error's chain of causes.
fn io_cause<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io);
        }
        next = e.source();
    }
    None
}

/// The WebSocket handshake failed, or the WebSocket broke later.
fn websocket_failure(peer: &Peer, err: &tungstenite::Error, phase: Phase) -> Fail {
    let address = &peer.address;
    if let Some(io) = io_cause(err) {
        if crate::tls::rustls_error(io).is_some() || peer.wss && phase == Phase::Connecting {
            return tls_io_failure(peer, io);
        }
        let hung_up = matches!(
            io.kind(),
            io::ErrorKind::UnexpectedEof
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
        );
        if hung_up && phase == Phase::Connecting {
            return Fail::new(
                Exit::Unreachable,
                format!("cannot connect to {address}: the server hung up on the WebSocket upgrade (is it a WebSocket listener?)"),
            );
        }
        return io_failure(peer, io, phase);
    }
    if phase == Phase::Connected {
        return Fail::new(
            Exit::ConnectionLost,
            format!("connection to {address} lost: {err}"),
        );
    }
    let why = match err {
        tungstenite::Error::Http(answer) => format!(
            "the server refused the WebSocket upgrade with HTTP {} (is the path right?)",
            answer.status()
        ),
        other => format!("no WebSocket answer ({other}; is it a WebSocket listener?)"),
    };
    Fail::new(
        Exit::Unreachable,
        format!("cannot connect to {address}: {why}"),
    )
}

/// A WebSocket server that did not agree to speak MQTT.
fn not_mqtt_over_ws(address: &str, err: &dyn std::fmt::Display) -> Fail {
    Fail::new(
        Exit::Unreachable,
        format!("cannot connect to {address}: the WebSocket server does not speak MQTT ({err})"),
    )
}

/// The HTTP proxy could not be reached or would not open the tunnel. rumqttc does not export
/// its proxy error type; what it wraps (the socket's error, or the proxy's HTTP answer) is
/// its source.
fn proxy_failure(address: &str, err: &(dyn std::error::Error + 'static)) -> Fail {
    let inner = err.source();
    let socket = inner.and_then(|e| e.downcast_ref::<io::Error>());
    let answer = inner.and_then(|e| e.downcast_ref::<async_http_proxy::HttpError>());
    let socks = inner.and_then(|e| e.downcast_ref::<tokio_socks::Error>());
    let why = match (socket, answer, socks) {
        (_, _, Some(e)) => socks5_failure(e),
        (Some(e), _, _) if e.kind() == io::ErrorKind::ConnectionRefused => {
            "nothing is listening at the proxy (--proxy; connection refused)".to_string()
        }
        (Some(e), _, _) => format!(
            "cannot reach the proxy (--proxy): {}",
            crate::io_error_text(e)
        ),
        (None, Some(async_http_proxy::HttpError::HttpCode200(code)), _) => {
            let meaning = match code {
                // 407 is the standard answer; tinyproxy, for one, answers 401.
                401 | 407 => {
                    " (the proxy wants a valid user and password: --proxy http://user:password@host:port)"
                }
                403 => " (forbidden by the proxy)",
                502..=504 => " (the proxy could not reach the broker)",
                _ => "",
            };
            format!("the proxy refused to open a tunnel: HTTP {code}{meaning}")
        }
        _ => format!(
            "the proxy did not open a tunnel: {}",
            err.to_string().trim_end_matches('.')
        ),
    };
    Fail::new(
        Exit::Unreachable,
        format!("cannot connect to {address}: {why}"),
    )
}

/// A SOCKS5 proxy's refusal (RFC 1928's reply codes, RFC 1929's login), or a handshake that
/// went wrong, following "cannot connect to BROKER: ".
fn socks5_failure(err: &tokio_socks::Error) -> String {
    use tokio_socks::Error as E;
    let login = "--proxy socks5h://user:password@host:port";
    match err {
        E::NoAcceptableAuthMethods | E::AuthorizationRequired => {
            format!("the proxy wants a valid user and password ({login})")
        }
        E::PasswordAuthFailure(_) => {
            format!("the proxy refused the user and password ({login})")
        }
        E::ConnectionRefused => {
            "the proxy could not reach the broker (SOCKS5: connection refused)".into()
        }
        E::HostUnreachable | E::NetworkUnreachable | E::TtlExpired => format!(
            "the proxy could not reach the broker (SOCKS5: {})",
            err.to_string().to_lowercase()
        ),
        E::GeneralSocksServerFailure => {
            "the proxy could not reach the broker (SOCKS5: general failure)".into()
        }
        E::ConnectionNotAllowedByRuleset => {
            "the proxy refused to open a tunnel: forbidden by the proxy (SOCKS5)".into()
        }
        E::AddressTypeNotSupported => "the proxy refused to open a tunnel: it takes no host \
             names (use --proxy socks5://..., which resolves the name here)"
            .into(),
        E::InvalidTargetAddress(_) => "the broker's host name does not resolve here (with \
             --proxy socks5h://... the proxy resolves it)"
            .into(),
        E::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            "the proxy closed the connection during the SOCKS5 handshake".into()
        }
        E::Io(e) => format!(
            "the SOCKS5 handshake with the proxy failed: {}",
            crate::io_error_text(e)
        ),
        E::InvalidResponseVersion
        | E::UnknownAuthMethod
        | E::InvalidReservedByte
        | E::UnknownAddressType => "the proxy does not answer as a SOCKS5 proxy does".into(),
        other => format!(
            "the proxy did not open a tunnel: SOCKS5: {}",
            other.to_string().to_lowercase()
        ),
    }
}

/// Anything else: an I/O error somewhere in its causes (a reset inside a packet read, an alert
/// from the TLS layer), or else its own text.
fn other_failure(peer: &Peer, err: &(dyn std::error::Error + 'static), phase: Phase) -> Fail {
    match io_cause(err) {
        Some(io) => io_failure(peer, io, phase),
        None => lost_or_unreachable(&peer.address, phase, &err.to_string()),
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// An error wrapping another, as rumqttc's proxy error wraps the socket's error or the
    /// proxy's answer.
    #[derive(Debug)]
    struct Wrapped(Box<dyn Error + Send + Sync>);

    impl Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "Proxy connect: {}.", self.0)
        }
    }

    impl Error for Wrapped {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&*self.0)
        }
    }

    /// A broker over plain TCP, as most tests need.
    pub fn broker() -> Peer {
        Peer::of(&Transport::Tcp {
            host: "b".into(),
            port: 1883,
        })
    }

    fn proxy(inner: impl Error + Send + Sync + 'static) -> String {
        let err = Wrapped(Box::new(inner));
        read(&Cause::Proxy(&err), &broker(), Phase::Connecting).message
    }

    #[test]
    fn the_proxys_refusal_is_read_from_its_status_code() {
        use async_http_proxy::HttpError;
        assert_eq!(
            proxy(HttpError::HttpCode200(407)),
            "cannot connect to b:1883: the proxy refused to open a tunnel: HTTP 407 (the proxy wants a valid user and password: --proxy http://user:password@host:port)"
        );
        assert!(proxy(HttpError::HttpCode200(503))
            .ends_with("HTTP 503 (the proxy could not reach the broker)"));
        assert!(proxy(io::Error::from(io::ErrorKind::ConnectionRefused))
            .ends_with("nothing is listening at the proxy (--proxy; connection refused)"));
        assert_eq!(
            proxy(HttpError::NoHttpCode),
            "cannot connect to b:1883: the proxy did not open a tunnel: Proxy connect: No HTTP code was found in the response"
        );
    }

    #[test]
    fn a_socks5_proxys_refusal_is_read_from_its_reply() {
        use tokio_socks::Error as E;
        assert_eq!(
            proxy(E::PasswordAuthFailure(1)),
            "cannot connect to b:1883: the proxy refused the user and password (--proxy socks5h://user:password@host:port)"
        );
        assert!(proxy(E::NoAcceptableAuthMethods).ends_with(
            "the proxy wants a valid user and password (--proxy socks5h://user:password@host:port)"
        ));
        assert!(proxy(E::HostUnreachable)
            .ends_with("the proxy could not reach the broker (SOCKS5: host unreachable)"));
        assert!(proxy(E::AddressTypeNotSupported).contains("use --proxy socks5://"));
        let eof = E::Io(io::Error::from(io::ErrorKind::UnexpectedEof));
        assert!(proxy(eof).ends_with("closed the connection during the SOCKS5 handshake"));
    }

    #[test]
    fn a_refused_websocket_upgrade_names_the_http_status() {
        let answer = tungstenite::http::Response::builder()
            .status(404)
            .body(None)
            .expect("a response");
        let err = tungstenite::Error::Http(answer);
        let ws = Peer::of(&Transport::Ws {
            host: "b".into(),
            port: 1,
            path: "/mqtt".into(),
        });
        let fail = read(&Cause::Websocket(&err), &ws, Phase::Connecting);
        assert_eq!(fail.exit, Exit::Unreachable);
        assert_eq!(
            fail.message,
            "cannot connect to ws://b:1/mqtt: the server refused the WebSocket upgrade with HTTP 404 Not Found (is the path right?)"
        );
    }

    #[test]
    fn an_unsolicited_acknowledgement_is_a_protocol_error_in_words() {
        let fail = read(&Cause::Unsolicited(1001), &broker(), Phase::Connected);
        assert_eq!(fail.exit, Exit::ConnectionLost);
        assert_eq!(
            fail.message,
            "connection to b:1883 lost: the broker acknowledged packet id 1001, which no message of ours was waiting under (a protocol error)"
        );
    }

    #[test]
    fn a_hang_up_is_told_from_a_tls_alert_and_other_failures() {
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(Cause::Io(&reset).hung_up());
        assert!(!Cause::TimedOut.hung_up());
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert!(!Cause::Io(&refused).hung_up());
        let fail = read(&Cause::Io(&refused), &broker(), Phase::Connecting);
        assert_eq!(
            (fail.exit, fail.message.as_str()),
            (
                Exit::Unreachable,
                "cannot connect to b:1883: nothing is listening there (connection refused)"
            )
        );
    }
}
