//! Turning rumqttc's connection errors into one line a person understands and the exit
//! status a script can branch on.
//!
//! The same cause reads differently depending on when it happens: "connection refused" while
//! connecting means nothing listens there (exit 3); a reset after CONNACK means the connection
//! was lost (exit 6).

use std::io;
use std::time::Duration;

use rumqttc::v5::mqttbytes::v5 as v5b;

use crate::exit::{Exit, Fail};
use crate::reason::{self, Reason};

/// Where in the connection's life an error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Connecting,
    Connected,
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

/// A refused CONNACK: MQTT 3.1.1 return codes 1-5.
fn refused_v4(address: &str, code: &rumqttc::ConnectReturnCode) -> Fail {
    let (num, name) = reason::v4_connack(code);
    Fail::new(
        Exit::Refused,
        format!("the broker at {address} refused the connection: {name} (return code {num})"),
    )
}

/// A refused CONNACK: MQTT 5 reason codes.
fn refused_v5(address: &str, code: &v5b::ConnectReturnCode) -> Fail {
    let reason = Reason::new(reason::v5_connack(code));
    Fail::new(
        Exit::Refused,
        format!("the broker at {address} refused the connection: {reason}"),
    )
}

/// An I/O error, read in its phase.
fn io_failure(address: &str, host: &str, err: &io::Error, phase: Phase) -> Fail {
    use io::ErrorKind as K;
    // Over TLS a read can fail on an alert the broker sent (a client certificate it wants).
    if let Some(tls) = crate::tls::rustls_error(err) {
        return tls_failed(address, &crate::tls::explain(tls));
    }
    let text = crate::io_error_text(err);
    if phase == Phase::Connecting && host.starts_with('/') {
        // A Unix socket: `host` is its path.
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
        K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted => format!(
            "{address} closed the connection before answering CONNECT (is it an MQTT broker? does it want TLS?)"
        ),
        _ if text.contains("lookup address") || text.contains("resolve") => {
            format!("cannot resolve host name '{host}': {}", text.rsplit(": ").next().unwrap_or(&text))
        }
        _ => format!("cannot connect to {address}: {text}"),
    };
    Fail::new(Exit::Unreachable, message)
}

/// A rumqttc MQTT 3.1.1 connection error.
pub fn from_v4(err: &rumqttc::ConnectionError, address: &str, host: &str, phase: Phase) -> Fail {
    use rumqttc::ConnectionError as E;
    match err {
        E::ConnectionRefused(code) => refused_v4(address, code),
        E::Io(e) => io_failure(address, host, e, phase),
        E::MqttState(rumqttc::StateError::Io(e))
        | E::MqttState(rumqttc::StateError::Deserialization(rumqttc::Error::Io(e))) => {
            io_failure(address, host, e, phase)
        }
        E::MqttState(rumqttc::StateError::Deserialization(
            rumqttc::Error::OutgoingPacketTooLarge { pkt_size, max },
        )) => too_large(address, *pkt_size, *max),
        E::Tls(e) => tls_failure(address, e),
        E::Websocket(e) => websocket_failure(address, host, e, phase),
        E::ResponseValidation(e) => not_mqtt_over_ws(address, e),
        E::Proxy(e) => proxy_failure(address, e),
        E::InvalidUrl(e) => Fail::usage(format!("bad WebSocket URL {address}: {e}")),
        E::WsConnect(e) => Fail::usage(format!("bad WebSocket URL {address}: {e}")),
        E::NetworkTimeout | E::FlushTimeout => lost_or_unreachable(address, phase, "timed out"),
        E::MqttState(rumqttc::StateError::AwaitPingResp) => lost_or_unreachable(
            address,
            phase,
            "the broker stopped answering (no PINGRESP within the keepalive)",
        ),
        E::MqttState(rumqttc::StateError::ConnectionAborted) => {
            lost_or_unreachable(address, phase, "the broker closed it")
        }
        other => other_failure(address, host, other, phase),
    }
}

/// A rumqttc MQTT 5 connection error.
pub fn from_v5(
    err: &rumqttc::v5::ConnectionError,
    address: &str,
    host: &str,
    phase: Phase,
) -> Fail {
    use rumqttc::v5::ConnectionError as E;
    use rumqttc::v5::StateError as S;
    match err {
        E::ConnectionRefused(code) => refused_v5(address, code),
        E::Io(e) => io_failure(address, host, e, phase),
        E::MqttState(S::Io(e))
        | E::MqttState(S::Deserialization(rumqttc::v5::mqttbytes::Error::Io(e))) => {
            io_failure(address, host, e, phase)
        }
        E::MqttState(S::Deserialization(
            rumqttc::v5::mqttbytes::Error::OutgoingPacketTooLarge { pkt_size, max },
        )) => too_large(address, *pkt_size as usize, *max as usize),
        E::Tls(e) => tls_failure(address, e),
        E::Websocket(e) => websocket_failure(address, host, e, phase),
        E::ResponseValidation(e) => not_mqtt_over_ws(address, e),
        E::Proxy(e) => proxy_failure(address, e),
        E::InvalidUrl(e) => Fail::usage(format!("bad WebSocket URL {address}: {e}")),
        E::WsConnect(e) => Fail::usage(format!("bad WebSocket URL {address}: {e}")),
        E::Timeout(_) => lost_or_unreachable(address, phase, "timed out"),
        E::MqttState(S::ServerDisconnect {
            reason_code,
            reason_string,
        }) => Fail::new(
            Exit::ConnectionLost,
            format!(
                "the broker at {address} disconnected: {}",
                Reason::with_text(*reason_code as u8, reason_string.clone())
            ),
        ),
        // The client refuses to send an alias above the broker's CONNACK maximum; the broker
        // would close the connection for it.
        E::MqttState(S::InvalidAlias { alias, max }) => Fail::new(
            Exit::Rejected,
            format!(
                "topic alias {alias} is above the maximum of {max} the broker at {address} accepts; nothing more was sent"
            ),
        ),
        E::MqttState(S::AwaitPingResp) => lost_or_unreachable(
            address,
            phase,
            "the broker stopped answering (no PINGRESP within the keepalive)",
        ),
        E::MqttState(S::ConnectionAborted) => {
            lost_or_unreachable(address, phase, "the broker closed it")
        }
        other => other_failure(address, host, other, phase),
    }
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

fn tls_failed(address: &str, why: &str) -> Fail {
    Fail::new(Exit::Tls, format!("TLS with {address} failed: {why}"))
}

/// The TLS handshake failed (rumqttc's TLS error: the handshake, or setting it up).
fn tls_failure(address: &str, err: &rumqttc::TlsError) -> Fail {
    use rumqttc::TlsError as T;
    match err {
        T::Io(e) => tls_io_failure(address, e),
        T::TLS(e) => tls_failed(address, &crate::tls::explain(e)),
        T::DNSName(_) => tls_failed(address, "the host is not a name a certificate can carry"),
        other => tls_failed(address, &other.to_string()),
    }
}

/// An I/O error during the TLS handshake: the rustls error inside it, or the peer hanging up.
fn tls_io_failure(address: &str, err: &io::Error) -> Fail {
    use io::ErrorKind as K;
    match crate::tls::rustls_error(err) {
        Some(e) => tls_failed(address, &crate::tls::explain(e)),
        None => match err.kind() {
            K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted => tls_failed(
                address,
                if address.starts_with("wss:") {
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
fn websocket_failure(
    address: &str,
    host: &str,
    err: &(dyn std::error::Error + 'static),
    phase: Phase,
) -> Fail {
    if let Some(io) = io_cause(err) {
        if crate::tls::rustls_error(io).is_some()
            || address.starts_with("wss:") && phase == Phase::Connecting
        {
            return tls_io_failure(address, io);
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
        return io_failure(address, host, io, phase);
    }
    let text = err.to_string();
    if phase == Phase::Connected {
        return Fail::new(
            Exit::ConnectionLost,
            format!("connection to {address} lost: {text}"),
        );
    }
    let why = match text.strip_prefix("HTTP error: ") {
        Some(status) => format!(
            "the server refused the WebSocket upgrade with HTTP {status} (is the path right?)"
        ),
        None => format!("no WebSocket answer ({text}; is it a WebSocket listener?)"),
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
/// its proxy error type, so its parts are read from the error's text and causes.
fn proxy_failure(address: &str, err: &(dyn std::error::Error + 'static)) -> Fail {
    let text = err.to_string();
    let why = if text.starts_with("Socket connect") {
        match io_cause(err).map(io::Error::kind) {
            Some(io::ErrorKind::ConnectionRefused) => {
                "nothing is listening at the proxy (--proxy; connection refused)".to_string()
            }
            _ => format!(
                "cannot reach the proxy (--proxy): {}",
                io_cause(err).map(crate::io_error_text).unwrap_or(text)
            ),
        }
    } else if let Some(code) = text
        .split("not equal 200: ")
        .nth(1)
        .map(|rest| rest.trim_end_matches('.'))
    {
        let meaning = match code {
            // 407 is the standard answer; tinyproxy, for one, answers 401.
            "401" | "407" => {
                " (the proxy wants a valid user and password: --proxy http://user:password@host:port)"
            }
            "403" => " (forbidden by the proxy)",
            "502" | "503" | "504" => " (the proxy could not reach the broker)",
            _ => "",
        };
        format!("the proxy refused to open a tunnel: HTTP {code}{meaning}")
    } else {
        format!(
            "the proxy did not open a tunnel: {}",
            text.trim_end_matches('.')
        )
    };
    Fail::new(
        Exit::Unreachable,
        format!("cannot connect to {address}: {why}"),
    )
}

/// Anything else: an I/O error somewhere in its causes (a reset inside a packet read, an alert
/// from the TLS layer), or else its own text.
fn other_failure(
    address: &str,
    host: &str,
    err: &(dyn std::error::Error + 'static),
    phase: Phase,
) -> Fail {
    match io_cause(err) {
        Some(io) => io_failure(address, host, io, phase),
        None => lost_or_unreachable(address, phase, &err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rumqttc::v5::mqttbytes::v5::DisconnectReasonCode;

    /// Brokers send DISCONNECT with a reason code and nothing after it (MQTT 5 allows leaving
    /// out the property length); it must still parse, or the reason is lost.
    #[test]
    fn a_disconnect_of_just_a_reason_code_parses() {
        use rumqttc::v5::mqttbytes::v5::Packet;
        let mut bytes = bytes::BytesMut::from(&[0xE0, 0x01, 0x8B][..]);
        match Packet::read(&mut bytes, None) {
            Ok(Packet::Disconnect(d)) => {
                assert_eq!(d.reason_code, DisconnectReasonCode::ServerShuttingDown);
                assert!(d.properties.is_none());
            }
            other => panic!("expected DISCONNECT, got {other:?}"),
        }
    }

    #[test]
    fn server_disconnect_is_named_with_code_and_reason_string() {
        let err =
            rumqttc::v5::ConnectionError::MqttState(rumqttc::v5::StateError::ServerDisconnect {
                reason_code: DisconnectReasonCode::SessionTakenOver,
                reason_string: Some("another client took the id".into()),
            });
        let fail = from_v5(&err, "b:1883", "b", Phase::Connected);
        assert_eq!(fail.exit, Exit::ConnectionLost);
        assert_eq!(
            fail.message,
            "the broker at b:1883 disconnected: session taken over (0x8e): another client took the id"
        );
    }

    #[test]
    fn refused_connack_is_named_with_code() {
        let err = rumqttc::v5::ConnectionError::ConnectionRefused(
            v5b::ConnectReturnCode::BadUserNamePassword,
        );
        let fail = from_v5(&err, "b:1883", "b", Phase::Connecting);
        assert_eq!(fail.exit, Exit::Refused);
        assert_eq!(
            fail.message,
            "the broker at b:1883 refused the connection: bad user name or password (0x86)"
        );
    }

    #[test]
    fn topic_alias_over_the_broker_maximum() {
        let err = rumqttc::v5::ConnectionError::MqttState(rumqttc::v5::StateError::InvalidAlias {
            alias: 20,
            max: 10,
        });
        let fail = from_v5(&err, "b:1883", "b", Phase::Connected);
        assert_eq!(fail.exit, Exit::Rejected);
        assert!(fail
            .message
            .starts_with("topic alias 20 is above the maximum of 10"));
    }
}
