// One server and one browser per test file, started before its tests and stopped after.
import { after, before } from 'node:test';
import { launchBrowser, openPage } from './browser.mjs';
import { installHtmxProbe, logIn } from './portal.mjs';
import { startServer } from './server.mjs';

/**
 * Registers before/after hooks; the returned object's `url` and `browser` are set once the
 * hooks have run, and `open(options)` gives a fresh context and page (see openPage), logged in
 * through the built-in ID-porten as `options.login` says (see logIn; by default Dina acting for
 * Skogly; `login: false` for nobody).
 * `formsDir` serves another form catalogue than the source tree's forms/.
 */
export function usePortal({ formsDir = null } = {}) {
  const portal = {
    url: null,
    browser: null,
    server: null,
    async open(options = {}) {
      const opened = await openPage(portal.browser, portal.url, options);
      if (options.javaScript !== false) await installHtmxProbe(opened.context);
      if (options.login !== false) await logIn(opened.page, options.login ?? {});
      return opened;
    },
  };
  before(async () => {
    portal.server = await startServer({ formsDir });
    portal.url = portal.server.url;
    portal.browser = await launchBrowser();
  });
  after(async () => {
    await portal.browser?.close().catch(() => {});
    await portal.server?.stop();
  });
  return portal;
}
