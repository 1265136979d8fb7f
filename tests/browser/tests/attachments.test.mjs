// Attachments on "Skriv til oss": choose a file, see it listed as ready, have a bad one refused with
// the reason while nothing typed or uploaded is lost, remove one, and find the files on the
// summary and the receipt. With JavaScript the file goes at once with a progress bar; without,
// the page form posts it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Audit } from '../lib/audit.mjs';
import { assertNoProblems } from '../lib/browser.mjs';
import { htmxSwap, navigation } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

const portal = usePortal();

const pdf = (text) => Buffer.from(`%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% ${text}\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

for (const javaScript of [true, false]) {
  test(`Skriv til oss with attachments (JavaScript ${javaScript ? 'on' : 'off'})`, async () => {
    const { page, context, problems } = await portal.open({ javaScript });
    try {
      const files = page.locator('#f-henvendelse-vedlegg .file-list li');
      const input = page.locator('#f-henvendelse-vedlegg-input');
      // Chooses files; with JavaScript they go at once, without they go with the page post.
      const upload = async (list) => {
        if (javaScript) {
          const done = page.waitForResponse((r) => r.request().method() === 'POST' && /^\/vedlegg\//.test(new URL(r.url()).pathname));
          await input.setInputFiles(list);
          const r = await done;
          // The fieldset is replaced once the answer is in.
          await page.waitForFunction(() => !document.querySelector('#f-henvendelse-vedlegg-input')?.disabled);
          return r.status();
        }
        await input.setInputFiles(list);
        const r = await navigation(page, () => page.getByRole('button', { name: 'Last opp' }).click());
        return r.status();
      };

      await page.goto('/skjema/skriv-til-oss');
      await navigation(page, () => page.getByRole('button', { name: 'Start utfyllingen' }).click());
      // With script each answer is saved as it is left (the form comes back re-rendered).
      const answer = async (name, value) => {
        await page.locator(`[name="${name}"]`).fill(value);
        if (javaScript) await htmxSwap(page, () => page.locator('h1').click());
      };
      const radio = page.getByRole('radio', { name: 'Skatt', exact: true });
      if (javaScript) await htmxSwap(page, () => radio.check());
      else await radio.check();
      await answer('henvendelse.emne', 'Vedlagt brev');
      await answer('henvendelse.melding', 'Se vedlagt brev og kvittering.');
      assert.match(await page.locator('#f-henvendelse-vedlegg-hint').innerText(), /Høyst 5 filer, hver på høyst 10 MB/);
      if (javaScript) {
        assert.equal(await page.getByRole('button', { name: 'Last opp' }).isVisible(), false, 'the upload button is for pages without script');
      }

      // Two good files.
      assert.equal(await upload([
        { name: 'brev.pdf', mimeType: 'application/pdf', buffer: pdf('brev') },
        { name: 'kvittering.pdf', mimeType: 'application/pdf', buffer: pdf('kvittering') },
      ]), javaScript ? 200 : 200);
      assert.equal(await files.count(), 2);
      assert.match(await files.nth(0).innerText(), /brev\.pdf[\s\S]*klar/);
      assert.match(await files.nth(1).innerText(), /kvittering\.pdf[\s\S]*klar/);
      const href = await files.nth(0).getByRole('link').getAttribute('href');
      assert.match(href, /^\/vedlegg\/skriv-til-oss\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/);

      // A PNG named .pdf: refused with the reason at the field; nothing lost.
      const status = await upload([{ name: 'skjult.pdf', mimeType: 'application/pdf', buffer: PNG }]);
      assert.equal(status, 422);
      const error = page.locator('#f-henvendelse-vedlegg-error');
      assert.match(await error.innerText(), /«skjult\.pdf» er egentlig en PNG-fil/);
      assert.equal(await files.count(), 2, 'the files already uploaded are still there');
      assert.equal(await page.locator('[name="henvendelse.emne"]').inputValue(), 'Vedlagt brev', 'what was typed is still there');
      if (!javaScript) {
        assert.deepEqual(
          await page.locator('#error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
          ['#f-henvendelse-vedlegg'],
        );
      }
      // axe runs in the page, so it checks the pages with script on.
      const audit = javaScript ? new Audit(page, 'attachments') : null;
      await audit?.check('attachment refused');

      // Remove one.
      const remove = page.getByRole('button', { name: 'Fjern – kvittering.pdf' });
      if (javaScript) {
        const done = page.waitForResponse((r) => r.request().method() === 'POST' && /\/felt$/.test(new URL(r.url()).pathname));
        await remove.click();
        await done;
        await page.waitForFunction(() => document.querySelectorAll('#f-henvendelse-vedlegg .file-list li').length === 1);
      } else {
        await navigation(page, () => remove.click());
      }
      assert.equal(await files.count(), 1);
      assert.match(await files.nth(0).innerText(), /brev\.pdf/);
      await audit?.check('one file listed');
      audit?.assertClean();

      // On to the summary and in.
      await navigation(page, () => page.getByRole('button', { name: 'Lagre og fortsett', exact: true }).click());
      await page.locator('[name="kontakt.navn"]').fill('Ola Testperson');
      await navigation(page, () => page.getByRole('button', { name: 'Lagre og fortsett', exact: true }).click());
      assert.match(page.url(), /\/oppsummering$/);
      assert.match(await page.locator('main').innerText(), /brev\.pdf/);
      await navigation(page, () => page.getByRole('button', { name: /Send inn/ }).click());
      assert.match(page.url(), /\/innsendt\/[0-9a-f-]{36}$/);
      const link = page.locator('.receipt-files a');
      assert.equal(await link.count(), 1);
      assert.equal(await link.innerText(), 'brev.pdf');
      const download = await page.request.get(await link.getAttribute('href'));
      assert.equal(download.status(), 200);
      assert.match(download.headers()['content-disposition'], /^attachment;/);
      assert.equal(download.headers()['x-content-type-options'], 'nosniff');
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });
}
