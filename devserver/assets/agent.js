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

  // One box per chat, kept across updates so a half-typed reply survives new events.
  const boxes = new Map();

  function chatBox(id) {
    let b = boxes.get(id);
    if (b) return b;
    b = { root: el("div", "chat"), head: el("div"), live: el("div", "live"), log: el("div", "log"),
          survey: el("div"), actions: el("div", "actions"), typingTimer: null, typing: false };
    const reply = el("form", "reply");
    const input = el("input");
    input.placeholder = "Reply…";
    input.setAttribute("aria-label", "Reply");
    const sendBtn = el("button", null, "Send");
    sendBtn.type = "submit";
    reply.append(input, sendBtn);
    const setTyping = (state) => send({ type: "typing", chatsession_id: id, state: state });
    input.addEventListener("input", () => {
      if (!b.typing) { b.typing = true; setTyping("composing"); }
      clearTimeout(b.typingTimer);
      b.typingTimer = setTimeout(() => { b.typing = false; setTyping("paused"); }, 3000);
    });
    reply.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = input.value;
      if (!text.trim()) return;
      clearTimeout(b.typingTimer);
      b.typing = false;
      send({ type: "reply", chatsession_id: id, body: text });
      input.value = "";
    });
    const button = (label, cmd) => {
      const x = el("button", null, label);
      x.type = "button";
      x.addEventListener("click", () => send(Object.assign({ chatsession_id: id }, cmd)));
      return x;
    };
    const to = el("input");
    to.placeholder = "agent nickname";
    to.setAttribute("aria-label", "Transfer to");
    const transfer = el("button", null, "Transfer");
    transfer.type = "button";
    transfer.addEventListener("click", () => {
      if (to.value.trim()) send({ type: "transfer", chatsession_id: id, to: to.value.trim() });
    });
    b.actions.append(reply, button("Close chat", { type: "close" }), button("Block", { type: "block" }),
      button("Request co-browsing", { type: "cobrowse" }), " ", to, transfer);
    b.root.append(b.head, b.live, b.log, b.survey, b.actions);
    boxes.set(id, b);
    return b;
  }

  function liveText(live) {
    const parts = [live.visitor_online ? "visitor online" : "visitor offline"];
    if (live.visitor_state === "composing") parts.push("visitor is typing…");
    else if (live.visitor_state === "paused") parts.push("visitor stopped typing");
    if (live.cobrowsing) parts.push("co-browsing " + live.cobrowsing);
    if (live.agent_away) parts.push("you are away for this visitor");
    return parts.join(" · ");
  }

  function showChats(chats) {
    const list = $("chat-list");
    $("no-chats").hidden = chats.length > 0;
    const keep = new Set();
    for (const c of chats) {
      keep.add(c.id);
      const b = chatBox(c.id);
      b.head.replaceChildren(el("span", "status " + c.status, c.status), " ",
        el("strong", null, c.visitor_identifier || "(anonymous visitor)"));
      if (c.request_url) b.head.append(" on ", el("code", null, c.request_url));
      if (c.user) {
        const user = el("div", "user", "User: " + [c.user.firstname, c.user.lastname].join(" ").trim() +
          " <" + c.user.email + ">" + (c.user.labels && c.user.labels.length ? " [" + c.user.labels.join(", ") + "]" : "") +
          (c.user.id != null ? " · id " + c.user.id : "") +
          (c.user.assigned_user ? " · assigned to " + c.user.assigned_user : "") + " ");
        // Only a signature from the site's server proves who this is; anyone can type an email.
        user.append(c.user.verified
          ? el("span", "identity verified", "verified")
          : el("span", "identity unverified", "unverified: the site did not sign this user"));
        b.head.append(user);
      }
      b.live.textContent = c.live ? liveText(c.live) : "";
      b.log.replaceChildren(...c.transcript.map((m) =>
        el("div", "msg " + m.from, (m.from === "agent" ? (m.nick || "agent") : "visitor") + ": " + m.body)));
      b.survey.textContent = c.survey ? "Survey: " + c.survey.result + (c.survey.message ? " — " + c.survey.message : "") : "";
      b.actions.hidden = c.status === "closed";
      list.append(b.root);
    }
    for (const [id, b] of boxes) {
      if (!keep.has(id)) { b.root.remove(); boxes.delete(id); }
    }
  }

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/agent/ws";
    ws = new WebSocket(url);
    ws.onopen = () => {
      $("connection").textContent = "connected";
      // `/agent?nickname=NAME[&firstname=F]` signs in at once (demos, scripted checks).
      const q = new URLSearchParams(location.search);
      if (q.get("nickname")) {
        send({ type: "sign_in", nickname: q.get("nickname"), firstname: q.get("firstname") || "", max_slots: null });
      }
    };
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
        case "hello":
          $("connection").textContent = "connected to " + ev.domain + (ev.xmpp_ws_url ? " (" + ev.xmpp_ws_url + ")" : "");
          break;
        case "signed_in": $("error").textContent = ""; showAgent(ev.agent); break;
        case "agent": showAgent(ev.agent); break;
        case "signed_out":
          $("sign-in").hidden = false; $("me").hidden = true; $("chats").hidden = true;
          for (const b of boxes.values()) b.root.remove();
          boxes.clear();
          break;
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
