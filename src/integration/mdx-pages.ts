/**
 * MDX pages of the course, built by @astrojs/mdx from Drillbook's own parse.
 *
 * The course folder is read by src/course like any course; a `.mdx` page's
 * module (its absolute path) is loaded here as an empty MDX source, and the
 * rehype plugin gives the MDX compiler the page as Drillbook read it
 * (src/render/mdx-page.ts): blocks, Markdown and admonitions rendered by the
 * site, JSX and expressions compiled, imports resolved by Vite from the
 * page's folder. So the page is read once, the same way for `check` and the
 * site, and MDX never sees a block fence or an admonition it would misread.
 *
 * `virtual:drillbook/mdx-pages` maps each MDX page (course-relative path)
 * to its module, for src/pages/[...slug].astro.
 */
import { unified } from '@astrojs/markdown-remark';
import type { Root as HastRoot } from 'hast';
import { relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';
import type { VFile } from 'vfile';
import { contentDir } from '../course/config.ts';
import { listPageFiles } from '../course/page-files.ts';
import { checkedPage, readSiteCourse } from '../course/site-course.ts';
import { isMdxFile } from '../lesson/mdx.ts';
import { mdxPageTree } from '../render/mdx-page.ts';

export const MDX_PAGES_MODULE = 'virtual:drillbook/mdx-pages';
const RESOLVED = `\0${MDX_PAGES_MODULE}`;

/** The course-relative path of a course MDX page, or undefined for any other module. */
async function coursePage(id: string): Promise<string | undefined> {
  const path = id.split('?')[0] ?? '';
  if (!isMdxFile(path)) return undefined;
  const course = await readSiteCourse();
  const rel = relative(course.dir, path);
  if (rel.startsWith('..') || rel.startsWith(sep)) return undefined;
  const file = rel.split(sep).join('/');
  return course.pages.some((p) => p.file === file) ? file : undefined;
}

/**
 * Whether @astrojs/mdx is needed (astro.config.mjs): always in the dev server
 * (an author may add a first .mdx page while it runs), otherwise only when
 * the course has an MDX page. Without it a build loads less and Astro checks
 * one renderer less per component: ~0.3 s of CPU on a 105-page course.
 */
export function mdxNeeded(argv: string[] = process.argv.slice(2)): boolean {
  return argv.includes('dev') || mdxFilesListed();
}

/** Whether the course folder has an MDX page file, or cannot be listed (its own error is reported by the build). */
function mdxFilesListed(): boolean {
  try {
    // The files alone: the course itself may still be being read (src/course/read-ahead.ts).
    return listPageFiles(contentDir()).files.some(isMdxFile);
  } catch {
    return true;
  }
}

/** The Vite plugin: the page list, and each course MDX page's source as the empty document the rehype plugin fills. */
export function mdxPagesPlugin(): Plugin {
  return {
    name: 'drillbook-mdx-pages',
    enforce: 'pre',
    resolveId(id) {
      return id === MDX_PAGES_MODULE ? RESOLVED : undefined;
    },
    async load(id) {
      if (id === RESOLVED) {
        // No MDX file in the folder (most courses): no page to list, and bundling need not wait while the course is read.
        if (!mdxFilesListed()) return 'export default {};\n';
        const course = await readSiteCourse();
        const entries = course.pages
          .filter((p) => isMdxFile(p.file))
          .map((p) => `${JSON.stringify(p.file)}: () => import(${JSON.stringify(resolve(course.dir, p.file))})`);
        return `export default {${entries.join(',\n')}};\n`;
      }
      return (await coursePage(id)) === undefined ? undefined : '';
    },
  };
}

/** The rehype plugin: a course MDX page's tree, from the parsed lesson. Other MDX files are left as they are. */
function rehypeCourseMdx() {
  return async (tree: HastRoot, file: VFile) => {
    const page = await coursePage(file.path);
    if (page === undefined) return;
    const route = (await readSiteCourse()).pages.find((p) => p.file === page)?.route;
    if (route === undefined) return;
    const course = await checkedPage(route);
    const lesson = course.pages.find((p) => p.file === page);
    if (!lesson) return;
    tree.children = (await mdxPageTree(lesson, lesson.route)).children;
  };
}

/** The Markdown processor @astrojs/mdx compiles with (astro.config.mjs): unified, with the course's rehype plugin. */
export function mdxProcessor() {
  return unified({ rehypePlugins: [rehypeCourseMdx], smartypants: false });
}
