/**
 * The layout rules docs/ARCHITECTURE.md states, checked on the tree:
 * every registered block type owns its component and stylesheet, and the
 * folders under src/ import one way (no cycle between them).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { componentPath } from '../../src/blocks/define.ts';
import { BLOCK_TYPES, blockRegistry } from '../../src/blocks/registry.ts';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const BLOCKS = join(SRC, 'blocks');

/** Source files under `dir` (symbolic links, e.g. in the sandbox's rootfs, are not followed). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.isFile() && /\.(ts|astro|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** Relative import specifiers of a module: static and dynamic imports, re-exports, side-effect imports. */
function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) out.push(m[1] as string);
  return out;
}

/** The top-level folder under src/ a file belongs to ('.' for files directly in src/). */
const folderOf = (file: string) => {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? (parts[0] as string) : '.';
};

/** Folder → folders it imports, with one file that does it (for the message). */
function folderGraph(files: { path: string; text: string }[]): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const f of files) {
    const from = folderOf(f.path);
    for (const spec of importsOf(f.text)) {
      const target = resolve(dirname(f.path), spec);
      if (!target.startsWith(SRC)) continue;
      const to = folderOf(target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, relative(SRC, f.path));
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Every cycle's folders, as found by a depth-first search (one cycle per back edge). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n)?.keys() ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

describe('blocks own themselves', () => {
  it('every registered block type has its folder, named after its fence', () => {
    for (const t of BLOCK_TYPES) {
      expect(blockRegistry[t].type).toBe(t);
      expect(existsSync(join(BLOCKS, t)), `src/blocks/${t}/`).toBe(true);
    }
  });

  it('every registered block type has the component its definition names, taking id, data and prose', () => {
    for (const t of BLOCK_TYPES) {
      const file = join(BLOCKS, componentPath(blockRegistry[t]));
      expect(existsSync(file), `block type "${t}": ${relative(SRC, file)} is missing`).toBe(true);
      const text = readFileSync(file, 'utf8');
      expect(text, `${relative(SRC, file)} declares its props`).toMatch(/interface Props \{[^}]*\bid: string;[^}]*\bdata: /s);
    }
  });

  it("every block type's component imports its own stylesheet, and the global one holds no block rules", () => {
    const site = readFileSync(join(SRC, 'styles/site.css'), 'utf8');
    for (const t of BLOCK_TYPES) {
      const css = join(BLOCKS, t, `${t}.css`);
      expect(existsSync(css), `src/blocks/${t}/${t}.css`).toBe(true);
      const component = readFileSync(join(BLOCKS, componentPath(blockRegistry[t])), 'utf8');
      expect(component).toContain(`import './${t}.css';`);
      // The block's element and its class prefix belong to its own stylesheet.
      expect(site, `site.css styles db-${t}`).not.toMatch(new RegExp(`\\bdb-${t}\\b`));
    }
    for (const prefix of ['quiz-', 'cb-', 'term-', 'ex-', 'cw-', 'mermaid-', 'db-lab-'])
      expect(site, `site.css has .${prefix}* rules`).not.toContain(`.${prefix}`);
  });

  it('Block.astro has no list of block types: it renders what the registry names', () => {
    const block = readFileSync(join(SRC, 'components/Block.astro'), 'utf8');
    for (const t of BLOCK_TYPES) expect(block).not.toContain(`'${t}'`);
    expect(block).toContain('componentPath(blockRegistry[');
  });
});

describe('folders under src/ import one way', () => {
  const files = sourceFiles(SRC).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  const graph = folderGraph(files);

  it('finds the imports it checks (the graph is not empty by mistake)', () => {
    expect(graph.get('course')?.has('lesson')).toBe(true);
    expect(graph.get('blocks')?.has('lesson')).toBe(true);
  });

  it('has no cycle between folders', () => {
    const found = cycles(graph).map((c) =>
      c
        .slice(1)
        .map((to, i) => `${c[i]} → ${to} (${graph.get(c[i] as string)?.get(to)})`)
        .join(', '),
    );
    expect(found).toEqual([]);
  });

  it('the parser core imports neither the block types nor the site, the DOM or processes', () => {
    expect([...(graph.get('lesson')?.keys() ?? [])].sort()).toEqual(['problems']);
    expect([...(graph.get('problems')?.keys() ?? [])]).toEqual([]);
    for (const f of files.filter((x) => folderOf(x.path) === 'lesson'))
      expect(f.text, relative(SRC, f.path)).not.toMatch(/from '(node:child_process|astro[^']*)'|\bdocument\.|\bwindow\./);
  });

  it('a cycle is reported (the check can fail)', () => {
    const fake = [
      { path: join(SRC, 'a/x.ts'), text: "import { y } from '../b/y.ts';" },
      { path: join(SRC, 'b/y.ts'), text: "export { x } from '../a/x.ts';" },
    ];
    expect(cycles(folderGraph(fake))).toEqual([['a', 'b', 'a']]);
  });
});
