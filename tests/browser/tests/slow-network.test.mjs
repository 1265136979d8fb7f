// On a slow connection an answer is checked (htmx) while the user goes on typing, choosing and
// pressing buttons. Nothing they do meanwhile may be lost, and "Lagre og fortsett" pressed
// straight after typing must not be refused as a change from another tab.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoProblems } from '../lib/browser.mjs';
import { CONTACT, ORGNR_REPORTER } from '../lib/data.mjs';
import { navigation } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

const portal = usePortal();
const DELAY_MS = 400;

/** A page whose htmx requests take DELAY_MS, and a way to wait until none is on its way. */
async function slowPage() {
  const opened = await portal.open();
  const { page } = opened;
  let open = 0;
  // The server gets each check at once (and saves it); its answer takes DELAY_MS to come back.
  await page.route('**/felt', async (route) => {
    open += 1;
    try {
      const response = await route.fetch();
      await new Promise((r) => setTimeout(r, DELAY_MS));
      await route.fulfill({ response });
    } catch {
      // The page went away meanwhile.
    }
  });
  const done = () => { open = Math.max(0, open - 1); };
  page.on('requestfinished', (r) => { if (r.url().endsWith('/felt')) done(); });
  page.on('requestfailed', (r) => { if (r.url().endsWith('/felt')) done(); });
  // Waits until no check has been on its way for a while (queued checks start after a swap).
  opened.quiet = async () => {
    for (let still = 0; still < 3;) {
      await page.waitForTimeout(100);
      still = open === 0 ? still + 1 : 0;
    }
  };
  return opened;
}

async function startRf1140AtPage2(page) {
  await page.goto('/skjema/RF-1140');
  await navigation(page, () => page.getByRole('button', { name: 'Start utfyllingen' }).click());
  await page.getByText('Opplysninger om seksjonseierne').click();
  await navigation(page, () => page.getByRole('button', { name: 'Lagre og fortsett', exact: true }).click());
  assert.match(page.url(), /\/oppgavegiver$/);
}

test('typing on while the previous answer is checked keeps what was typed, and saves it', async () => {
  const { page, context, problems, quiet } = await slowPage();
  try {
    await startRf1140AtPage2(page);
    const orgnr = page.locator('#f-leveranse-oppgavegiver-organisasjonsnummer');
    const navn = page.locator('#f-leveranse-oppgavegiver-kontaktinformasjon-navn');
    const tlf = page.locator('#f-leveranse-oppgavegiver-kontaktinformasjon-telefonnummer');
    await orgnr.click();
    await page.keyboard.press('ControlOrMeta+a'); // the party's number is prefilled
    await page.keyboard.type(ORGNR_REPORTER);
    await page.keyboard.press('Tab'); // the check of the organisation number starts
    await page.keyboard.type(CONTACT.navn); // typed while it is on its way
    await quiet();
    assert.equal(await navn.inputValue(), CONTACT.navn, 'the name typed meanwhile is still there');
    assert.equal((await page.evaluate(() => document.activeElement.id)), await navn.getAttribute('id'), 'focus stays');
    await page.keyboard.press('Tab'); // leaving it saves it
    await page.keyboard.type(CONTACT.telefon);
    await quiet();
    assert.equal(await tlf.inputValue(), CONTACT.telefon);
    await page.locator('h1').click();
    await quiet();
    await page.reload();
    assert.equal(await orgnr.inputValue(), ORGNR_REPORTER);
    assert.equal(await navn.inputValue(), CONTACT.navn, 'the name was saved');
    assert.equal((await tlf.inputValue()).replace(/\s/g, ''), CONTACT.telefon.replace(/\s/g, ''), 'the phone number was saved');
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});

test('"Lagre og fortsett" straight after typing goes on to the next page', async () => {
  const { page, context, problems } = await slowPage();
  try {
    await startRf1140AtPage2(page);
    await page.locator('#f-leveranse-oppgavegiver-organisasjonsnummer').fill(ORGNR_REPORTER);
    await page.locator('#f-leveranse-oppgavegiver-kontaktinformasjon-navn').fill(CONTACT.navn);
    const r = await navigation(page, () => page.getByRole('button', { name: 'Lagre og fortsett', exact: true }).click());
    assert.equal(r.status(), 200, 'not refused as changed in another tab');
    assert.match(page.url(), /\/oppgaver$/);
    await navigation(page, () => page.getByRole('button', { name: 'Tilbake', exact: true }).click());
    assert.equal(await page.locator('#f-leveranse-oppgavegiver-kontaktinformasjon-navn').inputValue(), CONTACT.navn);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});

test('a choice made and a row added while an answer is checked are not lost', async () => {
  const { page, context, problems, quiet } = await slowPage();
  try {
    await page.goto('/skjema/skriv-til-oss');
    await navigation(page, () => page.getByRole('button', { name: 'Start utfyllingen' }).click());
    await page.locator('#f-henvendelse-emne').fill('Frist');
    await page.getByRole('radio', { name: 'Merverdiavgift' }).check(); // leaves the subject: a check starts
    await quiet();
    assert.ok(await page.getByRole('radio', { name: 'Merverdiavgift' }).isChecked(), 'the choice made meanwhile is kept');
    await page.reload();
    assert.ok(await page.getByRole('radio', { name: 'Merverdiavgift' }).isChecked(), 'and saved');
    assert.equal(await page.locator('#f-henvendelse-emne').inputValue(), 'Frist');

    await startRf1140AtPage2(page);
    await page.locator('#f-leveranse-oppgavegiver-organisasjonsnummer').fill(ORGNR_REPORTER);
    await navigation(page, () => page.getByRole('button', { name: 'Lagre og fortsett', exact: true }).click());
    await page.locator('h1').click();
    const add = page.getByRole('button', { name: 'Legg til oppgave' });
    await add.click();
    await page.locator('#f-leveranse-oppgave-0-oppgaveeier-navn').fill('ALLA TESTESEN');
    await add.click(); // the name's check is on its way
    await quiet();
    assert.equal(await page.locator('fieldset.group-row').count(), 2, 'the second row is added too');
    assert.equal(await page.locator('#f-leveranse-oppgave-0-oppgaveeier-navn').inputValue(), 'ALLA TESTESEN');
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
