// The playground page in real headless Chromium: permalinks, exact results, real threads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, artifact, launchBrowser, startCompanion, startPage, stopAll, sumOfSquares } from './harness.mjs';

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

async function rows(page) {
  return page.$$eval('[data-testid="result-row"]', (trs) => trs.map((tr) => ({ ...tr.dataset })));
}

test('autorun permalink runs cpu on sequential and pool with exact results on several threads', { timeout: 120_000 }, async () => {
  const size = 50_000_000;
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${BASE}/?lesson=cpu&strategies=sequential,pool&size=${size}&autorun=1`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="result-row"]').length === 2, null, { timeout: 90_000 });
  const got = await rows(page);
  const expected = sumOfSquares(size).toString();
  assert.deepEqual(got.map((r) => r.strategy), ['sequential', 'pool']);
  for (const r of got) {
    assert.equal(r.side, 'web');
    assert.equal(r.result, expected, `${r.strategy} result`);
    assert.equal(r.correct, 'true');
    assert.ok(Number(r.wallMs) > 0);
  }
  const pool = got.find((r) => r.strategy === 'pool');
  assert.ok(Number(pool.workersUsed) > 1, `pool ran tasks on ${pool.workersUsed} thread(s)`);
  const iso = page.getByTestId('isolation');
  assert.equal(await iso.getAttribute('data-isolated'), 'true');
  assert.ok(Number(await iso.getAttribute('data-threads')) >= 1);
  assert.equal(await page.getByTestId('companion').getAttribute('data-connected'), 'true');
  assert.match(await page.getByTestId('verdict').textContent(), /fastest/);
  assert.equal(await page.locator('[data-testid="timeline"] rect.span').count(), 16);
  await page.screenshot({ path: artifact('cpu-autorun.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('pressing Run uses the inputs, and bad input shows a clear message', { timeout: 120_000 }, async () => {
  const page = await browser.context.newPage();
  await page.goto(`${BASE}/?lesson=cpu`);
  await page.getByTestId('param-size').fill('12345');
  await page.getByTestId('strategy-pool').uncheck();
  await page.getByTestId('run').click();
  await page.waitForSelector('[data-testid="result-row"]');
  const got = await rows(page);
  assert.deepEqual(got.map((r) => r.strategy), ['sequential']);
  assert.equal(got[0].result, sumOfSquares(12345).toString());
  assert.match(page.url(), /size=12345/);
  assert.match(page.url(), /strategies=sequential(&|$)/);

  await page.getByTestId('param-size').fill('0');
  await page.getByTestId('run').click();
  const err = page.getByTestId('error');
  await err.waitFor();
  assert.match(await err.textContent(), /size 0 is out of range: allowed 1\.\.=100000000000/);
  await page.close();
});

test('invalid URL parameters fall back to defaults with a message', { timeout: 60_000 }, async () => {
  const page = await browser.context.newPage();
  await page.goto(`${BASE}/?lesson=nope&size=abc&workers=0`);
  const text = await page.getByTestId('error').textContent();
  assert.match(text, /unknown lesson 'nope'/);
  assert.match(text, /size 'abc' is not a whole number/);
  assert.match(text, /workers 0 is out of range: allowed 1\.\.=256/);
  assert.equal(await page.getByTestId('lesson-picker').inputValue(), 'cpu');
  await page.close();
});
