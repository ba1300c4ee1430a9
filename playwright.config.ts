/**
 * Browser tests on Debian's Chromium (Playwright never downloads a browser
 * here). Three built sites are served: our content (dist), the fixture
 * lessons (dist-fixtures) and the shared conformance course
 * (dist-conformance); scripts/test-all.sh builds them first.
 */
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './src/cli/chromium.ts';

export const siteBuilt = (site: keyof typeof SITES) => existsSync(`${SITES[site].dir}/index.html`);

export const SITES = {
  content: { dir: 'dist', port: 4611 },
  fixtures: { dir: 'dist-fixtures', port: 4612 },
  conformance: { dir: 'dist-conformance', port: 4613 },
} as const;

export default defineConfig({
  testDir: 'tests/e2e',
  workers: 2,
  retries: 0,
  reporter: [['list']],
  timeout: 30_000,
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  // A site that was not built (the conformance course needs ../shared) is not served; its tests skip.
  webServer: Object.values(SITES)
    .filter((s) => existsSync(`${s.dir}/index.html`))
    .map((s) => ({
      command: `node src/cli/main.ts serve --dir ${s.dir} --port ${s.port}`,
      url: `http://127.0.0.1:${s.port}/`,
      reuseExistingServer: false,
      stdout: 'ignore' as const,
    })),
});
