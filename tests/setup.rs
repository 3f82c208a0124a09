//! The setup README's Quick start promises: its last command installs what the tests need and
//! runs them, CI runs that same command, and a test that still finds something missing says
//! which one command to run.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::util::SETUP;

fn repo_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The last command of README's Quick start: the last line of its last code block.
fn readme_test_command() -> String {
    let readme = repo_file("README.md");
    let start = readme
        .find("\n## Quick start\n")
        .expect("README has a Quick start section");
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let mut last = None;
    let mut in_block = false;
    for line in section.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
        } else if in_block && !line.trim().is_empty() {
            last = Some(line.trim().to_string());
        }
    }
    last.expect("README's Quick start has a code block")
}

#[test]
fn ci_runs_the_readme_test_command() {
    let command = readme_test_command();
    assert!(
        command.contains(SETUP) && command.ends_with("cargo test --workspace --locked"),
        "README's Quick start should end with the setup and the test command, not: {command}"
    );
    let ci = repo_file(".ci/run");
    assert!(
        ci.lines().any(|line| line.trim() == command),
        ".ci/run does not run README's test command as written: {command}"
    );
}

#[test]
fn a_test_without_amqtt_names_the_setup_command() {
    // This very test binary, running one WebSocket test where amqtt cannot be found: an empty
    // home, no RPUBSUB_AMQTT, a PATH without it.
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "websocket::publish_over_tcp_receive_over_ws"])
        .env_remove("RPUBSUB_AMQTT")
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "passed without amqtt:\n{text}");
    assert!(
        text.contains("1 failed") && text.contains("amqtt broker (WebSocket tests) was not found"),
        "not the missing-amqtt failure:\n{text}"
    );
    assert!(
        text.contains(&format!("run: {SETUP}")),
        "the failure does not name `{SETUP}`:\n{text}"
    );
}
