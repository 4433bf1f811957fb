//! The one error type of xtask: every failure a developer or CI can meet, each with a message that
//! says what to do next. It does not print anything itself; `main` prints it once and exits 1.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Everything that can stop an xtask command.
#[derive(Debug)]
pub enum Error {
    /// The command line did not parse.
    Usage(String),
    /// A program could not be started at all (usually: not installed, not on PATH).
    Spawn { program: String, source: io::Error },
    /// A program ran and exited unsuccessfully.
    Command { command: String, status: String },
    /// Reading or writing a file or directory failed.
    Io { path: PathBuf, source: io::Error },
    /// A set-up step could not make the machine ready.
    Setup(String),
    /// A test XMPP server could not be configured, started or reached.
    Server {
        server: &'static str,
        reason: String,
    },
    /// `cargo xtask test` ran and at least one group failed or ran zero tests.
    TestsFailed { failed_groups: Vec<String> },
    /// `cargo xtask dist` produced an artifact set over the size budget.
    OverBudget { what: String },
}

impl Error {
    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) => write!(f, "{msg}\n\n{}", crate::USAGE),
            Error::Spawn { program, source } => {
                write!(f, "could not start `{program}`: {source} (is it installed? `cargo xtask setup` installs what the commands need)")
            }
            Error::Command { command, status } => write!(f, "`{command}` failed: {status}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Setup(msg) => write!(f, "setup: {msg}"),
            Error::Server { server, reason } => write!(f, "{server}: {reason}"),
            Error::TestsFailed { failed_groups } => {
                write!(f, "test groups failed: {}", failed_groups.join(", "))
            }
            Error::OverBudget { what } => write!(f, "dist is over budget: {what}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Spawn { source, .. } | Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
