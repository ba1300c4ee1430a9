/**
 * A course's own Drillbook settings: `drillbook.yml` in the course folder
 * (beside mkdocs.yml for an MkDocs project). Optional; a course without it,
 * such as any existing MkDocs course, is read with the defaults.
 *
 *   links: strict   # a link, image or anchor that points nowhere is an error (default: warning)
 *
 * Our own course sets `links: strict`, so that `check --strict` and the strict
 * build fail on a broken link, while other courses keep warnings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { problem, type Problem } from '../problems/catalogue.ts';

export const SETTINGS_FILE = 'drillbook.yml';

export const courseSettingsSchema = z
  .object({
    links: z
      .enum(['warn', 'strict'])
      .default('warn')
      .describe('"strict": a link, image, anchor or prerequisite that points nowhere is an error instead of a warning'),
  })
  .strict();

export type CourseSettings = z.infer<typeof courseSettingsSchema>;

/** The problems a broken reference causes; `links: strict` makes each of them an error. */
export const BROKEN_REFERENCE = new Set<Problem['name']>([
  'LinkMissing',
  'LinkFileMissing',
  'LinkAnchorMissing',
  'ImageMissing',
  'PrerequisiteMissing',
]);

/** The settings in `dir`, and a problem when the file is there but unusable (then the defaults apply). */
export function readCourseSettings(dir: string): { settings: CourseSettings; problems: Problem[] } {
  const defaults = courseSettingsSchema.parse({});
  const file = join(dir, SETTINGS_FILE);
  if (!existsSync(file)) return { settings: defaults, problems: [] };
  const bad = (detail: string) => ({
    settings: defaults,
    problems: [problem('CourseSettings', { file: SETTINGS_FILE, line: 1, block: 'page' }, { detail })],
  });
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8')) ?? {};
  } catch (e) {
    return bad(`it cannot be read as YAML (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
  }
  const parsed = courseSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `"${issue.path.join('.')}"` : 'the file';
    const detail =
      issue.code === 'unrecognized_keys'
        ? `unknown setting ${issue.keys.map((k) => `"${k}"`).join(', ')} (known: links)`
        : issue.code === 'invalid_value'
          ? `${where} must be one of ${issue.values.map((v) => `"${String(v)}"`).join(', ')}`
          : `${where}: ${issue.message}`;
    return bad(detail);
  }
  return { settings: parsed.data, problems: [] };
}

/** Problems as the course's settings rank them: with `links: strict`, broken references are errors. */
export function applySettings(problems: Problem[], settings: CourseSettings): Problem[] {
  if (settings.links !== 'strict') return problems;
  return problems.map((p) =>
    BROKEN_REFERENCE.has(p.name)
      ? { ...p, severity: 'error', hint: `${p.hint} This course treats broken links as errors (links: strict in ${SETTINGS_FILE}).` }
      : p,
  );
}
