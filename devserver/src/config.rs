//! devserver's configuration and its command line.
//!
//! What it does: holds everything [`crate::Server::start`] needs and parses
//! `devserver --listen 127.0.0.1:8080 --campaigns FILE --static-dir DIR
//! --backend embedded|ejabberd|prosody --domain D --api-token T --bot --test-control`
//! with a small hand-rolled parser (no CLI crate: a handful of flags).
//! What it does not: start anything or read files other than the campaigns file.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::campaigns::{self, CampaignDef, CampaignError};

/// Which XMPP deployment backs the chats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// devserver's own XMPP-over-WebSocket endpoint (zero install).
    Embedded,
    /// A real ejabberd as started by `cargo xtask`.
    Ejabberd,
    /// A real Prosody as started by `cargo xtask`.
    Prosody,
}

impl BackendChoice {
    /// The `--backend` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendChoice::Embedded => "embedded",
            BackendChoice::Ejabberd => "ejabberd",
            BackendChoice::Prosody => "prosody",
        }
    }
}

/// Everything a server needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Port 0 picks a free port (tests).
    pub listen: SocketAddr,
    pub campaigns: Vec<CampaignDef>,
    /// Served at `/` (the built widget and the demo page).
    pub static_dir: PathBuf,
    pub backend: BackendChoice,
    /// The visitors' XMPP domain; agents live on `internal.<domain>`.
    pub domain: String,
    /// The value `X-API-TOKEN` must carry.
    pub api_token: String,
    /// Sign in the auto-agent.
    pub bot: bool,
    /// Serve the test control surface under `/_test/`.
    pub test_control: bool,
    /// The agents' XMPP domain; `None`: `internal.<domain>`.
    pub agent_domain: Option<String>,
    /// External backends: the server's XMPP-over-WebSocket URL.
    pub xmpp_ws_url: Option<String>,
    /// Embedded backend: ping a silent client after this long (ejabberd: 10 s).
    pub ping_interval: Duration,
    /// Embedded backend: drop a client that does not answer a ping within this long.
    pub ping_timeout: Duration,
    /// Embedded backend: how long a stream-managed session waits to be resumed.
    pub resume_timeout: Duration,
    /// Serve `POST /demo/identity-signature`, a stand-in for a customer's server that signs
    /// its logged-in users. Demo only: it signs anyone who asks.
    pub demo_identity_signer: bool,
}

impl Config {
    /// The agents' domain: `--xmpp-agent-domain`, else `internal.<domain>`.
    pub fn agent_domain(&self) -> String {
        self.agent_domain
            .clone()
            .unwrap_or_else(|| format!("internal.{}", self.domain))
    }
}

/// The token devserver accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "webchat-dev-token";

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            campaigns: campaigns::defaults(),
            static_dir: PathBuf::from("dist"),
            backend: BackendChoice::Embedded,
            domain: "webchat.test".to_owned(),
            api_token: DEFAULT_TOKEN.to_owned(),
            bot: false,
            test_control: false,
            agent_domain: None,
            xmpp_ws_url: None,
            ping_interval: Duration::from_secs(10),
            ping_timeout: Duration::from_secs(10),
            resume_timeout: Duration::from_secs(300),
            demo_identity_signer: false,
        }
    }
}

impl Config {
    /// Defaults for in-process tests: an ephemeral port on 127.0.0.1 and the control surface.
    pub fn for_tests() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            test_control: true,
            ..Config::default()
        }
    }
}

/// Why the command line was refused (or help was asked for).
#[derive(Debug)]
pub enum CliError {
    Help,
    UnknownFlag(String),
    MissingValue(&'static str),
    BadListen(String),
    BadBackend(String),
    BadSeconds(&'static str, String),
    /// `--backend ejabberd|prosody` without `--xmpp-ws-url`.
    MissingWsUrl,
    Campaigns(CampaignError),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Help => f.write_str(USAGE),
            CliError::UnknownFlag(s) => write!(f, "unknown argument {s:?}\n\n{USAGE}"),
            CliError::MissingValue(flag) => write!(f, "{flag} needs a value\n\n{USAGE}"),
            CliError::BadListen(s) => {
                write!(
                    f,
                    "--listen wants IP:PORT such as 127.0.0.1:8080, got {s:?}"
                )
            }
            CliError::BadBackend(s) => {
                write!(f, "--backend is embedded, ejabberd or prosody, got {s:?}")
            }
            CliError::BadSeconds(flag, v) => {
                write!(
                    f,
                    "{flag} wants a number of seconds such as 10 or 0.5, got {v:?}"
                )
            }
            CliError::MissingWsUrl => f.write_str(
                "--backend ejabberd|prosody needs --xmpp-ws-url ws://127.0.0.1:PORT/xmpp-websocket",
            ),
            CliError::Campaigns(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CliError {}

/// `devserver --help`.
pub const USAGE: &str = "\
devserver: webchat's Public API, agent console and XMPP backend for demos and tests

USAGE: devserver [OPTIONS]

  --listen IP:PORT       address to serve on (default 127.0.0.1:8080)
  --campaigns FILE       campaigns JSON file (default: built-in demo campaigns)
  --static-dir DIR       directory served at / (default dist)
  --backend KIND         embedded (default), ejabberd or prosody
  --domain DOMAIN        visitors' XMPP domain (default webchat.test; agents on internal.DOMAIN)
  --xmpp-domain D        same as --domain
  --xmpp-agent-domain A  agents' XMPP domain (default internal.DOMAIN)
  --xmpp-ws-url URL      ejabberd/Prosody: the server's XMPP-over-WebSocket URL
  --ping-interval SECS   embedded: ping a silent client after SECS (default 10)
  --ping-timeout SECS    embedded: drop a client that does not answer within SECS (default 10)
  --resume-timeout SECS  embedded: keep a stream-managed session for SECS (default 300)
  --api-token TOKEN      the X-API-TOKEN to accept (default webchat-dev-token)
  --identity-secret S    the identity secret of every campaign whose config gives none
                         (signed users: history across browsers, routing to an assigned agent)
  --demo-identity-signer serve POST /demo/identity-signature, which signs any user (demo only)
  --bot                  sign in the auto-agent
  --test-control         serve the test control surface under /_test/
  --help                 this text";

impl Config {
    /// Parses the arguments after the program name.
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Result<Config, CliError> {
        let mut config = Config::default();
        let mut identity_secret = None;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            // `--flag=value` and `--flag value` are both accepted.
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &'static str| {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or(CliError::MissingValue(name))
            };
            match flag.as_str() {
                "--help" | "-h" => return Err(CliError::Help),
                "--listen" => {
                    let v = value("--listen")?;
                    config.listen = v.parse().map_err(|_| CliError::BadListen(v))?;
                }
                "--campaigns" => {
                    let path = PathBuf::from(value("--campaigns")?);
                    config.campaigns = campaigns::load(&path).map_err(CliError::Campaigns)?;
                }
                "--static-dir" => config.static_dir = PathBuf::from(value("--static-dir")?),
                "--backend" => {
                    let v = value("--backend")?;
                    config.backend = match v.as_str() {
                        "embedded" => BackendChoice::Embedded,
                        "ejabberd" => BackendChoice::Ejabberd,
                        "prosody" => BackendChoice::Prosody,
                        _ => return Err(CliError::BadBackend(v)),
                    };
                }
                "--domain" | "--xmpp-domain" => config.domain = value("--domain")?,
                "--xmpp-agent-domain" => config.agent_domain = Some(value("--xmpp-agent-domain")?),
                "--xmpp-ws-url" => config.xmpp_ws_url = Some(value("--xmpp-ws-url")?),
                "--ping-interval" => {
                    config.ping_interval = seconds("--ping-interval", value("--ping-interval")?)?
                }
                "--ping-timeout" => {
                    config.ping_timeout = seconds("--ping-timeout", value("--ping-timeout")?)?
                }
                "--resume-timeout" => {
                    config.resume_timeout = seconds("--resume-timeout", value("--resume-timeout")?)?
                }
                "--api-token" => config.api_token = value("--api-token")?,
                "--identity-secret" => {
                    let secret = value("--identity-secret")?;
                    if secret.is_empty() {
                        return Err(CliError::MissingValue("--identity-secret"));
                    }
                    identity_secret = Some(secret);
                }
                "--demo-identity-signer" if inline.is_none() => config.demo_identity_signer = true,
                "--bot" if inline.is_none() => config.bot = true,
                "--test-control" if inline.is_none() => config.test_control = true,
                _ => return Err(CliError::UnknownFlag(arg)),
            }
        }
        if config.backend != BackendChoice::Embedded && config.xmpp_ws_url.is_none() {
            return Err(CliError::MissingWsUrl);
        }
        // After the loop: `--campaigns` may come later on the line.
        if let Some(secret) = identity_secret {
            for c in &mut config.campaigns {
                c.identity_secret.get_or_insert_with(|| secret.clone());
            }
        }
        Ok(config)
    }
}

fn seconds(flag: &'static str, v: String) -> Result<Duration, CliError> {
    match v.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Duration::from_secs_f64(s)),
        _ => Err(CliError::BadSeconds(flag, v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, CliError> {
        Config::from_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_every_flag() {
        let c = parse(&[
            "--listen",
            "127.0.0.1:9000",
            "--static-dir=site",
            "--backend",
            "prosody",
            "--xmpp-ws-url",
            "ws://127.0.0.1:5280/xmpp-websocket",
            "--xmpp-agent-domain",
            "agents.example.test",
            "--ping-interval",
            "0.5",
            "--domain",
            "example.test",
            "--api-token",
            "t",
            "--bot",
            "--test-control",
            "--identity-secret",
            "s3cret",
            "--demo-identity-signer",
        ])
        .unwrap();
        assert!(c
            .campaigns
            .iter()
            .all(|c| c.identity_secret.as_deref() == Some("s3cret")));
        assert!(c.demo_identity_signer);
        assert_eq!(c.listen, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(c.static_dir, PathBuf::from("site"));
        assert_eq!(c.backend, BackendChoice::Prosody);
        assert_eq!(c.domain, "example.test");
        assert_eq!(c.api_token, "t");
        assert!(c.bot && c.test_control);
        assert_eq!(c.agent_domain(), "agents.example.test");
        assert_eq!(c.ping_interval, Duration::from_millis(500));
        assert!(matches!(
            parse(&["--backend", "ejabberd"]),
            Err(CliError::MissingWsUrl)
        ));
        assert!(matches!(
            parse(&["--ping-timeout", "soon"]),
            Err(CliError::BadSeconds(..))
        ));
    }

    #[test]
    fn defaults_without_arguments() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(c.backend, BackendChoice::Embedded);
        assert!(!c.bot && !c.test_control && !c.demo_identity_signer);
        assert_eq!(c.campaigns, campaigns::defaults());
        // Secure by default: no campaign serves history across browsers.
        assert!(c.campaigns.iter().all(|c| c.identity_secret.is_none()));
    }

    #[test]
    fn refuses_bad_arguments() {
        assert!(matches!(parse(&["--nope"]), Err(CliError::UnknownFlag(_))));
        assert!(matches!(
            parse(&["--listen"]),
            Err(CliError::MissingValue("--listen"))
        ));
        assert!(matches!(
            parse(&["--listen", "localhost"]),
            Err(CliError::BadListen(_))
        ));
        assert!(matches!(
            parse(&["--backend", "openfire"]),
            Err(CliError::BadBackend(_))
        ));
        assert!(matches!(
            parse(&["--campaigns", "/nonexistent/file.json"]),
            Err(CliError::Campaigns(CampaignError::Read(_)))
        ));
        assert!(matches!(
            parse(&["--bot=yes"]),
            Err(CliError::UnknownFlag(_))
        ));
        assert!(matches!(parse(&["--help"]), Err(CliError::Help)));
    }
}
