//! What `--print-config` prints: the connection settings in effect and where each came from,
//! one `key  value  # source` line each, the password never in clear. Resolving fills it in
//! from the values it resolved (`resolve/mod.rs`), so it shows what the tool will use.

use std::fmt;

use crate::settings::origin::{Origin, Setting};

#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Which config file and profile.
    pub config: String,
    /// Which options file of mosquitto's, if one was looked for.
    pub options: String,
    pub lines: Vec<(&'static str, String, String)>,
}

impl Report {
    /// A setting that has a value.
    pub fn set(&mut self, key: &'static str, value: impl fmt::Display, origin: &Origin) {
        self.lines
            .push((key, value.to_string(), origin.to_string()));
    }

    /// A setting and where it came from.
    pub fn setting<T: fmt::Display>(&mut self, key: &'static str, setting: &Setting<T>) {
        self.set(key, &setting.value, &setting.origin);
    }

    /// A setting with a value when `setting` is one, `-` otherwise.
    pub fn maybe<T: fmt::Display>(&mut self, key: &'static str, setting: Option<&Setting<T>>) {
        match setting {
            Some(s) => self.setting(key, s),
            None => self
                .lines
                .push((key, "-".to_string(), "not set".to_string())),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "# config file: {}", self.config)?;
        if !self.options.is_empty() {
            writeln!(f, "# options file: {}", self.options)?;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_lines_with_their_sources() {
        let mut report = Report {
            config: "none".into(),
            ..Report::default()
        };
        report.set("host", "broker.lan", &Origin::Env("MQTT_HOST".into()));
        report.maybe::<String>("username", None);
        assert_eq!(
            report.to_string(),
            "# config file: none\n\
             host      broker.lan  # environment MQTT_HOST\n\
             username  -           # not set\n"
        );
    }
}
