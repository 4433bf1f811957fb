// The widget under the strict Content-Security-Policy of the issue, with the exact header:
//   default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self';
//   connect-src 'self' <api> <ws>; img-src 'self' data:
// through the script tag and through the ES module package: a whole chat (open, messages both
// ways, typing, end, survey), destroy and a fresh start, with zero `securitypolicyviolation`
// events and no CSP message on the console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CAMPAIGNS, API_TOKEN, API_PATH, env, widget, assertNoProblems, signInAgent, control, waitFor,
  waitForVisitorOnline, browserSuite, embedVars, strictPolicy,
} from '../lib/harness.mjs';
import { start } from '../pages/embed-server.mjs';

let policy;

const suite = browserSuite({
  serve: async () => {
    const vars = await embedVars();
    policy = strictPolicy(vars);
    return start({
      pkg: env().pkg,
      vars,
      csp: (path) => (path.endsWith('.html') ? policy : null),
    });
  },
});

async function events(page) {
  return page.evaluate(() => window.__events.map((e) => e.name));
}

async function violations(page) {
  return page.evaluate(() => window.__violations);
}

/** A whole chat in the page; `cv` is the expression of the API object. */
async function chatThrough(page, cv) {
  const w = widget(page);
  await page.evaluate(`${cv}.chat.open()`);
  await w.composer.fill('Hello under a strict CSP');
  await w.composer.press('Enter');
  await waitFor(async () => (await events(page)).includes('chat:started'), { message: 'chat:started' });
  const sessionId = await waitFor(
    async () => (await page.evaluate(() => window.__events.find((e) => e.name === 'chat:started')))?.detail.sessionId,
    { message: 'the session id' },
  );
  await waitForVisitorOnline(sessionId);
  await control.agentAct(sessionId, { action: 'typing', state: 'composing' });
  await control.agentAct(sessionId, { action: 'message', body: 'Hello! Strict pages are fine.' });
  await w.agentMessages.filter({ hasText: 'Strict pages are fine.' }).waitFor();
  await control.agentAct(sessionId, { action: 'close' });
  const survey = page.locator('.wc-survey');
  await survey.locator('.wc-survey-option[data-value="good"]').click();
  await survey.locator('.wc-survey-submit').click();
  await survey.locator('.wc-survey-thanks').waitFor();
  await page.evaluate(`${cv}.chat.close()`);
  await w.window.waitFor({ state: 'hidden' });
}

test('CSP: the script tag works fully with zero violations', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  const response = await page.goto(new URL('/pages/embed-script.html', suite.server.origin).toString());
  assert.equal(response.headers()['content-security-policy'], policy);
  await waitFor(async () => (await events(page)).includes('ready'), { message: 'ready' });
  await chatThrough(page, 'window.CV');

  await page.evaluate(() => window.CV.destroy());
  await widget(page).host.waitFor({ state: 'detached' });
  await page.evaluate(() => { window.__events = []; window.__record(window.CV); window.CV.chat.open(); });
  await widget(page).window.waitFor();
  await waitFor(async () => (await events(page)).includes('ready'), { message: 'ready after a fresh start' });

  assert.deepEqual(await violations(page), []);
  // The probe does see violations: an inline style attribute is one.
  await page.evaluate(() => document.body.setAttribute('style', 'color: red'));
  await waitFor(async () => (await violations(page)).length === 1, { message: 'the probe saw a violation' });
  assert.equal((await violations(page))[0].directive, 'style-src-attr');
  assertNoProblems(problems, [/Content Security Policy/]);
  await context.close();
});

test('CSP: the ES module package works fully with zero violations', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  const xmpp = await control.xmpp();
  const u = new URL('/pages/embed-module.html', suite.server.origin);
  u.searchParams.set('api', `${env().url}${API_PATH}`);
  u.searchParams.set('token', API_TOKEN);
  u.searchParams.set('campaign', CAMPAIGNS.english);
  u.searchParams.set('ws', xmpp.ws_url);
  const response = await page.goto(u.toString());
  assert.equal(response.headers()['content-security-policy'], policy);
  assert.equal(await page.evaluate(() => window.__started), 'started');
  await chatThrough(page, 'window.__cv');
  assert.deepEqual(await violations(page), []);
  assertNoProblems(problems);
  await context.close();
});
