// Visibility from the customer's server: the operator API (devserver's `/operator/v1/`, with
// the operator token) hides or shows the chat for one visitor, one tagged user or the whole
// campaign, and the widget learns it from its small `GET visibility` read (ETag / 304) at start
// and every `pollSeconds`. The English campaign has `webchat.visibilityOverrides` on; the
// German one does not and never reads. A running chat is never hidden; an override ends at its
// expiry. Every test runs on every backend (the chat needs XMPP; the rest is the same API).
import { test, before, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, launchBrowser, newPage, CAMPAIGNS, API_TOKEN, widget, assertNoProblems, signInAgent,
  control, operator, waitFor, waitForSession, waitForVisitorOnline, pageUrl, screenshot,
} from '../lib/harness.mjs';

const suite = browserSuite();
let ws;
before(async () => {
  ws = (await control.xmpp()).ws_url;
});
beforeEach(async () => {
  await operator.clear();
});
after(async () => {
  await operator.clear();
});

/** The shortest poll: the operator's change reaches an open page within 5 s. */
const POLL = { pollSeconds: 5 };

/** Opens the visibility test page (it records every `visibility` event) with `rules`. */
async function open(page, { rules = POLL, campaign = CAMPAIGNS.english } = {}) {
  await page.goto(pageUrl('visibility.html', { campaign, ws, rules: JSON.stringify(rules) }));
  await page.waitForFunction(() => window.__webchat && window.__webchat.status !== 'loading');
  const state = await page.evaluate(() => ({ status: window.__webchat.status, error: window.__webchat.error }));
  assert.equal(state.status, 'started', `the widget did not start: ${state.error}`);
  return page.evaluate(() => window.__webchat.cv.visitorId);
}

/** Whether the widget's root is shown. */
async function shown(page) {
  return page.evaluate(() => {
    const host = document.querySelector('#webchat-widget');
    const root = host?.shadowRoot?.querySelector('.wc-root');
    if (!host || !root) return null;
    return !host.hidden && !root.hidden;
  });
}

/** The `visibility` events so far: `[{ visible, reason }]`. */
async function events(page) {
  return page.evaluate(() => window.__webchat.events.map(({ visible, reason }) => ({ visible, reason })));
}

/** Waits for a `visibility` event `{ visible, reason }` after the first `from` events; then the
 * widget must look that way. */
async function waitEvent(page, visible, reason, from = 0) {
  await waitFor(
    async () => (await events(page)).slice(from).some((e) => e.visible === visible && e.reason === reason),
    { message: `a visibility event {visible: ${visible}, reason: ${reason}}` },
  );
  assert.equal(await shown(page), visible);
}

/** devserver's log of `GET visibility` reads for `trackerId` (all, or after `afterSeq`). */
async function reads(trackerId, afterSeq = 0) {
  const wanted = `tracker_id=${encodeURIComponent(trackerId)}`;
  return (await control.requests()).filter(
    (r) => r.method === 'GET' && r.path.endsWith('/visibility') && r.seq > afterSeq && (r.query ?? '').includes(wanted),
  );
}

/** The newest request's sequence number: reads after it came after what the test just did. */
async function mark() {
  return (await control.requests()).reduce((m, r) => Math.max(m, r.seq), 0);
}

/** Waits until the widget of `trackerId` read its verdict again after `afterSeq`. */
async function waitRead(trackerId, afterSeq) {
  return waitFor(async () => (await reads(trackerId, afterSeq)).at(-1), {
    message: `a GET visibility of ${trackerId}`,
  });
}

test('the operator API refuses the public token and hides one visitor; the other keeps the launcher', async () => {
  const refused = await operator.raw('PUT', CAMPAIGNS.english, { visibility: 'hidden' }, API_TOKEN);
  assert.equal(refused.status, 401, 'the public widget token does not open the operator API');
  const a = await suite.newPage();
  const b = await suite.newPage();
  const idA = await open(a.page);
  const idB = await open(b.page);
  await waitFor(async () => (await shown(a.page)) && (await shown(b.page)), { message: 'both launchers' });
  assert.notEqual(idA, idB);

  const set = await operator.set({ visibility: 'hidden', visitor: idA });
  assert.deepEqual(set, { scope: 'visitor', key: idA, visibility: 'hidden', until: null });
  const since = await mark();
  await waitEvent(a.page, false, 'rest');
  assert.equal(await widget(a.page).launcher.isVisible(), false);
  await screenshot(a.page, 'visibility-rest-hidden');
  // B asked again after the change and keeps its launcher; its unchanged answer was a 304.
  await waitRead(idB, since);
  assert.equal(await shown(b.page), true);
  assert.ok(!(await events(b.page)).some((e) => e.reason === 'rest'));
  const statuses = (await reads(idB)).map((r) => r.status);
  assert.equal(statuses[0], 200, `B's reads: ${statuses}`);
  assert.ok(statuses.slice(1).every((s) => s === 304), `B's later reads revalidated: ${statuses}`);

  // Back to automatic: A's launcher returns, as without rules (`pollSeconds` is not a rule).
  const fromA = (await events(a.page)).length;
  await operator.set({ visibility: 'auto', visitor: idA });
  await waitEvent(a.page, true, 'default', fromA);
  assertNoProblems(a.problems);
  assertNoProblems(b.problems);
  await a.context.close();
  await b.context.close();
});

test('a tagged user is hidden in two browsers at once; an untagged visitor is not', async () => {
  const email = `vip.${Math.random().toString(36).slice(2, 8)}@example.com`;
  const other = await launchBrowser();
  try {
    const one = await suite.newPage();
    const two = await newPage(other);
    const plain = await suite.newPage();
    for (const p of [one, two, plain]) await open(p.page);
    for (const p of [one, two]) {
      await p.page.evaluate((email) => window.__webchat.cv.user.tag({ email, firstname: 'Vera' }), email);
    }
    const plainId = await plain.page.evaluate(() => window.__webchat.cv.visitorId);
    // The CRM knows the address in its own spelling: the key is the widget's, lower-cased.
    const set = await operator.set({ visibility: 'hidden', user: { email: email.toUpperCase() } });
    assert.equal(set.key, `user:email:${email}`);
    const since = await mark();
    await Promise.all([waitEvent(one.page, false, 'rest'), waitEvent(two.page, false, 'rest')]);
    await waitRead(plainId, since);
    assert.equal(await shown(plain.page), true, 'the untagged visitor keeps the launcher');
    // Both tagged widgets asked with the user key.
    const userReads = (await control.requests()).filter((r) =>
      (r.query ?? '').includes(`user=${encodeURIComponent(`user:email:${email}`)}`),
    );
    assert.ok(userReads.length >= 2, `reads with the user key: ${userReads.length}`);

    const from = await Promise.all([one, two].map(async (p) => (await events(p.page)).length));
    await operator.set({ visibility: 'auto', user: { email } });
    await Promise.all([waitEvent(one.page, true, 'default', from[0]), waitEvent(two.page, true, 'default', from[1])]);
    for (const p of [one, two, plain]) assertNoProblems(p.problems);
  } finally {
    await other.close();
  }
});

test('the whole campaign hidden, then shown over a rule that hides, then back to the rules', async () => {
  const free = await suite.newPage();
  const ruled = await suite.newPage();
  const elsewhere = await suite.newPage();
  await open(free.page);
  // This page's own rule hides the widget for an hour.
  await open(ruled.page, { rules: { ...POLL, secondsOnPage: 3600 } });
  // A campaign without the switch never reads the operator's verdict.
  const germanId = await open(elsewhere.page, { campaign: CAMPAIGNS.germanThumbs });
  await waitEvent(ruled.page, false, 'rule:secondsOnPage');
  await waitFor(async () => (await shown(free.page)) === true, { message: 'launcher shown' });

  await operator.set({ visibility: 'hidden' });
  await waitEvent(free.page, false, 'rest');
  const fromRuled = (await events(ruled.page)).length;
  await operator.set({ visibility: 'shown' });
  await waitEvent(free.page, true, 'rest');
  await waitEvent(ruled.page, true, 'rest', fromRuled);
  await screenshot(ruled.page, 'visibility-rest-shown-over-rule');

  await operator.set({ visibility: 'auto' });
  await waitEvent(ruled.page, false, 'rule:secondsOnPage', fromRuled + 1);
  assert.equal(await shown(free.page), true);
  assert.deepEqual(await reads(germanId), [], 'no reads when the campaign has the switch off');
  assert.equal(await shown(elsewhere.page), true);
  for (const p of [free, ruled, elsewhere]) {
    assertNoProblems(p.problems);
    await p.context.close();
  }
});

test('a running chat is never hidden; the override applies once it is over', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  const id = await open(page);
  const w = widget(page);
  await w.launcher.click();
  await w.composer.fill('Hello, I need help with an order');
  await w.composer.press('Enter');
  const session = await waitForSession(id);
  await waitForVisitorOnline(session.id);

  await operator.set({ visibility: 'hidden', visitor: id });
  const since = await mark();
  // The widget read the new verdict during the chat…
  const read = await waitRead(id, since);
  assert.equal(read.status, 200);
  await control.agentAct(session.id, { action: 'message', body: 'One moment please.' });
  await w.agentMessages.filter({ hasText: 'One moment please.' }).waitFor();
  // …and the chat stays in sight, open or minimised.
  assert.equal(await shown(page), true);
  await page.locator('.wc-minimise').click();
  await w.window.waitFor({ state: 'hidden' });
  assert.equal(await shown(page), true, 'a minimised running chat is not hidden');
  assert.ok(!(await events(page)).some((e) => !e.visible));

  // The agent ends the chat while it is minimised: nothing going on, the override applies.
  await control.agentAct(session.id, { action: 'close' });
  await waitEvent(page, false, 'rest');
  assert.equal(await page.evaluate(() => window.__webchat.cv.chat.state()), 'ended');
  assertNoProblems(problems);
  await context.close();
});

test('an override ends at its expiry; a first view never shows the launcher it hides', async () => {
  const { page, problems, context } = await suite.newPage();
  // The visitor id is only known once the page ran: hide the whole campaign for a few seconds,
  // then open the page.
  const set = await operator.set({ visibility: 'hidden', seconds: 4 });
  assert.ok(set.until > Date.now(), `until ${set.until}`);
  await open(page);
  await waitEvent(page, true, 'default');
  assert.ok(Date.now() >= set.until - 100, 'shown at the expiry, not before');
  // The page heard "hidden by the operator" first and never a "visible" before it.
  const seen = await events(page);
  assert.deepEqual(seen[0], { visible: false, reason: 'rest' });
  assert.deepEqual(seen.at(-1), { visible: true, reason: 'default' });
  assert.deepEqual((await operator.list()).overrides, [], 'expired on the server too');
  assertNoProblems(problems);
  await context.close();
});
