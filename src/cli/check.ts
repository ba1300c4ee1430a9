/**
 * `drillbook check <folder> [--strict] [--json]`: validates any course folder.
 * Human output is one line per problem then totals; --json prints exactly
 * one JSON object on one line. Exit 1 on errors with --strict.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { flushCaches, useCacheDir } from '../cache/store.ts';
import { cacheDir } from '../course/config.ts';
import { loadCourse, type Course } from '../course/load-course.ts';
import { verifyCourse } from '../course/verify.ts';
import { formatProblem } from '../problems/catalogue.ts';

export interface CheckReport {
  pages: number;
  blocks: Course['blockCounts'];
  problems: {
    file: string;
    line: number;
    column: number;
    severity: string;
    block: string;
    path: string;
    name: string;
    message: string;
    hint: string;
  }[];
}

/**
 * The six block types of FORMAT.md are always listed; `lab` (Drillbook's own)
 * only when a course has labs, so reports on existing courses keep their shape.
 */
function reportedCounts(counts: Course['blockCounts']): Course['blockCounts'] {
  if (counts.lab > 0) return counts;
  return Object.fromEntries(Object.entries(counts).filter(([t]) => t !== 'lab')) as Course['blockCounts'];
}

export function checkReport(course: Course): CheckReport {
  return {
    pages: course.pages.length,
    blocks: reportedCounts(course.blockCounts),
    problems: course.problems.map((p) => ({
      file: p.file,
      line: p.line,
      column: p.column,
      severity: p.severity,
      block: p.block,
      path: p.path,
      name: p.name,
      message: p.message,
      hint: p.hint,
    })),
  };
}

export async function runCheck(args: string[], defaultDir: string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, strict: { type: 'boolean', default: false } },
    });
    if (parsed.positionals.length > 1) throw new Error(`one folder at most (got ${parsed.positionals.join(', ')})`);
  } catch (e) {
    process.stderr.write(`drillbook check: ${(e as Error).message}. usage: drillbook check [folder] [--strict] [--json]\n`);
    return 2;
  }
  const { json, strict } = parsed.values;
  const folder = parsed.positionals[0] ?? defaultDir;
  const dir = resolve(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    process.stderr.write(
      `drillbook check: "${folder}" is not a folder. Give the path of a course folder (the one holding the .md files).\n`,
    );
    return 2;
  }
  useCacheDir(cacheDir());
  const course = await verifyCourse(loadCourse(dir));
  flushCaches();
  const report = checkReport(course);
  const errors = course.problems.filter((p) => p.severity === 'error').length;
  const warnings = course.problems.length - errors;
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    for (const p of course.problems) process.stdout.write(`${formatProblem(p)}\n`);
    const blocks = Object.entries(report.blocks)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ');
    process.stdout.write(`${report.pages} pages; blocks: ${blocks}\n${errors} errors, ${warnings} warnings\n`);
  }
  return strict && errors > 0 ? 1 : 0;
}
