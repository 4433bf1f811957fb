//! The `devserver` binary: parses the command line, starts the server, prints its URLs and
//! serves until Ctrl-C or SIGTERM,
//! then shuts down gracefully. Everything else lives in the library (see `lib.rs`).

use std::process::ExitCode;

use devserver::config::{CliError, Config};
use devserver::Server;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(CliError::Help) => {
            println!("{}", devserver::config::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("devserver: {e}");
            return ExitCode::from(2);
        }
    };
    let test_control = config.test_control;
    let static_dir = config.static_dir.clone();
    let handle = match Server::start(config).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("devserver: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("devserver listening on {}", handle.base_url());
    println!("  Public API     {}", handle.api_url());
    println!("  agent console  {}/agent", handle.base_url());
    println!("  XMPP (RFC 7395) {}", handle.xmpp_ws_url());
    if let Some(url) = handle.xmpp_bosh_url() {
        println!("  XMPP over BOSH  {url}");
    }
    println!(
        "  static files   {}/ (from {})",
        handle.base_url(),
        static_dir.display()
    );
    if test_control {
        println!("  test control   {}/_test/", handle.base_url());
    }
    stop_signal().await;
    if let Err(e) = handle.shutdown().await {
        eprintln!("devserver: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Ctrl-C, or SIGTERM (how xtask and CI stop servers) on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                return;
            }
            Err(e) => eprintln!("devserver: cannot watch SIGTERM: {e}"),
        }
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("devserver: cannot wait for Ctrl-C: {e}");
    }
}
