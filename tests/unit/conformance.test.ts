/**
 * The shared conformance course (../shared/conformance): the check report
 * must match expected.json, and the facts its README lists must hold.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkReport } from '../../src/cli/check.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import { resolveImage } from '../../src/lesson/links.ts';
import { CONFORMANCE } from '../helpers/fixtures.ts';
import { admonitionsOf, blocksOf, dataOf, mdNodes } from './support.ts';

interface Expected {
  pages: number;
  blocks: Record<string, number>;
  problems: { file: string; line: number; severity: string; block: string; path?: string }[];
}

const expected = JSON.parse(readFileSync(new URL('../expected.json', `file://${CONFORMANCE}`), 'utf8')) as Expected;
const course = loadCourse(CONFORMANCE);
const report = checkReport(course);
const page = (file: string) => {
  const l = course.lessons.find((x) => x.file === file);
  if (!l) throw new Error(`no ${file}`);
  return l;
};
const key = (p: { file: string; line: number; severity: string; block: string }) => `${p.file}:${p.line}:${p.severity}:${p.block}`;

describe('conformance: check report matches expected.json', () => {
  it('has the expected number of pages', () => {
    expect(report.pages).toBe(expected.pages);
  });

  it('counts the blocks of every type', () => {
    expect(report.blocks).toEqual(expected.blocks);
  });

  it('reports exactly the expected problems (file, line, severity, block; order does not matter)', () => {
    expect(report.problems.map(key).sort()).toEqual(expected.problems.map(key).sort());
  });

  it('gives the field path wherever expected.json names one', () => {
    for (const want of expected.problems.filter((p) => p.path !== undefined)) {
      const got = report.problems.find((p) => key(p) === key(want));
      expect(got?.path, key(want)).toBe(want.path);
    }
  });
});

describe('conformance: what a correct site shows', () => {
  const dumps = page('Backups/logical-dumps.md');
  const physical = page('Backups/physical-copies.md');
  const disk = page('Server Ops/disk layout.md');

  it('titles the warning admonition with its inner quotes', () => {
    const warning = admonitionsOf(dumps).find((a) => a.type === 'warning');
    expect(warning?.title).toBe('The "nightly" dump may be days old');
    expect(admonitionsOf(dumps).map((a) => [a.type, a.collapsible, a.open])).toEqual([
      ['warning', false, false],
      ['tip', false, false],
      ['note', true, true],
    ]);
  });

  it('keeps the "Restore one table" exercise whole, its solution ending with "Then count the rows."', () => {
    const ex = dataOf(dumps, 'exercise');
    expect(ex.title).toBe('Restore one table');
    expect(ex.solution?.trimEnd().endsWith('Then count the rows.')).toBe(true);
    expect(ex.scenario?.trimEnd().endsWith('Restore only that table.')).toBe(true);
    expect(ex.hints).toHaveLength(2);
  });

  it('has the multi-question quiz right after that exercise, with 2 questions', () => {
    const blocks = blocksOf(dumps);
    const i = blocks.findIndex((b) => b.type === 'exercise');
    const next = blocks[i + 1];
    expect(next?.type).toBe('quiz');
    expect(next?.ok && next.block.type === 'quiz' ? next.block.data.questions.length : 0).toBe(2);
    expect(next?.ok && next.block.type === 'quiz' ? next.block.data.title : '').toBe('Two quick checks');
  });

  it('shows the four-backtick example as code containing a ```quiz line, not as a quiz', () => {
    const code = mdNodes(dumps, 'code').find((c) => c.lang === 'markdown');
    expect(code?.value.split('\n')).toContain('```quiz');
    expect(dumps.blockCounts.quiz).toBe(2);
  });

  it('finds the diagram image both ways on Logical Dumps, with no broken image', () => {
    expect(mdNodes(dumps, 'image').map((i) => i.url)).toEqual(['/assets/images/restore-flow.svg']);
    const html = mdNodes(dumps, 'html').find((h) => h.value.includes('<img'));
    const src = /src="([^"]+)"/.exec(html?.value ?? '')?.[1] ?? '';
    expect(src).toBe('../../assets/images/restore-flow.svg');
    expect(resolveImage(course.index, dumps.file, src, 'html-image')).toEqual({ ok: true, url: '/assets/images/restore-flow.svg' });
    expect(dumps.problems).toEqual([]);
  });

  it('resolves both links to "disk layout", the second landing on "Mount points"', () => {
    const urls = mdNodes(dumps, 'link').map((l) => l.url);
    expect(urls).toContain('/Server%20Ops/disk%20layout/');
    expect(urls).toContain('/Server%20Ops/disk%20layout/#mount-points');
    expect(disk.headings.find((h) => h.id === 'mount-points')?.text).toBe('Mount points');
  });

  it('replays the terminal with no title, a scenario, a two-line command and a silent step', () => {
    const t = dataOf(physical, 'terminal');
    expect(t.title).toBeUndefined();
    expect(t.scenario).toBe('A base backup of a small cluster, then a look at what it wrote.');
    expect(t.steps.map((s) => s.command.split('\n').length)).toEqual([1, 2, 1]);
    expect(t.steps[2]?.output).toBe('');
  });

  it('shows the invalid terminal as an error at line 34 with the |2 fix', () => {
    const bad = blocksOf(physical).find((b) => b.type === 'terminal' && !b.ok);
    expect(bad?.line).toBe(34);
    const p = report.problems.find((x) => x.file === 'Backups/physical-copies.md' && x.line === 34);
    expect(p?.hint).toContain('Write "|2" instead of "|"');
  });

  it('has exercises of every shape', () => {
    const all = course.lessons.flatMap((l) => blocksOf(l)).filter((b) => b.type === 'exercise');
    const shapes = all.map((b) => {
      if (!b.ok || b.block.type !== 'exercise') return 'broken';
      const e = b.block.data;
      if (e.tasks.some((t) => t.answer) && e.scenario) return 'tasks-with-answers';
      if (e.tasks.length > 0) return 'prompts-with-solutions';
      if (e.starter && e.title) return 'code';
      if (e.starter) return 'initial-code';
      return 'hints';
    });
    expect(shapes.sort()).toEqual(['code', 'hints', 'initial-code', 'prompts-with-solutions', 'tasks-with-answers']);
    const initial = dataOf(disk, 'exercise', 1);
    expect(initial.hints).toEqual(['GROUP BY the customer.']);
  });

  it('has code walkthroughs with and without a language, and the broken one as an error', () => {
    expect(dataOf(physical, 'code-walkthrough').language).toBe('ini');
    expect(dataOf(disk, 'code-walkthrough', 0).language).toBeUndefined();
    const broken = blocksOf(disk).filter((b) => b.type === 'code-walkthrough' && !b.ok);
    expect(broken.map((b) => b.line)).toEqual([90]);
  });

  it('has three mermaid diagrams', () => {
    expect(course.lessons.flatMap((l) => blocksOf(l)).filter((b) => b.type === 'mermaid' && b.ok)).toHaveLength(3);
  });
});
