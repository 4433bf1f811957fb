//! Real XMPP servers for the interop tests: private ejabberd and Prosody instances on 127.0.0.1.
//!
//! Each server gets a fresh private directory (config, data, logs) under the system temp dir,
//! fixed high ports that collide with neither the Debian defaults nor each other, and two virtual
//! hosts: the visitors' [`VISITOR_DOMAIN`] and the agents' [`AGENT_DOMAIN`]. A [`Server`] is a
//! guard: dropping it stops exactly the process group xtask started and copies the server's log
//! to `target/xtask-logs/`. Ctrl-C and `kill -9` of xtask are covered in [`crate::proc`].
//! If another xtask's server already answers on the same port (a developer's `cargo xtask
//! servers`), it is reused and left running.
//!
//! It never touches the system services, never runs `ejabberdctl` or `epmd`, never kills by name.
//! [`devserver`] runs the project's own devserver the same way (a free port, a guard).

pub mod devserver;
mod ejabberd;
mod probe;
mod prosody;

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::proc;

/// The visitors' virtual host on both servers.
pub const VISITOR_DOMAIN: &str = "webchat.test";
/// The agents' virtual host on both servers; stanzas route between the two locally.
pub const AGENT_DOMAIN: &str = "internal.webchat.test";
/// The HTTP path of the RFC 7395 endpoint on both servers.
pub const WS_PATH: &str = "/xmpp-websocket";
/// The HTTP path of the BOSH endpoint (XEP-0124/0206) on both servers, the usual one.
pub const BOSH_PATH: &str = "/http-bind";
/// How long a server may take from start to answering for both domains.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a server may take to shut down on SIGTERM before it gets SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A server implementation xtask can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ejabberd,
    Prosody,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Ejabberd, Kind::Prosody];

    /// The name tests see in WEBCHAT_XMPP_SERVER.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ejabberd => "ejabberd",
            Kind::Prosody => "prosody",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// (WebSocket/HTTP port, c2s TCP port). Debian's defaults are 5222/5280/5281/5443.
    pub fn ports(self) -> (u16, u16) {
        match self {
            Kind::Ejabberd => (15280, 15222),
            Kind::Prosody => (25280, 25222),
        }
    }

    pub fn ws_url(self) -> String {
        format!("ws://127.0.0.1:{}{WS_PATH}", self.ports().0)
    }

    /// The BOSH URL, on the same HTTP port as the WebSocket.
    pub fn bosh_url(self) -> String {
        format!("http://127.0.0.1:{}{BOSH_PATH}", self.ports().0)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A running server. Dropping it stops the server if this xtask started it.
pub struct Server {
    kind: Kind,
    /// The process group xtask started; `None` when reusing another xtask's server.
    pgid: Option<i32>,
    dir: PathBuf,
    log_dir: PathBuf,
    stopped: bool,
}

impl Server {
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The `WEBCHAT_XMPP_*` variables (README, "Test servers") for tests against this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("WEBCHAT_XMPP_SERVER", self.kind.name().to_owned()),
            ("WEBCHAT_XMPP_WS_URL", self.kind.ws_url()),
            ("WEBCHAT_XMPP_BOSH_URL", self.kind.bosh_url()),
            ("WEBCHAT_XMPP_DOMAIN", VISITOR_DOMAIN.to_owned()),
            ("WEBCHAT_XMPP_AGENT_DOMAIN", AGENT_DOMAIN.to_owned()),
        ]
    }

    /// Is the server process still running? `Err` carries how it ended.
    pub fn check_alive(&mut self) -> Result<(), Error> {
        let Some(pgid) = self.pgid else {
            return Ok(()); // not ours to watch
        };
        match proc::leader_exited(pgid) {
            None => Ok(()),
            Some(how) => {
                self.stopped = true;
                Err(Error::Server {
                    server: self.kind.name(),
                    reason: format!("{how}; its log: {}", self.saved_log().display()),
                })
            }
        }
    }

    /// Stop the server (idempotent), keep its logs, remove its private directory.
    pub fn stop(&mut self) {
        let Some(pgid) = self.pgid else {
            return; // another xtask's server: it stops it
        };
        if !self.stopped {
            proc::terminate_group(pgid, STOP_GRACE);
            self.stopped = true;
        }
        self.save_logs();
        let _ = fs::remove_dir_all(&self.dir);
    }

    fn saved_log(&self) -> PathBuf {
        self.log_dir
            .join(format!("{}-server.log", self.kind.name()))
    }

    /// Keep the server's own log and console output for CI, after the temp dir is gone.
    fn save_logs(&self) {
        let _ = fs::create_dir_all(&self.log_dir);
        let mut text = String::new();
        for name in ["server.log", "console.log"] {
            if let Ok(s) = fs::read_to_string(self.dir.join(name)) {
                text.push_str(&format!("==> {name} <==\n{s}\n"));
            }
        }
        if !text.is_empty() {
            let _ = fs::write(self.saved_log(), text);
        }
    }

    /// The last lines of the server's logs, for error messages.
    fn log_tail(&self) -> String {
        let mut out = String::new();
        for name in ["server.log", "console.log"] {
            if let Ok(s) = fs::read_to_string(self.dir.join(name)) {
                let lines: Vec<&str> = s.lines().collect();
                let tail = &lines[lines.len().saturating_sub(15)..];
                out.push_str(&format!(
                    "\n--- {name} (last lines) ---\n{}",
                    tail.join("\n")
                ));
            }
        }
        out
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Start the given servers side by side and wait until every one answers for both domains.
/// On any failure the ones already started are stopped (their guards drop).
pub fn start(root: &Path, kinds: &[Kind]) -> Result<Vec<Server>, Error> {
    remove_stale_dirs();
    let log_dir = root.join("target").join("xtask-logs");
    let mut servers = Vec::new();
    for &kind in kinds {
        let server = spawn(kind, &log_dir)?;
        if server.pgid.is_some() {
            println!(
                "servers: {kind} starting (ws {}, bosh {})",
                kind.ws_url(),
                kind.bosh_url()
            );
        }
        servers.push(server);
    }
    let started = Instant::now();
    for server in &mut servers {
        wait_ready(server)?;
        println!(
            "servers: {} ready for {VISITOR_DOMAIN} and {AGENT_DOMAIN} after {:.1}s",
            server.kind,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(servers)
}

fn spawn(kind: Kind, log_dir: &Path) -> Result<Server, Error> {
    let (ws_port, c2s_port) = kind.ports();
    // Developers share machines: if another `cargo xtask servers` already serves this server's
    // port for both domains, use it instead of failing (and leave it running afterwards).
    // Reused only when it serves everything the tests use (an older config may lack BOSH).
    if std::net::TcpListener::bind(("127.0.0.1", ws_port)).is_err()
        && [VISITOR_DOMAIN, AGENT_DOMAIN]
            .iter()
            .all(|d| probe::xmpp_ws_ready(ws_port, WS_PATH, d).is_ok())
        && probe::bosh_ready(ws_port, BOSH_PATH, VISITOR_DOMAIN).is_ok()
    {
        println!(
            "servers: {kind} is already running on 127.0.0.1:{ws_port} (another `cargo xtask \
             servers`?): reusing it, and leaving it running"
        );
        return Ok(Server {
            kind,
            pgid: None,
            dir: PathBuf::new(),
            log_dir: log_dir.to_owned(),
            stopped: true,
        });
    }
    for port in [ws_port, c2s_port] {
        // std sets SO_REUSEADDR, so this fails only when something is listening there.
        if let Err(e) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            return Err(Error::Server {
                server: kind.name(),
                reason: format!(
                    "127.0.0.1:{port} is not free ({e}): is another `cargo xtask servers` or \
                     `cargo xtask test` running? Stop it first (its servers use the same ports)"
                ),
            });
        }
    }
    let dir = std::env::temp_dir().join(format!(
        "webchat-xtask-{}-{}",
        kind.name(),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut cmd = match kind {
        Kind::Ejabberd => ejabberd::command(&dir, ws_port, c2s_port)?,
        Kind::Prosody => prosody::command(&dir, ws_port, c2s_port)?,
    };
    let console = fs::File::create(dir.join("console.log")).map_err(|e| Error::io(&dir, e))?;
    let console_err = console.try_clone().map_err(|e| Error::io(&dir, e))?;
    cmd.current_dir(&dir)
        .stdin(std::process::Stdio::null())
        .stdout(console)
        .stderr(console_err);
    let child = proc::spawn_owned(&mut cmd, Some(dir.clone()))?;
    Ok(Server {
        kind,
        pgid: Some(child.id() as i32),
        dir,
        log_dir: log_dir.to_owned(),
        stopped: false,
    })
}

fn wait_ready(server: &mut Server) -> Result<(), Error> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let port = server.kind.ports().0;
    for domain in [VISITOR_DOMAIN, AGENT_DOMAIN] {
        loop {
            if let Err(e) = server.check_alive() {
                let tail = server.log_tail();
                return Err(Error::Server {
                    server: server.kind.name(),
                    reason: format!("exited while starting: {e}{tail}"),
                });
            }
            match probe::xmpp_ws_ready(port, WS_PATH, domain)
                .and_then(|()| probe::bosh_ready(port, BOSH_PATH, domain))
            {
                Ok(()) => break,
                Err(e) if Instant::now() >= deadline => {
                    return Err(Error::Server {
                        server: server.kind.name(),
                        reason: format!(
                            "not ready after {}s: {e}{}",
                            READY_TIMEOUT.as_secs(),
                            server.log_tail()
                        ),
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }
    Ok(())
}

/// Private dirs of an xtask that was killed with SIGKILL stay behind: remove those whose xtask
/// process is gone (the servers themselves died with it, see `proc`).
fn remove_stale_dirs() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("webchat-xtask-") else {
            continue;
        };
        let Some(pid) = rest.rsplit('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}
