//! The config file shared by rpub and rsub: a `[default]` section and `[profile.NAME]`
//! sections, picked with `--profile` or `RPUBSUB_PROFILE`. Precedence, highest first: flags,
//! environment, profile, `[default]`, built-in defaults, checked both by connecting and by
//! what `--print-config` says about each setting. Mistakes in the file are one line naming
//! the file, the line and the key.
//!
//! Every command here gets its config file from `--config`, `RPUBSUB_CONFIG` or a temporary
//! `XDG_CONFIG_HOME`, never from the user running the tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{
    bin, shown_setting as setting, unused_port, Broker, Run, NO_CONFIG_HOME, NO_HOME, SHORT,
};

const USERS: &[(&str, &str)] = &[("Kai", "1234")];

/// A directory holding a config file (and whatever else a test puts next to it).
struct ConfigDir {
    dir: tempfile::TempDir,
}

impl ConfigDir {
    /// `config.toml` with `text` in a fresh directory.
    fn new(text: &str) -> ConfigDir {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("config.toml"), text).unwrap();
        ConfigDir { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn config(&self) -> String {
        self.path().display().to_string()
    }

    fn write(&self, name: &str, text: &str) {
        fs::write(self.dir.path().join(name), text).unwrap();
    }
}

#[test]
fn a_profile_gives_broker_and_credentials() {
    let b = Broker::with_users(USERS, "");
    let cfg = ConfigDir::new(&format!(
        "[default]\nhost = \"127.0.0.1\"\nport = {}\n\n[profile.lab]\nusername = \"Kai\"\npassword-file = \"kai.pass\"\n",
        b.port()
    ));
    // Relative to the config file, not to where the tool runs.
    cfg.write("kai.pass", "1234\n");
    let t = topic!();
    let sub = bin("rsub")
        .args(["--config", &cfg.config()])
        .args(["--profile", "lab"])
        .args(["-t", &t, "-C", "1"])
        .subscribed();
    bin("rpub")
        .env("RPUBSUB_CONFIG", cfg.path())
        .env("RPUBSUB_PROFILE", "lab")
        .args(["-t", &t, "-m", "Nachricht Nummer 1"])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("Nachricht Nummer 1\n");

    // The [default] section alone has the broker but no user: refused.
    let out = bin("rpub")
        .args(["--config", &cfg.config(), "-t", &t, "-m", "x"])
        .run();
    out.code(4)
        .one_error_line("rpub")
        .stderr_mentions("not authori");
}

#[test]
fn flags_and_environment_win_over_the_profile_when_connecting() {
    let b = Broker::start();
    let nowhere = unused_port();
    let cfg = ConfigDir::new(&format!(
        "[profile.p]\nhost = \"127.0.0.1\"\nport = {nowhere}\n"
    ));
    let t = topic!();
    let publish = |cmd: &mut Command| {
        cmd.args(["--profile", "p"])
            .args(["--config", &cfg.config()])
            .args(["-t", &t, "-m", "x"])
            .run()
    };
    // The profile's port has nothing listening...
    publish(&mut bin("rpub"))
        .code(3)
        .one_error_line("rpub")
        .stderr_mentions(&nowhere.to_string());
    // ...the environment's has the broker...
    publish(bin("rpub").env("MQTT_PORT", b.port().to_string())).code(0);
    // ...and a flag wins over both.
    publish(
        bin("rpub")
            .env("MQTT_PORT", nowhere.to_string())
            .args(["-p", &b.port().to_string()]),
    )
    .code(0);
}

#[test]
fn precedence_shown_by_print_config() {
    let cfg = ConfigDir::new(
        "[default]\nusername = \"from-default\"\nkeepalive = 20\n\n[profile.p]\nusername = \"from-profile\"\nprotocol-version = 5\n",
    );
    let file = cfg.config();
    let print = |cmd: &mut Command| cmd.args(["--config", &file, "--print-config"]).run();

    let out = print(&mut bin("rsub"));
    assert_eq!(
        setting(&out, "username"),
        ("from-default".into(), format!("[default] {file}:2"))
    );
    assert_eq!(
        setting(&out, "protocol-version"),
        ("mqttv311".into(), "default".into())
    );

    let out = print(bin("rsub").args(["--profile", "p"]));
    assert_eq!(
        setting(&out, "username"),
        ("from-profile".into(), format!("[profile.p] {file}:6"))
    );
    assert_eq!(
        setting(&out, "protocol-version"),
        ("mqttv5".into(), format!("[profile.p] {file}:7"))
    );
    // What the profile leaves out comes from [default], then from the built-in defaults.
    assert_eq!(
        setting(&out, "keepalive"),
        ("20s".into(), format!("[default] {file}:3"))
    );
    assert_eq!(
        setting(&out, "connect-timeout"),
        ("10s".into(), "default".into())
    );
    assert_eq!(
        setting(&out, "host"),
        ("localhost".into(), "default".into())
    );

    let out = print(
        bin("rsub")
            .env("RPUBSUB_PROFILE", "p")
            .env("MQTT_USERNAME", "from-env"),
    );
    assert_eq!(
        setting(&out, "username"),
        ("from-env".into(), "environment MQTT_USERNAME".into())
    );
    assert!(out.stdout_str().starts_with(&format!(
        "# config file: {file}, profile p (environment RPUBSUB_PROFILE)\n"
    )));

    let out = print(
        bin("rsub")
            .env("RPUBSUB_PROFILE", "p")
            .env("MQTT_USERNAME", "from-env")
            .args(["-u", "from-flag", "-V", "311"]),
    );
    assert_eq!(
        setting(&out, "username"),
        ("from-flag".into(), "command line".into())
    );
    assert_eq!(
        setting(&out, "protocol-version"),
        ("mqttv311".into(), "command line".into())
    );
}

/// Writes a config file at `relative` in a fresh directory, lets `point` aim rpub's
/// environment at that directory, and checks that `rpub --print-config` takes the host from
/// the file (rpub needs neither topic nor payload to print its settings, and connects nowhere).
#[track_caller]
fn host_is_read_from(relative: &str, point: impl FnOnce(&mut Command, &Path)) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(relative);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, "[default]\nhost = \"broker.lan\"\n").unwrap();
    let mut cmd = bin("rpub");
    point(&mut cmd, dir.path());
    let out = cmd.arg("--print-config").run();
    assert_eq!(
        setting(&out, "host"),
        (
            "broker.lan".into(),
            format!("[default] {}:2", file.display())
        )
    );
}

#[test]
fn the_file_is_found_under_xdg_config_home() {
    host_is_read_from("rpubsub/config.toml", |cmd, dir| {
        cmd.env("XDG_CONFIG_HOME", dir);
    });

    // No file there is no error, unless a profile is asked for.
    let empty = tempfile::tempdir().unwrap();
    let out = bin("rpub")
        .env("XDG_CONFIG_HOME", empty.path())
        .arg("--print-config")
        .run();
    assert_eq!(
        setting(&out, "host"),
        ("localhost".into(), "default".into())
    );
    let out = bin("rpub")
        .env("XDG_CONFIG_HOME", empty.path())
        .args(["--profile", "lab", "-t", "t", "-m", "x"])
        .run();
    out.usage_error("rpub")
        .stderr_mentions("--profile lab")
        .stderr_mentions("rpubsub/config.toml");
}

/// Without `XDG_CONFIG_HOME` the file is `~/.config/rpubsub/config.toml`.
#[test]
fn the_file_is_found_under_home_without_xdg_config_home() {
    host_is_read_from(".config/rpubsub/config.toml", |cmd, dir| {
        cmd.env_remove("XDG_CONFIG_HOME").env("HOME", dir);
    });
}

/// The harness never lets a test read the config of whoever runs it: every command looks in
/// an empty config home, and an empty home when that is unset.
#[test]
fn commands_of_the_suite_look_for_the_config_file_in_empty_places() {
    let out = bin("rsub").arg("--print-config").run();
    out.code(0).stderr_empty();
    let expected =
        format!("# config file: none ({NO_CONFIG_HOME}/rpubsub/config.toml does not exist)\n");
    if !out.stdout_str().starts_with(&expected) {
        out.fail(&format!("expected the first line {expected:?}"));
    }
    let out = bin("rsub")
        .env_remove("XDG_CONFIG_HOME")
        .arg("--print-config")
        .run();
    let expected =
        format!("# config file: none ({NO_HOME}/.config/rpubsub/config.toml does not exist)\n");
    if !out.stdout_str().starts_with(&expected) {
        out.fail(&format!("expected the first line {expected:?}"));
    }
}

#[test]
fn print_config_never_shows_a_password() {
    let cfg = ConfigDir::new(
        "[default]\nusername = \"kai\"\npassword = \"pr0file-s3cret\"\nproxy = \"http://p:pr0xy-s3cret@127.0.0.1:3128\"\n",
    );
    let out = bin("rpub")
        .args(["--config", &cfg.config(), "--print-config"])
        .run();
    assert_eq!(setting(&out, "password").0, "***");
    assert_eq!(setting(&out, "proxy").0, "http://p:***@127.0.0.1:3128");
    out.never_shows("pr0file-s3cret")
        .never_shows("pr0xy-s3cret");
    let out = bin("rsub")
        .env("MQTT_PASSWORD", "env-s3cret")
        .args(["--config", &cfg.config(), "--print-config"])
        .run();
    assert_eq!(
        setting(&out, "password"),
        ("***".into(), "environment MQTT_PASSWORD".into())
    );
    out.never_shows("env-s3cret").never_shows("pr0file-s3cret");
}

/// Runs `rsub --config FILE -t t` on a file holding `text` and checks the one error line it
/// must give before connecting: exit 2, `rsub: FILE:LINE: ...` (`{dir}`: the file's directory).
#[track_caller]
fn bad_file(text: &str, expected: &str) {
    let cfg = ConfigDir::new(text);
    let out = bin("rsub")
        .args(["--config", &cfg.config(), "-t", "t"])
        .run();
    out.usage_error("rsub");
    let dir = cfg.dir.path().display().to_string();
    let expected = format!(
        "rsub: {}:{}\n",
        cfg.config(),
        expected.replace("{dir}", &dir)
    );
    if out.stderr != expected {
        out.fail(&format!("expected stderr {expected:?}"));
    }
}

#[test]
fn mistakes_in_the_file_name_file_line_and_key() {
    bad_file(
        "[default]\nhost = \"h\"\n\n[profile.lab]\nhots = \"x\"\n",
        "5: unknown key 'hots' in [profile.lab] (keys: host, port, username, password, password-file, id-prefix, protocol-version, keepalive, connect-timeout, cafile, capath, cert, key, key-passphrase-file, tls-version, ciphers, proxy, bind-address)",
    );
    // A mistake in a profile nobody picked is still a mistake.
    bad_file(
        "[profile.unused]\nport = 70000\n",
        "2: port: 70000 is not a port (1-65535)",
    );
    bad_file(
        "[default]\nport = \"1883\"\n",
        "2: port: invalid type: string \"1883\", expected a whole number",
    );
    bad_file("[default]\nkeepalive = \"soon\"\n", "2: keepalive: 'soon' is not a duration (expected number at 0); use seconds or a unit, e.g. 5, 500ms, 2m");
    bad_file(
        "[default]\nkeepalive = 2\n",
        "2: keepalive: 2s is out of range: use 0 (off) or whole seconds from 5 to 65535",
    );
    bad_file("[default]\nprotocol-version = \"mqttv4\"\n", "2: protocol-version: 'mqttv4' is not a protocol version these tools speak: use \"mqttv311\" (or 311), \"mqttv5\" (or 5) or \"mqttv31\" (or 31)");
    bad_file(
        "[default]\ncafile = \"missing-ca.crt\"\n",
        "2: cafile: {dir}/missing-ca.crt: No such file or directory",
    );
    bad_file(
        "[defaults]\nhost = \"h\"\n",
        "1: unknown section 'defaults' (the file has [default] and [profile.NAME] sections)",
    );
    bad_file(
        "[default]\nhost = broker\n",
        "2: host: string values must be quoted, expected literal string",
    );
}

#[test]
fn profiles_that_are_not_there() {
    let cfg = ConfigDir::new("[profile.lab]\nhost = \"h\"\n[profile.ci]\nhost = \"c\"\n");
    let out = bin("rpub")
        .args(["--config", &cfg.config()])
        .args(["--profile", "lap"])
        .args(["-t", "t", "-m", "x"])
        .run();
    out.usage_error("rpub");
    assert_eq!(
        out.stderr,
        format!(
            "rpub: --profile lap: {} has no [profile.lap] section (its profiles: ci, lab)\n",
            cfg.config()
        )
    );
    let missing = cfg.dir.path().join("nope.toml");
    let out = bin("rpub")
        .env("RPUBSUB_CONFIG", &missing)
        .args(["-t", "t", "-m", "x"])
        .run();
    out.usage_error("rpub");
    assert_eq!(
        out.stderr,
        format!(
            "rpub: RPUBSUB_CONFIG={}: No such file or directory\n",
            missing.display()
        )
    );
}
