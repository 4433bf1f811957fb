// The example single-page app (examples/spa, plain ES modules importing the npm package):
// the widget survives History API route changes, logging in tags the visitor (their chat is
// started as that user), logging out resets it (new visitor, chat ended), and the checkout page
// destroys the widget, which comes back when the visitor leaves it.
//
// The package is served at /spa/node_modules/webchat/ with the layout `cargo xtask dist` gives
// dist/npm (what the example's `file:` dependency links), from the same sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CAMPAIGNS, API_TOKEN, API_PATH, env, widget, assertNoProblems, onlyOn, signInAgent, control,
  waitFor, screenshot, browserSuite,
} from '../lib/harness.mjs';
import { start } from '../pages/embed-server.mjs';

const suite = browserSuite({
  serve: async () => start({ pkg: env().pkg }),
});

test('SPA: route switches keep the widget; login tags, logout resets; checkout destroys', async (t) => {
  if (onlyOn(t, 'embedded')) return; // the same on every XMPP backend
  await signInAgent();
  const xmpp = await control.xmpp();
  const { page, problems, context } = await suite.newPage();
  const u = new URL('/spa/', suite.server.origin);
  u.searchParams.set('api', `${env().url}${API_PATH}`);
  u.searchParams.set('token', API_TOKEN);
  u.searchParams.set('campaign', CAMPAIGNS.english);
  u.searchParams.set('ws', xmpp.ws_url);
  await page.goto(u.toString());
  const w = widget(page);
  await w.launcher.waitFor();
  await page.waitForFunction(() => window.__spa.cv);
  const firstId = await page.evaluate(() => window.__spa.cv.visitorId);
  await page.evaluate(() => { document.getElementById('webchat-widget').__mark = 'same'; });

  // Route switches: same widget element, same visitor, no reload.
  await page.getByRole('navigation').getByRole('link', { name: 'Products' }).click();
  await page.getByRole('heading', { name: 'Products' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/spa/products');
  assert.equal(await page.evaluate(() => document.getElementById('webchat-widget').__mark), 'same');
  assert.equal(await page.evaluate(() => window.__spa.cv.visitorId), firstId);
  await page.goBack();
  await page.getByRole('heading', { name: 'Fresh coffee, delivered' }).waitFor();
  assert.equal(await page.evaluate(() => document.getElementById('webchat-widget').__mark), 'same');

  // Log in: the chat starts as the tagged user.
  const email = `spa.${Date.now()}@example.com`;
  await page.getByRole('navigation').getByRole('link', { name: 'Account' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('First name').fill('Sam');
  await page.getByLabel('Last name').fill('Spa');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('Signed in as Sam Spa').waitFor();
  await w.launcher.click();
  await w.composer.fill('Hello from the account page');
  await w.composer.press('Enter');
  const session = await waitFor(
    async () => (await control.sessions()).find((s) => s.user?.email === email),
    { message: 'a session of the logged-in user' },
  );
  assert.equal(session.user.firstname, 'Sam');
  assert.equal(session.user.verified, true, 'signed by the login (the demo signer)');
  await waitFor(async () => (await control.live(session.id)).visitor_online, { message: 'visitor online' });
  await control.agentAct(session.id, { action: 'message', body: 'Hello Sam' });
  await waitFor(() => page.evaluate(() => window.__spa.log.includes('agent: Hello Sam')), {
    message: 'the app saw the agent message',
  });
  await screenshot(page, 'spa-tagged');

  // Log out: reset ends the chat and makes a new anonymous visitor.
  const taggedId = await page.evaluate(() => window.__spa.cv.visitorId);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByText('Not signed in').waitFor();
  await waitFor(async () => (await control.session(session.id)).status === 'closed', {
    message: 'the chat ended on logout',
  });
  await waitFor(async () => {
    const id = await page.evaluate(() => window.__spa.cv.visitorId);
    return id !== taggedId && id !== firstId;
  }, { message: 'a new visitor id after logout' });
  await w.visitorMessages.first().waitFor({ state: 'detached' });

  // Logging in again brings the earlier chat back.
  await page.getByRole('navigation').getByRole('link', { name: 'Account' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('First name').fill('Sam');
  await page.getByLabel('Last name').fill('Spa');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('Signed in as Sam Spa').waitFor();
  if (!(await w.window.isVisible())) await w.launcher.click();
  await w.agentMessages.filter({ hasText: 'Hello Sam' }).waitFor();
  await w.visitorMessages.filter({ hasText: 'Hello from the account page' }).waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByText('Not signed in').waitFor();
  await w.agentMessages.first().waitFor({ state: 'detached' });

  // Checkout: no widget; leaving it brings the widget back.
  await page.getByRole('navigation').getByRole('link', { name: 'Checkout' }).click();
  await page.getByRole('heading', { name: 'Checkout' }).waitFor();
  await w.host.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => window.__spa.cv), null);
  await page.getByRole('navigation').getByRole('link', { name: 'Home' }).click();
  await w.launcher.waitFor();
  await page.waitForFunction(() => window.__spa.cv);
  assertNoProblems(problems);
  await context.close();
});
