/**
 * Browser tests on Debian's Chromium (Playwright never downloads a browser
 * here). Three built sites are served as static sites (sandbox mode off):
 * our content (dist), the fixture lessons (dist-fixtures) and the shared
 * conformance course (dist-conformance); scripts/test-all.sh builds them
 * first. Our content is served a second time with sandbox mode on (real
 * bubblewrap, PostgreSQL and MariaDB) unless DRILLBOOK_SKIP_SANDBOX_E2E=1.
 */
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './src/cli/chromium.ts';

/**
 * First of the five ports the tests use (the four servers below, and the LTI tool that
 * tests/e2e/lti.spec.ts starts itself on the fifth); DRILLBOOK_E2E_PORT_BASE moves them (two checkouts at once).
 */
const PORT = Number(process.env['DRILLBOOK_E2E_PORT_BASE'] ?? 4611);

/** `own`: built from our own course (content/, links: strict), where no reference may point nowhere. */
export const SITES = {
  content: { dir: 'dist', port: PORT, sandbox: false, own: true },
  fixtures: { dir: 'dist-fixtures', port: PORT + 1, sandbox: false, own: false },
  conformance: { dir: 'dist-conformance', port: PORT + 2, sandbox: false, own: false },
  sandbox: { dir: 'dist', port: PORT + 3, sandbox: true, own: true },
} as const;

type Site = (typeof SITES)[keyof typeof SITES];
const served = (s: Site) => existsSync(`${s.dir}/index.html`) && !(s.sandbox && process.env['DRILLBOOK_SKIP_SANDBOX_E2E'] === '1');

/** Whether the site is built and served; tests of a site that is not skip. */
export const siteBuilt = (site: keyof typeof SITES) => served(SITES[site]);

export default defineConfig({
  testDir: 'tests/e2e',
  workers: 2,
  retries: 0,
  // The second reporter fails the run on any skipped test under ./drillbook test (DRILLBOOK_REQUIRE_ALL=1).
  reporter: [['list'], ['./tests/e2e/no-skips-reporter.ts']],
  timeout: 30_000,
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  // A site that was not built (the conformance course needs ../shared) is not served; its tests skip.
  // The sandbox server prepares its data templates on a first start (up to two minutes), keeps one
  // sandbox warm, and is stopped with SIGTERM so that it ends every sandbox it started.
  webServer: Object.values(SITES)
    .filter(served)
    .map((s) => ({
      command: `node src/cli/main.ts serve --dir ${s.dir} --port ${s.port}`,
      url: `http://127.0.0.1:${s.port}/`,
      // The sandbox server also has an instructor (tests/e2e/workshop.spec.ts signs in with this password).
      env: (s.sandbox
        ? { DRILLBOOK_SANDBOX: 'on', DRILLBOOK_POOL_SIZE: '1', DRILLBOOK_INSTRUCTOR_PASSWORD: 'e2e-instructor-password' }
        : { DRILLBOOK_SANDBOX: 'off' }) as Record<string, string>,
      reuseExistingServer: false,
      stdout: 'ignore' as const,
      ...(s.sandbox ? { timeout: 120_000, gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 30_000 } } : {}),
    })),
});
