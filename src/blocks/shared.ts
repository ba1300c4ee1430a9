/**
 * Helpers shared by the block schemas: lenient scalar readers (YAML writes
 * `5432` or `true` where a string is meant), and the mapping from zod issues
 * to catalogue problems with author-facing field paths.
 */
import { z } from 'zod';
import { problem, type Problem, type ProblemLocation, type ProblemName } from '../problems/catalogue.ts';

/** Plain text shown as text: numbers and booleans written bare become strings. */
export const text = (description: string) =>
  z
    .union([z.string(), z.number(), z.boolean()])
    .transform((v) => String(v))
    .describe(description);

/** The schemas made by `markdown()`: their values are parsed with the page, like its prose. */
const markdownSchemas = z.registry();

/** Markdown source, parsed and rendered with the lesson's Markdown pipeline (links, images, admonitions). */
export const markdown = (description: string) => {
  const s = text(`${description} (Markdown)`);
  markdownSchemas.add(s);
  return s;
};

/**
 * Every Markdown value in `data` (the output of `schema`), with its canonical
 * field path, found by walking the schema: objects, arrays, optional/default
 * wrappers and pipes (whose output is the data). Unions are not walked; no
 * block schema puts Markdown inside one.
 */
export function markdownValues(schema: z.core.$ZodType, data: unknown): { path: (string | number)[]; text: string }[] {
  const out: { path: (string | number)[]; text: string }[] = [];
  const walk = (s: z.core.$ZodType, d: unknown, path: (string | number)[]) => {
    if (markdownSchemas.has(s)) {
      if (typeof d === 'string') out.push({ path, text: d });
    } else if (s instanceof z.ZodObject) {
      if (d !== null && typeof d === 'object')
        for (const [k, v] of Object.entries(s.shape)) walk(v, (d as Record<string, unknown>)[k], [...path, k]);
    } else if (s instanceof z.ZodArray) {
      if (Array.isArray(d)) d.forEach((x, i) => walk(s.element, x, [...path, i]));
    } else if (s instanceof z.ZodPipe) {
      walk(s.out, d, path);
    } else {
      const def = s._zod.def as { innerType?: z.core.$ZodType };
      if (def.innerType) walk(def.innerType, d, path);
    }
  };
  walk(schema, data, []);
  return out;
}

/** A boolean that also accepts the strings authors write (`"true"`, `yes`). */
export const bool = (description: string) =>
  z
    .union([z.boolean(), z.enum(['true', 'false', 'yes', 'no', 'True', 'False'])])
    .transform((v) => v === true || v === 'true' || v === 'yes' || v === 'True')
    .describe(description);

export const blockId = z
  .string()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u, 'letters, digits, ".", "_" and "-" only')
  .describe('Stable id: from `id:` (slugged when it is not a valid id) if the author gave one, else page slug + block type + ordinal');

/** A custom zod issue that maps to a named catalogue entry. */
export function catalogueIssue<N extends ProblemName>(
  ctx: z.RefinementCtx,
  path: (string | number)[],
  name: N,
  args: Record<string, unknown>,
): void {
  ctx.addIssue({ code: 'custom', path, message: name, params: { catalogue: name, args } });
}

/** Maps a canonical field path back to the path the author wrote. */
export type PathMapper = (path: (string | number)[]) => (string | number)[];
export const samePath: PathMapper = (p) => p;

export interface Normalised {
  /** The input for the canonical schema. */
  input: Record<string, unknown>;
  authorPath: PathMapper;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return `${typeof v === 'number' ? 'the number' : 'the value'} ${String(v)}`;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value lines)',
};

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let v: unknown = data;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * Turns zod issues into catalogue problems. Union failures are reported
 * through their most specific branch so the author sees "should be text"
 * rather than "invalid input".
 */
export function issuesToProblems(
  issues: z.core.$ZodIssue[],
  input: unknown,
  at: Omit<ProblemLocation, 'path'>,
  authorPath: PathMapper,
): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    const shown = authorPath(path);
    const where = { ...at, path: shown.join('.') };
    // A list item is named with its list ("engines.0"), a mapping field by its key ("line").
    const field =
      typeof shown[shown.length - 1] === 'number' && shown.length > 1
        ? shown.slice(-2).join('.')
        : String(shown[shown.length - 1] ?? at.block);
    const got = valueAt(input, path);
    let p: Problem;
    if (issue.code === 'custom' && issue.params && typeof issue.params['catalogue'] === 'string') {
      p = problem(issue.params['catalogue'] as ProblemName, where, issue.params['args'] as never);
    } else if (got === undefined || got === null) {
      p = problem('FieldRequired', where, { field });
    } else if (issue.code === 'invalid_type') {
      p = problem('FieldType', where, { field, expected: EXPECTED[issue.expected] ?? issue.expected, got: describeValue(got) });
    } else if (issue.code === 'invalid_union') {
      const expected = typeof got === 'object' ? 'text' : 'a different kind of value';
      p = problem('FieldType', where, { field, expected, got: describeValue(got) });
    } else if (issue.code === 'too_small' && issue.origin === 'array') {
      p = problem('FieldValue', where, { field, detail: `needs at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}` });
    } else if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number') {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const side = issue.code === 'too_small' ? 'at least' : 'at most';
      p = problem('FieldValue', where, { field, detail: `it is ${describeValue(got)}, but it must be ${side} ${String(bound)}` });
    } else if (issue.code === 'too_small' && issue.origin === 'string') {
      p = problem('FieldValue', where, { field, detail: 'it is empty' });
    } else if (issue.code === 'invalid_value') {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      p = problem('FieldValue', where, { field, detail: `it is ${describeValue(got)}, but it must be one of ${allowed}` });
    } else if (issue.code === 'invalid_format') {
      p = problem('FieldValue', where, { field, detail: `it is ${describeValue(got)}: ${issue.message}` });
    } else {
      p = problem('FieldValue', where, { field, detail: issue.message.replace(/^Invalid input: /, '') });
    }
    const key = `${p.path}|${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  }
  return out;
}

/** Reads a list of `[value, label]` pairs, `{value, label}` maps or bare strings. */
export function readChoices(raw: unknown): { value: unknown; label: unknown }[] | unknown {
  if (!Array.isArray(raw)) return raw;
  return raw.map((c) => {
    if (Array.isArray(c)) return { value: c[0] ?? '', label: c[1] ?? c[0] ?? '' };
    if (c !== null && typeof c === 'object') {
      const o = c as Record<string, unknown>;
      return { value: o['value'] ?? o['flag'] ?? '', label: o['label'] ?? o['text'] ?? o['description'] ?? o['value'] ?? '' };
    }
    return { value: c, label: c };
  });
}

/** A path mapper from a table of canonical-prefix → author-prefix rewrites. */
export function prefixMapper(rewrite: (path: (string | number)[]) => (string | number)[] | undefined): PathMapper {
  return (path) => rewrite(path) ?? path;
}
