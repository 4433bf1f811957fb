//! devserver as a test server: built once (debug), started on a free 127.0.0.1 port with the
//! chosen XMPP backend, waited for, and stopped when its guard drops.
//!
//! Used by the `embedded` group (interop tests against devserver's embedded XMPP server) and the
//! `e2e-*` groups (Playwright against devserver with `--test-control`). Its output goes to
//! `target/xtask-logs/devserver-NAME.log`. It does not start ejabberd or Prosody: for an external
//! backend the caller passes the running [`super::Server`]'s kind, and devserver connects to it.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Kind, AGENT_DOMAIN, BOSH_PATH, VISITOR_DOMAIN, WS_PATH};
use crate::error::Error;
use crate::proc;

/// How long devserver may take from spawn to accepting connections (external backends first
/// reach their XMPP server).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Which XMPP backend devserver uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    External(Kind),
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Embedded => "embedded",
            Backend::External(k) => k.name(),
        }
    }
}

/// What to start.
pub struct Options<'a> {
    /// Names the log file: `devserver-{name}.log`.
    pub name: &'a str,
    pub backend: Backend,
    /// `--test-control`.
    pub test_control: bool,
    /// `--static-dir`.
    pub static_dir: Option<&'a Path>,
}

/// A running devserver; dropping it stops it.
pub struct Devserver {
    pgid: i32,
    addr: SocketAddr,
    backend: Backend,
    log: PathBuf,
    /// `stop` ran.
    stopped: bool,
}

/// `cargo build -p devserver` (debug: the native test group builds the same artifacts).
pub fn build(root: &Path) -> Result<PathBuf, Error> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    proc::run(
        Command::new(cargo)
            .args(["build", "-p", "devserver"])
            .current_dir(root),
    )?;
    let bin = crate::setup::cargo_target_dir(root)
        .join("debug")
        .join("devserver");
    if !bin.is_file() {
        return Err(Error::Setup(format!(
            "`cargo build -p devserver` succeeded but {} is missing",
            bin.display()
        )));
    }
    Ok(bin)
}

/// A port nobody listens on right now (the kernel's choice; the small race until devserver
/// binds it is acceptable on a test machine).
fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(|e| Error::Server {
        server: "devserver",
        reason: format!("cannot find a free port: {e}"),
    })?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::Server {
            server: "devserver",
            reason: format!("cannot find a free port: {e}"),
        })
}

impl Devserver {
    /// Starts `bin` (from [`build`]) and waits until it accepts connections.
    pub fn start(root: &Path, bin: &Path, opts: &Options<'_>) -> Result<Devserver, Error> {
        Self::start_with(root, bin, opts, &[])
    }

    /// [`Devserver::start`] with more command-line flags (the benchmarks add `--bot`).
    pub fn start_with(
        root: &Path,
        bin: &Path,
        opts: &Options<'_>,
        extra: &[&str],
    ) -> Result<Devserver, Error> {
        let port = free_port()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log_dir = root.join("target").join("xtask-logs");
        std::fs::create_dir_all(&log_dir).map_err(|e| Error::io(&log_dir, e))?;
        let log = log_dir.join(format!("devserver-{}.log", opts.name));
        let out = File::create(&log).map_err(|e| Error::io(&log, e))?;
        let err = out.try_clone().map_err(|e| Error::io(&log, e))?;

        let mut cmd = Command::new(bin);
        cmd.arg("--listen")
            .arg(addr.to_string())
            .args(["--backend", opts.backend.name()])
            .args(["--domain", VISITOR_DOMAIN]);
        if let Backend::External(kind) = opts.backend {
            // Visitors' BOSH goes through devserver's /http-bind to the server's own endpoint.
            cmd.args(["--xmpp-ws-url", &kind.ws_url()])
                .args(["--xmpp-bosh-url", &kind.bosh_url()])
                .args(["--xmpp-agent-domain", AGENT_DOMAIN]);
        }
        if opts.test_control {
            cmd.arg("--test-control");
        }
        if let Some(dir) = opts.static_dir {
            cmd.arg("--static-dir").arg(dir);
        }
        cmd.args(extra);
        cmd.current_dir(root)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        println!("$ {}", proc::describe(&cmd));
        let child = proc::spawn_owned(&mut cmd, None)?;
        let mut server = Devserver {
            pgid: child.id() as i32,
            addr,
            backend: opts.backend,
            log,
            stopped: false,
        };
        server.wait_ready()?;
        println!("devserver ({}) ready on http://{addr}", opts.backend.name());
        Ok(server)
    }

    fn wait_ready(&mut self) -> Result<(), Error> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(how) = proc::leader_exited(self.pgid) {
                return Err(Error::Server {
                    server: "devserver",
                    reason: format!("exited while starting ({how}); its log:\n{}", self.tail()),
                });
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(500)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Error::Server {
                    server: "devserver",
                    reason: format!(
                        "not accepting connections on {} after {}s; its log:\n{}",
                        self.addr,
                        READY_TIMEOUT.as_secs(),
                        self.tail()
                    ),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The WEBCHAT_XMPP_* variables of the interop tests for this devserver's XMPP side.
    pub fn xmpp_env(&self) -> Vec<(&'static str, String)> {
        let (ws_url, bosh_url) = match self.backend {
            Backend::Embedded => (
                format!("ws://{}{WS_PATH}", self.addr),
                format!("http://{}{BOSH_PATH}", self.addr),
            ),
            Backend::External(kind) => (kind.ws_url(), kind.bosh_url()),
        };
        vec![
            ("WEBCHAT_XMPP_SERVER", self.backend.name().to_owned()),
            ("WEBCHAT_XMPP_WS_URL", ws_url),
            ("WEBCHAT_XMPP_BOSH_URL", bosh_url),
            ("WEBCHAT_XMPP_DOMAIN", VISITOR_DOMAIN.to_owned()),
            ("WEBCHAT_XMPP_AGENT_DOMAIN", AGENT_DOMAIN.to_owned()),
        ]
    }

    /// Where its output goes.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Is it still running? `Err` says how it ended.
    pub fn check_alive(&mut self) -> Result<(), Error> {
        if self.stopped {
            return Ok(());
        }
        match proc::leader_exited(self.pgid) {
            None => Ok(()),
            Some(how) => Err(Error::Server {
                server: "devserver",
                reason: format!("{how}; its log: {}", self.log.display()),
            }),
        }
    }

    /// Stops it (idempotent): SIGTERM, a grace period, SIGKILL. Also after it exited by itself,
    /// so its process group is forgotten by the signal cleanup.
    pub fn stop(&mut self) {
        if !self.stopped {
            proc::terminate_group(self.pgid, STOP_GRACE);
            self.stopped = true;
        }
    }

    fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Devserver {
    fn drop(&mut self) {
        self.stop();
    }
}
