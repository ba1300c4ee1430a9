/**
 * Entry point for the launcher's Node subcommands. Each subcommand lives in
 * its own module and returns an exit code.
 *
 * Node keeps the compiled code of the modules it loads (Astro, Vite,
 * mermaid, ours) in the build cache folder, so a second build or check
 * starts faster; everything is imported after that is switched on.
 */
import { enableCompileCache } from 'node:module';
import { join, resolve } from 'node:path';
import { COMPILE_CACHE_ENV, DEFAULT_CACHE_DIR } from '../config/cache-dir.ts';

const compiled = join(resolve(process.env['DRILLBOOK_CACHE_DIR'] || DEFAULT_CACHE_DIR), 'compiled');
enableCompileCache(compiled);
// The launcher sets NODE_COMPILE_CACHE (the same folder) for builds so that the cache is on before this file loads:
// Node strips a .ts file it has no cached code for with a WebAssembly compiler (amaro, ~17 MB of memory), which this
// file alone made every build load. It is not passed on: with it in the environment, worker threads and child
// processes take the cache from there, and cold builds used more CPU (alternating builds: user time 5.94 against
// 6.37 s, wall 4.25 against 4.45 s, medians of five). Threads get it as before, through workerEnv().
delete process.env['NODE_COMPILE_CACHE'];
// Worker threads do not inherit the cache; the diagram checker (blocks/mermaid/parse.ts) hands this on as theirs.
process.env[COMPILE_CACHE_ENV] = compiled;

const [cmd, ...given] = process.argv.slice(2);

/**
 * `--driver bwrap|docker`, wherever it stands after the command (`labs verify
 * --driver docker`, `bench sandbox --driver docker`): DRILLBOOK_DRIVER for this
 * run, validated with the other settings. The rest goes to the command.
 * Not util.parseArgs: it cannot take one option out of a list and hand the
 * rest, untouched and in order, to the command's own parseArgs (with
 * strict: false it still reads the command's options, and a value such as
 * `--course --driver` would be misread).
 */
function takeDriverOption(list: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (a === '--driver' && i + 1 < list.length) process.env['DRILLBOOK_DRIVER'] = list[++i];
    else if (a.startsWith('--driver=')) process.env['DRILLBOOK_DRIVER'] = a.slice('--driver='.length);
    else out.push(a);
  }
  return out;
}
const args = takeDriverOption(given);

// A reader that goes away (`drillbook build | head`) does not stop the command: what it would have read is dropped
// and the work goes on, so a build still writes the whole site. Unhandled, the next write (Astro's logger) threw
// EPIPE and ended the build half-way, its output folder already emptied.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

async function main(): Promise<number> {
  switch (cmd) {
    case 'check': {
      const { contentDir } = await import('../course/config.ts');
      return (await import('./check.ts')).runCheck(args, contentDir());
    }
    case 'build':
      return (await import('./build.ts')).runBuild(args);
    // The second step of the launcher's `build` (search-index.ts), not a command of its own.
    case 'search-index':
      return (await import('./search-index.ts')).runSearchIndex(args);
    case 'serve':
      return (await import('./serve.ts')).runServe(args);
    case 'labs':
      return (await import('./labs.ts')).runLabs(args);
    case 'record':
      return (await import('./record.ts')).runRecord(args);
    case 'replays':
      return (await import('./replays.ts')).runReplays(args);
    case 'bench':
      return (await import('./bench.ts')).runBench(args);
    case 'workshop':
      return (await import('./workshop.ts')).runWorkshop(args);
    case 'sandbox':
      return (await import('./sandbox.ts')).runSandbox(args);
    case 'nginx':
      return (await import('./nginx.ts')).runNginx(args);
    case 'export':
      return (await import('./export.ts')).runExport(args);
    case 'settings':
      return (await import('./settings.ts')).runSettings(args);
    default:
      process.stderr.write(`drillbook: unknown command "${cmd ?? ''}". Run ./drillbook help.\n`);
      return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`drillbook ${cmd ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
