/**
 * `drillbook build [--strict]`: the static site into dist/ (DRILLBOOK_OUT)
 * through Astro's programmatic build. --strict (CI, our own content) checks
 * the course first and fails, listing every error, before building anything;
 * the site code enforces the same rule, so a direct `astro build` with
 * DRILLBOOK_STRICT=1 fails too.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { contentDir, siteOutDir } from '../course/config.ts';
import { loadCourse } from '../course/load-course.ts';
import { verifyCourse } from '../course/verify.ts';
import { formatProblem } from '../problems/catalogue.ts';

export async function runBuild(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs({
      args,
      strict: true,
      options: { strict: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false } },
    }).values;
  } catch (e) {
    process.stderr.write(`drillbook build: ${(e as Error).message}. usage: drillbook build [--strict] [--quiet]\n`);
    return 2;
  }
  if (opts.strict) process.env['DRILLBOOK_STRICT'] = '1';
  process.env['ASTRO_TELEMETRY_DISABLED'] = '1';
  if (process.env['DRILLBOOK_STRICT'] === '1') {
    const course = await verifyCourse(loadCourse(contentDir()));
    const errors = course.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      for (const p of errors) process.stderr.write(`${formatProblem(p)}\n`);
      process.stderr.write(`drillbook build --strict: ${errors.length} content error(s) in ${course.dir}; nothing was built.\n`);
      return 1;
    }
  }
  const { build } = await import('astro');
  await build({ root: process.cwd(), logLevel: opts.quiet ? 'warn' : 'info' });
  return buildSearchIndex(siteOutDir(), opts.quiet);
}

/** Full-text search that works offline: a Pagefind index written into the site. */
async function buildSearchIndex(outDir: string, quiet: boolean): Promise<number> {
  const pagefind = await import('pagefind');
  try {
    const { index, errors } = await pagefind.createIndex({});
    if (!index) throw new Error(errors.join('; '));
    const added = await index.addDirectory({ path: outDir });
    if (added.errors.length > 0) throw new Error(added.errors.join('; '));
    const written = await index.writeFiles({ outputPath: join(outDir, 'pagefind') });
    if (written.errors.length > 0) throw new Error(written.errors.join('; '));
    if (!quiet) process.stdout.write(`search index: ${added.page_count} pages\n`);
    return 0;
  } finally {
    await pagefind.close();
  }
}
