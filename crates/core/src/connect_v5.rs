//! The MQTT 5 extras of CONNECT: session expiry, receive maximum, maximum packet size, user
//! properties and the rest of the CONNECT properties, and the will's properties.
//!
//! Kept apart from `session.rs`, which builds the options both protocols share (transport,
//! credentials, the will itself) and then calls [`apply`] for MQTT 5.

use rumqttc::v5::mqttbytes::v5 as v5b;
use rumqttc::v5::MqttOptions;

use crate::options::ConnectOptions;

/// Add what `opts` says beyond MQTT 3.1.1 to rumqttc's MQTT 5 options, after the shared
/// settings are in place: `-x` replaces the "never expires" that `-c` sets, a maximum packet
/// size replaces MQTT's own limit, and the will gets its properties.
pub fn apply(mo: &mut MqttOptions, opts: &ConnectOptions) {
    let c = &opts.mqtt5.connect;
    if let Some(expiry) = c.session_expiry {
        mo.set_session_expiry_interval(Some(expiry));
    }
    if let Some(max) = c.receive_maximum {
        mo.set_receive_maximum(Some(max));
    }
    if let Some(size) = c.maximum_packet_size {
        mo.set_max_packet_size(Some(size));
    }
    if let Some(max) = c.topic_alias_maximum {
        mo.set_topic_alias_max(Some(max));
    }
    if let Some(flag) = c.request_response_information {
        mo.set_request_response_info(Some(flag));
    }
    if let Some(flag) = c.request_problem_information {
        mo.set_request_problem_info(Some(flag));
    }
    if !c.user_properties.is_empty() {
        mo.set_user_properties(c.user_properties.clone());
    }
    if let Some(method) = &c.authentication_method {
        mo.set_authentication_method(Some(method.clone()));
    }
    if let Some(data) = &c.authentication_data {
        mo.set_authentication_data(Some(data.clone()));
    }
    let will = &opts.mqtt5.will;
    if !will.is_empty() {
        if let Some(last_will) = mo.last_will() {
            mo.set_last_will(v5b::LastWill {
                properties: Some(will.to_v5()),
                ..last_will
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qos::Qos;
    use crate::settings::ConnectArgs;
    use crate::tool::Tool;
    use clap::Parser;

    #[derive(Parser)]
    #[command(disable_help_flag = true)]
    struct Cli {
        #[command(flatten)]
        connect: ConnectArgs,
    }

    /// rumqttc's options as session.rs builds them for these flags (the parts that matter).
    fn built(args: &[&str]) -> MqttOptions {
        let cli = Cli::try_parse_from(std::iter::once("t").chain(args.iter().copied())).unwrap();
        let opts = ConnectOptions::from_args(&cli.connect, Tool::Rsub, Qos::AtMostOnce).unwrap();
        let mut mo = MqttOptions::new("id", "localhost", 1883);
        if !opts.clean_session {
            mo.set_session_expiry_interval(Some(u32::MAX));
        }
        mo.set_max_packet_size(Some(1000));
        if let Some(w) = &opts.will {
            mo.set_last_will(v5b::LastWill::new(
                w.topic.as_str(),
                w.payload.to_vec(),
                rumqttc::v5::mqttbytes::QoS::AtMostOnce,
                w.retain,
                None,
            ));
        }
        apply(&mut mo, &opts);
        mo
    }

    #[test]
    fn nothing_asked_changes_nothing() {
        let mo = built(&["-V", "5"]);
        assert_eq!(mo.session_expiry_interval(), None);
        assert_eq!(mo.max_packet_size(), Some(1000));
        assert_eq!(mo.receive_maximum(), None);
        assert!(mo.user_properties().is_empty());
    }

    #[test]
    fn session_expiry_flag_overrides_persistent_default() {
        assert_eq!(
            built(&["-V", "5", "-c", "-i", "x"]).session_expiry_interval(),
            Some(u32::MAX)
        );
        assert_eq!(
            built(&["-V", "5", "-c", "-i", "x", "-x", "60"]).session_expiry_interval(),
            Some(60)
        );
        assert_eq!(
            built(&["-V", "5", "-x", "inf"]).session_expiry_interval(),
            Some(u32::MAX)
        );
    }

    #[test]
    fn connect_properties_from_flags_and_d() {
        let mo = built(&[
            "-V",
            "5",
            "--receive-maximum",
            "5",
            "--maximum-packet-size",
            "300",
            "--connect-user-property",
            "a=1",
            "-D",
            "connect",
            "user-property",
            "b",
            "2",
            "-D",
            "connect",
            "topic-alias-maximum",
            "4",
        ]);
        assert_eq!(mo.receive_maximum(), Some(5));
        assert_eq!(mo.max_packet_size(), Some(300));
        assert_eq!(mo.topic_alias_max(), Some(4));
        assert_eq!(
            mo.user_properties(),
            vec![("b".into(), "2".into()), ("a".into(), "1".into())]
        );
    }

    #[test]
    fn will_properties() {
        let mo = built(&[
            "-V",
            "5",
            "--will-topic",
            "w",
            "--will-payload",
            "gone",
            "--will-delay",
            "5",
            "--will-user-property",
            "k=v",
            "-D",
            "will",
            "content-type",
            "text/plain",
        ]);
        let will = mo.last_will().unwrap();
        assert_eq!(&will.message[..], b"gone");
        let p = will.properties.unwrap();
        assert_eq!(p.delay_interval, Some(5));
        assert_eq!(p.content_type.as_deref(), Some("text/plain"));
        assert_eq!(p.user_properties, vec![("k".into(), "v".into())]);
    }
}
