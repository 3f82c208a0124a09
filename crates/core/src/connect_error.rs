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
    let text = crate::io_error_text(err);
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
        E::Tls(e) => Fail::new(Exit::Tls, format!("TLS with {address} failed: {e}")),
        E::NetworkTimeout | E::FlushTimeout => lost_or_unreachable(address, phase, "timed out"),
        E::MqttState(rumqttc::StateError::AwaitPingResp) => lost_or_unreachable(
            address,
            phase,
            "the broker stopped answering (no PINGRESP within the keepalive)",
        ),
        E::MqttState(rumqttc::StateError::ConnectionAborted) => {
            lost_or_unreachable(address, phase, "the broker closed it")
        }
        other => lost_or_unreachable(address, phase, &other.to_string()),
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
        E::Tls(e) => Fail::new(Exit::Tls, format!("TLS with {address} failed: {e}")),
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
        other => lost_or_unreachable(address, phase, &other.to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use rumqttc::v5::mqttbytes::v5::DisconnectReasonCode;

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
