/**
 * YAML front matter (FORMAT.md §3). Lenient on purpose: a field of the wrong
 * shape is dropped with a warning, never fails the page.
 */
import { z } from 'zod';
import { problem, type Problem } from '../problems/catalogue.ts';
import { readYaml } from './yaml.ts';

const str = z.union([z.string(), z.number()]).transform(String);
const strList = z.union([z.array(str), str.transform((s) => [s])]).transform((l) => l.filter((s) => s.trim() !== ''));

export const frontMatterSchema = z.object({
  title: str.optional().describe('Page title; without it, the first `# H1` is the title'),
  description: str.optional().describe('One-line summary shown in listings and meta tags'),
  difficulty: str.optional().describe('beginner, intermediate or advanced'),
  time_estimate: str.optional().describe('Reading and practice time, e.g. "25 min"'),
  prerequisites: strList.default([]).describe('Slugs of sibling pages to read first'),
  learning_outcomes: strList.default([]).describe('What the learner can do afterwards'),
  tags: strList.default([]).describe('Topic tags'),
  template: str.optional().describe('MkDocs template name; accepted and ignored'),
  hide: strList.default([]).describe('MkDocs parts to hide: navigation (the sidebar), toc, footer (previous/next)'),
  search: z.object({ exclude: z.boolean().optional() }).optional().describe('search.exclude: true keeps the page out of search'),
});

export type FrontMatter = z.infer<typeof frontMatterSchema>;

/** Which parts of the page frame `hide:` removes (MkDocs Material's names). */
export function hiddenParts(meta: FrontMatter): { navigation: boolean; toc: boolean; footer: boolean } {
  const hide = new Set(meta.hide.map((h) => h.trim().toLowerCase()));
  return { navigation: hide.has('navigation'), toc: hide.has('toc'), footer: hide.has('footer') };
}

export interface FrontMatterResult {
  meta: FrontMatter;
  /** The page text after the front matter. */
  body: string;
  /** 1-based file line where `body` starts. */
  bodyLine: number;
  /** File line of a front matter field or list item (`['prerequisites', 1]`); the first line when unknown. */
  lineOf: (path: (string | number)[]) => number;
  problems: Problem[];
}

const EMPTY: FrontMatter = frontMatterSchema.parse({});

export function readFrontMatter(source: string, file: string): FrontMatterResult {
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/.exec(source);
  if (!m) return { meta: EMPTY, body: source, bodyLine: 1, lineOf: () => 1, problems: [] };
  const body = source.slice(m[0].length);
  const bodyLine = (m[0].match(/\n/g)?.length ?? 0) + 1;
  const y = readYaml(m[1] as string, 2);
  if (!y.ok) {
    return {
      meta: EMPTY,
      body,
      bodyLine,
      lineOf: () => 1,
      problems: [problem('FrontMatterYaml', { file, line: y.line, block: 'front-matter' }, { detail: y.detail })],
    };
  }
  const raw = y.value === null || typeof y.value !== 'object' || Array.isArray(y.value) ? {} : (y.value as Record<string, unknown>);
  const problems: Problem[] = [];
  if (y.lenient) {
    const { line, fix, detail } = y.lenient;
    problems.push(problem('YamlLenient', { file, line, block: 'front-matter' }, { part: 'front matter', line, fix, detail }));
  }
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null) continue;
    const field = frontMatterSchema.shape[key as keyof typeof frontMatterSchema.shape];
    if (!field) continue; // unknown keys (MkDocs plugins' own) are ignored
    const r = field.safeParse(value);
    if (r.success) clean[key] = value;
    else
      problems.push(
        problem(
          'FrontMatterField',
          { file, line: y.locate([key]) ?? 1, block: 'front-matter', path: key },
          { field: key, detail: 'it has the wrong shape' },
        ),
      );
  }
  return { meta: frontMatterSchema.parse(clean), body, bodyLine, lineOf: (path) => y.locate(path) ?? 1, problems };
}
