// Every page of the portal, found from the running server, in bokmål, nynorsk and English:
// axe (WCAG 2.0/2.1 A and AA and best practice), reflow at 320 px and zoom at 200 %.
// No form is named here: the catalogue's links give the forms, check-your-answers gives the pages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Audit } from '../lib/audit.mjs';
import { assertNoProblems } from '../lib/browser.mjs';
import { crawlForm, discoverForms } from '../lib/crawl.mjs';
import { navigation } from '../lib/portal.mjs';
import { usePortal } from '../lib/setup.mjs';

const portal = usePortal();
/** An SSH public key made for this test only (its private half was thrown away). */
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn33e5Wq4WZFC1SxSNhm832KTHJ/isb1n6p+F/60Gu/ test';
/** Per Rolleløs Testmann (synthetic): no roles, no delegations. */
const PER = '30819210027';

for (const lang of ['nb', 'nn', 'en']) {
  test(`every page is accessible (${lang})`, async (t) => {
    const { page, context, problems } = await portal.open();
    try {
      await page.goto('/');
      if (lang !== 'nb') {
        // The language links of the header (GET ?lang=xx), as a user would choose.
        await navigation(page, () => page.locator(`a[hreflang="${lang}"]`).click());
      }
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      const forms = await discoverForms(page);
      assert.ok(forms.length > 0, 'the catalogue links to forms');

      await t.test('catalogue, empty drafts list, page not found', async () => {
        const audit = new Audit(page, lang);
        await page.goto('/');
        await audit.check('catalogue');
        await page.goto('/utkast');
        await audit.check('my drafts (none)');
        await page.goto('/innsendt');
        await audit.check('submitted forms (none)');
        const r = await page.goto('/finnes-ikke');
        assert.equal(r.status(), 404);
        await audit.check('page not found');
        // The footer's accessibility statement and privacy notice, from any page.
        await navigation(page, () => page.locator('footer a[href="/tilgjengelighet"]').click());
        await audit.check('accessibility statement');
        await navigation(page, () => page.locator('footer a[href="/personvern"]').click());
        await audit.check('privacy notice');
        await page.goto('/aktor?neste=%2Fskjema%2FRF-1140');
        assert.ok(await page.locator('input[name="party"]').count() > 1, 'parties to choose from');
        await audit.check('party choice');
        // The built-in ID-porten's page, which every login on the embedded default passes.
        await page.goto('/logg-inn?neste=%2F');
        assert.match(page.url(), /\/dev\/idporten\/authorize/);
        await audit.check('test login (built-in ID-porten)');
        audit.assertClean();
      });

      await t.test('the pages for system vendors, found from the footer', async () => {
        const audit = new Audit(page, lang);
        await page.goto('/');
        await navigation(page, () => page.locator('footer a[href="/systemleverandorer"]').click());
        await audit.check('for system vendors');
        const links = await page.locator('main a[href^="/systemleverandorer/"]')
          .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        assert.ok(links.length >= 5, `vendor pages: ${links}`);
        for (const href of links) {
          const r = await page.goto(href);
          assert.equal(r.status(), 200, href);
          await audit.check(`vendor page ${href}`);
        }
        audit.assertClean();
      });

      await t.test('a delivery sent as a file, found from a form\'s start page', async () => {
        const audit = new Audit(page, lang);
        await page.goto(`/skjema/${forms.find((f) => f === 'RF-1140') ?? forms[0]}`);
        const offer = page.locator('main a[href$="/fil"]');
        assert.ok(await offer.count() > 0, 'the start page offers sending the delivery as a file');
        await navigation(page, () => offer.first().click());
        await audit.check('delivery as a file');
        // With script the file is posted in the background, with a progress bar, and the answer
        // replaces the page's main content.
        const send = async (name, text) => {
          await page.locator('#fil').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
          const [r] = await Promise.all([
            page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname.endsWith('/fil')),
            page.locator('main form button[type="submit"]').click(),
          ]);
          await page.locator('#error-summary').waitFor();
          assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'error-summary');
          return r;
        };
        const bad = { leveranse: { inntektsaar: 2025, oppgave: [{ matrikkelnummer: { kommunenummer: 'X1' } }] } };
        let r = await send('leveranse.json', JSON.stringify(bad, null, 2));
        assert.equal(r.status(), 422);
        assert.ok(await page.locator('main table tbody tr').count() > 0, 'the errors are listed');
        await audit.check('delivery as a file: refused, with its errors');
        r = await send('leveranse.json', '{ "leveranse": ');
        assert.equal(r.status(), 422);
        await audit.check('delivery as a file: not JSON');
        audit.assertClean();
      });

      await t.test('the SFTP keys page, found from the delivery as a file', async () => {
        const audit = new Audit(page, lang);
        await page.goto('/skjema/RF-1140/fil');
        await navigation(page, () => page.locator('main a[href="/sftp-nokler"]').click());
        await audit.check('SFTP keys');
        // Nothing filled in: both errors, in the summary and at their fields.
        let r = await navigation(page, () => page.locator('main form[action="/sftp-nokler"] button[type="submit"]').click());
        assert.equal(r.status(), 422);
        assert.equal(await page.locator('#error-summary a').count(), 2);
        await audit.check('SFTP keys: nothing filled in');
        await page.locator('#navn').fill('Testsystem');
        await page.locator('#nokkel').fill(KEY);
        r = await navigation(page, () => page.locator('main form[action="/sftp-nokler"] button[type="submit"]').click());
        assert.equal(r.status(), 200);
        assert.ok(await page.locator('main [role="status"]').count() > 0, 'the key is said to be added');
        await audit.check('SFTP keys: one added');
        // Removed again, so the next language adds it anew.
        const key = page.locator('main li.key', { hasText: 'Testsystem' });
        await navigation(page, () => key.locator('button[type="submit"]').click());
        assert.equal(await page.locator('main li.key', { hasText: 'Testsystem' }).count(), 0);
        await audit.check('SFTP keys: one removed');
        audit.assertClean();
      });

      await t.test('a person without rights for a form', async () => {
        const per = await portal.open({ login: { pid: PER, party: null } });
        try {
          if (lang !== 'nb') await per.page.goto(`/?lang=${lang}`);
          const r = await per.page.goto('/aktor?neste=%2Fskjema%2FRF-1140');
          assert.equal(r.status(), 403);
          const audit = new Audit(per.page, lang);
          await audit.check('no party may use the form');
          audit.assertClean();
        } finally {
          await per.context.close();
        }
      });

      // Drafts belong to a party: those of forms only another party may use are not listed.
      let ownDrafts = 0;
      for (const formId of forms) {
        await t.test(formId, async () => {
          const audit = new Audit(page, lang);
          const { visited, forOther } = await crawlForm(page, formId, (label) => audit.check(label));
          assert.ok(visited.length > 0);
          if (!forOther) ownDrafts += 1;
          audit.assertClean();
        });
      }

      await t.test('my drafts, deleting a draft, a page changed in another tab', async () => {
        const audit = new Audit(page, lang);
        await page.goto('/utkast');
        assert.ok(ownDrafts > 0);
        assert.ok(await page.locator('a[href$="/slett"]').count() >= ownDrafts, 'the drafts are listed');
        await audit.check('my drafts');
        await navigation(page, () => page.locator('a[href$="/slett"]').first().click());
        await audit.check('delete a draft?');
        await navigation(page, () => page.locator('main form button[type="submit"]').click());
        assert.match(page.url(), /\/utkast\?slettet=1$/);
        await audit.check('my drafts (one deleted)');

        // A form page saved in a second tab: the first tab's post is refused, showing what was typed.
        const first = await page.locator('a[href^="/skjema/"]:not([href$="/slett"])').first().getAttribute('href');
        await page.goto(first);
        const other = await context.newPage();
        await other.goto(first);
        await navigation(other, () => other.locator('#page-form button[value="save"]').click());
        await other.close();
        const r = await navigation(page, () => page.locator('#page-form button[value="next"]:not([aria-hidden="true"])').click());
        assert.equal(r.status(), 409);
        await audit.check('changed in another tab');
        audit.assertClean();
      });
      assertNoProblems(problems);
    } finally {
      await context.close();
    }
  });
}
