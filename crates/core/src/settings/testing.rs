//! Command lines for unit tests, parsed the way `cli::parse` parses them: with a config file
//! given as text (never the config file of whoever runs the tests).

use std::ffi::OsString;
use std::path::Path;

use clap::{CommandFactory, FromArgMatches, Parser};

use crate::settings::file::options::OptionsFile;
use crate::settings::file::{self, Config, FileFlags};
use crate::settings::flags::ConnectArgs;
use crate::settings::origin::Provenance;

/// A tool with nothing but the connection flags.
#[derive(Parser)]
#[command(name = "t", disable_help_flag = true)]
pub struct Cli {
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Where test config files claim to live.
pub const CONFIG: &str = "/etc/c.toml";

/// `argv` (without the program name), with config file `toml` (if any) at [`CONFIG`], whose
/// `profile` is picked. Errors are the message a user would see.
pub fn parse(
    argv: &[&str],
    toml: Option<&str>,
    profile: Option<&str>,
) -> Result<ConnectArgs, String> {
    let line: Vec<OsString> = std::iter::once("t")
        .chain(argv.iter().copied())
        .map(OsString::from)
        .collect();
    let mut cmd = Cli::command();
    let matches = cmd
        .try_get_matches_from_mut(&line)
        .map_err(|e| e.to_string())?;
    let mut first = ConnectArgs::from_arg_matches(&matches).map_err(|e| e.to_string())?;
    first.provenance = Provenance::from_matches(&cmd, &matches);
    let values = match toml {
        Some(text) => file::parse(&cmd, text, Path::new(CONFIG), profile).map_err(|f| f.message)?,
        None => Vec::new(),
    };
    let config = Config {
        path: Some(CONFIG.into()),
        found: toml.is_some(),
        values,
        ..Config::default()
    };
    let flags = FileFlags::new(&config, &OptionsFile::default(), &cmd, &first);
    let matches = match flags.command_line(&line) {
        Some(line) => cmd
            .try_get_matches_from_mut(line)
            .map_err(|e| e.to_string())?,
        None => matches,
    };
    let mut args = ConnectArgs::from_arg_matches(&matches).map_err(|e| e.to_string())?;
    args.provenance = Provenance::from_matches(&cmd, &matches);
    flags.note(&mut args.provenance);
    Ok(args)
}

/// `argv` alone.
pub fn args(argv: &[&str]) -> ConnectArgs {
    match parse(argv, None, None) {
        Ok(args) => args,
        Err(e) => panic!("{argv:?}: {e}"),
    }
}

/// The settings config file `toml` gives, with `profile` picked, or the message about it.
pub fn file(toml: &str, profile: Option<&str>) -> Result<Vec<file::FileValue>, String> {
    let mut cmd = Cli::command();
    cmd.build();
    file::parse(&cmd, toml, Path::new(CONFIG), profile).map_err(|f| f.message)
}
