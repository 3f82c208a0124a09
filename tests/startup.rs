//! How the binaries start (crates/core/src/process): standard descriptors that the caller
//! closed are not taken over by the connection, and the loader maps the C library alone.

use crate::util::{exe, in_shell, rpub, rsub, Run};

#[test]
fn a_closed_stdin_reads_as_empty() {
    // `rpub -l ... <&-`: no line to publish, so exit 0 and nothing said. Were descriptor 0
    // left closed, the first one the tool opens (its event loop's) would be read as stdin.
    let (b, t) = broker_and_topic!();
    let mut publish = in_shell(rpub(&b).args(["-l", "-t", &t]), r#"exec "$@" <&-"#);
    publish.run().code(0).stderr_empty();
}

#[test]
fn a_closed_stdout_is_written_to_nowhere() {
    // `rsub ... >&-`, as a script may start it for its exit status alone: 0, and no complaint.
    let (b, t) = broker_and_topic!();
    rpub(&b)
        .args(["-t", &t, "-m", "kept", "-r", "-q", "1"])
        .run()
        .code(0);
    in_shell(rsub(&b).args(["-t", &t, "-C", "1"]), r#"exec "$@" >&-"#)
        .run()
        .code(0)
        .stderr_empty();
}

#[test]
fn the_loader_maps_only_the_c_library() {
    // Each shared library costs every start (build.rs, process/libm.rs): glibc's loader
    // names each one it maps under LD_DEBUG=files.
    for tool in ["rpub", "rsub"] {
        let out = std::process::Command::new(exe(tool))
            .arg("--version")
            .env("LD_DEBUG", "files")
            .output()
            .expect("run the binary");
        assert!(out.status.success(), "{tool} --version failed");
        let log = String::from_utf8_lossy(&out.stderr);
        let mut mapped: Vec<&str> = log
            .lines()
            .filter_map(|line| line.split("file=").nth(1))
            .filter_map(|rest| rest.split_whitespace().next())
            .collect();
        mapped.sort_unstable();
        mapped.dedup();
        assert_eq!(mapped, ["libc.so.6"], "{tool} maps these libraries:\n{log}");
    }
}
