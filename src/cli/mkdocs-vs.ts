/**
 * MkDocs on the same course folder, for `bench build --vs-mkdocs`: Debian's
 * mkdocs and mkdocs-material, with a generated mkdocs.yml. Two configs:
 *
 * - `features` (what `mkdocs_s` and `ratio` compare with): what the pages
 *   need to read as their authors wrote them, as Material's setup guide has
 *   it: admonitions and collapsible ones (admonition, pymdownx.details),
 *   heading ids and permalinks (attr_list, toc), fences inside admonitions
 *   (pymdownx.superfences) and highlighted code (pymdownx.highlight with
 *   Pygments), since Drillbook highlights every code block;
 * - `bare` (`mkdocs_bare_s`): site_name, docs_dir and the Material theme
 *   only; MkDocs then prints `!!!` lines and unhighlighted code.
 *
 * A page naming a template MkDocs Material does not have (`template:
 * home.html`) gets a stand-in that extends main.html, or MkDocs would stop.
 * After a run, every Markdown page must have its index.html, or the
 * comparison is unfair and the benchmark says so. MDX pages are Drillbook's
 * own and not MkDocs pages: they are not expected.
 */
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Course } from '../course/load-course.ts';
import { isMdxFile } from '../lesson/mdx.ts';
import { measure, type RunResult } from './bench-build.ts';

export interface MkDocsSetup {
  dir: string;
  /** Site folders of the two configs. */
  sites: { features: string; bare: string };
  configs: { features: string; bare: string };
  /** Output files the Markdown pages must produce, relative to a site folder. */
  expected: string[];
}

const FEATURES = `markdown_extensions:
  - admonition
  - attr_list
  - toc:
      permalink: true
  - pymdownx.details
  - pymdownx.superfences
  - pymdownx.highlight:
      use_pygments: true
`;

export function prepare(course: Course, dir: string): MkDocsSetup {
  rmSync(dir, { recursive: true, force: true });
  const overrides = join(dir, 'overrides');
  mkdirSync(overrides, { recursive: true });
  const templates = new Set(course.pages.map((p) => p.meta.template?.trim() ?? '').filter((t) => t !== '' && t !== 'main.html'));
  for (const t of templates) {
    const name = t.endsWith('.html') ? t : `${t}.html`;
    writeFileSync(join(overrides, name), '{% extends "main.html" %}\n');
  }
  const config = (site: string, extra: string) =>
    [
      'site_name: Drillbook benchmark',
      `docs_dir: ${JSON.stringify(course.dir)}`,
      `site_dir: ${JSON.stringify(site)}`,
      'theme:',
      '  name: material',
      `  custom_dir: ${JSON.stringify(overrides)}`,
      extra,
    ].join('\n');
  const sites = { features: join(dir, 'site-features'), bare: join(dir, 'site-bare') };
  const configs = { features: join(dir, 'mkdocs-features.yml'), bare: join(dir, 'mkdocs-bare.yml') };
  writeFileSync(configs.features, config(sites.features, FEATURES));
  writeFileSync(configs.bare, config(sites.bare, ''));
  const expected = course.pages.filter((p) => !isMdxFile(p.file)).map((p) => (p.route === '' ? 'index.html' : `${p.route}/index.html`));
  return { dir, sites, configs, expected };
}

export function run(setup: MkDocsSetup, which: 'features' | 'bare'): Promise<RunResult> {
  rmSync(setup.sites[which], { recursive: true, force: true });
  return measure('mkdocs', ['build', '--quiet', '--config-file', setup.configs[which]], { ...process.env });
}

/** Markdown pages MkDocs did not build. */
export function missingPages(setup: MkDocsSetup, which: 'features' | 'bare'): string[] {
  return setup.expected.filter((f) => !existsSync(join(setup.sites[which], f)));
}
