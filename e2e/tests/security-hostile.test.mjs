// Hostile input, end to end: the widget on a customer's page under the strict CSP, fed a corpus
// of XSS payloads and odd text from the agent's side, from the visitor's own composer and from
// the Public API (malformed JSON, wrong types, huge numbers, a 5 MB body, hostile texts in a
// campaign and in a user's history). Nothing may run — a `window.__pwned` tripwire, no dialog, no
// `securitypolicyviolation` — message text stays text, the widget stays usable, and each bad
// reply gets one clear line on the console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CAMPAIGNS, env, widget, assertNoProblems, signInAgent, control, waitFor, waitForVisitorOnline,
  screenshot, WIDGET_CLIP, signed, onlyOn, transcript, browserSuite, embedVars, strictPolicy,
} from '../lib/harness.mjs';
import { start } from '../pages/embed-server.mjs';

let apiBase;

const suite = browserSuite({
  serve: async () => {
    const vars = await embedVars();
    apiBase = vars.API;
    const policy = strictPolicy(vars);
    return start({
      pkg: env().pkg,
      vars,
      csp: (path) => (path.endsWith('.html') ? policy : null),
    });
  },
});

const TRIPWIRE = 'window.__pwned=1';

/// What agents (or anyone who can put text in a chat) might send.
const CORPUS = [
  `<script>${TRIPWIRE}</script>`,
  `<img src=x onerror="${TRIPWIRE}">`,
  `<svg onload="${TRIPWIRE}"><circle r="1"/></svg>`,
  `<svg><script>${TRIPWIRE}</script></svg>`,
  `<math><mtext><table><mglyph><style><img src=x onerror="${TRIPWIRE}">`,
  `<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>`,
  `<a href="javascript:${TRIPWIRE}">click me</a>`,
  `javascript:${TRIPWIRE}`,
  `[click](javascript:${TRIPWIRE})`,
  `data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+`,
  `https://example.com/"><img src=x onerror=${TRIPWIRE}>`,
  `{{constructor.constructor('${TRIPWIRE}')()}} \${${TRIPWIRE}}`,
  `&lt;script&gt;${TRIPWIRE}&lt;/script&gt; &amp;amp;`,
  `<style>*{display:none!important}</style>still visible`,
  'invoice\u202Egnp.exe and \u202Bمرحبا\u202C back',
  'zero\u200Bwidth\u200C\u200Djoin\uFEFFers\u2060',
  `${'A'.repeat(10 * 1024)}`,
];

/// The script-tag page (under the CSP), recording dialogs; returns the page handles.
async function hostilePage(query = {}) {
  const handles = await suite.newPage();
  handles.dialogs = [];
  handles.page.on('dialog', (d) => {
    handles.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await handles.context.addInitScript(() => {
    // Anything that runs an injected payload trips this.
    window.__pwned = undefined;
  });
  const u = new URL('/pages/embed-script.html', suite.server.origin);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  await handles.page.goto(u.toString());
  await handles.page.waitForFunction(() => window.__events.some((e) => ['ready', 'error'].includes(e.name)));
  return handles;
}

/// Nothing ran, nothing was blocked by the CSP (nothing tried), no dialog.
async function assertNothingRan({ page, dialogs }) {
  const { pwned, violations } = await page.evaluate(() => ({
    pwned: window.__pwned,
    violations: window.__violations,
  }));
  assert.equal(pwned, undefined, 'a payload ran');
  assert.deepEqual(violations, [], 'something tried to run against the CSP');
  assert.deepEqual(dialogs, [], 'a dialog opened');
}

/// The markup inside the message bubbles: only text, line breaks and safe links.
async function bubbleMarkup(page) {
  return page.locator('#webchat-widget').evaluate((host) => {
    const bubbles = [...host.shadowRoot.querySelectorAll('.wc-bubble')];
    const tags = new Set();
    const hrefs = [];
    for (const b of bubbles) {
      for (const el of b.querySelectorAll('*')) {
        tags.add(el.tagName.toLowerCase());
        if (el.tagName === 'A') hrefs.push(el.getAttribute('href'));
        for (const a of el.attributes) if (/^on/i.test(a.name)) tags.add(`[${a.name}]`);
      }
    }
    return { tags: [...tags], hrefs, dirs: bubbles.map((b) => b.getAttribute('dir')) };
  });
}

/// `console.error` / `console.warn` lines that come from the widget.
function widgetLines(consoleMessages) {
  return consoleMessages
    .filter((m) => (m.type === 'error' || m.type === 'warning') && m.text.startsWith('webchat:'))
    .map((m) => m.text);
}

async function chatStarted(page) {
  const w = widget(page);
  await page.evaluate(() => window.CV.chat.open());
  await w.composer.fill('hello');
  await w.composer.press('Enter');
  const sessionId = await waitFor(
    async () => (await page.evaluate(() => window.__events.find((e) => e.name === 'chat:started')))?.detail.sessionId,
    { message: 'chat:started' },
  );
  await waitForVisitorOnline(sessionId);
  return sessionId;
}

test('agent side: every hostile message is shown as its text, nothing runs, the chat goes on', async () => {
  await signInAgent({ firstname: 'Ana' });
  const handles = await hostilePage();
  const { page, problems } = handles;
  const sessionId = await chatStarted(page);
  const w = widget(page);
  for (const [i, payload] of CORPUS.entries()) {
    await control.agentAct(sessionId, { action: 'message', body: payload });
    await waitFor(async () => (await w.agentMessages.count()) === i + 1, { message: `agent message ${i + 1} shown` });
    const shown = await w.agentMessages.nth(i).locator('.wc-bubble').textContent();
    assert.equal(shown, payload, `message ${i} is shown exactly as its text`);
  }
  await assertNothingRan(handles);
  const markup = await bubbleMarkup(page);
  // Only links the widget built itself, to http(s) targets; no element from the payloads.
  assert.deepEqual(markup.tags.filter((t) => t !== 'a'), [], `elements in bubbles: ${markup.tags}`);
  for (const href of markup.hrefs) assert.match(href, /^(https?:|mailto:)/i);
  assert.ok(markup.dirs.every((d) => d === 'auto'), 'each bubble isolates its own direction');
  // The page heard the same texts, as text.
  const heard = await page.evaluate(() =>
    window.__events.filter((e) => e.name === 'message' && e.detail.direction === 'agent').map((e) => e.detail.text),
  );
  assert.deepEqual(heard, CORPUS);
  await screenshot(page, 'hostile-agent-messages', { clip: WIDGET_CLIP });

  // Still usable: the visitor writes, the agent receives it.
  await w.composer.fill('still working');
  await w.composer.press('Enter');
  await waitFor(async () => (await transcript(sessionId)).some((m) => m.body === 'still working'), {
    message: 'the visitor message reached the agent',
  });
  await assertNothingRan(handles);
  assertNoProblems(problems);
  await handles.context.close();
});

test("visitor side: the visitor's own hostile text stays text and reaches the agent verbatim", async () => {
  await signInAgent({ firstname: 'Ana' });
  const handles = await hostilePage();
  const { page, problems } = handles;
  const sessionId = await chatStarted(page);
  const w = widget(page);
  const sent = CORPUS.slice(0, 6).concat(CORPUS[14]);
  for (const payload of sent) {
    await w.composer.fill(payload);
    await w.composer.press('Enter');
  }
  await waitFor(async () => (await transcript(sessionId)).length === sent.length + 1, {
    message: 'every message recorded at the agent',
  });
  const bodies = (await transcript(sessionId)).map((m) => m.body);
  assert.deepEqual(bodies, ['hello', ...sent]);
  const shown = await w.visitorMessages.locator('.wc-bubble').allTextContents();
  assert.deepEqual(shown, ['hello', ...sent]);
  await assertNothingRan(handles);
  assertNoProblems(problems);
  await handles.context.close();
});

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'X-API-TOKEN, Content-Type, X-Chat-Secret, X-User-Signature',
  'Access-Control-Allow-Methods': 'GET, POST, PATCH, OPTIONS',
};

/// Answers the routed request with `body` (status 200, JSON), preflights included.
function reply(route, body) {
  if (route.request().method() === 'OPTIONS') return route.fulfill({ status: 204, headers: CORS });
  return route.fulfill({ status: 200, headers: { ...CORS, 'Content-Type': 'application/json' }, body });
}

/// Requests to the Public API whose path (after the API base) matches `re`.
function apiPath(re) {
  return (url) => url.href.startsWith(apiBase) && re.test(url.href.slice(apiBase.length));
}

/// A campaign reply replaced by `body` (a string) for one page; returns what the page did.
async function withCampaignReply(body) {
  const handles = await suite.newPage();
  handles.dialogs = [];
  handles.page.on('dialog', (d) => {
    handles.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await handles.page.route(apiPath(/^campaigns\//), (route) => reply(route, body));
  const u = new URL('/pages/embed-script.html', suite.server.origin);
  u.searchParams.set('open', '1');
  await handles.page.goto(u.toString());
  await handles.page.waitForFunction(() => window.__events.some((e) => ['ready', 'error'].includes(e.name)));
  return handles;
}

const GOOD_CAMPAIGN = {
  id: CAMPAIGNS.english, name: 'Support', active: true, color: '#0a6018', language: 'en',
  availability: true, available_agents: 1, available_slots: 1,
  cobrowsing: { active: false, cbr_text: null, cobrowsingButtonAcceptText: null, cobrowsingButtonDenyText: null },
  survey: { active: false, survey_question: null, survey_options: [], survey_comment_enable: false,
    survey_comment: null, survey_thanks_enable: false, survey_thanks: null },
};

test('API side: unusable campaign replies hide the widget with one clear console line each', async (t) => {
  if (onlyOn(t, 'embedded')) return; // replies are made up in the browser: the same everywhere
  const cases = [
    ['malformed JSON', '{"id": "x", "name": '],
    ['not JSON at all', '<html><body>502 Bad Gateway</body></html>'],
    ['wrong types', JSON.stringify({ ...GOOD_CAMPAIGN, active: 'yes', availability: 'maybe', survey: 'none' })],
    ['an array', '[1, 2, 3]'],
  ];
  for (const [name, body] of cases) {
    const handles = await withCampaignReply(body);
    const { page, problems, consoleMessages } = handles;
    await waitFor(() => page.evaluate(() => window.CV.chat.state() === 'unavailable'), { message: `${name}: unavailable` });
    const lines = widgetLines(consoleMessages);
    assert.equal(lines.length, 1, `${name}: one console line, got ${JSON.stringify(lines)}`);
    assert.match(lines[0], /webchat: hidden: .*(unreadable|JSON)/, name);
    const errors = await page.evaluate(() => window.__events.filter((e) => e.name === 'error').length);
    assert.equal(errors, 1, `${name}: one error event`);
    await assertNothingRan(handles);
    assertNoProblems(problems, [/webchat: hidden:/]);
    await handles.context.close();
  }
});

test('API side: odd but readable campaigns give a clear state; hostile texts stay text', async (t) => {
  if (onlyOn(t, 'embedded')) return;
  const hostile = `<img src=x onerror="${TRIPWIRE}">`;
  const cases = [
    ['huge numbers', { ...GOOD_CAMPAIGN, available_agents: 1e300, available_slots: 123456789012345678901234567890 }],
    ['a 5 MB name', { ...GOOD_CAMPAIGN, name: 'N'.repeat(5 * 1024 * 1024) }],
    ['hostile texts', {
      ...GOOD_CAMPAIGN, name: hostile, color: `red;background:url("javascript:${TRIPWIRE}")`,
      language: `"><script>${TRIPWIRE}</script>`,
      survey: { ...GOOD_CAMPAIGN.survey, active: true, survey_question: hostile,
        survey_options: [{ value: 'good', label: hostile }], survey_thanks_enable: true, survey_thanks: hostile },
      cobrowsing: { active: true, cbr_text: hostile, cobrowsingButtonAcceptText: hostile, cobrowsingButtonDenyText: hostile },
    }],
  ];
  for (const [name, campaign] of cases) {
    const handles = await withCampaignReply(JSON.stringify(campaign));
    const { page, problems, consoleMessages } = handles;
    const state = await waitFor(
      () => page.evaluate(() => ['idle', 'offline', 'unavailable'].find((s) => s === window.CV.chat.state())),
      { message: `${name}: a settled state` },
    );
    assert.ok(widgetLines(consoleMessages).length <= 1, `${name}: at most one console line`);
    if (state !== 'unavailable') {
      // Usable: the window opens and takes text.
      const w = widget(page);
      await w.composer.waitFor();
      await w.composer.fill('typing still works');
      assert.equal(await w.composer.inputValue(), 'typing still works');
    }
    await assertNothingRan(handles);
    // The widget colour falls back to its default when the campaign's is not a colour.
    assertNoProblems(problems, [/webchat:/]);
    await handles.context.close();
  }
});

test('API side: a broken chat start or history reply leaves a clear state and loses nothing', async (t) => {
  if (onlyOn(t, 'embedded')) return;
  await signInAgent({ firstname: 'Ana' });
  const handles = await suite.newPage();
  const { page, consoleMessages } = handles;
  handles.dialogs = [];
  page.on('dialog', (d) => {
    handles.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  // The first POST chatsessions answers with the wrong shape; later ones reach devserver.
  let broken = 1;
  await page.route(apiPath(/^chatsessions$/), (route) => {
    if (route.request().method() === 'OPTIONS') return reply(route, '');
    if (route.request().method() === 'POST' && broken > 0) {
      broken -= 1;
      return reply(route, '{"id": 5, "status": []}');
    }
    return route.fallback();
  });
  // A signed user's history: one readable transcript with hostile bodies, one broken.
  const user = signed({ email: `hostile.${Date.now()}@example.com`, firstname: 'H' });
  const hostile = `<img src=x onerror="${TRIPWIRE}">`;
  await page.route(apiPath(/^chatsessions\?tracker_id=/), (route) =>
    reply(
      route,
      JSON.stringify([
        { id: 'h1', campaign_id: CAMPAIGNS.english, status: 'closed' },
        { id: 'h2', campaign_id: CAMPAIGNS.english, status: 'closed' },
      ]),
    ),
  );
  await page.route(apiPath(/^chatsessions\/h1\/transcript$/), (route) => reply(route, '{"messages": "nope"'));
  await page.route(apiPath(/^chatsessions\/h2\/transcript$/), (route) =>
    reply(
      route,
      JSON.stringify({
        chatsession_id: 'h2',
        messages: [{ id: 'm1', from: 'agent', nick: hostile, body: hostile, timestamp: 1 }],
      }),
    ),
  );
  const u = new URL('/pages/embed-script.html', suite.server.origin);
  u.searchParams.set('tag', JSON.stringify(user));
  await page.goto(u.toString());
  await page.waitForFunction(() => window.__events.some((e) => e.name === 'ready'));
  const w = widget(page);
  await page.evaluate(() => window.CV.chat.open());
  // The readable earlier chat is shown as text; the broken one is left out with one line.
  await w.agentMessages.filter({ hasText: hostile }).waitFor();
  await waitFor(() => widgetLines(consoleMessages).some((l) => /earlier chat was left out/.test(l)), {
    message: 'the broken transcript reported',
  });
  assert.equal(widgetLines(consoleMessages).filter((l) => /earlier chat was left out/.test(l)).length, 1);

  // The broken start: the message stays, marked as not sent, with one clear line; a retry works.
  await w.composer.fill('my first words');
  await w.composer.press('Enter');
  await waitFor(() => widgetLines(consoleMessages).some((l) => /cannot start the chat: unreadable API reply/.test(l)), {
    message: 'the broken start reported',
  });
  const retry = page.getByRole('button', { name: 'Retry' });
  await retry.waitFor();
  assert.equal(await w.visitorMessages.filter({ hasText: 'my first words' }).count(), 1, 'the text is kept');
  await retry.click();
  const session = await waitFor(
    async () => (await control.sessions()).find((s) => s.user?.email === user.email),
    { message: 'the chat started on retry' },
  );
  await waitFor(async () => (await transcript(session.id)).some((m) => m.body === 'my first words'), {
    message: 'the kept text was sent',
  });
  assert.equal(
    widgetLines(consoleMessages).filter((l) => /cannot start the chat/.test(l)).length,
    1,
    'one line for the one bad reply',
  );
  await assertNothingRan(handles);
  await handles.context.close();
});
