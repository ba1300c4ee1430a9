/**
 * pymdownx.arithmatex, for courses whose mkdocs.yml turns it on: TeX math is
 * kept out of Markdown exactly as written and typeset by KaTeX at build
 * time; code, prices and escaped dollars stay text; without the extension
 * every character is text as before.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Root } from 'mdast';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';
import { mathSyntaxOf, protectMath, restoreMath } from '../../src/lesson/math.ts';
import { parseMarkdown } from '../../src/lesson/markdown.ts';
import { proseHtml } from '../helpers/fixtures.ts';

const DEFAULT = mathSyntaxOf({});
/** The math of `text` as (display ? 'D:' : 'I:') + TeX, in order, and the text around it. */
function read(text: string, syntax = DEFAULT): { math: string[]; text: string } {
  const tree: Root = parseMarkdown(text, { math: syntax });
  const math: string[] = [];
  let rest = '';
  const walk = (n: { type: string; value?: string; children?: unknown[]; data?: { hProperties?: { className?: string[] } } }) => {
    if (n.type === 'math' || n.type === 'inlineMath') {
      math.push(`${n.data?.hProperties?.className?.includes('arithmatex-display') ? 'D' : 'I'}${n.type === 'math' ? 'B' : ''}:${n.value}`);
      rest += '§';
    } else if (typeof n.value === 'string') rest += n.value;
    for (const c of n.children ?? []) walk(c as never);
  };
  walk(tree as never);
  return { math, text: rest };
}

describe('math in the text (pymdownx.arithmatex)', () => {
  it('reads inline $...$ and \\(...\\) with the TeX as written: underscores, stars and backslashes are not Markdown', () => {
    expect(read('The lag $t_{replay} - t_{commit}$ and \\(a_1 * b_2 \\cdot c\\) grow.')).toEqual({
      math: ['I:t_{replay} - t_{commit}', 'I:a_1 * b_2 \\cdot c'],
      text: 'The lag § and § grow.',
    });
  });

  it('reads display math as a block: $$...$$, \\[...\\] and \\begin{align}...\\end{align} over several lines', () => {
    const r = read(
      'Before.\n\n$$\nRPO = \\max_i (t_{i+1} - t_i)\n$$\n\n\\[ x^2 \\]\n\n\\begin{align}\na &= b\\\\\nc &= d\n\\end{align}\n\nAfter.',
    );
    expect(r.math).toEqual(['DB:RPO = \\max_i (t_{i+1} - t_i)', 'DB:x^2', 'DB:\\begin{align}\na &= b\\\\\nc &= d\n\\end{align}']);
    expect(r.text).toBe('Before.§§§After.');
  });

  it('leaves code, prices, escaped dollars, spaced dollars and shell variables as written', () => {
    const r = read(
      'It costs $5 and $6 a month; \\$x\\$ is escaped; $ x $ has spaces; `$PGDATA/$x$` is code; echo $HOME $PATH.\n\n```sh\necho "$a$b"\n```',
    );
    expect(r.math).toEqual([]);
    expect(r.text).toBe('It costs $5 and $6 a month; $x$ is escaped; $ x $ has spaces; $PGDATA/$x$ is code; echo $HOME $PATH.echo "$a$b"');
  });

  it('puts the TeX back as written where Markdown made it something else (a link, raw HTML)', () => {
    const { text } = protectMath('[see $x$](https://example.org/$y$) <b title="$z$">b</b>', DEFAULT);
    const tree = parseMarkdown(text);
    expect(restoreMath(tree, protectMath('[see $x$](https://example.org/$y$) <b title="$z$">b</b>', DEFAULT).spans)).toBe(1);
    expect(JSON.stringify(tree)).toContain('https://example.org/$y$');
    expect(JSON.stringify(tree)).toContain('<b title=\\"$z$\\">');
  });

  it('reads only the syntax mkdocs.yml names', () => {
    expect(read('$a$ and \\(b\\)', mathSyntaxOf({ inline_syntax: ['round'] })).math).toEqual(['I:b']);
  });
});

const root = mkdtempSync(join(tmpdir(), 'drillbook-math-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const PAGE = '# Lag\n\nThe lag is $t_1 - t_0$.\n\n$$\n\\frac{a}{b}\n$$\n\nA bad one: $\\frac{a$.\n';

function course(name: string, extensions: string[]): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'docs'), { recursive: true });
  writeFileSync(join(dir, 'mkdocs.yml'), `site_name: M\nmarkdown_extensions:\n${extensions.map((e) => `  - ${e}\n`).join('')}`);
  writeFileSync(join(dir, 'docs', 'index.md'), PAGE);
  return dir;
}

describe('math typeset at build time', () => {
  it('with arithmatex listed: KaTeX HTML and MathML, a display block, the page counted as having math', async () => {
    const page = loadCourse(course('on', ['pymdownx.arithmatex:', '    generic: true'])).pages[0]!;
    expect(page.proseMath).toBe(3);
    const html = await proseHtml(page);
    expect(html).toContain(
      '<span class="arithmatex"><span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML">',
    );
    expect(html).toContain('<annotation encoding="application/x-tex">t_1 - t_0</annotation>');
    expect(html).toMatch(/<div class="arithmatex arithmatex-display"><span class="katex-display">/);
    // A formula KaTeX cannot read shows its TeX, marked as an error, and the build goes on.
    expect(html).toContain('katex-error');
    expect(html).not.toMatch(/<script|javascript:/);
  });

  it("typesets math in an admonition's and a tab's title, as MkDocs does", async () => {
    const dir = join(root, 'titles');
    mkdirSync(join(dir, 'docs'), { recursive: true });
    writeFileSync(
      join(dir, 'mkdocs.yml'),
      'site_name: M\nmarkdown_extensions:\n  - admonition\n  - pymdownx.tabbed\n  - pymdownx.arithmatex\n',
    );
    writeFileSync(
      join(dir, 'docs', 'index.md'),
      '# H\n\n!!! note "Lag $t_1 - t_0$ in *seconds*"\n    Body.\n\n=== "Tab $x^2$"\n\n    In the tab.\n\n=== "Plain"\n\n    Other.\n',
    );
    const page = loadCourse(dir).pages[0]!;
    expect(page.proseMath).toBe(2);
    const html = await proseHtml(page);
    expect(html).toMatch(
      /<p class="admonition-title">Lag <span class="arithmatex"><span class="katex">.*<\/span> in <em>seconds<\/em><\/p>/,
    );
    expect(html).toContain('<annotation encoding="application/x-tex">t_1 - t_0</annotation>');
    expect(html).toContain('<annotation encoding="application/x-tex">x^2</annotation>');
  });

  it('without it: dollars are text, nothing is typeset, no styles are linked', async () => {
    const page = loadCourse(course('off', ['admonition'])).pages[0]!;
    expect(page.proseMath).toBe(0);
    const html = await proseHtml(page);
    expect(html).not.toContain('katex');
    expect(html).toContain('The lag is $t_1 - t_0$.');
  });

  it('\\href and \\url to javascript: are never links (KaTeX runs with trust off)', async () => {
    const dir = join(root, 'href');
    mkdirSync(join(dir, 'docs'), { recursive: true });
    writeFileSync(join(dir, 'mkdocs.yml'), 'site_name: M\nmarkdown_extensions:\n  - pymdownx.arithmatex\n');
    writeFileSync(join(dir, 'docs', 'index.md'), '# H\n\nSee $\\href{javascript:alert(1)}{x}$ and $\\url{javascript:alert(2)}$.\n');
    const html = await proseHtml(loadCourse(dir).pages[0]!);
    expect(html).not.toMatch(/href="javascript:/);
  });
});
