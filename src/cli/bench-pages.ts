/**
 * `drillbook bench pages`: for one page of each type, the bytes (gzip) sent
 * before any interaction, loading the built sites in Debian's Chromium and
 * waiting for the network to go idle without scrolling. "first-load JS" is
 * the page's module scripts and their static imports; "on-demand JS" is what
 * blocks fetched by dynamic import() because they are on screen (xterm,
 * mermaid). The budget: first-load JS under 60 KB on every lesson page.
 * The baseline row is the lesson with no blocks.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';
import { resolve } from 'node:path';
import { buildApp } from '../server/app.ts';

const PAGES: { type: string; dir: string; path: string }[] = [
  { type: 'home (course index)', dir: 'dist-fixtures', path: '/' },
  { type: 'section listing', dir: 'dist-fixtures', path: '/quiz/' },
  { type: 'lesson, no blocks (baseline)', dir: 'dist-fixtures', path: '/page/no-blocks/' },
  { type: 'lesson with quiz', dir: 'dist-fixtures', path: '/quiz/single-question/' },
  { type: 'lesson with command builder', dir: 'dist-fixtures', path: '/command-builder/flat-options/' },
  { type: 'lesson with terminal replay', dir: 'dist-fixtures', path: '/terminal/replay/' },
  { type: 'lesson with exercise', dir: 'dist-fixtures', path: '/exercise/scenario-hints-solution/' },
  { type: 'lesson with code walkthrough', dir: 'dist-fixtures', path: '/code-walkthrough/with-language/' },
  { type: 'lesson with mermaid', dir: 'dist-fixtures', path: '/mermaid/diagrams/' },
  { type: 'our lesson (all blocks)', dir: 'dist', path: '/foundations/logical-vs-physical/' },
];

const JS_BUDGET = 60 * 1024;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

export async function runBenchPages(): Promise<number> {
  for (const dir of new Set(PAGES.map((p) => p.dir))) {
    if (!existsSync(`${dir}/index.html`)) {
      process.stderr.write(`drillbook bench pages: ${dir}/ is not built. Build it first (./drillbook test builds both).\n`);
      return 1;
    }
  }
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
  const servers = new Map<string, { close: () => void; port: number }>();
  for (const dir of new Set(PAGES.map((p) => p.dir))) {
    const app = await buildApp({ config: { siteDir: resolve(dir), secret: 'bench-pages-only-secret', allowedOrigins: [] }, manager: null });
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.set(dir, { close: () => void app.close(), port: (app.server.address() as AddressInfo).port });
  }
  const rows: { type: string; js: number; lazy: number; total: number; requests: number }[] = [];
  try {
    for (const p of PAGES) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      let total = 0;
      let requests = 0;
      const scripts = new Map<string, { gz: number; text: string }>();
      const pending: Promise<void>[] = [];
      page.on('response', (r) => {
        pending.push(
          r.body().then(
            (b) => {
              const gz = gzipSync(b).length;
              total += gz;
              requests++;
              if (r.request().resourceType() === 'script') scripts.set(r.url(), { gz, text: b.toString('utf8') });
            },
            () => undefined,
          ),
        );
      });
      await page.goto(`http://127.0.0.1:${servers.get(p.dir)?.port}${p.path}`, { waitUntil: 'networkidle' });
      await Promise.all(pending);
      const entry = await page.$$eval('script[type="module"][src]', (els) => els.map((e) => (e as HTMLScriptElement).src));
      const inline = await page.$$eval('script:not([src])', (els) => els.map((e) => e.textContent ?? '').join(''));
      const first = staticClosure(entry, scripts);
      const firstJs = [...first].reduce((n, u) => n + (scripts.get(u)?.gz ?? 0), gzipSync(inline).length);
      const allJs = [...scripts.values()].reduce((n, x) => n + x.gz, 0);
      rows.push({
        type: p.type,
        js: firstJs,
        lazy: allJs - [...first].reduce((n, u) => n + (scripts.get(u)?.gz ?? 0), 0),
        total,
        requests,
      });
      await page.close();
    }
  } finally {
    await browser.close();
    for (const s of servers.values()) s.close();
  }
  const base = rows.find((r) => r.type.includes('baseline'));
  process.stdout.write(
    `${'page type'.padEnd(32)}${'first-load JS'.padStart(15)}${'on-demand JS'.padStart(14)}${'total'.padStart(11)}${'requests'.padStart(10)}${'JS vs baseline'.padStart(16)}\n`,
  );
  for (const r of rows) {
    const ratio = base && base.js > 0 ? `${(r.js / base.js).toFixed(2)}x` : '-';
    process.stdout.write(
      `${r.type.padEnd(32)}${kb(r.js).padStart(15)}${kb(r.lazy).padStart(14)}${kb(r.total).padStart(11)}${String(r.requests).padStart(10)}${ratio.padStart(16)}\n`,
    );
  }
  process.stdout.write('(all sizes gzip; total is every response before interaction, on-demand JS included)\n');
  const over = rows.filter((r) => r.type.startsWith('lesson') || r.type.startsWith('our lesson')).filter((r) => r.js > JS_BUDGET);
  process.stdout.write(
    over.length === 0
      ? `all lesson pages under the ${kb(JS_BUDGET)} first-load JavaScript budget\n`
      : `OVER BUDGET: ${over.map((r) => r.type).join(', ')}\n`,
  );
  process.stdout.write(
    `${JSON.stringify(Object.fromEntries(rows.map((r) => [r.type, { first_js_gzip: r.js, on_demand_js_gzip: r.lazy, total_gzip: r.total }])))}\n`,
  );
  return over.length === 0 ? 0 : 1;
}

const STATIC_IMPORT = /(?:^|[;}\s])(?:import|export)\s*(?:[\w$*{}\s,]+from\s*)?["']([^"']+\.js)["']/g;

/** The entry scripts and everything they import statically (not import()). */
function staticClosure(entries: string[], scripts: Map<string, { text: string }>): Set<string> {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const u = queue.pop() as string;
    if (seen.has(u)) continue;
    seen.add(u);
    for (const m of scripts.get(u)?.text.matchAll(STATIC_IMPORT) ?? []) queue.push(new URL(m[1] as string, u).toString());
  }
  return seen;
}
