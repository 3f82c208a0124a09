//! The release binaries: their size, stripped, beside mosquitto's clients, and the time a
//! clean release build takes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::our_binary;
use crate::measure::measure;
use crate::util::require_executable;

/// Release binary sizes, stripped.
pub struct Sizes {
    pub ours: Vec<(&'static str, u64)>,
    pub theirs: Vec<(String, u64)>,
}

pub fn binary_sizes() -> Sizes {
    let strip = on_path("strip");
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut ours = Vec::new();
    for name in ["rpub", "rsub"] {
        let built = our_binary(name);
        // The release profile strips already; strip a copy anyway so the number holds
        // whatever the profile says.
        let copy = tmp.path().join(name);
        fs::copy(built, &copy).expect("copy the binary");
        if let Some(strip) = &strip {
            let _ = Command::new(strip).arg(&copy).status();
        }
        ours.push((name, fs::metadata(&copy).expect("binary size").len()));
    }
    let mut theirs = Vec::new();
    for name in ["mosquitto_pub", "mosquitto_sub"] {
        let path = require_executable(name, &[&format!("/usr/bin/{name}")]);
        theirs.push((name.to_string(), fs::metadata(&path).map_or(0, |m| m.len())));
    }
    Sizes { ours, theirs }
}

/// `name` in a directory of PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A clean release build: wall and CPU time (cargo and every compiler it ran).
pub struct Build {
    pub wall: Duration,
    pub cpu: Duration,
    pub failure: Option<String>,
}

pub fn clean_build() -> Build {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("clean-release-build");
    let _ = fs::remove_dir_all(&dir);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("timing a clean release build into {} ...", dir.display());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--release", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", &dir);
    let log_dir = tempfile::tempdir().expect("temp dir");
    let usage = measure(
        &mut cmd,
        Stdio::null(),
        log_dir.path(),
        Duration::from_secs(3600),
    );
    let _ = fs::remove_dir_all(&dir);
    Build {
        wall: usage.wall,
        cpu: usage.user + usage.sys,
        failure: usage.failure(),
    }
}
