//! Which of the two tools is running, and what follows from that: its name in messages and
//! file names, the prefix of its default client id, and the packets it sends (which `-D`
//! commands it takes). One enum instead of a string compared in several places.

use std::fmt;

use crate::settings::property_flag::Command;

/// rpub or rsub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    Rpub,
    Rsub,
}

impl Tool {
    /// The program's name: `rpub` or `rsub`.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Rpub => "rpub",
            Tool::Rsub => "rsub",
        }
    }

    /// The mosquitto client this tool stands in for, whose options file it reads
    /// (`~/.config/mosquitto_pub`).
    pub fn mosquitto_name(self) -> &'static str {
        match self {
            Tool::Rpub => "mosquitto_pub",
            Tool::Rsub => "mosquitto_sub",
        }
    }

    /// The packets this tool sends, as `-D COMMAND` names them: rpub never subscribes with
    /// properties (its `--wait-response` subscription is its own), rsub never publishes.
    pub fn property_commands(self) -> &'static [Command] {
        match self {
            Tool::Rpub => Command::RPUB,
            Tool::Rsub => Command::RSUB,
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
