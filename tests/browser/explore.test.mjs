// The interleaving explorer in real headless Chromium: step a lost update by hand, replay a
// permalink, count every schedule in a web worker (the same counts as the CLI), and follow
// "see how it happens" from a real run. Screenshots go to tests/browser/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BASE, ROOT, artifact, launchBrowser, startCompanion, startPage, stopAll } from './harness.mjs';

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

async function openPage(url) {
  const page = await browser.context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${BASE}${url}`);
  return page;
}

/** What the CLI counts for the same model. */
function cliCount(lesson, strategy, workers, rounds) {
  const bin = join(ROOT, 'target', 'release', 'interleave');
  const out = execFileSync(bin, ['explore', lesson, '--strategy', strategy, '--workers', String(workers),
    '--rounds', String(rounds), '--all', '--json'], { encoding: 'utf8' });
  return JSON.parse(out);
}

test('stepping a race by hand loses an update, and the schedule is the permalink', { timeout: 60_000 }, async () => {
  const page = await openPage('/?lesson=race&strategies=unsynchronized&workers=2&explore=1');
  await page.getByTestId('explore').waitFor();
  for (const w of [0, 0, 0, 1, 0, 1, 1, 1]) await page.getByTestId(`step-${w}`).click();
  const state = await page.getByTestId('explore-state').textContent();
  assert.match(state, /balance 5/);
  assert.match(state, /0,0,0,1,0,1,1,1/);
  const ending = page.getByTestId('explore-ending');
  assert.equal(await ending.getAttribute('data-wrong'), 'true');
  assert.match(await ending.textContent(), /balance 5 instead of 0/);
  assert.match(page.url(), /explore=1/);
  assert.match(page.url(), /schedule=0,0,0,1,0,1,1,1/);
  // Finished workers cannot step; undo gives the last step back.
  assert.equal(await page.getByTestId('step-0').isDisabled(), true);
  await page.getByTestId('explore-undo').click();
  assert.equal(await page.getByTestId('step-1').isDisabled(), false);
  await page.screenshot({ path: artifact('explore-race-by-hand.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a permalink replays its schedule; a deadlock shows who holds what', { timeout: 60_000 }, async () => {
  const page = await openPage('/?lesson=deadlock&strategies=opposite-order&explore=1&schedule=0,1');
  await page.getByTestId('explore').waitFor();
  const state = await page.getByTestId('explore-state').textContent();
  assert.match(state, /A held by w0; B held by w1/);
  assert.equal(await page.getByTestId('explore-ending').getAttribute('data-wrong'), 'true');
  assert.equal(await page.getByTestId('step-0').isDisabled(), true, 'w0 waits for B');
  assert.equal(await page.getByTestId('step-1').isDisabled(), true, 'w1 waits for A');
  // A schedule that cannot be followed is named, not silently dropped.
  const bad = await openPage('/?lesson=deadlock&strategies=opposite-order&explore=1&schedule=0,0,1');
  assert.match(await bad.getByTestId('error').textContent(), /position 2: worker 1 is blocked/);
  await page.close();
  await bad.close();
});

test('count all runs in a web worker and agrees with the CLI', { timeout: 60_000 }, async () => {
  for (const [lesson, strategy, workers, rounds] of [
    ['race', 'unsynchronized', 2, 2],
    ['race', 'mutex', 3, 1],
    ['deadlock', 'opposite-order', 2, 1],
  ]) {
    const page = await openPage(`/?lesson=${lesson}&strategies=${strategy}&workers=${workers}&explore=1&rounds=${rounds}`);
    await page.getByTestId('explore-count-all').click();
    const count = page.getByTestId('explore-count');
    await count.waitFor({ timeout: 30_000 });
    const cli = cliCount(lesson, strategy, workers, rounds);
    assert.equal(Number(await count.getAttribute('data-schedules')), cli.schedules, `${lesson} ${strategy}`);
    assert.equal(Number(await count.getAttribute('data-wrong')), cli.wrong, `${lesson} ${strategy}`);
    if (lesson === 'race' && strategy === 'unsynchronized') {
      await page.getByTestId('explore-show-wrong').click();
      assert.match(page.url(), new RegExp(`schedule=${cli.shortest_wrong.join(',')}(&|$)`));
      await page.screenshot({ path: artifact('explore-race-count.png'), fullPage: true });
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('"see how it happens" opens the explorer from a real run', { timeout: 120_000 }, async () => {
  const page = await openPage('/?lesson=deadlock&size=100&autorun=1');
  const link = page.getByTestId('see-how').first();
  await link.waitFor({ timeout: 90_000 });
  await link.click();
  await page.getByTestId('explore').waitFor();
  // It opens at the start of the shortest wrong schedule, every step listed, to step through,
  // with the keyboard's focus on "forward" and a sentence tying the run to the model.
  assert.equal(await page.getByTestId('explore-at').getAttribute('data-index'), '0');
  await page.waitForFunction(() => document.activeElement?.dataset.testid === 'explore-forward', null, { timeout: 5_000 });
  assert.match(await page.getByTestId('explore-from-run').textContent(), /Your run .* reported: deadlock/);
  await page.keyboard.press('Enter');
  assert.equal(await page.getByTestId('explore-at').getAttribute('data-index'), '1');
  await page.getByTestId('explore-back').click();
  assert.equal(await page.getByTestId('explore-step').count(), 2);
  assert.match(await page.getByTestId('explore-state').textContent(), /A free; B free/);
  await page.getByTestId('explore-forward').click();
  await page.getByTestId('explore-forward').click();
  assert.match(await page.getByTestId('explore-state').textContent(), /A held by w0; B held by w1/);
  assert.equal(await page.getByTestId('explore-step').nth(1).getAttribute('data-blocked'), 'true');
  assert.match(page.url(), /explore=1/);
  await page.screenshot({ path: artifact('explore-from-a-run.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

// The program: the race lesson's model written by hand.
const RACE_BY_HAND = `# the race lesson, unsynchronized, 2 workers x 1 round, written by hand
shared balance = 0
thread w0:
    r = balance
    balance = r + 5
    r = balance
    balance = r - 5
thread w1:
    r = balance
    balance = r + 8
    r = balance
    balance = r - 8
check balance == 0
`;

test('a program typed in the page is checked, its shortest bad schedule stepped, and the permalink reopens it', { timeout: 120_000 }, async () => {
  const page = await openPage('/?lesson=race');
  await page.getByTestId('program-open').click();
  const editor = page.getByTestId('program-editor');
  await editor.fill(RACE_BY_HAND);
  await page.getByTestId('explore-count-all').click();
  const count = page.getByTestId('explore-count');
  await count.waitFor({ timeout: 60_000 });
  assert.equal(await count.getAttribute('data-schedules'), '70');
  assert.equal(await count.getAttribute('data-wrong'), '40');
  await page.getByTestId('explore-show-wrong').click();
  const steps = page.getByTestId('explore-step');
  assert.equal(await steps.count(), 8);
  assert.equal(await page.getByTestId('explore-at').getAttribute('data-index'), '0');
  // Step through to the end: the lost write is marked where it happens, and the balance is wrong.
  for (let i = 0; i < 8; i++) await page.getByTestId('explore-forward').click();
  assert.equal(await page.getByTestId('explore-forward').isDisabled(), true);
  const lost = await steps.evaluateAll((els) => els.filter((e) => e.dataset.lost === 'true').map((e) => e.dataset.index));
  assert.deepEqual(lost, ['5']);
  const ending = page.getByTestId('explore-ending');
  assert.equal(await ending.getAttribute('data-wrong'), 'true');
  assert.match(await ending.textContent(), /check failed: balance == 0 \(balance = 5\)/);
  await page.screenshot({ path: artifact('explore-program-stepped.png'), fullPage: true });
  // Back two steps: the link records the step shown; reloading it shows the same.
  await page.getByTestId('explore-back').click();
  await page.getByTestId('explore-back').click();
  const state = await page.getByTestId('explore-state').textContent();
  assert.match(page.url(), /program=1\.[A-Za-z0-9_-]+/);
  assert.match(page.url(), /step=6(&|$)/);
  const again = await openPage(page.url().replace(BASE, ''));
  await again.getByTestId('explore').waitFor();
  assert.equal(await again.getByTestId('program-editor').inputValue(), RACE_BY_HAND);
  assert.equal(await again.getByTestId('explore-at').getAttribute('data-index'), '6');
  assert.equal(await again.getByTestId('explore-state').textContent(), state);
  // embed=1 keeps the explorer and the program.
  const embed = await openPage(`${page.url().replace(BASE, '')}&embed=1`);
  await embed.getByTestId('explore').waitFor();
  assert.equal(await embed.getByTestId('program-editor').inputValue(), RACE_BY_HAND);
  for (const p of [page, again, embed]) {
    assert.deepEqual(p.errors, []);
    await p.close();
  }
});

test('a malformed program names its line beside the editor; an example replaces it', { timeout: 60_000 }, async () => {
  const page = await openPage('/?lesson=deadlock');
  await page.getByTestId('program-open').click();
  await page.getByTestId('program-editor').fill('shared x = 0\nthread t:\n    x = = 1\n');
  const error = page.getByTestId('program-error');
  assert.equal(await error.getAttribute('data-line'), '3');
  assert.match(await error.textContent(), /line 3, column 9/);
  assert.equal(await page.getByTestId('explore-count-all').isDisabled(), true);
  await page.screenshot({ path: artifact('explore-program-error.png'), fullPage: true });
  await page.getByTestId('program-example').selectOption('async-no-await');
  assert.equal(await error.count(), 0);
  await page.getByTestId('explore-count-all').click();
  const count = page.getByTestId('explore-count');
  await count.waitFor({ timeout: 30_000 });
  assert.equal(await count.getAttribute('data-wrong'), '0', 'tasks without an await never lose an update');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a long check shows progress and Cancel stops it', { timeout: 120_000 }, async () => {
  const page = await openPage('/?lesson=race&strategies=unsynchronized&workers=3&rounds=3&explore=1');
  await page.getByTestId('explore-count-all').click();
  const progress = page.getByTestId('explore-progress');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="explore-progress"]')?.dataset.states ?? 0) > 0,
    null, { timeout: 60_000 });
  assert.match(await progress.textContent(), /states so far/);
  await page.getByTestId('explore-cancel').click();
  const failed = page.getByTestId('explore-failed');
  await failed.waitFor({ timeout: 5_000 });
  assert.match(await failed.textContent(), /cancelled/);
  // The page stayed responsive throughout, and the count can start again.
  assert.equal(await page.getByTestId('explore-count-all').isDisabled(), false);
  assert.deepEqual(page.errors, []);
  await page.close();
});
