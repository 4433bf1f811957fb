//! A private Prosody 0.12 instance for tests: its config, a small server-ping module, and the
//! command line that runs it in the foreground (`prosody --config FILE -F`).
//!
//! Prosody 0.12 has no server→client ping, so `mod_webchat_ping` (written next to the config)
//! pings every idle client the way ejabberd's `mod_ping` does and closes the session when the
//! ping is not answered in time. It does not start or wait for the process; the servers module does.

use std::path::Path;
use std::process::Command;

use super::{AGENT_DOMAIN, VISITOR_DOMAIN};
use crate::error::Error;

/// Seconds of client silence before the server pings, and seconds it waits for the answer.
/// Same numbers as ejabberd's `ping_interval` and `ping_ack_timeout` in this setup.
const PING_INTERVAL: u32 = 10;
const PING_TIMEOUT: u32 = 10;

/// Write config, plugin and data dirs into `dir`; return the command that runs Prosody.
pub fn command(dir: &Path, http_port: u16, c2s_port: u16) -> Result<Command, Error> {
    let plugins = dir.join("plugins");
    let data = dir.join("data");
    let certs = dir.join("certs");
    for d in [&plugins, &data, &certs] {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
    }
    let module = plugins.join("mod_webchat_ping.lua");
    std::fs::write(&module, PING_MODULE).map_err(|e| Error::io(&module, e))?;
    let config = dir.join("prosody.cfg.lua");
    std::fs::write(&config, config_lua(dir, http_port, c2s_port))
        .map_err(|e| Error::io(&config, e))?;

    let mut cmd = Command::new("prosody");
    cmd.arg("--config").arg(&config).arg("-F");
    Ok(cmd)
}

/// A Lua string literal for a path (Lua long brackets: no escaping needed for normal paths).
fn lua_path(p: &Path) -> String {
    format!("[[{}]]", p.display())
}

fn config_lua(dir: &Path, http_port: u16, c2s_port: u16) -> String {
    format!(
        r#"-- Written by `cargo xtask` for webchat's interop tests. Private: 127.0.0.1 only.
pidfile = {pid}
data_path = {data}
certificates = {certs}
plugin_paths = {{ {plugins} }}
log = {{ {{ levels = {{ min = "info" }}, to = "file", filename = {log} }} }}
-- xtask runs Prosody as whoever runs xtask (root in CI); it must not switch users or fork.
run_as_root = true
daemonize = false

interfaces = {{ "127.0.0.1" }}
local_interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {c2s_port} }}
c2s_interfaces = {{ "127.0.0.1" }}
c2s_direct_tls_ports = {{ }}
legacy_ssl_ports = {{ }}
s2s_ports = {{ }}
http_ports = {{ {http_port} }}
http_interfaces = {{ "127.0.0.1" }}
https_ports = {{ }}

modules_enabled = {{
  "roster"; "saslauth"; "disco"; "ping"; "register"; "mam"; "smacks"; "websocket"; "bosh";
  "carbons"; "webchat_ping";
}}
modules_disabled = {{ "s2s"; "tls" }}

-- PLAIN and SCRAM over plain ws:// on loopback.
c2s_require_encryption = false
s2s_require_encryption = false
allow_unencrypted_plain_auth = true
consider_websocket_secure = true
consider_bosh_secure = true
-- BOSH at /http-bind: mod_bosh turns CORS on for its path (mod_http's defaults: any origin,
-- `Content-Type` allowed); POST is a CORS-safelisted method, so no method list is needed.
authentication = "internal_hashed"
storage = "internal"

-- Open in-band registration, unthrottled: tests create fresh accounts every run.
allow_registration = true
min_seconds_between_registrations = 0
registration_allowlist = {{ "127.0.0.1" }}

-- Archive every message (MAM), like ejabberd's `default: always`.
default_archive_policy = true
archive_expires_after = "1d"

webchat_ping_interval = {PING_INTERVAL}
webchat_ping_timeout = {PING_TIMEOUT}

VirtualHost "{VISITOR_DOMAIN}"
VirtualHost "{AGENT_DOMAIN}"
"#,
        pid = lua_path(&dir.join("prosody.pid")),
        data = lua_path(&dir.join("data")),
        certs = lua_path(&dir.join("certs")),
        plugins = lua_path(&dir.join("plugins")),
        log = lua_path(&dir.join("server.log")),
    )
}

/// Server→client pings for Prosody 0.12 (XEP-0199), like ejabberd's `mod_ping` with
/// `send_pings: true, timeout_action: kill`: any stanza from the client counts as life; after
/// `webchat_ping_interval` seconds of silence the server sends a ping, and if nothing arrives
/// within `webchat_ping_timeout` seconds it closes the session.
const PING_MODULE: &str = r#"-- mod_webchat_ping: written by `cargo xtask` (webchat tests). Server pings idle clients.
local st = require "util.stanza";
local new_id = require "util.id".short;
local filters = require "util.filters";
local now = require "util.time".now;

local interval = module:get_option_number("webchat_ping_interval", 10);
local timeout = module:get_option_number("webchat_ping_timeout", 10);

-- Every element from the client (stanzas, SM acks, the ping result) proves it is alive.
local function seen(stanza, session)
	session.webchat_last_seen = now();
	session.webchat_ping_sent = nil;
	return stanza;
end

module:hook("resource-bind", function (event)
	local session = event.session;
	session.webchat_last_seen = now();
	filters.add_filter(session, "stanzas/in", seen);
	module:add_timer(interval, function ()
		if session.destroyed or session.type ~= "c2s" then return; end -- gone: stop the timer
		if session.hibernating then return interval; end -- smacks: nobody to ping right now
		local t = now();
		if session.webchat_ping_sent then
			local waited = t - session.webchat_ping_sent;
			if waited >= timeout then
				module:log("info", "No answer to ping from %s for %ds, closing", session.full_jid, timeout);
				session:close({ condition = "connection-timeout", text = "No answer to ping" });
				return;
			end
			return timeout - waited;
		end
		local idle = t - session.webchat_last_seen;
		if idle < interval then return interval - idle; end
		session.send(st.iq({ type = "get", from = session.host, to = session.full_jid, id = "ping-"..new_id() })
			:tag("ping", { xmlns = "urn:xmpp:ping" }));
		session.webchat_ping_sent = t;
		return timeout;
	end);
end);
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_has_both_hosts_ports_and_test_friendly_options() {
        let lua = config_lua(Path::new("/tmp/x"), 25280, 25222);
        assert!(lua.contains("VirtualHost \"webchat.test\""));
        assert!(lua.contains("VirtualHost \"internal.webchat.test\""));
        assert!(lua.contains("http_ports = { 25280 }") && lua.contains("c2s_ports = { 25222 }"));
        for option in [
            "c2s_require_encryption = false",
            "allow_unencrypted_plain_auth = true",
            "consider_websocket_secure = true",
            "consider_bosh_secure = true",
            "allow_registration = true",
            "min_seconds_between_registrations = 0",
        ] {
            assert!(lua.contains(option), "{option} missing");
        }
        for module in [
            "\"websocket\"",
            "\"bosh\"",
            "\"smacks\"",
            "\"mam\"",
            "\"register\"",
            "\"webchat_ping\"",
        ] {
            assert!(lua.contains(module), "{module} not enabled");
        }
        assert!(lua.contains("data_path = [[/tmp/x/data]]"));
    }
}
