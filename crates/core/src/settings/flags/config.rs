//! The config file (`settings/file`): which file, which profile, and `--print-config` to see
//! what came from where.

use std::path::PathBuf;

use clap::Args;

/// The environment variable naming the config file (as `--config`).
pub const CONFIG_ENV: &str = "RPUBSUB_CONFIG";
/// The environment variable naming the profile (as `--profile`).
pub const PROFILE_ENV: &str = "RPUBSUB_PROFILE";

/// The help heading of these flags.
const HEADING: &str = "Config file";

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Use the settings of profile NAME from the config file (over its [default] section)
    #[arg(long, value_name = "NAME", env = PROFILE_ENV, help_heading = HEADING)]
    pub profile: Option<String>,

    /// Read settings from FILE instead of $XDG_CONFIG_HOME/rpubsub/config.toml
    #[arg(long = "config", value_name = "FILE", env = CONFIG_ENV, help_heading = HEADING)]
    pub config_file: Option<PathBuf>,

    /// Print the connection settings in effect and where each came from, then exit
    #[arg(long, help_heading = HEADING)]
    pub print_config: bool,
}
