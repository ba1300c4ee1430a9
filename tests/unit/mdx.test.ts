/**
 * MDX pages (issue 18): blocks written as components read exactly as the
 * same blocks written as fences, problems come at the file line of the
 * component, and author text in an MDX page goes through the same text and
 * sanitising rules as in Markdown.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHtml } from 'hast-util-to-html';
import { describe, expect, it } from 'vitest';
import { setReadAhead } from '../../src/course/site-course.ts';
import { MDX_PAGES_MODULE, mdxPagesPlugin } from '../../src/integration/mdx-pages.ts';
import { BLOCK_TYPES, blockRegistry, type CourseBlockNode, type CourseLesson } from '../../src/blocks/registry.ts';
import type { BlockKind } from '../../src/lesson/block-kind.ts';
import { componentName, parseMdx, staticValue, expressionOf } from '../../src/lesson/mdx.ts';
import { parseLesson, type BlockProse } from '../../src/lesson/parse-lesson.ts';
import { mdxToHast } from '../../src/render/html.ts';
import { mdxPageTree } from '../../src/render/mdx-page.ts';
import { fixture, fixtureCourse } from '../helpers/fixtures.ts';
import { blocksOf, seen } from './support.ts';

const INDEX = { pages: new Map([['a.mdx', 'a']]), assets: new Set(['Note.astro']), base: '/' };
const page = (source: string, index = INDEX) => parseLesson(source, 'a.mdx', index, blockRegistry);

/** Positions (and the block's line its Markdown fields carry) differ between a fence and a component; what a block is does not. */
function withoutPositions(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutPositions);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== 'position' && k !== 'startLine' && k !== 'line')
        .map(([k, x]) => [k, withoutPositions(x)]),
    );
  return v;
}

/** A block as the site renders it: type, data without the id, Markdown fields without positions. */
function comparable(node: CourseBlockNode) {
  if (!node.ok) throw new Error(`${node.type} at line ${node.line}: ${node.problems.map((p) => p.message).join('; ')}`);
  const data = { ...(node.block.data as Record<string, unknown>) };
  delete data['id'];
  return { type: node.type, data, prose: withoutPositions(node.prose as BlockProse) };
}

const byType = (l: CourseLesson) => blocksOf(l).map(comparable);

describe('blocks in MDX pages', () => {
  const twin = fixture('mdx/markdown-twin.md');

  it('the twin pages hold every block type once', () => {
    expect(blocksOf(twin).map((b) => b.type)).toEqual(BLOCK_TYPES);
    expect(blocksOf(fixture('mdx/components.mdx')).map((b) => b.type)).toEqual(BLOCK_TYPES);
  });

  it('a block written as a component with its canonical fields as props reads as the same block written as a fence', () => {
    const components = byType(fixture('mdx/components.mdx'));
    const fences = byType(twin);
    for (const [i, c] of components.entries()) {
      const f = fences[i];
      // The lab's id is its own on each page (lab ids are unique in a course); everything else is the same.
      expect(c, c.type).toEqual(f);
    }
  });

  it('fences in an .mdx page read as in a .md page', () => {
    expect(byType(fixture('mdx/fences.mdx'))).toEqual(byType(twin));
  });

  it('components count like fences, and get ids in page order like fences', () => {
    const l = fixture('mdx/components.mdx');
    expect(l.blockCounts).toEqual({ quiz: 1, 'command-builder': 1, terminal: 1, exercise: 1, 'code-walkthrough': 1, mermaid: 1, lab: 1 });
    expect(blocksOf(l).map((b) => b.id)).toEqual([
      'mdx-components-quiz-1',
      'mdx-components-command-builder-1',
      'mdx-components-terminal-1',
      'mdx-components-exercise-1',
      'mdx-components-code-walkthrough-1',
      'mdx-components-mermaid-1',
      'twin-lab-components',
    ]);
    expect(l.problems).toEqual([]);
  });

  it("every fixture block's canonical data, given back as props, reads as the same block", () => {
    let checked = 0;
    for (const l of fixtureCourse().pages)
      for (const b of blocksOf(l)) {
        if (!b.ok || b.inProse) continue;
        const def = blockRegistry[b.type] as BlockKind;
        const again = def.read(structuredClone(b.block.data) as Record<string, unknown>, { id: b.id, file: l.file, line: b.line });
        expect(again.ok && again.data, `${l.file}:${b.line} ${b.type}`).toEqual(b.block.data);
        checked++;
      }
    expect(checked).toBeGreaterThan(80);
  });

  it('a component is named after its block type', () => {
    expect(BLOCK_TYPES.map(componentName)).toEqual(['Quiz', 'CommandBuilder', 'Terminal', 'Exercise', 'CodeWalkthrough', 'Mermaid', 'Lab']);
  });
});

describe('problems in MDX pages, at the file line', () => {
  it('wrong props, props that are code, content between the tags and unknown components', () => {
    expect(fixture('mdx/invalid-props.mdx').problems.map((p) => [p.line, p.name, p.block, p.path])).toEqual([
      [9, 'QuizNoCorrect', 'quiz', 'options'],
      [11, 'MdxPropExpression', 'terminal', 'title'],
      [13, 'AnnotationOutOfRange', 'code-walkthrough', 'annotations.0.line'],
      [15, 'MdxBlockChildren', 'exercise', ''],
      [19, 'MdxUnknownComponent', 'mdx', ''],
      [21, 'MdxHtmlAttribute', 'mdx', ''],
    ]);
  });

  it('an MDX syntax error is one problem at its line; the rest of the page is read', () => {
    const l = fixture('mdx/invalid-syntax.mdx');
    expect(l.problems.map(seen)).toEqual([
      {
        name: 'MdxSyntax',
        severity: 'error',
        file: 'mdx/invalid-syntax.mdx',
        line: 14,
        block: 'mdx',
        path: '',
        message: 'The MDX does not parse: Expected a closing tag for `<span>` before the end of `paragraph`.',
      },
    ]);
    expect(l.title).toBe('A syntax error in MDX');
    expect(l.nodes.map((n) => n.kind)).toEqual(['markdown', 'admonition', 'markdown', 'block']);
    const broken = l.nodes[2];
    expect(broken?.kind === 'markdown' && broken.broken?.source).toContain('<span class="x">');
    expect(blocksOf(l)[0]?.ok).toBe(true);
  });

  it('a syntax error inside an admonition is at its file line and column', () => {
    const l = page('# T\n\n!!! note\n    Fine.\n\n    Broken {\n');
    expect(l.problems.map((p) => [p.name, p.line])).toEqual([['MdxSyntax', 6]]);
  });

  it('a prop spread from code, or a template string with ${}, is code', () => {
    const l = page('<Quiz {...props} />\n\n<Quiz question={`Which ${x}?`} options={[{ text: "a", correct: true }, { text: "b" }]} />\n');
    expect(l.problems.map((p) => [p.line, p.name, p.path, p.message])).toEqual([
      [1, 'MdxPropExpression', '', '<Quiz> spreads props from code ({...props}), which Drillbook cannot read without running the page.'],
      [
        3,
        'MdxPropExpression',
        'question',
        'Prop "question" of <Quiz> is code (`Which ${x}?`), which Drillbook cannot read without running the page.',
      ],
    ]);
  });

  it('an import of a file the course does not hold, or of a package that is not installed, is reported and left out', () => {
    const index = { ...INDEX, moduleExists: (spec: string) => spec === 'installed-pkg' };
    const l = page(
      "import Note from './Note.astro';\nimport Gone from './Gone.astro';\nimport { Tabs } from 'not-installed/components';\nimport x from 'installed-pkg';\n\n<Gone />\n",
      index,
    );
    expect(l.problems.map((p) => [p.line, p.name, p.message])).toEqual([
      [2, 'MdxImportMissing', 'The page imports "./Gone.astro", which does not exist (looked for "Gone.astro").'],
      [3, 'MdxImportMissing', 'The page imports "not-installed/components", which does not exist (looked for "not-installed/components").'],
      [6, 'MdxUnknownComponent', '<Gone> is neither imported on this page nor a Drillbook block.'],
    ]);
    expect(l.mdxImports.map((i) => [i.source, i.found])).toEqual([
      ['./Note.astro', true],
      ['./Gone.astro', false],
      ['not-installed/components', false],
      ['installed-pkg', true],
    ]);
  });

  it('a duplicate id between a fence and a component is reported at the second one', () => {
    const l = page(
      '```quiz\nid: same\nquestion: "a?"\noptions:\n  - text: "y"\n    correct: true\n  - text: "n"\n```\n\n<Quiz id="same" question="b?" options={[{ text: "y", correct: true }, { text: "n" }]} />\n',
    );
    expect(l.problems.map((p) => [p.line, p.name])).toEqual([[10, 'DuplicateBlockId']]);
  });
});

describe('a local component, expressions and HTML in an MDX page', () => {
  const l = fixture('mdx/local-component.mdx');

  it('reads without problems; the component is imported, found, and not published as a file', () => {
    expect(l.problems).toEqual([]);
    expect(l.mdxImports).toEqual([{ source: './components/Callout.astro', names: ['Callout'], line: 7, found: true }]);
    expect(fixtureCourse().index.assets.has('mdx/components/Callout.astro')).toBe(false);
  });

  it('finds a block inside a component, renders it where it is written, and counts it', () => {
    const [quiz] = blocksOf(l);
    expect(quiz?.id).toBe('inside-callout');
    expect(quiz?.inProse).toBe(true);
    expect(l.blockCounts.quiz).toBe(1);
  });

  it('gives the MDX compiler the imports first, the component with the block inside it, and our HTML for the rest', async () => {
    const tree = await mdxPageTree(l, l.route);
    const kinds = (tree.children as { type: string; name?: string }[]).map((c) => `${c.type}${c.name ? `:${c.name}` : ''}`);
    expect(kinds[0]).toBe('mdxjsEsm');
    expect(kinds).toContain('mdxJsxFlowElement:Callout');
    const callout = (
      tree.children as { name?: string; children?: { name?: string; attributes?: { name: string; value: string }[] }[] }[]
    ).find((c) => c.name === 'Callout');
    const ref = callout?.children?.find((c) => c.name === 'DrillbookNode');
    expect(ref?.attributes).toEqual([
      { type: 'mdxJsxAttribute', name: 'route', value: 'mdx/local-component' },
      { type: 'mdxJsxAttribute', name: 'index', value: '1' },
    ]);
  });
});

describe('author text in MDX follows the Markdown rules', () => {
  const hast = async (src: string) => {
    const p = parseMdx(src);
    if (!p.ok) throw new Error(p.reason);
    const tree = await mdxToHast(p.tree, () => false);
    // MDX nodes are the compiler's; show them by name to see where they are.
    const show = (n: { type: string; name?: string; children?: unknown[] }): unknown =>
      n.type.startsWith('mdx')
        ? { type: 'element', tagName: `mdx-${n.name ?? n.type}`, properties: {}, children: (n.children ?? []).map((c) => show(c as never)) }
        : n.children
          ? { ...n, children: n.children.map((c) => show(c as never)) }
          : n;
    return toHtml(show(tree as never) as never);
  };

  it('HTML elements are sanitised like raw HTML in Markdown: no script, handler or javascript: URL', async () => {
    const html = await hast(
      '<div class="grid" data-cols="2">ok</div>\n\n<script>{"alert(1)"}</script>\n\n<img src="x.png" onerror="alert(1)" />\n\n<a href="javascript:alert(1)">x</a>\n\n<iframe src="https://example.org"></iframe>\n',
    );
    expect(html).toContain('<div class="grid" data-cols="2">');
    expect(html).not.toMatch(/script|onerror|javascript:|iframe/);
    expect(html).toContain('<img src="x.png">');
  });

  it('an HTML attribute written as code is dropped (and reported), a literal one kept', () => {
    const l = page('<div title={"kept"} onClick={() => go()}>x</div>\n');
    expect(l.problems.map((p) => [p.name, p.message])).toEqual([
      ['MdxHtmlAttribute', "The <div> element's attribute onClick is code, so it was left out."],
    ]);
  });

  it('a <Fragment> keeps set:text and slot; set:html and anything else on it is left out (and reported): it would skip the sanitiser', () => {
    const l = page('<Fragment set:html="<img src=x onerror=alert(1)>" />\n\n<Fragment set:text="<b>t</b>" slot="s" {...x} />\n');
    expect(l.problems.map((p) => [p.name, p.message, p.line])).toEqual([
      ['MdxFragmentHtml', '<Fragment set:html> would put HTML into the page without sanitising it, so it was left out.', 1],
      ['MdxFragmentHtml', '<Fragment {...x}> would put HTML into the page without sanitising it, so it was left out.', 3],
    ]);
  });

  it("a component's content is sanitised too; the component and expressions stay for the compiler", async () => {
    const html = await hast('import Note from "./Note.astro";\n\n<Note kind="tip">Hi <b onclick="x()">there</b> {1 + 1}</Note>\n');
    expect(html).toContain('<p><mdx-Note>Hi <b>there</b> <mdx-mdxTextExpression></mdx-mdxTextExpression></mdx-Note></p>');
  });

  it('text fields given as props keep every character, as in a fence: nothing in a prop is HTML or code', () => {
    const l = page(
      '<Quiz question="Keep <script>alert(1)</script> and `<b>`" options={[{ text: "<img src=x onerror=alert(1)>", correct: true }, { text: "b" }]} />\n',
    );
    const [b] = blocksOf(l);
    expect(b?.ok && b.block.data).toMatchObject({
      questions: [
        { question: 'Keep <script>alert(1)</script> and `<b>`', options: [{ text: '<img src=x onerror=alert(1)>' }, { text: 'b' }] },
      ],
    });
  });

  it('literals are read without running anything; a multi-line template string keeps its indentation', () => {
    const p = parseMdx('<X a={[1, -2, "s", true, null, { k: `t` }]} b={`x\n    y`} c={f()} />');
    if (!p.ok) throw new Error(p.reason);
    const el = p.tree.children[0] as unknown as { attributes: { value: { value: string; data: { estree: never } } }[] };
    const src = '<X a={[1, -2, "s", true, null, { k: `t` }]} b={`x\n    y`} c={f()} />';
    const [a, b, c] = el.attributes.map((x) => staticValue(expressionOf(x.value.data.estree), src));
    expect(a).toEqual({ ok: true, value: [1, -2, 's', true, null, { k: 't' }] });
    expect(b).toEqual({ ok: true, value: 'x\n    y' });
    expect(c).toEqual({ ok: false });
  });
});

describe("README's authoring reference", () => {
  it('shows each block type as a fence and as a component, and each pair reads as the same block', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('<!-- mdx-pairs -->'), readme.indexOf('<!-- /mdx-pairs -->'));
    const fences = [...section.matchAll(/^````markdown\n([\s\S]*?)\n````$/gm)].map((m) => m[1] as string);
    const components = [...section.matchAll(/^```mdx\n([\s\S]*?)\n```$/gm)].map((m) => m[1] as string);
    expect(fences).toHaveLength(BLOCK_TYPES.length);
    expect(components).toHaveLength(BLOCK_TYPES.length);
    const read = (source: string, file: string) => {
      const l = parseLesson(source, file, { pages: new Map([[file, 'x']]), assets: new Set(), base: '/' }, blockRegistry);
      expect(l.problems, file).toEqual([]);
      const [b] = blocksOf(l);
      if (!b) throw new Error(`no block in ${source}`);
      return comparable(b);
    };
    const fromFences = fences.map((f) => read(f, 'x.md'));
    expect(fromFences.map((b) => b.type)).toEqual(BLOCK_TYPES);
    components.forEach((c, i) => expect(read(c, 'x.mdx'), BLOCK_TYPES[i]).toEqual(fromFences[i]));
  });
});

describe('the MDX page list while the course is still being read', () => {
  const list = async (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-mdx-list-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const before = process.env['DRILLBOOK_CONTENT'];
    process.env['DRILLBOOK_CONTENT'] = dir;
    // A read ahead that never ends: whatever waits for the course waits forever.
    setReadAhead(new Promise(() => undefined));
    try {
      const plugin = mdxPagesPlugin();
      const load = (plugin.load as (id: string) => Promise<unknown>).bind(plugin);
      const timeout = new Promise((done) => setTimeout(() => done('still waiting'), 300));
      return await Promise.race([load(`\0${MDX_PAGES_MODULE}`), timeout]);
    } finally {
      setReadAhead(undefined);
      if (before === undefined) delete process.env['DRILLBOOK_CONTENT'];
      else process.env['DRILLBOOK_CONTENT'] = before;
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('is empty at once for a folder without an MDX file: bundling does not wait for the course', async () => {
    expect(await list({ 'README.md': '# Home\n' })).toBe('export default {};\n');
  });

  it('waits for the course when the folder has an MDX file, to list only its pages', async () => {
    expect(await list({ 'README.md': '# Home\n', 'page.mdx': '# Page\n' })).toBe('still waiting');
  });
});
