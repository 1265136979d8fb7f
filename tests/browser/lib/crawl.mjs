// Walks a form the way the accessibility test needs: every page it can reach, empty and with
// errors, then with a choice made in every radio group and select and a row in every group.
// Nothing here knows a form: pages are found from the check-your-answers page's links.
import { draftBase, htmxSwap, navigation } from './portal.mjs';

const NEXT = '#page-form button[name="_action"][value="next"]:not([aria-hidden="true"])';
/** The start page's button (none when the party may not start the form). */
const START = 'main form[action] button[type="submit"]';

/** The form ids the catalogue links to ("/skjema/<id>"), in catalogue order. */
export async function discoverForms(page) {
  await page.goto('/');
  const hrefs = await page.locator('a[href^="/skjema/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  return [...new Set(hrefs.map((h) => h.match(/^\/skjema\/([^/?#]+)$/)?.[1]).filter(Boolean))];
}

/** The pages the check-your-answers page links to, in order ("Endre" links have no query). */
async function pagesFromSummary(page, base) {
  await page.goto(`${base}/oppsummering`);
  const hrefs = await page.locator(`a[href^="${base}/"]`).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const ids = hrefs
    .filter((h) => !h.includes('?') && !h.includes('#'))
    .map((h) => h.slice(base.length + 1))
    .filter((id) => id && !id.includes('/') && id !== 'oppsummering');
  return [...new Set(ids)];
}

/**
 * Makes the choices that let conditional parts appear: the first option of every radio group,
 * checkbox group and select with nothing chosen, and one row in every repeating group that has none. Each is one
 * htmx swap. Returns how many changes were made.
 */
async function makeProgress(page) {
  let changes = 0;
  const tried = new Set();
  for (let guard = 0; guard < 40; guard++) {
    const todo = await page.evaluate(() => {
      const form = document.getElementById('page-form');
      if (!form) return null;
      for (const type of ['radio', 'checkbox']) {
        const boxes = [...form.querySelectorAll(`input[type=${type}]`)];
        for (const b of boxes) {
          const group = boxes.filter((x) => x.name === b.name);
          if (!group.some((x) => x.checked)) return { kind: 'choice', id: group[0].id };
        }
      }
      for (const s of form.querySelectorAll('select')) {
        if (!s.value && s.options.length > 1) return { kind: 'select', id: s.id };
      }
      for (const b of form.querySelectorAll('button[name="_action"][value^="add:"]')) {
        const group = b.closest('fieldset');
        if (group && !group.querySelector(':scope > fieldset')) return { kind: 'add', value: b.value };
      }
      return { kind: 'none' };
    });
    if (!todo || todo.kind === 'none') break;
    const key = JSON.stringify(todo);
    if (tried.has(key)) throw new Error(`choosing did not take: ${key} on ${page.url()}`);
    tried.add(key);
    if (todo.kind === 'choice') {
      await htmxSwap(page, () => page.locator(`label[for="${todo.id}"]`).click());
    } else if (todo.kind === 'select') {
      await htmxSwap(page, () => page.locator(`[id="${todo.id}"]`).selectOption({ index: 1 }));
    } else {
      await htmxSwap(page, () => page.locator(`#page-form button[name="_action"][value="${todo.value}"]`).click());
    }
    changes += 1;
  }
  return changes;
}

/**
 * Crawls one form from its start page; `check(label)` is called on every page state.
 * Returns the draft's base path, the pages visited, and whether the draft is another party's.
 */
export async function crawlForm(page, formId, check) {
  // The party acted for now, to come back to after a form it may not use (one for persons
  // only), for which the first party offered is chosen, as a user would.
  await page.goto('/aktor?neste=%2F');
  const current = page.locator('input[name="party"]:checked');
  const acting = (await current.count()) ? await current.getAttribute('value') : null;
  let restore = null;
  const start = async () => {
    await page.goto(`/skjema/${formId}`);
    await navigation(page, () => page.locator('main form[action] button[type="submit"]').first().click());
  };
  await page.goto(`/skjema/${formId}`);
  await check(`${formId} start page`);
  if (!(await page.locator(START).count())) {
    // The party acted for lacks a registration the form requires (the page saying so is checked
    // above): the first other party offered that may start it, as a user would choose.
    await page.goto(`/aktor?neste=${encodeURIComponent(`/skjema/${formId}`)}`);
    const offered = await page.locator('input[name="party"]').evaluateAll((xs) => xs.map((x) => x.value));
    for (const value of offered.filter((v) => v !== acting)) {
      await page.goto(`/aktor?neste=${encodeURIComponent(`/skjema/${formId}`)}`);
      await page.locator(`input[name="party"][value="${value}"]`).check();
      await navigation(page, () => page.locator('.party-form button[type="submit"]').click());
      restore = acting;
      if (await page.locator(START).count()) break;
    }
  }
  await navigation(page, () => page.locator(START).first().click());
  if (new URL(page.url()).pathname === '/aktor') {
    await check(`${formId} party choice`);
    await page.locator('input[name="party"]').first().check();
    await navigation(page, () => page.locator('.party-form button[type="submit"]').click());
    restore = acting;
    if (!/^\/skjema\/[^/]+\/[0-9a-f-]{36}/.test(new URL(page.url()).pathname)) await start();
  }
  const base = draftBase(page.url());
  const visited = [];
  let pageId = new URL(page.url()).pathname.slice(base.length + 1);
  for (let guard = 0; guard < 100 && pageId; guard++) {
    visited.push(pageId);
    const label = `${formId}/${pageId}`;
    await page.goto(`${base}/${pageId}`);
    await check(label);
    // "Lagre og fortsett" with the page as it is: its errors.
    let r = await navigation(page, () => page.locator(NEXT).click());
    if (r.status() === 422) await check(`${label} (errors)`);
    await page.goto(`${base}/${pageId}`);
    if (await makeProgress(page)) {
      await check(`${label} (choices made, rows added)`);
      r = await navigation(page, () => page.locator(NEXT).click());
      if (r.status() === 422) await check(`${label} (choices made, errors)`);
    }
    const pages = await pagesFromSummary(page, base);
    pageId = pages.find((p) => !visited.includes(p));
  }
  await page.goto(`${base}/oppsummering`);
  await check(`${formId} check your answers`);
  // An error link of the check-your-answers page opens the page with its errors shown.
  const errorLink = page.locator('#error-summary a').first();
  if (await errorLink.count()) {
    await navigation(page, () => errorLink.click());
    await check(`${formId} page opened from an error on check-your-answers`);
  }
  await page.goto(`/skjema/${formId}`);
  await check(`${formId} start page with a draft to resume`);
  if (restore) {
    await page.goto('/aktor?neste=%2F');
    await page.locator(`input[name="party"][value="${restore}"]`).check();
    await navigation(page, () => page.locator('.party-form button[type="submit"]').click());
  }
  // `forOther`: the draft belongs to another party than the one acted for.
  return { base, visited, forOther: restore !== null };
}
