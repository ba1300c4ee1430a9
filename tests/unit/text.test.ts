/**
 * Author text shown as written (FORMAT.md §2, issue 14): text fields keep
 * every character, Markdown fields keep Markdown but lose anything that could
 * run script, and bare code in exercises shows as code.
 */
import { describe, expect, it } from 'vitest';
import { fenceBareCode, isBareCode } from '../../src/blocks/exercise/bare-code.ts';
import { mdastToHtml } from '../../src/render/html.ts';
import { parseMarkdown } from '../../src/lesson/markdown.ts';
import { blockText, inlineText } from '../../src/render/text.ts';
import { fixture } from '../helpers/fixtures.ts';
import { WRITTEN } from '../helpers/written.ts';
import { blocksOf, dataOf } from './support.ts';

describe('text fields', () => {
  it('escape every character but code spans and bold', () => {
    expect(inlineText(WRITTEN)).toBe(
      '&gt; Use &lt;path&gt; on &lt;branch&gt;, read &lt;STDIN&gt;, keep &lt;script&gt;alert(1)&lt;/script&gt; as text: find . -exec rm {} \\; then grep &#39;\\(error\\|warning\\)&#39; log, \\@array, __init__, $_ and HEAD~2 with <strong>bold</strong> and <code>&lt;code&gt;</code>.',
    );
  });

  it('follow CommonMark code spans: double backticks, a space each side dropped, an unpaired backtick literal', () => {
    expect(inlineText('Run `` `date` `` now')).toBe('Run <code>`date`</code> now');
    expect(inlineText('a ` b')).toBe('a ` b');
    expect(inlineText('`**not bold**` and **`code in bold`**')).toBe('<code>**not bold**</code> and **<code>code in bold</code>**');
  });

  it('keep line breaks and paragraphs; a fence in block text is code', async () => {
    expect(inlineText('first\nsecond\n')).toBe('first<br>second');
    const html = await blockText('One line\nand the next.\n\nUse:\n```bash\n# not a heading\npg_dump -Fc shop > shop.dump\n```\n');
    expect(html).toMatch(/^<p>One line<br>and the next\.<\/p>\n<p>Use:<\/p>\n<pre class="shiki[^"]*"[^>]*data-language="bash"><code>/);
    expect(html).toContain('# not a heading');
    expect(html).not.toContain('<h1');
  });

  it('are never parsed as Markdown: links, emphasis, quotes and HTML stay literal', () => {
    expect(inlineText('[x](javascript:alert(1)) _a_ ~~b~~ <img src=x onerror=alert(1)>')).toBe(
      '[x](javascript:alert(1)) _a_ ~~b~~ &lt;img src=x onerror=alert(1)&gt;',
    );
  });

  it('hold the written line in every text field of the verbatim fixture', () => {
    const page = fixture('text/verbatim.md');
    expect(page.problems).toEqual([]);
    const quiz = dataOf(page, 'quiz');
    expect([quiz.title, quiz.questions[0]?.question, quiz.questions[0]?.options[0]?.text, quiz.questions[0]?.options[0]?.feedback]).toEqual(
      Array(4).fill(WRITTEN),
    );
    expect(dataOf(page, 'quiz', 1).questions[0]?.options[0]?.feedback).toBe(WRITTEN);
    const term = dataOf(page, 'terminal');
    expect([term.title, term.steps[0]?.narration]).toEqual([WRITTEN, WRITTEN]);
    expect(term.steps[0]?.command).toBe("grep -r '\\(error\\|warning\\)' /var/log/<service>");
    const cw = dataOf(page, 'code-walkthrough');
    expect([cw.title, cw.annotations[0]?.text]).toEqual([WRITTEN, WRITTEN]);
    expect([dataOf(page, 'exercise').title, dataOf(page, 'exercise').hints[0], dataOf(page, 'exercise', 1).tasks[0]?.hint]).toEqual(
      Array(3).fill(WRITTEN),
    );
    const cb = dataOf(page, 'command-builder');
    expect([cb.title, cb.pieces[0]?.label, cb.pieces[0]?.explanation]).toEqual(Array(3).fill(WRITTEN));
    // None of them is read as Markdown (so none is checked for links, none rendered by the Markdown pipeline).
    for (const b of blocksOf(page))
      expect(b.ok && Object.keys(b.prose).filter((k) => !/scenario|solution|prompt|answer/.test(k))).toEqual([]);
  });
});

describe('Markdown fields and page prose', () => {
  const render = (md: string) => mdastToHtml(parseMarkdown(md));

  it('drop script, handlers, javascript: URLs and frames, and keep the text around them', async () => {
    const html = await render(
      'Before <script>alert(1)</script> <img src="http://127.0.0.1:9/x.png" onerror="alert(2)"> [a](javascript:alert(3)) <a href=" JaVaScRiPt:alert(4)">b</a> <iframe src="https://example.org/">frame</iframe> after.',
    );
    expect(html).toBe('<p>Before  <img src="http://127.0.0.1:9/x.png"> <a>a</a> <a>b</a>  after.</p>');
  });

  it('keep the raw HTML MkDocs courses use: div, figure, span, a, img, picture, details, tables, classes, ids, style', async () => {
    const html = await render(
      [
        '<div class="grid cards" id="top" style="text-align:center" data-topic="dumps"><a class="card" href="Backups/logical-dumps/" title="Dumps">Dumps</a></div>',
        '<figure><picture><source srcset="a.webp" type="image/webp"><img src="a.png" alt="A" width="200"></picture><figcaption>Caption</figcaption></figure>',
        '<details open><summary>More</summary><span class="x">inside</span></details>',
        '<a name="anchor"></a>',
      ].join('\n\n'),
    );
    expect(html).toContain(
      '<div class="grid cards" id="top" style="text-align:center" data-topic="dumps"><a class="card" href="Backups/logical-dumps/" title="Dumps">Dumps</a></div>',
    );
    expect(html).toContain(
      '<figure><picture><source srcset="a.webp" type="image/webp"><img src="a.png" alt="A" width="200"></picture><figcaption>Caption</figcaption></figure>',
    );
    expect(html).toContain('<details open><summary>More</summary><span class="x">inside</span></details>');
    expect(html).toContain('<a name="anchor"></a>');
  });

  it('keep heading ids as MkDocs gives them (no prefix) and highlighted code', async () => {
    const tree = parseMarkdown('## Restore {#restore}\n\n```sql\nSELECT 1;\n```\n');
    const { assignHeadingIds } = await import('../../src/lesson/markdown.ts');
    const { HeadingIds } = await import('../../src/lesson/slug.ts');
    assignHeadingIds(tree, new HeadingIds());
    const html = await mdastToHtml(tree);
    expect(html).toContain('<h2 id="restore">Restore');
    expect(html).toContain('data-language="sql"');
  });

  it("make every table a tab stop (wide tables scroll sideways), Markdown tables and the author's own alike", async () => {
    const html = await render('| a | b |\n| - | - |\n| 1 | 2 |\n\n<table tabindex="-1"><tr><td>x</td></tr></table>\n');
    expect(html.match(/<table tabindex="0">/g)).toHaveLength(2);
  });
});

describe('bare code in exercises', () => {
  it('is told from prose, line by line', () => {
    for (const code of [
      "find /srv/backups -name '*.sql.gz' -mtime +7 -delete",
      'SELECT customer_id, max(total) FROM orders GROUP BY customer_id;',
      '# keep a copy first\ncp -a /var/lib/mysql /srv/mysql.bak\nmariabackup --prepare \\\n  --target-dir=/srv/base',
      'PGDATA=/srv/restore pg_ctl start',
      'for f in /srv/wal/*; do\n  gzip -t "$f"\ndone',
      '$ pg_dump -Fc shop > shop.dump',
    ])
      expect(isBareCode(code), code).toBe(true);
    for (const prose of [
      'A physical base backup with pg_basebackup, plus continuous WAL archiving.',
      'archive_command copies every finished WAL segment; set archive_timeout to 300.',
      'psql -tA prints bare values.',
      'find has -mtime and -delete.',
      'GROUP BY the customer.',
      'if the server is down, start it first',
      'Restore into the existing database with `-d`.',
      '# Step one\nStop the server before you copy anything.',
      '- pg_dump\n- pg_restore',
    ])
      expect(isBareCode(prose), prose).toBe(false);
  });

  it('is fenced paragraph by paragraph, keeping indentation, in the exercise language or a guessed one', () => {
    expect(fenceBareCode('# comment\nls -l\n  | head', undefined)).toBe('```bash\n# comment\nls -l\n  | head\n```');
    expect(fenceBareCode('Stop the server first.\n\nsystemctl stop postgresql\n\nThen copy.', undefined)).toBe(
      'Stop the server first.\n\n```bash\nsystemctl stop postgresql\n```\n\nThen copy.',
    );
    expect(fenceBareCode('SELECT 1;', undefined)).toBe('```sql\nSELECT 1;\n```');
    expect(fenceBareCode('print(1)', 'python')).toBe('```python\nprint(1)\n```');
    expect(fenceBareCode('```bash\nls\n```', undefined)).toBe('```bash\nls\n```');
  });

  it('shows a bare-code solution as code in the fixture, `# comment` lines included', () => {
    const ex = dataOf(fixture('text/bare-code.md'), 'exercise');
    expect(ex.solution).toBe(
      '```bash\n# stop writes first\nsystemctl stop mariadb\nmariabackup --copy-back \\\n  --target-dir=/srv/base\nchown -R mysql:mysql /var/lib/mysql\n```',
    );
    expect(ex.hints).toEqual(['```sql\nSHOW BINARY LOGS;\n```', 'Look at the newest binary log first.']);
    expect(dataOf(fixture('text/bare-code.md'), 'exercise', 1).tasks[0]?.answer).toBe(
      '```sql\n-- the rows that came back\nSELECT count(*)\n  FROM orders;\n```',
    );
  });
});
