/**
 * Our own course (content/) as issue 16 defines it done: the home page lists
 * every lesson and lab in the order the sidebar and previous/next follow
 * (content/mkdocs.yml's nav), and every lesson and lab has something to do.
 * Every quiz option explains itself (issue 16: "per-option feedback
 * explaining why"), whichever the learner picks.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';

const CONTENT = fileURLToPath(new URL('../../content/', import.meta.url));
const course = loadCourse(CONTENT);
const pages = course.lessons.filter((l) => l.file !== 'README.md');

describe('our course', () => {
  it('the home page lists every page, in the order of the sidebar', () => {
    const home = readFileSync(`${CONTENT}README.md`, 'utf8');
    const listed = [...home.matchAll(/\]\(([^)#\s]+\.md)\)/g)].map((m) => m[1]);
    expect(listed).toEqual(pages.map((l) => l.file));
  });

  it('the sidebar follows the teaching order, not file names', () => {
    const files = pages.map((l) => l.file);
    expect(files.indexOf('foundations/why-backups-fail.md')).toBe(0);
    expect(files.indexOf('mariadb/mysqldump.md')).toBeLessThan(files.indexOf('mariadb/binlog.md'));
    expect(files.indexOf('postgresql/wal-archiving.md')).toBeLessThan(files.indexOf('postgresql/pitr.md'));
    // each lab right after the lesson it practises
    expect(files.indexOf('postgresql/lab-pg-wal-pitr.md')).toBe(files.indexOf('postgresql/pitr.md') + 1);
    // the tar-format base backup lab builds on the plain-format one (issues 16, 19)
    expect(files.indexOf('postgresql/lab-pg-basebackup-tar-restore.md')).toBe(files.indexOf('postgresql/lab-pg-basebackup-restore.md') + 1);
    expect(course.nav.sections.map((s) => s.title)).toEqual(['Foundations', 'MariaDB and MySQL', 'PostgreSQL', 'Operations']);
  });

  it('every lesson and lab has at least one interactive block', () => {
    const without = pages
      .filter(
        (l) =>
          l.blockCounts.quiz +
            l.blockCounts['command-builder'] +
            l.blockCounts.terminal +
            l.blockCounts.exercise +
            l.blockCounts['code-walkthrough'] +
            l.blockCounts.lab ===
          0,
      )
      .map((l) => l.file);
    expect(without).toEqual([]);
    expect(pages.length).toBeGreaterThanOrEqual(30);
  });

  it('every option of every quiz has feedback that explains it', () => {
    const options: string[] = [];
    const without: string[] = [];
    for (const l of course.pages)
      for (const n of l.nodes)
        if (n.kind === 'block' && n.ok && n.block.type === 'quiz')
          for (const q of n.block.data.questions)
            q.options.forEach((o, i) => {
              options.push(`${l.file}:${n.line}`);
              // Missing, empty, or a bare verdict ("Correct.", "Wrong!") that says nothing about why.
              const f = (o.feedback ?? '').trim();
              if (f === '' || /^(correct|incorrect|right|wrong|yes|no|true|false|exactly|nope)\W*$/i.test(f))
                without.push(`${l.file}:${n.line} "${q.question}" option ${i + 1} (${o.text})`);
            });
    expect(without).toEqual([]);
    expect(options.length).toBeGreaterThan(250);
  });
});
