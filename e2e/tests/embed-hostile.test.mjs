// A host page with the worst global CSS (`* { all: unset }`, `div { … !important }` that hits
// the widget's host element, fixed elements at z-index 2147483647 and 999999999 over the
// widget's corner): the widget looks and works exactly as on a plain page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  env, widget, assertNoProblems, onlyOn, signInAgent, control, screenshot, waitFor, browserSuite,
  embedVars,
} from '../lib/harness.mjs';
import { start } from '../pages/embed-server.mjs';

const suite = browserSuite({
  serve: async () => start({ pkg: env().pkg, vars: await embedVars() }),
});

/** Geometry and style of the launcher and the window, and what is on top at their centres. */
async function measure(page) {
  return page.evaluate(() => {
    const host = document.getElementById('webchat-widget');
    const root = host.shadowRoot;
    const pick = (sel) => {
      const el = root.querySelector(sel);
      if (!el) return null;
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return {
        x: Math.round(r.x), y: Math.round(r.y), width: Math.round(r.width), height: Math.round(r.height),
        onTop: top === host,
        font: s.fontFamily, fontSize: s.fontSize, color: s.color, letterSpacing: s.letterSpacing,
        textTransform: s.textTransform, opacity: s.opacity,
      };
    };
    return { launcher: pick('.wc-launcher'), window: pick('.wc-window'), header: pick('.wc-header, .wc-window header') };
  });
}

test('aggressive host CSS and huge z-indexes do not change the widget', async (t) => {
  if (onlyOn(t, 'embedded')) return; // the same on every XMPP backend
  await signInAgent();
  // The reference: the same widget on a plain page.
  const plain = await suite.newPage();
  await plain.page.goto(new URL('/pages/embed-script.html?open=1', suite.server.origin).toString());
  await widget(plain.page).window.waitFor();
  await plain.page.waitForTimeout(400); // the opening animation
  const reference = await measure(plain.page);
  await plain.context.close();

  const { page, problems, context } = await suite.newPage();
  await page.goto(new URL('/pages/embed-hostile.html', suite.server.origin).toString());
  const w = widget(page);
  await w.launcher.waitFor();
  const closed = await measure(page);
  assert.equal(closed.launcher.onTop, true, 'the launcher is above the z-index 2147483647 banner');
  assert.deepEqual(
    { width: closed.launcher.width, height: closed.launcher.height, opacity: closed.launcher.opacity },
    { width: reference.launcher.width, height: reference.launcher.height, opacity: '1' },
  );
  await w.launcher.click();
  await w.window.waitFor();
  await page.mouse.move(5, 5); // no hover effect on the launcher while measuring
  await page.waitForTimeout(400);
  const open = await measure(page);
  assert.equal(open.window.onTop, true, 'the window is above the z-index 999999999 box');
  for (const key of ['x', 'y', 'width', 'height', 'font', 'fontSize', 'color', 'letterSpacing', 'textTransform']) {
    assert.equal(open.window[key], reference.window[key], `window ${key}`);
    assert.equal(open.launcher[key], reference.launcher[key], `launcher ${key}`);
  }
  await screenshot(page, 'embed-hostile-open');

  // And it works: a message goes out and is shown.
  await w.composer.fill('Hello from a hostile page');
  await w.composer.press('Enter');
  await waitFor(async () => (await control.sessions()).length > 0, { message: 'a session' });
  await w.visitorMessages.filter({ hasText: 'Hello from a hostile page' }).waitFor();
  assertNoProblems(problems);
  await context.close();
});
