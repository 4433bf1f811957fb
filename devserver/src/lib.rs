//! devserver: webchat's native backend for demos and tests.
//!
//! What it does: serves the CoBrowser Public API (`docs/protocol.md` §1) with campaigns from a config file,
//! CORS for pages on other origins, static files (the built widget and demo page) at `/`, the
//! agent console at `/agent`, the operator API at `/operator/v1/` (the customer's server sets
//! visibility overrides), and — behind `--test-control` — a control surface for tests under
//! `/_test/`. Tests start it in-process with [`Server::start`] on an ephemeral port.
//! The XMPP side is either the embedded XMPP server ([`xmpp`], WebSocket at `/xmpp-websocket`,
//! BOSH at `/http-bind`) or a real ejabberd/Prosody ([`external`], its BOSH forwarded at
//! `/http-bind` by [`bosh_proxy`]); either way the agent side of every chat is the [`desk`],
//! driven by the console, the [`bot`] or the control surface.
//! What it does not: persist anything across restarts.
//!
//! Module map: [`config`] (CLI), [`campaigns`] (definitions), [`hub`] (state and rules,
//! built on [`sessions`] and [`agents`], with [`start`] (departments, pre-chat data,
//! greetings), [`offline`] (offline messages) and [`outbox`] (mailed transcripts)), [`access`]
//! and [`identity`] (who may read or change which chat), [`overrides`] (operator visibility
//! overrides), [`backend`] (XMPP
//! deployments), [`desk`] (agent side of chats), [`xmpp`] (embedded server), [`external`]
//! (agents as clients of a real server), [`bot`] (auto-agent), [`public_api`],
//! [`operator_api`], [`console`], [`control`] and [`demo`] (HTTP surfaces).

pub mod access;
pub mod agents;
pub mod backend;
pub mod bosh_proxy;
pub mod bot;
pub mod campaigns;
pub mod config;
pub mod console;
pub mod control;
pub mod demo;
pub mod desk;
pub mod external;
pub mod hub;
pub mod identity;
pub mod ids;
pub mod offline;
pub mod operator_api;
pub mod outbox;
pub mod overrides;
pub mod public_api;
pub mod sessions;
pub mod start;
pub mod xmpp;

use std::fmt;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::serve::ListenerExt;
use axum::Router;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use webchat_protocol::api::AgentInfo;

pub use crate::agents::{Agent, AgentError, AgentKind, SignIn};
pub use crate::backend::{BackendError, MemoryBackend, XmppBackend};
pub use crate::config::{BackendChoice, Config};
pub use crate::desk::{AgentAction, Desk};
pub use crate::hub::{Hub, HubEvent};

/// What every HTTP surface shares. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub hub: Hub,
    pub backend: Arc<dyn XmppBackend>,
    /// The agent side of every chat.
    pub desk: Desk,
    /// The embedded XMPP server, when `--backend embedded`.
    pub embedded: Option<Arc<xmpp::Embedded>>,
    /// The WebSocket URL visitors connect to (embedded: filled in once the port is known).
    pub xmpp_ws_url: Arc<std::sync::OnceLock<String>>,
    /// The BOSH URL visitors use when the WebSocket fails: devserver's `/http-bind` (embedded,
    /// or forwarded to `bosh_upstream`); unset for an external backend without one.
    pub xmpp_bosh_url: Arc<std::sync::OnceLock<String>>,
    /// External backends: the server's own BOSH URL.
    pub bosh_upstream: Option<Arc<str>>,
    /// `/xmpp-websocket` refuses upgrades (`--refuse-websocket`, or the control surface).
    pub refuse_websocket: Arc<std::sync::atomic::AtomicBool>,
    pub api_token: Arc<str>,
    /// The operator API's bearer token (never the public `api_token`).
    pub operator_token: Arc<str>,
    /// The operator's visibility overrides.
    pub overrides: Arc<overrides::Overrides>,
    /// Becomes `true` (or closed) when the server shuts down; long-lived tasks (WebSockets)
    /// stop on it, see [`stopped`].
    pub shutdown: watch::Receiver<bool>,
}

/// Why an agent could not sign in.
#[derive(Debug)]
pub enum SignInError {
    Agent(AgentError),
    Backend(BackendError),
}

impl fmt::Display for SignInError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignInError::Agent(e) => e.fmt(f),
            SignInError::Backend(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SignInError {}

impl App {
    /// Signs an agent in: registry first (so nicknames stay unique), then the XMPP side.
    pub async fn sign_in_agent(&self, s: SignIn) -> Result<Agent, SignInError> {
        if !agents::valid_nickname(&s.nickname) {
            return Err(SignInError::Agent(AgentError::InvalidNickname));
        }
        let jid = self.backend.agent_jid(&s.nickname);
        let agent = self.hub.sign_in(s, jid).map_err(SignInError::Agent)?;
        if let Err(e) = self.backend.agent_online(&agent.info).await {
            // Chats must not be routed to an agent the XMPP side cannot reach.
            let _ = self.hub.sign_out(agent.id);
            return Err(SignInError::Backend(e));
        }
        // Visitors whose chats waited for this agent see it available again.
        self.desk.set_agent_presence(&agent.info.nickname, true);
        Ok(agent)
    }

    /// Signs an agent out of the registry and the XMPP side.
    pub async fn sign_out_agent(&self, id: u64) -> Result<Agent, AgentError> {
        let agent = self.hub.sign_out(id)?;
        self.desk.set_agent_presence(&agent.info.nickname, false);
        if let Err(e) = self.backend.agent_offline(&agent.info).await {
            eprintln!(
                "devserver: agent {} went offline uncleanly: {e}",
                agent.info.jid
            );
        }
        Ok(agent)
    }
}

/// Why the server did not start.
#[derive(Debug)]
pub enum StartError {
    Bind(SocketAddr, std::io::Error),
    /// An external backend without `--xmpp-ws-url`.
    MissingWsUrl(BackendChoice),
    Bot(SignInError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Bind(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
            StartError::MissingWsUrl(b) => write!(
                f,
                "the {} backend needs --xmpp-ws-url (the server's XMPP-over-WebSocket URL)",
                b.as_str()
            ),
            StartError::Bot(e) => write!(f, "cannot sign in the bot: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// The entry point.
pub struct Server;

/// A running server. [`ServerHandle::shutdown`] stops it and waits; dropping the handle also
/// starts a graceful shutdown (so a failing test does not leave a server behind).
pub struct ServerHandle {
    addr: SocketAddr,
    app: App,
    stop: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
}

/// The auto-agent's nickname.
pub const BOT_NICKNAME: &str = "bot";

impl Server {
    /// Binds, builds the routes and serves in a background task.
    pub async fn start(config: Config) -> Result<ServerHandle, StartError> {
        let agent_domain = config.agent_domain();
        let placeholder = AgentInfo {
            firstname: "James".to_owned(),
            nickname: "agent1".to_owned(),
            jid: format!("agent1@{agent_domain}"),
        };
        let hub = Hub::new(config.campaigns.clone(), placeholder);
        let desk = Desk::new(hub.clone());
        let (stop, shutdown) = watch::channel(false);
        let xmpp_ws_url = Arc::new(std::sync::OnceLock::new());
        let (backend, embedded): (Arc<dyn XmppBackend>, _) = match config.backend {
            BackendChoice::Embedded => {
                let memory = Arc::new(MemoryBackend::with_agent_domain(
                    &config.domain,
                    &agent_domain,
                ));
                let router = xmpp::Router::new(&config.domain, &agent_domain, desk.clone());
                desk.set_outlet(Arc::new(router.clone()));
                let stream_config = xmpp::StreamConfig {
                    hosts: vec![config.domain.clone(), agent_domain.clone()],
                    ping_interval: config.ping_interval,
                    ping_timeout: config.ping_timeout,
                    resume_timeout: config.resume_timeout,
                    ..xmpp::StreamConfig::new(&config.domain)
                };
                let embedded = Arc::new(xmpp::Embedded {
                    router,
                    accounts: memory.clone(),
                    config: Arc::new(stream_config),
                    bosh: xmpp::http_bind::Registry::default(),
                    bosh_limits: xmpp::bosh::Limits {
                        inactivity: config.bosh_inactivity,
                    },
                });
                (memory as Arc<dyn XmppBackend>, Some(embedded))
            }
            other => {
                let url = config
                    .xmpp_ws_url
                    .clone()
                    .ok_or(StartError::MissingWsUrl(other))?;
                let _ = xmpp_ws_url.set(url.clone());
                let ext = external::ExternalBackend::new(
                    other,
                    &url,
                    &config.domain,
                    &agent_domain,
                    desk.clone(),
                    shutdown.clone(),
                );
                desk.set_outlet(ext.outlet());
                (Arc::new(ext) as Arc<dyn XmppBackend>, None)
            }
        };
        let app = App {
            hub,
            backend,
            desk,
            embedded,
            xmpp_ws_url,
            xmpp_bosh_url: Arc::new(std::sync::OnceLock::new()),
            bosh_upstream: config.xmpp_bosh_url.as_deref().map(Arc::from),
            refuse_websocket: Arc::new(std::sync::atomic::AtomicBool::new(config.refuse_websocket)),
            api_token: Arc::from(config.api_token.as_str()),
            operator_token: Arc::from(config.operator_token.as_str()),
            overrides: Arc::new(overrides::Overrides::new()),
            shutdown,
        };
        if config.bot {
            // The bot answers every campaign and every department, so demos and tests with
            // departments have someone to talk to.
            let mut departments: Vec<String> = config
                .campaigns
                .iter()
                .flat_map(|c| c.webchat.config.departments.iter().map(|d| d.id.clone()))
                .collect();
            departments.sort();
            departments.dedup();
            app.sign_in_agent(SignIn {
                departments,
                ..SignIn::new(BOT_NICKNAME, "Webchat Bot", AgentKind::Bot)
            })
            .await
            .map_err(StartError::Bot)?;
        }
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| StartError::Bind(config.listen, e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartError::Bind(config.listen, e))?;
        let _ = app
            .xmpp_ws_url
            .set(format!("ws://{addr}{}", xmpp::endpoint::PATH));
        if app.embedded.is_some() || app.bosh_upstream.is_some() {
            let _ = app
                .xmpp_bosh_url
                .set(format!("http://{addr}{}", xmpp::http_bind::PATH));
        }
        if config.bot {
            bot::install(&app.desk);
        }
        let router = router(app.clone(), &config);
        // Chat frames are small writes answered by small writes: without TCP_NODELAY, Nagle
        // plus the peer's delayed ACK holds a second frame back for ~40 ms.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                eprintln!("devserver: cannot set TCP_NODELAY: {e}");
            }
        });
        let task = tokio::spawn(
            axum::serve(listener, router)
                .with_graceful_shutdown(stopped(app.shutdown.clone()))
                .into_future(),
        );
        Ok(ServerHandle {
            addr,
            app,
            stop,
            task,
        })
    }
}

impl ServerHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Public API base URL, with a trailing slash as in the seed.
    pub fn api_url(&self) -> String {
        format!("http://{}{}/", self.addr, public_api::BASE_PATH)
    }

    /// The shared state, for tests and the XMPP side to drive sessions.
    pub fn hub(&self) -> &Hub {
        &self.app.hub
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// The agent side of every chat.
    pub fn desk(&self) -> &Desk {
        &self.app.desk
    }

    /// Where visitors connect: the embedded endpoint, or the external server's URL.
    pub fn xmpp_ws_url(&self) -> String {
        self.app.xmpp_ws_url.get().cloned().unwrap_or_default()
    }

    /// Where visitors connect over BOSH (`/http-bind` here), when there is a BOSH side.
    pub fn xmpp_bosh_url(&self) -> Option<String> {
        self.app.xmpp_bosh_url.get().cloned()
    }

    /// Stops accepting, closes WebSockets and waits for open requests to finish.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        self.task.await.map_err(std::io::Error::other)?
    }

    /// Serves until the task ends (the binary uses this with Ctrl-C handling around it).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// Resolves once the server is stopping: `true` was sent, or the handle was dropped.
pub async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// The whole HTTP surface.
fn router(app: App, config: &Config) -> Router {
    let mut router = Router::new()
        .nest(public_api::BASE_PATH, public_api::router(app.clone()))
        .nest(operator_api::BASE_PATH, operator_api::router(app.clone()))
        .merge(console::router())
        .route(
            xmpp::endpoint::PATH,
            axum::routing::get(xmpp::endpoint::upgrade),
        )
        .route(
            xmpp::http_bind::PATH,
            axum::routing::post(xmpp::http_bind::post),
        );
    if config.test_control {
        router = router.merge(control::router());
    }
    if config.demo_identity_signer {
        router = router.merge(demo::router());
    }
    router
        .fallback_service(ServeDir::new(&config.static_dir))
        .layer(cors())
        .layer(middleware::from_fn_with_state(app.clone(), log_requests))
        .with_state(app)
}

/// Any origin may call the API: the widget runs on customers' pages. No cookies are used, so
/// `*` is safe. `If-None-Match` and `ETag` are for the widget's visibility read. The operator
/// API's `PUT`/`DELETE` and `Authorization` are not allowed: it is for servers, not browsers.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::OPTIONS])
        .allow_headers([
            HeaderName::from_static(public_api::TOKEN_HEADER),
            HeaderName::from_static(identity::CHAT_SECRET_HEADER),
            HeaderName::from_static(identity::USER_SIGNATURE_HEADER),
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([header::ETAG])
        .max_age(Duration::from_secs(600))
}

/// Records every request except the control surface's own.
async fn log_requests(State(app): State<App>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let has_token = public_api::has_token(req.headers());
    let response = next.run(req).await;
    if !path.starts_with(control::PREFIX) {
        app.hub.log_request(
            &method,
            &path,
            query.as_deref(),
            response.status().as_u16(),
            origin.as_deref(),
            has_token,
        );
    }
    response
}
