//! mosquitto's options files: rpub reads `$XDG_CONFIG_HOME/mosquitto_pub`, rsub
//! `$XDG_CONFIG_HOME/mosquitto_sub` (else `~/.config/...`), one option and its value per line,
//! as mosquitto_pub and mosquitto_sub read them; below the command line, the environment and
//! the config file; named `FILE:LINE` by `--print-config`; a bad line is one error naming the
//! file and the line; `--no-mosquitto-options` (or `RPUBSUB_NO_MOSQUITTO_OPTIONS=1`) skips it.
//!
//! Every command here gets its options file from a temporary `XDG_CONFIG_HOME` or `HOME`.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::util::{
    bin, isolate, require_executable, shown_setting as setting, unused_port, Broker, Output, Run,
    NO_CONFIG_HOME, SHORT,
};

const USERS: &[(&str, &str)] = &[("Kai", "geheim-1234")];
const PASSWORD: &str = "geheim-1234";

/// A config home holding options files (and whatever else a test puts there).
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `tool` with this directory as `XDG_CONFIG_HOME`.
    fn tool(&self, tool: &str) -> Command {
        let mut cmd = bin(tool);
        cmd.env("XDG_CONFIG_HOME", self.path());
        cmd
    }
}

/// The lines a file gives to reach broker `b` as Kai.
/// Checks that `--print-config` shows `key` with `value`, from `source`.
#[track_caller]
fn shows(out: &Output, key: &str, value: &str, source: &str) {
    assert_eq!(setting(out, key), (value.to_string(), source.to_string()));
}

/// `--print-config`'s second line, which names the options file.
fn second_line(out: &Output) -> String {
    out.stdout_str()
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

fn login(b: &Broker) -> String {
    format!(
        "# the lab broker\n-h 127.0.0.1\n-p {}\n\n-u Kai\n-P {PASSWORD}\n",
        b.port()
    )
}

#[test]
fn the_files_alone_give_broker_user_topic_and_output() {
    let b = Broker::with_users(USERS, "");
    let t = topic!();
    let home = Home::new();
    home.write("mosquitto_sub", &format!("{}-t {t}\n-v\n-C 1\n", login(&b)));
    home.write(
        "mosquitto_pub",
        &format!("{}-t {t}\n-q 1\n-m hello from the file\n", login(&b)),
    );
    // No flags at all: everything comes from the files.
    let sub = home.tool("rsub").subscribed();
    home.tool("rpub").run().code(0).stderr_empty();
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t} hello from the file\n"));

    // mosquitto_sub reads the same file the same way.
    let mosquitto_sub = require_executable("mosquitto_sub", &["/usr/bin/mosquitto_sub"]);
    let mut theirs = Command::new(mosquitto_sub);
    isolate(&mut theirs).env("XDG_CONFIG_HOME", home.path());
    let mut theirs = crate::util::Sub::spawn(&mut theirs);
    let ours = home.tool("rsub").subscribed();
    // mosquitto_sub says nothing once subscribed: publish until it has the message.
    for _ in 0..50 {
        home.tool("rpub").args(["-m", "again"]).run().code(0);
        if theirs.has_exited() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    theirs.finish(SHORT).code(0).stdout(format!("{t} again\n"));
    ours.finish(SHORT).code(0).stdout(format!("{t} again\n"));
}

#[test]
fn the_command_line_wins_flag_by_flag() {
    let b = Broker::with_users(USERS, "");
    let t = topic!();
    let nowhere = unused_port();
    let home = Home::new();
    // The file's port has nothing listening, its topic is not the one used.
    let file = format!("{}-p {nowhere}\n-t {t}/from-file\n", login(&b));
    home.write("mosquitto_pub", &file);
    home.write("mosquitto_sub", &file);
    let port = b.port().to_string();

    // rsub's -t adds up, as mosquitto_sub's: the file's filter and the command line's.
    let sub = home
        .tool("rsub")
        .args(["-p", &port, "-t", &format!("{t}/flag"), "-v", "-C", "2"])
        .subscribed();
    // rpub's -t replaces the file's, as mosquitto_pub's; the port too.
    home.tool("rpub")
        .args(["-p", &port, "-t", &format!("{t}/flag"), "-m", "one"])
        .run()
        .code(0);
    home.tool("rpub")
        .args(["-p", &port, "-m", "two"])
        .run()
        .code(0);
    sub.finish(SHORT)
        .code(0)
        .stdout(format!("{t}/flag one\n{t}/from-file two\n"));

    // Without the flag, the file's port: nothing listens there.
    home.tool("rpub")
        .args(["-m", "x"])
        .run()
        .code(3)
        .one_error_line("rpub")
        .stderr_mentions(&nowhere.to_string());
}

/// `-D` takes its values on its line, separated by spaces, and adds to the command line's.
#[test]
fn a_flag_of_several_values_takes_them_on_its_line() {
    let (b, t) = broker_and_topic!();
    let home = Home::new();
    home.write(
        "mosquitto_pub",
        &format!(
            "-h 127.0.0.1\n-p {}\n-V 5\n-D publish content-type text/x-file\n",
            b.port()
        ),
    );
    let sub = crate::util::rsub_v5(&b)
        .args(["-t", &t, "-C", "1", "-F", "%C %p"])
        .subscribed();
    home.tool("rpub")
        .args([
            "-t",
            &t,
            "-m",
            "m",
            "-D",
            "publish",
            "message-expiry-interval",
            "60",
        ])
        .run()
        .code(0)
        .stderr_empty();
    sub.finish(SHORT).code(0).stdout("text/x-file m\n");

    home.write("mosquitto_pub", "-D publish content-type\n");
    home.tool("rpub")
        .args(["-t", &t, "-m", "m"])
        .run()
        .usage_error("rpub")
        .stderr_mentions("mosquitto_pub:1: -D takes 3 values on its line, separated by spaces");
}

#[test]
fn print_config_names_file_and_line_and_hides_the_password() {
    let b = Broker::with_users(USERS, "");
    let home = Home::new();
    let file = home.write("mosquitto_sub", &login(&b));
    let out = home.tool("rsub").arg("--print-config").run();
    out.never_shows(PASSWORD);
    shows(&out, "host", "127.0.0.1", &format!("{file}:2"));
    shows(&out, "port", &b.port().to_string(), &format!("{file}:3"));
    shows(&out, "username", "Kai", &format!("{file}:5"));
    shows(&out, "password", "***", &format!("{file}:6"));
    let second = second_line(&out);
    assert_eq!(second, format!("# options file: {file}"));
}

#[test]
fn below_flags_environment_and_config_file() {
    let home = Home::new();
    let file = home.write(
        "mosquitto_sub",
        "-u from-options\n-p 1884\n-k 20\n-i from-options\n",
    );
    let config = home.write(
        "rpubsub/config.toml",
        "[default]\nusername = \"from-config\"\nport = 1885\n",
    );
    let print = |cmd: &mut Command| cmd.arg("--print-config").run();

    let out = print(&mut home.tool("rsub"));
    shows(
        &out,
        "username",
        "from-config",
        &format!("[default] {config}:2"),
    );
    shows(&out, "port", "1885", &format!("[default] {config}:3"));
    shows(&out, "keepalive", "20s", &format!("{file}:3"));

    let out = print(home.tool("rsub").env("MQTT_USERNAME", "from-env"));
    shows(&out, "username", "from-env", "environment MQTT_USERNAME");
    let out = print(home.tool("rsub").args(["-i", "from-flag", "-k", "30"]));
    shows(&out, "id", "from-flag", "command line");
    shows(&out, "keepalive", "30s", "command line");
}

#[test]
fn a_bad_line_is_one_error_naming_file_and_line() {
    let home = Home::new();
    let cases = [
        (
            "rsub",
            "mosquitto_sub",
            "-h broker.lan\n\n-Z 3\n".to_string(),
            "3: unknown option '-Z'",
        ),
        (
            "rpub",
            "mosquitto_pub",
            "-u Kai\n-q 7\n".to_string(),
            "2: -q: ",
        ),
        // A password's value never shows, even when it is wrong.
        (
            "rpub",
            "mosquitto_pub",
            "-P\n".to_string(),
            "1: -P needs a value",
        ),
        (
            "rpub",
            "mosquitto_pub",
            format!("-u Kai\n--pasword={PASSWORD}\n"),
            "2: unknown option '--pasword'",
        ),
    ];
    for (tool, name, text, expected) in cases {
        let file = home.write(name, &text);
        home.tool(tool)
            .args(["-t", "x"])
            .run()
            .usage_error(tool)
            .stderr_mentions(&format!("{file}:{expected}"))
            .never_shows(PASSWORD);
    }
}

#[test]
fn a_line_that_needs_another_flag_is_named_with_the_error() {
    // `--will-payload` in the file needs `--will-topic`, which nobody gave: clap's line alone
    // would send the user looking on their command line. The password stays hidden.
    let home = Home::new();
    let file = home.write(
        "mosquitto_pub",
        &format!("-u Kai\n-P {PASSWORD}\n--will-payload gone\n"),
    );
    home.tool("rpub")
        .args(["-t", "x", "-m", "hello"])
        .run()
        .usage_error("rpub")
        .stderr_mentions("--will-topic")
        .stderr_mentions(&format!(
            "with -u from {file}:1 and -P from {file}:2 and --will-payload from {file}:3"
        ))
        .never_shows(PASSWORD);
}

#[test]
fn without_xdg_config_home_the_file_is_under_home() {
    let home = Home::new();
    let file = home.write(".config/mosquitto_sub", "-h from-home.lan\n");
    let out = bin("rsub")
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home.path())
        .arg("--print-config")
        .run();
    shows(&out, "host", "from-home.lan", &format!("{file}:1"));
}

#[test]
fn it_can_be_left_unread() {
    let home = Home::new();
    // Even a file rsub could not take is not read.
    home.write("mosquitto_sub", "-h from-file.lan\n-Z\n");
    let mut by_flag = home.tool("rsub");
    by_flag.arg("--no-mosquitto-options");
    let mut by_env = home.tool("rsub");
    by_env.env("RPUBSUB_NO_MOSQUITTO_OPTIONS", "1");
    for mut cmd in [by_flag, by_env] {
        let out = cmd.arg("--print-config").run();
        shows(&out, "host", "localhost", "default");
        let second = second_line(&out);
        assert!(
            second.starts_with("# options file: not read (--no-mosquitto-options"),
            "{second}"
        );
    }
    // `0` (or `false`) reads it again.
    home.tool("rsub")
        .env("RPUBSUB_NO_MOSQUITTO_OPTIONS", "0")
        .args(["--print-config"])
        .run()
        .usage_error("rsub")
        .stderr_mentions("mosquitto_sub:2: unknown option '-Z'");
}

/// The harness never lets a test read the options files of whoever runs it.
#[test]
fn commands_of_the_suite_look_for_options_files_in_empty_places() {
    for (tool, name) in [("rsub", "mosquitto_sub"), ("rpub", "mosquitto_pub")] {
        let out = bin(tool).arg("--print-config").run();
        out.code(0).stderr_empty();
        let second = second_line(&out);
        let expected = format!("# options file: none ({NO_CONFIG_HOME}/{name} does not exist)");
        assert_eq!(second, expected);
    }
}
