//! The config file (`settings/file`): which file, which profile, whether mosquitto's options
//! file is read, and `--print-config` to see what came from where.

use std::path::PathBuf;

use clap::builder::FalseyValueParser;
use clap::Args;

/// The environment variable naming the config file (as `--config`).
pub const CONFIG_ENV: &str = "RPUBSUB_CONFIG";
/// The environment variable naming the profile (as `--profile`).
pub const PROFILE_ENV: &str = "RPUBSUB_PROFILE";

/// The environment variable that turns mosquitto's options file off (as
/// `--no-mosquitto-options`), for scripts that must not depend on the account they run under.
pub const NO_OPTIONS_ENV: &str = "RPUBSUB_NO_MOSQUITTO_OPTIONS";

/// The help heading of these flags.
const HEADING: &str = "Config file";

#[derive(Debug, Clone, Args)]
#[group(skip)]
pub struct ConfigArgs {
    /// Use the settings of profile NAME from the config file (over its [default] section)
    // An empty name is no profile of any file: refused, so `RPUBSUB_PROFILE=` is named.
    #[arg(long, value_name = "NAME", env = PROFILE_ENV, help_heading = HEADING,
          value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub profile: Option<String>,

    /// Read settings from FILE instead of $XDG_CONFIG_HOME/rpubsub/config.toml
    #[arg(long = "config", value_name = "FILE", env = CONFIG_ENV, help_heading = HEADING)]
    pub config_file: Option<PathBuf>,

    /// Do not read mosquitto's options file (~/.config/mosquitto_pub for rpub, mosquitto_sub for rsub)
    #[arg(long, env = NO_OPTIONS_ENV, value_parser = FalseyValueParser::new(), help_heading = HEADING)]
    pub no_mosquitto_options: bool,

    /// Print the connection settings in effect and where each came from, then exit
    #[arg(long, help_heading = HEADING)]
    pub print_config: bool,
}
