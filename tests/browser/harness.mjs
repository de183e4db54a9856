// Shared set-up for the browser tests: the native companion, `trunk serve --release` (the same
// Trunk.toml headers and /api proxy a learner gets), and Debian's Chromium driven by
// playwright-core. Everything listens on loopback; everything started here is stopped here.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'tests', 'browser', 'artifacts');
export const PAGE_PORT = Number(process.env.INTERLEAVE_TEST_PORT ?? 8099);
export const COMPANION_ADDR = '127.0.0.1:3917'; // fixed by Trunk.toml's [[proxy]]
export const BASE = `http://127.0.0.1:${PAGE_PORT}`;

const children = [];

function portFree(port) {
  return new Promise((ok) => {
    const s = net.createServer().once('error', () => ok(false)).once('listening', () => s.close(() => ok(true)));
    s.listen(port, '127.0.0.1');
  });
}

async function waitForHttp(url, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${child.spawnargs.join(' ')} exited with ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.ok) return r;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function start(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], detached: true, ...opts });
  children.push(child);
  return child;
}

/** The companion (`interleave serve`), built by the test script in release mode. */
export async function startCompanion() {
  const port = Number(COMPANION_ADDR.split(':')[1]);
  if (!(await portFree(port))) {
    throw new Error(`port ${port} is busy: stop the dev server (scripts/serve) before running the browser tests`);
  }
  const bin = join(ROOT, 'target', 'release', 'interleave');
  const child = start(bin, ['serve', '--addr', COMPANION_ADDR]);
  await waitForHttp(`http://${COMPANION_ADDR}/api/health`, 15_000, child);
  return child;
}

/** The catalogue as the CLI lists it (`interleave list --json`): lessons and their strategies. */
export function catalogue() {
  const bin = join(ROOT, 'target', 'release', 'interleave');
  return JSON.parse(execFileSync(bin, ['list', '--json'], { encoding: 'utf8' }));
}

let builds = 0;

/** How many builds the page server has started. Trunk rebuilds when a watched file changes, and a
 *  page loaded while `dist/` is being replaced fails; after the first build nothing the tests do
 *  (screenshots, downloads, the companion's runs) may start another. */
export function pageBuilds() {
  return builds;
}

/** `trunk serve --release` on PAGE_PORT: builds (cached) and serves with COOP/COEP and the proxy. */
export async function startPage() {
  if (!(await portFree(PAGE_PORT))) throw new Error(`port ${PAGE_PORT} is busy`);
  const child = start('trunk', ['serve', '--release', '--port', String(PAGE_PORT), '--no-autoreload'], {
    env: { ...process.env, TRUNK_SKIP_VERSION_CHECK: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Trunk logs to stdout: pass each line on, counting the builds it starts.
  createInterface({ input: child.stdout }).on('line', (line) => {
    process.stdout.write(`${line}\n`);
    if (line.includes('starting build')) builds += 1;
  });
  await waitForHttp(`${BASE}/`, 15 * 60_000, child);
  return child;
}

export function stop(child) {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    child.once('exit', ok);
    try { process.kill(-child.pid, 'SIGTERM'); } catch { ok(); }
    setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref();
  });
}

/** A plain static server with no headers of its own (Python's http.server), as GitHub Pages or
 *  any file host would serve `dir`. */
export async function startStatic(dir, port) {
  if (!(await portFree(port))) throw new Error(`port ${port} is busy`);
  const child = start('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await waitForHttp(`http://127.0.0.1:${port}/`, 15_000, child);
  return { url: `http://127.0.0.1:${port}`, child };
}

/** `interleave serve --static-dir dir`: the built page with COOP/COEP/CORP and
 *  Document-Isolation-Policy, and the API beside it. */
export async function startStaticCompanion(dir, port) {
  if (!(await portFree(port))) throw new Error(`port ${port} is busy`);
  const bin = join(ROOT, 'target', 'release', 'interleave');
  const child = start(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--static-dir', dir]);
  await waitForHttp(`http://127.0.0.1:${port}/api/health`, 15_000, child);
  return { url: `http://127.0.0.1:${port}`, child };
}

export async function stopAll() {
  await Promise.all(children.map(stop));
}

/** Debian's Chromium, headless, with a fresh profile and no background networking; `extra`
 *  switches go after ours (a feature turned off, a host mapped). */
export async function launchBrowser(extra = []) {
  const profile = mkdtempSync(join(tmpdir(), 'interleave-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...extra],
  });
  return { context: browser, close: async () => { await browser.close(); rmSync(profile, { recursive: true, force: true }); } };
}

export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Σ i² for i < n, exactly, in BigInt: an independent check of the page's answer. */
export function sumOfSquares(n) {
  const N = BigInt(n);
  return N === 0n ? 0n : ((N - 1n) * N * (2n * N - 1n)) / 6n;
}

/** The io lesson's expected result, computed here independently: pages 0..n of `bytes` bytes,
 *  byte i of page p = (31·i + 17·p + 7) mod 251; per page FNV-1a 64 over little-endian 8-byte
 *  words (the last zero-padded), then the length as one more word; checksums summed mod 2⁶⁴. */
export function ioExpected(pages, bytes) {
  const MASK = (1n << 64n) - 1n;
  const PRIME = 0x100000001b3n;
  let sum = 0n;
  for (let p = 0; p < pages; p++) {
    let h = 0xcbf29ce484222325n;
    for (let i = 0; i < bytes; i += 8) {
      let word = 0n;
      for (let k = 0; k < 8 && i + k < bytes; k++) {
        word |= BigInt(((i + k) * 31 + p * 17 + 7) % 251) << BigInt(8 * k);
      }
      h = ((h ^ word) * PRIME) & MASK;
    }
    h = ((h ^ BigInt(bytes)) * PRIME) & MASK;
    sum = (sum + h) & MASK;
  }
  return `${pages} pages, ${pages * bytes} bytes, checksum ${sum.toString(16).padStart(16, '0')}`;
}

/** A tiny host site on another port, embedding the playground in an iframe as a tutorial would.
 *  `/isolated.html` is served with COOP/COEP and delegates isolation to the frame; `/plain.html`
 *  sends no headers (the frame is isolated only by the playground's Document-Isolation-Policy). */
export async function startHostSite(port, iframeSrc) {
  const http = await import('node:http');
  const page = (allow) => `<!doctype html><html><head><title>A tutorial</title>
<style>body{font-family:sans-serif;margin:16px;background:#fff} iframe{border:1px solid #ccc;width:400px;height:640px}</style></head>
<body><h1>Concurrency, chapter 3</h1><p>Try it:</p>
<iframe data-testid="embed" src="${iframeSrc}" ${allow ? 'allow="cross-origin-isolated"' : ''}></iframe></body></html>`;
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/isolated.html')) {
      res.writeHead(200, { 'content-type': 'text/html', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      res.end(page(true));
    } else if (req.url.startsWith('/plain.html')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(page(false));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((ok) => { server.close(ok); server.closeAllConnections(); }),
  };
}
