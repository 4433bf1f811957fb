// The widget's states that need no conversation: open on a live campaign, offline (no
// availability), right to left (Arabic campaign), hidden (inactive campaign), and the 409
// `No Availability` of the first message. Each open state passes an axe-core audit with zero
// violations and is screenshotted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, CAMPAIGNS, openWidget, widget, assertNoProblems, signInAgent, axeAudit,
  formatViolations, screenshot, WIDGET_CLIP, WIDGET_CLIP_RTL, control, waitFor, pageUrl, campaign,
} from '../lib/harness.mjs';

const suite = browserSuite();

/// `#rrggbb` → `rgb(r, g, b)` as getComputedStyle writes it.
function hexToRgb(hex) {
  const n = parseInt(hex.replace('#', ''), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

async function assertAccessible(page) {
  const violations = await axeAudit(page);
  assert.deepEqual(violations, [], `axe found violations:\n${formatViolations(violations)}`);
}

/// Installed before any page script: records the launcher's color and accessible name in every
/// frame it is visible in (`window.__launcherLooks`, each change once), to catch a launcher
/// shown before the campaign said how it looks.
async function recordLauncherLooks(page) {
  await page.addInitScript(() => {
    window.__launcherLooks = [];
    const tick = () => {
      const b = document.getElementById('webchat-widget')?.shadowRoot?.querySelector('.wc-launcher');
      if (b && b.getBoundingClientRect().width > 0) {
        const look = `${getComputedStyle(b).backgroundColor} ${b.getAttribute('aria-label')}`;
        if (window.__launcherLooks.at(-1) !== look) window.__launcherLooks.push(look);
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

test('open: the launcher opens the window, focus goes to the composer and back', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  await recordLauncherLooks(page);
  await openWidget(page);
  const w = widget(page);
  await w.launcher.waitFor();
  // The launcher wears the campaign's color from its first frame on (never the default theme
  // first), and keeps it.
  const { color } = await campaign(CAMPAIGNS.english);
  await waitFor(() => page.evaluate(() => window.__launcherLooks.length > 0), { message: 'launcher seen' });
  assert.deepEqual(await page.evaluate(() => window.__launcherLooks), [`${hexToRgb(color)} Open chat`]);
  await screenshot(page, 'launcher');

  await w.launcher.click();
  await w.composer.waitFor();
  await waitFor(() => w.composer.evaluate((el) => el.getRootNode().activeElement === el), {
    message: 'focus in the composer',
  });
  assert.equal(await w.composer.isEnabled(), true);
  await page.locator('.wc-welcome').waitFor();
  await screenshot(page, 'open', { clip: WIDGET_CLIP });
  await assertAccessible(page);

  // Escape minimises and gives focus back to the launcher.
  await page.keyboard.press('Escape');
  await w.window.waitFor({ state: 'hidden' });
  await waitFor(() => w.launcher.evaluate((el) => el.getRootNode().activeElement === el), {
    message: 'focus back on the launcher',
  });
  assertNoProblems(problems);
  await context.close();
});

test('small screen: the open window fills the visual viewport; a wide one reads no viewport', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage({ viewport: { width: 375, height: 667 } });
  await openWidget(page);
  const w = widget(page);
  await w.launcher.click();
  await w.composer.waitFor();
  const root = () => page.locator('.wc-root').evaluate((el) => [
    el.style.getPropertyValue('--wc-viewport-height'),
    el.style.getPropertyValue('--wc-viewport-top'),
  ]);
  await waitFor(async () => (await root())[0] === '667px', { message: 'the visual viewport mirrored' });
  assert.deepEqual(await root(), ['667px', '0px']);
  const box = await w.window.boundingBox();
  assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 375, 667], 'full screen');

  // Widened past the small-screen layout, the window sits beside the page and the values stay
  // as they were (nothing reads them there); narrowed again, they follow the new viewport.
  await page.setViewportSize({ width: 1280, height: 800 });
  await waitFor(async () => (await w.window.boundingBox()).width === 380, { message: 'the window beside the page' });
  assert.deepEqual(await root(), ['667px', '0px']);
  await page.setViewportSize({ width: 360, height: 600 });
  await waitFor(async () => (await root())[0] === '600px', { message: 'the new viewport mirrored' });
  assertNoProblems(problems);
  await context.close();
});

test('offline: a campaign without availability shows the offline text, composer disabled', async () => {
  const { page, problems, context } = await suite.newPage();
  await openWidget(page, { campaign: CAMPAIGNS.noAvailability });
  const w = widget(page);
  await w.launcher.click();
  await page.locator('.wc-offline').waitFor();
  assert.equal(await w.composer.isDisabled(), true);
  await screenshot(page, 'offline', { clip: WIDGET_CLIP });
  await assertAccessible(page);
  // No chat was attempted.
  const posted = (await control.requests()).filter((r) => r.method === 'POST' && r.path.endsWith('/chatsessions'));
  assert.deepEqual(posted.filter((r) => r.path.includes(CAMPAIGNS.noAvailability)), []);
  assertNoProblems(problems);
  await context.close();
});

test('rtl: the Arabic campaign mirrors the layout and speaks Arabic', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage({ locale: 'ar' });
  await recordLauncherLooks(page);
  await openWidget(page, { campaign: CAMPAIGNS.arabic });
  // Arabic from the launcher's first frame on (not English first).
  await page.locator('.wc-launcher').waitFor();
  await waitFor(() => page.evaluate(() => window.__launcherLooks.length > 0), { message: 'launcher seen' });
  const looks = await page.evaluate(() => window.__launcherLooks);
  assert.equal(looks.length, 1, JSON.stringify(looks));
  assert.match(looks[0], /[\u0600-\u06FF]/);
  await page.locator('.wc-launcher').click();
  const root = page.locator('.wc-root');
  await waitFor(async () => (await root.getAttribute('dir')) === 'rtl', { message: 'dir=rtl' });
  assert.equal(await root.getAttribute('lang'), 'ar');
  // The composer's accessible name is the Arabic one, not the English fallback.
  const label = await page.locator('.wc-composer textarea').getAttribute('aria-label');
  assert.notEqual(label, 'Type your message');
  assert.match(label, /[\u0600-\u06FF]/);
  await screenshot(page, 'rtl-open', { clip: WIDGET_CLIP_RTL });
  await assertAccessible(page);
  assertNoProblems(problems);
  await context.close();
});

test('next page view: the launcher shows in the campaign\'s look before the campaign is read again', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  await openWidget(page);
  const { color } = await campaign(CAMPAIGNS.english);
  const launcherBg = () => page.locator('.wc-launcher').evaluate((el) => getComputedStyle(el).backgroundColor);
  await waitFor(async () => (await launcherBg()) === hexToRgb(color), { message: 'campaign color' });
  // The campaign cannot be read on the next page view: the remembered look is shown anyway
  // (the widget keeps retrying quietly).
  await context.route(/\/campaigns\//, (route) => route.abort());
  await recordLauncherLooks(page);
  await openWidget(page);
  await widget(page).launcher.waitFor();
  assert.deepEqual(await page.evaluate(() => window.__launcherLooks), [`${hexToRgb(color)} Open chat`]);
  assertNoProblems(problems, [/Failed to load resource/, /net::ERR_FAILED/]);
  await context.close();
});

test('inactive: the widget stays hidden and says why once in the console', async () => {
  const { page, problems, consoleMessages, context } = await suite.newPage();
  await page.goto(pageUrl('widget.html', { campaign: CAMPAIGNS.inactive, ws: 'ws://127.0.0.1:9/' }));
  await page.waitForFunction(() => window.__webchat && window.__webchat.status !== 'loading');
  const hidden = await waitFor(
    () => page.evaluate(() => document.querySelector('#webchat-widget')?.hidden ?? 'missing'),
    { message: 'the host element hidden' },
  );
  assert.equal(hidden, true);
  const ours = consoleMessages.filter((m) => m.text.startsWith('webchat:'));
  assert.equal(ours.length, 1, JSON.stringify(ours));
  assert.match(ours[0].text, /inactive/i);
  assert.equal(await page.locator('.wc-launcher').count(), 0);
  // The browser itself logs the 409 response; the widget's one message is the only other one.
  assertNoProblems(problems, [/Failed to load resource/, /^console\.error: webchat: hidden/]);
  await context.close();
});

test('no availability at the first message: offline state, the text kept and offered to the offline form', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  await openWidget(page);
  const w = widget(page);
  await w.launcher.click();
  await w.composer.waitFor();
  // Everyone left between loading the campaign and writing.
  await control.forceAvailability(CAMPAIGNS.english, false);
  try {
    await w.composer.fill('Is anybody there?');
    await w.composer.press('Enter');
    await page.locator('.wc-offline').waitFor();
    const kept = page.locator('.wc-msg--visitor', { hasText: 'Is anybody there?' });
    await kept.waitFor();
    assert.equal(await kept.getAttribute('data-status'), 'failed');
    // The campaign has an offline form: it takes the composer's place, the text offered to it.
    await page.locator('.wc-offline-form').waitFor();
    assert.equal(await w.composer.isVisible(), false);
    assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'Is anybody there?');
    const refused = (await control.requests()).filter(
      (r) => r.method === 'POST' && r.path.endsWith('/chatsessions') && r.status === 409,
    );
    assert.equal(refused.length, 1, 'one 409 POST chatsessions');
  } finally {
    await control.forceAvailability(CAMPAIGNS.english, null);
  }
  assertNoProblems(problems, [/Failed to load resource/]);
  await context.close();
});
