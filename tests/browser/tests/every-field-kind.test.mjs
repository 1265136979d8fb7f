// A test-only catalogue (fixtures/forms) with one form that uses every field kind of the form
// language, help texts, a select, checkboxes, conditional pages, fields and rows: the same crawl
// as for the real forms, so a widget no real form uses yet is checked before one does.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Audit } from '../lib/audit.mjs';
import { assertNoProblems } from '../lib/browser.mjs';
import { crawlForm, discoverForms } from '../lib/crawl.mjs';
import { navigation, syntheticFnr } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

const formsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/forms');
const portal = usePortal({ formsDir });

for (const lang of ['nb', 'nn', 'en']) {
  test(`every field kind is accessible (${lang})`, async () => {
    // The fixture form is for persons only (no Altinn resource knows it): a person of its own for
    // each language acts for themself.
    const pid = syntheticFnr(1 + ['nb', 'nn', 'en'].indexOf(lang), 4, 88);
    const { page, context, problems } = await portal.open({ login: { pid, party: `person:${pid}` } });
    try {
      await page.goto('/');
      if (lang !== 'nb') await navigation(page, () => page.locator(`a[hreflang="${lang}"]`).click());
      const forms = await discoverForms(page);
      assert.deepEqual(forms, ['ALLE-FELT']);
      const audit = new Audit(page, lang);
      const { visited } = await crawlForm(page, forms[0], (label) => audit.check(label));
      // The conditional page appears once "Ja" is chosen.
      assert.deepEqual(visited, ['tekst-og-tall', 'valg', 'identer', 'rader']);
      audit.assertClean();
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });
}
