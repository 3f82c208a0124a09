//! mosquitto's options files: the default arguments mosquitto_pub and mosquitto_sub read from
//! `$XDG_CONFIG_HOME/mosquitto_pub` (`mosquitto_sub`), else `$HOME/.config/mosquitto_pub`, so
//! that someone whose broker, user and TLS flags live there keeps them. rpub reads
//! mosquitto_pub's file, `--wait-response` included (its lines are rpub's flags, and
//! mosquitto_rr's file holds mosquitto_rr's, `-e` and `-W` among them); rsub reads
//! mosquitto_sub's.
//!
//! The file is read as mosquitto 2.0 reads it (`client_config_load`): a line starting with `#`
//! is a comment, a blank line is nothing; otherwise the line is one option, up to the first
//! space, and its value, the rest of the line as written: spaces and quotes are part of it,
//! nothing is unquoted. The option is any flag of the tool, checked by that flag's own value
//! parser; the values become more flags for the same parser, below the config file's
//! ([`super::FileFlags`]). A mistake is one line naming the file and the line; a password is
//! never repeated.

use std::ffi::OsString;
use std::path::Path;

use clap::{Arg, ArgAction, Command};

use super::keys;
use super::FileValue;
use crate::exit::Fail;
use crate::settings::flags::ConnectArgs;
use crate::settings::origin::{setting, Origin};

/// The most an options file may hold: a few lines, in practice.
const FILE_LIMIT: u64 = 1 << 20;

/// Flags that choose which files are read, or do not run the tool: they belong on the
/// command line.
const NOT_IN_FILE: [&str; 4] = ["generate", "config_file", "profile", "no_mosquitto_options"];

/// mosquitto's options file as read for one command line.
#[derive(Debug, Clone, Default)]
pub struct OptionsFile {
    /// Which file, and whether it was read, for `--print-config`.
    pub describe: String,
    /// Its options in the order of the file; a later line replaces an earlier one of the same
    /// flag, as in mosquitto.
    pub values: Vec<FileValue>,
}

impl OptionsFile {
    /// Read the options file `name` (`mosquitto_pub`) for command line `args` of `cmd`, unless
    /// `--no-mosquitto-options` says not to. No file is nothing; a file that cannot be read is
    /// a mistake (exit 2), as is any line the tool cannot take.
    pub fn load(cmd: &Command, args: &ConnectArgs, name: &str) -> Result<OptionsFile, Fail> {
        let off = setting!(args.config.no_mosquitto_options);
        if off.value {
            return Ok(OptionsFile {
                describe: format!("not read (--no-mosquitto-options, {})", off.origin),
                values: Vec::new(),
            });
        }
        let Some(path) = super::config_home().map(|dir| dir.join(name)) else {
            return Ok(OptionsFile {
                describe: "none (neither XDG_CONFIG_HOME nor HOME is set)".to_string(),
                values: Vec::new(),
            });
        };
        let text = match crate::read_limited::read_to_string(&path, FILE_LIMIT) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(OptionsFile {
                    describe: format!("none ({} does not exist)", path.display()),
                    values: Vec::new(),
                })
            }
            Err(e) => {
                let why = match e.kind() {
                    std::io::ErrorKind::InvalidData => "not UTF-8 text".to_string(),
                    _ => crate::io_error_text(&e),
                };
                return Err(Fail::usage(format!(
                    "{}: {why} (--no-mosquitto-options skips this file)",
                    path.display()
                )));
            }
        };
        Ok(OptionsFile {
            describe: path.display().to_string(),
            values: parse(cmd, &text, &path)?,
        })
    }
}

/// The options of file `path` holding `text`, each checked against the flags of `cmd` (which
/// must be built).
pub fn parse(cmd: &Command, text: &str, path: &Path) -> Result<Vec<FileValue>, Fail> {
    let mut values: Vec<FileValue> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let Some((option, value)) = split(line) else {
            continue;
        };
        let mistake = |about: String| Fail::usage(format!("{}:{line_no}: {about}", path.display()));
        let (arg, value) = find(cmd, option, value).map_err(mistake)?;
        let origin = Origin::Options {
            path: path.to_path_buf(),
            line: line_no,
            option: written(option).to_string(),
        };
        let value = option_value(arg, written(option), value).map_err(mistake)?;
        let id = arg.get_id().to_string();
        if !appends(arg) {
            values.retain(|v| v.id != id);
        }
        if let Some(other) = values.iter().find(|v| super::conflict(cmd, &v.id, &id)) {
            let (other, line) = written_at(&other.origin);
            return Err(mistake(format!(
                "{} cannot be used with {other} (line {line}): keep one",
                written(option),
            )));
        }
        values.push(FileValue {
            id,
            key: arg.get_long().unwrap_or_default().to_string(),
            words: value,
            origin,
        });
    }
    Ok(values)
}

/// One line as mosquitto splits it: `None` for a comment or a blank line, else the option (up
/// to the first space, leading spaces skipped) and the rest of the line after that space, if
/// anything is left.
fn split(line: &str) -> Option<(&str, Option<&str>)> {
    if line.starts_with('#') {
        return None;
    }
    let line = line.trim_end_matches(['\r', '\n']).trim_start_matches(' ');
    if line.is_empty() {
        return None;
    }
    Some(match line.split_once(' ') {
        Some((option, "")) => (option, None),
        Some((option, rest)) => (option, Some(rest)),
        None => (line, None),
    })
}

/// How a message names the option of a line: without a value written into it (`--password=x`
/// and `-Px` are named `--password` and `-P`).
fn written(option: &str) -> &str {
    match option.strip_prefix("--") {
        Some(long) => &option[..2 + long.find('=').unwrap_or(long.len())],
        None if option.starts_with('-') => option.get(..2).unwrap_or(option),
        None => option,
    }
}

/// The flag of `cmd` that `option` names, and its value: the rest of the line, or what is
/// written into the option itself (`--host=b`, `-hb`, as on a command line).
fn find<'a, 'l>(
    cmd: &'a Command,
    option: &'l str,
    rest: Option<&'l str>,
) -> Result<(&'a Arg, Option<&'l str>), String> {
    let name = written(option);
    let inline = match option.get(name.len()..) {
        Some("") | None => None,
        Some(tail) => Some(tail.strip_prefix('=').unwrap_or(tail)),
    };
    let arg = if let Some(long) = name.strip_prefix("--") {
        cmd.get_arguments().find(|a| {
            a.get_long() == Some(long) || a.get_all_aliases().is_some_and(|all| all.contains(&long))
        })
    } else if let Some(short) = name.strip_prefix('-').and_then(|s| s.chars().next()) {
        cmd.get_arguments().find(|a| {
            a.get_short() == Some(short)
                || a.get_all_short_aliases()
                    .is_some_and(|all| all.contains(&short))
        })
    } else {
        return Err(
            "not an option: each line is one option (such as -h or --host) and its value"
                .to_string(),
        );
    };
    let arg = arg.ok_or_else(|| format!("unknown option '{}'", crate::escape::line(name)))?;
    let refused = NOT_IN_FILE.contains(&arg.get_id().as_str())
        || matches!(arg.get_action(), ArgAction::Help | ArgAction::Version);
    if refused {
        return Err(format!(
            "{name} belongs on the command line, not in this file"
        ));
    }
    match (inline, rest) {
        (Some(_), Some(_)) => Err(format!(
            "{name}: a value both in the option and after it: give one"
        )),
        (Some(value), None) | (None, Some(value)) => Ok((arg, Some(value))),
        (None, None) => Ok((arg, None)),
    }
}

/// The command-line words that give `value` to `arg`, checked by the flag's own value
/// parser; `option` is how the line names the flag. A flag of several values (`-D`) takes
/// them separated by spaces.
fn option_value(arg: &Arg, option: &str, value: Option<&str>) -> Result<Vec<OsString>, String> {
    let takes = arg.get_num_args().unwrap_or_default();
    let flag = match arg.get_long() {
        Some(long) => format!("--{long}"),
        None => format!("-{}", arg.get_short().unwrap_or_default()),
    };
    let words: Vec<OsString> = match value {
        None if takes.min_values() > 0 => {
            return Err(format!("{option} needs a value: {option} VALUE on one line"))
        }
        None => vec![flag.into()],
        Some(_) if !takes.takes_values() => {
            return Err(format!(
                "{option} takes no value, and a line holds one option (the rest of the line is its value)"
            ))
        }
        Some(value) if takes.min_values() > 1 => {
            let values: Vec<&str> = value.split(' ').filter(|v| !v.is_empty()).collect();
            if values.len() < takes.min_values() || values.len() > takes.max_values() {
                let names = arg.get_value_names().unwrap_or_default();
                let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
                return Err(format!(
                    "{option} takes {} values on its line, separated by spaces: {option} {}",
                    takes.min_values(),
                    names.join(" ")
                ));
            }
            std::iter::once(flag.as_str()).chain(values).map(OsString::from).collect()
        }
        // Joined to the flag, so that a value starting with `-` (`-m -5`) is still a value.
        Some(value) if arg.get_long().is_some() => vec![format!("{flag}={value}").into()],
        Some(value) => vec![format!("{flag}{value}").into()],
    };
    keys::check(arg, &words, keys::secret(arg)).map_err(|m| format!("{option}: {m}"))?;
    Ok(words)
}

/// Whether repeating `arg` adds to it (`rsub -t`, `-D`) rather than replacing it.
pub fn appends(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Append)
}

/// The option and line of a value of the options file.
fn written_at(origin: &Origin) -> (&str, usize) {
    match origin {
        Origin::Options { option, line, .. } => (option, *line),
        _ => ("", 0),
    }
}

#[cfg(test)]
mod tests;
