import { describe, expect, it } from 'vitest';
import { parseMarkdown } from '../../src/lesson/markdown.ts';
import { parseFenceInfo, parseLineList } from '../../src/render/fence-info.ts';
import { mdastToHtml } from '../../src/render/html.ts';
import { fixture, proseHtml } from '../helpers/fixtures.ts';

describe('a fence info string', () => {
  it('reads the language and the options after it, quoted or not', () => {
    expect(parseFenceInfo('sql', 'title="restore check.sql" hl_lines="2 4-5" linenums=10')).toEqual({
      lang: 'sql',
      title: 'restore check.sql',
      hlLines: [2, 4, 5],
      linenums: 10,
      noCopy: false,
    });
    expect(parseFenceInfo('bash', null)).toEqual({ lang: 'bash', title: undefined, hlLines: [], linenums: undefined, noCopy: false });
    expect(parseFenceInfo(null, null).lang).toBeUndefined();
    expect(parseFenceInfo('title="only"', null)).toMatchObject({ lang: undefined, title: 'only' });
    expect(parseFenceInfo('py', "title='single quotes'").title).toBe('single quotes');
  });

  it('reads the attr_list form: the first class is the language, .no-copy drops the copy button', () => {
    expect(parseFenceInfo('{', '.bash .no-copy title="x y" }')).toEqual({
      lang: 'bash',
      title: 'x y',
      hlLines: [],
      linenums: undefined,
      noCopy: true,
    });
    expect(parseFenceInfo('{.sh', '}').lang).toBe('sh');
  });

  it('marks each line once, in order, and ignores what is not a line or a range', () => {
    expect(parseLineList('5 1-3 2, 9-7 x 0')).toEqual([1, 2, 3, 5]);
    expect(parseLineList('1-99999')).toEqual([]);
  });
});

describe('the code options fixture page', () => {
  it('shows the title as plain text above the code, marks lines, numbers them and leaves out the copy button', async () => {
    const page = fixture('page/code-options.md');
    const html = await proseHtml(page);
    expect(html).toContain('<div class="code-titled"><p class="code-title">restore-check.sql</p><pre class="shiki');
    const lines = [...html.matchAll(/<span class="line( hl)?">/g)].slice(0, 5).map((m) => m[1] === ' hl');
    expect(lines).toEqual([false, true, false, true, true]);
    expect(html).toMatch(/<pre class="shiki [^"]*" style="[^"]*" tabindex="0" data-language="bash" data-no-copy="">/);
    expect(html).toContain('<p class="code-title">What the cron job runs</p>');
    expect(html).toMatch(/<pre class="shiki [^"]* linenums" style="[^"]*;counter-reset:fence-line 9"/);
    expect(html).toContain('<p class="code-title">&#x3C;placeholder> &#x26; \\backslash</p>');
    expect(html).not.toContain('title=');
    expect(page.problems).toEqual([]);
  });
});

describe('code annotations (Material)', () => {
  const plain = async (md: string) =>
    (await mdastToHtml(parseMarkdown(md))).replace(/ style="[^"]*"/g, '').replace(/<span>|<\/span>(?!<\/span>)/g, '');

  it('show a comment marker as the number of a note in the ordered list right after the code', async () => {
    const md = '```bash\npg_dump -Fc shop > shop.dump # (1)!\necho f(2) # keep this (2)\n```\n\n1.  Custom format.\n2.  Kept.\n';
    const out = await mdastToHtml(parseMarkdown(md));
    expect(out).toContain('<span class="code-annotation" data-annotation="1"></span>');
    // `(1)!` alone in a comment takes the comment out; `(2)` after comment text keeps the text; `f(2)` in code is code.
    expect(out).not.toContain('# (1)!');
    expect(out).toContain('># keep this<span class="code-annotation" data-annotation="2"');
    expect(out).toContain('<ol class="code-annotations">');
  });

  it('leave markers as written when no ordered list follows', async () => {
    expect(await plain('```sql\nSELECT 1; -- (1)!\n```\n\nText.\n')).toContain('-- (1)!');
  });
});
