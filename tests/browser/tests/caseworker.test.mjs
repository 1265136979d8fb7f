// The caseworker side in a real browser, keyboard first: an employee logs in through the built-in
// employee directory, finds an API submission, reads it as given, sees who has read it, previews a
// form with every branch in three languages, and operations look at the deliveries. axe, reflow
// at 320 px and zoom at 200 % on every page and state.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Audit } from '../lib/audit.mjs';
import { assertNoProblems } from '../lib/browser.mjs';
import { navigation, syntheticFnr } from '../lib/portal.mjs';
import { binaryPath } from '../lib/server.mjs';
import { usePortal } from '../lib/setup.mjs';

const portal = usePortal();
/** Anne Allsidig Testansatt (synthetic): every role. */
const ANNE = '5a1f0c3e-8d2b-4e6a-9f10-000000000005';

/** An RF-1140 delivery for TESTSAMEIET SKOGLY (synthetic) through the API; its forsendelseId. */
async function apiSubmission(url) {
  const token = execFileSync(binaryPath(), [
    'dev', 'token', '--org', '819897522', '--scope', 'skatteetaten:innrapporteringboligsameie',
    '--issuer', `${url}/dev/maskinporten/`,
  ], {
    encoding: 'utf8',
    // From the repository root, where the forms are, as the server runs.
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    env: { ...process.env, TASTESKJEMA_LOG: 'warn' },
  }).trim();
  const owner = (id, navn, seksjon) => ({
    oppgaveeier: id.length === 11 ? { foedselsnummer: id, navn } : { organisasjonsnummer: id, navn },
    eiertid: { start: '0101', slutt: '3112' },
    matrikkelnummer: { kommunenummer: '0301', gaardsnummer: 12, bruksnummer: 34, seksjonsnummer: seksjon },
    andelSkattepliktigeInntekter: 500, andelFradragsberettigedeKostnader: 100, andelFormue: 5000, andelGjeld: 2000,
  });
  const body = { leveranse: {
    kildesystem: 'Testsystem 1',
    oppgavegiver: { organisasjonsnummer: '819897522', kontaktinformasjon: { navn: 'Kari Testperson', telefonnummer: '22222222', varselEpostadresse: 'kontakt@eksempel.no' } },
    inntektsaar: 2025, oppgavegiversLeveranseReferanse: 'Nettleser-1', leveransetype: 'ordinaer',
    oppgave: [owner(syntheticFnr(4, 5, 71), 'ALLA TESTESEN', 1), owner('800877830', 'NØYTRALE TEST AS', 2)],
    oppgaveoppsummering: { antallOppgaver: 2, sumAndelSkattepliktigeInntekter: 1000, sumAndelFradragsberettigedeKostnader: 200, sumAndelFormue: 10000, sumAndelGjeld: 4000 },
  } };
  const r = await fetch(`${url}/api/innrapportering/boligsameie/v1/2025`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', idempotencyKey: crypto.randomUUID() },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()).forsendelseId;
}

test('an employee finds an API submission, reads it as given, and previews a form', async () => {
  const forsendelse = await apiSubmission(portal.url);
  const { page, context, problems } = await portal.open({ login: false });
  try {
    const audit = new Audit(page, 'caseworker');
    // A stranger is sent to the employee login, which offers the test employees.
    await page.goto('/saksbehandling/innsendinger');
    assert.match(page.url(), /\/dev\/ansatt\/authorize/);
    await audit.check('employee directory login');
    // Keyboard only: choose in the list, Tab to "Logg inn", Enter.
    await page.locator('#ansatt').focus();
    await page.locator('#ansatt').selectOption(ANNE);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.value), 'login');
    await navigation(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, '/saksbehandling/innsendinger');
    assert.match(await page.locator('.site-user').innerText(), /Anne Allsidig Testansatt/);
    await audit.check('search (empty)');

    // A search with mistakes: the summary takes the reader to the field, nothing typed is lost.
    await page.locator('#orgnr').fill('819897523');
    await page.locator('#fra').fill('31.02.2026');
    await navigation(page, () => page.locator('#fra').press('Enter'));
    assert.equal(await page.locator('#error-summary a').count(), 2);
    assert.equal(await page.locator('#orgnr').inputValue(), '819897523');
    await audit.check('search with errors');
    await page.locator('#orgnr').fill('');
    await page.locator('#fra').fill('');
    await page.locator('#forsendelse').fill(forsendelse);
    await navigation(page, () => page.locator('#forsendelse').press('Enter'));
    const found = page.locator('table a.reference');
    assert.equal(await found.count(), 1);
    await audit.check('search with one result');

    // The submission as given, its readers.
    await navigation(page, () => found.click());
    assert.match(await page.locator('main').innerText(), /ALLA TESTESEN/);
    assert.equal(await page.locator('main div[lang="nb"]').count(), 1);
    await audit.check('one submission as given');
    await navigation(page, () => page.locator('a[href$="/lesere"]').click());
    assert.match(await page.locator('main').innerText(), /Anne Allsidig Testansatt/);
    await audit.check('readers of a submission');

    // Operations.
    await page.goto('/saksbehandling/drift');
    await audit.check('deliveries waiting');

    // Form owner: the list, a version, every page with every branch, in three languages.
    for (const lang of ['nb', 'nn', 'en']) {
      await page.goto(`/saksbehandling/skjema?lang=${lang}`);
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      await audit.check(`forms (${lang})`);
      await navigation(page, () => page.locator('a[href*="/saksbehandling/skjema/RF-1140/"]').first().click());
      await audit.check(`RF-1140 version (${lang})`);
      const pages = await page.locator('a[href*="/side/"][href$="?alle=ja"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(pages.length >= 3, 'RF-1140 has pages');
      for (const href of pages) {
        await page.goto(href);
        assert.equal(await page.locator('#page-form').count(), 1, href);
        await audit.check(`preview ${href} (${lang})`);
      }
    }
    // A preview is validated as the real page is, and says so in the summary.
    await page.goto('/saksbehandling?lang=nb');
    await navigation(page, () => page.locator('a[href="/saksbehandling/skjema"]').first().click());
    await navigation(page, () => page.locator('a[href*="/saksbehandling/skjema/RF-1140/"]').first().click());
    await navigation(page, () => page.locator('a[href$="/side/oppgavegiver"]').click());
    await page.locator('input[name="leveranse.oppgavegiver.organisasjonsnummer"]').fill('819897523');
    await navigation(page, () => page.locator('.form-nav button[value="next"]').click());
    assert.ok(await page.locator('#error-summary').count(), 'the real error summary');
    await audit.check('preview with errors');
    // A scenario as check-your-answers and as the receipt, marked as a preview.
    await page.goto('/saksbehandling/skjema?lang=nb');
    await navigation(page, () => page.locator('a[href*="/saksbehandling/skjema/RF-1140/"]').first().click());
    await navigation(page, () => page.locator('a[href$="/oppsummering?scenario=ordinaer-to-eiere"]').click());
    assert.match(await page.locator('.preview-banner').innerText(), /Forhåndsvisning/);
    assert.equal(await page.locator('main form').count(), 0, 'nothing to submit');
    await audit.check('preview: check your answers');
    await navigation(page, () => page.locator('main a[href*="/kvittering?scenario="]').click());
    assert.match(await page.locator('.reference').innerText(), /FORHÅNDSVISNING/);
    await audit.check('preview: receipt');
    await page.goto(page.url().replace('/kvittering?scenario=ordinaer-to-eiere', '/oppsummering?scenario=tomt-skjema'));
    assert.ok(await page.locator('#error-summary li').count() > 0, 'the errors of an empty form');
    await audit.check('preview: check your answers with errors');
    audit.assertClean();
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
