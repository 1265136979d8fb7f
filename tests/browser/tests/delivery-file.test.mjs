// A whole delivery sent as a file in the browser: with script, posted in the background with a
// progress bar, then on to its receipt; without script, the same page is a plain multipart post.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertNoProblems } from '../lib/browser.mjs';
import { navigation } from '../lib/portal.mjs';
import { binaryPath } from '../lib/server.mjs';
import { usePortal } from '../lib/setup.mjs';

const portal = usePortal();
/** Dina Daglig Testesen (synthetic), daglig leder of TESTSAMEIET SKOGLY. */
const DINA = { pid: '12837810092', party: 'org:819897522' };

/** A valid RF-1140 delivery of `rows` owners, made by the portal's own `dev testdata`. */
function delivery(rows, seed) {
  return execFileSync(binaryPath(), ['dev', 'testdata', 'RF-1140', '--rows', String(rows), '--seed', String(seed)], {
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
