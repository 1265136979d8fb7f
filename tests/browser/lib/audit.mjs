// Collects accessibility findings over many pages and reports them grouped, so one fault in the
// layout shows once with the list of pages it is on.
import { axeViolations } from './axe.mjs';
import { layoutChecks } from './layout.mjs';

export class Audit {
  constructor(page, prefix) {
    this.page = page;
    this.prefix = prefix;
    this.violations = [];
    this.layout = [];
    this.checked = [];
  }

  /** axe, reflow at 320 px and zoom 200 % on the page as it is now (disclosures opened). */
  async check(label) {
    const full = `${this.prefix} ${label}`;
    this.checked.push(full);
    // Help texts behind a disclosure are checked open.
    await this.page.evaluate(() => document.querySelectorAll('details:not([open])').forEach((d) => { d.open = true; }));
    this.violations.push(...(await axeViolations(this.page, full)));
    this.layout.push(...(await layoutChecks(this.page, full)));
  }

  /** Throws with every finding, grouped by rule and element. */
  assertClean() {
    const parts = [];
    if (this.violations.length) {
      const groups = new Map();
      for (const v of this.violations) {
        for (const n of v.nodes) {
          const key = `${v.id}|${n.target}`;
          if (!groups.has(key)) groups.set(key, { v, n, where: [] });
          groups.get(key).where.push(`${v.label} (${v.url})`);
        }
      }
      parts.push(`axe: ${groups.size} violation(s):`);
      for (const { v, n, where } of groups.values()) {
        const pages = where.length > 4 ? [...where.slice(0, 4), `… and ${where.length - 4} more`] : where;
        parts.push(`  ${v.id} (${v.impact}): ${v.help}\n    target: ${n.target}\n    html: ${n.html}\n` +
          `    ${(n.summary ?? '').replace(/\n/g, '\n    ')}\n    on: ${pages.join('\n        ')}`);
      }
    }
    if (this.layout.length) parts.push(`layout: ${this.layout.length} problem(s):\n  ${this.layout.join('\n  ')}`);
    if (parts.length) throw new Error(`${parts.join('\n')}\n(${this.checked.length} page states checked)`);
  }
}
