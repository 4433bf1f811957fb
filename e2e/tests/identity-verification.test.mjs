// Who may read what, in Chromium against devserver and the run's XMPP backend. The public API
// token is in every host page, so it proves nothing: a user's history needs the site's signature
// (HMAC-SHA256 with the campaign's identity secret), a chat's transcript, survey and credentials
// need that chat's own secret. A stranger who types someone's email into `CV.user.tag` sees none
// of their messages anywhere: not in the widget, not in its events, not on the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, openWidget, widget, assertNoProblems, signInAgent, control, waitFor, startChat,
  transcript, api, signed, env, CAMPAIGNS, API_PATH, screenshot,
} from '../lib/harness.mjs';

const suite = browserSuite();

function uniqueUser() {
  const n = Math.random().toString(36).slice(2, 8);
  return { email: `victim.${n}@example.com`, firstname: 'Vera', lastname: `Victim${n}` };
}

/// A signed user's chat with one message each way, in its own browser context (then closed).
async function chatAsSignedUser(user, question, answer) {
  const { page, context } = await suite.newPage();
  await openWidget(page);
  await page.evaluate((u) => window.__webchat.handle.user.tag(u), signed(user));
  const session = await startChat(page, question);
  assert.equal(session.user?.verified, true);
  await control.agentAct(session.id, { action: 'message', body: answer });
  await widget(page).agentMessages.filter({ hasText: answer }).waitFor();
  await waitFor(async () => (await transcript(session.id)).length === 2, { message: 'both messages recorded' });
  const secret = await page.evaluate(() => {
    const saved = JSON.parse(sessionStorage.getItem('webchat:chat') ?? '{}');
    return saved.session?.visitor_secret ?? null;
  });
  await context.close();
  return { session, secret };
}

/// Every response body the page received from the Public API, and every `message` event.
async function recordEverything(page) {
  const bodies = [];
  page.on('response', async (res) => {
    if (!res.url().includes(API_PATH)) return;
    try {
      bodies.push(`${res.request().method()} ${res.url()} ${res.status()} ${await res.text()}`);
    } catch {
      // a response without a body (preflight)
    }
  });
  await page.evaluate(() => {
    window.__events = [];
    for (const name of ['message', 'chat:started', 'error']) {
      window.__webchat.handle.on(name, (d) => window.__events.push({ name, d }));
    }
  });
  return bodies;
}

test("a stranger who tags someone's email without a signature finds none of their messages anywhere", async () => {
  const agent = await signInAgent({ firstname: 'Ana' });
  const victim = uniqueUser();
  const question = `my card number is ${Math.random().toString(36).slice(2)}`;
  const answer = `your refund ${Math.random().toString(36).slice(2)} is on its way`;
  await chatAsSignedUser(victim, question, answer);

  // Another browser: someone types the victim's email into the console.
  const { page, problems, consoleMessages, context } = await suite.newPage();
  await openWidget(page);
  const bodies = await recordEverything(page);
  await control.clearRequests();
  await page.evaluate((email) => window.__webchat.handle.user.tag({ email }), victim.email);
  const w = widget(page);
  if (!(await w.window.isVisible())) await w.launcher.click();
  // One warning says why no history is shown.
  const warning = await waitFor(
    () => consoleMessages.find((m) => m.type === 'warning' && /without a `signature`/.test(m.text)),
    { message: 'the console warning about the missing signature' },
  );
  assert.match(warning.text, /Signed identity/);
  // The widget asked the backend for no history at all.
  const asked = (await control.requests()).filter((r) => /chatsessions(\?|\/[^/]+\/transcript)/.test(`${r.path}?${r.query ?? ''}`) && r.method === 'GET');
  assert.deepEqual(asked, [], 'no history request');
  // Even asked directly, the backend refuses: no signature, or someone else's.
  const history = `chatsessions?tracker_id=${encodeURIComponent(`user:email:${victim.email}`)}&campaign_id=${CAMPAIGNS.english}`;
  const unsigned = await api('GET', history);
  assert.equal(unsigned.status, 403);
  assert.match(unsigned.body.Message, /X-User-Signature/);
  const forged = await api('GET', history, { headers: { 'X-User-Signature': 'ab'.repeat(32) } });
  assert.equal(forged.status, 403);

  // The stranger chats on as an unverified user: the agent sees who they claim to be.
  const session = await startChat(page, 'hello, it is me');
  assert.equal(session.user?.email, victim.email);
  assert.equal(session.user?.verified, false);
  await control.agentAct(session.id, { action: 'message', body: 'who are you?' });
  await w.agentMessages.filter({ hasText: 'who are you?' }).waitFor();

  const dom = await page.locator('#webchat-widget').evaluate((host) => host.shadowRoot.textContent);
  const events = JSON.stringify(await page.evaluate(() => window.__events));
  const storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
  for (const [where, text] of [['DOM', dom], ['events', events], ['network', bodies.join('\n')], ['storage', storage]]) {
    assert.ok(!text.includes(question) && !text.includes(answer), `the victim's messages leaked into the ${where}`);
  }
  assert.ok(dom.includes('who are you?'), "the stranger's own chat works");
  assertNoProblems(problems);
  await context.close();
  await control.signOutAgent(agent.id);
});

test('the agent console marks an unsigned user as unverified and a signed one as verified', async () => {
  const nickname = `carol-${Math.random().toString(36).slice(2, 8)}`;
  const consolePage = await suite.newPage();
  await consolePage.page.goto(new URL(`/agent?nickname=${nickname}&firstname=Carol`, env().url).toString());
  await consolePage.page.locator('#me:not([hidden])').waitFor();

  const claimed = uniqueUser();
  const { page, problems, context } = await suite.newPage();
  await openWidget(page);
  await page.evaluate((email) => window.__webchat.handle.user.tag({ email }), claimed.email);
  const unverified = await startChat(page, 'unsigned hello');
  const box = consolePage.page.locator('.chat', { hasText: 'unsigned hello' });
  await box.locator('.identity.unverified').waitFor();
  assert.match(await box.locator('.identity').textContent(), /unverified/);
  assert.equal(unverified.user.verified, false);

  const real = signed(uniqueUser());
  const second = await suite.newPage();
  await openWidget(second.page);
  await second.page.evaluate((u) => window.__webchat.handle.user.tag(u), real);
  await startChat(second.page, 'signed hello');
  const signedBox = consolePage.page.locator('.chat', { hasText: 'signed hello' });
  await signedBox.locator('.identity.verified').waitFor();
  await screenshot(consolePage.page, 'agent-console-identity');
  assertNoProblems(problems);
  assertNoProblems(second.problems);
  await Promise.all([context.close(), second.context.close(), consolePage.context.close()]);
});

test("a second visitor can neither read nor rate nor join the first visitor's chat", async () => {
  await signInAgent({ firstname: 'Ana' });
  const first = await suite.newPage();
  await openWidget(first.page);
  const session = await startChat(first.page, 'first visitor private text');
  await control.agentAct(session.id, { action: 'message', body: 'private reply' });
  await widget(first.page).agentMessages.filter({ hasText: 'private reply' }).waitFor();
  const mine = await first.page.evaluate(() => JSON.parse(sessionStorage.getItem('webchat:chat')).session.visitor_secret);
  assert.ok(mine && mine.length >= 22, 'the chat keeps its secret');

  // The second visitor knows the first one's session id (it is in no page, but assume it leaked)
  // and has a chat of its own, whose secret proves nothing about the first.
  const second = await suite.newPage();
  await openWidget(second.page);
  const own = await startChat(second.page, 'second visitor');
  const theirs = await second.page.evaluate(() => JSON.parse(sessionStorage.getItem('webchat:chat')).session.visitor_secret);
  assert.notEqual(theirs, mine);
  const credentialsId = session.credentials[0];
  const calls = [
    ['GET', `chatsessions/${session.id}`],
    ['GET', `chatsessions/${session.id}/transcript`],
    ['PATCH', `chatsessions/${session.id}`, { survey: { result: 'bad', message: 'sabotage' } }],
    ['POST', 'xmppcredentials', { chatsession_id: session.id }],
    ['GET', `xmppcredentials/${credentialsId}`],
  ];
  // From the second visitor's page, as its code could (CORS allows any origin).
  for (const [method, path, body] of calls) {
    for (const headers of [{}, { 'X-Chat-Secret': theirs }]) {
      const r = await second.page.evaluate(
        async ({ url, method, headers, body }) => {
          const res = await fetch(url, {
            method,
            headers: { 'X-API-TOKEN': 'webchat-dev-token', 'Content-Type': 'application/json', ...headers },
            body: body ? JSON.stringify(body) : undefined,
          });
          return { status: res.status, text: await res.text() };
        },
        { url: new URL(`${API_PATH}${path}`, env().url).toString(), method, headers, body },
      );
      assert.equal(r.status, 403, `${method} ${path} with ${JSON.stringify(headers)}: ${r.text}`);
      assert.ok(!r.text.includes('private'), 'nothing of the chat in the refusal');
    }
  }
  // The first visitor's own secret opens its chat; the rating was never changed.
  const read = await api('GET', `chatsessions/${session.id}/transcript`, { headers: { 'X-Chat-Secret': mine } });
  assert.equal(read.status, 200);
  assert.deepEqual(read.body.messages.map((m) => m.body), ['first visitor private text', 'private reply']);
  assert.equal((await control.session(session.id)).survey ?? null, null);
  assert.notEqual(own.id, session.id);
  assertNoProblems(first.problems);
  // The browser logs each refused fetch of the test's own calls above.
  assertNoProblems(second.problems, [/status of 403 \(Forbidden\)/]);
  await Promise.all([first.context.close(), second.context.close()]);
});
