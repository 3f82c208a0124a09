//! The machine and the reference a run was measured on, for the report's first lines: load
//! average, CPU model, mosquitto's version.

use std::fs;
use std::process::Command;

use crate::util::require_executable;

pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

pub fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// `mosquitto_pub version 2.0.11 running on libmosquitto 2.0.11.` -> `2.0.11`.
pub fn mosquitto_version() -> String {
    let exe = require_executable("mosquitto_pub", &["/usr/bin/mosquitto_pub"]);
    let out = Command::new(exe).arg("--help").output();
    let text = out
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    text.split_whitespace()
        .skip_while(|w| *w != "version")
        .nth(1)
        .unwrap_or("?")
        .to_string()
}
