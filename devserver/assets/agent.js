// webchat agent console: talks to devserver over /agent/ws (JSON messages tagged by "type").
// Every piece of chat text is inserted with textContent: visitor text is never HTML.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let ws;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function send(cmd) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(cmd));
  }

  function showAgent(agent) {
    $("sign-in").hidden = true;
    $("me").hidden = false;
    $("chats").hidden = false;
    $("who").textContent = agent.info.firstname + " (" + agent.info.nickname + ", " + agent.info.jid + ")";
    $("available").checked = agent.available;
  }

  function showChats(chats) {
    const list = $("chat-list");
    list.replaceChildren();
    $("no-chats").hidden = chats.length > 0;
    for (const c of chats) {
      const box = el("div", "chat");
      box.append(el("span", "status " + c.status, c.status), " ",
        el("strong", null, c.visitor_identifier || "(anonymous visitor)"));
      if (c.request_url) box.append(" on ", el("code", null, c.request_url));
      if (c.user) {
        box.append(el("div", null, "User: " + [c.user.firstname, c.user.lastname].join(" ").trim() +
          " <" + c.user.email + ">" + (c.user.labels && c.user.labels.length ? " [" + c.user.labels.join(", ") + "]" : "")));
      }
      for (const m of c.transcript) {
        box.append(el("div", "msg " + m.from, (m.from === "agent" ? (m.nick || "agent") : "visitor") + ": " + m.body));
      }
      if (c.survey) {
        box.append(el("div", null, "Survey: " + c.survey.result + (c.survey.message ? " — " + c.survey.message : "")));
      }
      list.append(box);
    }
  }

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/agent/ws";
    ws = new WebSocket(url);
    ws.onopen = () => { $("connection").textContent = "connected"; };
    ws.onclose = () => {
      $("connection").textContent = "disconnected, retrying…";
      $("sign-in").hidden = false;
      $("me").hidden = true;
      setTimeout(connect, 2000);
    };
    ws.onmessage = (e) => {
      let ev;
      try { ev = JSON.parse(e.data); } catch (_) { return; }
      switch (ev.type) {
        case "hello": $("connection").textContent = "connected to " + ev.domain; break;
        case "signed_in": $("error").textContent = ""; showAgent(ev.agent); break;
        case "agent": showAgent(ev.agent); break;
        case "signed_out":
          $("sign-in").hidden = false; $("me").hidden = true; $("chats").hidden = true; break;
        case "chats": showChats(ev.chats); break;
        case "error": $("error").textContent = ev.message; break;
      }
    };
  }

  $("sign-in").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const slots = f.get("max_slots");
    send({ type: "sign_in", nickname: f.get("nickname"), firstname: f.get("firstname"),
           max_slots: slots ? Number(slots) : null });
  });
  $("available").addEventListener("change", (e) => send({ type: "set_available", available: e.target.checked }));
  $("sign-out").addEventListener("click", () => send({ type: "sign_out" }));
  connect();
})();
