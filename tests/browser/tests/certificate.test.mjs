// RF-1316 Attest for skatt og merverdiavgift, ordered in English: the receipt shows the domain
// system's decision when it comes, with the certificate as a PDF to download, and the page with
// the decision passes axe.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Audit } from '../lib/audit.mjs';
import { assertNoProblems } from '../lib/browser.mjs';
import { htmxSwap, navigation } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

const portal = usePortal({ env: { TASTESKJEMA_DEV_DOMAIN_DELAY_MS: '500' } });

test('a certificate ordered in the browser arrives on the receipt as a PDF', async () => {
  const { page, context, problems } = await portal.open();
  try {
    await page.goto('/skjema/RF-1316');
    await navigation(page, () => page.getByRole('button', { name: 'Start utfyllingen' }).click());
    await htmxSwap(page, () => page.getByRole('checkbox', { name: 'Attest for skatt og merverdiavgift' }).check());
    await htmxSwap(page, () => page.getByRole('radio', { name: 'Engelsk' }).check());
    await navigation(page, () => page.getByRole('button', { name: 'Lagre og fortsett', exact: true }).click());
    assert.match(page.url(), /\/oppsummering$/);
    await navigation(page, () => page.getByRole('button', { name: /Send inn/ }).click());
    assert.match(page.url(), /\/innsendt\/[0-9a-f-]{36}$/);

    // The receipt asks again by itself until the decision is there.
    const link = page.locator('.decision-documents a');
    await link.waitFor({ timeout: 20_000 });
    assert.match(await page.locator('#decision-title').innerText(), /Attesten er utstedt/);
    assert.match(await page.locator('#decision-documents-title').innerText(), /Dokumenter fra Skatteetaten/);
    assert.match(await link.innerText(), /^certificate-tax-and-vat-A\d+\.pdf$/);
    const audit = new Audit(page, 'certificate');
    await audit.check('receipt with a certificate');
    audit.assertClean();

    const download = await page.request.get(await link.getAttribute('href'));
    assert.equal(download.status(), 200);
    assert.equal(download.headers()['content-type'], 'application/pdf');
    assert.match(download.headers()['content-disposition'], /^attachment;/);
    assert.equal((await download.body()).subarray(0, 5).toString(), '%PDF-');
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
