/**
 * A site build's page code imports our modules as they are (src/integration/
 * own-modules.ts): Node loads them, and everything they import, without
 * Vite. So none of them may reach a module that only works bundled.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadedAsItIs, NEEDS_VITE, SRC_DIR } from '../../src/integration/own-modules.ts';

const files = (readdirSync(SRC_DIR, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(SRC_DIR, f));

/** The relative modules a file imports (static, dynamic, re-exports; type-only ones too, which is stricter than needed). */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1] as string);
  return specs.map((s) => resolve(dirname(file), s));
}

describe("our modules in a site build's page code", () => {
  it('are loaded as they are, except those that need Vite and the browser code', () => {
    expect(loadedAsItIs(join(SRC_DIR, 'course/site-course.ts'))).toBe(true);
    expect(loadedAsItIs(join(SRC_DIR, 'render/prose.ts'))).toBe(true);
    // import.meta.env.BASE_URL: only Vite has it.
    expect(NEEDS_VITE.test(readFileSync(join(SRC_DIR, 'components/base-url.ts'), 'utf8'))).toBe(true);
    expect(loadedAsItIs(join(SRC_DIR, 'components/base-url.ts'))).toBe(false);
    expect(loadedAsItIs(join(SRC_DIR, 'blocks/quiz/quiz.client.ts'))).toBe(false);
    expect(loadedAsItIs(join(SRC_DIR, 'client/shell.ts'))).toBe(false);
    expect(loadedAsItIs(join(SRC_DIR, '../node_modules/astro/dist/core/build/index.js'))).toBe(false);
    expect(loadedAsItIs(join(SRC_DIR, 'no/such/module.ts'))).toBe(false);
  });

  it('never import one that is not: Node would load it without Vite', () => {
    const wrong = files.filter(loadedAsItIs).flatMap((file) =>
      relativeImports(file)
        .filter((dep) => dep.endsWith('.ts') && !loadedAsItIs(dep))
        .map((dep) => `${file} -> ${dep}`),
    );
    expect(wrong).toEqual([]);
  });
});
