// The form author's live preview (`tasteskjema preview DIR`) in a real browser: no login, and a
// page that shows itself again when its form file changes — with the new text, or with the
// problems the file now has — without a restart or a reload by hand. axe on every state.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { Audit } from '../lib/audit.mjs';
import { assertNoProblems } from '../lib/browser.mjs';
import { navigation } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

const forms = await mkdtemp(path.join(tmpdir(), 'tasteskjema-live-'));
await cp(fileURLToPath(new URL('../../../forms', import.meta.url)), forms, { recursive: true });
after(() => rm(forms, { recursive: true, force: true }));
const portal = usePortal({ args: ['preview', forms] });
const file = path.join(forms, 'publikumstjenester', 'skriv-til-oss.toml');

test('an author edits a form file and the open page shows the change by itself', async () => {
  const { page, context, problems } = await portal.open({ login: false });
  try {
    const audit = new Audit(page, 'live-preview');
    await page.goto('/saksbehandling/skjema');
    assert.equal(new URL(page.url()).pathname, '/saksbehandling/skjema', 'no login');
    await audit.check('live preview: the forms');
    const version = await page.locator('a[href*="/saksbehandling/skjema/skriv-til-oss/"]').first().getAttribute('href');
    await page.goto(version);
    const heading = page.locator('h1');
    const before = await heading.innerText();
    await audit.check('live preview: a version');

    // The author changes the title; the page shows it again without being told to.
    const src = await readFile(file, 'utf8');
    const title = src.match(/^title = \{ nb = "([^"]+)"/m);
    assert.ok(title, 'the title is written on one line');
    const changed = src.replace(`nb = "${title[1]}"`, 'nb = "Skriv til oss (ny tekst)"');
    await writeFile(file, changed);
    await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('ny tekst'), null, { timeout: 10_000 });
    assert.notEqual(await heading.innerText(), before);
    await audit.check('live preview: shown again after a change');

    // A mistake: the page shows the problem with its file and line, then the fix clears it.
    await writeFile(file, `${changed}\n[[page]]\nid = \n`);
    await page.locator('.ds-alert[data-color="danger"]').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('.ds-alert[data-color="danger"]').innerText(), /skriv-til-oss\.toml:\d+/);
    await audit.check('live preview: the file has errors');
    await writeFile(file, src);
    await page.locator('.ds-alert[data-color="danger"]').waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await heading.innerText(), before);

    // A second version: the author reads what changed, in words, and compares the other way.
    const next = src.replace(/^version = "[^"]+"/m, 'version = "2099-1"')
      .replace('label = { nb = "Hva gjelder det?"', 'label = { nb = "Hva gjelder henvendelsen?"');
    await writeFile(path.join(forms, 'publikumstjenester', 'skriv-til-oss-neste.toml'), next);
    await page.goto('/saksbehandling/skjema/skriv-til-oss/2099-1');
    await navigation(page, () => page.locator('a[href*="/endringer?"]').click());
    assert.match(await page.locator('.changes-list').innerText(), /Hva gjelder henvendelsen\?/);
    await audit.check('live preview: what changed between two versions');
    await page.locator('#fra').selectOption('2099-1');
    // Keyboard only: from the second choice, Tab to the button and press Enter.
    await page.locator('#til').focus();
    await page.keyboard.press('Tab');
    await navigation(page, () => page.keyboard.press('Enter'));
    assert.match(new URL(page.url()).search, /fra=2099-1/);
    audit.assertClean();
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
