// With JavaScript on, an answer is saved as the user leaves the field. When that save is refused
// (another tab saved the draft since, or the draft was deleted), the page must say so at once,
// accessibly, instead of failing silently until "Lagre og fortsett".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axe } from '../lib/axe.mjs';
import { assertNoProblems } from '../lib/browser.mjs';
import { draftBase, htmxSwap, navigation } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

const portal = usePortal();

// htmx reports error answers on the console; here they are what the test provokes.
const expected = (p) => !/Response Status Error Code (404|409)/.test(p);

async function startSkrivTilOss(page) {
  await page.goto('/skjema/skriv-til-oss');
  await navigation(page, () => page.getByRole('button', { name: 'Start utfyllingen' }).click());
  return page.url();
}

test('a save refused because another tab saved first shows what was typed, in place', async () => {
  const { page, context, problems } = await portal.open();
  try {
    const url = await startSkrivTilOss(page);
    const other = await context.newPage();
    await other.goto(url);
    await other.locator('#f-henvendelse-emne').fill('Fra den andre fanen');
    await navigation(other, () => other.getByRole('button', { name: 'Lagre og fortsett senere' }).click());
    await other.close();

    await page.locator('#f-henvendelse-emne').fill('Skrevet i den første fanen');
    const r = await htmxSwap(page, () => page.locator('h1').click());
    assert.equal(r.status(), 409);
    assert.equal(await page.locator('h1').innerText(), 'Skjemaet er endret i en annen fane');
    assert.equal(await page.locator('[role="alert"]').count(), 1, 'announced');
    assert.match(await page.locator('main').innerText(), /Skrevet i den første fanen/, 'what was typed is shown');
    await axe(page, 'changed in another tab (shown in place)');
    await navigation(page, () => page.getByRole('link', { name: 'Åpne den nyeste versjonen' }).click());
    assert.equal(await page.locator('#f-henvendelse-emne').inputValue(), 'Fra den andre fanen');
    assertNoProblems(problems.filter(expected));
  } finally {
    await context.close();
  }
});

test('a save refused because the draft was deleted says so, in place', async () => {
  const { page, context, problems } = await portal.open();
  try {
    const url = await startSkrivTilOss(page);
    const id = draftBase(url).split('/').pop();
    const other = await context.newPage();
    await other.goto(`/utkast/${id}/slett`);
    await navigation(other, () => other.getByRole('button', { name: 'Ja, slett utkastet' }).click());
    await other.close();

    await page.locator('#f-henvendelse-emne').fill('Frist');
    const r = await htmxSwap(page, () => page.locator('h1').click());
    assert.equal(r.status(), 404);
    const status = page.locator('#form-status');
    assert.equal(await status.getAttribute('aria-live'), 'polite');
    assert.match(await status.innerText(), /Vi fant ikke siden/);
    assert.ok(await status.isVisible(), 'the message can be seen');
    await axe(page, 'draft deleted meanwhile (message in place)');
    assertNoProblems(problems.filter(expected));
  } finally {
    await context.close();
  }
});
