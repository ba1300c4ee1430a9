/**
 * A course's drillbook.yml. Our own course (content/) sets `links: strict`,
 * so a broken link, anchor or image fails `check --strict` and the strict
 * build; other courses keep warnings. Shown on a test course with a broken
 * link, anchor and image (tests/courses/strict-links), not by breaking
 * content/.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBuild } from '../../src/cli/build.ts';
import { runCheck } from '../../src/cli/check.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import { readCourseSettings } from '../../src/course/settings.ts';

const STRICT = fileURLToPath(new URL('../courses/strict-links/', import.meta.url));
const CONTENT = fileURLToPath(new URL('../../content/', import.meta.url));

/** A copy of the strict test course with its drillbook.yml replaced (or removed, with null). */
function variant(settings: string | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-settings-'));
  cpSync(STRICT, dir, { recursive: true });
  if (settings === null) rmSync(join(dir, 'drillbook.yml'));
  else writeFileSync(join(dir, 'drillbook.yml'), settings);
  return dir;
}

const summary = (dir: string) => loadCourse(dir).problems.map((p) => `${p.name} ${p.severity} ${p.file}:${p.line}`);

describe('links: strict', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env['DRILLBOOK_CONTENT'];
    delete process.env['DRILLBOOK_STRICT'];
  });
  const quiet = () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err += String(s);
      return true;
    });
    return () => err;
  };

  it('makes a broken link, anchor and image errors, saying why', () => {
    expect(summary(STRICT)).toEqual([
      'LinkMissing error index.md:4',
      'ImageMissing error index.md:7',
      'LinkAnchorMissing error index.md:5',
    ]);
    const link = loadCourse(STRICT).problems[0]!;
    expect(link.hint).toBe(
      'Fix the path (it is relative to this file) or add the missing page. This course treats broken links as errors (links: strict in drillbook.yml).',
    );
  });

  it('other courses keep warnings: without the file, or with links: warn', () => {
    const warn = ['LinkMissing warning index.md:4', 'ImageMissing warning index.md:7', 'LinkAnchorMissing warning index.md:5'];
    expect(summary(variant(null))).toEqual(warn);
    expect(summary(variant('links: warn\n'))).toEqual(warn);
  });

  it('check --strict fails on the broken link, and passes the same course in warning mode', async () => {
    quiet();
    expect(await runCheck([STRICT, '--strict'], STRICT)).toBe(1);
    const relaxed = variant(null);
    expect(await runCheck([relaxed, '--strict'], relaxed)).toBe(0);
  });

  it('the strict build refuses to build the course, listing the errors', async () => {
    const err = quiet();
    process.env['DRILLBOOK_CONTENT'] = STRICT;
    expect(await runBuild(['--strict', '--quiet'])).toBe(1);
    expect(err()).toContain('index.md:4:1  error  link  -  Link to "missing-page.md": no such page in the course.');
    expect(err()).toMatch(/drillbook build --strict: 3 content error\(s\) in .*strict-links; nothing was built\.\n$/);
  });

  it('our own course is in this mode, and the settings file is not copied into the site', () => {
    expect(readCourseSettings(CONTENT)).toEqual({ settings: { links: 'strict' }, problems: [] });
    const course = loadCourse(CONTENT);
    expect([...course.index.assets].filter((a) => a.endsWith('drillbook.yml'))).toEqual([]);
    expect(summary(CONTENT)).toEqual([]);
  });

  it('says what is wrong with an unusable drillbook.yml, and keeps the defaults', () => {
    const p = (text: string) => loadCourse(variant(text)).problems.filter((x) => x.name === 'CourseSettings')[0];
    expect(p('links: always\n')?.message).toBe('drillbook.yml: "links" must be one of "warn", "strict"; the default settings are used.');
    expect(p('link: strict\n')?.message).toBe('drillbook.yml: unknown setting "link" (known: links); the default settings are used.');
    expect(p('links: [\n')?.message).toMatch(/^drillbook\.yml: it cannot be read as YAML \(.+\); the default settings are used\.$/);
    expect(summary(variant('links: always\n'))).toContain('LinkMissing warning index.md:4');
  });
});
