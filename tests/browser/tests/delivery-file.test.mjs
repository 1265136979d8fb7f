// A whole delivery sent as a file in the browser: with script, posted in the background with a
// progress bar, then on to its receipt; without script, the same page is a plain multipart post.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { axe } from '../lib/axe.mjs';
import { assertNoProblems } from '../lib/browser.mjs';
import { navigation } from '../lib/portal.mjs';
import { binaryPath } from '../lib/server.mjs';
import { usePortal } from '../lib/setup.mjs';

const portal = usePortal();
/** Dina Daglig Testesen (synthetic), daglig leder of TESTSAMEIET SKOGLY. */
const DINA = { pid: '12837810092', party: 'org:819897522' };
/** Tiril Tiger Testesen (synthetic), daglig leder of MOSEGRODD ORANSJE TIGER AS. */
const TIRIL = { pid: '15837510047', party: 'org:314259521' };

/** A valid RF-1140 delivery of `rows` owners, made by the portal's own `dev testdata`. */
function delivery(rows, seed, form = 'RF-1140') {
  return execFileSync(binaryPath(), ['dev', 'testdata', form, '--rows', String(rows), '--seed', String(seed)], {
    maxBuffer: 64 * 1024 * 1024,
    // The repository, where forms/ is.
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
  });
}

test('a large file shows its progress, then its receipt', async () => {
  const { page, context, problems } = await portal.open({ login: DINA });
  try {
    await page.goto('/skjema/RF-1140/fil');
    const bytes = delivery(8000, 11);
    assert.ok(bytes.length > 2 * 1024 * 1024, `a large file: ${bytes.length} bytes`);
    await page.locator('#fil').setInputFiles({ name: 'sameie.json', mimeType: 'application/json', buffer: bytes });
    const shown = page.locator('#file-progress:not([hidden]) progress').waitFor({ timeout: 30_000 });
    await navigation(page, async () => {
      await page.locator('main form button[type="submit"]').click();
      await shown;
    });
    assert.match(new URL(page.url()).pathname, /^\/innsendt\/[0-9a-f-]{36}$/);
    // Sent again: the same delivery, said on the page with a link to its receipt.
    await page.goto('/skjema/RF-1140/fil');
    await page.locator('#fil').setInputFiles({ name: 'sameie.json', mimeType: 'application/json', buffer: bytes });
    const [r] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname.endsWith('/fil')),
      page.locator('main form button[type="submit"]').click(),
    ]);
    assert.equal(r.status(), 200);
    await page.locator('main a[href^="/innsendt/"]').waitFor();
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});

test('without script the file is a plain multipart post', async () => {
  const { page, context, problems } = await portal.open({ login: DINA, javaScript: false });
  try {
    await page.goto('/skjema/RF-1140/fil');
    assert.equal(await page.locator('#file-progress').isHidden(), true);
    await page.locator('#fil').setInputFiles({ name: 'sameie.json', mimeType: 'application/json', buffer: delivery(30, 12) });
    const r = await navigation(page, () => page.locator('main form button[type="submit"]').click());
    assert.equal(r.status(), 200);
    assert.match(new URL(page.url()).pathname, /^\/innsendt\/[0-9a-f-]{36}$/);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});

test('the aksjonærregisteroppgave as one XML file: its errors placed in the file, then its receipt', async () => {
  const { page, context, problems } = await portal.open({ login: TIRIL });
  try {
    const r0 = await page.goto('/skjema/RF-1086/fil');
    assert.equal(r0.status(), 200);
    await axe(page, 'the aksjonærregisteroppgave as a file');
    const good = delivery(4, 1, 'RF-1086').toString();
    // The third shareholder's fødselsnummer broken: shown at «Underskjema 3» with its line.
    const numbers = [...good.matchAll(/AksjonarFodselsnummer-datadef-1156 orid="1156">(\d{11})</g)].map((m) => m[1]);
    assert.equal(numbers.length, 4);
    const bad = good.replace(numbers[2], '12345678901');
    await page.locator('#fil').setInputFiles({ name: 'ar.xml', mimeType: 'application/xml', buffer: Buffer.from(bad) });
    // Sent in the background: the refusal replaces the main content.
    const [r] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname.endsWith('/fil')),
      page.locator('main form button[type="submit"]').click(),
    ]);
    assert.equal(r.status(), 422);
    await page.locator('#error-summary').waitFor();
    const row = page.locator('main table tbody tr').first();
    assert.equal(await row.locator('td').first().textContent(), 'Underskjema 3');
    const line = bad.split('\n').findIndex((l) => l.includes('12345678901')) + 1;
    assert.equal(await row.locator('td').last().textContent(), String(line));
    await axe(page, 'the aksjonærregisteroppgave as a file: refused');
    await page.locator('#fil').setInputFiles({ name: 'ar.xml', mimeType: 'application/xml', buffer: Buffer.from(good) });
    await navigation(page, () => page.locator('main form button[type="submit"]').click());
    assert.match(new URL(page.url()).pathname, /^\/innsendt\/[0-9a-f-]{36}$/);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
