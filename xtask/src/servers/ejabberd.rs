//! A private ejabberd 23.01 node for tests: its config and the `erl` command line that runs it.
//!
//! Debian's `ejabberdctl` is not used: as root it re-executes itself as the `ejabberd` user, and
//! its stop path may run `epmd -kill`, which ends every Erlang node on the machine. Instead `erl`
//! runs ejabberd directly the way ejabberdctl's `foreground` does (same ERL_LIBS, `-mnesia dir`,
//! `-s ejabberd`), but *without* Erlang distribution: no node name, so no epmd is started, no
//! distribution port is opened, no cookie file is written, and nothing outlives the one `beam.smp`
//! process (plus its `erl_child_setup` helpers, which exit with it). Tests need no `ejabberdctl`:
//! accounts come from in-band registration.
//!
//! It does not start or wait for the process; the servers module does.

use std::path::Path;
use std::process::Command;

use super::{AGENT_DOMAIN, BOSH_PATH, VISITOR_DOMAIN, WS_PATH};
use crate::error::Error;

const EJABBERDCTL: &str = "/usr/sbin/ejabberdctl";
/// Where Debian's ejabberd package puts its Erlang applications, if ejabberdctl does not say.
const DEFAULT_ERL_LIBS: &str = "/usr/lib/x86_64-linux-gnu";

/// Write the config into `dir` and return the command that runs the node in the foreground.
pub fn command(dir: &Path, ws_port: u16, c2s_port: u16) -> Result<Command, Error> {
    let config = dir.join("ejabberd.yml");
    std::fs::write(&config, config_yaml(ws_port, c2s_port)).map_err(|e| Error::io(&config, e))?;
    let spool = dir.join("spool");
    std::fs::create_dir_all(&spool).map_err(|e| Error::io(&spool, e))?;

    let mut cmd = Command::new("erl");
    cmd.env("EJABBERD_CONFIG_PATH", &config)
        .env("EJABBERD_LOG_PATH", dir.join("server.log"))
        .env("ERL_LIBS", erl_libs())
        .env("ERL_CRASH_DUMP", dir.join("erl_crash.dump"))
        .env("ERL_CRASH_DUMP_BYTES", "0")
        .env("CONTRIB_MODULES_PATH", dir.join("contrib"))
        .env("CONTRIB_MODULES_CONF_DIR", dir.join("contrib-conf"))
        // Anything Erlang or ejabberd writes "at home" lands in the private dir.
        .env("HOME", dir)
        .env_remove("ERL_AFLAGS")
        .env_remove("ERL_FLAGS")
        .env_remove("ERL_ZFLAGS")
        .env_remove("EJABBERD_PID_PATH")
        // No -name/-sname: the node is not distributed, so no epmd. -start_epmd false makes
        // that explicit in case a flag from the environment ever asked for a name.
        .args([
            "-noinput",
            "-start_epmd",
            "false",
            "+K",
            "true",
            "-mnesia",
            "dir",
        ])
        .arg(format!("\"{}\"", spool.display()))
        .args(["-s", "ejabberd"]);
    Ok(cmd)
}

/// The `ERL_LIBS` Debian's ejabberdctl exports (where the ejabberd apps live).
fn erl_libs() -> String {
    std::fs::read_to_string(EJABBERDCTL)
        .ok()
        .and_then(|script| {
            script.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("ERL_LIBS=")
                    .map(|v| v.trim_matches(|c| c == '\'' || c == '"').to_owned())
            })
        })
        .unwrap_or_else(|| DEFAULT_ERL_LIBS.to_owned())
}

/// The private ejabberd.yml. Tests on loopback need what Debian's default config throttles:
/// no mod_fail2ban (bans 127.0.0.1 after failed logins), no mod_pres_counter, no c2s shaper,
/// unlimited in-band registration (`registration_timeout: infinity`).
fn config_yaml(ws_port: u16, c2s_port: u16) -> String {
    format!(
        r#"# Written by `cargo xtask` for webchat's interop tests. Private: 127.0.0.1 only.
hosts:
  - {VISITOR_DOMAIN}
  - {AGENT_DOMAIN}
loglevel: info
log_rotate_count: 0
hide_sensitive_log_data: false

listen:
  -
    port: {ws_port}
    ip: "127.0.0.1"
    module: ejabberd_http
    request_handlers:
      {WS_PATH}: ejabberd_http_ws
      {BOSH_PATH}: mod_bosh
  -
    port: {c2s_port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls: false
    max_stanza_size: 262144

# PLAIN and SCRAM over plain ws:// on loopback. Plain storage also enables SCRAM-SHA-256/512.
auth_method: internal
auth_password_format: plain
registration_timeout: infinity
s2s_access: none

acl:
  loopback:
    ip:
      - 127.0.0.0/8

access_rules:
  local:
    allow: all
  c2s:
    allow: all
  register:
    allow: all
  trusted_network:
    allow: loopback

shaper: {{}}
shaper_rules: {{}}

modules:
  # BOSH for clients behind proxies that break WebSockets. mod_bosh answers CORS preflights
  # and sends `Access-Control-Allow-Origin: *` itself.
  mod_bosh: {{}}
  mod_caps: {{}}
  mod_disco: {{}}
  mod_mam:
    db_type: mnesia
    default: always
  mod_ping:
    send_pings: true
    ping_interval: 10
    ping_ack_timeout: 10
    timeout_action: kill
  mod_register:
    access: register
    ip_access: trusted_network
  mod_roster:
    versioning: true
  mod_stream_mgmt: {{}}
  mod_version: {{}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_serves_both_domains_and_turns_off_throttles() {
        let yaml = config_yaml(15280, 15222);
        assert!(yaml.contains("  - webchat.test\n  - internal.webchat.test\n"));
        assert!(yaml.contains("port: 15280") && yaml.contains("/xmpp-websocket: ejabberd_http_ws"));
        assert!(yaml.contains("/http-bind: mod_bosh") && yaml.contains("  mod_bosh: {}"));
        assert!(yaml.contains("registration_timeout: infinity"));
        assert!(yaml.contains("send_pings: true") && yaml.contains("timeout_action: kill"));
        for banned in [
            "mod_fail2ban",
            "mod_pres_counter",
            "c2s_shaper",
            "shaper: normal",
        ] {
            assert!(!yaml.contains(banned), "{banned} must not be configured");
        }
    }
}
