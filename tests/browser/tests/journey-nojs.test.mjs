// RF-1140 with JavaScript off: every check, row and language change is a full page post.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoProblems } from '../lib/browser.mjs';
import { CONTACT, ORGNR_REPORTER, OWNERS, rowNames, rowValues } from '../lib/data.mjs';
import { breakChecksum, domId, navigation } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

const portal = usePortal();

test('RF-1140 with JavaScript off', async () => {
  const { page, context, problems } = await portal.open({ javaScript: false });
  const scripted = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/felt')) scripted.push(r.url());
  });
  try {
    const field = (name) => page.locator(`[name="${name}"]:not([type=hidden])`);
    const errorAt = (name) => page.locator(`#${domId(name)}-error`);
    const fill = async (pairs) => {
      for (const [name, value] of pairs) await field(name).fill(value);
    };
    const submit = (name) => navigation(page, () => page.getByRole('button', { name, exact: true }).click());
    const next = () => submit('Lagre og fortsett');
    const expectErrors = async (expected) => {
      const summary = page.locator('#error-summary');
      assert.equal(await summary.count(), 1, 'an error summary');
      const links = await summary.locator('a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent.trim()]));
      for (const [name, pattern] of expected) {
        assert.equal(await errorAt(name).count(), 1, `an error at ${name}`);
        assert.match(await errorAt(name).innerText(), pattern);
        assert.equal(await field(name).first().getAttribute('aria-invalid'), 'true');
        assert.ok(links.some(([href, text]) => href === `#${domId(name)}` && pattern.test(text)),
          `the summary links to ${name}: ${JSON.stringify(links)}`);
        // The link's target exists, so following it lands on the field.
        assert.equal(await page.locator(`#${domId(name)}`).count(), 1);
      }
      assert.equal(links.length, expected.length, `only the expected errors: ${JSON.stringify(links)}`);
      assert.match(await page.title(), /^Noen av svarene må rettes/);
    };

    await page.goto('/');
    await navigation(page, () => page.getByRole('link', { name: /RF-1140/ }).click());
    await navigation(page, () => page.getByRole('button', { name: 'Start utfyllingen' }).click());
    assert.match(page.url(), /\/om-leveransen$/);

    // Page 1
    const year = 'leveranse.inntektsaar';
    await field(year).fill('');
    await page.getByText('Opplysninger om seksjonseierne').click();
    let r = await next();
    assert.equal(r.status(), 422);
    await expectErrors([[year, /Fyll ut «Inntektsår»/]]);
    assert.ok(await page.locator('[value="ordinaer"]').isChecked(), 'the choice is kept');
    await field(year).fill('2025');
    r = await next();
    assert.equal(r.status(), 200);
    assert.match(page.url(), /\/oppgavegiver$/);

    // Page 2
    const orgnr = 'leveranse.oppgavegiver.organisasjonsnummer';
    const c = 'leveranse.oppgavegiver.kontaktinformasjon';
    await fill([[orgnr, breakChecksum(ORGNR_REPORTER)], [`${c}.navn`, CONTACT.navn], [`${c}.telefonnummer`, CONTACT.telefon]]);
    r = await next();
    assert.equal(r.status(), 422);
    await expectErrors([[orgnr, /Organisasjonsnummeret er ikke gyldig/]]);
    assert.equal(await field(`${c}.navn`).inputValue(), CONTACT.navn, 'answers are kept');
    await fill([[orgnr, ORGNR_REPORTER], [`${c}.varselEpostadresse`, CONTACT.epost]]);
    // Enter in a field is "Lagre og fortsett" (not the first language button in the header).
    r = await navigation(page, () => field(`${c}.varselEpostadresse`).press('Enter'));
    assert.equal(await page.locator('html').getAttribute('lang'), 'nb');
    assert.match(page.url(), /\/oppgaver$/);

    // Page 3: rows added by full posts; the redirect names the new row's first field.
    const rows = page.locator('fieldset.group-row');
    for (let i = 0; i < 3; i++) {
      await submit('Legg til oppgave');
      assert.equal(await rows.count(), i + 1);
      assert.equal(new URL(page.url()).hash, `#${domId(rowNames(i).foedselsnummer)}`);
    }
    for (let i = 0; i < 3; i++) await fill(rowValues(i, OWNERS[i]));

    // Every kind of mistake at once.
    const p = rowNames(0);
    const o = rowNames(1);
    await fill([
      [p.foedselsnummer, breakChecksum(OWNERS[0].id)],
      [p.formue, '12a'],
      [p.start, '3102'],
      [o.organisasjonsnummer, breakChecksum(OWNERS[1].id)],
      [o.navn, ''],
    ]);
    r = await next();
    assert.equal(r.status(), 422);
    await expectErrors([
      [p.foedselsnummer, /Fødselsnummeret er ikke gyldig/],
      [p.start, /må være dag og måned med fire siffer/],
      [p.formue, /«Andel formue» må være et tall/],
      [o.organisasjonsnummer, /Organisasjonsnummeret er ikke gyldig/],
      [o.navn, /Fyll ut «Eierens navn»/],
    ]);
    assert.equal(await field(p.formue).inputValue(), '12a', 'what was typed is shown again');
    assert.match(await page.locator('#error-summary').innerText(), /Oppgave 2: Fyll ut «Eierens navn»/);

    // Corrected, but the ownership ends before it starts.
    await fill([
      [p.foedselsnummer, OWNERS[0].id],
      [p.formue, OWNERS[0].formue],
      [p.start, '0107'],
      [p.slutt, '0101'],
      [o.organisasjonsnummer, OWNERS[1].id],
      [o.navn, OWNERS[1].navn],
    ]);
    r = await next();
    assert.equal(r.status(), 422);
    await expectErrors([[p.slutt, /Eiertiden kan ikke slutte før den begynner/]]);
    await fill([[p.start, OWNERS[0].start], [p.slutt, OWNERS[0].slutt]]);

    // The third row removed: a full post that keeps the other answers.
    await submit('Fjern – Oppgave 3');
    assert.equal(await rows.count(), 2);
    assert.equal(new URL(page.url()).hash, '#f-leveranse-oppgave-add');
    assert.equal(await page.getByText(OWNERS[2].navn).count(), 0);

    // Language buttons in the header submit the form: nothing typed is lost.
    await submit('Nynorsk');
    assert.equal(await page.locator('html').getAttribute('lang'), 'nn');
    await submit('English');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    for (let i = 0; i < 2; i++) {
      for (const [name, value] of rowValues(i, OWNERS[i])) {
        assert.equal((await field(name).inputValue()).replace(/\s/g, ''), value.replace(/\s/g, ''), name);
      }
    }

    await submit('Save and continue');
    assert.match(page.url(), /\/sletting$/);
    await submit('Save and continue');
    assert.match(page.url(), /\/oppsummering$/);
    assert.equal(await page.locator('#error-summary').count(), 0);
    const text = await page.locator('main').innerText();
    for (const owner of OWNERS.slice(0, 2)) assert.ok(text.includes(owner.navn) && text.includes(owner.id), owner.navn);
    assert.ok(!text.includes(OWNERS[2].navn));

    // The way back: "Back" links and buttons work without JavaScript too.
    await navigation(page, () => page.getByRole('link', { name: 'Back' }).click());
    assert.match(page.url(), /\/sletting$/);
    await submit('Back');
    assert.match(page.url(), /\/oppgaver$/);
    assert.deepEqual(scripted, [], 'nothing was posted by script');
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
