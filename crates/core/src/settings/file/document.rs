//! The config file as TOML: a `[default]` section and `[profile.NAME]` sections of
//! `key = value` lines, each value with its line; TOML's own mistakes as one line naming the
//! file, the line and, where there is one, the key.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::exit::Fail;
use crate::settings::origin::Origin;

/// The file's text and name, for turning byte offsets into `FILE:LINE: key: ...` messages.
pub struct SourceFile<'a> {
    pub text: &'a str,
    pub path: &'a Path,
}

/// One section as written: its header (`[default]`, `[profile.lab]`) and its entries in the
/// order of the file.
pub struct RawSection {
    pub header: String,
    pub entries: Vec<Entry>,
}

/// One `key = value`.
pub struct Entry {
    pub key: String,
    pub value: toml::Value,
    pub line: usize,
}

/// The sections of a file: `[default]`, and the profiles by name.
pub struct Sections {
    pub default: RawSection,
    pub profiles: BTreeMap<String, RawSection>,
}

type Table = BTreeMap<String, Spanned<toml::Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    default: Table,
    #[serde(default)]
    profile: BTreeMap<String, Table>,
}

impl SourceFile<'_> {
    /// The sections of the file, or its first TOML mistake.
    pub fn sections(&self) -> Result<Sections, Fail> {
        let doc: Document = toml::from_str(self.text).map_err(|e| self.toml_error(&e))?;
        let profiles = doc
            .profile
            .into_iter()
            .map(|(name, table)| {
                let header = format!("[profile.{}]", toml_key(&name));
                (name, self.section(header, table))
            })
            .collect();
        Ok(Sections {
            default: self.section("[default]".to_string(), doc.default),
            profiles,
        })
    }

    fn section(&self, header: String, table: Table) -> RawSection {
        let mut entries: Vec<(usize, Entry)> = table
            .into_iter()
            .map(|(key, value)| {
                let start = value.span().start;
                let entry = Entry {
                    key,
                    line: self.line_of(start),
                    value: value.into_inner(),
                };
                (start, entry)
            })
            .collect();
        entries.sort_by_key(|(start, _)| *start);
        RawSection {
            header,
            entries: entries.into_iter().map(|(_, entry)| entry).collect(),
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.text.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// Where the value of `key` on `line` of `section` came from.
    pub fn origin(&self, line: usize, section: &str, key: &str) -> Origin {
        Origin::File {
            path: self.path.to_path_buf(),
            line,
            section: section.to_string(),
            key: key.to_string(),
        }
    }

    /// `FILE:LINE: key: message`.
    pub fn error(&self, line: usize, key: &str, message: impl fmt::Display) -> Fail {
        Fail::usage(format!("{}:{line}: {key}: {message}", self.path.display()))
    }

    /// A TOML syntax or shape error, as one line naming the line and, where there is one, the
    /// key: toml reports an unknown section at its name, a wrong type at the value.
    fn toml_error(&self, err: &toml::de::Error) -> Fail {
        let message = err.message().lines().next().unwrap_or("not valid TOML");
        let Some(span) = err.span() else {
            return Fail::usage(format!("{}: {message}", self.path.display()));
        };
        let line = self.line_of(span.start);
        let line_text = self.text.lines().nth(line - 1).unwrap_or_default();
        let section = self.section_at(line);
        let where_ = format!("{}:{line}", self.path.display());
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let key = rest.split('`').next().unwrap_or_default();
            return Fail::usage(match section {
                None => format!(
                    "{where_}: unknown key '{key}' outside a section: settings go under [default] or [profile.NAME]"
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
}

/// A profile name as written in a table header: bare if it can be, quoted otherwise.
pub fn toml_key(name: &str) -> String {
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
