//! How much the tools say on stderr: every packet (`-d`), or not even errors (`--quiet`).

use clap::Args;

#[derive(Debug, Clone, Args)]
#[group(skip)]
pub struct DiagnosticsArgs {
    /// Print every MQTT packet sent and received on stderr
    #[arg(short = 'd', long)]
    pub debug: bool,

    /// Print no error messages (the exit status still tells)
    #[arg(long, conflicts_with = "debug")]
    pub quiet: bool,
}
