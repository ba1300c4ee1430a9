/**
 * The pieces `bench build` stands on: the synthetic course is the size the
 * issue names and reads as a real course; MkDocs gets a config for the same
 * folder, a stand-in for every template a page names, and the list of pages
 * it must build; a finished command leaves no child process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCourse } from '../../src/cli/bench-course.ts';
import { childrenCpuSeconds, emptyCourseCache, measure } from '../../src/cli/bench-build.ts';
import { prepare } from '../../src/cli/mkdocs-vs.ts';
import { loadCourse } from '../../src/course/load-course.ts';

describe('bench build', () => {
  it('makes a 105-page course of about 750 blocks from the fixture lessons, every block id unique', () => {
    const dir = generateCourse(join(mkdtempSync(join(tmpdir(), 'drillbook-bench-')), 'course'), 105).dir;
    const course = loadCourse(dir);
    expect(course.pages).toHaveLength(105);
    const blocks = Object.values(course.blockCounts).reduce((a, b) => a + b, 0);
    expect(blocks).toBeGreaterThanOrEqual(740);
    expect(blocks).toBeLessThanOrEqual(770);
    expect(course.problems.filter((p) => p.name === 'DuplicateBlockId')).toEqual([]);
  });

  it('gives MkDocs the same folder, a stand-in for a named template, and every Markdown page (not MDX) to check', () => {
    const work = mkdtempSync(join(tmpdir(), 'drillbook-mkdocs-'));
    const dir = join(work, 'course');
    mkdirSync(join(dir, 'part'), { recursive: true });
    writeFileSync(join(dir, 'index.md'), '---\ntemplate: home.html\n---\n# Home\n');
    writeFileSync(join(dir, 'part', 'lesson.md'), '# Lesson\n\n!!! note\n    Text.\n');
    writeFileSync(join(dir, 'part', 'other.mdx'), '# MDX page\n');
    const setup = prepare(loadCourse(dir), join(work, 'mkdocs'));
    const config = readFileSync(setup.configs.features, 'utf8');
    expect(config).toContain(`docs_dir: ${JSON.stringify(dir)}`);
    expect(config).toContain('  - admonition');
    expect(config).toContain('  - pymdownx.superfences');
    expect(readFileSync(setup.configs.bare, 'utf8')).not.toContain('admonition');
    expect(readFileSync(join(setup.dir, 'overrides', 'home.html'), 'utf8')).toBe('{% extends "main.html" %}\n');
    expect(setup.expected.sort()).toEqual(['index.html', 'part/lesson/index.html']);
  });

  it('ends and reaps every child process before a command returns', () => {
    // In a process of its own: endChildren ends every child of the process it runs in.
    const script = `
      import { spawn } from 'node:child_process';
      import { children, endChildren } from './src/cli/children.ts';
      const child = spawn('sleep', ['30']);
      const before = children().map((c) => c.pid).includes(child.pid);
      await endChildren();
      console.log(JSON.stringify({ before, after: children().length }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ before: true, after: 0 });
  });

  it('counts the CPU time of a command and of the processes it waited for, and reports one it left running', async () => {
    // About 0.5 s of CPU in a child of the command, then the command exits leaving a sleeper behind.
    const busy = '(i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done) & wait; sleep 30 & exit 3';
    const r = await measure('bash', ['-c', busy], process.env);
    expect(r.code).toBe(3);
    expect(r.cpuSeconds).toBeGreaterThan(0.3);
    expect(r.cpuSeconds).toBeLessThan(r.seconds + 0.5);
    expect(r.leftRunning).toHaveLength(1);
    expect(r.leftRunning[0]).toMatch(/^\d+ sleep /);
    expect(childrenCpuSeconds('0m0.002s 0m0.001s\n1m2.500s 0m0.250s\n')).toBe(62.75);
    expect(() => childrenCpuSeconds('')).toThrow(/unexpected output of bash's times/);
  });

  it('sums the memory of every process of the command at its peak, a child that starts later included', async () => {
    // The command (bash) holds little; after a moment it starts a Node child that fills 300 MB and holds it 0.5 s.
    const fill = `sleep 0.3; ${JSON.stringify(process.execPath)} -e "const b = Buffer.alloc(300e6, 1); setTimeout(() => b.length, 500)"`;
    const r = await measure('bash', ['-c', fill], process.env);
    expect(r.code).toBe(0);
    expect(r.peakMb).toBeGreaterThan(300);
    expect(r.peakMb).toBeLessThan(450);
  });

  it("empties a cold run's cache of the course's entries and keeps what depends only on Drillbook: compiled modules, vendor copies", () => {
    const cache = mkdtempSync(join(tmpdir(), 'drillbook-cache-'));
    for (const kind of ['pages', 'prose', 'highlight', 'diagrams', 'search', 'compressed', 'vendor'])
      writeFileSync(join(cache, `${kind}.v8`), 'x');
    mkdirSync(join(cache, 'compiled', 'v24'), { recursive: true });
    writeFileSync(join(cache, 'compiled', 'v24', 'module'), 'code');
    emptyCourseCache(cache);
    expect(readdirSync(cache).sort()).toEqual(['compiled', 'vendor.v8']);
    expect(existsSync(join(cache, 'compiled', 'v24', 'module'))).toBe(true);
    emptyCourseCache(join(cache, 'missing'));
  });
});
