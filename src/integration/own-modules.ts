/**
 * A site build's page code imports Drillbook's own modules as they are, from
 * src/, instead of a bundled copy of them (Vite's `prerender` environment,
 * builds only; course-assets.ts adds it).
 *
 * The build command has already loaded most of them (the course, its checks,
 * the caches) when Astro renders the pages. Bundled, the pages ran a second
 * copy of each: compiled and optimised a second time, a second set of module
 * state (the caches and the course are shared through globalThis for that
 * reason), and rolldown transformed them on every build. Imported as they
 * are, Node gives the pages the modules the command loaded. Alternating
 * builds of the 105-page benchmark course: the build's peak ~10-14 MB lower
 * in warm, cold and first builds, the time the same within the noise
 * (docs/performance.md). The pages are byte for byte the same.
 *
 * A module that needs Vite stays bundled: one that reads `import.meta.env`,
 * `import.meta.glob` or `import.meta.hot` (Node has none of them), and the
 * browser's modules (`*.client.ts`, src/client/). Nothing loaded as it is may
 * import such a module, since Node would load that one too: a unit test
 * checks it (tests/unit/own-modules.test.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

/** The folder of Drillbook's own modules. */
export const SRC_DIR = fileURLToPath(new URL('../', import.meta.url));

/** What only Vite gives a module: Node has no `import.meta.env`, `.glob` or `.hot`. */
export const NEEDS_VITE = /\bimport\.meta\.(?:env|glob|hot)\b/;

const verdicts = new Map<string, boolean>();

/** Whether the module at `file` (an absolute path) is one of ours that Node can load as it is. */
export function loadedAsItIs(file: string): boolean {
  if (!file.startsWith(SRC_DIR) || !file.endsWith('.ts') || file.endsWith('.client.ts') || file.startsWith(`${SRC_DIR}client/`))
    return false;
  let verdict = verdicts.get(file);
  if (verdict === undefined) {
    try {
      verdict = !NEEDS_VITE.test(readFileSync(file, 'utf8'));
    } catch {
      verdict = false; // Not a file (a virtual module's id): Vite's to resolve.
    }
    verdicts.set(file, verdict);
  }
  return verdict;
}

export function ownModulesAsTheyAre(): Plugin {
  return {
    name: 'drillbook-own-modules',
    enforce: 'pre',
    applyToEnvironment: (environment) => environment.name === 'prerender',
    async resolveId(source, importer, options) {
      // Our modules are imported by relative or absolute path; a package never resolves into src/.
      if (!importer || !(source.startsWith('.') || source.startsWith('/'))) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || resolved.external || resolved.id.includes('?') || !loadedAsItIs(resolved.id)) return resolved;
      // The absolute path: the page code runs from dist/.prerender, and Node finds the file from anywhere.
      return { id: resolved.id, external: 'absolute' };
    },
  };
}
