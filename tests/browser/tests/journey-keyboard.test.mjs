// RF-1140 with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrows): no mouse clicks.
// Focus is followed through document.activeElement: after each key it must be where a keyboard
// user expects it, visible and with a visible focus indicator, also after htmx has swapped the form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoProblems } from '../lib/browser.mjs';
import { CONTACT, ORGNR_REPORTER, OWNERS, rowNames } from '../lib/data.mjs';
import { breakChecksum, domId, focused, htmxSwap, navigation } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

const portal = usePortal();

/** Where focus is, and whether it can be seen: the element's box and its focus indicator. */
function focusState(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body' };
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const ringed = (s) => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    // The design system draws a radio's or checkbox's ring on its field, the parent; the skip
    // link shows focus by appearing (checked on its own below).
    const ring = ringed(cs) || (el.parentElement && ringed(getComputedStyle(el.parentElement))) ||
      el.matches('.ds-skip-link');
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id || null,
      name: el.getAttribute('name'),
      value: el.getAttribute('value'),
      href: el.getAttribute('href'),
      text: (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 60),
      visible: r.width > 1 && r.height > 1,
      ring,
      tabindex: el.getAttribute('tabindex'),
    };
  });
}

test('RF-1140 with the keyboard only', async () => {
  const { page, context, problems } = await portal.open();
  const unseen = [];
  try {
    const key = (k) => page.keyboard.press(k);
    // Presses Tab (or Shift+Tab) until focus is on an element `match` accepts; every stop on the
    // way must be visible and show a focus indicator.
    const tabTo = async (match, what, { back = false, max = 60 } = {}) => {
      const trail = [];
      for (let i = 0; i < max; i++) {
        await key(back ? 'Shift+Tab' : 'Tab');
        const f = await focusState(page);
        trail.push(f.id || f.href || f.text || f.tag);
        if (f.tag !== 'body' && f.tabindex !== '-1' && (!f.visible || !f.ring)) {
          unseen.push(`${page.url()}: ${f.tag}#${f.id ?? ''} "${f.text}" ${f.visible ? 'has no visible focus indicator' : 'is not visible'}`);
        }
        if (match(f)) return f;
      }
      throw new Error(`${what} was not reached with ${back ? 'Shift+Tab' : 'Tab'}; focus went: ${trail.join(' → ')}`);
    };
    const expectFocus = async (id, why) => assert.equal((await focused(page)).id, id, why);
    // Types into the focused field (replacing what is there) and tabs on; htmx checks the answer.
    const typeAndTab = async (id, value) => {
      await expectFocus(id, `focus is on ${id} before typing`);
      await key('ControlOrMeta+a');
      await page.keyboard.type(value);
      await htmxSwap(page, () => key('Tab'));
    };
    const next = () => tabTo((f) => f.tag === 'button' && f.value === 'next' && f.tabindex !== '-1', '"Lagre og fortsett"');

    // The skip link is the first stop, shows when focused, and moves focus to the main content.
    await page.goto('/');
    const skip = await tabTo((f) => f.tag === 'a', 'the skip link', { max: 1 });
    assert.equal(skip.href, '#main');
    assert.ok(skip.visible, 'the skip link is visible when focused');
    await key('Enter');
    await expectFocus('main', 'the skip link moves focus to <main>');

    await tabTo((f) => f.href === '/skjema/RF-1140', 'the RF-1140 link');
    await navigation(page, () => key('Enter'));
    await tabTo((f) => f.tag === 'button' && /Start utfyllingen/.test(f.text), 'the start button');
    await navigation(page, () => key('Space'));
    assert.match(page.url(), /\/om-leveransen$/);

    // Page 1: "Lagre og fortsett" with no choice made.
    await next();
    let r = await navigation(page, () => key('Enter'));
    assert.equal(r.status(), 422);
    await expectFocus('error-summary', 'after a failed "Lagre og fortsett" focus is on the error summary');
    const link = await tabTo((f) => f.tag === 'a', 'the first link of the error summary', { max: 1 });
    assert.equal(link.href, '#f-leveranse-leveransetype');
    await key('Enter');
    await expectFocus('f-leveranse-leveransetype-0', 'the error link moves focus to the first radio');
    // Space picks the radio; htmx swaps the form and focus stays on it. Arrows move the choice.
    await htmxSwap(page, () => key('Space'));
    await expectFocus('f-leveranse-leveransetype-0', 'focus stays on the radio after the swap');
    assert.equal(await page.locator('#f-leveranse-leveransetype-error').count(), 0, 'the error is gone');
    await htmxSwap(page, () => key('ArrowDown'));
    await expectFocus('f-leveranse-leveransetype-1');
    assert.ok(await page.locator('#f-leveranse-leveransetype-1').isChecked());
    await htmxSwap(page, () => key('ArrowUp'));
    await expectFocus('f-leveranse-leveransetype-0');
    await key('Tab');
    await typeAndTab('f-leveranse-oppgavegiversLeveranseReferanse', 'Leveranse-1');
    // Shift+Tab goes back through the same fields.
    await tabTo((f) => f.id === 'f-leveranse-leveransetype-0', 'the chosen radio', { back: true, max: 2 });
    assert.ok(await page.locator('#f-leveranse-leveransetype-0').isChecked(), 'the choice is kept');
    await next();
    await navigation(page, () => key('Enter'));
    assert.match(page.url(), /\/oppgavegiver$/);

    // Page 2: an inline error while tabbing through; focus follows Tab across each swap.
    const orgnr = 'f-leveranse-oppgavegiver-organisasjonsnummer';
    const contact = 'f-leveranse-oppgavegiver-kontaktinformasjon';
    await tabTo((f) => f.id === orgnr, 'the organisation number');
    await typeAndTab(orgnr, breakChecksum(ORGNR_REPORTER));
    await expectFocus(`${contact}-navn`, 'focus moved on to the next field despite the swap');
    assert.match(await page.locator(`#${orgnr}-error`).innerText(), /Organisasjonsnummeret er ikke gyldig/);
    await tabTo((f) => f.id === orgnr, 'the organisation number again', { back: true, max: 1 });
    await typeAndTab(orgnr, ORGNR_REPORTER);
    assert.equal(await page.locator(`#${orgnr}-error`).count(), 0);
    await typeAndTab(`${contact}-navn`, CONTACT.navn);
    await typeAndTab(`${contact}-telefonnummer`, CONTACT.telefon);
    await expectFocus(`${contact}-varselEpostadresse`);
    await page.keyboard.type(CONTACT.epost);
    // Enter in a field submits the page as "Lagre og fortsett".
    r = await navigation(page, () => key('Enter'));
    assert.equal(await page.locator('html').getAttribute('lang'), 'nb', 'Enter did not switch the language');
    assert.match(page.url(), /\/oppgaver$/);

    // Page 3: a row added with the keyboard; focus goes into it; its fields in visual order.
    await tabTo((f) => f.id === 'f-leveranse-oppgave-add', 'the add button');
    await htmxSwap(page, () => key('Enter'));
    const row = rowNames(0);
    const owner = OWNERS[0];
    await expectFocus(domId(row.foedselsnummer), 'focus is in the new row');
    await typeAndTab(domId(row.foedselsnummer), owner.id);
    await expectFocus(domId(row.organisasjonsnummer));
    await key('Tab');
    for (const k of ['navn', 'kommunenummer', 'gaardsnummer', 'bruksnummer', 'seksjon', 'start']) {
      await typeAndTab(domId(row[k]), owner[k]);
    }
    // "Eier til" left empty; the amounts filled.
    await expectFocus(domId(row.slutt));
    await key('Tab');
    for (const k of ['inntekter', 'kostnader', 'formue', 'gjeld']) await typeAndTab(domId(row[k]), owner[k]);
    await next();
    r = await navigation(page, () => key('Enter'));
    assert.equal(r.status(), 422);
    await expectFocus('error-summary');
    const first = await tabTo((f) => f.tag === 'a', 'the first error link', { max: 1 });
    assert.equal(first.href, `#${domId(row.slutt)}`);
    await key('Enter');
    await expectFocus(domId(row.slutt), 'the error link moves focus into the row');
    await typeAndTab(domId(row.slutt), owner.slutt);

    // The language switch works from the keyboard and keeps the answers.
    await tabTo((f) => f.tag === 'button' && f.text === 'Nynorsk', 'the Nynorsk button', { back: true, max: 80 });
    await navigation(page, () => key('Enter'));
    assert.equal(await page.locator('html').getAttribute('lang'), 'nn');
    assert.equal(await page.locator(`#${domId(row.slutt)}`).inputValue(), owner.slutt);
    await tabTo((f) => f.tag === 'button' && f.text === 'Bokmål', 'the Bokmål button');
    await navigation(page, () => key('Space'));
    assert.equal(await page.locator('html').getAttribute('lang'), 'nb');

    await next();
    await navigation(page, () => key('Enter'));
    assert.match(page.url(), /\/sletting$/);
    await next();
    await navigation(page, () => key('Enter'));
    assert.match(page.url(), /\/oppsummering$/);
    assert.equal(await page.locator('#error-summary').count(), 0);
    assert.ok((await page.locator('main').innerText()).includes(owner.navn));
    // "Endre" links are reachable and lead back to their page.
    await tabTo((f) => f.tag === 'a' && /\/oppgaver$/.test(f.href ?? '') && /Endre/.test(f.text), 'the change link of the owners page');
    await navigation(page, () => key('Enter'));
    assert.match(page.url(), /\/oppgaver$/);

    assert.deepEqual(unseen, [], 'every focus stop is visible and shows focus');
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});
