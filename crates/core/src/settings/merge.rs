//! MQTT 5 flags merged into what `-D` gave for the same packet, one call per flag: a flag
//! given on an MQTT 3.1.1 session is refused by name, a property given by its flag and by
//! `-D` is refused as given twice (which one should win is anybody's guess), and user
//! properties add up.
//!
//! The connection's own flags go through it when resolving (`resolve/mqtt5.rs`); a tool
//! merges its per-packet flags the same way, starting from `opts.mqtt5.publish` (rpub's
//! `--content-type`, `--user-property`, ...) or `opts.mqtt5.subscribe` (rsub's
//! `--subscription-id`), with `Mqtt5Merge::new(opts.protocol)`:
//!
//! ```
//! use rpubsub_core::options::Protocol;
//! use rpubsub_core::properties::PublishProperties;
//! use rpubsub_core::settings::Mqtt5Merge;
//!
//! let merge = Mqtt5Merge::new(Protocol::V5);
//! // What `-D publish content-type a` gave:
//! let mut p = PublishProperties { content_type: Some("a".into()), ..Default::default() };
//! // --user-property unit=C adds to -D's user properties...
//! let users = [("unit".to_string(), "C".to_string())];
//! merge.add(&mut p.user_properties, &users, "--user-property").unwrap();
//! // ...--content-type b would give the content type twice...
//! let twice = merge.once(&mut p.content_type, Some("b".into()), "--content-type", "the content type");
//! assert_eq!(twice.unwrap_err().message, "the content type is given twice (by its flag and by -D)");
//! // ...and a flag with no -D counterpart is only refused with MQTT 3.1.1.
//! let v311 = Mqtt5Merge::new(Protocol::V311);
//! assert_eq!(
//!     v311.flag(true, "--wait-response").unwrap_err().message,
//!     "--wait-response is MQTT 5 only: add -V mqttv5"
//! );
//! ```

use crate::exit::Fail;
use crate::options::Protocol;
use crate::properties::set_once;

/// The merging for one session's protocol; calls refuse in the order they are made.
#[derive(Debug, Clone, Copy)]
pub struct Mqtt5Merge {
    protocol: Protocol,
}

impl Mqtt5Merge {
    pub fn new(protocol: Protocol) -> Mqtt5Merge {
        Mqtt5Merge { protocol }
    }

    /// `flag` (as messages name it) sets the property in `slot`, which `-D` may have set
    /// already; `what` names the property (`the content type`).
    pub fn once<T>(
        &self,
        slot: &mut Option<T>,
        value: Option<T>,
        flag: &str,
        what: &str,
    ) -> Result<(), Fail> {
        self.flag(value.is_some(), flag)?;
        set_once(slot, value, what).map_err(|e| Fail::usage(format!("{e} (by its flag and by -D)")))
    }

    /// `flag` adds `values` to the list in `slot` (user properties).
    pub fn add<T: Clone>(&self, slot: &mut Vec<T>, values: &[T], flag: &str) -> Result<(), Fail> {
        self.flag(!values.is_empty(), flag)?;
        slot.extend(values.iter().cloned());
        Ok(())
    }

    /// An MQTT 5 flag with no `-D` counterpart, given or not.
    pub fn flag(&self, given: bool, flag: &str) -> Result<(), Fail> {
        if given {
            self.protocol.require_mqtt5(flag)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_refuses_twice_and_mqtt311() {
        let v5 = Mqtt5Merge::new(Protocol::V5);
        let mut slot = None;
        v5.once(&mut slot, None, "--a", "the a").unwrap();
        v5.once(&mut slot, Some(1), "--a", "the a").unwrap();
        assert_eq!(
            v5.once(&mut slot, Some(2), "--a", "the a")
                .unwrap_err()
                .message,
            "the a is given twice (by its flag and by -D)"
        );
        assert_eq!(slot, Some(1));
        let v311 = Mqtt5Merge::new(Protocol::V311);
        assert_eq!(
            v311.once(&mut None, Some(1), "--a", "the a")
                .unwrap_err()
                .message,
            "--a is MQTT 5 only: add -V mqttv5"
        );
        assert!(v311.once::<u8>(&mut None, None, "--a", "the a").is_ok());
    }

    #[test]
    fn lists_add_up() {
        let v5 = Mqtt5Merge::new(Protocol::V5);
        let mut list = vec![1];
        v5.add(&mut list, &[2, 3], "--l").unwrap();
        assert_eq!(list, [1, 2, 3]);
        assert!(Mqtt5Merge::new(Protocol::V311)
            .add(&mut list, &[4], "--l")
            .is_err());
        assert!(Mqtt5Merge::new(Protocol::V311)
            .add(&mut list, &[], "--l")
            .is_ok());
    }
}
