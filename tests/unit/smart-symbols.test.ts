/**
 * pymdownx.smartsymbols, for courses whose mkdocs.yml turns it on: typed
 * sequences show as the symbols MkDocs shows; code keeps what was typed; a
 * course without the extension keeps every character as written.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';
import { proseHtml } from '../helpers/fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'drillbook-smartsymbols-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PAGE = [
  '# Backups (c) 2026 +/- a day',
  '',
  '!!! note "Copy --> archive"',
  '    Keep 1/2 of them.',
  '',
  'Oracle(tm) and MariaDB(r), c/o the DBA team: primary --> replica <-- client <--> proxy; a =/= b;',
  '1/4 1/2 3/4 7/8 of the 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd, 101st runs; not 2st, 11st or 1/7.',
  'Left alone: 1/2/2024, /1/2/, 11/2, 1/20, ---> and <---, `(c) --> 1/2` in code.',
  '',
  '```sh',
  'echo "(c) --> 1/2 1st"',
  '```',
  '',
].join('\n');

function course(name: string, mkdocs: string | undefined): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'docs'), { recursive: true });
  if (mkdocs !== undefined) writeFileSync(join(dir, 'mkdocs.yml'), mkdocs);
  writeFileSync(join(dir, 'docs', 'index.md'), PAGE);
  return mkdocs === undefined ? join(dir, 'docs') : dir;
}

const html = async (dir: string) => {
  const c = loadCourse(dir);
  const page = c.pages.find((p) => p.file === 'index.md')!;
  return { page, html: (await proseHtml(page)).replace(/<span[^>]*>|<\/span>/g, '') };
};

describe('pymdownx.smartsymbols', () => {
  it('shows the symbols MkDocs shows when mkdocs.yml lists it, in text, headings and admonition titles, not in code', async () => {
    const { page, html: h } = await html(course('on', 'site_name: S\nmarkdown_extensions:\n  - admonition\n  - pymdownx.smartsymbols\n'));
    expect(page.title).toBe('Backups © 2026 ± a day');
    expect(h).toContain('Copy → archive');
    expect(h).toContain('Keep ½ of them.');
    expect(h).toContain('Oracle™ and MariaDB®, ℅ the DBA team: primary → replica ← client ↔ proxy; a ≠ b;');
    expect(h).toContain(
      '¼ ½ ¾ ⅞ of the 1<sup>st</sup>, 2<sup>nd</sup>, 3<sup>rd</sup>, 4<sup>th</sup>, 11<sup>th</sup>, 12<sup>th</sup>, 13<sup>th</sup>, 21<sup>st</sup>, 22<sup>nd</sup>, 101<sup>st</sup> runs; not 2st, 11st or 1/7.',
    );
    expect(h).toContain('Left alone: 1/2/2024, /1/2/, 11/2, 1/20, ---> and &#x3C;---, <code>(c) --> 1/2</code> in code.');
    expect(h).toContain('echo "(c) --> 1/2 1st"');
  });

  it('keeps a group as typed when mkdocs.yml turns it off', async () => {
    const { html: h } = await html(
      course(
        'some',
        'site_name: S\nmarkdown_extensions:\n  - admonition\n  - pymdownx.smartsymbols:\n      arrows: false\n      ordinal_numbers: false\n',
      ),
    );
    expect(h).toContain('Oracle™ and MariaDB®, ℅ the DBA team: primary --> replica &#x3C;-- client &#x3C;--> proxy; a ≠ b;');
    expect(h).toContain('¼ ½ ¾ ⅞ of the 1st, 2nd, 3rd');
  });

  it('changes nothing when the course does not turn it on (or has no mkdocs.yml)', async () => {
    for (const dir of [course('off', 'site_name: S\nmarkdown_extensions:\n  - admonition\n'), course('none', undefined)]) {
      const { page, html: h } = await html(dir);
      expect(page.title).toBe('Backups (c) 2026 +/- a day');
      expect(h).toContain('Oracle(tm) and MariaDB(r), c/o the DBA team: primary --> replica &#x3C;-- client &#x3C;--> proxy; a =/= b;');
      expect(h).toContain('1/4 1/2 3/4 7/8 of the 1st, 2nd');
    }
  });
});
