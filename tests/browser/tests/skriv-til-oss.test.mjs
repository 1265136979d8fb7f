// "Skriv til oss": the phone number is required only when the answer is to come by phone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoProblems } from '../lib/browser.mjs';
import { focused, htmxSwap, navigation } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

const portal = usePortal();

const PHONE = 'kontakt.telefon';
const EMAIL = 'kontakt.epost';

for (const javaScript of [true, false]) {
  test(`Skriv til oss: phone required only for an answer by phone (JavaScript ${javaScript ? 'on' : 'off'})`, async () => {
    const { page, context, problems } = await portal.open({ javaScript });
    try {
      const field = (name) => page.locator(`[name="${name}"]:not([type=hidden])`);
      const label = (name) => page.locator(`label[for="${name.replace(/\./g, '-').replace(/^/, 'f-')}"]`);
      const next = () => navigation(page, () => page.getByRole('button', { name: 'Lagre og fortsett', exact: true }).click());
      // With JavaScript a choice re-renders the form in place; without, it waits for the post.
      const choose = async (text) => {
        const radio = page.getByRole('radio', { name: text, exact: true });
        if (javaScript) await htmxSwap(page, () => radio.check());
        else await radio.check();
      };
      const isRequired = async (name) => {
        const required = (await field(name).getAttribute('aria-required')) === 'true';
        const marked = (await label(name).innerText()).includes('(valgfritt)');
        assert.equal(required, !marked, `${name}: aria-required and the "(valgfritt)" marker agree`);
        return required;
      };

      await page.goto('/');
      await navigation(page, () => page.getByRole('link', { name: /Skriv til oss/ }).click());
      await navigation(page, () => page.getByRole('button', { name: 'Start utfyllingen' }).click());
      await choose('Skatt');
      await field('henvendelse.emne').fill('Spørsmål om frist');
      await field('henvendelse.melding').fill('Når er fristen for å levere?\nMed vennlig hilsen');
      await next();
      assert.match(page.url(), /\/kontakt$/);

      assert.ok(await page.getByRole('radio', { name: 'I innboksen i Altinn' }).isChecked(), 'the inbox is the default');
      assert.equal(await isRequired(PHONE), false);
      await field('kontakt.navn').fill('Ola Testperson');
      if (javaScript) {
        await choose('Telefon');
        assert.equal(await isRequired(PHONE), true, 'the phone number is required once "Telefon" is chosen');
        assert.equal(await isRequired(EMAIL), false);
      } else {
        await choose('Telefon');
      }
      let r = await next();
      assert.equal(r.status(), 422);
      assert.equal(await isRequired(PHONE), true);
      const summary = page.locator('#error-summary');
      const links = await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(links, ['#f-kontakt-telefon'], 'the only error is the missing phone number');
      assert.match(await page.locator('#f-kontakt-telefon-error').innerText(), /Fyll ut «Telefonnummer»/);
      if (javaScript) {
        assert.equal((await focused(page)).id, 'error-summary');
        await summary.getByRole('link').first().click();
        assert.equal((await focused(page)).id, 'f-kontakt-telefon');
      }

      // Letters are not a phone number.
      await field(PHONE).fill('22a');
      r = await next();
      assert.equal(r.status(), 422);
      assert.match(await page.locator('#f-kontakt-telefon-error').innerText(), /må være et telefonnummer/);

      await field(PHONE).fill('+47 22 33 44 55');
      r = await next();
      assert.match(page.url(), /\/oppsummering$/);
      assert.equal(await page.locator('#error-summary').count(), 0);
      let text = await page.locator('main').innerText();
      assert.match(text, /\+47 22 33 44 55/);
      assert.match(text, /Telefon/);

      // Back to the inbox: the phone number is optional again and may be left out.
      await navigation(page, () => page.getByRole('link', { name: 'Endre – Kontaktopplysninger' }).click());
      await choose('I innboksen i Altinn');
      if (javaScript) assert.equal(await isRequired(PHONE), false);
      await field(PHONE).fill('');
      r = await next();
      assert.match(page.url(), /\/oppsummering$/);
      assert.equal(await page.locator('#error-summary').count(), 0);

      // By e-mail: then the e-mail address is the required one.
      await navigation(page, () => page.getByRole('link', { name: 'Endre – Kontaktopplysninger' }).click());
      await choose('E-post');
      if (javaScript) {
        assert.equal(await isRequired(EMAIL), true);
        assert.equal(await isRequired(PHONE), false);
      }
      r = await next();
      assert.equal(r.status(), 422);
      const hrefs = await page.locator('#error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(hrefs, ['#f-kontakt-epost']);
      await field(EMAIL).fill('ola@eksempel.no');
      await next();
      assert.match(page.url(), /\/oppsummering$/);
      text = await page.locator('main').innerText();
      assert.match(text, /ola@eksempel\.no/);
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });
}
