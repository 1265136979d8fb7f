// One server and one browser per test file, started before its tests and stopped after.
import { after, before } from 'node:test';
import { launchBrowser, openPage } from './browser.mjs';
import { DINA, installHtmxProbe, logIn } from './portal.mjs';

/** Rita Regnskap Fiktivsen (synthetic): regnskapsfører for four organisations. */
const RITA = '23866410070';

/**
 * Whom each new context logs in as, in turn: drafts belong to a person and a party, so contexts
 * that must start without drafts get an owner of their own. Each may use RF-1140, RF-1139 and
 * Skriv til oss (see docs/test-identities.md).
 */
const OWNERS = [
  { pid: DINA, party: 'org:819897522' },
  { pid: DINA, party: 'org:311800019' },
  { pid: DINA, party: 'org:311800027' },
  { pid: DINA, party: 'org:311800035' },
  { pid: RITA, party: 'org:819897522' },
  { pid: RITA, party: 'org:932061899' },
  { pid: RITA, party: 'org:311800043' },
  { pid: RITA, party: 'org:311800086' },
];
import { startServer } from './server.mjs';

/**
 * Registers before/after hooks; the returned object's `url` and `browser` are set once the
 * hooks have run, and `open(options)` gives a fresh context and page (see openPage), logged in
 * through the built-in ID-porten as `options.login` says (see logIn; by default the next of
 * OWNERS; `login: false` for nobody).
 * `formsDir` serves another form catalogue than the source tree's forms/; `env` adds settings;
 * `args` starts another command than the portal (e.g. the live preview).
 */
export function usePortal({ formsDir = null, env = {}, args = [] } = {}) {
  let opened = 0;
  const portal = {
    url: null,
    browser: null,
    server: null,
    async open(options = {}) {
      const page = await openPage(portal.browser, portal.url, options);
      if (options.javaScript !== false) await installHtmxProbe(page.context);
      if (options.login !== false) await logIn(page.page, options.login ?? OWNERS[opened++ % OWNERS.length]);
      return page;
    },
  };
  before(async () => {
    portal.server = await startServer({ formsDir, env, args });
    portal.url = portal.server.url;
    portal.browser = await launchBrowser();
  });
  after(async () => {
    await portal.browser?.close().catch(() => {});
    await portal.server?.stop();
  });
  return portal;
}
