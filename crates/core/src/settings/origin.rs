//! Where each connection setting came from: the command line, an environment variable, the
//! `-L` URL, a line of the config file, or nobody (the built-in default).
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
    /// for a value from the config file, `flag about` otherwise, `flag` being how the message
    /// names the setting on the command line (`--connect-timeout`, `keepalive`).
    pub fn refuse(&self, flag: &str, about: impl fmt::Display) -> Fail {
        match &self.origin {
            Origin::File {
                path, line, key, ..
            } => Fail::usage(format!("{}:{line}: {key}: {about}", path.display())),
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
}

impl Provenance {
    /// The source of every argument of `cmd` that `matches` holds a value for, from the
    /// command line or the environment.
    pub fn from_matches(cmd: &Command, matches: &ArgMatches) -> Provenance {
        let mut origins = HashMap::new();
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            let origin = match matches.value_source(id) {
                Some(ValueSource::CommandLine) => Origin::Flag,
                Some(ValueSource::EnvVariable) => match arg.get_env() {
                    Some(var) => Origin::Env(var.to_string_lossy().into_owned()),
                    None => Origin::Flag,
                },
                _ => continue,
            };
            origins.insert(id.to_string(), origin);
        }
        Provenance {
            origins,
            config: String::new(),
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

    /// `value` (of argument `id`) with where it came from; see [`setting!`].
    pub fn setting<T: Clone>(&self, value: Option<&T>, id: &str) -> Option<Setting<T>> {
        value.map(|v| Setting::new(v.clone(), self.origin(id)))
    }
}

/// `setting!(args.group.field)`: the value of a connection flag, with where it came from.
/// The field's name is its clap id (clap's default), so the name is written once.
macro_rules! setting {
    ($args:ident . $group:ident . $field:ident) => {
        $args
            .provenance
            .setting($args.$group.$field.as_ref(), stringify!($field))
    };
}
pub(crate) use setting;
