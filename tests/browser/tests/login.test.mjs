// Logging in through the built-in ID-porten, choosing a party, the session's warning before it
// ends, and logging out — in a real browser, with the mouse and with the keyboard.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Audit } from '../lib/audit.mjs';
import { assertNoProblems } from '../lib/browser.mjs';
import { DINA, navigation } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

// Sessions end after 5 minutes and 2 seconds idle here, so the warning (5 minutes before the end)
// shows at once.
const portal = usePortal({ env: { TASTESKJEMA_SESSION_IDLE_S: '302' } });

test('a visitor opens a form, logs in, chooses a party, and logs out', async () => {
  const { page, context, problems } = await portal.open({ login: false });
  try {
    await page.goto('/');
    assert.equal(await page.locator('.site-user a[href^="/logg-inn"]').count(), 1, 'a login link');
    // The form sends the visitor to the test login, which offers the test people.
    await page.goto('/skjema/RF-1140');
    assert.match(page.url(), /\/dev\/idporten\/authorize/);
    assert.ok(await page.locator(`datalist#people option[value="${DINA}"]`).count(), 'Dina is offered');
    // Keyboard only: type the number, the level is preselected, Enter logs in.
    await page.locator('#pid').focus();
    await page.keyboard.type(DINA);
    await navigation(page, () => page.keyboard.press('Enter'));
    // Back, and asked whom to act for (four parties may use RF-1140).
    assert.match(page.url(), /\/aktor\?neste=%2Fskjema%2FRF-1140$/);
    assert.equal(await page.locator('input[name="party"]').count(), 4);
    // Nothing chosen: the error summary takes focus and links to the list.
    await navigation(page, () => page.locator('.party-form button[type="submit"]').click());
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
    await page.locator('#error-summary a').click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'party-1', 'the first choice');
    await page.keyboard.press('Space');
    await navigation(page, () => page.keyboard.press('Enter'));
    assert.match(page.url(), /\/skjema\/RF-1140$/);
    const header = await page.locator('.site-user').innerText();
    assert.match(header, /Dina Daglig Testesen/);
    assert.match(header, /Representerer/);
    // Change party from the header: back to this form once chosen.
    await navigation(page, () => page.locator('.site-user a[href^="/aktor"]').click());
    await page.locator('input[name="party"][value="org:311800019"]').check();
    await navigation(page, () => page.locator('.party-form button[type="submit"]').click());
    assert.match(page.url(), /\/skjema\/RF-1140$/);
    assert.match(await page.locator('.site-user').innerText(), /FIKTIV BAKERI OG KAFÉ AS/);
    // Logging out ends the session at ID-porten too, and comes back logged out.
    await navigation(page, () => page.locator('.logout-form button').click());
    assert.match(page.url(), /\/dev\/idporten\/endsession/);
    await navigation(page, () => page.locator('main a').last().click());
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.locator('.site-user a[href^="/logg-inn"]').count(), 1);
    const r = await page.goto('/utkast');
    assert.match(page.url(), /\/dev\/idporten\/authorize/, `${r.status()}`);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});

test('the session warns before it ends and can be kept alive without leaving the page', async () => {
  const { page, context, problems } = await portal.open();
  try {
    await page.goto('/utkast');
    const until = await page.locator('#session-until').innerText();
    assert.match(until, /Du blir logget ut kl\. \d\d:\d\d/);
    const warning = page.locator('#session-warning');
    await warning.waitFor({ state: 'visible', timeout: 8_000 });
    assert.equal(await warning.getAttribute('role'), 'alert');
    const audit = new Audit(page, 'nb');
    await audit.check('session about to end');
    audit.assertClean();
    const endsBefore = Number(await page.locator('#session-bar').getAttribute('data-ends'));
    await page.waitForTimeout(1100);
    const url = page.url();
    const extended = page.waitForResponse((r) => new URL(r.url()).pathname === '/okt/forleng');
    await page.locator('#session-extend button').click();
    assert.equal((await extended).status(), 200);
    await warning.waitFor({ state: 'hidden' });
    assert.equal(page.url(), url, 'still on the same page');
    const endsAfter = Number(await page.locator('#session-bar').getAttribute('data-ends'));
    assert.ok(endsAfter > endsBefore, `${endsAfter} > ${endsBefore}`);
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
