/**
 * `drillbook build [--strict]`: the static site into dist/ through Astro's
 * programmatic build. --strict (CI, our own content) fails on any content
 * error; the build also fails when Astro reports any error.
 */
export async function runBuild(args: string[]): Promise<number> {
  if (args.includes('--strict')) process.env['DRILLBOOK_STRICT'] = '1';
  process.env['ASTRO_TELEMETRY_DISABLED'] = '1';
  const { build } = await import('astro');
  await build({ root: process.cwd(), logLevel: args.includes('--quiet') ? 'warn' : 'info' });
  return 0;
}
