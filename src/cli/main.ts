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
import { DEFAULT_CACHE_DIR } from '../config/cache-dir.ts';

enableCompileCache(join(resolve(process.env['DRILLBOOK_CACHE_DIR'] || DEFAULT_CACHE_DIR), 'compiled'));

const [cmd, ...args] = process.argv.slice(2);

async function main(): Promise<number> {
  switch (cmd) {
    case 'check': {
      const { contentDir } = await import('../course/config.ts');
      return (await import('./check.ts')).runCheck(args, contentDir());
    }
    case 'build':
      return (await import('./build.ts')).runBuild(args);
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
