// The browser half of `interleave bench --browser`: drives the release page (served by the
// caller with COOP/COEP) in headless Chromium and prints one JSON object of measurements on
// stdout. Usage: node bench.mjs URL SIZE WORKERS REPEAT IO_PAGES IO_LATENCY_MS
//
// With INTERLEAVE_BENCH_PAIRED=1 (how bench/browser.rs runs it) each timed cpu run is preceded
// by a native round: this script writes the line `@native-cpu` on stdout, the caller runs native
// sequential and rayon once at the same N and workers, and answers with one line of JSON on
// stdin. A native run and a page run a second apart share the machine's mood; native runs taken
// minutes before the page's did not (two batches of native rayon a minute apart on this VM:
// medians 166 and 103 ms).
import { createInterface } from 'node:readline';
import { launchBrowser } from './harness.mjs';

const [url, size, workers, repeat, ioPages, ioLatency] = process.argv.slice(2);
const K = Number(repeat);
const log = (...a) => console.error('  browser:', ...a);
// Untimed runs before the timed ones. One is not enough in a browser: a Chrome trace of the cpu
// page showed V8 still compiling the page's own functions to optimised code in the background
// during the third and fourth runs (23–39 ms compiles on a thread pool), taking a core from the
// two pool workers on a two-core machine. A program running for a while is past that point.
const WARMUP = 3;

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], runs: s.length };
}

/** `n` runs of the page's current lesson, each row set as the result rows' data attributes;
 *  `before(i)`, if given, is awaited before run `i` starts, once the page is quiet. */
async function runs(page, n, before) {
  const out = [];
  for (let i = 0; i < n; i++) {
    // Start each run from a quiet page, as a person clicking Run again would: the previous run's
    // results are drawn and the browser's idle work after it (garbage collection, compositing)
    // has had its turn, instead of competing with the workers of the next run for two cores
    // (or with a native round run before it).
    await page.evaluate(() => new Promise((ok) => setTimeout(() => requestIdleCallback(() => ok(), { timeout: 1000 }), 250)));
    if (before) await before(i);
    // Watch before clicking, and wait on one promise resolved by a MutationObserver rather than
    // waitForFunction: that runs its predicate in the page on every animation frame, work that
    // competes with the workers being measured on a two-core machine; the observer costs nothing
    // until the page changes. A run shows Cancel while it runs (every lesson awaits at least
    // once, so an observer callback sees it); the first mutation after that which leaves the page
    // idle with result rows is its end.
    await page.evaluate(() => {
      window.__benchDone = new Promise((ok) => {
        let running = false;
        const done = () => {
          running ||= !!document.querySelector('[data-testid="cancel"]');
          return running && !document.querySelector('[data-testid="cancel"]')
            && document.querySelectorAll('[data-testid="result-row"]').length > 0;
        };
        const seen = new MutationObserver(() => { if (done()) { seen.disconnect(); ok(); } });
        seen.observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
      });
    });
    await page.getByTestId('run').click();
    await page.evaluate(() => window.__benchDone);
    const rows = await page.$$eval('[data-testid="result-row"]', (trs) => trs.map((t) => ({ ...t.dataset })));
    if (rows.some((r) => r.side !== 'web')) throw new Error('native rows in a browser measurement');
    out.push(rows);
  }
  return out;
}

// The page adds native rows (run by the companion) when it is connected, and it learns that
// asynchronously: wait for the health check, then untick them, so only the browser is timed.
async function browserRowsOnly(page) {
  await page.locator('[data-testid="companion"][data-connected="true"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('native-rows').uncheck();
}

const browser = await launchBrowser();
const page = await browser.context.newPage();
const result = {};

// Start-up, fresh loads (a new browser profile each: no HTTP cache, no compiled-code cache, no
// service worker), served with COOP/COEP: navigation start → the lesson picker on the screen, and
// → the Run button enabled. Both instants are taken in the page (performance.now(), whose zero is
// the navigation's start) by a MutationObserver installed before the page's own scripts run.
const START_LOADS = Math.max(5, K);
// The same over a slower network, as Chromium emulates it (DevTools' throttling): where the
// page's weight shows, as it does not over loopback.
const SLOW = { mbps: 10, latency_ms: 20 };
async function startUp(target, slow) {
  const fresh = await launchBrowser();
  try {
    const p = await fresh.context.newPage();
    if (slow) {
      const cdp = await fresh.context.newCDPSession(p);
      await cdp.send('Network.enable');
      const bytesPerSecond = (slow.mbps * 1e6) / 8;
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: slow.latency_ms, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond,
      });
    }
    await p.addInitScript(() => {
      window.__start = new Promise((ok) => {
        const seen = {};
        const look = () => {
          seen.picker ??= document.querySelector('[data-testid="lesson-picker"]') ? performance.now() : undefined;
          const run = document.querySelector('[data-testid="run"]');
          seen.run ??= run && !run.disabled ? performance.now() : undefined;
          if (seen.picker !== undefined && seen.run !== undefined) { watch.disconnect(); ok(seen); }
        };
        const watch = new MutationObserver(look);
        watch.observe(document, { childList: true, subtree: true, attributes: true });
      });
    });
    await p.goto(target);
    const seen = await p.evaluate(() => window.__start);
    // What crossed the network for the page by then (bodies as sent: compressed where the
    // server compressed them).
    seen.bytes = await p.evaluate(() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
      .reduce((sum, e) => sum + e.encodedBodySize, 0));
    return seen;
  } finally {
    await fresh.close();
  }
}
{
  const picker = [];
  const run = [];
  const kb = [];
  for (let i = 0; i < START_LOADS; i++) {
    const s = await startUp(`${url}/?lesson=cpu&strategies=sequential&size=1000&predict=0`);
    picker.push(s.picker);
    run.push(s.run);
    kb.push(s.bytes / 1000);
  }
  result.start = { picker_ms: stats(picker), run_enabled_ms: stats(run), transferred_kb: stats(kb) };
  result.tti_ms = result.start.run_enabled_ms;
  log('start-up: picker', result.start.picker_ms.median.toFixed(0), 'ms; Run enabled', result.start.run_enabled_ms.median.toFixed(0), 'ms;',
    result.start.transferred_kb.median.toFixed(0), 'KB transferred');
  const slowPicker = [];
  const slowRun = [];
  for (let i = 0; i < START_LOADS; i++) {
    const s = await startUp(`${url}/?lesson=cpu&strategies=sequential&size=1000&predict=0`, SLOW);
    slowPicker.push(s.picker);
    slowRun.push(s.run);
  }
  result.start_slow = { ...SLOW, picker_ms: stats(slowPicker), run_enabled_ms: stats(slowRun) };
  log(`start-up at ${SLOW.mbps} Mbps: picker`, result.start_slow.picker_ms.median.toFixed(0), 'ms');
}

// Start-up on a host that sends no headers (Python's http.server over the same dist/): the first
// visit installs the service worker and reloads once under it; later visits start under it. Taken
// in the page as the fresh loads above are, from the start of the visit's first navigation to an
// isolated page with its Run button: the reload resets the page's clock, so each load adds its
// own clock to its time origin, and the tab remembers the first load's origin (sessionStorage).
// Each first visit gets a fresh profile (a service worker outlives a tab); its later visit is a
// new tab in the same profile.
{
  const { spawn } = await import('node:child_process');
  const { join } = await import('node:path');
  const port = 8290;
  const dist = join(import.meta.dirname, '..', '..', 'dist');
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dist], { stdio: 'ignore' });
  try {
    const plain = `http://127.0.0.1:${port}/?lesson=cpu&strategies=sequential&size=1000&predict=0`;
    const visit = async (context) => {
      const p = await context.newPage();
      await p.addInitScript(() => {
        const KEY = 'interleave-bench-visit-origin';
        const first = Number(sessionStorage.getItem(KEY) ?? performance.timeOrigin);
        sessionStorage.setItem(KEY, String(first));
        window.__visit = new Promise((ok) => {
          const look = () => {
            const chip = document.querySelector('[data-testid="isolation"][data-isolated="true"]');
            const run = document.querySelector('[data-testid="run"]');
            if (chip && run && !run.disabled) {
              watch.disconnect();
              ok(performance.timeOrigin + performance.now() - first);
            }
          };
          const watch = new MutationObserver(look);
          watch.observe(document, { childList: true, subtree: true, attributes: true });
        });
      });
      await p.goto(plain);
      // The first load of a first visit is stopped and reloaded: wait for the one that draws.
      await p.locator('[data-testid="isolation"][data-isolated="true"]').waitFor({ timeout: 30_000 });
      const ms = await p.evaluate(() => window.__visit);
      await p.close();
      return ms;
    };
    for (let i = 0; i < 50; i++) {
      try { await fetch(`http://127.0.0.1:${port}/`); break; } catch { await new Promise((ok) => setTimeout(ok, 100)); }
    }
    const first = [];
    const later = [];
    for (let i = 0; i < START_LOADS; i++) {
      const fresh = await launchBrowser();
      try {
        first.push(await visit(fresh.context));
        later.push(await visit(fresh.context));
      } finally {
        await fresh.close();
      }
    }
    result.static_host = { first_visit_ms: stats(first), later_visit_ms: stats(later) };
    log('static host: first visit', result.static_host.first_visit_ms.median.toFixed(0), 'ms; later', result.static_host.later_visit_ms.median.toFixed(0), 'ms');
  } finally {
    server.kill();
  }
}

// The caller's answers to `@native-cpu`, one line each (see the top of this file).
const PAIRED = process.env.INTERLEAVE_BENCH_PAIRED === '1';
const caller = PAIRED ? createInterface({ input: process.stdin }) : null;
const answers = caller?.[Symbol.asyncIterator]();
/** Ask the caller for one native round; it must answer within a minute (a native round at the
 *  largest N the bench is run with takes a few seconds). */
async function nativeRound() {
  process.stdout.write('@native-cpu\n');
  let timer;
  const late = new Promise((_, no) => { timer = setTimeout(() => no(new Error('no native round within 60 s')), 60_000); });
  try {
    const next = await Promise.race([answers.next(), late]);
    if (next.done) throw new Error('the caller closed stdin instead of answering a native round');
    return JSON.parse(next.value);
  } finally {
    clearTimeout(timer);
  }
}

// cpu: WARMUP untimed runs (JIT tiers, pool start), then K timed runs of each strategy, each
// after a native round when paired.
await page.goto(`${url}/?lesson=cpu&strategies=sequential,pool,workers&size=${size}&workers=${workers}&predict=0`);
await browserRowsOnly(page);
const native = [];
const cpuRuns = (await runs(page, K + WARMUP, async (i) => {
  if (PAIRED && i >= WARMUP) native.push(await nativeRound());
})).slice(WARMUP);
result.cpu = {};
for (const strategy of ['sequential', 'pool', 'workers']) {
  const rows = cpuRuns.map((rs) => rs.find((r) => r.strategy === strategy));
  if (rows.some((r) => !r || r.correct !== 'true')) throw new Error(`cpu ${strategy}: wrong or missing result`);
  result.cpu[strategy] = { ...stats(rows.map((r) => Number(r.wallMs))), workers_used: Number(rows[0].workersUsed) };
  log(`cpu ${strategy}`, result.cpu[strategy].median.toFixed(1), 'ms');
}
// Round by round: the native runs and the page's runs that followed them.
const wall = (rs, strategy) => Number(rs.find((r) => r.strategy === strategy).wallMs);
result.cpu_paired = native.map((n, i) => ({
  native_sequential_ms: n.sequential_ms,
  native_rayon_ms: n.rayon_ms,
  wasm_sequential_ms: wall(cpuRuns[i], 'sequential'),
  wasm_pool_ms: wall(cpuRuns[i], 'pool'),
}));

// io: async fetches through the same origin, all allowed at once.
await page.goto(`${url}/?lesson=io&strategies=async&size=${ioPages}&latency=${ioLatency}&workers=${ioPages}&predict=0`);
await browserRowsOnly(page);
const ioRuns = (await runs(page, K + WARMUP)).slice(WARMUP).map((rs) => rs[0]);
if (ioRuns.some((r) => r.correct !== 'true')) throw new Error('io async: wrong result');
result.io_async = { ...stats(ioRuns.map((r) => Number(r.wallMs))), pages: Number(ioPages), latency_ms: Number(ioLatency) };
result.io_verdict = await page.getByTestId('verdict').textContent();
log('io async', result.io_async.median.toFixed(0), 'ms');

// The task-cost ladder: the cheap rungs at 1,000 tasks a run, starting a worker at 20 (each
// start costs milliseconds); medians of K runs after the warm-up runs, per rung.
result.ladder = [];
for (const [strategies, n, k] of [['async-task,pool-job,worker-message', 1000, K], ['worker-start', 20, Math.min(K, 3)]]) {
  await page.goto(`${url}/?lesson=cost&strategies=${strategies}&size=${n}&predict=0`);
  await browserRowsOnly(page);
  const costRuns = (await runs(page, k + WARMUP)).slice(WARMUP);
  for (const what of strategies.split(',')) {
    const rows = costRuns.map((rs) => rs.find((r) => r.strategy === what));
    if (rows.some((r) => !r || r.correct !== 'true')) throw new Error(`cost ${what}: wrong or missing result`);
    const us = stats(rows.map((r) => (Number(r.wallMs) * 1000) / n));
    result.ladder.push({ what, us_per_task: us.median, min_us: us.min, max_us: us.max });
    log(`cost ${what}`, us.median.toFixed(2), 'µs per task');
  }
}
// What the browser itself charges for one hop through its microtask queue, in the same page:
// the floor under an async task's wake.
result.microtask_us = stats(await page.evaluate(async (k) => {
  const out = [];
  for (let i = 0; i <= k; i++) {
    const n = 20_000;
    const t = performance.now();
    for (let j = 0; j < n; j++) await new Promise((ok) => queueMicrotask(ok));
    out.push(((performance.now() - t) * 1000) / n);
  }
  return out.slice(1);
}, K));
log('one queueMicrotask hop', result.microtask_us.median.toFixed(2), 'µs');

// The explorer: "Count all" for race unsynchronized, 2 workers × 2 rounds (in a web worker).
const explore = [];
for (let i = 0; i < K + 1; i++) {
  await page.goto(`${url}/?lesson=race&strategies=unsynchronized&workers=2&rounds=2&explore=1`);
  await page.getByTestId('explore-count-all').click();
  const count = page.getByTestId('explore-count');
  await count.waitFor({ timeout: 60_000 });
  if (Number(await count.getAttribute('data-schedules')) !== 12870) throw new Error('explorer: wrong count');
  if (i > 0) explore.push(Number(await count.getAttribute('data-ms')));
}
result.explore_ms = stats(explore);
log('explorer count', result.explore_ms.median.toFixed(1), 'ms');

// The explorer's program engine on the largest model the issue names: race unsynchronized,
// 3 workers × 3 rounds (8,610,297 states), checked in a web worker; its time inside the worker
// and the worker's memory at the end (wasm memory only grows: its peak).
const big = [];
let bigStates = 0;
let bigMemory = 0;
for (let i = 0; i < Math.min(K, 3) + 1; i++) {
  await page.goto(`${url}/?lesson=race&strategies=unsynchronized&workers=3&rounds=3&explore=1`);
  await page.getByTestId('explore-count-all').click();
  const count = page.getByTestId('explore-count');
  await count.waitFor({ timeout: 120_000 });
  if ((await count.getAttribute('data-schedules')) !== '3384731762521200') throw new Error('explorer 3x3: wrong count');
  bigStates = Number(await count.getAttribute('data-states'));
  bigMemory = Math.max(bigMemory, Number(await count.getAttribute('data-memory')));
  if (i > 0) big.push(Number(await count.getAttribute('data-ms')));
}
result.explore_program = { race_3x3_ms: stats(big), states: bigStates, memory_mib: bigMemory / (1024 * 1024) };
log('explorer program race 3x3', result.explore_program.race_3x3_ms.median.toFixed(0), 'ms,',
  result.explore_program.memory_mib.toFixed(0), 'MiB');

// The event-loop recorder's cost per poll, the page's own clock (performance.now, which browsers
// coarsen: 200,000 polls per measurement keep that well below a nanosecond per poll).
await page.goto(`${url}/?lesson=event-loop`);
await page.getByTestId('run').waitFor();
const recorder = await page.evaluate((k) => {
  const out = [];
  for (let i = 0; i <= k; i++) out.push(Array.from(window.wasmBindings.interleave_recorder_cost(200_000)));
  return out.slice(1);
}, K);
result.recorder = { bare_ns: stats(recorder.map((r) => r[0])), traced_ns: stats(recorder.map((r) => r[1])) };
log('recorder', (result.recorder.traced_ns.median - result.recorder.bare_ns.median).toFixed(0), 'ns per poll added');

await browser.close();
process.stdout.write(JSON.stringify(result));
caller?.close(); // it keeps stdin, and so this process, open
