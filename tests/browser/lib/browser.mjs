// Headless Chromium from the system (no browser download), contexts and pages that record
// what goes wrong in the page: script errors, console errors and CSP violations.
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * A fresh context (its own cookies, so its own drafts) and one page in it.
 * `javaScript: false` turns the page's scripts off, as a browser without JavaScript.
 * Returns { context, page, problems } where problems collects errors seen in the page.
 */
export async function openPage(browser, baseURL, { javaScript = true, width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({
    baseURL,
    javaScriptEnabled: javaScript,
    viewport: { width, height },
    locale: 'nb-NO',
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = await context.newPage();
  const problems = watch(page);
  return { context, page, problems };
}

/** Records script errors, console errors (CSP violations are reported there) and failed requests. */
export function watch(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`script error on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // The error pages (404, 422) are logged by Chromium as failed resource loads; they are expected.
    if (/Failed to load resource: the server responded with a status of (404|409|422)/.test(text)) return;
    problems.push(`console error on ${page.url()}: ${text}`);
  });
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? '';
    // A navigation that replaces a pending request aborts it; that is not a fault of the page.
    if (/ERR_ABORTED/.test(why)) return;
    problems.push(`request failed: ${r.method()} ${r.url()}: ${why}`);
  });
  return problems;
}

/** Throws when a page recorded problems. */
export function assertNoProblems(problems, label = '') {
  if (problems.length) {
    throw new Error(`problems in the page${label ? ` (${label})` : ''}:\n  ${problems.join('\n  ')}`);
  }
}
