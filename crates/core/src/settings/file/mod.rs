//! The config file both tools read: more flags for the same parser.
//!
//! One TOML file, `$XDG_CONFIG_HOME/rpubsub/config.toml` (or `--config FILE`, `RPUBSUB_CONFIG`),
//! holds a `[default]` section and named `[profile.NAME]` sections; `--profile NAME` (or
//! `RPUBSUB_PROFILE`) picks one. A key is a flag's long name (`keys.rs` says which flags), its
//! value is checked by that flag's own value parser, and what applies of it is put in front of
//! the command line and parsed again with it ([`FileFlags`]). Precedence, highest first:
//! command-line flags, environment variables, the profile, the `[default]` section,
//! mosquitto's options file (`options.rs`, read the same way, below this one), built-in
//! defaults; `rules.rs` says when a file value does not apply at all.
//!
//! Every mistake in the file is one line naming the file, the line and the key, and a file
//! that exists must be right in every section, not just the one used, so that a mistake shows
//! the first time rather than the day someone picks that profile.

pub mod document;
pub mod keys;
pub mod options;
pub mod rules;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{Arg, Command};

use self::document::{RawSection, SourceFile};
use self::keys::file_keys;
use self::options::OptionsFile;
use crate::exit::Fail;
use crate::settings::flags::ConnectArgs;
use crate::settings::origin::{setting, Origin, Provenance, Setting};

/// The config file under the XDG config directory.
pub const CONFIG_PATH: &str = "rpubsub/config.toml";

/// The most a config file may hold: `--config /dev/urandom` must end in one line.
const FILE_LIMIT: u64 = 1 << 20;

/// One setting of the file: the flag (clap id and key), the words that give its value on a
/// command line, and where it was written.
#[derive(Debug, Clone)]
pub struct FileValue {
    pub id: String,
    pub key: String,
    pub words: Vec<OsString>,
    pub origin: Origin,
}

/// The config file as read: which file, which profile, and its settings.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file, whether or not it exists.
    pub path: Option<PathBuf>,
    /// Whether the file was there to read.
    pub found: bool,
    /// The profile selected, and how (`--profile` or the environment).
    pub profile: Option<Setting<String>>,
    /// The profile's settings over the `[default]` section's.
    pub values: Vec<FileValue>,
}

impl Config {
    /// One line saying which file and profile are in use, for `--print-config`.
    pub fn describe(&self) -> String {
        let file = match (&self.path, self.found) {
            (Some(path), true) => path.display().to_string(),
            (Some(path), false) => format!("none ({} does not exist)", path.display()),
            (None, _) => "none (neither XDG_CONFIG_HOME nor HOME is set)".to_string(),
        };
        match &self.profile {
            Some(p) => format!("{file}, profile {} ({})", p.value, p.origin),
            None => file,
        }
    }

    /// Read the config file that command line `args` of `cmd` points at (or the default
    /// one) and pick the profile. No file is fine unless one was named (`--config`) or a
    /// profile asked for.
    pub fn load(cmd: &Command, args: &ConnectArgs) -> Result<Config, Fail> {
        let profile = setting!(args.config.profile);
        let (path, named) = match setting!(args.config.config_file) {
            Some(path) => (Some(path.value), Some(path.origin)),
            None => (default_path(), None),
        };
        let Some(path) = path else {
            if let Some(p) = &profile {
                return Err(Fail::usage(format!(
                    "--profile {}: no config file to read it from (neither XDG_CONFIG_HOME nor HOME is set; give --config FILE)",
                    p.value
                )));
            }
            return Ok(Config::default());
        };
        let text = match crate::read_limited::read_to_string(&path, FILE_LIMIT) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && named.is_none() => {
                if let Some(p) = &profile {
                    return Err(Fail::usage(format!(
                        "--profile {}: there is no config file {} to read it from",
                        p.value,
                        path.display()
                    )));
                }
                return Ok(Config {
                    path: Some(path),
                    ..Config::default()
                });
            }
            Err(e) => return Err(unreadable(&path, named.as_ref(), &e)),
        };
        let values = parse(
            cmd,
            &text,
            &path,
            profile.as_ref().map(|p| p.value.as_str()),
        )?;
        Ok(Config {
            path: Some(path),
            found: true,
            profile,
            values,
        })
    }
}

/// The default config file: `$XDG_CONFIG_HOME/rpubsub/config.toml`, else
/// `$HOME/.config/rpubsub/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    Some(config_home()?.join(CONFIG_PATH))
}

/// The user's config directory: `$XDG_CONFIG_HOME` (if absolute, as the XDG rules say), else
/// `$HOME/.config`.
pub fn config_home() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".config"))
    })
}

/// A named config file that cannot be read, named as it was given (`--config` or the
/// variable).
fn unreadable(path: &Path, named: Option<&Origin>, e: &std::io::Error) -> Fail {
    let flag = match named {
        Some(Origin::Env(var)) => format!("{var}="),
        _ => "--config ".to_string(),
    };
    let text = if e.kind() == std::io::ErrorKind::InvalidData {
        "not UTF-8 text".to_string()
    } else {
        crate::io_error_text(e)
    };
    Fail::usage(format!("{flag}{}: {text}", path.display()))
}

/// Parse and check the whole file for the flags of `cmd`, then merge the profile (if any)
/// over `[default]`.
pub fn parse(
    cmd: &Command,
    text: &str,
    path: &Path,
    profile: Option<&str>,
) -> Result<Vec<FileValue>, Fail> {
    let file = SourceFile { text, path };
    let sections = file.sections()?;
    let default = check_section(sections.default, cmd, &file)?;
    let mut checked = Vec::new();
    for (name, section) in sections.profiles {
        checked.push((name, check_section(section, cmd, &file)?));
    }
    let Some(name) = profile else {
        return Ok(default);
    };
    let Some(i) = checked.iter().position(|(n, _)| n == name) else {
        let known: Vec<&str> = checked.iter().map(|(n, _)| n.as_str()).collect();
        let known = if known.is_empty() {
            "it has no [profile.NAME] sections".to_string()
        } else {
            format!("its profiles: {}", known.join(", "))
        };
        return Err(Fail::usage(format!(
            "--profile {name}: {} has no [profile.{}] section ({known})",
            path.display(),
            document::toml_key(name)
        )));
    };
    let mut values = checked.swap_remove(i).1;
    for below in default {
        let hidden = values
            .iter()
            .any(|v| v.id == below.id || conflict(cmd, &v.id, &below.id));
        if !hidden {
            values.push(below);
        }
    }
    Ok(values)
}

/// Check every value of one section, naming file, line and key when one is wrong.
fn check_section(
    raw: RawSection,
    cmd: &Command,
    file: &SourceFile,
) -> Result<Vec<FileValue>, Fail> {
    let keys = file_keys(cmd);
    let dir = file.path.parent().unwrap_or(Path::new(""));
    let section = raw.header;
    let mut values: Vec<FileValue> = Vec::new();
    for entry in raw.entries {
        let Some(arg) = keys
            .iter()
            .find(|a| a.get_long() == Some(entry.key.as_str()))
        else {
            let names: Vec<&str> = keys.iter().filter_map(|a| a.get_long()).collect();
            return Err(Fail::usage(format!(
                "{}:{}: unknown key '{}' in {section} (keys: {})",
                file.path.display(),
                entry.line,
                entry.key,
                names.join(", ")
            )));
        };
        let words = keys::words(arg, &entry.value, dir)
            .map_err(|m| file.error(entry.line, &entry.key, m))?;
        let id = arg.get_id().to_string();
        if let Some(other) = values.iter().find(|v| conflict(cmd, &v.id, &id)) {
            return Err(file.error(
                entry.line,
                &entry.key,
                format!(
                    "{section} has both {} and {}: keep one",
                    other.key, entry.key
                ),
            ));
        }
        values.push(FileValue {
            id,
            origin: file.origin(entry.line, &section, &entry.key),
            key: entry.key,
            words,
        });
    }
    check_together(&values, &section)?;
    Ok(values)
}

/// A section gives all keys of a [`rules::TOGETHER`] setting or none.
fn check_together(values: &[FileValue], section: &str) -> Result<(), Fail> {
    for together in rules::TOGETHER {
        let given: Vec<&FileValue> = values
            .iter()
            .filter(|v| together.keys.contains(&v.key.as_str()))
            .collect();
        if let Some(Origin::File { path, line, .. }) = given.first().map(|v| &v.origin) {
            if given.len() < together.keys.len() {
                return Err(Fail::usage(format!(
                    "{}:{line}: {}: {section} has only one of {}: {} go together",
                    path.display(),
                    together.keys.join("/"),
                    together.keys.join(" and "),
                    together.what
                )));
            }
        }
    }
    Ok(())
}

/// Whether the flags with clap ids `a` and `b` exclude each other: clap declares it on one of
/// them, or both are in a group of which one may be given (rpub's payload source).
fn conflict(cmd: &Command, a: &str, b: &str) -> bool {
    let (Some(a), Some(b)) = (find(cmd, a), find(cmd, b)) else {
        return false;
    };
    let excludes = |x: &Arg, y: &Arg| {
        cmd.get_arg_conflicts_with(x)
            .iter()
            .any(|c| c.get_id() == y.get_id())
    };
    let one_of = cmd.get_groups().any(|g| {
        let mut members = g.get_args();
        let both = members.any(|m| m == a.get_id()) && g.get_args().any(|m| m == b.get_id());
        both && a.get_id() != b.get_id() && !g.clone().is_multiple()
    });
    excludes(a, b) || excludes(b, a) || one_of
}

fn find<'a>(cmd: &'a Command, id: &str) -> Option<&'a Arg> {
    cmd.get_arguments().find(|a| a.get_id() == id)
}

/// The file's settings that apply to one command line, as more flags for the same parser:
/// mosquitto's options file first, then the config file, so that the command line that
/// follows them wins.
#[derive(Debug, Clone)]
pub struct FileFlags {
    /// Which file and profile, for `--print-config`.
    config: String,
    /// Which options file, for `--print-config`.
    options: String,
    values: Vec<FileValue>,
    /// The clap ids the command line or the environment gave.
    given: Vec<String>,
}

impl FileFlags {
    /// What of `config` and `options` applies to command line `args` of `cmd` (with its
    /// provenance): a file value yields to its own flag or variable, to a flag it conflicts
    /// with, and as [`rules`] say; keys that are one setting yield together. An options-file
    /// value also yields to the config file's, and one of a flag that adds up (`rsub -t`)
    /// goes before the command line's, as mosquitto takes both.
    pub fn new(
        config: &Config,
        options: &OptionsFile,
        cmd: &Command,
        args: &ConnectArgs,
    ) -> FileFlags {
        if config.values.is_empty() && options.values.is_empty() {
            // Most runs: no file, or nothing in either for this tool.
            return FileFlags {
                config: config.describe(),
                options: options.describe.clone(),
                values: Vec::new(),
                given: Vec::new(),
            };
        }
        let given: Vec<&Arg> = cmd
            .get_arguments()
            .filter(|a| args.provenance.given(a.get_id().as_str()))
            .collect();
        let taken = |key: &str, adds: bool| {
            let Some(arg) = cmd.get_arguments().find(|a| a.get_long() == Some(key)) else {
                return false;
            };
            let id = arg.get_id().as_str();
            rules::yields(key, args)
                || given
                    .iter()
                    .any(|g| (g.get_id() == id && !adds) || conflict(cmd, g.get_id().as_str(), id))
        };
        let toml: Vec<FileValue> = config
            .values
            .iter()
            .filter(|v| !rules::linked(&v.key).into_iter().any(|k| taken(k, false)))
            .cloned()
            .collect();
        let hidden_by_toml = |v: &FileValue| {
            let linked = rules::linked(&v.key);
            toml.iter().any(|t| {
                t.id == v.id || conflict(cmd, &t.id, &v.id) || linked.contains(&t.key.as_str())
            })
        };
        let adds = |v: &FileValue| find(cmd, &v.id).is_some_and(options::appends);
        let mut values: Vec<FileValue> = options
            .values
            .iter()
            .filter(|v| {
                let yields = rules::linked(&v.key).into_iter().any(|k| taken(k, adds(v)));
                !yields && !hidden_by_toml(v)
            })
            .cloned()
            .collect();
        values.extend(toml);
        FileFlags {
            config: config.describe(),
            options: options.describe.clone(),
            values,
            given: given.iter().map(|a| a.get_id().to_string()).collect(),
        }
    }

    /// The command line `argv` with these settings in front of its arguments, or `None`
    /// when they add no words.
    pub fn command_line(&self, argv: &[OsString]) -> Option<Vec<OsString>> {
        let words: Vec<&OsString> = self.values.iter().flat_map(|v| &v.words).collect();
        if words.is_empty() {
            return None;
        }
        let (program, rest) = argv.split_first()?;
        let mut line = vec![program.clone()];
        line.extend(words.into_iter().cloned());
        line.extend(rest.iter().cloned());
        Some(line)
    }

    /// The settings the files add, for an error of the parse they took part in:
    /// `, with --will-payload from ~/.config/mosquitto_pub:1 and port from [default]
    /// ~/.config/rpubsub/config.toml:3`; "" when they add none. Names and places only, never
    /// a value (it may be a password).
    pub fn blame(&self) -> String {
        let named: Vec<String> = self
            .values
            .iter()
            .map(|v| match &v.origin {
                Origin::Options { option, .. } => format!("{option} from {}", v.origin),
                _ => format!("{} from {}", v.key, v.origin),
            })
            .collect();
        if named.is_empty() {
            return String::new();
        }
        format!(", with {}", named.join(" and "))
    }

    /// Note in `provenance` (the parse of [`FileFlags::command_line`], or of the command line
    /// alone when the file adds no words) which values came from the file, and which file.
    pub fn note(&self, provenance: &mut Provenance) {
        for value in &self.values {
            // A flag that adds up is the command line's once it gave some of it too.
            if !self.given.contains(&value.id) {
                provenance.record(&value.id, value.origin.clone());
            }
        }
        provenance.config = self.config.clone();
        provenance.options = self.options.clone();
    }
}

#[cfg(test)]
mod tests;
