// Co-browsing: the agent asks (the seed's `internal` …#cobrowsing message), the visitor sees the
// campaign's `cbr_text` with its accept / deny buttons in the conversation where the request
// arrived, the answer reaches the agent side (live.cobrowsing) and the host page gets the event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, openWidget, widget, assertNoProblems, signInAgent, axeAudit, formatViolations,
  screenshot, WIDGET_CLIP, control, waitFor, startChat, campaign,
} from '../lib/harness.mjs';

const suite = browserSuite();

/// Records the widget's co-browsing host events (`webchat:cobrowsing…`) in `window.__cobrowse`.
async function recordCobrowseEvents(page) {
  await page.evaluate(() => {
    window.__cobrowse = [];
    const host = document.querySelector('#webchat-widget');
    for (const name of ['webchat:cobrowsing:accepted', 'webchat:cobrowsing:denied', 'webchat:cobrowsing']) {
      host.addEventListener(name, (e) => window.__cobrowse.push({ type: e.type, detail: e.detail ?? null }));
    }
  });
}

/// The classes of the conversation's rows in order (messages, notices, the prompt).
async function rows(page) {
  return page.locator('.wc-log > *').evaluateAll((els) =>
    els
      .map((el) => {
        if (el.matches('.wc-msg--visitor')) return 'visitor';
        if (el.matches('.wc-msg--agent')) return `agent:${el.querySelector('.wc-bubble')?.textContent}`;
        if (el.matches('.wc-cobrowse')) return 'prompt';
        if (el.matches('.wc-notice')) return `notice:${el.dataset.notice}`;
        return null;
      })
      .filter(Boolean),
  );
}

test('the agent asks to co-browse; the visitor accepts, later denies', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  await openWidget(page);
  const w = widget(page);
  const session = await startChat(page, 'Where is the checkout button?');
  await control.agentAct(session.id, { action: 'message', body: 'Let me show you.' });
  await w.agentMessages.filter({ hasText: 'Let me show you.' }).waitFor();
  await recordCobrowseEvents(page);

  // The request: the campaign's texts (devserver's English campaign sets all three).
  const texts = (await campaign(session.campaign_id)).cobrowsing;
  await control.agentAct(session.id, { action: 'cobrowse' });
  const prompt = page.locator('.wc-cobrowse');
  await prompt.waitFor();
  assert.equal((await prompt.locator('.wc-cobrowse-text').textContent()).trim(), texts.cbr_text);
  assert.equal((await prompt.locator('.wc-cobrowse-accept').textContent()).trim(), texts.cobrowsingButtonAcceptText);
  assert.equal((await prompt.locator('.wc-cobrowse-deny').textContent()).trim(), texts.cobrowsingButtonDenyText);
  await waitFor(async () => (await control.live(session.id)).cobrowsing === 'requested', {
    message: 'live.cobrowsing requested',
  });
  await screenshot(page, 'cobrowse-prompt', { clip: WIDGET_CLIP });
  const violations = await axeAudit(page);
  assert.deepEqual(violations, [], formatViolations(violations));

  // A message after the request goes below the prompt: the prompt stays where it was asked.
  await control.agentAct(session.id, { action: 'message', body: 'Just click Allow.' });
  await w.agentMessages.filter({ hasText: 'Just click Allow.' }).waitFor();
  assert.deepEqual((await rows(page)).slice(-3), ['agent:Let me show you.', 'prompt', 'agent:Just click Allow.']);

  await prompt.locator('.wc-cobrowse-accept').click();
  await page.locator('.wc-notice[data-notice="cobrowse-accepted"]').waitFor();
  await waitFor(async () => (await control.live(session.id)).cobrowsing === 'accepted', {
    message: 'live.cobrowsing accepted',
  });
  const accepted = await page.evaluate(() => window.__cobrowse);
  assert.ok(accepted.some((e) => /accepted/.test(e.type) || e.detail?.accepted === true), JSON.stringify(accepted));

  // A second request, denied this time.
  await control.agentAct(session.id, { action: 'cobrowse' });
  await prompt.waitFor();
  await prompt.locator('.wc-cobrowse-deny').click();
  await page.locator('.wc-notice[data-notice="cobrowse-denied"]').waitFor();
  await waitFor(async () => (await control.live(session.id)).cobrowsing === 'denied', {
    message: 'live.cobrowsing denied',
  });
  const denied = await page.evaluate(() => window.__cobrowse);
  assert.ok(denied.some((e) => /denied/.test(e.type) || e.detail?.accepted === false), JSON.stringify(denied));
  assertNoProblems(problems);
  await context.close();
});
