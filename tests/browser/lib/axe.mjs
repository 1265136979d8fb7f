// axe-core in the page under test, with the page's own Content Security Policy left in force.
//
// The portal sends `script-src 'self'`, so a <script> element with axe's source inline
// (page.addScriptTag({ content })) is refused. Playwright's `bypassCSP: true` would allow it, but
// it switches the policy off for the whole context, and a CSP violation of the portal itself
// would then go unnoticed. Instead the source is run with page.evaluate: that goes through the
// DevTools protocol (Runtime.evaluate), which CSP does not govern, and defines `window.axe`
// in the page's main world. axe-core itself needs no eval, so it runs under the policy.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** Runs axe on the page and returns its violations, formatted, with the label and URL. */
export async function axeViolations(page, label) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({
        target: n.target.map((t) => (Array.isArray(t) ? t.join(' >> ') : t)).join(', '),
        html: n.html,
        summary: n.failureSummary,
      })),
    }));
  }, AXE_TAGS);
  const url = page.url();
  return violations.map((v) => ({ ...v, label, url }));
}

export function formatViolations(list) {
  return list
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `      at ${n.target}\n        ${n.html}\n        ${(n.summary ?? '').replace(/\n/g, '\n        ')}`)
        .join('\n');
      return `  [${v.label}] ${v.url}\n    ${v.id} (${v.impact}): ${v.help}\n${nodes}`;
    })
    .join('\n');
}

/** Runs axe on the page; any violation fails with rule id, impact, target, HTML, label and URL. */
export async function axe(page, label) {
  const list = await axeViolations(page, label);
  if (list.length) {
    throw new Error(`axe found ${list.length} violation(s):\n${formatViolations(list)}`);
  }
}
