//! The settings environment variables give (`MQTT_HOST`, `MQTT_PORT`, `MQTT_USERNAME`,
//! `MQTT_PASSWORD`, `RPUBSUB_PROFILE`, `RPUBSUB_CONFIG`: whichever flag declares an `env`).
//! clap reads them for their flags, and a value it refuses would be reported under the flag's
//! name, though no one gave the flag: `invalid value 'abc' for '--port <PORT>'`. This finds
//! the variable to blame and names it, the same way for every variable.
//!
//! A variable set but empty is a mistake like any other value its flag refuses
//! (`RPUBSUB_CONFIG=` is not "no config file": unset it for the default file).

use std::ffi::OsString;

use clap::parser::ValueSource;
use clap::Command;

use crate::settings::file::keys::{check_value, secret};

/// After `argv` failed to parse with `cmd`: the one line naming the variable whose value is to
/// blame, if the command line alone parses and a variable's value is refused by its flag's own
/// parser (`MQTT_PORT: invalid value 'abc': abc is not a port (1-65535)`). `None` when the
/// command line itself is wrong; clap's error says how then.
pub fn blame(cmd: &Command, argv: &[OsString]) -> Option<String> {
    let alone = cmd.clone().mut_args(|arg| arg.env(None));
    let matches = alone.try_get_matches_from(argv).ok()?;
    cmd.get_arguments().find_map(|arg| {
        let var = arg.get_env()?;
        let value = std::env::var_os(var)?;
        if matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine) {
            // The flag wins over its variable, which clap never read.
            return None;
        }
        let why = check_value(arg, &value).err()?;
        let var = var.to_string_lossy();
        Some(if value.is_empty() {
            format!("{var} is set but empty (unset it instead)")
        } else if secret(arg) {
            format!("{var}: {why}")
        } else {
            format!("{var}: invalid value '{}': {why}", value.to_string_lossy())
        })
    })
}
