/**
 * The dev server's watch list (dev-reload.ts) on an MkDocs project: besides
 * the pages folder, it watches mkdocs.yml, drillbook.yml, mkdocs.yml's
 * `watch:` paths and the snippet files pages include from outside the
 * pages; saving one reads the course again and prints whose problems it
 * changed. Vite's server is a stand-in at this seam (its watcher and hot
 * channels); the browser side is tests/e2e/dev-loop.spec.ts.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { reloadSiteCourse, siteCourse } from '../../src/course/site-course.ts';
import { watchCourse } from '../../src/integration/dev-reload.ts';

const dir = mkdtempSync(join(tmpdir(), 'drillbook-dev-reload-'));
const write = (path: string, text: string) => {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
};
const saved = { content: process.env['DRILLBOOK_CONTENT'], cache: process.env['DRILLBOOK_CACHE_DIR'] };

beforeAll(() => {
  write('mkdocs.yml', 'site_name: Watched\nwatch: [overrides]\nmarkdown_extensions:\n  - pymdownx.snippets\n');
  write('includes/tip.md', 'Restore it somewhere else first.\n');
  write('docs/index.md', '# Home\n\n--8<-- "includes/tip.md"\n\n--8<-- "includes/later.md"\n');
  write('docs/other.md', '# Other\n\nNo snippets here.\n');
  write('docs/third.md', '# Third\n\nNor here.\n');
  write('notes/unrelated.md', 'Not read by the course.\n');
  process.env['DRILLBOOK_CONTENT'] = dir;
  process.env['DRILLBOOK_CACHE_DIR'] = join(dir, '.cache');
  reloadSiteCourse(undefined);
});
afterAll(() => {
  for (const [k, v] of [
    ['DRILLBOOK_CONTENT', saved.content],
    ['DRILLBOOK_CACHE_DIR', saved.cache],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  reloadSiteCourse(undefined);
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

/** Vite's dev server as watchCourse uses it: a watcher, one server-side environment, the client's hot channel. */
function fakeServer() {
  const watcher = Object.assign(new EventEmitter(), { added: [] as string[] });
  const reloads: unknown[] = [];
  const server = {
    watcher: Object.assign(watcher, { add: (p: string | string[]) => void watcher.added.push(...[p].flat()) }),
    environments: {
      client: { name: 'client', hot: { send: (m: unknown) => void reloads.push(m) } },
      ssr: {
        name: 'ssr',
        moduleGraph: { getModuleById: () => undefined, getModulesByFile: () => undefined, invalidateModule: () => undefined },
        hot: { send: () => undefined },
      },
    },
  };
  return { server: server as unknown as ViteDevServer, watcher, reloads };
}

/** Emits a watcher event and waits for the read it starts; returns what it printed and logged. */
async function event(watcher: EventEmitter, kind: 'change' | 'add', path: string, logs: string[], waitMs = 5_000): Promise<string> {
  const printed: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (printed.push(String(s)), true));
  const before = logs.length;
  watcher.emit(kind, path);
  for (let i = 0; i < waitMs / 10 && logs.length === before; i++) await sleep(10);
  vi.restoreAllMocks();
  return printed.join('');
}

describe('the dev server watches what the course was read from', () => {
  it('adds the configuration, watch: paths and outside snippets (found or looked for) to the pages folder', () => {
    siteCourse();
    const { server, watcher } = fakeServer();
    watchCourse(server, () => undefined);
    expect(watcher.added.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      'docs',
      'drillbook.yml',
      'includes/later.md',
      'includes/tip.md',
      'mkdocs.yaml',
      'mkdocs.yml',
      'overrides',
    ]);
  });

  it('a snippet saved: the pages including it are read again, and the terminal names them; an unrelated file is ignored', async () => {
    const { server, watcher, reloads } = fakeServer();
    const logs: string[] = [];
    watchCourse(server, (l) => logs.push(l));
    write('includes/later.md', 'Written after the server started.\n');
    const printed = await event(watcher, 'add', join(dir, 'includes/later.md'), logs);
    expect(printed).toBe('[drillbook] index.md: no problems\n');
    expect(logs).toEqual([expect.stringMatching(/^\[drillbook\] course read again in \d+ ms; page reloaded$/)]);
    expect(reloads).toEqual([{ type: 'full-reload', path: '*' }]);
    expect(siteCourse().problems).toEqual([]);

    await event(watcher, 'change', join(dir, 'notes/unrelated.md'), logs, 300);
    expect(logs).toHaveLength(1);
  });

  it('mkdocs.yml saved: the course is read again with it, and every problem is printed, as on the first read', async () => {
    const { server, watcher } = fakeServer();
    const logs: string[] = [];
    watchCourse(server, (l) => logs.push(l));
    expect(siteCourse().lessons.map((l) => l.file)).toEqual(['index.md', 'other.md', 'third.md']);
    write(
      'mkdocs.yml',
      'site_name: Watched\nnav:\n  - index.md\n  - third.md\n  - other.md\nmarkdown_extensions:\n  - pymdownx.snippets\n',
    );
    expect(await event(watcher, 'change', join(dir, 'mkdocs.yml'), logs)).toBe('');
    expect(siteCourse().lessons.map((l) => l.file)).toEqual(['index.md', 'third.md', 'other.md']);

    write('mkdocs.yml', 'site_name: Watched\nnav: [other.md\n');
    const printed = await event(watcher, 'change', join(dir, 'mkdocs.yml'), logs);
    expect(printed).toMatch(
      /^\[drillbook\] 1 content problem\(s\) in .*\n {2}mkdocs\.yml:\d+:1 {2}warning {2}page {2}- {2}mkdocs\.yml: its YAML does not parse/,
    );
    expect(logs).toHaveLength(2);
  });
});
