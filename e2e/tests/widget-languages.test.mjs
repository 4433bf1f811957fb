// The widget in the visitor's own language: a campaign in `auto` (devserver's
// `campaign-auto-language`, every text from the widget's catalogue) opened by browsers set to
// Japanese, Traditional Chinese (zh-TW), Thai, Persian and Hindi. Each one chats with an agent
// and gets the survey: the right `lang` and `dir`, the catalogue's texts from `i18n/<tag>.txt`
// and no English one, zero axe violations, and a screenshot of the chat and of the survey.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  browserSuite, CAMPAIGNS, E2E_DIR, openWidget, assertNoProblems, signInAgent, axeAudit,
  formatViolations, screenshot, WIDGET_CLIP, WIDGET_CLIP_RTL, control, waitFor, waitForSession,
  waitForVisitorOnline,
} from '../lib/harness.mjs';

const suite = browserSuite();

/// The texts of `i18n/<tag>.txt` (the `other` form of plural keys), by key.
function catalogue(tag) {
  const texts = {};
  for (const line of readFileSync(join(E2E_DIR, '..', 'i18n', `${tag}.txt`), 'utf8').split('\n')) {
    const m = line.match(/^([A-Z][A-Za-z0-9]*)(?:\[(\w+)\])?\s*=\s*(.*)$/);
    if (m && (!m[2] || m[2] === 'other')) texts[m[1]] = m[3].trim();
  }
  return texts;
}

const ENGLISH = catalogue('en');

/// Browser locale → the table it maps to (its file), the `lang` and `dir` the widget must
/// carry, the screenshots' name, and a few words to chat with.
const LANGUAGES = [
  {
    locale: 'ja-JP', shot: 'ja', table: 'ja', lang: 'ja', dir: 'ltr',
    visitor: '注文した商品がまだ届いていません。',
    agent: 'ご不便をおかけして申し訳ございません。ご注文番号を教えていただけますか？',
  },
  {
    locale: 'zh-TW', shot: 'zh-TW', table: 'zh-Hant', lang: 'zh-Hant', dir: 'ltr',
    visitor: '我訂的商品還沒有收到。',
    agent: '很抱歉造成您的不便，請提供您的訂單編號，我們立即為您查詢。',
  },
  {
    locale: 'th-TH', shot: 'th', table: 'th', lang: 'th', dir: 'ltr',
    visitor: 'สินค้าที่สั่งไว้ยังไม่ได้รับเลย',
    agent: 'ขออภัยในความไม่สะดวก รบกวนแจ้งหมายเลขคำสั่งซื้อของคุณได้ไหม เจ้าหน้าที่จะตรวจสอบให้ทันที',
  },
  {
    locale: 'fa-IR', shot: 'fa', table: 'fa', lang: 'fa', dir: 'rtl',
    visitor: 'سفارشم هنوز به دستم نرسیده است.',
    agent: 'بابت این مشکل پوزش می‌خواهیم. لطفاً شماره سفارش خود را بفرمایید تا بررسی کنیم.',
  },
  {
    locale: 'hi-IN', shot: 'hi', table: 'hi', lang: 'hi', dir: 'ltr',
    visitor: 'मेरा ऑर्डर अभी तक नहीं पहुँचा है।',
    agent: 'असुविधा के लिए खेद है। कृपया अपना ऑर्डर नंबर बताएँ, हम तुरंत जाँच करेंगे।',
  },
];

/// Every text the widget shows or announces: text nodes, accessible names, placeholders, titles.
async function widgetTexts(page) {
  return page.evaluate(() => {
    const root = document.getElementById('webchat-widget').shadowRoot;
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const t = walker.currentNode.textContent.trim();
      if (t) out.push(t);
    }
    for (const el of root.querySelectorAll('*')) {
      for (const a of ['aria-label', 'placeholder', 'title']) {
        const v = el.getAttribute(a);
        if (v) out.push(v.trim());
      }
    }
    return out;
  });
}

/// No text of the widget is one of the English catalogue's (placeholder-free) texts.
async function assertNoEnglish(page, where) {
  const english = new Set(Object.values(ENGLISH).filter((t) => !t.includes('{')));
  const left = (await widgetTexts(page)).filter((t) => english.has(t));
  assert.deepEqual(left, [], `English left over in ${where}`);
}

async function assertAccessible(page, where) {
  const violations = await axeAudit(page);
  assert.deepEqual(violations, [], `axe found violations in ${where}:\n${formatViolations(violations)}`);
}

for (const l of LANGUAGES) {
  test(`${l.locale}: the chat and the survey in ${l.table}, ${l.dir}`, async () => {
    const texts = catalogue(l.table);
    await signInAgent();
    const { page, problems, context } = await suite.newPage({ locale: l.locale });
    assert.equal(await page.evaluate(() => navigator.languages[0]), l.locale);
    await openWidget(page, { campaign: CAMPAIGNS.autoLanguage });

    // The launcher speaks the visitor's language from its first look on.
    const launcher = page.locator('.wc-launcher');
    await launcher.waitFor();
    assert.equal(await launcher.getAttribute('aria-label'), texts.OpenChat);
    const root = page.locator('.wc-root');
    assert.equal(await root.getAttribute('lang'), l.lang);
    assert.equal(await root.getAttribute('dir'), l.dir);

    await launcher.click();
    const composer = page.getByRole('textbox', { name: texts.TypeYourMessage });
    await composer.waitFor();
    assert.equal(await composer.getAttribute('placeholder'), texts.TypeYourMessage);
    assert.equal(await page.locator('.wc-welcome').textContent(), texts.Welcome);

    // A chat: the visitor writes, the agent answers.
    await composer.fill(l.visitor);
    await composer.press('Enter');
    const visitorId = await page.evaluate(() => window.__webchat.handle.visitorId);
    const session = await waitForSession(visitorId);
    await waitForVisitorOnline(session.id);
    await control.agentAct(session.id, { action: 'message', body: l.agent });
    const answer = page.locator('.wc-msg--agent .wc-bubble');
    await answer.waitFor();
    assert.equal(await answer.textContent(), l.agent);
    await waitFor(
      async () => (await page.locator('.wc-msg--visitor').getAttribute('data-status')) === 'sent',
      { message: 'the visitor message sent' },
    );
    assert.equal(await page.getByRole('button', { name: texts.Send }).count(), 1);
    assert.equal(await page.getByRole('button', { name: texts.EndChat }).count(), 1);
    // `Ana · <status>`: the agent's name, then the status.
    assert.ok((await page.locator('.wc-status-text').textContent()).endsWith(texts.StatusChatting));
    const clip = l.dir === 'rtl' ? WIDGET_CLIP_RTL : WIDGET_CLIP;
    await screenshot(page, `i18n-${l.shot}-chat`, { clip });
    await assertAccessible(page, 'the chat');
    await assertNoEnglish(page, 'the chat');

    // The agent ends the chat: the survey, every text the catalogue's.
    await control.agentAct(session.id, { action: 'close' });
    const survey = page.locator('.wc-survey');
    await survey.waitFor();
    assert.equal(await page.locator('.wc-notice[data-notice="ended-by-agent"]').textContent(), texts.NoticeEndedByAgent);
    assert.equal(await survey.locator('.wc-survey-q').textContent(), texts.SurveyQuestion);
    assert.deepEqual(
      await survey.locator('.wc-survey-label').allTextContents(),
      [texts.SurveyGood, texts.SurveyModerate, texts.SurveyBad],
    );
    assert.equal(await survey.locator('.wc-survey-comment-label').textContent(), texts.SurveyComment);
    await waitFor(
      async () => {
        const [log, options] = [
          await page.getByRole('log').boundingBox(),
          await survey.locator('.wc-survey-submit').boundingBox(),
        ];
        return log && options && options.y + options.height <= log.y + log.height + 1;
      },
      { message: 'the survey scrolled into view' },
    );
    await screenshot(page, `i18n-${l.shot}-survey`, { clip });
    await assertAccessible(page, 'the survey');
    await assertNoEnglish(page, 'the survey');

    await survey.locator('.wc-survey-option[data-value="good"]').click();
    await survey.locator('.wc-survey-submit').click();
    await survey.locator('.wc-survey-thanks').waitFor();
    assert.equal(await survey.locator('.wc-survey-thanks').textContent(), texts.SurveyThanks);
    await waitFor(async () => (await control.session(session.id)).survey?.result === 'good', {
      message: 'the survey stored',
    });
    assertNoProblems(problems);
    await context.close();
  });
}
