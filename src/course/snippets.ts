/**
 * pymdownx.snippets, as MkDocs courses use it to share text between pages
 * and to show files as code: before a page is read, each line
 *
 *     --8<-- "includes/glossary.md"
 *
 * is replaced by that file's lines (indented as the line is), and a block
 * of file names between two `--8<--` lines by each file in turn; inside a
 * fenced code block too, which is how a script file is shown as code. A name
 * may select lines (`file.sh:3:9`, `file.sh:3`, `file.sh::9`) or a section
 * marked in the file with `--8<-- [start:name]` … `--8<-- [end:name]`
 * (`file.sh:name`). `;--8<--` is the escape: the line is shown without the
 * `;`. Included files are expanded in turn (a file never includes itself).
 * Files listed in `auto_append` are added at the end of every page.
 *
 * Files are looked up in each `base_path` (mkdocs.yml's, relative to the
 * project folder; by default the project folder itself, where MkDocs runs)
 * and never outside the project: a name that leads out of it (`../..`, an
 * absolute path, a link pointing out) is reported and not read. A name not
 * found is reported (MkDocs leaves the line out silently unless
 * `check_paths` is set; the page leaves it out too). URLs are not fetched.
 *
 * Problems are reported on the page's own lines: `lineOf` maps each line of
 * the expanded text back to the line of the page it came from (a snippet's
 * lines to the line that includes it).
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { isWithin } from './paths.ts';
import { problem, type Problem } from '../problems/catalogue.ts';

export interface SnippetSettings {
  /** The project folder (where mkdocs.yml is, or the course folder's parent without one): nothing outside it is read. */
  projectDir: string;
  /** Folders names are looked up in, in order (absolute). */
  basePaths: string[];
  /** Files added at the end of every page (names as in a snippet line). */
  autoAppend: string[];
}

export interface Expanded {
  text: string;
  /** For each line of `text` (0-based index), the 1-based line of the page it came from. */
  lineOf: number[];
  problems: Problem[];
  /**
   * Absolute paths the expansion depends on: every file it read (included
   * files' own snippets too) and, for a name not found, each place it looked
   * (creating the file there changes the page). The dev server watches them.
   */
  sources: string[];
}

// One file: `--8<-- "name"` (quotes single or double), with `;` before the marker as the escape.
const SINGLE = /^([ \t]*)(;*)(-+8<-+[ \t]+)("(?:\\"|[^"\r\n])+?"|'(?:\\'|[^'\r\n])+?')[ \t]*$/;
// The start or end of a block of names: `--8<--` alone on its line.
const BLOCK = /^([ \t]*)(;*)(-+8<-+)[ \t]*$/;
// A section marker inside an included file.
const SECTION = /^[ \t]*(?:#|\/\/|--|;|<!--|\/\*)?[ \t]*-+8<-+[ \t]+\[(start|end):([\w-]+)\][ \t]*(?:-->|\*\/)?[ \t]*$/;

/** Whether `text` uses snippets at all (cheap: most pages do not). */
export const usesSnippets = (text: string): boolean => text.includes('8<-');

/**
 * `source` (a page's text, front matter included) with its snippets
 * expanded. `file`: the page's course-relative path, for problems.
 */
export function expandSnippets(source: string, file: string, settings: SnippetSettings): Expanded {
  const problems: Problem[] = [];
  const out: string[] = [];
  const lineOf: number[] = [];
  const sources = new Set<string>();
  // Resolved once: every name is checked against it.
  const project = realpathSync(settings.projectDir);
  // A snippet's lines, its own snippets expanded (a file already on `stack` includes nothing: no loops).
  // `own`: where this name's problems go (an auto_append name's own are reported once per course: appendProblems).
  const read = (name: string, line: number, stack: string[], own: Problem[] = problems): string[] => {
    const found = find(name, settings, project, file, line, own, sources);
    if (found === null || stack.includes(found.path)) return [];
    const acc: string[] = [];
    walk(
      select(found.lines, found.spec),
      (indent, inner) => acc.push(...indented(read(inner, line, [...stack, found.path]), indent)),
      (l) => acc.push(l),
    );
    return acc;
  };
  // Lines of the page, each mapped to the page line it came from (a snippet's lines to the line that names it).
  const emit = (ls: string[], line: number) => {
    out.push(...ls);
    lineOf.push(...ls.map(() => line));
  };
  const lines = source.split('\n');
  walk(
    lines,
    (indent, name, at) => emit(indented(read(name, at + 1, []), indent), at + 1),
    (l, at) => emit([l], at + 1),
  );
  for (const name of settings.autoAppend) {
    const inner = read(name, lines.length, [], []);
    if (inner.length > 0) emit(['', ...inner], lines.length);
  }
  return { text: out.join('\n'), lineOf, problems, sources: [...sources] };
}

/**
 * The problems of mkdocs.yml's auto_append names themselves (a file not
 * found, or outside the project), once for the course at `configFile`
 * (`lineOf` finds a name's line there): expandSnippets leaves them out of
 * every page, where the same warning would repeat once per page.
 */
export function appendProblems(settings: SnippetSettings, configFile: string, lineOf: (name: string) => number): Problem[] {
  const out: Problem[] = [];
  const project = realpathSync(settings.projectDir);
  for (const name of settings.autoAppend) {
    const found: Problem[] = [];
    find(name, settings, project, configFile, lineOf(name), found, new Set());
    for (const p of found)
      out.push(
        p.name === 'SnippetMissing'
          ? problem(
              'SnippetAppendMissing',
              { file: configFile, line: p.line, block: 'page' },
              { name, looked: settings.basePaths.map((b) => relative(settings.projectDir, b) || '.') },
            )
          : p,
      );
  }
  return out;
}

/** `lines` indented by `indent` (blank lines stay blank). */
const indented = (lines: string[], indent: string): string[] => lines.map((l) => (l === '' ? l : indent + l));

/**
 * Goes through `lines`: each snippet name to `include` (with the line's
 * indentation and the 0-based index of its line), every other line to `keep`
 * (escaped marker lines without their `;`, section markers left out).
 */
function walk(
  lines: string[],
  include: (indent: string, name: string, at: number) => void,
  keep: (line: string, at: number) => void,
): void {
  let block: { indent: string; at: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    if (SECTION.test(line)) continue;
    const b = BLOCK.exec(line);
    if (block) {
      if (b && !b[2]) block = null;
      else if (line.trim() !== '' && !line.trim().startsWith('#')) include(block.indent, line.trim(), i);
      continue;
    }
    const s = SINGLE.exec(line);
    if (s) {
      if (s[2]) keep(`${s[1]}${(s[2] as string).slice(1)}${s[3]}${s[4]}`, i);
      else include(s[1] as string, unquote(s[4] as string), i);
      continue;
    }
    if (b) {
      if (b[2]) keep(`${b[1]}${(b[2] as string).slice(1)}${b[3]}`, i);
      else block = { indent: b[1] as string, at: i };
      continue;
    }
    keep(line, i);
  }
}

const unquote = (q: string): string => q.slice(1, -1).replace(/\\(["'])/g, '$1');

/** A name's file part and its selection: `file.sh:3:9`, `file.sh:3`, `file.sh::9`, `file.sh:section`. */
function parseName(name: string): { path: string; spec: Selection } {
  const lines = /^(.*?):(\d*)(?::(\d*))?$/.exec(name);
  if (lines && (lines[2] !== '' || (lines[3] ?? '') !== '') && /^\d*$/.test(lines[2] ?? ''))
    return {
      path: lines[1] as string,
      spec: { kind: 'lines', from: lines[2] ? Number(lines[2]) : 1, to: lines[3] ? Number(lines[3]) : Infinity },
    };
  const section = /^(.*?):([A-Za-z_][\w-]*)$/.exec(name);
  if (section && !/^[a-z][a-z0-9+.-]*$/i.test(section[1] as string) && (section[1] as string).includes('.'))
    return { path: section[1] as string, spec: { kind: 'section', name: section[2] as string } };
  return { path: name, spec: { kind: 'all' } };
}

type Selection = { kind: 'all' } | { kind: 'lines'; from: number; to: number } | { kind: 'section'; name: string };

function select(lines: string[], spec: Selection): string[] {
  if (spec.kind === 'all') return lines;
  if (spec.kind === 'lines') return lines.slice(Math.max(0, spec.from - 1), spec.to === Infinity ? undefined : spec.to);
  const out: string[] = [];
  let inside = false;
  for (const l of lines) {
    const m = SECTION.exec(l);
    if (m && m[2] === spec.name) {
      inside = m[1] === 'start';
      continue;
    }
    if (inside) out.push(l);
  }
  return out;
}

/**
 * The file a snippet names, read, or null (with a problem) when it is missing
 * or outside the project. Adds to `sources` the file read, or, when none is
 * found, every place looked.
 */
function find(
  name: string,
  settings: SnippetSettings,
  project: string,
  file: string,
  line: number,
  problems: Problem[],
  sources: Set<string>,
): { path: string; lines: string[]; spec: Selection } | null {
  const { path, spec } = parseName(name);
  const at = { file, line, block: 'page' as const };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    problems.push(problem('SnippetNotRead', at, { name, reason: 'it is a URL, and snippets are only read from files of the project' }));
    return null;
  }
  const outside = () =>
    problem('SnippetNotRead', at, {
      name,
      reason: `it is outside the project folder (${settings.projectDir}), which is all snippets may read`,
    });
  for (const base of settings.basePaths) {
    const candidate = resolve(base, path);
    // Outside by its name (`../..`, an absolute path), or by where a link in it points.
    if (!isWithin(resolve(settings.projectDir), candidate)) {
      problems.push(outside());
      return null;
    }
    let real: string;
    try {
      real = realpathSync(candidate);
      if (!statSync(real).isFile()) continue;
    } catch {
      continue;
    }
    if (!isWithin(project, real)) {
      problems.push(outside());
      return null;
    }
    sources.add(real);
    return {
      path: real,
      lines: readFileSync(real, 'utf8')
        .replace(/^\uFEFF/, '')
        .replace(/\r?\n$/, '')
        .split(/\r?\n/),
      spec,
    };
  }
  for (const base of settings.basePaths) sources.add(resolve(base, path));
  problems.push(
    problem('SnippetMissing', at, {
      name,
      looked: settings.basePaths.map((b) => relative(settings.projectDir, b) || '.'),
    }),
  );
  return null;
}
