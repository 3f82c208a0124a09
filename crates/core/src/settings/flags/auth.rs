//! Who the client is to the broker: username and password, the password preferably from the
//! environment or a file, since `-P` shows in the process list.

use std::path::PathBuf;

use clap::Args;

use super::IN_FILE;
use crate::secret::Secret;

#[derive(Debug, Clone, Args)]
#[group(skip)]
pub struct AuthArgs {
    /// Username
    #[arg(short = 'u', long, env = "MQTT_USERNAME", value_name = "USER", group = IN_FILE)]
    pub username: Option<String>,

    /// Password (visible in the process list: prefer MQTT_PASSWORD or --password-file)
    #[arg(
        short = 'P',
        long,
        env = "MQTT_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD",
        group = IN_FILE
    )]
    pub password: Option<Secret>,

    /// Read the password from the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "password", group = IN_FILE)]
    pub password_file: Option<PathBuf>,
}
