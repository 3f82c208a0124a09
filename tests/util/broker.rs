//! A private Mosquitto broker for one test: its own loopback port, its own config and log in a
//! temporary directory, killed when the test ends.
//!
//! A missing `mosquitto` is a failure, never a skip: the suite exists to talk to a real broker.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fs::{self, File};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use super::SETUP;

use tempfile::TempDir;

/// How long a freshly started broker may take to accept TCP connections.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a start is retried when mosquitto could not bind its port (another process
/// took it between our probe and mosquitto's bind).
const START_ATTEMPTS: usize = 5;

thread_local! {
    /// Log files of the brokers alive on this test's thread, newest last, so that any failure
    /// report (see `Output::fail`) can show what the broker saw without each assertion having
    /// to be handed the broker.
    static LIVE_LOGS: RefCell<Vec<(u16, PathBuf)>> = const { RefCell::new(Vec::new()) };
}

/// Ports handed out in this process. Tests run in parallel: this keeps two of our own brokers
/// from ever being given the same port between the probe and mosquitto's bind.
static PORTS_TAKEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// The logs of every broker alive on the calling thread, formatted for a failure report.
pub fn live_broker_logs() -> String {
    LIVE_LOGS.with(|logs| {
        let mut text = String::new();
        for (port, path) in logs.borrow().iter() {
            let log = fs::read_to_string(path).unwrap_or_else(|e| format!("<unreadable: {e}>"));
            text.push_str(&format!("--- broker log (port {port}) ---\n{log}\n"));
        }
        text
    })
}

/// Locates an executable: first the given absolute candidates, then every directory of PATH.
pub fn find_executable(name: &str, candidates: &[&str]) -> Option<PathBuf> {
    for candidate in candidates {
        let path = Path::new(candidate);
        if path.is_file() {
            return Some(path.to_path_buf());
        }
    }
    let path_var = std::env::var_os("PATH")?;
    std::env::split_paths(&path_var)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// The mosquitto tools are required, not optional: panic with the install hint.
pub fn require_executable(name: &str, candidates: &[&str]) -> PathBuf {
    find_executable(name, candidates).unwrap_or_else(|| {
        panic!(
            "`{name}` not found (looked at {candidates:?} and PATH). These end-to-end tests need a \
             real Mosquitto broker and its clients; run: {SETUP}"
        )
    })
}

/// A free port on 127.0.0.1 that no other broker of this process has been given.
fn free_port() -> u16 {
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local_addr").port();
        drop(listener);
        let mut taken = PORTS_TAKEN.lock().unwrap_or_else(|e| e.into_inner());
        if taken.get_or_insert_with(HashSet::new).insert(port) {
            return port;
        }
    }
}

/// A port on 127.0.0.1 where nothing listens (it was free a moment ago and is reserved so that no
/// broker of this suite will take it).
pub fn unused_port() -> u16 {
    free_port()
}

/// A running Mosquitto broker on 127.0.0.1, stopped when dropped.
pub struct Broker {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
    config: PathBuf,
    log_path: PathBuf,
}

impl Broker {
    /// A broker that accepts anonymous clients.
    pub fn start() -> Broker {
        Broker::with_config("")
    }

    /// A broker with extra configuration lines appended. `$DIR` in `extra` is replaced by the
    /// broker's temporary directory (for password and ACL files). Unless `extra` sets
    /// `allow_anonymous` or `password_file` itself, anonymous clients are allowed.
    pub fn with_config(extra: &str) -> Broker {
        Broker::build(extra, &[], None)
    }

    /// A broker that refuses anonymous clients and knows exactly these users, written with
    /// `mosquitto_passwd` to `$DIR/passwd`. `extra` is as for [`Broker::with_config`].
    pub fn with_users(users: &[(&str, &str)], extra: &str) -> Broker {
        Broker::build(extra, users, None)
    }

    /// A broker that also listens on ::1, and that port (nothing listens on it on 127.0.0.1);
    /// `None` on a machine without an IPv6 loopback, which the caller says and skips.
    pub fn on_ipv6_loopback() -> Option<(Broker, String)> {
        if std::net::TcpListener::bind(("::1", 0)).is_err() {
            eprintln!("this machine has no IPv6 loopback: a broker on ::1 cannot be tried");
            return None;
        }
        let v6 = unused_port();
        Some((
            Broker::with_config(&format!("listener {v6} ::1")),
            v6.to_string(),
        ))
    }

    /// A broker as [`Broker::with_users`] that also enforces the access control list `acl`
    /// (mosquitto's `acl_file` syntax). It logs every packet: a denied publish shows in its
    /// log only at debug level (`Denied PUBLISH from ...`).
    pub fn with_acl(users: &[(&str, &str)], acl: &str) -> Broker {
        Broker::build("acl_file $DIR/acl\nlog_type all", users, Some(acl))
    }

    fn build(extra: &str, users: &[(&str, &str)], acl: Option<&str>) -> Broker {
        let mosquitto = require_executable("mosquitto", &["/usr/sbin/mosquitto"]);
        let dir = tempfile::Builder::new()
            .prefix("rpubsub-broker-")
            .tempdir()
            .expect("create broker temp dir");
        let dir_str = dir
            .path()
            .to_str()
            .expect("temp dir path is UTF-8")
            .to_string();

        let mut config_tail = String::new();
        if !users.is_empty() {
            let passwd_file = dir.path().join("passwd");
            write_password_file(&passwd_file, users);
            config_tail.push_str(&format!(
                "allow_anonymous false\npassword_file {}\n",
                passwd_file.display()
            ));
        }
        if let Some(acl) = acl {
            fs::write(dir.path().join("acl"), acl).expect("write acl file");
        }
        let extra = extra.replace("$DIR", &dir_str);
        config_tail.push_str(&extra);
        config_tail.push('\n');
        if !config_tail.contains("allow_anonymous") && !config_tail.contains("password_file") {
            config_tail.push_str("allow_anonymous true\n");
        }

        let config = dir.path().join("mosquitto.conf");
        let log_path = dir.path().join("mosquitto.log");
        let mut broker = Broker {
            child: None,
            port: 0,
            dir,
            config,
            log_path,
        };
        let mut last_log = String::new();
        for _ in 0..START_ATTEMPTS {
            broker.port = free_port();
            fs::write(&broker.config, base_config(broker.port) + &config_tail)
                .expect("write mosquitto.conf");
            fs::write(&broker.log_path, "").expect("create mosquitto.log");
            match broker.launch(&mosquitto) {
                Ok(()) => {
                    let entry = (broker.port, broker.log_path.clone());
                    LIVE_LOGS.with(|logs| logs.borrow_mut().push(entry));
                    return broker;
                }
                // Only a lost race for the port is worth another try; a bad config is not.
                Err(log) if log.contains("in use") => last_log = log,
                Err(log) => panic!(
                    "mosquitto did not start\n--- config ---\n{}\n--- log ---\n{log}",
                    fs::read_to_string(&broker.config).unwrap_or_default()
                ),
            }
        }
        panic!("mosquitto failed to bind a port {START_ATTEMPTS} times; last log:\n{last_log}");
    }

    /// Starts mosquitto on `self.port` and waits until it serves. On failure the child is gone
    /// and its log is returned.
    fn launch(&mut self, mosquitto: &Path) -> Result<(), String> {
        // After a restart the log already holds the previous run: look only at what is new.
        let log_start = self.log().len();
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("create mosquitto.log");
        let child = Command::new(mosquitto)
            .arg("-c")
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", mosquitto.display()));
        self.child = Some(child);

        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().expect("try_wait") {
                self.child = None;
                return Err(format!(
                    "(mosquitto exited: {status})\n{}",
                    self.log().get(log_start..).unwrap_or_default()
                ));
            }
            // "running" is logged once every listener is bound: only then is a successful
            // connect known to reach *this* broker and not some other process on the port.
            if self
                .log()
                .get(log_start..)
                .unwrap_or_default()
                .contains(" running")
                && TcpStream::connect_timeout(
                    &([127, 0, 0, 1], self.port).into(),
                    Duration::from_millis(200),
                )
                .is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill_child();
                return Err(format!(
                    "(not serving after {READY_TIMEOUT:?})\n{}",
                    self.log()
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The broker's process id, while it runs (the load benchmark reads its CPU time).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The TCP port the broker listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`, as the tools should name the broker in their messages.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The broker's private temporary directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Everything the broker logged so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The broker's log once it holds every one of `lines`, or as it is after `within`.
    /// What a client did just before it exited (DISCONNECT, then close) reaches the log a
    /// moment later, when the broker has read it: a test that reads the log at once races it.
    pub fn log_holding<S: AsRef<str>>(&self, lines: &[S], within: Duration) -> String {
        let until = Instant::now() + within;
        loop {
            let log = self.log();
            if lines.iter().all(|l| log.contains(l.as_ref())) || Instant::now() >= until {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the broker the polite way (SIGTERM) and waits for it.
    pub fn stop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(10));
            }
        }
        self.kill_child();
    }

    /// Sends a signal (`STOP`, `CONT`, ...) to the broker process.
    pub fn signal(&self, signal: &str) {
        if let Some(child) = self.child.as_ref() {
            let _ = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(child.id().to_string())
                .status();
        }
    }

    /// Kills the broker at once (SIGKILL): clients see their connections drop.
    pub fn kill(&mut self) {
        self.kill_child();
    }

    /// Kills the broker and starts it again on the same port with the same configuration, as
    /// an administrator restarting the service would.
    pub fn restart(&mut self) {
        self.kill_child();
        self.relaunch();
    }

    /// Starts the broker again after [`Broker::stop`] or [`Broker::kill`]: same port, same
    /// configuration (and, with `persistence true`, the sessions it saved).
    pub fn relaunch(&mut self) {
        let mosquitto = require_executable("mosquitto", &["/usr/sbin/mosquitto"]);
        // The port was ours a moment ago; give the kernel a few tries to release it.
        let mut last = String::new();
        for _ in 0..20 {
            match self.launch(&mosquitto) {
                Ok(()) => return,
                Err(log) => last = log,
            }
            thread::sleep(Duration::from_millis(100));
        }
        panic!("mosquitto did not restart on port {}:\n{last}", self.port);
    }

    fn kill_child(&mut self) {
        if let Some(mut child) = self.child.take() {
            // A stopped (SIGSTOP) broker must still die.
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(child.id().to_string())
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill_child();
        let port = self.port;
        LIVE_LOGS.with(|logs| logs.borrow_mut().retain(|(p, _)| *p != port));
    }
}

/// The configuration every test broker shares.
fn base_config(port: u16) -> String {
    // `user root`: we may run as root, and mosquitto 2 then drops privileges to the user
    // `mosquitto`, who cannot read password files in our private temp dir. Not running as root,
    // mosquitto ignores the option.
    format!("listener {port} 127.0.0.1\npersistence false\nuser root\n")
}

/// Writes a mosquitto password file with the given users.
fn write_password_file(path: &Path, users: &[(&str, &str)]) {
    let passwd = require_executable("mosquitto_passwd", &["/usr/bin/mosquitto_passwd"]);
    for (i, (user, password)) in users.iter().enumerate() {
        let mut cmd = Command::new(&passwd);
        cmd.arg("-b");
        if i == 0 {
            cmd.arg("-c");
        }
        let out = cmd
            .arg(path)
            .arg(user)
            .arg(password)
            .stdin(Stdio::null())
            .output()
            .expect("run mosquitto_passwd");
        assert!(
            out.status.success(),
            "mosquitto_passwd failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
