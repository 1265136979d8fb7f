// Helpers for driving the portal: synthetic identifiers, htmx swaps, focus, language texts.

/** mod-11 check digit for the digits with the weights; null when the remainder makes it 10. */
function mod11(digits, weights) {
  const sum = weights.reduce((s, w, i) => s + w * digits[i], 0);
  const k = 11 - (sum % 11);
  if (k === 11) return 0;
  if (k === 10) return null;
  return k;
}

/**
 * A synthetic fødselsnummer for a birth date: the month is written + 80, as in test data that
 * can never be a real person. Individual numbers are tried from `from` until both check digits exist.
 */
export function syntheticFnr(day, month, yy, from = 100) {
  for (let individ = from; individ < 500; individ++) {
    const base = `${pad(day)}${pad(month + 80)}${pad(yy)}${String(individ).padStart(3, '0')}`;
    const d = [...base].map(Number);
    const k1 = mod11(d, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
    if (k1 === null) continue;
    const k2 = mod11([...d, k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if (k2 === null) continue;
    return `${base}${k1}${k2}`;
  }
  throw new Error('no individual number gives valid check digits');
}

/** Whether nine digits pass the organisation number's mod-11 check. */
export function validOrgnr(s) {
  if (!/^\d{9}$/.test(s)) return false;
  const d = [...s].map(Number);
  return mod11(d, [3, 2, 7, 6, 5, 4, 3, 2]) === d[8];
}

/** Whether eleven digits pass both fødselsnummer check digits. */
export function validFnr(s) {
  if (!/^\d{11}$/.test(s)) return false;
  const d = [...s].map(Number);
  return mod11(d, [3, 7, 6, 1, 8, 9, 4, 5, 2]) === d[9] && mod11(d, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) === d[10];
}

/** The same number with its last digit changed, so the checksum fails. */
export function breakChecksum(s) {
  const last = Number(s.at(-1));
  return s.slice(0, -1) + String((last + 1) % 10);
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/**
 * Counts htmx swaps in every page of the context (an init script, which the page's
 * Content Security Policy does not govern), so a test can wait for a swap to settle.
 */
export async function installHtmxProbe(context) {
  await context.addInitScript(() => {
    const probe = { settled: 0, inFlight: 0, settledAt: 0, doneAt: 0 };
    window.__tsProbe = probe;
    document.addEventListener('htmx:beforeRequest', () => {
      probe.inFlight += 1;
    });
    document.addEventListener('htmx:afterRequest', () => {
      probe.inFlight = Math.max(0, probe.inFlight - 1);
      probe.doneAt = performance.now();
    });
    document.addEventListener('htmx:afterSettle', () => {
      probe.settled += 1;
      probe.settledAt = performance.now();
    });
  });
}

const FRAGMENT = /\/skjema\/[^/]+\/[^/]+\/[^/]+\/felt$/;

/**
 * Runs `action` (which must make htmx post the form to its fragment route) and waits until the
 * response is swapped in and settled (app.js has then moved focus). Returns the response.
 */
export async function htmxSwap(page, action) {
  const before = await page.evaluate(() => window.__tsProbe.settled);
  const response = page.waitForResponse((r) => r.request().method() === 'POST' && FRAGMENT.test(new URL(r.url()).pathname));
  await action();
  const r = await response;
  // Another post may be under way (a text field's change fires as the radio is clicked): wait
  // until every request has ended and the last one's swap has settled, or it swapped nothing.
  await page.waitForFunction(
    (b) => {
      const p = window.__tsProbe;
      if (p.settled <= b || p.inFlight > 0) return false;
      return p.settledAt >= p.doneAt || performance.now() - p.doneAt > 250;
    },
    before,
    { polling: 20 },
  );
  return r;
}

/** Runs `action` (a click or key press that submits a page) and waits for the next document. */
export async function navigation(page, action) {
  const [r] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
  return r;
}

/** What has focus: id, name, tag, type, value and text of document.activeElement. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body' };
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id || null,
      name: el.getAttribute('name'),
      type: el.getAttribute('type'),
      value: el.getAttribute('value'),
      text: (el.innerText || '').trim().replace(/\s+/g, ' ').slice(0, 80),
      href: el.getAttribute('href'),
    };
  });
}

/** The draft path prefix ("/skjema/RF-1140/<id>") of a page URL. */
export function draftBase(url) {
  const m = new URL(url).pathname.match(/^(\/skjema\/[^/]+\/[0-9a-f-]{36})/);
  if (!m) throw new Error(`not a draft page: ${url}`);
  return m[1];
}

/** The portal's own words the journeys look for, per language. */
export const UI = {
  nb: { start: 'Start utfyllingen', next: 'Lagre og fortsett', back: 'Tilbake', remove: 'Fjern', summary: 'Se over svarene', errorSummary: 'Dette må rettes før du kan gå videre', optional: '(valgfritt)' },
  nn: { start: 'Start utfyllinga', next: 'Lagre og hald fram', back: 'Tilbake', remove: 'Fjern', summary: 'Sjå over svara', errorSummary: 'Dette må rettast før du kan gå vidare', optional: '(valfritt)' },
  en: { start: 'Start filling in', next: 'Save and continue', back: 'Back', remove: 'Remove', summary: 'Check your answers', errorSummary: 'Please correct the following before you continue', optional: '(optional)' },
};

/** Field ids as the portal makes them from a bind path ("a.b[0].c" → "f-a-b-0-c"). */
export function domId(path) {
  return `f-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '')}`;
}

/** Dina Daglig Testesen (synthetic): daglig leder of TESTSAMEIET SKOGLY, among others. */
export const DINA = '12837810092';
/** TESTSAMEIET SKOGLY (synthetic), as the party choice names it. */
export const SKOGLY = 'org:819897522';

/**
 * Logs in through the built-in ID-porten's page as a person would: the fødselsnummer typed, the
 * level chosen, "Logg inn" pressed; then, when `party` is given, chooses it on the party page.
 * Ends on `next` (or the party page's destination).
 */
export async function logIn(page, { pid = DINA, acr = 'idporten-loa-substantial', party = SKOGLY, next = '/' } = {}) {
  await page.goto(`/logg-inn?neste=${encodeURIComponent(next)}`);
  if (!new URL(page.url()).pathname.endsWith('/dev/idporten/authorize')) {
    throw new Error(`not at the test login page: ${page.url()}`);
  }
  await page.locator('#pid').fill(pid);
  await page.locator(`input[name="acr"][value="${acr}"]`).check();
  await navigation(page, () => page.locator('button[name="action"][value="login"]').click());
  if (party) {
    await page.goto(`/aktor?neste=${encodeURIComponent(next)}`);
    await page.locator(`input[name="party"][value="${party}"]`).check();
    await navigation(page, () => page.locator('.party-form button[type="submit"]').click());
  }
}
