// The browser half of `interleave bench --claims --browser`: how often each lesson's claims hold
// on fresh page loads at the lesson's defaults, as a learner opens it (`?lesson=L&autorun=1`, with
// native rows from the companion) and as a tutorial site embeds it (`?lesson=L&embed=1&autorun=1`,
// browser rows only). Prints one JSON array of tallies on stdout.
// Usage: node claims.mjs BASE_URL RUNS LESSON[,LESSON…]
import { launchBrowser } from './harness.mjs';

const [base, runsArg, lessonsArg] = process.argv.slice(2);
const RUNS = Number(runsArg);
const lessons = lessonsArg.split(',').filter(Boolean);
const log = (...a) => console.error('  browser:', ...a);

const browser = await launchBrowser();
const tallies = new Map();
try {
  for (const lesson of lessons) {
    for (const view of ['page', 'embed']) {
      const url = `${base}/?lesson=${lesson}&autorun=1${view === 'embed' ? '&embed=1' : ''}`;
      for (let i = 0; i < RUNS; i++) {
        const page = await browser.context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(url);
        // A fresh page has no rows: the run's end is the first moment with rows and no Cancel
        // (autorun waits for the companion's health check first; a short run may never show
        // Cancel long enough to be seen).
        await page.waitForFunction(
          () => !document.querySelector('[data-testid="cancel"]')
            && document.querySelectorAll('[data-testid="result-row"]').length > 0,
          null, { timeout: 300_000, polling: 500 },
        );
        const failed = await page.locator('[data-testid="error"]').count();
        if (failed) log(lesson, view, 'message:', await page.getByTestId('error').textContent());
        if (errors.length) throw new Error(`${lesson} (${view}): ${errors.join('; ')}`);
        const claims = await page.$$eval('[data-testid="claim"]', (lis) => lis.map((li) => ({
          id: li.dataset.id,
          side: li.dataset.side,
          held: li.dataset.held === 'true',
          text: li.querySelector('.claim-text')?.firstChild?.textContent ?? '',
          why: li.querySelector('.why')?.textContent ?? '',
        })));
        for (const c of claims) {
          const key = `${lesson}|${view}|${c.side}|${c.id}`;
          const t = tallies.get(key) ?? { lesson, view, side: c.side, id: c.id, text: c.text, held: 0, runs: 0 };
          t.runs += 1;
          if (c.held) t.held += 1; else t.last_miss = c.why.replace(/^not this run: /, '');
          tallies.set(key, t);
        }
        log(`${lesson} ${view} ${i + 1}/${RUNS}:`, claims.map((c) => `${c.side}:${c.id}=${c.held ? 'held' : 'NOT'}`).join(' '));
        for (const c of claims.filter((c) => !c.held)) log(`    ${c.side}:${c.id}: ${c.why}`);
        await page.close();
      }
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify([...tallies.values()]));
