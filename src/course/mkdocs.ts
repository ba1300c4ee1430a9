/**
 * An MkDocs project's mkdocs.yml, read for what Drillbook needs from it: the
 * folder the pages are in (`docs_dir`, default `docs`), the site title
 * (`site_name`) and the reading order (`nav:`). Read leniently: MkDocs
 * configs carry tags for Python objects (`!!python/name:...`, `!ENV`) that
 * mean nothing here; their values are ignored.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { problem, type Problem } from '../problems/catalogue.ts';
import { normalisePath } from '../lesson/links.ts';
import { mathSyntaxOf, type MathSyntax } from '../lesson/math.ts';
import { smartSymbolsOf, type SmartSymbols } from '../lesson/smart-symbols.ts';

export interface MkDocsProject {
  /**
   * The content root: docs_dir (default `docs`). Undefined when that folder
   * does not exist: MkDocs stops there, and so does Drillbook (a
   * `MkDocsDocsDirMissing` error), rather than publish the repository root.
   */
  root: string | undefined;
  siteName: string | undefined;
  /** Pages in `nav:` order (paths relative to the content root); empty without `nav:`. */
  order: string[];
  /** `nav:` groups with the pages under them, for section titles. */
  groups: { title: string; files: string[] }[];
  problems: Problem[];
  /**
   * pymdownx.snippets, when `markdown_extensions` enables it: its `base_path`
   * folders (relative to the project folder; default `.`) and `auto_append`
   * files. Undefined when it is not enabled (then `--8<--` lines are text).
   */
  snippets: { basePaths: string[]; autoAppend: string[] } | undefined;
  /** pymdownx.smartsymbols, when `markdown_extensions` lists it: which typed sequences show as symbols. */
  smartSymbols: SmartSymbols | undefined;
  /** pymdownx.arithmatex, when `markdown_extensions` lists it: the math delimiters read. */
  math: MathSyntax | undefined;
  /** mkdocs.yml's `watch:` paths (files or folders), absolute: what `mkdocs serve` watches beside the pages. */
  watch: string[];
  /** The configuration's file name in the project folder (`mkdocs.yml` or `mkdocs.yaml`), as problems name it. */
  configFile: string;
}

/**
 * An extension's options in `markdown_extensions` (a list of names, or of
 * one-key maps of a name to its options): `{}` when it is listed without
 * options, undefined when it is not listed.
 */
function extensionOptions(extensions: unknown, name: string): Record<string, unknown> | undefined {
  for (const item of Array.isArray(extensions) ? extensions : []) {
    if (item === name) return {};
    if (item === null || typeof item !== 'object' || !(name in item)) continue;
    const options = (item as Record<string, unknown>)[name];
    return options !== null && typeof options === 'object' ? (options as Record<string, unknown>) : {};
  }
  return undefined;
}

/** pymdownx.snippets' options. */
function snippetsOf(extensions: unknown): MkDocsProject['snippets'] {
  const list = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  const options = extensionOptions(extensions, 'pymdownx.snippets');
  if (options === undefined) return undefined;
  const basePaths = list(options['base_path']);
  return { basePaths: basePaths.length > 0 ? basePaths : ['.'], autoAppend: list(options['auto_append']) };
}

/** pymdownx.arithmatex's syntax, when the extension is listed. */
function mathIn(extensions: unknown): MathSyntax | undefined {
  const options = extensionOptions(extensions, 'pymdownx.arithmatex');
  return options && mathSyntaxOf(options);
}

/** pymdownx.smartsymbols' groups, when the extension is listed. */
function smartSymbolsIn(extensions: unknown): SmartSymbols | undefined {
  const options = extensionOptions(extensions, 'pymdownx.smartsymbols');
  return options && smartSymbolsOf(options);
}

/** The names MkDocs reads its configuration from, in the order it looks for them. */
export const MKDOCS_CONFIG_NAMES = ['mkdocs.yml', 'mkdocs.yaml'];

/** The MkDocs project in `dir`, or undefined when it has no mkdocs.yml. */
export function readMkDocs(dir: string): MkDocsProject | undefined {
  const name = MKDOCS_CONFIG_NAMES.find((n) => existsSync(join(dir, n)));
  if (!name) return undefined;
  const docsFolder = (docsDir: string | undefined): string | undefined => {
    const candidate = resolve(dir, docsDir ?? 'docs');
    return existsSync(candidate) && statSync(candidate).isDirectory() ? candidate : undefined;
  };
  const missing = (docsDir: string | undefined) =>
    problem('MkDocsDocsDirMissing', { file: name, line: 1, block: 'page' }, { docsDir: docsDir ?? 'docs', given: docsDir !== undefined });
  // A config that cannot be read still has MkDocs' default docs_dir.
  const none: MkDocsProject = {
    root: docsFolder(undefined),
    siteName: undefined,
    order: [],
    groups: [],
    problems: [],
    snippets: undefined,
    smartSymbols: undefined,
    math: undefined,
    watch: [],
    configFile: name,
  };
  if (none.root === undefined) none.problems.push(missing(undefined));
  let text: string;
  try {
    text = readFileSync(join(dir, name), 'utf8');
  } catch {
    return {
      ...none,
      problems: [
        problem('MkDocsConfig', { file: name, line: 1, block: 'page' }, { detail: 'the file cannot be read, so it is ignored' }),
        ...none.problems,
      ],
    };
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    const line = counter.linePos(err.pos[0]).line;
    const detail = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    return {
      ...none,
      problems: [
        problem(
          'MkDocsConfig',
          { file: name, line, block: 'page' },
          { detail: `its YAML does not parse, so it is ignored: ${detail} (line ${line})` },
        ),
        ...none.problems,
      ],
    };
  }
  const config = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  const problems: Problem[] = [];
  const docsDir = typeof config['docs_dir'] === 'string' ? config['docs_dir'] : undefined;
  const root = docsFolder(docsDir);
  if (root === undefined) problems.push(missing(docsDir));
  const order: string[] = [];
  const groups: { title: string; files: string[] }[] = [];
  const walkNav = (items: unknown): string[] => {
    const files: string[] = [];
    for (const item of Array.isArray(items) ? items : []) {
      if (typeof item === 'string') files.push(...page(item));
      else if (item !== null && typeof item === 'object') {
        for (const [title, value] of Object.entries(item as Record<string, unknown>)) {
          if (typeof value === 'string') files.push(...page(value));
          else if (Array.isArray(value)) {
            const inside = walkNav(value);
            groups.push({ title, files: inside });
            files.push(...inside);
          }
        }
      }
    }
    return files;
  };
  const page = (path: string): string[] => {
    if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(path)) return []; // an external link in the nav
    const file = normalisePath(path.trim());
    if (file === null || file === '') return [];
    order.push(file);
    return [file];
  };
  walkNav(config['nav']);
  return {
    root,
    siteName: typeof config['site_name'] === 'string' ? config['site_name'] : undefined,
    order,
    groups,
    problems,
    snippets: snippetsOf(config['markdown_extensions']),
    smartSymbols: smartSymbolsIn(config['markdown_extensions']),
    math: mathIn(config['markdown_extensions']),
    watch: (Array.isArray(config['watch']) ? config['watch'] : [])
      .filter((w): w is string => typeof w === 'string')
      .map((w) => resolve(dir, w)),
    configFile: name,
  };
}
