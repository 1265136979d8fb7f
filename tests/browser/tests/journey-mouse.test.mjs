// RF-1140 from the catalogue to check-your-answers with a mouse and JavaScript on: htmx checks
// each answer as the user leaves it, and rows are added and removed in place.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Audit } from '../lib/audit.mjs';
import { assertNoProblems } from '../lib/browser.mjs';
import { CONTACT, ORGNR_REPORTER, OWNERS, rowNames, rowValues } from '../lib/data.mjs';
import { breakChecksum, domId, focused, htmxSwap, navigation } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

// The domain system answers quickly here, so the receipt's feedback can be seen.
const portal = usePortal({ env: { TASTESKJEMA_DEV_DOMAIN_DELAY_MS: '300' } });

test('RF-1140 with the mouse and JavaScript on', async () => {
  const { page, context, problems } = await portal.open();
  try {
    const field = (name) => page.locator(`[name="${name}"]:not([type=hidden])`);
    const errorAt = (name) => page.locator(`#${domId(name)}-error`);
    // Types an answer and clicks elsewhere; htmx posts it and swaps the checked form in.
    const answer = async (name, value) => {
      await field(name).click();
      await field(name).fill(value);
      await htmxSwap(page, () => page.locator('h1').click());
    };
    const expectError = async (name, pattern) => {
      assert.equal(await errorAt(name).count(), 1, `an error is shown at ${name}`);
      assert.match(await errorAt(name).innerText(), pattern);
      assert.equal(await field(name).first().getAttribute('aria-invalid'), 'true');
      const describedBy = (await field(name).first().getAttribute('aria-describedby')) ?? '';
      assert.ok(describedBy.split(' ').includes(`${domId(name)}-error`), `${name} is described by its error`);
    };
    const expectNoError = async (name) => {
      assert.equal(await errorAt(name).count(), 0, `no error at ${name}`);
      assert.equal(await field(name).first().getAttribute('aria-invalid'), null);
    };

    // Catalogue → form → start.
    await page.goto('/');
    await navigation(page, () => page.getByRole('link', { name: /RF-1140/ }).click());
    assert.equal(new URL(page.url()).pathname, '/skjema/RF-1140');
    await navigation(page, () => page.getByRole('button', { name: 'Start utfyllingen' }).click());
    assert.match(page.url(), /\/skjema\/RF-1140\/[0-9a-f-]{36}\/om-leveransen$/);

    // Page 1: a required answer removed and given again; leveransetype ordinær.
    const year = 'leveranse.inntektsaar';
    assert.equal(await field(year).inputValue(), '2025', 'the income year is filled in beforehand');
    await answer(year, '');
    await expectError(year, /Fyll ut «Inntektsår»/);
    await answer(year, '2025');
    await expectNoError(year);
    await htmxSwap(page, () => page.getByText('Opplysninger om seksjonseierne').click());
    assert.ok(await page.locator('[name="leveranse.leveransetype"][value="ordinaer"]').isChecked());
    await field('leveranse.oppgavegiversLeveranseReferanse').fill('Leveranse-1');
    // Straight from typing to the button: the answer is saved before the page moves on.
    await navigation(page, () => page.getByRole('button', { name: 'Lagre og fortsett', exact: true }).click());
    assert.match(page.url(), /\/oppgavegiver$/);

    // Page 2: a bad organisation number corrected; the contact.
    const orgnr = 'leveranse.oppgavegiver.organisasjonsnummer';
    await answer(orgnr, breakChecksum(ORGNR_REPORTER));
    await expectError(orgnr, /Organisasjonsnummeret er ikke gyldig/);
    await answer(orgnr, ORGNR_REPORTER);
    await expectNoError(orgnr);
    await answer('leveranse.oppgavegiver.kontaktinformasjon.navn', CONTACT.navn);
    await answer('leveranse.oppgavegiver.kontaktinformasjon.telefonnummer', CONTACT.telefon);
    await field('leveranse.oppgavegiver.kontaktinformasjon.varselEpostadresse').fill(CONTACT.epost);
    await navigation(page, () => page.getByRole('button', { name: 'Lagre og fortsett', exact: true }).click());
    assert.match(page.url(), /\/oppgaver$/);
    const oppgaver = page.url();

    // Page 3: three rows added in place; focus goes to each new row's first field.
    const rows = page.locator('fieldset.group-row');
    assert.equal(await rows.count(), 0);
    for (let i = 0; i < 3; i++) {
      await htmxSwap(page, () => page.getByRole('button', { name: 'Legg til oppgave' }).click());
      assert.equal(await rows.count(), i + 1);
      assert.equal(page.url(), oppgaver, 'the row is added without leaving the page');
      assert.equal((await focused(page)).id, domId(rowNames(i).foedselsnummer), 'focus is in the new row');
    }
    for (let i = 0; i < 3; i++) {
      for (const [name, value] of rowValues(i, OWNERS[i])) await answer(name, value);
    }

    // Each kind of mistake, shown as the field is left and gone once corrected.
    const person = rowNames(0);
    await answer(person.foedselsnummer, breakChecksum(OWNERS[0].id));
    await expectError(person.foedselsnummer, /Fødselsnummeret er ikke gyldig/);
    await answer(person.foedselsnummer, OWNERS[0].id);
    await expectNoError(person.foedselsnummer);

    await answer(person.formue, '12a');
    await expectError(person.formue, /«Andel formue» må være et tall/);
    await answer(person.formue, OWNERS[0].formue);
    await expectNoError(person.formue);

    await answer(person.start, '3102');
    await expectError(person.start, /må være dag og måned med fire siffer/);
    await answer(person.start, OWNERS[0].start);
    await expectNoError(person.start);

    await answer(person.start, '0107');
    await answer(person.slutt, '0101');
    await expectError(person.slutt, /Eiertiden kan ikke slutte før den begynner/);
    await answer(person.slutt, OWNERS[0].slutt);
    await expectNoError(person.slutt);
    await answer(person.start, OWNERS[0].start);

    const org = rowNames(1);
    await answer(org.organisasjonsnummer, breakChecksum(OWNERS[1].id));
    await expectError(org.organisasjonsnummer, /Organisasjonsnummeret er ikke gyldig/);
    await answer(org.organisasjonsnummer, OWNERS[1].id);
    await expectNoError(org.organisasjonsnummer);

    // The third row removed again, in place; focus goes to the add button.
    await htmxSwap(page, () => page.getByRole('button', { name: 'Fjern – Oppgave 3' }).click());
    assert.equal(await rows.count(), 2);
    assert.equal((await focused(page)).id, 'f-leveranse-oppgave-add');
    assert.equal(await page.getByText(OWNERS[2].navn).count(), 0);
    assert.equal(await field(rowNames(0).navn).inputValue(), OWNERS[0].navn);
    assert.equal(await field(rowNames(1).navn).inputValue(), OWNERS[1].navn);

    // A required answer missing on "Lagre og fortsett": the error summary, and its link to the field.
    await answer(org.navn, '');
    const failed = await navigation(page, () => page.getByRole('button', { name: 'Lagre og fortsett', exact: true }).click());
    assert.equal(failed.status(), 422);
    const summary = page.locator('#error-summary');
    assert.equal((await focused(page)).id, 'error-summary', 'the error summary has focus');
    assert.match(await summary.innerText(), /Oppgave 2: Fyll ut «Eierens navn»/);
    await summary.getByRole('link', { name: /Oppgave 2: Fyll ut «Eierens navn»/ }).click();
    assert.equal((await focused(page)).id, domId(org.navn), 'the link moves focus to the field');
    await answer(org.navn, OWNERS[1].navn);
    await expectNoError(org.navn);

    // Language changed in the middle of the form: nynorsk, then English; nothing typed is lost.
    await navigation(page, () => page.getByRole('button', { name: 'Nynorsk' }).click());
    assert.equal(await page.locator('html').getAttribute('lang'), 'nn');
    assert.equal(await page.locator('h1').innerText(), 'Oppgåver per seksjonseigar');
    await navigation(page, () => page.getByRole('button', { name: 'English' }).click());
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.locator('h1').innerText(), 'Entries per section owner');
    for (let i = 0; i < 2; i++) {
      for (const [name, value] of rowValues(i, OWNERS[i])) {
        // Amounts come back without the spaces typed in them ("1 766" → "1766").
        const shown = (await field(name).inputValue()).replace(/\s/g, '');
        assert.equal(shown, value.replace(/\s/g, ''), `${name} is kept across the language change`);
      }
    }

    // On to the check-your-answers page, in English now.
    await navigation(page, () => page.getByRole('button', { name: 'Save and continue', exact: true }).click());
    assert.match(page.url(), /\/sletting$/);
    await navigation(page, () => page.getByRole('button', { name: 'Save and continue', exact: true }).click());
    assert.match(page.url(), /\/oppsummering$/);
    assert.equal(await page.locator('h1').innerText(), 'Check your answers');
    assert.equal(await page.locator('#error-summary').count(), 0, 'no errors on the check-your-answers page');
    const text = await page.locator('main').innerText();
    assert.match(text, /Every page is filled in without errors/);
    for (const owner of OWNERS.slice(0, 2)) {
      assert.ok(text.includes(owner.navn), `${owner.navn} is listed`);
      assert.ok(text.includes(owner.id), `${owner.id} is listed`);
    }
    assert.ok(!text.includes(OWNERS[2].navn), 'the removed owner is not listed');
    assert.ok(text.includes(ORGNR_REPORTER.replace(/(\d{3})(\d{3})(\d{3})/, '$1 $2 $3')) || text.includes(ORGNR_REPORTER));

    // Submit: a receipt with a reference, then the domain system's answer on the same page.
    await navigation(page, () => page.getByRole('button', { name: 'Submit', exact: true }).click());
    assert.match(page.url(), /\/innsendt\/[0-9a-f-]{36}$/);
    assert.equal(await page.locator('h1').innerText(), 'Receipt');
    const reference = (await page.locator('.reference').first().innerText()).trim();
    assert.match(reference, /^[0-9A-Z]{4}-[0-9A-Z]{4}-.$/);
    let audit = new Audit(page, 'en');
    await audit.check('receipt (awaiting feedback)');
    for (let i = 0; i < 50 && !(await page.locator('main').innerText()).includes('checked and accepted'); i++) {
      await page.waitForTimeout(200);
      await page.reload();
    }
    assert.match(await page.locator('main').innerText(), /checked and accepted/);
    await audit.check('receipt (accepted)');
    // Listed under "Submitted"; the back button does not submit twice.
    await page.goBack();
    await page.goBack();
    await page.goto('/innsendt');
    assert.equal(await page.locator(`a:has-text("${reference}")`).count(), 1);
    await audit.check('submitted forms');
    audit.assertClean();
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
