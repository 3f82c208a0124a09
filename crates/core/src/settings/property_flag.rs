//! mosquitto's generic MQTT 5 property flag, `-D COMMAND IDENTIFIER VALUE` (long form
//! `--property`), and for user properties `-D COMMAND user-property NAME VALUE`.
//!
//! Commands and identifiers are the ones mosquitto_pub/mosquitto_sub take (identifiers as the
//! MQTT 5 specification names them, words joined by `-`), so a line copied from a mosquitto
//! script means the same here. Each maps onto the same field as the dedicated flag
//! (`-D publish content-type X` is `--content-type X`). What mosquitto accepts and then
//! silently ignores is refused here instead: a command the tool never sends (`-D subscribe`
//! to rpub).
//!
//! Parsing is pure (strings in, properties or one line of error out) so it can be tested and
//! fuzzed without a broker. The flag itself is declared with the other MQTT 5 flags
//! (`flags/mqtt5.rs`).

use bytes::Bytes;

use crate::options::Mqtt5Options;
use crate::properties::{
    set_once, ConnectProperties, PublishProperties, WillProperties, MAX_SUBSCRIPTION_ID,
};

/// The packet a property goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Connect,
    Publish,
    Subscribe,
    Unsubscribe,
    Will,
    Disconnect,
}

impl Command {
    /// What rpub sends: it never subscribes (its `--wait-response` subscription is its own).
    pub const RPUB: &'static [Command] = &[
        Command::Connect,
        Command::Publish,
        Command::Will,
        Command::Disconnect,
    ];
    /// What rsub sends: it never publishes anything with properties.
    pub const RSUB: &'static [Command] = &[
        Command::Connect,
        Command::Subscribe,
        Command::Unsubscribe,
        Command::Will,
        Command::Disconnect,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Command::Connect => "connect",
            Command::Publish => "publish",
            Command::Subscribe => "subscribe",
            Command::Unsubscribe => "unsubscribe",
            Command::Will => "will",
            Command::Disconnect => "disconnect",
        }
    }

    fn from_name(name: &str) -> Option<Command> {
        [
            Command::Connect,
            Command::Publish,
            Command::Subscribe,
            Command::Unsubscribe,
            Command::Will,
            Command::Disconnect,
        ]
        .into_iter()
        .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// The identifiers this command takes, as mosquitto's man pages list them (plus
    /// subscription-identifier, which MQTT 5 allows in SUBSCRIBE).
    pub fn identifiers(self) -> &'static [Identifier] {
        use Identifier as I;
        match self {
            Command::Connect => &[
                I::AuthenticationData,
                I::AuthenticationMethod,
                I::MaximumPacketSize,
                I::ReceiveMaximum,
                I::RequestProblemInformation,
                I::RequestResponseInformation,
                I::SessionExpiryInterval,
                I::TopicAliasMaximum,
                I::UserProperty,
            ],
            Command::Publish => &[
                I::ContentType,
                I::CorrelationData,
                I::MessageExpiryInterval,
                I::PayloadFormatIndicator,
                I::ResponseTopic,
                I::TopicAlias,
                I::UserProperty,
            ],
            Command::Subscribe => &[I::SubscriptionIdentifier, I::UserProperty],
            Command::Unsubscribe => &[I::UserProperty],
            Command::Will => &[
                I::ContentType,
                I::CorrelationData,
                I::MessageExpiryInterval,
                I::PayloadFormatIndicator,
                I::ResponseTopic,
                I::UserProperty,
                I::WillDelayInterval,
            ],
            Command::Disconnect => &[I::SessionExpiryInterval, I::UserProperty],
        }
    }
}

/// A property name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifier {
    AuthenticationData,
    AuthenticationMethod,
    ContentType,
    CorrelationData,
    MaximumPacketSize,
    MessageExpiryInterval,
    PayloadFormatIndicator,
    ReceiveMaximum,
    RequestProblemInformation,
    RequestResponseInformation,
    ResponseTopic,
    SessionExpiryInterval,
    SubscriptionIdentifier,
    TopicAlias,
    TopicAliasMaximum,
    UserProperty,
    WillDelayInterval,
}

/// What kind of value an identifier takes, and its range.
enum Kind {
    Text,
    Binary,
    Pair,
    /// An unsigned number from `min` to `max`.
    Number {
        min: u32,
        max: u32,
    },
}

impl Identifier {
    const ALL: [Identifier; 17] = [
        Identifier::AuthenticationData,
        Identifier::AuthenticationMethod,
        Identifier::ContentType,
        Identifier::CorrelationData,
        Identifier::MaximumPacketSize,
        Identifier::MessageExpiryInterval,
        Identifier::PayloadFormatIndicator,
        Identifier::ReceiveMaximum,
        Identifier::RequestProblemInformation,
        Identifier::RequestResponseInformation,
        Identifier::ResponseTopic,
        Identifier::SessionExpiryInterval,
        Identifier::SubscriptionIdentifier,
        Identifier::TopicAlias,
        Identifier::TopicAliasMaximum,
        Identifier::UserProperty,
        Identifier::WillDelayInterval,
    ];

    pub fn name(self) -> &'static str {
        use Identifier as I;
        match self {
            I::AuthenticationData => "authentication-data",
            I::AuthenticationMethod => "authentication-method",
            I::ContentType => "content-type",
            I::CorrelationData => "correlation-data",
            I::MaximumPacketSize => "maximum-packet-size",
            I::MessageExpiryInterval => "message-expiry-interval",
            I::PayloadFormatIndicator => "payload-format-indicator",
            I::ReceiveMaximum => "receive-maximum",
            I::RequestProblemInformation => "request-problem-information",
            I::RequestResponseInformation => "request-response-information",
            I::ResponseTopic => "response-topic",
            I::SessionExpiryInterval => "session-expiry-interval",
            I::SubscriptionIdentifier => "subscription-identifier",
            I::TopicAlias => "topic-alias",
            I::TopicAliasMaximum => "topic-alias-maximum",
            I::UserProperty => "user-property",
            I::WillDelayInterval => "will-delay-interval",
        }
    }

    fn from_name(name: &str) -> Option<Identifier> {
        Identifier::ALL
            .into_iter()
            .find(|i| i.name().eq_ignore_ascii_case(name))
    }

    fn kind(self) -> Kind {
        use Identifier as I;
        match self {
            I::AuthenticationMethod | I::ContentType | I::ResponseTopic => Kind::Text,
            I::AuthenticationData | I::CorrelationData => Kind::Binary,
            I::UserProperty => Kind::Pair,
            I::MaximumPacketSize => Kind::Number {
                min: 1,
                max: u32::MAX,
            },
            I::MessageExpiryInterval | I::SessionExpiryInterval | I::WillDelayInterval => {
                Kind::Number {
                    min: 0,
                    max: u32::MAX,
                }
            }
            I::PayloadFormatIndicator
            | I::RequestProblemInformation
            | I::RequestResponseInformation => Kind::Number { min: 0, max: 1 },
            I::ReceiveMaximum | I::TopicAlias => Kind::Number {
                min: 1,
                max: u16::MAX as u32,
            },
            I::TopicAliasMaximum => Kind::Number {
                min: 0,
                max: u16::MAX as u32,
            },
            I::SubscriptionIdentifier => Kind::Number {
                min: 1,
                max: MAX_SUBSCRIPTION_ID,
            },
        }
    }
}

/// A property's value, checked against its identifier's type and range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Number(u32),
    Text(String),
    Binary(Bytes),
    Pair(String, String),
}

/// One parsed `-D`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub command: Command,
    pub identifier: Identifier,
    pub value: Value,
}

/// Names joined for an error message: "a, b, c".
fn list<T: Copy>(items: &[T], name: impl Fn(T) -> &'static str) -> String {
    items
        .iter()
        .map(|&i| name(i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parse one `-D` occurrence (its 3 or 4 words) for a tool that takes `allowed` commands.
/// Errors are one line starting with `-D`, naming what is allowed instead.
pub fn parse(words: &[String], allowed: &[Command]) -> Result<Property, String> {
    let (command, identifier, values) = match words {
        [c, i, values @ ..] if !values.is_empty() => (c, i, values),
        _ => return Err(
            "-D needs COMMAND IDENTIFIER VALUE (user properties: COMMAND user-property NAME VALUE)"
                .to_string(),
        ),
    };
    let cmd = Command::from_name(command)
        .filter(|c| allowed.contains(c))
        .ok_or_else(|| {
            format!(
                "-D {command}: not a command here; use one of {}",
                list(allowed, Command::name)
            )
        })?;
    let identifiers = cmd.identifiers();
    let id = Identifier::from_name(identifier)
        .filter(|i| identifiers.contains(i))
        .ok_or_else(|| {
            format!(
                "-D {} {identifier}: not a {} property; {} takes {}",
                cmd.name(),
                cmd.name(),
                cmd.name(),
                list(identifiers, Identifier::name)
            )
        })?;
    let what = format!("-D {} {}", cmd.name(), id.name());
    let value = match (id.kind(), values) {
        (Kind::Pair, [name, value]) => Value::Pair(name.clone(), value.clone()),
        (Kind::Pair, _) => return Err(format!("{what} needs a NAME and a VALUE")),
        (_, [_, _, ..]) => {
            return Err(format!(
                "{what} takes one value, not {} (only user-property takes two)",
                values.len()
            ))
        }
        (Kind::Text, [text]) => Value::Text(text.clone()),
        (Kind::Binary, [text]) => Value::Binary(Bytes::from(text.clone().into_bytes())),
        (Kind::Number { min, max }, [text]) => {
            let number = text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (u64::from(min)..=u64::from(max)).contains(n))
                .ok_or_else(|| {
                    format!("{what}: '{text}' is not a whole number from {min} to {max}")
                })?;
            Value::Number(number as u32)
        }
        (_, []) => return Err(format!("{what} needs a value")),
    };
    Ok(Property {
        command: cmd,
        identifier: id,
        value,
    })
}

/// What the `-D` flags of one command line said, sorted by packet: the session's MQTT 5
/// settings before the dedicated flags are merged in (`resolve/mqtt5.rs`).
impl Mqtt5Options {
    /// Nothing given.
    pub fn is_empty(&self) -> bool {
        *self == Mqtt5Options::default()
    }

    /// Parse every `-D` of a command line. A property given twice is an error, user
    /// properties excepted (they are a list).
    pub fn parse_all(
        occurrences: &[Vec<String>],
        allowed: &[Command],
    ) -> Result<Mqtt5Options, String> {
        let mut defined = Mqtt5Options::default();
        for words in occurrences {
            let property = parse(words, allowed)?;
            defined.add(property)?;
        }
        Ok(defined)
    }

    fn add(&mut self, p: Property) -> Result<(), String> {
        let what = format!("-D {} {}", p.command.name(), p.identifier.name());
        if let Value::Pair(name, value) = p.value {
            let pair = (name, value);
            match p.command {
                Command::Connect => self.connect.user_properties.push(pair),
                Command::Publish => self.publish.user_properties.push(pair),
                Command::Subscribe => self.subscribe.user_properties.push(pair),
                Command::Unsubscribe => self.unsubscribe_user_properties.push(pair),
                Command::Will => self.will.user_properties.push(pair),
                Command::Disconnect => self.disconnect.user_properties.push(pair),
            }
            return Ok(());
        }
        let given = Given {
            value: &p.value,
            what: &what,
        };
        match (p.command, p.identifier) {
            (Command::Connect, id) => given.connect(&mut self.connect, id),
            (Command::Publish, id) => given.publish(&mut self.publish, id),
            (Command::Will, id) => given.will(&mut self.will, id),
            (Command::Subscribe, Identifier::SubscriptionIdentifier) => {
                given.set(&mut self.subscribe.subscription_id, given.number())
            }
            (Command::Disconnect, Identifier::SessionExpiryInterval) => {
                given.set(&mut self.disconnect.session_expiry, given.number())
            }
            _ => given.unsupported(),
        }
    }
}

/// One `-D` value on its way into its field, in the shape the field takes. Ranges were checked
/// by [`parse`], so the narrowing casts never truncate.
struct Given<'a> {
    value: &'a Value,
    /// `-D COMMAND IDENTIFIER`, for messages.
    what: &'a str,
}

impl Given<'_> {
    fn connect(&self, c: &mut ConnectProperties, id: Identifier) -> Result<(), String> {
        use Identifier as I;
        match id {
            I::AuthenticationData => self.set(&mut c.authentication_data, self.binary()),
            I::AuthenticationMethod => self.set(&mut c.authentication_method, self.text()),
            I::MaximumPacketSize => self.set(&mut c.maximum_packet_size, self.number()),
            I::ReceiveMaximum => self.set(&mut c.receive_maximum, self.u16()),
            I::RequestProblemInformation => self.set(&mut c.request_problem_information, self.u8()),
            I::RequestResponseInformation => {
                self.set(&mut c.request_response_information, self.u8())
            }
            I::SessionExpiryInterval => self.set(&mut c.session_expiry, self.number()),
            I::TopicAliasMaximum => self.set(&mut c.topic_alias_maximum, self.u16()),
            _ => self.unsupported(),
        }
    }

    fn publish(&self, p: &mut PublishProperties, id: Identifier) -> Result<(), String> {
        use Identifier as I;
        match id {
            I::ContentType => self.set(&mut p.content_type, self.text()),
            I::CorrelationData => self.set(&mut p.correlation_data, self.binary()),
            I::MessageExpiryInterval => self.set(&mut p.message_expiry, self.number()),
            I::PayloadFormatIndicator => self.set(&mut p.payload_format, self.u8()),
            I::ResponseTopic => self.set(&mut p.response_topic, self.text()),
            I::TopicAlias => self.set(&mut p.topic_alias, self.u16()),
            _ => self.unsupported(),
        }
    }

    fn will(&self, w: &mut WillProperties, id: Identifier) -> Result<(), String> {
        use Identifier as I;
        match id {
            I::ContentType => self.set(&mut w.content_type, self.text()),
            I::CorrelationData => self.set(&mut w.correlation_data, self.binary()),
            I::MessageExpiryInterval => self.set(&mut w.message_expiry, self.number()),
            I::PayloadFormatIndicator => self.set(&mut w.payload_format, self.u8()),
            I::ResponseTopic => self.set(&mut w.response_topic, self.text()),
            I::WillDelayInterval => self.set(&mut w.delay_interval, self.number()),
            _ => self.unsupported(),
        }
    }

    fn set<T>(&self, slot: &mut Option<T>, value: Option<T>) -> Result<(), String> {
        set_once(slot, value, self.what)
    }

    /// `parse` only lets through identifiers of their command.
    fn unsupported(&self) -> Result<(), String> {
        Err(format!("{}: not supported", self.what))
    }

    fn number(&self) -> Option<u32> {
        match self.value {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    fn u8(&self) -> Option<u8> {
        self.number().map(|n| n as u8)
    }

    fn u16(&self) -> Option<u16> {
        self.number().map(|n| n as u16)
    }

    fn text(&self) -> Option<String> {
        match self.value {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }

    fn binary(&self) -> Option<Bytes> {
        match self.value {
            Value::Binary(b) => Some(b.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_string).collect()
    }

    fn one(text: &str, allowed: &[Command]) -> Result<Property, String> {
        parse(&words(text), allowed)
    }

    fn all(list: &[&str], allowed: &[Command]) -> Result<Mqtt5Options, String> {
        let occurrences: Vec<Vec<String>> = list.iter().map(|t| words(t)).collect();
        Mqtt5Options::parse_all(&occurrences, allowed)
    }

    #[test]
    fn publish_properties_map_onto_fields() {
        let d = all(
            &[
                "publish content-type text/plain",
                "publish correlation-data abc",
                "publish message-expiry-interval 60",
                "publish payload-format-indicator 1",
                "publish response-topic r/1",
                "publish topic-alias 3",
                "publish user-property a 1",
                "publish user-property a 2",
            ],
            Command::RPUB,
        )
        .unwrap();
        let p = &d.publish;
        assert_eq!(p.content_type.as_deref(), Some("text/plain"));
        assert_eq!(p.correlation_data.as_deref(), Some(&b"abc"[..]));
        assert_eq!(p.message_expiry, Some(60));
        assert_eq!(p.payload_format, Some(1));
        assert_eq!(p.response_topic.as_deref(), Some("r/1"));
        assert_eq!(p.topic_alias, Some(3));
        assert_eq!(
            p.user_properties,
            vec![("a".into(), "1".into()), ("a".into(), "2".into())]
        );
    }

    #[test]
    fn connect_will_subscribe_unsubscribe() {
        let d = all(
            &[
                "CONNECT session-expiry-interval 4294967295",
                "connect receive-maximum 10",
                "connect maximum-packet-size 1000",
                "connect topic-alias-maximum 0",
                "connect request-problem-information 0",
                "connect request-response-information 1",
                "connect user-property k v",
                "connect authentication-method m",
                "connect authentication-data d",
                "will will-delay-interval 5",
                "will content-type x",
                "will user-property wk wv",
                "subscribe subscription-identifier 268435455",
                "subscribe user-property s t",
                "unsubscribe user-property u w",
            ],
            Command::RSUB,
        )
        .unwrap();
        assert_eq!(d.connect.session_expiry, Some(u32::MAX));
        assert_eq!(d.connect.receive_maximum, Some(10));
        assert_eq!(d.connect.maximum_packet_size, Some(1000));
        assert_eq!(d.connect.topic_alias_maximum, Some(0));
        assert_eq!(d.connect.request_problem_information, Some(0));
        assert_eq!(d.connect.request_response_information, Some(1));
        assert_eq!(d.connect.user_properties, vec![("k".into(), "v".into())]);
        assert_eq!(d.connect.authentication_method.as_deref(), Some("m"));
        assert_eq!(d.will.delay_interval, Some(5));
        assert_eq!(d.will.content_type.as_deref(), Some("x"));
        assert_eq!(d.will.user_properties, vec![("wk".into(), "wv".into())]);
        assert_eq!(d.subscribe.subscription_id, Some(MAX_SUBSCRIPTION_ID));
        assert_eq!(d.subscribe.user_properties, vec![("s".into(), "t".into())]);
        assert_eq!(
            d.unsubscribe_user_properties,
            vec![("u".into(), "w".into())]
        );
        assert!(all(&[], Command::RSUB).unwrap().is_empty());
    }

    #[test]
    fn unknown_identifier_names_the_allowed_ones() {
        let e = one("publish session-expiry-interval 5", Command::RPUB).unwrap_err();
        assert_eq!(
            e,
            "-D publish session-expiry-interval: not a publish property; publish takes \
             content-type, correlation-data, message-expiry-interval, payload-format-indicator, \
             response-topic, topic-alias, user-property"
        );
        let e = one("will topic-alias 1", Command::RPUB).unwrap_err();
        assert!(e.contains("will-delay-interval"), "{e}");
        let e = one("connect bogus 1", Command::RSUB).unwrap_err();
        assert!(e.contains("connect takes authentication-data"), "{e}");
    }

    #[test]
    fn command_must_be_one_the_tool_sends() {
        let e = one("subscribe user-property a b", Command::RPUB).unwrap_err();
        assert_eq!(
            e,
            "-D subscribe: not a command here; use one of connect, publish, will, disconnect"
        );
        let e = one("publish content-type x", Command::RSUB).unwrap_err();
        assert!(
            e.contains("connect, subscribe, unsubscribe, will, disconnect"),
            "{e}"
        );
        assert!(one("pubrel user-property a b", Command::RPUB).is_err());
        assert!(one("", Command::RPUB).is_err());
    }

    #[test]
    fn values_are_checked() {
        let e = one("publish user-property a", Command::RPUB).unwrap_err();
        assert_eq!(e, "-D publish user-property needs a NAME and a VALUE");
        let e = one("publish content-type a b", Command::RPUB).unwrap_err();
        assert!(e.contains("takes one value, not 2"), "{e}");
        for bad in [
            "publish topic-alias 0",
            "publish topic-alias 65536",
            "publish topic-alias x",
            "publish topic-alias -1",
            "publish payload-format-indicator 2",
            "publish message-expiry-interval 4294967296",
            "connect receive-maximum 0",
            "connect maximum-packet-size 0",
        ] {
            let e = one(bad, Command::RPUB).unwrap_err();
            assert!(e.contains("is not a whole number from"), "{bad}: {e}");
        }
        assert!(parse(&words("publish"), Command::RPUB).is_err());
        assert!(parse(&words("publish content-type"), Command::RPUB).is_err());
    }

    #[test]
    fn twice_is_an_error_but_user_properties_add_up() {
        let e = all(
            &["publish content-type a", "publish content-type b"],
            Command::RPUB,
        )
        .unwrap_err();
        assert_eq!(e, "-D publish content-type is given twice");
        assert!(all(
            &["publish user-property a b", "publish user-property a b"],
            Command::RPUB
        )
        .is_ok());
    }

    #[test]
    fn disconnect_takes_a_session_expiry_and_user_properties() {
        let d = all(
            &[
                "disconnect session-expiry-interval 60",
                "disconnect user-property k v",
                "disconnect user-property k w",
            ],
            Command::RSUB,
        )
        .unwrap();
        assert_eq!(d.disconnect.session_expiry, Some(60));
        assert_eq!(
            d.disconnect.user_properties,
            [("k".into(), "v".into()), ("k".into(), "w".into())]
        );
        let twice = [
            "disconnect session-expiry-interval 1",
            "disconnect session-expiry-interval 2",
        ];
        assert!(all(&twice, Command::RPUB).is_err());
        let e = all(&["disconnect content-type x"], Command::RPUB).unwrap_err();
        assert!(e.contains("disconnect takes session-expiry-interval, user-property"));
    }

    #[test]
    fn any_words_give_an_answer_not_a_panic() {
        let samples = [
            "",
            " ",
            "connect",
            "connect  ",
            "\u{0} \u{0} \u{0}",
            "will user-property \u{ff} \u{0}",
            "publish message-expiry-interval 99999999999999999999999",
            "subscribe subscription-identifier 268435456",
        ];
        for s in samples {
            let _ = one(s, Command::RSUB);
            let _ = one(s, Command::RPUB);
        }
    }
}
