// Nobody left out: axe-core (WCAG 2 A/AA, 2.1 AA, 2.2 AA) on every lesson page after a run, on
// the explorer and on the embed, with every fold opened; a whole lesson used by keyboard alone;
// the live region; no keyboard trap inside an embed. axe-core is pinned in package.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  BASE, ROOT, artifact, catalogue, launchBrowser, startCompanion, startHostSite, startPage, stopAll,
} from './harness.mjs';

const AXE = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa'];
let browser;

before(async () => {
  await startCompanion();
  await startPage();
  browser = await launchBrowser();
}, { timeout: 16 * 60_000 });

after(async () => {
  await browser?.close();
  await stopAll();
});

/** Serious and critical axe violations on the page (or frame) as it is, every fold opened. */
async function violations(frame) {
  await frame.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  await frame.waitForTimeout?.(200);
  await frame.addScriptTag({ path: AXE });
  const found = await frame.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  }, TAGS);
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

async function runFinished(frame, timeout = 120_000) {
  await frame.waitForFunction(
    () => !document.querySelector('[data-testid="cancel"]')
      && (document.querySelectorAll('[data-testid="result-row"]').length > 0 || document.querySelector('[data-testid="error"]')),
    null, { timeout },
  );
}

test('every lesson page after a run has no serious or critical axe violation', { timeout: 600_000 }, async () => {
  const page = await browser.context.newPage();
  const failures = [];
  for (const lesson of catalogue()) {
    // A native-only lesson runs on the companion's broker: checked as it opens.
    const autorun = lesson.web.length > 0 ? '&autorun=1&predict=0' : '';
    await page.goto(`${BASE}/?lesson=${lesson.lesson}${autorun}`);
    await page.getByTestId('run').or(page.getByTestId('cancel')).first().waitFor();
    if (autorun) await runFinished(page);
    const found = await violations(page);
    if (found.length) failures.push({ lesson: lesson.lesson, found });
  }
  assert.deepEqual(failures, []);
  await page.close();
});

test('the explorer, on a lesson model and on a program, has no serious or critical axe violation', { timeout: 120_000 }, async () => {
  const page = await browser.context.newPage();
  await page.goto(`${BASE}/?lesson=race&explore=1&schedule=0,0,0,1,0,1,1,1&step=4`);
  await page.getByTestId('explore-steps').waitFor();
  assert.deepEqual(await violations(page), []);
  // A program of one's own (format 0 of program=: plain text), with a mistake in it.
  await page.goto(`${BASE}/?lesson=race&program=0.${encodeURIComponent('shared x = 0\nthread a { x = x + }\n')}`);
  await page.getByTestId('program-editor').waitFor();
  await page.getByTestId('program-error').waitFor();
  assert.deepEqual(await violations(page), []);
  await page.close();
});

test('the embed, before and after a run, in a frame, has no serious or critical axe violation', { timeout: 180_000 }, async () => {
  for (const lesson of ['cpu', 'race', 'queue']) {
    const host = await startHostSite(8096, `${BASE}/?lesson=${lesson}&embed=1&predict=0&autorun=1`);
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 420, height: 800 });
    await page.goto(`${host.url}/plain.html`);
    const frame = await (await page.locator('[data-testid="embed"]').elementHandle()).contentFrame();
    await runFinished(frame);
    assert.deepEqual(await violations(frame), [], lesson);
    await page.close();
    await host.close();
  }
});

/** Press Tab until `testid` has focus (at most `limit` presses); returns the presses used. */
async function tabTo(page, testid, limit = 120) {
  for (let i = 1; i <= limit; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => document.activeElement?.closest('[data-testid]')?.dataset.testid
      ?? document.activeElement?.dataset?.testid);
    if (at === testid || (testid.endsWith('*') && at?.startsWith(testid.slice(0, -1)))) return i;
  }
  throw new Error(`${testid} never had focus in ${limit} Tabs`);
}

/** The focused element draws a visible outline. */
async function focusVisible(page) {
  return page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1;
  });
}

test('a whole lesson by keyboard alone: predict, run, hear the verdict, follow "see how", step to the lost write', { timeout: 180_000 }, async () => {
  const page = await browser.context.newPage();
  await page.goto(`${BASE}/?lesson=race`);
  await page.getByTestId('prediction').waitFor();
  await tabTo(page, 'predict-*');
  assert.ok(await focusVisible(page), 'focus is visible on a choice');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('[data-testid^="predict-"][aria-pressed="true"]').count(), 1);
  await tabTo(page, 'run');
  assert.ok(await focusVisible(page), 'focus is visible on Run');
  await page.keyboard.press('Enter');
  await runFinished(page);
  // The live region says the outcome in the verdict's words.
  const said = await page.getByTestId('announce').textContent();
  assert.match(said, /^Run finished\. /);
  assert.ok(said.includes(await page.getByTestId('verdict').textContent()), said);
  await tabTo(page, 'see-how');
  await page.keyboard.press('Enter');
  // Focus lands in the explorer, on "forward".
  await page.waitForFunction(() => document.activeElement?.dataset.testid === 'explore-forward');
  let lost = false;
  for (let i = 0; i < 40 && !lost; i++) {
    await page.keyboard.press('Enter');
    const at = Number(await page.getByTestId('explore-at').getAttribute('data-index'));
    lost = await page.locator(`[data-testid="explore-step"][data-index="${at - 1}"]`).getAttribute('data-lost') === 'true';
  }
  assert.ok(lost, 'stepping forward by keyboard reached the lost write');
  // The step counter, a live region, speaks the step and says it lost an update.
  const spoken = await page.getByTestId('explore-at').textContent();
  assert.match(spoken, /^step \d+ of \d+: .+shared now .+\. /);
  await page.screenshot({ path: artifact('keyboard-lost-write.png') });
  await page.close();
});

test('the timeline has a table of the same numbers', { timeout: 90_000 }, async () => {
  const page = await browser.context.newPage();
  await page.goto(`${BASE}/?lesson=cpu&strategies=sequential,pool&size=20000000&workers=2&autorun=1&predict=0`);
  await runFinished(page);
  await page.getByTestId('timeline-table').locator('summary').click();
  const rows = await page.getByTestId('timeline-row').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.ok(rows.some((r) => r[0] === 'web · sequential' && r[1] === 'w0'), JSON.stringify(rows));
  assert.ok(rows.filter((r) => r[0] === 'web · pool').length >= 1, JSON.stringify(rows));
  await page.close();
});

test('Tab passes through an embed and out again: no keyboard trap', { timeout: 90_000 }, async () => {
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><html lang="en"><head><title>T</title></head><body><button id="before">before</button>
      <iframe title="lesson" src="${BASE}/?lesson=race&embed=1&predict=0" style="width:420px;height:600px"></iframe>
      <button id="after">after</button></body></html>`);
  });
  await new Promise((ok) => server.listen(8095, '127.0.0.1', ok));
  try {
    const page = await browser.context.newPage();
    await page.goto('http://127.0.0.1:8095/');
    const frame = await (await page.locator('iframe').elementHandle()).contentFrame();
    await frame.getByTestId('run').waitFor();
    await page.focus('#before');
    let out = false;
    let inside = false;
    for (let i = 0; i < 150 && !out; i++) {
      await page.keyboard.press('Tab');
      inside ||= await frame.evaluate(() => document.hasFocus() && document.activeElement !== document.body);
      out = await page.evaluate(() => document.activeElement?.id === 'after');
    }
    assert.ok(inside, 'Tab entered the embed');
    assert.ok(out, 'Tab left the embed for the page after it');
    await page.close();
  } finally {
    await new Promise((ok) => { server.close(ok); server.closeAllConnections(); });
  }
});
