// The demo page's own notes, outside the widget (`cargo xtask demo`; not part of what ships):
// - `?campaign=ID` starts the widget on another built-in campaign (the page's links use
//   `campaign-all-features`, every livechat feature on); it must run before the widget reads
//   `data-campaign`, so this file is a plain script right after `#webchat`.
// - While no agent can take a chat, the widget says "not available": the page says why and
//   links the agent console, re-checking the campaign every few seconds.
"use strict";
(function () {
  const host = document.getElementById("webchat");
  const note = document.getElementById("demo-agents");
  const query = new URLSearchParams(location.search);
  // The sample scenes run without a backend.
  if (!host || !note || query.has("scene")) return;
  const campaign = query.get("campaign");
  if (campaign && /^[A-Za-z0-9_-]{1,64}$/.test(campaign)) host.setAttribute("data-campaign", campaign);
  const url = host.getAttribute("data-api-url") + "campaigns/" + encodeURIComponent(host.getAttribute("data-campaign"));
  const headers = { "X-API-TOKEN": host.getAttribute("data-api-token") };

  const link = document.createElement("a");
  link.href = "/agent";
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = "agent console";
  note.replaceChildren("No agent is available, so the chat says it is not available. Sign in at the ",
    link, " (a new tab) to answer chats from this page.");

  async function check() {
    if (document.hidden) return;
    try {
      const reply = await fetch(url, { headers: headers, cache: "no-store" });
      if (!reply.ok) return;
      const c = await reply.json();
      note.hidden = c.availability === true;
    } catch (_) {
      // devserver stopped or restarting: keep what the page says until it answers again.
    }
  }
  check();
  setInterval(check, 4000);
  document.addEventListener("visibilitychange", check);
})();
