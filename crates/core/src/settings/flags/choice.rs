//! The value parser of a flag that takes one of a few names (`-V mqttv5`, `--tls-version
//! tlsv1.3`): clap's own matching of names and aliases, and a refusal that says what was
//! wanted, which the config file reports too (`FILE:LINE: tls-version: 'x' is not a TLS
//! version: use "tlsv1.2" or "tlsv1.3"`).

use std::marker::PhantomData;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Arg, Command, ValueEnum};

/// One of the names of `T`; `what` says what such a name is, for the refusal.
pub struct Choice<T> {
    what: &'static str,
    names: PhantomData<fn() -> T>,
}

impl<T> Clone for Choice<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Choice<T> {}

impl<T: ValueEnum> Choice<T> {
    pub const fn new(what: &'static str) -> Self {
        Choice {
            what,
            names: PhantomData,
        }
    }

    /// Why `text` is none of the names, listing those `--help` shows with their first alias:
    /// `'x' is not a TLS version: use "tlsv1.2" or "tlsv1.3"`.
    pub fn refusal(&self, text: &str) -> String {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(ValueEnum::to_possible_value)
            .filter(|name| !name.is_hide_set())
            .map(|name| {
                let mut all = name.get_name_and_aliases();
                let first = all.next().unwrap_or_default();
                match all.next() {
                    Some(alias) => format!("\"{first}\" (or {alias})"),
                    None => format!("\"{first}\""),
                }
            })
            .collect();
        let list = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        format!("'{text}' is not a {}: use {list}", self.what)
    }

    fn pick(&self, text: &str, ignore_case: bool) -> Result<T, String> {
        T::from_str(text, ignore_case).map_err(|_| self.refusal(text))
    }
}

impl<T: ValueEnum + Clone + Send + Sync + 'static> TypedValueParser for Choice<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let ignore_case = arg.is_some_and(Arg::is_ignore_case_set);
        let choice = *self;
        // A plain function parser, so that clap words the error as for any other flag.
        let parse = move |text: &str| choice.pick(text, ignore_case);
        parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            T::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::flags::{connection::PROTOCOL, tls::TLS_VERSION, ProtocolArg};

    #[test]
    fn refusals_list_the_names_help_shows() {
        assert_eq!(
            PROTOCOL.refusal("mqttv4"),
            "'mqttv4' is not a protocol version these tools speak: use \"mqttv311\" (or 311), \"mqttv5\" (or 5) or \"mqttv31\" (or 31)"
        );
        assert_eq!(
            TLS_VERSION.refusal("1.1"),
            "'1.1' is not a TLS version: use \"tlsv1.2\" or \"tlsv1.3\""
        );
    }

    #[test]
    fn names_and_aliases_and_hidden_ones() {
        assert_eq!(PROTOCOL.pick("5", false), Ok(ProtocolArg::V5));
        assert_eq!(PROTOCOL.pick("MQTTv311", true), Ok(ProtocolArg::V311));
        assert!(PROTOCOL.pick("MQTTv311", false).is_err());
        assert_eq!(PROTOCOL.pick("31", false), Ok(ProtocolArg::V31));
    }
}
