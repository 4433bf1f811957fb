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
    $("offline").hidden = false;
    $("outbox").hidden = false;
    $("visibility").hidden = $("vis-campaign").options.length === 0;
    if (!$("visibility").hidden) send({ type: "list_visibility", campaign_id: $("vis-campaign").value });
    const login = agent.email ? ", login " + agent.email : "";
    const departments = agent.departments && agent.departments.length
      ? " · departments: " + agent.departments.map(departmentName).join(", ") : "";
    $("who").textContent = agent.info.firstname + " (" + agent.info.nickname + ", " + agent.info.jid + login + ")" + departments;
    $("available").checked = agent.available;
  }

  // Departments of every campaign, from `hello`: id -> name (the first campaign's name wins).
  const departmentNames = new Map();

  function departmentName(id) {
    return departmentNames.get(id) || id;
  }

  function showDepartments(campaigns) {
    const list = $("department-list");
    list.replaceChildren();
    departmentNames.clear();
    for (const c of campaigns) {
      for (const d of c.departments || []) {
        if (departmentNames.has(d.id)) continue;
        departmentNames.set(d.id, d.name || d.id);
        const box = el("input");
        box.type = "checkbox";
        box.name = "department";
        box.value = d.id;
        box.checked = true;
        const label = el("label");
        label.append(box, " " + (d.name || d.id) + " (" + c.name + ")");
        list.append(label);
      }
    }
    $("departments").hidden = departmentNames.size === 0;
  }

  // How a chat started: the department it was routed to, the pre-chat form, the greeting.
  function startLines(c) {
    const lines = [];
    if (c.department) {
      const d = el("div", "start");
      d.append("Department ", el("span", "tag", c.department_name || c.department));
      lines.push(d);
    }
    if (c.prechat) {
      const p = c.prechat;
      const parts = [p.name, p.email].filter(Boolean);
      if (p.message) parts.push("“" + p.message + "”");
      lines.push(el("div", "start prechat", "Pre-chat form (unverified): " + parts.join(" · ")));
    }
    if (c.greeting) {
      const g = c.greeting;
      const text = g.message ? "“" + g.message + "”" + (g.agent_name ? " from " + g.agent_name : "") : "(no longer configured)";
      lines.push(el("div", "start greeting", "Opened from greeting " + g.trigger + ": " + text));
    }
    return lines;
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
      b.head.append(...startLines(c));
      if (c.user) {
        const user = el("div", "user", "User: " + [c.user.firstname, c.user.lastname].join(" ").trim() +
          (c.user.email ? " <" + c.user.email + ">" : "") + (c.user.labels && c.user.labels.length ? " [" + c.user.labels.join(", ") + "]" : "") +
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

  function when(ms) {
    return new Date(ms).toLocaleString();
  }

  function showOffline(messages) {
    $("no-offline").hidden = messages.length > 0;
    $("offline-list").replaceChildren(...messages.map((m) => {
      const item = el("div", "inbox-item offline-message");
      const head = el("div", null, when(m.created_ms) + " · " + m.name + " <" + m.email + ">");
      if (m.department) head.append(" ", el("span", "tag", departmentName(m.department)));
      const where = [m.campaign_id, m.request_url, m.tracker_id ? "visitor " + m.tracker_id : ""].filter(Boolean);
      item.append(head, el("div", "live", where.join(" · ")), el("div", "msg", m.message));
      return item;
    }));
  }

  function showOutbox(mails) {
    $("no-mails").hidden = mails.length > 0;
    $("mail-list").replaceChildren(...mails.map((m) => {
      const item = el("div", "inbox-item mail");
      item.append(el("div", null, when(m.created_ms) + " · to " + m.to + " · " + m.subject),
        el("pre", "mail-body", m.body));
      return item;
    }));
  }

  // Visibility overrides: the campaigns whose widgets read them come with `hello`.
  function showCampaigns(campaigns) {
    const select = $("vis-campaign");
    select.replaceChildren(...campaigns.filter((c) => c.visibility_overrides)
      .map((c) => { const o = el("option", null, c.name); o.value = c.id; return o; }));
  }

  function describeOverride(o) {
    const who = o.scope === "campaign" ? "everyone" : o.scope + " " + o.key;
    const until = o.until ? " until " + new Date(o.until).toLocaleTimeString() : "";
    return who + ": " + o.visibility + until;
  }

  function showOverrides(ev) {
    if (ev.campaign_id !== $("vis-campaign").value) return;
    $("vis-none").hidden = ev.overrides.length > 0;
    $("vis-list").replaceChildren(...ev.overrides.map((o) => {
      const li = el("li", null, describeOverride(o));
      const back = el("button", null, "Automatic");
      back.type = "button";
      back.addEventListener("click", () => {
        const change = { visibility: "auto" };
        if (o.scope === "visitor") change.visitor = o.key;
        if (o.scope === "user") {
          // The listing gives the widget's key: user:id:… or user:email:….
          const [, kind, ...rest] = o.key.split(":");
          change.user = kind === "id" ? { id: rest.join(":") } : { email: rest.join(":") };
        }
        send({ type: "set_visibility", campaign_id: ev.campaign_id, change: change });
      });
      li.append(back);
      return li;
    }));
  }

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/agent/ws";
    ws = new WebSocket(url);
    ws.onopen = () => {
      $("connection").textContent = "connected";
    };
    // `/agent?nickname=NAME[&firstname=F][&email=E][&departments=a,b]` signs in at once (demos,
    // scripted checks), once `hello` has said which departments there are (default: all).
    const autoSignIn = () => {
      const q = new URLSearchParams(location.search);
      if (!q.get("nickname")) return;
      const departments = q.has("departments")
        ? q.get("departments").split(",").filter(Boolean) : [...departmentNames.keys()];
      send({ type: "sign_in", nickname: q.get("nickname"), firstname: q.get("firstname") || "",
             email: q.get("email") || null, departments: departments, max_slots: null });
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
          showCampaigns(ev.campaigns || []);
          showDepartments(ev.campaigns || []);
          autoSignIn();
          $("connection").textContent = "connected to " + ev.domain + (ev.xmpp_ws_url ? " (" + ev.xmpp_ws_url + ")" : "");
          break;
        case "signed_in": $("error").textContent = ""; showAgent(ev.agent); break;
        case "agent": showAgent(ev.agent); break;
        case "signed_out":
          $("sign-in").hidden = false; $("me").hidden = true; $("chats").hidden = true;
          $("visibility").hidden = true;
          $("offline").hidden = true;
          $("outbox").hidden = true;
          for (const b of boxes.values()) b.root.remove();
          boxes.clear();
          break;
        case "chats": showChats(ev.chats); break;
        case "offline_messages": showOffline(ev.messages); break;
        case "outbox": showOutbox(ev.mails); break;
        case "visibility": showOverrides(ev); break;
        case "error": $("error").textContent = ev.message; break;
      }
    };
  }

  $("sign-in").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const slots = f.get("max_slots");
    send({ type: "sign_in", nickname: f.get("nickname"), firstname: f.get("firstname"),
           email: String(f.get("email") || "").trim() || null, departments: f.getAll("department"),
           max_slots: slots ? Number(slots) : null });
  });
  $("available").addEventListener("change", (e) => send({ type: "set_available", available: e.target.checked }));
  $("sign-out").addEventListener("click", () => send({ type: "sign_out" }));
  $("vis-scope").addEventListener("change", (e) => {
    $("vis-who").disabled = e.target.value === "campaign";
  });
  $("vis-campaign").addEventListener("change", (e) =>
    send({ type: "list_visibility", campaign_id: e.target.value }));
  $("vis-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const who = String(f.get("who") || "").trim();
    const change = { visibility: e.submitter ? e.submitter.value : "hidden" };
    const scope = f.get("scope");
    if (scope !== "campaign" && !who) { $("error").textContent = "say which visitor or user"; return; }
    if (scope === "visitor") change.visitor = who;
    if (scope === "email") change.user = { email: who };
    if (scope === "id") change.user = { id: who };
    const minutes = Number(f.get("minutes"));
    if (change.visibility !== "auto" && minutes > 0) change.seconds = Math.round(minutes * 60);
    $("error").textContent = "";
    send({ type: "set_visibility", campaign_id: f.get("campaign"), change: change });
  });
  connect();
})();
