//! Which flags the config file may give (those in the [`IN_FILE`] group; a key is the flag's
//! long name), and how one value of the file becomes the words that give it on the command
//! line, checked by that flag's own value parser.
//!
//! What the file may write for a flag follows from the flag's declaration: a switch takes
//! `true` or `false`, a number type a TOML integer, a string, path or password a TOML string,
//! anything else (durations, names such as `mqttv5`) a string or a number, as the flag takes
//! it. A path is relative to the file's directory; a password never shows in a message.

use std::any::TypeId;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap::builder::Resettable;
use clap::{Arg, ArgAction, Command, Id};
use serde::de::Unexpected;

use crate::secret::Secret;
use crate::settings::flags::IN_FILE;

/// The flags of `cmd` that are config-file keys, in the order they are declared. `cmd` must
/// be built (parsed once, or [`Command::build`]), which is when clap fills in its groups.
pub fn file_keys(cmd: &Command) -> Vec<&Arg> {
    let Some(group) = cmd.get_groups().find(|g| g.get_id() == IN_FILE) else {
        return Vec::new();
    };
    let ids: Vec<_> = group.get_args().collect();
    cmd.get_arguments()
        .filter(|arg| ids.contains(&arg.get_id()) && arg.get_long().is_some())
        .collect()
}

/// How the file writes a flag's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `true` or `false`.
    Switch,
    /// A TOML integer.
    Number,
    /// A TOML string; `path` is relative to the file, `secret` never shown.
    Text { path: bool, secret: bool },
    /// A string or a number, read as the flag reads it (`30`, `"30s"`, `5`, `"mqttv5"`).
    Word,
}

impl Form {
    fn of(arg: &Arg) -> Form {
        if matches!(arg.get_action(), ArgAction::SetTrue) {
            return Form::Switch;
        }
        let ty = arg.get_value_parser().type_id();
        let numbers = [
            TypeId::of::<u8>(),
            TypeId::of::<u16>(),
            TypeId::of::<u32>(),
            TypeId::of::<u64>(),
            TypeId::of::<i64>(),
            TypeId::of::<usize>(),
        ];
        if numbers.iter().any(|n| ty == *n) {
            Form::Number
        } else if ty == TypeId::of::<PathBuf>() {
            Form::Text {
                path: true,
                secret: false,
            }
        } else if ty == TypeId::of::<Secret>() || ty == TypeId::of::<String>() {
            Form::Text {
                path: false,
                secret: ty == TypeId::of::<Secret>(),
            }
        } else {
            Form::Word
        }
    }

    fn secret(self) -> bool {
        matches!(self, Form::Text { secret: true, .. })
    }

    /// The message for a value of the wrong TOML type; a password's value is not repeated.
    fn wrong_type(self, value: &toml::Value) -> String {
        let expected = match self {
            Form::Switch => "true or false",
            Form::Number => "a whole number",
            Form::Text { .. } => "a string",
            Form::Word => "a string or a number",
        };
        let found = match value {
            _ if self.secret() => Unexpected::Other(value.type_str()),
            toml::Value::String(s) => Unexpected::Str(s),
            toml::Value::Integer(n) => Unexpected::Signed(*n),
            toml::Value::Float(f) => Unexpected::Float(*f),
            toml::Value::Boolean(b) => Unexpected::Bool(*b),
            other => Unexpected::Other(other.type_str()),
        };
        format!("invalid type: {found}, expected {expected}")
    }
}

/// The command-line words that give `value` to `arg` (none for a switch set to `false`), or
/// what is wrong with the value. `dir` is the file's directory.
pub fn words(arg: &Arg, value: &toml::Value, dir: &Path) -> Result<Vec<OsString>, String> {
    let long = arg.get_long().unwrap_or_default();
    let form = Form::of(arg);
    let text: OsString = match (form, value) {
        (Form::Switch, toml::Value::Boolean(on)) => {
            return Ok(on.then(|| format!("--{long}").into()).into_iter().collect())
        }
        (Form::Number | Form::Word, toml::Value::Integer(n)) => n.to_string().into(),
        (Form::Word, toml::Value::Float(f)) => f.to_string().into(),
        (Form::Text { .. } | Form::Word, toml::Value::String(s)) if s.is_empty() => {
            return Err("empty value (leave the key out instead)".to_string())
        }
        (Form::Text { path: true, .. }, toml::Value::String(s)) => path_value(s, dir).into(),
        (Form::Text { .. } | Form::Word, toml::Value::String(s)) => s.into(),
        (form, other) => return Err(form.wrong_type(other)),
    };
    let word = check_value(arg, &text)?;
    Ok(vec![word])
}

/// Whether `arg` takes a password, which no message may repeat.
pub fn secret(arg: &Arg) -> bool {
    Form::of(arg).secret()
}

/// `value` checked by `arg`'s own value parser, as the word `--key=value` that gives it:
/// what is wrong with it otherwise, never repeating a password. The config file and the
/// environment variables check their values through this one door.
pub fn check_value(arg: &Arg, value: &OsStr) -> Result<OsString, String> {
    let long = arg.get_long().unwrap_or_default();
    let mut word = OsString::from(format!("--{long}="));
    word.push(value);
    check(arg, std::slice::from_ref(&word), secret(arg))?;
    Ok(word)
}

/// Parse `words` (`--key=value`, or the flag and its values) with `arg`'s own value parser.
/// The flag stands alone here: what it requires or excludes is a matter for the whole
/// command line.
pub(super) fn check(arg: &Arg, words: &[OsString], secret: bool) -> Result<(), String> {
    let none = || Resettable::<Id>::Reset;
    let alone = arg
        .clone()
        .env(None)
        .required(false)
        .requires(none())
        .conflicts_with(none())
        .overrides_with(none())
        .required_unless_present(none())
        .default_value(None)
        .group(none());
    let parsed = Command::new("config")
        .no_binary_name(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .arg(alone)
        .try_get_matches_from(words);
    match parsed {
        Ok(_) => Ok(()),
        Err(_) if secret => Err("not a valid value".to_string()),
        Err(e) => Err(parser_message(&e)),
    }
}

/// What a flag's value parser said, without clap's `invalid value 'x' for '--flag'` around
/// it (the file's message names the key and line instead).
fn parser_message(err: &clap::Error) -> String {
    if let Some(source) = std::error::Error::source(err) {
        return source.to_string();
    }
    let text = err.render().to_string();
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid value");
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

/// A path as written in the file: `~/` is the home directory, and a relative path is
/// relative to the directory of the file (not to wherever the tool runs).
fn path_value(value: &str, dir: &Path) -> PathBuf {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match (value.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => dir.join(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::testing::Cli;
    use clap::CommandFactory;

    fn value(toml: &str) -> toml::Value {
        toml.parse::<toml::Table>().unwrap()["v"].clone()
    }

    #[test]
    fn a_switch_takes_true_or_false() {
        let arg = Arg::new("nodelay")
            .long("nodelay")
            .action(ArgAction::SetTrue);
        let dir = Path::new("/etc");
        assert_eq!(
            words(&arg, &value("v = true"), dir),
            Ok(vec!["--nodelay".into()])
        );
        assert_eq!(words(&arg, &value("v = false"), dir), Ok(vec![]));
        assert_eq!(
            words(&arg, &value("v = \"yes\""), dir),
            Err("invalid type: string \"yes\", expected true or false".to_string())
        );
    }

    #[test]
    fn every_key_parses_alone() {
        let mut cmd = Cli::command();
        cmd.build();
        for arg in file_keys(&cmd) {
            // Alone, a flag builds (clap checks its declaration) and a bad value is its
            // parser's refusal, never clap's complaint about the command line.
            let long = arg.get_long().unwrap_or_default();
            let word = OsString::from(format!("--{long}=?"));
            if let Err(e) = check(arg, &[word], false) {
                assert!(!e.contains("argument"), "{long}: {e}");
            }
        }
    }
}
