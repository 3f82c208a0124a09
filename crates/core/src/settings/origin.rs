//! Where each connection setting came from: the command line, an environment variable, the
//! `-L` URL, a line of the config file or of mosquitto's options file, or nobody (the
//! built-in default).
//!
//! Recorded once per command line ([`Provenance`], from clap's matches and the config file's
//! lines) and carried with each value as a [`Setting`], so that a mistake in a value says where
//! to fix it ([`Setting::refuse`]) and `--print-config` says where each value came from.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Command};

use crate::exit::Fail;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Given on the command line.
    Flag,
    /// An environment variable, by name.
    Env(String),
    /// The `-L` URL.
    Url,
    /// The config file: the section it was read from (`[default]`, `[profile.lab]`), the line
    /// and the key.
    File {
        path: PathBuf,
        line: usize,
        section: String,
        key: String,
    },
    /// mosquitto's options file (`~/.config/mosquitto_sub`): the line and the option as
    /// written there (`-h`).
    Options {
        path: PathBuf,
        line: usize,
        option: String,
    },
    /// Nobody set it.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag => f.write_str("command line"),
            Origin::Env(var) => write!(f, "environment {var}"),
            Origin::Url => f.write_str("command line (-L)"),
            Origin::File {
                path,
                line,
                section,
                ..
            } => write!(f, "{section} {}:{line}", path.display()),
            Origin::Options { path, line, .. } => write!(f, "{}:{line}", path.display()),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Setting<T> {
    pub fn new(value: T, origin: Origin) -> Setting<T> {
        Setting { value, origin }
    }

    /// A built-in default.
    pub fn default_value(value: T) -> Setting<T> {
        Setting::new(value, Origin::Default)
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Setting<U> {
        Setting::new(f(self.value), self.origin)
    }

    /// A mistake in this value, as one line that says where to fix it: `FILE:LINE: key: about`
    /// for a value from the config file (`FILE:LINE: -h: about` from the options file), `flag
    /// about` otherwise, `flag` being how the message
    /// names the setting on the command line (`--connect-timeout`, `keepalive`).
    pub fn refuse(&self, flag: &str, about: impl fmt::Display) -> Fail {
        match &self.origin {
            Origin::File {
                path, line, key, ..
            } => Fail::usage(format!("{}:{line}: {key}: {about}", path.display())),
            Origin::Options { path, line, option } => {
                Fail::usage(format!("{}:{line}: {option}: {about}", path.display()))
            }
            _ => Fail::usage(format!("{flag} {about}")),
        }
    }
}

/// Where each argument of one command line came from, by clap id, and which config file was
/// read for it.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    origins: HashMap<String, Origin>,
    /// The config file and profile, as `--print-config`'s first line names them.
    pub config: String,
    /// mosquitto's options file, as `--print-config`'s second line names it (empty when no
    /// file was looked for).
    pub options: String,
}

impl Provenance {
    /// The source of every argument of `cmd` that `matches` holds a value for, from the
    /// command line or the environment. Only the few present are looked at, not every flag
    /// of the command.
    pub fn from_matches(cmd: &Command, matches: &ArgMatches) -> Provenance {
        let mut origins = HashMap::new();
        for id in matches.ids() {
            let id = id.as_str();
            let source = matches.value_source(id);
            if !matches!(
                source,
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            ) {
                continue;
            }
            // Groups are in the matches too; only arguments have a source of their own.
            let Some(arg) = cmd.get_arguments().find(|a| a.get_id() == id) else {
                continue;
            };
            let origin = match (source, arg.get_env()) {
                (Some(ValueSource::EnvVariable), Some(var)) => {
                    Origin::Env(var.to_string_lossy().into_owned())
                }
                _ => Origin::Flag,
            };
            origins.insert(id.to_string(), origin);
        }
        Provenance {
            origins,
            config: String::new(),
            options: String::new(),
        }
    }

    /// Note that the value of argument `id` came from `origin`.
    pub fn record(&mut self, id: &str, origin: Origin) {
        self.origins.insert(id.to_string(), origin);
    }

    /// Whether the command line or the environment gave argument `id`.
    pub fn given(&self, id: &str) -> bool {
        matches!(self.origins.get(id), Some(Origin::Flag | Origin::Env(_)))
    }

    /// Where the value of argument `id` came from. A value nobody recorded (arguments parsed
    /// without `cli::parse`, as in unit tests) counts as the command line's.
    pub fn origin(&self, id: &str) -> Origin {
        self.origins.get(id).cloned().unwrap_or(Origin::Flag)
    }
}

/// A flag's value as clap leaves it in its field: an `Option` (`None` when nobody gave it) or
/// a switch (`false` when nobody set it).
pub trait FlagValue {
    /// The value with where it came from.
    type Setting;
    fn with_origin(&self, provenance: &Provenance, id: &str) -> Self::Setting;
}

impl<T: Clone> FlagValue for Option<T> {
    type Setting = Option<Setting<T>>;
    fn with_origin(&self, provenance: &Provenance, id: &str) -> Option<Setting<T>> {
        self.as_ref()
            .map(|v| Setting::new(v.clone(), provenance.origin(id)))
    }
}

impl FlagValue for bool {
    type Setting = Setting<bool>;
    fn with_origin(&self, provenance: &Provenance, id: &str) -> Setting<bool> {
        let origin = match provenance.origins.get(id) {
            Some(origin) => origin.clone(),
            None if *self => Origin::Flag,
            None => Origin::Default,
        };
        Setting::new(*self, origin)
    }
}

/// `setting!(args.group.field)`: the value of a connection flag, with where it came from
/// ([`FlagValue`]). The field's name is its clap id (clap's default), so the name is written
/// once.
macro_rules! setting {
    ($args:ident . $group:ident . $field:ident) => {
        $crate::settings::origin::FlagValue::with_origin(
            &$args.$group.$field,
            &$args.provenance,
            stringify!($field),
        )
    };
}
pub(crate) use setting;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::testing;

    #[test]
    fn each_value_with_where_it_came_from() {
        let toml = "[default]\nport = 1884\n";
        let args = testing::parse(&["-h", "b", "--insecure"], Some(toml), None).unwrap();
        assert_eq!(
            setting!(args.broker.host),
            Some(Setting::new("b".into(), Origin::Flag))
        );
        let port = setting!(args.broker.port).unwrap();
        assert_eq!(port.origin.to_string(), "[default] /etc/c.toml:2");
        assert_eq!(setting!(args.broker.url), None);
        assert_eq!(
            setting!(args.tls.insecure),
            Setting::new(true, Origin::Flag)
        );
        assert_eq!(
            setting!(args.diagnostics.debug),
            Setting::default_value(false)
        );
    }

    #[test]
    fn a_mistake_says_where_to_fix_it() {
        let file = Origin::File {
            path: "/etc/c.toml".into(),
            line: 3,
            section: "[default]".into(),
            key: "keepalive".into(),
        };
        let mistake = |origin: Origin| Setting::new(2, origin).refuse("-k", "is short").message;
        assert_eq!(mistake(file), "/etc/c.toml:3: keepalive: is short");
        assert_eq!(mistake(Origin::Env("MQTT_K".into())), "-k is short");
    }
}
