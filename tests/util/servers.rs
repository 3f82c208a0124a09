//! Other real servers the transport tests need besides Mosquitto: the amqtt broker (Debian's
//! mosquitto 2.0.11 has no WebSocket listener; amqtt, from PyPI, has), the tinyproxy HTTP
//! proxy, the microsocks SOCKS5 proxy, and `openssl s_server`, a TLS server that checks ALPN (mosquitto 2.0.11 does not). Each runs on free loopback ports with its config and log in a temporary directory
//! and is killed when dropped. A missing program is a failure with an install hint.

use std::fs::{self, File};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::broker::{find_executable, unused_port};
use super::SETUP;

/// Where `tests/setup.sh` installs amqtt when `RPUBSUB_AMQTT` does not name it.
pub const AMQTT_DEFAULT: &str = ".cache/rpubsub/amqtt-venv/bin/amqtt";

/// The amqtt executable: `$RPUBSUB_AMQTT`, else `$HOME/.cache/rpubsub/amqtt-venv/bin/amqtt`,
/// else `amqtt` on PATH.
fn amqtt_executable() -> PathBuf {
    let from_env = std::env::var_os("RPUBSUB_AMQTT").map(PathBuf::from);
    let default = std::env::var_os("HOME").map(|home| Path::new(&home).join(AMQTT_DEFAULT));
    for candidate in from_env.iter().chain(default.iter()) {
        if candidate.is_file() {
            return candidate.clone();
        }
    }
    find_executable("amqtt", &[]).unwrap_or_else(|| {
        panic!(
            "the amqtt broker (WebSocket tests) was not found at $RPUBSUB_AMQTT, ~/{AMQTT_DEFAULT} \
             or on PATH; run: {SETUP}"
        )
    })
}

/// A server process with its temporary directory and log.
struct Server {
    child: Child,
    dir: TempDir,
    log: PathBuf,
}

impl Server {
    fn spawn(program: &Path, args: &[&str], dir: TempDir, log: PathBuf) -> Server {
        let out = File::create(&log).expect("create server log");
        // A pipe nobody writes to: `openssl s_server` quits at the end of its input.
        let child = Command::new(program)
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(out.try_clone().expect("dup log"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        Server { child, dir, log }
    }

    /// Waits until every port accepts TCP connections.
    fn wait_ready(&mut self, name: &str, ports: &[u16]) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{name} exited ({status}) while starting:\n{}", self.log());
            }
            let up = ports.iter().all(|port| {
                TcpStream::connect_timeout(
                    &([127, 0, 0, 1], *port).into(),
                    Duration::from_millis(200),
                )
                .is_ok()
            });
            if up {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{name} not serving on {ports:?} after 20 s:\n{}",
                    self.log()
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An amqtt broker (MQTT 3.1.1) with a TCP listener and a WebSocket listener, and optionally a
/// WebSocket-over-TLS listener presenting `certfile`/`keyfile`.
pub struct Amqtt {
    server: Server,
    pub tcp_port: u16,
    pub ws_port: u16,
    pub wss_port: Option<u16>,
}

impl Amqtt {
    pub fn start() -> Amqtt {
        Amqtt::launch(None)
    }

    /// With a `wss` listener too, using these PEM files.
    pub fn with_wss(certfile: &str, keyfile: &str) -> Amqtt {
        Amqtt::launch(Some((certfile, keyfile)))
    }

    fn launch(tls: Option<(&str, &str)>) -> Amqtt {
        let program = amqtt_executable();
        let dir = tempfile::Builder::new()
            .prefix("rpubsub-amqtt-")
            .tempdir()
            .expect("create amqtt temp dir");
        let (tcp_port, ws_port) = (unused_port(), unused_port());
        let mut config = format!(
            "listeners:\n  default:\n    type: tcp\n    bind: 127.0.0.1:{tcp_port}\n  ws:\n    type: ws\n    bind: 127.0.0.1:{ws_port}\n"
        );
        let wss_port = tls.map(|(cert, key)| {
            let port = unused_port();
            config.push_str(&format!(
                "  wss:\n    type: ws\n    bind: 127.0.0.1:{port}\n    ssl: true\n    certfile: {cert}\n    keyfile: {key}\n"
            ));
            port
        });
        config.push_str(
            "plugins:\n  amqtt.plugins.authentication.AnonymousAuthPlugin:\n    allow_anonymous: true\n",
        );
        let config_path = dir.path().join("amqtt.yaml");
        fs::write(&config_path, config).expect("write amqtt.yaml");
        let log = dir.path().join("amqtt.log");
        let mut server = Server::spawn(&program, &["-c", config_path.to_str().unwrap()], dir, log);
        let ports: Vec<u16> = [tcp_port, ws_port].into_iter().chain(wss_port).collect();
        server.wait_ready("amqtt", &ports);
        Amqtt {
            server,
            tcp_port,
            ws_port,
            wss_port,
        }
    }

    pub fn log(&self) -> String {
        self.server.log()
    }
}

/// A tinyproxy HTTP proxy on 127.0.0.1, logging every CONNECT it serves.
pub struct Tinyproxy {
    server: Server,
    pub port: u16,
}

impl Tinyproxy {
    /// `extra` is appended to the configuration (`BasicAuth user password`, `ConnectPort 443`).
    pub fn start(extra: &str) -> Tinyproxy {
        let program = find_executable("tinyproxy", &["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"])
            .unwrap_or_else(|| panic!("`tinyproxy` not found (proxy tests); run: {SETUP}"));
        let dir = tempfile::Builder::new()
            .prefix("rpubsub-tinyproxy-")
            .tempdir()
            .expect("create tinyproxy temp dir");
        let port = unused_port();
        let log = dir.path().join("tinyproxy.log");
        let config = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Connect\nMaxClients 20\nAllow 127.0.0.1\n{extra}\n",
            log.display()
        );
        let config_path = dir.path().join("tinyproxy.conf");
        fs::write(&config_path, config).expect("write tinyproxy.conf");
        // -d: stay in the foreground, so that dropping the child stops the proxy.
        let mut server = Server::spawn(
            &program,
            &["-d", "-c", config_path.to_str().unwrap()],
            dir,
            log.with_extension("out"),
        );
        server.wait_ready("tinyproxy", &[port]);
        Tinyproxy { server, port }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The CONNECT requests the proxy served, as `host:port` targets.
    pub fn connects(&self) -> Vec<String> {
        let log =
            fs::read_to_string(self.server.dir.path().join("tinyproxy.log")).unwrap_or_default();
        log.lines()
            .filter_map(|line| line.split("Request (file descriptor").nth(1))
            .filter_map(|rest| rest.split("CONNECT ").nth(1))
            .filter_map(|target| target.split_whitespace().next())
            .map(str::to_string)
            .collect()
    }

    /// The proxy's log, for failure reports.
    pub fn log(&self) -> String {
        fs::read_to_string(self.server.dir.path().join("tinyproxy.log")).unwrap_or_default()
    }
}

/// A microsocks SOCKS5 proxy on 127.0.0.1, logging every tunnel it opens
/// (`client[4] 127.0.0.1: connected to HOST:PORT`).
pub struct Microsocks {
    server: Server,
    pub port: u16,
}

impl Microsocks {
    /// `args`: more microsocks options (`-b 127.0.0.3`: the address its own connections come
    /// from; `-u USER -P PASSWORD`: the login it wants).
    pub fn start(args: &[&str]) -> Microsocks {
        let program = find_executable("microsocks", &["/usr/bin/microsocks"])
            .unwrap_or_else(|| panic!("`microsocks` not found (SOCKS proxy tests); run: {SETUP}"));
        let dir = tempfile::Builder::new()
            .prefix("rpubsub-microsocks-")
            .tempdir()
            .expect("create microsocks temp dir");
        let port = unused_port();
        let port_text = port.to_string();
        let mut all = vec!["-i", "127.0.0.1", "-p", &port_text];
        all.extend_from_slice(args);
        let log = dir.path().join("microsocks.log");
        let mut server = Server::spawn(&program, &all, dir, log);
        server.wait_ready("microsocks", &[port]);
        Microsocks { server, port }
    }

    /// `SCHEME://127.0.0.1:PORT`, `login` (`user:password@`) after the scheme.
    pub fn url(&self, scheme: &str, login: &str) -> String {
        format!("{scheme}://{login}127.0.0.1:{}", self.port)
    }

    /// The targets of the tunnels the proxy opened, `host:port` as the client named them.
    pub fn connects(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter_map(|line| line.split(": connected to ").nth(1))
            .map(|target| target.trim().to_string())
            .collect()
    }

    /// The proxy's log, for failure reports.
    pub fn log(&self) -> String {
        self.server.log()
    }
}

/// `openssl s_server` on 127.0.0.1 with a certificate and an ALPN protocol it insists on:
/// it logs the protocols a client offers and refuses a client that offers none it knows, and
/// it can be held to one TLS version. It serves one connection.
pub struct OpensslServer {
    server: Server,
    pub port: u16,
}

impl OpensslServer {
    /// `extra`: more s_server options (`-tls1_2` to speak TLS 1.2 only).
    pub fn start(certfile: &str, keyfile: &str, alpn: &str, extra: &[&str]) -> OpensslServer {
        let program = find_executable("openssl", &["/usr/bin/openssl"])
            .unwrap_or_else(|| panic!("`openssl` not found; run: {SETUP}"));
        let dir = tempfile::Builder::new()
            .prefix("rpubsub-s_server-")
            .tempdir()
            .expect("create s_server temp dir");
        let port = unused_port();
        let log = dir.path().join("s_server.log");
        let accept = format!("127.0.0.1:{port}");
        let mut args = vec![
            "s_server", "-accept", &accept, "-cert", certfile, "-key", keyfile, "-alpn", alpn,
            "-naccept", "1",
        ];
        args.extend_from_slice(extra);
        let server = Server::spawn(&program, &args, dir, log);
        // Not probed with a connection: it serves exactly one (-naccept 1).
        let deadline = Instant::now() + Duration::from_secs(10);
        while !server.log().contains("ACCEPT") {
            if Instant::now() > deadline {
                panic!("openssl s_server did not start:\n{}", server.log());
            }
            thread::sleep(Duration::from_millis(10));
        }
        OpensslServer { server, port }
    }

    pub fn log(&self) -> String {
        self.server.log()
    }
}
