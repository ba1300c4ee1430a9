/**
 * `drillbook bench <build|pages|sandbox|labs|workshop>`: the benchmarks, each in its
 * own module; each prints JSON and returns an exit code.
 */
export async function runBench(args: string[]): Promise<number> {
  const what = args[0];
  if (what === 'pages') return (await import('./bench-pages.ts')).runBenchPages();
  if (what === 'sandbox') return (await import('./bench-sandbox.ts')).runBenchSandbox(args.slice(1));
  if (what === 'labs') return (await import('./bench-labs.ts')).runBenchLabs(args.slice(1));
  if (what === 'workshop') return (await import('./bench-workshop.ts')).runBenchWorkshop(args.slice(1));
  if (what === 'build') return (await import('./bench-build.ts')).runBenchBuild(args.slice(1));
  process.stderr.write(`drillbook bench: unknown benchmark "${what ?? ''}". Available: build, pages, sandbox, labs, workshop\n`);
  return 2;
}
