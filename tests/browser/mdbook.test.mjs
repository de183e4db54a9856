// mdbook-interleave end to end: a fixture book (tests/mdbook-book/) prepared by
// `mdbook-interleave install`, built by mdbook with the preprocessor, served by a static server
// that sends no headers, and read in Chromium: each embed is a titled lazy frame sized to its
// lesson, the autorun one runs with its claims, the escaped directive stays text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  ROOT, artifact, catalogue, launchBrowser, startPage, startStatic, startStaticCompanion, stopAll, sumOfSquares,
} from './harness.mjs';

const RELEASE = join(ROOT, 'target', 'release');
const have = (cmd) => { try { execFileSync('sh', ['-c', `command -v ${cmd}`]); return true; } catch { return false; } };
const missing = [
  !have('mdbook') && 'mdbook (scripts/setup test installs it)',
  !existsSync(join(RELEASE, 'mdbook-interleave')) && 'target/release/mdbook-interleave (cargo build --release -p mdbook-interleave)',
].filter(Boolean);
// CI must run it: scripts/test sets INTERLEAVE_REQUIRE_ALL, and then a missing tool fails.
const skip = missing.length > 0 && !process.env.INTERLEAVE_REQUIRE_ALL ? `needs ${missing.join(' and ')}` : false;

let browser;
let book;
let served;
let playground;

before(async () => {
  if (skip) return;
  if (missing.length) throw new Error(`mdbook test needs ${missing.join(' and ')}`);
  await startPage();
  const site = mkdtempSync(join(tmpdir(), 'interleave-playground-'));
  cpSync(join(ROOT, 'dist'), site, { recursive: true });
  playground = await startStaticCompanion(site, 3922);
  book = mkdtempSync(join(tmpdir(), 'interleave-book-'));
  cpSync(join(ROOT, 'tests', 'mdbook-book'), book, { recursive: true });
  const env = { ...process.env, PATH: `${RELEASE}${delimiter}${process.env.PATH}` };
  execFileSync(join(RELEASE, 'mdbook-interleave'), ['install', '--dir', book, '--playground', `${playground.url}/`], { env, stdio: 'inherit' });
  execFileSync('mdbook', ['build', book], { env, stdio: 'inherit' });
  served = await startStatic(join(book, 'book'), 8216);
  browser = await launchBrowser();
}, { timeout: 16 * 60_000 });

after(async () => {
  await browser?.close();
  await stopAll();
  if (book) rmSync(book, { recursive: true, force: true });
});

test('a chapter with {{#interleave cpu … autorun=1}}: a titled, sized frame whose lesson runs and shows its claims', { skip, timeout: 180_000 }, async () => {
  const html = readFileSync(join(book, 'book', 'threads.html'), 'utf8');
  assert.match(html, /<iframe data-interleave-src="[^"]*lesson=cpu[^"]*embed=1" title="Interleave lesson: [^"]+" loading="lazy"/);
  assert.match(html, /\{\{#interleave cpu\}\}/, 'the escaped directive is text');
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.goto(`${served.url}/threads.html`);
  const frameEl = page.locator('iframe[data-interleave-src]');
  assert.match(await frameEl.getAttribute('src'), new RegExp(`parent=${encodeURIComponent(served.url).replace(/[.]/g, '\\.')}`));
  await page.waitForFunction(() => document.querySelector('iframe[data-interleave-src]').contentDocument === null);
  let frame;
  for (const deadline = Date.now() + 30_000; !frame && Date.now() < deadline;) {
    frame = page.frames().find((f) => f.url().includes('lesson=cpu'));
    if (!frame) await page.waitForTimeout(100);
  }
  assert.ok(frame, 'the lesson frame loaded');
  await frame.waitForFunction(() => !document.querySelector('[data-testid="cancel"]')
    && document.querySelectorAll('[data-testid="result-row"]').length >= 2, null, { timeout: 90_000 });
  const rows = await frame.locator('[data-testid="result-row"]').evaluateAll((trs) => trs.map((t) => ({ ...t.dataset })));
  assert.deepEqual(rows.map((r) => r.strategy), ['sequential', 'pool']);
  const size = catalogue().find((l) => l.lesson === 'cpu').size.default;
  assert.ok(rows.every((r) => r.result === sumOfSquares(size).toString()), JSON.stringify(rows));
  assert.ok(await frame.getByTestId('claim').count() >= 1, 'the claims show');
  // Sized to its content by the installed host script: no scrollbar inside the frame.
  await page.waitForTimeout(500);
  const outer = await frameEl.evaluate((f) => f.getBoundingClientRect().height - 2);
  const inner = await frame.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(Math.abs(outer - inner) <= 2, `frame ${outer} px, content ${inner} px`);
  await page.screenshot({ path: artifact('mdbook-chapter.png'), fullPage: true });
  await page.close();
});

test('a chapter with {{#interleave race}} asks its question first', { skip, timeout: 90_000 }, async () => {
  const page = await browser.context.newPage();
  await page.goto(`${served.url}/race.html`);
  const frame = await page.locator('iframe[data-interleave-src]').contentFrame();
  await frame.getByTestId('prediction').waitFor({ timeout: 30_000 });
  assert.equal(await frame.locator('[data-testid="result-row"]').count(), 0);
  await page.close();
});

test('a bad directive fails the build naming the chapter, the line and the allowed values', { skip, timeout: 60_000 }, async () => {
  const broken = mkdtempSync(join(tmpdir(), 'interleave-book-bad-'));
  try {
    cpSync(book, broken, { recursive: true });
    rmSync(join(broken, 'book'), { recursive: true, force: true });
    const chapter = join(broken, 'src', 'race.md');
    const text = readFileSync(chapter, 'utf8').replace('{{#interleave race}}', '{{#interleave race size=0}}');
    (await import('node:fs')).writeFileSync(chapter, text);
    const env = { ...process.env, PATH: `${RELEASE}${delimiter}${process.env.PATH}` };
    let out = '';
    try {
      execFileSync('mdbook', ['build', broken], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      out = `${e.stdout}${e.stderr}`;
    }
    assert.match(out, /race\.md:5: size 0 is out of range/);
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});
