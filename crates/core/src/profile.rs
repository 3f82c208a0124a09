//! The config file both tools read, and where each setting came from.
//!
//! One TOML file, `$XDG_CONFIG_HOME/rpubsub/config.toml` (or `--config FILE`, `RPUBSUB_CONFIG`),
//! holds a `[default]` section and named `[profile.NAME]` sections of connection settings;
//! `--profile NAME` (or `RPUBSUB_PROFILE`) picks one. The keys are the long flag names.
//! Precedence, highest first: command-line flags, environment variables, the profile, the
//! `[default]` section, built-in defaults. `options.rs` applies it; this module reads and checks
//! the file, so that every mistake in it is one line naming the file, the line and the key,
//! and describes the outcome for `--print-config`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{ArgMatches, Command, ValueEnum};
use serde::Deserialize;
use toml::Spanned;

use crate::args::{ConnectArgs, ProtocolArg, TlsVersionArg};
use crate::duration::{parse_duration, show};
use crate::exit::Fail;
use crate::secret::Secret;

/// The environment variable naming the config file (as `--config`).
pub const CONFIG_ENV: &str = "RPUBSUB_CONFIG";
/// The environment variable naming the profile (as `--profile`).
pub const PROFILE_ENV: &str = "RPUBSUB_PROFILE";
/// The config file under the XDG config directory.
pub const CONFIG_PATH: &str = "rpubsub/config.toml";

/// The keys a section may hold, in the order `--print-config` and error messages list them.
pub const KEYS: &[&str] = &[
    "host",
    "port",
    "username",
    "password",
    "password-file",
    "id-prefix",
    "protocol-version",
    "keepalive",
    "connect-timeout",
    "cafile",
    "capath",
    "cert",
    "key",
    "tls-version",
    "proxy",
];

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Given on the command line.
    Flag,
    /// An environment variable, by name.
    Env(String),
    /// The `-L` URL.
    Url,
    /// The config file: the section it was read from (`[default]`, `[profile.lab]`) and where.
    File {
        path: PathBuf,
        line: usize,
        section: String,
    },
    /// Nobody set it.
    Default,
}

impl Origin {
    /// How a message names the setting: the flag for the command line and the environment
    /// (`--proxy`), `FILE:LINE: key` for the config file.
    pub fn label(&self, flag: &str, key: &str) -> String {
        match self {
            Origin::File { path, line, .. } => format!("{}:{line}: {key}", path.display()),
            _ => flag.to_string(),
        }
    }
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

/// Which connection flags came from the command line and which from the environment, read
/// from clap's matches (clap merges the two into one value).
#[derive(Debug, Clone, Default)]
pub struct Origins(HashMap<String, Origin>);

impl Origins {
    /// Record the source of every argument present in `matches` of `cmd`.
    pub fn from_matches(cmd: &Command, matches: &ArgMatches) -> Origins {
        let mut map = HashMap::new();
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            let origin = match matches.value_source(id) {
                Some(clap::parser::ValueSource::CommandLine) => Origin::Flag,
                Some(clap::parser::ValueSource::EnvVariable) => match arg.get_env() {
                    Some(var) => Origin::Env(var.to_string_lossy().into_owned()),
                    None => Origin::Flag,
                },
                _ => continue,
            };
            map.insert(id.to_string(), origin);
        }
        Origins(map)
    }

    /// Where the value of argument `id` came from; a value nobody recorded (a struct parsed
    /// without `cli::parse`, as in unit tests) counts as the command line.
    pub fn get(&self, id: &str) -> Origin {
        self.0.get(id).cloned().unwrap_or(Origin::Flag)
    }
}

/// A password, or the file its first line is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Password {
    Text(Secret),
    File(PathBuf),
}

/// What the config file says, with the profile merged over the `[default]` section.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub host: Option<Setting<String>>,
    pub port: Option<Setting<u16>>,
    pub username: Option<Setting<String>>,
    pub password: Option<Setting<Password>>,
    pub id_prefix: Option<Setting<String>>,
    pub protocol: Option<Setting<ProtocolArg>>,
    pub keepalive: Option<Setting<Duration>>,
    pub connect_timeout: Option<Setting<Duration>>,
    pub cafile: Option<Setting<PathBuf>>,
    pub capath: Option<Setting<PathBuf>>,
    /// `cert` and `key`, which go together.
    pub client_cert: Option<Setting<(PathBuf, PathBuf)>>,
    pub tls_version: Option<Setting<TlsVersionArg>>,
    pub proxy: Option<Setting<String>>,
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
    pub settings: Settings,
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
}

/// The default config file: `$XDG_CONFIG_HOME/rpubsub/config.toml`, else
/// `$HOME/.config/rpubsub/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".config"))
    })?;
    Some(base.join(CONFIG_PATH))
}

/// Read the config file the flags point at (or the default one) and pick the profile.
///
/// No file is fine unless one was named (`--config`) or a profile asked for; a file that
/// exists must be right in every section, not just the one used, so that a mistake shows the
/// first time rather than the day someone picks that profile.
pub fn load(args: &ConnectArgs) -> Result<Config, Fail> {
    let profile = args.profile.as_ref().map(|name| Setting {
        value: name.clone(),
        origin: args.origins.get("profile"),
    });
    let (path, named) = match &args.config {
        Some(path) => (Some(path.clone()), Some(args.origins.get("config"))),
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
    let text = match std::fs::read_to_string(&path) {
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
        Err(e) => {
            let flag = match named {
                Some(Origin::Env(var)) => format!("{var}="),
                _ => "--config ".to_string(),
            };
            let text = if e.kind() == std::io::ErrorKind::InvalidData {
                "not UTF-8 text".to_string()
            } else {
                crate::io_error_text(&e)
            };
            return Err(Fail::usage(format!("{flag}{}: {text}", path.display())));
        }
    };
    let settings = parse(&text, &path, profile.as_ref().map(|p| p.value.as_str()))?;
    Ok(Config {
        path: Some(path),
        found: true,
        profile,
        settings,
    })
}

/// The file as TOML: a `[default]` section and `[profile.NAME]` sections.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    default: Section,
    #[serde(default)]
    profile: BTreeMap<String, Section>,
}

/// One section as written. Values are checked by [`Section::check`], which knows their lines.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Section {
    host: Option<Spanned<String>>,
    port: Option<Spanned<i64>>,
    username: Option<Spanned<String>>,
    password: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    id_prefix: Option<Spanned<String>>,
    protocol_version: Option<Spanned<toml::Value>>,
    keepalive: Option<Spanned<toml::Value>>,
    connect_timeout: Option<Spanned<toml::Value>>,
    cafile: Option<Spanned<String>>,
    capath: Option<Spanned<String>>,
    cert: Option<Spanned<String>>,
    key: Option<Spanned<String>>,
    tls_version: Option<Spanned<String>>,
    proxy: Option<Spanned<String>>,
}

/// Parse and check the whole file, then merge the profile (if any) over `[default]`.
pub fn parse(text: &str, path: &Path, profile: Option<&str>) -> Result<Settings, Fail> {
    let file = SourceFile { text, path };
    let doc: Document = toml::from_str(text).map_err(|e| file.toml_error(&e))?;
    let default = doc.default.check(&file, "[default]")?;
    let mut checked = BTreeMap::new();
    for (name, section) in doc.profile {
        let header = format!("[profile.{}]", toml_key(&name));
        checked.insert(name, section.check(&file, &header)?);
    }
    let Some(name) = profile else {
        return Ok(default);
    };
    let Some(chosen) = checked.remove(name) else {
        let known: Vec<&str> = checked.keys().map(String::as_str).collect();
        let known = if known.is_empty() {
            "it has no [profile.NAME] sections".to_string()
        } else {
            format!("its profiles: {}", known.join(", "))
        };
        return Err(Fail::usage(format!(
            "--profile {name}: {} has no [profile.{}] section ({known})",
            path.display(),
            toml_key(name)
        )));
    };
    Ok(chosen.over(default))
}

/// A profile name as written in a table header: bare if it can be, quoted otherwise.
fn toml_key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

impl Settings {
    /// `self` where it says something, `below` otherwise. A password and a password file are
    /// one setting, as are a certificate and its key.
    fn over(self, below: Settings) -> Settings {
        Settings {
            host: self.host.or(below.host),
            port: self.port.or(below.port),
            username: self.username.or(below.username),
            password: self.password.or(below.password),
            id_prefix: self.id_prefix.or(below.id_prefix),
            protocol: self.protocol.or(below.protocol),
            keepalive: self.keepalive.or(below.keepalive),
            connect_timeout: self.connect_timeout.or(below.connect_timeout),
            cafile: self.cafile.or(below.cafile),
            capath: self.capath.or(below.capath),
            client_cert: self.client_cert.or(below.client_cert),
            tls_version: self.tls_version.or(below.tls_version),
            proxy: self.proxy.or(below.proxy),
        }
    }
}

/// The file's text and name, for turning byte offsets into `FILE:LINE: key: ...` messages.
struct SourceFile<'a> {
    text: &'a str,
    path: &'a Path,
}

impl SourceFile<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.text.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn origin(&self, span: Span, section: &str) -> Origin {
        Origin::File {
            path: self.path.to_path_buf(),
            line: self.line_of(span.start),
            section: section.to_string(),
        }
    }

    /// `FILE:LINE: key: message`.
    fn error(&self, span: Span, key: &str, message: impl fmt::Display) -> Fail {
        Fail::usage(format!(
            "{}:{}: {key}: {message}",
            self.path.display(),
            self.line_of(span.start)
        ))
    }

    /// A TOML syntax or shape error, as one line naming the line and, where there is one, the
    /// key: toml reports an unknown key at the key, a wrong type at the value.
    fn toml_error(&self, err: &toml::de::Error) -> Fail {
        let message = err.message().lines().next().unwrap_or("not valid TOML");
        // serde names Rust types; say what to write instead.
        let message = message
            .replace("expected i64", "expected a whole number")
            .replace("expected struct Section", "expected a [section]");
        let message = message.as_str();
        let Some(span) = err.span() else {
            return Fail::usage(format!("{}: {message}", self.path.display()));
        };
        let line = self.line_of(span.start);
        let line_text = self.text.lines().nth(line - 1).unwrap_or_default();
        let section = self.section_at(line);
        let where_ = format!("{}:{line}", self.path.display());
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let key = rest.split('`').next().unwrap_or_default();
            return Fail::usage(match section.as_deref() {
                None => format!(
                    "{where_}: unknown key '{key}' outside a section: settings go under [default] or [profile.NAME]"
                ),
                Some(s) if s == "[default]" || s.starts_with("[profile.") => format!(
                    "{where_}: unknown key '{key}' in {s} (keys: {})",
                    KEYS.join(", ")
                ),
                Some(_) => format!(
                    "{where_}: unknown section '{key}' (the file has [default] and [profile.NAME] sections)"
                ),
            });
        }
        if section.as_deref() == Some("[profile]") {
            return Fail::usage(format!(
                "{where_}: settings of a profile go under [profile.NAME], not [profile]"
            ));
        }
        // Name the key the line assigns, if it assigns one.
        match line_text.split_once('=') {
            Some((key, _)) if !line_text.trim_start().starts_with('[') => {
                let key = key.trim().trim_matches('"');
                Fail::usage(format!("{where_}: {key}: {message}"))
            }
            _ => Fail::usage(format!("{where_}: {message}")),
        }
    }

    /// The `[table]` header in force at `line`, if any.
    fn section_at(&self, line: usize) -> Option<String> {
        self.text
            .lines()
            .take(line)
            .filter_map(|l| {
                let l = l.trim();
                (l.starts_with('[') && !l.starts_with("[[")).then(|| {
                    let end = l.find(']').map_or(l.len(), |i| i + 1);
                    l[..end].to_string()
                })
            })
            .last()
    }

    /// A path as written in the file: `~/` is the home directory, and a relative path is
    /// relative to the directory of the file (not to wherever the tool runs).
    fn path_value(&self, value: &str) -> PathBuf {
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
        match (value.strip_prefix("~/"), home) {
            (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
            _ => {
                let dir = self.path.parent().unwrap_or(Path::new(""));
                dir.join(value)
            }
        }
    }
}

/// Checks the values of one section, knowing its name for messages and origins.
struct Checker<'a> {
    file: &'a SourceFile<'a>,
    section: &'a str,
}

type Span = std::ops::Range<usize>;

impl Checker<'_> {
    fn set<T>(&self, span: Span, value: T) -> Setting<T> {
        Setting {
            value,
            origin: self.file.origin(span, self.section),
        }
    }

    /// A string value; empty is refused, since leaving the key out says that better.
    fn text(&self, v: Option<Spanned<String>>, key: &str) -> Result<Option<Setting<String>>, Fail> {
        let Some(v) = v else { return Ok(None) };
        let span = v.span();
        let value = v.into_inner();
        if value.is_empty() {
            return Err(self
                .file
                .error(span, key, "empty value (leave the key out instead)"));
        }
        Ok(Some(self.set(span, value)))
    }

    fn path(
        &self,
        v: Option<Spanned<String>>,
        key: &str,
    ) -> Result<Option<Setting<PathBuf>>, Fail> {
        Ok(self.text(v, key)?.map(|s| Setting {
            value: self.file.path_value(&s.value),
            origin: s.origin,
        }))
    }

    /// Seconds (`30`, `0.5`) or a duration string (`"30s"`), as the flags take them.
    fn duration(
        &self,
        v: Option<Spanned<toml::Value>>,
        key: &str,
    ) -> Result<Option<Setting<Duration>>, Fail> {
        let Some(v) = v else { return Ok(None) };
        let span = v.span();
        let parsed = match v.get_ref() {
            toml::Value::String(s) => parse_duration(s),
            toml::Value::Integer(n) => parse_duration(&n.to_string()),
            toml::Value::Float(f) => parse_duration(&f.to_string()),
            other => Err(format!(
                "expected seconds or a duration such as \"30s\", found {}",
                other.type_str()
            )),
        };
        match parsed {
            Ok(d) => Ok(Some(self.set(span, d))),
            Err(e) => Err(self.file.error(span, key, e)),
        }
    }

    fn port(&self, v: Option<Spanned<i64>>) -> Result<Option<Setting<u16>>, Fail> {
        let Some(v) = v else { return Ok(None) };
        let span = v.span();
        let n = *v.get_ref();
        match u16::try_from(n) {
            Ok(port) if port != 0 => Ok(Some(self.set(span, port))),
            _ => Err(self
                .file
                .error(span, "port", format!("{n} is not a port (1-65535)"))),
        }
    }

    fn protocol(
        &self,
        v: Option<Spanned<toml::Value>>,
    ) -> Result<Option<Setting<ProtocolArg>>, Fail> {
        let Some(v) = v else { return Ok(None) };
        let span = v.span();
        let name = match v.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(n) => n.to_string(),
            other => other.type_str().to_string(),
        };
        match ProtocolArg::from_str(&name, true) {
            Ok(p) if p != ProtocolArg::V31 => Ok(Some(self.set(span, p))),
            _ => Err(self.file.error(
                span,
                "protocol-version",
                format!("'{name}' is not a protocol version these tools speak: use \"mqttv311\" (or 311) or \"mqttv5\" (or 5)"),
            )),
        }
    }

    fn tls_version(
        &self,
        v: Option<Spanned<String>>,
    ) -> Result<Option<Setting<TlsVersionArg>>, Fail> {
        let Some(s) = self.text(v, "tls-version")? else {
            return Ok(None);
        };
        match TlsVersionArg::from_str(&s.value, true) {
            Ok(t) => Ok(Some(Setting {
                value: t,
                origin: s.origin,
            })),
            Err(_) => Err(Fail::usage(format!(
                "{}: '{}' is not a TLS version: use \"tlsv1.2\" or \"tlsv1.3\"",
                s.origin.label("", "tls-version"),
                s.value
            ))),
        }
    }
}

impl Section {
    /// Check every value, naming file, line and key when one is wrong.
    fn check(self, file: &SourceFile, section: &str) -> Result<Settings, Fail> {
        let c = Checker { file, section };
        let password = match (self.password, self.password_file) {
            (Some(_), Some(f)) => {
                return Err(file.error(
                    f.span(),
                    "password-file",
                    format!("{section} has both password and password-file: keep one (password-file keeps the password out of this file)"),
                ))
            }
            (Some(p), None) => c.text(Some(p), "password")?.map(|s| Setting {
                value: Password::Text(Secret::new(s.value)),
                origin: s.origin,
            }),
            (None, f) => c.path(f, "password-file")?.map(|s| Setting {
                value: Password::File(s.value),
                origin: s.origin,
            }),
        };
        let client_cert = match (c.path(self.cert, "cert")?, c.path(self.key, "key")?) {
            (Some(cert), Some(key)) => Some(Setting {
                value: (cert.value, key.value),
                origin: cert.origin,
            }),
            (None, None) => None,
            (Some(one), None) | (None, Some(one)) => {
                return Err(Fail::usage(format!(
                    "{}: {section} has only one of cert and key: the client certificate and its private key go together",
                    one.origin.label("", "cert/key")
                )));
            }
        };
        Ok(Settings {
            host: c.text(self.host, "host")?,
            port: c.port(self.port)?,
            username: c.text(self.username, "username")?,
            password,
            id_prefix: c.text(self.id_prefix, "id-prefix")?,
            protocol: c.protocol(self.protocol_version)?,
            keepalive: c.duration(self.keepalive, "keepalive")?,
            connect_timeout: c.duration(self.connect_timeout, "connect-timeout")?,
            cafile: c.path(self.cafile, "cafile")?,
            capath: c.path(self.capath, "capath")?,
            client_cert,
            tls_version: c.tls_version(self.tls_version)?,
            proxy: c.text(self.proxy, "proxy")?,
        })
    }
}

/// The effective connection settings and where each came from, as `--print-config` shows
/// them: one `key  value  source` line each, the password never in clear.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Which config file and profile.
    pub config: String,
    pub lines: Vec<(&'static str, String, String)>,
}

impl Report {
    /// A setting that has a value.
    pub fn set(&mut self, key: &'static str, value: impl fmt::Display, origin: &Origin) {
        self.lines
            .push((key, value.to_string(), origin.to_string()));
    }

    /// A setting with a value when `setting` is one, `-` otherwise.
    pub fn maybe<T: fmt::Display>(&mut self, key: &'static str, setting: Option<&Setting<T>>) {
        match setting {
            Some(s) => self.set(key, &s.value, &s.origin),
            None => self
                .lines
                .push((key, "-".to_string(), "not set".to_string())),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "# config file: {}", self.config)?;
        let key_width = self.lines.iter().map(|l| l.0.len()).max().unwrap_or(0);
        let value_width = self
            .lines
            .iter()
            .map(|l| l.1.chars().count())
            .max()
            .unwrap_or(0);
        for (key, value, source) in &self.lines {
            let pad = value_width - value.chars().count();
            writeln!(f, "{key:key_width$}  {value}{:pad$}  # {source}", "")?;
        }
        Ok(())
    }
}

/// A duration for the report, as the flags take it.
pub fn show_duration(d: Duration) -> String {
    show(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str, profile: Option<&str>) -> Result<Settings, String> {
        parse(text, Path::new("/etc/c.toml"), profile).map_err(|e| e.message)
    }

    #[test]
    fn profile_over_default() {
        let text = "[default]\nhost = \"a\"\nport = 1884\n\n[profile.lab]\nhost = \"b\"\n";
        let s = settings(text, Some("lab")).unwrap();
        assert_eq!(s.host.as_ref().unwrap().value, "b");
        assert_eq!(
            s.host.unwrap().origin.to_string(),
            "[profile.lab] /etc/c.toml:6"
        );
        assert_eq!(s.port.unwrap().value, 1884);
        let s = settings(text, None).unwrap();
        assert_eq!(s.host.unwrap().value, "a");
    }

    #[test]
    fn mistakes_name_file_line_and_key() {
        let err = |text: &str| settings(text, None).unwrap_err();
        assert_eq!(
            err("[default]\nhots = \"a\"\n"),
            format!(
                "/etc/c.toml:2: unknown key 'hots' in [default] (keys: {})",
                KEYS.join(", ")
            )
        );
        assert_eq!(
            err("[default]\n\n[profile.x]\nport = 70000\n"),
            "/etc/c.toml:4: port: 70000 is not a port (1-65535)"
        );
        assert!(err("[default]\nport = \"x\"\n").starts_with("/etc/c.toml:2: port: invalid type"));
        assert!(err("host = \"a\"\n").contains("outside a section"));
        assert!(err("[defaults]\nhost = \"a\"\n")
            .starts_with("/etc/c.toml:1: unknown section 'defaults'"));
        assert!(err("[default]\nkeepalive = \"soon\"\n")
            .starts_with("/etc/c.toml:2: keepalive: 'soon' is not a duration"));
        assert!(err("[default]\nprotocol-version = \"mqttv31\"\n").contains("protocol-version"));
        assert!(err("[default]\ncert = \"c\"\n").contains("only one of cert and key"));
        assert!(err("[default]\nhost = \n").starts_with("/etc/c.toml:2"));
        assert_eq!(
            settings("[profile.a]\n", Some("b")).unwrap_err(),
            "--profile b: /etc/c.toml has no [profile.b] section (its profiles: a)"
        );
    }

    #[test]
    fn paths_are_relative_to_the_file() {
        let s = settings(
            "[default]\ncafile = \"ca.crt\"\npassword-file = \"/p\"\n",
            None,
        )
        .unwrap();
        assert_eq!(s.cafile.unwrap().value, PathBuf::from("/etc/ca.crt"));
        assert_eq!(s.password.unwrap().value, Password::File("/p".into()));
    }

    #[test]
    fn values_in_their_forms() {
        let s = settings(
            "[default]\nprotocol-version = 5\nkeepalive = 30\nconnect-timeout = \"2s\"\ntls-version = \"tlsv1.3\"\n",
            None,
        )
        .unwrap();
        assert_eq!(s.protocol.unwrap().value, ProtocolArg::V5);
        assert_eq!(s.keepalive.unwrap().value, Duration::from_secs(30));
        assert_eq!(s.connect_timeout.unwrap().value, Duration::from_secs(2));
        assert_eq!(s.tls_version.unwrap().value, TlsVersionArg::Tls13);
    }
}
