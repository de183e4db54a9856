// Tutorial sites: the built page (dist/) on hosts that send no headers, in frames on pages that
// send none, and the embed's messages to the page around it. Every server here is real and on
// loopback: Python's http.server for a header-less static host, `interleave serve --static-dir`
// for a playground that sends Document-Isolation-Policy, small Node pages for tutorial sites.
// docs/embedding.md's table is these tests' findings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ROOT, artifact, launchBrowser, startPage, startStatic, startStaticCompanion, stopAll, sumOfSquares,
} from './harness.mjs';

let browser;
let site; // a copy of dist/ that a test may "deploy" over
let plain; // that copy on a server that sends no headers
let dip; // that copy on `interleave serve --static-dir` (COOP/COEP/CORP + Document-Isolation-Policy)
const hosts = [];

before(async () => {
  await startPage(); // builds dist/ (trunk serve --release), as the other browser tests do
  site = mkdtempSync(join(tmpdir(), 'interleave-site-'));
  cpSync(join(ROOT, 'dist'), site, { recursive: true });
  plain = await startStatic(site, 8210);
  dip = await startStaticCompanion(site, 3921);
  browser = await launchBrowser();
}, { timeout: 16 * 60_000 });

after(async () => {
  await browser?.close();
  await Promise.all(hosts.map((h) => new Promise((ok) => { h.close(ok); h.closeAllConnections(); })));
  await stopAll();
  if (site) rmSync(site, { recursive: true, force: true });
});

/** A tutorial page on `port` that sends no headers: `html` is its body. */
async function hostPage(port, html) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A tutorial</title></head><body>${html}</body></html>`);
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  hosts.push(server);
  return `http://127.0.0.1:${port}`;
}

/** Count the document loads of `page`'s frames (the main frame and iframes alike). */
function countLoads(page) {
  const loads = { main: 0, frames: 0, wasmFinished: 0, byWorker: [], byNetwork: [] };
  // A WebAssembly download that completed (one stopped half-way by window.stop() fails).
  page.on('requestfinished', (r) => {
    if (r.url().endsWith('.wasm')) loads.wasmFinished += 1;
  });
  // Which answers the service worker made: the page's own file name (or the request's
  // destination for the page itself), by who answered.
  page.on('response', (r) => {
    const name = r.request().isNavigationRequest() ? 'document' : new URL(r.url()).pathname.split('/').pop();
    (r.fromServiceWorker() ? loads.byWorker : loads.byNetwork).push(name);
  });
  page.on('request', (r) => {
    if (!r.isNavigationRequest()) return;
    if (r.frame() === page.mainFrame()) loads.main += 1;
    else loads.frames += 1;
  });
  return loads;
}

/** Wait for a finished run with `n` rows in `scope` (a page or a frame locator's owner). */
async function runFinished(frame, n, timeout = 90_000) {
  await frame.waitForFunction(
    (n) => !document.querySelector('[data-testid="cancel"]')
      && document.querySelectorAll('[data-testid="result-row"]').length >= n,
    n, { timeout },
  );
}

/** The frame whose address matches `re`, once it exists. */
async function frameOf(page, re, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const frame = page.frame({ url: re });
    if (frame) return frame;
    if (Date.now() > deadline) throw new Error(`no frame matching ${re} within ${timeout} ms`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/** A frame that may reload itself once: wait for `n` rows in whichever frame finally holds the
 *  lesson. */
async function settledRun(page, re, n, timeout = 90_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const frame = await frameOf(page, re);
    try {
      await runFinished(frame, n, 5_000);
      return frame;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
  }
}

async function webRows(frame) {
  return frame.$$eval('[data-testid="result-row"][data-side="web"]', (trs) => trs.map((t) => ({ ...t.dataset })));
}

const CPU = 'lesson=cpu&strategies=sequential,pool&size=2000000&workers=2&predict=0';

test('dist/ on a host that sends no headers: one reload under the service worker, isolated, the pool runs exact', { timeout: 120_000 }, async () => {
  const page = await browser.context.newPage();
  const loads = countLoads(page);
  await page.goto(`${plain.url}/?${CPU}&autorun=1`);
  await runFinished(page, 2);
  const chip = page.getByTestId('isolation');
  assert.equal(await chip.getAttribute('data-isolated'), 'true');
  assert.equal(await chip.getAttribute('data-isolation'), 'service-worker');
  assert.equal(loads.main, 2, 'the first visit loads twice: once to install the worker, once under it');
  // The first load is stopped as soon as the worker is registered: its WebAssembly is not
  // downloaded for nothing (only the load under the worker completes one).
  assert.equal(loads.wasmFinished, 1, 'the doomed first load downloaded the WebAssembly');
  const rows = await webRows(page);
  assert.deepEqual(rows.map((r) => r.strategy), ['sequential', 'pool']);
  assert.ok(rows.every((r) => r.result === sumOfSquares(2_000_000).toString()), JSON.stringify(rows));
  assert.ok(Number(rows[1].workersUsed ?? 2) >= 1);
  // The next visit is under the worker from the start: no reload.
  const again = await browser.context.newPage();
  const loadsAgain = countLoads(again);
  await again.goto(`${plain.url}/?${CPU}`);
  await again.getByTestId('run').waitFor();
  assert.equal(await again.getByTestId('isolation').getAttribute('data-isolated'), 'true');
  assert.equal(loadsAgain.main, 1);
  const report = await again.evaluate(() => window.__interleaveIsolation);
  assert.equal(report.by, 'service-worker');
  await again.waitForFunction(() => performance.getEntriesByType('resource').some((e) => /page-data-/.test(e.name)));
  // The worker answers the page itself (it adds the headers); the script, the WebAssembly and
  // the data file come from the network as they would without it.
  assert.ok(loadsAgain.byWorker.includes('document'), JSON.stringify(loadsAgain));
  for (const kind of [/\.wasm$/, /^interleave-web-.*\.js$/, /^page-data-.*\.bin$/]) {
    assert.ok(loadsAgain.byNetwork.some((n) => kind.test(n)), `${kind} not fetched: ${JSON.stringify(loadsAgain)}`);
    assert.ok(!loadsAgain.byWorker.some((n) => kind.test(n)), `${kind} re-served by the worker: ${JSON.stringify(loadsAgain)}`);
  }
  await page.screenshot({ path: artifact('static-host-isolated.png') });
  await page.close();
  await again.close();
});

test('a new deploy is never hidden behind the service worker', { timeout: 60_000 }, async () => {
  const page = await browser.context.newPage();
  await page.goto(`${plain.url}/?lesson=race`);
  await page.getByTestId('run').waitFor();
  assert.equal(await page.evaluate(() => !!navigator.serviceWorker.controller), true);
  // "Deploy" a new index.html over the old one, as a static host's upload does.
  const index = join(site, 'index.html');
  const old = readFileSync(index, 'utf8');
  writeFileSync(index, old.replace('<head>', '<head><meta name="interleave-build" content="deploy-2">'));
  try {
    await page.reload();
    await page.getByTestId('run').waitFor();
    assert.equal(await page.locator('meta[name="interleave-build"]').getAttribute('content'), 'deploy-2');
    assert.equal(await page.getByTestId('isolation').getAttribute('data-isolated'), 'true');
  } finally {
    writeFileSync(index, old);
  }
  await page.close();
});

test('where the server sends the headers the service worker stays out of the way, and the page comes gzipped', { timeout: 60_000 }, async () => {
  const page = await browser.context.newPage();
  const loads = countLoads(page);
  const encodings = new Map();
  page.on('response', async (r) => {
    if (/\.(wasm|js|css)$/.test(new URL(r.url()).pathname)) encodings.set(new URL(r.url()).pathname, (await r.allHeaders())['content-encoding']);
  });
  await page.goto(`${dip.url}/?lesson=race`);
  await page.getByTestId('run').waitFor();
  assert.equal(await page.getByTestId('isolation').getAttribute('data-isolation'), 'headers');
  assert.equal(loads.main, 1, 'no reload');
  assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0);
  // The post-build hook's gzip copies, sent by `interleave serve --static-dir`: the wasm crosses
  // the network at well under half its size.
  const wasm = [...encodings.keys()].find((p) => p.endsWith('.wasm'));
  assert.ok(wasm, JSON.stringify([...encodings]));
  assert.ok([...encodings.values()].every((e) => e === 'gzip'), JSON.stringify([...encodings]));
  const sizes = await page.evaluate((w) => {
    const e = performance.getEntriesByType('resource').find((r) => new URL(r.name).pathname === w);
    return { sent: e.encodedBodySize, size: e.decodedBodySize };
  }, wasm);
  assert.ok(sizes.sent < sizes.size / 2, JSON.stringify(sizes));
  await page.close();
});

test('an iframe on a page that sends no headers: isolated by Document-Isolation-Policy from the server, the pool runs', { timeout: 120_000 }, async () => {
  const host = await hostPage(8211, `<h1>Chapter 3</h1><iframe id="f" style="width:420px;height:700px"
    src="${dip.url}/?${CPU}&embed=1&autorun=1" title="lesson"></iframe>`);
  const page = await browser.context.newPage();
  const loads = countLoads(page);
  await page.goto(host);
  const frame = await frameOf(page, /lesson=cpu/);
  await runFinished(frame, 2);
  assert.equal(await frame.evaluate(() => crossOriginIsolated), true);
  assert.equal(await frame.getByTestId('isolation').getAttribute('data-isolation'), 'headers');
  assert.equal(loads.frames, 1, 'no reload of the frame');
  const rows = await webRows(frame);
  assert.deepEqual(rows.map((r) => r.strategy), ['sequential', 'pool']);
  assert.ok(rows.every((r) => r.result === sumOfSquares(2_000_000).toString()));
  await page.screenshot({ path: artifact('frame-dip-server.png') });
  await page.close();
});

test('an iframe on a page that sends no headers, from a host that sends none: the service worker isolates the frame', { timeout: 120_000 }, async () => {
  const host = await hostPage(8212, `<iframe id="f" style="width:420px;height:700px"
    src="${plain.url}/?${CPU}&embed=1&autorun=1" title="lesson"></iframe>`);
  const page = await browser.context.newPage();
  const loads = countLoads(page);
  await page.goto(host);
  const frame = await settledRun(page, /lesson=cpu/, 2);
  assert.equal(await frame.getByTestId('isolation').getAttribute('data-isolation'), 'service-worker');
  assert.ok(loads.frames <= 2, `at most one reload of the frame, saw ${loads.frames} loads`);
  const rows = await webRows(frame);
  assert.deepEqual(rows.map((r) => r.strategy), ['sequential', 'pool']);
  assert.ok(rows.every((r) => r.result === sumOfSquares(2_000_000).toString()));
  await page.close();
});

test('a browser that cannot isolate a frame on its own: the pool is off with one line, and the new tab gets it', { timeout: 180_000 }, async () => {
  // Chromium without Document-Isolation-Policy stands for a browser that lacks it.
  const old = await launchBrowser(['--disable-features=DocumentIsolationPolicy']);
  try {
    const host = await hostPage(8213, `<iframe id="f" style="width:420px;height:760px"
      src="${plain.url}/?lesson=cpu&strategies=sequential,pool,workers&size=200000&embed=1&predict=0&autorun=1" title="lesson"></iframe>`);
    const page = await old.context.newPage();
    const loads = countLoads(page);
    await page.goto(host);
    const frame = await settledRun(page, /lesson=cpu/, 2);
    assert.ok(loads.frames <= 2, `at most one reload, saw ${loads.frames}`);
    assert.equal(await frame.getByTestId('isolation').getAttribute('data-isolated'), 'false');
    const line = frame.getByTestId('pool-off');
    assert.equal(await line.getAttribute('data-why'), 'frame');
    const text = await line.textContent();
    assert.match(text, /pool is off: this frame is not cross-origin isolated: the page embedding it sends no COOP\/COEP headers/);
    assert.match(text, /allow="cross-origin-isolated"/);
    const rows = await webRows(frame);
    assert.deepEqual(rows.map((r) => r.strategy), ['sequential', 'workers'], 'every other strategy runs');
    assert.ok(rows.every((r) => r.correct === 'true'));
    await page.screenshot({ path: artifact('frame-pool-off.png') });
    // "Open in a new tab ↗": top level, the service worker isolates it.
    const [tab] = await Promise.all([
      old.context.waitForEvent('page'),
      frame.getByTestId('pool-new-tab').click(),
    ]);
    await tab.waitForFunction(() => document.querySelector('[data-testid="isolation"]')?.dataset.isolated === 'true', null, { timeout: 30_000 });
    assert.equal(await tab.getByTestId('strategy-pool').isDisabled(), false);
    await tab.close();
    await page.close();
  } finally {
    await old.close();
  }
});

test('a service worker that cannot be registered: the stopped first load comes back once and says why', { timeout: 60_000 }, async () => {
  // A deploy that lost interleave-sw.js: registering it fails with a 404.
  const broken = mkdtempSync(join(tmpdir(), 'interleave-site-'));
  try {
    cpSync(site, broken, { recursive: true });
    rmSync(join(broken, 'interleave-sw.js'));
    const host = await startStatic(broken, 8217);
    const page = await browser.context.newPage();
    const loads = countLoads(page);
    await page.goto(`${host.url}/?lesson=cpu&strategies=sequential,pool`);
    await page.getByTestId('run').waitFor();
    const chip = page.getByTestId('isolation');
    await page.waitForFunction(() => document.querySelector('[data-testid="isolation"]')?.dataset.isolation === 'register-failed');
    assert.equal(await chip.getAttribute('data-isolated'), 'false');
    assert.match(await page.getByTestId('pool-off').textContent(), /could not be registered \(/);
    assert.equal(loads.main, 2, 'the stopped load, then one load without the worker');
    assert.equal(loads.wasmFinished, 1);
    await page.close();
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});

test('where isolation cannot be had the page says why: plain HTTP from another host, a file', { timeout: 120_000 }, async () => {
  // play.test resolves to loopback but is not localhost: not a secure context, as plain HTTP
  // from any real host is.
  const other = await launchBrowser(['--host-resolver-rules=MAP play.test 127.0.0.1']);
  try {
    const page = await other.context.newPage();
    await page.goto(`http://play.test:8210/?lesson=cpu&strategies=sequential,pool`);
    await page.getByTestId('run').waitFor();
    assert.equal(await page.getByTestId('isolation').getAttribute('data-isolation'), 'insecure');
    assert.match(await page.getByTestId('pool-off').textContent(), /only on HTTPS or localhost/);
    await page.close();
    const file = await other.context.newPage();
    await file.goto(pathToFileURL(join(site, 'index.html')).href);
    const note = file.getByTestId('file-note');
    await note.waitFor({ timeout: 10_000 });
    assert.match(await note.textContent(), /python3 -m http.server/);
    await file.close();
  } finally {
    await other.close();
  }
});

test('the embed sizes its frame, tells its page when a run ends, and runs when that page asks', { timeout: 120_000 }, async () => {
  const example = readFileSync(join(ROOT, 'docs', 'embed-example.html'), 'utf8');
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(example);
  });
  await new Promise((ok) => server.listen(8214, '127.0.0.1', ok));
  hosts.push(server);
  const lesson = encodeURIComponent(`${dip.url}/?lesson=cpu&strategies=sequential,workers&size=300000&workers=2&embed=1&predict=0`);
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 800, height: 900 });
  await page.goto(`http://127.0.0.1:8214/embed-example.html?lesson=${lesson}`);
  const frame = await frameOf(page, /lesson=cpu/);
  await frame.getByTestId('run').waitFor();
  // The host sizes the frame to the lesson's content: no scrollbar, within 2 px.
  const fit = async () => {
    const outer = await page.$eval('#lesson', (f) => f.getBoundingClientRect().height - 2);
    const inner = await frame.evaluate(() => document.documentElement.scrollHeight);
    return { outer, inner };
  };
  await page.waitForFunction(() => document.getElementById('lesson').style.height !== '');
  let sizes = await fit();
  assert.ok(Math.abs(sizes.outer - sizes.inner) <= 2, JSON.stringify(sizes));
  // The page asks for a run; the lesson runs and says so with its records.
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('last').textContent.startsWith('Run finished'), null, { timeout: 60_000 });
  assert.match(await page.textContent('#last'), /Run finished: 2 rows, \d+ of \d+ claims held\./);
  await runFinished(frame, 2);
  const rows = await webRows(frame);
  assert.ok(rows.every((r) => r.result === sumOfSquares(300_000).toString()));
  // Results made the lesson taller: the frame followed.
  await page.waitForTimeout(500);
  sizes = await fit();
  assert.ok(Math.abs(sizes.outer - sizes.inner) <= 2, `after the run: ${JSON.stringify(sizes)}`);
  await page.screenshot({ path: artifact('embed-host-example.png'), fullPage: true });
  await page.close();
});

test('the embed ignores pages other than the one its link names', { timeout: 60_000 }, async () => {
  // A stranger frames the lesson naming another origin as parent, and asks it to run.
  const named = 'http://127.0.0.1:8299';
  const stranger = await hostPage(8215, `<iframe id="f" style="width:420px;height:600px"
    src="${dip.url}/?lesson=cpu&strategies=sequential&size=1000&embed=1&predict=0&parent=${encodeURIComponent(named)}" title="lesson"></iframe>
    <script>window.got = []; addEventListener('message', (e) => window.got.push(e.data));</script>`);
  const page = await browser.context.newPage();
  await page.goto(stranger);
  const frame = await frameOf(page, /lesson=cpu/);
  await frame.getByTestId('run').waitFor();
  await page.evaluate(() => document.getElementById('f').contentWindow.postMessage({ type: 'interleave:run', version: 1 }, '*'));
  await page.waitForTimeout(2_000);
  assert.equal(await frame.locator('[data-testid="result-row"]').count(), 0, 'no run for a stranger');
  assert.deepEqual(await page.evaluate(() => window.got), [], 'nothing said to a stranger');
  await page.close();
});
